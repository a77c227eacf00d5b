/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The monitor against the live kernel: what it accounts for over intervals
 * full of short-lived processes, checked against the machine's busy time
 * (/proc/stat) and against what a workload reports it did. Exits 77 (skip)
 * only where taskstats or its exit events are really unavailable.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "children.h"
#include "libtaskstats.h"
#include "probe.h"
#include "check-main.h"

#define MIB (1024u * 1024u)

/* Built with AddressSanitizer (GCC's and clang's own macros). */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Busy CPU time of the machine from /proc/stat, in ns: every state but
 * idle and iowait (guest time is inside user and nice already). */
static uint64_t busy_ns(void)
{
	unsigned long long v[8] = { 0 };
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "re");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
				&v[2], &v[3], &v[4], &v[5], &v[6], &v[7]), 8);
	fclose(f);
	return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * (1000000000ull / (uint64_t)hz);
}

/* Prints the threads the last interval lost (for a failure's message). */
static int print_lost(const struct tstats_monitor_row *row, void *userdata)
{
	char comm[TSTATS_COMM_TEXT_MAX];
	uint64_t etime = 0;

	(void)userdata;
	if (!(row->flags & TSTATS_ROW_LOST))
		return 0;
	strcpy(comm, "?");
	if (row->rec) {
		tstats_record_comm_text(row->rec, TSTATS_TEXT_ESCAPE, comm, sizeof(comm));
		tstats_record_get(row->rec, TSTATS_F_ETIME, &etime);
	}
	fprintf(stderr, "lost: thread %u of %u (%s), %.3f s old at its last sample, "
		"flags %#x\n", row->id, row->tgid, comm, (double)etime / 1e6, row->flags);
	return 0;
}

/* Waits for exits until the deadline, taking them as they come. */
static void wait_dispatching(struct tstats_monitor *m, uint64_t deadline)
{
	struct pollfd pfd = { .fd = tstats_monitor_fd(m), .events = POLLIN };

	for (uint64_t now = mono_ns(); now < deadline; now = mono_ns()) {
		int r = poll(&pfd, 1, (int)((deadline - now) / 1000000u) + 1);

		if (r > 0)
			ck_assert_int_ge(tstats_monitor_dispatch(m), 0);
	}
}

struct sums {
	uint64_t cpu_us;	/* utime + stime */
	uint64_t run_ns;	/* cpu_run_virtual_total */
	uint64_t write_bytes;
	uint64_t exited, started;
	const char *key;	/* group rows: only this one */
	bool found;
};

static int add_row(const struct tstats_monitor_row *row, void *userdata)
{
	struct sums *s = userdata;
	uint64_t u = 0, st = 0, w = 0, v = 0;

	if (s->key && (!row->key || strcmp(row->key, s->key) != 0))
		return 0;
	s->found = true;
	tstats_rates_get(&row->rates, TSTATS_F_UTIME, &u, NULL);
	tstats_rates_get(&row->rates, TSTATS_F_STIME, &st, NULL);
	tstats_rates_get(&row->rates, TSTATS_F_WRITE_BYTES, &w, NULL);
	tstats_rates_get(&row->rates, TSTATS_F_CPU_RUN_VIRTUAL_TOTAL, &v, NULL);
	s->cpu_us += u + st;
	s->run_ns += v;
	s->write_bytes += w;
	s->exited += row->processes_exited;
	s->started += row->processes_started;
	return 0;
}

/* Runs cmd in the background; its stdout is read by finish(). */
static FILE *start(const char *cmd)
{
	FILE *f = popen(cmd, "re");

	ck_assert_msg(f != NULL, "popen %s", cmd);
	return f;
}

