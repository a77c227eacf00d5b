# SPDX-License-Identifier: LGPL-2.1-or-later
"""Running taskstats-cli and the processes it looks at, for the CLI's
pytest suite (tests/cli/). The programs come from the build tree through
the environment meson passes (tests/meson.build): TSTATS_CLI,
TSTATS_CLI_STATIC, TSTATS_MAN, TSTATS_JSONC_SONAME, TSTATS_FORKLOAD,
TSTATS_THREADEXIT, TSTATS_WORKLOAD (tests/cli-workload.c), TSTATS_COMPLETION."""
import ctypes
import json
import os
import selectors
import signal
import subprocess
import time

NOBODY = 65534
# Struct taskstats v12 (Linux 5.19) brought ac_tgid, exe, tgetime and the
# AGROUP flag; before it the family exists only in the initial network
# namespace (scripts/test-kernels.sh boots 5.10).
V_TGID = 12
# What `cli-workload stopped` writes and touches (tests/cli-workload.c).
WRITE_SIZE = 256 * 1024
TOUCH_SIZE = 8 * 1024 * 1024
# Bytes tests/threadexit's main thread reads and its worker writes: whole
# KiB, as the kernel counts them (xacct_add_tsk(): KB_MASK).
MAIN_READ = 26214400
WORKER_WRITE = 3145728
READY = b"taskstats-cli: listening for exits on CPUs "
# Generous: a loaded machine may be slow, but never this slow.
BG_TIMEOUT_S = 120

PR_CAPBSET_DROP = 24
PR_SET_NAME = 15
PR_SET_DUMPABLE = 4
CAP_NET_ADMIN = 12

_libc = ctypes.CDLL(None, use_errno=True)


def env_path(name):
    p = os.environ.get(name)
    assert p, "%s is not set" % name
    return p


def cli_path():
    return env_path("TSTATS_CLI")


def workload_path():
    return env_path("TSTATS_WORKLOAD")


def status_of(returncode):
    """The exit code, or 128 + signal, as a shell reports it."""
    return 128 - returncode if returncode < 0 else returncode


class Run:
    """A finished program: status, out and err (bytes)."""

    def __init__(self, status, out, err):
        self.status, self.out, self.err = status, out, err

    def __repr__(self):
        return "exit %d\nstderr: %.2000s\nstdout: %.3000s" % (
            self.status, self.err.decode(errors="replace"), self.out.decode(errors="replace"))

    def json(self, stream="out"):
        """The document on stdout (or stderr), parsed strictly as UTF-8."""
        return loads(getattr(self, stream))

    def json_lines(self, stream="out"):
        """The objects of JSON Lines on stdout (or stderr)."""
        return loads_lines(getattr(self, stream))


def loads(data):
    text = data.decode("utf-8")
    try:
        return json.loads(text)
    except ValueError as e:
        raise AssertionError("not JSON (%s): %.2000s" % (e, text)) from None


def loads_lines(data):
    """JSON Lines: one object per line, every line ended, no empty line."""
    text = data.decode("utf-8")
    assert text == "" or text.endswith("\n"), "unended line: %.2000s" % text
    docs = [loads(line.encode()) for line in text.split("\n")[:-1]]
    assert all(type(o) is dict for o in docs), docs
    return docs


def _drop_net_admin():
    # Root without CAP_NET_ADMIN: dropped from the bounding set, so the
    # exec'd CLI runs as root without it (the kernel then answers EPERM).
    # Staying root keeps the build tree readable wherever it lies.
    if _libc.prctl(PR_CAPBSET_DROP, CAP_NET_ADMIN, 0, 0, 0) != 0:
        os._exit(126)


def run_argv(argv, unprivileged=False, env=None, timeout=600):
    p = subprocess.run([os.fsencode(a) for a in argv], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                       preexec_fn=_drop_net_admin if unprivileged else None,
                       timeout=timeout)
    return Run(status_of(p.returncode), p.stdout, p.stderr)


