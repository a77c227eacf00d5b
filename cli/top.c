/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * --all: every process (or, with --threads, every thread) in one table.
 *
 * Without --interval: one snapshot of cumulative values (what each task
 * has used since it started). With --interval: a sample every SEC seconds
 * and, from the second one on, one table per interval of what each task
 * did in it (tstats_rates() between its two records). The first sample is
 * only the baseline: it prints nothing, because a rate needs two samples.
 *
 * Samples are arrays sorted by task id, so two samples meet in one merge
 * pass: a task in both gets a row; a task only in the newer sample (it
 * started in the interval) or whose id was reused (tstats_rates() says
 * -ESTALE) has no baseline and gets its first row in the next interval; a
 * task only in the older one has exited and is dropped. The two samples
 * swap roles every interval, and every buffer is kept and only grows to
 * the largest number of tasks seen.
 *
 * Processes are process views (tstats_query_process()): the kernel's TGID
 * record has no I/O, the view sums it over the live threads. Threads are
 * the kernel's PID records, queried in one batch.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


#include "cli.h"
#include "jsonc.h"
#include "columns.h"

/* Longest --interval: a year. */
#define MAX_INTERVAL_S (365ull * 24 * 3600)
#define NSEC_PER_SEC 1000000000ull

/* Room for a rendered cell: a number, or an escaped command name. */
#define TEXT_MAX (4 * sizeof(((struct tstats_record *)0)->comm) + CLI_FMT_MAX)

/* The columns shown when -C does not say (and those "+LIST" adds to). */
static const char *const default_columns[2][2] = {
	/* [threads][interval] */
	{ "pid,uid,threads,utime,stime,read_bytes,write_bytes,cpu_delay_total,"
	  "blkio_delay_total,comm",
	  "pid,uid,threads,cpu%,usr%,sys%,read/s,write/s,cpu_delay%,blkio_delay%,comm" },
	{ "pid,tgid,uid,utime,stime,read_bytes,write_bytes,cpu_delay_total,"
	  "blkio_delay_total,comm",
	  "pid,tgid,uid,cpu%,usr%,sys%,read/s,write/s,cpu_delay%,blkio_delay%,comm" },
};

/* Always in a JSON line, before the selected columns. */
static const char *const identity_columns[] = { "pid", "tgid", "comm", "uid", "threads" };
#define N_IDENTITY (sizeof(identity_columns) / sizeof(identity_columns[0]))

/* ---- option values ----------------------------------------------------- */

int cli_parse_interval(const char *s, uint64_t *ret)
{
	uint64_t sec = 0, frac = 0, scale = NSEC_PER_SEC / 10;
	bool digits = false;
	const char *p = s;

	if (*p == '-')
		return -EDOM;
	/* Decimal only: strtod() would take "inf", "0x1p3" and the locale's
	 * decimal separator. Digits past nanoseconds are dropped. */
	for (; *p >= '0' && *p <= '9'; p++) {
		sec = sec * 10 + (uint64_t)(*p - '0');
		if (sec > MAX_INTERVAL_S)
			return -ERANGE;
		digits = true;
	}
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++) {
			frac += (uint64_t)(*p - '0') * scale;
			scale /= 10;
			digits = true;
		}
	if (!digits || *p)
		return -EINVAL;
	if (sec * NSEC_PER_SEC + frac == 0)
		return -EDOM;
	*ret = sec * NSEC_PER_SEC + frac;
	return 0;
}

/* ---- samples ----------------------------------------------------------- */

struct sample {
	uint32_t *ids;			/* sorted, unique */
	struct tstats_record *recs;	/* recs[i] is the task ids[i] */
	uint32_t *threads;		/* process views: live threads */
	int *errs;
	size_t n, cap;
	uint64_t mono_ns;		/* CLOCK_MONOTONIC when it was taken */
	struct timespec real;		/* CLOCK_REALTIME, for "time" */
};

enum cell_type { CELL_NULL, CELL_U64, CELL_I64, CELL_DBL, CELL_STR };

struct cell {
	enum cell_type type;
	union {
		uint64_t u;
		int64_t i;
		double d;
		const char *s;
	};
};

struct row {
	uint32_t id;
	size_t idx;			/* in the newest sample */
	struct cell *cells;
};

