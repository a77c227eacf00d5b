#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""taskstats-exporter against the live kernel and a real Prometheus.

  test-exporter.py EXPORTER EXPORTER_STATIC FORKLOAD

In order: the command line; a refused file-capability start (and one
allowed with --allow-elevated-exec); HTTP (404, 405, HEAD, the strict
exposition parser of test-export.py, `promtool check metrics`); 1,000
concurrent scrapes that neither stall the tick nor grow memory; an exit
storm while the exporter is stopped (SIGSTOP): the loss is counted and it
serves on after SIGCONT; SIGTERM ends it with status 0. Then Prometheus
(/usr/bin/prometheus) scrapes it every second while tests/forkload runs
short-lived processes with known CPU time and bytes written, and PromQL
through Prometheus's HTTP API must give the workload's group CPU within
5% and bytes within 1%.

Exits 77 (skip) only when the kernel or machine cannot do it: no TASKSTATS
family or CAP_NET_ADMIN, or no prometheus binary (after the other checks).
"""
import asyncio
import atexit
import importlib.util
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import http.client

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("test_export", os.path.join(HERE, "test-export.py"))
export = importlib.util.module_from_spec(spec)
spec.loader.exec_module(export)
fail, check, parse_exposition, sample = (export.fail, export.check, export.parse_exposition,
                                         export.sample)

EXPORTER = STATIC = FORKLOAD = None
VALGRIND = bool(os.environ.get("TSTATS_UNDER_VALGRIND"))
STARTED = []	# exporters still running, killed when a check fails


def kill_started():
    for e in STARTED:
        if e.proc.poll() is None:
            e.proc.send_signal(signal.SIGCONT)
            e.proc.kill()
            e.proc.wait()


atexit.register(kill_started)


class Exporter:
    """A running exporter on a free loopback port (port 0, read back from
    its first line on stderr)."""

    def __init__(self, *args, binary=None, prefix=()):
        argv = list(prefix) + [binary or EXPORTER, "--web.listen-address", "127.0.0.1:0"]
        if VALGRIND and not prefix:
            argv = ["valgrind", "--quiet", "--error-exitcode=99", "--leak-check=full",
                    "--show-leak-kinds=definite,indirect,possible",
                    "--errors-for-leak-kinds=definite,indirect,possible"] + argv
        self.errfile = tempfile.TemporaryFile()
        env = dict(os.environ)
        if "ASAN_OPTIONS" in env:
            # AddressSanitizer keeps freed memory (256 MiB by default)
            # before reuse: the RSS bound below would measure that.
            env["ASAN_OPTIONS"] += ":quarantine_size_mb=1:thread_local_quarantine_size_kb=64"
        self.proc = subprocess.Popen(argv + list(args), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, env=env)
        line = self.proc.stderr.readline().decode(errors="replace")
        if "serving http://" not in line:
            rest = self.proc.stderr.read().decode(errors="replace")
            self.proc.wait(timeout=30)
            self.status, self.message = self.proc.returncode, line + rest
            self.port = None
            return
        self.status, self.message = None, line
        STARTED.append(self)
        self.port = int(line.split("serving http://127.0.0.1:")[1].split("/")[0])
        # Keep draining stderr so that the exporter never blocks on it.
        self.drain = subprocess.Popen(["cat"], stdin=self.proc.stderr, stdout=self.errfile)

    def request(self, method="GET", path="/metrics", body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.request(method, path, body=body)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp, data

    def scrape(self):
        resp, data = self.request()
        check(resp.status == 200, "GET /metrics: %d" % resp.status)
        return parse_exposition(data), data

    def value(self, name, **labels):
        return sample(self.scrape()[0], name, **labels)

    def wait_ticks(self, n):
        """Until n more ticks are published."""
        start = self.value("taskstats_exporter_ticks_total")
        for _ in range(600):
            if self.value("taskstats_exporter_ticks_total") >= start + n:
                return
            time.sleep(0.1)
        fail("the exporter does not tick")

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self, expect=0):
        self.proc.send_signal(signal.SIGTERM)
        try:
            status = self.proc.wait(timeout=120 if VALGRIND else 10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            fail("SIGTERM did not stop the exporter")
        self.drain.wait(timeout=10)
        self.errfile.seek(0)
        err = self.errfile.read().decode(errors="replace")
        check(status == expect, "exporter exit %d, expected %d: %s" % (status, expect, err))
        return err


def run(*args, timeout=120, **kw):
    return subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout, **kw)


def probe():
    e = Exporter("--interval", "1")
    if e.port is None:
        if e.status in (3, 4):
            print("SKIP: " + e.message.strip(), file=sys.stderr)
            sys.exit(SKIP)
        fail("the exporter did not start (%s): %s" % (e.status, e.message))
    e.stop()


def test_usage():
    p = run(EXPORTER, "--help")
    check(p.returncode == 0 and b"--web.listen-address" in p.stdout, "--help")
    # Every option of --help is in the manual page, and the reverse.
    with open(os.path.join(os.path.dirname(EXPORTER), "taskstats-exporter.8")) as f:
        man = f.read().replace("\\-", "-")
    helped = set(re.findall(r"(--[a-z][a-z.-]+)", p.stdout.decode()))
    options = man.split(".SH OPTIONS", 1)[1].split("\n.SH ", 1)[0]
    documented = set(re.findall(r"(--[a-z][a-z.-]+)", options))
    check(helped == documented, "--help %s, man page %s" % (sorted(helped - documented),
                                                            sorted(documented - helped)))
    for args, what in ((["--group-by", "pid"], "--group-by"),
                       (["--interval", "0"], "--interval"),
                       (["--max-groups", "-1"], "--max-groups"),
                       (["--web.telemetry-path", "metrics"], "telemetry-path"),
                       (["--web.listen-address", "127.0.0.1"], "listen-address"),
                       (["--bogus"], "unrecognized")):
        p = run(EXPORTER, *args)
        check(p.returncode == 2, "%s: exit %d, expected 2" % (args, p.returncode))
        check(what.encode() in p.stderr, "%s: %r" % (args, p.stderr))
    # A port in use: a clear failure, not a hang.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    p = run(EXPORTER, "--web.listen-address", "127.0.0.1:%d" % s.getsockname()[1])
    s.close()
    check(p.returncode == 1 and b"cannot listen" in p.stderr, "port in use: %d %r"
          % (p.returncode, p.stderr))


def test_elevated():
    """A copy with file capabilities run as nobody is refused, unless told."""
    if os.getuid() != 0 or not shutil.which("setcap") or not shutil.which("setpriv"):
        print("note: not root or no setcap/setpriv: file-capability start not checked",
              file=sys.stderr)
        return
    # Next to the build tree (a tmpfs may keep no file capabilities).
    d = tempfile.mkdtemp(prefix="tstats-excap-", dir=os.path.dirname(STATIC))
    try:
        os.chmod(d, 0o755)
        copy = os.path.join(d, "taskstats-exporter")
        shutil.copy(STATIC, copy)
        os.chmod(copy, 0o755)
        if run("setcap", "cap_net_admin+ep", copy).returncode != 0:
            print("note: no file capabilities here: not checked", file=sys.stderr)
            return
        nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
        p = run(*nobody, copy, "--web.listen-address", "127.0.0.1:0")
        if b"Permission denied" in p.stderr and b"refusing" not in p.stderr:
            print("note: nobody cannot reach the build tree: not checked", file=sys.stderr)
            return
        check(p.returncode == 3 and b"refusing" in p.stderr,
              "file-capability start: exit %d %r" % (p.returncode, p.stderr))
        e = Exporter("--interval", "0.5", "--allow-elevated-exec", binary=copy,
                     prefix=nobody)
        check(e.port, "--allow-elevated-exec: %s" % e.message)
        e.wait_ticks(2)
        check(e.value("taskstats_exporter_tasks_tracked", level="process") > 1,
              "every user's processes are followed")
        e.stop()
    finally:
        shutil.rmtree(d)


def test_http(e):
    resp, _ = e.request(path="/")
    check(resp.status == 404, "GET /: %d" % resp.status)
    resp, _ = e.request(path="/metrics/x")
    check(resp.status == 404, "GET /metrics/x: %d" % resp.status)
    resp, _ = e.request("POST", body=b"x=1")
    check(resp.status == 405, "POST: %d" % resp.status)
    check(resp.getheader("Allow") == "GET, HEAD", "Allow: %r" % resp.getheader("Allow"))
    resp, _ = e.request("DELETE")
    check(resp.status == 405, "DELETE: %d" % resp.status)
    resp, data = e.request("HEAD")
    check(resp.status == 200 and data == b"", "HEAD: %d, %d bytes" % (resp.status, len(data)))
    check(int(resp.getheader("Content-Length")) > 0, "HEAD has the length")
    check(resp.getheader("Content-Type").startswith("text/plain; version=0.0.4"),
          "Content-Type %r" % resp.getheader("Content-Type"))
    e.wait_ticks(2)
    fams, raw = e.scrape()
    export.promtool(raw, "a scrape of the exporter")
    # The same names as the CLI's, one group label per series.
    samples = fams["taskstats_cpu_run_virtual_seconds_total"]["samples"]
    check(samples and all(set(lab) == {"group"} for lab, _ in samples), "group labels")
    for name in ("taskstats_processes_started_total", "taskstats_exit_messages_lost_total",
                 "taskstats_intervals_incomplete_total", "taskstats_exporter_tick_duration_seconds_total",
                 "taskstats_exporter_receive_buffer_bytes", "taskstats_exporter_struct_version",
                 "taskstats_exporter_delay_accounting_enabled", "taskstats_exporter_scrapes_total"):
        check(name in fams, "no %s" % name)
    check(sample(fams, "taskstats_exporter_http_errors_total", code="404") >= 2, "404s counted")
    # Every counter series of a scrape is in the next ones, never lower.
    for _ in range(2):
        e.wait_ticks(2)
        later, _ = e.scrape()
        for name, fam in fams.items():
            if fam["type"] != "counter":
                continue
            now = {tuple(sorted(lab.items())): v for lab, v in later[name]["samples"]}
            for lab, v in fam["samples"]:
                key = tuple(sorted(lab.items()))
                check(key in now, "%s%r vanished" % (name, lab))
                check(now[key] >= v, "%s%r went down: %s -> %s" % (name, lab, v, now[key]))
        fams = later
    # A group whose processes have all exited keeps its series (they
    # would go stale in Prometheus if they vanished).
    d = tempfile.mkdtemp(prefix="tstats-gone-")
    try:
        name = "tsxgone%d" % (os.getpid() % 100000)
        os.symlink(shutil.which("true"), os.path.join(d, name))
        check(run(os.path.join(d, name)).returncode == 0, "run " + name)
    finally:
        shutil.rmtree(d)
    e.wait_ticks(4)
    fams, _ = e.scrape()
    # Present (sample() fails on a missing series). Its value may be 0
    # (seen in about 1 run in 4): the process can be sampled as its
    # parent's fork, and the CPU it used after the exec, before exiting
    # in the same interval, is then not in its new group.
    sample(fams, "taskstats_cpu_run_virtual_seconds_total", group=name)
    check(sample(fams, "taskstats_processes_exited_total", group=name) == 1, "its exit")
    check(sample(fams, "taskstats_exporter_http_errors_total", code="405") >= 2, "405s counted")


async def one_scrape(port, deadline):
    """One raw HTTP/1.0 scrape; its status line and length, or the error."""
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), deadline)
        w.write(b"GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n")
        data = await asyncio.wait_for(r.read(), deadline)
        w.close()
        return data.split(b"\r\n", 1)[0], len(data)
    except (OSError, asyncio.TimeoutError) as ex:
        return type(ex).__name__, 0


async def scrape_storm(port, n, deadline):
    return await asyncio.gather(*(one_scrape(port, deadline) for _ in range(n)))


def test_concurrent(e, n):
    """n scrapes at once, again and again for a few seconds: every one is
    answered (connections past --web.max-requests wait in the backlog),
    the tick goes on, and memory stays bounded (the page is shared)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, n + 256)), hard))
    e.scrape()
    rss0 = e.rss_kib()
    ticks0 = e.value("taskstats_exporter_ticks_total")
    t0 = time.monotonic()
    rounds = 0
    while time.monotonic() - t0 < 3 or rounds < 2:
        res = asyncio.run(scrape_storm(e.port, n, 60))
        bad = [r for r in res if r[0] != b"HTTP/1.0 200 OK" and r[0] != b"HTTP/1.1 200 OK"]
        check(not bad, "%d of %d concurrent scrapes failed: %r" % (len(bad), n, bad[:3]))
        rounds += 1
    rss1 = e.rss_kib()
    ticks1 = e.value("taskstats_exporter_ticks_total")
    print("concurrent: %d rounds of %d scrapes in %.1f s, %d ticks meanwhile, RSS %d -> %d KiB"
          % (rounds, n, time.monotonic() - t0, ticks1 - ticks0, rss0, rss1), file=sys.stderr)
    check(ticks1 >= ticks0 + 2, "the tick stalled: %d -> %d" % (ticks0, ticks1))
    # A copy of the page per connection would be n times its size.
    check(rss1 - rss0 < 32 * 1024, "RSS grew from %d to %d KiB" % (rss0, rss1))


