# SPDX-License-Identifier: LGPL-2.1-or-later
"""--all, --threads and --interval as JSON Lines and as one document,
-O, -b, --sort's direction, and --list-columns against the manual. The text tables' own checks are in tests/test-cli.c."""
import os
import signal
import subprocess
import time

from clitest import V_TGID, cli_path, env_path, ok, run_argv, run_cli, struct_version


def rows_and_totals(r):
    """The rows of a JSON Lines run, and apart from them the interval
    totals of --all -i ("type": "total")."""
    objs = r.json_lines()
    return ([o for o in objs if o.get("type") != "total"],
            [o for o in objs if o.get("type") == "total"])


def column(d, key, interval):
    """The column of key in one interval, in output order."""
    return [o[key] for o in d if o["interval"] == interval]


def test_all_json_intervals(workloads):
    burn, wr = workloads.burn(), workloads.write()
    r = ok(run_cli("--all", "--interval", "0.2", "--count", "2", "--json-lines"))
    assert len(r.out) > 0
    d, totals = rows_and_totals(r)
    # Exactly two intervals; nothing for the baseline.
    assert sorted({o["interval"] for o in d}) == [1, 2]
    # Each ends with its total: every task's CPU, exited ones too.
    assert [o["interval"] for o in totals] == [1, 2], totals
    for o in totals:
        assert set(o) >= {"type", "interval", "seconds", "cpu_seconds", "tasks_exited",
                          "complete", "lost"}, o
        assert type(o["complete"]) is bool and o["cpu_seconds"] > 0, o
    for k in (1, 2):
        assert len({o["time"] for o in d if o["interval"] == k}) == 1, d
        assert all(o["seconds"] > 0.1 for o in d if o["interval"] == k), d
    # Identity and the default columns, numbers or null.
    for o in d:
        assert {"pid", "tgid", "comm", "uid", "threads", "cpu_pct", "read_bytes_per_second",
                "write_bytes_per_second", "cpu_delay_pct", "blkio_delay_pct"} <= set(o), o
        assert o["pid"] == o["tgid"] and type(o["threads"]) is int, o
    # Each task at most once per interval.
    for k in (1, 2):
        assert len(column(d, "pid", k)) == len(set(column(d, "pid", k))), d
    # The burner used most of a CPU in the second interval...
    burn_row = [(o["comm"], o["cpu_pct"]) for o in d if o["pid"] == burn and o["interval"] == 2]
    assert [o["cpu_pct"] > 50 and o["comm"] == "tstats-burn" for o in d
            if o["pid"] == burn and o["interval"] == 2] == [True], \
        "the burner in interval 2: %s" % burn_row
    # ...and the writer sent bytes to storage.
    assert any(o["write_bytes_per_second"] > 0 for o in d if o["pid"] == wr), [o for o in d if o["pid"] == wr]


def test_interval_counts_exits():
    """--interval counts the tasks that exited in the interval: forkload's
    children (100 a second, 3 ms of CPU each) live a few ms, between two
    samples, and every one of them is a row (status new+exit) and in the
    total. The counts are checked against what forkload itself reports
    (how many children it started, the CPU time they measured), not
    against the rate it was asked for: a loaded machine starts fewer."""
    load = subprocess.Popen(["sh", "-c", "sleep 0.3; '%s' 100 1.5 3 0 1"
                             % env_path("TSTATS_FORKLOAD")], stdout=subprocess.PIPE, text=True)
    r = run_cli("-i", "0.5", "-c", "8", "--json-lines", "--comm", "forkload", "--rcvbuf", "32M")
    report = load.stdout.read().split()
    assert load.wait() == 0
    assert report[0::2] == ["children", "cpu_ns", "write_bytes", "parent_cpu_ns"], report
    children, cpu_ns = int(report[1]), int(report[3])
    ok(r)
    assert children > 20
    d, totals = rows_and_totals(r)
    # Only forkload's rows; its short children among them: each one that
    # exited is a row "new+exit", or "new" then "exit" when a sample fell
    # inside its life (a loaded machine), and so is the parent.
    assert all(o["comm"] == "forkload" for o in d), d
    exits = [o for o in d if o["status"] in ("new+exit", "exit")]
    assert len(exits) >= children + 1, [(o["interval"], o["pid"], o["status"]) for o in d]
    # Eight intervals, none missing an exit record.
    assert len(totals) == 8 and all(o["complete"] for o in totals), totals
    # Every child's exit is in the totals, and their CPU time: the totals'
    # cpu_seconds is utime + stime, tick-sampled (a 4 ms tick charged to
    # whoever runs when it comes), which for children of 3 ms each reads
    # 75% of what their own clocks measured on a loaded runner. Half is
    # the bound: losing the exited children would leave about nothing.
    assert sum(o["processes_exited"] for o in totals) >= children, totals
    assert sum(o["cpu_seconds"] for o in totals) >= 0.5 * cpu_ns / 1e9, \
        (sum(o["cpu_seconds"] for o in totals), cpu_ns, totals)


