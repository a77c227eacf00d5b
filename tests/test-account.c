/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The monitor's bookkeeping (lib/account.c) from recorded samples and exit
 * records: no kernel. Times are CLOCK_MONOTONIC ns as the monitor would
 * see them; records carry only the fields each test needs.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "account.h"
#include "check-main.h"

#define S 1000000000ull	/* one second in ns */
#define MS 1000000ull

static struct acct a;
static bool alive_answer;

static bool fake_alive(uint32_t tgid, uint32_t tid)
{
	(void)tgid;
	(void)tid;
	return alive_answer;
}

static int fake_cgroup(uint32_t pid, char *buf, size_t size)
{
	snprintf(buf, size, "/test/%u", pid);
	return 0;
}

static void setup(void)
{
	ck_assert_int_eq(acct_init(&a), 0);
	a.is_alive = fake_alive;
	a.read_cgroup = fake_cgroup;
	alive_answer = true;
}

static void teardown(void)
{
	acct_done(&a);
}

static void put(struct tstats_record *r, unsigned int f, uint64_t v)
{
	r->value[f] = v;
	r->present[f / 64] |= UINT64_C(1) << (f % 64);
}

/* A PID record of tid in group tgid, age_us old, with utime and bytes. */
static struct tstats_record rec(uint32_t tid, uint32_t tgid, uint64_t age_us, uint64_t utime_us,
				uint64_t write_bytes, const char *comm)
{
	struct tstats_record r;

	memset(&r, 0, sizeof(r));
	r.kind = TSTATS_KIND_PID;
	r.id = tid;
	r.version = 16;
	put(&r, TSTATS_F_PID, tid);
	put(&r, TSTATS_F_TGID, tgid);
	put(&r, TSTATS_F_PPID, 1);
	put(&r, TSTATS_F_UID, 1000);
	put(&r, TSTATS_F_ETIME, age_us);
	put(&r, TSTATS_F_UTIME, utime_us);
	put(&r, TSTATS_F_STIME, 0);
	put(&r, TSTATS_F_WRITE_BYTES, write_bytes);
	snprintf(r.comm, sizeof(r.comm), "%s", comm);
	put(&r, TSTATS_F_COMM, 0);
	return r;
}

/* The sample of one tick at time now: the kernel answered at now. */
static void sample(uint32_t tid, uint32_t tgid, uint64_t now, uint64_t start,
		   uint64_t utime_us, uint64_t bytes, const char *comm)
{
	struct tstats_record r = rec(tid, tgid, (now - start) / 1000, utime_us, bytes, comm);

	ck_assert_int_eq(acct_sample(&a, tid, tgid, &r, now, now + 1000), 0);
}

/* An exit record read at now of a task that started at start and exited
 * at end. */
static void exit_rec(uint32_t tid, uint32_t tgid, uint64_t start, uint64_t end, uint64_t now,
		     uint64_t utime_us, uint64_t bytes, const char *comm, bool group)
{
	struct tstats_record r = rec(tid, tgid, (end - start) / 1000, utime_us, bytes, comm);

	r.flags = TSTATS_RECORD_EXIT | (group ? TSTATS_RECORD_GROUP_EXIT : 0);
	ck_assert_int_eq(acct_exit(&a, &r, now), 0);
}

static void tick_begin(uint64_t now)
{
	acct_roll(&a);
	acct_begin_sample(&a, now);
}

/* Rows of one level, copied for the checks. */
#define ROWS_MAX 16
struct rows {
	size_t n;
	struct row_copy {
		uint32_t id, flags, threads, threads_started, threads_exited;
		uint32_t processes_started, processes_exited;
		uint64_t utime, utime_total, write_bytes;
		bool utime_valid, utime_total_valid;
		char key[64];
	} r[ROWS_MAX];
};

