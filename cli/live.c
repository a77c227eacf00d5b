/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * --live: a full-screen view that refreshes every interval (ncurses), like
 * iotop or top, over the same monitor and tables as --all --interval: the
 * tasks that exited in an interval are in it.
 *
 * One monitor, grouped by command name (or --group-by), feeds three views
 * (top.c): processes, threads and groups; a key switches between them
 * without losing an interval. The screen: a header of machine totals
 * (busy CPU from /proc/stat next to what the tasks account for, delay
 * shares, I/O rates, starts and exits, losses), the table, and a status
 * line. The loop waits in poll(2) on the terminal and the monitor's exit
 * listener, so keys answer at once and exits are taken as they come.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cursesdl.h"

#define NSEC_PER_SEC 1000000000ull
#define MIN_INTERVAL_NS (100 * 1000000ull)
#define MAX_INTERVAL_NS (3600 * NSEC_PER_SEC)
#define HEADER_LINES 4

/* ncurses through curses.h's pointers (it is loaded on demand). */
#define SCR (*sym_stdscr)
#define ROWS_ (*sym_LINES)
#define COLS_ (*sym_COLS)

enum view { VIEW_PROCESSES, VIEW_THREADS, VIEW_GROUPS, N_VIEWS };

/* Below this width, the columns that fit 80 (the --all defaults beyond). */
#define WIDE_COLS 110
static const char *const narrow_columns[N_VIEWS] = {
	"pid,cpu%,read/s,write/s,cpu_delay%,blkio_delay%,status,comm",
	"pid,tgid,cpu%,write/s,cpu_delay%,blkio_delay%,status,comm",
	"group,threads,cpu%,read/s,write/s,cpu_delay%,blkio_delay%",
};

/* From WIDE_COLS on: uid, threads and the user and system shares too. */
static const char *const wide_columns[N_VIEWS] = {
	"pid,uid,threads,cpu%,usr%,sys%,read/s,write/s,cpu_delay%,blkio_delay%,status,comm",
	"pid,tgid,uid,cpu%,usr%,sys%,read/s,write/s,cpu_delay%,blkio_delay%,status,comm",
	"group,threads,cpu%,usr%,sys%,read/s,write/s,cpu_delay%,blkio_delay%",
};

static const char *const view_names[N_VIEWS] = { "processes", "threads", "groups" };

/* Busy and total CPU time of the machine (/proc/stat), in USER_HZ ticks. */
struct cpu_times {
	unsigned long long busy, total;
};

struct live {
	struct cli_opts opts[N_VIEWS];	/* each view's options (filters shared) */
	struct top *views[N_VIEWS];
	struct tstats_monitor *mon;
	enum view view;
	uint64_t interval_ns;
	bool paused, help, have_rows, reversed;
	bool wide;			/* the views' columns are the wide ones */
	/* Rows of each view: all three are collected at each tick, since
	 * the monitor's rows are gone at its next dispatch. */
	int rows[N_VIEWS];
	struct cpu_times cpu_prev, cpu_now;
	struct tstats_monitor_stats st;
	struct tstats_rates total;	/* the interval's total row */
	uint32_t started, exited;
	char filter_user[64], filter_comm[64];
	const char *comms[1];
	char message[160];		/* the status line's note, if any */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static void read_cpu(struct cpu_times *c)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "re");

	c->busy = c->total = 0;
	if (!f)
		return;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]) == 8) {
		c->busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
		c->total = c->busy + v[3] + v[4];
	}
	fclose(f);
}

static int on_total(const struct tstats_monitor_row *row, void *userdata)
{
	struct live *l = userdata;

	l->total = row->rates;
	l->started = row->processes_started;
	l->exited = row->processes_exited;
	return 0;
}

