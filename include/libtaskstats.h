/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libtaskstats - read Linux per-task accounting (CPU, memory, I/O, delays)
 * from the kernel's taskstats generic-netlink interface.
 *
 * Conventions for every function in this header:
 *  - Fallible calls return an int: >= 0 on success, a negative errno on
 *    failure. Errors reported by the kernel are passed through unchanged
 *    (-ESRCH for a task that does not exist is never turned into -ENOENT).
 *  - Constructors write their out-parameter (named "ret") only on success.
 *    Destructors accept NULL.
 *  - The library never prints, logs, exits or keeps global mutable state.
 *  - Records (struct tstats_record) are plain data owned by the caller:
 *    copy them, keep them, free them as you like. Nothing in a record points
 *    anywhere.
 *  - Threads: a struct tstats_ctx may be used by one thread at a time (use
 *    one context per thread; contexts are independent). The field table and
 *    tstats_decode() are immutable/pure and safe from any thread.
 *  - The library keeps no caller pointer past the call that received it.
 */
#ifndef LIBTASKSTATS_H
#define LIBTASKSTATS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The newest struct taskstats version this build can decode field by field.
 * Newer kernels are decoded by their known prefix (TSTATS_RECORD_NEWER). */
#define TSTATS_VERSION_KNOWN 17

/*
 * Field ids. The order is stable and only ever appended to; the table behind
 * tstats_field_info() gives each id its name, unit, first version and
 * description. Values of every field are read as uint64_t with
 * tstats_record_get(), except TSTATS_F_COMM (a string: tstats_record_comm()).
 * TSTATS_F_NICE is signed: its uint64_t holds a two's-complement int64_t.
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

/* One row of the field table. All strings are static. */
struct tstats_field_info {
	const char *name;	 /* stable snake_case name ("cpu_delay_total") */
	const char *kernel_name; /* member of the kernel's struct taskstats */
	const char *unit;	 /* short unit symbol ("ns", "KiB", "" for none) */
	const char *description; /* one line of English */
	uint32_t unit_id;	 /* enum tstats_unit */
	uint32_t group;		 /* enum tstats_group */
	uint32_t since;		 /* first struct version carrying the field */
	uint32_t in_tgid;	 /* 1 if the kernel fills it in TGID records */
};

/* Number of rows in the field table of the running library. */
unsigned int tstats_field_count(void);

/* The row for a field id, or NULL if id >= tstats_field_count(). */
const struct tstats_field_info *tstats_field_info(unsigned int field);

/* The field id with that name, or -ENOENT. */
int tstats_field_by_name(const char *name);

/*
 * Delay classes: the kernel reports each kind of delay (CPU run queue,
 * block I/O, swap-in, ...) as a group of fields. A field id in this row is
 * -1 when the class has no such field.
 */
struct tstats_delay_class {
	const char *name;	 /* "cpu", "blkio", ... */
	const char *description;
	int count;		 /* field id of the event count */
	int total;		 /* field id of the total delay (ns) */
	int max;		 /* field id of the largest delay (ns), v15+ */
	int min;		 /* field id of the smallest delay (ns), v15+ */
	int max_ts;		 /* field id of the time of the max, v17+ */
};

unsigned int tstats_delay_class_count(void);
const struct tstats_delay_class *tstats_delay_class(unsigned int index);

/* struct tstats_record.kind */
enum tstats_kind {
	TSTATS_KIND_PID = 1,	/* one thread (the kernel's AGGR_PID) */
	TSTATS_KIND_TGID = 2,	/* a whole thread group (AGGR_TGID) */
};

/* struct tstats_record.flags */
enum tstats_record_flag {
	/* The payload's version read 0; .version was taken from a sibling
	 * record or inferred from the payload length. */
	TSTATS_RECORD_VERSION_INFERRED = 1u << 0,
	/* The kernel's struct is newer than TSTATS_VERSION_KNOWN: only the
	 * fields this build knows were decoded. */
	TSTATS_RECORD_NEWER = 1u << 1,
	/* The payload is shorter than its version's struct: trailing fields
	 * are absent. */
	TSTATS_RECORD_SHORT = 1u << 2,
};