static int copy_row(const struct tstats_monitor_row *row, void *userdata)
{
	struct rows *rs = userdata;
	struct row_copy *c;

	ck_assert_uint_lt(rs->n, ROWS_MAX);
	c = &rs->r[rs->n++];
	memset(c, 0, sizeof(*c));
	c->id = row->id;
	c->flags = row->flags;
	c->threads = row->threads;
	c->threads_started = row->threads_started;
	c->threads_exited = row->threads_exited;
	c->processes_started = row->processes_started;
	c->processes_exited = row->processes_exited;
	c->utime_valid = tstats_rates_get(&row->rates, TSTATS_F_UTIME, &c->utime, NULL) == 0;
	tstats_rates_get(&row->rates, TSTATS_F_WRITE_BYTES, &c->write_bytes, NULL);
	c->utime_total = row->total[TSTATS_F_UTIME];
	c->utime_total_valid = (row->total_valid[TSTATS_F_UTIME / 64] >>
				(TSTATS_F_UTIME % 64)) & 1;
	if (row->key)
		snprintf(c->key, sizeof(c->key), "%s", row->key);
	return 0;
}

static struct rows rows(unsigned int level)
{
	struct tstats_monitor_row row;
	struct rows rs = { 0 };

	ck_assert_int_ge(acct_foreach(&a, level, &row, copy_row, &rs), 0);
	return rs;
}

static const struct row_copy *find(const struct rows *rs, uint32_t id, uint32_t flags)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->r[i].id == id && (rs->r[i].flags & flags) == flags)
			return &rs->r[i];
	ck_abort_msg("no row %u with flags %#x", id, flags);
	return NULL;
}

/* Two threads of one process: one keeps running, one exits; the process
 * gets both increases, the exited one's up to its final record. */
TEST("unit", threads_roll_up)
{
	struct rows p, t, tot;

	tick_begin(10 * S);
	sample(100, 100, 10 * S, 5 * S, 1000, 0, "app");
	sample(101, 100, 10 * S, 6 * S, 2000, 4096, "worker");
	ck_assert_int_eq(acct_close(&a, 10 * S, NULL, NULL), 0);

	tick_begin(11 * S);
	sample(100, 100, 11 * S, 5 * S, 1500, 0, "app");
	exit_rec(101, 100, 6 * S, 10 * S + 500 * MS, 11 * S + 2 * MS, 2300, 5 * 4096, "worker",
		 false);
	ck_assert_int_eq(acct_close(&a, 11 * S + 3 * MS, NULL, NULL), 1);

	t = rows(TSTATS_LEVEL_THREAD);
	ck_assert_uint_eq(t.n, 2);
	ck_assert_uint_eq(find(&t, 100, 0)->utime, 500);
	ck_assert_uint_eq(find(&t, 101, TSTATS_ROW_EXITED)->utime, 300);
	ck_assert_uint_eq(find(&t, 101, TSTATS_ROW_EXITED)->write_bytes, 4 * 4096);
	p = rows(TSTATS_LEVEL_PROCESS);
	ck_assert_uint_eq(p.n, 1);
	ck_assert_uint_eq(p.r[0].utime, 800);
	ck_assert_uint_eq(p.r[0].write_bytes, 4 * 4096);
	ck_assert_uint_eq(p.r[0].threads, 1);
	ck_assert_uint_eq(p.r[0].threads_exited, 1);
	ck_assert_uint_eq(p.r[0].flags, 0);
	tot = rows(TSTATS_LEVEL_TOTAL);
	ck_assert_uint_eq(tot.r[0].utime, 800);

	/* Next interval: the exited thread is gone, the total stays. */
	tick_begin(12 * S);
	sample(100, 100, 12 * S, 5 * S, 1600, 0, "app");
	ck_assert_int_eq(acct_close(&a, 12 * S, NULL, NULL), 1);
	p = rows(TSTATS_LEVEL_PROCESS);
	ck_assert_uint_eq(p.r[0].utime, 100);
	ck_assert_uint_eq(p.r[0].utime_total, 900);
	t = rows(TSTATS_LEVEL_THREAD);
	ck_assert_uint_eq(t.n, 1);
	ck_assert_uint_eq(a.lost_threads, 0);
}
END_TEST

/* A process that started and exited between two samples counts whole; an
 * exit of a task that was alive when the interval opened, but never
 * sampled, counts nothing (its part before the sample is unknown). */
