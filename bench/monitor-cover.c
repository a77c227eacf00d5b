/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * monitor-cover: how much of the machine's busy CPU time a monitor
 * (tstats_monitor_*) accounts for, and what each tick costs it. For
 * bench/coverage.sh.
 *
 *   monitor-cover [-b BYTES] [-c COMM] [-g CGROUP] SECONDS
 *
 * Follows every task on the machine for SECONDS one-second intervals: a
 * tick every second, tstats_monitor_dispatch() whenever the exit
 * listener's fd is readable in between. Right after each tick it reads
 * /proc/stat (and CGROUP/cpu.stat), so that the monitor's intervals and
 * the references cover the same window.
 *
 *   -b BYTES   the exit listener's receive buffer (default: the kernel's):
 *              a busy machine may keep this process off a CPU for longer
 *              than the default buffer lasts
 *   -c COMM    also group processes by command name and sum the group COMM
 *   -g CGROUP  also read the CPU time of this cgroup v2 directory
 *
 * One line per interval, then a total:
 *
 *   interval I seconds S cpu_us U run_ns R busy_ticks B irq_steal_ticks X
 *     queried Q exits E tick_cpu_ns C proc_cpu_ns P complete K
 *     [comm_cpu_us U comm_run_ns R] [cgroup_us G]
 *   total intervals N seconds S cpu_s U run_virtual_s R busy_s B
 *     irq_steal_s X incomplete I lost_messages L lost_threads T
 *     [comm_cpu_s U comm_run_virtual_s R] [cgroup_s G]
 *
 * cpu_us is the TOTAL row's utime + stime increase (every followed task,
 * those that exited in the interval included), run_ns its
 * cpu_run_virtual_total increase; the comm_ pair the same for the group
 * COMM. tick_cpu_ns is the CPU time this process spent inside
 * tstats_monitor_tick(), proc_cpu_ns all of its CPU time from one tick's
 * end to the next's (dispatches and reading the rows included); queried
 * the threads the tick queried. Needs CAP_NET_ADMIN.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "busy.h"
#include "libtaskstats.h"

#define NS_PER_S 1000000000ull

struct opts {
	long seconds;
	long rcvbuf;		/* 0: the kernel's default */
	const char *comm;	/* NULL: no groups */
	const char *cgroup;	/* NULL: none */
};

/* One row's CPU time in the interval: the total's, or a group's. */
struct total {
	uint64_t cpu_us, run_ns;
	const char *key;	/* group rows: only the one with this key */
};

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static int valid(const struct tstats_rates *r, unsigned int field)
{
	return (r->valid[field / 64] >> (field % 64)) & 1;
}

static int take_cpu(const struct tstats_monitor_row *row, void *userdata)
{
	struct total *t = userdata;

	if (t->key && (!row->key || strcmp(row->key, t->key) != 0))
		return 0;
	if (valid(&row->rates, TSTATS_F_UTIME) && valid(&row->rates, TSTATS_F_STIME))
		t->cpu_us = row->rates.delta[TSTATS_F_UTIME] + row->rates.delta[TSTATS_F_STIME];
	if (valid(&row->rates, TSTATS_F_CPU_RUN_VIRTUAL_TOTAL))
		t->run_ns = row->rates.delta[TSTATS_F_CPU_RUN_VIRTUAL_TOTAL];
	return 0;
}

/* Waits until deadline (CLOCK_MONOTONIC ns), taking exit messages into the
 * monitor whenever its fd is readable. Returns 0 or -errno. */
static int wait_dispatching(struct tstats_monitor *m, uint64_t deadline)
{
	struct pollfd p = { .fd = tstats_monitor_fd(m), .events = POLLIN };

	for (;;) {
		uint64_t now = clock_ns(CLOCK_MONOTONIC);
		struct timespec ts;
		int r;

		if (now >= deadline)
			return 0;
		ts.tv_sec = (time_t)((deadline - now) / NS_PER_S);
		ts.tv_nsec = (long)((deadline - now) % NS_PER_S);
		r = ppoll(&p, 1, &ts, NULL);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r > 0) {
			r = tstats_monitor_dispatch(m);
			if (r < 0)
				return r;
		}
	}
}

