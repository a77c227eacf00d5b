/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libtaskstats - read Linux per-task accounting (CPU, memory, I/O, delays)
 * from the kernel's taskstats generic-netlink interface.
 *
 * The manual pages are the documentation: libtaskstats(3) for the
 * conventions (errors, ownership, threads, the event loop), and one page
 * per group of functions, named in each declaration's comment below. This
 * header says in a line or two what each thing is.
 *
 * In short: fallible calls return >= 0 or a negative errno; constructors
 * write their out-parameter ("ret") only on success; destructors accept
 * NULL; records are plain data owned by the caller; a context, listener or
 * monitor is used by one thread at a time. Functions are only ever added
 * (lib/libtaskstats.sym); structs only grow at their end, except struct
 * tstats_record, whose size never changes.
 */
#ifndef LIBTASKSTATS_H
#define LIBTASKSTATS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The newest struct taskstats version this build decodes field by field. */
#define TSTATS_VERSION_KNOWN 17

/*
 * Field ids: one per member of the kernel's struct taskstats, stable and
 * only ever appended to. See tstats_field_info(3).
 */
enum tstats_field {
	TSTATS_F_VERSION = 0,
	TSTATS_F_EXIT_CODE,
	TSTATS_F_FLAGS,
	TSTATS_F_NICE,
	TSTATS_F_CPU_COUNT,
	TSTATS_F_CPU_DELAY_TOTAL,
	TSTATS_F_BLKIO_COUNT,
	TSTATS_F_BLKIO_DELAY_TOTAL,
	TSTATS_F_SWAPIN_COUNT,
	TSTATS_F_SWAPIN_DELAY_TOTAL,
	TSTATS_F_CPU_RUN_REAL_TOTAL,
	TSTATS_F_CPU_RUN_VIRTUAL_TOTAL,
	TSTATS_F_COMM,
	TSTATS_F_SCHED,
	TSTATS_F_UID,
	TSTATS_F_GID,
	TSTATS_F_PID,
	TSTATS_F_PPID,
	TSTATS_F_BTIME,
	TSTATS_F_ETIME,
	TSTATS_F_UTIME,
	TSTATS_F_STIME,
	TSTATS_F_MINFLT,
	TSTATS_F_MAJFLT,
	TSTATS_F_COREMEM,
	TSTATS_F_VIRTMEM,
	TSTATS_F_HIWATER_RSS,
	TSTATS_F_HIWATER_VM,
	TSTATS_F_READ_CHAR,
	TSTATS_F_WRITE_CHAR,
	TSTATS_F_READ_SYSCALLS,
	TSTATS_F_WRITE_SYSCALLS,
	TSTATS_F_READ_BYTES,
	TSTATS_F_WRITE_BYTES,
	TSTATS_F_CANCELLED_WRITE_BYTES,
	TSTATS_F_NVCSW,
	TSTATS_F_NIVCSW,
	TSTATS_F_UTIMESCALED,
	TSTATS_F_STIMESCALED,
	TSTATS_F_CPU_SCALED_RUN_REAL_TOTAL,
	TSTATS_F_FREEPAGES_COUNT,
	TSTATS_F_FREEPAGES_DELAY_TOTAL,
	TSTATS_F_THRASHING_COUNT,
	TSTATS_F_THRASHING_DELAY_TOTAL,
	TSTATS_F_BTIME64,
	TSTATS_F_COMPACT_COUNT,
	TSTATS_F_COMPACT_DELAY_TOTAL,
	TSTATS_F_TGID,
	TSTATS_F_TGETIME,
	TSTATS_F_EXE_DEV,
	TSTATS_F_EXE_INODE,
	TSTATS_F_WPCOPY_COUNT,
	TSTATS_F_WPCOPY_DELAY_TOTAL,
	TSTATS_F_IRQ_COUNT,
	TSTATS_F_IRQ_DELAY_TOTAL,
	TSTATS_F_CPU_DELAY_MAX,
	TSTATS_F_CPU_DELAY_MIN,
	TSTATS_F_BLKIO_DELAY_MAX,
	TSTATS_F_BLKIO_DELAY_MIN,
	TSTATS_F_SWAPIN_DELAY_MAX,
	TSTATS_F_SWAPIN_DELAY_MIN,
	TSTATS_F_FREEPAGES_DELAY_MAX,
	TSTATS_F_FREEPAGES_DELAY_MIN,
	TSTATS_F_THRASHING_DELAY_MAX,
	TSTATS_F_THRASHING_DELAY_MIN,
	TSTATS_F_COMPACT_DELAY_MAX,
	TSTATS_F_COMPACT_DELAY_MIN,
	TSTATS_F_WPCOPY_DELAY_MAX,
	TSTATS_F_WPCOPY_DELAY_MIN,
	TSTATS_F_IRQ_DELAY_MAX,
	TSTATS_F_IRQ_DELAY_MIN,
	TSTATS_F_CPU_DELAY_MAX_TS,
	TSTATS_F_BLKIO_DELAY_MAX_TS,
	TSTATS_F_SWAPIN_DELAY_MAX_TS,
	TSTATS_F_FREEPAGES_DELAY_MAX_TS,
	TSTATS_F_THRASHING_DELAY_MAX_TS,
	TSTATS_F_COMPACT_DELAY_MAX_TS,
	TSTATS_F_WPCOPY_DELAY_MAX_TS,
	TSTATS_F_IRQ_DELAY_MAX_TS,
	/* Number of fields in this build; use tstats_field_count() at run time. */
	TSTATS_F__COUNT
};

