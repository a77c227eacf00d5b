# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fixtures of the CLI's pytest suite: the processes a test starts are
ended by the fixture, also when the test fails."""
import os
import shutil
import stat
import subprocess
import tempfile

import pytest

pytest.register_assert_rewrite("clitest")

import clitest  # noqa: E402 (after the rewrite is registered)

SETPRIV = "/usr/bin/setpriv"
SETCAP = "/usr/sbin/setcap"
GETCAP = "/usr/sbin/getcap"


@pytest.fixture
def workloads():
    w = clitest.Workloads()
    yield w
    w.kill()


@pytest.fixture
def nobody():
    n = clitest.Nobody()
    yield n
    n.reap()


@pytest.fixture
def background():
    """Starts programs in the background (clitest.Bg); killed at the end."""
    started = []

    def start(argv):
        b = clitest.Bg(argv)
        started.append(b)
        return b
    yield start
    for b in started:
        b.kill()


class CapCopy:
    """A copy of the CLI with "setcap cap_net_admin+ep", run as nobody by
    setpriv(1) without inheritable capabilities, so that it gets its
    capability from the file alone: the way distributions install such
    tools. The copy is the statically linked build ($TSTATS_CLI_STATIC):
    in secure-execution mode the loader ignores the build tree's run path.
    It lives next to it, on the build tree's file system (/tmp may be a
    tmpfs without security.* extended attributes), in a directory nobody
    can enter."""

    def __init__(self, directory, path):
        self.dir, self.cli = directory, path

    def argv(self, *args, env=()):
        """setpriv running the copy as nobody, through env(1) with the
        given assignments if any."""
        pre = [SETPRIV, "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
        if env:
            pre += ["/usr/bin/env"] + list(env)
        return pre + [self.cli] + list(args)

    def run(self, *args, env=()):
        return clitest.run_argv(self.argv(*args, env=env))

    def run_sh(self, script):
        """The script run by sh as nobody: $1 is the capability copy."""
        return clitest.run_argv([SETPRIV, "--reuid=65534", "--regid=65534", "--clear-groups",
                                 "--", "/bin/sh", "-c", script, "sh", self.cli])


@pytest.fixture(scope="session")
def cap():
    """The capability copy, or a skip saying why it cannot be made here."""
    src = os.environ.get("TSTATS_CLI_STATIC")
    if not src:
        pytest.skip("TSTATS_CLI_STATIC is not set")
    if os.getuid() != 0:
        pytest.skip("not root: cannot set file capabilities")
    if not all(os.access(p, os.X_OK) for p in (SETPRIV, SETCAP, GETCAP)):
        pytest.skip("no %s, %s or %s" % (SETPRIV, SETCAP, GETCAP))
    parent = os.path.dirname(os.path.abspath(src))
    # Every directory above it must let nobody through.
    d = parent
    while d != "/":
        if not os.stat(d).st_mode & stat.S_IXOTH:
            pytest.skip("a directory above the build tree is closed to nobody")
        d = os.path.dirname(d)
    directory = tempfile.mkdtemp(prefix="tstats-cap-", dir=parent)
    try:
        os.chmod(directory, 0o755)
        path = os.path.join(directory, "taskstats-cli")
        shutil.copyfile(src, path)
        os.chmod(path, 0o755)
        # Whether this file system keeps file capabilities: a round trip.
        if subprocess.run([SETCAP, "cap_net_admin+ep", path]).returncode != 0:
            pytest.skip("setcap failed: no file capabilities on this file system")
        got = subprocess.run([GETCAP, path], stdout=subprocess.PIPE, text=True).stdout
        if "cap_net_admin=ep" not in got:
            pytest.skip("getcap does not show the capability set: no file capabilities")
        yield CapCopy(directory, path)
    finally:
        shutil.rmtree(directory)
