/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The columns of taskstats-cli --all: one table for --output, --sort,
 * --list-columns, the JSON keys and the manual's COLUMNS section; and the
 * report's section titles, which the manual's FIELDS list shares
 * (man/gen-fields.c compiles this file too, so it uses nothing but
 * libtaskstats.h and libc).
 *
 * A few columns are fixed (identity, CPU percentages, byte rates); the
 * others come from the library's own tables at run time: one delay
 * percentage per delay class and one column per field.
 */
#ifndef TSTATS_CLI_COLUMNS_H
#define TSTATS_CLI_COLUMNS_H

#include <stdbool.h>
#include <stddef.h>

enum col_kind {
	COL_PID,	/* the row's task id: process id, thread id with --threads */
	COL_TGID,	/* thread group id */
	COL_COMM,	/* command name (escaped) */
	COL_UID,	/* real user id */
	COL_THREADS,	/* live threads of a process view */
	COL_CPU,	/* tstats_rates.cpu_pct */
	COL_USER,	/* tstats_rates.user_pct */
	COL_SYSTEM,	/* tstats_rates.system_pct */
	COL_RATE,	/* field .arg per second */
	COL_DELAY,	/* delay class .arg as a percentage of the interval */
	COL_FIELD,	/* field .arg: its change over the interval, or its value */
	COL_STATUS,	/* started or exited in the interval (--interval) */
	COL_GROUP,	/* the group's key (--group-by) */
};

enum col_flag {
	COL_ASCENDING = 1u << 0,	/* --sort puts the smallest first */
	COL_LEFT = 1u << 1,		/* text: left-aligned */
};

#define COL_NAME_MAX 40
#define COL_DESC_MAX 256

struct cli_column {
	char name[COL_NAME_MAX];	/* "cpu%", "blkio_delay%", "utime" */
	/* Its JSON key: jq-friendly (letters, digits, "_") with the unit in
	 * the name of a number ("cpu_pct", "blkio_delay_pct", "utime_us"). */
	char key[COL_NAME_MAX + 16];
	char unit[16];			/* "%", "B/s", "ns"; "" for none */
	char description[COL_DESC_MAX];
	enum col_kind kind;
	int arg;			/* field id or delay class index; -1 */
	unsigned int flags;		/* enum col_flag */
};

struct cli_columns {
	struct cli_column *cols;
	size_t n;
	size_t n_fixed;		/* cols[0..n_fixed): not from the field table */
};

/* Builds the table. Returns 0 or -ENOMEM. */
int cli_columns_init(struct cli_columns *ret);
void cli_columns_done(struct cli_columns *cols);

/* The column named, or keyed, name[0..len) (case-insensitive), or NULL. */
const struct cli_column *cli_column_find(const struct cli_columns *cols, const char *name,
					 size_t len);

/* The report's and the manual's title for a field group (enum
 * tstats_group); "Other" for one this build does not know. */
const char *cli_group_title(unsigned int group);

#endif /* TSTATS_CLI_COLUMNS_H */
