/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where a task's time went: running, and each kind of wait, as fractions
 * of its wall time (shares.c). For the -p/-t report, its JSON and --tree.
 */
#ifndef TSTATS_CLI_SHARES_H
#define TSTATS_CLI_SHARES_H

#include <stdbool.h>
#include <stdint.h>

#include "libtaskstats.h"

enum cli_share {
	SHARE_RUNNING,		/* on a CPU */
	SHARE_CPU_WAIT,		/* runnable, waiting for a CPU */
	SHARE_BLKIO_WAIT,	/* synchronous block I/O */
	SHARE_MEMORY_WAIT,	/* swap-in, reclaim, thrashing, compaction */
	SHARE_WPCOPY,		/* copy-on-write faults */
	SHARE_IRQ,		/* interrupt handling while it ran */
	N_SHARES
};

struct cli_shares {
	uint64_t wall_ns;	/* 0: no wall time, no share */
	/* Fractions of wall_ns (a process's can exceed 1: its threads run
	 * and wait in parallel); valid bit i for share i. */
	double share[N_SHARES];
	unsigned int valid;
	/* Not valid because a delay in it cannot be true (notes.h). */
	unsigned int impossible;
};

/* The JSON key and the report's label of share i. */
extern const char *const cli_share_keys[N_SHARES];
extern const char *const cli_share_labels[N_SHARES];

/* Whether a share is spent on a CPU, so that it is part of "running". */
bool cli_share_overlaps_running(unsigned int i);

/*
 * Computes the shares of rec: its wall time is its elapsed time (the
 * group's, tgetime, for a TGID record, whose etime sums its threads). A
 * wait share is left out (not valid) where delay accounting was off for
 * the task (delayacct 0 and no event counted), where the kernel does not
 * measure it (IRQ time, notes.h), and where a delay in it is impossible
 * (longer than the task's life: the bit is then set in impossible).
 * Returns true when rec has a wall time.
 */
bool cli_time_shares(const struct tstats_record *rec, int delayacct, struct cli_shares *ret);

/* A one-line verdict ("mostly waiting for a CPU: 77%") into buf. */
const char *cli_shares_verdict(const struct cli_shares *s, char *buf, size_t size);

#endif
