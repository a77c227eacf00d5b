#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""CLI export formats against the live kernel.

  test-export.py CLI prometheus   --format prometheus for -p/-t, --all and
                                  --threads: a strict parser of the text
                                  exposition format, the values against the
                                  JSON document, a hostile comm, and
                                  `promtool check metrics`
  test-export.py CLI cgroup       --cgroup (text, JSON, prometheus, errors) on
                                  a named cgroup v1 hierarchy and a cgroup2
                                  file system this test mounts itself

Exits 77 (skip) only when the kernel or this machine cannot do it: no
TASKSTATS family or CAP_NET_ADMIN, a cgroup hierarchy cannot be mounted, or
promtool is not installed (after every other check passed).
"""
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

CLI = None
# A hostile command name: backslash, quote, newline, bytes that are not
# UTF-8, an escape sequence. The kernel keeps 15 bytes.
EVIL = b'a\\b"c\nd\xff\xfe\x1b[2J'
# Named v1 hierarchies are global and the kernel may keep one after its
# last unmount: a fixed name is reused run after run instead of piling up
# a new hierarchy per run (meson runs this test alone: is_parallel false).
HIER = "tstatsexport"
SKIP = 77


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def cli(*args, expect=0):
    """Runs the CLI (under memcheck when meson's valgrind setup wraps us)."""
    argv = [CLI] + list(args)
    if os.environ.get("TSTATS_UNDER_VALGRIND"):
        argv = ["valgrind", "--quiet", "--error-exitcode=99", "--leak-check=full",
                "--show-leak-kinds=definite,indirect,possible",
                "--errors-for-leak-kinds=definite,indirect,possible"] + argv
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    if expect is not None and p.returncode != expect:
        fail("%s: exit %d, expected %d\nstderr: %s\nstdout: %.2000s"
             % (" ".join(args), p.returncode, expect, p.stderr.decode(errors="replace"),
                p.stdout.decode(errors="replace")))
    return p


# ---- the text exposition format (0.0.4), strictly ----------------------

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")


def parse_labels(s, where):
    """'a="x",b="y"' -> dict; only \\\\, \\" and \\n escapes exist."""
    labels = {}
    i = 0
    while i < len(s):
        eq = s.find("=", i)
        check(eq > i, "%s: label without '=': %r" % (where, s[i:]))
        name = s[i:eq]
        check(LABEL.match(name) and not name.startswith("__"), "%s: bad label name %r"
              % (where, name))
        check(s[eq + 1:eq + 2] == '"', "%s: label value not quoted" % where)
        j = eq + 2
        val = []
        while True:
            check(j < len(s), "%s: unterminated label value" % where)
            c = s[j]
            if c == "\\":
                e = s[j + 1:j + 2]
                check(e in ("\\", '"', "n"), "%s: bad escape \\%s" % (where, e))
                val.append("\n" if e == "n" else e)
                j += 2
            elif c == '"':
                j += 1
                break
            else:
                check(c != "\n", "%s: raw newline in a label value" % where)
                val.append(c)
                j += 1
        check(name not in labels, "%s: label %s twice" % (where, name))
        labels[name] = "".join(val)
        if j < len(s):
            check(s[j] == ",", "%s: expected ',' after a label" % where)
            j += 1
        i = j
    return labels


def split_sample(line, where):
    """'name{labels} value' -> (name, labels, value). Label values may hold
    '}' and spaces, so the label set is scanned, not split."""
    m = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line)
    check(m, "%s: no metric name" % where)
    name, rest = m.group(0), line[m.end():]
    labels = {}
    if rest.startswith("{"):
        j, quoted = 1, False
        while j < len(rest):
            c = rest[j]
            if quoted and c == "\\":
                j += 2
                continue
            if c == '"':
                quoted = not quoted
            elif c == "}" and not quoted:
                break
            j += 1
        check(j < len(rest), "%s: unterminated label set" % where)
        labels = parse_labels(rest[1:j], where)
        rest = rest[j + 1:]
    parts = rest.split(" ")
    check(len(parts) == 2 and parts[0] == "", "%s: expected ' value' (no timestamp: the "
          "textfile collector rejects them), got %r" % (where, rest))
    try:
        value = float(parts[1])
    except ValueError:
        fail("%s: value %r is not a number" % (where, parts[1]))
    check(not math.isnan(value), "%s: NaN" % where)
    return name, labels, value


