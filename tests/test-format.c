/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit suite for the CLI's number formatting and charset detection
 * (cli/util.c): exact decimal rounding at every unit boundary, saturation,
 * and the locale names that do and do not mean UTF-8.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "cli.h"
#include "check-main.h"

static const struct {
	uint64_t ns;
	const char *ascii;
} durations[] = {
	{ 0, "0 ns" },
	{ 999, "999 ns" },
	{ 1000, "1.00 us" },
	{ 1234, "1.23 us" },
	{ 1235, "1.24 us" },		/* half up, on the exact value */
	{ 9994, "9.99 us" },
	{ 9995, "10.0 us" },
	{ 99949, "99.9 us" },
	{ 99950, "100 us" },
	{ 999499, "999 us" },
	{ 999500, "1.00 ms" },
	{ 1795018, "1.80 ms" },
	{ 999499999, "999 ms" },
	{ 999500000, "1.00 s" },
	{ 9994999999, "9.99 s" },
	{ 9995000000, "10.0 s" },
	{ 59949999999, "59.9 s" },
	{ 59950000000, "1m00s" },	/* "60.0 s" is a minute */
	{ 125000000000, "2m05s" },
	{ 3599499999999, "59m59s" },
	{ 3599500000000, "1h00m00s" },
	{ 86399499999999, "23h59m59s" },
	{ 86399500000000, "1d00h00m" },
	{ UINT64_MAX, "213503d23h34m" },
};

TEST("format", test_duration)
{
	char buf[CLI_FMT_MAX];

	cli_set_utf8(false);
	for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++)
		ck_assert_str_eq(cli_fmt_duration(buf, durations[i].ns), durations[i].ascii);
	cli_set_utf8(true);
	ck_assert_str_eq(cli_fmt_duration(buf, 1235), "1.24 \xc2\xb5s");
	ck_assert_str_eq(cli_fmt_duration(buf, 999500), "1.00 ms");
	cli_set_utf8(false);
}
END_TEST

static const struct {
	uint64_t bytes;
	const char *text;
} sizes[] = {
	{ 0, "0 B" },
	{ 1023, "1023 B" },
	{ 1024, "1.0 KiB" },
	{ 1075, "1.0 KiB" },		/* 1.0498 */
	{ 1076, "1.1 KiB" },		/* 1.0508 */
	{ 10240 + 51, "10.0 KiB" },	/* 10.0498 */
	{ 1048524, "1023.9 KiB" },	/* 1023.949 */
	{ 1048525, "1.0 MiB" },		/* 1023.950: would print 1024.0 */
	{ 1717986918, "1.6 GiB" },
	{ UINT64_MAX, "16.0 EiB" },
};

TEST("format", test_size)
{
	char buf[CLI_FMT_MAX];

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		ck_assert_str_eq(cli_fmt_size(buf, sizes[i].bytes), sizes[i].text);
}
END_TEST

TEST("format", test_integers)
{
	char buf[CLI_FMT_MAX];

	ck_assert_str_eq(cli_fmt_u64(buf, 0), "0");
	ck_assert_str_eq(cli_fmt_u64(buf, UINT64_MAX), "18446744073709551615");
	ck_assert_uint_eq(cli_mul_sat(UINT64_MAX / 1000, 1000), UINT64_MAX / 1000 * 1000);
	ck_assert_uint_eq(cli_mul_sat(UINT64_MAX / 1000 + 1, 1000), UINT64_MAX);
	ck_assert_uint_eq(cli_round_frac(5, 1, 2, 1, 1), 3);		/* 2.5 */
	ck_assert_uint_eq(cli_round_frac(4, 1, 3, 1, 1), 1);
	ck_assert_uint_eq(cli_round_frac(5, 1, 3, 1, 1), 2);
	ck_assert_uint_eq(cli_round_frac(UINT64_MAX, 1, UINT64_MAX, 1, 1), 1);
	ck_assert_uint_eq(cli_round_frac(UINT64_MAX / 2, 1, UINT64_MAX, 1, 1), 0);
	ck_assert_uint_eq(cli_round_frac(UINT64_MAX / 2 + 1, 1, UINT64_MAX, 1, 1), 1);
	ck_assert_uint_eq(cli_round_frac(UINT64_MAX, 10, 1, 1, 1), UINT64_MAX);
	ck_assert_uint_eq(cli_round_frac(UINT64_MAX, 1, 1, 100, 1000), UINT64_MAX / 10 + 1);
	/* A value past 2^64 counts as 2^64 - 1. */
	ck_assert_uint_eq(cli_round_frac(UINT64_MAX, 16384, 15625, 1, 1024), (UINT64_MAX >> 10) + 1);
	ck_assert_uint_eq(cli_round_frac(1000000, 16384, 15625, 1, 1), 1048576);
	ck_assert_uint_eq(cli_round_frac(7, 0, 1, 1, 1), 0);
	ck_assert_uint_eq(cli_round_frac(7, 1, 0, 1, 1), 7);	/* den 0 taken as 1 */
}
END_TEST