/* Takes an interval: tick, totals, the current view's rows. */
static int take_interval(struct live *l)
{
	int r = tstats_monitor_tick(l->mon, NULL, NULL);

	if (r < 0)
		return r;
	l->cpu_prev = l->cpu_now;
	read_cpu(&l->cpu_now);
	if (r == 0)
		return 0;	/* the baseline */
	r = tstats_monitor_foreach(l->mon, TSTATS_LEVEL_TOTAL, on_total, l);
	if (r >= 0)
		r = tstats_monitor_stats(l->mon, &l->st);
	for (int i = 0; i < N_VIEWS && r >= 0; i++) {
		r = cli_view_collect(l->views[i]);
		l->rows[i] = r < 0 ? 0 : r;
	}
	if (r < 0)
		return r;
	l->have_rows = true;
	return 0;
}

static uint64_t delta(const struct tstats_rates *r, unsigned int f)
{
	uint64_t v = 0;

	tstats_rates_get(r, f, &v, NULL);
	return v;
}

/* A delay class's share of the interval, summed over the named classes. */
static double delay_share(const struct live *l, const char *const *names)
{
	double pct = 0;

	for (unsigned int i = 0; i < tstats_delay_class_count() && i < TSTATS_RATES_DELAY_CAPACITY;
	     i++)
		for (const char *const *n = names; *n; n++)
			if (strcmp(tstats_delay_class(i)->name, *n) == 0 &&
			    (l->total.delay_valid >> i) & 1)
				pct += l->total.delay_pct[i];
	return pct;
}

/* Writes s on line y from column x, cut at the screen's width. */
static void put(int y, int x, const char *s)
{
	if (y < ROWS_ && x < COLS_) {
		sym_wmove(SCR, y, x);
		sym_waddnstr(SCR, s, COLS_ - x);
	}
}

static void draw_header(struct live *l)
{
	static const char *const cpu[] = { "cpu", NULL };
	static const char *const io[] = { "blkio", NULL };
	static const char *const mem[] = { "swapin", "freepages", "thrashing", "compact", NULL };
	double secs = (double)l->st.interval_ns / 1e9;
	unsigned long long db = l->cpu_now.busy - l->cpu_prev.busy;
	unsigned long long dt = l->cpu_now.total - l->cpu_prev.total;
	char line[512], rd[CLI_FMT_MAX], wr[CLI_FMT_MAX], when[16];
	uint64_t cpu_us = delta(&l->total, TSTATS_F_UTIME) + delta(&l->total, TSTATS_F_STIME);
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	snprintf(line, sizeof(line), "%s  every %.1fs  %s by %s%s%s   ? help  q quit", when,
		 (double)l->interval_ns / 1e9, view_names[l->view],
		 cli_view_sort_name(l->views[l->view]), l->reversed ? " (reversed)" : "",
		 l->paused ? "  PAUSED" : "");
	sym_wattr_on(SCR, A_BOLD, NULL);
	put(0, 0, line);
	sym_wattr_off(SCR, A_BOLD, NULL);
	if (!l->have_rows) {
		put(1, 0, "taking the baseline: the first interval is on its way");
		return;
	}
	cli_fmt_size(rd, secs > 0 ? (uint64_t)((double)delta(&l->total, TSTATS_F_READ_BYTES) /
					       secs) : 0);
	cli_fmt_size(wr, secs > 0 ? (uint64_t)((double)delta(&l->total, TSTATS_F_WRITE_BYTES) /
					       secs) : 0);
	snprintf(line, sizeof(line), "CPU busy %.1f%%, tasks %.2f CPU-s in %.2fs; "
		 "%" PRIu32 " started, %" PRIu32 " exited",
		 dt ? 100.0 * (double)db / (double)dt : 0.0, (double)cpu_us / 1e6, secs,
		 l->started, l->exited);
	put(1, 0, line);
	snprintf(line, sizeof(line), "wait cpu %.0f%% blkio %.0f%% mem %.0f%%  read %s/s  "
		 "write %s/s  %s", delay_share(l, cpu), delay_share(l, io), delay_share(l, mem),
		 rd, wr, l->st.complete ? "" : "EXITS LOST");
	put(2, 0, line);
}

