/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * --tree's table: every process of a command's run that exited, each
 * with the total of all its threads, in the order of the process tree,
 * or folded by command name or user (--group-by), and a total of the run.
 * run.c collects the records (struct cli_proc); this file only adds up
 * and renders.
 *
 * A process's total: the kernel's TGID record sums CPU times, context
 * switches and delays over every thread, also those that exited earlier,
 * but leaves out I/O and page faults (kernel/taskstats.c fill_stats_for_tgid()
 * adds only what delayacct_add_tsk() and the signal struct's times keep).
 * Every thread's exit record carries its own final I/O and faults, so the
 * process's are the sum over its threads' records. A counter the TGID
 * record has comes from it (it is complete even when a thread's record
 * was lost); any other counter is the sum of the threads' records. Peaks
 * are the largest of the threads' (they are the whole memory map's),
 * identity comes from the group leader's record, the exit status, parent
 * and elapsed time (ac_tgetime) from the group's last thread.
 *
 * Tree order: the parent of a process is the process whose TGID is its
 * ppid at exit. A PID may have served several processes during the run:
 * the parent is the one of them that exited next after the child (a
 * parent outlives its children unless they were reparented, and then
 * their ppid is taskstats-cli, the subreaper), else the last one before
 * it. Siblings come in exit order. A process whose parent is not in the
 * table (still running, or outside the run) is a root, after the command.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "notes.h"
#include "table.h"
#include "jsonc.h"

#define NONE SIZE_MAX
/* Levels of indentation shown in the COMMAND column; deeper rows keep
 * this one (JSON has the exact depth). */
#define INDENT_MAX 32
/* Room for the COMMAND cell: indentation, an escaped comm, a marker. */
#define CELL_MAX (4 * INDENT_MAX + 4 * sizeof(((struct tstats_record *)0)->comm) + 32)