def parse_exposition(raw):
    """Returns {family: {"type", "help", "samples": [(labels, value)]}}."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        fail("output is not UTF-8: %s" % e)
    check(text == "" or text.endswith("\n"), "output does not end with a newline")
    families = {}
    order = []
    current = None
    seen = set()
    for n, line in enumerate(text.split("\n")[:-1], 1):
        where = "line %d" % n
        check(line.strip() != "", "%s: empty line" % where)
        if line.startswith("#"):
            m = re.match(r"# (HELP|TYPE) (\S+) (.*)\Z", line)
            check(m, "%s: bad comment %r" % (where, line))
            kind, name, rest = m.groups()
            check(NAME.match(name), "%s: bad metric name %r" % (where, name))
            fam = families.setdefault(name, {"type": None, "help": None, "samples": []})
            if name != current:
                check(name not in order, "%s: family %s is not contiguous" % (where, name))
                order.append(name)
                current = name
            check(not fam["samples"], "%s: %s after samples of %s" % (where, kind, name))
            if kind == "HELP":
                check(fam["help"] is None, "%s: second HELP for %s" % (where, name))
                check(not re.search(r"\\[^\\n]", rest), "%s: bad escape in HELP" % where)
                fam["help"] = rest
            else:
                check(fam["type"] is None, "%s: second TYPE for %s" % (where, name))
                check(rest in ("counter", "gauge"), "%s: type %r" % (where, rest))
                fam["type"] = rest
            continue
        name, labels, value = split_sample(line, where)
        check(name == current, "%s: sample of %s outside its family (%s)"
              % (where, name, current))
        fam = families[name]
        check(fam["type"] and fam["help"], "%s: %s has no HELP/TYPE" % (where, name))
        key = (name, tuple(sorted(labels.items())))
        check(key not in seen, "%s: duplicate series %s%s" % (where, name, labels))
        seen.add(key)
        fam["samples"].append((labels, value))
    for name, fam in families.items():
        check(fam["samples"], "family %s without samples" % name)
        check(name.startswith("taskstats_"), "family %s without the prefix" % name)
        if fam["type"] == "counter":
            check(name.endswith("_total"), "counter %s does not end in _total" % name)
            check(all(v >= 0 for _, v in fam["samples"]), "negative counter %s" % name)
        else:
            check(not name.endswith("_total"), "gauge %s ends in _total" % name)
        check(not re.search(r"_(ns|us|ms|kib|mib|kb|mb|microseconds|nanoseconds)(_|$)",
                            name), "%s is not in base units" % name)
    return families


def sample(fams, name, **labels):
    """The value of the one series of family name whose labels include these."""
    check(name in fams, "no family %s" % name)
    want = {k: str(v) for k, v in labels.items()}
    hits = [v for lab, v in fams[name]["samples"]
            if all(lab.get(k) == x for k, x in want.items())]
    check(len(hits) == 1, "%s%s: %d series" % (name, want, len(hits)))
    return hits[0]


def promtool(raw, what):
    """True when promtool agreed, None when it is not installed."""
    tool = shutil.which("promtool")
    if not tool:
        return None
    p = subprocess.run([tool, "check", "metrics"], input=raw, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=120)
    check(p.returncode == 0, "promtool check metrics on %s: %s"
          % (what, p.stdout.decode(errors="replace")))
    return True


# ---- children ----------------------------------------------------------

def spawn_stopped(comm=None):
    """A child sleeping in pause(2) and then stopped (stable counters)."""
    code = "import os, signal\n"
    if comm is not None:
        code += "os.write(os.open('/proc/self/comm', os.O_WRONLY), %r)\n" % comm
    code += "os.write(1, b'x')\nsignal.pause()\n"
    p = subprocess.Popen(["/usr/bin/python3", "-c", code], stdout=subprocess.PIPE)
    check(p.stdout.read(1) == b"x", "child did not start")
    os.kill(p.pid, signal.SIGSTOP)
    os.waitpid(p.pid, os.WUNTRACED)
    return p


def reap(p):
    p.kill()
    p.wait()


# ---- prometheus -----------------------------------------------------------

LABEL_FIELDS = {"pid", "tgid", "comm", "uid"}


def probe():
    p = cli("-p", str(os.getpid()), "--json", expect=None)
    if p.returncode in (3, 4):
        print("SKIP: " + p.stderr.decode(errors="replace").strip(), file=sys.stderr)
        sys.exit(SKIP)
    check(p.returncode == 0, "probe failed: %s" % p.stderr.decode(errors="replace"))


def series_of(fams, **labels):
    """Every (family, labels) whose labels match exactly these identity labels."""
    want = {k: str(v) for k, v in labels.items()}
    out = []
    for name, fam in fams.items():
        for lab, v in fam["samples"]:
            if {k: x for k, x in lab.items() if k in LABEL_FIELDS} == want:
                out.append((name, lab, v))
    return out


def test_values():
    child = spawn_stopped()
    try:
        os.setpriority(os.PRIO_PROCESS, child.pid, -5)
        pid = str(child.pid)
        doc = json.loads(cli("--json", "-p", pid, "-t", pid).stdout)
        raw = cli("--format", "prometheus", "-p", pid, "-t", pid).stdout
        fams = parse_exposition(raw)
        promtool(raw, "-p/-t")
        rec, grp = doc["tasks"]
        check(rec["type"] == "pid" and grp["type"] == "tgid", "JSON order")

        # Units in the names, converted to base units exactly. Before
        # struct v12 (Linux 5.19) a PID record has no tgid, so no label.
        ids = {"pid": pid, "tgid": pid} if rec["tgid"] is not None else {"pid": pid}
        check(sample(fams, "taskstats_cpu_user_seconds_total", **ids) == rec["utime"] / 1e6,
              "utime in seconds")
        check(sample(fams, "taskstats_cpu_system_seconds_total", **ids) ==
              rec["stime"] / 1e6, "stime in seconds")
        check(sample(fams, "taskstats_io_write_bytes_total", **ids) == rec["write_bytes"],
              "write_bytes")
        check(sample(fams, "taskstats_memory_rss_peak_bytes", **ids) ==
              rec["hiwater_rss"] * 1024, "hiwater_rss KiB -> bytes")
        check(math.isclose(sample(fams, "taskstats_memory_rss_integral_byte_seconds_total",
                                  **ids), rec["coremem"] * 1.048576, rel_tol=1e-12),
              "coremem MiB*us -> byte-seconds")
        check(sample(fams, "taskstats_nice", **ids) == -5 == rec["nice"], "nice is signed")
        # A class the kernel's struct version lacks (irq before v14) has
        # no series at all.
        for cls in ("cpu", "blkio", "irq"):
            got = [v for lab, v in fams["taskstats_delay_seconds_total"]["samples"]
                   if lab.get("pid") == pid and lab.get("class") == cls]
            total = rec[cls + "_delay_total"]
            check(got == ([] if total is None else [total / 1e9]),
                  "delay class %s (struct v%d)" % (cls, rec["version"]))
        check(fams["taskstats_cpu_user_seconds_total"]["type"] == "counter", "utime counter")
        check(fams["taskstats_memory_rss_peak_bytes"]["type"] == "gauge", "peak is a gauge")
        # Largest single delays: from v15 (6.14) on.
        if rec["cpu_delay_max"] is None:
            check(rec["version"] < 15 and "taskstats_delay_max_seconds" not in fams,
                  "no delay maxima before v15 (struct v%d)" % rec["version"])
        else:
            check(fams["taskstats_delay_max_seconds"]["type"] == "gauge", "max is a gauge")

        # Identity fields are labels; a process series has no pid label.
        labels = [lab for lab, _ in fams["taskstats_cpu_user_seconds_total"]["samples"]]
        check(dict(ids, comm="python3", uid="0") in labels, "PID labels: %s" % labels)
        check({"tgid": pid} in labels, "TGID labels: %s" % labels)

        # Every field the record carries is a series, no more (btime is
        # only btime64's fallback; epoch-ns 0 means none).
        for r, lab in ((rec, dict(ids, comm="python3", uid="0")), (grp, {"tgid": pid})):
            want = [k for k, v in r.items() if v is not None and k not in LABEL_FIELDS and
                    k not in ("type", "id", "payload_len", "version_inferred",
                              "newer_than_known", "short_payload", "empty_group", "time_shares",
                              "notes") and
                    not (k == "btime" and r.get("btime64") is not None) and
                    not (k.endswith("_max_ts") and v == 0)]
            got = series_of(fams, **lab)
            check(len(got) == len(want), "%s record: %d fields, %d series:\n%s\n%s"
                  % (r["type"], len(want), len(got), sorted(want),
                     sorted((n, l.get("class", l.get("type", ""))) for n, l, _ in got)))
    finally:
        reap(child)


def test_hostile_comm():
    child = spawn_stopped(EVIL)
    try:
        raw = cli("--format", "prometheus", "-p", str(child.pid)).stdout
        fams = parse_exposition(raw)
        promtool(raw, "a hostile comm")
        # As the text report shows it (terminal-safe), then escaped as the
        # format asks: no control byte reaches a terminal showing it.
        want = 'a\\\\b"c\\x0ad\\xff\\xfe\\x1b[2J'
        labels = [lab for lab, _ in fams["taskstats_cpu_user_seconds_total"]["samples"]]
        check(labels and labels[0].get("comm") == want, "comm label %r, want %r"
              % (labels, want))
        check(b'comm="a\\\\\\\\b\\"c\\\\x0ad\\\\xff\\\\xfe\\\\x1b[2J"' in raw,
              "escaping as the format asks: %r" % raw[:400])
        check(not re.search(rb"[\x00-\x09\x0b-\x1f\x7f]", raw), "a control byte: %r" % raw)
    finally:
        reap(child)


def test_no_double_count():
    """One process is one series: named twice, or by a thread's id (the
    kernel answers -t TID with its whole group, under the id asked)."""
    code = ("import os, sys, threading\n"
            "e = threading.Event()\n"
            "t = threading.Thread(target=lambda: (os.write(1, b'%d\\n' % "
            "threading.get_native_id()), e.wait()))\n"
            "t.start()\n"
            "sys.stdin.read()\n")
    p = subprocess.Popen(["/usr/bin/python3", "-c", code], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE)
    try:
        tid = p.stdout.readline().decode().strip()
        pid = str(p.pid)
        check(tid and tid != pid, "thread id %r" % tid)
        raw = cli("--format", "prometheus", "-t", tid, "-t", pid, "-t", pid).stdout
        fams = parse_exposition(raw)
        promtool(raw, "-t TID -t PID -t PID")
        for name, fam in fams.items():
            labels = [lab for lab, _ in fam["samples"]]
            check(len(labels) == len({tuple(sorted(l.items())) for l in labels}),
                  "%s: a series twice: %s" % (name, labels))
        got = [lab for lab, _ in fams["taskstats_cpu_user_seconds_total"]["samples"]]
        check(got == [{"tgid": pid}], "one series of process %s: %s" % (pid, got))
        doc = json.loads(cli("--json", "-t", tid).stdout)
        check(doc["tasks"][0]["id"] == int(tid) and doc["tasks"][0]["tgid"] == int(pid),
              "JSON: the process of thread %s: %s" % (tid, doc["tasks"][0]))
    finally:
        p.kill()
        p.wait()


def test_all():
    child = spawn_stopped()
    has_tgid = json.loads(cli("--json", "-p", str(child.pid)).stdout)["tasks"][0]["tgid"] is not None
    try:
        for args, per_thread in ((["--all"], False), (["--threads"], True),
                                 (["-a", "--format", "prometheus", "--threads"], True)):
            if "--format" not in args:
                args = args + ["--format", "prometheus"]
            raw = cli(*args).stdout
            fams = parse_exposition(raw)
            promtool(raw, " ".join(args))
            pid = str(child.pid)
            ids = {"pid": pid, "tgid": pid} if per_thread else {"tgid": pid}
            if per_thread and not has_tgid:
                del ids["tgid"]     # before struct v12: records carry no tgid
            check(sample(fams, "taskstats_cpu_user_seconds_total", **ids) >= 0,
                  "child in %s" % args)
            samples = fams["taskstats_cpu_user_seconds_total"]["samples"]
            check(all(("pid" in lab) == per_thread for lab, _ in samples),
                  "pid label only per thread: %s" % args)
            if not per_thread:
                check(sample(fams, "taskstats_threads", tgid=pid) == 1, "threads")
                # Process views sum the I/O the kernel's TGID record lacks.
                check(sample(fams, "taskstats_io_syscall_read_bytes_total", tgid=pid) >= 0,
                      "process view I/O")
            else:
                check("taskstats_threads" not in fams, "no thread count per thread")
    finally:
        reap(child)


def test_usage():
    me = str(os.getpid())
    for args, msg in (
            (["--format", "yaml", "-p", me], "invalid format 'yaml'"),
            (["--format", "prometheus", "--json", "-p", me], "exclude each other"),
            (["--format", "text", "--json", "-p", me], "exclude each other"),
            (["--format", "prometheus", "--listen"], "works with -p/-t"),
            (["--format", "prometheus", "--check"], "works with -p/-t"),
            (["--format", "prometheus", "-i", "1", "-p", me], "drop -p/-t"),
            (["--format", "prometheus", "-a", "--sort", "cpu%"], "do not apply"),
            (["--format"], "needs an argument")):
        p = cli(*args, expect=2)
        err = p.stderr.decode()
        check(msg in err and p.stdout == b"", "%s: %r" % (args, err))
    # The aliases.
    a = json.loads(cli("--format", "json", "-t", "1").stdout)
    b = json.loads(cli("--json", "-t", "1").stdout)
    check(a.keys() == b.keys() and a["tasks"][0]["id"] == 1, "--format json is --json")
    t = cli("--format", "text", "-p", me).stdout
    check(t.startswith(b"PID " + me.encode()), "--format text is the report")
    # A missing task: exit 1, still a valid exposition of the others.
    p = cli("--format", "prometheus", "-p", "4294967295", "-p", me, expect=1)
    fams = parse_exposition(p.stdout)
    check(sample(fams, "taskstats_struct_version", pid=me) > 0, "the others reported")
    check(b"no such task" in p.stderr, "the missing one named: %r" % p.stderr)


def test_intervals():
    """-i --group-by --format prometheus: counters per group that never go
    down, rewritten atomically into --output-file each interval."""
    d = tempfile.mkdtemp()
    try:
        out = os.path.join(d, "taskstats.prom")
        # A link planted at the file is replaced, never followed.
        victim = os.path.join(d, "victim")
        with open(victim, "w") as f:
            f.write("keep\n")
        os.symlink(victim, out)
        cli("-i", "0.3", "-c", "2", "--group-by", "comm", "--format", "prometheus",
            "--output-file", out)
        check(open(victim).read() == "keep\n", "the link's target is untouched")
        check(not os.path.islink(out), "the link is replaced by the file")
        check(sorted(os.listdir(d)) == ["taskstats.prom", "victim"],
              "no temporary file left: %r" % os.listdir(d))
        raw = open(out, "rb").read()
        fams = parse_exposition(raw)
        promtool(raw, "--interval --group-by comm")
        samples = fams["taskstats_cpu_user_seconds_total"]["samples"]
        check(samples and all(set(lab) == {"group"} for lab, _ in samples),
              "only the group label: %r" % samples[:3])
        groups = [lab["group"] for lab, _ in samples]
        check(len(groups) == len(set(groups)), "one series per group")
        check(sample(fams, "taskstats_intervals_total") == 2, "two intervals")
        check("taskstats_processes_exited_total" in fams, "exits per group")
        # To stdout: one exposition per interval, blank-line separated;
        # every counter of every group only grows.
        raw = cli("-i", "0.3", "-c", "3", "--group-by", "user", "--format",
                  "prometheus").stdout
        docs = [parse_exposition(x + b"\n") for x in raw.split(b"\n\n") if x.strip()]
        check(len(docs) == 3, "three expositions: %d" % len(docs))
        for name, fam in docs[0].items():
            if fam["type"] != "counter":
                continue
            prev = {tuple(sorted(lab.items())): v for lab, v in fam["samples"]}
            for doc in docs[1:]:
                cur = {tuple(sorted(lab.items())): v
                       for lab, v in doc.get(name, {"samples": []})["samples"]}
                for key, v in prev.items():
                    check(key not in cur or cur[key] >= v, "%s%r went down" % (name, key))
                prev.update(cur)
    finally:
        shutil.rmtree(d)


def run_prometheus():
    probe()
    test_usage()
    test_values()
    test_hostile_comm()
    test_no_double_count()
    test_all()
    test_intervals()
    if not shutil.which("promtool"):
        print("SKIP: every check passed, but promtool is not installed "
              "(scripts/install-deps.sh --test installs it)", file=sys.stderr)
        sys.exit(SKIP)


# ---- cgroup ---------------------------------------------------------------

def mount(fstype, options):
    d = tempfile.mkdtemp(prefix="tstats-export-")
    argv = ["mount", "-t", fstype] + (["-o", options] if options else []) + ["none", d]
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        os.rmdir(d)
        return None, p.stderr.decode(errors="replace").strip()
    return d, None


def umount(d, ours=False):
    """Unmounts and removes the mount point, whatever fails. ours: the
    hierarchy is this test's own (a named v1 one), so its cgroups are ours
    to remove first (deepest first; a reaped task leaves its cgroup a moment
    later). Never for cgroup2, whose mount shows the host's cgroups."""
    if not d:
        return
    for sub, _, _ in sorted(os.walk(d) if ours else [], key=lambda w: -len(w[0])):
        if sub != d:
            for _ in range(100):
                try:
                    os.rmdir(sub)
                    break
                except OSError:
                    time.sleep(0.02)
    subprocess.run(["umount", d])
    try:
        os.rmdir(d)
    except OSError as e:
        print("note: cannot remove %s: %s" % (d, e), file=sys.stderr)