/*
 * Conservation: over intervals full of short-lived processes (200 a
 * second, each burning 3 ms and every fourth writing and syncing 64 KiB),
 * the CPU time the monitor attributes to tasks adds up to the machine's
 * busy time, and the workload's group wrote what the workload says.
 *
 * Tolerance for CPU against /proc/stat: 8% below, 5% above. Both sides
 * count in ticks (utime/stime are tick-sampled, /proc/stat is in USER_HZ
 * ticks per CPU), and /proc/stat charges time that no task's record
 * carries: interrupts (irq, softirq), and each task's exit path after the
 * kernel sent its final record (taskstats_exit() runs before exit_mm()
 * and the rest of do_exit()): about 120 us per short process here, 2-3%
 * of this workload, more for processes that free much memory. The
 * workload's group is compared in the scheduler's own ns
 * (cpu_run_virtual_total, what the children read of themselves with
 * CLOCK_PROCESS_CPUTIME_ID): never below it, and above it only by what
 * runs after a child reads its clock. The bytes: what the children
 * wrote, 1% below for the kernel's KiB rounding; above, what the kernel
 * also charges to a task that dirties a page: the file system's own
 * blocks (directory, inode, bitmaps) it dirties when it creates a file,
 * again after each journal commit cleaned them: 8 KiB a file (+1.15%,
 * 46 such pages for 250 files, was seen on a loaded machine).
 *
 * Built with AddressSanitizer (SANITIZED), forkload's children are too:
 * their exit path tears down the sanitizer's shadow memory after the final
 * record, and 90.4% was read in CI's sanitizer step; the bound is 75% there.
 *
 * Under emulation (TSTATS_EMULATED, set by scripts/test-kernels.sh: QEMU
 * without KVM) the exit path after the final record costs ten times more,
 * some 1.2 ms a process, and the lower bound is 75%: 84% was measured on
 * 5.10. Losing the exited children would still show: they are about
 * half of the busy time.
 */
TEST("live", conservation)
{
	const char *forkload = getenv("TSTATS_FORKLOAD");
	struct tstats_monitor_stats st;
	struct tstats_monitor *m;
	struct sums all = { 0 }, group = { 0 };
	char name[16];
	unsigned long children = 0;
	uint64_t cpu_ns = 0, bytes = 0, parent_ns = 0, busy0, busy1 = 0, deadline;
	char cmd[4096];
	FILE *load;
	int r, low;

	ck_assert_ptr_nonnull(forkload);
	ck_assert_int_eq(tstats_monitor_new(NULL, &m), 0);
	ck_assert_int_gt(tstats_monitor_set_rcvbuf(m, 32 * MIB), 0);
	ck_assert_int_eq(tstats_monitor_set_group_by(m, TSTATS_GROUP_BY_COMM, 0), 0);
	/* The busy time is read on both sides of each sampling tick: the
	 * tick's own time, on a loaded machine, is the edge's uncertainty. */
	busy0 = busy_ns();
	ck_assert_int_eq(tstats_monitor_tick(m, NULL, NULL), 0);
	busy0 = (busy0 + busy_ns()) / 2;
	deadline = mono_ns();

	/* A name of its own: other forkloads on the machine are other groups. */
	snprintf(name, sizeof(name), "tsmon-%d", (int)getpid() % 100000);
	group.key = name;
	snprintf(cmd, sizeof(cmd), "'%s' 200 5 3 64 4 %s", forkload, name);
	load = start(cmd);
	/*
	 * One tick a second until the workload has reported (it ends then:
	 * 5 s on an idle machine, longer on a loaded or emulated one), then
	 * one more, which drains the last exits.
	 */
	for (int k = 0, last = 0; !last; k++) {
		struct pollfd pfd = { .fd = fileno(load), .events = POLLIN };

		ck_assert_msg(k < 120, "the workload did not end within 120 ticks");
		last = poll(&pfd, 1, 0) == 1;
		deadline += 1000000000u;
		wait_dispatching(m, deadline);
		if (last)
			busy1 = busy_ns();
		r = tstats_monitor_tick(m, NULL, NULL);
		ck_assert_int_eq(r, 1);
		if (last)
			busy1 = (busy1 + busy_ns()) / 2;
		ck_assert_int_eq(tstats_monitor_foreach(m, TSTATS_LEVEL_TOTAL, add_row, &all), 1);
		ck_assert_int_ge(tstats_monitor_foreach(m, TSTATS_LEVEL_GROUP, add_row, &group), 1);
		ck_assert_int_eq(tstats_monitor_stats(m, &st), 0);
		if (!st.complete)
			tstats_monitor_foreach(m, TSTATS_LEVEL_THREAD, print_lost, NULL);
		ck_assert_msg(st.complete, "interval %d incomplete: %" PRIu64 " overflows, %" PRIu64
			      " threads lost", k, st.lost_overflows, st.lost_threads);
	}
	ck_assert_int_eq(fscanf(load, "children %lu cpu_ns %" SCNu64 " write_bytes %" SCNu64
				" parent_cpu_ns %" SCNu64, &children, &cpu_ns, &bytes, &parent_ns), 4);
	cpu_ns += parent_ns;
	ck_assert_int_eq(pclose(load), 0);
	ck_assert_uint_eq(children, 1000);

	/* The machine's busy time, every task's CPU time. */
	fprintf(stderr, "conservation: tasks %.3f s, /proc/stat busy %.3f s (%.2f%%)\n",
		(double)all.cpu_us / 1e6, (double)(busy1 - busy0) / 1e9,
		100.0 * (double)all.cpu_us * 1000 / (double)(busy1 - busy0));
	/* Under valgrind (meson test --setup=valgrind: memory checks) this
	 * process runs some 50 times slower and its ticks stretch the
	 * interval edges: the figure is shown, not judged; the workload's
	 * own group below is judged there too. */
	low = getenv("TSTATS_EMULATED") || SANITIZED ? 75 : 92;
	if (!getenv("TSTATS_UNDER_VALGRIND"))
		ck_assert_msg(all.cpu_us * 1000 >= (busy1 - busy0) * low / 100 &&
			      all.cpu_us * 1000 <= (busy1 - busy0) * 105 / 100,
			      "tasks %" PRIu64 " us vs busy %" PRIu64 " ns", all.cpu_us,
			      busy1 - busy0);
	/* The workload's own group: every child, its CPU and its bytes. */
	ck_assert(group.found);
	ck_assert_uint_ge(group.exited, 1000);
	fprintf(stderr, "conservation: the workload's group %.3f s CPU (it says %.3f s), "
		"%" PRIu64 " bytes written (it says %" PRIu64 ")\n",
		(double)group.run_ns / 1e9, (double)cpu_ns / 1e9, group.write_bytes, bytes);
	ck_assert_uint_ge(group.run_ns, cpu_ns);
	/* Above it: each child's last moments after it read its clock (its
	 * report, the start of its exit, longer under a sanitizer's runtime):
	 * 5%, and 300 us a child. Counting a task twice would be far more. */
	ck_assert_uint_le(group.run_ns, cpu_ns * 105 / 100 + children * 300000);
	ck_assert_uint_ge(group.write_bytes, bytes * 99 / 100);
	ck_assert_uint_le(group.write_bytes, bytes + children / 4 * 8192);
	tstats_monitor_free(m);
}
END_TEST

