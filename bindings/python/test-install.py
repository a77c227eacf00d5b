#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""`meson install --tags python-runtime` into a temporary DESTDIR: every
module of the package lands in the site-packages directory meson was given,
and the installed copy imports and reads the field table.

Usage: test-install.py MESON BUILDDIR PYDIR LIBTASKSTATS_SO"""
import os
import subprocess
import sys
import tempfile

MODULES = {"__init__.py", "_native.py", "_record.py", "_client.py", "_listener.py", "py.typed"}


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def main():
    meson, build, pydir, so = sys.argv[1:5]
    with tempfile.TemporaryDirectory() as dest:
        r = subprocess.run([meson, "install", "-C", build, "--no-rebuild", "--quiet",
                            "--destdir", dest, "--tags", "python-runtime"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail("meson install: %s%s" % (r.stdout, r.stderr))
        site = os.path.join(dest, pydir.lstrip("/"))
        have = set(os.listdir(os.path.join(site, "taskstats")))
        if have != MODULES:
            fail("installed %s, want %s" % (sorted(have), sorted(MODULES)))
        # Only site, not the source tree, on the path.
        code = ("import taskstats, sys; assert taskstats.__file__.startswith(sys.argv[1]); "
                "print(len(taskstats.fields()), taskstats.__file__)")
        env = dict(os.environ, PYTHONPATH=site, TSTATS_LIBRARY=os.path.abspath(so),
                   PYTHONDONTWRITEBYTECODE="1")
        rt = os.environ.get("TSTATS_ASAN_RUNTIME")
        if rt:  # a sanitized library in an uninstrumented interpreter
            env["LD_PRELOAD"] = rt
            env["ASAN_OPTIONS"] = os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
        r = subprocess.run([sys.executable, "-I", "-c", "import sys; sys.path.insert(0, %r); "
                            % site + code, site], env=env, capture_output=True, text=True,
                           cwd=dest)
        if r.returncode != 0:
            fail("import of the installed package: %s" % r.stderr)
        print("installed into %s; %s" % (pydir, r.stdout.strip()))


if __name__ == "__main__":
    main()
