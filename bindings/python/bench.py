#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Times the Python package against raw ctypes calls of the same library
and against pyroute2 (Debian: python3-pyroute2; in a process of its own)
when it is installed, on the same thread ids, the modes interleaved round by round; prints the
median µs per task and the ratios. Needs CAP_NET_ADMIN. Not a test: no
figure is asserted (targets: batch <= 2 µs/task, single <= 15 µs/task,
>= 10x faster than pyroute2 per query).

    python3 bench.py [--rounds N] [--pid PID]   (TSTATS_LIBRARY selects the library)
"""
import argparse
import ctypes
import json
import os
import statistics
import subprocess
import sys
import time

import taskstats
from taskstats import _native

lib = _native.lib


def raw_single(ids):
    rec = _native.Record()
    ctx = ctypes.c_void_p()
    lib.tstats_ctx_new(ctypes.byref(ctx))

    def run():
        for i in ids:
            lib.tstats_query(ctx, 1, i, rec)
    return run


def raw_batch(ids):
    ctx = ctypes.c_void_p()
    lib.tstats_ctx_new(ctypes.byref(ctx))
    n = len(ids)
    arr = (ctypes.c_uint32 * n)(*ids)
    recs = (_native.Record * n)()
    errs = (ctypes.c_int * n)()

    def run():
        lib.tstats_query_batch(ctx, 1, arr, n, recs, errs)
    return run


def pkg_single(ids):
    c = taskstats.Client()

    def run():
        for i in ids:
            try:
                c.pid(i)
            except ProcessLookupError:
                pass
    return run


def pkg_batch(ids):
    c = taskstats.Client()

    def run():
        c.batch(ids)
    return run


# pyroute2 runs in a process of its own, so that nothing of it (modules,
# sockets, memory) shares the interpreter with the modes it is compared
# with. The child times each pass itself, when told to, so that the rounds
# stay interleaved.
PYROUTE2_CHILD = """
import json, sys, time
from pyroute2 import TaskStats
from pyroute2.netlink.exceptions import NetlinkError
ids = json.loads(sys.stdin.readline())
ts = TaskStats()
ts.bind()
for _ in sys.stdin:
    t0 = time.perf_counter()
    for i in ids:
        try:
            ts.get_pid_stat(i)
        except NetlinkError:
            pass
    print(time.perf_counter() - t0, flush=True)
"""


def pyroute2_single(ids):
    child = subprocess.Popen([sys.executable, "-c", PYROUTE2_CHILD], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    child.stdin.write(json.dumps(ids) + "\n")

    def run():
        child.stdin.write("\n")
        child.stdin.flush()
        return float(child.stdout.readline())
    return run


def pyroute2_present():
    return subprocess.run([sys.executable, "-c", "import pyroute2"],
                          stderr=subprocess.DEVNULL).returncode == 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=31)
    ap.add_argument("--pid", type=int, default=0,
                    help="query the threads of this process only (a stable set: "
                    "tasks that exit meanwhile cost the package an exception each)")
    args = ap.parse_args()
    try:
        taskstats.Client().pid(1)
    except (PermissionError, taskstats.TaskstatsUnavailable) as e:
        print("bench.py: skipped: %s" % e)
        return
    ids = (sorted(int(t) for t in os.listdir("/proc/%d/task" % args.pid)) if args.pid
           else taskstats.tasks())
    modes = {"raw-ctypes-single": raw_single, "raw-ctypes-batch": raw_batch,
             "single": pkg_single, "batch": pkg_batch}
    if pyroute2_present():
        modes["pyroute2-single"] = pyroute2_single
    else:
        print("pyroute2 is not installed (Debian: python3-pyroute2): not compared")
    runs = {name: make(ids) for name, make in modes.items()}
    for run in runs.values():  # warm-up: buffers get their size
        run()
    times = {name: [] for name in runs}
    for _ in range(args.rounds):
        for name, run in runs.items():
            t0 = time.perf_counter()
            took = run()  # pyroute2's child says how long its pass took
            if took is None:
                took = time.perf_counter() - t0
            times[name].append(took * 1e6 / len(ids))
    med = {name: statistics.median(t) for name, t in times.items()}
    print("%d tasks, %d rounds, median µs per task (Python %s):"
          % (len(ids), args.rounds, sys.version.split()[0]))
    for name, v in med.items():
        print("  %-18s %8.2f" % (name, v))
    print("  batch / raw batch   %6.2fx" % (med["batch"] / med["raw-ctypes-batch"]))
    print("  single / raw single %6.2fx" % (med["single"] / med["raw-ctypes-single"]))
    if "pyroute2-single" in med:
        print("  pyroute2 / single   %6.1fx" % (med["pyroute2-single"] / med["single"]))
        print("  pyroute2 / batch    %6.1fx" % (med["pyroute2-single"] / med["batch"]))


if __name__ == "__main__":
    main()
