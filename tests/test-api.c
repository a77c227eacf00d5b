/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * API helpers for embedders and bindings, through the public header only:
 * the field table's flags, tstats_record_comm_text() and
 * tstats_struct_size().
 */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libtaskstats.h"
#include "check-main.h"

/* ---- field flags ------------------------------------------------------- */

/* The rule, written out again independently of the library's. */
static bool expect_counter(unsigned int f)
{
	const struct tstats_field_info *info = tstats_field_info(f);

	if (info->group == TSTATS_GROUP_IDENTITY)
		return false;
	if (info->unit_id != TSTATS_UNIT_COUNT && info->unit_id != TSTATS_UNIT_NS &&
	    info->unit_id != TSTATS_UNIT_US && info->unit_id != TSTATS_UNIT_BYTES &&
	    info->unit_id != TSTATS_UNIT_MIB_US)
		return false;
	if (strcmp(info->name, "etime") == 0 || strcmp(info->name, "tgetime") == 0)
		return false;
	for (unsigned int i = 0; i < tstats_delay_class_count(); i++) {
		const struct tstats_delay_class *dc = tstats_delay_class(i);

		if ((int)f == dc->max || (int)f == dc->min)
			return false;
	}
	return true;
}

TEST("api", field_flags)
{
	unsigned int counters = 0;

	for (unsigned int f = 0; f < tstats_field_count(); f++) {
		const struct tstats_field_info *info = tstats_field_info(f);

		ck_assert_msg(!(info->flags & ~(TSTATS_FIELD_SIGNED | TSTATS_FIELD_COUNTER |
						TSTATS_FIELD_MASKED_1024 |
						TSTATS_FIELD_TICK_SAMPLED |
						TSTATS_FIELD_TGID_THREAD_SUM |
						TSTATS_FIELD_NEEDS_IRQ_TIME)),
			      "%s: unknown flags %#x", info->name, info->flags);
		ck_assert_msg(!!(info->flags & TSTATS_FIELD_SIGNED) ==
			      (info->unit_id == TSTATS_UNIT_NICE), "%s: signed", info->name);
		ck_assert_msg(!!(info->flags & TSTATS_FIELD_COUNTER) == expect_counter(f),
			      "%s: counter", info->name);
		counters += !!(info->flags & TSTATS_FIELD_COUNTER);
	}
	ck_assert_int_eq(tstats_field_info(TSTATS_F_NICE)->flags, TSTATS_FIELD_SIGNED);
	ck_assert(tstats_field_info(TSTATS_F_UTIME)->flags & TSTATS_FIELD_COUNTER);
	ck_assert(tstats_field_info(TSTATS_F_WRITE_BYTES)->flags & TSTATS_FIELD_COUNTER);
	ck_assert(tstats_field_info(TSTATS_F_BLKIO_DELAY_TOTAL)->flags & TSTATS_FIELD_COUNTER);
	ck_assert(!(tstats_field_info(TSTATS_F_HIWATER_RSS)->flags & TSTATS_FIELD_COUNTER));
	ck_assert(!(tstats_field_info(TSTATS_F_CPU_DELAY_MAX)->flags & TSTATS_FIELD_COUNTER));
	ck_assert(!(tstats_field_info(TSTATS_F_ETIME)->flags & TSTATS_FIELD_COUNTER));
	ck_assert(!(tstats_field_info(TSTATS_F_PID)->flags & TSTATS_FIELD_COUNTER));
	ck_assert_uint_ge(counters, 30);
	/* What the kernel rounds, samples or sums (kernel/tsacct.c,
	 * kernel/taskstats.c, kernel/sched/core.c). */
	ck_assert(tstats_field_info(TSTATS_F_READ_SYSCALLS)->flags & TSTATS_FIELD_MASKED_1024);
	ck_assert(tstats_field_info(TSTATS_F_WRITE_BYTES)->flags & TSTATS_FIELD_MASKED_1024);
	ck_assert(!(tstats_field_info(TSTATS_F_HIWATER_RSS)->flags & TSTATS_FIELD_MASKED_1024));
	ck_assert(tstats_field_info(TSTATS_F_UTIME)->flags & TSTATS_FIELD_TICK_SAMPLED);
	ck_assert(tstats_field_info(TSTATS_F_CPU_RUN_REAL_TOTAL)->flags & TSTATS_FIELD_TICK_SAMPLED);
	ck_assert(!(tstats_field_info(TSTATS_F_CPU_RUN_VIRTUAL_TOTAL)->flags &
		    TSTATS_FIELD_TICK_SAMPLED));
	ck_assert(tstats_field_info(TSTATS_F_ETIME)->flags & TSTATS_FIELD_TGID_THREAD_SUM);
	ck_assert(!(tstats_field_info(TSTATS_F_TGETIME)->flags & TSTATS_FIELD_TGID_THREAD_SUM));
	ck_assert(tstats_field_info(TSTATS_F_IRQ_DELAY_TOTAL)->flags & TSTATS_FIELD_NEEDS_IRQ_TIME);
	ck_assert(!(tstats_field_info(TSTATS_F_CPU_DELAY_TOTAL)->flags &
		    TSTATS_FIELD_NEEDS_IRQ_TIME));
}
END_TEST

