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
 *    (libnl prints its own debug lines when NLDBG is set in the
 *    environment: that is libnl's switch, left to whoever sets it.)
 *  - Records (struct tstats_record) are plain data owned by the caller:
 *    copy them, keep them, free them as you like. Nothing in a record points
 *    anywhere.
 *  - Threads: a struct tstats_ctx may be used by one thread at a time (use
 *    one context per thread; contexts are independent), and so may a
 *    struct tstats_listener. Functions marked "thread-safe" (the field
 *    table, tstats_decode(), the record accessors, tstats_rates(), ...)
 *    may be called from any thread at any time.
 *  - The library keeps no caller pointer past the call that received it.
 *  - Each function says since which release it exists ("Since: 0.1").
 *    Functions are only ever added (lib/libtaskstats.sym is append-only);
 *    structs only ever grow at their end (see tstats_struct_size()),
 *    except struct tstats_record, whose size never changes.
 *  - Every function has a manual page: libtaskstats(3) is the overview.
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
 * TSTATS_F_NICE is signed: its uint64_t holds a two's-complement int64_t
 * (the table says so: TSTATS_FIELD_SIGNED in tstats_field_info()->flags).
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
	/* 1 if TGID records carry it for the whole group. The kernel also
	 * writes the *_delay_max/_min/_max_ts fields there, but as one
	 * thread's value, not the group's: they are 0 here (absent). */
	uint32_t in_tgid;
	/* Members are only ever appended here (the library hands out
	 * pointers to its own rows, so older callers never see them). */
	uint32_t flags;		 /* enum tstats_field_flag; since 0.1 */
};

/* struct tstats_field_info.flags */
enum tstats_field_flag {
	/* tstats_record_get() returns a two's-complement int64_t in its
	 * uint64_t (TSTATS_F_NICE): cast it to int64_t. */
	TSTATS_FIELD_SIGNED = 1u << 0,
	/* A counter: it only grows over a task's life (CPU times, event
	 * counts, bytes, delay totals); the fields tstats_rates() gives
	 * deltas for. Not set for identities, peaks (hiwater_*), elapsed
	 * times, timestamps and single-delay maxima and minima (gauges). */
	TSTATS_FIELD_COUNTER = 1u << 1,
	/* The value is what the kernel measures, but not exactly: a reader
	 * must not take it at face value. Since 0.1 (appended). */
	/* Rounded down to a multiple of 1024 by the kernel (KB_MASK in
	 * kernel/tsacct.c): byte counts to whole KiB, and the read and
	 * write system call counts too (8 calls read as 0). */
	TSTATS_FIELD_MASKED_1024 = 1u << 2,
	/* Sampled at timer ticks (utime, stime and their sums): with tick
	 * accounting a whole tick goes to whichever task and mode it lands
	 * in, so a short task may read 0 or one tick of 1000/HZ ms. */
	TSTATS_FIELD_TICK_SAMPLED = 1u << 3,
	/* In a TGID record the sum of the threads' values, which for this
	 * field is not the group's own (ac_etime: the threads' ages added
	 * up, 10 h for a 15-minute-old process of 40 threads). */
	TSTATS_FIELD_TGID_THREAD_SUM = 1u << 4,
	/* Measured only by kernels built with CONFIG_IRQ_TIME_ACCOUNTING
	 * (update_rq_clock_task() in kernel/sched/core.c): elsewhere always
	 * 0, which then means "not measured", not "no interrupts". */
	TSTATS_FIELD_NEEDS_IRQ_TIME = 1u << 5,
};

/* Number of rows in the field table of the running library (may exceed
 * the TSTATS_F__COUNT a program was built with). Thread-safe.
 * Since: 0.1 */
unsigned int tstats_field_count(void);

/* The row for a field id, or NULL if field >= tstats_field_count(). The row
 * and its strings are the library's, static and constant: never free them.
 * Thread-safe. Since: 0.1 */
const struct tstats_field_info *tstats_field_info(unsigned int field);

/* The field id with that name (exact, case-sensitive), or -ENOENT for an
 * unknown name, -EINVAL for NULL. Thread-safe. Since: 0.1 */
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

/* Number of delay classes of the running library. Thread-safe.
 * Since: 0.1 */
unsigned int tstats_delay_class_count(void);

/* The class at index (0 is "cpu"), or NULL if index >=
 * tstats_delay_class_count(). Static and constant, like the field table.
 * Thread-safe. Since: 0.1 */
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
	/* Delivered by an exit listener: the task has exited, the values
	 * are final (struct tstats_listener). */
	TSTATS_RECORD_EXIT = 1u << 3,
	/* Exit listener: the whole thread group has exited with this task.
	 * Set on the PID record of the last thread of every group (the
	 * kernel's AGROUP, single-threaded processes included) and on the
	 * TGID record that follows it for multi-threaded groups. */
	TSTATS_RECORD_GROUP_EXIT = 1u << 4,
	/* A TGID record in which the kernel counted no thread: every value
	 * but the version is 0. The kernel sums the live threads (and, for
	 * multi-threaded groups, the totals it kept of exited ones), so
	 * this is a group whose threads have all exited: a zombie process,
	 * not yet reaped. Its last thread's PID record still has its final
	 * values; tstats_query_process() uses them. Since: 0.1 */
	TSTATS_RECORD_EMPTY_GROUP = 1u << 5,
};

/*
 * A decoded record. Plain data: a field is present when its bit is set in
 * present[] (use tstats_record_has()); an absent field is not zero, it is
 * unknown (the kernel's version or payload did not carry it, or the kernel
 * does not fill it for this kind of record).
 *
 * Its size is frozen at 1104 bytes: it never changes, in any release.
 * Callers allocate arrays of it for tstats_query_batch(), and a program
 * built against an older header must index them with the same stride.
 * New fields take free slots of value[] (TSTATS_FIELD_CAPACITY), never
 * new members.
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

/* 1 if the field is present in the record, 0 if absent or unknown (also
 * for rec NULL or a field id out of range). Thread-safe. Since: 0.1 */
