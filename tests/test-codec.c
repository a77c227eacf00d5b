/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit suites for lib/codec.c and lib/fields.c: bytes in, records out.
 *
 * Every expectation about the kernel's struct comes from tests/nlbuild.c's
 * own layout tables (written from the kernel's header, doc/abi.md section 1,
 * and checked here against reconstructed kernel structs), never from
 * lib/fields.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <check.h>

#include "internal.h"
#include "libtaskstats.h"
#include "nlbuild.h"
#include "check-main.h"

#define FAMILY		31	/* any id >= NLMSG_MIN_TYPE */
#define TEST_PID	4242u
#define TEST_TGID	4240u
#define MAX_PAYLOAD	1024

/* Fields the kernel fills for the group in AGGR_TGID records (doc/abi.md
 * section 4): version, the delay counts and totals, etime, utime, stime,
 * nvcsw, nivcsw. */
static bool tgid_field(unsigned int f)
{
	switch (f) {
	case TSTATS_F_VERSION:
	case TSTATS_F_ETIME:
	case TSTATS_F_UTIME:
	case TSTATS_F_STIME:
	case TSTATS_F_NVCSW:
	case TSTATS_F_NIVCSW:
	case TSTATS_F_CPU_RUN_REAL_TOTAL:
	case TSTATS_F_CPU_RUN_VIRTUAL_TOTAL:
	case TSTATS_F_CPU_SCALED_RUN_REAL_TOTAL:
		return true;
	default:
		break;
	}
	/* The delay block: every *_count, *_delay_* field. */
	switch (f) {
	case TSTATS_F_CPU_COUNT: case TSTATS_F_CPU_DELAY_TOTAL:
	case TSTATS_F_BLKIO_COUNT: case TSTATS_F_BLKIO_DELAY_TOTAL:
	case TSTATS_F_SWAPIN_COUNT: case TSTATS_F_SWAPIN_DELAY_TOTAL:
	case TSTATS_F_FREEPAGES_COUNT: case TSTATS_F_FREEPAGES_DELAY_TOTAL:
	case TSTATS_F_THRASHING_COUNT: case TSTATS_F_THRASHING_DELAY_TOTAL:
	case TSTATS_F_COMPACT_COUNT: case TSTATS_F_COMPACT_DELAY_TOTAL:
	case TSTATS_F_WPCOPY_COUNT: case TSTATS_F_WPCOPY_DELAY_TOTAL:
	case TSTATS_F_IRQ_COUNT: case TSTATS_F_IRQ_DELAY_TOTAL:
		return true;
	default:
		/* Not the *_delay_max/_min/_max_ts fields: the kernel assigns
		 * them from each thread in turn (doc/abi.md section 4:
		 * the last thread's values), so they are no group's extremes. */
		return false;
	}
}

static const char *fname(unsigned int f)
{
	const struct tstats_field_info *i = tstats_field_info(f);

	return i ? i->name : "?";
}

/*
 * What a decoded record must hold: the members of content_version in
 * layout that fit in len (and, for TGID records, that the kernel fills).
 */
struct expect {
	enum nlb_layout layout;
	unsigned int content;
	size_t len;
	unsigned int kind;
	unsigned int version;
	uint32_t flags;
};

/* 0 if rec matches e, else 1 with the first difference in why. Checked
 * without ck_assert per field: the exhaustive loops run it 10^4 times. */
static int mismatch(const struct tstats_record *rec, const struct expect *e,
		    char *why, size_t n)
{
	if (rec->kind != e->kind || rec->version != e->version ||
	    rec->payload_len != e->len || rec->flags != e->flags || rec->id) {
		snprintf(why, n, "header: kind %u version %u len %u flags %#x id %u,"
			 " expected %u %u %zu %#x 0", rec->kind, rec->version,
			 rec->payload_len, rec->flags, rec->id, e->kind,
			 e->version, e->len, e->flags);
		return 1;
	}
	for (unsigned int f = 0; f < TSTATS_FIELD_CAPACITY; f++) {
		const struct nlb_member *m = NULL;
		bool want;
		int has, r;
		uint64_t v = 0x5a5a5a5a5a5a5a5aull, exp;

		if (f < TSTATS_F__COUNT)
			m = nlb_ts_find(e->layout, e->content, f);
		want = m && m->off + m->size <= e->len &&
		       (e->kind == TSTATS_KIND_PID || tgid_field(f));
		has = tstats_record_has(rec, f);
		if (has != (int)want) {
			snprintf(why, n, "v%u len %zu: %s (%u) present=%d, expected %d",
				 e->version, e->len, fname(f), f, has, want);
			return 1;
		}
		if (f >= TSTATS_F__COUNT)
			continue;
		if (f == TSTATS_F_COMM) {
			const char *c = tstats_record_comm(rec);

			r = tstats_record_get(rec, f, &v);
			if (r != -EINVAL || v != 0x5a5a5a5a5a5a5a5aull) {
				snprintf(why, n, "get(comm) = %d", r);
				return 1;
			}
			if (want ? !c || strcmp(c, nlb_ts_expect_comm()) : c != NULL) {
				snprintf(why, n, "v%u len %zu: comm \"%s\"", e->version,
					 e->len, c ? c : "(null)");
				return 1;
			}
			continue;
		}
		r = tstats_record_get(rec, f, &v);
		if (!want) {
			if (r != -ENODATA || v != 0x5a5a5a5a5a5a5a5aull) {
				snprintf(why, n, "v%u len %zu: absent %s: get = %d",
					 e->version, e->len, fname(f), r);
				return 1;
			}
			continue;
		}
		exp = f == TSTATS_F_VERSION ? e->version : nlb_ts_expect(f);
		if (r != 0 || v != exp) {
			snprintf(why, n, "v%u len %zu: %s (off %u) = %#llx (r %d), expected %#llx",
				 e->version, e->len, fname(f), m->off,
				 (unsigned long long)v, r, (unsigned long long)exp);
			return 1;
		}
	}
	return 0;
}

#define ck_record(rec, e) do {						\
		char why_[256];						\
		int bad_ = mismatch((rec), (e), why_, sizeof(why_));	\
		ck_assert_msg(!bad_, "%s", why_);			\
	} while (0)

/*
 * Decodes len bytes three ways: tstats_decode() from offset 36 of an
 * 8-aligned buffer (4- but not 8-aligned, as in the kernel's reply),
 * codec_decode() from the same place, and tstats_decode() from a heap
 * copy of exactly len bytes (valgrind/ASan catch any over-read). The
 * three records must be identical; returns the result code.
 */
static int decode3(const void *payload, size_t len, unsigned int flags,
		   unsigned int fallback, struct tstats_record *rec)
{
	static union {
		uint8_t b[36 + MAX_PAYLOAD];
		uint64_t align;
	} msg;
	struct tstats_record r2, r3;
	uint8_t *at = msg.b + 36, *heap;
	int ret, ret2, ret3;

	ck_assert_uint_le(len, MAX_PAYLOAD);
	ck_assert_uint_eq((uintptr_t)at % 8, 4);
	memcpy(at, payload, len);
	ret = tstats_decode(at, len, flags, fallback, rec);

	ret2 = codec_decode(at, len, (flags & TSTATS_DECODE_TGID) ?
			    TSTATS_KIND_TGID : TSTATS_KIND_PID, fallback, &r2);
	ck_assert_int_eq(ret, ret2);

	heap = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(heap);
	memcpy(heap, payload, len);
	ret3 = tstats_decode(heap, len, flags, fallback, &r3);
	free(heap);
	ck_assert_int_eq(ret, ret3);
	if (ret == 0) {
		ck_assert(memcmp(rec, &r2, sizeof(r2)) == 0);
		ck_assert(memcmp(rec, &r3, sizeof(r3)) == 0);
	}
	return ret;
}

/* ---------------------------------------------------------------------
 * Suite "fixture": the test's own tables against reconstructed structs.
 */

#if defined(__LP64__)
/* The kernel's struct taskstats, transcribed from its version history
 * (doc/abi.md section 1) with the kernel header's aligned(8) attributes;
 * gcc lays it out. */
struct k_timespec {
	long long tv_sec;
	long long tv_nsec;
};

#define A8 __attribute__((aligned(8)))

struct k_modern {
	uint16_t version;
	uint32_t ac_exitcode;
	uint8_t ac_flag;
	uint8_t ac_nice;
	uint64_t cpu_count A8;
	uint64_t cpu_delay_total, blkio_count, blkio_delay_total;
	uint64_t swapin_count, swapin_delay_total;
	uint64_t cpu_run_real_total, cpu_run_virtual_total;
	char ac_comm[32];
	uint8_t ac_sched A8;
	uint8_t ac_pad[3];
	uint32_t ac_uid A8;
	uint32_t ac_gid, ac_pid, ac_ppid, ac_btime;
	uint64_t ac_etime A8;
	uint64_t ac_utime, ac_stime, ac_minflt, ac_majflt, coremem, virtmem;
	uint64_t hiwater_rss, hiwater_vm, read_char, write_char;
	uint64_t read_syscalls, write_syscalls;
	uint64_t read_bytes, write_bytes, cancelled_write_bytes;	/* v3 */
	uint64_t nvcsw, nivcsw;						/* v5 */
	uint64_t ac_utimescaled, ac_stimescaled, cpu_scaled_run_real_total;
	uint64_t freepages_count, freepages_delay_total;		/* v7 */
	uint64_t thrashing_count, thrashing_delay_total;		/* v9 */
	uint64_t ac_btime64;						/* v10 */
	uint64_t compact_count, compact_delay_total;			/* v11 */
	uint32_t ac_tgid;						/* v12 */
	uint64_t ac_tgetime A8;
	uint64_t ac_exe_dev, ac_exe_inode;
	uint64_t wpcopy_count, wpcopy_delay_total;			/* v13 */
	uint64_t irq_count, irq_delay_total;				/* v14 */
	uint64_t cpu_delay_max, cpu_delay_min;				/* v16 */
	uint64_t blkio_delay_max, blkio_delay_min;
	uint64_t swapin_delay_max, swapin_delay_min;
	uint64_t freepages_delay_max, freepages_delay_min;
	uint64_t thrashing_delay_max, thrashing_delay_min;
	uint64_t compact_delay_max, compact_delay_min;
	uint64_t wpcopy_delay_max, wpcopy_delay_min;
	uint64_t irq_delay_max, irq_delay_min;
	struct k_timespec cpu_delay_max_ts, blkio_delay_max_ts;		/* v17 */
	struct k_timespec swapin_delay_max_ts, freepages_delay_max_ts;
	struct k_timespec thrashing_delay_max_ts, compact_delay_max_ts;
	struct k_timespec wpcopy_delay_max_ts, irq_delay_max_ts;
};

struct k_v1 {
	uint16_t version;
	uint16_t padding[3];
	uint64_t cpu_count, cpu_delay_total, blkio_count, blkio_delay_total;
	uint64_t swapin_count, swapin_delay_total;
	uint64_t cpu_run_real_total, cpu_run_virtual_total;
};

/* v3 (v2 is its prefix): no aligned attributes yet. */
struct k_v3 {
	uint16_t version;
	uint32_t ac_exitcode;
	uint8_t ac_flag;
	uint8_t ac_nice;
	uint64_t cpu_count, cpu_delay_total, blkio_count, blkio_delay_total;
	uint64_t swapin_count, swapin_delay_total;
	uint64_t cpu_run_real_total, cpu_run_virtual_total;
	char ac_comm[32];
	uint8_t ac_sched;
	uint8_t ac_pad[3];
	uint32_t ac_uid, ac_gid, ac_pid, ac_ppid, ac_btime;
	uint64_t ac_etime, ac_utime, ac_stime, ac_minflt, ac_majflt;
	uint64_t coremem, virtmem, hiwater_rss, hiwater_vm;
	uint64_t read_char, write_char, read_syscalls, write_syscalls;
	uint64_t read_bytes, write_bytes, cancelled_write_bytes;
};

