# SPDX-License-Identifier: LGPL-2.1-or-later
"""The JSON documents of -p/-t, --check and their errors, against the
live kernel and /proc. The text report's own checks are in
tests/test-cli.c."""
import os
import time

import pytest

from clitest import (TOUCH_SIZE, V_TGID, WRITE_SIZE, cli_path, delayacct_json, ok,
                     proc_key, proc_stat, run_argv, run_cli, self_comm, struct_version)


def reaped_pid():
    """A PID that existed a moment ago and has been reaped."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


# ---- -p and -t ----------------------------------------------------------

def test_json_self():
    pid = os.getpid()
    r = ok(run_cli("--json", "-p", str(pid)))
    assert r.err == b""
    d = r.json()
    assert d["schema_version"] == 1
    assert sorted(d) == ["delayacct", "errors", "schema_version", "tasks"]
    assert d["delayacct"] is delayacct_json()
    assert len(d["tasks"]) == 1 and d["errors"] == []
    t = d["tasks"][0]
    assert t["type"] == "pid"
    assert t["id"] == pid
    assert t["pid"] == pid
    # The running kernel's struct: the version and its size, for the eras
    # the kernel matrix boots (scripts/test-kernels.sh).
    assert {10: 352, 13: 416, 14: 432, 16: 560, 17: 688}.get(t["version"]) == t["payload_len"]
    assert t["comm"] == self_comm()
    flags = ("version_inferred", "newer_than_known", "short_payload", "empty_group")
    assert {k: type(t[k]) for k in flags} == {k: bool for k in flags}
    # Numbers are JSON numbers, never strings.
    not_int = {k: v for k, v in t.items()
               if k not in ("type", "comm", "time_shares", "notes") + flags
               and v is not None and type(v) is not int}
    assert not_int == {}
    # What the kernel rounds or samples is said, by field (HONEST VALUES).
    assert t["notes"]["read_syscalls"].startswith("rounded down to a multiple of 1024"), t
    assert "utime" in t["notes"] and "cpu_run_virtual_total" not in t["notes"], t
    # Where its time went: running and waiting for a CPU add up to its
    # life (it is a single thread, so no share exceeds it).
    s = t["time_shares"]
    assert set(s) == {"running", "cpu_wait", "blkio_wait", "memory_wait", "wpcopy", "irq",
                      "verdict"}
    assert 0 <= s["running"] <= 1.01 and 0 <= s["cpu_wait"] <= 1.01, s
    assert s["running"] + s["cpu_wait"] <= 1.02, s
    assert s["verdict"].startswith("mostly "), s
    assert type(t["nice"]) is int and -20 <= t["nice"] <= 19
    assert t["cpu_delay_total"] is not None
    # v16 has no max_ts: absent, so null.
    assert t["version"] >= 17 or t["cpu_delay_max_ts"] is None, t


def test_tgid_zombie_json():
    """-t of a zombie: the kernel counted no thread, and JSON says so."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    try:
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
        t = ok(run_cli("-t", str(pid), "-j")).json()["tasks"][0]
        assert t["empty_group"] is True and t["utime"] == 0, t
        t = run_cli("-p", str(pid), "-j").json()["tasks"][0]
        assert t["empty_group"] is False, t
    finally:
        os.waitpid(pid, 0)


def test_json_loaded_on_demand():
    """json-c is loaded for JSON output (cli/jsonc.h): the loader's
    LD_DEBUG=files trace names every library it maps. (That text output
    maps no json-c is test-cli.c's test_json_loaded_on_demand.)"""
    if os.environ.get("TSTATS_JSONC_SONAME") == "link":
        pytest.skip("json-c is linked, not loaded (meson could not ask the loader "
                    "for its soname: a cross build)")
    r = ok(run_argv(["/usr/bin/env", "LD_DEBUG=files", cli_path(), "-p", "1", "-j"]))
    assert b"file=libjson-c.so" in r.err and b"dynamically loaded by" in r.err, \
        "JSON output did not load json-c:\n%.4000s" % r.err.decode(errors="replace")
    assert r.json()["tasks"][0]["pid"] == 1