TEST("unit", unsampled_exits)
{
	struct rows p, tot;

	tick_begin(10 * S);
	sample(100, 100, 10 * S, 5 * S, 1000, 0, "app");
	ck_assert_int_eq(acct_close(&a, 10 * S, NULL, NULL), 0);
	a.drained_ns = 10 * S;

	acct_roll(&a);
	exit_rec(200, 200, 10 * S + 100 * MS, 10 * S + 300 * MS, 10 * S + 400 * MS, 150, 8192,
		 "short", true);
	exit_rec(300, 300, 2 * S, 10 * S + 100 * MS, 10 * S + 400 * MS, 99999, 0, "old", true);
	tick_begin(11 * S);
	sample(100, 100, 11 * S, 5 * S, 1000, 0, "app");
	ck_assert_int_eq(acct_close(&a, 11 * S, NULL, NULL), 1);

	p = rows(TSTATS_LEVEL_PROCESS);
	ck_assert_uint_eq(p.n, 3);
	ck_assert_uint_eq(find(&p, 200, TSTATS_ROW_STARTED | TSTATS_ROW_EXITED)->utime, 150);
	ck_assert_uint_eq(find(&p, 200, 0)->write_bytes, 8192);
	ck_assert_uint_eq(find(&p, 300, TSTATS_ROW_EXITED)->utime, 0);
	ck_assert(!(find(&p, 300, 0)->flags & TSTATS_ROW_STARTED));
	tot = rows(TSTATS_LEVEL_TOTAL);
	ck_assert_uint_eq(tot.r[0].utime, 150);
	ck_assert_uint_eq(tot.r[0].processes_started, 1);
	ck_assert_uint_eq(tot.r[0].processes_exited, 2);
	ck_assert_uint_eq(a.exits_unsampled, 2);
}
END_TEST

/* An id taken over by a new task: the new one is its own row with its own
 * values, never its predecessor's values subtracted. */
TEST("unit", reused_id_is_a_new_task)
{
	struct rows t;

	tick_begin(10 * S);
	sample(500, 500, 10 * S, 1 * S, 300000, 0, "old");
	ck_assert_int_eq(acct_close(&a, 10 * S, NULL, NULL), 0);
	a.drained_ns = 10 * S;

	tick_begin(11 * S);
	/* The new task started 10 ms before the sample; the old one's exit
	 * arrives in the drain after it. */
	sample(500, 500, 11 * S, 11 * S - 10 * MS, 7, 0, "new");
	exit_rec(500, 500, 1 * S, 10 * S + 500 * MS, 11 * S + 1 * MS, 300100, 0, "old", true);
	ck_assert_int_eq(acct_close(&a, 11 * S + 2 * MS, NULL, NULL), 1);

	t = rows(TSTATS_LEVEL_THREAD);
	ck_assert_uint_eq(t.n, 2);
	ck_assert_uint_eq(find(&t, 500, TSTATS_ROW_EXITED)->utime, 100);
	ck_assert_uint_eq(find(&t, 500, TSTATS_ROW_STARTED)->utime, 7);
	ck_assert_uint_eq(rows(TSTATS_LEVEL_TOTAL).r[0].utime, 107);
	ck_assert_uint_eq(a.lost_threads, 0);
}
END_TEST

/* An exit record whose task started before the followed task of that id
 * (a short task that held the id before it) is not that task's end. */
TEST("unit", exit_of_an_earlier_holder)
{
	struct rows t;

	tick_begin(10 * S);
	ck_assert_int_eq(acct_close(&a, 10 * S, NULL, NULL), 0);
	a.drained_ns = 10 * S;
	tick_begin(11 * S);
	sample(800, 800, 11 * S, 10 * S + 900 * MS, 40, 0, "later");
	/* Read in the drain after the sample: it started at 10.2 s and
	 * ended at 10.5 s, before the sampled task started. */
	exit_rec(800, 800, 10 * S + 200 * MS, 10 * S + 500 * MS, 11 * S + 1 * MS, 30, 0,
		 "earlier", true);
	ck_assert_int_eq(acct_close(&a, 11 * S + 2 * MS, NULL, NULL), 1);
	t = rows(TSTATS_LEVEL_THREAD);
	ck_assert_uint_eq(t.n, 2);
	ck_assert_uint_eq(find(&t, 800, TSTATS_ROW_STARTED | TSTATS_ROW_EXITED)->utime, 30);
	/* The later task lives on, with its own values. */
	ck_assert_uint_eq(t.r[0].flags + t.r[1].flags,
			  2 * TSTATS_ROW_STARTED + TSTATS_ROW_EXITED);
	ck_assert_uint_eq(t.r[0].utime + t.r[1].utime, 70);
	ck_assert_uint_eq(rows(TSTATS_LEVEL_TOTAL).r[0].utime, 70);
}
END_TEST

