#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Builds the cgo example with the system's Go toolchain against this tree
and runs it against the real kernel: a query of this process and the exits
of three children.

Usage: test_go.py SRCDIR INCLUDEDIR LIBTASKSTATS_SO OUTDIR
Exits 77 (skip) only when there is no Go toolchain, no TASKSTATS family or
no CAP_NET_ADMIN."""
import json
import os
import shutil
import subprocess
import sys


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def skip(msg):
    print("SKIP: " + msg, file=sys.stderr)
    sys.exit(77)


def main():
    src, inc, so, out = (os.path.abspath(a) for a in sys.argv[1:5])
    libdir = os.path.dirname(os.path.abspath(so))
    go = shutil.which("go")
    if not go:
        skip("no Go toolchain (Debian: apt-get install golang-go)")
    os.makedirs(out, exist_ok=True)
    env = dict(os.environ)
    env.update({
        "CGO_ENABLED": "1",
        "CGO_CFLAGS": "-I%s -O2 -Wall -Werror" % inc,
        "CGO_LDFLAGS": "-L%s -Wl,-rpath,%s" % (libdir, libdir),
        # Everything Go writes stays in the build tree; nothing is fetched.
        "GOCACHE": os.path.join(out, "cache"),
        "GOPATH": os.path.join(out, "gopath"),
        "GOENV": "off",
        "GOFLAGS": "",
        "GOPROXY": "off",
        "GOTOOLCHAIN": "local",
        "GO111MODULE": "on",
    })
    exe = os.path.join(out, "tstats-go")
    for cmd in (["vet", "."], ["build", "-o", exe, "."]):
        r = subprocess.run([go] + cmd, cwd=src, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            fail("go %s:\n%s%s" % (" ".join(cmd), r.stdout, r.stderr))

    # Sanitized builds: the Go binary is not instrumented, the library is;
    # the ASan runtime must be loaded first (not into the go tool's gcc).
    run_env = dict(os.environ)
    rt = os.environ.get("TSTATS_ASAN_RUNTIME")
    if rt:
        run_env["LD_PRELOAD"] = rt
    version = subprocess.run([go, "version"], capture_output=True, text=True).stdout.strip()

    me = os.getpid()
    r = subprocess.run([exe, "-pid", str(me)], env=run_env, capture_output=True, text=True)
    if r.returncode != 0:
        if "operation not permitted" in r.stderr:
            skip(r.stderr.strip() + " (needs CAP_NET_ADMIN)")
        if "no such file" in r.stderr:
            skip(r.stderr.strip())
        fail("query: %s" % r.stderr)
    rec = json.loads(r.stdout)
    with open("/proc/self/comm") as f:
        comm = f.read().rstrip("\n")
    if rec.get("pid") != me or rec.get("tgid") != me or rec.get("comm") != comm \
       or "utime" not in rec:
        fail("query record: %s" % rec)
    grp = json.loads(subprocess.run([exe, "-pid", str(me), "-tgid"], env=run_env,
                                    capture_output=True, text=True, check=True).stdout)
    if "comm" in grp or "utime" not in grp:
        fail("tgid record: %s" % sorted(grp))

    gone = subprocess.Popen(["true"])
    gone.wait()
    r = subprocess.run([exe, "-pid", str(gone.pid)], env=run_env, capture_output=True,
                       text=True)
    if r.returncode == 0 or "no such process" not in r.stderr:
        fail("query of a reaped child: rc %d, %r" % (r.returncode, r.stderr))

    lst = subprocess.Popen([exe, "-exits", "3", "-ppid", str(me), "-timeout", "30s"],
                           env=run_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = json.loads(lst.stdout.readline() or "{}")
    if first.get("type") != "listening":
        fail("listener: %r %s" % (first, lst.stderr.read()))
    kids = [subprocess.Popen(["/bin/sh", "-c", "exit 4"]) for _ in range(3)]
    for k in kids:
        k.wait()
    stdout, stderr = lst.communicate(timeout=60)
    if lst.returncode != 0:
        fail("listener exited %d: %s" % (lst.returncode, stderr))
    recs = [json.loads(line) for line in stdout.splitlines()]
    if sorted(x.get("pid") for x in recs) != sorted(k.pid for k in kids):
        fail("exits: %s" % recs)
    for x in recs:
        if x["type"] != "exit" or x["kind"] != "pid" or x["exit_code"] != 4 << 8 \
           or x["ppid"] != me or x["comm"] != "sh" or not x["group_exit"]:
            fail("exit record: %s" % x)
    print("ok: built with %s; query of pid %d (%d fields); %d exits of children"
          % (version, me, len(rec), len(recs)))


if __name__ == "__main__":
    main()