def run_cli(*args, unprivileged=False):
    return run_argv([cli_path()] + list(args), unprivileged=unprivileged)


def ok(r, status=0):
    """r, once its exit status is the one expected."""
    assert r.status == status, r
    return r


def read_text(path):
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        return f.read()


def self_comm():
    return read_text("/proc/self/comm").rstrip("\n")


def delayacct_sysctl():
    """kernel.task_delayacct: 0 or 1, or -1 on kernels before 5.14, which
    have no such switch (delay accounting on unless booted nodelayacct)."""
    try:
        return int(read_text("/proc/sys/kernel/task_delayacct"))
    except FileNotFoundError:
        return -1


def delayacct_json():
    """What the documents say of kernel.task_delayacct."""
    return {-1: None, 0: False, 1: True}[delayacct_sysctl()]


_version = []


def struct_version():
    """The running kernel's struct taskstats version, as the CLI reports it."""
    if not _version:
        _version.append(ok(run_cli("-j", "-p", str(os.getpid()))).json()["tasks"][0]["version"])
    return _version[0]


def proc_key(pid, file, key):
    """The number after key at the start of a line of /proc/PID/<file>."""
    for line in read_text("/proc/%d/%s" % (pid, file)).splitlines():
        if line.startswith(key):
            return int(line[len(key):].split()[0])
    raise AssertionError("/proc/%d/%s has no %s" % (pid, file, key))


def proc_stat(pid, n):
    """Field n (1-based, as in proc(5)) of /proc/PID/stat, n > 2."""
    s = read_text("/proc/%d/stat" % pid)
    return int(s[s.rindex(")") + 2:].split()[n - 3])


def status_hex(pid, key):
    """The hex capability mask of a /proc/PID/status line ("CapEff:")."""
    for line in read_text("/proc/%d/status" % pid).splitlines():
        if line.startswith(key):
            return int(line[len(key):], 16)
    raise AssertionError("/proc/%d/status has no %s" % (pid, key))


# ---- processes to look at (tests/cli-workload.c) ------------------------

