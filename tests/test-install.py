#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""`meson install` into a temporary DESTDIR, then use what was installed.

  test-install.py MESON BUILDDIR SRCDIR PREFIX BINDIR LIBDIR INCLUDEDIR MANDIR
                  DATADIR SOVERSION VERSION SANITIZE CC...

Checks the library (real file, soname, the two symlinks), the header (the
source's), the pkg-config file (a program built from its flags alone, run
against the installed library), the CLI, the man pages (every exported
symbol has one, .so links resolve inside the installed tree, groff is
silent) and the bash completion (it loads in a plain bash and completes
options, formats and columns).
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

errors = []


def error(msg):
    errors.append(msg)
    print("FAIL: " + msg, file=sys.stderr)


def run(argv, **kw):
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    return subprocess.run(argv, text=True, timeout=300, **kw)


def under(dest, prefix, d):
    """DESTDIR + the absolute install directory of d."""
    path = d if os.path.isabs(d) else os.path.join(prefix, d)
    return os.path.join(dest, path.lstrip("/"))


PROGRAM = r'''#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <libtaskstats.h>

int main(void)
{
	struct tstats_ctx *ctx;
	struct tstats_record rec;
	char comm[TSTATS_COMM_TEXT_MAX];
	int r;

	if (tstats_struct_size(TSTATS_STRUCT_RECORD) != sizeof(rec) ||
	    tstats_field_count() < TSTATS_F__COUNT ||
	    tstats_field_by_name("utime") != TSTATS_F_UTIME)
		return 1;
	r = tstats_ctx_new(&ctx);
	if (r < 0) {
		printf("no context: %s\n", strerror(-r));
		return 0;
	}
	r = tstats_query(ctx, TSTATS_KIND_PID, (uint32_t)getpid(), &rec);
	if (r == 0 && tstats_record_comm_text(&rec, 0, comm, sizeof(comm)) > 0)
		printf("query: %s\n", comm);
	else
		printf("no query: %s\n", strerror(-r));
	tstats_ctx_free(ctx);
	return 0;
}
'''


def check_library(lib, soversion, version):
    real = os.path.join(lib, "libtaskstats.so." + version)
    soname = "libtaskstats.so." + soversion
    if not os.path.isfile(real) or os.path.islink(real):
        error("%s is not a regular file" % real)
        return
    for link, target in ((soname, "libtaskstats.so." + version),
                         ("libtaskstats.so", soname)):
        path = os.path.join(lib, link)
        if not os.path.islink(path) or os.readlink(path) != target:
            error("%s should be a symlink to %s" % (path, target))
    dyn = run(["readelf", "-d", real]).stdout
    if "Library soname: [%s]" % soname not in dyn:
        error("soname of %s is not %s:\n%s" % (real, soname, dyn))
    if "RUNPATH" in dyn or "RPATH" in dyn:
        error("the installed library keeps a build rpath")


def check_pkgconfig(dest, lib, inc, src, sanitize, cc):
    pcdir = os.path.join(lib, "pkgconfig")
    # The sysroot prefixes every path of the .pc file with DESTDIR.
    env = dict(os.environ, PKG_CONFIG_PATH=pcdir, PKG_CONFIG_SYSROOT_DIR=dest)
    p = run(["pkg-config", "--cflags", "--libs", "libtaskstats"], env=env)
    if p.returncode != 0:
        error("pkg-config libtaskstats: %s" % p.stderr)
        return
    flags = p.stdout.split()
    if "-I" + inc not in flags or "-L" + lib not in flags or "-ltaskstats" not in flags:
        error("pkg-config flags %s do not point into the installed tree" % flags)
    if run(["cmp", "-s", os.path.join(inc, "libtaskstats.h"),
            os.path.join(src, "include", "libtaskstats.h")]).returncode != 0:
        error("the installed header differs from include/libtaskstats.h")
    with tempfile.TemporaryDirectory() as d:
        prog = os.path.join(d, "prog.c")
        with open(prog, "w") as f:
            f.write(PROGRAM)
        san = ["-fsanitize=" + sanitize] if sanitize not in ("", "none") else []
        c = run(cc + ["-std=c11", "-Wall", "-Wextra", "-Werror"] + san +
                [prog, "-o", os.path.join(d, "prog")] + flags)
        if c.returncode != 0:
            error("building against the installed tree: %s" % c.stderr)
            return
        env = dict(os.environ, LD_LIBRARY_PATH=lib)
        ldd = run(["ldd", os.path.join(d, "prog")], env=env).stdout
        if not re.search(r"libtaskstats\.so\.\d+ => " + re.escape(lib), ldd):
            error("the program does not load the installed library:\n" + ldd)
        r = run([os.path.join(d, "prog")], env=env)
        if r.returncode != 0 or not r.stdout:
            error("the program failed: %d %s %s" % (r.returncode, r.stdout, r.stderr))
        else:
            print("built with pkg-config and ran: " + r.stdout.strip())


def check_cli(bindir, lib, version):
    cli = os.path.join(bindir, "taskstats-cli")
    if not os.access(cli, os.X_OK):
        error("%s is not installed" % cli)
        return None
    r = run([cli, "--version"], env=dict(os.environ, LD_LIBRARY_PATH=lib))
    if r.returncode != 0 or version not in r.stdout:
        error("installed taskstats-cli --version: %d %s %s" % (r.returncode, r.stdout,
                                                               r.stderr))
    return cli