def test_exe():
    """--group-by exe: a program seen alive is labelled with its path; one
    that lived and died between two ticks by its device and inode, for
    good: its next run lands in the same group."""
    e = Exporter("--interval", "0.5", "--group-by", "exe")
    check(e.port, e.message)
    # Copies, not links: the executable is the file, its path is the key.
    d = tempfile.mkdtemp(prefix="tstats-exe-", dir="/var/tmp")
    try:
        slow, quick = os.path.join(d, "slow"), os.path.join(d, "quick")
        shutil.copy(shutil.which("sleep"), slow)
        shutil.copy(shutil.which("true"), quick)
        st = os.stat(quick)
        e.wait_ticks(1)
        p = subprocess.Popen([slow, "2"])
        check(run(quick).returncode == 0, "run quick")
        p.wait()
        e.wait_ticks(2)
        check(run(quick).returncode == 0, "run quick again")
        e.wait_ticks(2)
        fams, raw = e.scrape()
        check(sample(fams, "taskstats_processes_exited_total", group=slow) == 1,
              "the path of a program seen alive")
        label = "dev %d:%d ino %d" % (os.major(st.st_dev), os.minor(st.st_dev), st.st_ino)
        check(sample(fams, "taskstats_processes_exited_total", group=label) == 2,
              "a program never seen alive, twice in one group")
        check(sample(fams, "taskstats_cpu_run_virtual_seconds_total", group="(none)") > 0,
              "kernel threads")
        export.promtool(raw, "--group-by exe")
    finally:
        shutil.rmtree(d)
    e.stop()


