/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Column tables (--all, -o, --list-columns, --tree, --cgroup): laid out by
 * libsmartcols, loaded on demand (scolsdl.h). The modes only fill cells;
 * widths (display columns: a CJK ideograph is two), alignment, -r and -n
 * are the library's.
 *
 * Escaping is the CLI's, as in every other output. Aligned, the library
 * writes cells as they are given (its own encoder would count the
 * backslash of an "\xNN" differently when laying out and when writing,
 * and it lets bidi overrides through): untrusted text (a command name, a
 * group key) goes through cli_table_set_untrusted(), which escapes it with
 * cli_escape() (controls, invalid UTF-8, C1 and bidi controls as \xNN,
 * backslash as \\), and cli_table_set() escapes the CLI's own text too
 * should it ever hold a control byte. With -r the bytes go to the
 * library's raw encoder, which writes blanks, backslashes, quotes,
 * controls and every byte that is not ASCII as \xNN, as util-linux's -r
 * does. No cell reaches the terminal with a raw control byte.
 */
#ifndef TSTATS_CLI_TABLE_H
#define TSTATS_CLI_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct cli_table;

enum cli_table_flag {
	CLI_TABLE_RAW = 1u << 0,	/* -r: one blank between cells, unaligned */
	CLI_TABLE_NOHEADINGS = 1u << 1,	/* -n */
};

/* Loads libsmartcols once; says why on stderr when it cannot be loaded.
 * Returns 0 or -errno. The modes call it before any work. */
int cli_table_load(void);

/* A new table (cli_table_load() done): 0 or -ENOMEM. */
int cli_table_new(unsigned int flags, struct cli_table **ret);
void cli_table_free(struct cli_table *t);
/* Appends a column; right: numbers, aligned right. 0 or -ENOMEM. */
int cli_table_add_column(struct cli_table *t, const char *title, bool right);
/* Appends a row; the cells below fill it. 0 or -ENOMEM. */
int cli_table_add_row(struct cli_table *t);
/* The last row's cell col: text the CLI made (numbers, units, escaped
 * text); NULL shows "-". 0 or -ENOMEM. */
int cli_table_set(struct cli_table *t, size_t col, const char *text);
/* The same for bytes a task chose: escaped (see above). 0 or -ENOMEM. */
int cli_table_set_untrusted(struct cli_table *t, size_t col, const char *bytes);
/* Writes the table to out. 0, -ENOMEM or -EIO. */
int cli_table_print(struct cli_table *t, FILE *out);

#endif
