#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Times the Python package against raw ctypes calls of the same library
and against pyroute2 (Debian: python3-pyroute2) when it is installed, on
the same thread ids, the modes interleaved round by round; prints the
median µs per task and the ratios. Needs CAP_NET_ADMIN. Not a test: no
figure is asserted (targets: batch <= 2 µs/task, single <= 15 µs/task,
>= 10x faster than pyroute2 per query).

    python3 bench.py [--rounds N]      (TSTATS_LIBRARY selects the library)
"""
import argparse
import ctypes
import statistics
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


def pyroute2_single(ids):
    from pyroute2 import TaskStats
    from pyroute2.netlink.exceptions import NetlinkError
    ts = TaskStats()
    ts.bind()

    def run():
        for i in ids:
            try:
                ts.get_pid_stat(i)
            except NetlinkError:
                pass
    return run


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=31)
    args = ap.parse_args()
    try:
        taskstats.Client().pid(1)
    except (PermissionError, taskstats.TaskstatsUnavailable) as e:
        print("bench.py: skipped: %s" % e)
        return
    ids = taskstats.tasks()
    modes = {"raw-ctypes-single": raw_single, "raw-ctypes-batch": raw_batch,
             "single": pkg_single, "batch": pkg_batch}
    try:
        import pyroute2  # noqa: F401
        modes["pyroute2-single"] = pyroute2_single
    except ImportError:
        print("pyroute2 is not installed (Debian: python3-pyroute2): not compared")
    runs = {name: make(ids) for name, make in modes.items()}
    for run in runs.values():  # warm-up: buffers get their size
        run()
    times = {name: [] for name in runs}
    for _ in range(args.rounds):
        for name, run in runs.items():
            t0 = time.perf_counter()
            run()
            times[name].append((time.perf_counter() - t0) * 1e6 / len(ids))
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