struct top {
	const struct cli_opts *opts;
	FILE *out;
	unsigned int kind;		/* TSTATS_KIND_TGID, or _PID (--threads) */
	struct cli_columns table;
	/* Shown columns, then the sort column if it is not shown. */
	const struct cli_column **cols;
	size_t n_cols, n_cells;
	size_t sort_cell;		/* SIZE_MAX: by id */
	bool ascending;
	const struct cli_column *identity[N_IDENTITY];
	struct tstats_ctx *ctx;
	struct sample samples[2];
	struct row *rows;
	struct cell *cells;
	size_t *widths;
	size_t rows_cap;
	unsigned int tables;		/* printed so far */
	bool warned_badmsg;
	const char *failed;		/* what failed, for the error line */
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int sample_grow(struct sample *s, size_t cap)
{
	void *p;

	p = realloc(s->ids, cap * sizeof(*s->ids));
	if (!p)
		return -ENOMEM;
	s->ids = p;
	p = realloc(s->recs, cap * sizeof(*s->recs));
	if (!p)
		return -ENOMEM;
	s->recs = p;
	p = realloc(s->threads, cap * sizeof(*s->threads));
	if (!p)
		return -ENOMEM;
	s->threads = p;
	p = realloc(s->errs, cap * sizeof(*s->errs));
	if (!p)
		return -ENOMEM;
	s->errs = p;
	s->cap = cap;
	return 0;
}

static void sample_free(struct sample *s)
{
	free(s->ids);
	free(s->recs);
	free(s->threads);
	free(s->errs);
}

/* Lists the tasks into s->ids, sorted and without repeats. */
static int list_tasks(struct top *t, struct sample *s)
{
	size_t n, k;
	int r;

	for (int tries = 0;; tries++) {
		r = tstats_list_tasks(t->kind, s->ids, s->cap);
		/* Library quirk: a process that exits while its threads are
		 * listed fails the listing with -ENOENT (getdents64 on a dead
		 * /proc/PID/task); list again. A /proc that is not there
		 * gives -ENOENT every time. */
		if (r == -ENOENT && tries < 8)
			continue;
		if (r < 0)
			return r;
		if ((size_t)r <= s->cap)
			break;
		/* A margin for the tasks that start while we list again. */
		r = sample_grow(s, (size_t)r + (size_t)r / 8 + 64);
		if (r < 0)
			return r;
	}
	n = (size_t)r;
	qsort(s->ids, n, sizeof(*s->ids), cmp_u32);
	for (k = 0; k < n; k++)
		if (k > 0 && s->ids[k] == s->ids[k - 1])
			break;
	for (size_t i = k; i < n; i++)
		if (s->ids[i] != s->ids[k - 1])
			s->ids[k++] = s->ids[i];
	s->n = k;
	return 0;
}

static void warn_badmsg(struct top *t, uint32_t id, int err)
{
	if (t->warned_badmsg)
		return;
	t->warned_badmsg = true;
	cli_warn("%s %" PRIu32 " left out: %s", cli_kind_label(t->kind), id,
		 cli_task_error_text(err));
}

static int query_threads(struct top *t, struct sample *s)
{
	size_t k = 0;
	int r;

	r = tstats_query_batch(t->ctx, TSTATS_KIND_PID, s->ids, s->n, s->recs, s->errs);
	if (r < 0)
		return r;
	/* Keep the tasks that answered, in order. */
	for (size_t i = 0; i < s->n; i++) {
		if (s->errs[i] < 0) {
			/* -ESRCH: it exited since it was listed. */
			if (s->errs[i] != -ESRCH)
				warn_badmsg(t, s->ids[i], s->errs[i]);
			continue;
		}
		/* Restricted (privs.c): another user's task is left out. */
		if (!cli_may_show(&s->recs[i]))
			continue;
		if (k != i) {
			s->ids[k] = s->ids[i];
			s->recs[k] = s->recs[i];
		}
		s->threads[k] = 0;
		k++;
	}
	s->n = k;
	return 0;
}

static int query_processes(struct top *t, struct sample *s)
{
	struct tstats_process p;
	size_t k = 0;
	int r;

	for (size_t i = 0; i < s->n; i++) {
		r = tstats_query_process(t->ctx, s->ids[i], &p);
		/* Exited since it was listed; -ENOENT when that happened
		 * while the library listed its threads (the same quirk as
		 * in list_tasks()). */
		if (r == -ESRCH || r == -ENOENT)
			continue;
		if (r == -EBADMSG) {
			warn_badmsg(t, s->ids[i], r);
			continue;
		}
		if (r < 0)
			return r;
		/* /proc lists group leaders: the view's id is the same.
		 * Restricted (privs.c): another user's process is left out. */
		if (p.rec.id != s->ids[i] || !cli_may_show(&p.rec))
			continue;
		s->ids[k] = s->ids[i];
		s->recs[k] = p.rec;
		s->threads[k] = p.threads;
		k++;
	}
	s->n = k;
	return 0;
}

static uint64_t ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts_ns(&ts);
}

static int take_sample(struct top *t, struct sample *s)
{
	int r;

	/* One clock for the intervals; the wall clock only labels them. */
	s->mono_ns = now_ns();
	clock_gettime(CLOCK_REALTIME, &s->real);
	r = list_tasks(t, s);
	if (r < 0) {
		t->failed = "cannot list the tasks in /proc";
		return r;
	}
	r = t->kind == TSTATS_KIND_PID ? query_threads(t, s) : query_processes(t, s);
	if (r < 0)
		t->failed = "cannot query taskstats";
	return r;
}

