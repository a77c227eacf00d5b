/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * --format prometheus: the Prometheus text exposition format (0.0.4), as
 * node_exporter's textfile collector and promtool read it.
 *
 * Everything comes from the library's tables. A field becomes a metric
 * family named "taskstats_" + a stem + its unit in base units (seconds,
 * bytes) + "_total" for counters (TSTATS_FIELD_COUNTER); all other
 * fields are gauges. The stem is the field's name unless the table of
 * stems below gives a clearer one; the fields of one delay class share
 * the families taskstats_delay_seconds_total{class="..."} and so on.
 * Identity fields are labels: pid (PID records only: a series without it
 * is a whole process), tgid, comm and uid. A TGID record asked for with a
 * thread's id is labelled with its process's tgid, and a task named twice
 * is written once: one process never appears as two. Absent fields are
 * left out, never written as 0.
 *
 * All records are kept until the end: the format wants every sample of a
 * family together, under one HELP and TYPE line.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "notes.h"
#include "snapshot.h"

#define PREFIX "taskstats_"
#define NAME_MAX_LEN 128
#define HELP_MAX_LEN 256

/* ---- names ------------------------------------------------------------- */

/*
 * Clearer stems for fields whose kernel names say little ("utime"), and
 * labels that put related fields into one family. A field not listed here
 * keeps its table name as its stem (a newer library's fields too).
 */
static const struct stem {
	unsigned int field;
	const char *stem;
	const char *label;	/* tells the fields of a family apart; NULL */
	const char *value;
	const char *help;	/* of the family, when several fields share it */
} stems[] = {
	{ TSTATS_F_VERSION, "struct_version", NULL, NULL, NULL },
	{ TSTATS_F_EXIT_CODE, "exit_status", NULL, NULL, NULL },
	{ TSTATS_F_FLAGS, "accounting_flags", NULL, NULL, NULL },
	{ TSTATS_F_SCHED, "scheduling_policy", NULL, NULL, NULL },
	{ TSTATS_F_EXE_DEV, "exe_device", NULL, NULL, NULL },
	/* btime is only the fallback for a missing btime64: same family. */
	{ TSTATS_F_BTIME64, "start_time", NULL, NULL, NULL },
	{ TSTATS_F_BTIME, "start_time", NULL, NULL, NULL },
	{ TSTATS_F_ETIME, "elapsed", NULL, NULL, NULL },
	{ TSTATS_F_TGETIME, "group_elapsed", NULL, NULL, NULL },
	{ TSTATS_F_UTIME, "cpu_user", NULL, NULL, NULL },
	{ TSTATS_F_STIME, "cpu_system", NULL, NULL, NULL },
	{ TSTATS_F_UTIMESCALED, "cpu_user_scaled", NULL, NULL, NULL },
	{ TSTATS_F_STIMESCALED, "cpu_system_scaled", NULL, NULL, NULL },
	{ TSTATS_F_CPU_RUN_REAL_TOTAL, "cpu_run_real", NULL, NULL, NULL },
	{ TSTATS_F_CPU_RUN_VIRTUAL_TOTAL, "cpu_run_virtual", NULL, NULL, NULL },
	{ TSTATS_F_CPU_SCALED_RUN_REAL_TOTAL, "cpu_run_real_scaled", NULL, NULL, NULL },
	{ TSTATS_F_MINFLT, "page_faults", "type", "minor", "page faults" },
	{ TSTATS_F_MAJFLT, "page_faults", "type", "major", "page faults" },
	{ TSTATS_F_COREMEM, "memory_rss_integral", NULL, NULL, NULL },
	{ TSTATS_F_VIRTMEM, "memory_vm_integral", NULL, NULL, NULL },
	{ TSTATS_F_HIWATER_RSS, "memory_rss_peak", NULL, NULL, NULL },
	{ TSTATS_F_HIWATER_VM, "memory_vm_peak", NULL, NULL, NULL },
	{ TSTATS_F_READ_CHAR, "io_syscall_read", NULL, NULL, NULL },
	{ TSTATS_F_WRITE_CHAR, "io_syscall_write", NULL, NULL, NULL },
	{ TSTATS_F_READ_SYSCALLS, "io_read_syscalls", NULL, NULL, NULL },
	{ TSTATS_F_WRITE_SYSCALLS, "io_write_syscalls", NULL, NULL, NULL },
	{ TSTATS_F_READ_BYTES, "io_read", NULL, NULL, NULL },
	{ TSTATS_F_WRITE_BYTES, "io_write", NULL, NULL, NULL },
	{ TSTATS_F_CANCELLED_WRITE_BYTES, "io_cancelled_write", NULL, NULL, NULL },
	{ TSTATS_F_NVCSW, "context_switches", "type", "voluntary", "context switches" },
	{ TSTATS_F_NIVCSW, "context_switches", "type", "involuntary", "context switches" },
};

