/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The machine's busy CPU time from /proc/stat, for the coverage benchmark
 * (bench/coverage.sh): what every accounting tool is measured against.
 */
#ifndef BENCH_BUSY_H
#define BENCH_BUSY_H

#include <stdint.h>

/* The aggregate "cpu" line of /proc/stat, in USER_HZ ticks. */
struct busy {
	uint64_t user, nice, system, irq, softirq, steal;
};

/* Reads /proc/stat into *ret. Returns 0 or -errno. */
int busy_read(struct busy *ret);

/* Busy ticks from a to b: user + nice + system + irq + softirq + steal
 * (guest time is already inside user and nice). */
uint64_t busy_ticks(const struct busy *a, const struct busy *b);

/* Of those, irq + softirq + steal. Interrupt time is charged to the
 * interrupted task with tick accounting, but to the idle task (which no
 * tool sees) when the CPU was idle, and to no task at all with
 * CONFIG_IRQ_TIME_ACCOUNTING; steal time (the hypervisor ran something
 * else) to no task. What no per-task tool can fully account for. */
uint64_t busy_irq_steal_ticks(const struct busy *a, const struct busy *b);

#endif
