# SPDX-License-Identifier: LGPL-2.1-or-later
"""Exit listeners against the real kernel: records, non-blocking dispatch,
losses that never cost the records already received, asyncio, a burst."""
import asyncio
import errno
import os
import select
import subprocess
import threading
import time

import pytest

import taskstats
from conftest import children, mine


def test_exits_of_children(listener):
    assert listener.fileno() >= 0 and listener.cpus
    pids = children(3, code=7)
    got = listener.run(count=3, timeout=20, match=mine)
    assert {r.pid for r in got.records} == pids and got.lost == 0
    for r in got.records:
        assert r.exit_code == 7 << 8 and r.comm == "sh" and r.group_exit and r.id == r.pid
        assert taskstats.RecordFlag.EXIT in r.record_flags and r.utime is not None
    st = listener.stats()
    assert st.messages >= 3 and st.records >= 3 and st.overflows == 0
    # Nothing matches: the timeout ends the wait with what there is.
    t0 = time.monotonic()
    assert listener.run(count=1, timeout=0.2, match=lambda r: False).records == []
    assert 0.2 <= time.monotonic() - t0 < 5


def test_run_timeout_zero_returns_what_is_pending(listener):
    (pid,) = children(1)
    # The exit is queued in the socket: timeout=0 must deliver it (D2).
    select.select([listener], [], [], 10)
    time.sleep(0.05)
    got = listener.run(timeout=0, match=mine)
    assert [r.pid for r in got.records] == [pid]


def test_dispatch_never_blocks(listener):
    # Nothing of ours pending: it returns at once (other tasks' exits, if
    # any, are what it returns).
    t0 = time.monotonic()
    assert not [r for r in listener.dispatch().records if mine(r)]
    assert time.monotonic() - t0 < 1
    (pid,) = children(1)
    seen = []
    deadline = time.monotonic() + 10
    while pid not in seen and time.monotonic() < deadline:
        select.select([listener.fileno()], [], [], 1)
        seen += [r.pid for r in listener.dispatch().records if mine(r)]
    assert seen == [pid]


def test_run_stops_at_count_and_keeps_the_rest(listener):
    pids = children(3)
    first = listener.run(count=1, timeout=20, match=mine)
    rest = listener.run(count=2, timeout=20, match=mine)
    assert {r.pid for r in first.records + rest.records} == pids


def test_match_that_raises_loses_nothing(listener):
    pids = children(2)

    class Boom(Exception):
        pass

    calls = []

    def boom(rec):
        if mine(rec):
            calls.append(rec.pid)
            if len(calls) == 2:
                raise Boom()
            return True
        return False

    with pytest.raises(Boom):
        listener.run(count=2, timeout=20, match=boom)
    # Both records are still there: the one matched before and the one
    # whose match raised.
    got = listener.run(count=2, timeout=20, match=mine)
    assert {r.pid for r in got.records} == pids


def test_losses_are_counted_not_raised(listener):
    # Three exits queue in the socket; then the smallest buffer the kernel
    # allows, and exits nobody reads: the kernel drops some. run() returns
    # the records received before the loss and counts it, never raises (D1).
    before = children(3)
    select.select([listener], [], [], 10)
    time.sleep(0.1)
    listener.set_rcvbuf(1)
    after = children(300)
    got = listener.run(timeout=2, match=mine)
    pids = {r.pid for r in got.records}
    assert got.overflows >= 1 and got.lost == got.overflows
    assert before <= pids and pids <= before | after and len(pids) < len(before | after)
    st = listener.stats()
    assert st.overflows >= 1 and (st.dropped is None or st.dropped > 0)


def test_asyncio_add_reader(listener):
    async def wait_for_child():
        loop = asyncio.get_running_loop()
        found = loop.create_future()

        def readable():
            for r in listener.dispatch().records:
                if mine(r) and not found.done():
                    found.set_result(r)

        loop.add_reader(listener.fileno(), readable)
        try:
            proc = await asyncio.create_subprocess_exec("/bin/sh", "-c", "exit 3")
            await proc.wait()
            rec = await asyncio.wait_for(found, 20)
            return proc.pid, rec
        finally:
            loop.remove_reader(listener.fileno())

    pid, rec = asyncio.run(wait_for_child())
    assert rec.pid == pid and rec.exit_code == 3 << 8


def test_closed_listener(listener):
    listener.close()
    with pytest.raises(ValueError):
        listener.dispatch()
    listener.close()


def test_exit_burst_every_record_arrives(listener):
    """20,000 threads exit as fast as this process can start them; with a
    receive buffer sized for the burst, every exit arrives."""
    exits = 20000
    listener.set_rcvbuf(64 << 20)
    tids = []
    lock = threading.Lock()

    def body():
        with lock:
            tids.append(threading.get_native_id())

    t0 = time.monotonic()
    alive = []
    for _ in range(exits):
        t = threading.Thread(target=body)
        t.start()
        alive.append(t)
        if len(alive) == 32:
            for t in alive:
                t.join()
            alive = []
    for t in alive:
        t.join()
    produced = time.monotonic() - t0
    want = set(tids)
    assert len(want) == exits

    me = os.getpid()
    seen = set()
    deadline = time.monotonic() + 60
    lost = 0
    while want - seen and time.monotonic() < deadline:
        got = listener.run(timeout=1, match=lambda r: r.tgid == me)
        lost += got.lost
        seen.update(r.pid for r in got.records)
    st = listener.stats()
    print("%d thread exits in %.2f s; %d messages, overflows %d, dropped %s"
          % (exits, produced, st.messages, st.overflows, st.dropped))
    assert not want - seen and lost == 0 and st.overflows == 0 and not st.dropped


def test_cpus_and_rcvbuf(listener):
    with taskstats.ExitListener(cpus="0", rcvbuf=1 << 20) as lst:
        assert lst.cpus == "0"
        assert lst.set_rcvbuf(4 << 20) >= 8 << 20
        for bad in (0, -1, 1 << 31):
            with pytest.raises(ValueError):
                lst.set_rcvbuf(bad)
    with pytest.raises(OSError) as e:
        taskstats.ExitListener(cpus="0-")
    assert e.value.errno == errno.EINVAL