struct k_v15 {
	uint16_t version;
	uint32_t ac_exitcode;
	uint8_t ac_flag;
	uint8_t ac_nice;
	uint64_t cpu_count A8;
	uint64_t cpu_delay_total, cpu_delay_max, cpu_delay_min;
	uint64_t blkio_count, blkio_delay_total, blkio_delay_max, blkio_delay_min;
	uint64_t swapin_count, swapin_delay_total, swapin_delay_max, swapin_delay_min;
	uint64_t cpu_run_real_total, cpu_run_virtual_total;
	char ac_comm[32];
	uint8_t ac_sched A8;
	uint8_t ac_pad[3];
	uint32_t ac_uid A8;
	uint32_t ac_gid, ac_pid, ac_ppid, ac_btime;
	uint64_t ac_etime A8;
	uint64_t ac_utime, ac_stime, ac_minflt, ac_majflt, coremem, virtmem;
	uint64_t hiwater_rss, hiwater_vm, read_char, write_char;
	uint64_t read_syscalls, write_syscalls;
	uint64_t read_bytes, write_bytes, cancelled_write_bytes;
	uint64_t nvcsw, nivcsw;
	uint64_t ac_utimescaled, ac_stimescaled, cpu_scaled_run_real_total;
	uint64_t freepages_count, freepages_delay_total;
	uint64_t freepages_delay_max, freepages_delay_min;
	uint64_t thrashing_count, thrashing_delay_total;
	uint64_t thrashing_delay_max, thrashing_delay_min;
	uint64_t ac_btime64;
	uint64_t compact_count, compact_delay_total;
	uint64_t compact_delay_max, compact_delay_min;
	uint32_t ac_tgid;
	uint64_t ac_tgetime A8;
	uint64_t ac_exe_dev, ac_exe_inode;
	uint64_t wpcopy_count, wpcopy_delay_total, wpcopy_delay_max, wpcopy_delay_min;
	uint64_t irq_count, irq_delay_total, irq_delay_max, irq_delay_min;
};

_Static_assert(sizeof(struct k_modern) == 688, "v17 is 688 bytes");
_Static_assert(offsetof(struct k_modern, cpu_delay_max) == 432, "v16 tail");
_Static_assert(offsetof(struct k_modern, cpu_delay_max_ts) == 560, "v16 is 560 bytes");
_Static_assert(sizeof(struct k_v1) == 72, "v1 is 72 bytes");
_Static_assert(sizeof(struct k_v3) == 264, "v3 is 264 bytes");
_Static_assert(sizeof(struct k_v15) == 560, "v15 is 560 bytes");

struct k_member {
	unsigned int field;
	size_t off;
	size_t size;
	const char *name;
};

/* Pasted directly (not through another macro): ETIME is an errno. */
#define KM(S, F, m) { TSTATS_F_##F, offsetof(struct S, m), \
		      sizeof(((struct S *)0)->m), #m }

static const struct k_member k_modern_members[] = {
	KM(k_modern, VERSION, version), KM(k_modern, EXIT_CODE, ac_exitcode),
	KM(k_modern, FLAGS, ac_flag), KM(k_modern, NICE, ac_nice),
	KM(k_modern, CPU_COUNT, cpu_count),
	KM(k_modern, CPU_DELAY_TOTAL, cpu_delay_total),
	KM(k_modern, BLKIO_COUNT, blkio_count),
	KM(k_modern, BLKIO_DELAY_TOTAL, blkio_delay_total),
	KM(k_modern, SWAPIN_COUNT, swapin_count),
	KM(k_modern, SWAPIN_DELAY_TOTAL, swapin_delay_total),
	KM(k_modern, CPU_RUN_REAL_TOTAL, cpu_run_real_total),
	KM(k_modern, CPU_RUN_VIRTUAL_TOTAL, cpu_run_virtual_total),
	KM(k_modern, COMM, ac_comm), KM(k_modern, SCHED, ac_sched),
	KM(k_modern, UID, ac_uid), KM(k_modern, GID, ac_gid),
	KM(k_modern, PID, ac_pid), KM(k_modern, PPID, ac_ppid),
	KM(k_modern, BTIME, ac_btime), KM(k_modern, ETIME, ac_etime),
	KM(k_modern, UTIME, ac_utime), KM(k_modern, STIME, ac_stime),
	KM(k_modern, MINFLT, ac_minflt), KM(k_modern, MAJFLT, ac_majflt),
	KM(k_modern, COREMEM, coremem), KM(k_modern, VIRTMEM, virtmem),
	KM(k_modern, HIWATER_RSS, hiwater_rss),
	KM(k_modern, HIWATER_VM, hiwater_vm),
	KM(k_modern, READ_CHAR, read_char), KM(k_modern, WRITE_CHAR, write_char),
	KM(k_modern, READ_SYSCALLS, read_syscalls),
	KM(k_modern, WRITE_SYSCALLS, write_syscalls),
	KM(k_modern, READ_BYTES, read_bytes), KM(k_modern, WRITE_BYTES, write_bytes),
	KM(k_modern, CANCELLED_WRITE_BYTES, cancelled_write_bytes),
	KM(k_modern, NVCSW, nvcsw), KM(k_modern, NIVCSW, nivcsw),
	KM(k_modern, UTIMESCALED, ac_utimescaled),
	KM(k_modern, STIMESCALED, ac_stimescaled),
	KM(k_modern, CPU_SCALED_RUN_REAL_TOTAL, cpu_scaled_run_real_total),
	KM(k_modern, FREEPAGES_COUNT, freepages_count),
	KM(k_modern, FREEPAGES_DELAY_TOTAL, freepages_delay_total),
	KM(k_modern, THRASHING_COUNT, thrashing_count),
	KM(k_modern, THRASHING_DELAY_TOTAL, thrashing_delay_total),
	KM(k_modern, BTIME64, ac_btime64),
	KM(k_modern, COMPACT_COUNT, compact_count),
	KM(k_modern, COMPACT_DELAY_TOTAL, compact_delay_total),
	KM(k_modern, TGID, ac_tgid), KM(k_modern, TGETIME, ac_tgetime),
	KM(k_modern, EXE_DEV, ac_exe_dev), KM(k_modern, EXE_INODE, ac_exe_inode),
	KM(k_modern, WPCOPY_COUNT, wpcopy_count),
	KM(k_modern, WPCOPY_DELAY_TOTAL, wpcopy_delay_total),
	KM(k_modern, IRQ_COUNT, irq_count),
	KM(k_modern, IRQ_DELAY_TOTAL, irq_delay_total),
	KM(k_modern, CPU_DELAY_MAX, cpu_delay_max),
	KM(k_modern, CPU_DELAY_MIN, cpu_delay_min),
	KM(k_modern, BLKIO_DELAY_MAX, blkio_delay_max),
	KM(k_modern, BLKIO_DELAY_MIN, blkio_delay_min),
	KM(k_modern, SWAPIN_DELAY_MAX, swapin_delay_max),
	KM(k_modern, SWAPIN_DELAY_MIN, swapin_delay_min),
	KM(k_modern, FREEPAGES_DELAY_MAX, freepages_delay_max),
	KM(k_modern, FREEPAGES_DELAY_MIN, freepages_delay_min),
	KM(k_modern, THRASHING_DELAY_MAX, thrashing_delay_max),
	KM(k_modern, THRASHING_DELAY_MIN, thrashing_delay_min),
	KM(k_modern, COMPACT_DELAY_MAX, compact_delay_max),
	KM(k_modern, COMPACT_DELAY_MIN, compact_delay_min),
	KM(k_modern, WPCOPY_DELAY_MAX, wpcopy_delay_max),
	KM(k_modern, WPCOPY_DELAY_MIN, wpcopy_delay_min),
	KM(k_modern, IRQ_DELAY_MAX, irq_delay_max),
	KM(k_modern, IRQ_DELAY_MIN, irq_delay_min),
	KM(k_modern, CPU_DELAY_MAX_TS, cpu_delay_max_ts),
	KM(k_modern, BLKIO_DELAY_MAX_TS, blkio_delay_max_ts),
	KM(k_modern, SWAPIN_DELAY_MAX_TS, swapin_delay_max_ts),
	KM(k_modern, FREEPAGES_DELAY_MAX_TS, freepages_delay_max_ts),
	KM(k_modern, THRASHING_DELAY_MAX_TS, thrashing_delay_max_ts),
	KM(k_modern, COMPACT_DELAY_MAX_TS, compact_delay_max_ts),
	KM(k_modern, WPCOPY_DELAY_MAX_TS, wpcopy_delay_max_ts),
	KM(k_modern, IRQ_DELAY_MAX_TS, irq_delay_max_ts),
};

static const struct k_member k_v1_members[] = {
	KM(k_v1, VERSION, version), KM(k_v1, CPU_COUNT, cpu_count),
	KM(k_v1, CPU_DELAY_TOTAL, cpu_delay_total),
	KM(k_v1, BLKIO_COUNT, blkio_count),
	KM(k_v1, BLKIO_DELAY_TOTAL, blkio_delay_total),
	KM(k_v1, SWAPIN_COUNT, swapin_count),
	KM(k_v1, SWAPIN_DELAY_TOTAL, swapin_delay_total),
	KM(k_v1, CPU_RUN_REAL_TOTAL, cpu_run_real_total),
	KM(k_v1, CPU_RUN_VIRTUAL_TOTAL, cpu_run_virtual_total),
};

static const struct k_member k_v3_members[] = {
	KM(k_v3, VERSION, version), KM(k_v3, EXIT_CODE, ac_exitcode),
	KM(k_v3, FLAGS, ac_flag), KM(k_v3, NICE, ac_nice),
	KM(k_v3, CPU_COUNT, cpu_count),
	KM(k_v3, CPU_DELAY_TOTAL, cpu_delay_total),
	KM(k_v3, BLKIO_COUNT, blkio_count),
	KM(k_v3, BLKIO_DELAY_TOTAL, blkio_delay_total),
	KM(k_v3, SWAPIN_COUNT, swapin_count),
	KM(k_v3, SWAPIN_DELAY_TOTAL, swapin_delay_total),
	KM(k_v3, CPU_RUN_REAL_TOTAL, cpu_run_real_total),
	KM(k_v3, CPU_RUN_VIRTUAL_TOTAL, cpu_run_virtual_total),
	KM(k_v3, COMM, ac_comm), KM(k_v3, SCHED, ac_sched),
	KM(k_v3, UID, ac_uid), KM(k_v3, GID, ac_gid),
	KM(k_v3, PID, ac_pid), KM(k_v3, PPID, ac_ppid),
	KM(k_v3, BTIME, ac_btime), KM(k_v3, ETIME, ac_etime),
	KM(k_v3, UTIME, ac_utime), KM(k_v3, STIME, ac_stime),
	KM(k_v3, MINFLT, ac_minflt), KM(k_v3, MAJFLT, ac_majflt),
	KM(k_v3, COREMEM, coremem), KM(k_v3, VIRTMEM, virtmem),
	KM(k_v3, HIWATER_RSS, hiwater_rss), KM(k_v3, HIWATER_VM, hiwater_vm),
	KM(k_v3, READ_CHAR, read_char), KM(k_v3, WRITE_CHAR, write_char),
	KM(k_v3, READ_SYSCALLS, read_syscalls),
	KM(k_v3, WRITE_SYSCALLS, write_syscalls),
	KM(k_v3, READ_BYTES, read_bytes), KM(k_v3, WRITE_BYTES, write_bytes),
	KM(k_v3, CANCELLED_WRITE_BYTES, cancelled_write_bytes),
};

