/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The human-readable report. Everything comes from the library's field
 * table: a field's group picks its section, its unit picks its formatter.
 * The only per-field knowledge here is the table of labels below, which
 * also fixes the order inside a section; fields it does not name (a newer
 * library) still appear, under their table name.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "cli.h"
#include "notes.h"
#include "shares.h"
#include "columns.h"

/* Room for one rendered value: a formatted number or an escaped comm. */
#define VALUE_MAX (CLI_FMT_MAX + 4 * sizeof(((struct tstats_record *)0)->comm))

/* ---- values by unit ---------------------------------------------------- */

typedef const char *(*fmt_fn)(char *buf, uint64_t v, bool exact);

static const char *fmt_plain(char *buf, uint64_t v, bool exact)
{
	return cli_fmt_u64(buf, v);
}

static const char *fmt_ns(char *buf, uint64_t v, bool exact)
{
	return cli_fmt_duration(buf, v);
}

static const char *fmt_us(char *buf, uint64_t v, bool exact)
{
	return cli_fmt_duration(buf, cli_mul_sat(v, 1000));
}

static const char *fmt_bytes(char *buf, uint64_t v, bool exact)
{
	return cli_fmt_size(buf, v);
}

static const char *fmt_kib(char *buf, uint64_t v, bool exact)
{
	return cli_fmt_size(buf, cli_mul_sat(v, 1024));
}

/* MiB*us (memory integrated over CPU time) shown as bytes*seconds. */
static const char *fmt_mib_us(char *buf, uint64_t v, bool exact)
{
	cli_fmt_size_frac(buf, v, 16384, 15625);	/* 2^20 / 10^6 */
	strcat(buf, "*s");
	return buf;
}

static const char *fmt_flags(char *buf, uint64_t v, bool exact)
{
	static const struct { uint64_t bit; const char *name; } bits[] = {
		{ TSTATS_AC_FORK, "fork" }, { TSTATS_AC_SU, "su" },
		{ TSTATS_AC_CORE, "core" }, { TSTATS_AC_XSIG, "xsig" },
		{ TSTATS_AC_GROUP, "group" },
	};
	const char *sep = " (";
	size_t n;

	n = (size_t)snprintf(buf, CLI_FMT_MAX, "0x%02" PRIx64, v);
	if (exact || !v)
		return buf;
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (!(v & bits[i].bit))
			continue;
		n += (size_t)snprintf(buf + n, CLI_FMT_MAX - n, "%s%s", sep,
				      bits[i].name);
		sep = ", ";
	}
	if (sep[0] == ',')
		snprintf(buf + n, CLI_FMT_MAX - n, ")");
	return buf;
}

static const char *fmt_epoch_s(char *buf, uint64_t v, bool exact)
{
	return cli_fmt_time(buf, (int64_t)v, -1);
}

static const char *fmt_epoch_ns(char *buf, uint64_t v, bool exact)
{
	if (!v)
		return strcpy(buf, "none");
	return cli_fmt_time(buf, (int64_t)(v / 1000000000u),
			    (int64_t)(v % 1000000000u));
}

static const char *fmt_dev(char *buf, uint64_t v, bool exact)
{
	dev_t d = (dev_t)v;

	if (exact)
		snprintf(buf, CLI_FMT_MAX, "%" PRIu64 " (%u:%u)", v, major(d), minor(d));
	else
		snprintf(buf, CLI_FMT_MAX, "%u:%u", major(d), minor(d));
	return buf;
}

static const char *fmt_status(char *buf, uint64_t v, bool exact)
{
	return cli_fmt_status(buf, v);
}

static const char *fmt_nice(char *buf, uint64_t v, bool exact)
{
	snprintf(buf, CLI_FMT_MAX, "%" PRId64, (int64_t)v);
	return buf;
}

/*
 * One row per enum tstats_unit. human: the readable form; with -x, units
 * marked raw print the integer followed by the table's unit symbol.
 */
