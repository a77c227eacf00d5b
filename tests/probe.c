/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The live suites' probe: see probe.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "libtaskstats.h"
#include "probe.h"

static int skip_or_fail(const char *what, int e)
{
	if (e == -ENOENT || e == -EPROTONOSUPPORT) {
		fprintf(stderr, "SKIP: no TASKSTATS family here (%s)\n", strerror(-e));
		return 77;
	}
	if (e == -EPERM) {
		fprintf(stderr, "SKIP: no CAP_NET_ADMIN (%s)\n", what);
		return 77;
	}
	fprintf(stderr, "%s: %s\n", what, strerror(-e));
	return 1;
}

int probe_family(void)
{
	struct tstats_ctx *c;
	int e = tstats_ctx_new(&c);

	if (e < 0)
		return skip_or_fail("tstats_ctx_new", e);
	tstats_ctx_free(c);
	return 0;
}

int probe_taskstats(bool listen)
{
	struct tstats_listener *l;
	struct tstats_record r;
	struct tstats_ctx *c;
	int e = tstats_ctx_new(&c);

	if (e < 0)
		return skip_or_fail("tstats_ctx_new", e);
	e = tstats_query(c, TSTATS_KIND_PID, (uint32_t)getpid(), &r);
	tstats_ctx_free(c);
	if (e < 0)
		return skip_or_fail("tstats_query", e);
	if (!listen)
		return 0;
	e = tstats_listener_new(NULL, &l);
	if (e < 0)
		return skip_or_fail("tstats_listener_new", e);
	tstats_listener_free(l);
	return 0;
}
