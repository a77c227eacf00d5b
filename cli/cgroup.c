/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * --cgroup DIR: how many tasks of a cgroup v1 directory are in each
 * scheduler state (tstats_query_cgroup()), as a table, a JSON document or
 * Prometheus series.
 *
 *   {"schema_version":1,
 *    "cgroups":[{"path":"...", "nr_sleeping":N, "nr_running":N,
 *                "nr_stopped":N, "nr_uninterruptible":N, "nr_io_wait":N}],
 *    "errors":[{"path":"...", "errno":95, "error":"..."}]}
 *
 * A directory that cannot be counted (missing, not a cgroup, on cgroup v2)
 * is one line on stderr and one entry of "errors"; the others are still
 * reported. Failures of the query itself (no reply, a malformed one) stop.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>


#include "cli.h"
#include "jsonc.h"
#include "table.h"

#define SCHEMA_VERSION 1

/* Why a directory was not counted, and the exit status it leads to. */
static const char *path_error(int err, enum cli_exit *status)
{
	*status = CLI_EXIT_NOTFOUND;
	switch (-err) {
	case EOPNOTSUPP:
		*status = CLI_EXIT_UNAVAIL;
		return "cgroupstats works only on cgroup v1 hierarchies";
	case ENOENT:
		return "no such directory (or the cgroup was removed)";
	case ENOTDIR:
		return "not a directory";
	case EINVAL:
		return "not a cgroup directory (not on a cgroup file system)";
	case EACCES:
		return "permission denied";
	case ELOOP:
	case ENAMETOOLONG:
		return strerror(-err);
	default:
		return NULL;	/* not about the path: a failure of the query */
	}
}

struct result {
	const char *path;
	int err;			/* 0, or why it was not counted */
	const char *error;		/* text of err */
	struct tstats_cgroupstats stats;
};

static char *escaped(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(4 * n + 1);

	return out ? cli_escape(out, s, n) : NULL;
}

static int print_text(FILE *out, const struct result *res, size_t n)
{
	static const char *const titles[] = {
		"SLEEPING", "RUNNING", "STOPPED", "UNINTERRUPTIBLE", "IO-WAIT", "CGROUP",
	};
	const size_t nt = sizeof(titles) / sizeof(titles[0]);
	struct cli_table *tab = NULL;
	bool any = false;
	int r;

	for (size_t i = 0; i < n; i++)
		any |= res[i].err == 0;
	if (!any)
		return 0;
	r = cli_table_new(0, &tab);
	for (size_t k = 0; r == 0 && k < nt; k++)
		r = cli_table_add_column(tab, titles[k], k + 1 < nt);
	for (size_t i = 0; r == 0 && i < n; i++) {
		const struct tstats_cgroupstats *s = &res[i].stats;
		const uint64_t v[] = { s->nr_sleeping, s->nr_running, s->nr_stopped,
				       s->nr_uninterruptible, s->nr_io_wait };
		char buf[CLI_FMT_MAX];

		if (res[i].err)
			continue;
		r = cli_table_add_row(tab);
		for (size_t k = 0; r == 0 && k + 1 < nt; k++)
			r = cli_table_set(tab, k, cli_fmt_u64(buf, v[k]));
		/* Directory names are anyone's choice: escaped for the terminal. */
		if (r == 0)
			r = cli_table_set_untrusted(tab, nt - 1, res[i].path);
	}
	if (r == 0)
		r = cli_table_print(tab, out);
	cli_table_free(tab);
	return r;
}

/* A JSON string of untrusted bytes: made valid UTF-8 (U+FFFD). */
static struct json_object *json_text(const char *s)
{
	size_t n = strlen(s);
	char *buf = malloc(3 * n + 1);
	struct json_object *v;

	if (!buf)
		return NULL;
	v = sym_json_object_new_string(cli_utf8_sanitize(buf, s, n));
	free(buf);
	return v;
}

static int append(struct json_object *array, struct json_object **v)
{
	*v = sym_json_object_new_object();
	if (!*v || sym_json_object_array_add(array, *v) < 0) {
		sym_json_object_put(*v);
		return -ENOMEM;
	}
	return 0;
}