/* A zombie sampled after its exit record: the same dead task, counted
 * once; a live task in the same start window is a new one. */
TEST("unit", zombie_is_not_counted_again)
{
	struct rows t;

	tick_begin(10 * S);
	ck_assert_int_eq(acct_close(&a, 10 * S, NULL, NULL), 0);
	a.drained_ns = 10 * S;

	acct_roll(&a);
	exit_rec(600, 600, 10 * S + 100 * MS, 10 * S + 400 * MS, 10 * S + 500 * MS, 250, 0,
		 "zombie", true);
	tick_begin(11 * S);
	alive_answer = false;
	sample(600, 600, 11 * S, 10 * S + 100 * MS, 251, 0, "zombie");
	ck_assert_int_eq(acct_close(&a, 11 * S, NULL, NULL), 1);
	t = rows(TSTATS_LEVEL_THREAD);
	ck_assert_uint_eq(t.n, 1);
	ck_assert_uint_eq(t.r[0].utime, 250);

	/* Still a zombie next time: nothing, and not lost either. */
	tick_begin(12 * S);
	sample(600, 600, 12 * S, 10 * S + 100 * MS, 251, 0, "zombie");
	ck_assert_int_eq(acct_close(&a, 12 * S, NULL, NULL), 1);
	ck_assert_uint_eq(rows(TSTATS_LEVEL_THREAD).n, 0);
	ck_assert_uint_eq(rows(TSTATS_LEVEL_TOTAL).r[0].utime, 0);
	ck_assert_uint_eq(a.lost_threads, 0);
}
END_TEST

/* A task whose exit came before the baseline, sampled by it as a zombie:
 * dead, neither followed nor lost when it is reaped. */
TEST("unit", zombie_at_the_baseline)
{
	acct_roll(&a);
	exit_rec(650, 650, 9 * S, 9 * S + 500 * MS, 9 * S + 600 * MS, 250, 0, "zombie", true);
	tick_begin(10 * S);
	alive_answer = false;
	sample(650, 650, 10 * S, 9 * S, 251, 0, "zombie");
	ck_assert_int_eq(acct_close(&a, 10 * S, NULL, NULL), 0);
	tick_begin(11 * S);
	ck_assert_int_eq(acct_close(&a, 11 * S, NULL, NULL), 1);
	ck_assert_uint_eq(rows(TSTATS_LEVEL_THREAD).n, 0);
	ck_assert_uint_eq(a.lost_threads, 0);
}
END_TEST

/* A thread that execs while its leader lives takes over the leader's id
 * and start (de_thread()): the leader's exit record comes, the thread
 * vanishes without one, and the "leader" sampled next is that thread. Its
 * counters go on, counted once, and nothing is lost. */
TEST("unit", exec_from_a_thread)
{
	struct rows t, p;

	tick_begin(10 * S);
	sample(900, 900, 10 * S, 5 * S, 1000, 0, "app");
	sample(901, 900, 10 * S, 6 * S, 2000, 0, "app");
	ck_assert_int_eq(acct_close(&a, 10 * S, NULL, NULL), 0);
	a.drained_ns = 10 * S;

	acct_roll(&a);
	exit_rec(900, 900, 5 * S, 10 * S + 300 * MS, 10 * S + 400 * MS, 1100, 0, "app", false);
	tick_begin(11 * S);
	alive_answer = true;
	/* Thread 901's counters, now under 900 with the leader's start. */
	sample(900, 900, 11 * S, 5 * S, 2500, 0, "sleep");
	ck_assert_int_eq(acct_close(&a, 11 * S, NULL, NULL), 1);
	ck_assert_uint_eq(a.lost_threads, 0);
	t = rows(TSTATS_LEVEL_THREAD);
	ck_assert_uint_eq(t.n, 2);
	ck_assert_uint_eq(find(&t, 900, TSTATS_ROW_EXITED)->utime, 100);
	p = rows(TSTATS_LEVEL_PROCESS);
	ck_assert_uint_eq(p.n, 1);
	ck_assert_uint_eq(p.r[0].utime, 600);	/* 100 + 500 */
	ck_assert_uint_eq(p.r[0].threads, 1);
}
END_TEST

