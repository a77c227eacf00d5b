/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Check suites' registration and runner: see check-main.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"

/* The section's bounds, made by the linker. */
extern const struct check_reg *const __start_check_tests[];
extern const struct check_reg *const __stop_check_tests[];

static int by_line(const void *a, const void *b)
{
	const struct check_reg *x = *(const struct check_reg *const *)a;
	const struct check_reg *y = *(const struct check_reg *const *)b;

	return (x->test->line > y->test->line) - (x->test->line < y->test->line);
}

int check_run(const struct check_case *cases, size_t n, const char *suite)
{
	size_t nregs = (size_t)(__stop_check_tests - __start_check_tests);
	const struct check_reg **regs = calloc(nregs ? nregs : 1, sizeof(*regs));
	Suite **suites = calloc(n ? n : 1, sizeof(*suites));
	SRunner *sr = NULL;
	int failed = 0;

	if (!regs || !suites) {
		fprintf(stderr, "check_run: out of memory\n");
		return 1;
	}
	memcpy(regs, __start_check_tests, nregs * sizeof(*regs));
	qsort(regs, nregs, sizeof(*regs), by_line);
	for (size_t r = 0; r < nregs; r++) {
		size_t c = 0;

		while (c < n && strcmp(cases[c].name, regs[r]->tcase) != 0)
			c++;
		if (c == n) {
			fprintf(stderr, "%s: test %s is in case \"%s\", which is not listed\n",
				regs[r]->test->file, regs[r]->test->name, regs[r]->tcase);
			failed = 1;
		}
	}
	for (size_t c = 0; c < n && !failed; c++) {
		const struct check_case *cc = &cases[c];
		size_t first = 0;
		TCase *tc;

		if (suite && strcmp(cc->suite, suite) != 0)
			continue;
		while (strcmp(cases[first].suite, cc->suite) != 0)
			first++;
		if (!suites[first]) {
			suites[first] = suite_create(cc->suite);
			if (!sr)
				sr = srunner_create(suites[first]);
			else
				srunner_add_suite(sr, suites[first]);
		}
		tc = tcase_create(cc->name);
		if (cc->setup_once || cc->teardown_once)
			tcase_add_unchecked_fixture(tc, cc->setup_once, cc->teardown_once);
		if (cc->setup || cc->teardown)
			tcase_add_checked_fixture(tc, cc->setup, cc->teardown);
		if (cc->timeout)
			tcase_set_timeout(tc, cc->timeout);
		for (size_t r = 0; r < nregs; r++) {
			if (strcmp(regs[r]->tcase, cc->name) != 0)
				continue;
			if (regs[r]->loop)
				tcase_add_loop_test(tc, regs[r]->test, regs[r]->loop_start,
						    regs[r]->loop_end);
			else
				tcase_add_test(tc, regs[r]->test);
		}
		suite_add_tcase(suites[first], tc);
	}
	if (!failed && !sr) {
		fprintf(stderr, "check_run: no suite named %s\n", suite ? suite : "(any)");
		failed = 1;
	}
	if (!failed) {
		srunner_run_all(sr, CK_NORMAL);
		failed = srunner_ntests_failed(sr) != 0;
	}
	if (sr)
		srunner_free(sr);
	free(suites);
	free(regs);
	return failed;
}