int tstats_record_has(const struct tstats_record *rec, unsigned int field);

/* Reads a numeric field into *ret, in the unit of its table row. Returns
 * 0, -ENODATA if the field is absent, -EINVAL if rec or ret is NULL or
 * field is not a numeric field id (TSTATS_F_COMM included). *ret is
 * written only on success. Thread-safe. Since: 0.1 */
int tstats_record_get(const struct tstats_record *rec, unsigned int field,
		      uint64_t *ret);

/* The task's command name (raw bytes, NUL-terminated, untrusted: any
 * process chooses its own), or NULL when absent. Points into rec. For
 * text to show or serialise, use tstats_record_comm_text().
 * Thread-safe. Since: 0.1 */
const char *tstats_record_comm(const struct tstats_record *rec);

/* Flags for tstats_record_comm_text() */
#define TSTATS_TEXT_ESCAPE 0x1u	/* safe to print on a terminal (see below) */

/* Room for any tstats_record_comm_text() result, the NUL included: each of
 * the 39 bytes a comm can have written as \xNN. */
#define TSTATS_COMM_TEXT_MAX 157

/*
 * Copies the record's command name into buf[size] as text, NUL-terminated:
 *   flags 0             valid UTF-8: each invalid byte sequence becomes
 *                       U+FFFD, everything else is copied. For JSON,
 *                       Prometheus labels, Go, Python or Rust strings (each
 *                       still applies its own quoting).
 *   TSTATS_TEXT_ESCAPE  printable: a backslash becomes \\, and every byte
 *                       of a control character (C0, DEL, C1), of a
 *                       bidirectional mark or override, or of an invalid
 *                       sequence becomes \xNN; the rest is valid UTF-8 and
 *                       copied. For terminals and logs.
 * Returns the length written (without the NUL), or
 *   -ENODATA  the record has no comm (kernel TGID records),
 *   -ENOBUFS  size is too small (TSTATS_COMM_TEXT_MAX always suffices;
 *             buf then holds ""),
 *   -EINVAL   rec or buf NULL, size 0, or an unknown flag.
 * Pure, thread-safe, no allocation. Since: 0.1
 */
int tstats_record_comm_text(const struct tstats_record *rec, unsigned int flags,
			    char *buf, size_t size);

/*
 * The same conversion for any untrusted bytes (a command line, a path, a
 * name read from /proc): len bytes at bytes, NUL bytes included, into
 * buf[size] as tstats_record_comm_text() describes for flags. 4 * len + 1
 * bytes always suffice. Returns the length written (without the NUL), or
 * -ENOBUFS (buf then holds ""), or -EINVAL (bytes NULL with len > 0, buf
 * NULL, size 0 or above INT32_MAX, an unknown flag).
 * Pure, thread-safe, no allocation. Since: 0.1
 */
int tstats_text(const void *bytes, size_t len, unsigned int flags, char *buf, size_t size);

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
 * Thread-safe. Since: 0.1
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
 * -ENOENT here means "no family", not a missing file: bindings that map
 * errno values to exceptions should say so. *ret is written only on
 * success; the caller owns the context and frees it with
 * tstats_ctx_free(). Opening needs no privilege; queries need
 * CAP_NET_ADMIN (-EPERM).
 * Thread-safe: each call makes its own context. Since: 0.1
 */
struct tstats_ctx;

int tstats_ctx_new(struct tstats_ctx **ret);

/* Closes the socket and frees the context and its buffers. NULL is
 * accepted.
 * Threads: one at a time per context. Since: 0.1 */
void tstats_ctx_free(struct tstats_ctx *ctx);

/* How long a query waits for the kernel's answer before -ETIMEDOUT.
 * Default 5000 ms. Returns 0, or -EINVAL (ctx NULL, msec 0), or an -errno
 * of setsockopt(2).
 * Threads: one at a time per context. Since: 0.1 */
int tstats_ctx_set_timeout(struct tstats_ctx *ctx, unsigned int msec);

/* The TASKSTATS generic-netlink family id resolved for this context (> 0),
 * or -EINVAL for NULL.
 * Threads: one at a time per context. Since: 0.1 */
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
 * *ret is written only on success. Allocates nothing, except to grow the
 * context's receive buffer the first time a reply does not fit it.
 * Threads: one at a time per context. Since: 0.1
 */
int tstats_query(struct tstats_ctx *ctx, unsigned int kind, uint32_t id,
		 struct tstats_record *ret);

/*
 * State of delay accounting (sysctl kernel.task_delayacct): 1 on, 0 off,
 * -ENOENT if the kernel has no such switch (before 5.14: on unless booted
 * with nodelayacct), or another -errno. Tasks started while it was off
 * report most delay classes as 0 for their whole life. Reads
 * /proc/sys/kernel/task_delayacct; thread-safe. Since: 0.1
 */
int tstats_delayacct_state(void);

/*
 * Exit events
 *
 * A listener registers with the kernel for the exits of every task on a
 * set of CPUs and receives one message per exiting task: a PID record
 * (struct tstats_record, kind TSTATS_KIND_PID) and, when the last thread
 * of a multi-threaded group exits, a TGID record (TSTATS_KIND_TGID: the
 * group's summed delays, times and context switches) right after it.
 * Both carry TSTATS_RECORD_EXIT; TSTATS_RECORD_GROUP_EXIT marks the end
 * of a whole thread group. The kernel sends each exit to the listeners
 * of the CPU where the task exited, so the default set is every
 * *possible* CPU (/sys/devices/system/cpu/possible), not only the online
 * ones: a CPU brought online later is covered from the start.
 *
 * The application owns the loop: poll tstats_listener_fd() for POLLIN and
 * call tstats_listener_dispatch(), which never blocks; or let
 * tstats_listener_run() do both.
 *
 * Nothing is lost silently. The kernel drops exit messages when the
 * listener's socket receive buffer is full (it cannot wait for a slow
 * reader); each such overflow, each message larger than the library's
 * buffer and each message that cannot be parsed is counted
 * (tstats_listener_stats()) and reported in order with the records:
 * through the loss callback, or, without one, as the return value of the
 * dispatch call. Size the buffer for bursts: tstats_listener_set_rcvbuf().
 *
 * Requirements (Linux): CAP_NET_ADMIN, the initial user and PID
 * namespaces (the kernel answers EINVAL otherwise), and the initial
 * network namespace (the kernel sends exit events only there: a listener
 * in another network namespace registers but receives nothing).
 * Threads: a listener may be used by one thread at a time. Processes: a
 * forked child shares the parent's socket and registration; it must not
 * call tstats_listener_free() (that would deregister the parent).
 */
