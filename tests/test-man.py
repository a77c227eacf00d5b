#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The manual pages against the code.

  test-man.py SRCDIR BUILDDIR API_NAMES SANITIZE CC...

Checks that
  - every field of the library's table (API_NAMES prints them) is in
    taskstats-cli(1), and its TSTATS_F_ id in tstats_field_info(3) and in
    the header's enum;
  - every option of taskstats-cli (the long_options[] table and the short
    option string of cli/options.c, hidden ones included) is in taskstats-cli(1),
    which names libtaskstats(3) under SEE ALSO;
  - every symbol of lib/libtaskstats.sym has a page in section 3 (its own,
    or a .so link to the page whose NAME lists it);
  - the header and the pages agree: every function's prototype in a page's
    SYNOPSIS is the header's, token for token; the pages hold the full
    text and the header points to them, so:
      - every function, type (struct, enum, callback typedef) and constant
        (#define, enum member) of the header is named in some page of
        section 3, and every tstats_/TSTATS_ name a page uses, and every
        page's file name, is the header's;
      - every page that declares functions in its SYNOPSIS has RETURN VALUE,
        ERRORS, OWNERSHIP and THREADS sections, and names each of its
        functions under RETURN VALUE, OWNERSHIP (who owns what it is given
        and what it returns) and THREADS (what may call it concurrently);
      - each declaration's comment in the header names the page that
        documents the function (see tstats_xxx(3));
  - `man --warnings` (groff) says nothing about any page;
  - the complete example of libtaskstats(3) compiles with -Wall -Wextra
    -Werror (with CC) and, with CAP_NET_ADMIN, runs.
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


def plain(roff):
    """Roff source as searchable text: fonts and escapes dropped."""
    s = re.sub(r"\\f(\[[^]]*\]|\(..|.)", "", roff)
    s = s.replace("\\-", "-").replace("\\&", "").replace("\\e", "\\")
    s = s.replace("\\(aq", "'").replace("\\(dq", '"').replace("\\~", " ")
    s = s.replace("\\%", "").replace("\\c\n", "")
    return s


def stage(src, build):
    """A man tree: man1/ and man3/ with every page, so that .so resolves."""
    root = tempfile.mkdtemp(prefix="tstats-man-")
    os.mkdir(os.path.join(root, "man1"))
    os.mkdir(os.path.join(root, "man3"))
    shutil.copy(os.path.join(build, "man", "taskstats-cli.1"), os.path.join(root, "man1"))
    for p in glob.glob(os.path.join(src, "man", "man3", "*.3")):
        shutil.copy(p, os.path.join(root, "man3"))
    for p in glob.glob(os.path.join(build, "man", "man3", "*.3")):
        shutil.copy(p, os.path.join(root, "man3"))
    return root


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def check_fields(root, src, names_prog):
    out = subprocess.run([names_prog], stdout=subprocess.PIPE, check=True,
                         text=True).stdout
    fields = [l.split()[1] for l in out.splitlines() if l.startswith("field ")]
    classes = [l.split()[1] for l in out.splitlines() if l.startswith("class ")]
    if len(fields) < 70 or not classes:
        error("api-names printed %d fields, %d classes" % (len(fields), len(classes)))
    cli_man = plain(read(os.path.join(root, "man1", "taskstats-cli.1")))
    fi_man = plain(read(os.path.join(root, "man3", "tstats_field_info.3")))
    header = read(os.path.join(src, "include", "libtaskstats.h"))
    enum = re.search(r"enum tstats_field \{(.*?)\};", header, re.S)
    ids = set(re.findall(r"\b(TSTATS_F_\w+)", enum.group(1))) - {"TSTATS_F__COUNT"}
    for f in fields:
        if not re.search(r"(?m)^\.B " + re.escape(f) + "$", cli_man):
            error("field %s is not in taskstats-cli(1)'s FIELDS" % f)
        fid = "TSTATS_F_" + f.upper()
        if fid not in ids:
            error("field %s: the header has no %s" % (f, fid))
        if not re.search(r"(?m)^\.B " + fid + "$", fi_man):
            error("field %s: %s is not in tstats_field_info(3)" % (f, fid))
    if len(ids) != len(fields):
        error("the header's enum has %d ids, the table %d fields" % (len(ids), len(fields)))
    for c in classes:
        if not re.search(r"(?m)^\.B " + re.escape(c) + "$", cli_man):
            error("delay class %s is not in taskstats-cli(1)" % c)
    print("%d fields and %d delay classes documented" % (len(fields), len(classes)))


def check_options(root, src):
    main_c = read(os.path.join(src, "cli", "options.c"))
    # The option table (struct cli_option options[]): long name, argument,
    # value, short names, modes.
    table = re.search(r"\} options\[\] = \{(.*?)\n\};", main_c, re.S)
    if not table:
        error("no options[] in cli/options.c")
        return
    rows = re.findall(r'\{\s*"([a-z0-9-]+)"\s*,\s*\w+\s*,\s*[\w\']+\s*,\s*"([A-Za-z0-9]*)"',
                      table.group(1))
    longs = [name for name, _ in rows]
    letters = "".join(short for _, short in rows)
    if len(longs) < 10 or not letters:
        error("parsed %d long options and short options %r" % (len(longs), letters))
    page = plain(read(os.path.join(root, "man1", "taskstats-cli.1")))
    # Where the page describes options: anywhere, as "--name" (the
    # OPTIONS section, or a section of its own for a mode).
    for name in longs:
        if not re.search(r"(?<![\w-])--" + re.escape(name) + r"(?![\w-])", page):
            error("option --%s is not in taskstats-cli(1)" % name)
    for c in letters:
        if not re.search(r"(?<![\w-])-" + c + r"(?![\w-])", page):
            error("option -%s is not in taskstats-cli(1)" % c)
    see_also = page.split(".SH SEE ALSO", 1)[-1]
    if not re.search(r"\.BR libtaskstats \(3\)", see_also):
        error("taskstats-cli(1) does not name libtaskstats(3) under SEE ALSO")
    print("%d long and %d short options documented" % (len(longs), len(letters)))


def check_symbols(root, src):
    sym = re.sub(r"/\*.*?\*/", "", read(os.path.join(src, "lib", "libtaskstats.sym")), flags=re.S)
    symbols = []
    for body in re.findall(r"global:(.*?)(?:local:|\})", sym, re.S):
        symbols += re.findall(r"([A-Za-z_]\w*)\s*;", body)
    if len(symbols) < 30:
        error("parsed only %d symbols" % len(symbols))
    for s in symbols:
        path = os.path.join(root, "man3", s + ".3")
        if not os.path.exists(path):
            error("symbol %s has no page %s.3" % (s, s))
            continue
        text = read(path)
        m = re.match(r"\.so (man3/[\w.]+)\n?\Z", text)
        if m:
            path = os.path.join(root, m.group(1))
            if not os.path.exists(path):
                error("%s.3 links to the missing %s" % (s, m.group(1)))
                continue
            text = read(path)
        name = re.search(r"\.SH NAME\n(.*?)\n\.SH", text, re.S)
        if not name or not re.search(r"\b" + s + r"\b", plain(name.group(1))):
            error("the page of %s does not name it under NAME" % s)
        if "Since libtaskstats" not in text and "since libtaskstats" not in text:
            error("the page of %s has no version (\"Since libtaskstats\")" % s)
    print("%d symbols have pages" % len(symbols))


def c_tokens(decl):
    """A C declaration as tokens, spacing and comments dropped."""
    decl = re.sub(r"/\*.*?\*/", " ", decl, flags=re.S)
    return re.findall(r"[A-Za-z_]\w*|\d+|\S", decl)


def prototypes(text):
    """name -> tokens of every tstats_ function declared in C text."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = "\n".join(l for l in text.split("\n") if not l.lstrip().startswith("#"))
    protos = {}
    for stmt in text.split(";"):
        stmt = re.split(r"[{}]", stmt)[-1]
        m = re.match(r"\s*((?:const\s+)?[A-Za-z_][\w\s\*]*?\b(tstats_\w+)\s*\(.*\))\s*\Z",
                     stmt, re.S)
        if m and not re.match(r"\s*(typedef|extern\s+\"C\")", stmt):
            protos[m.group(2)] = c_tokens(m.group(1))
    return protos


def header_prototypes(src):
    return prototypes(read(os.path.join(src, "include", "libtaskstats.h")))


def synopsis_prototypes(roff):
    """name -> tokens of the functions in a page's SYNOPSIS."""
    syn = re.search(r"\.SH SYNOPSIS\n(.*?)\n\.SH", roff, re.S)
    if not syn:
        return {}
    lines = []
    for line in syn.group(1).replace("\\\n", "").split("\n"):
        if line.startswith((".nf", ".fi", ".PP", ".sp", ".\\\"")):
            continue
        m = re.match(r"\.(B|I|BI|IB|BR|RB|IR|RI)\s+(.*)", line)
        if m:
            # .B and .I join their words with spaces, the alternating
            # macros without.
            args = [a[1:-1] if a.startswith('"') else a
                    for a in re.findall(r'"[^"]*"|\S+', m.group(2))]
            line = (" " if len(m.group(1)) == 1 else "").join(args)
        lines.append(plain(line))
    return prototypes("\n".join(lines))


def check_prototypes(root, src):
    header = header_prototypes(src)
    if len(header) < 40:
        error("parsed only %d prototypes from the header" % len(header))
    seen = set()
    for path in sorted(glob.glob(os.path.join(root, "man3", "*.3"))):
        text = read(path)
        if text.startswith(".so "):
            continue
        for name, toks in synopsis_prototypes(text).items():
            seen.add(name)
            if name not in header:
                error("%s: %s is not in the header" % (os.path.basename(path), name))
            elif toks != header[name]:
                error("%s: the prototype of %s differs from the header's:\n  page:   %s\n"
                      "  header: %s" % (os.path.basename(path), name, " ".join(toks),
                                        " ".join(header[name])))
    for name in sorted(set(header) - seen):
        error("%s is in the header but in no page's SYNOPSIS" % name)
    print("%d prototypes agree between the header and the pages" % len(seen & set(header)))


def header_names(src):
    """Functions, types and constants the header declares."""
    text = read(os.path.join(src, "include", "libtaskstats.h"))
    code = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    funcs = set(prototypes(text))
    types = set(re.findall(r"\b(?:struct|enum)\s+(tstats_\w+)\s*[{;]", code))
    types |= set(re.findall(r"typedef\b[^;]*?\(\s*\*\s*(tstats_\w+)\s*\)", code))
    consts = set(re.findall(r"#define\s+(TSTATS_\w+)", code))
    for body in re.findall(r"\benum\s+tstats_\w+\s*\{(.*?)\}", code, re.S):
        consts |= set(re.findall(r"\b(TSTATS_\w+)\s*[,=\n]", body))
    return funcs, types, consts


def sections(roff):
    """Section title -> its text (roff), for one page."""
    parts = re.split(r"(?m)^\.SH +(.*)\n", roff)
    return {parts[i].strip('"'): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def check_contract(root, src):
    funcs, types, consts = header_names(src)
    if len(funcs) < 40 or len(types) < 15 or len(consts) < 100:
        error("parsed %d functions, %d types, %d constants from the header" %
              (len(funcs), len(types), len(consts)))
    known = funcs | types | consts
    pages = {}
    for path in sorted(glob.glob(os.path.join(root, "man3", "*.3"))):
        name = os.path.basename(path)[:-2]
        text = read(path)
        if name != "libtaskstats" and name not in funcs:
            error("%s.3: no function %s in the header" % (name, name))
        if not text.startswith(".so "):
            pages[name] = text
    used = set()
    for name, text in pages.items():
        body = re.sub(r"(?m)^\.TH .*\n", "", text)
        for ident in set(re.findall(r"\b((?:tstats|TSTATS)_\w+)", plain(body))):
            if ident.endswith("_"):
                continue        # a prefix ("the TSTATS_F_ ids")
            used.add(ident)
            if ident not in known:
                error("%s.3 names %s, which is not in the header" % (name, ident))
    for ident in sorted(known - used):
        error("%s is in the header but in no page of section 3" % ident)
    header = read(os.path.join(src, "include", "libtaskstats.h"))
    checked = 0
    for name, text in pages.items():
        declared = synopsis_prototypes(text)
        if not declared:
            continue
        secs = sections(text)
        for want in ("RETURN VALUE", "ERRORS", "OWNERSHIP", "THREADS"):
            if want not in secs:
                error("%s.3 declares functions but has no %s section" % (name, want))
                continue
            if want == "ERRORS":
                continue
            body = plain(secs[want])
            for f in declared:
                if not re.search(r"\b" + f + r"\b", body):
                    error("%s.3: %s is not named under %s" % (name, f, want))
        for f in declared:
            checked += 1
            # The header's comment right above the prototype points to
            # the page: "see tstats_xxx(3)".
            m = re.search(r"/\*((?:(?!\*/).)*)\*/\s*(?:typedef[^;]*;\s*|struct \w+;\s*)*"
                          r"[^;/]*\b" + f + r"\s*\(", header, re.S)
            if not m or not re.search(r"\b" + name + r"\(3\)", m.group(1)):
                error("the header's comment of %s does not point to %s(3)" % (f, name))
    print("%d functions, %d types and %d constants named in the pages; %d functions "
          "with return values, errors, ownership and threads" %
          (len(funcs), len(types), len(consts), checked))


def check_warnings(root):
    pages = sorted(glob.glob(os.path.join(root, "man*", "*.[13]")))
    env = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80", MAN_KEEP_FORMATTING="")
    for p in pages:
        rel = os.path.relpath(p, root)
        r = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", rel], cwd=root,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        if r.returncode != 0 or r.stderr.strip():
            error("man --warnings %s: exit %d: %s" % (rel, r.returncode,
                                                       r.stderr.decode(errors="replace")))
        elif len(r.stdout) < 200:
            error("%s renders to almost nothing" % rel)
    print("%d pages render without warnings" % len(pages))


def check_example(root, src_dir, build, sanitize, cc):
    text = read(os.path.join(root, "man3", "libtaskstats.3"))
    ex = text.split(".SH EXAMPLES", 1)[1]
    m = re.search(r"\n\.EX\n(.*?)\n\.EE\n", ex, re.S)
    if not m:
        error("libtaskstats(3) has no example")
        return
    code = plain(m.group(1))
    if "int main(" not in code:
        error("the example of libtaskstats(3) is not a complete program")
        return
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "example.c")
        with open(src, "w") as f:
            f.write(code + "\n")
        libdir = os.path.join(build, "lib")
        san = ["-fsanitize=" + sanitize] if sanitize not in ("", "none") else []
        argv = cc + ["-std=gnu11", "-Wall", "-Wextra", "-Wpedantic", "-Werror"] + san + [
                     "-I", os.path.join(src_dir, "include"), src, "-o", os.path.join(d, "example"), "-L" + libdir,
                     "-Wl,-rpath," + libdir, "-ltaskstats"]
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            error("the example of libtaskstats(3) does not compile:\n" + r.stdout)
            return
        r = subprocess.run([os.path.join(d, "example")], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=60)
        if r.returncode != 0 and "Operation not permitted" in r.stderr:
            print("note: the example compiled; running it needs CAP_NET_ADMIN")
            return
        if r.returncode != 0 or not r.stdout.startswith("self: ") or \
                not re.search(r"(?m)^exit: PID \d+ .*status 768$", r.stdout):
            error("the example ran: exit %d\n%s%s" % (r.returncode, r.stdout, r.stderr))
            return
    print("the example of libtaskstats(3) compiles and runs")


def main():
    if len(sys.argv) < 6:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    src, build, names, sanitize = sys.argv[1:5]
    cc = sys.argv[5:]
    root = stage(src, build)
    try:
        check_fields(root, src, names)
        check_options(root, src)
        check_symbols(root, src)
        check_prototypes(root, src)
        check_contract(root, src)
        check_warnings(root)
        check_example(root, src, build, sanitize, cc)
    finally:
        shutil.rmtree(root)
    if errors:
        print("%d problems" % len(errors), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
