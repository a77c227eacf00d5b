/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The monitor's bookkeeping: which task is which, and what every thread,
 * process and group did in an interval.
 *
 * Identity. A thread is its id plus its start time. The kernel computes a
 * record's elapsed time (ac_etime, µs) from CLOCK_MONOTONIC at the moment
 * it builds the answer, and monitor.c knows that moment to within the
 * send(2) of the batch round that carried the request: the start time is
 * known to a few tens of µs (start_lo..start_hi). Two samples are the same
 * task when their start windows overlap; a reused id starts after its
 * predecessor died, so its window cannot overlap unless the predecessor
 * lived less than the window.
 *
 * Exit records carry no time of their own. The kernel queues a task's
 * exit message (taskstats_exit(), in do_exit()) before the task is
 * released and its id freed, so the exit of the task we followed comes
 * before any exit of a later task with the same id, and before that id
 * can be sampled again: an exit record goes to the oldest followed task
 * of its id that it can belong to (its counters and age not below what we
 * sampled, and not older than that task can be); with none, it is a task
 * that started and exited between two samples, counted whole.
 *
 * Intervals. Each followed thread keeps its counters at the interval's
 * start (base). At the close, its increase (newest or final record minus
 * base; a task started in the interval has base 0) is added to its
 * process, the process's to its group, and everything to the total. The
 * rows stay readable until the next roll, which makes the newest values
 * the new bases and forgets what was reported as final.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "account.h"

#define BIT(i) (UINT64_C(1) << (i))

/* ---- tables ------------------------------------------------------------- */

static uint32_t hash_u32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x;
}

/* FNV-1a over the key's bytes. */
static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/* Heads of a chained hash table of at least 2 * cap buckets. */
static int heads_resize(uint32_t **heads, uint32_t *mask, uint32_t cap)
{
	uint32_t n = 64, *h;

	while (n < 2 * cap)
		n *= 2;
	if (*heads && *mask + 1 >= n)
		return 0;
	h = malloc(n * sizeof(*h));
	if (!h)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		h[i] = ACCT_NONE;
	free(*heads);
	*heads = h;
	*mask = n - 1;
	return 1;
}

static void task_link(struct acct *a, uint32_t i)
{
	uint32_t b = hash_u32(a->tasks[i].tid) & a->thash_mask;

	a->tasks[i].hnext = a->thash[b];
	a->thash[b] = i;
}

static void task_unlink(struct acct *a, uint32_t i)
{
	uint32_t *p = &a->thash[hash_u32(a->tasks[i].tid) & a->thash_mask];

	while (*p != i)
		p = &a->tasks[*p].hnext;
	*p = a->tasks[i].hnext;
}

static int tasks_grow(struct acct *a)
{
	uint32_t cap = a->tasks_cap ? a->tasks_cap * 2 : 256;
	struct acct_task *t;
	int r;

	t = realloc(a->tasks, (size_t)cap * sizeof(*t));
	if (!t)
		return -ENOMEM;
	a->tasks = t;
	for (uint32_t i = a->tasks_cap; i < cap; i++) {
		t[i].flags = 0;
		t[i].hnext = i + 1 < cap ? i + 1 : a->task_free;
	}
	a->task_free = a->tasks_cap;
	a->tasks_cap = cap;
	r = heads_resize(&a->thash, &a->thash_mask, cap);
	if (r < 0)
		return r;
	if (r > 0)
		for (uint32_t i = 0; i < cap; i++)
			if (t[i].flags & AT_USED)
				task_link(a, i);
	return 0;
}

static int task_new(struct acct *a, uint32_t tid, uint32_t *ret)
{
	struct acct_task *t;
	uint32_t i;
	int r;

	if (a->task_free == ACCT_NONE) {
		r = tasks_grow(a);
		if (r < 0)
			return r;
	}
	i = a->task_free;
	t = &a->tasks[i];
	a->task_free = t->hnext;
	t->tid = tid;
	t->flags = AT_USED;
	t->proc = ACCT_NONE;
	t->seen_tick = UINT64_MAX;
	task_link(a, i);
	a->ntasks++;
	*ret = i;
	return 0;
}

static void task_free(struct acct *a, uint32_t i)
{
	task_unlink(a, i);
	a->tasks[i].flags = 0;
	a->tasks[i].hnext = a->task_free;
	a->task_free = i;
	a->ntasks--;
}

static void proc_link(struct acct *a, uint32_t i)
{
	uint32_t b = hash_u32(a->procs[i].tgid) & a->phash_mask;

	a->procs[i].hnext = a->phash[b];
	a->phash[b] = i;
}