def test_json_compact():
    pid = str(os.getpid())
    r = ok(run_cli("--compact", "-p", pid))
    assert r.out.count(b"\n") == 1
    assert r.out.endswith(b"\n")
    assert r.json()["tasks"][0]["comm"] == self_comm()
    # Pretty by default: one line per key at least.
    r = ok(run_cli("-j", "-p", pid))
    assert r.out.count(b"\n") > 80


def test_json_tgid():
    t = ok(run_cli("-j", "-t", str(os.getpid()))).json()["tasks"][0]
    assert t["type"] == "tgid"
    # Not summed by the kernel for groups: null, not 0.
    assert "read_bytes" in t and t["read_bytes"] is None
    assert t["comm"] is None and t["uid"] is None
    assert t["hiwater_rss"] is None
    assert type(t["utime"]) is int and type(t["nvcsw"]) is int


def test_json_vs_proc(workloads):
    """A stopped child's record against what /proc says about it."""
    tick_us = 1000000 // os.sysconf("SC_CLK_TCK")
    pid = workloads.stopped("tstats-child", 150)
    # The child may still be switching out when waitpid() returns: retry
    # until /proc reads the same before and after the query.
    for _ in range(50):
        nv = proc_key(pid, "status", "voluntary_ctxt_switches:")
        niv = proc_key(pid, "status", "nonvoluntary_ctxt_switches:")
        uticks = proc_stat(pid, 14)
        r = ok(run_cli("--json", "-p", str(pid)))
        if (nv == proc_key(pid, "status", "voluntary_ctxt_switches:")
                and niv == proc_key(pid, "status", "nonvoluntary_ctxt_switches:")
                and uticks == proc_stat(pid, 14)):
            break
        time.sleep(0.02)
    else:
        pytest.fail("/proc of PID %d kept changing" % pid)
    minflt = proc_stat(pid, 10)
    ppid = proc_stat(pid, 4)
    uid = proc_key(pid, "status", "Uid:")
    hwm = proc_key(pid, "status", "VmHWM:")
    wchar = proc_key(pid, "io", "wchar:")
    rchar = proc_key(pid, "io", "rchar:")
    wbytes = proc_key(pid, "io", "write_bytes:")

    t = r.json()["tasks"][0]
    assert t["comm"] == "tstats-child"
    assert t["pid"] == pid
    if struct_version() >= V_TGID:
        assert t["tgid"] == pid
    else:
        assert t["tgid"] is None
    assert t["ppid"] == ppid
    assert ppid == os.getpid()
    assert t["uid"] == uid
    assert t["nvcsw"] == nv
    assert t["nivcsw"] == niv
    assert t["minflt"] == minflt
    # The record reads the mm's per-CPU RSS counters without summing them
    # (/proc sums them): equal up to the counters' batching.
    assert t["hiwater_rss"] >= TOUCH_SIZE // 1024
    assert t["hiwater_rss"] <= hwm + 1024 and hwm <= t["hiwater_rss"] + 1024, \
        "hiwater_rss %d KiB vs VmHWM %d kB" % (t["hiwater_rss"], hwm)
    # CPU: it burned 150 ms. utime and stime count ticks (a tick charges
    # its whole length to the task it interrupts: under load or emulation
    # they read more or less than it ran, and split it differently);
    # cpu_run_real_total is their sum unrounded. /proc scales them so that
    # their sum is the scheduler's runtime, cpu_run_virtual_total, each
    # rounded down to a tick.
    ticks_us = (uticks + proc_stat(pid, 15)) * tick_us
    run_us = t["cpu_run_virtual_total"] // 1000
    assert run_us >= 140000, t
    # How many ticks fell in its run is not checked against the run: under
    # emulation 45% were seen.
    assert t["utime"] > 0, t
    assert t["cpu_run_real_total"] // 1000 - (t["utime"] + t["stime"]) in (0, 1), t
    assert ticks_us <= run_us + 1000 and run_us <= ticks_us + 2 * tick_us + 1000, \
        "/proc utime + stime %d us, cpu_run_virtual_total %d us" % (ticks_us, run_us)
    # I/O is reported rounded down to KiB.
    assert wchar >= WRITE_SIZE
    assert t["write_char"] == wchar & ~1023
    assert t["read_char"] == rchar & ~1023
    assert t["write_bytes"] == wbytes & ~1023
    assert t["nice"] == proc_stat(pid, 19)
    assert t["nice"] in (-5, 5)
    assert t["btime64"] > 0


