# SPDX-License-Identifier: LGPL-2.1-or-later
"""The bash completion (completion/taskstats-cli.bash.in, as built): bash
itself runs its function with COMP_WORDS and COMP_CWORD set as readline
sets them, and the candidates in COMPREPLY are checked: options, and the
PIDs of -p/-t with their command names, which bash lists as they are."""
import os
import re
import subprocess

import pytest

from clitest import env_path

# What bash runs: the completion, then the function on the words given.
PROG = ('source "$1" || exit 1; shift; COMP_WORDS=("$@"); '
        'COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _taskstats_cli; '
        'printf "%s\\n" "${COMPREPLY[@]}"')


def complete(*words):
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c", PROG, "bash",
                        env_path("TSTATS_COMPLETION"), "taskstats-cli"] + list(words),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    assert r.returncode == 0 and r.stderr == "", r
    return [w for w in r.stdout.split("\n") if w]


def pids_starting(prefix):
    return sorted(n for n in os.listdir("/proc") if n.isdigit() and n.startswith(prefix))


def common_prefix(a, b):
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def test_options():
    got = complete("--pi")
    assert got == ["--pid"], got
    assert "--tgid" in complete("-")


def test_pids_with_names(workloads):
    """Several PIDs match: each is listed with its command name; bash
    inserts their common prefix, digits only."""
    a = str(workloads.stopped("tstats-cmp-a", 0))
    b = str(workloads.stopped("tstats-cmp-b", 0))
    prefix = common_prefix(a, b)
    while not prefix:	# 999 and 1000: try two more
        a = str(workloads.stopped("tstats-cmp-a", 0))
        b = str(workloads.stopped("tstats-cmp-b", 0))
        prefix = common_prefix(a, b)
    if len(pids_starting(prefix)) > 200:
        pytest.skip("more than 200 processes share the prefix %s" % prefix)
    got = complete("-p", prefix)
    assert "%s (tstats-cmp-a)" % a in got and "%s (tstats-cmp-b)" % b in got, got
    assert all(re.fullmatch(r"%s\d* \(.*\)" % prefix, g) for g in got), got
    # Their common prefix is digits: bash never inserts a name.
    assert os.path.commonprefix(got).rstrip("0123456789") == "", got
    # -t and the long forms too, and after "=".
    assert "%s (tstats-cmp-a)" % a in complete("-t", prefix)
    assert "%s (tstats-cmp-a)" % a in complete("--tgid", "=", prefix)


def test_pid_unique_is_bare(workloads):
    """One PID matches: it is completed as a number."""
    pid = str(workloads.stopped("tstats-cmp-one", 0))
    got = complete("-p", pid)
    if pids_starting(pid) == [pid]:
        assert got == [pid], got
    else:
        assert "%s (tstats-cmp-one)" % pid in got, got


def test_pid_in_comma_list(workloads):
    """The last element of a comma list, after the ones before it."""
    a = str(workloads.stopped("tstats-cmp-a", 0))
    b = str(workloads.stopped("tstats-cmp-b", 0))
    prefix = common_prefix(a, b)
    got = complete("-p", "1," + prefix)
    assert all(g.startswith("1," + prefix) for g in got), got
    assert "1," + a in [g.split(" ")[0] for g in got], got
    if 2 <= len(pids_starting(prefix)) <= 200:
        assert "1,%s (tstats-cmp-a)" % a in got, got


def test_hostile_name(workloads):
    """A command name is its process's choice: what is not printable is
    shown as "?", and the candidate stays one line."""
    a = str(workloads.stopped("x\n\x1b[2Jy", 0))
    b = str(workloads.stopped("tstats-cmp-b", 0))
    prefix = common_prefix(a, b)
    if not prefix or len(pids_starting(prefix)) > 200:
        b = str(workloads.stopped("tstats-cmp-b", 0))
        prefix = common_prefix(a, b)
    if not 2 <= len(pids_starting(prefix)) <= 200:
        pytest.skip("no PID prefix with 2 to 200 processes")
    got = complete("-p", prefix)
    assert "%s (x??[2Jy)" % a in got, got


def test_many_pids_are_bare():
    """More than 200 matches: bare ids (bash asks before listing them)."""
    if len(pids_starting("")) <= 200:
        pytest.skip("200 processes or fewer on this machine")
    got = complete("-p", "")
    assert got and all(g.isdigit() for g in got), got[:10]