def check_man(mandir, src):
    sym = re.sub(r"/\*.*?\*/", "", open(os.path.join(src, "lib", "libtaskstats.sym")).read(),
                 flags=re.S)
    symbols = []
    for body in re.findall(r"global:(.*?)(?:local:|\})", sym, re.S):
        symbols += re.findall(r"([A-Za-z_]\w*)\s*;", body)
    pages = ["man1/taskstats-cli.1", "man3/libtaskstats.3"] + ["man3/%s.3" % s
                                                               for s in symbols]
    env = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80")
    for page in pages:
        path = os.path.join(mandir, page)
        if not os.path.isfile(path):
            error("%s is not installed" % path)
            continue
        # From the man root, as man(1) would: .so links resolve there.
        r = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", page], cwd=mandir,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        name = os.path.basename(page).rsplit(".", 1)[0]
        if r.returncode != 0 or r.stderr or name.encode() not in r.stdout:
            error("man -l %s: %d %s" % (page, r.returncode, r.stderr.decode(errors="replace")))
    print("%d man pages installed and render" % len(pages))


def complete(script, words):
    """What the completion offers for words (the last one being completed)."""
    prog = ('source "$1" || exit 1; shift; COMP_WORDS=("$@"); '
            'COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _taskstats_cli; '
            'printf "%s\\n" "${COMPREPLY[@]}"')
    r = run(["bash", "--norc", "--noprofile", "-c", prog, "bash", script, "taskstats-cli"] +
            words)
    if r.returncode != 0:
        error("completion of %s: %s" % (words, r.stderr))
    return [w for w in r.stdout.splitlines() if w]


def check_completion(datadir, cli, lib):
    script = os.path.join(datadir, "bash-completion", "completions", "taskstats-cli")
    if not os.path.isfile(script):
        error("%s is not installed" % script)
        return
    r = run(["bash", "--norc", "--noprofile", "-c",
             'source "$1" && complete -p taskstats-cli', "bash", script])
    if r.returncode != 0 or "_taskstats_cli" not in r.stdout:
        error("the completion does not register: %s %s" % (r.stdout, r.stderr))
    env = dict(os.environ, LD_LIBRARY_PATH=lib)
    # Every option --help lists and every column is offered.
    helptext = run([cli, "--help"], env=env).stdout
    opts = set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", helptext))
    offered = set(complete(script, ["-"]))
    missing = sorted(o for o in opts if o not in offered)
    if missing:
        error("the completion does not offer %s" % missing)
    cols = [l.split(" ", 1)[0] for l in
            run([cli, "--list-columns", "-r", "-n"], env=env).stdout.splitlines()]
    offered = set(complete(script, ["-s", ""]))
    if not cols or set(cols) != offered:
        error("--sort completes %d of %d columns" % (len(offered & set(cols)), len(cols)))
    cases = [
        (["--form"], ["--format"]),
        (["--format", ""], ["text", "json", "prometheus"]),
        (["--format", "=", "pro"], ["prometheus"]),
        (["-o", "cpu%,us"], ["cpu%,usr%"]),
        (["--output", "+blkio_del"], ["+blkio_delay%", "+blkio_delay_total",
                                      "+blkio_delay_max", "+blkio_delay_min",
                                      "+blkio_delay_max_ts"]),
        (["--cgroup", "/proc/sel"], ["/proc/self"]),
        (["--top", ""], []),
    ]
    for words, want in cases:
        got = complete(script, words)
        if sorted(got) != sorted(want):
            error("completion of %s: %s, want %s" % (words, got, want))
    # Ids from /proc, in a comma list.
    me = str(os.getpid())
    got = complete(script, ["-p", "1," + me])
    # Several matches carry their command names ("1,123 (python3)").
    if "1," + me not in [g.split(" ")[0] for g in got] or \
            not all(g.startswith("1," + me) for g in got):
        error("completion of -p 1,%s: %s" % (me, got))
    print("bash completion: %d options, %d columns" % (len(opts), len(cols)))


def main():
    if len(sys.argv) < 14:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    (meson, build, src, prefix, bindir, libdir, includedir, mandir, datadir, soversion,
     version, sanitize) = sys.argv[1:13]
    cc = sys.argv[13:]
    dest = tempfile.mkdtemp(prefix="tstats-install-")
    try:
        r = run([meson, "install", "-C", build, "--destdir", dest, "--no-rebuild",
                 "--quiet"])
        if r.returncode != 0:
            error("meson install: %d\n%s%s" % (r.returncode, r.stdout, r.stderr))
            sys.exit(1)
        lib = under(dest, prefix, libdir)
        check_library(lib, soversion, version)
        check_pkgconfig(dest, lib, under(dest, prefix, includedir), src, sanitize, cc)
        cli = check_cli(under(dest, prefix, bindir), lib, version)
        check_man(under(dest, prefix, mandir), src)
        if cli:
            check_completion(under(dest, prefix, datadir), cli, lib)
        installed = sorted(os.path.relpath(p, dest) for p in
                           glob.glob(os.path.join(dest, "**"), recursive=True)
                           if os.path.isfile(p) or os.path.islink(p))
        print("%d files installed under %s" % (len(installed), prefix))
    finally:
        shutil.rmtree(dest)
    if errors:
        print("%d problems" % len(errors), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
