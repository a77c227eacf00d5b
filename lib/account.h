/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The monitor's bookkeeping (account.c): which task is which, and what each
 * thread, process and group did in an interval. No I/O of its own except
 * the cgroup reader, which tests replace: monitor.c feeds it samples and
 * exit records, and the unit tests feed it recorded ones.
 */
#ifndef TSTATS_ACCOUNT_H
#define TSTATS_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libtaskstats.h"

/* Counter fields the monitor differences and sums (36 today). */
#define ACCT_NC_MAX 48
#define ACCT_NONE UINT32_MAX
#define ACCT_KEY_MAX 4096

/* One thread, from its first sample (or its exit record) until its final
 * record has been reported. */
struct acct_task {
	uint32_t tid, tgid;
	uint32_t proc;		/* index in procs, ACCT_NONE for a tombstone */
	uint32_t hnext;		/* hash chain by tid, or the free list */
	uint32_t flags;		/* enum acct_task_flag */
	uint32_t reserved;
	/* CLOCK_MONOTONIC bounds of the task's start: its identity with tid. */
	uint64_t start_lo, start_hi;
	uint64_t seen_tick;	/* the last tick whose sample had it */
	uint64_t bvalid;	/* counters (bit i: field cf[i]) held by base */
	uint64_t base[ACCT_NC_MAX];	/* counters at the interval's start */
	uint64_t origin[ACCT_NC_MAX];	/* counters when first followed */
	struct tstats_record rec;	/* newest record; the final one at exit */
};

enum acct_task_flag {
	AT_USED = 1u << 0,
	AT_NEW = 1u << 1,	/* started in this interval (base is 0) */
	AT_FINAL = 1u << 2,	/* rec is the final record, taken this interval */
	AT_LOST = 1u << 3,	/* vanished without a final record */
	/* Final record reported: kept only so that a zombie's later samples
	 * are known as the same, dead, task. Not counted anywhere. */
	AT_TOMB = 1u << 4,
	AT_UNSAMPLED = 1u << 5,	/* known only from its exit record */
};

/* Sums over threads: a process, a group, the total. */
struct acct_sum {
	uint64_t valid;			/* bit i: delta[i] holds a value */
	uint64_t tvalid;		/* bit i: total[i] has ever held one */
	uint64_t delta[ACCT_NC_MAX];
	uint64_t total[ACCT_NC_MAX];	/* never goes down */
	uint32_t threads, threads_started, threads_exited;
	uint32_t procs, procs_started, procs_exited;
};

struct acct_proc {
	uint32_t tgid;
	uint32_t hnext;		/* hash chain by tgid, or the free list */
	uint32_t flags;		/* enum acct_proc_flag */
	uint32_t group;		/* ACCT_NONE: not grouped yet */
	uint32_t rep;		/* task shown for it: the leader if followed */
	/* A thread that exec'd took the leader's id (de_thread()): its new
	 * entry, this interval; ACCT_NONE else. */
	uint32_t execed;
	uint32_t keyed_uid;	/* what the group key was made from */
	char keyed_comm[40];
	char *cgroup;		/* TSTATS_GROUP_BY_CGROUP: its path */
	struct acct_sum sum;
};

enum acct_proc_flag {
	AP_USED = 1u << 0,
	AP_DYING = 1u << 4,	/* freed by the roll under way */
	AP_NEW = 1u << 1,	/* started in this interval */
	AP_EXITED = 1u << 2,	/* its last thread exited in this interval */
	AP_KEYED = 1u << 3,	/* keyed_* hold what its group came from */
};

struct acct_group {
	char *key;
	uint32_t hash;
	uint32_t hnext;
	uint32_t flags;		/* TSTATS_ROW_OTHER */
	struct acct_sum sum;
};

/* Reads the cgroup v2 path of process pid into buf; 0 or -errno. */
typedef int (*acct_cgroup_fn)(uint32_t pid, char *buf, size_t size);
/* Is thread tid of group tgid alive: not exiting, a zombie or gone? */
typedef bool (*acct_alive_fn)(uint32_t tgid, uint32_t tid);

struct acct {
	unsigned int nc;		/* counters */
	uint8_t cf[ACCT_NC_MAX];	/* counter i is field cf[i] */

	struct acct_task *tasks;
	uint32_t ntasks, tasks_cap, task_free;
	uint32_t *thash, thash_mask;

	struct acct_proc *procs;
	uint32_t nprocs, procs_cap, proc_free;
	uint32_t *phash, phash_mask;

	struct acct_group *groups;
	uint32_t ngroups, groups_cap;
	uint32_t *ghash, ghash_mask;
	uint32_t other;			/* the TSTATS_ROW_OTHER group */
	unsigned int by, max_groups;
	acct_cgroup_fn read_cgroup;
	acct_alive_fn is_alive;

	uint32_t *watch;		/* sorted; nwatch 0: every task */
	size_t nwatch;

	uint64_t tick;			/* ticks closed */
	bool roll_pending;		/* an interval was closed, not yet rolled */
	/* The sampling that opened the interval being filled began: a task
	 * started since then did all its work in the interval. */
	uint64_t open_lo;
	uint64_t sample_lo;		/* this tick's sampling began */
	uint64_t drained_ns;		/* the socket was last known empty */
	uint64_t closed_ns;		/* the last tick's close */
	uint64_t interval_ns;

	struct acct_sum all;		/* the total row */

	/* This interval's events and losses, then since the start. */
	uint64_t exits, exits_unsampled, lost_threads, overflows, lost_messages;
	uint64_t total_overflows, total_lost_messages, total_lost_threads;
	uint64_t incomplete;
	bool messages_unknown;
};

int acct_init(struct acct *a);
void acct_done(struct acct *a);
int acct_watch(struct acct *a, uint32_t tgid);
bool acct_watching(const struct acct *a, uint32_t tgid);

/* Starts the next interval if the last one was closed: drops what was
 * reported as final and makes the newest values the new baselines. */
void acct_roll(struct acct *a);
/* A tick's sampling begins at CLOCK_MONOTONIC now. */
void acct_begin_sample(struct acct *a, uint64_t now);
/* One sampled thread; the kernel built rec between lo and hi. */
int acct_sample(struct acct *a, uint32_t tid, uint32_t tgid, const struct tstats_record *rec,
		uint64_t lo, uint64_t hi);
/* A sampled thread whose answer was unusable: alive, its values unknown. */
void acct_sample_unknown(struct acct *a, uint32_t tid);
/* One exit record (PID records; others are passed over), read at now. */
int acct_exit(struct acct *a, const struct tstats_record *rec, uint64_t now);
/* Exit messages lost: overflows of the socket, and messages dropped
 * (UINT64_MAX: unknown). */
void acct_lost(struct acct *a, uint64_t overflows, uint64_t messages);
/* Closes the interval at now: returns 1 for an interval, 0 for the
 * baseline, or -ENOMEM. */
int acct_close(struct acct *a, uint64_t now, tstats_group_key_fn key, void *userdata);

/* Rows of the last closed interval (tstats_monitor_foreach()). */
int acct_foreach(struct acct *a, unsigned int level, struct tstats_monitor_row *row,
		 tstats_row_fn fn, void *userdata);

/* The default cgroup reader: the "0::" line of /proc/PID/cgroup. */
int acct_read_cgroup(uint32_t pid, char *buf, size_t size);
/* The default test: the state in /proc/TGID/task/TID/stat. */
bool acct_is_alive(uint32_t tgid, uint32_t tid);

#endif
