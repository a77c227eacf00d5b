/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A Check test written once: TEST("case", name) { ... } END_TEST defines
 * the test and registers it with its test case, as kmod's testsuite
 * (DEFINE_TEST) does: a pointer to its registration goes into the
 * executable's check_tests section, which check_run() walks. A suite
 * file then lists its cases once (struct check_case: suite, fixtures,
 * timeout) instead of a tcase_add_test() line per test.
 *
 * The section is the linker's (__start_/__stop_ symbols, GNU ld, gold,
 * lld): the project is gnu11 and Linux-only. Each executable links one
 * file of tests. Within a case, tests run in source order.
 */
#ifndef TSTATS_TEST_CHECK_MAIN_H
#define TSTATS_TEST_CHECK_MAIN_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>

struct check_reg {
	const char *tcase;	/* the case it belongs to (struct check_case) */
	const TTest *test;
	bool loop;		/* a loop test: _i from loop_start to loop_end - 1 */
	int loop_start, loop_end;
};

#define CHECK_REGISTER_(tc, name, is_loop, start, end)				\
	static void name##_fn(int _i CK_ATTRIBUTE_UNUSED);			\
	static const TTest name##_ttest = { #name, name##_fn, __FILE__, __LINE__ }; \
	static const struct check_reg name##_reg = { tc, &name##_ttest, is_loop,	\
						     start, end };		\
	static const struct check_reg *const name##_regp			\
		__attribute__((used, section("check_tests"), aligned(sizeof(void *)))) \
		= &name##_reg;							\
	static void name##_fn(int _i CK_ATTRIBUTE_UNUSED)

/* A test of the case named tc. */
#define TEST(tc, name) CHECK_REGISTER_(tc, name, false, 0, 1)

/* A test run once for each _i in [start, end) (constant expressions). */
#define LOOP_TEST(tc, name, start, end) CHECK_REGISTER_(tc, name, true, start, end)

/* A test case: the suite it is in, and what Check sets on it. */
struct check_case {
	const char *suite;
	const char *name;
	void (*setup)(void);		/* checked fixture: around each test */
	void (*teardown)(void);
	void (*setup_once)(void);	/* unchecked fixture: once for the case */
	void (*teardown_once)(void);
	int timeout;			/* seconds; 0: CK_DEFAULT_TIMEOUT */
};

/*
 * Builds the suites of cases (in the order they first appear), each case's
 * registered tests in source order, and runs those of the suite named
 * `suite` (NULL: all) with CK_NORMAL output. Returns 0 when every test
 * passed, 1 otherwise. A test registered to a case that is not listed
 * fails the run: it would never run.
 */
int check_run(const struct check_case *cases, size_t n, const char *suite);

#define CHECK_RUN(cases, suite) check_run(cases, sizeof(cases) / sizeof((cases)[0]), suite)

#endif
