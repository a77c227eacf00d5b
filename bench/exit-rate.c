/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * exit-rate: the most exits per second an exit listener captures with zero
 * loss, per socket receive-buffer size.
 *
 * For each buffer size, producer processes (one per CPU) run short threads
 * at a paced total rate while this process listens with
 * tstats_listener_run(); a trial passes when every producer thread's exit
 * was delivered and the kernel dropped nothing for the socket. The rate
 * climbs a ladder until a trial loses events. Needs CAP_NET_ADMIN.
 *
 * usage: exit-rate [-n exits-per-trial] [-t trials] [-w work-ns-per-record]
 *                  [-b bytes[,bytes...]] [-r rate[,rate...]]
 *   rate 0 means as fast as the producers can go.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libtaskstats.h"

#define MAX_LIST 32
#define MAX_PROD 64

struct opts {
	long exits;
	int trials;
	long work_ns;
	long bufs[MAX_LIST];
	int nbufs;
	long rates[MAX_LIST];
	int nrates;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *short_thread(void *arg)
{
	return arg;
}

/* n thread exits at rate per second (0: unpaced), then exit. */
static void producer(long n, double rate, int fd, int done_fd)
{
	uint64_t t0;
	char c = 0;

	prctl(PR_SET_NAME, "exit-rate-prod");
	/* Start together with the others. */
	if (read(fd, &c, 1) != 1)
		_exit(2);
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		pthread_t t;

		if (rate > 0) {
			uint64_t due = t0 + (uint64_t)((double)i * 1e9 / rate);

			if (now_ns() < due) {
				struct timespec ts = {
					.tv_sec = (time_t)(due / 1000000000u),
					.tv_nsec = (long)(due % 1000000000u),
				};

				clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
			}
		}
		if (pthread_create(&t, NULL, short_thread, NULL))
			_exit(3);
		pthread_join(t, NULL);
	}
	t0 = now_ns();	/* its last thread has exited */
	if (write(done_fd, &t0, sizeof(t0)) != (ssize_t)sizeof(t0))
		_exit(4);
	_exit(0);
}

struct trial {
	pid_t prod[MAX_PROD];	/* negated once reaped */
	pid_t done[MAX_PROD];
	int nprod;
	uint64_t seen;
	uint64_t losses;
	long work_ns;
};

static int on_rec(const struct tstats_record *rec, void *userdata)
{
	struct trial *t = userdata;
	uint64_t tgid;

	if (t->work_ns) {
		uint64_t end = now_ns() + (uint64_t)t->work_ns;

		while (now_ns() < end)
			;
	}
	if (rec->kind != TSTATS_KIND_PID || tstats_record_get(rec, TSTATS_F_TGID, &tgid) < 0)
		return 0;
	for (int i = 0; i < t->nprod; i++) {
		pid_t p = t->prod[i] < 0 ? -t->prod[i] : t->prod[i];

		if ((uint64_t)p != tgid)
			continue;
		if (rec->id != (uint32_t)tgid)	/* not the main thread */
			t->seen++;
		break;
	}
	return 0;
}

static int on_loss(unsigned int cause, uint64_t count, void *userdata)
{
	struct trial *t = userdata;

	(void)cause;
	(void)count;
	t->losses++;
	return 0;
}

struct result {
	double rate;		/* achieved, exits/s */
	uint64_t seen, expected, overflows, dropped;
	bool lossless;
};

static int run_trial(struct tstats_listener *l, long exits, long rate, long work_ns,
		     struct result *res)
{
	struct tstats_listener_stats s0, s1;
	struct trial t = { .work_ns = work_ns };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int go[2], done[2];
	uint64_t t0, t1 = 0;
	int r;

	if (ncpu < 1)
		ncpu = 1;
	if (ncpu > MAX_PROD)
		ncpu = MAX_PROD;
	t.nprod = (int)ncpu;
	if (pipe(go) < 0 || pipe(done) < 0)
		return -errno;
	for (int i = 0; i < t.nprod; i++) {
		long n = exits / t.nprod + (i < exits % t.nprod);
		pid_t pid = fork();

		if (pid < 0)
			return -errno;
		if (pid == 0) {
			close(go[1]);
			close(done[0]);
			producer(n, (double)rate / (double)t.nprod, go[0], done[1]);
		}
		t.prod[i] = pid;
	}
	close(go[0]);
	close(done[1]);
	/* Drain what other tasks left, then start the producers. */
	r = tstats_listener_dispatch(l, on_rec, on_loss, &t);
	if (r < 0)
		return r;
	tstats_listener_stats(l, &s0);
	t.losses = 0;
	t0 = now_ns();
	for (int i = 0; i < t.nprod; i++)
		if (write(go[1], "g", 1) != 1)
			return -EIO;
	close(go[1]);
	/*
	 * A task's exit message is sent before its parent can reap it, so
	 * once every producer is reaped, all their messages are in the
	 * socket or were dropped.
	 */
	for (int reaped = 0; reaped < t.nprod;) {
		r = tstats_listener_run(l, 50, on_rec, on_loss, &t);
		if (r < 0 && r != -EINTR)
			return r;
		for (int i = 0; i < t.nprod; i++) {
			if (t.prod[i] > 0 && waitpid(t.prod[i], NULL, WNOHANG) == t.prod[i]) {
				t.done[i] = t.prod[i];
				t.prod[i] = -t.prod[i];
				reaped++;
			}
		}
	}
	for (int i = 0; i < t.nprod; i++) {
		uint64_t end;

		t.prod[i] = t.done[i];
		if (read(done[0], &end, sizeof(end)) == (ssize_t)sizeof(end) && end > t1)
			t1 = end;
	}
	close(done[0]);
	if (t1 <= t0)
		return -EIO;
	r = tstats_listener_dispatch(l, on_rec, on_loss, &t);
	if (r < 0)
		return r;
	tstats_listener_stats(l, &s1);
	res->expected = (uint64_t)exits;
	res->seen = t.seen;
	res->overflows = s1.overflows - s0.overflows;
	res->dropped = (s1.dropped == UINT64_MAX || s0.dropped == UINT64_MAX) ?
		       UINT64_MAX : s1.dropped - s0.dropped;
	res->rate = (double)exits / ((double)(t1 - t0) / 1e9);
	res->lossless = res->seen == res->expected && res->overflows == 0 &&
			t.losses == 0 && res->dropped == 0;
	return 0;
}