static const struct {
	fmt_fn human;
	bool raw;
} units[] = {
	[TSTATS_UNIT_NONE] = { fmt_plain, false },
	[TSTATS_UNIT_COUNT] = { fmt_plain, false },
	[TSTATS_UNIT_NS] = { fmt_ns, true },
	[TSTATS_UNIT_US] = { fmt_us, true },
	[TSTATS_UNIT_BYTES] = { fmt_bytes, true },
	[TSTATS_UNIT_KIB] = { fmt_kib, true },
	[TSTATS_UNIT_MIB_US] = { fmt_mib_us, true },
	[TSTATS_UNIT_ID] = { fmt_plain, false },
	[TSTATS_UNIT_FLAGS] = { fmt_flags, false },
	[TSTATS_UNIT_STRING] = { fmt_plain, false },	/* comm: see below */
	[TSTATS_UNIT_EPOCH_S] = { fmt_epoch_s, true },
	[TSTATS_UNIT_EPOCH_NS] = { fmt_epoch_ns, true },
	[TSTATS_UNIT_DEV] = { fmt_dev, false },
	[TSTATS_UNIT_STATUS] = { fmt_status, true },
	[TSTATS_UNIT_NICE] = { fmt_nice, false },
};

static const char *fmt_value(char *buf, const struct tstats_field_info *info,
			     uint64_t v, bool exact)
{
	if (info->unit_id >= sizeof(units) / sizeof(units[0]) ||
	    !units[info->unit_id].human)
		return cli_fmt_u64(buf, v);
	if (exact && units[info->unit_id].raw) {
		snprintf(buf, CLI_FMT_MAX, "%" PRIu64 " %s", v, info->unit);
		return buf;
	}
	return units[info->unit_id].human(buf, v, exact);
}

/* ---- labels ------------------------------------------------------------ */

enum {
	SHOW_NONZERO = 1 << 0,	/* only when non-zero (exit status, flags) */
	SHOW_NEVER = 1 << 1,	/* shown in the header */
	SHOW_FALLBACK = 1 << 2,	/* only when .primary is absent */
	SHOW_ZERO_NONE = 1 << 3, /* 0 means there is none (no executable) */
};

static const char *const sched_policies[] = {
	"normal", "fifo", "rr", "batch", "iso", "idle", "deadline", "ext",
};

