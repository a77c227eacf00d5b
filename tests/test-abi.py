#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""ABI checks of the built library and the public header.

  test-abi.py symbols LIB.so SYMFILE HEADER
      the dynamic symbols the library defines (nm -D --defined-only) are
      exactly the global list of the version script, each bound to its
      version node; every function the header declares is exported and
      every exported symbol is declared
  test-abi.py c99 HEADER_DIR CC...
      the header compiles on its own as C99 with -pedantic -Werror
  test-abi.py cxx HEADER_DIR LIBDIR SANITIZE CXX...
      the header compiles on its own as C++11 with -pedantic -Werror, and a
      C++ program calling the library links (extern "C") and runs
  test-abi.py record-size HEADER_DIR LIBDIR SANITIZE CC...
      struct tstats_record has its frozen size (RECORD_SIZE) and member
      offsets, both in the header and in the built library
      (tstats_struct_size())

Exits 77 (skip) only when no C++ compiler is installed.
"""
import os
import re
import subprocess
import sys
import tempfile

SKIP = 77


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def version_script(path):
    """{symbol: version node} of the global: sections."""
    text = re.sub(r"/\*.*?\*/", "", open(path).read(), flags=re.S)
    syms = {}
    for node, body in re.findall(r"([\w.]+)\s*\{(.*?)\}\s*[\w.]*\s*;", text, re.S):
        m = re.search(r"global:(.*?)(local:|\Z)", body, re.S)
        if not m:
            continue
        for s in re.findall(r"([A-Za-z_]\w*)\s*;", m.group(1)):
            if s in syms:
                fail("%s listed twice in %s" % (s, path))
            syms[s] = node
    if not syms:
        fail("no global symbols in " + path)
    return syms


def exported(lib):
    """{symbol: version} of the defined dynamic symbols (version nodes,
    type A, left out)."""
    out = subprocess.run(["nm", "-D", "--defined-only", "--with-symbol-versions", lib],
                         stdout=subprocess.PIPE, check=True, text=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) != 3 or parts[1] == "A":
            continue
        name, _, version = parts[2].partition("@")
        syms[name] = version.lstrip("@")
    return syms


def declared(header):
    """Functions the header declares: 'tstats_x(' outside comments, typedefs
    and macros."""
    text = re.sub(r"/\*.*?\*/", "", open(header).read(), flags=re.S)
    text = re.sub(r"^\s*#.*$", "", text, flags=re.M)
    names = set()
    for decl in text.split(";"):
        if re.search(r"\btypedef\b", decl):
            continue
        m = re.search(r"\b(tstats_\w+)\s*\(", decl)
        if m:
            names.add(m.group(1))
    return names


def symbols(lib, symfile, header):
    want = version_script(symfile)
    have = exported(lib)
    missing = sorted(set(want) - set(have))
    extra = sorted(set(have) - set(want))
    if missing or extra:
        fail("exported symbols differ from %s: missing %s, not listed %s"
             % (symfile, missing, extra))
    for s, node in want.items():
        if have[s] != node:
            fail("%s is bound to version %r, the script says %r" % (s, have[s], node))
    decl = declared(header)
    if decl != set(want):
        fail("header and version script differ: only declared %s, only exported %s"
             % (sorted(decl - set(want)), sorted(set(want) - decl)))
    print("%d symbols, all declared and versioned" % len(want))


def compile_header(argv, suffix, source, libs=()):
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "t" + suffix)
        with open(src, "w") as f:
            f.write(source)
        p = subprocess.run(argv + [src, "-o", os.path.join(d, "t")] + list(libs),
                           stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        if p.returncode != 0:
            fail("%s failed:\n%s" % (" ".join(argv), p.stdout))
        if "-fsyntax-only" not in argv and "-c" not in argv:
            r = subprocess.run([os.path.join(d, "t")], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
            if r.returncode != 0:
                fail("the program failed: %s" % r.stdout)
            print(r.stdout.strip())


# Only the header: whatever it needs it includes itself.
C_SOURCE = '#include "libtaskstats.h"\n'

CXX_SOURCE = r'''#include "libtaskstats.h"
#include <cstdio>
#include <cstring>

int main()
{
	/* The struct shares its name with a function: C++ needs "struct". */
	const struct tstats_field_info *info = tstats_field_info(TSTATS_F_UTIME);
	struct tstats_record rec;

	std::memset(&rec, 0, sizeof(rec));
	if (!info || std::strcmp(info->name, "utime") != 0 ||
	    tstats_field_by_name("utime") != TSTATS_F_UTIME ||
	    tstats_record_has(&rec, TSTATS_F_UTIME) != 0)
		return 1;
	std::printf("C++: %u fields, utime in %s\n", tstats_field_count(), info->unit);
	return 0;
}
'''

STRICT = ["-Wall", "-Wextra", "-Werror", "-pedantic"]

# struct tstats_record never changes size: callers allocate arrays of it
# for tstats_query_batch(), and a program built against an older header
# must index them with the same stride. These numbers are the ABI; a
# change here is a new soname, not an edit.
RECORD_SIZE = 1104
RECORD_OFFSETS = {"kind": 0, "id": 4, "version": 8, "payload_len": 12, "flags": 16,
                  "reserved": 20, "present": 24, "value": 40, "comm": 1064}

def record_size(inc, libdir, sanitize, cc):
    checks = ["_Static_assert(sizeof(struct tstats_record) == %d, \"size\");" % RECORD_SIZE]
    checks += ["_Static_assert(offsetof(struct tstats_record, %s) == %d, \"%s\");" % (m, o, m)
               for m, o in RECORD_OFFSETS.items()]
    # The built library's own size, from a program linked against it (a
    # program rather than ctypes: sanitized builds need their runtime linked).
    program = C_SOURCE + "\n".join(checks) + """
