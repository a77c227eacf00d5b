/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "busy.h"

int busy_read(struct busy *ret)
{
	uint64_t idle, iowait;
	FILE *f = fopen("/proc/stat", "re");
	int n;

	if (!f)
		return -errno;
	/* cpu  user nice system idle iowait irq softirq steal guest guest_nice */
	n = fscanf(f, "cpu %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
		   " %" SCNu64 " %" SCNu64 " %" SCNu64,
		   &ret->user, &ret->nice, &ret->system, &idle, &iowait,
		   &ret->irq, &ret->softirq, &ret->steal);
	fclose(f);
	return n == 8 ? 0 : -EIO;
}

static uint64_t sum(const struct busy *b)
{
	return b->user + b->nice + b->system + b->irq + b->softirq + b->steal;
}

uint64_t busy_ticks(const struct busy *a, const struct busy *b)
{
	return sum(b) - sum(a);
}

uint64_t busy_irq_steal_ticks(const struct busy *a, const struct busy *b)
{
	return (b->irq + b->softirq + b->steal) - (a->irq + a->softirq + a->steal);
}