/* ---- cells ------------------------------------------------------------- */

static void cell_field(struct cell *v, const struct tstats_record *rec, unsigned int field)
{
	const struct tstats_field_info *info = tstats_field_info(field);
	uint64_t u;

	v->type = CELL_NULL;
	if (!info)
		return;
	if (info->unit_id == TSTATS_UNIT_STRING) {
		v->s = tstats_record_comm(rec);
		v->type = v->s ? CELL_STR : CELL_NULL;
		return;
	}
	if (tstats_record_get(rec, field, &u) < 0)
		return;
	if (info->unit_id == TSTATS_UNIT_NICE) {
		v->type = CELL_I64;
		v->i = (int64_t)u;
	} else {
		v->type = CELL_U64;
		v->u = u;
	}
}

static void cell_double(struct cell *v, bool valid, double d)
{
	v->type = valid ? CELL_DBL : CELL_NULL;
	v->d = d;
}

/*
 * The value of column c for a task: rec its newest record, rates NULL in
 * a snapshot. Strings point into rec.
 */
static void compute(const struct top *t, const struct cli_column *c,
		    const struct tstats_record *rec, uint32_t threads,
		    const struct tstats_rates *rates, struct cell *v)
{
	uint64_t delta;
	double per_sec;
	int r;

	v->type = CELL_NULL;
	switch (c->kind) {
	case COL_PID:
		v->type = CELL_U64;
		v->u = rec->id;
		break;
	case COL_TGID:
		if (t->kind == TSTATS_KIND_TGID) {
			v->type = CELL_U64;
			v->u = rec->id;
		} else {
			cell_field(v, rec, TSTATS_F_TGID);
		}
		break;
	case COL_COMM:
		cell_field(v, rec, TSTATS_F_COMM);
		break;
	case COL_UID:
		cell_field(v, rec, TSTATS_F_UID);
		break;
	case COL_THREADS:
		if (t->kind == TSTATS_KIND_TGID) {
			v->type = CELL_U64;
			v->u = threads;
		}
		break;
	case COL_CPU:
		if (rates)
			cell_double(v, rates->summary_valid & TSTATS_RATES_CPU, rates->cpu_pct);
		break;
	case COL_USER:
		if (rates)
			cell_double(v, rates->summary_valid & TSTATS_RATES_USER,
				    rates->user_pct);
		break;
	case COL_SYSTEM:
		if (rates)
			cell_double(v, rates->summary_valid & TSTATS_RATES_SYSTEM,
				    rates->system_pct);
		break;
	case COL_RATE:
		if (rates && tstats_rates_get(rates, (unsigned int)c->arg, NULL, &per_sec) == 0)
			cell_double(v, true, per_sec);
		break;
	case COL_DELAY:
		if (rates)
			cell_double(v, (rates->delay_valid >> c->arg) & 1, rates->delay_pct[c->arg]);
		break;
	case COL_FIELD:
		/* A counter's change; other fields (ids, peaks, start
		 * times) as they are; a counter that went backwards has no
		 * change to show. */
		r = rates ? tstats_rates_get(rates, (unsigned int)c->arg, &delta, NULL) : -ENODATA;
		if (r == 0) {
			v->type = CELL_U64;
			v->u = delta;
		} else if (r == -ENODATA) {
			cell_field(v, rec, (unsigned int)c->arg);
		}
		break;
	}
}

static bool is_percent(const struct cli_column *c)
{
	return c->kind == COL_CPU || c->kind == COL_USER || c->kind == COL_SYSTEM ||
	       c->kind == COL_DELAY;
}

/* "1.0 MiB" -> "1.0MiB": one token per cell. */
static const char *squeeze(char *s)
{
	char *o = s;

	for (const char *p = s; *p; p++)
		if (*p != ' ')
			*o++ = *p;
	*o = '\0';
	return s;
}

/* Escapes a command name; with -r, spaces too (util-linux's \x20). */
static const char *text_string(char *buf, const char *s, bool raw)
{
	char *o = buf;

	if (!raw)
		return cli_escape(buf, s, strlen(s));
	/* No UTF-8 sequence contains a space byte: escape the runs between. */
	while (*s) {
		size_t run = strcspn(s, " ");

		cli_escape(o, s, run);
		o += strlen(o);
		s += run;
		if (*s == ' ') {
			strcpy(o, "\\x20");
			o += 4;
			s++;
		}
	}
	*o = '\0';
	return buf;
}

static const char *text_u64(char *buf, const struct cli_column *c, uint64_t u, bool exact)
{
	const struct tstats_field_info *info;

	if (c->kind != COL_FIELD || exact)
		return cli_fmt_u64(buf, u);
	info = tstats_field_info((unsigned int)c->arg);
	switch (info ? info->unit_id : TSTATS_UNIT_NONE) {
	case TSTATS_UNIT_NS:
		cli_fmt_duration(buf, u);
		return squeeze(buf);
	case TSTATS_UNIT_US:
		cli_fmt_duration(buf, cli_mul_sat(u, 1000));
		return squeeze(buf);
	case TSTATS_UNIT_BYTES:
		cli_fmt_size(buf, u);
		return squeeze(buf);
	case TSTATS_UNIT_KIB:
		cli_fmt_size(buf, cli_mul_sat(u, 1024));
		return squeeze(buf);
	default:
		return cli_fmt_u64(buf, u);
	}
}

