/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * --listen: one line per exiting task, as the kernel reports it to an exit
 * listener (tstats_listener_*); with --json-lines one JSON object per line,
 * with -J one JSON document when the listening ends.
 *
 * SIGINT and SIGTERM end the loop through a signalfd polled next to the
 * listener's descriptor, so the listener is always freed (deregistered) and
 * the summary always printed. Losses are never passed over: each one is a
 * line in the stream where it happened, the summary on stderr counts them,
 * and the exit status is CLI_EXIT_LOST.
 *
 * The line format (cli_exit_line()) is shared with "-- COMMAND --tree".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>


#include "cli.h"
#include "notes.h"
#include "jsonc.h"

/* Records handed over by one dispatch call before signals are looked at
 * again: an endless storm must not make SIGINT wait. */
#define BATCH 256

/* ---- the line ---------------------------------------------------------- */

/* Room for an escaped comm and a marker. */
#define COMM_MAX (4 * sizeof(((struct tstats_record *)0)->comm) + 32)

enum cell_kind { CELL_US, CELL_NS, CELL_BYTES };

/* The numeric columns: a field (or a sum of fields) in its raw unit. */
static const struct num_col {
	const char *title;
	const char *exact_title;
	enum cell_kind kind;
	int width, exact_width;
	bool pid_only;		/* meaningless in a TGID record */
	unsigned int n_fields;
	unsigned int fields[5];	/* summed */
} num_cols[] = {
	{ "USER", "USER_US", CELL_US, 8, 10, false, 1, { TSTATS_F_UTIME } },
	{ "SYSTEM", "SYSTEM_US", CELL_US, 8, 10, false, 1, { TSTATS_F_STIME } },
	/* A TGID record's etime is the sum over its threads, not the
	 * group's age: left out of the line (it is in the JSON). */
	{ "ELAPSED", "ELAPSED_US", CELL_US, 8, 12, true, 1, { TSTATS_F_ETIME } },
	/* Bytes through read and write calls: rchar and wchar, as in
	 * /proc/PID/io and --all's columns (READ is storage in every view). */
	{ "RCHAR", "RCHAR_B", CELL_BYTES, 10, 12, false, 1, { TSTATS_F_READ_CHAR } },
	{ "WCHAR", "WCHAR_B", CELL_BYTES, 10, 12, false, 1, { TSTATS_F_WRITE_CHAR } },
	{ "CPU-DLY", "CPU_DLY_NS", CELL_NS, 8, 12, false, 1, { TSTATS_F_CPU_DELAY_TOTAL } },
	{ "IO-DLY", "IO_DLY_NS", CELL_NS, 8, 12, false, 1, { TSTATS_F_BLKIO_DELAY_TOTAL } },
	/* Waiting for memory: swap-in, reclaim, thrashing, compaction and
	 * copy-on-write faults. */
	{ "MEM-DLY", "MEM_DLY_NS", CELL_NS, 8, 12, false, 5,
	  { TSTATS_F_SWAPIN_DELAY_TOTAL, TSTATS_F_FREEPAGES_DELAY_TOTAL,
	    TSTATS_F_THRASHING_DELAY_TOTAL, TSTATS_F_COMPACT_DELAY_TOTAL,
	    TSTATS_F_WPCOPY_DELAY_TOTAL } },
};

#define N_NUM_COLS (sizeof(num_cols) / sizeof(num_cols[0]))

/* One cell and the blank before it; width <= 0 aligns left (the last
 * column has width 0: no padding at the end of the line). */
static void put_cell(FILE *f, const char *s, int width, bool first)
{
	size_t w = cli_display_width(s);
	size_t want = (size_t)(width < 0 ? -width : width);

	if (!first)
		fputc(' ', f);
	if (width <= 0)
		fputs(s, f);
	for (; w < want; w++)
		fputc(' ', f);
	if (width > 0)
		fputs(s, f);
}

static void field_cell(char *buf, const struct tstats_record *rec, unsigned int field)
{
	uint64_t v;

	if (tstats_record_get(rec, field, &v) < 0)
		strcpy(buf, "-");
	else
		cli_fmt_u64(buf, v);
}