/* The families of a delay class's fields (struct tstats_delay_class). */
enum { ROLE_COUNT, ROLE_TOTAL, ROLE_MAX, ROLE_MIN, ROLE_MAX_TS, N_ROLES };

static const struct {
	const char *stem;
	const char *help;
} roles[N_ROLES] = {
	[ROLE_COUNT] = { "delays", "delays waited for, by delay class" },
	[ROLE_TOTAL] = { "delay", "time spent waiting, by delay class" },
	[ROLE_MAX] = { "delay_max", "longest single delay, by delay class" },
	[ROLE_MIN] = { "delay_min", "shortest single delay, by delay class (0: none yet)" },
	[ROLE_MAX_TS] = { "delay_max_time", "when the longest single delay happened, by delay class" },
};

/* What a field's unit becomes: a name suffix and how to write a value. */
static const char *unit_suffix(uint32_t unit_id)
{
	switch (unit_id) {
	case TSTATS_UNIT_NS:
	case TSTATS_UNIT_US:
	case TSTATS_UNIT_EPOCH_S:
	case TSTATS_UNIT_EPOCH_NS:
		return "_seconds";
	case TSTATS_UNIT_BYTES:
	case TSTATS_UNIT_KIB:
		return "_bytes";
	case TSTATS_UNIT_MIB_US:
		return "_byte_seconds";	/* memory integrated over CPU time */
	default:
		return "";
	}
}

static bool is_label_field(unsigned int f)
{
	return f == TSTATS_F_PID || f == TSTATS_F_TGID || f == TSTATS_F_COMM ||
	       f == TSTATS_F_UID;
}