static void draw_table(struct live *l)
{
	struct top *v = l->views[l->view];
	size_t ncol = cli_view_columns(v);
	int nrows = l->have_rows ? l->rows[l->view] : 0, shown = ROWS_ - HEADER_LINES - 1;
	size_t width[64] = { 0 };
	char buf[CLI_VIEW_TEXT_MAX], line[1024];

	if (ncol > 64)
		ncol = 64;
	if (shown < 0)
		shown = 0;
	if (nrows > shown)
		nrows = shown;
	/* Widths from the header and the rows that fit. */
	for (size_t c = 0; c < ncol; c++) {
		width[c] = cli_display_width(cli_view_header(v, c, buf));
		for (int i = 0; i < nrows; i++) {
			size_t w = cli_display_width(cli_view_cell(v, (size_t)i, c, buf));

			if (w > width[c])
				width[c] = w;
		}
	}
	for (int i = -1; i < nrows; i++) {
		size_t len = 0;

		line[0] = '\0';
		for (size_t c = 0; c < ncol && len < sizeof(line) - 1; c++) {
			const char *s = i < 0 ? cli_view_header(v, c, buf) :
					cli_view_cell(v, (size_t)i, c, buf);
			size_t pad = width[c] - cli_display_width(s);
			bool left = cli_view_left_aligned(v, c);
			int n = snprintf(line + len, sizeof(line) - len, "%s%*s%s%*s",
					 c ? " " : "", left ? 0 : (int)pad, "", s,
					 left && c + 1 < ncol ? (int)pad : 0, "");

			if (n < 0)
				break;
			len += (size_t)n < sizeof(line) - len ? (size_t)n : sizeof(line) - len - 1;
		}
		if (i < 0)
			sym_wattr_on(SCR, A_REVERSE, NULL);
		put(HEADER_LINES - 1 + i + 1, 0, line);
		if (i < 0) {
			/* The header bar spans the screen. */
			for (int x = (int)cli_display_width(line); x < COLS_; x++)
{
				sym_wmove(SCR, HEADER_LINES - 1, x);
				sym_waddch(SCR, ' ');
			}
			sym_wattr_off(SCR, A_REVERSE, NULL);
		}
	}
}

static const char *const help_lines[] = {
	"Keys",
	"",
	"  q          quit",
	"  ?, h       this help (any key to close it)",
	"  t          processes, threads, groups",
	"  > or <     sort by the next or previous column",
	"  r          reverse the order",
	"  u          show only one user's tasks (empty: all)",
	"  /          show only tasks with this command name (empty: all)",
	"  p, space   pause (the intervals go on; the screen stays)",
	"  + or -     a longer or shorter interval",
	"",
	"Rows count the tasks that exited in the interval too (STATUS exit,",
	"new+exit). CPU busy is the machine's, from /proc/stat; tasks is the",
	"CPU time the tasks used, exited ones included. wait: the time tasks",
	"spent waiting for a CPU, for block I/O and for memory, summed over",
	"them, as a percentage of the interval (10 tasks waiting all along:",
	"1000%).",
	NULL,
};

static void draw(struct live *l)
{
	sym_werase(SCR);
	if (l->help) {
		for (int i = 0; help_lines[i]; i++)
			put(i, 0, help_lines[i]);
		sym_wrefresh(SCR);
		return;
	}
	draw_header(l);
	draw_table(l);
	if (l->message[0])
		put(ROWS_ - 1, 0, l->message);
	else if (l->filter_user[0] || l->filter_comm[0]) {
		char line[200];

		snprintf(line, sizeof(line), "filter:%s%s%s%s", l->filter_user[0] ? " user " : "",
			 l->filter_user, l->filter_comm[0] ? " comm " : "", l->filter_comm);
		put(ROWS_ - 1, 0, line);
	}
	sym_wrefresh(SCR);
}

