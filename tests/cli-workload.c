/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The processes the CLI's tests look at (tests/test-cli.c and the pytest
 * suite in tests/cli/), one program so that both start the same ones:
 *
 *   cli-workload stopped COMM CPU_MS FILE
 *	names itself COMM, burns CPU_MS of CPU, touches TOUCH_SIZE of memory,
 *	writes WRITE_SIZE bytes to FILE, and stops itself (SIGSTOP)
 *   cli-workload burn		"tstats-burn": most of a CPU, forever
 *   cli-workload write FILE	"tstats-write": keeps dirtying new pages of FILE
 *   cli-workload threads	"tstats-threads": four threads, all asleep
 *   cli-workload killed COMM	names itself COMM and dies by SIGKILL
 *   cli-workload group-killed COMM
 *	names itself COMM, runs three short threads, then dies by SIGKILL
 *
 * burn, write and threads write one byte to stdout once at work. Every
 * mode dies with its parent (PR_SET_PDEATHSIG), so a test that fails
 * before its teardown leaves nothing running. The killed modes die by
 * SIGKILL rather than exiting, as the tests expect of them (exit status 9).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* The sizes the tests check against (see tests/cli/clitest.py). */
#define WRITE_SIZE (256 * 1024)
#define TOUCH_SIZE (8 * 1024 * 1024)

static void ready(void)
{
	if (write(STDOUT_FILENO, "x", 1) != 1)
		_exit(1);
}

static int stopped(char **argv)
{
	unsigned int cpu_ms = (unsigned int)strtoul(argv[1], NULL, 10);
	struct timespec ts;
	char *mem;
	int fd;

	prctl(PR_SET_NAME, argv[0]);
	/* A negative nice (root) shows that JSON keeps the sign. */
	if (setpriority(PRIO_PROCESS, 0, -5) < 0)
		setpriority(PRIO_PROCESS, 0, 5);
	/* Mostly user time: reading the clock is a system call. */
	do {
		for (volatile unsigned int i = 0; i < 1000000; i++)
			;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	} while (ts.tv_sec * 1000 + ts.tv_nsec / 1000000 < cpu_ms);
	fd = open(argv[2], O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	mem = mmap(NULL, TOUCH_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 1;
	memset(mem, 'x', TOUCH_SIZE);
	for (int i = 0; i < WRITE_SIZE / 4096; i++)
		if (write(fd, mem + i * 4096, 4096) != 4096)
			return 1;
	close(fd);
	raise(SIGSTOP);
	return 0;
}

static int burn(char **argv)
{
	int fd;

	(void)argv;
	/* Most of a CPU even on a busy machine: the highest nice weight
	 * (root) outweighs ordinary CPU hogs, and with sched_autogroup its
	 * own session's group weighs as much (each session's group gets an
	 * equal share otherwise). */
	prctl(PR_SET_NAME, "tstats-burn");
	setpriority(PRIO_PROCESS, 0, -19);
	if (setsid() > 0) {
		fd = open("/proc/self/autogroup", O_WRONLY | O_CLOEXEC);
		if (fd >= 0 && write(fd, "-19", 3) < 0)
			fd = -1;	/* not root: an ordinary share */
		if (fd >= 0)
			close(fd);
	}
	ready();
	for (;;)
		;
	return 1;	/* not reached */
}

static int writer(char **argv)
{
	static char buf[64 * 1024];
	int fd;

	/* Storage writes are counted when a page is first dirtied: keep
	 * dirtying new pages, and keep the file small. */
	prctl(PR_SET_NAME, "tstats-write");
	fd = open(argv[0], O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	ready();
	memset(buf, 'w', sizeof(buf));
	for (;;) {
		for (int i = 0; i < 16; i++)
			if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
				return 1;
		if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
			return 1;
		usleep(10000);
	}
	return 1;	/* not reached */
}

static void *sleeper_thread(void *arg)
{
	for (;;)
		pause();
	return arg;
}

static int threads(char **argv)
{
	pthread_t t;

	(void)argv;
	prctl(PR_SET_NAME, "tstats-threads");
	for (int i = 0; i < 3; i++)
		if (pthread_create(&t, NULL, sleeper_thread, NULL) != 0)
			return 1;
	ready();
	for (;;)
		pause();
	return 1;	/* not reached */
}

static int killed(char **argv)
{
	prctl(PR_SET_NAME, argv[0]);
	raise(SIGKILL);
	return 1;
}

static void *nap_thread(void *arg)
{
	usleep(10000);
	return arg;
}

static int group_killed(char **argv)
{
	pthread_t t[3];

	prctl(PR_SET_NAME, argv[0]);
	for (int i = 0; i < 3; i++)
		if (pthread_create(&t[i], NULL, nap_thread, NULL))
			return 1;
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	raise(SIGKILL);
	return 1;
}

static const struct mode {
	const char *name;
	int args;
	int (*run)(char **argv);
} modes[] = {
	{ "stopped", 3, stopped },
	{ "burn", 0, burn },
	{ "write", 1, writer },
	{ "threads", 0, threads },
	{ "killed", 1, killed },
	{ "group-killed", 1, group_killed },
};

int main(int argc, char **argv)
{
	pid_t parent = getppid();

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		return 1;
	for (size_t i = 0; argc > 1 && i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(argv[1], modes[i].name) == 0 && argc == 2 + modes[i].args)
			return modes[i].run(argv + 2);
	fprintf(stderr, "usage: cli-workload stopped COMM CPU_MS FILE | burn | write FILE |"
		" threads | killed COMM | group-killed COMM\n");
	return 2;
}
