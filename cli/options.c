/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taskstats-cli's command line: the option table, --help, the parsing of
 * each option's value, and which options go together.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"

#ifndef TSTATS_VERSION_STRING
#error "TSTATS_VERSION_STRING must be set by the build system"
#endif

enum cli_exit cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs(CLI_NAME ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry '" CLI_NAME " --help' for more information.\n", stderr);
	return CLI_EXIT_USAGE;
}

/* ---- options ----------------------------------------------------------- */

enum {
	OPT_COMPACT = 0x100,
	OPT_CPUS,
	OPT_COUNT,
	OPT_RCVBUF,
	OPT_TREE,
	OPT_THREADS,
	OPT_TOP,
	OPT_LIST_COLUMNS,
	OPT_OUTPUT_FILE,
	OPT_FORMAT,
	OPT_CHECK,
	OPT_GROUP_BY,
	OPT_COMM,
	OPT_ACTIVE,
	OPT_LIVE,
	OPT_JSON_LINES,
};

/*
 * The modes an option can be given in. The options that choose a mode
 * (-p/-t, --listen, -- COMMAND, --all, --interval, --live, --list-columns,
 * --cgroup, --check) exclude each other in check_modes(); mode_of() then
 * names the one that runs, and every other option given must list it.
 */
enum {
	M_QUERY = 1u << 0,	/* -p/-t */
	M_WATCH = 1u << 1,	/* -p/-t --interval */
	M_LISTEN = 1u << 2,
	M_RUN = 1u << 3,	/* -- COMMAND */
	M_ALL = 1u << 4,	/* --all, a snapshot */
	M_INTERVAL = 1u << 5,	/* --all --interval */
	M_LIVE = 1u << 6,
	M_COLUMNS = 1u << 7,	/* --list-columns */
	M_CGROUP = 1u << 8,
	M_CHECK = 1u << 9,
	M_ANY = (1u << 10) - 1,
	M_TABLES = M_ALL | M_INTERVAL | M_WATCH,
};

/* By bit, as messages and --help name them. */
static const char *const mode_names[] = {
	"-p/-t", "-p/-t --interval", "--listen", "-- COMMAND", "--all", "--interval", "--live",
	"--list-columns", "--cgroup", "--check",
};
#define N_MODES (sizeof(mode_names) / sizeof(mode_names[0]))

/* Every option: getopt_long()'s table and the short options are made
 * from it (getopt_tables()), and it says where each option applies. */
static const struct cli_option {
	const char *name;	/* the long name */
	int has_arg;		/* no_argument, required_argument */
	int val;		/* what getopt_long() returns for it */
	const char *letters;	/* its short names, "" for none */
	unsigned int modes;	/* M_*: the modes it applies to */
} options[] = {
	{ "pid", required_argument, 'p', "p", M_QUERY | M_WATCH },
	{ "tgid", required_argument, 't', "t", M_QUERY | M_WATCH },
	{ "exact", no_argument, 'x', "x", M_ANY },
	{ "json", no_argument, 'j', "jJ", M_ANY & ~M_LIVE },
	{ "json-lines", no_argument, OPT_JSON_LINES, "", M_TABLES | M_LISTEN },
	{ "jsonl", no_argument, OPT_JSON_LINES, "", M_TABLES | M_LISTEN },
	{ "compact", no_argument, OPT_COMPACT, "", M_ANY & ~M_LIVE },
	{ "output-file", required_argument, OPT_OUTPUT_FILE, "", M_ANY & ~M_LIVE },
	{ "listen", no_argument, 'l', "l", M_LISTEN },
	{ "cpus", required_argument, OPT_CPUS, "", M_LISTEN },
	{ "count", required_argument, OPT_COUNT, "c", M_LISTEN | M_INTERVAL | M_WATCH },
	{ "rcvbuf", required_argument, OPT_RCVBUF, "",
	  M_LISTEN | M_INTERVAL | M_WATCH | M_RUN | M_LIVE },
	{ "tree", no_argument, OPT_TREE, "", M_RUN },
	{ "all", no_argument, 'a', "a", M_ALL | M_INTERVAL },
	{ "threads", no_argument, OPT_THREADS, "", M_ALL | M_INTERVAL | M_LIVE },
	{ "interval", required_argument, 'i', "i", M_INTERVAL | M_WATCH | M_LIVE },
	{ "sort", required_argument, 's', "s", M_TABLES },
	{ "top", required_argument, OPT_TOP, "", M_TABLES },
	{ "output", required_argument, 'o', "o", M_TABLES },
	{ "output-all", no_argument, 'O', "O", M_TABLES },
	{ "bytes", no_argument, 'b', "b", M_TABLES },
	{ "list-columns", no_argument, OPT_LIST_COLUMNS, "", M_COLUMNS },
	{ "noheadings", no_argument, 'n', "n", M_TABLES | M_COLUMNS },
	{ "raw", no_argument, 'r', "r", M_TABLES | M_COLUMNS },
	{ "help", no_argument, 'h', "h", M_ANY },
	{ "version", no_argument, 'V', "V", M_ANY },
	{ "cgroup", required_argument, 'C', "C", M_CGROUP },
	{ "format", required_argument, OPT_FORMAT, "", M_ANY & ~M_LIVE },
	{ "check", no_argument, OPT_CHECK, "", M_CHECK },
	{ "group-by", required_argument, OPT_GROUP_BY, "", M_INTERVAL | M_RUN | M_LIVE },
	{ "user", required_argument, 'u', "u", M_INTERVAL | M_WATCH | M_LIVE },
	{ "comm", required_argument, OPT_COMM, "", M_INTERVAL | M_WATCH | M_LIVE },
	{ "active", no_argument, OPT_ACTIVE, "", M_INTERVAL | M_WATCH | M_LIVE },
	{ "live", no_argument, OPT_LIVE, "", M_LIVE },
};
#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

