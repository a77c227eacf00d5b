/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every task, listed and queried: see snapshot.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>

#include "cli.h"
#include "snapshot.h"

int cli_snapshot_reserve(struct cli_snapshot *s, size_t cap)
{
	void *p;

	if (cap <= s->cap)
		return 0;
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

void cli_snapshot_free(struct cli_snapshot *s)
{
	free(s->ids);
	free(s->recs);
	free(s->threads);
	free(s->errs);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Lists the tasks into s->ids, ascending and without repeats (a task can
 * be listed twice when /proc changes under the directory walk). */
static int list_tasks(struct cli_snapshot *s, unsigned int kind)
{
	size_t n, k;
	int r;

	for (;;) {
		r = tstats_list_tasks(kind, s->ids, s->cap);
		if (r < 0)
			return r;
		if ((size_t)r <= s->cap)
			break;
		/* A margin for the tasks that start while we list again. */
		r = cli_snapshot_reserve(s, (size_t)r + (size_t)r / 8 + 64);
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

static void left_out(struct cli_snapshot *s, unsigned int kind, uint32_t id, int err)
{
	if (s->warned)
		return;
	s->warned = true;
	cli_warn("%s %" PRIu32 " left out: %s", cli_kind_label(kind), id, cli_task_error_text(err));
}

static int query_threads(struct cli_snapshot *s, struct tstats_ctx *ctx)
{
	size_t k = 0;
	int r;

	r = tstats_query_batch(ctx, TSTATS_KIND_PID, s->ids, s->n, s->recs, s->errs);
	if (r < 0)
		return r;
	/* Keep the tasks that answered, in order. */
	for (size_t i = 0; i < s->n; i++) {
		if (s->errs[i] < 0) {
			/* -ESRCH: it exited since it was listed. */
			if (s->errs[i] != -ESRCH)
				left_out(s, TSTATS_KIND_PID, s->ids[i], s->errs[i]);
			continue;
		}
		if (!cli_may_show(&s->recs[i]))
			continue;
		s->ids[k] = s->ids[i];
		s->recs[k] = s->recs[i];
		s->threads[k] = 0;
		k++;
	}
	s->n = k;
	return 0;
}

static int query_processes(struct cli_snapshot *s, struct tstats_ctx *ctx)
{
	struct tstats_process p;
	size_t k = 0;
	int r;

	for (size_t i = 0; i < s->n; i++) {
		r = tstats_query_process(ctx, s->ids[i], &p);
		/* Exited since it was listed. */
		if (r == -ESRCH)
			continue;
		if (r == -EBADMSG) {
			left_out(s, TSTATS_KIND_TGID, s->ids[i], r);
			continue;
		}
		if (r < 0)
			return r;
		/* /proc lists group leaders: the view's id is the same. */
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

int cli_snapshot_take(struct cli_snapshot *s, struct tstats_ctx *ctx, unsigned int kind,
		      const char **failed)
{
	int r;

	clock_gettime(CLOCK_REALTIME, &s->real);
	r = list_tasks(s, kind);
	if (r < 0) {
		*failed = "cannot list the tasks in /proc";
		return r;
	}
	r = kind == TSTATS_KIND_PID ? query_threads(s, ctx) : query_processes(s, ctx);
	if (r < 0)
		*failed = "cannot query taskstats";
	return r;
}