def test_cgroup():
    """--group-by cgroup: this process's cgroup v2 path is a group."""
    with open("/proc/self/cgroup") as f:
        paths = [line.split("::", 1)[1].strip() for line in f if line.startswith("0::")]
    if not paths:
        print("note: no cgroup v2 hierarchy: --group-by cgroup not checked", file=sys.stderr)
        return
    e = Exporter("--interval", "0.5", "--group-by", "cgroup")
    check(e.port, e.message)
    e.wait_ticks(2)
    fams, _ = e.scrape()
    check(sample(fams, "taskstats_cpu_run_virtual_seconds_total", group=paths[0]) > 0,
          "the test's own cgroup %s" % paths[0])
    e.stop()


def test_max_groups():
    """--max-groups 3: three groups and "other", however many commands."""
    e = Exporter("--interval", "0.5", "--max-groups", "3")
    check(e.port, e.message)
    e.wait_ticks(2)
    fams, _ = e.scrape()
    groups = {lab["group"] for lab, _ in fams["taskstats_cpu_run_virtual_seconds_total"]["samples"]}
    check("other" in groups and len(groups) <= 4, "groups %r" % groups)
    check(sample(fams, "taskstats_exporter_groups") <= 4, "the monitor's groups")
    e.stop()


def test_storm_and_stop():
    """Stopped with a tiny receive buffer while thousands of tasks exit:
    the loss is counted, and it serves on after SIGCONT."""
    e = Exporter("--interval", "0.5", "--rcvbuf", "4096", "--group-by", "user")
    check(e.port, e.message)
    e.wait_ticks(2)
    e.proc.send_signal(signal.SIGSTOP)
    # A name of its own: other tests on the machine count "forkload".
    d = tempfile.mkdtemp(prefix="tstats-storm-")
    try:
        os.symlink(FORKLOAD, os.path.join(d, "tsxstorm"))
        p = run(os.path.join(d, "tsxstorm"), "2000", "1", "0", "0", "1000000", timeout=400)
    finally:
        shutil.rmtree(d)
    check(p.returncode == 0, "forkload: %r" % p.stderr)
    e.proc.send_signal(signal.SIGCONT)
    e.wait_ticks(2)
    fams, _ = e.scrape()
    lost = sample(fams, "taskstats_exit_messages_lost_total")
    overflows = sample(fams, "taskstats_exporter_receive_buffer_overflows_total")
    incomplete = sample(fams, "taskstats_intervals_incomplete_total")
    print("storm: %s (%d overflows, %d exit messages lost, %d incomplete intervals)"
          % (p.stdout.decode().strip(), overflows, lost, incomplete), file=sys.stderr)
    check(overflows >= 1 and incomplete >= 1, "the loss is counted")
    e.wait_ticks(1)
    e.stop()