/* getopt_long()'s tables, made from options[] once. '+': stop at the
 * first non-option ("-- COMMAND"); ':': a missing value is ':'. */
static struct option long_options[N_OPTIONS + 1];
static char short_options[3 + 2 * 2 * N_OPTIONS + 1];

static void getopt_tables(void)
{
	size_t k = 0;

	short_options[k++] = '+';
	short_options[k++] = ':';
	for (size_t i = 0; i < N_OPTIONS; i++) {
		long_options[i] = (struct option){ options[i].name, options[i].has_arg, NULL,
						   options[i].val };
		for (const char *l = options[i].letters; *l; l++) {
			short_options[k++] = *l;
			if (options[i].has_arg == required_argument)
				short_options[k++] = ':';
		}
	}
	short_options[k] = '\0';
}

/* The row of what getopt_long() returned: by value, or by short name. */
static const struct cli_option *option_of(int c)
{
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (options[i].val == c || (c > 0 && c < 0x100 && strchr(options[i].letters, c)))
			return &options[i];
	return NULL;
}

/* After --help or --version: whether it reached standard output. The
 * text is long enough that printf() writes as it goes: a failure is its
 * errno, which cli_flush() would not see. */
static int stdout_written(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return CLI_EXIT_OK;
	cli_warn_output(-errno);
	return CLI_EXIT_FAILURE;
}

/* --help's last part, from options[]: which options each mode takes. */
static void help_modes(void)
{
	fputs("\nOptions by mode (-x, --json, --compact, --format and --output-file aside,\n"
	      "which most take; any other is refused):\n", stdout);
	for (size_t m = 0; m < N_MODES; m++) {
		size_t col = (size_t)printf("  %s:", mode_names[m]);

		for (size_t i = 0; i < N_OPTIONS; i++) {
			const struct cli_option *o = &options[i];
			size_t w = strlen(o->name) + 3;

			if (!(o->modes & (1u << m)) ||
			    (size_t)__builtin_popcount(o->modes) > N_MODES / 2)
				continue;
			if (col + w > 79) {
				fputs("\n   ", stdout);
				col = 3;
			}
			col += (size_t)printf(" --%s", o->name);
		}
		fputc('\n', stdout);
	}
}