/* Averages and scaled sizes round once, from the exact fraction. */
TEST("format", test_fractions)
{
	char buf[CLI_FMT_MAX];

	cli_set_utf8(false);
	ck_assert_str_eq(cli_fmt_duration_frac(buf, 19989, 2), "9.99 us");	/* 9994.5 */
	ck_assert_str_eq(cli_fmt_duration_frac(buf, 19990, 2), "10.0 us");	/* 9995 */
	ck_assert_str_eq(cli_fmt_duration_frac(buf, 2469, 2), "1.23 us");	/* 1234.5 */
	ck_assert_str_eq(cli_fmt_duration_frac(buf, 2470, 2), "1.24 us");
	ck_assert_str_eq(cli_fmt_duration_frac(buf, 1999, 2), "1.00 us");	/* 999.5 */
	ck_assert_str_eq(cli_fmt_duration_frac(buf, 1997, 2), "999 ns");	/* 998.5 */
	ck_assert_str_eq(cli_fmt_duration_frac(buf, 1, 3), "0 ns");
	ck_assert_str_eq(cli_fmt_duration_frac(buf, 2, 3), "1 ns");
	ck_assert_str_eq(cli_fmt_duration_frac(buf, UINT64_MAX, 1), "213503d23h34m");
	ck_assert_str_eq(cli_fmt_duration_frac(buf, UINT64_MAX, UINT64_MAX - 1), "1 ns");
	/* MiB*us as bytes*s: v * 2^20 / 10^6. */
	ck_assert_str_eq(cli_fmt_size_frac(buf, 1000000, 16384, 15625), "1.0 MiB");
	ck_assert_str_eq(cli_fmt_size_frac(buf, 976, 16384, 15625), "1023 B");	/* 1023.4 */
	ck_assert_str_eq(cli_fmt_size_frac(buf, 977, 16384, 15625), "1.0 KiB");	/* 1024.5 */
	ck_assert_str_eq(cli_fmt_size_frac(buf, 1026, 16384, 15625), "1.1 KiB");	/* 1075.8 */
	ck_assert_str_eq(cli_fmt_size_frac(buf, UINT64_MAX, 16384, 15625), "16.0 EiB");
}
END_TEST

#ifdef __SIZEOF_INT128__
__extension__ typedef unsigned __int128 u128;

