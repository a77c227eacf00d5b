# SPDX-License-Identifier: LGPL-2.1-or-later
"""Queries against the real kernel, errors, ids, the size check."""
import errno
import os
import pathlib
import pydoc
import shutil
import subprocess
import sys
import tempfile
import time
import typing

import pytest

import taskstats
from taskstats import _native


def comm_of(pid):
    with open("/proc/%d/comm" % pid) as f:
        return f.read().rstrip("\n")


def test_field_table_is_the_record_attributes():
    names = [f.name for f in taskstats.fields()]
    assert len(names) == len(set(names)) and "cpu_delay_total" in names
    for f in taskstats.fields():
        prop = getattr(taskstats.Record, f.name)
        assert isinstance(prop, property) and f.description in prop.__doc__
    assert taskstats.fields()[0].name == "version"
    by_name = {f.name: f for f in taskstats.fields()}
    assert by_name["nice"].signed and by_name["utime"].counter and not by_name["pid"].counter
    assert by_name["utime"].unit == "us" and by_name["cpu_delay_total"].unit == "ns"


def test_query_self(client):
    me = os.getpid()
    r = client.pid(me)
    assert isinstance(r, taskstats.Record)
    assert (r.kind, r.id, r.pid, r.tgid, r.ppid) == (taskstats.Kind.PID, me, me, me, os.getppid())
    assert r.comm == comm_of(me) and r.uid == os.getuid() and r.gid == os.getgid()
    assert r.version >= 1 and r.payload_len > 0 and r.utime is not None
    assert isinstance(r.cpu_delay_total, int) and r.nice == os.nice(0)
    d = r.as_dict()
    assert all(isinstance(v, int) for k, v in d.items() if k not in ("comm", "kind"))
    assert d["pid"] == me and d["kind"] == "pid" and set(d) - {"kind", "id"} <= {
        f.name for f in taskstats.fields()}
    # Plain data: a copy survives the client and pickles.
    import pickle
    assert pickle.loads(pickle.dumps(r)).as_dict() == d


def test_absent_is_none(client):
    g = client.tgid(os.getpid())
    assert g.kind == taskstats.Kind.TGID and g.id == os.getpid()
    # The kernel's TGID record has no identity and no I/O: unknown, not 0.
    assert g.comm is None and g.pid is None and g.read_bytes is None and not g.has("comm")
    assert g.utime is not None and g.has("utime")
    assert "comm" not in g.as_dict()


def test_nice_is_signed(client):
    # A negative nice value travels as a two's-complement uint64.
    if os.geteuid() != 0:
        pytest.skip("only root may lower a nice value")
    p = subprocess.Popen(["sleep", "10"],
                         preexec_fn=lambda: os.setpriority(os.PRIO_PROCESS, 0, -5))
    try:
        deadline = time.monotonic() + 10
        while comm_of(p.pid) != "sleep" and time.monotonic() < deadline:
            time.sleep(0.01)  # until the child has set it and exec'd
        assert client.pid(p.pid).nice == -5
    finally:
        p.kill()
        p.wait()


def test_process_view(client):
    p = client.process(os.getpid())
    assert isinstance(p, taskstats.Process) and p.threads >= 1
    assert p.kind == taskstats.Kind.TGID and p.pid == os.getpid() and p.comm == comm_of(os.getpid())
    assert p.source("read_bytes") == taskstats.Source.THREAD_SUM
    assert p.source("utime") == taskstats.Source.TGID
    assert p.source("comm") == taskstats.Source.LEADER
    with pytest.raises(KeyError):
        p.source("nope")


def test_reaped_child_is_process_lookup_error(client):
    p = subprocess.Popen(["true"])
    p.wait()
    with pytest.raises(ProcessLookupError) as e:
        client.pid(p.pid)
    assert e.value.errno == errno.ESRCH and str(p.pid) in str(e.value)


@pytest.mark.parametrize("bad,exc", [(0, ValueError), (-1, ValueError), (2**32, OverflowError),
                                     (2**32 + 1, OverflowError), ("1", TypeError),
                                     (1.0, TypeError), (None, TypeError)])
def test_ids_are_validated_never_truncated(client, bad, exc):
    # 2**32 + 1 truncated to 32 bits would be PID 1.
    with pytest.raises(exc):
        client.pid(bad)
    with pytest.raises(exc):
        client.tgid(bad)
    with pytest.raises(exc):
        client.batch([1, bad])


def test_largest_id_reaches_the_kernel(client):
    with pytest.raises(ProcessLookupError):
        client.pid(2**32 - 1)