struct tstats_listener;

/*
 * Checks a cpulist in the kernel's syntax: comma-separated CPU numbers
 * and ranges, "0-3,7", a range optionally strided as "0-15:2/4" (the
 * first 2 of every 4); any number may be "N", the last possible CPU, and
 * "all" is "0-N". Whitespace and empty entries are skipped.
 * Returns the number of CPUs named (> 0), or
 *   -EINVAL  bad syntax, or no CPU at all (also for cpulist NULL),
 *   -ERANGE  a CPU that is not possible on this machine,
 *   -ENOMEM.
 * tstats_listener_new() makes the same checks; calling this first tells
 * its syntax errors apart from the kernel's namespace EINVAL. Needs no
 * privilege.
 * Thread-safe. Since: 0.1
 */
int tstats_cpulist_check(const char *cpulist);

/*
 * Opens a listener and registers it for the exits on the CPUs of cpulist
 * (NULL: every possible CPU). The request asks for the kernel's ACK, so a
 * refused registration fails here. Returns 0 and a listener in *ret, or
 *   -EINVAL           cpulist syntax (checked before the kernel is
 *                     asked, see tstats_cpulist_check()), or, from the
 *                     kernel for a valid cpulist: the caller is not in
 *                     the initial user and PID namespaces,
 *   -ERANGE           a CPU in cpulist is not possible on this machine,
 *   -EPERM            the caller lacks CAP_NET_ADMIN (in the initial
 *                     user namespace),
 *   -ENETUNREACH      the kernel accepted the registration, but the
 *                     caller is not in the initial network namespace,
 *                     where alone the kernel sends exit events (told by
 *                     /proc/self/ns/net: since Linux 6.18 always, before
 *                     only with access to PID 1's, as root),
 *   -ENOENT           the kernel has no TASKSTATS family,
 *   -ETIMEDOUT        the kernel did not answer within 5 s,
 *   -ENOMEM, or another -errno from the kernel or the socket.
 * Exits that the kernel sent between registering and its ACK are kept and
 * delivered by the first dispatch. The caller owns the listener: free it
 * with tstats_listener_free().
 * Thread-safe: each call makes its own listener. Since: 0.1
 */
int tstats_listener_new(const char *cpulist, struct tstats_listener **ret);

/*
 * Deregisters (without waiting for an answer; if the caller has meanwhile
 * lost CAP_NET_ADMIN, the kernel forgets the closed socket at its next
 * exit event), closes the socket and frees the listener. Records not yet
 * dispatched are discarded. NULL is accepted.
 * Threads: one at a time per listener. Since: 0.1
 */
void tstats_listener_free(struct tstats_listener *l);

/*
 * The CPUs the listener is registered for, as the canonical cpulist that
 * was sent to the kernel ("0-3,7"). Owned by the listener, valid until it
 * is freed; NULL if l is NULL.
 * Threads: one at a time per listener. Since: 0.1
 */
const char *tstats_listener_cpulist(const struct tstats_listener *l);

/*
 * Sets the socket's receive buffer, which holds the exit messages the
 * application has not read yet (each takes about twice its 600 or 1200
 * bytes of kernel memory). Uses SO_RCVBUFFORCE, which needs CAP_NET_ADMIN,
 * else SO_RCVBUF, which the kernel caps at net.core.rmem_max.
 * Returns the size in effect in bytes as the kernel reports it (twice
 * the request, for the kernel's bookkeeping; compare it with 2 * bytes to
 * see a cap), or -EINVAL (bytes <= 0), or another -errno.
 * Threads: one at a time per listener. Since: 0.1
 */
int tstats_listener_set_rcvbuf(struct tstats_listener *l, int bytes);

/*
 * The descriptor to watch for POLLIN (poll, epoll, an event loop), owned
 * by the listener: never read from it or close it. POLLERR on it means an
 * overflow is pending: dispatch. Returns the fd, or -EINVAL.
 * Threads: one at a time per listener. Since: 0.1
 */
int tstats_listener_fd(const struct tstats_listener *l);

/*
 * Called with each record, in the order the kernel sent them (per CPU).
 * rec is valid only during the call: copy it to keep it. Return 0 to go
 * on, > 0 to stop (dispatch returns), < 0 to abort (dispatch returns that
 * value). Either way, records already received (such as the TGID record
 * after a PID record that said stop) stay queued in the listener, not in
 * the socket: call dispatch again before waiting on the fd. Since: 0.1
 */
typedef int (*tstats_record_fn)(const struct tstats_record *rec, void *userdata);

/* Why exit events were lost (tstats_loss_fn). */
enum tstats_loss_cause {
	/* The socket's receive buffer overflowed: the kernel dropped one
	 * or more exit messages (how many: tstats_listener_stats().dropped).
	 * Listening goes on. Without a loss callback: -ENOBUFS. */
	TSTATS_LOSS_OVERFLOW = 1,
	/* An exit message was larger than the library's buffer and is
	 * lost; the buffer has grown to fit the next one. Without a loss
	 * callback: -EMSGSIZE. */
	TSTATS_LOSS_TRUNCATED = 2,
	/* An exit message could not be parsed and is lost. Without a loss
	 * callback: -EBADMSG. */
	TSTATS_LOSS_MALFORMED = 3,
};