static int procs_grow(struct acct *a)
{
	uint32_t cap = a->procs_cap ? a->procs_cap * 2 : 128;
	struct acct_proc *p;
	int r;

	p = realloc(a->procs, (size_t)cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	a->procs = p;
	for (uint32_t i = a->procs_cap; i < cap; i++) {
		p[i].flags = 0;
		p[i].cgroup = NULL;
		p[i].hnext = i + 1 < cap ? i + 1 : a->proc_free;
	}
	a->proc_free = a->procs_cap;
	a->procs_cap = cap;
	r = heads_resize(&a->phash, &a->phash_mask, cap);
	if (r < 0)
		return r;
	if (r > 0)
		for (uint32_t i = 0; i < cap; i++)
			if (p[i].flags & AP_USED)
				proc_link(a, i);
	return 0;
}

static void proc_free(struct acct *a, uint32_t i)
{
	uint32_t *p = &a->phash[hash_u32(a->procs[i].tgid) & a->phash_mask];

	while (*p != i)
		p = &a->procs[*p].hnext;
	*p = a->procs[i].hnext;
	free(a->procs[i].cgroup);
	a->procs[i].cgroup = NULL;
	a->procs[i].flags = 0;
	a->procs[i].hnext = a->proc_free;
	a->proc_free = i;
	a->nprocs--;
}

/* The live process tgid (not one that exited in this interval: its id
 * may already name a new process), or ACCT_NONE. */
static uint32_t proc_find(const struct acct *a, uint32_t tgid)
{
	for (uint32_t i = a->phash[hash_u32(tgid) & a->phash_mask]; i != ACCT_NONE;
	     i = a->procs[i].hnext)
		if (a->procs[i].tgid == tgid && !(a->procs[i].flags & AP_EXITED))
			return i;
	return ACCT_NONE;
}

/* The cgroup of a new process: its own, or for one already gone, its
 * parent's (where a child starts). */
static char *proc_cgroup(struct acct *a, uint32_t tgid, uint32_t ppid, bool gone)
{
	char buf[ACCT_KEY_MAX];
	uint32_t parent;

	if (!gone && a->read_cgroup(tgid, buf, sizeof(buf)) == 0)
		return strdup(buf);
	if (ppid) {
		parent = proc_find(a, ppid);
		if (parent != ACCT_NONE && a->procs[parent].cgroup)
			return strdup(a->procs[parent].cgroup);
		if (a->read_cgroup(ppid, buf, sizeof(buf)) == 0)
			return strdup(buf);
	}
	return strdup("");
}

static int proc_get(struct acct *a, const struct tstats_record *rec, uint32_t tgid, bool is_new,
		    bool gone, uint32_t *ret)
{
	struct acct_proc *p;
	uint32_t i = proc_find(a, tgid);
	int r;

	if (i != ACCT_NONE) {
		*ret = i;
		return 0;
	}
	if (a->proc_free == ACCT_NONE) {
		r = procs_grow(a);
		if (r < 0)
			return r;
	}
	i = a->proc_free;
	p = &a->procs[i];
	a->proc_free = p->hnext;
	memset(p, 0, sizeof(*p));
	p->tgid = tgid;
	p->flags = AP_USED | (is_new ? AP_NEW : 0);
	p->group = ACCT_NONE;
	p->rep = ACCT_NONE;
	p->execed = ACCT_NONE;
	if (a->by == TSTATS_GROUP_BY_CGROUP) {
		uint64_t ppid = 0;

		tstats_record_get(rec, TSTATS_F_PPID, &ppid);
		p->cgroup = proc_cgroup(a, tgid, (uint32_t)ppid, gone);
		if (!p->cgroup) {
			p->flags = 0;
			p->hnext = a->proc_free;
			a->proc_free = i;
			return -ENOMEM;
		}
	}
	proc_link(a, i);
	a->nprocs++;
	*ret = i;
	return 0;
}

/* ---- set-up ------------------------------------------------------------- */

int acct_init(struct acct *a)
{
	int r;

	memset(a, 0, sizeof(*a));
	a->task_free = a->proc_free = a->other = ACCT_NONE;
	a->read_cgroup = acct_read_cgroup;
	a->is_alive = acct_is_alive;
	for (unsigned int f = 0; f < TSTATS_F__COUNT; f++) {
		if (!field_is_counter(f))
			continue;
		if (a->nc == ACCT_NC_MAX)
			return -EOVERFLOW;
		a->cf[a->nc++] = (uint8_t)f;
	}
	r = tasks_grow(a);
	if (r == 0)
		r = procs_grow(a);
	if (r == 0)
		r = heads_resize(&a->ghash, &a->ghash_mask, 32);
	if (r < 0) {
		acct_done(a);
		return r;
	}
	return 0;
}

void acct_done(struct acct *a)
{
	for (uint32_t i = 0; i < a->procs_cap; i++)
		free(a->procs[i].cgroup);
	for (uint32_t i = 0; i < a->ngroups; i++)
		free(a->groups[i].key);
	free(a->tasks);
	free(a->thash);
	free(a->procs);
	free(a->phash);
	free(a->groups);
	free(a->ghash);
	free(a->watch);
	memset(a, 0, sizeof(*a));
}

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

int acct_watch(struct acct *a, uint32_t tgid)
{
	uint32_t *w;

	if (acct_watching(a, tgid) && a->nwatch)
		return 0;
	w = realloc(a->watch, (a->nwatch + 1) * sizeof(*w));
	if (!w)
		return -ENOMEM;
	w[a->nwatch++] = tgid;
	qsort(w, a->nwatch, sizeof(*w), cmp_u32);
	a->watch = w;
	return 0;
}

bool acct_watching(const struct acct *a, uint32_t tgid)
{
	return !a->nwatch || bsearch(&tgid, a->watch, a->nwatch, sizeof(tgid), cmp_u32);
}

int acct_read_cgroup(uint32_t pid, char *buf, size_t size)
{
	char path[40], data[ACCT_KEY_MAX + 64];
	const char *line;
	ssize_t n;
	size_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, data, sizeof(data) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	data[n] = '\0';
	/* cgroup v2: the line "0::PATH" (v1 hierarchies have other ids). */
	for (line = data; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line += 3;
		len = strcspn(line, "\n");
		if (len >= size)
			return -ENAMETOOLONG;
		memcpy(buf, line, len);
		buf[len] = '\0';
		return 0;
	}
	return -ENOENT;
}

/* PF_EXITING in the flags of /proc/PID/stat (include/linux/sched.h). */
#define PF_EXITING_FLAG 0x4u

bool acct_is_alive(uint32_t tgid, uint32_t tid)
{
	char path[64], data[512];
	unsigned long long flags;
	const char *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/task/%u/stat", tgid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;	/* reaped meanwhile */
	n = read(fd, data, sizeof(data) - 1);
	close(fd);
	if (n <= 0)
		return false;
	data[n] = '\0';
	/* "TID (COMM) S PPID PGRP SID TTY TPGID FLAGS ...": the comm may hold
	 * ") ", the fields follow the last one. A task that has sent its exit
	 * record runs its exit path (PF_EXITING) before it is a zombie, and
	 * on a busy machine that can take long. */
	p = strrchr(data, ')');
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %llu", &flags) != 1)
		return false;
	return !(flags & PF_EXITING_FLAG);
}

/* ---- samples and exits -------------------------------------------------- */

static uint64_t counter(const struct acct *a, const struct tstats_record *rec, unsigned int i)
{
	return rec->value[a->cf[i]];
}

static bool has_counter(const struct acct *a, const struct tstats_record *rec, unsigned int i)
{
	return mask_has(rec->present, a->cf[i]);
}

/* The start window of a task whose record says it is etime µs old, the
 * record built between lo and hi (ns); the whole clock without etime. */
static void start_window(const struct tstats_record *rec, uint64_t lo, uint64_t hi,
			 uint64_t *slo, uint64_t *shi)
{
	uint64_t age;

	if (!mask_has(rec->present, TSTATS_F_ETIME) || rec->value[TSTATS_F_ETIME] > UINT64_MAX / 2000) {
		*slo = 0;
		*shi = UINT64_MAX;
		return;
	}
	/* etime is truncated to whole µs: the true age is up to 1 µs more. */
	age = rec->value[TSTATS_F_ETIME] * 1000;
	*slo = lo > age + 1000 ? lo - age - 1000 : 0;
	*shi = hi > age ? hi - age : 0;
}

static void set_base(struct acct *a, struct acct_task *t, const struct tstats_record *rec,
		     bool zero)
{
	t->bvalid = 0;
	for (unsigned int i = 0; i < a->nc; i++) {
		t->base[i] = zero ? 0 : counter(a, rec, i);
		if (zero || has_counter(a, rec, i))
			t->bvalid |= BIT(i);
	}
	memcpy(t->origin, t->base, sizeof(t->origin));
}

void acct_begin_sample(struct acct *a, uint64_t now)
{
	a->sample_lo = now;
}

int acct_sample(struct acct *a, uint32_t tid, uint32_t tgid, const struct tstats_record *rec,
		uint64_t lo, uint64_t hi)
{
	struct acct_task *t;
	uint64_t slo, shi;
	uint32_t i;
	bool born, execed;
	int r;

	start_window(rec, lo, hi, &slo, &shi);
	execed = false;
	for (i = a->thash[hash_u32(tid) & a->thash_mask]; i != ACCT_NONE; i = a->tasks[i].hnext) {
		t = &a->tasks[i];
		if (t->tid != tid || t->start_hi < slo || shi < t->start_lo)
			continue;
		if (!(t->flags & (AT_TOMB | AT_FINAL)))
			break;
		/* A task whose final record is in, sampled again: the same
		 * task exiting or a zombie (reaped by now or not), or a new
		 * task whose start fell in the wide window of an unsampled
		 * exit. Only the second is alive; should it exit before we
		 * look, its own exit record still counts it. */
		if (!a->is_alive(tgid, tid)) {
			t->seen_tick = a->tick;
			return 0;
		}
		/* Alive with a dead leader's id and start: another thread
		 * of the group exec'd and took both over (de_thread()). */
		execed = tid == tgid && (t->flags & AT_FINAL);
	}
	if (i != ACCT_NONE) {
		t->seen_tick = a->tick;
		t->rec = *rec;
		/* Both windows hold the true start: keep their overlap. */
		if (slo > t->start_lo)
			t->start_lo = slo;
		if (shi < t->start_hi)
			t->start_hi = shi;
		return 0;
	}

	/* First seen. Started since the previous tick's sampling began (or it
	 * would have been sampled then): all it did is in this interval.
	 * Otherwise (the baseline, a group watched later) it is a baseline. */
	born = a->tick > 0 && slo >= a->open_lo;
	r = task_new(a, tid, &i);
	if (r < 0)
		return r;
	t = &a->tasks[i];
	/* Not started under watch: it may have died before the listener was
	 * opened (a zombie not reaped yet), its exit record never to come. A
	 * zombie has no memory map left, so only tasks without one (those,
	 * and kernel threads) are looked up. */
	if (!born && !execed && (!mask_has(rec->present, TSTATS_F_HIWATER_VM) ||
				 rec->value[TSTATS_F_HIWATER_VM] == 0) &&
	    !a->is_alive(tgid, tid)) {
		t->flags |= AT_TOMB;
		t->start_lo = slo;
		t->start_hi = shi;
		t->seen_tick = a->tick;
		t->rec = *rec;
		return 0;
	}
	t->tgid = tgid;
	t->start_lo = slo;
	t->start_hi = shi;
	t->seen_tick = a->tick;
	t->rec = *rec;
	if (born)
		t->flags |= AT_NEW;
	set_base(a, t, rec, born);
	r = proc_get(a, rec, tgid, born && tid == tgid, false, &t->proc);
	if (r < 0) {
		task_free(a, i);
		return r;
	}
	if (execed)
		a->procs[t->proc].execed = i;
	return 0;
}

void acct_sample_unknown(struct acct *a, uint32_t tid)
{
	/* Its values wait for the next sample (the increase is not lost,
	 * only later); mark every task of that id as seen. */
	for (uint32_t i = a->thash[hash_u32(tid) & a->thash_mask]; i != ACCT_NONE;
	     i = a->tasks[i].hnext)
		if (a->tasks[i].tid == tid && !(a->tasks[i].flags & (AT_TOMB | AT_FINAL)))
			a->tasks[i].seen_tick = a->tick;
}

/*
 * The start window of an exit record read at now: the task exited after
 * the previous drain began (else that drain would have taken the message)
 * and before now. Less EXIT_SLACK_NS: the record's age is taken when the
 * kernel fills it, and the exiting task can be held before it queues it
 * (an allocation, or its virtual CPU descheduled by a loaded host: under
 * QEMU 10 ms was not enough, and a forkload child was taken for lost).
 * A wider window risks nothing until a thread id comes round again within
 * it, which takes far longer than a second.
 */
#define EXIT_SLACK_NS 1000000000u

static void exit_window(const struct acct *a, const struct tstats_record *rec, uint64_t now,
			uint64_t *slo, uint64_t *shi)
{
	uint64_t lo = a->drained_ns > EXIT_SLACK_NS ? a->drained_ns - EXIT_SLACK_NS : 0;

	start_window(rec, lo, now, slo, shi);
}

/*
 * Could rec, with start window [slo, shi], be the final record of t? Its
 * start must fit t's. Neither its age nor its counters can be compared
 * with t's newest sample: a zombie sampled after its exit is older then,
 * and has run a little further (its exit path) than its exit record says.
 */
static bool may_be_final(const struct acct_task *t, uint64_t slo, uint64_t shi)
{
	if (t->flags & (AT_TOMB | AT_FINAL | AT_LOST))
		return false;
	return t->start_lo <= shi && slo <= t->start_hi;
}

int acct_exit(struct acct *a, const struct tstats_record *rec, uint64_t now)
{
	uint32_t best = ACCT_NONE, i, tgid;
	struct acct_task *t;
	struct acct_proc *p;
	uint64_t v, slo, shi;
	int r;

	if (rec->kind != TSTATS_KIND_PID)
		return 0;	/* the TGID record: we sum the threads ourselves */
	exit_window(a, rec, now, &slo, &shi);
	if (a->tick == 0) {
		/* Before the baseline: nothing to account, but the task may
		 * still be sampled (exiting, or a zombie): a tombstone says
		 * that it is dead. */
		r = task_new(a, rec->id, &i);
		if (r < 0)
			return r;
		a->tasks[i].flags |= AT_TOMB;
		a->tasks[i].start_lo = slo;
		a->tasks[i].start_hi = shi;
		a->tasks[i].rec = *rec;
		return 0;
	}
	for (i = a->thash[hash_u32(rec->id) & a->thash_mask]; i != ACCT_NONE;
	     i = a->tasks[i].hnext) {
		t = &a->tasks[i];
		if (t->tid != rec->id || !may_be_final(t, slo, shi))
			continue;
		if (best == ACCT_NONE || t->start_lo < a->tasks[best].start_lo)
			best = i;
	}
	if (best != ACCT_NONE) {
		t = &a->tasks[best];
		t->rec = *rec;
		t->flags |= AT_FINAL;
	} else {
		/* Not sampled: started and exited between two samples, or
		 * (the baseline's batch, a group watched later) alive when a
		 * sample opened the interval but not sampled. Only the first
		 * did all its work in the interval; of the second the part
		 * since the sample is unknown, and counted as nothing. */
		bool born;

		tgid = tstats_record_get(rec, TSTATS_F_TGID, &v) == 0 ? (uint32_t)v : rec->id;
		if (!acct_watching(a, tgid))
			return 0;
		born = shi >= a->open_lo;
		r = task_new(a, rec->id, &best);
		if (r < 0)
			return r;
		t = &a->tasks[best];
		t->tgid = tgid;
		t->start_lo = slo;
		t->start_hi = shi;
		t->rec = *rec;
		t->flags |= AT_FINAL | AT_UNSAMPLED | (born ? AT_NEW : 0);
		set_base(a, t, rec, born);
		r = proc_get(a, rec, tgid, born, true, &t->proc);
		if (r < 0) {
			task_free(a, best);
			return r;
		}
		a->exits_unsampled++;
	}
	a->exits++;
	p = &a->procs[t->proc];
	if (rec->flags & TSTATS_RECORD_GROUP_EXIT)
		p->flags |= AP_EXITED;
	return 0;
}

void acct_lost(struct acct *a, uint64_t overflows, uint64_t messages)
{
	a->overflows += overflows;
	if (messages == UINT64_MAX)
		a->messages_unknown = true;
	else
		a->lost_messages += messages;
}

/* ---- intervals ---------------------------------------------------------- */

static void sum_reset(struct acct_sum *s)
{
	s->valid = 0;
	memset(s->delta, 0, sizeof(s->delta));
	s->threads = s->threads_started = s->threads_exited = 0;
	s->procs = s->procs_started = s->procs_exited = 0;
}

static void sum_add(const struct acct *a, struct acct_sum *to, const struct acct_sum *from)
{
	to->valid |= from->valid;
	for (unsigned int i = 0; i < a->nc; i++)
		to->delta[i] += from->delta[i];
	to->threads += from->threads;
	to->threads_started += from->threads_started;
	to->threads_exited += from->threads_exited;
	to->procs += from->procs;
	to->procs_started += from->procs_started;
	to->procs_exited += from->procs_exited;
}

static void sum_close(const struct acct *a, struct acct_sum *s)
{
	for (unsigned int i = 0; i < a->nc; i++)
		s->total[i] += s->delta[i];
	s->tvalid |= s->valid;
}

/* A thread's increase in the interval: bit i of the result set where
 * delta[i] holds one. A counter that went backwards (a delay total that
 * wrapped) gives none. */
static uint64_t task_delta(const struct acct *a, const struct acct_task *t, uint64_t *delta)
{
	uint64_t valid = 0;

	for (unsigned int i = 0; i < a->nc; i++) {
		uint64_t v = counter(a, &t->rec, i);

		delta[i] = 0;
		if (!(t->bvalid & BIT(i)) || !has_counter(a, &t->rec, i) || v < t->base[i])
			continue;
		delta[i] = v - t->base[i];
		valid |= BIT(i);
	}
	return valid;
}

void acct_roll(struct acct *a)
{
	if (!a->roll_pending)
		return;
	a->roll_pending = false;
	/* Processes that are gone, and what is left of them. */
	for (uint32_t i = 0; i < a->procs_cap; i++) {
		struct acct_proc *p = &a->procs[i];

		if ((p->flags & AP_USED) && ((p->flags & AP_EXITED) || p->sum.threads == 0))
			p->flags |= AP_DYING;
	}
	for (uint32_t i = 0; i < a->tasks_cap; i++) {
		struct acct_task *t = &a->tasks[i];

		if (!(t->flags & AT_USED) || (t->flags & AT_TOMB))
			continue;
		if (t->flags & AT_LOST) {
			task_free(a, i);
		} else if ((t->flags & AT_FINAL) || (a->procs[t->proc].flags & AP_DYING)) {
			/* Reported as final (or of a process whose last thread
			 * exited: its own exit message was lost). */
			t->flags = AT_USED | AT_TOMB;
			t->proc = ACCT_NONE;
		} else {
			t->flags &= ~AT_NEW;
			t->bvalid = 0;
			for (unsigned int c = 0; c < a->nc; c++) {
				t->base[c] = counter(a, &t->rec, c);
				if (has_counter(a, &t->rec, c))
					t->bvalid |= BIT(c);
			}
		}
	}
	for (uint32_t i = 0; i < a->procs_cap; i++) {
		struct acct_proc *p = &a->procs[i];

		if (!(p->flags & AP_USED))
			continue;
		if (p->flags & AP_DYING) {
			proc_free(a, i);
			continue;
		}
		p->flags &= ~AP_NEW;
		p->execed = ACCT_NONE;
		sum_reset(&p->sum);
	}
	for (uint32_t g = 0; g < a->ngroups; g++)
		sum_reset(&a->groups[g].sum);
	sum_reset(&a->all);
	a->exits = a->exits_unsampled = a->lost_threads = 0;
	a->overflows = a->lost_messages = 0;
	a->messages_unknown = false;
}

static int group_add(struct acct *a, const char *key, uint32_t flags, uint32_t *ret)
{
	struct acct_group *g;
	uint32_t i, b;
	int r;

	if (a->ngroups == a->groups_cap) {
		uint32_t cap = a->groups_cap ? a->groups_cap * 2 : 32;

		g = realloc(a->groups, cap * sizeof(*g));
		if (!g)
			return -ENOMEM;
		a->groups = g;
		a->groups_cap = cap;
		r = heads_resize(&a->ghash, &a->ghash_mask, cap);
		if (r < 0)
			return r;
		if (r > 0)
			for (uint32_t j = 0; j < a->ngroups; j++) {
				b = a->groups[j].hash & a->ghash_mask;
				a->groups[j].hnext = a->ghash[b];
				a->ghash[b] = j;
			}
	}
	i = a->ngroups;
	g = &a->groups[i];
	memset(g, 0, sizeof(*g));
	g->key = strdup(key);
	if (!g->key)
		return -ENOMEM;
	g->hash = hash_str(key);
	g->flags = flags;
	b = g->hash & a->ghash_mask;
	g->hnext = a->ghash[b];
	a->ghash[b] = i;
	a->ngroups++;
	*ret = i;
	return 0;
}

/* The group of processes past the limit, or whose key is unknown. */
static int group_other(struct acct *a, uint32_t *ret)
{
	int r;

	if (a->other == ACCT_NONE) {
		r = group_add(a, "", TSTATS_ROW_OTHER, &a->other);
		if (r < 0)
			return r;
	}
	*ret = a->other;
	return 0;
}

static int group_get(struct acct *a, const char *key, uint32_t *ret)
{
	uint32_t h = hash_str(key);

	for (uint32_t i = a->ghash[h & a->ghash_mask]; i != ACCT_NONE; i = a->groups[i].hnext)
		if (a->groups[i].hash == h && !(a->groups[i].flags & TSTATS_ROW_OTHER) &&
		    strcmp(a->groups[i].key, key) == 0) {
			*ret = i;
			return 0;
		}
	if (a->max_groups && a->ngroups - (a->other != ACCT_NONE) >= a->max_groups)
		return group_other(a, ret);
	return group_add(a, key, 0, ret);
}

/* Puts process p into its group, keyed from its shown record. */
static int proc_group(struct acct *a, struct acct_proc *p, tstats_group_key_fn key,
		      void *userdata)
{
	const struct tstats_record *rec = p->rep != ACCT_NONE ? &a->tasks[p->rep].rec : NULL;
	char buf[ACCT_KEY_MAX];
	uint64_t uid = UINT64_MAX;
	const char *k = buf;
	int r;

	if (!rec)
		return 0;	/* stays where it was */
	tstats_record_get(rec, TSTATS_F_UID, &uid);
	if ((p->flags & AP_KEYED) && p->group != ACCT_NONE) {
		/* Only an exec (a new name) or a change of user moves it. */
		if (a->by == TSTATS_GROUP_BY_CGROUP)
			return 0;
		if (a->by == TSTATS_GROUP_BY_USER ? p->keyed_uid == (uint32_t)uid :
		    strcmp(p->keyed_comm, rec->comm) == 0)
			return 0;
	}
	p->flags |= AP_KEYED;
	p->keyed_uid = (uint32_t)uid;
	memcpy(p->keyed_comm, rec->comm, sizeof(p->keyed_comm));
	switch (a->by) {
	case TSTATS_GROUP_BY_COMM:
		k = rec->comm;
		break;
	case TSTATS_GROUP_BY_USER:
		if (uid == UINT64_MAX)
			return group_other(a, &p->group);
		snprintf(buf, sizeof(buf), "%u", (uint32_t)uid);
		break;
	case TSTATS_GROUP_BY_CGROUP:
		k = p->cgroup ? p->cgroup : "";
		break;
	case TSTATS_GROUP_BY_KEY:
		buf[0] = '\0';
		r = key ? key(rec, buf, sizeof(buf), userdata) : -EINVAL;
		buf[sizeof(buf) - 1] = '\0';
		if (r < 0)
			return group_other(a, &p->group);
		break;
	default:
		return 0;
	}
	return group_get(a, k, &p->group);
}

int acct_close(struct acct *a, uint64_t now, tstats_group_key_fn key, void *userdata)
{
	uint64_t delta[ACCT_NC_MAX];
	int r;

	/* A thread that exec'd went on under its leader's id: not lost, its
	 * new entry continues from its baseline (its counters go on). */
	for (uint32_t i = 0; i < a->tasks_cap; i++) {
		struct acct_task *t = &a->tasks[i], *s;
		struct acct_proc *p;

		if (!(t->flags & AT_USED) || (t->flags & (AT_TOMB | AT_FINAL)) ||
		    t->seen_tick == a->tick || t->tid == t->tgid)
			continue;
		p = &a->procs[t->proc];
		if (p->execed == ACCT_NONE)
			continue;
		s = &a->tasks[p->execed];
		memcpy(s->base, t->base, sizeof(s->base));
		memcpy(s->origin, t->origin, sizeof(s->origin));
		s->bvalid = t->bvalid;
		s->flags |= t->flags & AT_NEW;
		p->execed = ACCT_NONE;
		task_free(a, i);
	}

	/* Threads into their processes. */
	for (uint32_t i = 0; i < a->procs_cap; i++)
		a->procs[i].rep = ACCT_NONE;
	for (uint32_t i = 0; i < a->tasks_cap; i++) {
		struct acct_task *t = &a->tasks[i];
		struct acct_proc *p;
		uint64_t valid;

		if (!(t->flags & AT_USED))
			continue;
		if (t->flags & AT_TOMB) {
			/* Gone from /proc: nothing can mistake it any more. */
			if (t->seen_tick != a->tick)
				task_free(a, i);
			continue;
		}
		if (!(t->flags & AT_FINAL) && t->seen_tick != a->tick) {
			/* Not sampled and no final record: lost with its
			 * exit message (its last increase is unknown). */
			t->flags |= AT_LOST;
			a->lost_threads++;
		}
		p = &a->procs[t->proc];
		valid = task_delta(a, t, delta);
		p->sum.valid |= valid;
		for (unsigned int c = 0; c < a->nc; c++)
			p->sum.delta[c] += delta[c];
		if (t->flags & AT_NEW)
			p->sum.threads_started++;
		if (t->flags & (AT_FINAL | AT_LOST))
			p->sum.threads_exited++;
		else
			p->sum.threads++;
		/* Shown: the leader, else a live thread, else any. */
		if (p->rep == ACCT_NONE || t->tid == p->tgid ||
		    (a->tasks[p->rep].tid != p->tgid && (a->tasks[p->rep].flags & AT_FINAL) &&
		     !(t->flags & AT_FINAL)))
			p->rep = i;
	}

	/* Processes into their groups and the total. */
	for (uint32_t i = 0; i < a->procs_cap; i++) {
		struct acct_proc *p = &a->procs[i];
		struct acct_sum *g = NULL;

		if (!(p->flags & AP_USED))
			continue;
		/* Every thread gone: the process is gone. */
		if (p->sum.threads == 0)
			p->flags |= AP_EXITED;
		if (p->flags & AP_NEW)
			p->sum.procs_started = 1;
		if (p->flags & AP_EXITED)
			p->sum.procs_exited = 1;
		else
			p->sum.procs = 1;
		sum_close(a, &p->sum);
		if (a->tick > 0 && a->by != TSTATS_GROUP_BY_NONE) {
			r = proc_group(a, p, key, userdata);
			if (r < 0)
				return r;
		}
		if (p->group != ACCT_NONE && a->tick > 0)
			g = &a->groups[p->group].sum;
		if (g)
			sum_add(a, g, &p->sum);
		sum_add(a, &a->all, &p->sum);
	}
	for (uint32_t g = 0; g < a->ngroups; g++)
		sum_close(a, &a->groups[g].sum);
	sum_close(a, &a->all);

	a->interval_ns = a->tick > 0 ? now - a->closed_ns : 0;
	if (a->tick > 0) {
		bool lost = a->overflows || a->lost_messages || a->lost_threads ||
			    a->messages_unknown;

		a->total_overflows += a->overflows;
		a->total_lost_messages += a->lost_messages;
		a->total_lost_threads += a->lost_threads;
		a->incomplete += lost;
	}
	a->closed_ns = now;
	a->open_lo = a->sample_lo;
	a->roll_pending = true;
	return a->tick++ > 0;
}

/* ---- rows --------------------------------------------------------------- */

static void row_values(const struct acct *a, struct tstats_monitor_row *row, uint64_t valid,
		       const uint64_t *delta, const uint64_t *total, uint64_t tvalid)
{
	struct tstats_rates *r = &row->rates;

	memset(r->valid, 0, sizeof(r->valid));
	memset(row->total_valid, 0, sizeof(row->total_valid));
	memset(r->backwards, 0, sizeof(r->backwards));
	r->summary_valid = r->delay_valid = 0;
	r->cpu_pct = r->user_pct = r->system_pct = 0;
	r->interval_ns = a->interval_ns;
	for (unsigned int i = 0; i < a->nc; i++) {
		unsigned int f = a->cf[i];

		row->total[f] = 0;
		if (tvalid & BIT(i)) {
			mask_set(row->total_valid, f);
			row->total[f] = total[i];
		}
		r->delta[f] = 0;
		if (!(valid & BIT(i)))
			continue;
		mask_set(r->valid, f);
		r->delta[f] = delta[i];
	}
	rates_finish(r);
}

static void row_counts(struct tstats_monitor_row *row, const struct acct_sum *s)
{
	row->threads = s->threads;
	row->threads_started = s->threads_started;
	row->threads_exited = s->threads_exited;
	row->processes = s->procs;
	row->processes_started = s->procs_started;
	row->processes_exited = s->procs_exited;
}

static int row_threads(struct acct *a, struct tstats_monitor_row *row, tstats_row_fn fn,
		       void *userdata)
{
	uint64_t delta[ACCT_NC_MAX], total[ACCT_NC_MAX];
	int n = 0, r;

	for (uint32_t i = 0; i < a->tasks_cap; i++) {
		const struct acct_task *t = &a->tasks[i];
		uint64_t valid;

		if (!(t->flags & AT_USED) || (t->flags & AT_TOMB))
			continue;
		valid = task_delta(a, t, delta);
		for (unsigned int c = 0; c < a->nc; c++)
			total[c] = counter(a, &t->rec, c) - t->origin[c];
		row->id = t->tid;
		row->tgid = t->tgid;
		row->flags = (t->flags & AT_NEW ? TSTATS_ROW_STARTED : 0) |
			     (t->flags & AT_FINAL ? TSTATS_ROW_EXITED : 0) |
			     (t->flags & AT_LOST ? TSTATS_ROW_LOST : 0);
		row->threads = !(t->flags & (AT_FINAL | AT_LOST));
		row->threads_started = !!(t->flags & AT_NEW);
		row->threads_exited = !row->threads;
		row->processes = row->processes_started = row->processes_exited = 0;
		row->rec = &t->rec;
		row_values(a, row, valid, delta, total, valid);
		r = fn(row, userdata);
		n++;
		if (r)
			return r < 0 ? r : n;
	}
	return n;
}

int acct_foreach(struct acct *a, unsigned int level, struct tstats_monitor_row *row,
		 tstats_row_fn fn, void *userdata)
{
	int n = 0, r;

	if (a->tick < 2 || !a->roll_pending)
		return -ENODATA;
	memset(row, 0, offsetof(struct tstats_monitor_row, rates));
	row->level = level;
	switch (level) {
	case TSTATS_LEVEL_THREAD:
		return row_threads(a, row, fn, userdata);
	case TSTATS_LEVEL_PROCESS:
		for (uint32_t i = 0; i < a->procs_cap; i++) {
			const struct acct_proc *p = &a->procs[i];

			if (!(p->flags & AP_USED))
				continue;
			row->id = row->tgid = p->tgid;
			row->flags = (p->flags & AP_NEW ? TSTATS_ROW_STARTED : 0) |
				     (p->flags & AP_EXITED ? TSTATS_ROW_EXITED : 0);
			row->rec = p->rep != ACCT_NONE ? &a->tasks[p->rep].rec : NULL;
			row_counts(row, &p->sum);
			row_values(a, row, p->sum.valid, p->sum.delta, p->sum.total, p->sum.tvalid);
			n++;
			r = fn(row, userdata);
			if (r)
				return r < 0 ? r : n;
		}
		return n;
	case TSTATS_LEVEL_GROUP:
		for (uint32_t i = 0; i < a->ngroups; i++) {
			const struct acct_group *g = &a->groups[i];

			row->id = i;
			row->flags = g->flags;
			row->key = g->flags & TSTATS_ROW_OTHER ? "" : g->key;
			row_counts(row, &g->sum);
			row_values(a, row, g->sum.valid, g->sum.delta, g->sum.total, g->sum.tvalid);
			n++;
			r = fn(row, userdata);
			if (r)
				return r < 0 ? r : n;
		}
		return n;
	case TSTATS_LEVEL_TOTAL:
		row_counts(row, &a->all);
		row_values(a, row, a->all.valid, a->all.delta, a->all.total, a->all.tvalid);
		r = fn(row, userdata);
		return r < 0 ? r : 1;
	default:
		return -EINVAL;
	}
}
