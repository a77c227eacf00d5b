/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target: the cpulist parser of exit listeners (cpulist_normalize(),
 * behind tstats_cpulist_check() and tstats_listener_new()), which reads
 * what a user typed (--cpus) in the kernel's syntax: "0-3,7", "0-15:2/4",
 * "N", "all".
 *
 * An input is one byte choosing the machine's possible CPUs from the table
 * below (the parser sizes bitmaps by them, so they are not left to the
 * fuzzer), then the cpulist, up to its first NUL. Whatever the bytes, the
 * answer is 0, -EINVAL or -ERANGE, and on success the list it returns is
 * canonical (increasing ranges "a" or "a-b", a < b, with gaps between
 * them, every CPU possible, as many as the count says), normalising it
 * again gives it back unchanged, and so does the union of the input and
 * it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "internal.h"

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz-cpulist.c:%d: check failed: %s\n", \
				__LINE__, #cond);			\
			abort();					\
		}							\
	} while (0)

static const char *const possibles[] = {
	"0", "0-1", "0-3", "0-7", "1-2,5", "0-3,8-11", "0-63", "0-255", "0-4095",
};

/* Whether cpu is in the canonical list s (the possible CPUs are). */
static bool in_list(const char *s, unsigned long cpu)
{
	while (*s) {
		char *end;
		unsigned long lo = strtoul(s, &end, 10), hi = lo;

		if (*end == '-')
			hi = strtoul(end + 1, &end, 10);
		if (cpu >= lo && cpu <= hi)
			return true;
		s = *end == ',' ? end + 1 : end;
	}
	return false;
}

/* The canonical form, and the number of CPUs in it. */
static unsigned long check_canonical(const char *s, const char *possible)
{
	unsigned long n = 0, prev_end = 0;
	bool first = true;

	CHECK(*s);
	for (;;) {
		char *end;
		unsigned long lo, hi;

		CHECK(*s >= '0' && *s <= '9');
		CHECK(s[0] != '0' || s[1] < '0' || s[1] > '9');	/* no leading zero */
		lo = strtoul(s, &end, 10);
		hi = lo;
		if (*end == '-') {
			CHECK(end[1] >= '0' && end[1] <= '9');
			hi = strtoul(end + 1, &end, 10);
			CHECK(hi > lo);
		}
		CHECK(first || lo > prev_end + 1);
		for (unsigned long c = lo; c <= hi; c++)
			CHECK(in_list(possible, c));
		n += hi - lo + 1;
		prev_end = hi;
		first = false;
		if (*end == '\0')
			return n;
		CHECK(*end == ',');
		s = end + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *possible;
	char *list, *out = NULL, *again = NULL, *both;
	unsigned int n = 0, n2 = 0;
	int r;

	if (size < 1)
		return 0;
	possible = possibles[data[0] % (sizeof(possibles) / sizeof(possibles[0]))];
	list = malloc(size);
	CHECK(list != NULL);
	memcpy(list, data + 1, size - 1);
	list[size - 1] = '\0';

	r = cpulist_normalize(list, possible, &out, &n);
	CHECK(r == 0 || r == -EINVAL || r == -ERANGE);
	if (r < 0)
		goto done;
	CHECK(n > 0 && check_canonical(out, possible) == n);

	r = cpulist_normalize(out, possible, &again, &n2);
	CHECK(r == 0 && n2 == n && strcmp(again, out) == 0);
	free(again);
	again = NULL;

	both = malloc(strlen(list) + strlen(out) + 2);
	CHECK(both != NULL);
	sprintf(both, "%s,%s", list, out);
	r = cpulist_normalize(both, possible, &again, &n2);
	CHECK(r == 0 && n2 == n && strcmp(again, out) == 0);
	free(both);
done:
	free(again);
	free(out);
	free(list);
	return 0;
}