/* Reads a line at the bottom of the screen into buf (empty: cancelled). */
static void prompt(const char *what, char *buf, size_t size)
{
	char in[64] = "";

	sym_wmove(SCR, ROWS_ - 1, 0);
	sym_wclrtoeol(SCR);
	put(ROWS_ - 1, 0, what);
	sym_echo();
	sym_curs_set(1);
	sym_wtimeout(SCR, -1);
	sym_wgetnstr(SCR, in, (int)sizeof(in) - 1);
	sym_noecho();
	sym_curs_set(0);
	sym_wtimeout(SCR, 0);
	snprintf(buf, size, "%s", in);
}

/* Applies the filters to every view's options. */
static void apply_filters(struct live *l)
{
	uint32_t uid = 0;
	bool has_uid = false;
	char *end;

	l->message[0] = '\0';
	if (l->filter_user[0]) {
		unsigned long v = strtoul(l->filter_user, &end, 10);
		struct passwd *pw;

		if (*end == '\0') {
			uid = (uint32_t)v;
			has_uid = true;
		} else if ((pw = getpwnam(l->filter_user))) {
			uid = (uint32_t)pw->pw_uid;
			has_uid = true;
		} else {
			snprintf(l->message, sizeof(l->message), "no user '%.60s'", l->filter_user);
			l->filter_user[0] = '\0';
		}
	}
	l->comms[0] = l->filter_comm;
	for (int i = 0; i < N_VIEWS; i++) {
		l->opts[i].has_uid = has_uid;
		l->opts[i].uid = uid;
		l->opts[i].comms = l->filter_comm[0] ? l->comms : NULL;
		l->opts[i].n_comms = l->filter_comm[0] ? 1 : 0;
	}
}

/* (Re)builds the three views with the columns that fit the screen. */
static int build_views(struct live *l)
{
	int r = 0;

	l->wide = COLS_ >= WIDE_COLS;
	for (int i = 0; i < N_VIEWS; i++) {
		cli_view_free(l->views[i]);
		l->views[i] = NULL;
		l->opts[i].columns = l->wide ? wide_columns[i] : narrow_columns[i];
	}
	for (int i = 0; i < N_VIEWS && r == 0; i++)
		r = cli_view_new(&l->opts[i], l->mon, &l->views[i]);
	l->reversed = false;
	/* New views have no rows until the next tick. */
	memset(l->rows, 0, sizeof(l->rows));
	return r;
}

