/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taskstats-cli: mode dispatch (the options are options.c's).
 *
 * A mode is one row of the modes[] table (as kmod's struct kmod_cmd): the
 * options select it, run() does the work and returns the exit status.
 * Every error a user can act on is one line on stderr, prefixed with the
 * program name; usage errors never print anything on stdout.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "options.h"
#include "jsonc.h"
#include "table.h"

/* The largest --rcvbuf in restricted mode (privs.c). */
#define RESTRICTED_RCVBUF_MAX (16 * 1024 * 1024)

/* ---- modes ------------------------------------------------------------- */

static bool has_targets(const struct cli_opts *opts)
{
	return opts->n_targets > 0 && !opts->watch;
}

static bool wants_listen(const struct cli_opts *opts)
{
	return opts->listen;
}

static bool has_command(const struct cli_opts *opts)
{
	return opts->command != NULL;
}

static bool wants_live(const struct cli_opts *opts)
{
	return opts->live;
}

static bool wants_all(const struct cli_opts *opts)
{
	return opts->all;
}

static bool wants_columns(const struct cli_opts *opts)
{
	return opts->list_columns;
}

static bool wants_check(const struct cli_opts *opts)
{
	return opts->check;
}

static bool has_cgroups(const struct cli_opts *opts)
{
	return opts->n_cgroups > 0;
}

/* The modes whose text is a column table (table.h). */
static bool wants_table(const struct cli_opts *opts)
{
	if (opts->json || opts->format == CLI_FORMAT_PROMETHEUS || opts->live)
		return false;
	return opts->all || opts->list_columns || opts->tree || opts->n_cgroups;
}

/* One snapshot in Prometheus' format: not top.c's tables. */
static bool wants_prom_all(const struct cli_opts *opts)
{
	/* With --interval, top.c writes the counters of every interval. */
	return opts->all && opts->format == CLI_FORMAT_PROMETHEUS && !opts->interval_ns;
}

/*
 * The first row whose selected() is true runs. Later modes (exit-event
 * listening, running a command, all tasks at an interval, a self-check)
 * become rows here with their own options.
 */
static const struct cli_mode {
	const char *name;
	bool (*selected)(const struct cli_opts *opts);
	enum cli_exit (*run)(const struct cli_opts *opts);
} modes[] = {
	{ "query", has_targets, cli_run_query },	/* query.c */
	{ "listen", wants_listen, cli_run_listen },	/* listen.c */
	{ "run", has_command, cli_run_command },	/* run.c */
	{ "cgroup", has_cgroups, cli_run_cgroup },	/* cgroup.c */
	{ "live", wants_live, cli_run_live },		/* live.c */
	{ "all-prometheus", wants_prom_all, cli_run_prom_all },	/* prom.c */
	{ "all", wants_all, cli_run_all },		/* top.c */
	{ "list-columns", wants_columns, cli_list_columns },	/* top.c */
	{ "check", wants_check, cli_run_check },	/* check.c */
};

/*
 * A closed standard descriptor would be taken by the first file or socket
 * the program opens, and output written into that. Each closed one gets
 * /dev/null, opened in the direction that fails (standard input
 * write-only, output and error read-only): use still fails, as on the
 * closed descriptor (EBADF), and nothing else lands on it.
 */
static void occupy_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int nfd;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		nfd = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
		if (nfd >= 0 && nfd != fd) {
			/* A lower one was closed too and took it: move it. */
			dup2(nfd, fd);
			close(nfd);
		}
	}
}

int main(int argc, char **argv)
{
	struct cli_opts opts = { 0 };
	const struct cli_mode *mode = NULL;
	int r;

	occupy_std_fds();
	/* Before anything else, the environment included (privs.c). */
	r = cli_privs_init();
	if (r < 0) {
		cli_warn("cannot drop the privileges this program does not need: %s",
			 strerror(-r));
		return CLI_EXIT_FAILURE;
	}

	/* "µs" only where the charset has it. Dates are numeric, so
	 * LC_TIME plays no part; localtime_r() reads the time zone on first
	 * use (restricted: the environment is empty, so the C locale and
	 * the system's time zone). */
	cli_set_utf8(cli_output_is_utf8());

	r = cli_parse_options(argc, argv, &opts);
	if (r >= 0)
		goto out;

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (modes[i].selected(&opts)) {
			mode = &modes[i];
			break;
		}
	if (!mode) {
		r = cli_usage_error("no task given: use -p PID, -t TGID, -C DIR, --all, --listen, --check or -- COMMAND");
		goto out;
	}
	/* Once: a listing that leaves tasks out says so; a JSON document on
	 * stderr (--tree --json) says it in "restricted_to_uid" instead, so
	 * that stderr stays one document. */
	if (cli_restricted() && (opts.listen || opts.all || opts.tree) &&
	    !(opts.tree && opts.json && !opts.output))
		cli_warn("restricted to the tasks of user %" PRIu32 " (this process has "
			 "privileges the user does not have): other users' tasks are left out",
			 cli_real_uid());
	/* The receive buffer is forced past net.core.rmem_max with
	 * CAP_NET_ADMIN: a user must not pin gigabytes of kernel memory. */
	if (cli_restricted() && opts.rcvbuf > RESTRICTED_RCVBUF_MAX) {
		cli_warn("restricted: --rcvbuf lowered to %d MiB", RESTRICTED_RCVBUF_MAX >> 20);
		opts.rcvbuf = RESTRICTED_RCVBUF_MAX;
	}
	if (opts.json) {
		const char *why = NULL;

		if (cli_jsonc_load(&why) < 0) {
			cli_warn("JSON output needs json-c, which cannot be loaded: %s",
				 why ? why : "unknown error");
			r = opts.command ? CLI_EXIT_CMD_FAILURE : CLI_EXIT_FAILURE;
			goto out;
		}
	}
	/* Column tables come from libsmartcols, loaded by their modes alone
	 * (table.h): before any work, as json-c. */
	if (wants_table(&opts) && cli_table_load() < 0) {
		r = opts.command ? CLI_EXIT_CMD_FAILURE : CLI_EXIT_FAILURE;
		goto out;
	}
	/* -r escapes every byte that is not ASCII (util-linux's convention):
	 * units in ASCII ("us") rather than "µs" written as \xc2\xb5. */
	if (opts.raw)
		cli_set_utf8(false);
	/* --interval --format prometheus rewrites the file at every interval
	 * (top.c): a new file renamed over it. */
	if (opts.output && !(opts.interval_ns && opts.format == CLI_FORMAT_PROMETHEUS)) {
		char shown[4 * 64 + 1];
		const char *why;

		/* Close-on-exec: a command run with -- must not inherit it. */
		r = cli_open_output(opts.output, &opts.out, &why);
		if (r < 0) {
			cli_warn("cannot open %s: %s", cli_shown_arg(shown, opts.output),
				 why ? why : strerror(-r));
			r = opts.command ? CLI_EXIT_CMD_FAILURE : CLI_EXIT_FAILURE;
			goto out;
		}
	}
	r = mode->run(&opts);
	if (opts.out && fclose(opts.out) != 0) {
		cli_warn("cannot write the output: %s", strerror(errno));
		if (!opts.command)
			r = CLI_EXIT_FAILURE;
	}
out:
	free(opts.targets);
	free(opts.comms);
	free(opts.cgroups);
	return r;
}