/* A byte rate, rounded to a whole number of bytes per second. */
static uint64_t rate_u64(double d)
{
	if (!(d > 0))
		return 0;
	if (d >= 18446744073709551615.0)
		return UINT64_MAX;
	return (uint64_t)(d + 0.5);
}

/* The text of a cell; buf has TEXT_MAX bytes. */
static const char *cell_text(char *buf, const struct top *t, const struct cli_column *c,
			     const struct cell *v)
{
	bool exact = t->opts->exact;

	switch (v->type) {
	case CELL_STR:
		return text_string(buf, v->s, t->opts->raw);
	case CELL_I64:
		snprintf(buf, TEXT_MAX, "%" PRId64, v->i);
		return buf;
	case CELL_U64:
		return text_u64(buf, c, v->u, exact);
	case CELL_DBL:
		if (is_percent(c)) {
			snprintf(buf, TEXT_MAX, exact ? "%.2f" : "%.1f", v->d);
		} else if (!exact && strcmp(c->unit, "B/s") == 0) {
			cli_fmt_size(buf, rate_u64(v->d));
			squeeze(buf);
		} else {
			snprintf(buf, TEXT_MAX, "%.1f", v->d);
		}
		return buf;
	case CELL_NULL:
	default:
		return "-";
	}
}

static const char *header_text(char *buf, const struct cli_column *c)
{
	size_t i;

	for (i = 0; c->name[i] && i + 1 < TEXT_MAX; i++)
		buf[i] = (char)(c->name[i] >= 'a' && c->name[i] <= 'z' ?
				c->name[i] - 'a' + 'A' : c->name[i]);
	buf[i] = '\0';
	return buf;
}

/* ---- output ------------------------------------------------------------ */

static void put_cell(const struct top *t, size_t col, const char *s)
{
	const struct cli_column *c = t->cols[col];
	size_t pad = t->widths[col] - cli_display_width(s);
	bool last = col + 1 == t->n_cols;

	if (col > 0)
		fputc(' ', t->out);
	if (t->opts->raw) {
		fputs(s, t->out);
		return;
	}
	if (!(c->flags & COL_LEFT))
		fprintf(t->out, "%*s", (int)pad, "");
	fputs(s, t->out);
	if ((c->flags & COL_LEFT) && !last)
		fprintf(t->out, "%*s", (int)pad, "");
}

static int print_table(struct top *t, size_t n)
{
	char buf[TEXT_MAX];

	/* Widths from the header and every cell; then the same texts again. */
	for (size_t c = 0; c < t->n_cols; c++) {
		t->widths[c] = t->opts->noheadings ? 0 :
			       cli_display_width(header_text(buf, t->cols[c]));
		for (size_t i = 0; i < n; i++) {
			size_t w = cli_display_width(cell_text(buf, t, t->cols[c],
							       &t->rows[i].cells[c]));

			if (w > t->widths[c])
				t->widths[c] = w;
		}
	}
	/* One empty line between the tables of consecutive intervals. */
	if (t->tables++)
		fputc('\n', t->out);
	if (!t->opts->noheadings) {
		for (size_t c = 0; c < t->n_cols; c++)
			put_cell(t, c, header_text(buf, t->cols[c]));
		fputc('\n', t->out);
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c < t->n_cols; c++)
			put_cell(t, c, cell_text(buf, t, t->cols[c], &t->rows[i].cells[c]));
		fputc('\n', t->out);
	}
	return 0;
}

/* With decimals decimals: json-c would print 17 significant digits. */
static struct json_object *json_double(double d, int decimals)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*f", decimals, d);
	return sym_json_object_new_double_s(d, buf);
}

/* The JSON value of a cell: NULL is null; *err gets -ENOMEM. */
static struct json_object *cell_json(const struct cell *v, int *err)
{
	char buf[3 * sizeof(((struct tstats_record *)0)->comm) + 1];
	struct json_object *j;

	switch (v->type) {
	case CELL_U64:
		j = sym_json_object_new_uint64(v->u);
		break;
	case CELL_I64:
		j = sym_json_object_new_int64(v->i);
		break;
	case CELL_DBL:
		j = json_double(v->d, 2);
		break;
	case CELL_STR:
		/* Raw bytes chosen by the task: made valid UTF-8. */
		j = sym_json_object_new_string(cli_utf8_sanitize(buf, v->s, strnlen(v->s,
						sizeof(((struct tstats_record *)0)->comm) - 1)));
		break;
	case CELL_NULL:
	default:
		return NULL;
	}
	if (!j)
		*err = -ENOMEM;
	return j;
}