int cli_proc_add_thread(struct cli_proc *p, const struct tstats_record *rec)
{
	if (p->n_thr == p->cap_thr) {
		/* Most processes have one thread: room for one first. */
		size_t ncap = p->cap_thr ? 2 * p->cap_thr : 1;
		struct tstats_record *nv = realloc(p->thr, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		p->thr = nv;
		p->cap_thr = ncap;
	}
	p->thr[p->n_thr++] = *rec;
	return 0;
}

void cli_proc_done(struct cli_proc *p)
{
	free(p->thr);
	p->thr = NULL;
	p->n_thr = p->cap_thr = 0;
}

/* ---- adding up --------------------------------------------------------- */

static void set_field(struct tstats_record *rec, unsigned int f, uint64_t v)
{
	rec->present[f / 64] |= UINT64_C(1) << (f % 64);
	rec->value[f] = v;
}

static void clear_field(struct tstats_record *rec, unsigned int f)
{
	rec->present[f / 64] &= ~(UINT64_C(1) << (f % 64));
	rec->value[f] = 0;
}

static bool is_counter(unsigned int f)
{
	const struct tstats_field_info *info = tstats_field_info(f);

	return info && (info->flags & TSTATS_FIELD_COUNTER);
}

/* Adds src's counters into acc (a field is present in acc once any
 * record added had it); peaks are the largest. */
static void add_counters(struct tstats_record *acc, const struct tstats_record *src)
{
	static const unsigned int peaks[] = { TSTATS_F_HIWATER_RSS, TSTATS_F_HIWATER_VM };
	uint64_t v, a;

	for (unsigned int f = 0; f < TSTATS_F__COUNT; f++) {
		if (!is_counter(f) || tstats_record_get(src, f, &v) < 0)
			continue;
		if (tstats_record_get(acc, f, &a) < 0)
			a = 0;
		set_field(acc, f, v > UINT64_MAX - a ? UINT64_MAX : a + v);	/* saturating */
	}
	for (size_t i = 0; i < sizeof(peaks) / sizeof(peaks[0]); i++)
		if (tstats_record_get(src, peaks[i], &v) == 0 &&
		    (tstats_record_get(acc, peaks[i], &a) < 0 || v > a))
			set_field(acc, peaks[i], v);
}

/* The longest and shortest single delay of each class over the threads
 * (a TGID record has none of them). */
static void delay_extremes(struct tstats_record *ret, const struct cli_proc *p)
{
	for (unsigned int c = 0; c < tstats_delay_class_count(); c++) {
		const struct tstats_delay_class *dc = tstats_delay_class(c);
		bool any_max = false, any_min = false;
		uint64_t max = 0, min = 0, ts = 0, v;
		bool has_ts = false;

		if (dc->max < 0 && dc->min < 0)
			continue;
		for (size_t i = 0; i < p->n_thr; i++) {
			const struct tstats_record *t = &p->thr[i];

			if (dc->max >= 0 && tstats_record_get(t, (unsigned int)dc->max, &v) == 0 &&
			    (!any_max || v > max)) {
				max = v;
				any_max = true;
				has_ts = dc->max_ts >= 0 &&
					 tstats_record_get(t, (unsigned int)dc->max_ts, &ts) == 0;
			}
			/* 0 is "no delay seen", not a shortest delay. */
			if (dc->min >= 0 && tstats_record_get(t, (unsigned int)dc->min, &v) == 0 &&
			    (!any_min || (v && (!min || v < min)))) {
				min = v;
				any_min = true;
			}
		}
		if (dc->max >= 0) {
			if (any_max)
				set_field(ret, (unsigned int)dc->max, max);
			else
				clear_field(ret, (unsigned int)dc->max);
		}
		if (dc->max_ts >= 0) {
			if (has_ts)
				set_field(ret, (unsigned int)dc->max_ts, ts);
			else
				clear_field(ret, (unsigned int)dc->max_ts);
		}
		if (dc->min >= 0) {
			if (any_min)
				set_field(ret, (unsigned int)dc->min, min);
			else
				clear_field(ret, (unsigned int)dc->min);
		}
	}
}

/*
 * The total of a process (see the top of the file), as a PID-kind record
 * whose id is the TGID. p has at least one thread record.
 */
static void proc_total(const struct cli_proc *p, struct tstats_record *ret)
{
	const struct tstats_record *last = &p->thr[p->n_thr - 1];
	const struct tstats_record *base = last;
	uint64_t v;

	for (size_t i = 0; i < p->n_thr; i++)
		if (p->thr[i].id == p->tgid)
			base = &p->thr[i];
	*ret = *base;
	ret->kind = TSTATS_KIND_PID;
	ret->id = p->tgid;
	ret->flags &= ~(uint32_t)(TSTATS_RECORD_EXIT | TSTATS_RECORD_GROUP_EXIT);
	for (unsigned int f = 0; f < TSTATS_F__COUNT; f++)
		if (is_counter(f))
			clear_field(ret, f);
	for (size_t i = 0; i < p->n_thr; i++)
		add_counters(ret, &p->thr[i]);
	if (p->has_tgid)
		for (unsigned int f = 0; f < TSTATS_F__COUNT; f++)
			if (is_counter(f) && tstats_record_get(&p->tgid_rec, f, &v) == 0)
				set_field(ret, f, v);
	delay_extremes(ret, p);
	/* How the process ended, as its last thread saw it. */
	if (tstats_record_get(last, TSTATS_F_EXIT_CODE, &v) == 0)
		set_field(ret, TSTATS_F_EXIT_CODE, v);
	set_field(ret, TSTATS_F_PPID, p->ppid);
	/* The group's age, from its leader's start to its last exit. */
	if (tstats_record_get(last, TSTATS_F_TGETIME, &v) == 0)
		set_field(ret, TSTATS_F_ETIME, v);
}

/* ---- the tree ---------------------------------------------------------- */

struct node {
	struct tstats_record total;
	size_t parent, first_child, last_child, next_sibling;
	unsigned int depth;
	bool visited;
};

struct by_tgid {
	uint32_t tgid;
	size_t idx;
};

static int cmp_by_tgid(const void *a, const void *b)
{
	const struct by_tgid *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

struct tree {
	const struct cli_proc *procs;
	size_t n;
	struct node *nodes;
	size_t *order;		/* nodes in tree order */
	size_t n_order;
	uint64_t threads;
	struct tstats_record sum;	/* over every process */
};

/* The parent of node i among the processes whose TGID is its ppid. */
static size_t find_parent(const struct by_tgid *idx, size_t n, uint32_t ppid, size_t i)
{
	size_t lo = 0, hi = n, before = NONE;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (idx[mid].tgid < ppid)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && idx[lo].tgid == ppid; lo++) {
		if (idx[lo].idx > i)
			return idx[lo].idx;
		if (idx[lo].idx < i)
			before = idx[lo].idx;
	}
	return before;
}

/* Visits the subtree of root in depth-first order. */
static int visit(struct tree *t, size_t root, unsigned int depth)
{
	size_t *stack, n = 0;

	stack = malloc(t->n * sizeof(*stack));
	if (!stack)
		return -ENOMEM;
	t->nodes[root].visited = true;
	t->nodes[root].depth = depth;
	stack[n++] = root;
	while (n) {
		size_t i = stack[--n], c;
		size_t first = n;

		t->order[t->n_order++] = i;
		/* Pushed in reverse so that they come out in exit order. */
		for (c = t->nodes[i].first_child; c != NONE; c = t->nodes[c].next_sibling) {
			if (t->nodes[c].visited)
				continue;
			t->nodes[c].visited = true;
			t->nodes[c].depth = t->nodes[i].depth + 1;
			stack[n++] = c;
		}
		for (size_t a = first, b = n; a + 1 < b; a++, b--) {
			size_t tmp = stack[a];

			stack[a] = stack[b - 1];
			stack[b - 1] = tmp;
		}
	}
	free(stack);
	return 0;
}

static void tree_free(struct tree *t)
{
	free(t->nodes);
	free(t->order);
}

/* Adds up and orders the processes of procs[0..n) (in exit order, each
 * with at least one thread record); root is the command's TGID. */
static int tree_build(struct tree *t, const struct cli_proc *procs, size_t n, uint32_t root)
{
	struct by_tgid *idx = NULL;
	int r = 0;

	memset(t, 0, sizeof(*t));
	t->procs = procs;
	t->n = n;
	t->sum.kind = TSTATS_KIND_PID;
	t->nodes = calloc(n ? n : 1, sizeof(*t->nodes));
	t->order = calloc(n ? n : 1, sizeof(*t->order));
	idx = calloc(n ? n : 1, sizeof(*idx));
	if (!t->nodes || !t->order || !idx) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct node *nd = &t->nodes[i];

		proc_total(&procs[i], &nd->total);
		nd->first_child = nd->last_child = nd->next_sibling = nd->parent = NONE;
		idx[i] = (struct by_tgid){ procs[i].tgid, i };
		add_counters(&t->sum, &nd->total);
		t->threads += procs[i].n_thr;
	}
	qsort(idx, n, sizeof(*idx), cmp_by_tgid);
	for (size_t i = 0; i < n; i++) {
		size_t p;

		if (procs[i].tgid == root)
			continue;
		p = find_parent(idx, n, procs[i].ppid, i);
		if (p == NONE || p == i)
			continue;
		t->nodes[i].parent = p;
		if (t->nodes[p].last_child == NONE)
			t->nodes[p].first_child = i;
		else
			t->nodes[t->nodes[p].last_child].next_sibling = i;
		t->nodes[p].last_child = i;
	}
	/* The command first, then the other roots, then what a reused PID
	 * may have closed into a loop. */
	for (size_t i = 0; r == 0 && i < n; i++)
		if (procs[i].tgid == root && !t->nodes[i].visited)
			r = visit(t, i, 0);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (t->nodes[i].parent == NONE && !t->nodes[i].visited)
			r = visit(t, i, 0);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (!t->nodes[i].visited)
			r = visit(t, i, 0);
out:
	free(idx);
	return r;
}

