# SPDX-License-Identifier: LGPL-2.1-or-later
"""-- COMMAND and --tree: the JSON document on stderr, and the --tree and
--group-by tables read as columns. Exit statuses and the text report are
in tests/test-cli.c."""
import os
import sys
import tempfile

from clitest import (MAIN_READ, V_TGID, WORKER_WRITE, env_path, loads, ok, run_cli,
                     struct_version)

THREADS = ("import threading, time\n"
           "ts = [threading.Thread(target=time.sleep, args=(0.05,)) for _ in range(4)]\n"
           "[t.start() for t in ts]\n"
           "[t.join() for t in ts]\n")


def test_run_json():
    r = ok(run_cli("--json", "--", "sh", "-c", "exit 0"))
    assert r.out == b""
    d = r.json("err")
    assert sorted(d) == ["command", "delayacct", "errors", "schema_version", "tasks"]
    c = d["command"]
    assert c["argv"] == ["sh", "-c", "exit 0"]
    assert c["exit_code"] == 0 and c["signal"] is None, c
    assert c["threads"] == 1 and c["descendants"] is None and c["lost_events"] == 0, c
    assert len(d["tasks"]) == 1 and d["errors"] == []
    t = d["tasks"][0]
    assert type(c["pid"]) is int
    assert t["id"] == c["pid"] and t["pid"] == c["pid"]
    assert t["type"] == "pid" and t["comm"] == "sh"
    # Before v12 nothing marks a single-threaded group's end (AGROUP).
    assert t["event"] == "exit" and t["group_exit"] is (struct_version() >= V_TGID), t
    assert t["exit_code"] == 0 and t["ppid"] > 0, t
    assert t["read_char"] is not None


def test_run_output_file():
    """-o: the report in a file; the command's stdout and stderr stay its own."""
    fd, path = tempfile.mkstemp(prefix="tstats-cli-run-")
    os.close(fd)
    try:
        r = run_cli("--compact", "--output-file", path, "--", "sh", "-c",
                    "echo out; echo err >&2; exit 5")
        with open(path, "rb") as f:
            doc = f.read()
    finally:
        os.unlink(path)
    assert r.status == 5, r
    assert r.out == b"out\n"
    assert r.err == b"err\n"
    assert doc.count(b"\n") == 1
    d = loads(doc)
    assert d["command"]["exit_code"] == 5 and d["tasks"][0]["comm"] == "sh", d


def test_run_killed_json():
    r = ok(run_cli("-j", "--", "sh", "-c", "kill -TERM $$"), 128 + 15)
    d = r.json("err")
    assert d["command"]["signal"] == 15 and d["command"]["exit_code"] is None, d["command"]
    assert d["tasks"][0]["exit_code"] == 15


def test_run_threads_json():
    """A multi-threaded command: the TGID record, then its leader's PID record."""
    d = ok(run_cli("--json", "--", "/usr/bin/python3", "-c", THREADS)).json("err")
    # Before v12 a thread's exit record does not say whose it is: the CLI
    # recognises the leader alone (cli/run.c).
    assert d["command"]["threads"] == (5 if struct_version() >= V_TGID else 1)
    cmd = d["command"]["pid"]
    assert [(t["type"], t["id"]) for t in d["tasks"]] == [("tgid", cmd), ("pid", cmd)]
    g, p = d["tasks"]
    assert g["group_exit"] and g["event"] == "exit", g
    # The kernel's group totals: CPU and switches yes, I/O and comm no.
    # Older kernels (5.10, 6.1, 6.12.95) sum only the delays into a
    # group's exit record (kernel/taskstats.c, fill_tgid_exit()): elapsed
    # time, CPU times and switches are left 0 there, and are absent.
    assert g["read_char"] is None and g["comm"] is None, g
    assert g["cpu_count"] > p["cpu_count"], (g, p)
    if g["etime"] is not None:
        assert g["etime"] > 0 and g["nvcsw"] >= 4 and g["nvcsw"] >= p["nvcsw"], (g, p)
    else:
        assert g["nvcsw"] is g["nivcsw"] is g["utime"] is g["stime"] is None, g
    assert p["comm"] == "python3" and p["read_char"] > 0, p


# ---- --tree ---------------------------------------------------------------

ORPHAN = ("import os, time\n"
          "r, w = os.pipe()\n"
          "if os.fork() == 0:\n"
          "    parent = os.getpid()\n"
          "    if os.fork() == 0:\n"
          "        os.close(r)\n"
          "        while os.getppid() == parent:\n"
          "            time.sleep(0.001)\n"
          "        os._exit(6)\n"
          "    os._exit(0)\n"
          "os.close(w)\n"
          "os.wait()\n"
          "os.read(r, 1)\n")