static void help(void)
{
	printf("Usage: " CLI_NAME " [OPTION]... -p PID[,PID]... | -t TGID[,TGID]...\n"
	       "  or:  " CLI_NAME " [OPTION]... --listen [--cpus=LIST] [--count=N]\n"
	       "  or:  " CLI_NAME " [OPTION]... [--tree [--group-by=KEY]] -- COMMAND [ARG]...\n"
	       "  or:  " CLI_NAME " [OPTION]... -a [--threads] [-i SEC [-c N]]\n"
	       "  or:  " CLI_NAME " [OPTION]... -p PID... | -t TGID... -i SEC [-c N]\n"
	       "  or:  " CLI_NAME " --live [-i SEC] [--threads | --group-by KEY]\n"
	       "  or:  " CLI_NAME " [OPTION]... -C DIR [-C DIR]...\n"
	       "  or:  " CLI_NAME " [--json] --check\n"
	       "\n"
	       "Show the Linux kernel's per-task accounting (taskstats): identity, CPU\n"
	       "times, memory, I/O, context switches and delays, per thread or per\n"
	       "thread group; of running tasks, of every task as it exits (--listen),\n"
	       "or of a command run to its end.\n"
	       "\n"
	       "Tasks (repeatable, comma-separated lists, reported in command-line order):\n"
	       "  -p, --pid=PID[,PID]...     one thread (any thread id)\n"
	       "  -t, --tgid=TGID[,TGID]...  a thread group (process): the kernel sums only\n"
	       "                             CPU times, context switches and delays\n"
	       "\n"
	       "Exit events:\n"
	       "  -l, --listen               one line per exiting task (a TGID line after\n"
	       "                             the last thread of a multi-threaded process),\n"
	       "                             until SIGINT, SIGTERM or --count; then a\n"
	       "                             summary with the losses on stderr\n"
	       "      --cpus=LIST            only exits on these CPUs (\"0-3,7\")\n"
	       "  -c, --count=N              stop after N records\n"
	       "      --rcvbuf=BYTES         the listener's receive buffer, suffix K, M or G\n"
	       "                             (default 4M; 8M with --interval); raise it\n"
	       "                             when events are lost\n"
	       "\n"
	       "Running a command:\n"
	       "  -- COMMAND [ARG]...        run COMMAND with this stdin, stdout and stderr;\n"
	       "                             when it exits, report its whole thread group\n"
	       "                             on stderr and exit with its exit status\n"
	       "      --tree                 also a table of the command and each\n"
	       "                             descendant process that exited before it,\n"
	       "                             in tree order: each process's total over all\n"
	       "                             its threads, a line per thread of a\n"
	       "                             multi-threaded one, and a total of the run\n"
	       "      --group-by=KEY         with --tree, one row per command name (comm)\n"
	       "                             or user instead of per process\n"
	       "\n"
	       "Cgroups (cgroupstats, cgroup v1 hierarchies only):\n"
	       "  -C, --cgroup=DIR           how many tasks directly in cgroup DIR are\n"
	       "                             sleeping, running, stopped, uninterruptible\n"
	       "                             and waiting for I/O (repeatable)\n"
	       "\n");
	/* Split: C99 compilers need only take 4095-byte strings. */
	fputs("All tasks (a table, one row per task):\n"
	       "  -a, --all                  every process: what each has used since it\n"
	       "                             started (one snapshot)\n"
	       "      --threads              every thread instead (implies --all)\n"
	       "  -i, --interval=SEC         a table per interval of SEC seconds (\"0.5\")\n"
	       "                             of what each task did in it: CPU %, bytes/s,\n"
	       "                             delay %, tasks that exited in it included\n"
	       "                             (STATUS), and a total; the first sample is\n"
	       "                             only the baseline (implies --all)\n"
	       "      --group-by=KEY         with --interval, one row per group of\n"
	       "                             processes: comm, user or cgroup\n"
	       "  -u, --user=USER            with --interval, only USER's tasks (a name or uid)\n"
	       "      --comm=NAME            with --interval, only tasks named NAME (repeatable)\n"
	       "      --active               with --interval, only tasks that used CPU, did\n"
	       "                             I/O, started or exited in the interval\n"
	       "      --live                 a full-screen view refreshed every -i SEC\n"
	       "                             (default 1): keys sort, filter, switch between\n"
	       "                             processes, threads and groups; ? for help\n"
	       "  -c, --count=N              stop after N intervals (default: at SIGINT or\n"
	       "                             SIGTERM); with --listen, after N records\n"
	       "  -s, --sort=[+|-]COLUMN     largest first (ids and comm: smallest first);\n"
	       "                             +COLUMN smallest first, -COLUMN largest first\n"
	       "                             (as ps); default cpu%, or the id in a snapshot\n"
	       "      --top=N                at most N rows per table\n"
	       "  -o, --output=LIST          the columns to show, comma-separated (names or\n"
	       "                             JSON keys); \"+LIST\" adds them to the default\n"
	       "                             ones\n"
	       "  -O, --output-all           every column\n"
	       "  -b, --bytes                sizes and byte rates in bytes, not KiB, MiB...\n"
	       "      --list-columns         list the columns and exit\n"
	       "  -n, --noheadings           no header line\n"
	       "  -r, --raw                  columns separated by one space, unaligned;\n"
	       "                             blanks, backslashes, controls and non-ASCII\n"
	       "                             bytes as \\xNN\n"
	       "\n", stdout);
	printf("Output:\n"
	       "  -x, --exact                exact integers with their raw unit (ns, us,\n"
	       "                             bytes, KiB, MiB*us) instead of rounded values\n"
	       "  -j, -J, --json             one JSON document (schema_version 1), written\n"
	       "                             when the run ends; --all and --interval: its\n"
	       "                             \"rows\" or \"intervals\"; --listen: its \"exits\"\n"
	       "                             (these were JSON Lines: now --json-lines)\n"
	       "      --json-lines           --all, --interval, --listen: one JSON object per\n"
	       "                             line as it happens (JSON Lines)\n"
	       "      --jsonl                the same as --json-lines\n"
	       "      --compact              the JSON document on one line (implies --json)\n"
	       "      --format=FORMAT        text (the default), json (as --json), or\n"
	       "                             prometheus: the text exposition format, for\n"
	       "                             -p/-t, --all and --cgroup; with --interval,\n"
	       "                             counters that never go down, per group with\n"
	       "                             --group-by\n"
	       "      --output-file=FILE     write the report or the lines to FILE, \"-\":\n"
	       "                             stdout (default: stdout; stderr for -- COMMAND);\n"
	       "                             a symbolic link or another user's file is refused;\n"
	       "                             --interval --format prometheus replaces it\n"
	       "                             atomically at every interval\n"
	       "\n"
	       "JSON keys are jq-friendly and carry their unit (cpu_pct, utime_us,\n"
	       "read_bytes_per_second); --list-columns lists each column's key.\n"
	       "Values the kernel rounds, samples or does not measure are marked ([1]...,\n"
	       "explained under Notes; \"notes\" in JSON); a delay that cannot be true\n"
	       "is marked [!], or ! in tables. READ is storage; RCHAR/WCHAR are bytes\n"
	       "through read/write calls.\n"
	       "\n"
	       "      --check                whether taskstats works here, for this process:\n"
	       "                             one line per check (family, permission,\n"
	       "                             namespaces, delay accounting, struct version,\n"
	       "                             cgroup v1, IRQ time accounting) with a fix;\n"
	       "                             exit status 0 when queries will work, else\n"
	       "                             3, 4 or 5 as below\n"
	       "  -h, --help                 show this help and exit\n"
	       "  -V, --version              show the version and exit\n"
	       "\n"
	       "Queries need CAP_NET_ADMIN (root). Given to the program file instead\n"
	       "(setcap cap_net_admin+ep), it shows each user only their own tasks and\n"
	       "ignores the environment. Delays other than the CPU's are only counted\n"
	       "while kernel.task_delayacct=1.\n"
	       "\n"
	       "Exit status:\n"
	       "  0  every task reported\n"
	       "  1  some task or cgroup does not exist (the others are reported)\n"
	       "  2  usage error\n"
	       "  3  permission denied (CAP_NET_ADMIN missing, or another user's task)\n"
	       "  4  taskstats unavailable in this kernel or network namespace;\n"
	       "     --cgroup: a directory on cgroup v2 (no cgroupstats there)\n"
	       "  5  other failure\n"
	       "  6  --listen: exit events were lost (see the summary)\n"
	       "-- COMMAND exits with the command's status (128+N if signal N killed it),\n"
	       "125 if " CLI_NAME " failed before running it, 126 if it could not be\n"
	       "executed, 127 if it was not found.\n"
	       "\n"
	       "See taskstats-cli(1) for the fields and the JSON schema.\n");
	help_modes();
}