/*
 * A worker thread writes and exits: its bytes stay in the process. The
 * worker waits on go (a pipe) before it writes, when go is not -1: the
 * test samples it alive first.
 */
struct writer_arg {
	int fd, go;
};

static void *writer(void *arg)
{
	static char buf[MIB];
	const struct writer_arg *w = arg;
	char c;

	if (w->go >= 0)
		ck_assert_int_eq(read(w->go, &c, 1), 1);
	memset(buf, 'w', sizeof(buf));
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(write(w->fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	ck_assert_int_eq(fsync(w->fd), 0);
	return NULL;
}

struct proc_find {
	uint32_t tgid;
	uint64_t write_total;
	uint64_t write_delta;
	bool found;
};

static int find_proc(const struct tstats_monitor_row *row, void *userdata)
{
	struct proc_find *p = userdata;

	if (row->id != p->tgid)
		return 0;
	p->found = true;
	p->write_total = row->total[TSTATS_F_WRITE_BYTES];
	tstats_rates_get(&row->rates, TSTATS_F_WRITE_BYTES, &p->write_delta, NULL);
	return 0;
}

/* The struct version this kernel sends. */
static unsigned int struct_version(void)
{
	struct tstats_record r;
	struct tstats_ctx *ctx;

	ck_assert_int_eq(tstats_ctx_new(&ctx), 0);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, (uint32_t)getpid(), &r), 0);
	tstats_ctx_free(ctx);
	return r.version;
}

/*
 * A thread of a watched process writes 5 MiB and exits between two ticks;
 * sampled alive first when sample_first. Its final record carries the
 * bytes, which the process keeps.
 */