/*
 * Called for each loss, in order with the records around it. cause is an
 * enum tstats_loss_cause; count is the listener's counter for that cause
 * after this loss (overflows, truncated or malformed). Returns like
 * tstats_record_fn. Since: 0.1
 */
typedef int (*tstats_loss_fn)(unsigned int cause, uint64_t count, void *userdata);

/*
 * Delivers everything pending without blocking: records queued by an
 * earlier stop, then every message the socket holds, until none is left
 * or a callback stops or aborts. fn is required; loss may be NULL, and
 * then a loss ends the call with -ENOBUFS, -EMSGSIZE or -EBADMSG after
 * the records before it were delivered (the next call carries on after
 * it). Sequence numbers are not checked (the kernel numbers exit messages
 * per CPU). Returns the number of records delivered (also when a callback
 * stopped), or the negative value a callback returned, or a loss's -errno
 * as above, or -EINVAL, -ENOMEM, or another -errno from the socket.
 * Records delivered are counted in tstats_listener_stats() whatever the
 * return value. A callback must not free the listener or dispatch it
 * again.
 * Threads: one at a time per listener. Since: 0.1
 */
int tstats_listener_dispatch(struct tstats_listener *l, tstats_record_fn fn,
			     tstats_loss_fn loss, void *userdata);

/*
 * A blocking loop over poll(2) and tstats_listener_dispatch(): waits for
 * and delivers exits until a callback stops or aborts, or timeout_ms has
 * passed (< 0: no limit; 0: dispatch what is pending and return).
 * Returns the number of records delivered (capped at INT_MAX), or what
 * tstats_listener_dispatch() would return on failure, or -EINTR when a
 * signal interrupted the wait (records delivered before it are in the
 * stats).
 * Threads: one at a time per listener. Since: 0.1
 */
int tstats_listener_run(struct tstats_listener *l, int timeout_ms, tstats_record_fn fn,
			tstats_loss_fn loss, void *userdata);

/* Counters of a listener since it was opened. */
struct tstats_listener_stats {
	uint64_t messages;	/* exit messages received and parsed */
	uint64_t records;	/* records delivered to the record callback */
	uint64_t overflows;	/* receive buffer overflows (ENOBUFS) seen */
	uint64_t truncated;	/* messages lost to a too small buffer */
	uint64_t malformed;	/* messages lost as unparsable */
	/* Exit messages the kernel dropped for this socket (its sk_drops,
	 * read from /proc/net/netlink when the stats are taken), or
	 * UINT64_MAX if unknown. Drops are counted by the kernel the moment
	 * they happen, overflows when the next read reports them. */
	uint64_t dropped;
	uint64_t reserved[4];	/* 0 */
};

/*
 * Copies the listener's counters to *ret. Can be called at any time,
 * also from a callback. Returns 0 or -EINVAL.
 * Threads: one at a time per listener. Since: 0.1
 */
int tstats_listener_stats(const struct tstats_listener *l,
			  struct tstats_listener_stats *ret);

/*
 * Batched queries
 *
 * Many tasks in one call: the library writes many requests into one
 * send(2), which the kernel answers one after the other before the send
 * returns, and drains the answers with large receives (recvmmsg(2)). This
 * takes out the send/receive ping-pong of one tstats_query() per task.
 *
 * The kernel cannot hold the answers of an arbitrarily large batch: each
 * one takes about 1.3 KB of the socket's receive buffer, and answers that
 * do not fit are dropped (ENOBUFS). The library therefore sends a batch in
 * chunks sized from the socket's SO_RCVBUF, so that a chunk's answers
 * always fit; any number of ids is fine. (On first use it asks for a
 * 96 KiB buffer, room for about 76 answers per chunk, unless the socket
 * already has more.) Should an answer be lost anyway
 * (a reply larger than expected), the library asks for that id again.
 *
 * Each id gets its own result: an error that concerns one task (-ESRCH:
 * it exited meanwhile, or never existed) is reported for that id only and
 * never fails the call. Errors that concern the whole call (-EPERM, a
 * timeout, a socket error) fail it.
 *
 * In steady state no call here allocates: the context keeps its buffers
 * between calls (they are sized on first use, and grow only if the
 * kernel's answers do).
 */

/*
 * Queries n tasks of one kind (TSTATS_KIND_PID: each id is a thread;
 * TSTATS_KIND_TGID: each id names a whole thread group). For each i,
 * errs[i] gets 0 and recs[i] the record, or errs[i] gets the id's error
 * (-ESRCH: no such task; -EBADMSG: its reply was malformed) and recs[i]
 * is left untouched. ids may repeat; n may be 0.
 * Returns the number of records filled (errs[i] == 0), or for a failure
 * of the whole call:
 *   -EINVAL     bad arguments (NULL arrays with n > 0, unknown kind,
 *               n > INT_MAX),
 *   -EPERM      the caller lacks CAP_NET_ADMIN,
 *   -ETIMEDOUT  the kernel did not answer within the context's timeout,
 *   -ENOBUFS    answers kept being dropped although asked for again
 *               (-EMSGSIZE: kept arriving truncated),
 *   -ENOMEM, or another -errno from the socket.
 * After a failure of the whole call, recs[] and errs[] may be partly
 * written. ids, recs and errs are the caller's; none is kept.
 * Threads: as every call on a context (one thread at a time).
 * Since: 0.1
 */
int tstats_query_batch(struct tstats_ctx *ctx, unsigned int kind, const uint32_t *ids,
		       size_t n, struct tstats_record *recs, int *errs);

/*
 * Called by tstats_query_each() once per id with the id as given, 0 and
 * its record, or the id's error (as errs[i] of tstats_query_batch()) and
 * rec NULL. rec is owned by the context and valid only during the call:
 * copy it to keep it. Return 0 to go on, > 0 to stop, < 0 to abort.
 * Since: 0.1
 */