static enum cli_exit add_list(struct cli_opts *opts, uint32_t kind, char opt,
			      const char *arg)
{
	char shown[4 * 64 + 1];
	const char *bad;
	size_t bad_len;
	int r;

	r = cli_parse_id_list(arg, kind, opts, &bad, &bad_len);
	if (r == -ENOMEM) {
		cli_warn("out of memory");
		return CLI_EXIT_FAILURE;
	}
	if (r == CLI_PARSE_OK)
		return CLI_EXIT_OK;
	/* The argument is echoed, so escape it like any untrusted text. */
	if (bad_len > 64)
		bad_len = 64;
	cli_escape(shown, bad, bad_len);
	if (r == CLI_PARSE_EMPTY_LIST)
		return cli_usage_error("option -%c needs a %s", opt, cli_kind_label(kind));
	return cli_usage_error("invalid %s%s '%s' for -%c: %s", cli_kind_label(kind),
			   r == CLI_PARSE_EMPTY_ITEM ? " list" : "", shown, opt,
			   cli_parse_error_text((enum cli_parse_error)r));
}

static enum cli_exit bad_option(int c, char **argv)
{
	char shown[4 * 64 + 1];
	const char *arg = argv[optind - 1];
	size_t len = strcspn(arg, "=");

	/* "--name[=value]" is named as typed, a short one ("-xq") by optopt. */
	if (strncmp(arg, "--", 2) != 0 && optopt) {
		if (c == ':')
			return cli_usage_error("option -%c needs an argument", optopt);
		return cli_usage_error("unknown option -%c", optopt);
	}
	cli_escape(shown, arg, len > 64 ? 64 : len);
	if (c == ':')
		return cli_usage_error("option '%s' needs an argument", shown);
	if (optopt)
		return cli_usage_error("option '%s' takes no argument", shown);
	/* getopt_long() says '?' for a prefix of several names ("--out")
	 * as for an unknown one: name the candidates. */
	if (len > 2) {
		char names[512] = "";
		size_t used = 0;
		int n = 0;

		for (const struct option *o = long_options; o->name; o++)
			if (strncmp(o->name, arg + 2, len - 2) == 0 && used < sizeof(names))
				used += (size_t)snprintf(names + used, sizeof(names) - used,
							 "%s--%s", n++ ? ", " : "", o->name);
		if (n > 1)
			return cli_usage_error("option '%s' is ambiguous: %s", shown, names);
	}
	return cli_usage_error("unknown option '%s'", shown);
}