static const struct k_member k_v15_members[] = {
	KM(k_v15, VERSION, version), KM(k_v15, EXIT_CODE, ac_exitcode),
	KM(k_v15, FLAGS, ac_flag), KM(k_v15, NICE, ac_nice),
	KM(k_v15, CPU_COUNT, cpu_count),
	KM(k_v15, CPU_DELAY_TOTAL, cpu_delay_total),
	KM(k_v15, CPU_DELAY_MAX, cpu_delay_max),
	KM(k_v15, CPU_DELAY_MIN, cpu_delay_min),
	KM(k_v15, BLKIO_COUNT, blkio_count),
	KM(k_v15, BLKIO_DELAY_TOTAL, blkio_delay_total),
	KM(k_v15, BLKIO_DELAY_MAX, blkio_delay_max),
	KM(k_v15, BLKIO_DELAY_MIN, blkio_delay_min),
	KM(k_v15, SWAPIN_COUNT, swapin_count),
	KM(k_v15, SWAPIN_DELAY_TOTAL, swapin_delay_total),
	KM(k_v15, SWAPIN_DELAY_MAX, swapin_delay_max),
	KM(k_v15, SWAPIN_DELAY_MIN, swapin_delay_min),
	KM(k_v15, CPU_RUN_REAL_TOTAL, cpu_run_real_total),
	KM(k_v15, CPU_RUN_VIRTUAL_TOTAL, cpu_run_virtual_total),
	KM(k_v15, COMM, ac_comm), KM(k_v15, SCHED, ac_sched),
	KM(k_v15, UID, ac_uid), KM(k_v15, GID, ac_gid),
	KM(k_v15, PID, ac_pid), KM(k_v15, PPID, ac_ppid),
	KM(k_v15, BTIME, ac_btime), KM(k_v15, ETIME, ac_etime),
	KM(k_v15, UTIME, ac_utime), KM(k_v15, STIME, ac_stime),
	KM(k_v15, MINFLT, ac_minflt), KM(k_v15, MAJFLT, ac_majflt),
	KM(k_v15, COREMEM, coremem), KM(k_v15, VIRTMEM, virtmem),
	KM(k_v15, HIWATER_RSS, hiwater_rss), KM(k_v15, HIWATER_VM, hiwater_vm),
	KM(k_v15, READ_CHAR, read_char), KM(k_v15, WRITE_CHAR, write_char),
	KM(k_v15, READ_SYSCALLS, read_syscalls),
	KM(k_v15, WRITE_SYSCALLS, write_syscalls),
	KM(k_v15, READ_BYTES, read_bytes), KM(k_v15, WRITE_BYTES, write_bytes),
	KM(k_v15, CANCELLED_WRITE_BYTES, cancelled_write_bytes),
	KM(k_v15, NVCSW, nvcsw), KM(k_v15, NIVCSW, nivcsw),
	KM(k_v15, UTIMESCALED, ac_utimescaled),
	KM(k_v15, STIMESCALED, ac_stimescaled),
	KM(k_v15, CPU_SCALED_RUN_REAL_TOTAL, cpu_scaled_run_real_total),
	KM(k_v15, FREEPAGES_COUNT, freepages_count),
	KM(k_v15, FREEPAGES_DELAY_TOTAL, freepages_delay_total),
	KM(k_v15, FREEPAGES_DELAY_MAX, freepages_delay_max),
	KM(k_v15, FREEPAGES_DELAY_MIN, freepages_delay_min),
	KM(k_v15, THRASHING_COUNT, thrashing_count),
	KM(k_v15, THRASHING_DELAY_TOTAL, thrashing_delay_total),
	KM(k_v15, THRASHING_DELAY_MAX, thrashing_delay_max),
	KM(k_v15, THRASHING_DELAY_MIN, thrashing_delay_min),
	KM(k_v15, BTIME64, ac_btime64),
	KM(k_v15, COMPACT_COUNT, compact_count),
	KM(k_v15, COMPACT_DELAY_TOTAL, compact_delay_total),
	KM(k_v15, COMPACT_DELAY_MAX, compact_delay_max),
	KM(k_v15, COMPACT_DELAY_MIN, compact_delay_min),
	KM(k_v15, TGID, ac_tgid), KM(k_v15, TGETIME, ac_tgetime),
	KM(k_v15, EXE_DEV, ac_exe_dev), KM(k_v15, EXE_INODE, ac_exe_inode),
	KM(k_v15, WPCOPY_COUNT, wpcopy_count),
	KM(k_v15, WPCOPY_DELAY_TOTAL, wpcopy_delay_total),
	KM(k_v15, WPCOPY_DELAY_MAX, wpcopy_delay_max),
	KM(k_v15, WPCOPY_DELAY_MIN, wpcopy_delay_min),
	KM(k_v15, IRQ_COUNT, irq_count),
	KM(k_v15, IRQ_DELAY_TOTAL, irq_delay_total),
	KM(k_v15, IRQ_DELAY_MAX, irq_delay_max),
	KM(k_v15, IRQ_DELAY_MIN, irq_delay_min),
};

static void check_layout(enum nlb_layout layout, const struct k_member *k,
			 size_t nk)
{
	const struct nlb_member *m;
	size_t n;

	m = nlb_ts_members(layout, &n);
	ck_assert_uint_eq(n, nk);
	for (size_t i = 0; i < nk; i++) {
		const struct nlb_member *t = nlb_ts_find(layout, 99, k[i].field);

		ck_assert_msg(t, "layout %d lacks %s", layout, k[i].name);
		ck_assert_msg(t->off == k[i].off && t->size == k[i].size,
			      "layout %d: %s at %u+%u, struct says %zu+%zu",
			      layout, k[i].name, t->off, t->size, k[i].off, k[i].size);
		/* Members are listed in offset order and never overlap. */
		if (i)
			ck_assert_uint_ge(m[i].off, m[i - 1].off + m[i - 1].size);
	}
}

TEST("layouts", test_fixture_layouts)
{
	check_layout(NLB_LAYOUT_MODERN, k_modern_members,
		     sizeof(k_modern_members) / sizeof(k_modern_members[0]));
	check_layout(NLB_LAYOUT_V1, k_v1_members,
		     sizeof(k_v1_members) / sizeof(k_v1_members[0]));
	check_layout(NLB_LAYOUT_V23, k_v3_members,
		     sizeof(k_v3_members) / sizeof(k_v3_members[0]));
	check_layout(NLB_LAYOUT_V15, k_v15_members,
		     sizeof(k_v15_members) / sizeof(k_v15_members[0]));
	ck_assert_uint_eq(nlb_ts_size(1), sizeof(struct k_v1));
	ck_assert_uint_eq(nlb_ts_size(3), sizeof(struct k_v3));
	ck_assert_uint_eq(nlb_ts_size(2), offsetof(struct k_v3, read_bytes));
	ck_assert_uint_eq(nlb_ts_size(15), sizeof(struct k_v15));
	ck_assert_uint_eq(nlb_ts_size(17), sizeof(struct k_modern));
	ck_assert_uint_eq(nlb_ts_size(16), offsetof(struct k_modern, cpu_delay_max_ts));
	ck_assert_uint_eq(nlb_ts_size(14), offsetof(struct k_modern, cpu_delay_max));
	ck_assert_uint_eq(nlb_ts_size(12), offsetof(struct k_modern, wpcopy_count));
	ck_assert_uint_eq(nlb_ts_size(4), offsetof(struct k_modern, nvcsw));
}
END_TEST

/* The library's kernel_name column against the transcribed struct. */
TEST("layouts", test_fixture_kernel_names)
{
	size_t n = sizeof(k_modern_members) / sizeof(k_modern_members[0]);

	ck_assert_uint_eq(n, TSTATS_F__COUNT);
	for (size_t i = 0; i < n; i++) {
		const struct tstats_field_info *fi =
			tstats_field_info(k_modern_members[i].field);

		ck_assert_ptr_nonnull(fi);
		ck_assert_str_eq(fi->kernel_name, k_modern_members[i].name);
	}
}
END_TEST
#endif /* __LP64__ */

/* Every version's size equals the end of its last member. */
TEST("layouts", test_fixture_sizes)
{
	for (unsigned int v = 1; v <= TSTATS_VERSION_KNOWN; v++) {
		size_t size = nlb_ts_size(v), end = 0, n;
		enum nlb_layout l = nlb_ts_layout(v, size);
		const struct nlb_member *m = nlb_ts_members(l, &n);

		for (size_t i = 0; i < n; i++)
			if (m[i].since <= v && m[i].off + m[i].size > end)
				end = m[i].off + m[i].size;
		ck_assert_msg(end == size, "v%u: members end at %zu, size %zu",
			      v, end, size);
		/* And the library agrees on the size. */
		ck_assert_uint_eq(tstats_version_size(v), size);
	}
	ck_assert_uint_eq(tstats_version_size(0), 0);
	ck_assert_uint_eq(tstats_version_size(TSTATS_VERSION_KNOWN + 1), 0);
}
END_TEST

/* The fixture's values are pairwise distinct, so a field read from
 * another field's offset cannot pass. */
TEST("layouts", test_fixture_distinct)
{
	for (unsigned int a = 1; a < TSTATS_F__COUNT; a++) {
		if (a == TSTATS_F_COMM)
			continue;
		for (unsigned int b = a + 1; b < TSTATS_F__COUNT; b++) {
			if (b == TSTATS_F_COMM)
				continue;
			ck_assert_msg(nlb_ts_expect(a) != nlb_ts_expect(b),
				      "%s == %s", fname(a), fname(b));
		}
	}
}
END_TEST

/* The builder places values where its table says, as plain bytes. */
TEST("layouts", test_fixture_bytes)
{
	uint8_t p[688];
	uint64_t u64;
	uint32_t u32;
	uint16_t u16;

	nlb_ts_build_version(p, sizeof(p), 17);
	memcpy(&u16, p, 2);
	ck_assert_uint_eq(u16, 17);
	ck_assert_uint_eq(p[2], 0xee);	/* hole */
	ck_assert_uint_eq(p[116], 0xee);	/* hole before ac_uid */
	ck_assert_uint_eq(p[9], 0xf6);	/* nice -10 */
	memcpy(&u64, p + 16, 8);
	ck_assert_uint_eq(u64, nlb_ts_expect(TSTATS_F_CPU_COUNT));
	memcpy(&u32, p + 368, 4);
	ck_assert_uint_eq(u32, nlb_ts_expect(TSTATS_F_TGID));
	ck_assert_str_eq((const char *)p + 80, nlb_ts_expect_comm());
}
END_TEST

/* ---------------------------------------------------------------------
 * Suite "decode": every version, every field.
 */

static uint8_t payload[MAX_PAYLOAD];

static void expect_full(struct expect *e, unsigned int version, size_t len,
			unsigned int kind)
{
	e->layout = nlb_ts_layout(version, len);
	e->content = version;
	e->len = len;
	e->kind = kind;
	e->version = version;
	e->flags = 0;
}

LOOP_TEST("versions", test_decode_version, 1, TSTATS_VERSION_KNOWN + 1)
{
	unsigned int v = (unsigned int)_i;
	struct tstats_record rec;
	struct expect e;
	size_t len;

	len = nlb_ts_build_version(payload, sizeof(payload), v);
	ck_assert_int_eq(decode3(payload, len, 0, 0, &rec), 0);
	expect_full(&e, v, len, TSTATS_KIND_PID);
	ck_record(&rec, &e);
}
END_TEST

LOOP_TEST("versions", test_decode_version_tgid, 1, TSTATS_VERSION_KNOWN + 1)
{
	unsigned int v = (unsigned int)_i;
	struct tstats_record rec;
	struct expect e;
	size_t len;

	len = nlb_ts_build_version(payload, sizeof(payload), v);
	ck_assert_int_eq(decode3(payload, len, TSTATS_DECODE_TGID, 0, &rec), 0);
	expect_full(&e, v, len, TSTATS_KIND_TGID);
	ck_record(&rec, &e);
}
END_TEST

/* Every cut of every version: fields past the cut absent, SHORT set. */
LOOP_TEST("versions", test_decode_truncated_all, 1, TSTATS_VERSION_KNOWN + 1)
{
	unsigned int v = (unsigned int)_i;
	size_t full = nlb_ts_build_version(payload, sizeof(payload), v);

	for (size_t len = 2; len <= full; len++) {
		struct tstats_record rec;
		struct expect e;
		char why[256];

		ck_assert_int_eq(decode3(payload, len, 0, 0, &rec), 0);
		expect_full(&e, v, len, TSTATS_KIND_PID);
		e.layout = nlb_ts_layout(v, full);
		if (len < full)
			e.flags = TSTATS_RECORD_SHORT;
		ck_assert_msg(!mismatch(&rec, &e, why, sizeof(why)), "%s", why);
	}
}
END_TEST

TEST("edges", test_decode_v16_cut)
{
	static const size_t cuts[] = { 300, 301, 3, 2, 433, 559 };
	struct tstats_record rec;

	nlb_ts_build_version(payload, sizeof(payload), 16);
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		struct expect e;

		ck_assert_int_eq(decode3(payload, cuts[i], 0, 0, &rec), 0);
		ck_assert(rec.flags & TSTATS_RECORD_SHORT);
		expect_full(&e, 16, cuts[i], TSTATS_KIND_PID);
		e.layout = NLB_LAYOUT_MODERN;
		e.flags = TSTATS_RECORD_SHORT;
		ck_record(&rec, &e);
	}
	/* Spot checks at 300: utimescaled (288..296) in, stimescaled
	 * (296..304) cut in the middle, so out. */
	ck_assert_int_eq(decode3(payload, 300, 0, 0, &rec), 0);
	ck_assert(tstats_record_has(&rec, TSTATS_F_NIVCSW));
	ck_assert(tstats_record_has(&rec, TSTATS_F_UTIMESCALED));
	ck_assert(!tstats_record_has(&rec, TSTATS_F_STIMESCALED));
	ck_assert(!tstats_record_has(&rec, TSTATS_F_CPU_SCALED_RUN_REAL_TOTAL));
	ck_assert(!tstats_record_has(&rec, TSTATS_F_IRQ_DELAY_MIN));
	/* At 3: only the version. */
	ck_assert_int_eq(decode3(payload, 3, 0, 0, &rec), 0);
	ck_assert(tstats_record_has(&rec, TSTATS_F_VERSION));
	ck_assert(!tstats_record_has(&rec, TSTATS_F_EXIT_CODE));
	ck_assert_uint_eq(rec.version, 16);
}
END_TEST

