/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The monitor: exact interval accounting over an exit listener and batched
 * queries. This file does the I/O (listing /proc, one batch per tick,
 * draining the listener); account.c keeps the books.
 *
 * Order within a tick. The baseline tick takes the exits pending before it
 * (they end before the baseline: only noted, so that a task sampled while
 * exiting or as a zombie is known as dead), then samples. Every later
 * tick samples first and drains after: a task that the batch found gone
 * (-ESRCH) had queued its exit message before it vanished, so the drain
 * that follows has it, and a followed task with neither a sample nor a
 * final record at the close was lost with a dropped message.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "account.h"

struct tstats_monitor {
	struct tstats_ctx *ctx;
	struct tstats_listener *listener;
	struct acct acct;
	uint32_t *tids, *tgids;		/* the tick's listing */
	size_t cap;
	uint64_t overflows, dropped;	/* the listener's, as last read */
	bool overflowed;		/* in the drain under way */
	int error;			/* of the drain's callbacks */
	uint64_t tick_ns, tick_queried;
	struct tstats_monitor_row row;	/* what foreach callbacks see */
};

TSTATS_EXPORT int tstats_monitor_new(const char *cpulist, struct tstats_monitor **ret)
{
	struct tstats_monitor *m;
	int r;

	if (!ret)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	r = acct_init(&m->acct);
	if (r < 0) {
		free(m);
		return r;
	}
	r = tstats_ctx_new(&m->ctx);
	if (r == 0)
		r = tstats_listener_new(cpulist, &m->listener);
	if (r < 0) {
		tstats_monitor_free(m);
		return r;
	}
	*ret = m;
	return 0;
}

TSTATS_EXPORT void tstats_monitor_free(struct tstats_monitor *m)
{
	if (!m)
		return;
	tstats_listener_free(m->listener);
	tstats_ctx_free(m->ctx);
	acct_done(&m->acct);
	free(m->tids);
	free(m->tgids);
	free(m);
}

TSTATS_EXPORT int tstats_monitor_watch(struct tstats_monitor *m, uint32_t tgid)
{
	if (!m || tgid == 0)
		return -EINVAL;
	return acct_watch(&m->acct, tgid);
}

TSTATS_EXPORT int tstats_monitor_set_group_by(struct tstats_monitor *m, unsigned int by,
					      unsigned int max_groups)
{
	if (!m || by > TSTATS_GROUP_BY_KEY)
		return -EINVAL;
	if (m->acct.tick > 0 && by != m->acct.by)
		return -EINVAL;
	m->acct.by = by;
	m->acct.max_groups = max_groups;
	return 0;
}

TSTATS_EXPORT int tstats_monitor_set_rcvbuf(struct tstats_monitor *m, int bytes)
{
	if (!m)
		return -EINVAL;
	return tstats_listener_set_rcvbuf(m->listener, bytes);
}

TSTATS_EXPORT int tstats_monitor_fd(const struct tstats_monitor *m)
{
	if (!m)
		return -EINVAL;
	return tstats_listener_fd(m->listener);
}

/* ---- exits -------------------------------------------------------------- */

static int on_exit_record(const struct tstats_record *rec, void *userdata)
{
	struct tstats_monitor *m = userdata;
	int r;

	r = acct_exit(&m->acct, rec, mono_ns());
	if (r < 0) {
		m->error = r;
		return r;
	}
	return 0;
}

static int on_loss(unsigned int cause, uint64_t count, void *userdata)
{
	struct tstats_monitor *m = userdata;

	/* Overflows are counted from the listener's stats after the drain;
	 * a truncated or malformed message is one lost exit message. */
	if (cause == TSTATS_LOSS_OVERFLOW)
		m->overflowed = true;
	else if (m->acct.tick > 0)
		acct_lost(&m->acct, 0, 1);
	return 0;
}

/* Takes every pending exit message. */
static int drain(struct tstats_monitor *m)
{
	struct tstats_listener_stats st;
	uint64_t begun = mono_ns();
	int r, n = 0;

	m->error = 0;
	do {
		r = tstats_listener_dispatch(m->listener, on_exit_record, on_loss, m);
		if (r > 0)
			n += r;
	} while (r > 0);
	if (r < 0)
		return m->error ? m->error : r;
	/* Everything queued before the drain began is taken: a later record
	 * was queued after that (account.c's start windows). */
	m->acct.drained_ns = begun;
	/* Overflows, and how many messages the kernel dropped (its
	 * sk_drops, read from /proc: only when there were some). */
	if (m->overflowed) {
		m->overflowed = false;
		r = tstats_listener_stats(m->listener, &st);
		if (r < 0)
			return r;
		if (m->acct.tick > 0)
			acct_lost(&m->acct, st.overflows - m->overflows,
				  st.dropped == UINT64_MAX || m->dropped == UINT64_MAX ?
				  UINT64_MAX : st.dropped - m->dropped);
		m->overflows = st.overflows;
		m->dropped = st.dropped;
	}
	return n;
}