static void num_cell(char *buf, const struct num_col *c, const struct tstats_record *rec,
		     uint32_t threads, bool exact)
{
	uint64_t sum = 0, v;
	bool any = false, impossible = false;

	if (c->pid_only && rec->kind != TSTATS_KIND_PID) {
		strcpy(buf, "-");
		return;
	}
	for (unsigned int i = 0; i < c->n_fields; i++) {
		if (tstats_record_get(rec, c->fields[i], &v) == 0) {
			sum += v;
			any = true;
			impossible |= cli_value_impossible(rec, c->fields[i], threads);
		}
	}
	/* Absent is unknown, never 0. */
	if (!any)
		strcpy(buf, "-");
	else if (exact)
		cli_fmt_u64(buf, sum);
	else if (c->kind == CELL_US)
		cli_fmt_duration(buf, cli_mul_sat(sum, 1000));
	else if (c->kind == CELL_NS)
		cli_fmt_duration(buf, sum);
	else
		cli_fmt_size(buf, sum);
	cli_mark_impossible(buf, CLI_FMT_MAX, impossible);
}

size_t cli_exit_num_count(void)
{
	return N_NUM_COLS;
}

const char *cli_exit_num_title(size_t i, bool exact)
{
	return exact ? num_cols[i].exact_title : num_cols[i].title;
}

const char *cli_exit_num_text(char *buf, size_t i, const struct tstats_record *rec,
			      uint32_t threads, bool exact)
{
	num_cell(buf, &num_cols[i], rec, threads, exact);
	return buf;
}

static void num_titles(FILE *f, bool exact)
{
	for (size_t i = 0; i < N_NUM_COLS; i++)
		put_cell(f, exact ? num_cols[i].exact_title : num_cols[i].title,
			     exact ? num_cols[i].exact_width : num_cols[i].width, false);
}

static void num_cells(FILE *f, const struct tstats_record *rec, uint32_t threads, bool exact)
{
	char buf[CLI_FMT_MAX];

	for (size_t i = 0; i < N_NUM_COLS; i++) {
		num_cell(buf, &num_cols[i], rec, threads, exact);
		put_cell(f, buf, exact ? num_cols[i].exact_width : num_cols[i].width, false);
	}
}

int cli_exit_header(FILE *f, bool exact)
{
	put_cell(f, "TIME", -12, true);
	put_cell(f, "KIND", -4, false);
	put_cell(f, "ID", 7, false);
	put_cell(f, "TGID", 7, false);
	put_cell(f, "PPID", 7, false);
	put_cell(f, "STATUS", -12, false);
	num_titles(f, exact);
	put_cell(f, "COMMAND", 0, false);
	fputc('\n', f);
	return ferror(f) ? -EIO : 0;
}

int cli_exit_line(FILE *f, const struct timespec *when, const struct tstats_record *rec,
		  const char *group_comm, bool exact)
{
	char buf[CLI_FMT_MAX], comm[COMM_MAX];
	const char *c = tstats_record_comm(rec);
	time_t sec = when->tv_sec;
	struct tm tm;
	uint64_t v;
	size_t n;

	if (!localtime_r(&sec, &tm) || !strftime(buf, sizeof(buf), "%H:%M:%S", &tm))
		strcpy(buf, "??:??:??");
	n = strlen(buf);
	snprintf(buf + n, sizeof(buf) - n, ".%03ld", when->tv_nsec / 1000000);
	put_cell(f, buf, -12, true);
	put_cell(f, cli_kind_key(rec->kind), -4, false);
	put_cell(f, cli_fmt_u64(buf, rec->id), 7, false);
	/* A TGID record has no identity fields; its id is the TGID. */
	if (rec->kind == TSTATS_KIND_TGID && !tstats_record_has(rec, TSTATS_F_TGID))
		cli_fmt_u64(buf, rec->id);
	else
		field_cell(buf, rec, TSTATS_F_TGID);
	put_cell(f, buf, 7, false);
	field_cell(buf, rec, TSTATS_F_PPID);
	put_cell(f, buf, 7, false);
	if (tstats_record_get(rec, TSTATS_F_EXIT_CODE, &v) == 0)
		cli_fmt_status_short(buf, v);
	else
		strcpy(buf, "-");
	put_cell(f, buf, -12, false);
	num_cells(f, rec, cli_record_threads(rec), exact);
	/* The command name is hostile: escaped, whatever the record kind. */
	if (c)
		cli_escape(comm, c, strlen(c));
	else
		strcpy(comm, "-");
	if (rec->kind == TSTATS_KIND_TGID) {
		n = 0;
		if (group_comm) {
			cli_escape(comm, group_comm, strlen(group_comm));
			n = strlen(comm);
		}
		snprintf(comm + n, sizeof(comm) - n, "%s[group total]", n ? " " : "");
	}
	put_cell(f, comm, 0, false);
	fputc('\n', f);
	return ferror(f) ? -EIO : 0;
}

