/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * --all: every process (or, with --threads, every thread) in one table.
 *
 * Without --interval: one snapshot of cumulative values (what each task
 * has used since it started), from snapshot.c.
 *
 * With --interval (and -p/-t with it, and --group-by): the library's
 * monitor (tstats_monitor_tick()) ends each interval, and its rows are the
 * table: what each thread, process or group did in the interval, the
 * final values of the tasks that exited in it included, then a total.
 * The first tick is only the baseline. The same rows feed the Prometheus
 * exposition of each interval, and the live view (live.c) through the
 * cli_view_*() functions at the end of this file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


#include "cli.h"
#include "notes.h"
#include "jsonc.h"
#include "columns.h"
#include "snapshot.h"
#include "table.h"

/* The monitor's receive buffer for exit records when --rcvbuf does not
 * say: a burst of about 7,000 exits between two reads. */
#define MONITOR_RCVBUF (8 * 1024 * 1024)

/* Longest --interval: a year. */
#define MAX_INTERVAL_S (365ull * 24 * 3600)
#define NSEC_PER_SEC 1000000000ull

/* Room for a rendered cell: a number, or an escaped command name. */
#define TEXT_MAX (4 * sizeof(((struct tstats_record *)0)->comm) + CLI_FMT_MAX)

/*
 * The columns shown when -o does not say (and those "+LIST" adds to). An
 * interval's table fits 80 columns with 7-digit ids, "new+exit" and a
 * 15-byte comm (uid, threads, usr% and sys% are a -o +LIST away).
 */
static const char *const default_columns[2][2] = {
	/* [threads][interval] */
	{ "pid,uid,threads,utime,stime,read_bytes,write_bytes,cpu_delay_total,"
	  "blkio_delay_total,comm",
	  "pid,cpu%,read/s,write/s,cpu_delay%,blkio_delay%,status,comm" },
	{ "pid,tgid,uid,utime,stime,read_bytes,write_bytes,cpu_delay_total,"
	  "blkio_delay_total,comm",
	  "pid,tgid,cpu%,read/s,write/s,cpu_delay%,status,comm" },
};

/* --group-by's default columns. */
static const char default_group_columns[] =
	"group,threads,cpu%,read/s,write/s,cpu_delay%,blkio_delay%";

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

/* ---- rows -------------------------------------------------------------- */

enum cell_type { CELL_NULL, CELL_U64, CELL_I64, CELL_DBL, CELL_STR };

struct cell {
	enum cell_type type;
	bool impossible;	/* a value that cannot be true (notes.h) */
	union {
		uint64_t u;
		int64_t i;
		double d;
		const char *s;
	};
};

struct row {
	uint32_t id;
	size_t idx;			/* in snap */
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
	struct cli_snapshot snap;	/* the snapshot, or the rows of an interval */
	struct row *rows;
	struct cell *cells;
	size_t rows_cap;
	unsigned int tables;		/* printed so far */
	/* --interval: the monitor, and per row of snap what it adds */
	struct tstats_monitor *mon;
	struct mrow *mrows;
	char **keys;
	size_t mcap, n_keys;
	bool shared_mon;		/* the live view's: not freed here */
	/* -p/-t with --interval: the watched tasks and their sums */
	struct watched *watched;
	size_t n_watched;
	/* --format prometheus: the rows' totals, and each group's processes
	 * started and exited since the start (by group id) */
	struct prom_copy *prom;
	size_t n_prom, prom_cap;
	uint64_t (*group_counts)[2];
	size_t n_group_counts;
	const char *failed;		/* what failed, for the error line */
	/* The longest tick so far, and the last interval: a task's two
	 * records of an interval are read up to a tick's length off its
	 * ends, so its delays may cover that much more (notes.h). */
	uint64_t max_tick_ns, last_interval_ns;
	/* -J: the document's parts so far (write_document()) */
	struct json_object *doc_rows, *doc_intervals, *doc_averages;
};

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

/* ---- cells ------------------------------------------------------------- */

/* What an interval row of the monitor adds to a record. */
struct mrow {
	uint32_t flags;		/* enum tstats_row_flag */
	const char *key;	/* --group-by: the group's key */
	/* Threads that lived in the interval: live at its end, or exited
	 * in it. Each waits at most the whole interval. */
	uint32_t threads_seen;
};