const char *cli_shown_arg(char *shown, const char *arg)
{
	size_t len = strlen(arg);

	return cli_escape(shown, arg, len > 64 ? 64 : len);
}

/* -u: a user name or a numeric uid. */
static enum cli_exit parse_user(struct cli_opts *opts, const char *arg)
{
	char shown[4 * 64 + 1], *end;
	struct passwd *pw;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (*arg >= '0' && *arg <= '9' && !*end && !errno && v <= UINT32_MAX - 1) {
		opts->uid = (uint32_t)v;
	} else {
		pw = getpwnam(arg);
		if (!pw)
			return cli_usage_error("unknown user '%s' for -u", cli_shown_arg(shown, arg));
		opts->uid = (uint32_t)pw->pw_uid;
	}
	opts->has_uid = true;
	return CLI_EXIT_OK;
}

static enum cli_exit parse_interval(struct cli_opts *opts, const char *arg)
{
	char shown[4 * 64 + 1];
	int r = cli_parse_interval(arg, &opts->interval_ns);

	if (r == 0)
		return CLI_EXIT_OK;
	return cli_usage_error("invalid interval '%s' for --interval: %s", cli_shown_arg(shown, arg),
			   r == -EDOM ? "must be more than 0 seconds" :
			   r == -ERANGE ? "too long (at most a year)" :
			   "not a decimal number of seconds");
}

/* A single number's parse error ("empty element" is for lists). */
static const char *number_error_text(enum cli_parse_error e)
{
	return e == CLI_PARSE_EMPTY_ITEM ? "empty" : cli_parse_error_text(e);
}

static enum cli_exit parse_top(struct cli_opts *opts, const char *arg)
{
	char shown[4 * 64 + 1];
	enum cli_parse_error e;

	e = cli_parse_id(arg, strlen(arg), &opts->top);
	if (e == CLI_PARSE_OK)
		return CLI_EXIT_OK;
	return cli_usage_error("invalid number '%s' for --top: %s", cli_shown_arg(shown, arg),
			   number_error_text(e));
}

static enum cli_exit parse_count(struct cli_opts *opts, const char *arg)
{
	char shown[4 * 64 + 1];
	enum cli_parse_error e;

	e = cli_parse_id(arg, strlen(arg), &opts->count);
	if (e == CLI_PARSE_OK)
		return CLI_EXIT_OK;
	return cli_usage_error("invalid count '%s' for --count: %s", cli_shown_arg(shown, arg),
			   number_error_text(e));
}

/* BYTES with an optional K, M or G (powers of 1024). */
static enum cli_exit parse_rcvbuf(struct cli_opts *opts, const char *arg)
{
	char shown[4 * 64 + 1];
	size_t len = strlen(arg);
	enum cli_parse_error e;
	unsigned int shift = 0;
	uint32_t v;

	switch (len > 1 ? arg[len - 1] : 0) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	}
	if (shift)
		len--;
	e = cli_parse_id(arg, len, &v);
	if (e == CLI_PARSE_OK && ((uint64_t)v << shift) > INT_MAX)
		e = CLI_PARSE_RANGE;
	if (e == CLI_PARSE_RANGE)
		return cli_usage_error("invalid size '%s' for --rcvbuf: too large (at most %d bytes)",
				   cli_shown_arg(shown, arg), INT_MAX);
	if (e != CLI_PARSE_OK)
		return cli_usage_error("invalid size '%s' for --rcvbuf: %s", cli_shown_arg(shown, arg),
				   number_error_text(e));
	opts->rcvbuf = (int)((uint64_t)v << shift);
	return CLI_EXIT_OK;
}