/* ---- comm text --------------------------------------------------------- */

static struct tstats_record rec_with(const char *comm, size_t len)
{
	struct tstats_record rec;

	memset(&rec, 0, sizeof(rec));
	rec.kind = TSTATS_KIND_PID;
	rec.present[TSTATS_F_COMM / 64] |= UINT64_C(1) << (TSTATS_F_COMM % 64);
	memcpy(rec.comm, comm, len);
	return rec;
}

static const struct {
	const char *comm;
	const char *utf8;	/* flags 0 */
	const char *escaped;	/* TSTATS_TEXT_ESCAPE */
} cases[] = {
	{ "bash", "bash", "bash" },
	{ "", "", "" },
	{ "k\xc3\xa4se", "k\xc3\xa4se", "k\xc3\xa4se" },		/* ä: kept */
	{ "a\\b\"c", "a\\b\"c", "a\\\\b\"c" },
	{ "\n\x1b[2J", "\n\x1b[2J", "\\x0a\\x1b[2J" },
	{ "x\x7fy", "x\x7fy", "x\\x7fy" },
	{ "\xff\xfe", "\xef\xbf\xbd\xef\xbf\xbd", "\\xff\\xfe" },
	/* A truncated 3-byte sequence is one invalid subpart: one U+FFFD. */
	{ "a\xe2\x82", "a\xef\xbf\xbd", "a\\xe2\\x82" },
	/* Overlong and surrogate encodings are invalid. */
	{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd", "\\xc0\\xaf" },
	{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "\\xed\\xa0\\x80" },
	/* C1 CSI (U+009B) and a right-to-left override (U+202E). */
	{ "\xc2\x9b" "31m", "\xc2\x9b" "31m", "\\xc2\\x9b" "31m" },
	{ "ab\xe2\x80\xae" "cd", "ab\xe2\x80\xae" "cd", "ab\\xe2\\x80\\xae" "cd" },
	{ "\xf0\x9f\x90\xa7", "\xf0\x9f\x90\xa7", "\xf0\x9f\x90\xa7" },	/* emoji: kept */
};

LOOP_TEST("api", comm_text_cases, 0, (int)(sizeof(cases) / sizeof(cases[0])))
{
	char buf[TSTATS_COMM_TEXT_MAX];
	struct tstats_record rec = rec_with(cases[_i].comm, strlen(cases[_i].comm));
	int r;

	r = tstats_record_comm_text(&rec, 0, buf, sizeof(buf));
	ck_assert_int_eq(r, (int)strlen(cases[_i].utf8));
	ck_assert_str_eq(buf, cases[_i].utf8);
	r = tstats_record_comm_text(&rec, TSTATS_TEXT_ESCAPE, buf, sizeof(buf));
	ck_assert_int_eq(r, (int)strlen(cases[_i].escaped));
	ck_assert_str_eq(buf, cases[_i].escaped);
}
END_TEST

TEST("api", comm_text_limits)
{
	char comm[40], want[TSTATS_COMM_TEXT_MAX], buf[TSTATS_COMM_TEXT_MAX + 8];
	struct tstats_record rec;
	char *p = want;

	/* The worst case fills TSTATS_COMM_TEXT_MAX exactly. */
	memset(comm, 0x01, sizeof(comm));
	rec = rec_with(comm, sizeof(comm));	/* and no NUL at all */
	for (int i = 0; i < 39; i++)
		p += sprintf(p, "\\x01");
	ck_assert_int_eq(tstats_record_comm_text(&rec, TSTATS_TEXT_ESCAPE, buf,
						 TSTATS_COMM_TEXT_MAX), 156);
	ck_assert_str_eq(buf, want);
	/* One byte short: -ENOBUFS and an empty string. */
	ck_assert_int_eq(tstats_record_comm_text(&rec, TSTATS_TEXT_ESCAPE, buf,
						 TSTATS_COMM_TEXT_MAX - 1), -ENOBUFS);
	ck_assert_str_eq(buf, "");
	memset(comm, 0xff, sizeof(comm));
	rec = rec_with(comm, sizeof(comm));
	ck_assert_int_eq(tstats_record_comm_text(&rec, 0, buf, sizeof(buf)), 39 * 3);

	rec = rec_with("abc", 3);
	ck_assert_int_eq(tstats_record_comm_text(&rec, 0, buf, 4), 3);
	ck_assert_int_eq(tstats_record_comm_text(&rec, 0, buf, 3), -ENOBUFS);
	ck_assert_int_eq(tstats_record_comm_text(&rec, 0, buf, 0), -EINVAL);
	ck_assert_int_eq(tstats_record_comm_text(&rec, 0, NULL, 4), -EINVAL);
	ck_assert_int_eq(tstats_record_comm_text(NULL, 0, buf, 4), -EINVAL);
	ck_assert_int_eq(tstats_record_comm_text(&rec, 0x2, buf, 4), -EINVAL);

	/* Absent (a kernel TGID record has none). */
	rec.present[TSTATS_F_COMM / 64] = 0;
	strcpy(buf, "junk");
	ck_assert_int_eq(tstats_record_comm_text(&rec, 0, buf, sizeof(buf)), -ENODATA);
	ck_assert_str_eq(buf, "");
}
END_TEST

/* tstats_text(): the same conversion for any bytes, NULs included. */
TEST("api", text_any_bytes)
{
	static const char bytes[] = { 'a', '\0', '\xff', '\n', 'b' };
	char buf[4 * sizeof(bytes) + 1];

	ck_assert_int_eq(tstats_text(bytes, sizeof(bytes), TSTATS_TEXT_ESCAPE, buf,
				     sizeof(buf)), 14);
	ck_assert_str_eq(buf, "a\\x00\\xff\\x0ab");
	ck_assert_int_eq(tstats_text(bytes + 2, 3, 0, buf, sizeof(buf)), 5);
	ck_assert_str_eq(buf, "\xef\xbf\xbd\nb");
	/* Every case of the comm table gives the same as the comm call. */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char big[TSTATS_COMM_TEXT_MAX];
		size_t n = strlen(cases[i].comm);

		ck_assert_int_eq(tstats_text(cases[i].comm, n, 0, big, sizeof(big)),
				 (int)strlen(cases[i].utf8));
		ck_assert_str_eq(big, cases[i].utf8);
		ck_assert_int_eq(tstats_text(cases[i].comm, n, TSTATS_TEXT_ESCAPE, big,
					     sizeof(big)), (int)strlen(cases[i].escaped));
		ck_assert_str_eq(big, cases[i].escaped);
	}
	/* 4 * len + 1 is always enough; one less may not be. */
	ck_assert_int_eq(tstats_text("\x01\x02", 2, TSTATS_TEXT_ESCAPE, buf, 9), 8);
	ck_assert_int_eq(tstats_text("\x01\x02", 2, TSTATS_TEXT_ESCAPE, buf, 8), -ENOBUFS);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(tstats_text("", 0, 0, buf, 1), 0);
	ck_assert_int_eq(tstats_text(NULL, 0, 0, buf, 1), 0);
	ck_assert_int_eq(tstats_text(NULL, 1, 0, buf, 1), -EINVAL);
	ck_assert_int_eq(tstats_text("a", 1, 0, NULL, 1), -EINVAL);
	ck_assert_int_eq(tstats_text("a", 1, 4, buf, 4), -EINVAL);
}
END_TEST

