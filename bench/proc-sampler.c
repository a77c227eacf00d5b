/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * proc-sampler: how much of the machine's busy CPU time a /proc sampler
 * accounts for, the way process-exporter works. For bench/coverage.sh.
 *
 *   proc-sampler [-c COMM] [-g CGROUP] SECONDS
 *
 * Every second, for SECONDS seconds, it reads utime + stime of every
 * /proc/PID/stat (a process: its live threads and its exited ones) and
 * diffs each process against the previous scan, keyed by (pid, start
 * time) so that a reused pid is a new process. A process that exits
 * between two scans loses what it used since the last one; one born and
 * gone between two scans is never seen. Two sums, one per way of
 * treating a process seen for the first time:
 *
 *   cpu_s          no baseline: it counts from its second scan on;
 *   cpu_new_zero_s counted from zero if it started after the first scan,
 *                  as process-exporter's tracker does (proc/tracker.go,
 *                  "If the process started while Tracker was running").
 *
 * Right after each scan it reads /proc/stat (and CGROUP/cpu.stat with
 * -g, a cgroup v2 directory), so that they cover the same window. Prints
 * one line:
 *
 *   total intervals N seconds S cpu_s X cpu_new_zero_s Y busy_s B irq_steal_s U
 *     [comm_cpu_s X comm_cpu_new_zero_s Y] [cgroup_s G]
 *
 * the comm_ pair, the same sums over the processes named COMM alone (-c).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "busy.h"

#define NS_PER_S 1000000000ull

struct proc {
	uint32_t pid;
	uint64_t start;	/* ticks since boot */
	uint64_t ticks;	/* utime + stime */
	int named;	/* its command name is the COMM asked for */
};

struct scan {
	struct proc *p;
	size_t n, cap;
};

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* utime, stime and starttime from /proc/PID/stat; 0, or -1 when the
 * process is gone or the line unreadable. */
static int read_stat(int dirfd, const char *pid, const char *comm, struct proc *ret)
{
	char path[64], buf[1024], *s, *name;
	unsigned long long ut, st, start;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/stat", pid);
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The command name, in parentheses, may hold anything: the fields
	 * start after its last ')'. */
	name = strchr(buf, '(');
	s = strrchr(buf, ')');
	if (!name || !s || s < name || sscanf(s + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu"
			 " %*d %*d %*d %*d %*d %*d %llu", &ut, &st, &start) != 3)
		return -1;
	ret->pid = (uint32_t)strtoul(pid, NULL, 10);
	ret->start = start;
	ret->ticks = ut + st;
	*s = '\0';
	ret->named = comm && strcmp(name + 1, comm) == 0;
	return 0;
}

static int by_pid(const void *a, const void *b)
{
	const struct proc *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Every process in /proc, sorted by pid. Returns 0 or -errno. */
static int scan(struct scan *s, const char *comm)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	if (!d)
		return -errno;
	s->n = 0;
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		if (s->n == s->cap) {
			size_t cap = s->cap ? 2 * s->cap : 1024;
			struct proc *p = realloc(s->p, cap * sizeof(*p));

			if (!p) {
				closedir(d);
				return -ENOMEM;
			}
			s->p = p;
			s->cap = cap;
		}
		if (read_stat(dirfd(d), e->d_name, comm, &s->p[s->n]) == 0)
			s->n++;
	}
	closedir(d);
	qsort(s->p, s->n, sizeof(*s->p), by_pid);
	return 0;
}

/* Increases, in ticks: of processes in both scans, of processes new in
 * the second one that started after the first scan. */
struct sums {
	uint64_t same, fresh;
};

/* Adds cur's increases over prev to all[0], and those of the processes
 * named COMM to all[1]; first: the first scan's time (ticks). */
static void diff(const struct scan *prev, const struct scan *cur, uint64_t first,
		 struct sums all[2])
{
	size_t i = 0;

	for (size_t j = 0; j < cur->n; j++) {
		const struct proc *c = &cur->p[j];

		while (i < prev->n && prev->p[i].pid < c->pid)
			i++;
		if (i < prev->n && prev->p[i].pid == c->pid && prev->p[i].start == c->start) {
			uint64_t d = c->ticks > prev->p[i].ticks ? c->ticks - prev->p[i].ticks : 0;

			all[0].same += d;
			if (c->named)
				all[1].same += d;
		} else if (c->start > first) {
			all[0].fresh += c->ticks;
			if (c->named)
				all[1].fresh += c->ticks;
		}
	}
}

int main(int argc, char **argv)
{
	struct scan a = { 0 }, b = { 0 }, *prev = &a, *cur = &b, *t;
	struct busy b0, b1;
	struct sums all[2] = { { 0, 0 }, { 0, 0 } };
	uint64_t first, t0, t1, deadline;
	const char *comm = NULL, *cgroup = NULL;
	double hz = (double)sysconf(_SC_CLK_TCK);
	long seconds = 0, done;
	int c, r;

	while ((c = getopt(argc, argv, "c:g:")) != -1) {
		if (c == 'c')
			comm = optarg;
		else if (c == 'g')
			cgroup = optarg;
		else
			break;
	}
	if (c != -1 || optind != argc - 1 || (seconds = strtol(argv[optind], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: proc-sampler [-c COMM] [-g CGROUP] SECONDS\n");
		return 2;
	}
	/* /proc's start times are boot-time clock ticks. */
	first = (uint64_t)((double)clock_ns(CLOCK_BOOTTIME) * hz / 1e9);
	r = scan(prev, comm);
	if (r == 0)
		r = busy_read(cgroup, &b0);
	if (r < 0)
		goto fail;
	t0 = t1 = deadline = clock_ns(CLOCK_MONOTONIC);
	for (done = 0; done < seconds; done++) {
		struct timespec ts;

		deadline += NS_PER_S;
		ts.tv_sec = (time_t)(deadline / NS_PER_S);
		ts.tv_nsec = (long)(deadline % NS_PER_S);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		r = scan(cur, comm);
		if (r == 0)
			r = busy_read(cgroup, &b1);
		if (r < 0)
			goto fail;
		t1 = clock_ns(CLOCK_MONOTONIC);
		diff(prev, cur, first, all);
		t = prev;
		prev = cur;
		cur = t;
	}
	printf("total intervals %ld seconds %.6f cpu_s %.6f cpu_new_zero_s %.6f busy_s %.6f"
	       " irq_steal_s %.6f",
	       done, (double)(t1 - t0) / NS_PER_S, (double)all[0].same / hz,
	       (double)(all[0].same + all[0].fresh) / hz, (double)busy_ticks(&b0, &b1) / hz,
	       (double)busy_irq_steal_ticks(&b0, &b1) / hz);
	if (comm)
		printf(" comm_cpu_s %.6f comm_cpu_new_zero_s %.6f", (double)all[1].same / hz,
		       (double)(all[1].same + all[1].fresh) / hz);
	if (cgroup)
		printf(" cgroup_s %.6f", (double)busy_cgroup_us(&b0, &b1) / 1e6);
	printf("\n");
	free(a.p);
	free(b.p);
	return 0;
fail:
	fprintf(stderr, "proc-sampler: %s\n", strerror(-r));
	free(a.p);
	free(b.p);
	return 1;
}