/* One key; returns false to quit. */
static bool on_key(struct live *l, int ch)
{
	struct top *v = l->views[l->view];

	if (l->help) {
		l->help = false;
		return true;
	}
	switch (ch) {
	case 'q':
	case 'Q':
		return false;
	case '?':
	case 'h':
		l->help = true;
		break;
	case 't':
		l->view = (l->view + 1) % N_VIEWS;
		break;
	case '>':
	case KEY_RIGHT:
		cli_view_sort(v, 1);
		l->reversed = false;
		break;
	case '<':
	case KEY_LEFT:
		cli_view_sort(v, -1);
		l->reversed = false;
		break;
	case 'r':
		cli_view_sort(v, 0);
		l->reversed = !l->reversed;
		break;
	case 'p':
	case ' ':
		l->paused = !l->paused;
		break;
	case '+':
		if (l->interval_ns * 2 <= MAX_INTERVAL_NS)
			l->interval_ns *= 2;
		break;
	case '-':
		if (l->interval_ns / 2 >= MIN_INTERVAL_NS)
			l->interval_ns /= 2;
		break;
	case 'u':
		prompt("user (empty: all): ", l->filter_user, sizeof(l->filter_user));
		apply_filters(l);
		break;
	case '/':
		prompt("command name (empty: all): ", l->filter_comm, sizeof(l->filter_comm));
		apply_filters(l);
		break;
	default:
		return true;
	}
	/* Sorting applies to the rows on screen; filters from the next
	 * interval on (the monitor's rows of this one may be gone). */
	cli_view_resort(l->views[l->view], l->rows[l->view]);
	return true;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

static int run(struct live *l)
{
	uint64_t deadline = now_ns() + l->interval_ns;
	struct pollfd pfd[2] = {
		{ .fd = STDIN_FILENO, .events = POLLIN },
		{ .fd = tstats_monitor_fd(l->mon), .events = POLLIN },
	};
	int r;

	r = take_interval(l);
	if (r < 0)
		return r;
	draw(l);
	while (!stop) {
		uint64_t now = now_ns();
		int ms = now >= deadline ? 0 : (int)((deadline - now) / 1000000u) + 1;

		if (poll(pfd, 2, ms) < 0 && errno != EINTR)
			return -errno;
		if (pfd[1].revents)
			tstats_monitor_dispatch(l->mon);
		/* Keys, and KEY_RESIZE after a SIGWINCH (which only
		 * interrupts the poll): getch() never waits here. */
		{
			bool any = false;
			int ch;

			while ((ch = sym_wgetch(SCR)) != ERR) {
				any = true;
				if (ch == KEY_RESIZE) {
					/* Wider or narrower: the columns that fit. */
					if ((COLS_ >= WIDE_COLS) != l->wide) {
						r = build_views(l);
						if (r < 0)
							return r;
					}
					continue;
				}
				if (!on_key(l, ch))
					return 0;
			}
			if (any)
				draw(l);
		}
		if (now_ns() >= deadline) {
			deadline += l->interval_ns;
			if (now_ns() > deadline)
				deadline = now_ns() + l->interval_ns;
			/* Paused: the monitor goes on, the screen stays. */
			if (l->paused)
				continue;
			r = take_interval(l);
			if (r < 0)
				return r;
			draw(l);
		}
	}
	return 0;
}

enum cli_exit cli_run_live(const struct cli_opts *opts)
{
	struct live l = { .interval_ns = opts->interval_ns ? opts->interval_ns : NSEC_PER_SEC };
	struct sigaction sa = { .sa_handler = on_signal };
	enum cli_exit status = CLI_EXIT_OK;
	const char *why = NULL;
	int r;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		cli_warn("--live needs a terminal (for a stream of tables: --all --interval)");
		return CLI_EXIT_USAGE;
	}
	for (int i = 0; i < N_VIEWS; i++) {
		l.opts[i] = *opts;
		l.opts[i].columns = NULL;
		l.opts[i].sort = NULL;
		l.opts[i].top = 0;
		l.opts[i].interval_ns = l.interval_ns;
		l.opts[i].threads = i == VIEW_THREADS;
		l.opts[i].group_by = i == VIEW_GROUPS ? (opts->group_by ? opts->group_by :
							 TSTATS_GROUP_BY_COMM) : 0;
	}
	l.view = opts->group_by ? VIEW_GROUPS : opts->threads ? VIEW_THREADS : VIEW_PROCESSES;
	r = tstats_monitor_new(NULL, &l.mon);
	if (r == 0)
		r = tstats_monitor_set_group_by(l.mon, l.opts[VIEW_GROUPS].group_by, 0);
	if (r == 0)
		r = tstats_monitor_set_rcvbuf(l.mon, opts->rcvbuf ? opts->rcvbuf : 8 << 20);
	if (r < 0) {
		status = r == -EPERM ? cli_query_error(r, "cannot follow exits") : cli_open_error(r);
		goto out;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	r = cli_curses_load(&why);
	if (r < 0) {
		cli_warn("--live needs ncurses, which cannot be loaded: %s", why ? why : "unknown error");
		status = CLI_EXIT_FAILURE;
		goto out;
	}
	setlocale(LC_CTYPE, "");
	sym_initscr();
	sym_cbreak();
	sym_noecho();
	sym_keypad(SCR, TRUE);
	sym_wtimeout(SCR, 0);
	sym_curs_set(0);
	r = build_views(&l);
	if (r == 0)
		r = run(&l);
	sym_endwin();
	if (r < 0) {
		cli_warn("cannot query taskstats: %s", strerror(-r));
		status = CLI_EXIT_FAILURE;
	}
out:
	for (int i = 0; i < N_VIEWS; i++)
		cli_view_free(l.views[i]);
	tstats_monitor_free(l.mon);
	return status;
}