# ---- hostile command names ----------------------------------------------

def test_hostile_comm_json(workloads):
    comm = "\x1b[2J\nevil\\"
    r = ok(run_cli("--json", "-p", str(workloads.stopped(comm, 0))))
    assert b"\x1b" not in r.out, "json-c left a raw ESC"
    assert r.json()["tasks"][0]["comm"] == comm


def test_invalid_utf8_comm_json(workloads):
    # é valid; \xff invalid; \xc3 cut short; U+009B (CSI) valid but a
    # control; \xe2\x82 truncated at the end.
    pid = workloads.stopped(b"\xc3\xa9t\xff\xc3(\xc2\x9b\xe2\x82", 0)
    r = ok(run_cli("--json", "-p", str(pid)))
    assert r.json()["tasks"][0]["comm"] == "\u00e9t\ufffd\ufffd(\u009b\ufffd"


def test_comm_not_utf8_json(workloads):
    """A name of bytes that are never UTF-8: valid UTF-8 in JSON (read
    strictly here), U+FFFD per byte."""
    pid = str(workloads.stopped(b"\xff\xfe", 0))
    r = ok(run_cli("--compact", "-t", pid, "-p", pid))
    assert b"\xff" not in r.out
    assert r.json()["tasks"][1]["comm"] == "\ufffd\ufffd"


# ---- errors ---------------------------------------------------------------

def test_mixed_json():
    """The missing TGID first: the other is still reported, in JSON too."""
    gone = reaped_pid()
    r = ok(run_cli("-j", "-t", str(gone), "-p", "1"), 1)
    assert r.err.count(b"\n") == 1, r
    d = r.json()
    assert [t["id"] for t in d["tasks"]] == [1]
    assert d["errors"] == [{"type": "tgid", "id": gone, "errno": 3, "error": "no such task"}]


def test_output_file_stdout():
    """--output-file=- is stdout (the rest of --output-file: test-cli.c's
    test_output_file_planted)."""
    r = ok(run_cli("--output-file=-", "--compact", "--", "/bin/true"))
    assert r.json()["tasks"][0]["exit_code"] == 0


def test_repeated_flags():
    r = ok(run_cli("-j", "--json", "-J", "-x", "-x", "-p", str(os.getpid())))
    assert r.err == b""
    assert len(r.json()["tasks"]) == 1


# ---- --check --------------------------------------------------------------

CHECK_NAMES = ["family", "query", "privileges", "listen", "delayacct", "struct_version",
               "cgroupstats", "irq_time"]