static int fill_json(struct json_object *root, const struct result *res, size_t n)
{
	struct json_object *cgroups = sym_json_object_new_array();
	struct json_object *errors = sym_json_object_new_array();
	int r;

	/* root owns both arrays from here on, also on failure. */
	r = cli_json_add(root, "schema_version", sym_json_object_new_int(SCHEMA_VERSION), false);
	if (cli_json_add(root, "cgroups", cgroups, false) < 0 ||
	    cli_json_add(root, "errors", errors, false) < 0 || r < 0)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct tstats_cgroupstats *s = &res[i].stats;
		struct json_object *o;

		if (append(res[i].err ? errors : cgroups, &o) < 0 ||
		    cli_json_add(o, "path", json_text(res[i].path), false) < 0)
			return -ENOMEM;
		if (res[i].err) {
			if (cli_json_add(o, "errno", sym_json_object_new_int(-res[i].err), false) < 0 ||
			    cli_json_add(o, "error", sym_json_object_new_string(res[i].error), false) < 0)
				return -ENOMEM;
			continue;
		}
		if (cli_json_add(o, "nr_sleeping", sym_json_object_new_uint64(s->nr_sleeping), false) < 0 ||
		    cli_json_add(o, "nr_running", sym_json_object_new_uint64(s->nr_running), false) < 0 ||
		    cli_json_add(o, "nr_stopped", sym_json_object_new_uint64(s->nr_stopped), false) < 0 ||
		    cli_json_add(o, "nr_uninterruptible",
			sym_json_object_new_uint64(s->nr_uninterruptible), false) < 0 ||
		    cli_json_add(o, "nr_io_wait", sym_json_object_new_uint64(s->nr_io_wait), false) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int print_json(FILE *out, const struct result *res, size_t n, bool compact)
{
	struct json_object *root = sym_json_object_new_object();
	int r;

	if (!root)
		return -ENOMEM;
	r = fill_json(root, res, n);
	if (r == 0)
		return cli_json_print(out, root, compact);
	sym_json_object_put(root);
	return r;
}

static int print_prometheus(FILE *out, const struct result *res, size_t n)
{
	const char **paths = calloc(n ? n : 1, sizeof(*paths));
	struct tstats_cgroupstats *stats = calloc(n ? n : 1, sizeof(*stats));
	size_t k = 0;
	int r = -ENOMEM;

	if (paths && stats) {
		for (size_t i = 0; i < n; i++) {
			if (res[i].err)
				continue;
			paths[k] = res[i].path;
			stats[k++] = res[i].stats;
		}
		r = cli_prom_cgroups(out, paths, stats, k);
	}
	free(paths);
	free(stats);
	return r;
}

enum cli_exit cli_run_cgroup(const struct cli_opts *opts)
{
	FILE *out = opts->out ? opts->out : stdout;
	enum cli_exit status = CLI_EXIT_OK;
	struct tstats_ctx *ctx = NULL;
	struct result *res;
	int r;

	res = calloc(opts->n_cgroups, sizeof(*res));
	if (!res) {
		cli_warn("out of memory");
		return CLI_EXIT_FAILURE;
	}
	/* cgroupstats is a command of the TASKSTATS family. */
	r = tstats_ctx_new(&ctx);
	if (r < 0) {
		free(res);
		return cli_open_error(r);
	}

	for (size_t i = 0; i < opts->n_cgroups; i++) {
		enum cli_exit st;
		char *shown;

		res[i].path = opts->cgroups[i];
		r = tstats_query_cgroup(ctx, res[i].path, &res[i].stats);
		if (r == 0)
			continue;
		res[i].err = r;
		res[i].error = path_error(r, &st);
		shown = escaped(res[i].path);
		if (!shown) {
			r = -ENOMEM;
			goto out;
		}
		if (!res[i].error) {
			/* Not about this directory: the query failed. */
			cli_warn("cannot query cgroup %s: %s", shown, strerror(-r));
			free(shown);
			status = CLI_EXIT_FAILURE;
			r = 0;
			goto out;
		}
		if (r == -EOPNOTSUPP)
			cli_warn("cgroupstats works only on cgroup v1 hierarchies; %s is cgroup v2",
				 shown);
		else
			cli_warn("%s: %s", shown, res[i].error);
		free(shown);
		/* The worst wins: cgroup v2 (4) over a bad path (1). */
		if (st > status)
			status = st;
	}

	if (opts->format == CLI_FORMAT_PROMETHEUS)
		r = print_prometheus(out, res, opts->n_cgroups);
	else if (opts->json)
		r = print_json(out, res, opts->n_cgroups, opts->compact);
	else
		r = print_text(out, res, opts->n_cgroups);
	if (r == 0)
		r = cli_flush(out);
out:
	if (r < 0) {
		cli_warn_output(r);
		status = CLI_EXIT_FAILURE;
	}
	tstats_ctx_free(ctx);
	free(res);
	return status;
}