/* Room reserved in struct tstats_record for fields; never shrinks. */
#define TSTATS_FIELD_CAPACITY 128

/* What a field's number means (struct tstats_field_info.unit_id). */
enum tstats_unit {
	TSTATS_UNIT_NONE = 0,	/* plain number (struct version, policy) */
	TSTATS_UNIT_COUNT,	/* events, calls, switches, faults */
	TSTATS_UNIT_NS,		/* nanoseconds */
	TSTATS_UNIT_US,		/* microseconds */
	TSTATS_UNIT_BYTES,	/* bytes */
	TSTATS_UNIT_KIB,	/* KiB */
	TSTATS_UNIT_MIB_US,	/* MiB times microseconds of CPU time */
	TSTATS_UNIT_ID,		/* pid, uid, inode... */
	TSTATS_UNIT_FLAGS,	/* bit set (see TSTATS_AC_*) */
	TSTATS_UNIT_STRING,	/* text, read with tstats_record_comm() */
	TSTATS_UNIT_EPOCH_S,	/* seconds since the Unix epoch */
	TSTATS_UNIT_EPOCH_NS,	/* nanoseconds since the Unix epoch (0: none) */
	TSTATS_UNIT_DEV,	/* device number in st_dev encoding */
	TSTATS_UNIT_STATUS,	/* wait(2) status */
	TSTATS_UNIT_NICE,	/* nice value, signed */
};

/* Report sections (struct tstats_field_info.group). */
enum tstats_group {
	TSTATS_GROUP_IDENTITY = 0,
	TSTATS_GROUP_CPU,
	TSTATS_GROUP_MEMORY,
	TSTATS_GROUP_IO,
	TSTATS_GROUP_CTXSW,
	TSTATS_GROUP_DELAY,
};

/* Bits of TSTATS_F_FLAGS (the kernel's ac_flag). */
#define TSTATS_AC_FORK   0x01u	/* forked but did not exec */
#define TSTATS_AC_SU     0x02u	/* used super-user privileges */
#define TSTATS_AC_CORE   0x08u	/* dumped core */
#define TSTATS_AC_XSIG   0x10u	/* killed by a signal */
#define TSTATS_AC_GROUP  0x20u	/* last thread of its group (exit events) */

/* One row of the field table; the library's, static. See tstats_field_info(3). */
struct tstats_field_info {
	const char *name;	 /* stable snake_case name ("cpu_delay_total") */
	const char *kernel_name; /* member of the kernel's struct taskstats */
	const char *unit;	 /* short unit symbol ("ns", "KiB", "" for none) */
	const char *description; /* one line of English */
	uint32_t unit_id;	 /* enum tstats_unit */
	uint32_t group;		 /* enum tstats_group */
	uint32_t since;		 /* first struct version carrying the field */
	uint32_t in_tgid;	 /* 1: TGID records carry it for the group */
	uint32_t flags;		 /* enum tstats_field_flag; since 0.1 */
};