static void thread_exit_keeps_bytes(bool sample_first)
{
	struct proc_find p = { .tgid = (uint32_t)getpid() };
	struct tstats_monitor_stats st;
	struct tstats_monitor *m;
	char path[] = "/var/tmp/tstats-monitor.XXXXXX";
	struct writer_arg w;
	int go[2] = { -1, -1 };
	uint64_t before;
	pthread_t th;

	ck_assert_int_eq(tstats_monitor_new(NULL, &m), 0);
	ck_assert_int_gt(tstats_monitor_set_rcvbuf(m, 8 * MIB), 0);
	ck_assert_int_eq(tstats_monitor_watch(m, (uint32_t)getpid()), 0);
	ck_assert_int_eq(tstats_monitor_tick(m, NULL, NULL), 0);
	w.fd = mkstemp(path);
	ck_assert_int_ge(w.fd, 0);
	unlink(path);
	if (sample_first)
		ck_assert_int_eq(pipe2(go, O_CLOEXEC), 0);
	w.go = go[0];
	ck_assert_int_eq(pthread_create(&th, NULL, writer, &w), 0);
	if (sample_first) {
		ck_assert_int_eq(tstats_monitor_tick(m, NULL, NULL), 1);
		ck_assert_int_eq(write(go[1], "g", 1), 1);
	}
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	close(w.fd);
	if (sample_first) {
		close(go[0]);
		close(go[1]);
	}
	/* The thread is gone: its final record carries the bytes. */
	ck_assert_int_eq(tstats_monitor_tick(m, NULL, NULL), 1);
	ck_assert_int_eq(tstats_monitor_stats(m, &st), 0);
	ck_assert_msg(st.complete, "exit messages lost: %" PRIu64 " overflows, %" PRIu64
		      " threads lost", st.lost_overflows, st.lost_threads);
	ck_assert_int_ge(tstats_monitor_foreach(m, TSTATS_LEVEL_PROCESS, find_proc, &p), 1);
	ck_assert(p.found);
	ck_assert_uint_ge(p.write_delta, 5 * MIB);
	ck_assert_uint_ge(p.write_total, 5 * MIB);
	before = p.write_total;
	/* And they stay: the total never goes down. */
	ck_assert_int_eq(tstats_monitor_tick(m, NULL, NULL), 1);
	p.found = false;
	ck_assert_int_ge(tstats_monitor_foreach(m, TSTATS_LEVEL_PROCESS, find_proc, &p), 1);
	ck_assert(p.found);
	ck_assert_uint_ge(p.write_total, before);
	ck_assert_uint_eq(p.write_delta, 0);
	tstats_monitor_free(m);
}

TEST("live", exited_thread_keeps_its_bytes)
{
	thread_exit_keeps_bytes(true);
	/*
	 * A thread never sampled: only its exit record says whose it is,
	 * through ac_tgid (struct v12, Linux 5.19). Before, the record
	 * names no process, and the monitor cannot give it to the watched
	 * one (tstats_monitor_watch(3), BUGS).
	 */
	if (struct_version() < 12) {
		fprintf(stderr, "exited_thread_keeps_its_bytes: struct v%u names no process in "
			"a thread's exit record: only a sampled thread is checked\n",
			struct_version());
		return;
	}
	thread_exit_keeps_bytes(false);
}
END_TEST

/* Forks a child that burns ms of CPU and then waits to be killed. */
static pid_t spinner(unsigned int ms)
{
	pid_t parent = getpid(), pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		die_with_parent(parent);
		burn_cpu_ms(ms);
		for (;;)
			pause();
	}
	return pid;
}

/* Forks children until one gets pid want (ns_last_pid steers the next id;
 * other tasks on the machine may take it first). */
static pid_t fork_as(pid_t want)
{
	for (int tries = 0; tries < 200; tries++) {
		char buf[32];
		pid_t pid;
		int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);

		if (fd < 0)
			return -1;
		snprintf(buf, sizeof(buf), "%d", (int)want - 1);
		ck_assert_int_gt(write(fd, buf, strlen(buf)), 0);
		close(fd);
		pid = spinner(0);
		if (pid == want)
			return pid;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return -1;
}

struct reuse {
	uint32_t tid;
	int rows, exited, started;
	uint64_t started_cpu, exited_cpu, max_cpu;
};

