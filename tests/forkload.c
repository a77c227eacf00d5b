/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * forkload: a fork-heavy workload with known totals, for the monitor's
 * live test and bench/coverage.sh.
 *
 *   forkload RATE SECONDS CPU_MS WRITE_KIB WRITE_EVERY [NAME]
 *
 * starts RATE short-lived children per second for SECONDS; each burns
 * CPU_MS ms of its own CPU time, and every WRITE_EVERY-th one also writes
 * WRITE_KIB KiB to a new file in $TMPDIR (or /var/tmp: a disk, not tmpfs)
 * with fsync(2) before it exits, so that the bytes reach storage while
 * the child lives (the kernel charges write_bytes to the task that
 * dirties the pages). NAME, if given, is its command name and so its
 * children's (a group of their own beside other forkloads). Then it
 * prints, on stdout, one line:
 *
 *   children N cpu_ns C write_bytes W parent_cpu_ns P
 *
 * with the children's CPU time measured by themselves (summed through a
 * pipe), the bytes they wrote and synced, and forkload's own CPU time (the
 * forks), all as the scheduler counts it (sum_exec_runtime). Exit status 0, or 1 with a
 * message when something fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* xorshift64: jitter for the children's start, no quality needed. */
static uint64_t next_random(void)
{
	static uint64_t x;

	if (!x)
		x = clock_ns(CLOCK_MONOTONIC) | 1;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

static void burn(uint64_t ns)
{
	uint64_t t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	volatile uint64_t x = 0;

	while (clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0 < ns)
		for (int i = 0; i < 1000; i++)
			x += (uint64_t)i;
}

/* Writes kib KiB and syncs them; the bytes written, or 0. */
static uint64_t write_file(const char *dir, unsigned long kib)
{
	static char buf[65536];
	char path[4096];
	uint64_t done = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/forkload.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0)
		return 0;
	unlink(path);
	memset(buf, 'x', sizeof(buf));
	while (done < (uint64_t)kib * 1024) {
		size_t n = sizeof(buf);
		ssize_t w;

		if (n > kib * 1024 - done)
			n = (size_t)(kib * 1024 - done);
		w = write(fd, buf, n);
		if (w <= 0)
			break;
		done += (uint64_t)w;
	}
	if (fsync(fd) < 0)
		done = 0;
	close(fd);
	return done;
}

/* Adds the reports waiting in the pipe; 0, or -1 on a short one. */
static int collect(int fd, uint64_t *cpu, uint64_t *bytes)
{
	for (;;) {
		uint64_t res[2];
		ssize_t r = read(fd, res, sizeof(res));

		if (r == 0 || (r < 0 && errno == EAGAIN))
			return 0;
		if (r != sizeof(res))
			return -1;
		*cpu += res[0];
		*bytes += res[1];
	}
}

int main(int argc, char **argv)
{
	unsigned long rate, cpu_ms, kib, every;
	uint64_t cpu = 0, bytes = 0, start;
	const char *dir = getenv("TMPDIR");
	unsigned long n, children = 0;
	double secs;
	int fds[2];

	if (argc != 6 && argc != 7) {
		fprintf(stderr, "usage: forkload RATE SECONDS CPU_MS WRITE_KIB WRITE_EVERY [NAME]\n");
		return 1;
	}
	if (argc == 7)
		prctl(PR_SET_NAME, argv[6]);
	rate = strtoul(argv[1], NULL, 10);
	secs = strtod(argv[2], NULL);
	cpu_ms = strtoul(argv[3], NULL, 10);
	kib = strtoul(argv[4], NULL, 10);
	every = strtoul(argv[5], NULL, 10);
	if (!rate || secs <= 0 || !every) {
		fprintf(stderr, "forkload: RATE, SECONDS and WRITE_EVERY must be positive\n");
		return 1;
	}
	if (!dir || !*dir)
		dir = "/var/tmp";
	/* Read as the children report (a pipe holds only 4096 reports). */
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		perror("forkload: pipe");
		return 1;
	}
	n = (unsigned long)((double)rate * secs);
	start = clock_ns(CLOCK_MONOTONIC);
	for (unsigned long i = 0; i < n; i++) {
		/* At a random point of its slot: a child every 5 ms exactly
		 * beats against the 4 ms scheduler tick, and which part of
		 * its life the ticks sample (its exit path, which no record
		 * carries, or the rest) then drifts from run to run: the
		 * machine's tick-counted busy time read 78% to 100% of the
		 * tasks' on an idle machine. */
		uint64_t slot = 1000000000u / rate;
		uint64_t due = start + (uint64_t)i * slot + next_random() % slot, now;
		pid_t pid = fork();

		if (pid < 0) {
			perror("forkload: fork");
			return 1;
		}
		if (pid == 0) {
			uint64_t res[2] = { 0, 0 };

			burn((uint64_t)cpu_ms * 1000000u);
			if (kib && i % every == 0)
				res[1] = write_file(dir, kib);
			/* Its own CPU time, the write included: what the
			 * kernel charges it, up to the exit itself. */
			res[0] = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
			if (write(fds[1], res, sizeof(res)) != sizeof(res))
				_exit(2);
			_exit(0);
		}
		children++;
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (collect(fds[0], &cpu, &bytes) < 0)
			goto short_report;
		now = clock_ns(CLOCK_MONOTONIC);
		if (due > now) {
			struct timespec ts = { .tv_sec = (time_t)((due - now) / 1000000000u),
					       .tv_nsec = (long)((due - now) % 1000000000u) };

			nanosleep(&ts, NULL);
		}
	}
	close(fds[1]);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	/* Every child has exited: the pipe holds the rest, then EOF. */
	if (collect(fds[0], &cpu, &bytes) < 0)
		goto short_report;
	printf("children %lu cpu_ns %" PRIu64 " write_bytes %" PRIu64 " parent_cpu_ns %" PRIu64 "\n",
	       children, cpu, bytes, clock_ns(CLOCK_PROCESS_CPUTIME_ID));
	return 0;
short_report:
	fprintf(stderr, "forkload: a child's report is cut short\n");
	return 1;
}