static const struct label {
	unsigned int field;
	const char *text;
	unsigned int show;
	unsigned int primary;		/* for SHOW_FALLBACK */
	const char *const *names;	/* names of small values */
	size_t n_names;
} labels[] = {
	{ TSTATS_F_VERSION, "version", SHOW_NEVER, 0, NULL, 0 },
	{ TSTATS_F_COMM, "command", 0, 0, NULL, 0 },
	{ TSTATS_F_PID, "pid", 0, 0, NULL, 0 },
	{ TSTATS_F_TGID, "tgid", 0, 0, NULL, 0 },
	{ TSTATS_F_PPID, "ppid", 0, 0, NULL, 0 },
	{ TSTATS_F_UID, "uid", 0, 0, NULL, 0 },
	{ TSTATS_F_GID, "gid", 0, 0, NULL, 0 },
	{ TSTATS_F_BTIME64, "started", 0, 0, NULL, 0 },
	{ TSTATS_F_BTIME, "started", SHOW_FALLBACK, TSTATS_F_BTIME64, NULL, 0 },
	{ TSTATS_F_EXE_DEV, "exe device", SHOW_ZERO_NONE, 0, NULL, 0 },
	{ TSTATS_F_EXE_INODE, "exe inode", SHOW_ZERO_NONE, 0, NULL, 0 },
	{ TSTATS_F_NICE, "nice", 0, 0, NULL, 0 },
	{ TSTATS_F_SCHED, "policy", 0, 0, sched_policies,
	  sizeof(sched_policies) / sizeof(sched_policies[0]) },
	{ TSTATS_F_EXIT_CODE, "exit status", SHOW_NONZERO, 0, NULL, 0 },
	{ TSTATS_F_FLAGS, "flags", SHOW_NONZERO, 0, NULL, 0 },

	{ TSTATS_F_UTIME, "user", 0, 0, NULL, 0 },
	{ TSTATS_F_STIME, "system", 0, 0, NULL, 0 },
	{ TSTATS_F_UTIMESCALED, "user, scaled", 0, 0, NULL, 0 },
	{ TSTATS_F_STIMESCALED, "system, scaled", 0, 0, NULL, 0 },
	{ TSTATS_F_CPU_RUN_REAL_TOTAL, "run real", 0, 0, NULL, 0 },
	{ TSTATS_F_CPU_SCALED_RUN_REAL_TOTAL, "run real, scaled", 0, 0, NULL, 0 },
	{ TSTATS_F_CPU_RUN_VIRTUAL_TOTAL, "run virtual", 0, 0, NULL, 0 },
	{ TSTATS_F_ETIME, "elapsed", 0, 0, NULL, 0 },
	{ TSTATS_F_TGETIME, "group elapsed", 0, 0, NULL, 0 },

	{ TSTATS_F_HIWATER_RSS, "peak RSS", 0, 0, NULL, 0 },
	{ TSTATS_F_HIWATER_VM, "peak VM", 0, 0, NULL, 0 },
	{ TSTATS_F_COREMEM, "RSS integral", 0, 0, NULL, 0 },
	{ TSTATS_F_VIRTMEM, "VM integral", 0, 0, NULL, 0 },
	{ TSTATS_F_MINFLT, "minor faults", 0, 0, NULL, 0 },
	{ TSTATS_F_MAJFLT, "major faults", 0, 0, NULL, 0 },

	/* READ is storage in every view, as in iotop and pidstat; bytes
	 * through read and write calls (page cache, pipes, sockets) are
	 * rchar and wchar, as in /proc/PID/io. */
	{ TSTATS_F_READ_BYTES, "storage read", 0, 0, NULL, 0 },
	{ TSTATS_F_WRITE_BYTES, "storage written", 0, 0, NULL, 0 },
	{ TSTATS_F_READ_CHAR, "rchar (calls)", 0, 0, NULL, 0 },
	{ TSTATS_F_WRITE_CHAR, "wchar (calls)", 0, 0, NULL, 0 },
	{ TSTATS_F_READ_SYSCALLS, "read calls", 0, 0, NULL, 0 },
	{ TSTATS_F_WRITE_SYSCALLS, "write calls", 0, 0, NULL, 0 },
	{ TSTATS_F_CANCELLED_WRITE_BYTES, "cancelled writes", 0, 0, NULL, 0 },

	{ TSTATS_F_NVCSW, "voluntary", 0, 0, NULL, 0 },
	{ TSTATS_F_NIVCSW, "involuntary", 0, 0, NULL, 0 },
};

#define N_LABELS (sizeof(labels) / sizeof(labels[0]))

/* ---- the report -------------------------------------------------------- */

struct line {
	uint32_t group;
	const char *label;
	size_t label_width;	/* display columns */
	char value[VALUE_MAX];
};

struct text_state {
	const struct cli_opts *opts;
	FILE *out;		/* opts->out, or stdout */
	int delayacct;
	bool delayacct_noted;
	unsigned int n_tasks;
	/* Scratch space for one task, sized once. */
	struct line *lines;
	size_t n_lines;
	bool in_class[TSTATS_FIELD_CAPACITY];	/* shown in the delay table */
	bool labelled[TSTATS_FIELD_CAPACITY];	/* named in labels[] */
	uint32_t max_group;
	struct cli_record_notes notes;	/* of the task being written */
};

static void pad(FILE *f, size_t n)
{
	static const char spaces[] = "                                ";

	for (size_t k; n; n -= k) {
		k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
		fwrite(spaces, 1, k, f);
	}
}

/* The process's name from /proc/ID/comm into raw[size] (""  if gone). */
static void proc_comm(uint32_t id, char *raw, size_t size)
{
	char path[48];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/comm", id);
	raw[0] = '\0';
	f = fopen(path, "re");
	if (!f)
		return;
	n = fread(raw, 1, size - 1, f);
	fclose(f);
	while (n > 0 && raw[n - 1] == '\n')
		n--;
	raw[n] = '\0';
}

/* The record's command name, escaped; a TGID record has none of its own,
 * so the process's from /proc while it lives. */