def test_run_tree_json():
    """--tree: a child and a grandchild; and an orphan that waits until its
    parent has gone and it has been reparented to taskstats-cli (the
    subreaper) before it exits. The command waits for the orphan through a
    pipe that the orphan's exit closes (after its exit record was sent)."""
    d = ok(run_cli("--tree", "--json", "--", "sh", "-c",
                   "sh -c 'exit 4'; sh -c 'sh -c \"exit 5\"; exit 0'")).json("err")
    tasks = d["tasks"]
    if struct_version() < V_TGID:
        # --tree places a process by the record that ends its group, which
        # no kernel before 5.19 marks (AGROUP): none found.
        assert d["command"]["descendants"] == 0 and len(tasks) == 1, d
        return
    assert d["command"]["descendants"] == 3 and len(tasks) == 4, d
    assert tasks[0]["id"] == d["command"]["pid"]
    assert all(t["comm"] == "sh" and t["group_exit"] for t in tasks), tasks
    assert [t["ppid"] for t in tasks if t["exit_code"] == 4 << 8] == [d["command"]["pid"]]
    # The grandchild's parent is the child that exited after it.
    assert [t["ppid"] for t in tasks if t["exit_code"] == 5 << 8] == \
        [t["pid"] for t in tasks[1:] if t["exit_code"] == 0]

    d = ok(run_cli("--tree", "--json", "--", "/usr/bin/python3", "-c", ORPHAN)).json("err")
    assert d["command"]["descendants"] == len(d["tasks"]) - 1, d
    # Its parent at exit: taskstats-cli, the command's parent.
    assert [t["ppid"] for t in d["tasks"] if t["exit_code"] == 6 << 8] == \
        [d["tasks"][0]["ppid"]]


def threadexit():
    return env_path("TSTATS_THREADEXIT")


def text(r):
    return r.err.decode("utf-8", errors="surrogateescape")


def tree_rows(r):
    """The lines of the --tree table on stderr, header first."""
    return text(r).split("\nProcess tree: ")[1].splitlines()[1:]


def group_rows(r):
    """The lines of the --group-by table on stderr, header first."""
    return text(r).split("\nProcesses that exited, by ")[1].splitlines()[1:]


def test_run_tree_main_thread():
    """--tree: a multi-threaded descendant whose main thread did the
    reading and ended before its worker, which wrote and ended the
    process. Its process row has both threads' I/O; its thread rows have
    each its own. (Before, only the worker's record and the kernel's TGID
    record, which has no I/O, were kept: READ 0 B.)"""
    if tree_without_group_ends("test_run_tree_main_thread"):
        return
    d = ok(run_cli("--tree", "--json", "--", "sh", "-c", "'%s' %d %d; exit 0"
                   % (threadexit(), MAIN_READ, WORKER_WRITE))).json("err")
    # The raw records: the main thread's is there, with its reads.
    assert [t["read_char"] >= MAIN_READ for t in d["tasks"] if t["comm"] == "threadexit"
            and t["type"] == "pid" and t["id"] == t["tgid"]] == [True], d["tasks"]
    procs = [t for t in d["tree"] if t["type"] == "process" and t["comm"] == "threadexit"]
    assert len(procs) == 1, d["tree"]
    p = procs[0]
    assert p["threads"] == 2 and p["depth"] == 1 and p["read_char"] >= MAIN_READ, p
    assert p["write_char"] >= WORKER_WRITE and p["exit_code"] == 0, p
    # Its thread rows: the main thread read, the worker wrote, and the
    # process row is their sum.
    th = [t for t in d["tree"] if t["type"] == "thread" and t["comm"] == "threadexit"]
    assert len(th) == 2 and th[0]["id"] == p["pid"], th
    assert th[0]["read_char"] >= MAIN_READ and th[1]["write_char"] >= WORKER_WRITE, th
    assert th[1]["group_exit"] and not th[0]["group_exit"], th
    for k in ("read_char", "write_char", "minflt", "read_syscalls", "write_syscalls"):
        assert p[k] == th[0][k] + th[1][k], (k, p, th)

    # The same as the command itself, in text: the process row (2
    # threads) reads 24.8 MiB, and so does its main thread's row.
    r = ok(run_cli("--tree", "-x", "--", threadexit(), str(MAIN_READ), str(WORKER_WRITE)))
    rows = [line.split() for line in tree_rows(r)]
    assert len(rows) == 5, rows
    assert rows[1][2] == "2", rows
    assert int(rows[1][8]) >= MAIN_READ and int(rows[1][9]) >= WORKER_WRITE, rows
    assert rows[2][-3:] == ["\\_", "[thread]", "threadexit"], rows
    assert int(rows[2][8]) >= MAIN_READ, rows
    assert rows[0][7] == "RCHAR_B" and rows[4][0] == "TOTAL", rows


