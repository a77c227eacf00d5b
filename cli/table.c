/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Column tables through libsmartcols: see table.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "scolsdl.h"
#include "table.h"

struct cli_table {
	struct libscols_table *tb;
	struct libscols_line *line;
	unsigned int flags;
};

int cli_table_load(void)
{
	const char *why = NULL;
	int r = cli_scols_load(&why);

	if (r < 0)
		cli_warn("tables need libsmartcols, which cannot be loaded: %s",
			 why ? why : "unknown error");
	return r;
}

int cli_table_new(unsigned int flags, struct cli_table **ret)
{
	struct cli_table *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->flags = flags;
	t->tb = sym_scols_new_table();
	if (!t->tb) {
		free(t);
		return -ENOMEM;
	}
	/* The same layout on a terminal as in a pipe or a file: no
	 * truncation to the terminal's width (a row is a record). */
	sym_scols_table_set_termforce(t->tb, SCOLS_TERMFORCE_NEVER);
	sym_scols_table_enable_raw(t->tb, (flags & CLI_TABLE_RAW) != 0);
	/* Aligned: cells come escaped (see table.h). */
	if (!(flags & CLI_TABLE_RAW))
		sym_scols_table_enable_noencoding(t->tb, 1);
	sym_scols_table_enable_noheadings(t->tb, (flags & CLI_TABLE_NOHEADINGS) != 0);
	*ret = t;
	return 0;
}

void cli_table_free(struct cli_table *t)
{
	if (!t)
		return;
	sym_scols_unref_table(t->tb);
	free(t);
}

int cli_table_add_column(struct cli_table *t, const char *title, bool right)
{
	struct libscols_column *cl;

	cl = sym_scols_table_new_column(t->tb, title, 0, right ? SCOLS_FL_RIGHT : 0);
	return cl ? 0 : -ENOMEM;
}

int cli_table_add_row(struct cli_table *t)
{
	t->line = sym_scols_table_new_line(t->tb, NULL);
	return t->line ? 0 : -ENOMEM;
}

static int set_data(struct cli_table *t, size_t col, const char *text)
{
	return sym_scols_line_set_data(t->line, col, text ? text : "-") < 0 ? -ENOMEM : 0;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

int cli_table_set(struct cli_table *t, size_t col, const char *text)
{
	if (text && has_control(text))
		return cli_table_set_untrusted(t, col, text);
	return set_data(t, col, text);
}

int cli_table_set_untrusted(struct cli_table *t, size_t col, const char *bytes)
{
	size_t len;
	char *buf;
	int r;

	if (!bytes || (t->flags & CLI_TABLE_RAW))
		return set_data(t, col, bytes);
	len = strlen(bytes);
	buf = malloc(4 * len + 1);
	if (!buf)
		return -ENOMEM;
	r = set_data(t, col, cli_escape(buf, bytes, len));
	free(buf);
	return r;
}

int cli_table_print(struct cli_table *t, FILE *out)
{
	static locale_t utf8;
	static bool tried;
	locale_t old = (locale_t)0;
	int r;

	/* Widths in display columns of UTF-8 text (as cli_display_width()),
	 * whatever the environment's locale: the CLI writes UTF-8 names as
	 * they are everywhere else too (escaping is byte-based). */
	if (!tried) {
		tried = true;
		utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	}
	if (utf8)
		old = uselocale(utf8);
	sym_scols_table_set_stream(t->tb, out);
	r = sym_scols_print_table(t->tb);
	if (utf8)
		uselocale(old);
	if (r < 0)
		return r == -ENOMEM ? r : -EIO;
	return ferror(out) ? -EIO : 0;
}