static const char *escaped_comm(char *buf, const struct tstats_record *rec)
{
	const char *comm = tstats_record_comm(rec);
	char raw[64];

	if (!comm && rec->kind == TSTATS_KIND_TGID) {
		proc_comm(rec->id, raw, sizeof(raw));
		if (raw[0])
			return cli_escape(buf, raw, strlen(raw));
	}
	if (!comm)
		return strcpy(buf, "-");
	return cli_escape(buf, comm, strlen(comm));
}

/* Which thread of how many of its process tid is, from /proc/TGID/task
 * (in id order); false when the process is gone. */
static bool thread_rank(uint32_t tgid, uint32_t tid, unsigned int *nth, unsigned int *of)
{
	char path[48];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/task", tgid);
	d = opendir(path);
	if (!d)
		return false;
	*nth = 1;
	*of = 0;
	while ((e = readdir(d))) {
		unsigned long id = strtoul(e->d_name, NULL, 10);

		if (!id)
			continue;
		(*of)++;
		if (id < tid)
			(*nth)++;
	}
	closedir(d);
	return *of > 0;
}

/* A footnote mark after a value the kernel rounds, samples or cannot
 * have measured ("1024 [1]"). */
static void append_marks(const struct text_state *st, unsigned int field, char *buf,
			 size_t size)
{
	char marks[32];
	size_t n = strlen(buf);

	cli_note_marks(&st->notes, field, marks, sizeof(marks));
	if (marks[0])
		snprintf(buf + n, size - n, " %s", marks);
}

/* Renders one field into a new line; false when it is not shown. */
static bool render_field(struct text_state *st, const struct tstats_record *rec,
			 unsigned int field, const struct label *lab)
{
	const struct tstats_field_info *info = tstats_field_info(field);
	struct line *l = &st->lines[st->n_lines];
	uint64_t v;

	if (lab && (lab->show & SHOW_NEVER))
		return false;
	if (lab && (lab->show & SHOW_FALLBACK) &&
	    tstats_record_has(rec, lab->primary))
		return false;
	/* The kernel leaves these out of thread-group sums: one note instead. */
	if (rec->kind == TSTATS_KIND_TGID && !info->in_tgid)
		return false;

	l->group = info->group;
	l->label = lab ? lab->text : info->name;
	if (info->unit_id == TSTATS_UNIT_STRING) {
		escaped_comm(l->value, rec);
	} else if (tstats_record_get(rec, field, &v) < 0) {
		/* Absent is unknown, not zero. */
		strcpy(l->value, "-");
	} else if (lab && (lab->show & SHOW_NONZERO) && v == 0) {
		return false;
	} else if (lab && (lab->show & SHOW_ZERO_NONE) && v == 0 && !st->opts->exact) {
		/* A kernel thread has no executable: the kernel leaves 0. */
		strcpy(l->value, "none");
	} else {
		fmt_value(l->value, info, v, st->opts->exact);
		if (lab && v < lab->n_names) {
			size_t n = strlen(l->value);

			snprintf(l->value + n, sizeof(l->value) - n, " (%s)",
				 lab->names[v]);
		}
	}
	append_marks(st, field, l->value, sizeof(l->value));
	st->n_lines++;
	return true;
}

static void collect_lines(struct text_state *st, const struct tstats_record *rec)
{
	unsigned int nf = tstats_field_count();

	st->n_lines = 0;
	/* Labelled fields in the labels' order, then any the table adds. */
	for (size_t i = 0; i < N_LABELS; i++)
		if (labels[i].field < nf)
			render_field(st, rec, labels[i].field, &labels[i]);
	for (unsigned int f = 0; f < nf; f++)
		if (!st->in_class[f] && !st->labelled[f])
			render_field(st, rec, f, NULL);
}

enum { COL_CLASS, COL_COUNT, COL_TOTAL, COL_AVG, COL_MAX, COL_MIN, COL_MAXTS, N_COLS };

static const char *const col_titles[N_COLS] = {
	"Delays", "count", "total", "average", "max", "min", "max at",
};

