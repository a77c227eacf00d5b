/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every process or thread on the machine, listed and queried in one pass:
 * the snapshot of --all (top.c) and of --all --format prometheus
 * (prom.c). Processes are process views (tstats_query_process(): the
 * kernel's TGID record has no I/O, the view sums it over the live
 * threads); threads are the kernel's PID records, queried in one batch.
 * Tasks that exit between the listing and the query are left out, and so,
 * in restricted mode (privs.c), are other users' tasks.
 */
#ifndef TSTATS_CLI_SNAPSHOT_H
#define TSTATS_CLI_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "libtaskstats.h"

struct cli_snapshot {
	uint32_t *ids;			/* ascending, unique */
	struct tstats_record *recs;	/* recs[i] is the task ids[i] */
	uint32_t *threads;		/* process views: live threads; threads: 0 */
	int *errs;			/* the batch's answers (scratch) */
	size_t n, cap;
	struct timespec real;		/* CLOCK_REALTIME when it was taken */
	bool warned;			/* a task left out was said on stderr */
};

/* Room for cap tasks in every array: 0 or -ENOMEM. */
int cli_snapshot_reserve(struct cli_snapshot *s, size_t cap);
void cli_snapshot_free(struct cli_snapshot *s);

/*
 * Fills s with every task of kind (TSTATS_KIND_TGID: processes,
 * TSTATS_KIND_PID: threads) that answered. A task the kernel answered
 * with a reply that cannot be decoded is left out and said once on
 * stderr. Returns 0, or -errno with *failed saying what failed (the
 * listing of /proc, or a query).
 */
int cli_snapshot_take(struct cli_snapshot *s, struct tstats_ctx *ctx, unsigned int kind,
		      const char **failed);

#endif