static int parse_list(const char *s, long *out, int *n)
{
	char *end;

	*n = 0;
	while (*s) {
		long v = strtol(s, &end, 10);

		if (end == s || v < 0 || *n == MAX_LIST)
			return -1;
		if (*end == 'K' || *end == 'k')
			v *= 1024, end++;
		else if (*end == 'M' || *end == 'm')
			v *= 1024 * 1024, end++;
		out[(*n)++] = v;
		if (*end == ',')
			end++;
		else if (*end)
			return -1;
		s = end;
	}
	return *n ? 0 : -1;
}

static void human(long bytes, char *buf, size_t cap)
{
	if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0)
		snprintf(buf, cap, "%ld MiB", bytes / (1024 * 1024));
	else if (bytes >= 1024 && bytes % 1024 == 0)
		snprintf(buf, cap, "%ld KiB", bytes / 1024);
	else
		snprintf(buf, cap, "%ld B", bytes);
}

int main(int argc, char **argv)
{
	struct opts o = {
		.exits = 20000,
		.trials = 3,
		.bufs = { 256 * 1024, 1024 * 1024, 4 * 1024 * 1024, 16 * 1024 * 1024 },
		.nbufs = 4,
		.rates = { 5000, 10000, 20000, 40000, 0 },
		.nrates = 5,
	};
	int c;

	while ((c = getopt(argc, argv, "n:t:w:b:r:h")) != -1) {
		switch (c) {
		case 'n':
			o.exits = atol(optarg);
			break;
		case 't':
			o.trials = atoi(optarg);
			break;
		case 'w':
			o.work_ns = atol(optarg);
			break;
		case 'b':
			if (parse_list(optarg, o.bufs, &o.nbufs) < 0)
				goto usage;
			break;
		case 'r':
			if (parse_list(optarg, o.rates, &o.nrates) < 0)
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (o.exits < 1 || o.trials < 1 || o.work_ns < 0)
		goto usage;

	printf("# %ld exits per trial, %d trials per step, %ld ns work per record, %ld CPUs\n",
	       o.exits, o.trials, o.work_ns, sysconf(_SC_NPROCESSORS_ONLN));
	printf("# %-9s %9s %9s %11s %8s %9s %9s  %s\n", "rcvbuf", "effective", "target/s",
	       "achieved/s", "seen", "overflows", "dropped", "result");
	for (int b = 0; b < o.nbufs; b++) {
		double best = 0, first_loss = 0;
		char name[32];
		int eff;

		human(o.bufs[b], name, sizeof(name));
		for (int ri = 0; ri < o.nrates; ri++) {
			bool lossless = true;
			double slowest = 0;

			for (int tr = 0; tr < o.trials && lossless; tr++) {
				struct tstats_listener *l;
				struct result res = { 0 };
				int r;

				/* A fresh socket per trial: no leftovers. */
				r = tstats_listener_new(NULL, &l);
				if (r < 0) {
					fprintf(stderr, "tstats_listener_new: %s\n", strerror(-r));
					return 1;
				}
				eff = tstats_listener_set_rcvbuf(l, (int)o.bufs[b]);
				if (eff < 0) {
					fprintf(stderr, "set_rcvbuf: %s\n", strerror(-eff));
					return 1;
				}
				r = run_trial(l, o.exits, o.rates[ri], o.work_ns, &res);
				tstats_listener_free(l);
				if (r < 0) {
					fprintf(stderr, "trial: %s\n", strerror(-r));
					return 1;
				}
				printf("  %-9s %9d %9ld %11.0f %8" PRIu64 " %9" PRIu64 " %9" PRIu64
				       "  %s\n", name, eff, o.rates[ri], res.rate, res.seen,
				       res.overflows, res.dropped, res.lossless ? "ok" : "LOSS");
				fflush(stdout);
				lossless = res.lossless;
				if (!lossless)
					first_loss = res.rate;
				else if (slowest == 0 || res.rate < slowest)
					slowest = res.rate;
			}
			if (!lossless)
				break;
			if (slowest > best)
				best = slowest;
		}
		if (first_loss > 0)
			printf("rcvbuf %s: zero loss up to %.0f exits/s; loss at %.0f exits/s\n",
			       name, best, first_loss);
		else
			printf("rcvbuf %s: zero loss up to %.0f exits/s (fastest tried)\n",
			       name, best);
		fflush(stdout);
	}
	return 0;
usage:
	fprintf(stderr,
		"usage: %s [-n exits-per-trial] [-t trials] [-w work-ns-per-record]\n"
		"          [-b bytes[K|M][,...]] [-r rate[,...]]  (rate 0: unpaced)\n",
		argv[0]);
	return 2;
}
