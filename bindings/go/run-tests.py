#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs the Go package's checks against this build tree, as `meson test`
does: gofmt, go vet, go test (GODEBUG=cgocheck=2: every pointer passed to C
is checked; -race) and one pass of each benchmark, so that they keep working.

Usage: run-tests.py MODULE_DIR BUILD_ROOT OUT_DIR
cgo finds the library through build/meson-uninstalled/libtaskstats-
uninstalled.pc (PKG_CONFIG_PATH) and loads it from build/lib
(LD_LIBRARY_PATH). Exits 77 (skip) only when there is no Go toolchain; the
tests themselves skip where the kernel or the capability is missing."""
import os
import shutil
import subprocess
import sys


def main():
    module, build, out = (os.path.abspath(a) for a in sys.argv[1:4])
    go = shutil.which("go")
    if not go:
        print("SKIP: no Go toolchain (Debian: apt-get install golang-go)", file=sys.stderr)
        sys.exit(77)
    gofmt = shutil.which("gofmt") or os.path.join(os.path.dirname(os.path.realpath(go)), "gofmt")
    os.makedirs(out, exist_ok=True)
    env = dict(os.environ)
    env.update({
        "PKG_CONFIG_PATH": os.pathsep.join(
            p for p in (os.path.join(build, "meson-uninstalled"),
                        os.environ.get("PKG_CONFIG_PATH")) if p),
        "LD_LIBRARY_PATH": os.pathsep.join(
            p for p in (os.path.join(build, "lib"), os.environ.get("LD_LIBRARY_PATH")) if p),
        "CGO_ENABLED": "1",
        "CGO_CFLAGS": "-O2 -Wall -Werror",
        "GODEBUG": "cgocheck=2",
        # Everything Go writes stays in the build tree; nothing is fetched.
        "GOCACHE": os.path.join(out, "cache"),
        "GOPATH": os.path.join(out, "gopath"),
        "GOENV": "off",
        "GOFLAGS": "",
        "GOPROXY": "off",
        "GOTOOLCHAIN": "local",
        "GO111MODULE": "on",
    })
    # Sanitized builds: the test binary is not instrumented, the library
    # is: the ASan runtime must be loaded first (into the test binary only,
    # not into the go tool or its C compiler). Leak checks stay with the C
    # suites: the Go runtime's own allocations at exit are not the library's.
    # Elsewhere the tests run with the race detector (Close and Stats from
    # other goroutines while Run and queries are in progress), which does
    # not mix with ASan.
    run_test = ["-race"]
    rt = os.environ.get("TSTATS_ASAN_RUNTIME")
    if rt:
        run_test = ["-exec", "env LD_PRELOAD=%s ASAN_OPTIONS=%s:detect_leaks=0"
                    % (rt, os.environ.get("ASAN_OPTIONS", ""))]

    r = subprocess.run([gofmt, "-l", "."], cwd=module, env=env, capture_output=True, text=True)
    if r.returncode != 0 or r.stdout.strip():
        print("FAIL: gofmt -l: %s%s" % (r.stdout, r.stderr), file=sys.stderr)
        sys.exit(1)
    steps = [
        ["vet", "./..."],
        ["test", "-count=1", "-v"] + run_test + ["./..."],
        ["test", "-count=1", "-run", "^$", "-bench", ".", "-benchtime", "1x"] +
        (run_test if rt else []) + ["./..."],
    ]
    for step in steps:
        print("$ go " + " ".join(step), flush=True)
        r = subprocess.run([go] + step, cwd=module, env=env)
        if r.returncode != 0:
            print("FAIL: go %s exited %d" % (step[0], r.returncode), file=sys.stderr)
            sys.exit(1)


if __name__ == "__main__":
    main()
