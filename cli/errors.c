/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The error lines of opening the taskstats socket and of a query, and the
 * exit status each error means (the table of --help and taskstats-cli(1)),
 * shared by every mode.
 */
#include <errno.h>
#include <string.h>

#include "cli.h"

#define MSG_PERM "CAP_NET_ADMIN is needed to query taskstats: run as root or grant " \
	"the capability (e.g. sudo, or setcap cap_net_admin+ep)"

struct errmap {
	int err;		/* positive errno */
	enum cli_exit status;
	const char *text;	/* NULL: "<context>: strerror" */
};

/* tstats_ctx_new(): opening needs no privilege, resolving the family does. */
static const struct errmap open_errors[] = {
	{ ENOENT, CLI_EXIT_UNAVAIL,
	  "the kernel has no TASKSTATS netlink family (CONFIG_TASKSTATS off, "
	  "or a network namespace on a kernel before 5.19)" },
	{ EPROTONOSUPPORT, CLI_EXIT_UNAVAIL,
	  "the kernel has no generic netlink, so no taskstats (CONFIG_NET off?)" },
	{ EPERM, CLI_EXIT_PERM, MSG_PERM },
	{ 0, CLI_EXIT_FAILURE, NULL },
};

/* tstats_query(); -ESRCH is per task and handled by the caller. */
static const struct errmap query_errors[] = {
	{ EPERM, CLI_EXIT_PERM, MSG_PERM },
	{ 0, CLI_EXIT_FAILURE, NULL },
};

/* Prints the error's line and returns its exit status. */
static enum cli_exit fail(const struct errmap *map, int err, const char *context)
{
	const struct errmap *m;

	for (m = map; m->err; m++)
		if (m->err == -err)
			break;
	if (m->text)
		cli_warn("%s", m->text);
	else
		cli_warn("%s: %s", context, strerror(-err));
	return m->status;
}

enum cli_exit cli_open_error(int err)
{
	return fail(open_errors, err, "cannot open the taskstats netlink socket");
}

enum cli_exit cli_query_error(int err, const char *context)
{
	return fail(query_errors, err, context);
}