/* ---- groups ------------------------------------------------------------ */

struct group {
	char key[sizeof(((struct tstats_record *)0)->comm) + 24];	/* raw bytes */
	struct tstats_record sum;
	uint64_t processes, threads;
};

static void group_key(char *buf, size_t size, const struct tstats_record *rec, unsigned int by)
{
	const char *c = tstats_record_comm(rec);
	uint64_t uid;

	if (by != TSTATS_GROUP_BY_USER)
		snprintf(buf, size, "%s", c ? c : "");
	else if (tstats_record_get(rec, TSTATS_F_UID, &uid) == 0)
		snprintf(buf, size, "%" PRIu64, uid);
	else
		snprintf(buf, size, "-");
}

static uint64_t cpu_us(const struct tstats_record *rec)
{
	uint64_t u = 0, s = 0;

	tstats_record_get(rec, TSTATS_F_UTIME, &u);
	tstats_record_get(rec, TSTATS_F_STIME, &s);
	return u + s;
}

static int cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	uint64_t cx = cpu_us(&x->sum), cy = cpu_us(&y->sum);

	if (cx != cy)
		return cx > cy ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Folds the tree's processes by opts->group_by, most CPU first. */
static int groups_build(const struct tree *t, unsigned int by, struct group **ret, size_t *n_ret)
{
	struct group *g = calloc(t->n ? t->n : 1, sizeof(*g));
	size_t n = 0;

	if (!g)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		const struct tstats_record *rec = &t->nodes[i].total;
		char key[sizeof(g->key)];
		size_t k;

		group_key(key, sizeof(key), rec, by);
		for (k = 0; k < n && strcmp(g[k].key, key); k++)
			;
		if (k == n) {
			memcpy(g[n].key, key, sizeof(key));
			g[n].sum.kind = TSTATS_KIND_PID;
			/* The key is shown where the record's is. */
			if (by == TSTATS_GROUP_BY_USER) {
				uint64_t uid;

				if (tstats_record_get(rec, TSTATS_F_UID, &uid) == 0)
					set_field(&g[n].sum, TSTATS_F_UID, uid);
			} else {
				memcpy(g[n].sum.comm, rec->comm, sizeof(rec->comm));
				g[n].sum.present[TSTATS_F_COMM / 64] |=
					UINT64_C(1) << (TSTATS_F_COMM % 64);
			}
			n++;
		}
		add_counters(&g[k].sum, rec);
		g[k].processes++;
		g[k].threads += t->procs[i].n_thr;
	}
	qsort(g, n, sizeof(*g), cmp_group);
	*ret = g;
	*n_ret = n;
	return 0;
}