typedef int (*tstats_item_fn)(uint32_t id, int error, const struct tstats_record *rec,
			      void *userdata);

/*
 * Queries n tasks of one kind like tstats_query_batch(), handing each
 * result to fn(..., userdata) instead of an array: no room for n records
 * is needed. Results arrive in the order of ids, except for an id asked
 * again after a lost answer, which comes later. fn must not use ctx.
 * Returns the number of records passed to fn (calls with error 0; also
 * when fn stopped early), the negative value fn returned to abort, or a
 * failure of the whole call as tstats_query_batch().
 * Threads: one at a time per context. Since: 0.1
 */
int tstats_query_each(struct tstats_ctx *ctx, unsigned int kind, const uint32_t *ids,
		      size_t n, tstats_item_fn fn, void *userdata);

/*
 * Enumeration
 *
 * Lists the tasks visible in /proc: every thread (TSTATS_KIND_PID) or
 * every process (TSTATS_KIND_TGID), grouped by process in /proc's order.
 * Up to cap ids are written to ids. Returns the number of tasks found,
 * which may exceed cap: then only the first cap are in ids and the call
 * should be repeated with an array of at least that size (plus a margin:
 * tasks come and go). Returns -EINVAL for a bad kind or ids NULL with
 * cap > 0, or -errno if /proc cannot be read (-ENOENT: not mounted).
 * Tasks that exit during the scan may be listed or not; those are later
 * answered with -ESRCH. The ids are those of /proc's PID namespace, which
 * is normally the caller's (the one taskstats queries use).
 * Uses no heap memory; needs no privilege; thread-safe.
 * Since: 0.1
 */
int tstats_list_tasks(unsigned int kind, uint32_t *ids, size_t cap);

/*
 * Interval rates
 *
 * tstats_rates() compares two records of the same task taken interval_ns
 * apart and gives, for every counter field (a field that only grows over a
 * task's life: times, counts, bytes; not identities, peaks such as
 * hiwater_rss, delay maxima/minima or elapsed times), its increase and
 * its increase per second, plus CPU and delay percentages.
 */
#define TSTATS_RATES_DELAY_CAPACITY 16

/* struct tstats_rates.summary_valid */
enum tstats_rates_valid {
	TSTATS_RATES_CPU = 1u << 0,	/* cpu_pct */
	TSTATS_RATES_USER = 1u << 1,	/* user_pct */
	TSTATS_RATES_SYSTEM = 1u << 2,	/* system_pct */
};

struct tstats_rates {
	uint64_t interval_ns;	/* as given */
	/* Per field id: bit set when delta/per_sec hold a value, i.e. the
	 * field is a counter present in both records that did not go
	 * backwards. */
	uint64_t valid[TSTATS_FIELD_CAPACITY / 64];
	/* Per field id: the counter went backwards (a kernel delay total
	 * that overflowed and restarted from 0, or a thread-group total
	 * that lost an exited thread). No delta is given for it. */
	uint64_t backwards[TSTATS_FIELD_CAPACITY / 64];
	uint64_t delta[TSTATS_FIELD_CAPACITY];	 /* after - before, in the field's unit */
	double per_sec[TSTATS_FIELD_CAPACITY];	 /* delta per second of interval */
	uint32_t summary_valid;	/* enum tstats_rates_valid */
	uint32_t delay_valid;	/* bit i: delay_pct[i] holds a value */
	/* CPU time used in the interval as a percentage of it (100: one CPU
	 * busy throughout; a thread group can exceed 100). From
	 * cpu_run_virtual_total (ns), or utime + stime if it is absent. */
	double cpu_pct;
	double user_pct;	/* from utime */
	double system_pct;	/* from stime */
	/* Delay, indexed like tstats_delay_class(): time spent waiting in
	 * that class as a percentage of the interval (a thread group can
	 * exceed 100: its threads wait in parallel). */
	double delay_pct[TSTATS_RATES_DELAY_CAPACITY];
};

/*
 * Fills *ret with the differences between two records of the same task
 * (same kind and id) taken interval_ns (CLOCK_MONOTONIC) apart; before
 * must be the older one. Returns 0, or
 *   -ESTALE  after is not the task of before: the id was reused by a task
 *            that started later. Detected by the start time (btime64, or
 *            btime: more than 1 s apart) and by the task's age (etime for
 *            PID records, tgetime for process views): younger than
 *            before, or younger than the interval (by more than 1/8 of
 *            it, the margin for the caller's timing).
 *            Kernel TGID records carry neither, so a reused TGID is
 *            caught only in process views (tstats_query_process()).
 *   -EINVAL  NULL pointers, interval_ns 0, or records of different kinds
 *            or ids.
 * Pure: no I/O, no allocation; *ret is written only on success.
 * Since: 0.1
 */
int tstats_rates(const struct tstats_record *before, const struct tstats_record *after,
		 uint64_t interval_ns, struct tstats_rates *ret);

/*
 * One field of a struct tstats_rates: *delta and *per_sec (either may be
 * NULL) are written when it returns 0. Returns -ENODATA if the field is
 * not a counter or was absent, -ERANGE if it went backwards, -EINVAL for
 * bad arguments.
 * Thread-safe. Since: 0.1
 */
int tstats_rates_get(const struct tstats_rates *rates, unsigned int field,
		     uint64_t *delta, double *per_sec);

/*
 * Process view
 *
 * The kernel's TGID record sums delays, CPU times, elapsed times and
 * context switches over a thread group, including threads that have
 * exited; it leaves out I/O, page faults and memory integrals, and all
 * identity fields. A process view completes it: those counters are summed
 * over the group's live threads (per-thread PID records), and identity
 * and peak fields come from the thread group leader's PID record.
 * Note: the I/O and faults of threads that have exited are lost to
 * taskstats (/proc/PID/io keeps them), so thread sums can only grow while
 * threads live and drop when one exits.
 */