TSTATS_EXPORT int tstats_monitor_dispatch(struct tstats_monitor *m)
{
	if (!m)
		return -EINVAL;
	acct_roll(&m->acct);
	return drain(m);
}

/* ---- ticks -------------------------------------------------------------- */

static int list_grow(struct tstats_monitor *m, size_t need)
{
	uint32_t *p;

	need += need / 8 + 64;	/* tasks start while we list again */
	p = realloc(m->tids, need * sizeof(*p));
	if (!p)
		return -ENOMEM;
	m->tids = p;
	p = realloc(m->tgids, need * sizeof(*p));
	if (!p)
		return -ENOMEM;
	m->tgids = p;
	m->cap = need;
	return 0;
}

/* Every followed thread with its group into tids/tgids; the count. */
static int list_followed(struct tstats_monitor *m, size_t *ret)
{
	const struct acct *a = &m->acct;
	size_t n = 0;
	int r;

	if (!a->nwatch) {
		for (;;) {
			r = tasks_list_pairs(m->tids, m->tgids, m->cap);
			if (r < 0)
				return r;
			if ((size_t)r <= m->cap)
				break;
			r = list_grow(m, (size_t)r);
			if (r < 0)
				return r;
		}
		*ret = (size_t)r;
		return 0;
	}
	for (size_t w = 0; w < a->nwatch; w++) {
		for (;;) {
			r = tasks_list_threads(a->watch[w], m->tids + n, m->cap - n);
			if (r == -ESRCH) {
				r = 0;	/* not (or no longer) there */
				break;
			}
			if (r < 0)
				return r;
			if ((size_t)r <= m->cap - n)
				break;
			r = list_grow(m, n + (size_t)r);
			if (r < 0)
				return r;
		}
		for (size_t i = 0; i < (size_t)r; i++)
			m->tgids[n + i] = a->watch[w];
		n += (size_t)r;
	}
	*ret = n;
	return 0;
}

static int on_sample(size_t i, int err, const struct tstats_record *rec, uint64_t lo,
		     uint64_t hi, void *userdata)
{
	struct tstats_monitor *m = userdata;

	if (err == -ESRCH)
		return 0;	/* exited since listed: its exit message follows */
	if (err < 0) {
		acct_sample_unknown(&m->acct, m->tids[i]);
		return 0;
	}
	return acct_sample(&m->acct, m->tids[i], m->tgids[i], rec, lo, hi);
}

TSTATS_EXPORT int tstats_monitor_tick(struct tstats_monitor *m, tstats_group_key_fn key,
				      void *userdata)
{
	uint64_t begun = mono_ns();
	size_t n = 0;
	int r;

	if (!m)
		return -EINVAL;
	if (m->cap == 0) {
		r = list_grow(m, 1024);
		if (r < 0)
			return r;
	}
	acct_roll(&m->acct);
	if (m->acct.tick == 0) {
		r = drain(m);
		if (r < 0)
			return r;
	}
	acct_begin_sample(&m->acct, mono_ns());
	r = list_followed(m, &n);
	if (r < 0)
		return r;
	r = query_each_timed(m->ctx, TSTATS_KIND_PID, m->tids, n, on_sample, m);
	if (r < 0)
		return r;
	if (m->acct.tick > 0) {
		r = drain(m);
		if (r < 0)
			return r;
	}
	r = acct_close(&m->acct, mono_ns(), key, userdata);
	m->tick_ns = mono_ns() - begun;
	m->tick_queried = n;
	return r;
}

TSTATS_EXPORT int tstats_monitor_foreach(struct tstats_monitor *m, unsigned int level,
					 tstats_row_fn fn, void *userdata)
{
	if (!m || !fn || level < TSTATS_LEVEL_THREAD || level > TSTATS_LEVEL_TOTAL)
		return -EINVAL;
	return acct_foreach(&m->acct, level, &m->row, fn, userdata);
}

TSTATS_EXPORT int tstats_monitor_stats(const struct tstats_monitor *m,
				       struct tstats_monitor_stats *ret)
{
	const struct acct *a;

	if (!m || !ret)
		return -EINVAL;
	a = &m->acct;
	memset(ret, 0, sizeof(*ret));
	ret->ticks = a->tick;
	ret->interval_ns = a->interval_ns;
	ret->complete = a->tick > 1 && !a->overflows && !a->lost_messages && !a->lost_threads &&
			!a->messages_unknown;
	ret->threads = a->ntasks;
	ret->processes = a->nprocs;
	ret->groups = a->ngroups;
	ret->exits = a->exits;
	ret->exits_unsampled = a->exits_unsampled;
	ret->lost_overflows = a->overflows;
	ret->lost_messages = a->messages_unknown ? UINT64_MAX : a->lost_messages;
	ret->lost_threads = a->lost_threads;
	ret->total_overflows = a->total_overflows;
	ret->total_lost_messages = a->total_lost_messages;
	ret->total_lost_threads = a->total_lost_threads;
	ret->incomplete_intervals = a->incomplete;
	ret->tick_ns = m->tick_ns;
	ret->tick_queried = m->tick_queried;
	return 0;
}