/* A zombie of a task that died before the monitor listened: no exit record
 * will come; it is not followed, and not lost when reaped. */
TEST("unit", zombie_from_before)
{
	struct tstats_record r = rec(660, 660, 5000000, 40, 0, "old-zombie");

	tick_begin(10 * S);
	alive_answer = false;
	put(&r, TSTATS_F_HIWATER_VM, 0);
	ck_assert_int_eq(acct_sample(&a, 660, 660, &r, 10 * S, 10 * S + 1000), 0);
	ck_assert_int_eq(acct_close(&a, 10 * S, NULL, NULL), 0);
	tick_begin(11 * S);
	ck_assert_int_eq(acct_close(&a, 11 * S, NULL, NULL), 1);
	ck_assert_uint_eq(a.lost_threads, 0);
	ck_assert_uint_eq(rows(TSTATS_LEVEL_THREAD).n, 0);
}
END_TEST

/* A followed thread that vanished without its exit record: lost, and the
 * interval says so. */
TEST("unit", vanished_thread_is_lost)
{
	struct rows t;

	tick_begin(10 * S);
	sample(700, 700, 10 * S, 5 * S, 10, 0, "gone");
	ck_assert_int_eq(acct_close(&a, 10 * S, NULL, NULL), 0);
	tick_begin(11 * S);
	ck_assert_int_eq(acct_close(&a, 11 * S, NULL, NULL), 1);
	t = rows(TSTATS_LEVEL_THREAD);
	ck_assert_uint_eq(t.n, 1);
	ck_assert_uint_eq(t.r[0].flags, TSTATS_ROW_LOST);
	ck_assert_uint_eq(a.lost_threads, 1);
	ck_assert_uint_eq(a.incomplete, 1);
	/* Dropped at the next roll. */
	tick_begin(12 * S);
	ck_assert_int_eq(acct_close(&a, 12 * S, NULL, NULL), 1);
	ck_assert_uint_eq(rows(TSTATS_LEVEL_THREAD).n, 0);
	ck_assert_uint_eq(a.total_lost_threads, 1);
}
END_TEST

/* Groups by command name, at most two: the rest in "other"; a group's
 * total never goes down, also after its processes exit. */
TEST("unit", groups_bounded)
{
	struct rows g;

	a.by = TSTATS_GROUP_BY_COMM;
	a.max_groups = 2;
	tick_begin(10 * S);
	sample(1, 1, 10 * S, 1 * S, 100, 0, "a");
	sample(2, 2, 10 * S, 1 * S, 100, 0, "b");
	sample(3, 3, 10 * S, 1 * S, 100, 0, "c");
	sample(4, 4, 10 * S, 1 * S, 100, 0, "d");
	ck_assert_int_eq(acct_close(&a, 10 * S, NULL, NULL), 0);
	a.drained_ns = 10 * S;

	tick_begin(11 * S);
	sample(1, 1, 11 * S, 1 * S, 110, 0, "a");
	sample(2, 2, 11 * S, 1 * S, 120, 0, "b");
	sample(3, 3, 11 * S, 1 * S, 130, 0, "c");
	exit_rec(4, 4, 1 * S, 10 * S + 500 * MS, 11 * S + 1 * MS, 140, 0, "d", true);
	ck_assert_int_eq(acct_close(&a, 11 * S + 1 * MS, NULL, NULL), 1);
	g = rows(TSTATS_LEVEL_GROUP);
	ck_assert_uint_eq(g.n, 3);
	ck_assert_uint_eq(find(&g, 0, 0)->utime + find(&g, 1, 0)->utime +
			  find(&g, 2, 0)->utime, 100);
	for (size_t i = 0; i < g.n; i++)
		if (g.r[i].flags & TSTATS_ROW_OTHER)
			ck_assert_uint_eq(g.r[i].utime, 70);	/* c and d */

	tick_begin(12 * S);
	sample(1, 1, 12 * S, 1 * S, 110, 0, "a");
	sample(2, 2, 12 * S, 1 * S, 120, 0, "b");
	sample(3, 3, 12 * S, 1 * S, 130, 0, "c");
	ck_assert_int_eq(acct_close(&a, 12 * S, NULL, NULL), 1);
	g = rows(TSTATS_LEVEL_GROUP);
	for (size_t i = 0; i < g.n; i++)
		if (g.r[i].flags & TSTATS_ROW_OTHER)
			ck_assert_uint_eq(g.r[i].utime_total, 70);
}
END_TEST