enum tstats_source {
	TSTATS_SOURCE_NONE = 0,		/* absent */
	TSTATS_SOURCE_TGID = 1,		/* the kernel's TGID total */
	TSTATS_SOURCE_THREAD_SUM = 2,	/* summed over live threads by the library */
	TSTATS_SOURCE_LEADER = 3,	/* the group leader's own record */
	/* The longest (*_delay_max, with its *_delay_max_ts) or shortest
	 * non-zero (*_delay_min) over the live threads. Since: 0.1 */
	TSTATS_SOURCE_THREAD_EXTREME = 4,
};

struct tstats_process {
	/* kind TSTATS_KIND_TGID, id the TGID; version, payload_len and
	 * flags those of the kernel's TGID record. */
	struct tstats_record rec;
	/* Where each present field of rec came from, one bit per field id
	 * in exactly one of these (tstats_process_source() reads them). */
	uint64_t from_tgid[TSTATS_FIELD_CAPACITY / 64];
	uint64_t from_threads[TSTATS_FIELD_CAPACITY / 64]; /* sum or extreme */
	uint64_t from_leader[TSTATS_FIELD_CAPACITY / 64];
	uint32_t threads;	/* live threads summed */
	uint32_t reserved;
};

/*
 * Builds the process view of the thread group tgid (any thread id of the
 * group is accepted and resolved to its leader through the ac_tgid field)
 * into *ret: one TGID query, one PID query for the leader and a batch of
 * PID queries over /proc/TGID/task. Threads that exit meanwhile are left
 * out of the sums. Returns 0, or
 *   -ESRCH  no such process,
 *   other errors as tstats_query_batch().
 * *ret is written only on success. No allocation in steady state (the
 * context keeps a thread list that grows to the largest group seen).
 * Since: 0.1
 */
int tstats_query_process(struct tstats_ctx *ctx, uint32_t tgid, struct tstats_process *ret);

/* Where field f of a process view came from (enum tstats_source); NONE
 * for absent fields and bad arguments.
 * Thread-safe. Since: 0.1 */
int tstats_process_source(const struct tstats_process *p, unsigned int field);

/*
 * cgroupstats
 *
 * How many tasks of one cgroup are in each scheduler state, counted by the
 * kernel at the moment of the query (CGROUPSTATS_CMD_GET). Only the tasks
 * directly in that cgroup count, not those of its descendants. The kernel
 * answers this only for directories of cgroup v1 hierarchies (a v1
 * controller such as cpu, or a named hierarchy such as name=systemd); for
 * cgroup v2 (the unified hierarchy) it refuses with EINVAL, which the
 * library reports as -EOPNOTSUPP. No privilege is needed.
 */
struct tstats_cgroupstats {
	uint64_t nr_sleeping;		/* interruptible sleep (S) */
	uint64_t nr_running;		/* running or runnable (R) */
	uint64_t nr_stopped;		/* stopped by a signal (T), not traced */
	uint64_t nr_uninterruptible;	/* uninterruptible sleep (D) */
	/* In any other state (e.g. TASK_IDLE, killable sleep) and waiting
	 * for I/O. A D-state task waiting for I/O is counted above only. */
	uint64_t nr_io_wait;
	/* Bytes of the kernel's struct cgroupstats received: 40 on every
	 * kernel so far; bytes past 40 (fields this build does not know)
	 * are ignored. A shorter payload fails the query (-EBADMSG). */
	uint32_t payload_len;
	uint32_t reserved;		/* 0 */
};

/*
 * Counts the tasks of the cgroup directory path (opened with O_RDONLY |
 * O_DIRECTORY | O_CLOEXEC and closed before returning) into *ret. Uses the
 * context's socket, buffer and timeout; the request asks for the kernel's
 * ACK, so the call never waits past the reply. Returns 0, or
 *   -EOPNOTSUPP  path is on cgroup v2 ("cgroupstats works only on cgroup
 *                v1 hierarchies"),
 *   -EINVAL      path is a directory outside any cgroup file system (the
 *                kernel's answer), or ctx/path/ret NULL,
 *   -ENOENT, -ENOTDIR, -EACCES ...  from open(2),
 *   -ENOENT      also: the cgroup was removed meanwhile (the kernel's),
 *   -ETIMEDOUT   no answer within the context's timeout,
 *   -EBADMSG     a malformed answer, or another -errno from the kernel
 *                or the socket.
 * *ret is written only on success. path is not kept. Threads: as every
 * call on a context (one thread at a time). Since: 0.1
 */
int tstats_query_cgroup(struct tstats_ctx *ctx, const char *path,
			struct tstats_cgroupstats *ret);

/*
 * The same for a directory the caller has opened: fd stays the caller's
 * (not closed, not kept). The kernel resolves fd in the calling process's
 * descriptor table while handling the request. Returns as
 * tstats_query_cgroup(), and
 *   -EBADF    fd is not an open descriptor (fd < 0, or the kernel found
 *             no file: it then sends only its ACK), or was opened with
 *             O_PATH (the kernel does not look at those),
 *   -ENOTDIR  fd is not a directory (the kernel's EINVAL, told apart).
 * Threads: one at a time per context. Since: 0.1
 */
int tstats_query_cgroup_fd(struct tstats_ctx *ctx, int fd, struct tstats_cgroupstats *ret);