/* struct tstats_field_info.flags */
enum tstats_field_flag {
	TSTATS_FIELD_SIGNED = 1u << 0,	/* value is a two's-complement int64_t */
	TSTATS_FIELD_COUNTER = 1u << 1,	/* only grows over a task's life */
	TSTATS_FIELD_MASKED_1024 = 1u << 2,	/* rounded down to 1024 by the kernel */
	TSTATS_FIELD_TICK_SAMPLED = 1u << 3,	/* sampled at timer ticks */
	TSTATS_FIELD_TGID_THREAD_SUM = 1u << 4, /* TGID: threads' sum, not the group's */
	TSTATS_FIELD_NEEDS_IRQ_TIME = 1u << 5,	/* 0 without CONFIG_IRQ_TIME_ACCOUNTING */
};

/* Number of rows in the running library's field table. See tstats_field_info(3). */
unsigned int tstats_field_count(void);

/* The row of a field id, or NULL. See tstats_field_info(3). */
const struct tstats_field_info *tstats_field_info(unsigned int field);

/* The field id with that name, or -ENOENT. See tstats_field_info(3). */
int tstats_field_by_name(const char *name);

/* A kind of delay and the ids of its fields (-1: none). See tstats_field_info(3). */
struct tstats_delay_class {
	const char *name;	 /* "cpu", "blkio", ... */
	const char *description;
	int count;		 /* field id of the event count */
	int total;		 /* field id of the total delay (ns) */
	int max;		 /* field id of the largest delay (ns), v15+ */
	int min;		 /* field id of the smallest delay (ns), v15+ */
	int max_ts;		 /* field id of the time of the max, v17+ */
};

/* Number of delay classes. See tstats_field_info(3). */
unsigned int tstats_delay_class_count(void);

/* The delay class at index, or NULL. See tstats_field_info(3). */
const struct tstats_delay_class *tstats_delay_class(unsigned int index);

/* struct tstats_record.kind */
enum tstats_kind {
	TSTATS_KIND_PID = 1,	/* one thread (the kernel's AGGR_PID) */
	TSTATS_KIND_TGID = 2,	/* a whole thread group (AGGR_TGID) */
};

/* struct tstats_record.flags; see tstats_record_get(3). */
enum tstats_record_flag {
	TSTATS_RECORD_VERSION_INFERRED = 1u << 0, /* the payload's version read 0 */
	TSTATS_RECORD_NEWER = 1u << 1,		  /* newer than TSTATS_VERSION_KNOWN */
	TSTATS_RECORD_SHORT = 1u << 2,		  /* payload shorter than its version */
	TSTATS_RECORD_EXIT = 1u << 3,		  /* from an exit listener: final */
	TSTATS_RECORD_GROUP_EXIT = 1u << 4,	  /* the whole thread group exited */
	TSTATS_RECORD_EMPTY_GROUP = 1u << 5,	  /* TGID record of no thread (zombie) */
};

/*
 * A decoded record: plain data, a value per field id, present or absent.
 * Its size is frozen at 1104 bytes in every release (arrays of it are
 * indexed by older binaries): new fields take free slots of value[].
 * See tstats_record_get(3).
 */
struct tstats_record {
	uint32_t kind;		/* enum tstats_kind */
	uint32_t id;		/* PID or TGID named in the kernel's reply */
	uint32_t version;	/* struct version used to decode */
	uint32_t payload_len;	/* bytes of struct taskstats received */
	uint32_t flags;		/* enum tstats_record_flag */
	uint32_t reserved;
	uint64_t present[TSTATS_FIELD_CAPACITY / 64];
	uint64_t value[TSTATS_FIELD_CAPACITY];
	char comm[40];		/* NUL-terminated; raw bytes from the kernel */
};

/* 1 if the field is present in the record, else 0. See tstats_record_get(3). */
int tstats_record_has(const struct tstats_record *rec, unsigned int field);

/* Reads a numeric field; -ENODATA if absent. See tstats_record_get(3). */
int tstats_record_get(const struct tstats_record *rec, unsigned int field,
		      uint64_t *ret);