/* ---- struct sizes ------------------------------------------------------ */

/* struct tstats_record's size is frozen (the header says so): callers
 * allocate arrays of it for tstats_query_batch(), and programs built
 * against an older header must keep the stride. Its members never move. */
_Static_assert(sizeof(struct tstats_record) == 1104, "struct tstats_record is frozen at 1104 bytes");
_Static_assert(offsetof(struct tstats_record, present) == 24, "present[] never moves");
_Static_assert(offsetof(struct tstats_record, value) == 40, "value[] never moves");
_Static_assert(offsetof(struct tstats_record, comm) == 1064, "comm never moves");

TEST("api", struct_sizes)
{
	ck_assert_uint_eq(tstats_struct_size(TSTATS_STRUCT_RECORD), sizeof(struct tstats_record));
	ck_assert_uint_eq(tstats_struct_size(TSTATS_STRUCT_FIELD_INFO),
			  sizeof(struct tstats_field_info));
	ck_assert_uint_eq(tstats_struct_size(TSTATS_STRUCT_DELAY_CLASS),
			  sizeof(struct tstats_delay_class));
	ck_assert_uint_eq(tstats_struct_size(TSTATS_STRUCT_LISTENER_STATS),
			  sizeof(struct tstats_listener_stats));
	ck_assert_uint_eq(tstats_struct_size(TSTATS_STRUCT_RATES), sizeof(struct tstats_rates));
	ck_assert_uint_eq(tstats_struct_size(TSTATS_STRUCT_PROCESS),
			  sizeof(struct tstats_process));
	ck_assert_uint_eq(tstats_struct_size(TSTATS_STRUCT_CGROUPSTATS),
			  sizeof(struct tstats_cgroupstats));
	ck_assert_uint_eq(tstats_struct_size(TSTATS_STRUCT_MONITOR_ROW),
			  sizeof(struct tstats_monitor_row));
	ck_assert_uint_eq(tstats_struct_size(TSTATS_STRUCT_MONITOR_STATS),
			  sizeof(struct tstats_monitor_stats));
	ck_assert_uint_eq(tstats_struct_size(0), 0);
	ck_assert_uint_eq(tstats_struct_size(TSTATS_STRUCT_MONITOR_STATS + 1), 0);
	/* What a ctypes mirror of struct tstats_record adds up to (x86_64). */
	ck_assert_uint_eq(tstats_struct_size(TSTATS_STRUCT_RECORD),
			  6 * 4 + 2 * 8 + 128 * 8 + 40);
}
END_TEST

static const struct check_case check_cases[] = {
	{ .suite = "api", .name = "api" },
};

int main(void)
{
	return CHECK_RUN(check_cases, NULL);
}