TEST("edges", test_decode_too_short)
{
	struct tstats_record rec, before;

	nlb_ts_build_version(payload, sizeof(payload), 16);
	memset(&rec, 0x77, sizeof(rec));
	before = rec;
	ck_assert_int_eq(tstats_decode(payload, 1, 0, 0, &rec), -EBADMSG);
	ck_assert_int_eq(tstats_decode(payload, 0, 0, 0, &rec), -EBADMSG);
	ck_assert_int_eq(codec_decode(payload, 1, TSTATS_KIND_PID, 0, &rec), -EBADMSG);
	ck_assert_int_eq(tstats_decode(payload, 1, TSTATS_DECODE_TGID, 16, &rec), -EBADMSG);
	/* Failure leaves *ret alone. */
	ck_assert(memcmp(&rec, &before, sizeof(rec)) == 0);
	/* Bad arguments. (A NULL payload is refused; the header promises
	 * -EINVAL, the decoder says -EBADMSG: only "an error" is checked.) */
	ck_assert_int_lt(tstats_decode(NULL, 560, 0, 0, &rec), 0);
	ck_assert_int_eq(tstats_decode(payload, 560, 0, 0, NULL), -EINVAL);
	ck_assert_int_eq(tstats_decode(payload, 560, 0x2, 0, &rec), -EINVAL);
	ck_assert(memcmp(&rec, &before, sizeof(rec)) == 0);
}
END_TEST

/* v15 and v16 are both 560 bytes; only the version tells them apart. */
TEST("versions", test_decode_v15_vs_v16)
{
	uint8_t v15[560], v16[560];
	struct tstats_record rec;
	struct expect e;
	uint64_t v;

	ck_assert_uint_eq(nlb_ts_build_version(v15, sizeof(v15), 15), 560);
	ck_assert_uint_eq(nlb_ts_build_version(v16, sizeof(v16), 16), 560);
	ck_assert(memcmp(v15, v16, 560) != 0);

	ck_assert_int_eq(decode3(v15, 560, 0, 0, &rec), 0);
	expect_full(&e, 15, 560, TSTATS_KIND_PID);
	ck_assert_int_eq(e.layout, NLB_LAYOUT_V15);
	ck_record(&rec, &e);

	ck_assert_int_eq(decode3(v16, 560, 0, 0, &rec), 0);
	expect_full(&e, 16, 560, TSTATS_KIND_PID);
	ck_assert_int_eq(e.layout, NLB_LAYOUT_MODERN);
	ck_record(&rec, &e);

	/* v16 bytes labelled 15 are read with the mid-struct layout: offset
	 * 32 (v15's cpu_delay_max) holds v16's blkio_count. */
	v16[0] = 15;
	ck_assert_int_eq(decode3(v16, 560, 0, 0, &rec), 0);
	ck_assert_int_eq(tstats_record_get(&rec, TSTATS_F_CPU_DELAY_MAX, &v), 0);
	ck_assert_uint_eq(v, nlb_ts_expect(TSTATS_F_BLKIO_COUNT));
	ck_assert_int_eq(tstats_record_get(&rec, TSTATS_F_PID, &v), 0);
	ck_assert_uint_ne(v, nlb_ts_expect(TSTATS_F_PID));
}
END_TEST

/* 6.14-rc1..rc3 sent the v15 layout numbered 14. */
TEST("versions", test_decode_v14_560)
{
	struct tstats_record rec;
	struct expect e = {
		.layout = NLB_LAYOUT_V15, .content = 15, .len = 560,
		.kind = TSTATS_KIND_PID, .version = 14, .flags = 0,
	};

	nlb_ts_build(payload, 560, 14, NLB_LAYOUT_V15, 15);
	ck_assert_int_eq(decode3(payload, 560, 0, 0, &rec), 0);
	ck_record(&rec, &e);
	ck_assert(tstats_record_has(&rec, TSTATS_F_IRQ_DELAY_MIN));

	e.kind = TSTATS_KIND_TGID;
	ck_assert_int_eq(decode3(payload, 560, TSTATS_DECODE_TGID, 0, &rec), 0);
	ck_record(&rec, &e);

	/* The real v14 (432 bytes) is the modern prefix. */
	nlb_ts_build_version(payload, sizeof(payload), 14);
	ck_assert_int_eq(decode3(payload, 432, 0, 0, &rec), 0);
	expect_full(&e, 14, 432, TSTATS_KIND_PID);
	ck_record(&rec, &e);
	ck_assert(!tstats_record_has(&rec, TSTATS_F_CPU_DELAY_MAX));
}
END_TEST

/* A payload longer than its version: the version decides, not the tail. */
TEST("edges", test_decode_longer)
{
	struct tstats_record rec;
	struct expect e;

	nlb_ts_build(payload, 560 + 64, 16, NLB_LAYOUT_MODERN, 16);
	ck_assert_int_eq(decode3(payload, 560 + 64, 0, 0, &rec), 0);
	expect_full(&e, 16, 560 + 64, TSTATS_KIND_PID);
	ck_record(&rec, &e);
	ck_assert(!tstats_record_has(&rec, TSTATS_F_CPU_DELAY_MAX_TS));
	ck_assert_uint_eq(rec.payload_len, 624);
}
END_TEST

/* A kernel newer than this build: the v17 prefix, NEWER set. */
TEST("edges", test_decode_newer)
{
	struct tstats_record rec;
	struct expect e = {
		.layout = NLB_LAYOUT_MODERN, .content = 18, .len = 720,
		.kind = TSTATS_KIND_PID, .version = 18,
		.flags = TSTATS_RECORD_NEWER,
	};

	nlb_ts_build(payload, 720, 18, NLB_LAYOUT_MODERN, 18);
	ck_assert_int_eq(decode3(payload, 720, 0, 0, &rec), 0);
	ck_record(&rec, &e);
	ck_assert(tstats_record_has(&rec, TSTATS_F_IRQ_DELAY_MAX_TS));

	/* Newer and cut inside the v17 tail: both flags. */
	e.len = 600;
	e.flags = TSTATS_RECORD_NEWER | TSTATS_RECORD_SHORT;
	ck_assert_int_eq(decode3(payload, 600, 0, 0, &rec), 0);
	ck_record(&rec, &e);
	ck_assert(tstats_record_has(&rec, TSTATS_F_BLKIO_DELAY_MAX_TS));
	ck_assert(!tstats_record_has(&rec, TSTATS_F_SWAPIN_DELAY_MAX_TS));

	e.kind = TSTATS_KIND_TGID;
	e.len = 720;
	e.flags = TSTATS_RECORD_NEWER;
	ck_assert_int_eq(decode3(payload, 720, TSTATS_DECODE_TGID, 0, &rec), 0);
	ck_record(&rec, &e);
}
END_TEST

/* Version 0 (TGID exit records before the 2026 fix). */
TEST("edges", test_decode_version0)
{
	static const struct {
		size_t len;
		unsigned int inferred;
		enum nlb_layout layout;
	} by_len[] = {
		{ 560, 16, NLB_LAYOUT_MODERN },
		{ 432, 14, NLB_LAYOUT_MODERN },
		{ 72, 1, NLB_LAYOUT_V1 },
		{ 688, 17, NLB_LAYOUT_MODERN },
		{ 400, 12, NLB_LAYOUT_MODERN },
		{ 264, 3, NLB_LAYOUT_V23 },
	};
	struct tstats_record rec;
	struct expect e;

	/* With a fallback (the sibling PID record's version): taken. */
	nlb_ts_build(payload, 560, 0, NLB_LAYOUT_MODERN, 16);
	ck_assert_int_eq(decode3(payload, 560, 0, 16, &rec), 0);
	expect_full(&e, 16, 560, TSTATS_KIND_PID);
	e.flags = TSTATS_RECORD_VERSION_INFERRED;
	ck_record(&rec, &e);

	nlb_ts_build(payload, 560, 0, NLB_LAYOUT_V15, 15);
	ck_assert_int_eq(decode3(payload, 560, TSTATS_DECODE_TGID, 15, &rec), 0);
	expect_full(&e, 15, 560, TSTATS_KIND_TGID);
	e.flags = TSTATS_RECORD_VERSION_INFERRED;
	ck_record(&rec, &e);

	/* A non-zero version is never overridden by the fallback. */
	nlb_ts_build_version(payload, sizeof(payload), 16);
	ck_assert_int_eq(decode3(payload, 560, 0, 15, &rec), 0);
	expect_full(&e, 16, 560, TSTATS_KIND_PID);
	ck_record(&rec, &e);

	/* Without: inferred from the length. */
	for (size_t i = 0; i < sizeof(by_len) / sizeof(by_len[0]); i++) {
		nlb_ts_build(payload, by_len[i].len, 0, by_len[i].layout,
			     by_len[i].inferred);
		ck_assert_int_eq(decode3(payload, by_len[i].len, 0, 0, &rec), 0);
		expect_full(&e, by_len[i].inferred, by_len[i].len, TSTATS_KIND_PID);
		e.flags = TSTATS_RECORD_VERSION_INFERRED;
		ck_record(&rec, &e);
	}
}
END_TEST

/*
 * A zombie's TGID record: the kernel counted no thread, every value but
 * the version is 0. Only such TGID records are marked EMPTY_GROUP.
 */
TEST("edges", test_decode_empty_group)
{
	uint8_t zp[MAX_PAYLOAD] = { 0 };
	const uint16_t version = 16;
	struct tstats_record rec;
	const struct nlb_member *m;

	memcpy(zp, &version, sizeof(version));
	ck_assert_int_eq(decode3(zp, 560, TSTATS_DECODE_TGID, 0, &rec), 0);
	ck_assert_uint_eq(rec.flags, TSTATS_RECORD_EMPTY_GROUP);
	ck_assert(tstats_record_has(&rec, TSTATS_F_UTIME));
	ck_assert_int_eq(decode3(zp, 560, 0, 0, &rec), 0);
	ck_assert_uint_eq(rec.flags & TSTATS_RECORD_EMPTY_GROUP, 0);

	/* One count is enough to make it a real total. */
	m = nlb_ts_find(NLB_LAYOUT_MODERN, 16, TSTATS_F_NIVCSW);
	ck_assert_ptr_nonnull(m);
	zp[m->off] = 1;
	ck_assert_int_eq(decode3(zp, 560, TSTATS_DECODE_TGID, 0, &rec), 0);
	ck_assert_uint_eq(rec.flags & TSTATS_RECORD_EMPTY_GROUP, 0);
	/* A field TGID records leave out does not count. */
	zp[m->off] = 0;
	m = nlb_ts_find(NLB_LAYOUT_MODERN, 16, TSTATS_F_READ_CHAR);
	ck_assert_ptr_nonnull(m);
	zp[m->off] = 1;
	ck_assert_int_eq(decode3(zp, 560, TSTATS_DECODE_TGID, 0, &rec), 0);
	ck_assert_uint_eq(rec.flags & TSTATS_RECORD_EMPTY_GROUP, TSTATS_RECORD_EMPTY_GROUP);
}
END_TEST

TEST("edges", test_decode_tgid_fields)
{
	static const unsigned int in[] = {
		TSTATS_F_VERSION, TSTATS_F_CPU_COUNT, TSTATS_F_CPU_DELAY_TOTAL,
		TSTATS_F_BLKIO_DELAY_TOTAL, TSTATS_F_CPU_RUN_REAL_TOTAL,
		TSTATS_F_CPU_RUN_VIRTUAL_TOTAL, TSTATS_F_ETIME, TSTATS_F_UTIME,
		TSTATS_F_STIME, TSTATS_F_NVCSW, TSTATS_F_NIVCSW,
		TSTATS_F_IRQ_DELAY_TOTAL,
	};
	static const unsigned int out[] = {
		TSTATS_F_COMM, TSTATS_F_PID, TSTATS_F_PPID, TSTATS_F_UID,
		TSTATS_F_TGID, TSTATS_F_READ_BYTES, TSTATS_F_WRITE_CHAR,
		TSTATS_F_READ_SYSCALLS, TSTATS_F_COREMEM, TSTATS_F_VIRTMEM,
		TSTATS_F_HIWATER_RSS, TSTATS_F_MINFLT, TSTATS_F_BTIME64,
		TSTATS_F_EXE_INODE, TSTATS_F_TGETIME, TSTATS_F_FLAGS,
		TSTATS_F_NICE, TSTATS_F_EXIT_CODE, TSTATS_F_UTIMESCALED,
		TSTATS_F_CPU_DELAY_MAX, TSTATS_F_IRQ_DELAY_MIN,
		TSTATS_F_WPCOPY_DELAY_MAX_TS,
	};
	struct tstats_record rec;
	uint64_t v;

	nlb_ts_build_version(payload, sizeof(payload), 17);
	ck_assert_int_eq(decode3(payload, 688, TSTATS_DECODE_TGID, 0, &rec), 0);
	ck_assert_uint_eq(rec.kind, TSTATS_KIND_TGID);
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		ck_assert_msg(tstats_record_has(&rec, in[i]), "%s", fname(in[i]));
	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
		ck_assert_msg(!tstats_record_has(&rec, out[i]), "%s", fname(out[i]));
		if (out[i] != TSTATS_F_COMM)
			ck_assert_int_eq(tstats_record_get(&rec, out[i], &v), -ENODATA);
	}
	ck_assert_ptr_null(tstats_record_comm(&rec));

	/* The library's in_tgid column agrees with the kernel's list. */
	for (unsigned int f = 0; f < TSTATS_F__COUNT; f++)
		ck_assert_msg(tstats_field_info(f)->in_tgid == (tgid_field(f) ? 1u : 0u),
			      "in_tgid of %s", fname(f));
}
END_TEST