struct interval_info {
	unsigned int k;		/* 0: a snapshot */
	const char *time;	/* ISO 8601, UTC */
	double seconds;		/* measured length of the interval */
};

static int json_line(struct top *t, const struct interval_info *ii, const struct row *row,
		     const struct tstats_record *rec, uint32_t threads)
{
	struct json_object *obj = sym_json_object_new_object();
	const char *s;
	int r = 0;

	if (!obj)
		return -ENOMEM;
	r = cli_json_add(obj, "interval", sym_json_object_new_uint64(ii->k), false);
	if (r == 0)
		r = cli_json_add(obj, "time", sym_json_object_new_string(ii->time), false);
	if (r == 0)
		r = cli_json_add(obj, "seconds", ii->k ? json_double(ii->seconds, 6) : NULL, !ii->k);
	/* Identity first, then the selected columns in their order. */
	for (size_t i = 0; r == 0 && i < N_IDENTITY; i++) {
		struct json_object *j;
		struct cell v;

		if (!t->identity[i])
			continue;
		compute(t, t->identity[i], rec, threads, NULL, &v);
		j = cell_json(&v, &r);
		if (r == 0)
			r = cli_json_add(obj, t->identity[i]->name, j, true);
	}
	for (size_t c = 0; r == 0 && c < t->n_cols; c++) {
		struct json_object *j;

		if (sym_json_object_object_get_ex(obj, t->cols[c]->name, NULL))
			continue;
		j = cell_json(&row->cells[c], &r);
		if (r == 0)
			r = cli_json_add(obj, t->cols[c]->name, j, true);
	}
	if (r < 0) {
		sym_json_object_put(obj);
		return r;
	}
	s = sym_json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s)
		r = -ENOMEM;
	else if (fputs(s, t->out) == EOF || fputc('\n', t->out) == EOF)
		r = -EIO;
	sym_json_object_put(obj);
	return r;
}

/* ---- one table --------------------------------------------------------- */

static int rows_reserve(struct top *t, size_t n)
{
	void *p;

	if (n <= t->rows_cap)
		return 0;
	n += n / 8 + 16;
	p = realloc(t->rows, n * sizeof(*t->rows));
	if (!p)
		return -ENOMEM;
	t->rows = p;
	p = realloc(t->cells, n * t->n_cells * sizeof(*t->cells));
	if (!p)
		return -ENOMEM;
	t->cells = p;
	t->rows_cap = n;
	return 0;
}

static double cell_number(const struct cell *v)
{
	switch (v->type) {
	case CELL_U64:
		return (double)v->u;
	case CELL_I64:
		return (double)v->i;
	case CELL_DBL:
		return v->d;
	default:
		return 0;
	}
}

static int cmp_cells(const struct cell *a, const struct cell *b)
{
	if (a->type == CELL_STR && b->type == CELL_STR)
		return strcmp(a->s, b->s);
	if (a->type == CELL_U64 && b->type == CELL_U64)
		return a->u < b->u ? -1 : a->u > b->u;
	if (a->type == CELL_I64 && b->type == CELL_I64)
		return a->i < b->i ? -1 : a->i > b->i;
	return cell_number(a) < cell_number(b) ? -1 : cell_number(a) > cell_number(b);
}

static int cmp_rows(const void *pa, const void *pb, void *userdata)
{
	const struct top *t = userdata;
	const struct row *a = pa, *b = pb;
	const struct cell *ca = &a->cells[t->sort_cell], *cb = &b->cells[t->sort_cell];
	int r;

	/* Unknown values last, whatever the direction; ties by id. */
	if ((ca->type == CELL_NULL) != (cb->type == CELL_NULL))
		return ca->type == CELL_NULL ? 1 : -1;
	r = ca->type == CELL_NULL ? 0 : cmp_cells(ca, cb);
	if (r == 0)
		return a->id < b->id ? -1 : a->id > b->id;
	return t->ascending ? r : -r;
}

static void add_row(struct top *t, size_t n, const struct sample *s, size_t idx,
		    const struct tstats_rates *rates)
{
	const struct tstats_record *rec = &s->recs[idx];
	uint32_t threads = s->threads[idx];
	struct row *row = &t->rows[n];

	row->id = rec->id;
	row->idx = idx;
	row->cells = &t->cells[n * t->n_cells];
	for (size_t c = 0; c < t->n_cells; c++)
		compute(t, t->cols[c], rec, threads, rates, &row->cells[c]);
}

