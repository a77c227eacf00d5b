# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fixtures: a Client and an ExitListener that skip only where the kernel
or the capability is really missing."""
import errno
import os
import subprocess

import pytest

import taskstats


@pytest.fixture
def client():
    try:
        c = taskstats.Client()
        c.pid(os.getpid())
    except taskstats.TaskstatsUnavailable as e:
        pytest.skip(str(e))
    except PermissionError as e:
        pytest.skip("%s (needs CAP_NET_ADMIN)" % e)
    yield c
    c.close()


@pytest.fixture
def listener():
    try:
        # Room for the exits of the rest of the machine while a test waits
        # for its own children's: a busy machine must not make them drop.
        lst = taskstats.ExitListener(rcvbuf=8 << 20)
    except (taskstats.TaskstatsUnavailable, PermissionError) as e:
        pytest.skip(str(e))
    except OSError as e:
        if e.errno != errno.EINVAL:
            raise
        pytest.skip("%s (exit listeners need the initial user and PID namespaces)" % e)
    yield lst
    lst.close()


def children(n, code=0):
    """Runs n short children that exit with code; returns their pids."""
    pids = set()
    for _ in range(n):
        p = subprocess.Popen(["/bin/sh", "-c", "exit %d" % code])
        assert p.wait() == code
        pids.add(p.pid)
    return pids


def mine(rec):
    """An exit record of one of this process's children."""
    return rec.kind == taskstats.Kind.PID and rec.ppid == os.getpid()