/* A group whose processes have all exited keeps its totals, valid, in
 * the intervals after: its counters do not vanish. */
TEST("unit", emptied_group_keeps_totals)
{
	struct rows g;

	a.by = TSTATS_GROUP_BY_COMM;
	tick_begin(10 * S);
	sample(30, 30, 10 * S, 1 * S, 100, 0, "once");
	ck_assert_int_eq(acct_close(&a, 10 * S, NULL, NULL), 0);
	a.drained_ns = 10 * S;
	acct_roll(&a);
	exit_rec(30, 30, 1 * S, 10 * S + 500 * MS, 10 * S + 600 * MS, 160, 0, "once", true);
	tick_begin(11 * S);
	ck_assert_int_eq(acct_close(&a, 11 * S, NULL, NULL), 1);
	g = rows(TSTATS_LEVEL_GROUP);
	ck_assert_uint_eq(g.n, 1);
	ck_assert_uint_eq(g.r[0].utime_total, 60);
	tick_begin(12 * S);
	ck_assert_int_eq(acct_close(&a, 12 * S, NULL, NULL), 1);
	g = rows(TSTATS_LEVEL_GROUP);
	ck_assert_uint_eq(g.n, 1);
	ck_assert(!g.r[0].utime_valid);
	ck_assert(g.r[0].utime_total_valid);
	ck_assert_uint_eq(g.r[0].utime_total, 60);
}
END_TEST

/* The key function decides; a failing one puts the process in "other". */
static int key_by_parity(const struct tstats_record *r, char *buf, size_t size, void *userdata)
{
	int *calls = userdata;

	(*calls)++;
	if (r->id == 13)
		return -EINVAL;
	return snprintf(buf, size, "%s", r->id % 2 ? "odd" : "even");
}

TEST("unit", key_function)
{
	struct rows g;
	int calls = 0;

	a.by = TSTATS_GROUP_BY_KEY;
	tick_begin(10 * S);
	sample(10, 10, 10 * S, 1 * S, 1, 0, "x");
	sample(11, 11, 10 * S, 1 * S, 1, 0, "x");
	sample(13, 13, 10 * S, 1 * S, 1, 0, "x");
	ck_assert_int_eq(acct_close(&a, 10 * S, key_by_parity, &calls), 0);
	tick_begin(11 * S);
	sample(10, 10, 11 * S, 1 * S, 2, 0, "x");
	sample(11, 11, 11 * S, 1 * S, 3, 0, "x");
	sample(13, 13, 11 * S, 1 * S, 5, 0, "x");
	ck_assert_int_eq(acct_close(&a, 11 * S, key_by_parity, &calls), 1);
	ck_assert_int_eq(calls, 3);
	g = rows(TSTATS_LEVEL_GROUP);
	ck_assert_uint_eq(g.n, 3);
	for (size_t i = 0; i < g.n; i++) {
		if (g.r[i].flags & TSTATS_ROW_OTHER)
			ck_assert_uint_eq(g.r[i].utime, 4);
		else if (strcmp(g.r[i].key, "odd") == 0)
			ck_assert_uint_eq(g.r[i].utime, 2);
		else
			ck_assert_str_eq(g.r[i].key, "even");
	}
	/* Keyed once: the same name asks nothing more. */
	tick_begin(12 * S);
	sample(10, 10, 12 * S, 1 * S, 2, 0, "x");
	ck_assert_int_eq(acct_close(&a, 12 * S, key_by_parity, &calls), 1);
	ck_assert_int_eq(calls, 3);
}
END_TEST