/* The command name, raw and untrusted, or NULL. See tstats_record_get(3). */
const char *tstats_record_comm(const struct tstats_record *rec);

/* Flags for tstats_record_comm_text() and tstats_text() */
#define TSTATS_TEXT_ESCAPE 0x1u	/* safe to print on a terminal */

/* Room for any tstats_record_comm_text() result, the NUL included. */
#define TSTATS_COMM_TEXT_MAX 157

/* The command name as valid UTF-8 or escaped text. See tstats_record_get(3). */
int tstats_record_comm_text(const struct tstats_record *rec, unsigned int flags,
			    char *buf, size_t size);

/* Any untrusted bytes as valid UTF-8 or escaped text. See tstats_record_get(3). */
int tstats_text(const void *bytes, size_t len, unsigned int flags, char *buf, size_t size);

/* Flags for tstats_decode() */
#define TSTATS_DECODE_TGID 0x1u	/* the payload came from an AGGR_TGID nest */

/* Decodes one STATS payload of any version; pure. See tstats_decode(3). */
int tstats_decode(const void *payload, size_t len, unsigned int flags,
		  unsigned int fallback_version, struct tstats_record *ret);

/* A query context: one netlink socket, the TASKSTATS family resolved. */
struct tstats_ctx;

/* Opens a context. See tstats_ctx_new(3). */
int tstats_ctx_new(struct tstats_ctx **ret);

/* Closes and frees a context; NULL is accepted. See tstats_ctx_new(3). */
void tstats_ctx_free(struct tstats_ctx *ctx);

/* How long a query waits for the kernel (default 5000 ms). See tstats_ctx_new(3). */
int tstats_ctx_set_timeout(struct tstats_ctx *ctx, unsigned int msec);

/* The TASKSTATS family id the context resolved. See tstats_ctx_new(3). */
int tstats_ctx_family(const struct tstats_ctx *ctx);

/* The record of one thread or thread group. See tstats_query(3). */
int tstats_query(struct tstats_ctx *ctx, unsigned int kind, uint32_t id,
		 struct tstats_record *ret);

/* Delay accounting on (1) or off (0), or -ENOENT. See tstats_query(3). */
int tstats_delayacct_state(void);

/* An exit listener: one socket registered for task exits on a set of CPUs. */
struct tstats_listener;

/* Checks a cpulist ("0-3,7"); returns the number of CPUs. See tstats_listener_new(3). */
int tstats_cpulist_check(const char *cpulist);

/* Opens a listener on cpulist (NULL: every possible CPU). See tstats_listener_new(3). */
int tstats_listener_new(const char *cpulist, struct tstats_listener **ret);

/* Deregisters and frees a listener; NULL is accepted. See tstats_listener_new(3). */
void tstats_listener_free(struct tstats_listener *l);

/* The CPUs registered for, owned by the listener. See tstats_listener_new(3). */
const char *tstats_listener_cpulist(const struct tstats_listener *l);

/* Sets the socket's receive buffer; returns the size in effect. See tstats_listener_new(3). */
int tstats_listener_set_rcvbuf(struct tstats_listener *l, int bytes);

/* The descriptor to poll for POLLIN, owned by the listener. See tstats_listener_new(3). */
int tstats_listener_fd(const struct tstats_listener *l);

/* Called with each record: 0 go on, > 0 stop, < 0 abort. See tstats_listener_dispatch(3). */
typedef int (*tstats_record_fn)(const struct tstats_record *rec, void *userdata);

/* Why exit events were lost (tstats_loss_fn). */
enum tstats_loss_cause {
	TSTATS_LOSS_OVERFLOW = 1,	/* receive buffer full (-ENOBUFS) */
	TSTATS_LOSS_TRUNCATED = 2,	/* message larger than the buffer (-EMSGSIZE) */
	TSTATS_LOSS_MALFORMED = 3,	/* message not parsable (-EBADMSG) */
};

/* Called for each loss, in order with the records. See tstats_listener_dispatch(3). */
typedef int (*tstats_loss_fn)(unsigned int cause, uint64_t count, void *userdata);

/* Delivers what is pending without blocking. See tstats_listener_dispatch(3). */
int tstats_listener_dispatch(struct tstats_listener *l, tstats_record_fn fn,
			     tstats_loss_fn loss, void *userdata);

