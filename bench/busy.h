/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the coverage benchmark (bench/coverage.sh) measures every tool
 * against, read at the ends of the tool's own intervals: the machine's
 * busy CPU time from /proc/stat and, optionally, the CPU time of one
 * cgroup (v2 cpu.stat) that holds the workload.
 */
#ifndef BENCH_BUSY_H
#define BENCH_BUSY_H

#include <stdint.h>

/* The aggregate "cpu" line of /proc/stat, in USER_HZ ticks, and a
 * cgroup's usage_usec (0 without a cgroup). */
struct busy {
	uint64_t user, nice, system, irq, softirq, steal;
	uint64_t cgroup_us;
};

/* Reads /proc/stat, and cgroup/cpu.stat unless cgroup is NULL, into
 * *ret. Returns 0 or -errno. */
int busy_read(const char *cgroup, struct busy *ret);

/* Busy ticks from a to b: user + nice + system + irq + softirq + steal
 * (guest time is already inside user and nice). */
uint64_t busy_ticks(const struct busy *a, const struct busy *b);

/* Of those, irq + softirq + steal. Interrupt time is charged to the
 * interrupted task with tick accounting, but to the idle task (which no
 * tool sees) when the CPU was idle, and to no task at all with
 * CONFIG_IRQ_TIME_ACCOUNTING; steal time (the hypervisor ran something
 * else) to no task. What no per-task tool can fully account for. */
uint64_t busy_irq_steal_ticks(const struct busy *a, const struct busy *b);

/* The cgroup's CPU time from a to b in µs: the scheduler's run time of
 * its tasks, their exit paths included. */
uint64_t busy_cgroup_us(const struct busy *a, const struct busy *b);

#endif