/* Signed nice, timespec conversion, a 32-byte comm with no NUL. */
TEST("edges", test_decode_values)
{
	struct tstats_record rec;
	int64_t ts[2];
	uint64_t v;

	nlb_ts_build_version(payload, sizeof(payload), 17);
	payload[9] = 0x13;	/* nice 19 */
	memset(payload + 80, 'x', 32);
	ts[0] = 0;
	ts[1] = 0;
	memcpy(payload + 560, ts, sizeof(ts));	/* no max yet */
	ts[0] = 1;
	ts[1] = 999999999;
	memcpy(payload + 576, ts, sizeof(ts));
	ck_assert_int_eq(decode3(payload, 688, 0, 0, &rec), 0);
	ck_assert_int_eq(tstats_record_get(&rec, TSTATS_F_NICE, &v), 0);
	ck_assert_int_eq((int64_t)v, 19);
	ck_assert_uint_eq(strlen(tstats_record_comm(&rec)), 32);
	ck_assert_int_eq(tstats_record_get(&rec, TSTATS_F_CPU_DELAY_MAX_TS, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(tstats_record_get(&rec, TSTATS_F_BLKIO_DELAY_MAX_TS, &v), 0);
	ck_assert_uint_eq(v, 1999999999u);

	payload[9] = 0x80;	/* nice -128: the extreme of an int8 */
	ck_assert_int_eq(decode3(payload, 688, 0, 0, &rec), 0);
	ck_assert_int_eq(tstats_record_get(&rec, TSTATS_F_NICE, &v), 0);
	ck_assert_int_eq((int64_t)v, -128);

	/* No time at all (nsec past a second, a negative second): absent,
	 * not a 0 that would read "no such delay yet". */
	ts[0] = 5;
	ts[1] = 1000000000;
	memcpy(payload + 560, ts, sizeof(ts));
	ts[0] = -1;
	ts[1] = 0;
	memcpy(payload + 576, ts, sizeof(ts));
	ck_assert_int_eq(decode3(payload, 688, 0, 0, &rec), 0);
	ck_assert_int_eq(tstats_record_get(&rec, TSTATS_F_CPU_DELAY_MAX_TS, &v), -ENODATA);
	ck_assert_int_eq(tstats_record_get(&rec, TSTATS_F_BLKIO_DELAY_MAX_TS, &v), -ENODATA);
	ck_assert_int_eq(tstats_record_get(&rec, TSTATS_F_SWAPIN_DELAY_MAX_TS, &v), 0);
}
END_TEST

/* ---------------------------------------------------------------------
 * Suite "fields": the field table and record accessors.
 */

static bool snake_case(const char *s)
{
	if (!islower((unsigned char)s[0]))
		return false;
	for (const char *p = s; *p; p++) {
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) &&
		    *p != '_')
			return false;
		if (p[0] == '_' && (p[1] == '_' || p[1] == '\0'))
			return false;
	}
	return true;
}

TEST("table", test_fields_table)
{
	unsigned int n = tstats_field_count();

	ck_assert_uint_eq(n, TSTATS_F__COUNT);
	ck_assert_uint_le(n, TSTATS_FIELD_CAPACITY);
	ck_assert_ptr_null(tstats_field_info(n));
	ck_assert_ptr_null(tstats_field_info(~0u));
	for (unsigned int f = 0; f < n; f++) {
		const struct tstats_field_info *fi = tstats_field_info(f);

		ck_assert_ptr_nonnull(fi);
		ck_assert_msg(fi->name && snake_case(fi->name), "name of %u", f);
		ck_assert_msg(fi->kernel_name && fi->kernel_name[0], "%s", fi->name);
		ck_assert_msg(fi->unit != NULL, "%s", fi->name);
		ck_assert_msg(fi->description && fi->description[0], "%s", fi->name);
		ck_assert_msg(fi->since >= 1 && fi->since <= TSTATS_VERSION_KNOWN,
			      "%s since %u", fi->name, fi->since);
		ck_assert_uint_le(fi->unit_id, TSTATS_UNIT_NICE);
		ck_assert_uint_le(fi->group, TSTATS_GROUP_DELAY);
		ck_assert_uint_le(fi->in_tgid, 1);
		ck_assert_int_eq(tstats_field_by_name(fi->name), (int)f);
		for (unsigned int g = 0; g < f; g++)
			ck_assert_str_ne(tstats_field_info(g)->name, fi->name);
	}
	ck_assert_int_eq(tstats_field_by_name("no_such_field"), -ENOENT);
	ck_assert_int_eq(tstats_field_by_name(""), -ENOENT);
	ck_assert_int_eq(tstats_field_by_name(NULL), -EINVAL);
	ck_assert_int_eq(tstats_field_info(TSTATS_F_COMM)->unit_id, TSTATS_UNIT_STRING);
	ck_assert_int_eq(tstats_field_info(TSTATS_F_NICE)->unit_id, TSTATS_UNIT_NICE);
	ck_assert_int_eq(tstats_field_info(TSTATS_F_CPU_DELAY_MAX_TS)->unit_id,
			 TSTATS_UNIT_EPOCH_NS);
}
END_TEST

/* "since" is the first version whose struct carries the field. */
TEST("table", test_fields_since)
{
	for (unsigned int f = 0; f < TSTATS_F__COUNT; f++) {
		unsigned int first = 0;

		for (unsigned int v = 1; v <= TSTATS_VERSION_KNOWN && !first; v++) {
			size_t len = nlb_ts_size(v);

			if (nlb_ts_find(nlb_ts_layout(v, len), v, f))
				first = v;
		}
		ck_assert_msg(tstats_field_info(f)->since == first,
			      "%s: since %u, the struct history says %u",
			      fname(f), tstats_field_info(f)->since, first);
	}
}
END_TEST

TEST("table", test_fields_delay_classes)
{
	unsigned int n = tstats_delay_class_count();

	ck_assert_uint_eq(n, 8);
	ck_assert_ptr_null(tstats_delay_class(n));
	for (unsigned int i = 0; i < n; i++) {
		const struct tstats_delay_class *c = tstats_delay_class(i);
		const int ids[] = { c->count, c->total, c->max, c->min, c->max_ts };
		static const char *const suffix[] = {
			"_count", "_delay_total", "_delay_max", "_delay_min",
			"_delay_max_ts",
		};

		ck_assert_ptr_nonnull(c);
		ck_assert(c->name && c->name[0] && c->description && c->description[0]);
		for (unsigned int j = 0; j < i; j++)
			ck_assert_str_ne(tstats_delay_class(j)->name, c->name);
		for (unsigned int k = 0; k < 5; k++) {
			char want[64];

			ck_assert_int_ge(ids[k], -1);
			ck_assert_int_lt(ids[k], TSTATS_F__COUNT);
			if (ids[k] < 0)
				continue;
			snprintf(want, sizeof(want), "%s%s", c->name, suffix[k]);
			ck_assert_str_eq(fname((unsigned int)ids[k]), want);
			ck_assert_int_eq(tstats_field_info((unsigned int)ids[k])->group,
					 TSTATS_GROUP_DELAY);
		}
		ck_assert_int_ge(c->count, 0);
		ck_assert_int_ge(c->total, 0);
	}
	ck_assert_str_eq(tstats_delay_class(0)->name, "cpu");
}
END_TEST

TEST("table", test_fields_accessors)
{
	struct tstats_record rec;
	uint64_t v = 7;

	nlb_ts_build_version(payload, sizeof(payload), 16);
	ck_assert_int_eq(decode3(payload, 560, 0, 0, &rec), 0);
	ck_assert(tstats_record_has(&rec, TSTATS_F_COMM));
	ck_assert_int_eq(tstats_record_get(&rec, TSTATS_F_COMM, &v), -EINVAL);
	ck_assert_uint_eq(v, 7);
	ck_assert_int_eq(tstats_record_get(&rec, TSTATS_F__COUNT, &v), -EINVAL);
	ck_assert_int_eq(tstats_record_get(&rec, TSTATS_FIELD_CAPACITY, &v), -EINVAL);
	ck_assert_int_eq(tstats_record_get(&rec, ~0u, &v), -EINVAL);
	ck_assert_uint_eq(v, 7);
	ck_assert_int_eq(tstats_record_has(&rec, TSTATS_F__COUNT), 0);
	ck_assert_int_eq(tstats_record_has(&rec, TSTATS_FIELD_CAPACITY), 0);
	ck_assert_int_eq(tstats_record_has(&rec, ~0u), 0);
	ck_assert_int_eq(tstats_record_get(&rec, TSTATS_F_PID, NULL), -EINVAL);
	ck_assert_int_eq(tstats_record_get(NULL, TSTATS_F_PID, &v), -EINVAL);
	ck_assert_int_eq(tstats_record_has(NULL, TSTATS_F_PID), 0);
	ck_assert_ptr_null(tstats_record_comm(NULL));
	/* Absent: -ENODATA and *ret untouched. */
	ck_assert_int_eq(tstats_record_get(&rec, TSTATS_F_IRQ_DELAY_MAX_TS, &v), -ENODATA);
	ck_assert_uint_eq(v, 7);
	/* A plain-data record is copyable. */
	{
		struct tstats_record copy = rec;

		ck_assert_int_eq(tstats_record_get(&copy, TSTATS_F_PID, &v), 0);
		ck_assert_uint_eq(v, nlb_ts_expect(TSTATS_F_PID));
		ck_assert_str_eq(tstats_record_comm(&copy), nlb_ts_expect_comm());
	}
}
END_TEST

/* ---------------------------------------------------------------------
 * Suite "parse": codec_parse_new() on built TASKSTATS_CMD_NEW messages.
 */

/* One aggregate nest: id attribute then STATS, optionally a NULL pad. */
static void put_aggr(struct nlb *b, uint16_t aggr, uint32_t id,
		     const void *stats, size_t len, bool pad)
{
	size_t nest = nlb_nest_start(b, aggr);

	nlb_put_u32(b, aggr == TS_TYPE_AGGR_PID ? TS_TYPE_PID : TS_TYPE_TGID, id);
	if (pad)
		nlb_put(b, TS_TYPE_NULL, NULL, 0);
	nlb_put(b, TS_TYPE_STATS, stats, len);
	nlb_nest_end(b, nest);
}

static size_t start_new(struct nlb *b, uint32_t seq)
{
	size_t off = nlb_msg_start(b, FAMILY, 0, seq, 777);

	nlb_genl(b, TS_CMD_NEW, TS_GENL_VERSION);
	return off;
}

/* Parses the attributes of the message at off, from an exact-size heap
 * copy so that any read past them is caught by valgrind/ASan. */
static int parse_msg(const struct nlb *b, size_t off, struct codec_reply *out,
		     const uint8_t **base)
{
	size_t len;
	const uint8_t *attrs = nlb_attrs(b, off, &len);
	uint8_t *copy = malloc(len ? len : 1);
	struct codec_reply tmp;
	int r, r2;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, attrs, len);
	r2 = codec_parse_new(copy, len, &tmp);
	free(copy);
	r = codec_parse_new(attrs, len, out);
	ck_assert_int_eq(r, r2);
	if (base)
		*base = nlb_data(b);
	return r;
}

static void decode_aggr(const struct codec_aggr *a, unsigned int kind,
			unsigned int fallback, struct tstats_record *rec)
{
	ck_assert(a->found);
	ck_assert_int_eq(codec_decode(a->stats, a->stats_len, kind, fallback, rec), 0);
}

TEST("replies", test_parse_pid)
{
	struct codec_reply rep;
	struct tstats_record rec;
	const uint8_t *base;
	struct expect e;
	struct nlb b;
	size_t len, off;

	len = nlb_ts_build_version(payload, sizeof(payload), 16);
	nlb_init(&b);
	off = start_new(&b, 1);
	put_aggr(&b, TS_TYPE_AGGR_PID, TEST_PID, payload, len, false);
	nlb_msg_end(&b);
	/* The kernel's shape (doc/abi.md section 3.2): 596 bytes, STATS at 36. */
	ck_assert_uint_eq(nlb_len(&b), 596);

	ck_assert_int_eq(parse_msg(&b, off, &rep, &base), 0);
	ck_assert(rep.pid.found);
	ck_assert(!rep.tgid.found);
	ck_assert_uint_eq(rep.pid.id, TEST_PID);
	ck_assert_uint_eq(rep.pid.stats_len, 560);
	ck_assert_ptr_eq(rep.pid.stats, base + 36);
	ck_assert_uint_eq((uintptr_t)rep.pid.stats % 8, 4);
	decode_aggr(&rep.pid, TSTATS_KIND_PID, 0, &rec);
	expect_full(&e, 16, 560, TSTATS_KIND_PID);
	ck_record(&rec, &e);
}
END_TEST