def test_interval_group_by_json(workloads):
    """--group-by comm: one row per command name, the group in its column."""
    workloads.burn()
    d, _ = rows_and_totals(ok(run_cli("-i", "0.3", "-c", "2", "--group-by", "comm", "--json-lines")))
    assert all(type(o["group"]) is str and o["pid"] is None for o in d), d
    for k in (1, 2):
        assert len(column(d, "group", k)) == len(set(column(d, "group", k))), d
    assert any(o["group"] == "tstats-burn" and o["cpu_pct"] > 10 for o in d), d


def test_interval_watch_json(workloads):
    """-t PID -i: that process over time, and its average at the end."""
    burn = workloads.burn()
    d, _ = rows_and_totals(ok(run_cli("-t", str(burn), "-i", "0.3", "-c", "2", "--json-lines")))
    samples = [o for o in d if o.get("type") != "average"]
    assert len(samples) == 2 and all(o["pid"] == burn for o in samples), d
    typed = [o for o in d if "type" in o]
    assert [o["type"] for o in typed] == ["average"], d
    assert typed[0]["cpu_pct"] > 50 and typed[0]["intervals"] == 2, typed


def test_all_sort_top_json(workloads):
    workloads.burn()
    d, _ = rows_and_totals(ok(run_cli("-a", "-i", "0.2", "-c", "2", "--top", "3", "--json-lines")))
    assert [o["interval"] for o in d] == [1, 1, 1, 2, 2, 2]
    # By cpu% by default, the largest first, unknown last.
    for c in (column(d, "cpu_pct", 1), column(d, "cpu_pct", 2)):
        known = [v for v in c if v is not None]
        assert known == sorted(known, reverse=True), c
        assert c[len(known):] == [None] * c.count(None), c

    d, _ = rows_and_totals(ok(run_cli("-a", "-i", "0.2", "-c", "1", "-s", "minflt/s", "-o",
                                      "pid,minflt/s", "--json-lines")))
    c = [o["minflt_per_second"] for o in d if o["minflt_per_second"] is not None]
    assert c == sorted(c, reverse=True)
    assert len(d) > 3 and "minflt_per_second" in d[0], d

    # Ids and names: the smallest first.
    d, _ = rows_and_totals(ok(run_cli("-a", "-i", "0.2", "-c", "1", "--sort", "comm", "--json-lines")))
    c = [o["comm"].encode() for o in d]
    assert c == sorted(c)
    d, _ = rows_and_totals(ok(run_cli("-a", "--sort", "pid", "--top", "5", "--json-lines")))
    c = [o["pid"] for o in d]
    assert c == sorted(c) and len(c) == 5 and c[0] == 1, c