static int parse(int argc, char **argv, struct opts *o)
{
	int c;

	while ((c = getopt(argc, argv, "b:c:g:")) != -1) {
		switch (c) {
		case 'b':
			o->rcvbuf = strtol(optarg, NULL, 10);
			if (o->rcvbuf <= 0 || o->rcvbuf > INT_MAX / 2)
				return -1;
			break;
		case 'c':
			o->comm = optarg;
			break;
		case 'g':
			o->cgroup = optarg;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc - 1 || (o->seconds = strtol(argv[optind], NULL, 10)) <= 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct tstats_monitor_stats st = { 0 };
	struct tstats_monitor *m = NULL;
	struct busy b0, prev, cur;
	struct total sum = { 0 }, comm_sum = { 0 };
	uint64_t deadline, t0, t_prev, cpu_prev;
	double hz = (double)sysconf(_SC_CLK_TCK);
	long done = 0;
	int r;

	if (parse(argc, argv, &o) < 0) {
		fprintf(stderr, "usage: monitor-cover [-b BYTES] [-c COMM] [-g CGROUP] SECONDS\n");
		return 2;
	}
	r = tstats_monitor_new(NULL, &m);
	if (r < 0) {
		fprintf(stderr, "monitor-cover: tstats_monitor_new: %s\n", strerror(-r));
		return 1;
	}
	if (o.rcvbuf) {
		r = tstats_monitor_set_rcvbuf(m, (int)o.rcvbuf);
		if (r < 0) {
			fprintf(stderr, "monitor-cover: receive buffer: %s\n", strerror(-r));
			goto out;
		}
	}
	if (o.comm) {
		r = tstats_monitor_set_group_by(m, TSTATS_GROUP_BY_COMM, 0);
		if (r < 0) {
			fprintf(stderr, "monitor-cover: grouping: %s\n", strerror(-r));
			goto out;
		}
	}
	r = tstats_monitor_tick(m, NULL, NULL);	/* the baseline */
	if (r >= 0)
		r = busy_read(o.cgroup, &b0);
	if (r < 0) {
		fprintf(stderr, "monitor-cover: baseline: %s\n", strerror(-r));
		goto out;
	}
	prev = b0;
	t0 = t_prev = clock_ns(CLOCK_MONOTONIC);
	cpu_prev = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	deadline = t0;
	while (done < o.seconds) {
		struct total t = { 0 }, g = { .key = o.comm };
		uint64_t c0, c1, now;

		deadline += NS_PER_S;
		r = wait_dispatching(m, deadline);
		if (r < 0) {
			fprintf(stderr, "monitor-cover: dispatch: %s\n", strerror(-r));
			goto out;
		}
		c0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
		r = tstats_monitor_tick(m, NULL, NULL);
		c1 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
		if (r < 0) {
			/* The interval stays open: the next tick closes it,
			 * and its references run on with it. */
			fprintf(stderr, "monitor-cover: tick: %s (interval merged into the next)\n",
				strerror(-r));
			continue;
		}
		now = clock_ns(CLOCK_MONOTONIC);
		r = busy_read(o.cgroup, &cur);
		if (r < 0) {
			fprintf(stderr, "monitor-cover: references: %s\n", strerror(-r));
			goto out;
		}
		r = tstats_monitor_foreach(m, TSTATS_LEVEL_TOTAL, take_cpu, &t);
		if (r >= 0 && o.comm)
			r = tstats_monitor_foreach(m, TSTATS_LEVEL_GROUP, take_cpu, &g);
		if (r >= 0)
			r = tstats_monitor_stats(m, &st);
		if (r < 0) {
			fprintf(stderr, "monitor-cover: reading the interval: %s\n", strerror(-r));
			goto out;
		}
		sum.cpu_us += t.cpu_us;
		sum.run_ns += t.run_ns;
		comm_sum.cpu_us += g.cpu_us;
		comm_sum.run_ns += g.run_ns;
		done++;
		printf("interval %ld seconds %.6f cpu_us %" PRIu64 " run_ns %" PRIu64
		       " busy_ticks %" PRIu64 " irq_steal_ticks %" PRIu64 " queried %" PRIu64
		       " exits %" PRIu64 " tick_cpu_ns %" PRIu64 " proc_cpu_ns %" PRIu64
		       " complete %u",
		       done, (double)(now - t_prev) / NS_PER_S, t.cpu_us, t.run_ns,
		       busy_ticks(&prev, &cur), busy_irq_steal_ticks(&prev, &cur),
		       st.tick_queried, st.exits, c1 - c0, c1 - cpu_prev, st.complete);
		if (o.comm)
			printf(" comm_cpu_us %" PRIu64 " comm_run_ns %" PRIu64, g.cpu_us, g.run_ns);
		if (o.cgroup)
			printf(" cgroup_us %" PRIu64, busy_cgroup_us(&prev, &cur));
		printf("\n");
		fflush(stdout);
		prev = cur;
		t_prev = now;
		cpu_prev = c1;
	}
	printf("total intervals %ld seconds %.6f cpu_s %.6f run_virtual_s %.6f busy_s %.6f"
	       " irq_steal_s %.6f incomplete %" PRIu64 " lost_messages %" PRIu64
	       " lost_threads %" PRIu64,
	       done, (double)(t_prev - t0) / NS_PER_S, (double)sum.cpu_us / 1e6,
	       (double)sum.run_ns / 1e9, (double)busy_ticks(&b0, &prev) / hz,
	       (double)busy_irq_steal_ticks(&b0, &prev) / hz, st.incomplete_intervals,
	       st.total_lost_messages, st.total_lost_threads);
	if (o.comm)
		printf(" comm_cpu_s %.6f comm_run_virtual_s %.6f", (double)comm_sum.cpu_us / 1e6,
		       (double)comm_sum.run_ns / 1e9);
	if (o.cgroup)
		printf(" cgroup_s %.6f", (double)busy_cgroup_us(&b0, &prev) / 1e6);
	printf("\n");
	tstats_monitor_free(m);
	return 0;
out:
	tstats_monitor_free(m);
	return 1;
}