def test_batch(client):
    ids = taskstats.tasks()
    assert len(ids) > 1 and os.getpid() in ids
    gone = subprocess.Popen(["true"])
    gone.wait()
    ids += [gone.pid, ids[0]]
    res = client.batch(ids)
    assert len(res) == len(ids)
    for i, r in zip(ids, res):
        if isinstance(r, taskstats.Record):
            assert r.id == i and r.pid == i and r.kind == taskstats.Kind.PID
        else:
            assert isinstance(r, ProcessLookupError) and r.errno == errno.ESRCH
    assert isinstance(res[-2], ProcessLookupError)
    assert sum(isinstance(r, taskstats.Record) for r in res) > len(ids) // 2
    procs = client.batch(taskstats.tasks(taskstats.Kind.TGID), kind=taskstats.Kind.TGID)
    assert any(isinstance(r, taskstats.Record) and r.id == os.getpid() for r in procs)
    assert client.batch([]) == []


def test_cgroup(client):
    checked = 0
    with open("/proc/self/mounts") as f:
        mounts = [line.split() for line in f]
    for m in mounts:
        if m[2] == "cgroup":
            cs = client.cgroup(m[1])
            assert sum(cs) > 0 and cs.running >= 0
            checked += 1
        elif m[2] == "cgroup2":
            with pytest.raises(OSError) as e:
                client.cgroup(m[1])
            assert e.value.errno == errno.EOPNOTSUPP
            checked += 1
    if not checked:
        pytest.skip("no cgroup file system mounted")
    with pytest.raises(FileNotFoundError):
        client.cgroup("/nonexistent")


def test_closed_client(client):
    client.close()
    with pytest.raises(ValueError):
        client.pid(1)
    client.close()


def test_unavailable_is_not_a_missing_file():
    e = _native.error(-errno.ENOENT, "open")
    assert isinstance(e, taskstats.TaskstatsUnavailable) and isinstance(e, OSError)
    assert not isinstance(e, FileNotFoundError) and e.errno == errno.ENOENT
    assert "TASKSTATS" in str(e) and "No such file" not in str(e)
    # ENOENT of anything else is the usual FileNotFoundError.
    assert isinstance(_native.error(-errno.ENOENT, "cgroup /x"), FileNotFoundError)
    assert isinstance(_native.error(-errno.EPERM, "query", 1), PermissionError)


def run_python(code, **kw):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, **kw)


def test_struct_size_mismatch_is_refused():
    # A library whose struct tstats_record differs from the package's copy.
    code = """
import ctypes
real = ctypes.CDLL
class Lib:
    def __init__(self, lib): self._lib = lib
    def __getattr__(self, name):
        fn = getattr(self._lib, name)
        if name != "tstats_struct_size":
            return fn
        class Wrong:
            restype = argtypes = None
            def __call__(self, t): return fn(t) + (8 if t == 1 else 0)
        w = Wrong(); self.__dict__[name] = w; return w
ctypes.CDLL = lambda path, *a, **k: Lib(real(path, *a, **k))
try:
    import taskstats
except ImportError as e:
    print(e)
"""
    r = run_python(code)
    assert r.returncode == 0, r.stderr
    assert "struct tstats_record is 1112 bytes" in r.stdout and "another version" in r.stdout


def test_permission_error_without_capability(client):
    if os.geteuid() != 0 or not os.path.exists("/usr/bin/setpriv"):
        pytest.skip("needs root and setpriv(1) to drop to nobody")
    # Copies nobody can reach (the source and build trees, and pytest's
    # tmp_path, may not be).
    with tempfile.TemporaryDirectory() as tmp:
        run_as_nobody(pathlib.Path(tmp))


def run_as_nobody(tmp_path):
    tmp_path.chmod(0o755)
    shutil.copytree(os.path.dirname(taskstats.__file__), tmp_path / "taskstats")
    shutil.copy(_native.lib._name, tmp_path / "libtaskstats.so.0")
    code = ("import taskstats\ntry:\n taskstats.Client().pid(1)\n"
            "except PermissionError as e:\n print('EPERM', e.errno)")
    env = dict(os.environ, PYTHONPATH=str(tmp_path),
               TSTATS_LIBRARY=str(tmp_path / "libtaskstats.so.0"), PYTHONDONTWRITEBYTECODE="1")
    r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        "--inh-caps=-all", sys.executable, "-c", code],
                       env=env, cwd=tmp_path, capture_output=True, text=True)
    assert r.stdout.strip() == "EPERM %d" % errno.EPERM, r.stderr


def test_help_reads_well():
    text = pydoc.render_doc(taskstats, renderer=pydoc.plaintext)
    for want in ("Client", "ExitListener", "TaskstatsUnavailable", "fileno", "add_reader",
                 "time spent waiting on a run queue [ns]"):
        assert want in text, want
    hints = typing.get_type_hints(taskstats.Client.pid)
    assert hints["return"] is taskstats.Record
    assert taskstats.Record.__annotations__["utime"] == typing.Optional[int]


def test_timeout(client):
    client.set_timeout(0.5)
    assert client.pid(os.getpid()).pid == os.getpid()
    for bad in (0, -1, 0.0001, 2**40):
        with pytest.raises(ValueError):
            client.set_timeout(bad)
    with taskstats.Client(timeout=2) as c:
        assert c.tgid(os.getpid()).id == os.getpid()