/* Waits for and delivers exits (poll + dispatch). See tstats_listener_dispatch(3). */
int tstats_listener_run(struct tstats_listener *l, int timeout_ms, tstats_record_fn fn,
			tstats_loss_fn loss, void *userdata);

/* Counters of a listener since it was opened. See tstats_listener_new(3). */
struct tstats_listener_stats {
	uint64_t messages;	/* exit messages received and parsed */
	uint64_t records;	/* records delivered to the record callback */
	uint64_t overflows;	/* receive buffer overflows (ENOBUFS) seen */
	uint64_t truncated;	/* messages lost to a too small buffer */
	uint64_t malformed;	/* messages lost as unparsable */
	uint64_t dropped;	/* the kernel's drops for the socket; UINT64_MAX: unknown */
	uint64_t reserved[4];	/* 0 */
};

/* Copies the listener's counters to *ret. See tstats_listener_new(3). */
int tstats_listener_stats(const struct tstats_listener *l,
			  struct tstats_listener_stats *ret);

/* Queries n tasks into arrays, one error per id. See tstats_query_batch(3). */
int tstats_query_batch(struct tstats_ctx *ctx, unsigned int kind, const uint32_t *ids,
		       size_t n, struct tstats_record *recs, int *errs);

/* Called once per id of tstats_query_each(). See tstats_query_batch(3). */
typedef int (*tstats_item_fn)(uint32_t id, int error, const struct tstats_record *rec,
			      void *userdata);

/* Queries n tasks, handing each result to fn. See tstats_query_batch(3). */
int tstats_query_each(struct tstats_ctx *ctx, unsigned int kind, const uint32_t *ids,
		      size_t n, tstats_item_fn fn, void *userdata);

/* Lists the threads or processes in /proc. See tstats_list_tasks(3). */
int tstats_list_tasks(unsigned int kind, uint32_t *ids, size_t cap);

/* Room in struct tstats_rates for delay classes. */
#define TSTATS_RATES_DELAY_CAPACITY 16

/* struct tstats_rates.summary_valid */
enum tstats_rates_valid {
	TSTATS_RATES_CPU = 1u << 0,	/* cpu_pct */
	TSTATS_RATES_USER = 1u << 1,	/* user_pct */
	TSTATS_RATES_SYSTEM = 1u << 2,	/* system_pct */
};

/* Two records of a task compared: deltas, rates, percentages. See tstats_rates(3). */
struct tstats_rates {
	uint64_t interval_ns;	/* as given */
	uint64_t valid[TSTATS_FIELD_CAPACITY / 64];	/* per field: delta set */
	uint64_t backwards[TSTATS_FIELD_CAPACITY / 64]; /* per field: went backwards */
	uint64_t delta[TSTATS_FIELD_CAPACITY];	 /* after - before, in the field's unit */
	double per_sec[TSTATS_FIELD_CAPACITY];	 /* delta per second of interval */
	uint32_t summary_valid;	/* enum tstats_rates_valid */
	uint32_t delay_valid;	/* bit i: delay_pct[i] holds a value */
	double cpu_pct;		/* 100: one CPU busy throughout */
	double user_pct;	/* from utime */
	double system_pct;	/* from stime */
	double delay_pct[TSTATS_RATES_DELAY_CAPACITY]; /* indexed like tstats_delay_class() */
};

/* The differences between two records of one task. See tstats_rates(3). */
int tstats_rates(const struct tstats_record *before, const struct tstats_record *after,
		 uint64_t interval_ns, struct tstats_rates *ret);

/* One field of a struct tstats_rates. See tstats_rates(3). */
int tstats_rates_get(const struct tstats_rates *rates, unsigned int field,
		     uint64_t *delta, double *per_sec);

/* Where a field of a process view came from (tstats_process_source()). */
enum tstats_source {
	TSTATS_SOURCE_NONE = 0,		/* absent */
	TSTATS_SOURCE_TGID = 1,		/* the kernel's TGID total */
	TSTATS_SOURCE_THREAD_SUM = 2,	/* summed over live threads by the library */
	TSTATS_SOURCE_LEADER = 3,	/* the group leader's own record */
	TSTATS_SOURCE_THREAD_EXTREME = 4, /* a delay extreme over the live threads */
};

