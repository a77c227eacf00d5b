/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "busy.h"

static int read_stat(struct busy *ret)
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

static int read_cgroup(const char *dir, uint64_t *ret)
{
	char path[4096], key[64];
	uint64_t v;
	FILE *f;
	int r = -ENODATA;

	snprintf(path, sizeof(path), "%s/cpu.stat", dir);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fscanf(f, "%63s %" SCNu64, key, &v) == 2)
		if (strcmp(key, "usage_usec") == 0) {
			*ret = v;
			r = 0;
			break;
		}
	fclose(f);
	return r;
}

int busy_read(const char *cgroup, struct busy *ret)
{
	int r = read_stat(ret);

	ret->cgroup_us = 0;
	if (r == 0 && cgroup)
		r = read_cgroup(cgroup, &ret->cgroup_us);
	return r;
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

uint64_t busy_cgroup_us(const struct busy *a, const struct busy *b)
{
	return b->cgroup_us - a->cgroup_us;
}
