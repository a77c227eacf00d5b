#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""taskstats-cli --live in a real terminal: tmux runs it, send-keys types,
capture-pane reads the screen.

Usage: test-tui.py TASKSTATS_CLI

Checks that the view fits 80x24 and grows with the terminal, shows the
machine totals and a table, that the keys switch processes, threads and
groups, sort, pause, filter and show the help, that q quits with status 0,
and that --live refuses to run without a terminal. Exits 77 (skip) only
where tmux is not installed.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77
CLI = None
SOCKET = "tstats-tui-%d" % os.getpid()


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    tmux("kill-server", check=False)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def tmux(*args, check=True):
    p = subprocess.run(["tmux", "-L", SOCKET] + list(args), capture_output=True, text=True)
    if check and p.returncode != 0:
        print("tmux %s: %s" % (" ".join(args), p.stderr), file=sys.stderr)
        sys.exit(1)
    return p.stdout


def screen():
    return tmux("capture-pane", "-p").split("\n")


def wait_for(pred, what, timeout=10.0):
    """Polls the screen until pred(lines) holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = screen()
        if pred(lines):
            return lines
        time.sleep(0.1)
    fail("%s; the screen:\n%s" % (what, "\n".join(screen())))


def keys(*k):
    tmux("send-keys", *k)


def main():
    global CLI
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    CLI = sys.argv[1]

    # Without a terminal: a usage error, nothing drawn.
    p = subprocess.run([CLI, "--live"], stdin=subprocess.DEVNULL, capture_output=True)
    check(p.returncode == 2 and b"needs a terminal" in p.stderr,
          "--live without a terminal: %d %r" % (p.returncode, p.stderr))
    p = subprocess.run([CLI, "--live", "-p", "1"], capture_output=True)
    check(p.returncode == 2 and b"--live excludes -p/-t" in p.stderr, "--live -p: %r" % p.stderr)
    p = subprocess.run([CLI, "--live", "--sort", "pid"], capture_output=True)
    check(p.returncode == 2 and b"--sort does not apply to --live" in p.stderr,
          "--live --sort: %r" % p.stderr)

    if not shutil.which("tmux"):
        print("SKIP: tmux is not installed (scripts/install-deps.sh --test installs it)",
              file=sys.stderr)
        sys.exit(SKIP)

    d = tempfile.mkdtemp()
    status = os.path.join(d, "status")
    try:
        tmux("new-session", "-d", "-x", "80", "-y", "24",
             "%s --live -i 0.3; echo $? > %s; sleep 30" % (CLI, status))
        lines = wait_for(lambda l: l[3].lstrip().startswith("PID") and l[4].strip(),
                         "no table at 80x24")
        check(all(len(x) <= 80 for x in lines), "wider than 80 columns")
        check("processes by cpu%" in lines[0] and "? help" in lines[0], "title: %r" % lines[0])
        check(lines[1].startswith("CPU busy ") and "CPU-s" in lines[1], "totals: %r" % lines[1])
        check(lines[2].startswith("wait cpu "), "delays: %r" % lines[2])
        header = lines[3].split()
        check(header[:2] == ["PID", "CPU%"] and header[-1] == "COMM",
              "an 80-column table ends with COMM: %r" % header)
        rows = [x for x in lines[4:] if x.strip()]
        check(len(rows) >= 5, "rows: %r" % rows)
        # Largest CPU first.
        cpu = [float(r.split()[1]) for r in rows]
        check(cpu == sorted(cpu, reverse=True), "sorted by cpu%%: %r" % cpu)

        keys("t")
        lines = wait_for(lambda l: "threads by" in l[0] and l[3].split()[:2] == ["PID", "TGID"],
                         "no thread view after t")
        keys("t")
        lines = wait_for(lambda l: "groups by" in l[0] and l[3].split()[0] == "GROUP",
                         "no group view after t")
        keys("t")
        wait_for(lambda l: "processes by" in l[0], "back to processes after t")

        keys(">")
        wait_for(lambda l: "by read/s" in l[0], "sort by the next column after >")
        keys("r")
        wait_for(lambda l: "(reversed)" in l[0], "reversed after r")
        keys("<")
        wait_for(lambda l: "by cpu%" in l[0], "back to cpu% after <")

        keys("?")
        wait_for(lambda l: l[0].strip() == "Keys" and any("quit" in x for x in l), "no help")
        keys("x")
        wait_for(lambda l: "by cpu%" in l[0], "help closed by any key")

        keys("p")
        wait_for(lambda l: "PAUSED" in l[0], "not paused after p")
        keys("p")
        wait_for(lambda l: "PAUSED" not in l[0], "still paused after p again")

        # Filter by command name: only tmux's own server stays.
        keys("/")
        wait_for(lambda l: "command name" in l[-1] or any("command name" in x for x in l),
                 "no prompt after /")
        keys("tmux: server", "Enter")
        lines = wait_for(lambda l: "comm tmux: server" in "\n".join(l) and
                         [x for x in l[4:] if x.strip() and "filter" not in x] and
                         all(x.rstrip().endswith("tmux: server")
                             for x in l[4:] if x.strip() and "filter" not in x),
                         "filter by name")
        keys("/", "Enter")
        wait_for(lambda l: "filter" not in "\n".join(l[4:]), "filter cleared")

        # A larger terminal: more rows, and the wider columns.
        tmux("resize-window", "-x", "140", "-y", "40")
        lines = wait_for(lambda l: len(l) >= 40 and "USR%" in l[3] and
                         len([x for x in l[4:] if x.strip()]) > 20, "no growth at 140x40")
        check(all(len(x) <= 140 for x in lines), "wider than 140 columns")

        keys("q")
        deadline = time.monotonic() + 10
        while not os.path.exists(status) and time.monotonic() < deadline:
            time.sleep(0.1)
        check(os.path.exists(status), "q did not quit")
        time.sleep(0.2)
        check(open(status).read().strip() == "0", "exit status %r" % open(status).read())
    finally:
        tmux("kill-server", check=False)
        shutil.rmtree(d)
    print("tui: 1 passed, 0 failed")


if __name__ == "__main__":
    main()
