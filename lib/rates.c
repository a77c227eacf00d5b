/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Interval rates between two records of one task. Pure arithmetic on
 * records: no I/O, no allocation.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

static bool has(const struct tstats_record *r, unsigned int f)
{
	return mask_has(r->present, f);
}

bool field_is_counter(unsigned int f)
{
	/* The rule lives with the table (fields.c, FIELD_FLAGS). */
	return f < TSTATS_F__COUNT &&
	       (tstats_fields[f].info.flags & TSTATS_FIELD_COUNTER);
}

/* Start time in seconds, from btime64 or else the 32-bit btime. */
static bool start_time(const struct tstats_record *r, uint64_t *ret)
{
	if (has(r, TSTATS_F_BTIME64)) {
		*ret = r->value[TSTATS_F_BTIME64];
		return true;
	}
	if (has(r, TSTATS_F_BTIME)) {
		*ret = r->value[TSTATS_F_BTIME];
		return true;
	}
	return false;
}

/*
 * Is after a different task than before (the id reused)? The kernel
 * computes btime as now - etime in whole seconds, so one task's btime
 * jitters by a second between queries: only a larger gap is proof. The
 * age (etime, µs since the task started) closes the gap: a task cannot
 * get younger, and the task of before was alive when before was taken,
 * so a task younger than the interval started after it.
 */
static bool restarted(const struct tstats_record *before, const struct tstats_record *after,
		      uint64_t interval_ns)
{
	unsigned int age = after->kind == TSTATS_KIND_PID ? TSTATS_F_ETIME : TSTATS_F_TGETIME;
	uint64_t b0, b1, a0, a1;

	if (start_time(before, &b0) && start_time(after, &b1) && (b0 > b1 + 1 || b1 > b0 + 1))
		return true;
	if (!has(before, age) || !has(after, age))
		return false;
	a0 = before->value[age];
	a1 = after->value[age];
	if (a1 < a0)
		return true;
	/* 1/8 of the interval: the caller's timing of its samples. */
	if (a1 < UINT64_MAX / 1000 && a1 * 1000 + interval_ns / 8 < interval_ns)
		return true;
	return false;
}

void rates_finish(struct tstats_rates *r)
{
	double secs = (double)r->interval_ns / 1e9;
	double pct = 100.0 / (double)r->interval_ns;	/* from ns to % */
	unsigned int ndelay;

	for (unsigned int f = 0; f < TSTATS_F__COUNT; f++)
		if (mask_has(r->valid, f))
			r->per_sec[f] = (double)r->delta[f] / secs;
	if (mask_has(r->valid, TSTATS_F_UTIME)) {
		r->user_pct = (double)r->delta[TSTATS_F_UTIME] * 1000.0 * pct;
		r->summary_valid |= TSTATS_RATES_USER;
	}
	if (mask_has(r->valid, TSTATS_F_STIME)) {
		r->system_pct = (double)r->delta[TSTATS_F_STIME] * 1000.0 * pct;
		r->summary_valid |= TSTATS_RATES_SYSTEM;
	}
	if (mask_has(r->valid, TSTATS_F_CPU_RUN_VIRTUAL_TOTAL)) {
		r->cpu_pct = (double)r->delta[TSTATS_F_CPU_RUN_VIRTUAL_TOTAL] * pct;
		r->summary_valid |= TSTATS_RATES_CPU;
	} else if (mask_has(r->valid, TSTATS_F_UTIME) && mask_has(r->valid, TSTATS_F_STIME)) {
		r->cpu_pct = r->user_pct + r->system_pct;
		r->summary_valid |= TSTATS_RATES_CPU;
	}
	ndelay = tstats_delay_class_count();
	if (ndelay > TSTATS_RATES_DELAY_CAPACITY)
		ndelay = TSTATS_RATES_DELAY_CAPACITY;
	for (unsigned int i = 0; i < ndelay; i++) {
		int total = tstats_delay_class(i)->total;

		if (total < 0 || !mask_has(r->valid, (unsigned int)total))
			continue;
		r->delay_pct[i] = (double)r->delta[total] * pct;
		r->delay_valid |= 1u << i;
	}
}

TSTATS_EXPORT int tstats_rates(const struct tstats_record *before, const struct tstats_record *after,
			       uint64_t interval_ns, struct tstats_rates *ret)
{
	struct tstats_rates r;

	if (!before || !after || !ret || interval_ns == 0)
		return -EINVAL;
	if (before->kind != after->kind || before->id != after->id)
		return -EINVAL;
	if (restarted(before, after, interval_ns))
		return -ESTALE;

	memset(&r, 0, sizeof(r));
	r.interval_ns = interval_ns;
	for (unsigned int f = 0; f < TSTATS_F__COUNT; f++) {
		uint64_t a, b;

		if (!field_is_counter(f) || !has(before, f) || !has(after, f))
			continue;
		a = before->value[f];
		b = after->value[f];
		if (b < a) {
			mask_set(r.backwards, f);
			continue;
		}
		r.delta[f] = b - a;
		mask_set(r.valid, f);
	}
	rates_finish(&r);
	memcpy(ret, &r, sizeof(r));
	return 0;
}

TSTATS_EXPORT int tstats_rates_get(const struct tstats_rates *rates, unsigned int field,
				   uint64_t *delta, double *per_sec)
{
	if (!rates || field >= TSTATS_FIELD_CAPACITY)
		return -EINVAL;
	if (mask_has(rates->backwards, field))
		return -ERANGE;
	if (!mask_has(rates->valid, field))
		return -ENODATA;
	if (delta)
		*delta = rates->delta[field];
	if (per_sec)
		*per_sec = rates->per_sec[field];
	return 0;
}