def test_all_columns_json():
    """JSON: identity and the columns asked for; "+LIST" adds to the
    default columns, and fields give their change."""
    d, _ = rows_and_totals(ok(run_cli("-a", "-i", "0.2", "-c", "1", "-o", "pid,comm,cpu%",
                                      "--json-lines")))
    # "notes" comes only with a delay above the interval (HONEST VALUES).
    for o in d:
        assert [k for k in o if k != "notes"] == ["interval", "time", "seconds", "pid",
                                                  "tgid", "comm", "uid", "threads",
                                                  "cpu_pct"], o
    d, _ = rows_and_totals(ok(run_cli("-a", "-i", "0.2", "-c", "1", "-o", "+utime,nice",
                                      "--json-lines")))
    for o in d:
        assert [k for k in o if k != "notes"][-3:] == ["status", "utime_us", "nice"] and \
            "cpu_pct" in o, o
        assert type(o["utime_us"]) is int and type(o["nice"]) is int, o


def test_list_columns():
    """Every column of --list-columns works and is in the manual, and back."""
    man_path = env_path("TSTATS_MAN")
    with open(man_path, encoding="utf-8") as f:
        man = f.read()
    d = ok(run_cli("--list-columns", "--json")).json()
    cols = man.split("\n.SH COLUMNS\n")[1].split("\n.SH ")[0].splitlines()
    fields = man.split("\n.SH FIELDS\n")[1].split(".SS Delay classes")[0].splitlines()
    assert sorted(o["name"] for o in d["columns"]) == sorted(
        [n.split()[1].replace("\\-", "-") for line, n in zip(cols, cols[1:]) if line == ".TP"]
        + [line[3:] for line in fields if line.startswith(".B ")
           and line[3:] not in ("pid", "tgid", "comm", "uid")])
    assert list(d) == ["schema_version", "columns"] and d["schema_version"] == 1
    assert len({c["name"] for c in d["columns"]}) == len(d["columns"])
    for c in d["columns"]:
        assert set(c) == {"name", "key", "unit", "description"} and c["description"], c
    n = len(d["columns"])
    names = ",".join(c["name"] for c in d["columns"])

    # Text: a header and one line per column, name first.
    r = ok(run_cli("--list-columns"))
    assert r.out.count(b"\n") == n + 1
    assert r.out.startswith(b"NAME "), r
    assert b"\ncpu% " in r.out
    assert b"\nblkio_delay% " in r.out
    assert b"\nhiwater_rss " in r.out
    r = run_cli("--list-columns", "-n", "-r")
    assert r.out.count(b"\n") == n, r

    # All of them at once, in a snapshot and in an interval.
    r = ok(run_argv([cli_path(), "-a", "-r", "-o", names]))
    assert r.out.split(b"\n")[0].count(b" ") == n - 1, r
    d, _ = rows_and_totals(ok(run_argv([cli_path(), "-a", "--json-lines", "-o", names,
                                        "-i", "0.1", "-c", "1"])))
    for o in d:
        assert len(set(o) - {"notes"}) == 3 + len(names.split(",")), o


def test_all_threads(workloads):
    tp = workloads.threads()
    d, _ = rows_and_totals(ok(run_cli("--threads", "-i", "0.2", "-c", "1", "--json-lines")))
    # Four threads of one process: four rows, one tgid (before v12 the
    # records have none).
    if struct_version() >= V_TGID:
        mine = sorted(o["pid"] for o in d if o["tgid"] == tp)
        assert mine[0] == tp and len(set(mine)) == 4, mine
    else:
        assert all(o["tgid"] is None for o in d) and tp in {o["pid"] for o in d}, d
    assert all(o["threads"] is None for o in d), d

    # The process view counts them.
    d, _ = rows_and_totals(ok(run_cli("-a", "--json-lines")))
    assert [o["threads"] for o in d if o["pid"] == tp] == [4]


def test_all_snapshot_json(workloads):
    """Without --interval: one table of cumulative values, no rates."""
    pid = workloads.stopped("tstats-snap", 150)
    d, _ = rows_and_totals(ok(run_cli("-a", "--json-lines", "-o",
                                      "+cpu%,write_char,cpu_run_virtual_total")))
    for o in d:
        assert o["interval"] == 0 and o["seconds"] is None and o["cpu_pct"] is None, o
    # Cumulative: the 150 ms of CPU the child used (the scheduler's count,
    # the one its CPU clock read) and the bytes it wrote.
    assert [(o["comm"], o["cpu_run_virtual_total_ns"] >= 150000000,
             o["write_char_bytes"] >= 256 * 1024, type(o["utime_us"]))
            for o in d if o["pid"] == pid] == \
        [("tstats-snap", True, True, int)], [o for o in d if o["pid"] == pid]
    assert [o["pid"] for o in d] == sorted(o["pid"] for o in d)


