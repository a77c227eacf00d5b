/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * threadexit: a process whose main thread does its I/O and ends before
 * the process does, for the CLI's --tree tests.
 *
 *   threadexit READ_BYTES WRITE_BYTES
 *
 * The main thread reads READ_BYTES from /dev/zero and starts a worker,
 * then ends alone (pthread_exit(): its exit record is not the group's
 * last). The worker waits until the main thread has gone (the leader is
 * then a zombie: /proc/self/stat says Z), writes WRITE_BYTES to /dev/null
 * and ends the process with _exit(0). The group's last record is the
 * worker's; the main thread's reads are only in its own record.
 * Exit status 1 with a message when something fails.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static unsigned long long write_bytes;
static char buf[65536];

static void fail(const char *what)
{
	perror(what);
	exit(1);
}

static void transfer(const char *path, int flags, unsigned long long n)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0)
		fail(path);
	while (n) {
		size_t k = n < sizeof(buf) ? (size_t)n : sizeof(buf);
		ssize_t done = flags == O_RDONLY ? read(fd, buf, k) : write(fd, buf, k);

		if (done <= 0)
			fail(path);
		n -= (unsigned long long)done;
	}
	close(fd);
}

/* The state letter of the leader ("pid (comm) S ..."). */
static char leader_state(void)
{
	char s[512], *p;
	ssize_t n;
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		fail("/proc/self/stat");
	n = read(fd, s, sizeof(s) - 1);
	close(fd);
	if (n <= 0)
		fail("/proc/self/stat");
	s[n] = '\0';
	p = strrchr(s, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

static void *worker(void *arg)
{
	struct timespec ms = { 0, 1000000 };

	/* At most 10 s: the main thread's exit takes microseconds. */
	for (int i = 0; i < 10000 && leader_state() != 'Z'; i++)
		nanosleep(&ms, NULL);
	if (leader_state() != 'Z') {
		fputs("threadexit: the main thread did not end\n", stderr);
		exit(1);
	}
	transfer("/dev/null", O_WRONLY, write_bytes);
	/* exit_group() without atexit handlers: a sanitizer's leak check
	 * would start a process of its own there. */
	_exit(0);
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc != 3) {
		fputs("usage: threadexit READ_BYTES WRITE_BYTES\n", stderr);
		return 1;
	}
	write_bytes = strtoull(argv[2], NULL, 10);
	transfer("/dev/zero", O_RDONLY, strtoull(argv[1], NULL, 10));
	if (pthread_create(&t, NULL, worker, NULL) != 0)
		fail("pthread_create");
	pthread_exit(NULL);
}
