#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs the CLI's pytest suite (this directory) as `meson test` does, with
the programs of the build tree named in the environment (tests/meson.build).

Usage: run-tests.py [PYTEST ARGS...]
Exits 77 (skip) only when pytest is not installed (Debian: python3-pytest);
the tests themselves skip where the kernel or the machine cannot do it.
pytest runs in a child process: under `meson test --setup=valgrind` only
this launcher runs under memcheck, and the CLI, as in tests/test-cli.c,
runs natively (the C suites cover the library under memcheck)."""
import os
import subprocess
import sys


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        import pytest  # noqa: F401 (only whether it is there)
    except ImportError:
        print("SKIP: no pytest (Debian: apt-get install python3-pytest)", file=sys.stderr)
        sys.exit(77)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    r = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v", "-rs",
                        "--rootdir", here, here] + sys.argv[1:], env=env)
    if r.returncode == 5:
        print("FAIL: pytest collected no tests", file=sys.stderr)
        sys.exit(1)
    sys.exit(r.returncode)


if __name__ == "__main__":
    main()