/* A field as a metric: its family, and the extra label of its series. */
struct metric {
	bool skip;		/* a label, a string, or a name too long */
	unsigned int family;	/* the first field id with the same name */
	bool counter;
	char name[NAME_MAX_LEN];
	char help[HELP_MAX_LEN];
	const char *label;	/* NULL: none */
	const char *value;
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

static void metric_of(struct metric *m, unsigned int f)
{
	const struct tstats_field_info *info = tstats_field_info(f);
	const char *stem = info->name, *suffix, *help = info->description;
	int n;

	memset(m, 0, sizeof(*m));
	if (is_label_field(f) || info->unit_id == TSTATS_UNIT_STRING) {
		m->skip = true;
		return;
	}
	for (size_t i = 0; i < sizeof(stems) / sizeof(stems[0]); i++)
		if (stems[i].field == f) {
			stem = stems[i].stem;
			m->label = stems[i].label;
			m->value = stems[i].value;
			if (stems[i].help)
				help = stems[i].help;
		}
	for (unsigned int i = 0; i < tstats_delay_class_count(); i++) {
		const struct tstats_delay_class *dc = tstats_delay_class(i);
		const int ids[N_ROLES] = { dc->count, dc->total, dc->max, dc->min, dc->max_ts };

		for (unsigned int r = 0; r < N_ROLES; r++)
			if (ids[r] == (int)f) {
				stem = roles[r].stem;
				help = roles[r].help;
				m->label = "class";
				m->value = dc->name;
			}
	}
	m->counter = info->flags & TSTATS_FIELD_COUNTER;
	suffix = unit_suffix(info->unit_id);
	/* A field named after its unit already ("read_bytes") keeps one. */
	if (ends_with(stem, suffix))
		suffix = "";
	n = snprintf(m->name, sizeof(m->name), PREFIX "%s%s%s", stem, suffix,
		     m->counter && !ends_with(stem, "_total") ? "_total" : "");
	if (n < 0 || (size_t)n >= sizeof(m->name)) {
		m->skip = true;
		return;
	}
	snprintf(m->help, sizeof(m->help), "%s", help);
}

/* ---- values ------------------------------------------------------------ */

/* v / 10^digits exactly, without trailing zeros: "1.5", "12". */
static void put_fixed(FILE *out, uint64_t whole, uint64_t frac, int digits)
{
	char buf[32];
	int n;

	if (!frac) {
		fprintf(out, "%" PRIu64, whole);
		return;
	}
	n = snprintf(buf, sizeof(buf), "%0*" PRIu64, digits, frac);
	while (n > 1 && buf[n - 1] == '0')
		buf[--n] = '\0';
	fprintf(out, "%" PRIu64 ".%s", whole, buf);
}

/* The value of a field in the family's base unit. */
static void put_value(FILE *out, const struct tstats_field_info *info, uint64_t v)
{
	switch (info->unit_id) {
	case TSTATS_UNIT_NS:
	case TSTATS_UNIT_EPOCH_NS:
		put_fixed(out, v / 1000000000u, v % 1000000000u, 9);
		return;
	case TSTATS_UNIT_US:
		put_fixed(out, v / 1000000u, v % 1000000u, 6);
		return;
	case TSTATS_UNIT_KIB:
		if (v <= UINT64_MAX / 1024)
			fprintf(out, "%" PRIu64, v * 1024);
		else
			fprintf(out, "%.17g", (double)v * 1024);
		return;
	case TSTATS_UNIT_MIB_US: {
		/* MiB * us -> bytes * s: v * 1048576 / 10^6, as q and r. */
		uint64_t q = v / 1000000u, r = v % 1000000u * 1048576u;

		if (q <= (UINT64_MAX - r / 1000000u) / 1048576u)
			put_fixed(out, q * 1048576u + r / 1000000u, r % 1000000u, 6);
		else
			fprintf(out, "%.17g", (double)v * 1.048576);
		return;
	}
	default:
		if (info->flags & TSTATS_FIELD_SIGNED)
			fprintf(out, "%" PRId64, (int64_t)v);
		else
			fprintf(out, "%" PRIu64, v);
	}
}

/* ---- labels ------------------------------------------------------------ */

/*
 * A label value: the library's terminal-safe text (TSTATS_TEXT_ESCAPE:
 * control characters, bidi overrides and invalid UTF-8 as \xNN, a
 * backslash as \\), then backslash, double quote and newline escaped as
 * the format asks. The format itself has no escape for a control
 * character: written raw, "\033[2J" in a comm or a cgroup path would reach
 * whoever reads the exposition on a terminal (curl, cat, promtool's
 * messages). The result is appended to *buf (grown as needed).
 */
static int escape_label(char **buf, size_t *len, const char *s)
{
	size_t n = strlen(s);
	char *clean = malloc(4 * n + 1), *p;
	int r;

	if (!clean)
		return -ENOMEM;
	r = tstats_text(s, n, TSTATS_TEXT_ESCAPE, clean, 4 * n + 1);
	if (r < 0) {
		free(clean);
		return r;
	}
	p = realloc(*buf, *len + 2 * (size_t)r + 1);
	if (!p) {
		free(clean);
		return -ENOMEM;
	}
	*buf = p;
	for (const char *c = clean; *c; c++) {
		if (*c == '\\' || *c == '"' || *c == '\n') {
			p[(*len)++] = '\\';
			p[(*len)++] = *c == '\n' ? 'n' : *c;
		} else {
			p[(*len)++] = *c;
		}
	}
	p[*len] = '\0';
	free(clean);
	return 0;
}

/* Appends ",name=\"value\"" (no comma first) to *buf. */
static int add_label(char **buf, size_t *len, const char *name, const char *value)
{
	size_t need = strlen(name) + 4;
	char *p = realloc(*buf, *len + need + 1);

	if (!p)
		return -ENOMEM;
	*buf = p;
	*len += (size_t)sprintf(p + *len, "%s%s=\"", *len ? "," : "", name);
	if (escape_label(buf, len, value) < 0)
		return -ENOMEM;
	p = realloc(*buf, *len + 2);
	if (!p)
		return -ENOMEM;
	*buf = p;
	p[(*len)++] = '"';
	p[*len] = '\0';
	return 0;
}

static int add_label_u64(char **buf, size_t *len, const char *name, uint64_t v)
{
	char num[CLI_FMT_MAX];

	return add_label(buf, len, name, cli_fmt_u64(num, v));
}

/* The identity labels of a record: pid (PID records), tgid, comm, uid. */
static int record_labels(const struct tstats_record *rec, char **ret)
{
	const char *comm = tstats_record_comm(rec);
	char *buf = NULL;
	size_t len = 0;
	uint64_t v;
	int r = 0;

	if (rec->kind == TSTATS_KIND_PID) {
		r = add_label_u64(&buf, &len, "pid", rec->id);
		if (r == 0 && tstats_record_get(rec, TSTATS_F_TGID, &v) == 0)
			r = add_label_u64(&buf, &len, "tgid", v);
	} else {
		/* The kernel takes any thread's id for its whole group. */
		uint32_t tgid = cli_proc_tgid(rec->id);

		r = add_label_u64(&buf, &len, "tgid", tgid ? tgid : rec->id);
	}
	if (r == 0 && comm)
		r = add_label(&buf, &len, "comm", comm);
	if (r == 0 && tstats_record_get(rec, TSTATS_F_UID, &v) == 0)
		r = add_label_u64(&buf, &len, "uid", v);
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	return 0;
}

static void put_help(FILE *out, const char *name, const char *help, const char *type)
{
	fprintf(out, "# HELP %s ", name);
	for (const char *c = help; *c; c++) {
		if (*c == '\\')
			fputs("\\\\", out);
		else if (*c == '\n')
			fputs("\\n", out);
		else
			fputc(*c, out);
	}
	fprintf(out, "\n# TYPE %s %s\n", name, type);
}

/* ---- the renderer ------------------------------------------------------ */

struct prom_task {
	struct tstats_record rec;
	char *labels;
	uint32_t threads;	/* live threads of a process view; 0: unknown */
};

struct prom_state {
	const struct cli_opts *opts;
	FILE *out;
	int delayacct;
	struct metric *metrics;	/* per field id */
	struct prom_task *tasks;
	size_t n, cap;
};

static int prom_begin(void **state, const struct cli_opts *opts, int delayacct)
{
	unsigned int nf = tstats_field_count();
	struct prom_state *st;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	*state = st;	/* freed by prom_free() even when this fails */
	st->opts = opts;
	st->out = opts->out ? opts->out : stdout;
	st->delayacct = delayacct;
	st->metrics = calloc(nf, sizeof(*st->metrics));
	if (!st->metrics)
		return -ENOMEM;
	for (unsigned int f = 0; f < nf; f++) {
		struct metric *m = &st->metrics[f];

		metric_of(m, f);
		m->family = f;
		for (unsigned int g = 0; g < f && m->family == f; g++)
			if (!st->metrics[g].skip && strcmp(st->metrics[g].name, m->name) == 0)
				m->family = g;
	}
	return 0;
}

/* Adds a task; with dedupe, not one whose labels an earlier task has (the
 * same task named twice, -t of a thread and of its leader): that would be
 * a duplicate series. --all lists each task once and needs no search. */
/* Appends a series set with its labels (taken over, also on failure). */
static int add_labeled(struct prom_state *st, const struct tstats_record *rec, uint32_t threads,
		       char *labels)
{
	struct prom_task *t;

	if (st->n == st->cap) {
		size_t cap = st->cap ? 2 * st->cap : 16;

		t = realloc(st->tasks, cap * sizeof(*t));
		if (!t) {
			free(labels);
			return -ENOMEM;
		}
		st->tasks = t;
		st->cap = cap;
	}
	t = &st->tasks[st->n++];
	t->rec = *rec;
	t->threads = threads;
	t->labels = labels;
	return 0;
}

static int add_task(struct prom_state *st, const struct tstats_record *rec, uint32_t threads,
		    bool dedupe)
{
	char *labels;
	int r;

	r = record_labels(rec, &labels);
	if (r < 0)
		return r;
	for (size_t i = 0; dedupe && i < st->n; i++)
		if (strcmp(st->tasks[i].labels, labels) == 0) {
			free(labels);
			return 0;
		}
	return add_labeled(st, rec, threads, labels);
}

static int prom_task(void *state, const struct tstats_record *rec)
{
	return add_task(state, rec, 0, true);
}

/* Nothing to write for a task that does not exist: the mode warns. */
static int prom_error(void *state, const struct cli_target *t, int err)
{
	return 0;
}

/* name{labels,label="value"}: label and value are our own names (a delay
 * class, "minor"), so they need no escaping. */
static void put_series(FILE *out, const char *name, const char *labels, const char *label,
		       const char *value)
{
	fputs(name, out);
	if (!labels[0] && !label)
		return;
	fprintf(out, "{%s", labels);
	if (label)
		fprintf(out, "%s%s=\"%s\"", labels[0] ? "," : "", label, value);
	fputc('}', out);
}

/*
 * One family: every field whose metric has this name, for every task; its
 * HELP and TYPE lines come with its first sample (a family without any is
 * left out). In a task, each label value is written once, from the first
 * field present (so btime stands in for a missing btime64).
 */
static void put_family(const struct prom_state *st, unsigned int family, bool *done)
{
	const struct metric *m = &st->metrics[family];
	unsigned int nf = tstats_field_count();
	bool titled = false;

	for (unsigned int f = family; f < nf; f++)
		if (st->metrics[f].family == family)
			done[f] = true;
	for (size_t i = 0; i < st->n; i++) {
		const struct prom_task *t = &st->tasks[i];
		const char *written[TSTATS_FIELD_CAPACITY];
		size_t n_written = 0;

		for (unsigned int f = family; f < nf; f++) {
			const struct metric *g = &st->metrics[f];
			const char *key = g->value ? g->value : "";
			bool seen = false;
			uint64_t v;

			if (g->family != family || tstats_record_get(&t->rec, f, &v) < 0)
				continue;
			/* Epoch nanoseconds 0: "none", not 1970. */
			if (tstats_field_info(f)->unit_id == TSTATS_UNIT_EPOCH_NS && v == 0)
				continue;
			for (size_t k = 0; k < n_written; k++)
				seen |= strcmp(written[k], key) == 0;
			if (seen || n_written == TSTATS_FIELD_CAPACITY)
				continue;
			written[n_written++] = key;
			if (!titled)
				put_help(st->out, m->name, m->help, m->counter ? "counter" : "gauge");
			titled = true;
			put_series(st->out, g->name, t->labels, g->label, g->value);
			fputc(' ', st->out);
			put_value(st->out, tstats_field_info(f), v);
			fputc('\n', st->out);
		}
	}
}

static int prom_end(void *state)
{
	struct prom_state *st = state;
	unsigned int nf = tstats_field_count();
	bool titled = false;
	bool *done;

	done = calloc(nf, sizeof(*done));
	if (!done)
		return -ENOMEM;
	if (st->delayacct >= 0) {
		put_help(st->out, PREFIX "delayacct_enabled",
			 "1 if delay accounting is on (sysctl kernel.task_delayacct)", "gauge");
		fprintf(st->out, PREFIX "delayacct_enabled %d\n", st->delayacct > 0);
	}
	for (unsigned int f = 0; f < nf; f++)
		if (!done[f] && !st->metrics[f].skip)
			put_family(st, f, done);
	/* Process views (--all): their live threads. */
	for (size_t i = 0; i < st->n; i++) {
		if (!st->tasks[i].threads)
			continue;
		if (!titled)
			put_help(st->out, PREFIX "threads", "live threads of the process", "gauge");
		titled = true;
		put_series(st->out, PREFIX "threads", st->tasks[i].labels, NULL, NULL);
		fprintf(st->out, " %" PRIu32 "\n", st->tasks[i].threads);
	}
	/* Values that cannot be true (notes.h) stay what the kernel said,
	 * and are named here, so that an alert or a graph can leave them out. */
	titled = false;
	for (size_t i = 0; i < st->n; i++) {
		const struct prom_task *t = &st->tasks[i];

		for (unsigned int f = 0; f < nf; f++) {
			if (!cli_value_impossible(&t->rec, f, cli_record_threads(&t->rec)))
				continue;
			if (!titled)
				put_help(st->out, PREFIX "impossible_value",
					 "1 for a field whose value cannot be true (a delay longer "
					 "than the task has lived): the kernel's number, not a fact",
					 "gauge");
			titled = true;
			put_series(st->out, PREFIX "impossible_value", t->labels, "field",
				   tstats_field_info(f)->name);
			fputs(" 1\n", st->out);
		}
	}
	free(done);
	return cli_flush(st->out);
}

static void prom_free(void *state)
{
	struct prom_state *st = state;

	if (!st)
		return;
	for (size_t i = 0; i < st->n; i++)
		free(st->tasks[i].labels);
	free(st->tasks);
	free(st->metrics);
	free(st);
}

const struct cli_output cli_prom_output = {
	.begin = prom_begin,
	.task = prom_task,
	.error = prom_error,
	.end = prom_end,
	.free = prom_free,
};

/* ---- --interval --format prometheus ------------------------------------- */

/*
 * The counters of a monitor's rows: only counter fields (TSTATS_FIELD_
 * COUNTER), as totals since the monitor followed the row, so that each
 * series only grows; gauges of one moment mean little in an interval
 * run. Groups are labelled by their key alone (no pid: the number of
 * series is the number of groups).
 */
int cli_prom_intervals(FILE *out, const struct cli_prom_row *rows, size_t n,
		       const struct cli_prom_meta *meta)
{
	struct cli_opts opts = { .out = out };
	struct prom_state *st = NULL;
	void *state = NULL;
	unsigned int nf = tstats_field_count();
	bool titled = false;
	int r;

	r = prom_begin(&state, &opts, meta->delayacct);
	st = state;
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct tstats_record rec;
		char *labels = NULL;
		size_t len = 0;

		memset(&rec, 0, sizeof(rec));
		rec.kind = rows[i].rec ? rows[i].rec->kind : TSTATS_KIND_TGID;
		rec.id = rows[i].rec ? rows[i].rec->id : 0;
		for (unsigned int f = 0; f < nf && f < TSTATS_FIELD_CAPACITY; f++) {
			const struct tstats_field_info *info = tstats_field_info(f);

			if (!(info->flags & TSTATS_FIELD_COUNTER) ||
			    !((rows[i].valid[f / 64] >> (f % 64)) & 1))
				continue;
			rec.value[f] = rows[i].total[f];
			rec.present[f / 64] |= UINT64_C(1) << (f % 64);
		}
		/* A process or thread: its usual labels; a group: its key. */
		if (rows[i].rec)
			r = record_labels(rows[i].rec, &labels);
		else
			r = add_label(&labels, &len, "group", rows[i].key);
		if (r == 0 && !labels)
			labels = strdup("");
		if (r == 0 && !labels)
			r = -ENOMEM;
		if (r == 0)
			r = add_labeled(st, &rec, rows[i].threads, labels);
		else
			free(labels);
	}
	if (r < 0) {
		prom_free(state);
		return r;
	}
	for (size_t i = 0; i < n && rows[0].rec == NULL; i++) {
		if (!titled)
			put_help(out, PREFIX "processes_started_total",
				 "processes started while followed, by group", "counter");
		titled = true;
		put_series(out, PREFIX "processes_started_total", st->tasks[i].labels, NULL, NULL);
		fprintf(out, " %" PRIu64 "\n", rows[i].started);
	}
	titled = false;
	for (size_t i = 0; i < n && rows[0].rec == NULL; i++) {
		if (!titled)
			put_help(out, PREFIX "processes_exited_total",
				 "processes that exited while followed, by group", "counter");
		titled = true;
		put_series(out, PREFIX "processes_exited_total", st->tasks[i].labels, NULL, NULL);
		fprintf(out, " %" PRIu64 "\n", rows[i].exited);
	}
	put_help(out, PREFIX "intervals_total", "intervals accounted for", "counter");
	fprintf(out, PREFIX "intervals_total %" PRIu64 "\n", meta->intervals);
	put_help(out, PREFIX "intervals_incomplete_total",
		 "intervals in which exit records were lost", "counter");
	fprintf(out, PREFIX "intervals_incomplete_total %" PRIu64 "\n", meta->incomplete);
	put_help(out, PREFIX "exit_messages_lost_total",
		 "exit messages the kernel dropped (a full receive buffer)", "counter");
	fprintf(out, PREFIX "exit_messages_lost_total %" PRIu64 "\n", meta->lost_messages);
	put_help(out, PREFIX "threads_lost_total",
		 "followed threads gone without a final record", "counter");
	fprintf(out, PREFIX "threads_lost_total %" PRIu64 "\n", meta->lost_threads);
	put_help(out, PREFIX "threads_followed", "threads followed at the last tick", "gauge");
	fprintf(out, PREFIX "threads_followed %" PRIu64 "\n", meta->followed);
	r = prom_end(state);
	prom_free(state);
	return r;
}

