/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * -p PID / -t TGID: one report of each task named, in command-line order,
 * through the renderer of the output format (report.c, json.c, prom.c).
 */
#include <errno.h>
#include <stdio.h>

#include "cli.h"

/* The same task both times: a PID is not reused while its task lives. */
static bool same_task(const struct tstats_record *a, const struct tstats_record *b)
{
	uint64_t x, y;

	if (tstats_record_get(a, TSTATS_F_BTIME64, &x) == 0 &&
	    tstats_record_get(b, TSTATS_F_BTIME64, &y) == 0)
		return x == y;
	return tstats_record_get(a, TSTATS_F_BTIME, &x) == 0 &&
	       tstats_record_get(b, TSTATS_F_BTIME, &y) == 0 && x == y;
}

/*
 * tstats_query(), and in restricted mode (privs.c) -EACCES for another
 * user's task. A TGID record carries no uid: its group's leader's PID
 * record does. The leader is asked before and after the TGID query; with
 * the same start time both times it lived throughout, so its id named the
 * same group in between. A task that went away meanwhile is -ESRCH.
 */
static int query_owned(struct tstats_ctx *ctx, const struct cli_target *t,
		       struct tstats_record *rec)
{
	struct tstats_record named, leader, again;
	uint64_t tgid = t->id;
	int r;

	if (!cli_restricted())
		return tstats_query(ctx, t->kind, t->id, rec);
	if (t->kind == TSTATS_KIND_PID) {
		r = tstats_query(ctx, t->kind, t->id, rec);
		return r == 0 && !cli_may_show(rec) ? cli_refusal() : r;
	}
	r = tstats_query(ctx, TSTATS_KIND_PID, t->id, &named);
	if (r < 0)
		return r;
	leader = named;
	/* Any thread id names its whole group. */
	if (tstats_record_get(&named, TSTATS_F_TGID, &tgid) == 0 && tgid != t->id) {
		r = tstats_query(ctx, TSTATS_KIND_PID, (uint32_t)tgid, &leader);
		if (r < 0)
			return r;
	}
	if (!cli_may_show(&named) || !cli_may_show(&leader))
		return cli_refusal();
	r = tstats_query(ctx, TSTATS_KIND_TGID, t->id, rec);
	if (r < 0)
		return r;
	r = tstats_query(ctx, TSTATS_KIND_PID, (uint32_t)tgid, &again);
	if (r < 0 || !same_task(&leader, &again) || !cli_may_show(&again))
		return r < 0 && r != -ESRCH ? r : -ESRCH;
	return 0;
}

enum cli_exit cli_run_query(const struct cli_opts *opts)
{
	const struct cli_output *out = opts->format == CLI_FORMAT_PROMETHEUS ? &cli_prom_output :
				       opts->json ? &cli_json_output : &cli_text_output;
	enum cli_exit status = CLI_EXIT_OK;
	struct tstats_ctx *ctx = NULL;
	void *state = NULL;
	char what[64];
	int r;

	r = tstats_ctx_new(&ctx);
	if (r < 0)
		return cli_open_error(r);

	r = cli_delayacct_state();
	if (CLI_DELAYACCT_FAILED(r))
		status = CLI_EXIT_FAILURE;
	r = out->begin(&state, opts, r);
	if (r < 0)
		goto out;

	for (size_t i = 0; i < opts->n_targets; i++) {
		const struct cli_target *t = &opts->targets[i];
		struct tstats_record rec;

		snprintf(what, sizeof(what), "%s %u", cli_kind_label(t->kind), t->id);
		r = query_owned(ctx, t, &rec);
		if (r == -EACCES) {
			/* Restricted: refused, and nothing of it is shown. */
			cli_warn("permission denied: %s belongs to another user", what);
			status = CLI_EXIT_PERM;
			r = out->error(state, t, r);
			if (r < 0)
				goto out;
			continue;
		}
		if (r == -ESRCH) {
			/* One missing task does not hide the others. */
			cli_warn("%s: %s", cli_task_error_text(r), what);
			if (status == CLI_EXIT_OK)
				status = CLI_EXIT_NOTFOUND;
			r = out->error(state, t, r);
			if (r < 0)
				goto out;
			continue;
		}
		if (r < 0) {
			char context[96];

			snprintf(context, sizeof(context), "cannot query %s", what);
			status = cli_query_error(r, context);
			r = 0;
			goto out;
		}
		r = out->task(state, &rec);
		if (r < 0)
			goto out;
	}
	r = out->end(state);

out:
	if (r < 0) {
		cli_warn_output(r);
		status = CLI_EXIT_FAILURE;
	}
	out->free(state);
	tstats_ctx_free(ctx);
	return status;
}