/*
 * Monitor: exact interval accounting
 *
 * A monitor follows tasks over time and accounts for every one of them,
 * including those that exit between two samples: the kernel hands each
 * thread's final record to exit listeners, and the monitor adds it to the
 * interval in which the thread exited. Over any interval, the counters of
 * the tasks it follows (CPU time, I/O bytes, faults, context switches,
 * delays: every TSTATS_FIELD_COUNTER field) add up to what those tasks
 * did in it, live tasks' increases plus the final values of tasks that
 * exited, also of tasks born and gone within the interval.
 *
 * It owns a query context and an exit listener, opened by
 * tstats_monitor_new() before its first sample. The application owns the
 * loop: it calls tstats_monitor_tick() at each interval's end, and
 * tstats_monitor_dispatch() whenever tstats_monitor_fd() is readable in
 * between (so that a burst of exits does not overflow the socket), then
 * reads the interval with tstats_monitor_foreach() at four levels:
 * threads, processes (every thread of a thread group, the exited ones
 * included: the kernel's TGID record leaves out I/O and faults), groups of
 * processes (by command name, user, cgroup or a key of the caller's), and
 * one total.
 *
 * Tasks are kept per (thread id, start time): a reused id is a new task,
 * never compared with its predecessor. A task is dropped once its final
 * record has been accounted for. An interval is "complete" when nothing
 * was lost; exit messages the kernel dropped (a full receive buffer) or a
 * followed task that vanished without a final record make it incomplete,
 * with counts (struct tstats_monitor_stats), never silently wrong.
 *
 * Every counter the monitor derives only grows: a thread's exit moves its
 * final values into its process's share; it never makes a total go down.
 *
 * Requirements: those of an exit listener (CAP_NET_ADMIN, the initial
 * user, PID and network namespaces) and /proc. Memory: about 2 KiB per
 * followed thread, plus the threads that exited in one interval, plus the
 * groups (kept for the monitor's life; bounded with max_groups). No
 * allocation per tick in steady state beyond new tasks.
 * Threads: a monitor may be used by one thread at a time.
 */
struct tstats_monitor;

/* What tstats_monitor_set_group_by() folds processes by. */
enum tstats_group_by {
	TSTATS_GROUP_BY_NONE = 0,	/* no groups (the default) */
	TSTATS_GROUP_BY_COMM,		/* command name of the process (raw bytes) */
	TSTATS_GROUP_BY_USER,		/* real uid, as decimal text */
	/* The cgroup v2 path ("/system.slice/foo.service") from
	 * /proc/TGID/cgroup, read when the process is first seen; a process
	 * that lived and died between two samples takes its parent's (a
	 * child starts in its parent's cgroup). "" where unknown (cgroup v1
	 * only, or the process and its parent gone). */
	TSTATS_GROUP_BY_CGROUP,
	TSTATS_GROUP_BY_KEY,		/* the key function of tstats_monitor_tick() */
};

/*
 * Opens a monitor: a query context and an exit listener on cpulist (NULL:
 * every possible CPU, see tstats_listener_new()). It follows every task
 * on the machine until tstats_monitor_watch() narrows it. Returns 0 and
 * the monitor in *ret, or the errors of tstats_ctx_new() and
 * tstats_listener_new() (-EPERM without CAP_NET_ADMIN, -ENOENT without a
 * TASKSTATS family, -EINVAL outside the initial namespaces), -ENOMEM.
 * The caller owns the monitor: free it with tstats_monitor_free().
 * Thread-safe: each call makes its own monitor. Since: 0.2
 */
int tstats_monitor_new(const char *cpulist, struct tstats_monitor **ret);

/* Deregisters the listener, closes both sockets and frees everything.
 * NULL is accepted. Threads: one at a time per monitor. Since: 0.2 */
void tstats_monitor_free(struct tstats_monitor *m);

/*
 * Follows only the thread group tgid (and, with every call, one more):
 * its threads, live and exiting, those it starts later included. Other
 * tasks' exits are passed over. A group watched after the first tick is
 * taken from its next sample on (its past is not counted). Returns 0,
 * -EINVAL (m NULL, tgid 0), -ENOMEM.
 * Threads: one at a time per monitor. Since: 0.2
 */
int tstats_monitor_watch(struct tstats_monitor *m, uint32_t tgid);

/*
 * Sets how processes are grouped (enum tstats_group_by) from the next tick
 * on, and the most groups kept (0: no limit): processes that would open
 * a group past the limit are counted in one group flagged
 * TSTATS_ROW_OTHER instead, so that the number of groups is bounded. A
 * group, once opened, is kept for the monitor's life, so that its totals
 * never go down. Returns 0 or -EINVAL (m NULL, an unknown by, or a change
 * of by after the first tick).
 * Threads: one at a time per monitor. Since: 0.2
 */
int tstats_monitor_set_group_by(struct tstats_monitor *m, unsigned int by,
				unsigned int max_groups);

/* The exit listener's receive buffer, as tstats_listener_set_rcvbuf().
 * Threads: one at a time per monitor. Since: 0.2 */
int tstats_monitor_set_rcvbuf(struct tstats_monitor *m, int bytes);

/* The descriptor to watch for POLLIN between ticks (the exit listener's,
 * owned by the monitor: never read or close it); when readable, call
 * tstats_monitor_dispatch(). Returns the fd or -EINVAL.
 * Threads: one at a time per monitor. Since: 0.2 */
int tstats_monitor_fd(const struct tstats_monitor *m);

/*
 * Writes the group key of a process (TSTATS_GROUP_BY_KEY) into buf[size]
 * (size is 4096), NUL-terminated; rec is the record of its group leader
 * (or of another of its threads when the leader is gone), valid during
 * the call. Called from tstats_monitor_tick() when a process is first seen
 * and again when its command name changes (an exec). Returns >= 0, or
 * < 0 to count the process in the TSTATS_ROW_OTHER group. userdata comes
 * last, as given to the tick: a cgo.Handle fits.
 */
typedef int (*tstats_group_key_fn)(const struct tstats_record *rec, char *buf, size_t size,
				   void *userdata);

/*
 * Takes the exit messages pending now, without blocking, into the
 * coming interval. Returns the number of exit records taken, or an
 * -errno of the socket (losses are counted, not returned: see
 * tstats_monitor_stats()). The last interval's rows stay readable until
 * the next dispatch or tick.
 * Threads: one at a time per monitor. Since: 0.2
 */