static enum cli_exit parse_cpus(struct cli_opts *opts, const char *arg)
{
	char shown[4 * 64 + 1];
	int r = tstats_cpulist_check(arg);

	if (r == -ENOMEM) {
		cli_warn("out of memory");
		return CLI_EXIT_FAILURE;
	}
	if (r == -ERANGE)
		return cli_usage_error("invalid CPU list '%s' for --cpus: a CPU this machine cannot have",
				   cli_shown_arg(shown, arg));
	if (r < 0)
		return cli_usage_error("invalid CPU list '%s' for --cpus: expected CPUs and ranges "
				   "such as 0-3,7", cli_shown_arg(shown, arg));
	opts->cpus = arg;
	return CLI_EXIT_OK;
}

/* --cgroup, which excludes the other modes, and --format. */
static enum cli_exit check_formats(const struct cli_opts *opts)
{
	bool prom = opts->format == CLI_FORMAT_PROMETHEUS;

	if (opts->format == CLI_FORMAT_TEXT && opts->json)
		return cli_usage_error("--format text and --json exclude each other");
	if (prom && opts->json)
		return cli_usage_error("--format prometheus and --json exclude each other");
	if (prom && (opts->listen || opts->command || opts->list_columns || opts->check))
		return cli_usage_error("--format prometheus works with -p/-t, --all and --cgroup");
	if (prom && opts->interval_ns && opts->watch)
		return cli_usage_error("--format prometheus with --interval follows every task: "
				   "drop -p/-t");
	if (prom && (opts->sort || opts->top || opts->columns || opts->output_all || opts->bytes))
		return cli_usage_error("--sort, --top, --output, -O and -b do not apply to --format "
				       "prometheus");
	return CLI_EXIT_OK;
}

static enum cli_exit parse_format(struct cli_opts *opts, const char *arg)
{
	static const struct {
		const char *name;
		enum cli_format format;
	} formats[] = {
		{ "text", CLI_FORMAT_TEXT },
		{ "json", CLI_FORMAT_JSON },
		{ "prometheus", CLI_FORMAT_PROMETHEUS },
	};
	char shown[4 * 64 + 1];

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(arg, formats[i].name) == 0) {
			opts->format = formats[i].format;
			if (opts->format == CLI_FORMAT_JSON)
				opts->json = true;
			return CLI_EXIT_OK;
		}
	return cli_usage_error("invalid format '%s' for --format: expected text, json or prometheus",
			   cli_shown_arg(shown, arg));
}

static enum cli_exit add_cgroup(struct cli_opts *opts, const char *arg)
{
	const char **p;

	if (!*arg)
		return cli_usage_error("option -C needs a cgroup directory");
	p = realloc(opts->cgroups, (opts->n_cgroups + 1) * sizeof(*p));
	if (!p) {
		cli_warn("out of memory");
		return CLI_EXIT_FAILURE;
	}
	p[opts->n_cgroups++] = arg;
	opts->cgroups = p;
	return CLI_EXIT_OK;
}

/* The mode that runs (main.c's modes[] chooses the same way), or 0. */
static unsigned int mode_of(const struct cli_opts *opts)
{
	if (opts->check)
		return M_CHECK;
	if (opts->n_cgroups)
		return M_CGROUP;
	if (opts->listen)
		return M_LISTEN;
	if (opts->command)
		return M_RUN;
	if (opts->live)
		return M_LIVE;
	if (opts->watch)
		return M_WATCH;
	if (opts->n_targets)
		return M_QUERY;
	if (opts->interval_ns)
		return M_INTERVAL;
	if (opts->all)
		return M_ALL;
	if (opts->list_columns)
		return M_COLUMNS;
	return 0;
}

/* "--all, --interval or --live": the modes of a set, into buf. */
static const char *mode_list(char *buf, size_t size, unsigned int modes)
{
	size_t n = 0, left = (size_t)__builtin_popcount(modes);

	buf[0] = '\0';
	for (size_t m = 0; m < N_MODES && n < size; m++) {
		if (!(modes & (1u << m)))
			continue;
		left--;
		n += (size_t)snprintf(buf + n, size - n, "%s%s", mode_names[m],
				      left > 1 ? ", " : left == 1 ? " or " : "");
	}
	return buf;
}