/*
 * taskstats-exporter compiles this file for the renderer alone (with
 * CLI_PROM_RENDERER_ONLY): the snapshot mode below needs the CLI's
 * privilege and error handling, which the exporter does not link.
 */
#ifndef CLI_PROM_RENDERER_ONLY
/* ---- --all --format prometheus ----------------------------------------- */

/* One snapshot of every process (or thread): Prometheus computes rates. */
enum cli_exit cli_run_prom_all(const struct cli_opts *opts)
{
	unsigned int kind = opts->threads ? TSTATS_KIND_PID : TSTATS_KIND_TGID;
	enum cli_exit status = CLI_EXIT_OK;
	struct cli_snapshot snap = { 0 };
	struct tstats_ctx *ctx = NULL;
	void *state = NULL;
	const char *failed = NULL;
	int r;

	r = tstats_ctx_new(&ctx);
	if (r < 0)
		return cli_open_error(r);
	r = cli_delayacct_state();
	if (CLI_DELAYACCT_FAILED(r))
		status = CLI_EXIT_FAILURE;
	r = prom_begin(&state, opts, r);
	if (r < 0)
		goto out;
	r = cli_snapshot_take(&snap, ctx, kind, &failed);
	for (size_t i = 0; r == 0 && i < snap.n; i++)
		r = add_task(state, &snap.recs[i], snap.threads[i], false);
	if (r < 0)
		goto out;
	r = prom_end(state);
	if (r < 0)
		failed = "cannot write the output";
out:
	if (r == -EPERM && failed) {
		status = cli_query_error(r, failed);
	} else if (r < 0) {
		if (r == -ENOMEM || !failed)
			cli_warn("out of memory");
		else
			cli_warn("%s: %s", failed, strerror(-r));
		status = CLI_EXIT_FAILURE;
	}
	prom_free(state);
	cli_snapshot_free(&snap);
	tstats_ctx_free(ctx);
	return status;
}