/* The cgroup of a process that lived and died between two samples is its
 * parent's. */
TEST("unit", cgroup_of_a_short_process)
{
	struct tstats_record r;
	struct rows g;

	a.by = TSTATS_GROUP_BY_CGROUP;
	tick_begin(10 * S);
	ck_assert_int_eq(acct_close(&a, 10 * S, NULL, NULL), 0);
	a.drained_ns = 10 * S;
	acct_roll(&a);
	r = rec(900, 900, 1000, 5, 0, "short");
	r.value[TSTATS_F_PPID] = 77;
	r.flags = TSTATS_RECORD_EXIT | TSTATS_RECORD_GROUP_EXIT;
	ck_assert_int_eq(acct_exit(&a, &r, 10 * S + 10 * MS), 0);
	tick_begin(11 * S);
	ck_assert_int_eq(acct_close(&a, 11 * S, NULL, NULL), 1);
	g = rows(TSTATS_LEVEL_GROUP);
	ck_assert_uint_eq(g.n, 1);
	ck_assert_str_eq(g.r[0].key, "/test/77");
}
END_TEST

/* Watching one process: other processes' exits are passed over. */
TEST("unit", watch_filters_exits)
{
	ck_assert_int_eq(acct_watch(&a, 42), 0);
	ck_assert(acct_watching(&a, 42));
	ck_assert(!acct_watching(&a, 43));
	tick_begin(10 * S);
	ck_assert_int_eq(acct_close(&a, 10 * S, NULL, NULL), 0);
	a.drained_ns = 10 * S;
	acct_roll(&a);
	exit_rec(43, 43, 10 * S + 1 * MS, 10 * S + 2 * MS, 10 * S + 3 * MS, 5, 0, "other", true);
	exit_rec(44, 42, 10 * S + 1 * MS, 10 * S + 2 * MS, 10 * S + 3 * MS, 7, 0, "mine", false);
	tick_begin(11 * S);
	ck_assert_int_eq(acct_close(&a, 11 * S, NULL, NULL), 1);
	ck_assert_uint_eq(rows(TSTATS_LEVEL_TOTAL).r[0].utime, 7);
	ck_assert_uint_eq(rows(TSTATS_LEVEL_PROCESS).n, 1);
}
END_TEST

TEST("unit", no_rows_before_an_interval)
{
	struct tstats_monitor_row row;
	struct rows rs = { 0 };

	ck_assert_int_eq(acct_foreach(&a, TSTATS_LEVEL_TOTAL, &row, copy_row, &rs), -ENODATA);
	tick_begin(10 * S);
	ck_assert_int_eq(acct_close(&a, 10 * S, NULL, NULL), 0);
	ck_assert_int_eq(acct_foreach(&a, TSTATS_LEVEL_TOTAL, &row, copy_row, &rs), -ENODATA);
	tick_begin(11 * S);
	ck_assert_int_eq(acct_close(&a, 11 * S, NULL, NULL), 1);
	ck_assert_int_eq(acct_foreach(&a, TSTATS_LEVEL_TOTAL, &row, copy_row, &rs), 1);
	ck_assert_int_eq(acct_foreach(&a, 99, &row, copy_row, &rs), -EINVAL);
	/* Rolled into the next interval: the last one's rows are gone. */
	acct_roll(&a);
	ck_assert_int_eq(acct_foreach(&a, TSTATS_LEVEL_TOTAL, &row, copy_row, &rs), -ENODATA);
}
END_TEST

static const struct check_case check_cases[] = {
	{ .suite = "account", .name = "unit", .setup = setup, .teardown = teardown },
};

int main(void)
{
	return CHECK_RUN(check_cases, NULL);
}