def test_all_hostile_comm_json(workloads):
    comm = "\x1b[2J\nevil\\ x"
    pid = workloads.stopped(comm, 0)
    r = ok(run_cli("-a", "--json-lines", "-o", "pid"))
    assert b"\x1b" not in r.out, "json-c left a raw ESC"
    d, _ = rows_and_totals(r)
    assert [o["comm"] for o in d if o["pid"] == pid] == [comm]


def test_all_sigint(background):
    """Without --count, SIGINT ends the run cleanly after whole intervals."""
    b = background([cli_path(), "-a", "-i", "0.2", "--top", "2", "--json-lines"])
    b.wait_for("out", b'"interval":2,')
    b.signal(signal.SIGINT)
    d, _ = rows_and_totals(ok(b.finish()))
    k = [o["interval"] for o in d]
    assert k[0] == 1 and k == sorted(k) and len(k) >= 4, k
    assert all(k.count(i) == 2 for i in set(k)), k


def test_all_sigint_document(background):
    """-J without --count: SIGINT ends the run and the document holds the
    intervals so far (nothing is written before the end to wait for)."""
    b = background([cli_path(), "-a", "-i", "0.2", "--top", "1", "-J", "--compact"])
    time.sleep(2)
    b.signal(signal.SIGINT)
    d = ok(b.finish()).json()
    k = [i["interval"] for i in d["intervals"]]
    assert k == list(range(1, len(k) + 1)) and len(k) >= 1, d
    assert all(len(i["rows"]) == 1 and "total" in i for i in d["intervals"]), d


def test_json_document(workloads):
    """-J: one document (as lsblk -J), written when the run ends: the
    snapshot's rows, or each interval's rows and total, and with -p/-t the
    averages; the same objects --json-lines writes one per line, without
    the interval keys the interval's object holds once."""
    burn = workloads.burn()
    d = ok(run_cli("-a", "-J", "-o", "pid,comm")).json()
    assert list(d) == ["schema_version", "time", "rows"] and d["schema_version"] == 1, d
    assert d["time"].endswith("Z") and len(d["rows"]) > 1, d
    assert all(list(o) == ["pid", "tgid", "comm", "uid", "threads"] for o in d["rows"]), d
    assert burn in [o["pid"] for o in d["rows"]]

    d = ok(run_cli("-a", "-i", "0.2", "-c", "2", "--top", "2", "-J")).json()
    assert list(d) == ["schema_version", "intervals"], d
    assert [i["interval"] for i in d["intervals"]] == [1, 2], d
    for i in d["intervals"]:
        assert list(i) == ["interval", "time", "seconds", "rows", "total"], i
        assert len(i["rows"]) == 2 and i["seconds"] > 0.1, i
        assert "interval" not in i["rows"][0] and "cpu_pct" in i["rows"][0], i
        assert i["total"]["cpu_seconds"] > 0 and type(i["total"]["complete"]) is bool, i

    d = ok(run_cli("-t", str(burn), "-i", "0.2", "-c", "2", "--compact")).json()
    assert list(d) == ["schema_version", "intervals", "averages"], d
    assert [o["pid"] for i in d["intervals"] for o in i["rows"]] == [burn, burn], d
    assert len(d["averages"]) == 1 and d["averages"][0]["tgid"] == burn, d
    assert d["averages"][0]["cpu_pct"] > 50 and d["averages"][0]["intervals"] == 2, d