def counts(doc, path):
    hits = [c for c in doc["cgroups"] if c["path"] == path]
    check(len(hits) == 1, "%s in %s" % (path, doc))
    c = hits[0]
    return (c["nr_sleeping"], c["nr_running"], c["nr_stopped"], c["nr_uninterruptible"],
            c["nr_io_wait"])


def wait_counts(path, want):
    for _ in range(200):
        doc = json.loads(cli("-C", path, "--json").stdout)
        if counts(doc, path) == want:
            return
        time.sleep(0.01)
    fail("%s: counts %s, want %s" % (path, counts(doc, path), want))


def run_cgroup():
    probe()
    v1, why = mount("cgroup", "none,name=" + HIER)
    if not v1:
        # Only where mounting is impossible: no privilege for it, or a
        # kernel without cgroup v1 (CONFIG_CGROUP_V1, the "cgroup" type).
        if re.search(r"permission denied|not permitted|superuser|unknown filesystem type",
                     why, re.I):
            print("SKIP: cannot mount a cgroup v1 hierarchy: " + why, file=sys.stderr)
            sys.exit(SKIP)
        fail("mount cgroup v1: " + why)
    v2 = None
    kids = []
    try:
        v2, why = mount("cgroup2", None)
        cg = os.path.join(v1, "t%d" % os.getpid())
        # Anyone may name a directory: the path is untrusted text too.
        evil = os.path.join(v1, "e\x1b[2J\udcff")
        os.mkdir(cg)
        os.mkdir(evil)

        # An empty cgroup, then a sleeping and a stopped task in it.
        wait_counts(cg, (0, 0, 0, 0, 0))
        sleeper = subprocess.Popen(["/usr/bin/python3", "-c",
                                    "import signal; signal.pause()"])
        kids.append(sleeper)
        stopped = spawn_stopped()
        kids.append(stopped)
        for p in (sleeper, stopped):
            with open(os.path.join(cg, "cgroup.procs"), "w") as f:
                f.write("%d\n" % p.pid)
        wait_counts(cg, (1, 0, 1, 0, 0))

        # Text: a header, one row per directory in command-line order.
        out = cli("-C", cg, "-C", v1).stdout.decode().splitlines()
        check(out[0].split() == ["SLEEPING", "RUNNING", "STOPPED", "UNINTERRUPTIBLE",
                                 "IO-WAIT", "CGROUP"], "header %r" % out[0])
        check(out[1].split() == ["1", "0", "1", "0", "0", cg], "row %r" % out[1])
        check(out[2].split()[-1] == v1 and len(out) == 3, "rows %r" % out)
        out = cli("-C", evil).stdout
        check(b"\x1b" not in out and b"e\\x1b[2J\\xff" in out, "path escaped: %r" % out)

        # JSON.
        doc = json.loads(cli("-C", cg, "-C", v1, "--compact").stdout)
        check(doc["schema_version"] == 1 and doc["errors"] == [], "doc %s" % doc)
        check([c["path"] for c in doc["cgroups"]] == [cg, v1], "order %s" % doc)
        check(counts(doc, cg) == (1, 0, 1, 0, 0), "counts %s" % doc)
        check(sum(counts(doc, v1)) >= 1, "the root counts its own tasks")
        doc = json.loads(cli("-C", evil, "--json").stdout)
        check(doc["cgroups"][0]["path"] == evil.encode("utf-8", "surrogateescape")
              .decode("utf-8", "replace"), "JSON path is valid UTF-8: %s" % doc)

        # Prometheus.
        raw = cli("-C", cg, "-C", evil, "--format", "prometheus").stdout
        fams = parse_exposition(raw)
        promtool(raw, "--cgroup")
        check(b"\x1b" not in raw and b'path="' + os.fsencode(v1) in raw and
              b'/e\\\\x1b[2J\\\\xff"' in raw, "path label escaped: %r" % raw)
        check(fams["taskstats_cgroup_tasks"]["type"] == "gauge", "cgroup tasks gauge")
        # A directory named twice, or spelled twice, is one set of series.
        raw = cli("-C", cg, "-C", cg, "-C", cg + "/", "--format", "prometheus").stdout
        samples = parse_exposition(raw)["taskstats_cgroup_tasks"]["samples"]
        check(len(samples) == 5 and all(lab["path"] == cg for lab, _ in samples),
              "one cgroup, one series per state: %s" % samples)
        check(sample(fams, "taskstats_cgroup_tasks", path=cg, state="sleeping") == 1 and
              sample(fams, "taskstats_cgroup_tasks", path=cg, state="stopped") == 1 and
              sample(fams, "taskstats_cgroup_tasks", path=cg, state="io_wait") == 0,
              "prometheus counts")

        # cgroup v2: said plainly, exit 4; the others are still reported.
        if v2:
            p = cli("-C", v2, "-C", cg, "--json", expect=4)
            check(("cgroupstats works only on cgroup v1 hierarchies; %s is cgroup v2"
                   % v2).encode() in p.stderr, "v2 message: %r" % p.stderr)
            check(p.stderr.count(b"\n") == 1, "one line: %r" % p.stderr)
            doc = json.loads(p.stdout)
            check(doc["errors"][0]["path"] == v2 and doc["errors"][0]["errno"] == 95,
                  "v2 in errors: %s" % doc)
            check(counts(doc, cg) == (1, 0, 1, 0, 0), "the v1 one still counted")
        else:
            print("note: no cgroup2 here (%s), v2 case not run" % why, file=sys.stderr)

        # Bad paths: one clear line each, exit 1, the others reported.
        for path, msg in (("/nonexistent/x", "no such directory"),
                          ("/etc/passwd", "not a directory"),
                          ("/", "not a cgroup directory")):
            p = cli("-C", path, "-C", cg, expect=1)
            lines = p.stderr.decode().splitlines()
            check(len(lines) == 1 and lines[0].startswith("taskstats-cli: " + path + ": ")
                  and msg in lines[0], "%s: %r" % (path, p.stderr))
            check(cg.encode() in p.stdout, "%s: the good one reported" % path)
        p = cli("-C", "/nonexistent", expect=1)
        check(p.stdout == b"", "nothing to show: no table")
        # Usage.
        for args in (["-C", cg, "-p", "1"], ["-C", cg, "--all"], ["-C", ""],
                     ["-C", cg, "--listen"]):
            p = cli(*args, expect=2)
            check(p.stdout == b"" and b"Try" in p.stderr, "%s: %r" % (args, p.stderr))
        # No privilege needed. nobody runs a copy of the CLI and its
        # library in a directory anyone may enter: the checkout itself may
        # be private (a clone in a mode 700 mktemp directory).
        os.chmod(v1, 0o755)
        with tempfile.TemporaryDirectory() as tmp:
            os.chmod(tmp, 0o755)
            for sub in ("bin", "lib"):
                os.mkdir(os.path.join(tmp, sub))
            exe = shutil.copy(CLI, os.path.join(tmp, "bin"))
            shutil.copy(os.path.join(os.path.dirname(os.path.abspath(CLI)), "..", "lib",
                                     "libtaskstats.so.0"), os.path.join(tmp, "lib"))
            p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                exe, "-C", cg, "--json"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
        check(p.returncode == 0 and counts(json.loads(p.stdout), cg) == (1, 0, 1, 0, 0),
              "unprivileged: %d %r" % (p.returncode, p.stderr))
    finally:
        for p in kids:
            reap(p)
        umount(v1, ours=True)
        umount(v2)


def main():
    global CLI
    if len(sys.argv) != 3 or sys.argv[2] not in ("prometheus", "cgroup"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    CLI = sys.argv[1]
    if sys.argv[2] == "prometheus":
        run_prometheus()
    else:
        run_cgroup()


if __name__ == "__main__":
    main()