static const char *status_text(uint32_t flags)
{
	if ((flags & TSTATS_ROW_STARTED) && (flags & TSTATS_ROW_EXITED))
		return "new+exit";
	if (flags & TSTATS_ROW_EXITED)
		return "exit";
	if (flags & TSTATS_ROW_LOST)
		return "lost";
	if (flags & TSTATS_ROW_STARTED)
		return "new";
	return NULL;
}

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
		    const struct tstats_rates *rates, const struct mrow *mr, struct cell *v)
{
	uint64_t delta;
	double per_sec;
	int r;

	v->type = CELL_NULL;
	v->impossible = false;
	/* A group's row has no record of its own (kind 0). */
	if (!rec->kind && c->kind != COL_THREADS && c->kind != COL_CPU &&
	    c->kind != COL_USER && c->kind != COL_SYSTEM && c->kind != COL_RATE &&
	    c->kind != COL_DELAY && c->kind != COL_FIELD && c->kind != COL_GROUP)
		return;
	switch (c->kind) {
	case COL_STATUS:
		if (mr)
			v->s = status_text(mr->flags);
		v->type = mr && v->s ? CELL_STR : CELL_NULL;
		break;
	case COL_GROUP:
		if (mr && mr->key) {
			v->type = CELL_STR;
			v->s = mr->flags & TSTATS_ROW_OTHER ? "(other)" : mr->key;
		}
		break;
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
		/* A thread waits at most the whole interval: more is the
		 * kernel's error (seen: BLKIO_DELAY% 4182.8 for a kworker). */
		if (v->type == CELL_DBL && mr && t->last_interval_ns)
			v->impossible = cli_percent_impossible(
				v->d * (double)t->last_interval_ns /
				(double)(t->last_interval_ns + 2 * t->max_tick_ns), mr->threads_seen);
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

static const char *text_u64(char *buf, const struct cli_column *c, uint64_t u, bool exact,
			    bool bytes)
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
		if (bytes)	/* -b: whole bytes, as lsblk -b */
			return cli_fmt_u64(buf, u);
		cli_fmt_size(buf, u);
		return squeeze(buf);
	case TSTATS_UNIT_KIB:
		if (bytes)
			return cli_fmt_u64(buf, cli_mul_sat(u, 1024));
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
		return cli_escape(buf, v->s, strlen(v->s));	/* the live view's */
	case CELL_I64:
		snprintf(buf, TEXT_MAX, "%" PRId64, v->i);
		return buf;
	case CELL_U64:
		return text_u64(buf, c, v->u, exact, t->opts->bytes);
	case CELL_DBL:
		if (is_percent(c)) {
			snprintf(buf, TEXT_MAX, exact ? "%.2f" : "%.1f", v->d);
			cli_mark_impossible(buf, TEXT_MAX, v->impossible);
		} else if (!exact && strcmp(c->unit, "B/s") == 0) {
			if (t->opts->bytes) {
				cli_fmt_u64(buf, rate_u64(v->d));
			} else {
				cli_fmt_size(buf, rate_u64(v->d));
				squeeze(buf);
			}
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

/* One table through libsmartcols (table.h): the header, then the rows. */
static int print_table(struct top *t, size_t n)
{
	unsigned int flags = (t->opts->raw ? CLI_TABLE_RAW : 0) |
			     (t->opts->noheadings ? CLI_TABLE_NOHEADINGS : 0);
	struct cli_table *tab = NULL;
	char buf[TEXT_MAX];
	int r;

	r = cli_table_new(flags, &tab);
	for (size_t c = 0; r == 0 && c < t->n_cols; c++)
		r = cli_table_add_column(tab, header_text(buf, t->cols[c]),
					 !(t->cols[c]->flags & COL_LEFT));
	for (size_t i = 0; r == 0 && i < n; i++) {
		r = cli_table_add_row(tab);
		for (size_t c = 0; r == 0 && c < t->n_cols; c++) {
			const struct cell *v = &t->rows[i].cells[c];

			if (v->type == CELL_STR)
				r = cli_table_set_untrusted(tab, c, v->s);
			else
				r = cli_table_set(tab, c, cell_text(buf, t, t->cols[c], v));
		}
	}
	/* The tables of consecutive intervals are apart (monitor_emit()). */
	t->tables++;
	if (r == 0)
		r = cli_table_print(tab, t->out);
	cli_table_free(tab);
	return r;
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

/* JSON Lines: obj on one line; takes obj. Returns 0, -ENOMEM or -EIO. */
static int put_line(struct top *t, struct json_object *obj)
{
	return cli_json_print(t->out, obj, true);
}

/* Appends v (taken, also on failure) to the array *arr, made on first use. */
static int append(struct json_object **arr, struct json_object *v)
{
	if (!*arr)
		*arr = sym_json_object_new_array();
	if (!*arr || sym_json_object_array_add(*arr, v) < 0) {
		sym_json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/* Where the interval is in a line: its number, end and length. In the
 * document (-J) the interval's object says it once for its rows. */
static int add_interval_keys(struct json_object *obj, const struct interval_info *ii)
{
	int r;

	r = cli_json_add(obj, "interval", sym_json_object_new_uint64(ii->k), false);
	if (r == 0)
		r = cli_json_add(obj, "time", sym_json_object_new_string(ii->time), false);
	if (r == 0)
		r = cli_json_add(obj, "seconds", ii->k ? json_double(ii->seconds, 6) : NULL, !ii->k);
	return r;
}

/* A row as JSON: a line (--json-lines), or an element of the document's
 * rows (-J). */
static int json_row(struct top *t, const struct interval_info *ii, const struct row *row,
		    const struct tstats_record *rec, uint32_t threads, const struct mrow *mr)
{
	struct json_object *obj = sym_json_object_new_object();
	int r = 0;

	if (!obj)
		return -ENOMEM;
	if (t->opts->json_lines)
		r = add_interval_keys(obj, ii);
	/* Identity first, then the selected columns in their order. */
	for (size_t i = 0; r == 0 && i < N_IDENTITY; i++) {
		struct json_object *j;
		struct cell v;

		if (!t->identity[i])
			continue;
		compute(t, t->identity[i], rec, threads, NULL, mr, &v);
		j = cell_json(&v, &r);
		if (r == 0)
			r = cli_json_add(obj, t->identity[i]->key, j, true);
	}
	for (size_t c = 0; r == 0 && c < t->n_cols; c++) {
		struct json_object *j;

		if (sym_json_object_object_get_ex(obj, t->cols[c]->key, NULL))
			continue;
		j = cell_json(&row->cells[c], &r);
		if (r == 0)
			r = cli_json_add(obj, t->cols[c]->key, j, true);
	}
	/* "notes": {column: text} for values that cannot be true, as in
	 * the -p/-t report's JSON. */
	for (size_t c = 0; r == 0 && c < t->n_cols; c++) {
		struct json_object *notes = NULL;

		if (!row->cells[c].impossible)
			continue;
		if (!sym_json_object_object_get_ex(obj, "notes", &notes)) {
			notes = sym_json_object_new_object();
			r = cli_json_add(obj, "notes", notes, false);
		}
		if (r == 0)
			r = cli_json_add(notes, t->cols[c]->key, sym_json_object_new_string(
					 "more than the interval can hold (100% per thread): a "
					 "wait is counted whole when it ends, so this includes "
					 "time before the interval, or is the kernel's error"),
					 false);
	}
	if (r < 0) {
		sym_json_object_put(obj);
		return r;
	}
	return t->opts->json_lines ? put_line(t, obj) : append(&t->doc_rows, obj);
}

/*
 * -J: the whole run as one document, written at its end (after --count
 * intervals, or at SIGINT/SIGTERM):
 *   {"schema_version": 1, "time": T, "rows": [...]}          a snapshot
 *   {"schema_version": 1, "intervals": [{"interval": 1, "time": T,
 *     "seconds": S, "rows": [...], "total": {...}}, ...],
 *    "averages": [...]}                                     --interval
 */
static int write_document(struct top *t, const char *time)
{
	struct json_object *doc = sym_json_object_new_object();
	int r;

	if (!doc)
		return -ENOMEM;
	r = cli_json_add(doc, "schema_version", sym_json_object_new_int(1), false);
	if (r == 0 && !t->opts->interval_ns) {
		r = cli_json_add(doc, "time", sym_json_object_new_string(time), false);
		if (r == 0)
			r = cli_json_add(doc, "rows", t->doc_rows ? t->doc_rows :
					 sym_json_object_new_array(), false);
		t->doc_rows = NULL;
	} else if (r == 0) {
		r = cli_json_add(doc, "intervals", t->doc_intervals ? t->doc_intervals :
				 sym_json_object_new_array(), false);
		t->doc_intervals = NULL;
		if (r == 0 && t->opts->watch)
			r = cli_json_add(doc, "averages", t->doc_averages ? t->doc_averages :
					 sym_json_object_new_array(), false);
		t->doc_averages = NULL;
	}
	if (r == 0) {
		r = cli_json_print(t->out, doc, t->opts->compact);
		return r == 0 ? cli_flush(t->out) : r;
	}
	sym_json_object_put(doc);
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

static int cmp_ids(const void *pa, const void *pb, void *userdata)
{
	const struct row *a = pa, *b = pb;

	(void)userdata;
	return a->id < b->id ? -1 : a->id > b->id;
}

static void add_row(struct top *t, size_t n, const struct cli_snapshot *s, size_t idx,
		    const struct tstats_rates *rates)
{
	const struct tstats_record *rec = &s->recs[idx];
	uint32_t threads = s->threads[idx];
	struct row *row = &t->rows[n];

	row->id = rec->id;
	row->idx = idx;
	row->cells = &t->cells[n * t->n_cells];
	for (size_t c = 0; c < t->n_cells; c++)
		compute(t, t->cols[c], rec, threads, rates, NULL, &row->cells[c]);
}

/* The rows of cur against its baseline prev (NULL: a snapshot). */
/* The first n rows as a table, or as JSON lines of interval ii; their
 * records in s, what an interval adds to them in mrows (NULL: none). */
static int print_rows(struct top *t, size_t n, const struct interval_info *ii,
		      const struct cli_snapshot *s, const struct mrow *mrows)
{
	int r = 0;

	if (!t->opts->json)
		return print_table(t, n);
	for (size_t i = 0; r == 0 && i < n; i++) {
		size_t j = t->rows[i].idx;

		r = json_row(t, ii, &t->rows[i], &s->recs[j], s->threads[j],
			     mrows ? &mrows[j] : NULL);
	}
	return r;
}

/* An ISO 8601 UTC time with milliseconds ("2026-12-07T18:29:09.123Z"). */
static const char *iso_time(char *buf, size_t size, const struct timespec *ts)
{
	struct tm tm;

	gmtime_r(&ts->tv_sec, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), size - strlen(buf), ".%03ldZ", ts->tv_nsec / 1000000);
	return buf;
}

/* The snapshot (no --interval): what each task used since it started. */
static int emit(struct top *t, const struct cli_snapshot *cur)
{
	struct interval_info ii = { .k = 0 };
	char stamp[64];
	size_t n;
	int r;

	r = rows_reserve(t, cur->n);
	if (r < 0)
		return r;
	for (n = 0; n < cur->n; n++)
		add_row(t, n, cur, n, NULL);
	if (t->sort_cell != SIZE_MAX)
		qsort_r(t->rows, n, sizeof(*t->rows), cmp_rows, t);
	if (t->opts->top && n > t->opts->top)
		n = t->opts->top;

	ii.time = iso_time(stamp, sizeof(stamp), &cur->real);
	r = print_rows(t, n, &ii, cur, NULL);
	if (r == 0 && t->opts->json && !t->opts->json_lines)
		r = write_document(t, ii.time);
	if (r == 0)
		r = cli_flush(t->out);
	if (r < 0)
		t->failed = r == -ENOMEM ? NULL : "cannot write the output";
	return r;
}

/* ---- intervals: the monitor -------------------------------------------- */

/* A task watched with -p/-t and --interval, summed over the intervals for
 * the closing average. */
struct watched {
	uint32_t id;
	bool seen;
	uint64_t cpu_ns, read_bytes, write_bytes, interval_ns;
	unsigned int intervals;
	struct tstats_record rec;	/* its newest record, for the name */
};

static uint64_t rate_delta(const struct tstats_rates *r, unsigned int f);

/* CPU time of an interval row in ns: the scheduler's, else utime + stime. */
static uint64_t row_cpu_ns(const struct tstats_rates *r)
{
	uint64_t v;

	if (tstats_rates_get(r, TSTATS_F_CPU_RUN_VIRTUAL_TOTAL, &v, NULL) == 0)
		return v;
	return (rate_delta(r, TSTATS_F_UTIME) + rate_delta(r, TSTATS_F_STIME)) * 1000;
}

/* -p/-t: the watched task of this row, or NULL for another. */
static struct watched *watched_of(struct top *t, const struct tstats_monitor_row *row)
{
	for (size_t i = 0; i < t->n_watched; i++)
		if (t->watched[i].id == row->id)
			return &t->watched[i];
	return NULL;
}

/* -u, --comm, --active. */
static bool row_passes(const struct top *t, const struct tstats_monitor_row *row)
{
	const struct cli_opts *opts = t->opts;
	uint64_t v;

	if (opts->has_uid && (!row->rec || tstats_record_get(row->rec, TSTATS_F_UID, &v) < 0 ||
			      v != opts->uid))
		return false;
	if (opts->n_comms) {
		bool found = false;

		for (size_t i = 0; row->rec && i < opts->n_comms && !found; i++)
			found = strcmp(row->rec->comm, opts->comms[i]) == 0;
		if (!found)
			return false;
	}
	if (opts->active && !(row->flags & (TSTATS_ROW_STARTED | TSTATS_ROW_EXITED)) &&
	    row_cpu_ns(&row->rates) == 0 && rate_delta(&row->rates, TSTATS_F_READ_BYTES) == 0 &&
	    rate_delta(&row->rates, TSTATS_F_WRITE_BYTES) == 0 &&
	    rate_delta(&row->rates, TSTATS_F_READ_CHAR) == 0 &&
	    rate_delta(&row->rates, TSTATS_F_WRITE_CHAR) == 0)
		return false;
	return true;
}

/*
 * With --interval the rows come from a monitor (tstats_monitor_tick()):
 * live tasks' increases plus the final values of the tasks that exited in
 * the interval, so that nothing that ran between two samples escapes.
 * The rows of one interval are copied into snap (records, ids,
 * threads) and mrows/keys (status and group key), in two passes: one to
 * count them, one to fill them, so that the cells' strings point into
 * arrays that no longer move.
 */
struct collect {
	struct top *t;
	size_t n;
	bool count_only;
	int err;
};

static bool row_shown(struct top *t, const struct tstats_monitor_row *row)
{
	/* Restricted (privs.c): another user's task is left out. */
	if (row->rec && !cli_may_show(row->rec))
		return false;
	if (t->n_watched && !watched_of(t, row))
		return false;
	return row_passes(t, row);
}

static int on_monitor_row(const struct tstats_monitor_row *row, void *userdata)
{
	struct collect *c = userdata;
	struct top *t = c->t;
	struct cli_snapshot *s = &t->snap;
	struct row *r;

	if (!row_shown(t, row))
		return 0;
	if (c->count_only) {
		c->n++;
		return 0;
	}
	if (t->n_watched) {
		struct watched *w = watched_of(t, row);

		w->seen = true;
		w->cpu_ns += row_cpu_ns(&row->rates);
		w->read_bytes += rate_delta(&row->rates, TSTATS_F_READ_BYTES);
		w->write_bytes += rate_delta(&row->rates, TSTATS_F_WRITE_BYTES);
		w->interval_ns += row->rates.interval_ns;
		w->intervals++;
		if (row->rec)
			w->rec = *row->rec;
	}
	if (c->n >= s->cap || c->n >= t->mcap)
		return 0;	/* a row that appeared between the passes */
	if (row->rec) {
		s->recs[c->n] = *row->rec;
	} else {
		memset(&s->recs[c->n], 0, sizeof(s->recs[c->n]));
		s->recs[c->n].id = row->id;
	}
	s->ids[c->n] = row->id;
	s->threads[c->n] = row->threads;
	t->mrows[c->n].flags = row->flags;
	t->mrows[c->n].key = NULL;
	t->mrows[c->n].threads_seen = row->threads + row->threads_exited;
	if (row->key) {
		t->keys[c->n] = strdup(row->key);
		if (!t->keys[c->n]) {
			c->err = -ENOMEM;
			return -1;
		}
		t->mrows[c->n].key = t->keys[c->n];
	}
	r = &t->rows[c->n];
	r->id = row->id;
	r->idx = c->n;
	r->cells = &t->cells[c->n * t->n_cells];
	for (size_t i = 0; i < t->n_cells; i++)
		compute(t, t->cols[i], &s->recs[c->n], row->threads, &row->rates,
			&t->mrows[c->n], &r->cells[i]);
	c->n++;
	return 0;
}

static void free_keys(struct top *t, size_t n)
{
	for (size_t i = 0; i < n && t->keys; i++) {
		free(t->keys[i]);
		t->keys[i] = NULL;
	}
}

static int mrows_reserve(struct top *t, size_t n)
{
	void *p;
	int r;

	r = cli_snapshot_reserve(&t->snap, n);
	if (r < 0)
		return r;
	if (n <= t->mcap)
		return rows_reserve(t, n);
	p = realloc(t->mrows, n * sizeof(*t->mrows));
	if (!p)
		return -ENOMEM;
	t->mrows = p;
	p = realloc(t->keys, n * sizeof(*t->keys));
	if (!p)
		return -ENOMEM;
	t->keys = p;
	memset(t->keys + t->mcap, 0, (n - t->mcap) * sizeof(*t->keys));
	t->mcap = n;
	return rows_reserve(t, n);
}

static unsigned int monitor_level(const struct cli_opts *opts)
{
	if (opts->group_by)
		return TSTATS_LEVEL_GROUP;
	if (opts->watch)
		return opts->targets[0].kind == TSTATS_KIND_PID ? TSTATS_LEVEL_THREAD :
		       TSTATS_LEVEL_PROCESS;
	return opts->threads ? TSTATS_LEVEL_THREAD : TSTATS_LEVEL_PROCESS;
}

/* The interval's total row, copied. */
struct total {
	struct tstats_rates rates;
	uint32_t threads_exited, processes_started, processes_exited;
};

static int on_total(const struct tstats_monitor_row *row, void *userdata)
{
	struct total *tot = userdata;

	tot->rates = row->rates;
	tot->threads_exited = row->threads_exited;
	tot->processes_started = row->processes_started;
	tot->processes_exited = row->processes_exited;
	return 0;
}

static uint64_t rate_delta(const struct tstats_rates *r, unsigned int f)
{
	uint64_t d = 0;

	tstats_rates_get(r, f, &d, NULL);
	return d;
}

/* What was lost in the interval: messages (or overflows, when the kernel's
 * count is unknown) and threads gone without a final record. */
static uint64_t lost_count(const struct tstats_monitor_stats *st)
{
	return (st->lost_messages == UINT64_MAX ? st->lost_overflows : st->lost_messages) +
	       st->lost_threads;
}

static int print_total(struct top *t, const struct interval_info *ii, const struct total *tot,
		       const struct tstats_monitor_stats *st)
{
	uint64_t cpu_us = rate_delta(&tot->rates, TSTATS_F_UTIME) +
			  rate_delta(&tot->rates, TSTATS_F_STIME);
	double secs = (double)st->interval_ns / 1e9;
	char rd[CLI_FMT_MAX], wr[CLI_FMT_MAX];
	struct json_object *obj, *iv;
	int r = 0;

	if (!t->opts->json) {
		cli_fmt_size(rd, rate_delta(&tot->rates, TSTATS_F_READ_BYTES));
		cli_fmt_size(wr, rate_delta(&tot->rates, TSTATS_F_WRITE_BYTES));
		/* Two lines, to fit 80 columns. */
		fprintf(t->out, "TOTAL %.2f CPU-seconds in %.2f s (%.1f%%), read %s, written %s\n"
			"      %" PRIu32 " processes started, %" PRIu32 " exited (%" PRIu32
			" threads); ", (double)cpu_us / 1e6, secs,
			secs > 0 ? (double)cpu_us / 1e4 / secs : 0.0, rd, wr,
			tot->processes_started, tot->processes_exited, tot->threads_exited);
		if (st->complete)
			fputs("complete\n", t->out);
		else
			fprintf(t->out, "INCOMPLETE: %" PRIu64 " exits lost (raise --rcvbuf)\n",
				lost_count(st));
		return 0;
	}
	obj = sym_json_object_new_object();
	if (!obj)
		return -ENOMEM;
	if (t->opts->json_lines) {
		r = cli_json_add(obj, "type", sym_json_object_new_string("total"), false);
		if (r == 0)
			r = add_interval_keys(obj, ii);
	}
	if (r == 0)
		r = cli_json_add(obj, "cpu_seconds", json_double((double)cpu_us / 1e6, 6), false);
	if (r == 0)
		r = cli_json_add(obj, "read_bytes", sym_json_object_new_uint64(
				 rate_delta(&tot->rates, TSTATS_F_READ_BYTES)), false);
	if (r == 0)
		r = cli_json_add(obj, "write_bytes", sym_json_object_new_uint64(
				 rate_delta(&tot->rates, TSTATS_F_WRITE_BYTES)), false);
	if (r == 0)
		r = cli_json_add(obj, "processes_started",
				 sym_json_object_new_uint64(tot->processes_started), false);
	if (r == 0)
		r = cli_json_add(obj, "processes_exited",
				 sym_json_object_new_uint64(tot->processes_exited), false);
	if (r == 0)
		r = cli_json_add(obj, "tasks_exited",
				 sym_json_object_new_uint64(tot->threads_exited), false);
	if (r == 0)
		r = cli_json_add(obj, "complete", sym_json_object_new_boolean(st->complete), false);
	if (r == 0)
		r = cli_json_add(obj, "lost", sym_json_object_new_uint64(lost_count(st)), false);
	if (r < 0) {
		sym_json_object_put(obj);
		return r;
	}
	if (t->opts->json_lines)
		return put_line(t, obj);
	/* -J: the interval's object, its rows and this total. */
	iv = sym_json_object_new_object();
	if (!iv) {
		sym_json_object_put(obj);
		return -ENOMEM;
	}
	r = add_interval_keys(iv, ii);
	if (r == 0)
		r = cli_json_add(iv, "rows", t->doc_rows ? t->doc_rows :
				 sym_json_object_new_array(), false);
	t->doc_rows = NULL;
	if (r == 0)
		r = cli_json_add(iv, "total", obj, false);
	else
		sym_json_object_put(obj);
	if (r < 0) {
		sym_json_object_put(iv);
		return r;
	}
	return append(&t->doc_intervals, iv);
}

/* -p/-t with --interval, at the end: each watched task's averages. */
static int print_averages(struct top *t)
{
	char comm[TSTATS_COMM_TEXT_MAX], rd[CLI_FMT_MAX], wr[CLI_FMT_MAX];
	const char *label = cli_kind_label(t->kind);
	int r = 0;

	for (size_t i = 0; r == 0 && i < t->n_watched; i++) {
		const struct watched *w = &t->watched[i];
		double secs = (double)w->interval_ns / 1e9;
		struct json_object *obj;

		if (!w->seen || secs <= 0)
			continue;
		if (tstats_record_comm_text(&w->rec, t->opts->json ? 0 : TSTATS_TEXT_ESCAPE, comm,
					    sizeof(comm)) < 0)
			strcpy(comm, "-");
		if (!t->opts->json) {
			cli_fmt_size(rd, rate_u64((double)w->read_bytes / secs));
			cli_fmt_size(wr, rate_u64((double)w->write_bytes / secs));
			fprintf(t->out, "AVERAGE %s %" PRIu32 " (%s) over %u intervals (%.2f s): "
				"%.1f%% CPU, read %s/s, written %s/s\n", label, w->id, comm,
				w->intervals, secs, (double)w->cpu_ns / 1e7 / secs, rd, wr);
			continue;
		}
		obj = sym_json_object_new_object();
		if (!obj)
			return -ENOMEM;
		if (t->opts->json_lines)
			r = cli_json_add(obj, "type", sym_json_object_new_string("average"), false);
		if (r == 0)
			r = cli_json_add(obj, t->kind == TSTATS_KIND_PID ? "pid" : "tgid",
					 sym_json_object_new_uint64(w->id), false);
		if (r == 0)
			r = cli_json_add(obj, "comm", sym_json_object_new_string(comm), false);
		if (r == 0)
			r = cli_json_add(obj, "intervals", sym_json_object_new_uint64(w->intervals),
					 false);
		if (r == 0)
			r = cli_json_add(obj, "seconds", json_double(secs, 6), false);
		if (r == 0)
			r = cli_json_add(obj, "cpu_pct", json_double((double)w->cpu_ns / 1e7 / secs, 2),
					 false);
		if (r == 0)
			r = cli_json_add(obj, "read_bytes_per_second",
					 json_double((double)w->read_bytes / secs, 1), false);
		if (r == 0)
			r = cli_json_add(obj, "write_bytes_per_second",
					 json_double((double)w->write_bytes / secs, 1), false);
		if (r < 0)
			sym_json_object_put(obj);
		else if (t->opts->json_lines)
			r = put_line(t, obj);
		else
			r = append(&t->doc_averages, obj);
	}
	if (r == 0)
		r = cli_flush(t->out);
	return r;
}

/* The thread group of task id (a thread's, or a process's own), from
 * /proc/ID/status; -ESRCH when there is no such task. */
static int tgid_of(uint32_t id, uint32_t *ret)
{
	char path[48], line[128];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/status", id);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (!found && fgets(line, sizeof(line), f))
		if (strncmp(line, "Tgid:", 5) == 0)
			found = sscanf(line + 5, "%" SCNu32, ret) == 1;
	fclose(f);
	return found ? 0 : -ESRCH;
}

/* -p/-t with --interval: the monitor follows the targets' groups. */
static int watch_targets(struct top *t)
{
	const struct cli_opts *opts = t->opts;
	uint32_t tgid;
	int r;

	t->watched = calloc(opts->n_targets, sizeof(*t->watched));
	if (!t->watched)
		return -ENOMEM;
	for (size_t i = 0; i < opts->n_targets; i++) {
		r = tgid_of(opts->targets[i].id, &tgid);
		if (r < 0) {
			cli_warn("%s %" PRIu32 ": %s", cli_kind_label(opts->targets[i].kind),
				 opts->targets[i].id, cli_task_error_text(r));
			return r;
		}
		/* -t of a thread that is not the leader: its process. */
		t->watched[t->n_watched++].id = opts->targets[i].kind == TSTATS_KIND_PID ?
						opts->targets[i].id : tgid;
		r = tstats_monitor_watch(t->mon, tgid);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * The rows of the last interval into t->rows, sorted, --top applied, and
 * its total and stats: the number of rows, or -errno. The group keys they
 * point to live until the next call.
 */
static int collect_interval(struct top *t, struct total *tot, struct tstats_monitor_stats *st)
{
	unsigned int level = monitor_level(t->opts);
	struct collect c = { .t = t, .count_only = true };
	size_t n;
	int r;

	free_keys(t, t->n_keys);
	t->n_keys = 0;
	r = tstats_monitor_stats(t->mon, st);
	if (r < 0)
		return r;
	t->last_interval_ns = st->interval_ns;
	if (st->tick_ns > t->max_tick_ns)
		t->max_tick_ns = st->tick_ns;
	r = tstats_monitor_foreach(t->mon, level, on_monitor_row, &c);
	if (r < 0)
		return r;
	r = mrows_reserve(t, c.n + 1);
	if (r < 0)
		return r;
	c.n = 0;
	c.count_only = false;
	r = tstats_monitor_foreach(t->mon, level, on_monitor_row, &c);
	t->n_keys = c.n;
	if (r < 0)
		return c.err ? c.err : r;
	n = c.n;
	memset(tot, 0, sizeof(*tot));
	r = tstats_monitor_foreach(t->mon, TSTATS_LEVEL_TOTAL, on_total, tot);
	if (r >= 0)
		r = tstats_monitor_stats(t->mon, st);
	if (r < 0)
		return r;
	if (t->sort_cell != SIZE_MAX)
		qsort_r(t->rows, n, sizeof(*t->rows), cmp_rows, t);
	else
		qsort_r(t->rows, n, sizeof(*t->rows), cmp_ids, t);
	if (t->opts->top && n > t->opts->top)
		n = t->opts->top;
	return (int)n;
}

static int monitor_emit(struct top *t, unsigned int k)
{
	struct interval_info ii = { .k = k };
	struct tstats_monitor_stats st;
	struct timespec real;
	struct total tot;
	char stamp[64];
	size_t n;
	int r;

	r = collect_interval(t, &tot, &st);
	if (r < 0)
		return r;
	n = (size_t)r;
	clock_gettime(CLOCK_REALTIME, &real);
	ii.time = iso_time(stamp, sizeof(stamp), &real);
	ii.seconds = (double)st.interval_ns / 1e9;
	r = 0;
	/* Text: each table says when its interval ended. */
	if (!t->opts->json) {
		char when[CLI_FMT_MAX];

		if (t->tables && fputc('\n', t->out) == EOF)
			r = -EIO;
		if (r == 0 && fprintf(t->out, "INTERVAL %u ending %s (%.2f s)\n", k,
				      cli_fmt_time(when, real.tv_sec, real.tv_nsec),
				      ii.seconds) < 0)
			r = -EIO;
	}
	if (r == 0)
		r = print_rows(t, n, &ii, &t->snap, t->mrows);
	if (r == 0)
		r = print_total(t, &ii, &tot, &st);
	if (r == 0)
		r = cli_flush(t->out);
	if (r < 0)
		t->failed = r == -ENOMEM ? NULL : "cannot write the output";
	return r;
}

/* ---- intervals in the Prometheus format --------------------------------- */

/* A row kept for the exposition (the monitor's is valid during its
 * callback only). */
struct prom_copy {
	struct tstats_record rec;
	bool has_rec;
	char *key;
	uint32_t threads;
	uint64_t valid[TSTATS_FIELD_CAPACITY / 64];
	uint64_t total[TSTATS_FIELD_CAPACITY];
	uint64_t started, exited;
};

static int on_prom_row(const struct tstats_monitor_row *row, void *userdata)
{
	struct collect *c = userdata;
	struct top *t = c->t;
	struct prom_copy *p;

	if (row->rec && !cli_may_show(row->rec))
		return 0;
	if (t->n_prom == t->prom_cap) {
		size_t cap = t->prom_cap ? 2 * t->prom_cap : 64;

		p = realloc(t->prom, cap * sizeof(*p));
		if (!p)
			goto nomem;
		t->prom = p;
		t->prom_cap = cap;
	}
	p = &t->prom[t->n_prom];
	memset(p, 0, offsetof(struct prom_copy, total));
	p->has_rec = row->rec != NULL;
	if (row->rec)
		p->rec = *row->rec;
	p->threads = row->threads;
	memcpy(p->valid, row->total_valid, sizeof(p->valid));
	memcpy(p->total, row->total, sizeof(p->total));
	if (row->key) {
		/* Processes started and exited, summed since the start. */
		if (row->id >= t->n_group_counts) {
			size_t n = row->id + 64;
			uint64_t (*g)[2] = realloc(t->group_counts, n * sizeof(*g));

			if (!g)
				goto nomem;
			memset(g + t->n_group_counts, 0, (n - t->n_group_counts) * sizeof(*g));
			t->group_counts = g;
			t->n_group_counts = n;
		}
		t->group_counts[row->id][0] += row->processes_started;
		t->group_counts[row->id][1] += row->processes_exited;
		p->started = t->group_counts[row->id][0];
		p->exited = t->group_counts[row->id][1];
		p->key = strdup(row->flags & TSTATS_ROW_OTHER ? "other" : row->key);
		if (!p->key)
			goto nomem;
	}
	t->n_prom++;
	return 0;
nomem:
	c->err = -ENOMEM;
	return -1;
}

/*
 * Writes the exposition to FILE's directory as a new file, then renames it
 * over FILE: a reader (node_exporter's textfile collector) sees the old
 * file or the new one, never half of one, and a link planted at FILE is
 * replaced, not followed.
 */
static int write_atomically(const char *path, const struct cli_prom_row *rows, size_t n,
			    const struct cli_prom_meta *meta)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	char *tmp;
	FILE *f;
	int fd, r;

	if (asprintf(&tmp, "%.*s.%s.XXXXXX", (int)dirlen, path, path + dirlen) < 0)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		free(tmp);
		return r;
	}
	f = fdopen(fd, "w");
	if (!f) {
		r = -errno;
		close(fd);
		goto fail;
	}
	r = cli_prom_intervals(f, rows, n, meta);
	if (fchmod(fd, 0644) < 0 && r == 0)
		r = -errno;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
fail:
	if (r < 0)
		unlink(tmp);
	free(tmp);
	return r;
}

static int prom_emit(struct top *t, const struct tstats_monitor_stats *st)
{
	struct collect c = { .t = t };
	struct cli_prom_meta meta = { .intervals = st->ticks - 1,
				      .incomplete = st->incomplete_intervals,
				      .lost_messages = st->total_lost_messages,
				      .lost_threads = st->total_lost_threads,
				      .followed = st->threads,
				      .delayacct = tstats_delayacct_state() };
	struct cli_prom_row *rows;
	int r;

	for (size_t i = 0; i < t->n_prom; i++)
		free(t->prom[i].key);
	t->n_prom = 0;
	r = tstats_monitor_foreach(t->mon, monitor_level(t->opts), on_prom_row, &c);
	if (r < 0)
		return c.err ? c.err : r;
	rows = calloc(t->n_prom ? t->n_prom : 1, sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_prom; i++) {
		const struct prom_copy *p = &t->prom[i];

		rows[i] = (struct cli_prom_row){ .rec = p->has_rec ? &p->rec : NULL, .key = p->key,
			.total = p->total, .valid = p->valid, .threads = p->threads,
			.started = p->started, .exited = p->exited };
	}
	/* --output-file -: stdout, as everywhere else. */
	if (t->opts->output && strcmp(t->opts->output, "-") != 0) {
		r = write_atomically(t->opts->output, rows, t->n_prom, &meta);
		if (r < 0)
			t->failed = "cannot write the output file";
	} else {
		r = cli_prom_intervals(t->out, rows, t->n_prom, &meta);
		if (r == 0 && (fputc('\n', t->out) == EOF || cli_flush(t->out) < 0))
			r = -EIO;
		if (r < 0)
			t->failed = "cannot write the output";
	}
	free(rows);
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
 * Sleeps until the monotonic deadline, taking the monitor's exit records
 * meanwhile (mon may be NULL). Returns 1 when a signal asks to stop, 0 at
 * the deadline. The signals are blocked from the check of the
 * flag until ppoll() atomically lets them in, so none is missed.
 */
static int sleep_until(uint64_t deadline, struct tstats_monitor *mon)
{
	struct pollfd pfd = { .fd = mon ? tstats_monitor_fd(mon) : -1, .events = POLLIN };
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
		/* The monitor's exits are taken as they come, so that a
		 * burst does not overflow its socket before the tick. */
		if (ppoll(&pfd, mon ? 1 : 0, &ts, &during) > 0 && mon)
			tstats_monitor_dispatch(mon);
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
	int direction = 0, r;

	if (opts->output_all) {
		/* -O: every column, in the table's order. */
		for (size_t i = 0; i < t->table.n; i++) {
			r = add_column(&t->cols, &t->n_cols, &t->table.cols[i]);
			if (r < 0)
				goto nomem;
		}
		list = NULL;
	} else if (!list || list[0] == '+') {
		/* A library without a default's field: it is left out. */
		r = parse_columns(t, opts->group_by ? default_group_columns :
				  default_columns[opts->threads][interval], true, &bad, &bad_len);
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

	/* By default: CPU use with --interval, the task id in a snapshot.
	 * "+COLUMN" sorts ascending, "-COLUMN" descending (ps's --sort). */
	if (opts->sort) {
		const char *name = opts->sort + (*opts->sort == '+' || *opts->sort == '-');

		direction = name == opts->sort ? 0 : *opts->sort == '+' ? 1 : -1;
		sort = cli_column_find(&t->table, name, strlen(name));
		if (!sort)
			return unknown_column(" for --sort", name, strlen(name));
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
		t->ascending = direction ? direction > 0 : (sort->flags & COL_ASCENDING) != 0;
		/* Ascending by id is the order rows come in. */
		if (sort->kind == COL_PID && t->ascending)
			t->sort_cell = SIZE_MAX;
	}
	for (size_t i = 0; i < N_IDENTITY; i++)
		t->identity[i] = cli_column_find(&t->table, identity_columns[i],
						 strlen(identity_columns[i]));
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
	cli_snapshot_free(&t->snap);
	free(t->rows);
	free(t->cells);
	free(t->cols);
	tstats_ctx_free(t->ctx);
	if (!t->shared_mon)
		tstats_monitor_free(t->mon);
	free_keys(t, t->n_keys);
	free(t->mrows);
	free(t->keys);
	free(t->watched);
	for (size_t i = 0; i < t->n_prom; i++)
		free(t->prom[i].key);
	free(t->prom);
	free(t->group_counts);
	if (t->doc_rows)
		sym_json_object_put(t->doc_rows);
	if (t->doc_intervals)
		sym_json_object_put(t->doc_intervals);
	if (t->doc_averages)
		sym_json_object_put(t->doc_averages);
	cli_columns_done(&t->table);
}

static uint64_t mono_now(void)
{
	return now_ns();
}

static int monitor_loop(struct top *t)
{
	const struct cli_opts *opts = t->opts;
	uint64_t deadline;
	unsigned int k;
	int r;

	r = tstats_monitor_set_group_by(t->mon, opts->group_by, 0);
	if (r == 0 && opts->watch) {
		r = watch_targets(t);
		if (r < 0) {
			t->failed = NULL;
			return r == -ENOMEM ? r : -ESRCH;
		}
	}
	if (r == 0)
		r = tstats_monitor_tick(t->mon, NULL, NULL);
	if (r < 0) {
		t->failed = "cannot query taskstats";
		return r;
	}
	delayacct_note(t);
	deadline = mono_now();
	for (k = 1; !opts->count || k <= opts->count; k++) {
		deadline += opts->interval_ns;
		if (sleep_until(deadline, t->mon))
			break;
		r = tstats_monitor_tick(t->mon, NULL, NULL);
		if (r < 0) {
			t->failed = "cannot query taskstats";
			return r;
		}
		if (opts->format == CLI_FORMAT_PROMETHEUS) {
			struct tstats_monitor_stats st;

			r = tstats_monitor_stats(t->mon, &st);
			if (r == 0)
				r = prom_emit(t, &st);
		} else {
			r = monitor_emit(t, k);
		}
		if (r < 0)
			return r;
		/* Late (a slow tick, a stopped process): start afresh
		 * rather than catch up with back-to-back ticks. */
		if (now_ns() > deadline + opts->interval_ns)
			deadline = now_ns();
	}
	r = opts->watch ? print_averages(t) : 0;
	if (r == 0 && opts->json && !opts->json_lines && opts->format != CLI_FORMAT_PROMETHEUS)
		r = write_document(t, NULL);
	return r;
}

static int loop(struct top *t)
{
	const struct cli_opts *opts = t->opts;
	struct cli_snapshot *prev = &t->snap;
	int r;

	if (opts->interval_ns)
		return monitor_loop(t);
	r = cli_snapshot_take(prev, t->ctx, t->kind, &t->failed);
	if (r < 0)
		return r;
	/* After the first sample: not before a failure to query at all. */
	delayacct_note(t);
	return emit(t, prev);

}

enum cli_exit cli_run_all(const struct cli_opts *opts)
{
	struct top t = { .opts = opts, .out = opts->out ? opts->out : stdout };
	enum cli_exit status;
	int r;

	t.kind = opts->threads || (opts->watch && opts->targets[0].kind == TSTATS_KIND_PID) ?
		 TSTATS_KIND_PID : TSTATS_KIND_TGID;
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

	if (opts->interval_ns) {
		r = tstats_monitor_new(NULL, &t.mon);
		if (r == 0)
			r = tstats_monitor_set_rcvbuf(t.mon, opts->rcvbuf ? (int)opts->rcvbuf :
						      MONITOR_RCVBUF);
		if (r < 0 && r != -EPERM) {
			status = cli_open_error(r);
			goto out;
		}
		if (r == -EPERM) {
			status = cli_query_error(r, "cannot follow exits");
			goto out;
		}
		catch_signals();
	} else {
		r = tstats_ctx_new(&t.ctx);
		if (r < 0) {
			status = cli_open_error(r);
			goto out;
		}
	}

	status = CLI_EXIT_OK;
	r = loop(&t);
	if (r == -ESRCH && opts->watch) {
		status = CLI_EXIT_NOTFOUND;	/* said by watch_targets() */
	} else if (r < 0) {
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

static int list_columns_text(const struct cli_columns *table, const struct cli_opts *opts,
			     FILE *out)
{
	static const char *const titles[] = { "NAME", "KEY", "UNIT", "DESCRIPTION" };
	struct cli_table *tab = NULL;
	int r;

	r = cli_table_new((opts->raw ? CLI_TABLE_RAW : 0) |
			  (opts->noheadings ? CLI_TABLE_NOHEADINGS : 0), &tab);
	for (size_t k = 0; r == 0 && k < 4; k++)
		r = cli_table_add_column(tab, titles[k], false);
	for (size_t i = 0; r == 0 && i < table->n; i++) {
		const struct cli_column *c = &table->cols[i];

		r = cli_table_add_row(tab);
		if (r == 0)
			r = cli_table_set(tab, 0, c->name);
		if (r == 0)
			r = cli_table_set(tab, 1, c->key);
		if (r == 0)
			r = cli_table_set(tab, 2, c->unit[0] ? c->unit : NULL);
		if (r == 0)
			r = cli_table_set(tab, 3, c->description);
	}
	if (r == 0)
		r = cli_table_print(tab, out);
	cli_table_free(tab);
	return r;
}

int cli_all_render(const struct cli_opts *opts, const struct cli_snapshot *snap, FILE *out)
{
	struct top t = { .opts = opts, .out = out };
	int r;

	t.kind = opts->threads ? TSTATS_KIND_PID : TSTATS_KIND_TGID;
	r = cli_columns_init(&t.table);
	if (r < 0)
		return r;
	r = setup_columns(&t);
	if (r >= 0) {	/* an exit status: the columns were refused */
		top_free(&t);
		return r == CLI_EXIT_USAGE ? -EINVAL : -ENOMEM;
	}
	r = cli_snapshot_reserve(&t.snap, snap->n ? snap->n : 1);
	if (r == 0) {
		memcpy(t.snap.ids, snap->ids, snap->n * sizeof(*snap->ids));
		memcpy(t.snap.recs, snap->recs, snap->n * sizeof(*snap->recs));
		memcpy(t.snap.threads, snap->threads, snap->n * sizeof(*snap->threads));
		t.snap.n = snap->n;
		t.snap.real = snap->real;
		r = emit(&t, &t.snap);
	}
	top_free(&t);
	return r;
}

/* --list-columns: name, JSON key, unit and description of every column. */
enum cli_exit cli_list_columns(const struct cli_opts *opts)
{
	FILE *out = opts->out ? opts->out : stdout;
	struct cli_columns table;
	struct json_object *root = NULL, *arr = NULL;
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
				r = cli_json_add(o, "key", sym_json_object_new_string(c->key), false);
			if (r == 0)
				r = cli_json_add(o, "unit", sym_json_object_new_string(c->unit), false);
			if (r == 0)
				r = cli_json_add(o, "description",
					     sym_json_object_new_string(c->description), false);
		}
		if (r == 0) {
			r = cli_json_print(out, root, opts->compact);
			root = NULL;
		}
		sym_json_object_put(root);
	} else {
		r = list_columns_text(&table, opts, out);
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

/* ---- views for the live view (live.c) ----------------------------------- */

int cli_view_new(const struct cli_opts *opts, struct tstats_monitor *mon, struct top **ret)
{
	struct top *t = calloc(1, sizeof(*t));
	int r;

	if (!t)
		return -ENOMEM;
	t->opts = opts;
	t->out = stdout;
	t->kind = opts->threads ? TSTATS_KIND_PID : TSTATS_KIND_TGID;
	t->mon = mon;
	t->shared_mon = true;
	r = cli_columns_init(&t->table);
	if (r < 0) {
		free(t);
		return r;
	}
	r = setup_columns(t);
	if (r >= 0) {	/* an exit status: the columns were refused */
		cli_view_free(t);
		return r == CLI_EXIT_USAGE ? -EINVAL : -ENOMEM;
	}
	*ret = t;
	return 0;
}

void cli_view_free(struct top *t)
{
	if (!t)
		return;
	top_free(t);
	free(t);
}

int cli_view_collect(struct top *t)
{
	struct tstats_monitor_stats st;
	struct total tot;

	return collect_interval(t, &tot, &st);
}

size_t cli_view_columns(const struct top *t)
{
	return t->n_cols;
}

const char *cli_view_header(const struct top *t, size_t col, char *buf)
{
	return header_text(buf, t->cols[col]);
}

const char *cli_view_cell(const struct top *t, size_t row, size_t col, char *buf)
{
	return cell_text(buf, t, t->cols[col], &t->rows[row].cells[col]);
}

bool cli_view_left_aligned(const struct top *t, size_t col)
{
	return t->cols[col]->flags & COL_LEFT;
}

void cli_view_sort(struct top *t, int step)
{
	size_t n = t->n_cols, cur = t->sort_cell < n ? t->sort_cell : 0;

	if (step == 0) {
		t->ascending = !t->ascending;
		return;
	}
	if (t->sort_cell == SIZE_MAX)
		cur = 0;
	else
		cur = (cur + n + (size_t)(step > 0 ? 1 : n - 1)) % n;
	t->sort_cell = cur;
	t->ascending = t->cols[cur]->flags & COL_ASCENDING;
}

void cli_view_resort(struct top *t, size_t n)
{
	if (t->sort_cell != SIZE_MAX)
		qsort_r(t->rows, n, sizeof(*t->rows), cmp_rows, t);
	else
		qsort_r(t->rows, n, sizeof(*t->rows), cmp_ids, t);
}

const char *cli_view_sort_name(const struct top *t)
{
	return t->sort_cell == SIZE_MAX ? "id" : t->cols[t->sort_cell]->name;
}