def test_json_keys():
    """Every key of the interval JSON is jq-friendly (letters, digits and
    "_"), and a number's key carries its unit; -o takes the keys too."""
    import re
    cols = ok(run_cli("--list-columns", "--json")).json()["columns"]
    keys = {c["name"]: c["key"] for c in cols}
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", k) for k in keys.values()), keys
    assert len(set(keys.values())) == len(keys), keys
    assert (keys["cpu%"], keys["read/s"], keys["blkio_delay%"], keys["utime"],
            keys["read_bytes"], keys["hiwater_rss"], keys["cpu_delay_total"]) == \
        ("cpu_pct", "read_bytes_per_second", "blkio_delay_pct", "utime_us", "read_bytes",
         "hiwater_rss_kib", "cpu_delay_total_ns"), keys
    units = {c["key"]: c["unit"] for c in cols}
    suffix = {"ns": "_ns", "us": "_us", "KiB": "_kib", "%": "_pct", "B/s": "_bytes_per_second",
              "1/s": "_per_second", "bytes": "_bytes", "MiB*us": "_mib_us"}
    for k, u in units.items():
        assert u not in suffix or k.endswith(suffix[u]), (k, u)
    d, totals = rows_and_totals(ok(run_cli("-a", "-i", "0.2", "-c", "1", "-O", "--json-lines")))
    for o in d + totals:
        assert all(re.fullmatch(r"[a-z][a-z0-9_]*", k) for k in o), o
    d, _ = rows_and_totals(ok(run_cli("-a", "-i", "0.2", "-c", "1", "-o",
                                      "pid,cpu_pct,utime_us", "--json-lines")))
    assert all(list(o)[-2:] == ["cpu_pct", "utime_us"] for o in d), d


def test_output_all_bytes_sort(workloads):
    """-O: every column; -b: sizes in bytes; --sort=+COL smallest first,
    --sort=-COL largest first (as ps)."""
    still = workloads.stopped("tstats-bytes", 0)
    n = len(ok(run_cli("--list-columns", "--json")).json()["columns"])
    r = ok(run_cli("-a", "-O", "-r"))
    assert r.out.split(b"\n")[0].count(b" ") == n - 1, r.out[:300]
    d = ok(run_cli("-a", "-O", "-J")).json()["rows"]
    assert len(d[0]) == n, d[0]
    assert run_cli("-a", "-O", "-o", "pid").status == 2

    # -b: whole bytes where the table would say "12.0KiB".
    text = ok(run_cli("-a", "-o", "pid,read_char,hiwater_rss", "-r", "-n")).out.split(b"\n")
    raw = ok(run_cli("-a", "-b", "-o", "pid,read_char,hiwater_rss", "-r", "-n")).out.split(b"\n")
    js = {o["pid"]: o for o in ok(run_cli("-a", "-J", "-o", "pid,read_char,hiwater_rss"))
          .json()["rows"]}
    assert any(b"KiB" in x for x in text), text[:5]
    rows = [x.split() for x in raw if x]
    assert all(rchar.isdigit() and rss.isdigit() for _, rchar, rss in rows), rows[:5]
    # A stopped task's values do not change between the two runs.
    o = js[still]
    assert [[int(v) for v in x[1:]] for x in rows if int(x[0]) == still] == \
        [[o["read_char_bytes"], o["hiwater_rss_kib"] * 1024]], (rows, o)
    assert run_cli("-p", "1", "-b").status == 2

    asc = [o["pid"] for o in ok(run_cli("-a", "--sort", "+pid", "-J")).json()["rows"]]
    desc = [o["pid"] for o in ok(run_cli("-a", "--sort", "-pid", "-J")).json()["rows"]]
    assert asc == sorted(asc) and desc == sorted(desc, reverse=True), (asc, desc)
    byname = [o["comm"].encode() for o in ok(run_cli("-a", "--sort", "-comm", "-J"))
              .json()["rows"]]
    assert byname == sorted(byname, reverse=True), byname
    d, _ = rows_and_totals(ok(run_cli("-a", "-i", "0.2", "-c", "1", "-s", "+cpu%",
                                      "--json-lines")))
    c = [o["cpu_pct"] for o in d if o["cpu_pct"] is not None]
    assert c == sorted(c), c