def tree_without_group_ends(test):
    """Before 5.19 (struct v12) the kernel marks no record as its group's
    last (AGROUP), and --tree, which places a process by that record,
    finds no descendant. On such a kernel the tree tests check that
    instead, the command's own record and none of the workload's, and say
    so."""
    if struct_version() >= V_TGID:
        return False
    print("%s: struct v%d marks no group's end: no descendants" % (test, struct_version()),
          file=sys.stderr)
    d = ok(run_cli("--tree", "--json", "--", "sh", "-c", "sh -c 'exit 4'; exit 0")).json("err")
    assert d["command"]["descendants"] == 0 and len(d["tasks"]) == 1, d
    return True


def absent_or_sum(rows, k):
    """The total of field k over rows: None where no row has it (a field
    this kernel's struct version does not carry)."""
    vals = [x[k] for x in rows if x[k] is not None]
    return sum(vals) if vals else None


def run_tree_workload(*opts):
    """Two levels of sh, a failing sh, tests/threadexit."""
    script = ("sh -c 'sh -c \"exit 5\"; exit 0'; sh -c 'exit 4'; '%s' %d %d; exit 0"
              % (threadexit(), MAIN_READ, WORKER_WRITE))
    # A large buffer: exit storms of other programs on the machine must
    # not make the run incomplete.
    return ok(run_cli("--tree", "--rcvbuf", "32M", *opts, "--", "sh", "-c", script))


def test_run_tree_order():
    """--tree's order: parents before their children, children indented
    under them as ps --forest does, siblings in exit order, the threads of
    a multi-threaded process under it; JSON has depth and ppid."""
    if tree_without_group_ends("test_run_tree_order"):
        return
    d = run_tree_workload("--json").json("err")
    tree = d["tree"]
    p = [t for t in tree if t["type"] == "process"]
    assert [(t["comm"], t["depth"], t["exit_code"]) for t in p] == [
        ("sh", 0, 0), ("sh", 1, 0), ("sh", 2, 5 << 8), ("sh", 1, 4 << 8), ("threadexit", 1, 0)]
    # Each process's parent is the nearest process above it one level up.
    assert p[0]["pid"] == d["command"]["pid"], (p[0], d["command"])
    for i in range(1, len(p)):
        assert p[i]["ppid"] == [q for q in p[:i] if q["depth"] == p[i]["depth"] - 1][-1]["pid"], p
    # Every process row is followed by its threads' rows.
    assert [t["type"] for t in tree] == ["process", "thread"] * 4 + [
        "process", "thread", "thread", "total"]
    for i, t in enumerate(tree):
        if t["type"] != "thread":
            continue
        j = [k for k in range(i) if tree[i - 1 - k]["type"] == "process"][0]
        assert t["tgid"] == tree[i - 1 - j]["pid"] and t["depth"] == tree[i - 1 - j]["depth"], \
            (t, tree[i - 1 - j])

    rows = tree_rows(run_tree_workload("-x"))
    col = rows[0].index("COMMAND")
    assert [line[col:] for line in rows] == [
        "COMMAND", "sh", " \\_ sh", "     \\_ sh", " \\_ sh", " \\_ threadexit",
        "     \\_ [thread] threadexit", "     \\_ [thread] threadexit", "5 processes, complete"]


