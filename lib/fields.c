/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The field table: one row per member of the kernel's struct taskstats.
 * It drives decoding (offsets per layout), the record accessors, and the
 * CLI's report, JSON keys and the man page's field list.
 *
 * Offsets are x86_64 and were checked against the kernel sources of each
 * version and, for v16, against the running kernel's BTF:
 *   MODERN  v4..v14, v16, v17 (append-only since the v4 alignment fix,
 *           "Taskstats fix the structure members alignment issue")
 *   V1      2.6.18's 72-byte struct (v2 replaced padding[3] with exit fields)
 *   V23     v2/v3, before aligned(8) moved ac_uid and ac_etime
 *   V15     6.14's layout, max/min inserted after each *_delay_total;
 *           v16 ("fix struct taskstats breaks backward compatibility since
 *           version 15") moved them to the end, same 560-byte size.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

#define N OFF_NONE

/*
 * struct tstats_field_info.flags, worked out from the row so that no row
 * can get it wrong. Counters are the cumulative times, counts and bytes
 * outside the identity group, except the ages (etime, tgetime: clocks, and
 * a TGID's etime drops with a thread) and the single-delay extremes
 * (*_delay_max and *_delay_min, ids CPU_DELAY_MAX..IRQ_DELAY_MIN).
 */
#define IS_COUNTER_UNIT(u)						\
	((u) == TSTATS_UNIT_COUNT || (u) == TSTATS_UNIT_NS ||		\
	 (u) == TSTATS_UNIT_US || (u) == TSTATS_UNIT_BYTES ||		\
	 (u) == TSTATS_UNIT_MIB_US)
#define FIELD_FLAGS(fid, u, g)						\
	(((u) == TSTATS_UNIT_NICE ? TSTATS_FIELD_SIGNED : 0u) |		\
	 ((g) != TSTATS_GROUP_IDENTITY && IS_COUNTER_UNIT(u) &&		\
	  (fid) != TSTATS_F_ETIME && (fid) != TSTATS_F_TGETIME &&	\
	  !((fid) >= TSTATS_F_CPU_DELAY_MAX && (fid) <= TSTATS_F_IRQ_DELAY_MIN) ? \
	  TSTATS_FIELD_COUNTER : 0u))

/*
 * What the kernel does not measure exactly, by field (the flags'
 * comments in libtaskstats.h say where in the kernel).
 */
#define IS_MASKED_1024(fid)						\
	((fid) == TSTATS_F_READ_CHAR || (fid) == TSTATS_F_WRITE_CHAR ||	\
	 (fid) == TSTATS_F_READ_SYSCALLS || (fid) == TSTATS_F_WRITE_SYSCALLS || \
	 (fid) == TSTATS_F_READ_BYTES || (fid) == TSTATS_F_WRITE_BYTES ||	\
	 (fid) == TSTATS_F_CANCELLED_WRITE_BYTES)
#define IS_TICK_SAMPLED(fid)						\
	((fid) == TSTATS_F_UTIME || (fid) == TSTATS_F_STIME ||		\
	 (fid) == TSTATS_F_UTIMESCALED || (fid) == TSTATS_F_STIMESCALED ||	\
	 (fid) == TSTATS_F_CPU_RUN_REAL_TOTAL ||				\
	 (fid) == TSTATS_F_CPU_SCALED_RUN_REAL_TOTAL)
#define IS_IRQ_CLASS(fid)						\
	((fid) == TSTATS_F_IRQ_COUNT || (fid) == TSTATS_F_IRQ_DELAY_TOTAL ||	\
	 (fid) == TSTATS_F_IRQ_DELAY_MAX || (fid) == TSTATS_F_IRQ_DELAY_MIN ||	\
	 (fid) == TSTATS_F_IRQ_DELAY_MAX_TS)
#define NOTE_FLAGS(fid)							\
	((IS_MASKED_1024(fid) ? TSTATS_FIELD_MASKED_1024 : 0u) |		\
	 (IS_TICK_SAMPLED(fid) ? TSTATS_FIELD_TICK_SAMPLED : 0u) |		\
	 ((fid) == TSTATS_F_ETIME ? TSTATS_FIELD_TGID_THREAD_SUM : 0u) |	\
	 (IS_IRQ_CLASS(fid) ? TSTATS_FIELD_NEEDS_IRQ_TIME : 0u))

/* Field ids are pasted, never expanded: ETIME is also an errno macro. */
#define ROW_(fid, nm, kn, un, uid, grp, ver, tg, sz, vk, om, o1, o23, o15, desc) \
	[fid] = {						\
		.info = {						\
			.name = nm, .kernel_name = kn, .unit = un,	\
			.description = desc, .unit_id = TSTATS_UNIT_##uid, \
			.group = TSTATS_GROUP_##grp, .since = ver,	\
			.in_tgid = tg,					\
			.flags = FIELD_FLAGS(fid, TSTATS_UNIT_##uid,	\
					     TSTATS_GROUP_##grp) |	\
				 NOTE_FLAGS(fid),			\
		},							\
		.size = sz, .vkind = vk,				\
		.off = { [LAYOUT_MODERN] = om, [LAYOUT_V1] = o1,	\
			 [LAYOUT_V23] = o23, [LAYOUT_V15] = o15 },	\
	}

#define ROW(id, nm, kn, un, uid, grp, ver, tg, sz, vk, om, o1, o23, o15, desc) \
	ROW_(TSTATS_F_##id, nm, kn, un, uid, grp, ver, tg, sz, vk, om, o1, o23, o15, desc)

/* Shorthands for the common shapes. */
#define U64(id, nm, kn, un, uid, grp, ver, tg, om, o1, o23, o15, desc) \
	ROW_(TSTATS_F_##id, nm, kn, un, uid, grp, ver, tg, 8, VK_UNSIGNED, om, o1, o23, o15, desc)
#define U32(id, nm, kn, un, uid, grp, ver, tg, om, o1, o23, o15, desc) \
	ROW_(TSTATS_F_##id, nm, kn, un, uid, grp, ver, tg, 4, VK_UNSIGNED, om, o1, o23, o15, desc)
#define TS(id, nm, kn, om, desc) \
	ROW_(TSTATS_F_##id, nm, kn, "epoch_ns", EPOCH_NS, DELAY, 17, 0, 16, VK_TIMESPEC, om, N, N, N, desc)

/*
 * in_tgid: the field means the same for a thread group in TGID records.
 * The kernel also writes *_delay_max, *_delay_min and *_delay_max_ts there,
 * but by assignment from each thread it visits (the last one wins), not
 * as the group's extreme: they are left out of TGID records, and the
 * process view (query.c) takes them over the live threads instead.
 */
const struct field_def tstats_fields[TSTATS_F__COUNT] = {
	ROW(VERSION, "version", "version", "", NONE, IDENTITY, 1, 1, 2, VK_UNSIGNED,
	    0, 0, 0, 0, "struct taskstats version the kernel sent"),
	U32(EXIT_CODE, "exit_code", "ac_exitcode", "status", STATUS, IDENTITY, 2, 0,
	    4, N, 4, 4, "exit status in wait(2) form (exited tasks only)"),
	ROW(FLAGS, "flags", "ac_flag", "flags", FLAGS, IDENTITY, 2, 0, 1, VK_UNSIGNED,
	    8, N, 8, 8, "accounting flags: fork, su, core, xsig, group"),
	ROW(NICE, "nice", "ac_nice", "", NICE, IDENTITY, 2, 0, 1, VK_SIGNED8,
	    9, N, 9, 9, "nice value"),
	U64(CPU_COUNT, "cpu_count", "cpu_count", "count", COUNT, DELAY, 1, 1,
	    16, 8, 16, 16, "times the task ran on a CPU"),
	U64(CPU_DELAY_TOTAL, "cpu_delay_total", "cpu_delay_total", "ns", NS, DELAY, 1, 1,
	    24, 16, 24, 24, "time spent waiting on a run queue"),
	U64(BLKIO_COUNT, "blkio_count", "blkio_count", "count", COUNT, DELAY, 1, 1,
	    32, 24, 32, 48, "synchronous block I/O waits"),
	U64(BLKIO_DELAY_TOTAL, "blkio_delay_total", "blkio_delay_total", "ns", NS, DELAY, 1, 1,
	    40, 32, 40, 56, "time waiting for synchronous block I/O"),
	U64(SWAPIN_COUNT, "swapin_count", "swapin_count", "count", COUNT, DELAY, 1, 1,
	    48, 40, 48, 80, "page swap-in waits"),
	U64(SWAPIN_DELAY_TOTAL, "swapin_delay_total", "swapin_delay_total", "ns", NS, DELAY, 1, 1,
	    56, 48, 56, 88, "time waiting for pages to be swapped in"),
	U64(CPU_RUN_REAL_TOTAL, "cpu_run_real_total", "cpu_run_real_total", "ns", NS, CPU, 1, 1,
	    64, 56, 64, 112, "CPU time, wall-clock (user + system, tick-based)"),
	U64(CPU_RUN_VIRTUAL_TOTAL, "cpu_run_virtual_total", "cpu_run_virtual_total", "ns", NS, CPU, 1, 1,
	    72, 64, 72, 120, "CPU time as the scheduler measured it"),
	ROW(COMM, "comm", "ac_comm", "string", STRING, IDENTITY, 2, 0, 32, VK_STRING,
	    80, N, 80, 128, "command name (untrusted: chosen by the task)"),
	ROW(SCHED, "sched", "ac_sched", "", NONE, IDENTITY, 2, 0, 1, VK_UNSIGNED,
	    112, N, 112, 160, "scheduling policy (0 normal, 1 fifo, 2 rr, 3 batch, 5 idle, 6 deadline)"),
	U32(UID, "uid", "ac_uid", "id", ID, IDENTITY, 2, 0,
	    120, N, 116, 168, "real user id (in the caller's user namespace)"),
	U32(GID, "gid", "ac_gid", "id", ID, IDENTITY, 2, 0,
	    124, N, 120, 172, "real group id"),
	U32(PID, "pid", "ac_pid", "id", ID, IDENTITY, 2, 0,
	    128, N, 124, 176, "thread id (in the caller's PID namespace)"),
	U32(PPID, "ppid", "ac_ppid", "id", ID, IDENTITY, 2, 0,
	    132, N, 128, 180, "parent's process id"),
	U32(BTIME, "btime", "ac_btime", "epoch_s", EPOCH_S, IDENTITY, 2, 0,
	    136, N, 132, 184, "start time, 32-bit seconds since the epoch"),
	U64(ETIME, "etime", "ac_etime", "us", US, CPU, 2, 1,
	    144, N, 136, 192, "elapsed time since start (TGID: summed over threads)"),
	U64(UTIME, "utime", "ac_utime", "us", US, CPU, 2, 1,
	    152, N, 144, 200, "user CPU time"),
	U64(STIME, "stime", "ac_stime", "us", US, CPU, 2, 1,
	    160, N, 152, 208, "system CPU time"),
	U64(MINFLT, "minflt", "ac_minflt", "count", COUNT, MEMORY, 2, 0,
	    168, N, 160, 216, "minor page faults"),
	U64(MAJFLT, "majflt", "ac_majflt", "count", COUNT, MEMORY, 2, 0,
	    176, N, 168, 224, "major page faults"),
	U64(COREMEM, "coremem", "coremem", "MiB*us", MIB_US, MEMORY, 2, 0,
	    184, N, 176, 232, "resident memory integrated over CPU time"),
	U64(VIRTMEM, "virtmem", "virtmem", "MiB*us", MIB_US, MEMORY, 2, 0,
	    192, N, 184, 240, "virtual memory integrated over CPU time"),
	U64(HIWATER_RSS, "hiwater_rss", "hiwater_rss", "KiB", KIB, MEMORY, 2, 0,
	    200, N, 192, 248, "peak resident set size"),
	U64(HIWATER_VM, "hiwater_vm", "hiwater_vm", "KiB", KIB, MEMORY, 2, 0,
	    208, N, 200, 256, "peak virtual memory size"),
	U64(READ_CHAR, "read_char", "read_char", "bytes", BYTES, IO, 2, 0,
	    216, N, 208, 264, "bytes read by read-like calls (rounded down to KiB)"),
	U64(WRITE_CHAR, "write_char", "write_char", "bytes", BYTES, IO, 2, 0,
	    224, N, 216, 272, "bytes written by write-like calls (rounded down to KiB)"),
	U64(READ_SYSCALLS, "read_syscalls", "read_syscalls", "count", COUNT, IO, 2, 0,
	    232, N, 224, 280, "read-like system calls (rounded down to 1024)"),
	U64(WRITE_SYSCALLS, "write_syscalls", "write_syscalls", "count", COUNT, IO, 2, 0,
	    240, N, 232, 288, "write-like system calls (rounded down to 1024)"),
	U64(READ_BYTES, "read_bytes", "read_bytes", "bytes", BYTES, IO, 3, 0,
	    248, N, 240, 296, "bytes fetched from storage (rounded down to KiB)"),
	U64(WRITE_BYTES, "write_bytes", "write_bytes", "bytes", BYTES, IO, 3, 0,
	    256, N, 248, 304, "bytes sent to storage (rounded down to KiB)"),
	U64(CANCELLED_WRITE_BYTES, "cancelled_write_bytes", "cancelled_write_bytes", "bytes", BYTES, IO, 3, 0,
	    264, N, 256, 312, "written bytes whose writeback was cancelled (truncate)"),
	U64(NVCSW, "nvcsw", "nvcsw", "count", COUNT, CTXSW, 5, 1,
	    272, N, N, 320, "voluntary context switches"),
	U64(NIVCSW, "nivcsw", "nivcsw", "count", COUNT, CTXSW, 5, 1,
	    280, N, N, 328, "involuntary context switches"),
	U64(UTIMESCALED, "utimescaled", "ac_utimescaled", "us", US, CPU, 6, 0,
	    288, N, N, 336, "user CPU time scaled by CPU frequency"),
	U64(STIMESCALED, "stimescaled", "ac_stimescaled", "us", US, CPU, 6, 0,
	    296, N, N, 344, "system CPU time scaled by CPU frequency"),
	U64(CPU_SCALED_RUN_REAL_TOTAL, "cpu_scaled_run_real_total", "cpu_scaled_run_real_total", "ns", NS, CPU, 6, 1,
	    304, N, N, 352, "cpu_run_real_total scaled by CPU frequency"),
	U64(FREEPAGES_COUNT, "freepages_count", "freepages_count", "count", COUNT, DELAY, 7, 1,
	    312, N, N, 360, "memory reclaim waits"),
	U64(FREEPAGES_DELAY_TOTAL, "freepages_delay_total", "freepages_delay_total", "ns", NS, DELAY, 7, 1,
	    320, N, N, 368, "time in direct memory reclaim"),
	U64(THRASHING_COUNT, "thrashing_count", "thrashing_count", "count", COUNT, DELAY, 9, 1,
	    328, N, N, 392, "thrashing page-cache refault waits"),
	U64(THRASHING_DELAY_TOTAL, "thrashing_delay_total", "thrashing_delay_total", "ns", NS, DELAY, 9, 1,
	    336, N, N, 400, "time waiting on thrashing page-cache refaults"),
	U64(BTIME64, "btime64", "ac_btime64", "epoch_s", EPOCH_S, IDENTITY, 10, 0,
	    344, N, N, 424, "start time, seconds since the epoch"),
	U64(COMPACT_COUNT, "compact_count", "compact_count", "count", COUNT, DELAY, 11, 1,
	    352, N, N, 432, "memory compaction waits"),
	U64(COMPACT_DELAY_TOTAL, "compact_delay_total", "compact_delay_total", "ns", NS, DELAY, 11, 1,
	    360, N, N, 440, "time in memory compaction"),
	U32(TGID, "tgid", "ac_tgid", "id", ID, IDENTITY, 12, 0,
	    368, N, N, 464, "thread group (process) id"),
	U64(TGETIME, "tgetime", "ac_tgetime", "us", US, CPU, 12, 0,
	    376, N, N, 472, "elapsed time since the thread group leader started"),
	U64(EXE_DEV, "exe_dev", "ac_exe_dev", "dev", DEV, IDENTITY, 12, 0,
	    384, N, N, 480, "device of the executable (st_dev encoding)"),
	U64(EXE_INODE, "exe_inode", "ac_exe_inode", "id", ID, IDENTITY, 12, 0,
	    392, N, N, 488, "inode of the executable"),
	U64(WPCOPY_COUNT, "wpcopy_count", "wpcopy_count", "count", COUNT, DELAY, 13, 1,
	    400, N, N, 496, "write-protect copy (copy-on-write) waits"),
	U64(WPCOPY_DELAY_TOTAL, "wpcopy_delay_total", "wpcopy_delay_total", "ns", NS, DELAY, 13, 1,
	    408, N, N, 504, "time in write-protect copy faults"),
	U64(IRQ_COUNT, "irq_count", "irq_count", "count", COUNT, DELAY, 14, 1,
	    416, N, N, 528, "IRQ/softirq interruptions"),
	U64(IRQ_DELAY_TOTAL, "irq_delay_total", "irq_delay_total", "ns", NS, DELAY, 14, 1,
	    424, N, N, 536, "time taken by IRQ/softirq handling"),
	U64(CPU_DELAY_MAX, "cpu_delay_max", "cpu_delay_max", "ns", NS, DELAY, 15, 0,
	    432, N, N, 32, "longest single run-queue wait"),
	U64(CPU_DELAY_MIN, "cpu_delay_min", "cpu_delay_min", "ns", NS, DELAY, 15, 0,
	    440, N, N, 40, "shortest single run-queue wait (0: none yet)"),
	U64(BLKIO_DELAY_MAX, "blkio_delay_max", "blkio_delay_max", "ns", NS, DELAY, 15, 0,
	    448, N, N, 64, "longest single block I/O wait"),
	U64(BLKIO_DELAY_MIN, "blkio_delay_min", "blkio_delay_min", "ns", NS, DELAY, 15, 0,
	    456, N, N, 72, "shortest single block I/O wait"),
	U64(SWAPIN_DELAY_MAX, "swapin_delay_max", "swapin_delay_max", "ns", NS, DELAY, 15, 0,
	    464, N, N, 96, "longest single swap-in wait"),
	U64(SWAPIN_DELAY_MIN, "swapin_delay_min", "swapin_delay_min", "ns", NS, DELAY, 15, 0,
	    472, N, N, 104, "shortest single swap-in wait"),
	U64(FREEPAGES_DELAY_MAX, "freepages_delay_max", "freepages_delay_max", "ns", NS, DELAY, 15, 0,
	    480, N, N, 376, "longest single reclaim wait"),
	U64(FREEPAGES_DELAY_MIN, "freepages_delay_min", "freepages_delay_min", "ns", NS, DELAY, 15, 0,
	    488, N, N, 384, "shortest single reclaim wait"),
	U64(THRASHING_DELAY_MAX, "thrashing_delay_max", "thrashing_delay_max", "ns", NS, DELAY, 15, 0,
	    496, N, N, 408, "longest single thrashing wait"),
	U64(THRASHING_DELAY_MIN, "thrashing_delay_min", "thrashing_delay_min", "ns", NS, DELAY, 15, 0,
	    504, N, N, 416, "shortest single thrashing wait"),
	U64(COMPACT_DELAY_MAX, "compact_delay_max", "compact_delay_max", "ns", NS, DELAY, 15, 0,
	    512, N, N, 448, "longest single compaction wait"),
	U64(COMPACT_DELAY_MIN, "compact_delay_min", "compact_delay_min", "ns", NS, DELAY, 15, 0,
	    520, N, N, 456, "shortest single compaction wait"),
	U64(WPCOPY_DELAY_MAX, "wpcopy_delay_max", "wpcopy_delay_max", "ns", NS, DELAY, 15, 0,
	    528, N, N, 512, "longest single write-protect copy wait"),
	U64(WPCOPY_DELAY_MIN, "wpcopy_delay_min", "wpcopy_delay_min", "ns", NS, DELAY, 15, 0,
	    536, N, N, 520, "shortest single write-protect copy wait"),
	U64(IRQ_DELAY_MAX, "irq_delay_max", "irq_delay_max", "ns", NS, DELAY, 15, 0,
	    544, N, N, 544, "longest single IRQ/softirq delay"),
	U64(IRQ_DELAY_MIN, "irq_delay_min", "irq_delay_min", "ns", NS, DELAY, 15, 0,
	    552, N, N, 552, "shortest single IRQ/softirq delay"),
	TS(CPU_DELAY_MAX_TS, "cpu_delay_max_ts", "cpu_delay_max_ts", 560,
	   "when the longest run-queue wait happened"),
	TS(BLKIO_DELAY_MAX_TS, "blkio_delay_max_ts", "blkio_delay_max_ts", 576,
	   "when the longest block I/O wait happened"),
	TS(SWAPIN_DELAY_MAX_TS, "swapin_delay_max_ts", "swapin_delay_max_ts", 592,
	   "when the longest swap-in wait happened"),
	TS(FREEPAGES_DELAY_MAX_TS, "freepages_delay_max_ts", "freepages_delay_max_ts", 608,
	   "when the longest reclaim wait happened"),
	TS(THRASHING_DELAY_MAX_TS, "thrashing_delay_max_ts", "thrashing_delay_max_ts", 624,
	   "when the longest thrashing wait happened"),
	TS(COMPACT_DELAY_MAX_TS, "compact_delay_max_ts", "compact_delay_max_ts", 640,
	   "when the longest compaction wait happened"),
	TS(WPCOPY_DELAY_MAX_TS, "wpcopy_delay_max_ts", "wpcopy_delay_max_ts", 656,
	   "when the longest write-protect copy wait happened"),
	TS(IRQ_DELAY_MAX_TS, "irq_delay_max_ts", "irq_delay_max_ts", 672,
	   "when the longest IRQ/softirq delay happened"),
};

#define DCLASS(nm, pfx, desc)						\
	{ nm, desc, TSTATS_F_##pfx##_COUNT, TSTATS_F_##pfx##_DELAY_TOTAL, \
	  TSTATS_F_##pfx##_DELAY_MAX, TSTATS_F_##pfx##_DELAY_MIN,	\
	  TSTATS_F_##pfx##_DELAY_MAX_TS }

static const struct tstats_delay_class delay_classes[] = {
	DCLASS("cpu", CPU, "waiting for a CPU on a run queue"),
	DCLASS("blkio", BLKIO, "waiting for synchronous block I/O"),
	DCLASS("swapin", SWAPIN, "waiting for swap-in"),
	DCLASS("freepages", FREEPAGES, "direct memory reclaim"),
	DCLASS("thrashing", THRASHING, "thrashing page-cache refaults"),
	DCLASS("compact", COMPACT, "memory compaction"),
	DCLASS("wpcopy", WPCOPY, "write-protect copy (copy-on-write) faults"),
	DCLASS("irq", IRQ, "IRQ and softirq handling"),
};

/* sizeof(struct taskstats) per version (x86_64); 0 for unknown. */
static const uint16_t version_size[TSTATS_VERSION_KNOWN + 1] = {
	[1] = 72, [2] = 240, [3] = 264, [4] = 272, [5] = 288, [6] = 312,
	[7] = 328, [8] = 328, [9] = 344, [10] = 352, [11] = 368, [12] = 400,
	[13] = 416, [14] = 432, [15] = 560, [16] = 560, [17] = 688,
};

size_t tstats_version_size(unsigned int version)
{
	if (version > TSTATS_VERSION_KNOWN)
		return 0;
	return version_size[version];
}

TSTATS_EXPORT unsigned int tstats_field_count(void)
{
	return TSTATS_F__COUNT;
}

TSTATS_EXPORT const struct tstats_field_info *tstats_field_info(unsigned int field)
{
	if (field >= TSTATS_F__COUNT)
		return NULL;
	return &tstats_fields[field].info;
}

TSTATS_EXPORT int tstats_field_by_name(const char *name)
{
	if (!name)
		return -EINVAL;
	for (unsigned int i = 0; i < TSTATS_F__COUNT; i++)
		if (strcmp(tstats_fields[i].info.name, name) == 0)
			return (int)i;
	return -ENOENT;
}

TSTATS_EXPORT unsigned int tstats_delay_class_count(void)
{
	return sizeof(delay_classes) / sizeof(delay_classes[0]);
}

TSTATS_EXPORT const struct tstats_delay_class *tstats_delay_class(unsigned int index)
{
	if (index >= tstats_delay_class_count())
		return NULL;
	return &delay_classes[index];
}

TSTATS_EXPORT int tstats_record_has(const struct tstats_record *rec, unsigned int field)
{
	if (!rec || field >= TSTATS_FIELD_CAPACITY)
		return 0;
	return mask_has(rec->present, field);
}

TSTATS_EXPORT int tstats_record_get(const struct tstats_record *rec, unsigned int field,
				    uint64_t *ret)
{
	if (!rec || !ret || field >= TSTATS_F__COUNT ||
	    tstats_fields[field].vkind == VK_STRING)
		return -EINVAL;
	if (!tstats_record_has(rec, field))
		return -ENODATA;
	*ret = rec->value[field];
	return 0;
}

TSTATS_EXPORT const char *tstats_record_comm(const struct tstats_record *rec)
{
	if (!tstats_record_has(rec, TSTATS_F_COMM))
		return NULL;
	return rec->comm;
}
