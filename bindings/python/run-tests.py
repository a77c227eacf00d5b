#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs the Python package's tests (pytest) against this build tree, as
`meson test` does: the package from the source tree, the library from the
build tree (TSTATS_LIBRARY), then one pass of the benchmark.

Usage: run-tests.py PACKAGE_DIR LIBTASKSTATS_SO
Exits 77 (skip) only when pytest is not installed (Debian: python3-pytest);
the tests themselves skip where the kernel or the capability is missing.
pytest runs in a child process: under `meson test --setup=valgrind` only
this launcher runs under memcheck (the C suites cover the library there)."""
import os
import subprocess
import sys


def main():
    pkg, so = (os.path.abspath(a) for a in sys.argv[1:3])
    try:
        import pytest  # noqa: F401 (only whether it is there)
    except ImportError:
        print("SKIP: no pytest (Debian: apt-get install python3-pytest)", file=sys.stderr)
        sys.exit(77)
    env = dict(os.environ, PYTHONPATH=pkg, TSTATS_LIBRARY=so, PYTHONDONTWRITEBYTECODE="1")
    env.pop("LD_PRELOAD", None)
    # Sanitized builds: the library needs the ASan runtime loaded before
    # the uninstrumented interpreter starts; its own allocations at exit
    # are not the library's, so no leak report.
    rt = os.environ.get("TSTATS_ASAN_RUNTIME")
    if rt:
        env["LD_PRELOAD"] = rt
        env["ASAN_OPTIONS"] = os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
    r = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v", "-rs",
                        os.path.join(pkg, "tests")], env=env)
    if r.returncode == 5:
        print("FAIL: pytest collected no tests", file=sys.stderr)
        sys.exit(1)
    if r.returncode != 0:
        sys.exit(r.returncode)
    r = subprocess.run([sys.executable, os.path.join(pkg, "bench.py"), "--rounds", "1"], env=env)
    sys.exit(r.returncode)


if __name__ == "__main__":
    main()