static void delay_cell(const struct text_state *st, char *buf, const struct tstats_record *rec,
		       int field)
{
	uint64_t v;

	if (field < 0 || tstats_record_get(rec, (unsigned int)field, &v) < 0) {
		strcpy(buf, "-");
		return;
	}
	fmt_value(buf, tstats_field_info((unsigned int)field), v, st->opts->exact);
	/* What is true of the whole class is marked on its name. */
	if ((unsigned int)field < TSTATS_FIELD_CAPACITY &&
	    (st->notes.field[field] & (1u << CLI_NOTE_IMPOSSIBLE)))
		append_marks(st, (unsigned int)field, buf, CLI_FMT_MAX);
}

static void delay_average(char *buf, const struct tstats_record *rec,
			  const struct tstats_delay_class *dc, bool exact)
{
	uint64_t count, total;

	if (dc->count < 0 || dc->total < 0 ||
	    tstats_record_get(rec, (unsigned int)dc->count, &count) < 0 ||
	    tstats_record_get(rec, (unsigned int)dc->total, &total) < 0 ||
	    count == 0) {
		strcpy(buf, "-");
		return;
	}
	if (exact)
		snprintf(buf, CLI_FMT_MAX, "%" PRIu64 " ns", total / count);
	else
		cli_fmt_duration_frac(buf, total, count);
}

static int print_delay_table(struct text_state *st, const struct tstats_record *rec)
{
	unsigned int nc = tstats_delay_class_count();
	size_t width[N_COLS] = { 0 };
	bool has_ts = false;
	char (*cells)[N_COLS][CLI_FMT_MAX];
	unsigned int n_cols = N_COLS;

	/* Every cell is written below before it is read. */
	cells = malloc((nc + 1) * sizeof(*cells));
	if (!cells)
		return -ENOMEM;
	for (unsigned int c = 0; c < N_COLS; c++)
		strcpy(cells[0][c], col_titles[c]);
	for (unsigned int i = 0; i < nc; i++) {
		const struct tstats_delay_class *dc = tstats_delay_class(i);
		char (*row)[CLI_FMT_MAX] = cells[i + 1];

		snprintf(row[COL_CLASS], CLI_FMT_MAX, "  %s", dc->name);
		if (dc->count >= 0 && dc->count < TSTATS_FIELD_CAPACITY &&
		    (st->notes.field[dc->count] & ~(1u << CLI_NOTE_IMPOSSIBLE)))
			append_marks(st, (unsigned int)dc->count, row[COL_CLASS], CLI_FMT_MAX);
		delay_cell(st, row[COL_COUNT], rec, dc->count);
		delay_cell(st, row[COL_TOTAL], rec, dc->total);
		delay_average(row[COL_AVG], rec, dc, st->opts->exact);
		delay_cell(st, row[COL_MAX], rec, dc->max);
		delay_cell(st, row[COL_MIN], rec, dc->min);
		delay_cell(st, row[COL_MAXTS], rec, dc->max_ts);
		if (dc->max_ts >= 0 && tstats_record_has(rec, (unsigned int)dc->max_ts))
			has_ts = true;
	}
	/* The time of the maximum exists from struct version 17 on. */
	if (!has_ts)
		n_cols = COL_MAXTS;

	for (unsigned int i = 0; i <= nc; i++)
		for (unsigned int c = 0; c < n_cols; c++) {
			size_t w = cli_display_width(cells[i][c]);

			if (w > width[c])
				width[c] = w;
		}
	for (unsigned int i = 0; i <= nc; i++) {
		for (unsigned int c = 0; c < n_cols; c++) {
			size_t w = cli_display_width(cells[i][c]);

			/* The class name left-aligned, numbers right-aligned. */
			if (c == COL_CLASS) {
				fputs(cells[i][c], st->out);
				pad(st->out, width[c] - w);
			} else {
				pad(st->out, width[c] - w + 2);
				fputs(cells[i][c], st->out);
			}
		}
		fputc('\n', st->out);
	}
	free(cells);
	return 0;
}

