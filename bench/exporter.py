#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""taskstats-exporter's cost: CPU per tick per 1,000 threads, RSS per
1,000 groups. Run by hand, as root:

  bench/exporter.py build/exporter/taskstats-exporter [EXTRA_THREADS] [GROUPS]

1. CPU per tick: the exporter (--interval 0.5) runs on the machine as it
   is, then with EXTRA_THREADS (default 5000) idle threads more; for each,
   the CPU time of its monitor thread (/proc/PID/task/PID/schedstat:
   ticks, exit dispatching and rendering) over 40 ticks. Printed: per tick,
   per 1,000 threads followed, and the slope between the two (what 1,000
   more threads cost, the fixed part of a tick taken out).
2. RSS per group: with --group-by comm --max-groups 0, GROUPS (default
   5000) short-lived processes each with a command name of its own, each
   a new group; RSS (VmRSS) before and after, two ticks later.
"""
import os
import subprocess
import sys
import threading
import time
import urllib.request

EXPORTER = None


def start(*args):
    p = subprocess.Popen([EXPORTER, "--web.listen-address", "127.0.0.1:0"] + list(args),
                         stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    line = p.stderr.readline().decode()
    port = int(line.split("127.0.0.1:")[1].split("/")[0])
    return p, port


def metric(port, name):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=30) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                return float(line.rsplit(" ", 1)[1])
    return None


def wait_ticks(port, n):
    t0 = metric(port, "taskstats_exporter_ticks_total")
    while metric(port, "taskstats_exporter_ticks_total") < t0 + n:
        time.sleep(0.05)


def cpu_ns(pid):
    with open("/proc/%d/task/%d/schedstat" % (pid, pid)) as f:
        return int(f.read().split()[0])


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def tick_cost(ticks=40):
    """(ns of CPU per tick, threads followed) of a fresh exporter."""
    p, port = start("--interval", "0.5")
    try:
        wait_ticks(port, 2)
        c0, k0 = cpu_ns(p.pid), metric(port, "taskstats_exporter_ticks_total")
        wait_ticks(port, ticks)
        c1, k1 = cpu_ns(p.pid), metric(port, "taskstats_exporter_ticks_total")
        threads = metric(port, 'taskstats_exporter_tasks_tracked')
        return (c1 - c0) / (k1 - k0), threads
    finally:
        p.terminate()
        p.wait()


def idle_threads(n, stop):
    ts = [threading.Thread(target=stop.wait, daemon=True) for _ in range(n)]
    for t in ts:
        t.start()
    return ts


def main():
    global EXPORTER
    EXPORTER = sys.argv[1]
    extra = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    groups = int(sys.argv[3]) if len(sys.argv) > 3 else 5000
    threading.stack_size(64 * 1024)

    base_ns, base_n = tick_cost()
    stop = threading.Event()
    idle_threads(extra, stop)
    more_ns, more_n = tick_cost()
    stop.set()
    print("tick: %.0f threads: %.2f ms CPU per tick (%.3f ms per 1,000 threads)"
          % (base_n, base_ns / 1e6, base_ns / 1e6 / base_n * 1000))
    print("tick: %.0f threads: %.2f ms CPU per tick (%.3f ms per 1,000 threads)"
          % (more_n, more_ns / 1e6, more_ns / 1e6 / more_n * 1000))
    print("tick: slope %.3f ms CPU per 1,000 more threads"
          % ((more_ns - base_ns) / 1e6 / (more_n - base_n) * 1000))

    p, port = start("--interval", "0.5", "--group-by", "comm", "--max-groups", "0")
    try:
        wait_ticks(port, 2)
        g0, r0 = metric(port, "taskstats_exporter_groups"), rss_kib(p.pid)
        for i in range(groups):
            pid = os.fork()
            if pid == 0:
                with open("/proc/self/comm", "w") as f:
                    f.write("bg%06d" % i)
                os._exit(0)
            os.waitpid(pid, 0)
        wait_ticks(port, 3)
        g1, r1 = metric(port, "taskstats_exporter_groups"), rss_kib(p.pid)
        page = len(urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port).read())
        print("groups: %d -> %d, RSS %d -> %d KiB: %.0f KiB per 1,000 groups; page %.1f MiB"
              % (g0, g1, r0, r1, (r1 - r0) / (g1 - g0) * 1000, page / 1048576))
    finally:
        p.terminate()
        p.wait()


if __name__ == "__main__":
    main()