#include <stdio.h>
int main(void)
{
	printf("struct tstats_record: %zu bytes in the library\\n",
	       tstats_struct_size(TSTATS_STRUCT_RECORD));
	return tstats_struct_size(TSTATS_STRUCT_RECORD) != sizeof(struct tstats_record);
}
"""
    san = ["-fsanitize=" + sanitize] if sanitize not in ("", "none") else []
    compile_header(cc + ["-std=c11", "-I", inc] + STRICT + san, ".c", program,
                   ["-L" + libdir, "-Wl,-rpath," + libdir, "-ltaskstats"])
    print("struct tstats_record: %d bytes, frozen (header and library)" % RECORD_SIZE)


def main():
    if len(sys.argv) < 3:
        fail(__doc__)
    mode = sys.argv[1]
    if mode == "symbols" and len(sys.argv) == 5:
        symbols(*sys.argv[2:])
    elif mode == "c99" and len(sys.argv) > 3:
        inc, cc = sys.argv[2], sys.argv[3:]
        compile_header(cc + ["-std=c99", "-fsyntax-only", "-I", inc] + STRICT, ".c", C_SOURCE)
        # Also with the other warnings a C project may use.
        compile_header(cc + ["-std=c99", "-fsyntax-only", "-I", inc, "-Wstrict-prototypes",
                             "-Wmissing-prototypes", "-Wshadow", "-Wconversion",
                             "-Wsign-conversion"] + STRICT, ".c", C_SOURCE)
        print("C99: the header compiles alone")
    elif mode == "cxx" and len(sys.argv) > 5:
        inc, libdir, sanitize, cxx = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
        if not cxx[0]:
            print("SKIP: no C++ compiler (scripts/install-deps.sh --test installs g++)",
                  file=sys.stderr)
            sys.exit(SKIP)
        compile_header(cxx + ["-std=c++11", "-fsyntax-only", "-I", inc] + STRICT, ".cc",
                       C_SOURCE)
        san = ["-fsanitize=" + sanitize] if sanitize not in ("", "none") else []
        compile_header(cxx + ["-std=c++11", "-I", inc] + STRICT + san, ".cc", CXX_SOURCE,
                       ["-L" + libdir, "-Wl,-rpath," + libdir, "-ltaskstats"])
    elif mode == "record-size" and len(sys.argv) > 5:
        record_size(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
    else:
        fail(__doc__)


if __name__ == "__main__":
    main()
