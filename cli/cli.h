/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * taskstats-cli internals: options, modes, renderers and helpers shared by
 * main.c (dispatch), options.c (the command line), the modes in their own
 * files (query.c -p/-t, listen.c --listen, run.c -- COMMAND, top.c --all
 * and --interval, live.c --live, cgroup.c -C, check.c --check), the
 * renderers (report.c text, json.c JSON, prom.c Prometheus, table.c column
 * tables, tree.c --tree's table) and util.c; snapshot.c lists and queries
 * every task for top.c and prom.c.
 * Only the public libtaskstats.h is used: whatever the CLI needs and the
 * library does not offer belongs in the library's API, not here.
 */
#ifndef TSTATS_CLI_H
#define TSTATS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "libtaskstats.h"

#define CLI_NAME "taskstats-cli"

/* Exit statuses (documented in --help and taskstats-cli(1)). */
enum cli_exit {
	CLI_EXIT_OK = 0,	/* every requested task reported */
	CLI_EXIT_NOTFOUND = 1,	/* some task did not exist (others reported) */
	CLI_EXIT_USAGE = 2,	/* bad command line */
	CLI_EXIT_PERM = 3,	/* CAP_NET_ADMIN missing */
	CLI_EXIT_UNAVAIL = 4,	/* no TASKSTATS family in this kernel/netns */
	CLI_EXIT_FAILURE = 5,	/* any other runtime failure */
	CLI_EXIT_LOST = 6,	/* --listen: exit events were lost */
	/* -- COMMAND exits with the command's status, or with these (as
	 * env(1)): taskstats-cli itself failed and did not run the command,
	 * the command was found but could not be executed, or not found. */
	CLI_EXIT_CMD_FAILURE = 125,
	CLI_EXIT_CMD_NOEXEC = 126,
	CLI_EXIT_CMD_NOTFOUND = 127,
};

/* One task named on the command line, in command-line order. */
struct cli_target {
	uint32_t kind;		/* enum tstats_kind */
	uint32_t id;
};

struct cli_opts {
	struct cli_target *targets;
	size_t n_targets;
	size_t cap_targets;	/* room in targets */
	bool exact;		/* -x: raw integers with their unit */
	bool json;		/* -j, -J, --json; also set by --json-lines */
	bool json_lines;	/* --json-lines: one JSON object per line (a stream) */
	bool compact;		/* --compact: JSON on one line */
	FILE *out;		/* reports (-o FILE); NULL: stdout */
	const char *output;	/* -o: the file's name; NULL when not given */
	/* --listen (listen.c) and -- COMMAND (run.c) */
	bool listen;		/* --listen */
	const char *cpus;	/* --cpus: a cpulist; NULL: every possible CPU */
	uint32_t count;		/* --count: stop after this many records; 0: never */
	int rcvbuf;		/* --rcvbuf: bytes; 0: CLI_DEFAULT_RCVBUF */
	bool tree;		/* --tree: report the command's descendants too */
	char **command;		/* after "--", NULL-terminated; NULL: none */
	/* --all and --list-columns (top.c); --count counts intervals there */
	bool all;		/* -a, or implied by --threads and --interval */
	bool threads;		/* --threads: every thread, not every process */
	uint64_t interval_ns;	/* -i: 0 for a snapshot */
	/* --group-by: an enum tstats_group_by, TSTATS_GROUP_BY_NONE without */
	unsigned int group_by;
	/* -p/-t with --interval: watch those tasks over time (top.c) */
	bool watch;
	/* --interval filters: -u, --comm (repeatable), --active */
	bool has_uid;
	uint32_t uid;
	const char **comms;
	size_t n_comms;
	bool active;
	bool live;		/* --live (live.c) */
	uint32_t top;		/* --top: rows per interval; 0: all */
	const char *sort;	/* -s: a column name; NULL: the default */
	const char *columns;	/* -o: a column list, "+LIST" adds to the default */
	bool output_all;	/* -O: every column */
	bool bytes;		/* -b: sizes in bytes, not KiB, MiB... */
	bool list_columns;	/* --list-columns */
	bool check;		/* --check (check.c) */
	bool noheadings;	/* -n */
	bool raw;		/* -r */
	/* --cgroup (cgroup.c) and --format (prom.c) */
	const char **cgroups;	/* --cgroup: directories, in command-line order */
	size_t n_cgroups;
	enum cli_format {
		CLI_FORMAT_DEFAULT = 0,	/* no --format: text, or JSON with -j */
		CLI_FORMAT_TEXT,
		CLI_FORMAT_JSON,	/* also sets .json */
		CLI_FORMAT_PROMETHEUS,
	} format;		/* --format */
};

/* The exit listener's receive buffer unless --rcvbuf says otherwise: room
 * for a burst of a few thousand exits (see bench/README). */
#define CLI_DEFAULT_RCVBUF (4 * 1024 * 1024)

/*
 * A renderer. Reports arrive in command-line order; a task that does not
 * exist arrives through error(). end() writes whatever was buffered.
 * Every callback returns 0 or a negative errno (-ENOMEM, -EIO).
 */
struct cli_output {
	int (*begin)(void **state, const struct cli_opts *opts, int delayacct);
	int (*task)(void *state, const struct tstats_record *rec);
	int (*error)(void *state, const struct cli_target *t, int err);
	int (*end)(void *state);
	void (*free)(void *state);
};

extern const struct cli_output cli_text_output;
extern const struct cli_output cli_json_output;
extern const struct cli_output cli_prom_output;	/* prom.c */

/* The modes (main.c's modes[] table). */
enum cli_exit cli_run_query(const struct cli_opts *opts);	/* query.c: -p/-t */
enum cli_exit cli_run_listen(const struct cli_opts *opts);
enum cli_exit cli_run_command(const struct cli_opts *opts);
enum cli_exit cli_run_all(const struct cli_opts *opts);		/* top.c */
enum cli_exit cli_run_live(const struct cli_opts *opts);	/* live.c */

/*
 * One view of a monitor's intervals as a table (top.c), for the live view
 * (live.c): processes, threads (opts->threads) or groups (opts->group_by),
 * with the columns, sorting and filters of --all --interval. opts stays
 * the caller's, and is read at every collect (its filters may change);
 * the monitor too (not freed with the view).
 */
struct top;
#define CLI_VIEW_TEXT_MAX (4 * 40 + 64)
int cli_view_new(const struct cli_opts *opts, struct tstats_monitor *mon, struct top **ret);
void cli_view_free(struct top *t);
/* Rows of the monitor's last interval: their number, or -errno. */
int cli_view_collect(struct top *t);
size_t cli_view_columns(const struct top *t);
/* Texts, into buf[CLI_VIEW_TEXT_MAX] or static. */
const char *cli_view_header(const struct top *t, size_t col, char *buf);
const char *cli_view_cell(const struct top *t, size_t row, size_t col, char *buf);
bool cli_view_left_aligned(const struct top *t, size_t col);
/* Sorts by the next (step 1) or previous (-1) column, or reverses (0). */
void cli_view_sort(struct top *t, int step);
/* Sorts the n rows of the last collect again (after cli_view_sort()). */
void cli_view_resort(struct top *t, size_t n);
const char *cli_view_sort_name(const struct top *t);
enum cli_exit cli_list_columns(const struct cli_opts *opts);	/* top.c */
/*
 * The --all snapshot of tasks already listed and queried (snapshot.h), as
 * cli_run_all() writes it: a table, or JSON (-J, --json-lines), to out.
 * The golden-output test renders recorded records through it. Returns 0,
 * -EINVAL (opts' columns are refused, said on stderr), -ENOMEM or -EIO.
 */
struct cli_snapshot;
int cli_all_render(const struct cli_opts *opts, const struct cli_snapshot *snap, FILE *out);
enum cli_exit cli_run_cgroup(const struct cli_opts *opts);	/* cgroup.c */
enum cli_exit cli_run_prom_all(const struct cli_opts *opts);	/* prom.c */

/*
 * Prometheus text exposition (prom.c), for cgroup.c: writes the families
 * of the cgroupstats counts, one series per path (label "path"), with
 * HELP and TYPE lines. Returns 0 or -errno of the write.
 */
/*
 * --interval --format prometheus (prom.c, for top.c): counters that never
 * go down, one series per row of the interval. A row is a process or a
 * thread (rec: its record, for the pid/tgid/comm/uid labels) or a group
 * (rec NULL, key its group label); total[] holds its counters since the
 * monitor followed it, for the fields whose bit is set in valid[].
 */
struct cli_prom_row {
	const struct tstats_record *rec;
	const char *key;
	const uint64_t *total;
	const uint64_t *valid;
	uint32_t threads;
	uint64_t started, exited;	/* processes (groups), cumulative */
};
struct cli_prom_meta {
	uint64_t intervals, incomplete, lost_messages, lost_threads, followed;
	int delayacct;
};
int cli_prom_intervals(FILE *out, const struct cli_prom_row *rows, size_t n,
		       const struct cli_prom_meta *meta);

int cli_prom_cgroups(FILE *out, const char *const *paths,
		     const struct tstats_cgroupstats *stats, size_t n);

/* Print the error's line (errors.c's tables) and return the exit status:
 * of tstats_ctx_new(), and of a query (context: "cannot query ..."). */
enum cli_exit cli_open_error(int err);
enum cli_exit cli_query_error(int err, const char *context);

/* --interval: decimal seconds ("0.5") into nanoseconds. Returns 0, or
 * -EINVAL (not a decimal number), -EDOM (not above 0), -ERANGE (over a
 * year). */
int cli_parse_interval(const char *arg, uint64_t *ret);

/*
 * JSON pieces (json.c). cli_json_record() builds the object of one record,
 * as in the "tasks" array, into *ret (the caller owns it); threads: how
 * many threads' values rec adds up, for its "notes" (notes.h:
 * cli_value_impossible()). cli_json_root_add()
 * adds a key to the document of a cli_json_output state and takes v, also
 * on failure. Both return 0 or -ENOMEM.
 */
struct json_object;
int cli_json_record(const struct tstats_record *rec, uint32_t threads, struct json_object **ret);
int cli_json_root_add(void *state, const char *key, struct json_object *v);
/* Adds v under key, taking v also on failure; a NULL v (a constructor that
 * failed) is JSON null only when null_ok, else -ENOMEM. Returns 0 or
 * -ENOMEM. */
int cli_json_add(struct json_object *obj, const char *key, struct json_object *v,
		 bool null_ok);
/* Writes obj and a newline to out: on one line (JSON Lines, --compact) or
 * laid out for reading; takes obj. Returns 0, -ENOMEM or -EIO (the
 * stream's error). The one place JSON text is written whole. */
int cli_json_print(FILE *out, struct json_object *obj, bool one_line);

/*
 * One line per exit record (listen.c), for --listen and --tree: a header
 * naming the columns, then cli_exit_line() per record received at when
 * (CLOCK_REALTIME). group_comm names the group of a TGID record (which has
 * no comm), or NULL. Both return 0 or -errno of the write.
 */
int cli_exit_header(FILE *f, bool exact);
int cli_exit_line(FILE *f, const struct timespec *when, const struct tstats_record *rec,
		  const char *group_comm, bool exact);

/*
 * The numeric cells of those lines (USER ... MEM-DLY), also --tree's
 * (tree.c): how many, the title of cell i, and its text for rec into buf
 * (CLI_FMT_MAX bytes); rec adds up threads threads (0: unknown), and a
 * delay that cannot be true is followed by "!" (notes.h).
 */
size_t cli_exit_num_count(void);
const char *cli_exit_num_title(size_t i, bool exact);
const char *cli_exit_num_text(char *buf, size_t i, const struct tstats_record *rec,
			      uint32_t threads, bool exact);

/*
 * --tree (tree.c): a process of the command's run that exited, with the
 * exit records of all its threads, as run.c collects them.
 */
struct cli_proc {
	struct timespec when;		/* its end received, CLOCK_REALTIME */
	uint32_t tgid, ppid;		/* ppid: its last thread's parent at exit */
	bool has_tgid;
	struct tstats_record tgid_rec;	/* the kernel's TGID record (several threads) */
	/* Every thread's PID record in exit order; the last one is the
	 * group's last thread's (TSTATS_RECORD_GROUP_EXIT). */
	struct tstats_record *thr;
	size_t n_thr, cap_thr;
};

/* Appends a copy of rec to p's threads: 0 or -ENOMEM. */
int cli_proc_add_thread(struct cli_proc *p, const struct tstats_record *rec);
/* Frees p's threads. */
void cli_proc_done(struct cli_proc *p);

/* What the run says about itself, for the total. */
struct cli_tree_run {
	uint32_t root;		/* the command's pid */
	bool complete;		/* nothing lost */
	uint64_t lost;		/* exit messages lost (or losses, if uncounted) */
};

/*
 * The table of the processes procs[0..n) (in exit order, each with at
 * least one thread record): one row per process with the total of its
 * threads, in tree order (a row per thread under a multi-threaded one),
 * or one per group with o->group_by; then a total. cli_tree_text() writes
 * it to f; cli_tree_json() adds it as "tree" to the document of a
 * cli_json_output state. Both return 0, -ENOMEM, or -EIO (a write).
 */
int cli_tree_text(FILE *f, struct cli_proc *procs, size_t n, const struct cli_tree_run *run,
		  const struct cli_opts *o);
int cli_tree_json(void *json_state, struct cli_proc *procs, size_t n,
		  const struct cli_tree_run *run, const struct cli_opts *o);

/* Prints why tstats_listener_new() failed; returns the exit status. */
enum cli_exit cli_listener_error(int err);

/* "exit 3", "SIGKILL", "SIGSEGV core": a wait(2) status in a few bytes. */
const char *cli_fmt_status_short(char *buf, uint64_t status);

/* "PID" or "TGID", and "pid" or "tgid" (JSON). */
const char *cli_kind_label(uint32_t kind);
const char *cli_kind_key(uint32_t kind);

/*
 * The thread group of thread id, from /proc/ID/status; 0 if unknown (gone).
 * The kernel answers a TGID query for any thread's id with its whole
 * group's totals, under the id asked: this says which process that is.
 */
uint32_t cli_proc_tgid(uint32_t id);

/* Short text for the per-task errors a user sees ("no such task"). */
const char *cli_task_error_text(int err);

/* Parsing a comma-separated id list (-p 1,2,3). */
enum cli_parse_error {
	CLI_PARSE_OK = 0,
	CLI_PARSE_EMPTY_LIST,
	CLI_PARSE_EMPTY_ITEM,
	CLI_PARSE_NOT_NUMBER,
	CLI_PARSE_NEGATIVE,
	CLI_PARSE_ZERO,
	CLI_PARSE_RANGE,
	CLI_PARSE_TRAILING,
};

const char *cli_parse_error_text(enum cli_parse_error e);

/* Parses one decimal id in [1, UINT32_MAX]; s is not NUL-terminated. */
enum cli_parse_error cli_parse_id(const char *s, size_t len, uint32_t *ret);

/*
 * Appends every id of the comma list arg as a target of that kind. On a
 * parse error, *bad and *bad_len point at the offending element. Returns
 * CLI_PARSE_OK, a parse error, or -ENOMEM.
 */
int cli_parse_id_list(const char *arg, uint32_t kind, struct cli_opts *opts,
		      const char **bad, size_t *bad_len);

/* Formatting buffers: big enough for every cli_fmt_* result. */
#define CLI_FMT_MAX 96

/* Human-readable values; each writes buf (CLI_FMT_MAX bytes), returns it. */
const char *cli_fmt_duration(char *buf, uint64_t ns);	/* "1.23 ms", "2m05s" */
const char *cli_fmt_size(char *buf, uint64_t bytes);	/* "512 B", "1.0 MiB" */
/* The same for num / den ns and num * mul / den bytes, rounded once. */
const char *cli_fmt_duration_frac(char *buf, uint64_t num, uint64_t den);
const char *cli_fmt_size_frac(char *buf, uint64_t num, uint64_t mul, uint64_t den);
const char *cli_fmt_time(char *buf, int64_t sec, int64_t nsec); /* local */
const char *cli_fmt_status(char *buf, uint64_t status);	/* wait(2) status */
const char *cli_fmt_u64(char *buf, uint64_t v);
/* a * b, or UINT64_MAX when it overflows. */
uint64_t cli_mul_sat(uint64_t a, uint64_t b);
/*
 * num * mul / den * m / unit, rounded half up, saturating (unit: 1 or
 * even; m <= 100 and m * unit < 2^64). Exact while (den - 1) * mul * m * 2
 * fits in 64 bits; a value num * mul / den past 2^64 counts as 2^64 - 1.
 */
uint64_t cli_round_frac(uint64_t num, uint64_t mul, uint64_t den, uint64_t m,
			uint64_t unit);

/* Use "µs" only when the charset is UTF-8. */
void cli_set_utf8(bool utf8);
/* Whether the environment's LC_CTYPE locale has the UTF-8 charset. */
bool cli_output_is_utf8(void);

/*
 * Escapes untrusted bytes for a terminal: backslash as \\, and every byte
 * that is not printable (C0 controls, DEL, bytes not part of valid UTF-8,
 * UTF-8-encoded C1 controls and bidi overrides) as \xNN. out needs
 * 4 * len + 1 bytes. Returns out.
 */
char *cli_escape(char *out, const char *s, size_t len);

/* Terminal columns of UTF-8 text (not bytes: "µs" is two columns, "中"
 * two, a combining accent none), for aligning tables. */
size_t cli_display_width(const char *s);

/*
 * Copies s to out as valid UTF-8: each maximal invalid subsequence becomes
 * U+FFFD. out needs 3 * len + 1 bytes. Returns out.
 */
char *cli_utf8_sanitize(char *out, const char *s, size_t len);

/* Writes "taskstats-cli: " and the escaped untrusted text to stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Flushes out: 0, or the -errno (-EIO if none) of a write that failed. */
int cli_flush(FILE *out);
/*
 * Opens --output-file: "-" is stdout; otherwise path is created or
 * truncated, but a symbolic link, a file of another user (root's aside),
 * one with other hard links, or a socket is refused (*why then says which;
 * NULL for an error of the system call). Returns 0 or -errno.
 */
int cli_open_output(const char *path, FILE **ret, const char **why);
/*
 * tstats_delayacct_state() for a report: 1 on, 0 off, -ENOENT no switch
 * (a kernel before 5.14). Any other error (EMFILE: out of descriptors) is
 * not a fact about the kernel: it is said on stderr and returned, and the
 * caller fails rather than report the state as unknown with status 0.
 */
int cli_delayacct_state(void);
#define CLI_DELAYACCT_FAILED(s) ((s) < 0 && (s) != -ENOENT)
/* Says why output failed (r: -ENOMEM, or a write's -errno). */
void cli_warn_output(int r);

/*
 * Restricted mode (privs.c): running with privileges the real user does
 * not have (setcap, set-user-ID). cli_privs_init() is the first thing
 * main() does: it detects that, drops every capability but CAP_NET_ADMIN,
 * returns to the real ids and clears the environment. Returns 0, or
 * -errno when that failed (the CLI must then not run).
 */
int cli_privs_init(void);
bool cli_restricted(void);
uint32_t cli_real_uid(void);

/* 1 if capability cap (CAP_* of <linux/capability.h>) is effective, 0 if
 * not, or -errno. */
int cli_cap_effective(unsigned int cap);

/* In a child about to exec a command: no capabilities, the user's
 * environment back. */
void cli_privs_exec_child(void);

/*
 * Whether a record may be shown: always, unless restricted; then only
 * records of tasks the kernel would let the real user read (its
 * /proc/PID/io: ac_uid, and the real, effective and saved ids and
 * dumpability of the live task; a kernel TGID record has no uid and is
 * refused, a task already gone too). Every mode that prints records must
 * ask (other users' tasks are refused or left out).
 */
bool cli_may_show(const struct tstats_record *rec);

/* After cli_may_show() said no: -EACCES (another user's task), or the
 * -errno that kept the check from being made (-EMFILE), which is an error
 * to report as such, not a refusal. */
int cli_refusal(void);

/* The same for a stream of exit records, where a TGID record (no uid)
 * goes with the PID record before it. Zero-initialise; own_tree: the
 * records shown are those of a command we run (run.c), whose ids cannot
 * change, so ac_uid decides (it is reaped before its record is read). */
struct cli_exit_filter {
	uint32_t tgid;
	bool shown;
	bool own_tree;
};

bool cli_exit_visible(struct cli_exit_filter *f, const struct tstats_record *rec);

/* --check (check.c) */
enum cli_exit cli_run_check(const struct cli_opts *opts);

#endif /* TSTATS_CLI_H */
