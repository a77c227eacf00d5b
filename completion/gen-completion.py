#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes the bash completion of taskstats-cli from the program itself, so
that its lists never drift from the code:

  gen-completion.py CLI TEMPLATE OUTPUT

  options   every option that `CLI --help` lists, and which take a value
  columns   `CLI --list-columns --raw --noheadings` (the column table, which
            includes every field of the library's table by name)
  formats   the formats --format accepts, from its own usage error

The template's @OPTIONS@, @ARG_OPTIONS@, @COLUMNS@ and @FORMATS@ become
those lists (space-separated words).
"""
import re
import subprocess
import sys


def run(cli, *args, expect=0):
    p = subprocess.run([cli] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if p.returncode != expect:
        sys.exit("gen-completion: %s %s: exit %d: %s" % (cli, " ".join(args), p.returncode,
                                                          p.stderr))
    return p


def options(cli):
    """(every option, the options that take a value) from --help."""
    opts, with_arg = [], []
    for line in run(cli, "--help").stdout.splitlines():
        # "  -p, --pid=PID[,PID]...", "  -j, -J, --json", "      --top=N"
        m = re.match(r"\s{2,}((?:-[A-Za-z0-9], )*)(--[a-z0-9-]+)(=\S+)?\s", line + " ")
        if not m:
            continue
        names = re.findall(r"-[A-Za-z0-9]", m.group(1)) + [m.group(2)]
        for n in names:
            if n not in opts:
                opts.append(n)
                if m.group(3):
                    with_arg.append(n)
    if "--help" not in opts or not with_arg:
        sys.exit("gen-completion: no options found in --help")
    return opts, with_arg


def columns(cli):
    names = [line.split(" ", 1)[0] for line in
             run(cli, "--list-columns", "--raw", "--noheadings").stdout.splitlines()]
    if len(names) < 20:
        sys.exit("gen-completion: --list-columns listed %d columns" % len(names))
    return names


def formats(cli):
    """--format's usage error names them: "expected text, json or prometheus"."""
    err = run(cli, "--format", "?", "-p", "1", expect=2).stderr
    m = re.search(r"expected ([a-z, ]+?) or ([a-z]+)\b", err)
    if not m:
        sys.exit("gen-completion: cannot read the formats from %r" % err)
    return [f.strip() for f in m.group(1).split(",")] + [m.group(2)]


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    cli, template, output = sys.argv[1:]
    opts, with_arg = options(cli)
    lists = {
        "@OPTIONS@": " ".join(opts),
        "@ARG_OPTIONS@": " ".join(with_arg),
        # Column names hold '%' and '/', never a space or a quote.
        "@COLUMNS@": " ".join(columns(cli)),
        "@FORMATS@": " ".join(formats(cli)),
    }
    with open(template) as f:
        text = f.read()
    for token, words in lists.items():
        if token not in text:
            sys.exit("gen-completion: %s is not in %s" % (token, template))
        text = text.replace(token, words)
    with open(output, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
