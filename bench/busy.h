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

/* Of those, the ticks no task is charged with: irq + softirq + steal
 * (with CONFIG_IRQ_TIME_ACCOUNTING the kernel keeps interrupt time out
 * of the interrupted task's utime and stime). */
uint64_t busy_untasked_ticks(const struct busy *a, const struct busy *b);

#endif
