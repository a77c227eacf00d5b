#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs examples/agent briefly against the real kernel while children exit,
and checks its JSON Lines: every line parses, the children's exits are there
with their exit status, parent and (escaped) command name, a thread group's
exit carries its TGID record, and each sample lists the running tasks.

Usage: test-agent.py AGENT. Exits 77 (skip) only without CAP_NET_ADMIN or a
TASKSTATS family."""
import json
import os
import subprocess
import sys
import time

SAMPLES = 4
INTERVAL_MS = 400
# A hostile command name: newline, escape, a byte that is not UTF-8.
EVIL = b"x\n\x1b[2J\xffy"
THREADED = ("import threading, time\n"
            "ts = [threading.Thread(target=time.sleep, args=(0.05,)) for _ in range(3)]\n"
            "[t.start() for t in ts]\n[t.join() for t in ts]\n")


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def main():
    agent = [sys.argv[1]]
    # meson test --setup=valgrind wraps this driver; the agent is what
    # must be checked, so it runs under memcheck itself.
    if os.environ.get("TSTATS_UNDER_VALGRIND"):
        agent = ["valgrind", "--quiet", "--error-exitcode=99", "--leak-check=full",
                 "--show-leak-kinds=definite,indirect,possible",
                 "--errors-for-leak-kinds=definite,indirect,possible"] + agent
    proc = subprocess.Popen(agent + ["--interval", str(INTERVAL_MS), "--samples", str(SAMPLES),
                             "--duration", "30", "--fields", "all"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
    # Unbuffered: communicate() below reads the descriptor itself, and
    # would never see what a buffered readline() had read ahead.
    first = proc.stdout.readline()
    if not first:
        err = proc.stderr.read().decode(errors="replace")
        proc.wait()
        if "Operation not permitted" in err or "No such file" in err:
            print("SKIP: " + err.strip(), file=sys.stderr)
            sys.exit(77)
        fail("agent wrote nothing: rc %s, stderr %r" % (proc.returncode, err))

    # The listener is registered once "start" is out: children now.
    plain = [subprocess.Popen(["/bin/sh", "-c", "exit 3"]) for _ in range(3)]
    evil = subprocess.Popen([sys.executable, "-c",
                             "import os; os.write(os.open('/proc/self/comm', os.O_WRONLY), %r)"
                             % EVIL])
    threaded = subprocess.Popen([sys.executable, "-c", THREADED])
    for p in plain + [evil, threaded]:
        p.wait()
    start = time.monotonic()
    out, err = proc.communicate(timeout=60)
    if proc.returncode != 0:
        fail("agent exited %d: %s" % (proc.returncode, err.decode(errors="replace")))

    lines = [first] + out.splitlines(keepends=True)
    objs = []
    for i, raw in enumerate(lines):
        try:
            objs.append(json.loads(raw))
        except ValueError as e:
            fail("line %d is not JSON (%s): %r" % (i + 1, e, raw))
    if objs[0]["type"] != "start" or objs[-1]["type"] != "stop":
        fail("first/last lines: %s, %s" % (objs[0]["type"], objs[-1]["type"]))
    agent_pid = objs[0]["pid"]
    types = {o["type"] for o in objs}
    if not types <= {"start", "exit", "loss", "task", "sample", "stop"}:
        fail("unknown line types: %s" % types)
    if "loss" in types:
        fail("exit events were lost")

    exits = {}
    for o in objs:
        if o["type"] == "exit":
            exits.setdefault((o["kind"], o["id"]), o)
    me = os.getpid()
    for p in plain:
        e = exits.get(("pid", p.pid))
        if not e:
            fail("no exit line for child %d" % p.pid)
        if e.get("exit_code") != 3 << 8 or e.get("ppid") != me or e.get("comm") != "sh":
            fail("child %d: %s" % (p.pid, e))
        if not e["group_exit"]:
            fail("single-threaded exit without group_exit: %s" % e)
    e = exits.get(("pid", evil.pid))
    if not e or e.get("comm") != EVIL.decode(errors="replace"):
        fail("hostile comm not escaped faithfully: %s" % e)
    e = exits.get(("tgid", threaded.pid))
    if not e or not e["group_exit"]:
        fail("no TGID exit line for the threaded child %d" % threaded.pid)
    threads = [o for o in objs if o["type"] == "exit" and o["kind"] == "pid"
               and o.get("tgid") == threaded.pid]
    if len(threads) != 4:
        fail("threaded child: %d thread exits, want 4" % len(threads))

    samples = [o for o in objs if o["type"] == "sample"]
    if [s["sample"] for s in samples] != list(range(1, SAMPLES + 1)):
        fail("samples: %s" % [s["sample"] for s in samples])
    for s in samples:
        tasks = [o for o in objs if o["type"] == "task" and o["sample"] == s["sample"]]
        if len(tasks) != s["tasks"] or s["tasks"] < 2:
            fail("sample %d: %d task lines, says %d" % (s["sample"], len(tasks), s["tasks"]))
        tgids = {t.get("tgid") for t in tasks}
        if agent_pid not in tgids or me not in tgids:
            fail("sample %d lacks the agent or this driver" % s["sample"])
        for t in tasks:
            if "utime" not in t or "comm" not in t or t["id"] != t["pid"]:
                fail("task line: %s" % t)
    stop = objs[-1]
    nexit = sum(1 for o in objs if o["type"] == "exit")
    if stop["samples"] != SAMPLES or stop["exits"] != nexit or stop["lost"] != 0:
        fail("stop line: %s (exit lines %d)" % (stop, nexit))
    print("ok: %d lines, %d exits, %d samples, stopped %.2f s after the children"
          % (len(objs), nexit, len(samples), time.monotonic() - start))


if __name__ == "__main__":
    main()