/* The rows of cur against its baseline prev (NULL: a snapshot). */
static size_t collect_rows(struct top *t, const struct sample *prev, const struct sample *cur)
{
	uint64_t interval_ns = prev ? cur->mono_ns - prev->mono_ns : 0;
	struct tstats_rates rates;
	size_t i = 0, n = 0;

	for (size_t j = 0; j < cur->n; j++) {
		if (!prev) {
			add_row(t, n++, cur, j, NULL);
			continue;
		}
		/* Gone since the baseline: dropped. */
		while (i < prev->n && prev->ids[i] < cur->ids[j])
			i++;
		/* New in this interval: no baseline yet. */
		if (i == prev->n || prev->ids[i] != cur->ids[j])
			continue;
		/* -ESTALE: the id now names a younger task; it is new. */
		if (tstats_rates(&prev->recs[i], &cur->recs[j], interval_ns, &rates) < 0)
			continue;
		add_row(t, n++, cur, j, &rates);
	}
	return n;
}

static int emit(struct top *t, const struct sample *prev, const struct sample *cur,
		unsigned int k)
{
	struct interval_info ii = { .k = k };
	char stamp[64];
	struct tm tm;
	size_t n;
	int r;

	r = rows_reserve(t, cur->n);
	if (r < 0)
		return r;
	n = collect_rows(t, prev, cur);
	if (t->sort_cell != SIZE_MAX)
		qsort_r(t->rows, n, sizeof(*t->rows), cmp_rows, t);
	if (t->opts->top && n > t->opts->top)
		n = t->opts->top;

	if (!t->opts->json) {
		r = print_table(t, n);
	} else {
		gmtime_r(&cur->real.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(stamp + strlen(stamp), sizeof(stamp) - strlen(stamp), ".%03ldZ",
			 cur->real.tv_nsec / 1000000);
		ii.time = stamp;
		if (prev)
			ii.seconds = (double)(cur->mono_ns - prev->mono_ns) / 1e9;
		for (size_t i = 0; r == 0 && i < n; i++) {
			size_t j = t->rows[i].idx;

			r = json_line(t, &ii, &t->rows[i], &cur->recs[j], cur->threads[j]);
		}
	}
	/* Each interval reaches the reader when it is complete. */
	if (r == 0)
		r = cli_flush(t->out);
	if (r < 0)
		t->failed = r == -ENOMEM ? NULL : "cannot write the output";
	return r;
}

/* ---- signals ----------------------------------------------------------- */

static volatile sig_atomic_t stop_signal;

/* The first SIGINT/SIGTERM ends the loop cleanly; a second one kills. */
static void on_signal(int sig)
{
	if (stop_signal) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	stop_signal = sig;
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/*
 * Sleeps until the monotonic deadline. Returns 1 when a signal asks to
 * stop, 0 at the deadline. The signals are blocked from the check of the
 * flag until ppoll() atomically lets them in, so none is missed.
 */
static int sleep_until(uint64_t deadline)
{
	sigset_t block, old, during;
	int r = 0;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	during = old;
	sigdelset(&during, SIGINT);
	sigdelset(&during, SIGTERM);
	for (;;) {
		uint64_t now = now_ns(), left;
		struct timespec ts;

		if (stop_signal) {
			r = 1;
			break;
		}
		if (now >= deadline)
			break;
		left = deadline - now;
		ts.tv_sec = (time_t)(left / NSEC_PER_SEC);
		ts.tv_nsec = (long)(left % NSEC_PER_SEC);
		ppoll(NULL, 0, &ts, &during);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}

/* ---- columns ----------------------------------------------------------- */

static int add_column(const struct cli_column ***cols, size_t *n, const struct cli_column *c)
{
	const struct cli_column **p = realloc(*cols, (*n + 1) * sizeof(**cols));

	if (!p)
		return -ENOMEM;
	p[(*n)++] = c;
	*cols = p;
	return 0;
}

/*
 * Appends the columns of a comma list. An unknown name fails with -ENOENT
 * (*bad names it), or is passed over when skip_unknown; a column already
 * there fails with -EEXIST (a second copy of a column says nothing new).
 */
static int parse_columns(struct top *t, const char *list, bool skip_unknown,
			 const char **bad, size_t *bad_len)
{
	const char *p = list;

	for (;;) {
		size_t len = strcspn(p, ",");
		const struct cli_column *c = cli_column_find(&t->table, p, len);
		int r;

		if (!c && !skip_unknown) {
			*bad = p;
			*bad_len = len;
			return -ENOENT;
		}
		for (size_t i = 0; c && i < t->n_cols; i++)
			if (t->cols[i] == c) {
				*bad = p;
				*bad_len = len;
				return -EEXIST;
			}
		r = c ? add_column(&t->cols, &t->n_cols, c) : 0;
		if (r < 0)
			return r;
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
}

static bool needs_delayacct(const struct cli_column *c)
{
	const struct tstats_field_info *info;
	const struct tstats_delay_class *dc;

	/* The cpu class is filled whether delay accounting is on or not. */
	if (c->kind == COL_DELAY) {
		dc = tstats_delay_class((unsigned int)c->arg);
		return dc && dc->total != TSTATS_F_CPU_DELAY_TOTAL;
	}
	if (c->kind != COL_FIELD)
		return false;
	info = tstats_field_info((unsigned int)c->arg);
	return info && info->group == TSTATS_GROUP_DELAY && strncmp(info->name, "cpu_", 4) != 0;
}

static enum cli_exit unknown_column(const char *what, const char *name, size_t len)
{
	char shown[4 * 64 + 1];

	cli_escape(shown, name, len > 64 ? 64 : len);
	cli_warn("unknown column '%s'%s", shown, what);
	fputs("Try '" CLI_NAME " --list-columns' for the column names.\n", stderr);
	return CLI_EXIT_USAGE;
}

/* Resolves --output and --sort. Returns -1 to go on, or the exit status. */
static int setup_columns(struct top *t)
{
	const struct cli_opts *opts = t->opts;
	const char *list = opts->columns, *bad = NULL;
	const struct cli_column *sort = NULL;
	bool interval = opts->interval_ns > 0;
	size_t bad_len = 0;
	int r;

	if (!list || list[0] == '+') {
		/* A library without a default's field: it is left out. */
		r = parse_columns(t, default_columns[opts->threads][interval], true, &bad,
				  &bad_len);
		if (r < 0)
			goto nomem;
	}
	if (list && list[list[0] == '+']) {
		r = parse_columns(t, list + (list[0] == '+'), false, &bad, &bad_len);
		if (r == -ENOMEM)
			goto nomem;
		if (r == -EEXIST) {
			char shown[4 * 64 + 1];

			cli_escape(shown, bad, bad_len > 64 ? 64 : bad_len);
			cli_warn("column '%s' given twice%s", shown,
				 list[0] == '+' ? " (or already a default one)" : "");
			fputs("Try '" CLI_NAME " --help' for more information.\n", stderr);
			return CLI_EXIT_USAGE;
		}
		if (r < 0)
			return unknown_column("", bad, bad_len);
	} else if (list) {
		cli_warn("no column given to --output");
		return CLI_EXIT_USAGE;
	}

	/* By default: CPU use with --interval, the task id in a snapshot. */
	if (opts->sort) {
		sort = cli_column_find(&t->table, opts->sort, strlen(opts->sort));
		if (!sort)
			return unknown_column(" for --sort", opts->sort, strlen(opts->sort));
	} else if (interval) {
		sort = cli_column_find(&t->table, "cpu%", 4);
	}
	t->n_cells = t->n_cols;
	t->sort_cell = SIZE_MAX;
	if (sort) {
		for (size_t c = 0; c < t->n_cols && t->sort_cell == SIZE_MAX; c++)
			if (t->cols[c] == sort)
				t->sort_cell = c;
		if (t->sort_cell == SIZE_MAX) {
			r = add_column(&t->cols, &t->n_cells, sort);
			if (r < 0)
				goto nomem;
			t->sort_cell = t->n_cells - 1;
		}
		t->ascending = sort->flags & COL_ASCENDING;
		/* Ascending by id is the order rows come in. */
		if (sort->kind == COL_PID)
			t->sort_cell = SIZE_MAX;
	}
	for (size_t i = 0; i < N_IDENTITY; i++)
		t->identity[i] = cli_column_find(&t->table, identity_columns[i],
						 strlen(identity_columns[i]));
	t->widths = calloc(t->n_cols ? t->n_cols : 1, sizeof(*t->widths));
	if (!t->widths)
		goto nomem;
	return -1;
nomem:
	cli_warn("out of memory");
	return CLI_EXIT_FAILURE;
}

static void delayacct_note(const struct top *t)
{
	bool any = false;

	for (size_t c = 0; c < t->n_cells; c++)
		any |= needs_delayacct(t->cols[c]);
	if (any && cli_delayacct_state() == 0)
		cli_warn("delay accounting is off (kernel.task_delayacct=0): delays other "
			 "than cpu read 0 for tasks started while it is off; enable it with "
			 "'sysctl kernel.task_delayacct=1'");
}

/* ---- the modes --------------------------------------------------------- */

static void top_free(struct top *t)
{
	sample_free(&t->samples[0]);
	sample_free(&t->samples[1]);
	free(t->rows);
	free(t->cells);
	free(t->widths);
	free(t->cols);
	tstats_ctx_free(t->ctx);
	cli_columns_done(&t->table);
}

static int loop(struct top *t)
{
	const struct cli_opts *opts = t->opts;
	struct sample *prev = &t->samples[0], *cur = &t->samples[1], *tmp;
	uint64_t deadline;
	unsigned int k;
	int r;

	r = take_sample(t, prev);
	if (r < 0)
		return r;
	/* After the first sample: not before a failure to query at all. */
	delayacct_note(t);
	if (!opts->interval_ns)
		return emit(t, NULL, prev, 0);

	deadline = prev->mono_ns;
	for (k = 1; !opts->count || k <= opts->count; k++) {
		deadline += opts->interval_ns;
		if (sleep_until(deadline))
			break;
		r = take_sample(t, cur);
		if (r < 0)
			return r;
		r = emit(t, prev, cur, k);
		if (r < 0)
			return r;
		tmp = prev;
		prev = cur;
		cur = tmp;
		/* Late (a slow sample, a stopped process): start afresh
		 * rather than catch up with back-to-back samples. */
		if (now_ns() > deadline + opts->interval_ns)
			deadline = prev->mono_ns;
	}
	return 0;
}

enum cli_exit cli_run_all(const struct cli_opts *opts)
{
	struct top t = { .opts = opts, .out = opts->out ? opts->out : stdout };
	enum cli_exit status;
	int r;

	t.kind = opts->threads ? TSTATS_KIND_PID : TSTATS_KIND_TGID;
	r = cli_columns_init(&t.table);
	if (r < 0) {
		cli_warn("out of memory");
		return CLI_EXIT_FAILURE;
	}
	r = setup_columns(&t);
	if (r >= 0) {
		status = (enum cli_exit)r;
		goto out;
	}

	r = tstats_ctx_new(&t.ctx);
	if (r < 0) {
		status = cli_open_error(r);
		goto out;
	}
	if (opts->interval_ns)
		catch_signals();

	status = CLI_EXIT_OK;
	r = loop(&t);
	if (r < 0) {
		if (r == -ENOMEM || !t.failed)
			cli_warn("out of memory");
		else if (r == -EPERM)
			status = cli_query_error(r, t.failed);
		else
			cli_warn("%s: %s", t.failed, strerror(-r));
		if (status == CLI_EXIT_OK)
			status = CLI_EXIT_FAILURE;
	}
out:
	top_free(&t);
	return status;
}

/* --list-columns: name, unit and description of every column. */
enum cli_exit cli_list_columns(const struct cli_opts *opts)
{
	static const char *const titles[] = { "NAME", "UNIT", "DESCRIPTION" };
	FILE *out = opts->out ? opts->out : stdout;
	struct cli_columns table;
	struct json_object *root = NULL, *arr = NULL;
	size_t w[2] = { 4, 4 };
	int r;

	r = cli_columns_init(&table);
	if (r < 0) {
		cli_warn("out of memory");
		return CLI_EXIT_FAILURE;
	}
	if (opts->json) {
		root = sym_json_object_new_object();
		arr = sym_json_object_new_array();
		if (!root || !arr) {
			sym_json_object_put(arr);
			r = -ENOMEM;
		} else {
			r = cli_json_add(root, "schema_version",
					 sym_json_object_new_int(1), false);
			/* root owns arr from here on, also on failure. */
			if (r == 0)
				r = cli_json_add(root, "columns", arr, false);
			else
				sym_json_object_put(arr);
		}
		for (size_t i = 0; r == 0 && i < table.n; i++) {
			const struct cli_column *c = &table.cols[i];
			struct json_object *o = sym_json_object_new_object();

			if (!o || sym_json_object_array_add(arr, o) < 0) {
				sym_json_object_put(o);
				r = -ENOMEM;
				break;
			}
			r = cli_json_add(o, "name", sym_json_object_new_string(c->name), false);
			if (r == 0)
				r = cli_json_add(o, "unit", sym_json_object_new_string(c->unit), false);
			if (r == 0)
				r = cli_json_add(o, "description",
					     sym_json_object_new_string(c->description), false);
		}
		if (r == 0) {
			const char *s = sym_json_object_to_json_string_ext(root,
				JSON_C_TO_STRING_NOSLASHESCAPE | (opts->compact ?
				JSON_C_TO_STRING_PLAIN : JSON_C_TO_STRING_PRETTY |
				JSON_C_TO_STRING_SPACED));

			if (!s)
				r = -ENOMEM;
			else
				fprintf(out, "%s\n", s);
		}
		sym_json_object_put(root);
	} else {
		for (size_t i = 0; i < table.n && !opts->raw; i++) {
			size_t nw = strlen(table.cols[i].name);
			size_t uw = cli_display_width(table.cols[i].unit);

			w[0] = nw > w[0] ? nw : w[0];
			w[1] = uw > w[1] ? uw : w[1];
		}
		if (!opts->noheadings)
			fprintf(out, "%-*s %-*s %s\n", (int)w[0], titles[0], (int)w[1], titles[1],
				titles[2]);
		for (size_t i = 0; i < table.n; i++) {
			const struct cli_column *c = &table.cols[i];

			if (opts->raw)
				fprintf(out, "%s %s %s\n", c->name, c->unit[0] ? c->unit : "-",
					c->description);
			else
				fprintf(out, "%-*s %s%*s %s\n", (int)w[0], c->name, c->unit,
					(int)(w[1] - cli_display_width(c->unit)), "",
					c->description);
		}
	}
	cli_columns_done(&table);
	if (r == 0)
		r = cli_flush(out);
	if (r < 0) {
		cli_warn_output(r);
		return CLI_EXIT_FAILURE;
	}
	return CLI_EXIT_OK;
}