static void print_header(const struct text_state *st, const struct tstats_record *rec)
{
	char comm[VALUE_MAX];
	uint32_t tgid;

	fprintf(st->out, "%s %" PRIu32 " (%s): taskstats v%" PRIu32 ", %" PRIu32 " bytes\n",
		cli_kind_label(rec->kind), rec->id, escaped_comm(comm, rec),
		rec->version, rec->payload_len);
	if (rec->flags & TSTATS_RECORD_VERSION_INFERRED)
		fprintf(st->out, "  note: the kernel sent version 0; v%" PRIu32
			" was inferred from the payload\n", rec->version);
	if (rec->flags & TSTATS_RECORD_NEWER)
		fprintf(st->out, "  note: the kernel's struct is newer than v%d: only the fields known to this build are shown\n",
			TSTATS_VERSION_KNOWN);
	if (rec->flags & TSTATS_RECORD_SHORT)
		fprintf(st->out, "  note: the payload is shorter than its version's struct: trailing fields are absent\n");
	if (rec->kind != TSTATS_KIND_TGID) {
		unsigned int nth, of;
		uint64_t v;

		/* One thread of several: say so, and where the whole is. */
		tgid = tstats_record_get(rec, TSTATS_F_TGID, &v) == 0 ? (uint32_t)v :
		       cli_proc_tgid(rec->id);
		if (tgid && thread_rank(tgid, rec->id, &nth, &of) && of > 1) {
			char pcomm[VALUE_MAX], raw[64];

			proc_comm(tgid, raw, sizeof(raw));
			fprintf(st->out, "  note: thread %u of %u of process %" PRIu32 " (%s): this\n"
				"  thread's values alone (-t %" PRIu32 " for the whole process)\n",
				nth, of, tgid, cli_escape(pcomm, raw, strlen(raw)), tgid);
		}
		return;
	}
	/* The kernel takes any thread's id for its whole group. */
	tgid = cli_proc_tgid(rec->id);
	if (tgid && tgid != rec->id)
		fprintf(st->out, "  note: %" PRIu32 " is a thread of process %" PRIu32
			": these are the whole process's totals\n", rec->id, tgid);
	if (rec->flags & TSTATS_RECORD_EMPTY_GROUP)
		fprintf(st->out, "  note: the kernel counted no thread: every thread of this process has\n"
			"  exited (a zombie, not yet reaped); its last thread's own record (-p) has\n"
			"  its final values\n");
	fprintf(st->out, "  note: for a thread group the kernel sums only CPU times, context switches\n"
		"  and delay counts and totals; identity, memory, I/O and the longest and\n"
		"  shortest delays are per thread (use -p for one thread)\n");
}

/* Where the time went: one line per share of the wall time, a verdict. */
static void print_shares(struct text_state *st, const struct tstats_record *rec)
{
	char wall[CLI_FMT_MAX], verdict[160];
	struct cli_shares sh;

	if (!cli_time_shares(rec, st->delayacct, &sh))
		return;
	cli_fmt_duration(wall, sh.wall_ns);
	fprintf(st->out, "Where the time went (of %s wall time%s)\n", wall,
		rec->kind == TSTATS_KIND_TGID ? " since the process started; threads add up" : "");
	for (unsigned int i = 0; i < N_SHARES; i++) {
		fprintf(st->out, "  %-22s", cli_share_labels[i]);
		if ((sh.valid >> i) & 1)
			fprintf(st->out, "%6.1f%%", 100 * sh.share[i]);
		else if ((sh.impossible >> i) & 1)
			fprintf(st->out, "     - (impossible delay %s)",
				cli_note_texts[CLI_NOTE_IMPOSSIBLE].mark);
		else
			fputs("     - (not measured)", st->out);
		if (cli_share_overlaps_running(i))
			fputs("  (spent running)", st->out);
		else if (i == SHARE_MEMORY_WAIT)
			fputs("  (reclaim and compaction: spent running)", st->out);
		fputc('\n', st->out);
	}
	fprintf(st->out, "  %-22s%s\n", "verdict", cli_shares_verdict(&sh, verdict, sizeof(verdict)));
}