def test_check_json():
    version = ok(run_cli("-j", "-p", str(os.getpid()))).json()["tasks"][0]["version"]
    r = ok(run_cli("--check", "--json"))
    assert r.err == b""
    d = r.json()
    assert sorted(d) == ["checks", "queries_work", "schema_version"]
    assert d["schema_version"] == 1 and d["queries_work"] is True
    c = d["checks"]
    assert [x["name"] for x in c] == CHECK_NAMES
    for x in c:
        assert x["status"] in ("ok", "warn", "fail", "skip"), x
        assert type(x["message"]) is str and "\n" not in x["message"], x
        assert x["fix"] is None or type(x["fix"]) is str, x
        assert x["status"] != "fail", x
        # A fix where there is something to do.
        assert (x["fix"] is None) == (x["status"] == "ok") or x["status"] == "warn", x
    assert type(c[0]["family_id"]) is int, c[0]
    assert c[1]["cap_net_admin"] is True, c[1]
    assert c[2]["restricted"] is False and c[2]["uid"] == 0, c[2]
    assert c[3]["pid_namespace"] == "initial" and c[3]["user_namespace"] == "initial", c[3]
    assert c[4]["delayacct"] is delayacct_json(), c[4]
    assert c[5]["version"] == version and c[5]["known"] >= 17, c[5]
    assert type(c[6]["v1_hierarchies"]) is int, c[6]
    # IRQ time accounting, as the kernel's PSI files say (psi.c creates
    # pressure/irq only with CONFIG_IRQ_TIME_ACCOUNTING).
    if os.path.exists("/proc/pressure/cpu"):
        assert c[7]["irq_time_accounting"] is os.path.exists("/proc/pressure/irq"), c[7]

    r = ok(run_cli("--check", "--compact"))
    assert r.out.count(b"\n") == 1
    assert r.json()["queries_work"] is True


def test_check_unprivileged_json():
    """Without CAP_NET_ADMIN: what fails, the fix, and exit status 3."""
    d = ok(run_cli("--check", "-j", unprivileged=True), 3).json()
    assert d["queries_work"] is False
    c = d["checks"]
    assert [x["status"] for x in c][:4] == ["ok", "fail", "ok", "skip"], c
    assert c[1]["cap_net_admin"] is False and c[1]["fix"] is not None, c[1]
    assert c[5]["status"] == "skip" and "version" not in c[5], c[5]


def test_check_pidns():
    """In a new PID namespace queries work, exit listeners do not."""
    unshare = "/usr/bin/unshare"
    if not os.access(unshare, os.X_OK):
        pytest.skip("no %s" % unshare)
    d = ok(run_argv([unshare, "--pid", "--fork", "--", cli_path(), "--check", "-j"])).json()
    assert d["queries_work"] is True
    c = d["checks"][3]
    assert c["status"] == "warn" and c["pid_namespace"] == "other", c
    assert "initial user and PID namespaces" in c["message"] and c["fix"] is not None, c

    # A new network namespace: exit events would never arrive.
    r = run_argv([unshare, "--net", "--", cli_path(), "--check", "-j"])
    if struct_version() < V_TGID:
        # Before 5.19 the family exists only in the initial one.
        d = ok(r, 4).json()
        c = d["checks"][0]
        assert d["queries_work"] is False and c["status"] == "fail", d
        assert "in this network namespace" in c["message"] and "5.19" in c["fix"], c
        return
    d = ok(r).json()
    assert d["checks"][0]["status"] == "ok", d["checks"][0]
    c = d["checks"][3]
    assert c["network_namespace"] == "unknown" or (
        c["network_namespace"] == "other" and c["status"] == "warn"
        and "initial network namespace" in c["message"]), c


# ---- the manual -----------------------------------------------------------

def man_text():
    man = os.environ.get("TSTATS_MAN")
    assert man, "TSTATS_MAN is not set"
    with open(man, encoding="utf-8") as f:
        return f.read()


def test_man_fields():
    """The manual's field list and the JSON keys come from the same table."""
    fields = man_text().split(".SH FIELDS")[1].split(".SS Delay classes")[0].splitlines()
    t = ok(run_cli("-j", "-p", "1")).json()["tasks"][0]
    assert sorted(set(t) - {"type", "id", "payload_len", "version_inferred",
                            "newer_than_known", "short_payload", "empty_group",
                            "time_shares", "notes"}) == sorted(l[3:] for l in fields
                                                      if l.startswith(".B "))
