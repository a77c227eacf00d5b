# SPDX-License-Identifier: LGPL-2.1-or-later
"""Restricted mode, the JSON side: a file-capability copy of the CLI run
as nobody (conftest.py's cap fixture). Its text, exit statuses and
environment checks are in tests/test-cli.c."""
import os
import shutil
import signal

import pytest

from clitest import (NOBODY, READY, ok, proc_key, run_argv, spawn_killed, status_hex)

CAP_NET_ADMIN_MASK = 1 << 12


def other_user(what):
    return b"taskstats-cli: permission denied: %s belongs to another user\n" % what


def test_restricted_refused_json(cap):
    """Root's PID 1 is refused: the document says why, and holds no field of it."""
    r = ok(cap.run("-j", "-p", "1"), 3)
    assert r.err == other_user(b"PID 1")
    d = r.json()
    assert d["tasks"] == [] and d["errors"] == [{
        "type": "pid", "id": 1, "errno": 13,
        "error": "permission denied: another user's task"}], d


def test_restricted_own_json(cap):
    """A process of nobody's own, started by the same shell, is answered."""
    r = ok(cap.run_sh('sleep 60 & p=$!\n"$1" --json -p "$p"; r=$?\nkill "$p"; exit $r\n'))
    assert r.err == b""
    d = r.json()
    assert len(d["tasks"]) == 1 and d["tasks"][0]["uid"] == NOBODY and d["errors"] == [], d


def test_restricted_not_readable_all(cap, nobody):
    """A task whose real uid is the user's is not enough: the kernel
    refuses the user a set-user-ID program's /proc/PID/io (its effective
    and saved uid are root's) and a non-dumpable task's
    (ptrace_may_access()), and so does --all in restricted mode."""
    suid = nobody.spawn("tstats-suid", True, True)
    undumpable = nobody.spawn("tstats-nodump", False, False)
    own = nobody.spawn("tstats-own", False, True)
    d = ok(cap.run("--all", "--json-lines")).json_lines()
    tgids = [t["tgid"] for t in d]
    assert own in tgids, tgids
    assert not {suid, undumpable} & set(tgids), tgids


def test_restricted_listen(cap, nobody, background):
    """--listen as nobody: only nobody's exits, and while it listens the
    process holds CAP_NET_ADMIN alone, with no_new_privs."""
    b = background(cap.argv("--listen", "--json-lines"))
    b.wait_for("err", READY)
    # setpriv has exec'd the copy: same PID.
    assert status_hex(b.pid, "CapEff:") == CAP_NET_ADMIN_MASK
    assert status_hex(b.pid, "CapPrm:") == CAP_NET_ADMIN_MASK
    assert status_hex(b.pid, "CapInh:") == 0
    assert status_hex(b.pid, "CapAmb:") == 0
    assert proc_key(b.pid, "status", "NoNewPrivs:") == 1
    assert proc_key(b.pid, "status", "Uid:") == NOBODY
    assert b"taskstats-cli: restricted to the tasks of user 65534 " in b.err

    # Root's exit is queued before nobody's is sent (the kernel sends it
    # from do_exit(), before the reap): once nobody's is out, root's has
    # been passed over, and so has the set-user-ID program's that nobody
    # started. Nobody's are kept as zombies until then: the credentials
    # of a task already reaped cannot be checked.
    root_pid = spawn_killed("tstats-root")
    suid_pid = nobody.spawn("tstats-suid", True, True)
    nobody.kill_queued(suid_pid)
    nobody_pid = nobody.spawn("tstats-nobody", False, True)
    nobody.kill_queued(nobody_pid)
    b.wait_for("out", b'"id":%d,' % nobody_pid)
    b.signal(signal.SIGTERM)
    d = ok(b.finish()).json_lines()
    assert len(d) > 0 and all(t["event"] == "exit" for t in d), d
    assert all(t["uid"] == NOBODY for t in d if t["type"] == "pid"), d
    assert not any(t["id"] == root_pid for t in d), d
    assert not any(t["comm"] == "tstats-root" for t in d), d
    assert not any(t["id"] == suid_pid for t in d), d
    assert not any(t["comm"] == "tstats-suid" for t in d), d
    assert [t["comm"] for t in d if t["id"] == nobody_pid] == ["tstats-nobody"], d


def test_restricted_all(cap):
    """--all as nobody: nobody's processes only (its own among them)."""
    r = ok(cap.run("--all", "-J"))
    assert b"restricted to the tasks of user 65534 " in r.err
    d = r.json()["rows"]
    assert len(d) >= 1 and all(t["uid"] == NOBODY for t in d), d


def test_restricted_command_tree_json(cap):
    """--tree --json as nobody: stderr is one document, which says the
    restriction (no notice line before it)."""
    r = ok(cap.run("--compact", "--tree", "--", "/bin/sh", "-c", "/bin/true; /bin/true"))
    d = r.json("err")
    assert d["restricted_to_uid"] == NOBODY and d["command"]["exit_code"] == 0, d
    assert all(t["uid"] == NOBODY for t in d["tasks"]), d["tasks"]


def test_restricted_setuid_check_json(cap):
    """A set-user-ID root install: back to nobody's ids, and --check says so."""
    if os.statvfs(cap.dir).f_flag & os.ST_NOSUID:
        pytest.skip("nosuid file system")
    suid = cap.cli + "-suid-json"
    shutil.copyfile(cap.cli, suid)
    try:
        os.chmod(suid, 0o4755)
        d = ok(run_argv(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                         "--clear-groups", "--", suid, "--check", "-j"])).json()
        c = d["checks"][2]
        assert c["restricted"] is True and c["uid"] == NOBODY, c
    finally:
        os.unlink(suid)