static int find_reuse(const struct tstats_monitor_row *row, void *userdata)
{
	struct reuse *s = userdata;
	uint64_t u = 0, st = 0;

	if (row->id != s->tid)
		return 0;
	s->rows++;
	ck_assert_int_eq(tstats_rates_get(&row->rates, TSTATS_F_UTIME, &u, NULL), 0);
	ck_assert_int_eq(tstats_rates_get(&row->rates, TSTATS_F_STIME, &st, NULL), 0);
	if (u + st > s->max_cpu)
		s->max_cpu = u + st;
	if (row->flags & TSTATS_ROW_EXITED) {
		s->exited++;
		s->exited_cpu = u + st;
	}
	if (row->flags & TSTATS_ROW_STARTED) {
		s->started++;
		s->started_cpu = u + st;
	}
	return 0;
}

/*
 * A reused PID is a new task: its first values are not diffed against its
 * predecessor's. The predecessor burned 300 ms; the successor, given the
 * same id through ns_last_pid, burns none: a diff would read it as a
 * counter going backwards or as the predecessor's time.
 */
TEST("live", reused_pid_is_never_diffed)
{
	struct tstats_monitor_stats st;
	struct tstats_monitor *m;
	struct reuse s = { 0 };
	pid_t a, b;

	a = spinner(300);
	usleep(400000);	/* it has burned its 300 ms */
	ck_assert_int_eq(tstats_monitor_new(NULL, &m), 0);
	/* Room for the machine's other exits until the next tick: the old
	 * task's exit record must not be lost among them. */
	ck_assert_int_gt(tstats_monitor_set_rcvbuf(m, 32 * MIB), 0);
	ck_assert_int_eq(tstats_monitor_tick(m, NULL, NULL), 0);
	kill(a, SIGKILL);
	ck_assert_int_eq(waitpid(a, NULL, 0), a);
	b = fork_as(a);
	ck_assert_msg(b == a, "could not get pid %d again", (int)a);
	usleep(50000);
	ck_assert_int_eq(tstats_monitor_tick(m, NULL, NULL), 1);
	ck_assert_int_eq(tstats_monitor_stats(m, &st), 0);
	ck_assert_msg(st.complete, "exit messages lost: %" PRIu64 " overflows, %" PRIu64
		      " threads lost", st.lost_overflows, st.lost_threads);
	s.tid = (uint32_t)a;
	ck_assert_int_ge(tstats_monitor_foreach(m, TSTATS_LEVEL_THREAD, find_reuse, &s), 2);
	kill(b, SIGKILL);
	waitpid(b, NULL, 0);
	/* Tasks of one id: the old one's exit (nothing burned since the
	 * baseline), the new one's start with its own small values; never
	 * the old one's 300 ms in either. (Another process of the machine
	 * may have held the id for a moment between them: more rows.) */
	ck_assert_int_ge(s.rows, 2);
	ck_assert_int_ge(s.exited, 1);
	ck_assert_int_ge(s.started, 1);
	ck_assert_uint_lt(s.exited_cpu, 100000);
	ck_assert_uint_lt(s.started_cpu, 100000);
	ck_assert_uint_lt(s.max_cpu, 100000);
	tstats_monitor_free(m);
}
END_TEST

struct zsum {
	uint32_t tid;
	uint64_t cpu_ns;	/* the scheduler's, not tick-sampled */
	int exited;
};

static int find_zombie(const struct tstats_monitor_row *row, void *userdata)
{
	struct zsum *z = userdata;
	uint64_t v = 0;

	if (row->id != z->tid)
		return 0;
	tstats_rates_get(&row->rates, TSTATS_F_CPU_RUN_VIRTUAL_TOTAL, &v, NULL);
	z->cpu_ns += v;
	z->exited += !!(row->flags & TSTATS_ROW_EXITED);
	return 0;
}

/* A child that exits but is not reaped stays in /proc as a zombie: its
 * final values count once, however many samples still find it. */
