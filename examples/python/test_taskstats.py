#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Tests the ctypes example (taskstats.py) against the real kernel.

Usage: test_taskstats.py LIBTASKSTATS_SO. Exits 77 (skip) only without a
TASKSTATS family or CAP_NET_ADMIN."""
import errno
import os
import subprocess
import sys


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def preload_asan():
    """Sanitized builds: the library needs the ASan runtime loaded before
    anything else, so this interpreter runs again with it preloaded (and
    without leak checks: the interpreter's own allocations at exit are not
    the library's). Children started later do not inherit the preload."""
    rt = os.environ.get("TSTATS_ASAN_RUNTIME")
    if not rt:
        return
    if os.environ.get("LD_PRELOAD") == rt:
        del os.environ["LD_PRELOAD"]
        return
    env = dict(os.environ, LD_PRELOAD=rt,
               ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0")
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


def main():
    preload_asan()
    os.environ["TSTATS_LIBRARY"] = os.path.abspath(sys.argv[1])
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.dont_write_bytecode = True  # no __pycache__ in the source tree
    import taskstats

    me = os.getpid()
    try:
        rec = taskstats.query(me)
    except PermissionError as e:
        print("SKIP: %s (needs CAP_NET_ADMIN)" % e, file=sys.stderr)
        sys.exit(77)
    except FileNotFoundError as e:
        print("SKIP: no TASKSTATS family: %s" % e, file=sys.stderr)
        sys.exit(77)

    names = [f[0] for f in taskstats.fields()]
    if "cpu_delay_total" not in names or len(set(names)) != len(names):
        fail("field table: %s" % names)
    with open("/proc/self/comm") as f:
        comm = f.read().rstrip("\n")
    if rec.get("pid") != me or rec.get("tgid") != me or rec.get("comm") != comm:
        fail("query(self): %s" % rec)
    if not set(rec) <= set(names) or rec["version"] < 1 or "utime" not in rec:
        fail("query(self) keys: %s" % sorted(rec))
    if not all(isinstance(v, int) for k, v in rec.items() if k != "comm"):
        fail("values: %s" % rec)

    # A thread group: the kernel's TGID record has no identity fields.
    grp = taskstats.query(me, tgid=True)
    if "comm" in grp or "pid" in grp or "utime" not in grp:
        fail("query(self, tgid): %s" % sorted(grp))

    # A reaped child: ESRCH, as ProcessLookupError.
    gone = subprocess.Popen(["true"])
    gone.wait()
    try:
        taskstats.query(gone.pid)
        fail("query of a reaped child succeeded")
    except ProcessLookupError:
        pass

    # Exits: register first, then start the children.
    with taskstats.ExitListener() as lst:
        if lst.fileno() < 0:
            fail("fileno")
        kids = [subprocess.Popen(["/bin/sh", "-c", "exit 7"]) for _ in range(3)]
        for k in kids:
            k.wait()
        pids = {k.pid for k in kids}
        recs = lst.run(3, timeout=20,
                       match=lambda r: r["kind"] == "pid" and r.get("ppid") == me)
        if {r["pid"] for r in recs} != pids:
            fail("exits: got %s, want %s" % ([r.get("pid") for r in recs], pids))
        for r in recs:
            if r["exit_code"] != 7 << 8 or r["comm"] != "sh" or not r["group_exit"] \
               or r["id"] != r["pid"]:
                fail("exit record: %s" % r)

        # An exception in a callback is not swallowed by ctypes.
        class Boom(Exception):
            pass

        def boom(_rec):
            raise Boom()

        subprocess.run(["true"], check=True)
        try:
            lst.run(1, timeout=20, match=boom)
            fail("the callback's exception was lost")
        except Boom:
            pass

        # Nothing comes: the timeout ends the wait with what there is.
        none = lst.run(1, timeout=0.2, match=lambda r: False)
        if none:
            fail("timeout run returned %s" % none)
    print("ok: query %d fields (pid %d, comm %r), %d exits of children seen"
          % (len(rec), me, rec["comm"], len(recs)))


if __name__ == "__main__":
    main()