/* ---- text -------------------------------------------------------------- */

/* "sh", " \_ make", "     \_ cc": as ps --forest. */
static const char *command_cell(char *buf, const struct tstats_record *rec, unsigned int depth,
				const char *marker)
{
	const char *c = tstats_record_comm(rec);
	size_t n = 0;

	if (depth > INDENT_MAX)
		depth = INDENT_MAX;
	if (depth) {
		for (unsigned int d = 1; d < depth; d++)
			n += (size_t)snprintf(buf + n, CELL_MAX - n, "    ");
		n += (size_t)snprintf(buf + n, CELL_MAX - n, " \\_ ");
	}
	if (marker)
		n += (size_t)snprintf(buf + n, CELL_MAX - n, "%s ", marker);
	/* The command name is hostile: escaped. */
	if (c)
		cli_escape(buf + n, c, strlen(c));
	else
		strcpy(buf + n, "-");
	return buf;
}

static const char *status_cell(char *buf, const struct tstats_record *rec)
{
	uint64_t v;

	if (tstats_record_get(rec, TSTATS_F_EXIT_CODE, &v) == 0)
		return cli_fmt_status_short(buf, v);
	return "-";
}

/*
 * The table's columns: PID PPID THR STATUS, or with groups PROCS THR; the
 * numbers of the exit lines (listen.c); COMMAND (or UID) last.
 */
static int table_columns(struct cli_table *tab, bool grouped, unsigned int by, bool exact)
{
	int r;

	r = cli_table_add_column(tab, grouped ? "PROCS" : "PID", true);
	if (r == 0 && !grouped)
		r = cli_table_add_column(tab, "PPID", true);
	if (r == 0)
		r = cli_table_add_column(tab, "THR", true);
	if (r == 0 && !grouped)
		r = cli_table_add_column(tab, "STATUS", false);
	for (size_t i = 0; r == 0 && i < cli_exit_num_count(); i++)
		r = cli_table_add_column(tab, cli_exit_num_title(i, exact), true);
	if (r == 0)
		r = cli_table_add_column(tab, by == TSTATS_GROUP_BY_USER ? "UID" : "COMMAND",
					 false);
	return r;
}

/* A row; ppid and status NULL with groups. command is escaped already
 * unless untrusted. */
static int table_row(struct cli_table *tab, const char *id, const char *ppid, const char *thr,
		     const char *status, const struct tstats_record *rec, uint32_t threads,
		     const char *command, bool untrusted, bool exact)
{
	char buf[CLI_FMT_MAX];
	size_t col = 0;
	int r;

	r = cli_table_add_row(tab);
	if (r == 0)
		r = cli_table_set(tab, col++, id);
	if (r == 0 && ppid)
		r = cli_table_set(tab, col++, ppid);
	if (r == 0)
		r = cli_table_set(tab, col++, thr);
	if (r == 0 && status)
		r = cli_table_set(tab, col++, status);
	for (size_t i = 0; r == 0 && i < cli_exit_num_count(); i++)
		r = cli_table_set(tab, col++, cli_exit_num_text(buf, i, rec, threads, exact));
	if (r == 0)
		r = untrusted ? cli_table_set_untrusted(tab, col, command) :
				cli_table_set(tab, col, command);
	return r;
}