/* A process view: the kernel's TGID record completed. See tstats_query_process(3). */
struct tstats_process {
	struct tstats_record rec;	/* kind TSTATS_KIND_TGID, id the TGID */
	uint64_t from_tgid[TSTATS_FIELD_CAPACITY / 64];	   /* per field: source */
	uint64_t from_threads[TSTATS_FIELD_CAPACITY / 64]; /* sum or extreme */
	uint64_t from_leader[TSTATS_FIELD_CAPACITY / 64];
	uint32_t threads;	/* live threads summed */
	uint32_t reserved;
};

/* Builds the process view of a thread group. See tstats_query_process(3). */
int tstats_query_process(struct tstats_ctx *ctx, uint32_t tgid, struct tstats_process *ret);

/* Where field f of a process view came from. See tstats_query_process(3). */
int tstats_process_source(const struct tstats_process *p, unsigned int field);

/* Task states of one cgroup v1 directory. See tstats_query_cgroup(3). */
struct tstats_cgroupstats {
	uint64_t nr_sleeping;		/* interruptible sleep (S) */
	uint64_t nr_running;		/* running or runnable (R) */
	uint64_t nr_stopped;		/* stopped by a signal (T), not traced */
	uint64_t nr_uninterruptible;	/* uninterruptible sleep (D) */
	uint64_t nr_io_wait;		/* any other state, waiting for I/O */
	uint32_t payload_len;		/* bytes the kernel sent (40) */
	uint32_t reserved;		/* 0 */
};

/* Counts the tasks of a cgroup directory by state. See tstats_query_cgroup(3). */
int tstats_query_cgroup(struct tstats_ctx *ctx, const char *path,
			struct tstats_cgroupstats *ret);

/* The same for a directory the caller opened. See tstats_query_cgroup(3). */
int tstats_query_cgroup_fd(struct tstats_ctx *ctx, int fd, struct tstats_cgroupstats *ret);

/* A monitor: exact interval accounting of tasks, exits included. */
struct tstats_monitor;

/* What tstats_monitor_set_group_by() folds processes by. */
enum tstats_group_by {
	TSTATS_GROUP_BY_NONE = 0,	/* no groups (the default) */
	TSTATS_GROUP_BY_COMM,		/* command name of the process (raw bytes) */
	TSTATS_GROUP_BY_USER,		/* real uid, as decimal text */
	TSTATS_GROUP_BY_CGROUP,		/* cgroup v2 path ("" where unknown) */
	TSTATS_GROUP_BY_KEY,		/* the key function of tstats_monitor_tick() */
};

/* Opens a monitor (a context and an exit listener). See tstats_monitor_new(3). */
int tstats_monitor_new(const char *cpulist, struct tstats_monitor **ret);

/* Deregisters, closes and frees a monitor; NULL is accepted. See tstats_monitor_new(3). */
void tstats_monitor_free(struct tstats_monitor *m);

/* Follows only the thread group tgid (and more, call by call). See tstats_monitor_new(3). */
int tstats_monitor_watch(struct tstats_monitor *m, uint32_t tgid);

/* How processes are grouped, and the most groups kept. See tstats_monitor_tick(3). */
int tstats_monitor_set_group_by(struct tstats_monitor *m, unsigned int by,
				unsigned int max_groups);

/* The exit listener's receive buffer. See tstats_monitor_new(3). */
int tstats_monitor_set_rcvbuf(struct tstats_monitor *m, int bytes);

/* The descriptor to poll between ticks, owned by the monitor. See tstats_monitor_new(3). */
int tstats_monitor_fd(const struct tstats_monitor *m);

/* Writes a process's group key (TSTATS_GROUP_BY_KEY). See tstats_monitor_tick(3). */
typedef int (*tstats_group_key_fn)(const struct tstats_record *rec, char *buf, size_t size,
				   void *userdata);

/* Takes the pending exit messages without blocking. See tstats_monitor_tick(3). */
int tstats_monitor_dispatch(struct tstats_monitor *m);

/* Ends an interval: samples, takes exits, closes it. See tstats_monitor_tick(3). */
int tstats_monitor_tick(struct tstats_monitor *m, tstats_group_key_fn key, void *userdata);