TEST("replies", test_parse_tgid)
{
	struct codec_reply rep;
	struct tstats_record rec;
	struct expect e;
	struct nlb b;
	size_t len, off;

	len = nlb_ts_build_version(payload, sizeof(payload), 17);
	nlb_init(&b);
	off = start_new(&b, 2);
	put_aggr(&b, TS_TYPE_AGGR_TGID, TEST_TGID, payload, len, false);
	nlb_msg_end(&b);
	ck_assert_int_eq(parse_msg(&b, off, &rep, NULL), 0);
	ck_assert(!rep.pid.found);
	ck_assert(rep.tgid.found);
	ck_assert_uint_eq(rep.tgid.id, TEST_TGID);
	ck_assert_uint_eq(rep.tgid.stats_len, 688);
	decode_aggr(&rep.tgid, TSTATS_KIND_TGID, 0, &rec);
	expect_full(&e, 17, 688, TSTATS_KIND_TGID);
	ck_record(&rec, &e);
}
END_TEST

/* Exit event of a group's last thread: AGGR_PID then AGGR_TGID, the TGID
 * record with version 0 (kernels before the 2026 fix). */
static size_t build_exit_event(struct nlb *b, uint8_t *tgid_payload)
{
	size_t off;

	nlb_ts_build_version(payload, sizeof(payload), 16);
	nlb_ts_build(tgid_payload, 560, 0, NLB_LAYOUT_MODERN, 16);
	off = nlb_msg_start(b, FAMILY, 0, 0, 0);
	nlb_genl(b, TS_CMD_NEW, TS_GENL_VERSION);
	put_aggr(b, TS_TYPE_AGGR_PID, TEST_PID, payload, 560, false);
	put_aggr(b, TS_TYPE_AGGR_TGID, TEST_TGID, tgid_payload, 560, false);
	nlb_msg_end(b);
	return off;
}

TEST("replies", test_parse_exit_event)
{
	uint8_t tgid_payload[560];
	struct codec_reply rep;
	struct tstats_record rec;
	const uint8_t *base;
	struct expect e;
	struct nlb b;
	size_t off;

	nlb_init(&b);
	off = build_exit_event(&b, tgid_payload);
	ck_assert_uint_eq(nlb_len(&b), 1172);
	ck_assert_int_eq(parse_msg(&b, off, &rep, &base), 0);
	ck_assert(rep.pid.found && rep.tgid.found);
	ck_assert_uint_eq(rep.pid.id, TEST_PID);
	ck_assert_uint_eq(rep.tgid.id, TEST_TGID);
	ck_assert_ptr_eq(rep.pid.stats, base + 36);
	ck_assert_ptr_eq(rep.tgid.stats, base + 612);

	decode_aggr(&rep.pid, TSTATS_KIND_PID, 0, &rec);
	expect_full(&e, 16, 560, TSTATS_KIND_PID);
	ck_record(&rec, &e);

	/* The TGID record's version comes from its sibling. */
	decode_aggr(&rep.tgid, TSTATS_KIND_TGID, rec.version, &rec);
	expect_full(&e, 16, 560, TSTATS_KIND_TGID);
	e.flags = TSTATS_RECORD_VERSION_INFERRED;
	ck_record(&rec, &e);
}
END_TEST

/* A zero-length TYPE_NULL pad inside the nest (what nla_reserve_64bit()
 * adds on arches without efficient unaligned access), and one more at the
 * top level before the nest. */
TEST("replies", test_parse_null_pad)
{
	struct codec_reply rep;
	struct tstats_record rec;
	const uint8_t *base;
	struct expect e;
	struct nlb b;
	size_t len, off;

	len = nlb_ts_build_version(payload, sizeof(payload), 16);
	expect_full(&e, 16, 560, TSTATS_KIND_PID);

	nlb_init(&b);
	off = start_new(&b, 3);
	put_aggr(&b, TS_TYPE_AGGR_PID, TEST_PID, payload, len, true);
	nlb_msg_end(&b);
	ck_assert_int_eq(parse_msg(&b, off, &rep, &base), 0);
	ck_assert_uint_eq(rep.pid.id, TEST_PID);
	ck_assert_uint_eq(rep.pid.stats_len, 560);
	/* The pad exists to 8-align the payload: offset 40. */
	ck_assert_ptr_eq(rep.pid.stats, base + 40);
	ck_assert_uint_eq((uintptr_t)rep.pid.stats % 8, 0);
	decode_aggr(&rep.pid, TSTATS_KIND_PID, 0, &rec);
	ck_record(&rec, &e);

	nlb_init(&b);
	off = start_new(&b, 3);
	nlb_put(&b, TS_TYPE_NULL, NULL, 0);
	put_aggr(&b, TS_TYPE_AGGR_PID, TEST_PID, payload, len, true);
	nlb_msg_end(&b);
	ck_assert_int_eq(parse_msg(&b, off, &rep, &base), 0);
	ck_assert_uint_eq(rep.pid.id, TEST_PID);
	ck_assert_ptr_eq(rep.pid.stats, base + 44);
	decode_aggr(&rep.pid, TSTATS_KIND_PID, 0, &rec);
	ck_record(&rec, &e);
}
END_TEST

TEST("replies", test_parse_unknown_attrs)
{
	static const uint8_t junk[3] = { 1, 2, 3 };
	struct codec_reply rep;
	struct tstats_record rec;
	struct expect e;
	struct nlb b;
	size_t len, off, nest;

	len = nlb_ts_build_version(payload, sizeof(payload), 13);
	nlb_init(&b);
	off = start_new(&b, 4);
	nlb_put(&b, 77, junk, sizeof(junk));
	nlb_put_u32(&b, TS_TYPE_PID, 1);	/* outside a nest: ignored */
	nest = nlb_nest_start(&b, TS_TYPE_AGGR_PID | NLA_F_NESTED);
	nlb_put(&b, 99, junk, sizeof(junk));
	nlb_put_u32(&b, TS_TYPE_TGID, 5);	/* not the id of AGGR_PID */
	nlb_put_u32(&b, TS_TYPE_PID, TEST_PID);
	nlb_put(&b, 0, NULL, 0);
	nlb_put(&b, TS_TYPE_STATS, payload, len);
	nlb_put(&b, 0x3fff, junk, 1);
	nlb_nest_end(&b, nest);
	nlb_put(&b, 200, junk, 2);
	nlb_msg_end(&b);
	ck_assert_int_eq(parse_msg(&b, off, &rep, NULL), 0);
	ck_assert(rep.pid.found);
	ck_assert(!rep.tgid.found);
	ck_assert_uint_eq(rep.pid.id, TEST_PID);
	ck_assert_uint_eq(rep.pid.stats_len, 416);
	decode_aggr(&rep.pid, TSTATS_KIND_PID, 0, &rec);
	expect_full(&e, 13, 416, TSTATS_KIND_PID);
	ck_record(&rec, &e);
}
END_TEST

/* Malformed messages, each built by a small recipe. */
enum bad {
	BAD_NEST_PAST_END,
	BAD_INNER_PAST_NEST,
	BAD_NEST_LEN_SMALL,
	BAD_NEST_LEN_ZERO,
	BAD_INNER_LEN_SMALL,
	BAD_INNER_LEN_ZERO,
	BAD_NO_STATS,
	BAD_DUP_STATS,
	BAD_DUP_AGGR_PID,
	BAD_DUP_AGGR_TGID,
	BAD_ZERO_STATS,
	BAD_ONE_BYTE_STATS,
	BAD_NO_PID,
	BAD_SHORT_PID,
	BAD_EMPTY_PID,
	BAD_DUP_PID,
	BAD_EMPTY_NEST,
	BAD_NO_AGGR,
	BAD_NO_ATTRS,
	BAD_GOOD_THEN_BAD,
	BAD__N
};

static size_t build_bad(struct nlb *b, enum bad kind)
{
	static const uint8_t two[2] = { 0x10, 0x00 };
	size_t off, nest, a;

	nlb_ts_build_version(payload, sizeof(payload), 16);
	nlb_init(b);
	off = start_new(b, 9);
	switch (kind) {
	case BAD_NEST_PAST_END:
		nest = nlb_nest_start(b, TS_TYPE_AGGR_PID);
		nlb_put_u32(b, TS_TYPE_PID, TEST_PID);
		nlb_put(b, TS_TYPE_STATS, payload, 560);
		nlb_nest_end(b, nest);
		nlb_set_nla_len(b, nest, (uint16_t)(b->len - nest + 4));
		break;
	case BAD_INNER_PAST_NEST:
		nest = nlb_nest_start(b, TS_TYPE_AGGR_PID);
		nlb_put_u32(b, TS_TYPE_PID, TEST_PID);
		a = nlb_put(b, TS_TYPE_STATS, payload, 560);
		nlb_nest_end(b, nest);
		nlb_set_nla_len(b, a, 4 + 560 + 8);
		/* A following attribute, so the bytes exist in the message. */
		nlb_put_u32(b, 77, 0);
		break;
	case BAD_NEST_LEN_SMALL:
	case BAD_NEST_LEN_ZERO:
		a = nlb_put_u32(b, TS_TYPE_AGGR_PID, 0);
		nlb_set_nla_len(b, a, kind == BAD_NEST_LEN_ZERO ? 0 : 2);
		put_aggr(b, TS_TYPE_AGGR_PID, TEST_PID, payload, 560, false);
		break;
	case BAD_INNER_LEN_SMALL:
	case BAD_INNER_LEN_ZERO:
		nest = nlb_nest_start(b, TS_TYPE_AGGR_PID);
		nlb_put_u32(b, TS_TYPE_PID, TEST_PID);
		a = nlb_put_u32(b, 99, 0);
		nlb_set_nla_len(b, a, kind == BAD_INNER_LEN_ZERO ? 0 : 3);
		nlb_put(b, TS_TYPE_STATS, payload, 560);
		nlb_nest_end(b, nest);
		break;
	case BAD_NO_STATS:
		nest = nlb_nest_start(b, TS_TYPE_AGGR_PID);
		nlb_put_u32(b, TS_TYPE_PID, TEST_PID);
		nlb_nest_end(b, nest);
		break;
	case BAD_DUP_STATS:
		nest = nlb_nest_start(b, TS_TYPE_AGGR_PID);
		nlb_put_u32(b, TS_TYPE_PID, TEST_PID);
		nlb_put(b, TS_TYPE_STATS, payload, 560);
		nlb_put(b, TS_TYPE_STATS, payload, 560);
		nlb_nest_end(b, nest);
		break;
	case BAD_DUP_AGGR_PID:
		put_aggr(b, TS_TYPE_AGGR_PID, TEST_PID, payload, 560, false);
		put_aggr(b, TS_TYPE_AGGR_PID, TEST_PID + 1, payload, 560, false);
		break;
	case BAD_DUP_AGGR_TGID:
		put_aggr(b, TS_TYPE_AGGR_TGID, TEST_TGID, payload, 560, false);
		put_aggr(b, TS_TYPE_AGGR_PID, TEST_PID, payload, 560, false);
		put_aggr(b, TS_TYPE_AGGR_TGID, TEST_TGID, payload, 560, false);
		break;
	case BAD_ZERO_STATS:
	case BAD_ONE_BYTE_STATS:
		nest = nlb_nest_start(b, TS_TYPE_AGGR_PID);
		nlb_put_u32(b, TS_TYPE_PID, TEST_PID);
		nlb_put(b, TS_TYPE_STATS, payload, kind == BAD_ZERO_STATS ? 0 : 1);
		nlb_nest_end(b, nest);
		break;
	case BAD_NO_PID:
		nest = nlb_nest_start(b, TS_TYPE_AGGR_PID);
		nlb_put(b, TS_TYPE_STATS, payload, 560);
		nlb_nest_end(b, nest);
		break;
	case BAD_SHORT_PID:
	case BAD_EMPTY_PID:
		nest = nlb_nest_start(b, TS_TYPE_AGGR_PID);
		nlb_put(b, TS_TYPE_PID, two, kind == BAD_SHORT_PID ? 2 : 0);
		nlb_put(b, TS_TYPE_STATS, payload, 560);
		nlb_nest_end(b, nest);
		break;
	case BAD_DUP_PID:
		nest = nlb_nest_start(b, TS_TYPE_AGGR_PID);
		nlb_put_u32(b, TS_TYPE_PID, TEST_PID);
		nlb_put_u32(b, TS_TYPE_PID, TEST_PID + 1);
		nlb_put(b, TS_TYPE_STATS, payload, 560);
		nlb_nest_end(b, nest);
		break;
	case BAD_EMPTY_NEST:
		nest = nlb_nest_start(b, TS_TYPE_AGGR_TGID);
		nlb_nest_end(b, nest);
		break;
	case BAD_NO_AGGR:
		nlb_put_u32(b, TS_TYPE_PID, TEST_PID);
		nlb_put(b, TS_TYPE_STATS, payload, 560);
		break;
	case BAD_NO_ATTRS:
		break;
	case BAD_GOOD_THEN_BAD:
		put_aggr(b, TS_TYPE_AGGR_PID, TEST_PID, payload, 560, false);
		a = nlb_put_u32(b, 77, 0);
		nlb_set_nla_len(b, a, 200);
		break;
	default:
		break;
	}
	nlb_msg_end(b);
	return off;
}

