/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The column table of taskstats-cli --all (see columns.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "libtaskstats.h"
#include "columns.h"

static const struct fixed_column {
	const char *name;
	const char *key;
	const char *unit;
	const char *description;
	enum col_kind kind;
	int arg;
	unsigned int flags;
} fixed[] = {
	{ "pid", "pid", "", "process id (thread id with --threads)",
	  COL_PID, -1, COL_ASCENDING },
	{ "tgid", "tgid", "", "thread group (process) id",
	  COL_TGID, -1, COL_ASCENDING },
	{ "uid", "uid", "", "real user id",
	  COL_UID, -1, COL_ASCENDING },
	{ "threads", "threads", "", "live threads of the process (null with --threads)",
	  COL_THREADS, -1, 0 },
	{ "cpu%", "cpu_pct", "%", "CPU time used, percent of the interval (100: one CPU busy; "
	  "a process can exceed 100), from cpu_run_virtual_total, which the "
	  "kernel brings up to date at timer ticks: one busy thread can read "
	  "a little over 100", COL_CPU, -1, 0 },
	{ "usr%", "usr_pct", "%", "user CPU time, percent of the interval (utime: usually counted "
	  "in timer ticks, so over short intervals usr% + sys% can differ "
	  "from cpu%)", COL_USER, -1, 0 },
	{ "sys%", "sys_pct", "%", "system CPU time, percent of the interval (stime: usually "
	  "counted in timer ticks)", COL_SYSTEM, -1, 0 },
	{ "read/s", "read_bytes_per_second", "B/s",
	  "bytes fetched from storage per second (read_bytes)",
	  COL_RATE, TSTATS_F_READ_BYTES, 0 },
	{ "write/s", "write_bytes_per_second", "B/s",
	  "bytes sent to storage per second (write_bytes)",
	  COL_RATE, TSTATS_F_WRITE_BYTES, 0 },
	{ "rchar/s", "read_char_bytes_per_second", "B/s",
	  "bytes read by read-like calls per second (read_char)",
	  COL_RATE, TSTATS_F_READ_CHAR, 0 },
	{ "wchar/s", "write_char_bytes_per_second", "B/s",
	  "bytes written by write-like calls per second (write_char)",
	  COL_RATE, TSTATS_F_WRITE_CHAR, 0 },
	{ "minflt/s", "minflt_per_second", "1/s", "minor page faults per second",
	  COL_RATE, TSTATS_F_MINFLT, 0 },
	{ "majflt/s", "majflt_per_second", "1/s", "major page faults per second",
	  COL_RATE, TSTATS_F_MAJFLT, 0 },
	{ "cswch/s", "nvcsw_per_second", "1/s", "voluntary context switches per second",
	  COL_RATE, TSTATS_F_NVCSW, 0 },
	{ "nvcswch/s", "nivcsw_per_second", "1/s", "involuntary context switches per second",
	  COL_RATE, TSTATS_F_NIVCSW, 0 },
	{ "comm", "comm", "", "command name (chosen by the task; escaped)",
	  COL_COMM, -1, COL_ASCENDING | COL_LEFT },
	{ "status", "status", "", "with --interval: new (started in the interval), exit (exited "
	  "in it: its final values), new+exit, or lost (gone without a final record)",
	  COL_STATUS, -1, COL_ASCENDING | COL_LEFT },
	{ "group", "group", "", "with --group-by: the group's command name, user id or cgroup "
	  "(escaped; \"(other)\" past the limit)", COL_GROUP, -1, COL_ASCENDING | COL_LEFT },
};

#define N_FIXED (sizeof(fixed) / sizeof(fixed[0]))

const struct cli_column *cli_column_find(const struct cli_columns *cols, const char *name,
					 size_t len)
{
	for (size_t i = 0; i < cols->n; i++) {
		const struct cli_column *c = &cols->cols[i];

		if ((strncasecmp(c->name, name, len) == 0 && c->name[len] == '\0') ||
		    (strncasecmp(c->key, name, len) == 0 && c->key[len] == '\0'))
			return c;
	}
	return NULL;
}

/* Copies s into dst[size]; false if it does not fit. */
static bool set(char *dst, size_t size, const char *s)
{
	size_t n = strlen(s);

	if (n >= size)
		return false;
	memcpy(dst, s, n + 1);
	return true;
}

static bool fits(int n, size_t size)
{
	return n >= 0 && (size_t)n < size;
}

/* A field's key: its name, with its unit when it has one that the name
 * does not already end with ("utime_us", "read_bytes", "hiwater_rss_kib";
 * counts, ids and text as they are). */
static void field_key(char *dst, size_t size, const struct tstats_field_info *info)
{
	static const char *const suffixes[] = {
		[TSTATS_UNIT_NS] = "_ns",
		[TSTATS_UNIT_US] = "_us",
		[TSTATS_UNIT_BYTES] = "_bytes",
		[TSTATS_UNIT_KIB] = "_kib",
		[TSTATS_UNIT_MIB_US] = "_mib_us",
		[TSTATS_UNIT_EPOCH_S] = "_epoch_s",
		[TSTATS_UNIT_EPOCH_NS] = "_epoch_ns",
	};
	const char *suffix = info->unit_id < sizeof(suffixes) / sizeof(suffixes[0]) ?
			     suffixes[info->unit_id] : NULL;
	size_t n = strlen(info->name);

	if (suffix && n >= strlen(suffix) && strcmp(info->name + n - strlen(suffix), suffix) == 0)
		suffix = NULL;
	snprintf(dst, size, "%s%s", info->name, suffix ? suffix : "");
}

int cli_columns_init(struct cli_columns *ret)
{
	unsigned int nd = tstats_delay_class_count(), nf = tstats_field_count();
	struct cli_columns t = { 0 };

	t.cols = calloc(N_FIXED + nd + nf, sizeof(*t.cols));
	if (!t.cols)
		return -ENOMEM;

	for (size_t i = 0; i < N_FIXED; i++) {
		struct cli_column *c = &t.cols[t.n++];

		set(c->name, sizeof(c->name), fixed[i].name);
		set(c->key, sizeof(c->key), fixed[i].key);
		set(c->unit, sizeof(c->unit), fixed[i].unit);
		set(c->description, sizeof(c->description), fixed[i].description);
		c->kind = fixed[i].kind;
		c->arg = fixed[i].arg;
		c->flags = fixed[i].flags;
	}

	/* "cpu%" is CPU use: delay percentages carry "_delay%". */
	for (unsigned int i = 0; i < nd; i++) {
		const struct tstats_delay_class *dc = tstats_delay_class(i);
		struct cli_column *c = &t.cols[t.n];

		if (i >= TSTATS_RATES_DELAY_CAPACITY ||
		    !fits(snprintf(c->name, sizeof(c->name), "%s_delay%%", dc->name),
			  sizeof(c->name)) ||
		    cli_column_find(&t, c->name, strlen(c->name)))
			continue;
		snprintf(c->key, sizeof(c->key), "%s_delay_pct", dc->name);
		set(c->unit, sizeof(c->unit), "%");
		snprintf(c->description, sizeof(c->description),
			 "delay, percent of the interval: %s", dc->description);
		c->kind = COL_DELAY;
		c->arg = (int)i;
		t.n++;
	}
	t.n_fixed = t.n;

	/* Every field by its table name, unless a column above has it. */
	for (unsigned int f = 0; f < nf; f++) {
		const struct tstats_field_info *info = tstats_field_info(f);
		struct cli_column *c = &t.cols[t.n];

		if (!set(c->name, sizeof(c->name), info->name) ||
		    cli_column_find(&t, c->name, strlen(c->name)))
			continue;
		field_key(c->key, sizeof(c->key), info);
		set(c->unit, sizeof(c->unit), info->unit);
		set(c->description, sizeof(c->description), info->description);
		c->kind = COL_FIELD;
		c->arg = (int)f;
		if (info->unit_id == TSTATS_UNIT_STRING)
			c->flags = COL_ASCENDING | COL_LEFT;
		t.n++;
	}
	memset(&t.cols[t.n], 0, (N_FIXED + nd + nf - t.n) * sizeof(*t.cols));
	*ret = t;
	return 0;
}

void cli_columns_done(struct cli_columns *cols)
{
	if (!cols)
		return;
	free(cols->cols);
	cols->cols = NULL;
	cols->n = 0;
}

/* Section titles of the report and the manual (enum tstats_group). */
static const char *const group_titles[] = {
	[TSTATS_GROUP_IDENTITY] = "Identity",
	[TSTATS_GROUP_CPU] = "CPU",
	[TSTATS_GROUP_MEMORY] = "Memory",
	[TSTATS_GROUP_IO] = "I/O",
	[TSTATS_GROUP_CTXSW] = "Context switches",
	[TSTATS_GROUP_DELAY] = "Delays",
};

const char *cli_group_title(unsigned int group)
{
	if (group >= sizeof(group_titles) / sizeof(group_titles[0]) ||
	    !group_titles[group])
		return "Other";
	return group_titles[group];
}