class Workloads:
    """The workload processes of one test; kill() ends and reaps them."""

    def __init__(self):
        self.procs = []
        self.files = []

    def _start(self, *args):
        p = subprocess.Popen([os.fsencode(a) for a in [workload_path()] + list(args)],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
        self.procs.append(p)
        return p

    def _at_work(self, *args):
        p = self._start(*args)
        assert p.stdout.read(1) == b"x", "cli-workload %s did not start" % (args,)
        p.stdout.close()
        return p.pid

    def stopped(self, comm, cpu_ms):
        """A process named comm that burned cpu_ms, touched TOUCH_SIZE,
        wrote WRITE_SIZE bytes (to a file in the build tree: /tmp may be
        a tmpfs, which counts no storage writes), and stopped itself."""
        path = os.path.abspath("tstats-cli-write-%d-%d" % (os.getpid(), len(self.files)))
        open(path, "wb").close()
        self.files.append(path)
        p = self._start("stopped", comm, str(cpu_ms), path)
        _, st = os.waitpid(p.pid, os.WUNTRACED)
        assert os.WIFSTOPPED(st), "child did not stop: status 0x%x" % st
        return p.pid

    def burn(self):
        return self._at_work("burn")

    def write(self):
        path = os.path.abspath("tstats-cli-all-%d-%d" % (os.getpid(), len(self.files)))
        open(path, "wb").close()
        try:
            return self._at_work("write", path)
        finally:
            os.unlink(path)	# the writer has it open

    def threads(self):
        return self._at_work("threads")

    def kill(self):
        for p in self.procs:
            try:
                p.kill()
            except ProcessLookupError:
                pass
            p.wait()
        for path in self.files:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass


def spawn_killed(comm):
    """A short-lived child named comm, dead by SIGKILL and reaped: its PID.
    Forked, not started: it is quick (a busy machine's other exits must not
    fill a --count before it), and its parent is this process."""
    pid = os.fork()
    if pid == 0:
        try:
            _libc.prctl(PR_SET_NAME, os.fsencode(comm), 0, 0, 0)
            os.kill(os.getpid(), signal.SIGKILL)
        finally:
            os._exit(1)
    _, st = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(st) and os.WTERMSIG(st) == signal.SIGKILL, "status 0x%x" % st
    return pid


def spawn_group_killed(comm):
    """A process named comm whose three threads end before it dies by
    SIGKILL (cli-workload group-killed), reaped: its PID."""
    p = subprocess.Popen([os.fsencode(a) for a in [workload_path(), "group-killed", comm]],
                         stdin=subprocess.DEVNULL)
    assert p.wait() == -signal.SIGKILL, "cli-workload group-killed: status %d" % p.returncode
    return p.pid


class Nobody:
    """Children of nobody's (real uid and gid) waiting in pause(), killed
    and reaped by reap(); a killed one stays a zombie until then."""

    def __init__(self):
        self.pids = []

    def spawn(self, comm, setuid_root, dumpable):
        """With euid and saved uid root if setuid_root (a set-user-ID root
        program nobody started), else all nobody's, dumpable or not."""
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(r)
                os.setgroups([])
                os.setresgid(NOBODY, NOBODY, NOBODY)
                saved = 0 if setuid_root else NOBODY
                os.setresuid(NOBODY, saved, saved)
                if _libc.prctl(PR_SET_DUMPABLE, 1 if dumpable else 0, 0, 0, 0) != 0:
                    os._exit(1)
                _libc.prctl(PR_SET_NAME, comm.encode(), 0, 0, 0)
                os.write(w, b"x")
                while True:
                    signal.pause()
            finally:
                os._exit(1)
        os.close(w)
        self.pids.append(pid)
        assert os.read(r, 1) == b"x", "child of nobody's did not start"
        os.close(r)
        return pid

    @staticmethod
    def kill_queued(pid):
        """Its exit sent, not reaped: the zombie stays until reap()."""
        os.kill(pid, signal.SIGKILL)
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)

    def reap(self):
        for pid in self.pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
        self.pids = []


# ---- a CLI running in the background ------------------------------------

class Bg:
    """A program running while the test makes things happen; what it
    printed so far is in out and err."""

    def __init__(self, argv):
        self.p = subprocess.Popen([os.fsencode(a) for a in argv], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.pid = self.p.pid
        self.out = b""
        self.err = b""
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.p.stdout, selectors.EVENT_READ, "out")
        self.sel.register(self.p.stderr, selectors.EVENT_READ, "err")

    def read(self, timeout):
        """Reads what arrives within timeout (s); False once both are at EOF."""
        if not self.sel.get_map():
            return False
        for key, _ in self.sel.select(timeout):
            data = os.read(key.fileobj.fileno(), 65536)
            if not data:
                self.sel.unregister(key.fileobj)
                key.fileobj.close()
            else:
                setattr(self, key.data, getattr(self, key.data) + data)
        return True

    def exited(self):
        return self.p.poll() is not None

    def wait_for(self, stream, needle):
        """Waits until stdout ("out") or stderr ("err") holds needle."""
        end = time.monotonic() + BG_TIMEOUT_S
        while needle not in getattr(self, stream):
            assert time.monotonic() < end, "no %r after %d s; stderr: %.600s" % (
                needle, BG_TIMEOUT_S, self.err)
            assert self.read(1), "exited before %r; stderr: %.600s" % (needle, self.err)

    def signal(self, sig):
        os.kill(self.pid, sig)

    def finish(self):
        """Reads until EOF and reaps: a Run."""
        end = time.monotonic() + BG_TIMEOUT_S
        while self.read(1):
            assert time.monotonic() < end, "no EOF after %d s; stderr: %.600s" % (
                BG_TIMEOUT_S, self.err)
        return Run(status_of(self.p.wait()), self.out, self.err)

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        for key in list(self.sel.get_map().values()):
            key.fileobj.close()
        self.sel.close()