static uint64_t next_random(uint64_t *state)
{
	/* xorshift64: the same sequence on every run. */
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* cli_round_frac() against exact 128-bit arithmetic, where it is exact. */
TEST("format", test_round_reference)
{
	static const uint64_t units[] = {
		1, 1000, 1000000, 1000000000, 1024, 1048576, 1ull << 30, 1ull << 60,
	};
	static const uint64_t ms[] = { 1, 2, 10, 100 };
	static const uint64_t muls[] = { 1, 1000, 1024, 16384 };
	uint64_t state = 0x9e3779b97f4a7c15u;
	int checked = 0;

	for (int i = 0; i < 200000; i++) {
		uint64_t num = next_random(&state) >> (next_random(&state) % 64);
		uint64_t den = 1 + (next_random(&state) >> (20 + next_random(&state) % 44));
		uint64_t mul = muls[next_random(&state) % 4];
		uint64_t m = ms[next_random(&state) % 4];
		uint64_t unit = units[next_random(&state) % 8];
		u128 q, want;

		if (i % 7 == 0)	/* near halves: num = den * k + den / 2 */
			num = den * (next_random(&state) % 100000) + den / 2;
		/* Outside the documented exact range: a value past 2^64, or
		 * a fraction whose remainder times mul * m * 2 overflows. */
		if ((u128)m * unit > UINT64_MAX)
			m = 10;		/* the callers' limit: m * unit < 2^64 */
		if ((u128)den * mul * m * 2 > UINT64_MAX ||
		    (u128)num * mul / den > UINT64_MAX)
			continue;
		q = (u128)den * unit * 2;
		want = ((u128)num * mul * m * 2 + (u128)den * unit) / q;
		if (want > UINT64_MAX)
			want = UINT64_MAX;
		ck_assert_msg(cli_round_frac(num, mul, den, m, unit) == (uint64_t)want,
			      "%" PRIu64 " * %" PRIu64 " / %" PRIu64 " * %" PRIu64 " / %" PRIu64
			      ": got %" PRIu64 ", want %" PRIu64, num, mul, den, m, unit,
			      cli_round_frac(num, mul, den, m, unit), (uint64_t)want);
		checked++;
	}
	ck_assert_int_gt(checked, 100000);
}
END_TEST
#endif

/* Sets the three variables (NULL: unset) and asks. */
static bool utf8_for(const char *lc_all, const char *lc_ctype, const char *lang)
{
	const char *names[] = { "LC_ALL", "LC_CTYPE", "LANG" };
	const char *values[] = { lc_all, lc_ctype, lang };

	for (int i = 0; i < 3; i++) {
		if (values[i])
			ck_assert_int_eq(setenv(names[i], values[i], 1), 0);
		else
			ck_assert_int_eq(unsetenv(names[i]), 0);
	}
	return cli_output_is_utf8();
}

/* Columns for aligning tables: wide CJK ideographs take two, combining
 * marks none, whatever the environment's locale. */
TEST("format", test_display_width)
{
	ck_assert_uint_eq(cli_display_width(""), 0);
	ck_assert_uint_eq(cli_display_width("bash"), 4);
	ck_assert_uint_eq(cli_display_width("\xc2\xb5s"), 2);			/* µs */
	ck_assert_uint_eq(cli_display_width("\xe4\xb8\xad\xe6\x96\x87"), 4);	/* 中文 */
	ck_assert_uint_eq(cli_display_width("e\xcc\x81"), 1);		/* e + U+0301 */
	ck_assert_uint_eq(cli_display_width("\xef\xbd\x81" "b"), 3);	/* fullwidth a, b */
	ck_assert_uint_eq(cli_display_width("\\x1b[2J"), 7);		/* escaped */
}
END_TEST

TEST("format", test_charset)
{
	ck_assert(!utf8_for(NULL, NULL, NULL));
	ck_assert(!utf8_for("", "", ""));
	ck_assert(utf8_for(NULL, NULL, "C.UTF-8"));
	ck_assert(utf8_for(NULL, NULL, "en_US.utf8"));
	ck_assert(utf8_for(NULL, NULL, "de_DE.UTF-8@euro"));
	ck_assert(utf8_for(NULL, "C.utf8", "C"));
	ck_assert(utf8_for("", "", "C.UTF-8"));		/* empty is unset */
	ck_assert(!utf8_for("C", NULL, "C.UTF-8"));	/* LC_ALL wins */
	ck_assert(!utf8_for(NULL, "POSIX", "C.UTF-8"));	/* then LC_CTYPE */
	ck_assert(!utf8_for(NULL, NULL, "C"));
	ck_assert(!utf8_for(NULL, NULL, "C.UTF-16"));
	ck_assert(!utf8_for(NULL, NULL, "C.UTF-88"));
	/* Not spelt out: the locale itself is asked (missing: C, ASCII). */
	ck_assert(!utf8_for(NULL, NULL, "en_US.ISO-8859-1"));
	ck_assert(!utf8_for(NULL, NULL, "no_such_locale"));
	ck_assert(!utf8_for(NULL, NULL, "/nonexistent/x.UTF-8"));
	/* A UTF-8 locale whose name does not say so: loaded and asked. */
	if (access("/usr/lib/locale/C.utf8/LC_CTYPE", R_OK) == 0) {
		char dir[] = "/tmp/test-format-XXXXXX", link[64];

		ck_assert_ptr_nonnull(mkdtemp(dir));
		snprintf(link, sizeof(link), "%s/plain", dir);
		ck_assert_int_eq(symlink("/usr/lib/locale/C.utf8", link), 0);
		ck_assert_int_eq(setenv("LOCPATH", dir, 1), 0);
		ck_assert(utf8_for(NULL, NULL, "plain"));
		ck_assert_int_eq(unsetenv("LOCPATH"), 0);
		ck_assert_int_eq(unlink(link), 0);
		ck_assert_int_eq(rmdir(dir), 0);
	}
}
END_TEST

static const struct check_case check_cases[] = {
	{ .suite = "format", .name = "format" },
};

int main(void)
{
	return CHECK_RUN(check_cases, NULL);
}