def test_run_tree_total():
    """The TOTAL line and the "total" object: the sums of the process rows."""
    if tree_without_group_ends("test_run_tree_total"):
        return
    d = run_tree_workload("--json").json("err")
    p = [x for x in d["tree"] if x["type"] == "process"]
    t = d["tree"][-1]
    assert t["type"] == "total" and t["processes"] == len(p) == 5, t
    assert t["threads"] == sum(x["threads"] for x in p) == 6 == \
        len([x for x in d["tree"] if x["type"] == "thread"]), d["tree"]
    assert t["complete"] is True and t["lost"] == 0, t
    assert t["read_char"] >= MAIN_READ and t["write_char"] >= WORKER_WRITE, t
    assert abs(t["cpu_seconds"] - sum(x["utime"] + x["stime"] for x in p) / 1e6) < 1e-6, (t, p)
    for k in t:
        if k not in ("type", "processes", "threads", "cpu_seconds", "complete", "lost"):
            assert t[k] == absent_or_sum(p, k), (k, t, p)
    assert {"read_bytes", "write_bytes", "cpu_delay_total", "blkio_delay_total",
            "minflt"} <= set(t), t

    rows = tree_rows(run_tree_workload("-x"))
    h, total = rows[0], rows[-1]
    procs = [line for line in rows[1:-1] if line.split()[1] != "-"]
    assert total.split()[0] == "TOTAL", rows
    assert len(procs) == 5, rows
    assert int(total.split()[2]) == sum(int(line.split()[2]) for line in procs) == 6, rows
    for c in ("USER_US", "SYSTEM_US", "RCHAR_B", "WCHAR_B", "CPU_DLY_NS", "IO_DLY_NS",
              "MEM_DLY_NS"):
        end = h.index(c) + len(c)
        assert int(total[:end].split()[-1]) == \
            sum(int(line[:end].split()[-1]) for line in procs), (c, rows)


def test_run_tree_group():
    """--group-by comm and user with --tree: one row per group, then the total."""
    if tree_without_group_ends("test_run_tree_group"):
        return
    d = run_tree_workload("--json", "--group-by", "comm").json("err")
    g, t = d["tree"][:-1], d["tree"][-1]
    assert sorted((x["key"], x["comm"], x["processes"], x["threads"]) for x in g) == [
        ("sh", "sh", 4, 4), ("threadexit", "threadexit", 1, 2)], g
    assert [x for x in g if x["key"] == "threadexit"][0]["read_char"] >= MAIN_READ, g
    assert t["processes"] == 5 and t["threads"] == 6, t
    for k in t:
        if k not in ("type", "processes", "threads", "cpu_seconds", "complete", "lost"):
            assert t[k] == absent_or_sum(g, k), (k, t, g)
    assert [x["type"] for x in d["tree"]] == ["group", "group", "total"]

    rows = group_rows(run_tree_workload("-x", "--group-by", "comm"))
    assert sorted((line.split()[0], line.split()[1], line.split()[-1]) for line in rows[1:-1]) \
        == [("1", "2", "threadexit"), ("4", "4", "sh")], rows
    assert rows[-1].split()[:2] == ["TOTAL", "6"], rows
    assert rows[0].split()[:2] == ["PROCS", "THR"] and rows[0].split()[-1] == "COMMAND", rows

    rows = group_rows(run_tree_workload("--group-by=user"))
    assert [line.split()[:2] + line.split()[-1:] for line in rows] == [
        ["PROCS", "THR", "UID"], ["5", "6", "0"], ["TOTAL", "6", "complete"]]


RENAME = ("import ctypes\n"
          "ctypes.CDLL(None).prctl(15, b'\\x1b[2J\\nevil\\\\ x', 0, 0, 0)\n")
ESCAPED = "\\x1b[2J\\x0aevil\\\\ x"


def test_run_tree_hostile_comm():
    """A descendant's hostile name stays escaped in the tree, the groups and JSON."""
    if tree_without_group_ends("test_run_tree_hostile_comm"):
        return
    r = ok(run_cli("--tree", "--", "sh", "-c", '/usr/bin/python3 -c "$0"; exit 0', RENAME))
    assert b"\x1b" not in r.err, r
    assert [line[line.index(" \\_ "):] for line in tree_rows(r) if " \\_ " in line] == \
        [" \\_ " + ESCAPED]

    r = ok(run_cli("--tree", "--group-by=comm", "--", "sh", "-c",
                   '/usr/bin/python3 -c "$0"; exit 0', RENAME))
    assert b"\x1b" not in r.err, r
    rows = group_rows(r)
    col = rows[0].index("COMMAND")
    assert sorted(line[col:] for line in rows[1:-1]) == sorted(["sh", ESCAPED])

    r = ok(run_cli("--tree", "--json", "--group-by=comm", "--", "sh", "-c",
                   '/usr/bin/python3 -c "$0"; exit 0', RENAME))
    assert b"\x1b" not in r.err, "json-c left a raw ESC"
    assert sorted(x["key"] for x in r.json("err")["tree"][:-1]) == \
        sorted(["sh", "\x1b[2J\nevil\\ x"])