LOOP_TEST("malformed", test_parse_malformed, 0, BAD__N)
{
	struct codec_reply rep;
	struct nlb b;
	size_t off;

	off = build_bad(&b, (enum bad)_i);
	ck_assert_msg(parse_msg(&b, off, &rep, NULL) == -EBADMSG,
		      "malformed case %d was accepted", _i);
}
END_TEST

/*
 * Robustness: every prefix of an exit event, and every byte of it set to
 * a few values, parses to 0 or -EBADMSG, and on success the payloads lie
 * inside the parsed bytes. Run from exact-size heap copies (parse_msg).
 */
static void check_parse_result(const uint8_t *attrs, size_t len)
{
	struct codec_reply rep;
	int r = codec_parse_new(attrs, len, &rep);

	ck_assert_msg(r == 0 || r == -EBADMSG, "r = %d", r);
	if (r)
		return;
	ck_assert(rep.pid.found || rep.tgid.found);
	if (rep.pid.found)
		ck_assert(rep.pid.stats >= attrs &&
			  rep.pid.stats + rep.pid.stats_len <= attrs + len);
	if (rep.tgid.found)
		ck_assert(rep.tgid.stats >= attrs &&
			  rep.tgid.stats + rep.tgid.stats_len <= attrs + len);
}

TEST("malformed", test_parse_fuzz)
{
	static const uint8_t vals[] = { 0x00, 0x01, 0x03, 0x04, 0x05, 0x06, 0xff };
	uint8_t tgid_payload[560];
	const uint8_t *attrs;
	uint8_t *copy;
	struct nlb b;
	size_t len;

	nlb_init(&b);
	attrs = nlb_attrs(&b, build_exit_event(&b, tgid_payload), &len);
	for (size_t cut = 0; cut <= len; cut++) {
		copy = malloc(cut ? cut : 1);
		ck_assert_ptr_nonnull(copy);
		memcpy(copy, attrs, cut);
		check_parse_result(copy, cut);
		free(copy);
	}
	copy = malloc(len);
	ck_assert_ptr_nonnull(copy);
	/* Headers live in the first 24 and around 576..600 bytes; fuzz
	 * every byte outside the two payloads' interiors. */
	for (size_t pos = 0; pos < len; pos++) {
		if ((pos >= 24 && pos < 560) || (pos >= 600 && pos < len - 16))
			continue;
		for (size_t k = 0; k < sizeof(vals); k++) {
			memcpy(copy, attrs, len);
			copy[pos] = vals[k];
			check_parse_result(copy, len);
		}
	}
	free(copy);
}
END_TEST

/* ---------------------------------------------------------------------
 * Suite "walk": codec_walk() over datagrams.
 */

#define MAX_SEEN 8

struct seen {
	unsigned int n;
	struct codec_msg msg[MAX_SEEN];
	int stop_with;		/* returned from the callback */
};

static int collect(const struct codec_msg *m, void *userdata)
{
	struct seen *s = userdata;

	ck_assert_uint_lt(s->n, MAX_SEEN);
	s->msg[s->n++] = *m;
	return s->stop_with;
}

/* Walks an exact-size heap copy (valgrind/ASan catch over-reads); message
 * pointers are rebased onto the builder's buffer. */
static int walk(const struct nlb *b, size_t len, struct seen *s)
{
	uint8_t *copy = malloc(len ? len : 1);
	int r;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, nlb_data(b), len);
	r = codec_walk(copy, len, FAMILY, collect, s);
	for (unsigned int i = 0; i < s->n; i++)
		if (s->msg[i].attrs)
			s->msg[i].attrs = nlb_data(b) + (s->msg[i].attrs - copy);
	free(copy);
	return r;
}

TEST("datagrams", test_walk_reply)
{
	struct seen s = { 0 };
	struct codec_reply rep;
	struct nlb b;
	size_t len;

	len = nlb_ts_build_version(payload, sizeof(payload), 16);
	nlb_init(&b);
	nlb_msg_start(&b, FAMILY, 0, 1234, 777);
	nlb_genl(&b, TS_CMD_NEW, TS_GENL_VERSION);
	put_aggr(&b, TS_TYPE_AGGR_PID, TEST_PID, payload, len, false);
	nlb_msg_end(&b);

	ck_assert_int_eq(walk(&b, nlb_len(&b), &s), 0);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_int_eq(s.msg[0].cls, MSG_DATA);
	ck_assert_uint_eq(s.msg[0].seq, 1234);
	ck_assert_uint_eq(s.msg[0].portid, 777);
	ck_assert_uint_eq(s.msg[0].type, FAMILY);
	ck_assert_uint_eq(s.msg[0].cmd, TS_CMD_NEW);
	ck_assert_ptr_eq(s.msg[0].attrs, nlb_data(&b) + 20);
	ck_assert_uint_eq(s.msg[0].attrs_len, 596 - 20);
	ck_assert_int_eq(codec_parse_new(s.msg[0].attrs, s.msg[0].attrs_len, &rep), 0);
	ck_assert_uint_eq(rep.pid.id, TEST_PID);
}
END_TEST

/* Two messages in one datagram: both visited, in order. */
TEST("datagrams", test_walk_two_messages)
{
	uint8_t tgid_payload[560];
	struct seen s = { 0 };
	struct codec_reply rep;
	struct nlb b;
	size_t second;

	nlb_init(&b);
	build_exit_event(&b, tgid_payload);
	second = nlb_msg_start(&b, FAMILY, 0, 1, 0);
	nlb_genl(&b, TS_CMD_NEW, TS_GENL_VERSION);
	put_aggr(&b, TS_TYPE_AGGR_PID, TEST_PID + 1, payload, 560, false);
	nlb_msg_end(&b);
	nlb_error(&b, 0, 5, 777);	/* an ACK */

	ck_assert_int_eq(walk(&b, nlb_len(&b), &s), 0);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_int_eq(s.msg[0].cls, MSG_DATA);
	ck_assert_int_eq(s.msg[1].cls, MSG_DATA);
	ck_assert_ptr_eq(s.msg[1].attrs, nlb_data(&b) + second + 20);
	ck_assert_uint_eq(s.msg[1].seq, 1);
	ck_assert_int_eq(s.msg[2].cls, MSG_ERROR);
	ck_assert_int_eq(s.msg[2].error, 0);
	ck_assert_uint_eq(s.msg[2].seq, 5);

	ck_assert_int_eq(codec_parse_new(s.msg[0].attrs, s.msg[0].attrs_len, &rep), 0);
	ck_assert(rep.pid.found && rep.tgid.found);
	ck_assert_int_eq(codec_parse_new(s.msg[1].attrs, s.msg[1].attrs_len, &rep), 0);
	ck_assert_uint_eq(rep.pid.id, TEST_PID + 1);

	/* The callback stops the walk with its own value. */
	memset(&s, 0, sizeof(s));
	s.stop_with = 42;
	ck_assert_int_eq(walk(&b, nlb_len(&b), &s), 42);
	ck_assert_uint_eq(s.n, 1);
	memset(&s, 0, sizeof(s));
	s.stop_with = -EIO;
	ck_assert_int_eq(walk(&b, nlb_len(&b), &s), -EIO);
	ck_assert_uint_eq(s.n, 1);
}
END_TEST

/* The kernel's errno passes through exactly. */
TEST("datagrams", test_walk_errors)
{
	static const int errs[] = { -ESRCH, -EPERM, -ENOBUFS, -EINVAL, -ERANGE,
				    -EOPNOTSUPP, -ENOENT };
	struct seen s;
	struct nlb b;

	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		memset(&s, 0, sizeof(s));
		nlb_init(&b);
		nlb_error(&b, errs[i], 100 + (uint32_t)i, 777);
		ck_assert_uint_eq(nlb_len(&b), NLMSG_HDRLEN + sizeof(struct nlmsgerr));
		ck_assert_int_eq(walk(&b, nlb_len(&b), &s), 0);
		ck_assert_uint_eq(s.n, 1);
		ck_assert_int_eq(s.msg[0].cls, MSG_ERROR);
		ck_assert_int_eq(s.msg[0].error, errs[i]);
		ck_assert_uint_eq(s.msg[0].seq, 100 + i);
		ck_assert_uint_eq(s.msg[0].type, NLMSG_ERROR);
	}
	/* Error after a data message in the same datagram. */
	memset(&s, 0, sizeof(s));
	nlb_init(&b);
	start_new(&b, 1);
	put_aggr(&b, TS_TYPE_AGGR_PID, TEST_PID, payload, 560, false);
	nlb_error(&b, -ESRCH, 2, 777);
	ck_assert_int_eq(walk(&b, nlb_len(&b), &s), 0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_int_eq(s.msg[1].error, -ESRCH);
}
END_TEST

TEST("datagrams", test_walk_short_error)
{
	static const int32_t err = -ESRCH;
	struct seen s = { 0 };
	struct nlb b;

	nlb_init(&b);
	nlb_msg_start(&b, NLMSG_ERROR, 0, 1, 777);
	nlb_raw(&b, &err, 2);
	nlb_msg_end(&b);
	ck_assert_int_eq(walk(&b, nlb_len(&b), &s), -EBADMSG);
	ck_assert_uint_eq(s.n, 0);

	nlb_init(&b);
	nlb_msg_start(&b, NLMSG_ERROR, 0, 1, 777);
	nlb_msg_end(&b);
	ck_assert_int_eq(walk(&b, nlb_len(&b), &s), -EBADMSG);
	ck_assert_uint_eq(s.n, 0);

	/* Just the errno (no echoed header) is enough to report it. */
	nlb_init(&b);
	nlb_msg_start(&b, NLMSG_ERROR, 0, 1, 777);
	nlb_raw(&b, &err, 4);
	nlb_msg_end(&b);
	ck_assert_int_eq(walk(&b, nlb_len(&b), &s), 0);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_int_eq(s.msg[0].error, -ESRCH);
}
END_TEST

TEST("datagrams", test_walk_bogus_len)
{
	static const uint32_t bogus[] = { 0, 1, 15, 597, 4096, 0xffffffffu };
	struct seen s;
	struct nlb b;

	for (size_t i = 0; i < sizeof(bogus) / sizeof(bogus[0]); i++) {
		/* Alone. */
		memset(&s, 0, sizeof(s));
		nlb_init(&b);
		start_new(&b, 1);
		put_aggr(&b, TS_TYPE_AGGR_PID, TEST_PID, payload, 560, false);
		nlb_msg_end(&b);
		nlb_set_msg_len(&b, bogus[i]);
		ck_assert_msg(walk(&b, nlb_len(&b), &s) == -EBADMSG,
			      "nlmsg_len %u accepted", bogus[i]);
		ck_assert_uint_eq(s.n, 0);

		/* After a good message: that one is still delivered. */
		memset(&s, 0, sizeof(s));
		nlb_init(&b);
		nlb_error(&b, 0, 1, 777);
		start_new(&b, 2);
		put_aggr(&b, TS_TYPE_AGGR_PID, TEST_PID, payload, 560, false);
		nlb_msg_end(&b);
		nlb_set_msg_len(&b, bogus[i]);
		ck_assert_int_eq(walk(&b, nlb_len(&b), &s), -EBADMSG);
		ck_assert_uint_eq(s.n, 1);
	}

	/* A message cut short by the datagram (MSG_TRUNC-like). */
	memset(&s, 0, sizeof(s));
	nlb_init(&b);
	start_new(&b, 1);
	put_aggr(&b, TS_TYPE_AGGR_PID, TEST_PID, payload, 560, false);
	nlb_msg_end(&b);
	ck_assert_int_eq(walk(&b, nlb_len(&b) - 1, &s), -EBADMSG);
	ck_assert_uint_eq(s.n, 0);

	/* A data message too short for its genlmsghdr. */
	memset(&s, 0, sizeof(s));
	nlb_init(&b);
	nlb_msg_start(&b, FAMILY, 0, 1, 777);
	nlb_raw(&b, "\x02\x01", 2);
	nlb_msg_end(&b);
	ck_assert_int_eq(walk(&b, nlb_len(&b), &s), -EBADMSG);
	ck_assert_uint_eq(s.n, 0);
}
END_TEST