static int table_total(struct cli_table *tab, const struct tree *t,
		       const struct cli_tree_run *run, bool grouped, bool exact)
{
	char thr[CLI_FMT_MAX], what[160];
	int n;

	n = snprintf(what, sizeof(what), "%zu process%s, ", t->n, t->n == 1 ? "" : "es");
	if (run->complete)
		snprintf(what + n, sizeof(what) - (size_t)n, "complete");
	else
		snprintf(what + n, sizeof(what) - (size_t)n,
			 "INCOMPLETE: %" PRIu64 " exit messages lost (raise --rcvbuf)", run->lost);
	return table_row(tab, "TOTAL", grouped ? NULL : "-", cli_fmt_u64(thr, t->threads),
			 grouped ? NULL : "-", &t->sum, 0, what, false, exact);
}

static int table_tree(struct cli_table *tab, const struct tree *t, bool exact)
{
	char a[CLI_FMT_MAX], b[CLI_FMT_MAX], c[CLI_FMT_MAX], st[CLI_FMT_MAX], cell[CELL_MAX];
	int r = 0;

	for (size_t k = 0; r == 0 && k < t->n_order; k++) {
		size_t i = t->order[k];
		const struct cli_proc *p = &t->procs[i];
		const struct node *nd = &t->nodes[i];

		r = table_row(tab, cli_fmt_u64(a, p->tgid), cli_fmt_u64(b, p->ppid),
			      cli_fmt_u64(c, p->n_thr), status_cell(st, &nd->total), &nd->total,
			      (uint32_t)p->n_thr, command_cell(cell, &nd->total, nd->depth, NULL),
			      false, exact);
		/* One row per thread, under its process, when there are several. */
		for (size_t j = 0; r == 0 && p->n_thr > 1 && j < p->n_thr; j++)
			r = table_row(tab, cli_fmt_u64(a, p->thr[j].id), "-", "-",
				      status_cell(st, &p->thr[j]), &p->thr[j], 1,
				      command_cell(cell, &p->thr[j], nd->depth + 1, "[thread]"),
				      false, exact);
	}
	return r;
}

static int table_groups(struct cli_table *tab, const struct group *g, size_t n, bool exact)
{
	char a[CLI_FMT_MAX], b[CLI_FMT_MAX];
	int r = 0;

	for (size_t i = 0; r == 0 && i < n; i++)
		r = table_row(tab, cli_fmt_u64(a, g[i].processes), NULL,
			      cli_fmt_u64(b, g[i].threads), NULL, &g[i].sum, 0, g[i].key, true, exact);
	return r;
}

int cli_tree_text(FILE *f, struct cli_proc *procs, size_t n, const struct cli_tree_run *run,
		  const struct cli_opts *o)
{
	struct cli_table *tab = NULL;
	struct group *g = NULL;
	struct tree t;
	size_t n_g = 0;
	int r;

	r = tree_build(&t, procs, n, run->root);
	if (r == 0 && o->group_by)
		r = groups_build(&t, o->group_by, &g, &n_g);
	if (r == 0)
		r = cli_table_new(0, &tab);
	if (r == 0)
		r = table_columns(tab, o->group_by != 0, o->group_by, o->exact);
	if (r < 0)
		goto out;
	if (o->group_by) {
		fprintf(f, "\nProcesses that exited, by %s: %zu in %zu group%s (those still "
			"running are not shown)\n", o->group_by == TSTATS_GROUP_BY_USER ?
			"user" : "command", t.n, n_g, n_g == 1 ? "" : "s");
		r = table_groups(tab, g, n_g, o->exact);
	} else {
		fprintf(f, "\nProcess tree: %zu process%s that exited, with all their threads "
			"(those still running are not shown)\n", t.n, t.n == 1 ? "" : "es");
		r = table_tree(tab, &t, o->exact);
	}
	if (r == 0)
		r = table_total(tab, &t, run, o->group_by != 0, o->exact);
	if (r == 0)
		r = cli_table_print(tab, f);
	if (r == 0 && ferror(f))
		r = -EIO;
out:
	cli_table_free(tab);
	free(g);
	tree_free(&t);
	return r;
}

/* ---- JSON -------------------------------------------------------------- */

/* With decimals decimals: json-c would print 17 significant digits. */
static struct json_object *json_double(double d, int decimals)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*f", decimals, d);
	return sym_json_object_new_double_s(d, buf);
}

/* Adds the row o to rows when r (o's filling) is 0; takes o. Returns r, or
 * -ENOMEM. */