/* Levels of tstats_monitor_foreach(). */
enum tstats_level {
	TSTATS_LEVEL_THREAD = 1,
	TSTATS_LEVEL_PROCESS,
	TSTATS_LEVEL_GROUP,
	TSTATS_LEVEL_TOTAL,	/* one row: every followed task */
};

/* struct tstats_monitor_row.flags */
enum tstats_row_flag {
	TSTATS_ROW_STARTED = 1u << 0,	/* started in the interval */
	TSTATS_ROW_EXITED = 1u << 1,	/* exited in the interval: final values */
	TSTATS_ROW_LOST = 1u << 2,	/* vanished without a final record */
	TSTATS_ROW_OTHER = 1u << 3,	/* the group past max_groups; key "" */
};

/* One row of the last interval, valid during the callback. See tstats_monitor_tick(3). */
struct tstats_monitor_row {
	uint32_t level;		/* enum tstats_level */
	uint32_t id;		/* thread id, TGID, group index, or 0 (total) */
	uint32_t tgid;		/* thread and process: the TGID; else 0 */
	uint32_t flags;		/* enum tstats_row_flag */
	uint32_t threads, threads_started, threads_exited;
	uint32_t processes, processes_started, processes_exited;
	const char *key;	/* group: its key (raw bytes); else NULL */
	const struct tstats_record *rec; /* thread, process: a record; else NULL */
	struct tstats_rates rates;	 /* the interval, summed over the row */
	uint64_t total[TSTATS_FIELD_CAPACITY];	/* counters since followed */
	uint64_t total_valid[TSTATS_FIELD_CAPACITY / 64];
};

/* Called once per row: 0 go on, > 0 stop, < 0 abort. See tstats_monitor_tick(3). */
typedef int (*tstats_row_fn)(const struct tstats_monitor_row *row, void *userdata);

/* Calls fn for every row of a level of the last interval. See tstats_monitor_tick(3). */
int tstats_monitor_foreach(struct tstats_monitor *m, unsigned int level, tstats_row_fn fn,
			   void *userdata);

/* Counters of a monitor. See tstats_monitor_new(3). */
struct tstats_monitor_stats {
	uint64_t ticks;		/* ticks taken, the baseline included */
	uint64_t interval_ns;	/* the last interval's length */
	uint32_t complete;	/* 1: nothing lost in the last interval */
	uint32_t reserved0;
	uint64_t threads, processes, groups;	/* followed now */
	uint64_t exits, exits_unsampled;	/* last interval: exit records */
	uint64_t lost_overflows, lost_messages, lost_threads; /* last interval */
	uint64_t total_overflows, total_lost_messages, total_lost_threads;
	uint64_t incomplete_intervals;
	uint64_t tick_ns, tick_queried;	/* the last tick's cost */
	uint64_t reserved[6];	/* 0 */
};

/* Copies the monitor's counters to *ret. See tstats_monitor_new(3). */
int tstats_monitor_stats(const struct tstats_monitor *m, struct tstats_monitor_stats *ret);

/* The structs, for bindings that mirror them by hand (tstats_struct_size()). */
enum tstats_struct {
	TSTATS_STRUCT_RECORD = 1,	/* struct tstats_record */
	TSTATS_STRUCT_FIELD_INFO,	/* struct tstats_field_info */
	TSTATS_STRUCT_DELAY_CLASS,	/* struct tstats_delay_class */
	TSTATS_STRUCT_LISTENER_STATS,	/* struct tstats_listener_stats */
	TSTATS_STRUCT_RATES,		/* struct tstats_rates */
	TSTATS_STRUCT_PROCESS,		/* struct tstats_process */
	TSTATS_STRUCT_CGROUPSTATS,	/* struct tstats_cgroupstats */
	TSTATS_STRUCT_MONITOR_ROW,	/* struct tstats_monitor_row, since 0.2 */
	TSTATS_STRUCT_MONITOR_STATS,	/* struct tstats_monitor_stats, since 0.2 */
};

/* sizeof a public struct in the running library, or 0. See tstats_struct_size(3). */
size_t tstats_struct_size(unsigned int type);

#ifdef __cplusplus
}
#endif

#endif /* LIBTASKSTATS_H */
