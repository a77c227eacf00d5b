/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where a task's time went. The kernel measures each delay class from the
 * moment the task starts waiting to the moment it runs again, except
 * direct reclaim, compaction, copy-on-write faults and interrupts, which
 * the task spends on a CPU: those overlap its run time rather than add to
 * it (Documentation/accounting/delay-accounting.rst).
 */
#include <stdio.h>
#include <string.h>

#include "notes.h"
#include "shares.h"

const char *const cli_share_keys[N_SHARES] = {
	[SHARE_RUNNING] = "running",
	[SHARE_CPU_WAIT] = "cpu_wait",
	[SHARE_BLKIO_WAIT] = "blkio_wait",
	[SHARE_MEMORY_WAIT] = "memory_wait",
	[SHARE_WPCOPY] = "wpcopy",
	[SHARE_IRQ] = "irq",
};

const char *const cli_share_labels[N_SHARES] = {
	[SHARE_RUNNING] = "running",
	[SHARE_CPU_WAIT] = "waiting for a CPU",
	[SHARE_BLKIO_WAIT] = "waiting for block I/O",
	[SHARE_MEMORY_WAIT] = "waiting for memory",
	[SHARE_WPCOPY] = "copy-on-write",
	[SHARE_IRQ] = "interrupts",
};

/* The delay classes (by name) of each wait share. */
static const char *const share_classes[N_SHARES][5] = {
	[SHARE_CPU_WAIT] = { "cpu" },
	[SHARE_BLKIO_WAIT] = { "blkio" },
	[SHARE_MEMORY_WAIT] = { "swapin", "freepages", "thrashing", "compact" },
	[SHARE_WPCOPY] = { "wpcopy" },
	[SHARE_IRQ] = { "irq" },
};

bool cli_share_overlaps_running(unsigned int i)
{
	return i == SHARE_WPCOPY || i == SHARE_IRQ;
}

static bool get(const struct tstats_record *rec, int field, uint64_t *v)
{
	return field >= 0 && tstats_record_get(rec, (unsigned int)field, v) == 0;
}

bool cli_time_shares(const struct tstats_record *rec, int delayacct, struct cli_shares *ret)
{
	unsigned int wall_field = rec->kind == TSTATS_KIND_TGID ? TSTATS_F_TGETIME : TSTATS_F_ETIME;
	uint64_t wall_us, v, u;

	memset(ret, 0, sizeof(*ret));
	if (!get(rec, (int)wall_field, &wall_us) || wall_us == 0)
		return false;
	ret->wall_ns = wall_us * 1000;
	/* The scheduler's own clock, else the tick-sampled times. */
	if (get(rec, TSTATS_F_CPU_RUN_VIRTUAL_TOTAL, &v)) {
		ret->share[SHARE_RUNNING] = (double)v / (double)ret->wall_ns;
		ret->valid |= 1u << SHARE_RUNNING;
	} else if (get(rec, TSTATS_F_UTIME, &v) && get(rec, TSTATS_F_STIME, &u)) {
		ret->share[SHARE_RUNNING] = (double)(v + u) * 1000 / (double)ret->wall_ns;
		ret->valid |= 1u << SHARE_RUNNING;
	}
	for (unsigned int s = SHARE_CPU_WAIT; s < N_SHARES; s++) {
		uint64_t total = 0, count = 0;
		bool any = false, impossible = false;

		for (unsigned int c = 0; c < tstats_delay_class_count(); c++) {
			const struct tstats_delay_class *dc = tstats_delay_class(c);

			for (const char *const *n = share_classes[s]; *n; n++) {
				if (strcmp(dc->name, *n) != 0 || !get(rec, dc->total, &v))
					continue;
				any = true;
				total += v;
				impossible |= cli_value_impossible(rec, (unsigned int)dc->total,
								   cli_record_threads(rec));
				if (get(rec, dc->count, &u))
					count += u;
			}
		}
		/* Off while the task ran: a 0 that means "not measured" (the
		 * cpu class is measured whatever the switch says). */
		if (!any || (s != SHARE_CPU_WAIT && delayacct == 0 && count == 0))
			continue;
		if (impossible) {
			ret->impossible |= 1u << s;
			continue;
		}
		/* A kernel without IRQ time accounting counts none. */
		if (s == SHARE_IRQ && count == 0 && cli_irq_time() != CLI_IRQ_TIME_ON)
			continue;
		ret->share[s] = (double)total / (double)ret->wall_ns;
		ret->valid |= 1u << s;
	}
	return true;
}

const char *cli_shares_verdict(const struct cli_shares *s, char *buf, size_t size)
{
	/* Of the shares that add up (not those spent while running), the
	 * largest; what is left is time asleep for other reasons. */
	static const char *const mostly[N_SHARES] = {
		[SHARE_RUNNING] = "mostly running",
		[SHARE_CPU_WAIT] = "mostly waiting for a CPU",
		[SHARE_BLKIO_WAIT] = "mostly waiting for block I/O",
		[SHARE_MEMORY_WAIT] = "mostly waiting for memory",
	};
	double best = -1, sum = 0;
	int which = -1;

	for (unsigned int i = 0; i < N_SHARES; i++) {
		if (cli_share_overlaps_running(i) || !((s->valid >> i) & 1))
			continue;
		sum += s->share[i];
		if (s->share[i] > best) {
			best = s->share[i];
			which = (int)i;
		}
	}
	if (which < 0)
		snprintf(buf, size, "unknown");
	else if (1.0 - sum > best)
		snprintf(buf, size, "mostly asleep (neither running nor waiting for these): "
			 "%.0f%%", 100 * (1.0 - sum));
	else
		snprintf(buf, size, "%s: %.0f%%", mostly[which], 100 * best);
	return buf;
}