static int append_row(struct json_object *rows, struct json_object *o, int r)
{
	if (r == 0 && sym_json_object_array_add(rows, o) < 0)
		r = -ENOMEM;
	else if (r == 0)
		return 0;
	sym_json_object_put(o);
	return r;
}

/* The object of a record with "type" set to type and extra keys after. */
static int json_row(struct json_object *rows, const struct tstats_record *rec, uint32_t threads,
		    const char *type,
		    const char *key, const char *const *keys, const uint64_t *vals, size_t n_keys)
{
	char buf[sizeof(((struct group *)0)->key) * 3 + 1];
	struct json_object *o;
	int r;

	r = cli_json_record(rec, threads, &o);
	if (r < 0)
		return r;
	r = cli_json_add(o, "type", sym_json_object_new_string(type), false);
	/* A group's key is a comm: bytes, made valid UTF-8. */
	if (r == 0 && key)
		r = cli_json_add(o, "key", sym_json_object_new_string(
				 cli_utf8_sanitize(buf, key, strlen(key))), false);
	for (size_t i = 0; r == 0 && i < n_keys; i++)
		r = cli_json_add(o, keys[i], sym_json_object_new_uint64(vals[i]), false);
	return append_row(rows, o, r);
}

static int json_total(struct json_object *rows, const struct tree *t,
		      const struct cli_tree_run *run)
{
	struct json_object *o = sym_json_object_new_object();
	uint64_t v;
	int r;

	if (!o)
		return -ENOMEM;
	r = cli_json_add(o, "type", sym_json_object_new_string("total"), false);
	if (r == 0)
		r = cli_json_add(o, "processes", sym_json_object_new_uint64(t->n), false);
	if (r == 0)
		r = cli_json_add(o, "threads", sym_json_object_new_uint64(t->threads), false);
	if (r == 0)
		r = cli_json_add(o, "cpu_seconds",
				 json_double((double)cpu_us(&t->sum) / 1e6, 6), false);
	/* Every counter of the field table, summed over the processes:
	 * read_bytes, write_bytes, the delay totals... */
	for (unsigned int f = 0; r == 0 && f < tstats_field_count() && f < TSTATS_F__COUNT;
	     f++) {
		if (!is_counter(f))
			continue;
		r = cli_json_add(o, tstats_field_info(f)->name,
				 tstats_record_get(&t->sum, f, &v) == 0 ?
				 sym_json_object_new_uint64(v) : NULL, true);
	}
	if (r == 0)
		r = cli_json_add(o, "complete", sym_json_object_new_boolean(run->complete), false);
	if (r == 0)
		r = cli_json_add(o, "lost", sym_json_object_new_uint64(run->lost), false);
	return append_row(rows, o, r);
}

int cli_tree_json(void *json_state, struct cli_proc *procs, size_t n,
		  const struct cli_tree_run *run, const struct cli_opts *o)
{
	static const char *const proc_keys[] = { "depth", "threads" };
	static const char *const thr_keys[] = { "depth" };
	static const char *const group_keys[] = { "processes", "threads" };
	struct json_object *rows = sym_json_object_new_array();
	struct group *g = NULL;
	struct tree t;
	size_t n_g = 0;
	int r;

	if (!rows)
		return -ENOMEM;
	r = tree_build(&t, procs, n, run->root);
	if (r == 0 && o->group_by)
		r = groups_build(&t, o->group_by, &g, &n_g);
	for (size_t i = 0; r == 0 && i < n_g; i++) {
		uint64_t vals[] = { g[i].processes, g[i].threads };

		r = json_row(rows, &g[i].sum, 0, "group", g[i].key, group_keys, vals, 2);
	}
	for (size_t k = 0; r == 0 && !o->group_by && k < t.n_order; k++) {
		size_t i = t.order[k];
		const struct cli_proc *p = &t.procs[i];
		uint64_t vals[] = { t.nodes[i].depth, p->n_thr };

		r = json_row(rows, &t.nodes[i].total, (uint32_t)p->n_thr, "process", NULL, proc_keys,
			     vals, 2);
		/* Every thread, a single one too: its own final record. */
		for (size_t j = 0; r == 0 && j < p->n_thr; j++)
			r = json_row(rows, &p->thr[j], 1, "thread", NULL, thr_keys, vals, 1);
	}
	if (r == 0)
		r = json_total(rows, &t, run);
	free(g);
	tree_free(&t);
	if (r < 0) {
		sym_json_object_put(rows);
		return r;
	}
	return cli_json_root_add(json_state, "tree", rows);
}
