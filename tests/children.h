/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test helpers for live suites: child processes and CPU time (Check
 * assertions inside, so a failure fails the calling test).
 */
#ifndef TSTATS_TEST_CHILDREN_H
#define TSTATS_TEST_CHILDREN_H

#include <stdint.h>
#include <sys/types.h>

/* The pid of a child that has exited and been reaped: an id that was a
 * task a moment ago and is none now (unless reused). */
pid_t reaped_pid(void);

/* CPU time of the calling thread, in ns. */
uint64_t thread_cpu_ns(void);

/* Spins until the calling thread has used ms of CPU time. */
void burn_cpu_ms(unsigned int ms);

/*
 * In a child that waits to be killed: die with the test process. Under
 * valgrind (CK_FORK=no) Check has no per-test process group to kill after
 * a failed assertion, and a child left holding the test's stdout would keep
 * meson waiting until the test's timeout.
 */
void die_with_parent(pid_t parent);

#endif