int tstats_monitor_dispatch(struct tstats_monitor *m);

/*
 * Ends an interval: lists the followed threads in /proc, queries them in
 * one batch, takes the pending exit messages and closes the interval.
 * The first tick only takes the baseline and returns 0; every later one
 * returns 1 with an interval to read. Or returns a negative errno: -EPERM,
 * -ETIMEDOUT and the other errors of a batch (tstats_query_batch()),
 * -errno from /proc, -ENOMEM; the interval is then left open and the next
 * tick closes it. key and userdata serve TSTATS_GROUP_BY_KEY (else NULL);
 * nothing is kept past the call.
 * Threads: one at a time per monitor. Since: 0.2
 */
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
	/* A thread that vanished without a final record (its exit message
	 * was dropped): its last increase is unknown. */
	TSTATS_ROW_LOST = 1u << 2,
	/* The group of processes past max_groups (or whose key function
	 * failed); its key is "". */
	TSTATS_ROW_OTHER = 1u << 3,
};

/*
 * One thread, process, group or the total over the last interval. Valid
 * only during the tstats_monitor_foreach() callback (copy what you keep).
 */
struct tstats_monitor_row {
	uint32_t level;		/* enum tstats_level */
	/* Thread: its id; process: its TGID; group: an index, the same for
	 * the monitor's life; total: 0. */
	uint32_t id;
	uint32_t tgid;		/* thread and process: the TGID; else 0 */
	uint32_t flags;		/* enum tstats_row_flag */
	/* Live at the interval's end, and started and exited in it: threads
	 * (a thread row counts itself), and processes (process, group and
	 * total rows). */
	uint32_t threads, threads_started, threads_exited;
	uint32_t processes, processes_started, processes_exited;
	/* Group: its key (raw bytes, NUL-terminated, untrusted: a command
	 * name or a cgroup path is chosen by users; see tstats_text()).
	 * NULL for the other levels. */
	const char *key;
	/* Thread: its newest record, the final one if it exited. Process:
	 * its group leader's (another thread's once the leader is gone),
	 * for identity (comm, uid, ppid...) and peaks; its counters are the
	 * leader's alone. NULL for groups and the total. */
	const struct tstats_record *rec;
	/* The interval: rates.interval_ns its length; rates.delta[] and
	 * per_sec[] every counter field's increase in it, summed over the
	 * row's threads (rates.valid says which fields have one). */
	struct tstats_rates rates;
	/* The same counters summed since the monitor started following the
	 * row (since its start, for a task started since): they never go
	 * down. Valid where total_valid says: a counter once valid stays so,
	 * also in an interval in which the row had no task (a group whose
	 * processes have all exited keeps its totals). */
	uint64_t total[TSTATS_FIELD_CAPACITY];
	uint64_t total_valid[TSTATS_FIELD_CAPACITY / 64];
};

/*
 * Called once per row. Return 0 to go on, > 0 to stop, < 0 to abort.
 * Must not call into the monitor.
 */
typedef int (*tstats_row_fn)(const struct tstats_monitor_row *row, void *userdata);

/*
 * Calls fn for every row of level of the last interval: every followed
 * thread or process, those that started or exited in it included (in no
 * particular order), or every group, or the one total. Returns the number
 * of rows passed, the negative value fn returned to abort, -EINVAL (bad
 * level, fn NULL), or -ENODATA before the second tick.
 * Threads: one at a time per monitor. Since: 0.2
 */
int tstats_monitor_foreach(struct tstats_monitor *m, unsigned int level, tstats_row_fn fn,
			   void *userdata);

/* Counters of a monitor (tstats_monitor_stats()). */
struct tstats_monitor_stats {
	uint64_t ticks;		/* ticks taken, the baseline included */
	uint64_t interval_ns;	/* the last interval's length */
	/* 1: nothing was lost in the last interval; 0: see lost_*. */
	uint32_t complete;
	uint32_t reserved0;
	/* Followed now: threads, processes, groups (at the last tick). */
	uint64_t threads, processes, groups;
	/* In the last interval: exit records accounted for, of which those
	 * of threads never sampled (started and gone within it). */
	uint64_t exits, exits_unsampled;
	/* In the last interval: receive-buffer overflows, and exit
	 * messages the kernel dropped (UINT64_MAX: unknown); followed
	 * threads that vanished without a final record. */
	uint64_t lost_overflows, lost_messages, lost_threads;
	/* The same losses since the monitor was opened, and the number of
	 * incomplete intervals. */
	uint64_t total_overflows, total_lost_messages, total_lost_threads;
	uint64_t incomplete_intervals;
	/* The last tick's cost: CLOCK_MONOTONIC ns from its start to its
	 * end, and the threads it queried. */
	uint64_t tick_ns, tick_queried;
	uint64_t reserved[6];	/* 0 */
};

/* Copies the monitor's counters to *ret. Returns 0 or -EINVAL.
 * Threads: one at a time per monitor. Since: 0.2 */
int tstats_monitor_stats(const struct tstats_monitor *m, struct tstats_monitor_stats *ret);

/*
 * Bindings
 *
 * A binding that mirrors the structs of this header by hand (Python ctypes,
 * an FFI without a C compiler) checks each copy it allocates against the
 * running library before passing it in: its own size must equal
 * tstats_struct_size(). Structs only ever grow at their end (struct
 * tstats_record never changes size), so a difference means a binding
 * written for another version. (The field table's and delay classes' rows
 * are the library's and are only read through pointers: a shorter copy is
 * fine there.) C, C++ and cgo callers take the sizes from this header and
 * need no check.
 */
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

/* sizeof the struct (enum tstats_struct) in the running library, or 0 for
 * an unknown type. Pure, thread-safe. Since: 0.1 */
size_t tstats_struct_size(unsigned int type);

#ifdef __cplusplus
}
#endif

#endif /* LIBTASKSTATS_H */
