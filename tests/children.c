/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test helpers: child processes and CPU time. See children.h. */
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <check.h>

#include "children.h"

pid_t reaped_pid(void)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	return pid;
}

uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void burn_cpu_ms(unsigned int ms)
{
	volatile uint64_t sink = 0;
	uint64_t start = thread_cpu_ns();

	while (thread_cpu_ns() - start < (uint64_t)ms * 1000000u)
		for (int i = 0; i < 10000; i++)
			sink += (uint64_t)i * 2654435761u;
	(void)sink;
}

void die_with_parent(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(99);
}
