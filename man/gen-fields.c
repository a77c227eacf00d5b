/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Builds taskstats-cli.1 from its template: the field list and the delay
 * classes come from the library's tables, so the manual cannot drift from
 * what the CLI prints.
 *
 *   gen-fields TEMPLATE OUTPUT VERSION
 *
 * In TEMPLATE, a line "@FIELDS@" becomes the field list, "@DELAY_CLASSES@"
 * the delay classes, "@COLUMNS@" the columns of --all other than the
 * fields (cli/columns.c), "@FIELD_IDS@" the field ids for the library's
 * tstats_field_info(3), and "@VERSION@" anywhere becomes VERSION.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libtaskstats.h"
#include "columns.h"

/* Text safe for roff: backslashes, and no request at the start of a line. */
static void roff_text(FILE *out, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", out);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-')
			fputs("\\-", out);
		else
			fputc(*s, out);
	}
}

static void print_fields(FILE *out)
{
	unsigned int nf = tstats_field_count();
	uint32_t max_group = 0;

	for (unsigned int f = 0; f < nf; f++)
		if (tstats_field_info(f)->group > max_group)
			max_group = tstats_field_info(f)->group;

	for (uint32_t g = 0; g <= max_group; g++) {
		const char *title = cli_group_title(g);
		bool any = false;

		for (unsigned int f = 0; f < nf; f++) {
			const struct tstats_field_info *info = tstats_field_info(f);

			if (info->group != g)
				continue;
			if (!any) {
				fputs(".SS ", out);
				roff_text(out, title);
				fputc('\n', out);
			}
			any = true;
			fputs(".TP\n.B ", out);
			roff_text(out, info->name);
			fputs("\n(", out);
			roff_text(out, info->unit[0] ? info->unit : "number");
			fprintf(out, ", since v%u%s", info->since,
				info->in_tgid ? ", also in TGID records" : "");
			/* The kernel's member name, when it is not the same. */
			if (strcmp(info->kernel_name, info->name) != 0) {
				fputs("; kernel: \\fI", out);
				roff_text(out, info->kernel_name);
				fputs("\\fR", out);
			}
			fputs(")\n.br\n", out);
			roff_text(out, info->description);
			fputs(".\n", out);
		}
	}
}

/* For tstats_field_info(3): each field's id (its name in capitals), unit,
 * first version and flags. */
static void print_field_ids(FILE *out)
{
	for (unsigned int f = 0; f < tstats_field_count(); f++) {
		const struct tstats_field_info *info = tstats_field_info(f);

		fputs(".TP\n.B TSTATS_F_", out);
		for (const char *c = info->name; *c; c++)
			fputc(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c, out);
		fputs("\n\\(lq", out);
		roff_text(out, info->name);
		fputs("\\(rq, ", out);
		roff_text(out, info->unit[0] ? info->unit : "number");
		fprintf(out, ", since v%u%s%s%s%s%s%s%s\n.br\n", info->since,
			info->in_tgid ? ", in TGID records" : "",
			info->flags & TSTATS_FIELD_COUNTER ? ", counter" : "",
			info->flags & TSTATS_FIELD_SIGNED ? ", signed" : "",
			info->flags & TSTATS_FIELD_MASKED_1024 ? ", masked to 1024" : "",
			info->flags & TSTATS_FIELD_TICK_SAMPLED ? ", tick-sampled" : "",
			info->flags & TSTATS_FIELD_TGID_THREAD_SUM ? ", TGID: thread sum" : "",
			info->flags & TSTATS_FIELD_NEEDS_IRQ_TIME ? ", needs IRQ time accounting" : "");
		roff_text(out, info->description);
		fputs(".\n", out);
	}
}

static void print_delay_classes(FILE *out)
{
	for (unsigned int i = 0; i < tstats_delay_class_count(); i++) {
		const struct tstats_delay_class *dc = tstats_delay_class(i);

		fputs(".TP\n.B ", out);
		roff_text(out, dc->name);
		fputc('\n', out);
		roff_text(out, dc->description);
		fputs(".\n", out);
	}
}

/* The fields are columns too, but the FIELDS section lists them. */
static void print_columns(FILE *out)
{
	struct cli_columns cols;

	if (cli_columns_init(&cols) < 0) {
		fputs("out of memory\n", stderr);
		exit(1);
	}
	for (size_t i = 0; i < cols.n_fixed; i++) {
		const struct cli_column *c = &cols.cols[i];

		fputs(".TP\n.BR ", out);
		roff_text(out, c->name);
		if (c->unit[0]) {
			fputs(" \" (", out);
			roff_text(out, c->unit);
			fputs(")\"", out);
		}
		fputc('\n', out);
		roff_text(out, c->description);
		fputs(".\n", out);
	}
	cli_columns_done(&cols);
}

static const struct {
	const char *token;
	void (*print)(FILE *out);
} blocks[] = {
	{ "@FIELDS@", print_fields },
	{ "@DELAY_CLASSES@", print_delay_classes },
	{ "@COLUMNS@", print_columns },
	{ "@FIELD_IDS@", print_field_ids },
};

static int substitute(FILE *in, FILE *out, const char *version)
{
	char line[4096];

	while (fgets(line, sizeof(line), in)) {
		size_t n = strcspn(line, "\n");
		bool done = false;
		char *at;

		if (line[n] != '\n' && !feof(in))
			return -E2BIG;
		line[n] = '\0';
		for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++)
			if (strcmp(line, blocks[i].token) == 0) {
				blocks[i].print(out);
				done = true;
			}
		if (done)
			continue;
		at = strstr(line, "@VERSION@");
		if (at) {
			*at = '\0';
			fprintf(out, "%s%s%s\n", line, version,
				at + strlen("@VERSION@"));
		} else {
			fprintf(out, "%s\n", line);
		}
	}
	return ferror(in) ? -EIO : 0;
}

int main(int argc, char **argv)
{
	FILE *in, *out;
	int r;

	if (argc != 4) {
		fprintf(stderr, "usage: %s TEMPLATE OUTPUT VERSION\n", argv[0]);
		return 2;
	}
	in = fopen(argv[1], "r");
	if (!in) {
		fprintf(stderr, "%s: %s: %s\n", argv[0], argv[1], strerror(errno));
		return 1;
	}
	out = fopen(argv[2], "w");
	if (!out) {
		fprintf(stderr, "%s: %s: %s\n", argv[0], argv[2], strerror(errno));
		fclose(in);
		return 1;
	}
	r = substitute(in, out, argv[3]);
	fclose(in);
	if (fclose(out) != 0 && r == 0)
		r = -errno;
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", argv[0], strerror(-r));
		remove(argv[2]);
		return 1;
	}
	return 0;
}