/* ---- the loop ---------------------------------------------------------- */

struct listen_state {
	const struct cli_opts *opts;
	FILE *out;
	uint64_t printed;	/* records written */
	unsigned int batch;	/* records in this dispatch call */
	bool batch_full;	/* dispatch stopped at BATCH: more are queued */
	bool count_done;	/* --count reached */
	int error;		/* a write failure, -errno */
	/* The comm of the last PID record, for the TGID record after it. */
	uint32_t last_tgid;
	char last_comm[sizeof(((struct tstats_record *)0)->comm)];
	struct cli_exit_filter visible;	/* restricted mode (privs.c) */
	/* -J: the document's arrays, written at the end (write_document()) */
	struct json_object *exits, *losses;
};

static int flush_line(struct listen_state *ls)
{
	/* One line at a time, also into a pipe: a reader sees each exit as
	 * it comes. */
	int r = cli_flush(ls->out);

	if (r < 0)
		ls->error = r;
	return r;
}

static int64_t realtime_ns(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/* --json-lines: writes a JSON object as one compact line. -J: appends it
 * to the document's exits, or losses. Takes obj. */
static int put_json(struct listen_state *ls, struct json_object *obj, bool loss)
{
	struct json_object **arr = loss ? &ls->losses : &ls->exits;
	const char *s;

	if (!ls->opts->json_lines) {
		if (!*arr)
			*arr = sym_json_object_new_array();
		if (!*arr || sym_json_object_array_add(*arr, obj) < 0) {
			sym_json_object_put(obj);
			return ls->error = -ENOMEM;
		}
		return 0;
	}
	s = sym_json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s) {
		sym_json_object_put(obj);
		return ls->error = -ENOMEM;
	}
	/* A failed write sets the stream's error, which flush_line() reports. */
	fputs(s, ls->out);
	fputc('\n', ls->out);
	sym_json_object_put(obj);
	return flush_line(ls);
}

/*
 * -J: {"schema_version": 1, "exits": [records], "losses": [loss events]},
 * once the listening ends (--count, SIGINT, SIGTERM). Returns 0 or -errno.
 */
static int write_document(struct listen_state *ls)
{
	struct json_object *doc = sym_json_object_new_object();
	int r;

	if (!doc)
		return -ENOMEM;
	r = cli_json_add(doc, "schema_version", sym_json_object_new_int(1), false);
	if (r == 0)
		r = cli_json_add(doc, "exits", ls->exits ? ls->exits :
				 sym_json_object_new_array(), false);
	ls->exits = NULL;
	if (r == 0)
		r = cli_json_add(doc, "losses", ls->losses ? ls->losses :
				 sym_json_object_new_array(), false);
	ls->losses = NULL;
	if (r == 0) {
		r = cli_json_print(ls->out, doc, ls->opts->compact);
		return r == 0 ? cli_flush(ls->out) : r;
	}
	sym_json_object_put(doc);
	return r;
}

static int on_record(const struct tstats_record *rec, void *userdata)
{
	struct listen_state *ls = userdata;
	const char *group_comm = NULL;
	struct json_object *obj;
	struct timespec now;
	int64_t ns = realtime_ns(&now);
	uint64_t tgid;
	int r;

	/* Restricted (privs.c): other users' exits are left out; they still
	 * count for the batch, so that a storm of them cannot delay SIGINT. */
	if (!cli_exit_visible(&ls->visible, rec)) {
		ls->last_tgid = 0;
		if (++ls->batch >= BATCH) {
			ls->batch_full = true;
			return 1;
		}
		return 0;
	}
	if (rec->kind == TSTATS_KIND_TGID && rec->id == ls->last_tgid && ls->last_comm[0])
		group_comm = ls->last_comm;
	ls->last_tgid = 0;
	if (rec->kind == TSTATS_KIND_PID) {
		const char *c = tstats_record_comm(rec);

		if (tstats_record_get(rec, TSTATS_F_TGID, &tgid) == 0)
			ls->last_tgid = (uint32_t)tgid;
		snprintf(ls->last_comm, sizeof(ls->last_comm), "%s", c ? c : "");
	}

	if (ls->opts->json) {
		r = cli_json_record(rec, cli_record_threads(rec), &obj);
		if (r < 0)
			return ls->error = r;
		r = cli_json_add(obj, "received_ns", sym_json_object_new_int64(ns), false);
		if (r < 0) {
			sym_json_object_put(obj);
			return ls->error = r;
		}
		r = put_json(ls, obj, false);
	} else {
		/* A write error is the stream's: flush_line() reports it. */
		cli_exit_line(ls->out, &now, rec, group_comm, ls->opts->exact);
		r = flush_line(ls);
	}
	if (r < 0)
		return r;
	ls->printed++;
	if (ls->opts->count && ls->printed >= ls->opts->count) {
		ls->count_done = true;
		return 1;
	}
	if (++ls->batch >= BATCH) {
		ls->batch_full = true;
		return 1;
	}
	return 0;
}