#endif /* CLI_PROM_RENDERER_ONLY */

/* ---- cgroupstats ------------------------------------------------------- */

int cli_prom_cgroups(FILE *out, const char *const *paths,
		     const struct tstats_cgroupstats *stats, size_t n)
{
	static const char *const states[] = {
		"sleeping", "running", "stopped", "uninterruptible", "io_wait",
	};

	if (n)
		put_help(out, PREFIX "cgroup_tasks",
			 "tasks directly in the cgroup, by scheduler state (cgroupstats, "
			 "cgroup v1 only)", "gauge");
	for (size_t i = 0; i < n; i++) {
		bool seen = false;
		struct stat a, b;
		const uint64_t v[] = {
			stats[i].nr_sleeping, stats[i].nr_running, stats[i].nr_stopped,
			stats[i].nr_uninterruptible, stats[i].nr_io_wait,
		};
		char *labels = NULL;
		size_t len = 0;

		/* A directory named twice (-C X -C X, or X and X/) would be
		 * counted twice by a sum over the series. */
		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(paths[k], paths[i]) == 0 ||
			       (stat(paths[k], &a) == 0 && stat(paths[i], &b) == 0 &&
				a.st_dev == b.st_dev && a.st_ino == b.st_ino);
		if (seen)
			continue;
		if (add_label(&labels, &len, "path", paths[i]) < 0) {
			free(labels);
			return -ENOMEM;
		}
		for (size_t k = 0; k < sizeof(states) / sizeof(states[0]); k++) {
			put_series(out, PREFIX "cgroup_tasks", labels, "state", states[k]);
			fprintf(out, " %" PRIu64 "\n", v[k]);
		}
		free(labels);
	}
	return cli_flush(out);
}