/* The footnotes of the marks the task's values carry. */
static void print_notes(struct text_state *st)
{
	if (!st->notes.used)
		return;
	fputs("Notes\n", st->out);
	for (unsigned int i = 0; i < N_CLI_NOTES; i++)
		if ((st->notes.used >> i) & 1)
			fprintf(st->out, "  %s %s\n", cli_note_texts[i].mark,
				cli_note_texts[i].text);
}

static int text_task(void *state, const struct tstats_record *rec)
{
	struct text_state *st = state;
	size_t lw = 0;
	int r;

	if (st->n_tasks++)
		fputc('\n', st->out);
	print_header(st, rec);
	cli_record_notes(rec, cli_record_threads(rec), &st->notes);
	collect_lines(st, rec);
	for (size_t i = 0; i < st->n_lines; i++) {
		size_t w = cli_display_width(st->lines[i].label);

		st->lines[i].label_width = w;
		if (w > lw)
			lw = w;
	}
	for (uint32_t g = 0; g <= st->max_group; g++) {
		bool titled = false;

		/* The delay table carries its own title; loose fields follow. */
		if (g == TSTATS_GROUP_DELAY) {
			r = print_delay_table(st, rec);
			if (r < 0)
				return r;
			titled = true;
		}
		for (size_t i = 0; i < st->n_lines; i++) {
			const struct line *l = &st->lines[i];

			if (l->group != g)
				continue;
			if (!titled) {
				fputs(cli_group_title(g), st->out);
				fputc('\n', st->out);
			}
			titled = true;
			fputs("  ", st->out);
			fputs(l->label, st->out);
			pad(st->out, lw - l->label_width + 2);
			fputs(l->value, st->out);
			fputc('\n', st->out);
		}
		if (g == TSTATS_GROUP_DELAY && st->delayacct == 0 &&
		    !st->delayacct_noted) {
			fprintf(st->out, "  note: delay accounting is off (kernel.task_delayacct=0), so most delays\n"
				"  read 0; enable it with 'sysctl kernel.task_delayacct=1'. Only tasks\n"
				"  started afterwards are tracked (the cpu row is always filled).\n");
			st->delayacct_noted = true;
		}
	}
	print_shares(st, rec);
	print_notes(st);
	return ferror(st->out) ? -EIO : 0;
}

static int text_begin(void **state, const struct cli_opts *opts, int delayacct)
{
	unsigned int nf = tstats_field_count();
	struct text_state *st;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->opts = opts;
	st->out = opts->out ? opts->out : stdout;
	st->delayacct = delayacct;
	/* Not zeroed: collect_lines() writes every line it counts. */
	st->lines = malloc(nf * sizeof(*st->lines));
	if (!st->lines) {
		free(st);
		return -ENOMEM;
	}
	for (unsigned int f = 0; f < nf; f++) {
		const struct tstats_field_info *info = tstats_field_info(f);

		if (info->group > st->max_group)
			st->max_group = info->group;
	}
	for (size_t i = 0; i < N_LABELS; i++)
		if (labels[i].field < TSTATS_FIELD_CAPACITY)
			st->labelled[labels[i].field] = true;
	for (unsigned int i = 0; i < tstats_delay_class_count(); i++) {
		const struct tstats_delay_class *dc = tstats_delay_class(i);
		const int ids[] = { dc->count, dc->total, dc->max, dc->min, dc->max_ts };

		for (size_t k = 0; k < sizeof(ids) / sizeof(ids[0]); k++)
			if (ids[k] >= 0 && ids[k] < TSTATS_FIELD_CAPACITY)
				st->in_class[ids[k]] = true;
	}
	*state = st;
	return 0;
}

/* Reported on stderr by the mode; nothing goes to the report. */
static int text_error(void *state, const struct cli_target *t, int err)
{
	return 0;
}

static int text_end(void *state)
{
	struct text_state *st = state;

	return cli_flush(st->out);
}

static void text_free(void *state)
{
	struct text_state *st = state;

	if (!st)
		return;
	free(st->lines);
	free(st);
}

const struct cli_output cli_text_output = {
	.begin = text_begin,
	.task = text_task,
	.error = text_error,
	.end = text_end,
	.free = text_free,
};