static const char *cause_key(unsigned int cause)
{
	switch (cause) {
	case TSTATS_LOSS_OVERFLOW:
		return "overflow";
	case TSTATS_LOSS_TRUNCATED:
		return "truncated";
	case TSTATS_LOSS_MALFORMED:
		return "malformed";
	default:
		return "unknown";
	}
}

static const char *cause_text(unsigned int cause)
{
	switch (cause) {
	case TSTATS_LOSS_OVERFLOW:
		return "receive buffer overflow: the kernel dropped exit messages (raise --rcvbuf)";
	case TSTATS_LOSS_TRUNCATED:
		return "an exit message larger than the buffer was lost";
	case TSTATS_LOSS_MALFORMED:
		return "an exit message could not be parsed and was lost";
	default:
		return "exit messages were lost";
	}
}

/* A loss is a line of the stream, where it happened. */
static int on_loss(unsigned int cause, uint64_t count, void *userdata)
{
	struct listen_state *ls = userdata;
	struct json_object *obj;
	struct timespec now;
	int64_t ns = realtime_ns(&now);
	char t[32];
	struct tm tm;
	int r;

	ls->last_tgid = 0;
	if (!ls->opts->json) {
		time_t sec = now.tv_sec;

		if (!localtime_r(&sec, &tm) || !strftime(t, sizeof(t), "%H:%M:%S", &tm))
			strcpy(t, "??:??:??");
		fprintf(ls->out, "%s.%03ld LOST %s [%s #%" PRIu64 "]\n", t,
			now.tv_nsec / 1000000, cause_text(cause), cause_key(cause), count);
		return flush_line(ls);
	}
	obj = sym_json_object_new_object();
	if (!obj)
		return ls->error = -ENOMEM;
	r = cli_json_add(obj, "event", sym_json_object_new_string("loss"), false);
	if (r == 0)
		r = cli_json_add(obj, "cause", sym_json_object_new_string(cause_key(cause)), false);
	if (r == 0)
		r = cli_json_add(obj, "count", sym_json_object_new_uint64(count), false);
	if (r == 0)
		r = cli_json_add(obj, "received_ns", sym_json_object_new_int64(ns), false);
	if (r < 0) {
		sym_json_object_put(obj);
		return ls->error = r;
	}
	return put_json(ls, obj, true);
}

enum cli_exit cli_listener_error(int r)
{
	switch (-r) {
	case EPERM:
		cli_warn("CAP_NET_ADMIN is needed to listen for exits: run as root or grant "
			 "the capability");
		return CLI_EXIT_PERM;
	case ENOENT:
		cli_warn("the kernel has no TASKSTATS netlink family (CONFIG_TASKSTATS off?)");
		return CLI_EXIT_UNAVAIL;
	case EPROTONOSUPPORT:
		cli_warn("the kernel has no generic netlink, so no taskstats");
		return CLI_EXIT_UNAVAIL;
	case EINVAL:
		/* The cpulist was checked when parsing the options. */
		cli_warn("the kernel refused the exit listener: it needs the initial user "
			 "and PID namespaces");
		return CLI_EXIT_UNAVAIL;
	case ENETUNREACH:
		cli_warn("the kernel sends exit events only to the initial network namespace, "
			 "and this process is in another one: none would arrive");
		return CLI_EXIT_UNAVAIL;
	default:
		cli_warn("cannot register an exit listener: %s", strerror(-r));
		return CLI_EXIT_FAILURE;
	}
}

