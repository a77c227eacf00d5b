# SPDX-License-Identifier: LGPL-2.1-or-later
"""--listen --json-lines: exit records as JSON Lines, and -J: one document
at the end, against exits this test causes. The text lines, the storm and the network namespace are in
tests/test-cli.c."""
import os
import signal
import sys
import time

import pytest

from clitest import (READY, V_TGID, cli_path, ok, spawn_group_killed, spawn_killed,
                     struct_version)


def kill_until_done(b, comm):
    """Children named comm, each killed and reaped, one after another until
    the listening CLI b has had its count and exited."""
    for _ in range(100000):
        if b.exited():
            break
        spawn_killed(comm)
        b.read(0)


def test_listen_json_count(background):
    # 20 records: other exits on a busy machine count too, and ours
    # (spawned without pause until the CLI stops) must be among them. An
    # exit storm elsewhere (another suite's burst of 20,000 exits) can fill
    # all 20 before ours arrive: then the run is tried again, 2 s later,
    # up to eight times.
    group_exit = struct_version() >= V_TGID
    for attempt in range(8):
        if attempt:
            time.sleep(2)
        b = background([cli_path(), "--listen", "--count", "20", "--json-lines",
                        "--rcvbuf", "16M"])
        b.wait_for("err", READY)
        kill_until_done(b, "tstats-lc")
        r = ok(b.finish())
        assert r.out.count(b"\n") == 20, r
        d = r.json_lines()
        assert len(d) == 20
        for t in d:
            assert t["event"] == "exit" and t["type"] in ("pid", "tgid"), t
            assert type(t["group_exit"]) is bool and type(t["received_ns"]) is int, t
            # The object of the -p document: every field, null when absent.
            assert "cpu_delay_max_ts" in t and "hiwater_rss" in t, t
        assert b"taskstats-cli: 20 records printed from " in r.err
        assert b"; no events lost\n" in r.err
        if any(t["comm"] == "tstats-lc" and t["ppid"] == os.getpid() and t["exit_code"] == 9
               and t["group_exit"] is group_exit for t in d):
            return
        print("attempt %d: 20 other exits came first: %s"
              % (attempt + 1, sorted({t["comm"] for t in d})), file=sys.stderr)
    pytest.fail("none of our exits among 20 records in eight runs: %s"
                % [(t["comm"], t["ppid"], t["exit_code"], t["group_exit"]) for t in d])


def test_listen_tgid(background):
    """A thread group's end: the last thread's PID line, then its TGID line."""
    b = background([cli_path(), "--listen", "--json-lines"])
    b.wait_for("err", READY)
    pid = spawn_group_killed("tstats-mt")
    b.wait_for("out", b'"type":"tgid","id":%d,' % pid)
    b.signal(signal.SIGINT)
    d = ok(b.finish()).json_lines()
    # Four threads' PID records; the TGID record right after the last
    # one, both marked as the group's end.
    ends = [(p["type"], p["group_exit"], p["tgid"], g["group_exit"], g["comm"], g["read_char"])
            for p, g in zip(d, d[1:]) if g["type"] == "tgid" and g["id"] == pid]
    if struct_version() < V_TGID:
        # No ac_tgid: the threads by their inherited name.
        assert len([t for t in d if t["event"] == "exit" and t["type"] == "pid"
                    and t["comm"] == "tstats-mt" and t["tgid"] is None]) == 4, d
        assert ends == [("pid", True, None, True, None, None)], d
        return
    assert len([t for t in d if t["event"] == "exit" and t["type"] == "pid"
                and t["tgid"] == pid]) == 4, d
    # The last thread's record, right before the group's, has its CPU time.
    assert all(p["utime"] is not None for p, g in zip(d, d[1:])
               if g["type"] == "tgid" and g["id"] == pid), d
    assert ends == [("pid", True, pid, True, None, None)], d


def test_listen_json_document(background):
    """-J: one document when the listening ends, its exits the objects
    that --json-lines writes one per line."""
    b = background([cli_path(), "--listen", "--count", "3", "-J"])
    b.wait_for("err", READY)
    kill_until_done(b, "tstats-ld")
    r = ok(b.finish())
    d = r.json()
    assert list(d) == ["schema_version", "exits", "losses"] and d["schema_version"] == 1, d
    assert len(d["exits"]) == 3 and d["losses"] == [], d
    for t in d["exits"]:
        assert t["event"] == "exit" and type(t["received_ns"]) is int, t