/* Every option given applies to the mode that runs (options[].modes). */
static enum cli_exit check_applies(const struct cli_opts *opts, const bool *seen)
{
	unsigned int mode = mode_of(opts);
	char where[256];

	for (size_t i = 0; i < N_OPTIONS; i++) {
		const struct cli_option *o = &options[i];

		/* Without a mode, one that most modes take waits for main()'s
		 * "no task given". */
		if (!seen[i] || (mode && (o->modes & mode)) ||
		    (!mode && (size_t)__builtin_popcount(o->modes) > N_MODES / 2))
			continue;
		mode_list(where, sizeof(where), o->modes);
		if (!mode)
			return cli_usage_error("--%s needs %s", o->name, where);
		for (size_t m = 0; m < N_MODES; m++) {
			if (mode != 1u << m)
				continue;
			/* Where most modes take it, the one that does not is news
			 * enough. */
			if ((size_t)__builtin_popcount(o->modes) > N_MODES / 2)
				return cli_usage_error("--%s does not apply to %s", o->name,
						       mode_names[m]);
			return cli_usage_error("--%s does not apply to %s (only to %s)",
					       o->name, mode_names[m], where);
		}
	}
	return CLI_EXIT_OK;
}

/* Modes that exclude each other, options that do not apply to the mode
 * (options[]), and the combinations that make no sense within one. */
static enum cli_exit check_modes(const struct cli_opts *opts, const bool *seen)
{
	int n = (opts->n_targets > 0) + opts->listen + (opts->command != NULL);
	enum cli_exit e;

	if (opts->check && (n > 0 || opts->all || opts->list_columns || opts->n_cgroups))
		return cli_usage_error("--check excludes -p/-t, --listen, -- COMMAND, --all, "
				   "--list-columns and --cgroup");
	if (opts->n_cgroups && (n > 0 || opts->all || opts->list_columns))
		return cli_usage_error("--cgroup excludes -p/-t, --listen, -- COMMAND, --all and "
				   "--list-columns");
	if (n > 1)
		return cli_usage_error("-p/-t, --listen and -- COMMAND exclude each other");
	if (opts->live && (n > 0 || opts->list_columns))
		return cli_usage_error("--live excludes -p/-t, --listen, -- COMMAND and "
				       "--list-columns");
	if (opts->all && n - opts->watch + opts->list_columns > 0)
		return cli_usage_error("--all (also implied by --threads and --interval) excludes "
				   "-p/-t, --listen, -- COMMAND and --list-columns");
	if (opts->list_columns && n > 0)
		return cli_usage_error("--list-columns excludes -p/-t, --listen and -- COMMAND");
	for (size_t i = 1; opts->watch && i < opts->n_targets; i++)
		if (opts->targets[i].kind != opts->targets[0].kind)
			return cli_usage_error("with --interval, give -p or -t, not both");
	if (opts->watch && opts->threads)
		return cli_usage_error("--threads excludes -p/-t: -p follows threads, -t processes");
	if (opts->watch && opts->group_by)
		return cli_usage_error("--group-by excludes -p/-t");
	e = check_applies(opts, seen);
	if (e != CLI_EXIT_OK)
		return e;
	if ((opts->has_uid || opts->n_comms) && opts->group_by)
		return cli_usage_error("-u and --comm filter tasks, not groups: drop --group-by");
	if (opts->output_all && opts->columns)
		return cli_usage_error("-o and -O exclude each other");
	if (opts->group_by && opts->command && !opts->tree)
		return cli_usage_error("--group-by with -- COMMAND needs --tree");
	if (opts->group_by && opts->tree && opts->group_by != TSTATS_GROUP_BY_COMM &&
	    opts->group_by != TSTATS_GROUP_BY_USER)
		return cli_usage_error("--tree groups by comm or user only");
	if (opts->group_by && opts->threads)
		return cli_usage_error("--group-by groups processes: drop --threads");
	return check_formats(opts);
}