static double elapsed_s(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The summary on stderr; true when something was lost. */
static bool summary(struct tstats_listener *l, const struct listen_state *ls,
		    const struct timespec *t0, int rcvbuf)
{
	struct tstats_listener_stats st = { 0 };
	char size[CLI_FMT_MAX], dropped[64];
	bool lost;

	tstats_listener_stats(l, &st);
	lost = st.overflows || st.truncated || st.malformed ||
	       (st.dropped != UINT64_MAX && st.dropped > 0);
	if (st.dropped == UINT64_MAX)
		strcpy(dropped, "unknown");
	else
		snprintf(dropped, sizeof(dropped), "%" PRIu64, st.dropped);
	fprintf(stderr, CLI_NAME ": %" PRIu64 " record%s printed from %" PRIu64
		" exit message%s in %.1f s on CPUs %s; %s\n", ls->printed,
		ls->printed == 1 ? "" : "s", st.messages, st.messages == 1 ? "" : "s",
		elapsed_s(t0), tstats_listener_cpulist(l),
		lost ? "events were lost" : "no events lost");
	if (lost)
		fprintf(stderr, CLI_NAME ": lost events: %" PRIu64 " receive buffer overflows, "
			"%s exit messages dropped by the kernel, %" PRIu64 " truncated, %"
			PRIu64 " malformed (raise --rcvbuf: the buffer holds %s)\n",
			st.overflows, dropped, st.truncated, st.malformed,
			cli_fmt_size(size, (uint64_t)rcvbuf));
	return lost;
}

enum cli_exit cli_run_listen(const struct cli_opts *opts)
{
	struct listen_state ls = { .opts = opts, .out = opts->out ? opts->out : stdout };
	enum cli_exit status = CLI_EXIT_OK;
	struct tstats_listener *l = NULL;
	struct signalfd_siginfo si;
	struct pollfd fds[2];
	sigset_t mask;
	struct timespec t0 = { 0 };
	char size[CLI_FMT_MAX];
	bool more = false;
	int sfd, eff = 0, r;

	/* Blocked before registering: a signal from now on ends the loop
	 * cleanly instead of killing us half-way. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) {
		cli_warn("cannot block signals: %s", strerror(errno));
		return CLI_EXIT_FAILURE;
	}
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		cli_warn("cannot create a signalfd: %s", strerror(errno));
		status = CLI_EXIT_FAILURE;
		goto out;
	}
	r = tstats_listener_new(opts->cpus, &l);
	if (r < 0) {
		status = cli_listener_error(r);
		goto out;
	}
	eff = tstats_listener_set_rcvbuf(l, opts->rcvbuf ? opts->rcvbuf : CLI_DEFAULT_RCVBUF);
	if (eff < 0) {
		cli_warn("cannot set the receive buffer: %s", strerror(-eff));
		status = CLI_EXIT_FAILURE;
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* On stderr, like tcpdump: stdout carries only the records. */
	fprintf(stderr, CLI_NAME ": listening for exits on CPUs %s (receive buffer %s)\n",
		tstats_listener_cpulist(l), cli_fmt_size(size, (uint64_t)eff));
	if (!opts->json) {
		cli_exit_header(ls.out, opts->exact);
		r = flush_line(&ls);
		if (r < 0)
			goto write_error;
	}

	fds[0] = (struct pollfd){ .fd = tstats_listener_fd(l), .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	for (;;) {
		/* Records left queued by a stop are dispatched before waiting. */
		r = poll(fds, 2, more ? 0 : -1);
		if (r < 0 && errno != EINTR) {
			cli_warn("poll: %s", strerror(errno));
			status = CLI_EXIT_FAILURE;
			break;
		}
		if (r > 0 && (fds[1].revents & POLLIN) &&
		    read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			break;
		if (r < 0 || (!more && !fds[0].revents))
			continue;
		ls.batch = 0;
		ls.batch_full = false;
		r = tstats_listener_dispatch(l, on_record, on_loss, &ls);
		if (ls.error < 0) {
			r = ls.error;
			goto write_error;
		}
		if (r < 0) {
			cli_warn("cannot receive exit events: %s", strerror(-r));
			status = CLI_EXIT_FAILURE;
			break;
		}
		if (ls.count_done)
			break;
		more = ls.batch_full;
	}
	if (summary(l, &ls, &t0, eff) && status == CLI_EXIT_OK)
		status = CLI_EXIT_LOST;
	if (opts->json && !opts->json_lines) {
		r = write_document(&ls);
		if (r < 0) {
			cli_warn_output(r);
			status = CLI_EXIT_FAILURE;
		}
	}
	goto out;

write_error:
	cli_warn_output(r);
	status = CLI_EXIT_FAILURE;
	if (l)
		summary(l, &ls, &t0, eff);
out:
	/* Deregisters. SIGINT and SIGTERM stay blocked: a second Ctrl-C
	 * must not kill us between the summary and the exit status. */
	tstats_listener_free(l);
	if (sfd >= 0)
		close(sfd);
	if (ls.exits)
		sym_json_object_put(ls.exits);
	if (ls.losses)
		sym_json_object_put(ls.losses);
	return status;
}