TEST("live", zombie_counts_once)
{
	struct tstats_monitor *m;
	struct zsum z = { 0 };
	pid_t pid;

	ck_assert_int_eq(tstats_monitor_new(NULL, &m), 0);
	ck_assert_int_gt(tstats_monitor_set_rcvbuf(m, 8 * MIB), 0);
	ck_assert_int_eq(tstats_monitor_tick(m, NULL, NULL), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		burn_cpu_ms(200);
		_exit(0);
	}
	z.tid = (uint32_t)pid;
	/* Exited, not reaped (WNOWAIT): a zombie from here on. */
	{
		siginfo_t si;

		ck_assert_int_eq(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
	}
	for (int k = 0; k < 4; k++) {
		usleep(150000);
		ck_assert_int_eq(tstats_monitor_tick(m, NULL, NULL), 1);
		ck_assert_int_ge(tstats_monitor_foreach(m, TSTATS_LEVEL_THREAD, find_zombie, &z), 1);
	}
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	ck_assert_int_eq(z.exited, 1);
	/* 200 ms burned, counted once (plus its start and exit paths). */
	ck_assert_uint_ge(z.cpu_ns, 200 * 1000000u);
	ck_assert_uint_le(z.cpu_ns, 250 * 1000000u);
	tstats_monitor_free(m);
}
END_TEST

/* Exits faster than a tiny receive buffer holds: the interval says it is
 * incomplete, and how much was lost. */
TEST("live", exit_storm_marks_incomplete)
{
	struct tstats_monitor_stats st;
	struct tstats_monitor *m;
	int r;

	ck_assert_int_eq(tstats_monitor_new(NULL, &m), 0);
	ck_assert_int_gt(tstats_monitor_set_rcvbuf(m, 1), 0);
	ck_assert_int_eq(tstats_monitor_tick(m, NULL, NULL), 0);
	for (int i = 0; i < 2000; i++) {
		pid_t pid = fork();

		ck_assert_int_ge(pid, 0);
		if (pid == 0)
			_exit(0);
		ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	}
	r = tstats_monitor_tick(m, NULL, NULL);
	ck_assert_int_eq(r, 1);
	ck_assert_int_eq(tstats_monitor_stats(m, &st), 0);
	ck_assert_uint_eq(st.complete, 0);
	ck_assert_uint_gt(st.lost_overflows, 0);
	ck_assert_msg(st.lost_messages > 0, "lost messages %" PRIu64, st.lost_messages);
	ck_assert_uint_eq(st.incomplete_intervals, 1);
	tstats_monitor_free(m);
}
END_TEST

TEST("live", arguments)
{
	struct tstats_monitor_stats st;
	struct tstats_monitor *m;

	ck_assert_int_eq(tstats_monitor_new(NULL, NULL), -EINVAL);
	ck_assert_int_eq(tstats_monitor_new("x", &m), -EINVAL);
	ck_assert_int_eq(tstats_monitor_new(NULL, &m), 0);
	ck_assert_int_eq(tstats_monitor_watch(m, 0), -EINVAL);
	ck_assert_int_eq(tstats_monitor_set_group_by(m, 99, 0), -EINVAL);
	ck_assert_int_eq(tstats_monitor_foreach(m, TSTATS_LEVEL_TOTAL, add_row, NULL), -ENODATA);
	ck_assert_int_eq(tstats_monitor_foreach(m, 0, add_row, NULL), -EINVAL);
	ck_assert_int_eq(tstats_monitor_tick(m, NULL, NULL), 0);
	/* The grouping is fixed once the baseline is taken. */
	ck_assert_int_eq(tstats_monitor_set_group_by(m, TSTATS_GROUP_BY_USER, 0), -EINVAL);
	ck_assert_int_eq(tstats_monitor_foreach(m, TSTATS_LEVEL_TOTAL, add_row, NULL), -ENODATA);
	ck_assert_int_eq(tstats_monitor_stats(m, &st), 0);
	ck_assert_uint_eq(st.ticks, 1);
	ck_assert_uint_gt(st.threads, 0);
	ck_assert_int_ge(tstats_monitor_fd(m), 0);
	ck_assert_int_eq(tstats_monitor_fd(NULL), -EINVAL);
	tstats_monitor_free(m);
	tstats_monitor_free(NULL);
}
END_TEST

static const struct check_case check_cases[] = {
	{ .suite = "monitor", .name = "live", .timeout = 120 },
};

int main(void)
{
	int p = probe_taskstats(true);

	if (p)
		return p;
	return CHECK_RUN(check_cases, NULL);
}