/*
 * A decoded record. Plain data: a field is present when its bit is set in
 * present[] (use tstats_record_has()); an absent field is not zero, it is
 * unknown (the kernel's version or payload did not carry it, or the kernel
 * does not fill it for this kind of record).
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

/* 1 if the field is present in the record, 0 if absent or unknown. */
int tstats_record_has(const struct tstats_record *rec, unsigned int field);

/* Reads a numeric field into *ret. Returns 0, -ENODATA if the field is
 * absent, -EINVAL if field is not a numeric field id. *ret is written only
 * on success. */
int tstats_record_get(const struct tstats_record *rec, unsigned int field,
		      uint64_t *ret);

/* The task's command name (raw bytes, NUL-terminated, untrusted: any
 * process chooses its own), or NULL when absent. Points into rec. */
const char *tstats_record_comm(const struct tstats_record *rec);

/* Flags for tstats_decode() */
#define TSTATS_DECODE_TGID 0x1u	/* the payload came from an AGGR_TGID nest */

/*
 * Decodes one STATS payload (the bytes of the kernel's struct taskstats,
 * any alignment) into *ret. Pure: no I/O, no allocation.
 * The layout is chosen by the payload's version and length, never by the
 * build host's <linux/taskstats.h>. If the payload's version is 0,
 * fallback_version is used (0: infer it from the length).
 * Returns 0, or -EBADMSG when len < 2 (no version can be read), -EINVAL
 * for bad arguments. ret->kind and ret->id are set to
 * TSTATS_KIND_PID/TGID and 0; fill id yourself if you know it.
 * Since: 0.1
 */
int tstats_decode(const void *payload, size_t len, unsigned int flags,
		  unsigned int fallback_version, struct tstats_record *ret);

/*
 * A query context: one netlink socket with the TASKSTATS family resolved.
 * tstats_ctx_new() returns 0, or
 *   -ENOENT           the kernel has no TASKSTATS family (CONFIG_TASKSTATS
 *                     off, or a non-initial network namespace before 5.19),
 *   -EPROTONOSUPPORT  no generic netlink,
 *   -ENOMEM, or another -errno from socket(2)/bind(2).
 * Opening needs no privilege; queries need CAP_NET_ADMIN (-EPERM).
 * Since: 0.1
 */
struct tstats_ctx;

int tstats_ctx_new(struct tstats_ctx **ret);
void tstats_ctx_free(struct tstats_ctx *ctx);

/* How long a query waits for the kernel's answer before -ETIMEDOUT.
 * Default 5000 ms; 0 is refused with -EINVAL. */
int tstats_ctx_set_timeout(struct tstats_ctx *ctx, unsigned int msec);

/* The TASKSTATS generic-netlink family id resolved for this context. */
int tstats_ctx_family(const struct tstats_ctx *ctx);

/*
 * Asks the kernel for the accounting of one task (TSTATS_KIND_PID: one
 * thread, any thread id accepted) or one thread group (TSTATS_KIND_TGID:
 * the whole process, summed by the kernel). Fills *ret on success.
 * Returns 0, or
 *   -ESRCH      no such task (in the caller's PID namespace),
 *   -EPERM      the caller lacks CAP_NET_ADMIN,
 *   -ETIMEDOUT  no reply within the context's timeout,
 *   -EBADMSG    the kernel's reply was malformed,
 *   -EINVAL     bad arguments, or another -errno from the kernel/socket.
 * Uses no heap memory. Since: 0.1
 */
int tstats_query(struct tstats_ctx *ctx, unsigned int kind, uint32_t id,
		 struct tstats_record *ret);

/*
 * State of delay accounting (sysctl kernel.task_delayacct): 1 on, 0 off,
 * -ENOENT if the kernel has no such switch (before 5.14: on unless booted
 * with nodelayacct), or another -errno. Tasks started while it was off
 * report most delay classes as 0 for their whole life.
 */
int tstats_delayacct_state(void);

#ifdef __cplusplus
}
#endif

#endif /* LIBTASKSTATS_H */