/* Messages of other types or families are handed over as MSG_OTHER. */
TEST("datagrams", test_walk_other)
{
	struct seen s = { 0 };
	struct nlb b;

	nlb_init(&b);
	nlb_msg_start(&b, NLMSG_NOOP, 0, 1, 0);
	nlb_msg_end(&b);
	nlb_msg_start(&b, FAMILY + 1, 0, 2, 0);
	nlb_genl(&b, TS_CMD_NEW, 1);
	nlb_msg_end(&b);
	nlb_msg_start(&b, NLMSG_DONE, NLM_F_MULTI, 3, 0);
	nlb_raw(&b, "\0\0\0\0", 4);
	nlb_msg_end(&b);
	ck_assert_int_eq(walk(&b, nlb_len(&b), &s), 0);
	ck_assert_uint_eq(s.n, 3);
	for (unsigned int i = 0; i < 3; i++) {
		ck_assert_int_eq(s.msg[i].cls, MSG_OTHER);
		ck_assert_uint_eq(s.msg[i].seq, i + 1);
		ck_assert_ptr_null(s.msg[i].attrs);
	}
	ck_assert_uint_eq(s.msg[2].nlflags, NLM_F_MULTI);

	/* An empty datagram visits nothing. */
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(codec_walk(nlb_data(&b), 0, FAMILY, collect, &s), 0);
	ck_assert_uint_eq(s.n, 0);
}
END_TEST

/* --------------------------------------------------------------------- */

/*
 * Suite "captured": real replies of every struct era, captured from Debian
 * kernels under QEMU by scripts/test-kernels.sh (fuzz-capture with a tag)
 * into the fuzz corpus: a PID and a TGID reply of the capturing process and
 * the exit messages of its two children (capture-st, single-threaded, exit
 * status 3; capture-mt, three threads, exit status 4).
 */
static const struct captured {
	const char *tag;	/* fuzz/corpus/reply/real-TAG-* ("": real-*) */
	unsigned int version;
	size_t len;
	bool tgid_exit_v0;	/* TGID exit record of version 0 (before the 2026
				 * fix "taskstats: set version in TGID exit
				 * notifications", which 6.1.y has) */
	bool tgid_exit_delays;	/* TGID exit record of the delays alone */
} captured[] = {
	{ "linux5.10.223", 10, 352, true, true },	/* bullseye */
	{ "linux6.1.176", 13, 416, false, true },	/* bookworm */
	{ "linux6.12.95", 14, 432, false, true },	/* bookworm-backports */
	{ "linux6.12.117", 14, 432, false, false },	/* trixie */
	{ "", 16, 560, false, false },			/* 6.18, the first capture */
	{ "linux7.2.13", 17, 688, false, false },	/* sid */
};

struct datagram {
	uint8_t *buf;
	size_t len;
};

/* The datagram DIR/real-TAG-WHAT-N; buf NULL when there is no such file. */
static struct datagram load_capture(const char *tag, const char *what, unsigned int n)
{
	const char *src = getenv("TSTATS_SRCDIR");
	struct datagram d = { NULL, 0 };
	char path[4096];
	long size;
	FILE *f;

	ck_assert_msg(src && *src, "TSTATS_SRCDIR is not set");
	snprintf(path, sizeof(path), "%s/fuzz/corpus/reply/real-%s%s%s-%u", src, tag,
		 *tag ? "-" : "", what, n);
	f = fopen(path, "rbe");
	if (!f)
		return d;
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	ck_assert(size > 0);
	rewind(f);
	d.len = (size_t)size;
	d.buf = malloc(d.len);
	ck_assert_ptr_nonnull(d.buf);
	ck_assert_uint_eq(fread(d.buf, 1, d.len, f), d.len);
	fclose(f);
	return d;
}

struct one_reply {
	int n;
	struct codec_reply rep;
};

static int take_reply(const struct codec_msg *m, void *userdata)
{
	struct one_reply *o = userdata;

	ck_assert_int_eq(m->cls, MSG_DATA);
	ck_assert_uint_eq(m->cmd, TS_CMD_NEW);
	ck_assert_int_eq(codec_parse_new(m->attrs, m->attrs_len, &o->rep), 0);
	o->n++;
	return 0;
}

/* The one taskstats message of a captured datagram. */
static struct codec_reply parse_capture(const struct datagram *d)
{
	struct one_reply o = { 0 };
	struct nlmsghdr h;

	ck_assert_uint_ge(d->len, sizeof(h));
	memcpy(&h, d->buf, sizeof(h));
	/* The family id is whatever the kernel gave it: the header says. */
	ck_assert_int_eq(codec_walk(d->buf, d->len, h.nlmsg_type, take_reply, &o), 0);
	ck_assert_int_eq(o.n, 1);
	return o.rep;
}

/* A record of kernel era c: its size, and exactly its version's fields. */
static void ck_era(const struct captured *c, const struct tstats_record *rec,
		   unsigned int kind)
{
	ck_assert_uint_eq(rec->kind, kind);
	ck_assert_uint_eq(rec->version, c->version);
	ck_assert_uint_eq(rec->payload_len, c->len);
	ck_assert_uint_eq(rec->flags & (TSTATS_RECORD_SHORT | TSTATS_RECORD_NEWER), 0);
	for (unsigned int f = 0; f < TSTATS_F__COUNT; f++) {
		const struct tstats_field_info *fi = tstats_field_info(f);
		bool want = fi->since <= c->version && (kind == TSTATS_KIND_PID || fi->in_tgid);

		ck_assert_msg(tstats_record_has(rec, f) == want, "%s: %s %s", c->tag, fi->name,
			      want ? "absent" : "present");
	}
}

LOOP_TEST("eras", test_captured_query, 0, (int)(sizeof(captured) / sizeof(captured[0])))
{
	const struct captured *c = &captured[_i];
	struct datagram pid = load_capture(c->tag, "query-pid-self", 1);
	struct datagram tgid = load_capture(c->tag, "query-tgid-self", 1);
	struct codec_reply rep;
	struct tstats_record rec;
	uint64_t v;

	ck_assert_msg(pid.buf && tgid.buf, "%s: no captured replies", c->tag);
	rep = parse_capture(&pid);
	ck_assert(rep.pid.found && !rep.tgid.found);
	decode_aggr(&rep.pid, TSTATS_KIND_PID, 0, &rec);
	ck_era(c, &rec, TSTATS_KIND_PID);
	ck_assert_int_eq(tstats_record_get(&rec, TSTATS_F_PID, &v), 0);
	ck_assert_uint_eq(v, rep.pid.id);
	if (c->version >= 12) {
		ck_assert_int_eq(tstats_record_get(&rec, TSTATS_F_TGID, &v), 0);
		ck_assert_uint_eq(v, rep.pid.id);
	}
	ck_assert_str_eq(tstats_record_comm(&rec), "fuzz-capture");
	ck_assert_int_eq(tstats_record_get(&rec, TSTATS_F_CPU_COUNT, &v), 0);
	ck_assert_uint_gt(v, 0);

	rep = parse_capture(&tgid);
	ck_assert(rep.tgid.found && !rep.pid.found);
	decode_aggr(&rep.tgid, TSTATS_KIND_TGID, 0, &rec);
	ck_era(c, &rec, TSTATS_KIND_TGID);
	ck_assert_ptr_null(tstats_record_comm(&rec));
	ck_assert_int_eq(tstats_record_get(&rec, TSTATS_F_CPU_COUNT, &v), 0);
	ck_assert_uint_gt(v, 0);	/* it ran */
	free(pid.buf);
	free(tgid.buf);
}
END_TEST

/*
 * The exit messages: capture-st's alone, capture-mt's threads and then its
 * last one with the group's record. Before the 2026 fix that record reads
 * version 0, and its version comes from the PID record beside it; older
 * kernels sum only the delays into it (kernel/taskstats.c,
 * fill_tgid_exit()), so elapsed time and switches read 0.
 */
LOOP_TEST("eras", test_captured_exit, 0, (int)(sizeof(captured) / sizeof(captured[0])))
{
	const struct captured *c = &captured[_i];
	unsigned int st = 0, mt_threads = 0, groups = 0;

	for (unsigned int n = 1;; n++) {
		struct datagram d = load_capture(c->tag, "exit", n);
		struct tstats_record pid, tgid;
		struct codec_reply rep;
		const char *comm;
		uint64_t code, v;

		if (!d.buf)
			break;
		if (d.len >= sizeof(struct nlmsghdr) &&
		    ((struct nlmsghdr *)(void *)d.buf)->nlmsg_type == NLMSG_ERROR) {
			free(d.buf);	/* the registration's ACK */
			continue;
		}
		rep = parse_capture(&d);
		ck_assert(rep.pid.found);
		decode_aggr(&rep.pid, TSTATS_KIND_PID, 0, &pid);
		ck_era(c, &pid, TSTATS_KIND_PID);
		comm = tstats_record_comm(&pid);
		ck_assert_ptr_nonnull(comm);
		ck_assert_int_eq(tstats_record_get(&pid, TSTATS_F_EXIT_CODE, &code), 0);
		if (strcmp(comm, "capture-st") == 0) {
			ck_assert(!rep.tgid.found);
			ck_assert_uint_eq(code, 3u << 8);
			st++;
			free(d.buf);
			continue;
		}
		mt_threads++;
		if (!rep.tgid.found) {
			free(d.buf);
			continue;
		}
		/* The group's last thread: the leader, which joined the others. */
		ck_assert_str_eq(comm, "capture-mt");
		ck_assert_uint_eq(code, 4u << 8);
		ck_assert_uint_eq(rep.tgid.id, rep.pid.id);
		decode_aggr(&rep.tgid, TSTATS_KIND_TGID, pid.version, &tgid);
		ck_assert_uint_eq(tgid.version, c->version);
		ck_assert_uint_eq(tgid.payload_len, c->len);
		ck_assert_uint_eq(!!(tgid.flags & TSTATS_RECORD_VERSION_INFERRED), c->tgid_exit_v0);
		ck_assert_int_eq(tstats_record_get(&tgid, TSTATS_F_CPU_COUNT, &v), 0);
		ck_assert_int_eq(tstats_record_get(&pid, TSTATS_F_CPU_COUNT, &code), 0);
		ck_assert_uint_gt(v, code);	/* three threads' delays */
		ck_assert_int_eq(tstats_record_get(&tgid, TSTATS_F_NVCSW, &v), 0);
		ck_assert_int_eq(tstats_record_get(&tgid, TSTATS_F_ETIME, &code), 0);
		if (c->tgid_exit_delays) {
			ck_assert_uint_eq(v, 0);
			ck_assert_uint_eq(code, 0);
		} else {
			ck_assert_uint_gt(v, 0);
			ck_assert_uint_gt(code, 0);
		}
		/* What the listener hands over: where the kernel summed the
		 * delays alone, the unsummed fields are absent, not 0. */
		codec_drop_unsummed(&tgid);
		for (unsigned int f = 0; f < TSTATS_F__COUNT; f++) {
			bool unsummed = f == TSTATS_F_ETIME || f == TSTATS_F_UTIME ||
					f == TSTATS_F_STIME || f == TSTATS_F_NVCSW ||
					f == TSTATS_F_NIVCSW;

			if (unsummed)
				ck_assert_msg(tstats_record_has(&tgid, f) == !c->tgid_exit_delays,
					      "%s: %s", c->tag, tstats_field_info(f)->name);
		}
		ck_assert(tstats_record_has(&tgid, TSTATS_F_CPU_DELAY_TOTAL));
		groups++;
		free(d.buf);
	}
	ck_assert_uint_eq(st, 1);
	ck_assert_uint_eq(mt_threads, 3);
	ck_assert_uint_eq(groups, 1);
}
END_TEST

static const struct check_case check_cases[] = {
	{ .suite = "fixture", .name = "layouts" },
	{ .suite = "decode", .name = "versions" },
	{ .suite = "decode", .name = "edges" },
	{ .suite = "fields", .name = "table" },
	{ .suite = "parse", .name = "replies" },
	{ .suite = "parse", .name = "malformed" },
	{ .suite = "walk", .name = "datagrams" },
	{ .suite = "captured", .name = "eras" },
};

int main(void)
{
	return CHECK_RUN(check_cases, NULL);
}