/* Fills opts; returns -1 to go on, or the exit status to stop with. */
int cli_parse_options(int argc, char **argv, struct cli_opts *opts)
{
	char shown[4 * 64 + 1];
	int opt_end = optind;	/* argv index after the last option */
	bool seen[N_OPTIONS] = { false };
	enum cli_exit e;
	int c;

	getopt_tables();
	opterr = 0;	/* our own messages, with the "Try" line */
	while ((c = getopt_long(argc, argv, short_options, long_options, NULL)) != -1) {
		const struct cli_option *o = option_of(c);

		opt_end = optind;
		if (o)
			seen[o - options] = true;
		switch (c) {
		case 'p':
		case 't':
			e = add_list(opts, c == 'p' ? TSTATS_KIND_PID : TSTATS_KIND_TGID,
				     (char)c, optarg);
			if (e != CLI_EXIT_OK)
				return e;
			break;
		case 'x':
			opts->exact = true;
			break;
		case OPT_COMPACT:
			opts->compact = true;
			/* fall through */
		case 'j':
		case 'J':	/* util-linux's spelling */
			opts->json = true;
			break;
		case OPT_OUTPUT_FILE:
			opts->output = optarg;
			break;
		case 'l':
			opts->listen = true;
			break;
		case OPT_CPUS:
			e = parse_cpus(opts, optarg);
			if (e != CLI_EXIT_OK)
				return e;
			break;
		case 'c':
		case OPT_COUNT:
			e = parse_count(opts, optarg);
			if (e != CLI_EXIT_OK)
				return e;
			break;
		case OPT_RCVBUF:
			e = parse_rcvbuf(opts, optarg);
			if (e != CLI_EXIT_OK)
				return e;
			break;
		case OPT_TREE:
			opts->tree = true;
			break;
		case 'a':
			opts->all = true;
			break;
		case OPT_GROUP_BY: {
			static const char *const keys[] = {
				[TSTATS_GROUP_BY_COMM] = "comm",
				[TSTATS_GROUP_BY_USER] = "user",
				[TSTATS_GROUP_BY_CGROUP] = "cgroup",
			};

			opts->group_by = TSTATS_GROUP_BY_NONE;
			for (unsigned int k = TSTATS_GROUP_BY_COMM; k <= TSTATS_GROUP_BY_CGROUP; k++)
				if (strcmp(optarg, keys[k]) == 0)
					opts->group_by = k;
			if (opts->group_by == TSTATS_GROUP_BY_NONE)
				return cli_usage_error("invalid key '%s' for --group-by: comm, user or "
						   "cgroup", cli_shown_arg(shown, optarg));
			break;
		}
		case OPT_THREADS:
			opts->threads = opts->all = true;
			break;
		case 'i':
			e = parse_interval(opts, optarg);
			if (e != CLI_EXIT_OK)
				return e;
			break;
		case 'u':
			e = parse_user(opts, optarg);
			if (e != CLI_EXIT_OK)
				return e;
			break;
		case OPT_COMM: {
			const char **p = realloc(opts->comms, (opts->n_comms + 1) * sizeof(*p));

			if (!p)
				return cli_usage_error("out of memory");
			p[opts->n_comms++] = optarg;
			opts->comms = p;
			break;
		}
		case OPT_ACTIVE:
			opts->active = true;
			break;
		case OPT_LIVE:
			opts->live = true;
			break;
		case OPT_JSON_LINES:
			opts->json = opts->json_lines = true;
			break;
		case 's':
			opts->sort = optarg;
			break;
		case OPT_TOP:
			e = parse_top(opts, optarg);
			if (e != CLI_EXIT_OK)
				return e;
			break;
		case 'o':
			opts->columns = optarg;
			break;
		case 'O':
			opts->output_all = true;
			break;
		case 'b':
			opts->bytes = true;
			break;
		case OPT_CHECK:
			opts->check = true;
			break;
		case OPT_LIST_COLUMNS:
			opts->list_columns = true;
			break;
		case 'C':
			e = add_cgroup(opts, optarg);
			if (e != CLI_EXIT_OK)
				return e;
			break;
		case OPT_FORMAT:
			e = parse_format(opts, optarg);
			if (e != CLI_EXIT_OK)
				return e;
			break;
		case 'n':
			opts->noheadings = true;
			break;
		case 'r':
			opts->raw = true;
			break;
		case 'h':
			help();
			return stdout_written();
		case 'V':
			printf("%s %s\n", CLI_NAME, TSTATS_VERSION_STRING);
			return stdout_written();
		default:
			return bad_option(c, argv);
		}
	}
	/* A "--" that ended the options, not one that was an option's value. */
	if (optind > opt_end && strcmp(argv[optind - 1], "--") == 0) {
		if (optind == argc)
			return cli_usage_error("no command after '--'");
		opts->command = &argv[optind];
	} else if (optind < argc) {
		return cli_usage_error("unexpected argument '%s'", cli_shown_arg(shown, argv[optind]));
	}
	/* --interval implies --all, or with -p/-t watches those tasks. */
	if (opts->interval_ns && opts->n_targets && !opts->all)
		opts->watch = true;
	if (opts->interval_ns)
		opts->all = true;
	e = check_modes(opts, seen);
	return e == CLI_EXIT_OK ? -1 : (int)e;
}