# ---- Prometheus ---------------------------------------------------------------

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def api(base, path, **params):
    url = base + path + ("?" + urllib.parse.urlencode(params) if params else "")
    with urllib.request.urlopen(url, timeout=30) as r:
        doc = json.load(r)
    check(doc.get("status") == "success", "%s: %r" % (url, doc))
    return doc["data"]


def instant(base, query, at):
    """The one value of an instant query at time at, or None (no series)."""
    res = api(base, "/api/v1/query", query=query, time="%.3f" % at)["result"]
    check(len(res) <= 1, "%s: several series %r" % (query, res))
    return float(res[0]["value"][1]) if res else None


def wait_value(base, query, timeout=60):
    t0 = time.time()
    while time.time() - t0 < timeout:
        v = instant(base, query, time.time())
        if v is not None:
            return v
        time.sleep(0.5)
    fail("Prometheus never had %s" % query)


def test_prometheus(e, d):
    prom = "/usr/bin/prometheus"
    port = free_port()
    base = "http://127.0.0.1:%d" % port
    cfg = os.path.join(d, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                "scrape_configs:\n  - job_name: taskstats\n    static_configs:\n"
                "      - targets: ['127.0.0.1:%d']\n" % e.port)
    log = open(os.path.join(d, "prometheus.log"), "w")
    p = subprocess.Popen([prom, "--config.file", cfg, "--storage.tsdb.path", os.path.join(d, "tsdb"),
                          "--web.listen-address", "127.0.0.1:%d" % port], stdout=log,
                         stderr=subprocess.STDOUT)
    # The workload's own command name (a link to forkload; its children
    # are forks and keep it), and a process of that name started first so
    # that the group has a series before the workload starts.
    name = "tsxl%d" % (os.getpid() % 100000)
    os.mkdir(os.path.join(d, "a"))
    os.mkdir(os.path.join(d, "b"))
    os.symlink(FORKLOAD, os.path.join(d, "a", name))
    os.symlink(shutil.which("sleep"), os.path.join(d, "b", name))
    sleeper = subprocess.Popen([os.path.join(d, "b", name), "600"])
    cpu_q = 'taskstats_cpu_run_virtual_seconds_total{job="taskstats",group="%s"}' % name
    bytes_q = 'taskstats_io_write_bytes_total{job="taskstats",group="%s"}' % name
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(base + "/-/ready", timeout=5) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            time.sleep(0.5)
        else:
            fail("Prometheus did not start: see %s" % log.name)
        wait_value(base, 'up{job="taskstats"} == 1')
        wait_value(base, cpu_q)
        time.sleep(2.5)
        t_before = time.time()
        w = run(os.path.join(d, "a", name), "100", "4", "5", "64", "4", timeout=400)
        check(w.returncode == 0, "forkload: %r" % w.stderr)
        f = w.stdout.decode().split()
        children, cpu_ns, write_bytes, parent_ns = int(f[1]), int(f[3]), int(f[5]), int(f[7])
        # The last exits reach a tick, the tick a scrape.
        time.sleep(4)
        t_after = time.time()
        cpu = instant(base, cpu_q, t_after) - instant(base, cpu_q, t_before)
        wrote = instant(base, bytes_q, t_after) - instant(base, bytes_q, t_before)
        window = "%ds" % int(t_after - t_before + 1)
        inc_cpu = instant(base, "increase(%s[%s])" % (cpu_q, window), t_after)
        started = instant(base, 'taskstats_processes_started_total{group="%s"}' % name, t_after)
        want_cpu = (cpu_ns + parent_ns) / 1e9
        print("prometheus: %d children; group CPU %.4f s (forkload says %.4f s, %+.2f%%), "
              "increase() %.4f s; bytes %d (it says %d, %+.3f%%); %d processes started"
              % (children, cpu, want_cpu, 100 * (cpu / want_cpu - 1), inc_cpu, wrote,
                 write_bytes, 100 * (wrote / write_bytes - 1), started), file=sys.stderr)
        check(abs(cpu - want_cpu) <= 0.05 * want_cpu, "CPU %.4f vs %.4f s" % (cpu, want_cpu))
        check(abs(wrote - write_bytes) <= 0.01 * write_bytes,
              "bytes %d vs %d" % (wrote, write_bytes))
        check(started >= children + 2, "processes started %d, children %d" % (started, children))
        # The README's three queries: valid PromQL, and the workload's
        # group in each.
        readme = open(os.path.join(HERE, "..", "README.md")).read()
        block = readme.split("```promql\n", 1)[1].split("```", 1)[0]
        queries, cur = [], ""
        for line in block.split("\n"):
            if line.startswith("#") or not line.strip():
                if cur:
                    queries.append(cur)
                cur = ""
            else:
                cur += line + "\n"
        check(len(queries) == 3, "three README queries: %r" % queries)
        for i, q in enumerate(queries):
            q = q.replace("[5m]", "[30s]")
            res = api(base, "/api/v1/query", query=q, time="%.3f" % t_after)["result"]
            vals = {r["metric"].get("group"): float(r["value"][1]) for r in res}
            if i == 0:
                # topk: our group need not be in it; shares are in [0, 1].
                check(0 < len(vals) <= 10 and all(0 <= v <= 1 for v in vals.values()
                                                  if v == v), "delay share: %r" % vals)
            else:
                check(vals.get(name, 0) > 0, "README query without the workload's group: "
                      "%s -> %r" % (q, res[:3]))
    finally:
        sleeper.kill()
        sleeper.wait()
        p.terminate()
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        log.close()


def main():
    global EXPORTER, STATIC, FORKLOAD
    EXPORTER, STATIC, FORKLOAD = (os.path.abspath(a) for a in sys.argv[1:4])
    probe()
    test_usage()
    test_elevated()
    e = Exporter("--interval", "0.5", "--group-by", "comm")
    check(e.port, e.message)
    test_http(e)
    test_concurrent(e, 100 if VALGRIND else 1000)
    test_exe()
    test_cgroup()
    test_max_groups()
    test_storm_and_stop()
    prom = os.access("/usr/bin/prometheus", os.X_OK)
    if prom:
        d = tempfile.mkdtemp(prefix="tstats-prom-")
        try:
            test_prometheus(e, d)
        finally:
            shutil.rmtree(d, ignore_errors=True)
    e.stop()
    if not prom:
        print("SKIP: every other check passed, but /usr/bin/prometheus is not installed "
              "(scripts/install-deps.sh --test installs it)", file=sys.stderr)
        sys.exit(SKIP)


if __name__ == "__main__":
    main()
