/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CLI suite: runs the taskstats-cli binary named by $TSTATS_CLI against the
 * live kernel and checks its text output, exit statuses and error lines.
 * Its JSON documents, and the --tree tables read as columns, are checked
 * by the pytest suite in tests/cli/, which also compares the numbers with
 * /proc for a stopped child.
 *
 * Exit status 4 (no TASKSTATS family) cannot be produced here: this kernel
 * has CONFIG_TASKSTATS=y and, being >= 5.19, serves every network
 * namespace, so there is no honest way to make the family disappear.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "children.h"
#include "check-main.h"

#define NOBODY 65534

/* ---- running programs -------------------------------------------------- */

struct run {
	char *out;
	size_t out_len;
	char *err;
	size_t err_len;
	int status;	/* exit code, or 128 + signal */
};

static const char *cli_path(void)
{
	const char *p = getenv("TSTATS_CLI");

	ck_assert_msg(p && *p, "TSTATS_CLI is not set");
	return p;
}

static void append(char **buf, size_t *len, const char *data, size_t n)
{
	char *p = realloc(*buf, *len + n + 1);

	ck_assert_ptr_nonnull(p);
	*buf = p;
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/* Runs argv (argv[0] is the path), capturing stdout and stderr. */
static void run_argv(struct run *r, bool unprivileged, char *const argv[])
{
	int po[2], pe[2], st;
	struct pollfd fds[2];
	pid_t pid;

	memset(r, 0, sizeof(*r));
	append(&r->out, &r->out_len, "", 0);
	append(&r->err, &r->err_len, "", 0);
	ck_assert_int_eq(pipe2(po, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(pe, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(po[1], STDOUT_FILENO);
		dup2(pe[1], STDERR_FILENO);
		/*
		 * Without CAP_NET_ADMIN: drop it from the bounding set, so the
		 * exec'd CLI runs as root without it (the kernel then answers
		 * EPERM). Staying root keeps the build tree readable wherever
		 * it lies; a uid switch would fail on a private checkout.
		 */
		if (unprivileged && prctl(PR_CAPBSET_DROP, CAP_NET_ADMIN, 0, 0, 0) < 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	fds[0] = (struct pollfd){ .fd = po[0], .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = pe[0], .events = POLLIN };
	while (fds[0].fd >= 0 || fds[1].fd >= 0) {
		char buf[4096];

		if (poll(fds, 2, -1) < 0) {
			ck_assert_int_eq(errno, EINTR);
			continue;
		}
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			n = read(fds[i].fd, buf, sizeof(buf));
			if (n <= 0) {
				close(fds[i].fd);
				fds[i].fd = -1;
			} else if (i == 0) {
				append(&r->out, &r->out_len, buf, (size_t)n);
			} else {
				append(&r->err, &r->err_len, buf, (size_t)n);
			}
		}
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Runs the CLI with the NULL-terminated arguments. */
static void run_cli_as(struct run *r, int unprivileged, ...)
{
	char *argv[32];
	int n = 0;
	va_list ap;

	argv[n++] = (char *)cli_path();
	va_start(ap, unprivileged);
	while ((argv[n] = va_arg(ap, char *)) != NULL) {
		n++;
		ck_assert_int_lt(n, 31);
	}
	va_end(ap);
	run_argv(r, unprivileged, argv);
}

#define run_cli(r, ...) run_cli_as(r, false, __VA_ARGS__, (char *)NULL)

/*
 * Runs argv with no descriptor but 0-2 (this process and the harness may
 * hold others, and valgrind its own): python3 closes them and execs argv,
 * so that the program counts its descriptors from 3. argv needs no more
 * than 28 entries.
 */
static void run_argv_closed(struct run *r, char *const argv[])
{
	char *full[32] = { (char *)"/usr/bin/python3", (char *)"-c",
			   (char *)"import os, sys; os.closerange(3, 1 << 20); "
				   "os.execv(sys.argv[1], sys.argv[1:])" };
	int n = 3;

	for (int i = 0; argv[i]; i++) {
		ck_assert_int_lt(n, 31);
		full[n++] = argv[i];
	}
	full[n] = NULL;
	run_argv(r, false, full);
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

static unsigned int count_of(const char *hay, const char *needle)
{
	unsigned int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* ---- files ------------------------------------------------------------- */

static char *read_file(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	char chunk[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	append(&buf, &len, "", 0);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		append(&buf, &len, chunk, (size_t)n);
	close(fd);
	return buf;
}

/* ---- children ---------------------------------------------------------- */

static char *fmt(char *buf, size_t size, const char *f, ...)
	__attribute__((format(printf, 3, 4)));

static pid_t child;
static char child_file[64];

/*
 * Starts tests/cli-workload (the processes the pytest suite in tests/cli/
 * starts too) with the NULL-terminated arguments; with ready, its stdout
 * is a pipe whose read end *ready is.
 */
static pid_t start_workload(int *ready, const char *mode, ...)
{
	const char *path = getenv("TSTATS_WORKLOAD");
	char *argv[8] = { (char *)"cli-workload", (char *)mode };
	int n = 2, p[2] = { -1, -1 };
	va_list ap;
	pid_t pid;

	ck_assert_msg(path && *path, "TSTATS_WORKLOAD is not set");
	va_start(ap, mode);
	while ((argv[n] = va_arg(ap, char *)) != NULL)
		ck_assert_int_lt(++n, 7);
	va_end(ap);
	if (ready)
		ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (ready && dup2(p[1], STDOUT_FILENO) < 0)
			_exit(126);
		execv(path, argv);
		_exit(127);
	}
	if (ready) {
		close(p[1]);
		*ready = p[0];
	}
	return pid;
}

/*
 * A child that names itself, burns cpu_ms of CPU, touches memory, writes
 * to a file in the build tree (/tmp may be a tmpfs, which counts no
 * storage writes), and stops itself (cli-workload stopped).
 */
static pid_t spawn_stopped(const char *comm, unsigned int cpu_ms)
{
	char ms[16];
	int st;

	strcpy(child_file, "tstats-cli-write-XXXXXX");
	st = mkstemp(child_file);
	ck_assert_int_ge(st, 0);
	close(st);
	child = start_workload(NULL, "stopped", comm, fmt(ms, sizeof(ms), "%u", cpu_ms),
			       child_file, (char *)NULL);
	ck_assert_int_eq(waitpid(child, &st, WUNTRACED), child);
	ck_assert_msg(WIFSTOPPED(st), "child did not stop: status 0x%x", st);
	return child;
}

/* A PID that existed a moment ago and has been reaped. */
static void setup(void)
{
	child = 0;
	child_file[0] = '\0';
}

static void teardown(void)
{
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		child = 0;
	}
	if (child_file[0])
		unlink(child_file);
}

static char *fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, size, f, ap);
	va_end(ap);
	return buf;
}

/* "test-cli", or valgrind's name for it under meson test --setup=valgrind. */
static const char *self_comm(void)
{
	static char comm[32];
	char *s;

	if (!comm[0]) {
		s = read_file("/proc/self/comm");
		s[strcspn(s, "\n")] = '\0';
		snprintf(comm, sizeof(comm), "%s", s);
		free(s);
	}
	return comm;
}

/*
 * The running kernel's struct taskstats version, as the CLI reports it.
 * Before 12 (Linux 5.19) records have no ac_tgid, exe or tgetime, exit
 * records no AGROUP flag (so nothing marks a single-threaded group's
 * end), and the family exists only in the initial network namespace:
 * the tests below assert what such a kernel sends (scripts/test-kernels.sh
 * boots 5.10).
 */
#define V_TGID 12

static unsigned int struct_version(void)
{
	static unsigned int v;
	char id[16];
	const char *p;
	struct run r;

	if (v)
		return v;
	/* "PID 123 (test-cli): taskstats v16, 560 bytes" */
	run_cli(&r, "-p", fmt(id, sizeof(id), "%d", (int)getpid()));
	ck_assert_int_eq(r.status, 0);
	p = strstr(r.out, "): taskstats v");
	ck_assert_msg(p && sscanf(p, "): taskstats v%u", &v) == 1 && v > 0, "%.300s", r.out);
	run_free(&r);
	if (v < V_TGID)
		fprintf(stderr, "struct v%u: no ac_tgid, exe, tgetime or AGROUP (Linux 5.19); "
			"those checks expect them absent\n", v);
	return v;
}

/* kernel.task_delayacct: 0 or 1, or -1 on kernels before 5.14, which have
 * no such switch (delay accounting on unless booted with nodelayacct). */
static int delayacct_sysctl(void)
{
	char *s;
	int v;

	if (access("/proc/sys/kernel/task_delayacct", F_OK) != 0)
		return -1;
	s = read_file("/proc/sys/kernel/task_delayacct");
	v = atoi(s);

	free(s);
	return v;
}

/* ---- text report ------------------------------------------------------- */

static void assert_sections(const struct run *r)
{
	static const char *const sections[] = {
		"\nIdentity\n", "\nCPU\n", "\nMemory\n", "\nI/O\n",
		"\nContext switches\n", "\nDelays ",
	};

	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		ck_assert_msg(strstr(r->out, sections[i]), "no section %s in:\n%.600s",
			      sections[i] + 1, r->out);
	ck_assert_ptr_nonnull(strstr(r->out, "\n  cpu "));
	ck_assert_ptr_nonnull(strstr(r->out, "\n  blkio "));
	ck_assert_ptr_nonnull(strstr(r->out, " count "));
	ck_assert_ptr_nonnull(strstr(r->out, " average "));
}

TEST("report", test_self_text)
{
	char id[16], head[64];
	struct run r;

	run_cli(&r, "-p", fmt(id, sizeof(id), "%d", (int)getpid()));
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_str_eq(r.err, "");
	fmt(head, sizeof(head), "PID %d (%s): taskstats v", (int)getpid(), self_comm());
	ck_assert_msg(strncmp(r.out, head, strlen(head)) == 0, "header: %.600s", r.out);
	ck_assert_ptr_nonnull(strstr(r.out, " bytes\n"));
	fmt(head, sizeof(head), "\n  command           %s\n", self_comm());
	ck_assert_ptr_nonnull(strstr(r.out, head));
	assert_sections(&r);
	run_free(&r);
}
END_TEST

TEST("report", test_init_text)
{
	char *comm = read_file("/proc/1/comm"), head[64];
	struct run r;

	comm[strcspn(comm, "\n")] = '\0';
	run_cli(&r, "-p", "1");
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	fmt(head, sizeof(head), "PID 1 (%s): taskstats v", comm);
	ck_assert_msg(strncmp(r.out, head, strlen(head)) == 0, "header: %.600s", r.out);
	assert_sections(&r);
	free(comm);
	run_free(&r);
}
END_TEST

/* Lines of one section, from its title to the next unindented line. */
static char *section(const char *out, const char *title)
{
	char key[64];
	const char *s, *e;
	char *res;

	fmt(key, sizeof(key), "\n%s\n", title);
	s = strstr(out, key);
	ck_assert_msg(s, "no section %s", title);
	s += strlen(key);
	for (e = s; *e && (e[0] == ' '); e = strchr(e, '\n') + 1)
		;
	res = strndup(s, (size_t)(e - s));
	ck_assert_ptr_nonnull(res);
	return res;
}

TEST("report", test_exact)
{
	char id[16], *cpu, *mem, *rss;
	struct run r;

	run_cli(&r, "--exact", "-p", fmt(id, sizeof(id), "%d", (int)getpid()));
	ck_assert_int_eq(r.status, 0);
	cpu = section(r.out, "CPU");
	/* Every CPU line: label, then an integer and the raw unit. */
	for (char *l = strtok(cpu, "\n"); l; l = strtok(NULL, "\n")) {
		char *v, *mark = strstr(l, " [");

		/* A footnote mark ("[2]": tick-sampled) follows the value. */
		if (mark && l[strlen(l) - 1] == ']')
			*mark = '\0';
		v = strrchr(l, ' ');
		ck_assert_ptr_nonnull(v);
		if (strcmp(v, " -") == 0 && strstr(l, "group elapsed") &&
		    struct_version() < V_TGID)
			continue;	/* ac_tgetime */
		ck_assert_msg(strcmp(v, " us") == 0 || strcmp(v, " ns") == 0,
			      "not raw: %s", l);
		while (v > l && v[-1] >= '0' && v[-1] <= '9')
			v--;
		ck_assert_msg(v[-1] == ' ' && v[0] >= '0' && v[0] <= '9',
			      "not an integer: %s", l);
	}
	mem = section(r.out, "Memory");
	ck_assert_msg(strstr(mem, " KiB\n") && strstr(mem, " MiB*us\n") &&
		      !strchr(mem, '.'), "memory not exact:\n%s", mem);
	free(cpu);
	free(mem);
	run_free(&r);

	/* Without -x the same values are rounded: "peak RSS  3.7 MiB". */
	run_cli(&r, "-p", id);
	ck_assert_int_eq(r.status, 0);
	mem = section(r.out, "Memory");
	rss = strstr(mem, "  peak RSS ");
	ck_assert_ptr_nonnull(rss);
	rss[strcspn(rss, "\n")] = '\0';
	ck_assert_msg(strchr(rss, '.') && strcmp(rss + strlen(rss) - 2, "iB") == 0,
		      "not humanised: %s", rss);
	free(mem);
	run_free(&r);
}
END_TEST

/* A thread that reports its id on p[1], then waits for a byte on p[2]. */
static void *tid_thread(void *arg)
{
	int *p = arg;
	pid_t tid = gettid();
	char c;

	if (write(p[1], &tid, sizeof(tid)) != (ssize_t)sizeof(tid))
		return NULL;
	if (read(p[2], &c, 1) < 0)
		return NULL;
	return NULL;
}

/* -t of a thread that is not the leader: the whole group, said so. */
TEST("report", test_tgid_of_thread)
{
	char id[16], want[96];
	pthread_t t;
	int p[4];	/* the thread writes its id to p[1], waits on p[2] */
	pid_t tid;
	struct run r;

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(pipe(p + 2), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, tid_thread, p), 0);
	ck_assert_int_eq(read(p[0], &tid, sizeof(tid)), (ssize_t)sizeof(tid));
	run_cli(&r, "-t", fmt(id, sizeof(id), "%d", (int)tid));
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	fmt(want, sizeof(want), "note: %d is a thread of process %d: these are the whole",
	    (int)tid, (int)getpid());
	ck_assert_msg(strstr(r.out, want), "%.1000s", r.out);
	run_free(&r);
	run_cli(&r, "-t", fmt(id, sizeof(id), "%d", (int)getpid()));
	ck_assert_ptr_null(strstr(r.out, "is a thread of process"));
	run_free(&r);
	ck_assert_int_eq(write(p[3], "x", 1), 1);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	for (int i = 0; i < 4; i++)
		close(p[i]);
}
END_TEST

/* A kernel thread has no executable: "none", not device 0:0, inode 0. */
TEST("report", test_kernel_thread_exe)
{
	char comm[32] = "";
	struct run r;
	FILE *f = fopen("/proc/2/comm", "re");

	if (f) {
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		fclose(f);
	}
	if (strcmp(comm, "kthreadd\n") != 0)
		return;		/* not the initial PID namespace */
	run_cli(&r, "-p", "2");
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	if (struct_version() < V_TGID) {
		/* No exe fields at all: absent, not "none". */
		ck_assert_msg(strstr(r.out, "\n  exe device        -\n") &&
			      strstr(r.out, "\n  exe inode         -\n"), "%.1500s", r.out);
		run_free(&r);
		return;
	}
	ck_assert_msg(strstr(r.out, "\n  exe device        none\n") &&
		      strstr(r.out, "\n  exe inode         none\n"), "%.1500s", r.out);
	run_free(&r);
	run_cli(&r, "-p", "2", "-x");
	ck_assert_msg(strstr(r.out, "\n  exe inode         0\n"), "%.1500s", r.out);
	run_free(&r);
}
END_TEST

/* -t of a zombie: the kernel counted no thread, and the report says so
 * (JSON: tests/cli/test_report.py). */
TEST("report", test_tgid_zombie)
{
	char id[16];
	siginfo_t si;
	struct run r;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(0);
	memset(&si, 0, sizeof(si));
	ck_assert_int_eq(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
	fmt(id, sizeof(id), "%d", (int)pid);
	run_cli(&r, "-t", id);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.out, "note: the kernel counted no thread"), "%.2000s", r.out);
	run_free(&r);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
}
END_TEST

TEST("report", test_tgid_text)
{
	char id[16], head[64];
	struct run r;

	run_cli(&r, "-t", fmt(id, sizeof(id), "%d", (int)getpid()));
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	/* The command name, which a TGID record lacks, from /proc. */
	fmt(head, sizeof(head), "TGID %d (%s): taskstats v", (int)getpid(), self_comm());
	ck_assert_msg(strncmp(r.out, head, strlen(head)) == 0, "header: %.600s", r.out);
	ck_assert_ptr_nonnull(strstr(r.out, "shortest delays are per thread"));
	ck_assert_ptr_nonnull(strstr(r.out, "\nCPU\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "\nDelays "));
	/* The kernel's group max/min are one thread's: "-", not a value. */
	ck_assert_msg(strstr(r.out, "\n  cpu ") && strstr(strstr(r.out, "\n  cpu "), "    -    -\n"),
		      "%.3000s", r.out);
	/* Not summed for groups: no section, and no fake zeros. */
	ck_assert_ptr_null(strstr(r.out, "\nI/O\n"));
	ck_assert_ptr_null(strstr(r.out, "\nMemory\n"));
	ck_assert_ptr_null(strstr(r.out, "\nIdentity\n"));
	run_free(&r);
}
END_TEST

TEST("report", test_order)
{
	char id[16];
	struct run r;
	const char *a, *b, *c;

	fmt(id, sizeof(id), "%d", (int)getpid());
	run_cli(&r, "-t", id, "-p", "1", "--pid", id);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	a = strstr(r.out, "TGID ");
	b = strstr(r.out, "\nPID 1 (");
	c = strstr(r.out, "\nPID ");
	c = c ? strstr(c + 1, "\nPID ") : NULL;
	ck_assert_msg(a == r.out && b && c && b < c, "order:\n%.600s", r.out);
	ck_assert_int_eq(count_of(r.out, "taskstats v"), 3);
	run_free(&r);
}
END_TEST

TEST("report", test_delayacct_note)
{
	const char *note = "delay accounting is off";
	char id[32];
	struct run r;

	run_cli(&r, "-p", fmt(id, sizeof(id), "%d,1", (int)getpid()));
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_eq(count_of(r.out, "taskstats v"), 2);
	ck_assert_int_eq(count_of(r.out, note), delayacct_sysctl() == 0 ? 1 : 0);
	if (delayacct_sysctl() == 0)
		ck_assert_ptr_nonnull(strstr(r.out, "sysctl kernel.task_delayacct=1"));
	run_free(&r);
}
END_TEST

/* ---- JSON -------------------------------------------------------------- */

/* Where meson cannot ask the loader for the soname (a cross build), json-c is linked. */
static bool jsonc_linked(void)
{
	const char *soname = getenv("TSTATS_JSONC_SONAME");

	return soname && strcmp(soname, "link") == 0;
}

/*
 * json-c is loaded only for JSON output (cli/jsonc.h): the loader's
 * LD_DEBUG=files trace names every library it maps. Text output maps no
 * json-c; that JSON output loads it is tests/cli/test_report.py's.
 */
TEST("json", test_json_loaded_on_demand)
{
	char *argv[] = { (char *)"/usr/bin/env", (char *)"LD_DEBUG=files",
			 (char *)cli_path(), (char *)"-p", (char *)"1", NULL };
	struct run r;

	if (jsonc_linked())
		return;
	run_argv(&r, false, argv);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "file=libtaskstats.so"), "no loader trace:\n%.2000s", r.err);
	ck_assert_msg(!strstr(r.err, "libjson-c"), "text output mapped json-c:\n%.4000s", r.err);
	run_free(&r);
}
END_TEST

/*
 * Without json-c (the library's file hidden by an empty one, in a mount
 * namespace of the test's own): every text mode still works, JSON output
 * fails with the loader's reason and exit status 5, writing nothing.
 */
TEST("json", test_json_without_jsonc)
{
	static const char script[] =
		"lib=$(ldconfig -p | sed -n \"s/^[[:space:]]*$1 (.*) => //p\" | head -n 1)\n"
		"[ -n \"$lib\" ] || { echo \"$1 not in ld.so.cache\" >&2; exit 99; }\n"
		"exec unshare -m sh -c '\n"
		"mount --bind /dev/null \"$1\" || exit 98\n"
		"cli=$2\n"
		"t() { name=$1; shift; timeout 20 \"$cli\" \"$@\" > /dev/null 2>&1; echo \"$name=$?\" >&2; }\n"
		"t text -p 1\n"
		"t tgid -t 1 -x\n"
		"t check --check\n"
		"t prometheus --format prometheus -p 1\n"
		"t all --all -i 0.1 -c 1\n"
		"t columns --list-columns\n"
		"t run -- /bin/true\n"
		"(sleep 0.5; /bin/true) & t listen --listen -c 1\n"
		"exec \"$cli\" -p 1 -j' sh \"$lib\" \"$2\"\n";
	static const char *const modes[] = {
		"text", "tgid", "check", "prometheus", "all", "columns", "run", "listen",
	};
	const char *soname = getenv("TSTATS_JSONC_SONAME");
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)script, (char *)"sh",
			 (char *)soname, (char *)cli_path(), NULL };
	struct run r;

	ck_assert_msg(soname && *soname, "TSTATS_JSONC_SONAME is not set");
	if (jsonc_linked())
		return;
	run_argv(&r, false, argv);
	ck_assert_msg(r.status == 5, "exit %d: %s", r.status, r.err);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		char want[32];

		fmt(want, sizeof(want), "%s=0\n", modes[i]);
		ck_assert_msg(strstr(r.err, want), "%s failed without json-c:\n%s",
			      modes[i], r.err);
	}
	ck_assert_msg(strstr(r.err, "taskstats-cli: JSON output needs json-c, which cannot be loaded: ") &&
		      strstr(r.err, soname), "%s", r.err);
	ck_assert_str_eq(r.out, "");
	run_free(&r);
}
END_TEST

/* The peak RSS in KiB of the CLI run with argv, its output thrown away. */
static long maxrss_of(char *const argv[])
{
	struct rusage ru;
	pid_t pid;
	int st;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		const char *asan = getenv("ASAN_OPTIONS");
		char opts[512];

		if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
			_exit(126);
		/* In a sanitizer build, freed memory waits in a quarantine of
		 * 256 MB, which would count as the CLI's. */
		snprintf(opts, sizeof(opts), "%s%squarantine_size_mb=0", asan ? asan : "",
			 asan && *asan ? ":" : "");
		setenv("ASAN_OPTIONS", opts, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	ck_assert_int_eq(wait4(pid, &st, 0, &ru), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x", st);
	return ru.ru_maxrss;
}

/*
 * The JSON document is streamed: memory does not grow with the number of
 * records (json-c's whole document cost ~20 KB per record: 1.3 GB for
 * 66k PIDs). 500 and 5000 records of ourselves: the same peak, give or
 * take the allocator.
 */
TEST("json", test_json_memory_flat)
{
	static const unsigned int counts[2] = { 500, 5000 };
	long rss[2];

	for (int k = 0; k < 2; k++) {
		size_t cap = (size_t)counts[k] * 12 + 1, len = 0;
		char *list = malloc(cap);
		char *argv[] = { (char *)cli_path(), (char *)"--json", (char *)"-p", list, NULL };

		ck_assert_ptr_nonnull(list);
		for (unsigned int i = 0; i < counts[k]; i++)
			len += (size_t)snprintf(list + len, cap - len, "%s%d", i ? "," : "",
						(int)getpid());
		rss[k] = maxrss_of(argv);
		free(list);
	}
	ck_assert_msg(rss[1] - rss[0] < 4096, "peak RSS %ld KiB for %u records, %ld KiB for %u",
		      rss[0], counts[0], rss[1], counts[1]);
}
END_TEST

/* ---- hostile command names --------------------------------------------- */

TEST("hostile", test_hostile_comm)
{
	static const char comm[] = "\x1b[2J\nevil\\";
	static const char shown[] = "(\\x1b[2J\\x0aevil\\\\): taskstats";
	char id[16];
	struct run r;

	spawn_stopped(comm, 0);
	run_cli(&r, "-p", fmt(id, sizeof(id), "%d", (int)child));
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_msg(!strchr(r.out, '\x1b'), "raw ESC in:\n%.600s", r.out);
	ck_assert_ptr_null(strstr(r.out, "\nevil"));
	ck_assert_msg(strstr(r.out, shown), "no escaped comm in:\n%.600s", r.out);
	ck_assert_ptr_nonnull(strstr(r.out, "  \\x1b[2J\\x0aevil\\\\\n"));
	run_free(&r);
}
END_TEST

TEST("hostile", test_invalid_utf8_comm)
{
	/* é valid; \xff invalid; \xc3 cut short; U+009B (CSI) valid but a
	 * control; \xe2\x82 truncated at the end. */
	static const char comm[] = "\xc3\xa9t\xff\xc3(\xc2\x9b\xe2\x82";
	char id[16];
	struct run r;

	spawn_stopped(comm, 0);
	run_cli(&r, "-p", fmt(id, sizeof(id), "%d", (int)child));
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strstr(r.out, "(\xc3\xa9t\\xff\\xc3(\\xc2\\x9b\\xe2\\x82): taskstats"),
		      "bad escaping:\n%.600s", r.out);
	run_free(&r);
}
END_TEST

/* A name of bytes that are never UTF-8 (prctl(PR_SET_NAME, "\xff\xfe")). */
TEST("hostile", test_comm_not_utf8)
{
	char id[16], expr[96];
	struct run r;

	spawn_stopped("\xff\xfe", 0);
	fmt(id, sizeof(id), "%d", (int)child);
	run_cli(&r, "-p", id);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strstr(r.out, "(\\xff\\xfe): taskstats") &&
		      strstr(r.out, "\n  command           \\xff\\xfe\n"),
		      "bad escaping:\n%.600s", r.out);
	ck_assert_ptr_null(strchr(r.out, '\xff'));
	run_free(&r);

	/* The table of --all: escaped in its row. */
	run_cli(&r, "-a", "-o", "pid,comm", "-r", "-n");
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strstr(r.out, fmt(expr, sizeof(expr), "\n%s \\xff\\xfe\n", id)),
		      "no escaped row for %s", id);
	run_free(&r);
}
END_TEST

/* ---- errors ------------------------------------------------------------ */

TEST("errors", test_reaped)
{
	char id[16], line[96];
	struct run r;

	run_cli(&r, "-p", fmt(id, sizeof(id), "%d", (int)reaped_pid()));
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, fmt(line, sizeof(line),
				    "taskstats-cli: no such task: PID %s\n", id));
	run_free(&r);
}
END_TEST

TEST("errors", test_mixed)
{
	char list[40], line[96];
	struct run r;
	pid_t gone = reaped_pid();

	fmt(list, sizeof(list), "%d,%d", (int)getpid(), (int)gone);
	run_cli(&r, "-p", list);
	ck_assert_int_eq(r.status, 1);
	ck_assert_int_eq(count_of(r.out, "taskstats v"), 1);
	fmt(line, sizeof(line), "PID %d (%s)", (int)getpid(), self_comm());
	ck_assert_ptr_nonnull(strstr(r.out, line));
	ck_assert_str_eq(r.err, fmt(line, sizeof(line),
				    "taskstats-cli: no such task: PID %d\n", (int)gone));
	run_free(&r);
}
END_TEST

static const struct usage_case {
	const char *args[4];
	const char *message;
} usage_cases[] = {
	{ { "-p", "abc" }, "invalid PID 'abc' for -p: not a decimal number" },
	{ { "--out=x", "-p", "1" }, "option '--out' is ambiguous: --output-file, --output" },
	{ { "--all", "-o", "pid,comm,pid" }, "column 'pid' given twice" },
	{ { "--all", "-o", "+pid" }, "column 'pid' given twice (or already a default one)" },
	{ { "-p", "0" }, "invalid PID '0' for -p: must be at least 1" },
	{ { "-p", "-5" }, "invalid PID '-5' for -p: must be a positive number" },
	{ { "-p", "99999999999" }, "invalid PID '99999999999' for -p: out of range" },
	{ { "-p", "4294967296" }, "out of range" },
	{ { "-p", "" }, "option -p needs a PID" },
	{ { "-p", "1," }, "invalid PID list '1,' for -p: empty element" },
	{ { "-t", "1,,2" }, "invalid TGID list '1,,2' for -t: empty element" },
	{ { "-p", "12x" }, "trailing characters" },
	{ { "-p", " 1" }, "not a decimal number" },
	{ { "-p", "+1" }, "not a decimal number" },
	{ { "-p", "0x10" }, "trailing characters" },
	{ { "--bogus" }, "unknown option '--bogus'" },
	{ { "-q" }, "unknown option -q" },
	{ { "-p" }, "option -p needs an argument" },
	{ { "--json=1", "-p", "1" }, "option '--json' takes no argument" },
	{ { "-p", "1", "extra" }, "unexpected argument 'extra'" },
	{ { "--json" }, "no task given" },
	{ { NULL }, "no task given" },
	/* An error after a valid option still prints nothing on stdout. */
	{ { "-p", "1", "-p", "x" }, "invalid PID 'x'" },
	/* Untrusted argument text is escaped on stderr too. */
	{ { "-p", "\x1b[1m" }, "invalid PID '\\x1b[1m'" },
	/* Exit events and commands. */
	{ { "--listen", "-p", "1" }, "exclude each other" },
	{ { "-p", "1", "--", "true" }, "exclude each other" },
	{ { "--listen", "--", "true" }, "exclude each other" },
	{ { "--cpus", "0" }, "--cpus needs --listen" },
	{ { "--count", "3", "--", "true" }, "--count does not apply to -- COMMAND (only to " },
	{ { "--tree", "-p", "1" }, "--tree does not apply to -p/-t (only to -- COMMAND)" },
	{ { "--rcvbuf", "1M", "-p", "1" }, "--rcvbuf does not apply to -p/-t (only to " },
	{ { "--group-by", "comm", "-a" }, "--group-by does not apply to --all (only to " },
	{ { "--group-by", "pid", "-i", "1" }, "invalid key 'pid' for --group-by" },
	{ { "-u", "root", "-a" }, "--user does not apply to --all (only to " },
	{ { "--active", "-p", "1" }, "--active does not apply to -p/-t (only to " },
	{ { "-u", "no-such-user-here", "-i", "1" }, "unknown user 'no-such-user-here'" },
	{ { "--comm=x", "--group-by=comm", "-i1" }, "-u and --comm filter tasks, not groups" },
	{ { "-i1", "-p1", "-t", "1" }, "give -p or -t, not both" },
	{ { "-i1", "-p1", "--group-by=comm" }, "--group-by excludes -p/-t" },
	{ { "-i1", "-p1", "--threads" }, "excludes -p/-t" },
	{ { "--listen", "--count", "0" }, "invalid count '0' for --count: must be at least 1" },
	{ { "--listen", "--count", "x" }, "invalid count 'x'" },
	{ { "--listen", "--rcvbuf", "0" }, "invalid size '0' for --rcvbuf" },
	{ { "--listen", "--rcvbuf", "4X" }, "invalid size '4X' for --rcvbuf" },
	{ { "--listen", "--rcvbuf", "2G" }, "too large" },
	{ { "--listen", "--cpus", "1000000" }, "a CPU this machine cannot have" },
	{ { "--listen", "--cpus", "0-" }, "invalid CPU list '0-'" },
	{ { "--" }, "no command after '--'" },
	{ { "-o" }, "option -o needs an argument" },
	/* A "--" that is an option's value does not start a command. */
	{ { "-o", "--", "true" }, "unexpected argument 'true'" },
	/* Every task: --all, --interval. */
	{ { "--interval", "0" }, "invalid interval '0' for --interval: must be more than 0" },
	{ { "-i", "-1" }, "invalid interval '-1' for --interval: must be more than 0" },
	{ { "-i", "abc" }, "invalid interval 'abc' for --interval: not a decimal number" },
	{ { "-a", "-i", "1e3" }, "not a decimal number" },
	{ { "-a", "-i", "" }, "invalid interval ''" },
	{ { "-a", "--top", "0" }, "invalid number '0' for --top: must be at least 1" },
	{ { "-a", "-c", "2" }, "--count does not apply to --all (only to " },
	{ { "-a", "-p", "1" }, "excludes -p/-t" },
	{ { "-i", "1", "--listen" }, "excludes -p/-t" },
	{ { "-o", "pid" }, "--output needs -p/-t --interval, --all or --interval" },
	{ { "-p", "1", "-s", "cpu%" }, "--sort does not apply to -p/-t (only to " },
	{ { "-n", "-p", "1" }, "--noheadings does not apply to -p/-t (only to " },
	{ { "--list-columns", "-t", "1" }, "--list-columns excludes" },
	/* Conflicting modes, in the other order too. */
	{ { "-p", "1", "--listen" }, "exclude each other" },
	{ { "--all", "-p", "1" }, "excludes -p/-t" },
	{ { "--threads", "-t", "1" }, "excludes -p/-t" },
	{ { "--listen", "--all" }, "excludes -p/-t, --listen" },
	{ { "--list-columns", "--listen" }, "--list-columns excludes" },
	{ { "--tree", "--listen" }, "--tree does not apply to --listen (only to -- COMMAND)" },
	{ { "--group-by", "comm", "--", "true" }, "--group-by with -- COMMAND needs --tree" },
	{ { "--tree", "--group-by=cgroup", "--", "true" }, "--tree groups by comm or user only" },
	{ { "--check", "-p", "1" }, "--check excludes -p/-t" },
	{ { "--check", "--listen" }, "--check excludes" },
	{ { "--check", "--", "true" }, "--check excludes" },
	{ { "--check", "-a" }, "--check excludes" },
	{ { "--check", "--list-columns" }, "--check excludes" },
	{ { "--check=yes" }, "option '--check' takes no argument" },
	/* Empty lists and elements. */
	{ { "-p", "," }, "invalid PID list ',' for -p: empty element" },
	{ { "-p", ",1" }, "invalid PID list ',1' for -p: empty element" },
	{ { "-t", "" }, "option -t needs a TGID" },
	{ { "--tgid=" }, "option -t needs a TGID" },
	{ { "-p", "1", "-t", "" }, "option -t needs a TGID" },
	{ { "--pid" }, "option '--pid' needs an argument" },
	/* Bytes that are not UTF-8, or not ASCII digits, are echoed escaped. */
	{ { "-p", "\xff" }, "invalid PID '\\xff' for -p: not a decimal number" },
	{ { "-p", "1\xc3\xa9" }, "invalid PID '1\xc3\xa9' for -p: trailing characters" },
	{ { "-t", "\xd9\xa3" }, "not a decimal number" },	/* Arabic-Indic 3 */
	{ { "--\xff" }, "unknown option '--\\xff'" },
	{ { "-xq" }, "unknown option -q" },
	/* CPU lists. */
	{ { "--listen", "--cpus", "0-100000" }, "a CPU this machine cannot have" },
	{ { "--listen", "--cpus", "4294967296" }, "invalid CPU list" },
	{ { "--listen", "--cpus", "" }, "invalid CPU list ''" },
	{ { "--listen", "--cpus", "3-1" }, "invalid CPU list '3-1'" },
	{ { "--listen", "--cpus", "0-1:0/2" }, "invalid CPU list '0-1:0/2'" },
	/* Numbers of the other options. */
	{ { "-a", "-i", "99999999999" }, "too long (at most a year)" },
	{ { "-a", "-i", "0.0000000001" }, "must be more than 0 seconds" },
	{ { "-a", "-i", "1,5" }, "not a decimal number" },
	{ { "-a", "-i", "." }, "not a decimal number" },
	{ { "--listen", "--rcvbuf", "-1" }, "must be a positive number" },
	{ { "--listen", "--rcvbuf", "K" }, "invalid size 'K' for --rcvbuf: not a decimal number" },
	{ { "--listen", "--rcvbuf", "3000000000" }, "too large" },
	{ { "--listen", "--rcvbuf", "" }, "invalid size '' for --rcvbuf: empty" },
	{ { "--listen", "--count", "99999999999" }, "out of range" },
	{ { "--listen", "-c", "" }, "invalid count '' for --count: empty" },
	{ { "-a", "--top", "x" }, "invalid number 'x' for --top" },
	{ { "-c" }, "option -c needs an argument" },
};

LOOP_TEST("errors", test_usage, 0, (int)(sizeof(usage_cases) / sizeof(usage_cases[0])))
{
	const struct usage_case *c = &usage_cases[_i];
	char *argv[8] = { (char *)cli_path() };
	struct run r;
	int n = 1;

	for (int i = 0; i < 4 && c->args[i]; i++)
		argv[n++] = (char *)c->args[i];
	run_argv(&r, false, argv);
	ck_assert_msg(r.status == 2, "%s: exit %d", c->message, r.status);
	ck_assert_msg(r.out_len == 0, "stdout not empty: %.600s", r.out);
	ck_assert_msg(strncmp(r.err, "taskstats-cli: ", 15) == 0, "stderr: %s", r.err);
	ck_assert_msg(strstr(r.err, c->message), "expected '%s' in: %s", c->message, r.err);
	ck_assert_msg(strstr(r.err, "\nTry 'taskstats-cli --help' for more information.\n"),
		      "no hint in: %s", r.err);
	ck_assert_int_eq(count_of(r.err, "\n"), 2);
	run_free(&r);
}
END_TEST

TEST("errors", test_eperm)
{
	struct run r;

	run_cli_as(&r, true, "-p", "1", (char *)NULL);
	ck_assert_msg(r.status == 3, "exit %d: %s", r.status, r.err);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err,
			 "taskstats-cli: CAP_NET_ADMIN is needed to query taskstats: "
			 "run as root or grant the capability (e.g. sudo, or setcap "
			 "cap_net_admin+ep)\n");
	run_free(&r);

	/* JSON mode prints no document for a fatal error. */
	run_cli_as(&r, true, "-j", "-p", "1", (char *)NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_str_eq(r.out, "");
	run_free(&r);
}
END_TEST

/* The table above: at least 40 invocations, no two alike. */
TEST("errors", test_usage_table)
{
	size_t n = sizeof(usage_cases) / sizeof(usage_cases[0]);

	ck_assert_uint_ge(n, 40);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			bool same = true;

			for (int k = 0; k < 4 && same; k++) {
				const char *a = usage_cases[i].args[k], *b = usage_cases[j].args[k];

				same = a == b || (a && b && strcmp(a, b) == 0);
			}
			ck_assert_msg(!same, "usage cases %zu and %zu are the same", i, j);
		}
}
END_TEST

/*
 * 100,000 ids: valid, and answered one by one. One argument cannot hold
 * them all (the kernel limits each to 128 KiB: MAX_ARG_STRLEN), so they
 * come in ten -p options; all but the first name a reaped task.
 */
#define HUGE_IDS 100000
#define HUGE_ARGS 10

TEST("huge", test_huge_pid_list)
{
	char *argv[2 * HUGE_ARGS + 4] = { (char *)cli_path() };
	char self[16], gone[16], *list;
	size_t per = HUGE_IDS / HUGE_ARGS, len;
	struct run r;
	int n = 1;

	fmt(self, sizeof(self), "%d", (int)getpid());
	fmt(gone, sizeof(gone), "%d", (int)reaped_pid());
	len = per * (strlen(gone) + 1);
	list = malloc(len);
	ck_assert_ptr_nonnull(list);
	for (size_t i = 0; i < per; i++) {
		memcpy(list + i * (strlen(gone) + 1), gone, strlen(gone));
		list[i * (strlen(gone) + 1) + strlen(gone)] = i + 1 < per ? ',' : '\0';
	}
	argv[n++] = (char *)"-p";
	argv[n++] = self;
	for (int i = 0; i < HUGE_ARGS; i++) {
		argv[n++] = (char *)"-p";
		argv[n++] = list;
	}
	argv[n] = NULL;
	run_argv(&r, false, argv);
	ck_assert_msg(r.status == 1, "exit %d: %.300s", r.status, r.err);
	ck_assert_int_eq(count_of(r.out, "taskstats v"), 1);
	ck_assert_int_eq(count_of(r.err, "\n"), HUGE_IDS);
	ck_assert_int_eq(count_of(r.err, "taskstats-cli: no such task: PID "), HUGE_IDS);
	run_free(&r);
	free(list);
}
END_TEST

/* Flags given twice are not an error: the second changes nothing. */
/*
 * Output that cannot be written is an error, however it fails: a closed
 * standard output (whose descriptor the netlink socket must not take), a
 * full device, a pipe closed under -- COMMAND (whose status must survive).
 */
TEST("errors", test_unwritable_output)
{
	static const char script[] =
		"\"$1\" -p 1 >&-; echo \"closed=$?\"\n"
		"\"$1\" -p 1 -j >&-; echo \"closed_json=$?\"\n"
		"\"$1\" -a -i 0.1 -c 1 >&-; echo \"closed_all=$?\"\n"
		"\"$1\" --help > /dev/full; echo \"help=$?\"\n";
	/* The status of the CLI inside a pipeline, through a file. */
	static const char pipe_script[] =
		"{ \"$1\" -- sh -c 'sleep 0.2; exit 7' 2>&1; echo \"$?\" > \"$2\"; } | true\n"
		"cat \"$2\"\n";
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)script, (char *)"sh",
			 (char *)cli_path(), NULL };
	char tmp[] = "/tmp/test-cli-status-XXXXXX";
	char *pargv[] = { (char *)"/bin/sh", (char *)"-c", (char *)pipe_script, (char *)"sh",
			  (char *)cli_path(), tmp, NULL };
	struct run r;
	int fd;

	run_argv(&r, false, argv);
	ck_assert_msg(strstr(r.out, "closed=5\n") && strstr(r.out, "closed_json=5\n") &&
		      strstr(r.out, "closed_all=5\n") && strstr(r.out, "help=5\n"),
		      "%s\n%s", r.out, r.err);
	ck_assert_msg(strstr(r.err, "taskstats-cli: cannot write the output: Bad file descriptor\n"),
		      "%s", r.err);
	ck_assert_msg(strstr(r.err, "taskstats-cli: cannot write the output: No space left on device\n"),
		      "%s", r.err);
	run_free(&r);

	fd = mkstemp(tmp);
	ck_assert_int_ge(fd, 0);
	close(fd);
	run_argv(&r, false, pargv);
	unlink(tmp);
	ck_assert_msg(strcmp(r.out, "7\n") == 0, "status %s (stderr %s)", r.out, r.err);
	run_free(&r);
}
END_TEST

/*
 * --output-file in a directory others may write to: a symbolic link or a
 * hard link planted there, or another user's file, is refused and left as
 * it was; the caller's own file is truncated; "-" is standard output.
 */
TEST("errors", test_output_file_planted)
{
	char dir[] = "/tmp/test-cli-out-XXXXXX";
	char target[64], sym[64], hard[64], theirs[64], own[64], opt[80], *text;
	struct run r;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chmod(dir, 01777), 0);
	fmt(target, sizeof(target), "%s/target", dir);
	fmt(sym, sizeof(sym), "%s/link", dir);
	fmt(hard, sizeof(hard), "%s/hard", dir);
	fmt(theirs, sizeof(theirs), "%s/theirs", dir);
	fmt(own, sizeof(own), "%s/own", dir);
	f = fopen(target, "w");
	ck_assert_ptr_nonnull(f);
	fputs("precious\n", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(symlink(target, sym), 0);
	ck_assert_int_eq(link(target, hard), 0);
	f = fopen(theirs, "w");
	ck_assert_ptr_nonnull(f);
	fputs("theirs\n", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chown(theirs, NOBODY, NOBODY), 0);

	run_cli(&r, fmt(opt, sizeof(opt), "--output-file=%s", sym), "-p", "1");
	ck_assert_msg(r.status == 5, "exit %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "/link: is a symbolic link (name its target)\n"), "%s", r.err);
	run_free(&r);
	run_cli(&r, fmt(opt, sizeof(opt), "--output-file=%s", hard), "-p", "1");
	ck_assert_msg(r.status == 5, "exit %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "/hard: has other hard links\n"), "%s", r.err);
	run_free(&r);
	text = read_file(target);
	ck_assert_str_eq(text, "precious\n");
	free(text);

	/* -- COMMAND: not run, env(1)'s status for our own failure. */
	run_cli(&r, fmt(opt, sizeof(opt), "--output-file=%s", theirs), "--", "/bin/true");
	ck_assert_msg(r.status == 125, "exit %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "/theirs: belongs to another user\n"), "%s", r.err);
	run_free(&r);
	text = read_file(theirs);
	ck_assert_str_eq(text, "theirs\n");
	free(text);

	/* The caller's own file: truncated, then written. */
	f = fopen(own, "w");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 1000; i++)
		fputs("stale stale stale stale stale\n", f);
	ck_assert_int_eq(fclose(f), 0);
	run_cli(&r, fmt(opt, sizeof(opt), "--output-file=%s", own), "-p", "1");
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_str_eq(r.out, "");
	text = read_file(own);
	ck_assert_msg(strncmp(text, "PID 1 (", 7) == 0 && !strstr(text, "stale"), "%.200s", text);
	free(text);
	run_free(&r);

	unlink(own);
	unlink(theirs);
	unlink(hard);
	unlink(sym);
	unlink(target);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/*
 * Out of file descriptors (prlimit --nofile=4: the netlink socket takes
 * the last one): what could not be read is an error with status 5, never a fact
 * ("delayacct": null with status 0, no cgroup v1, no delay note).
 */
TEST("errors", test_out_of_descriptors)
{
	static const char *const modes[][3] = {
		{ "-p", "1", "--json" },
		{ "-p", "1", NULL },
		{ "-p", "1", "--format=prometheus" },
	};
	char *argv[] = { (char *)"/usr/bin/prlimit", (char *)"--nofile=4", (char *)"--",
			 (char *)cli_path(), NULL, NULL, NULL, NULL };
	struct run r;

	if (access(argv[0], X_OK) != 0) {
		fprintf(stderr, "test_out_of_descriptors: no prlimit(1), not checked\n");
		return;
	}
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		memcpy(&argv[4], modes[i], sizeof(modes[i]));
		run_argv_closed(&r, argv);
		ck_assert_msg(r.status == 5, "%s %s: exit %d\n%s", argv[4], argv[6] ? argv[6] : "",
			      r.status, r.err);
		ck_assert_str_eq(r.err, "taskstats-cli: cannot read kernel.task_delayacct: "
				 "Too many open files\n");
		run_free(&r);
	}
	argv[4] = (char *)"--check";
	argv[5] = NULL;
	run_argv_closed(&r, argv);
	ck_assert_msg(r.status == 5, "--check: exit %d\n%s\n%s", r.status, r.out, r.err);
	ck_assert_msg(!strstr(r.out, "no cgroup v1"), "%s", r.out);
	ck_assert_msg(strstr(r.out, "\nwarn  cgroupstats     cannot check: cannot read "
			     "/proc/mounts: Too many open files\n"), "%s", r.out);
	ck_assert_msg(strstr(r.out, "\nwarn  delayacct       cannot check: cannot read "
			     "kernel.task_delayacct: Too many open files\n"), "%s", r.out);
	run_free(&r);
}
END_TEST

/* ---- --check ------------------------------------------------------------ */

static const char *const check_names[] = {
	"family", "query", "privileges", "listen", "delayacct", "struct_version",
	"cgroupstats", "irq_time",
};
#define N_CHECKS (sizeof(check_names) / sizeof(check_names[0]))

/* The line of one check in the text report (a copy), or fails. */
static char *check_line(const char *out, const char *name)
{
	for (const char *l = out; *l; l = strchr(l, '\n') + 1) {
		size_t len = strcspn(l, "\n");
		const char *p = l + strcspn(l, " ");

		p += strspn(p, " ");
		if (strncmp(p, name, strlen(name)) == 0 && p[strlen(name)] == ' ')
			return strndup(l, len);
		if (!l[len])
			break;
	}
	ck_abort_msg("no line for check %s in:\n%.900s", name, out);
	return NULL;
}

TEST("check", test_check_text)
{
	const char *const statuses[] = { "ok    ", "warn  ", "fail  ", "skip  " };
	char *l, want[64];
	const char *p = NULL;
	struct run r;

	run_cli(&r, "--check");
	ck_assert_msg(r.status == 0, "exit %d: %s\n%s", r.status, r.err, r.out);
	ck_assert_str_eq(r.err, "");
	/* One line per check, in order, then the verdict. */
	ck_assert_int_eq(count_of(r.out, "\n"), N_CHECKS + 1);
	for (size_t i = 0; i < N_CHECKS; i++) {
		bool known = false;

		p = p ? strchr(p, '\n') + 1 : r.out;
		for (size_t s = 0; s < 4; s++)
			known |= strncmp(p, statuses[s], 6) == 0;
		ck_assert_msg(known, "status of: %.200s", p);
		fmt(want, sizeof(want), "%-15s ", check_names[i]);
		ck_assert_msg(strncmp(p + 6, want, strlen(want)) == 0, "line %zu: %.200s", i, p);
	}
	ck_assert_ptr_null(strstr(r.out, "\nfail "));
	ck_assert_ptr_nonnull(strstr(r.out, "\nQueries will work ("));
	l = check_line(r.out, "query");
	ck_assert_msg(strncmp(l, "ok ", 3) == 0, "%s", l);
	free(l);
	l = check_line(r.out, "listen");
	ck_assert_msg(strncmp(l, "ok ", 3) == 0, "%s", l);
	free(l);
	/* What turning delay accounting on does and does not change. */
	l = check_line(r.out, "delayacct");
	if (delayacct_sysctl() == 0) {
		ck_assert_msg(strncmp(l, "warn ", 5) == 0, "%s", l);
		ck_assert_ptr_nonnull(strstr(l, "; fix: sysctl kernel.task_delayacct=1"));
		ck_assert_ptr_nonnull(strstr(l, "tasks started afterwards only"));
		ck_assert_ptr_nonnull(strstr(l, "only CPU delays are counted"));
	} else if (delayacct_sysctl() < 0) {
		/* 5.10: no switch, and delay accounting is on. */
		ck_assert_msg(strncmp(l, "ok ", 3) == 0, "%s", l);
		ck_assert_ptr_nonnull(strstr(l, "no kernel.task_delayacct switch"));
	} else {
		ck_assert_msg(strncmp(l, "ok ", 3) == 0, "%s", l);
	}
	free(l);
	l = check_line(r.out, "struct_version");
	ck_assert_ptr_nonnull(strstr(l, "this build knows versions up to "));
	free(l);
	run_free(&r);
}
END_TEST

/* Without CAP_NET_ADMIN: what fails, the fix, and exit status 3. */
TEST("check", test_check_unprivileged)
{
	char *l;
	struct run r;

	run_cli_as(&r, true, "--check", (char *)NULL);
	ck_assert_msg(r.status == 3, "exit %d: %s", r.status, r.err);
	ck_assert_str_eq(r.err, "");
	l = check_line(r.out, "query");
	ck_assert_msg(strncmp(l, "fail ", 5) == 0, "%s", l);
	/* Root without the capability (see run_argv()). */
	ck_assert_ptr_nonnull(strstr(l, "lacks CAP_NET_ADMIN; fix: give root's process the "
				     "capability back "));
	free(l);
	l = check_line(r.out, "listen");
	ck_assert_msg(strncmp(l, "skip ", 5) == 0, "%s", l);
	free(l);
	ck_assert_ptr_nonnull(strstr(r.out, "\nQueries will not work.\n"));
	run_free(&r);
}
END_TEST

/* ---- help, version, manual --------------------------------------------- */

static char *src_file(const char *rel)
{
	const char *src = getenv("TSTATS_SRCDIR");
	char path[4096];

	ck_assert_msg(src && *src, "TSTATS_SRCDIR is not set");
	return read_file(fmt(path, sizeof(path), "%s/%s", src, rel));
}

TEST("docs", test_help)
{
	char *man = src_file("man/taskstats-cli.1.in");
	struct run r;
	unsigned int n = 0;

	run_cli(&r, "--help");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.err, "");
	ck_assert_ptr_nonnull(strstr(r.out, "Usage: taskstats-cli "));
	/* The options each mode takes, from the option table: the one that
	 * also refuses the others. */
	ck_assert_ptr_nonnull(strstr(r.out, "\nOptions by mode "));
	ck_assert_ptr_nonnull(strstr(r.out, "\n  --listen: --json-lines --jsonl --listen --cpus --count "
					"--rcvbuf\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "\n  -- COMMAND: --rcvbuf --tree --group-by\n"));
	/* Every long option of --help is in the manual, and vice versa. */
	for (const char *p = r.out; (p = strstr(p, "--")); p += 2) {
		char opt[64] = "\\-\\-";
		size_t len = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz-"), o = 4;

		/* In roff, the hyphens inside a name are \- too. */
		ck_assert_uint_lt(len, 28);
		for (size_t i = 0; i < len; i++) {
			if (p[2 + i] == '-')
				opt[o++] = '\\';
			opt[o++] = p[2 + i];
		}
		opt[o] = '\0';
		ck_assert_msg(strstr(man, opt), "--%.*s not in the manual", (int)len, p + 2);
		n++;
	}
	ck_assert_uint_ge(n, 7);
	for (const char *p = man; (p = strstr(p, ".BR \\-")); p++) {
		char opt[64];
		const char *q = strstr(p, "\\-\\-");
		size_t len;

		ck_assert_ptr_nonnull(q);
		len = strspn(q + 4, "abcdefghijklmnopqrstuvwxyz");
		fmt(opt, sizeof(opt), "--%.*s", (int)len, q + 4);
		ck_assert_msg(strstr(r.out, opt), "%s not in --help", opt);
	}
	for (int i = 0; i <= 5; i++) {
		char st[8];

		ck_assert_msg(strstr(r.out, fmt(st, sizeof(st), "\n  %d  ", i)),
			      "exit status %d not in --help", i);
	}
	free(man);
	run_free(&r);

	run_cli(&r, "-h", "-p", "abc");
	ck_assert_int_eq(r.status, 0);
	run_free(&r);
}
END_TEST

TEST("docs", test_version)
{
	char *meson = src_file("meson.build"), *v, want[64];
	struct run r;

	v = strstr(meson, "version : '");
	ck_assert_ptr_nonnull(v);
	v += strlen("version : '");
	fmt(want, sizeof(want), "taskstats-cli %.*s\n", (int)strcspn(v, "'"), v);
	run_cli(&r, "--version");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, want);
	run_free(&r);
	run_cli(&r, "-V");
	ck_assert_str_eq(r.out, want);
	run_free(&r);
	free(meson);
}
END_TEST

/* The generated manual formats without a warning from groff or man. */
TEST("docs", test_man_warnings)
{
	const char *man = getenv("TSTATS_MAN");
	char *argv[] = { (char *)"/usr/bin/man", (char *)"--warnings", (char *)"-l",
			 (char *)man, NULL };
	struct run r;

	ck_assert_msg(man && *man, "TSTATS_MAN is not set");
	if (access(argv[0], X_OK) != 0) {
		fprintf(stderr, "test_man_warnings: no %s, not checked\n", argv[0]);
		return;
	}
	run_argv(&r, false, argv);
	ck_assert_msg(r.status == 0, "man exited %d: %.600s", r.status, r.err);
	ck_assert_msg(r.err_len == 0, "man warnings:\n%.600s", r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "EXIT STATUS"));
	run_free(&r);
}
END_TEST

/* ---- exit events: --listen --------------------------------------------- */

/* A CLI running in the background while the test makes exits happen. */
struct bg {
	pid_t pid;
	int out, err;		/* read ends; -1 at EOF */
	bool reaped;
	struct run r;		/* what was read so far, and the status */
};

static pid_t bg_pid;		/* killed by teardown_bg() if a test fails */

static void bg_start(struct bg *b, char *const argv[])
{
	int po[2], pe[2];

	memset(b, 0, sizeof(*b));
	append(&b->r.out, &b->r.out_len, "", 0);
	append(&b->r.err, &b->r.err_len, "", 0);
	ck_assert_int_eq(pipe2(po, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(pe, O_CLOEXEC), 0);
	b->pid = fork();
	ck_assert_int_ge(b->pid, 0);
	if (b->pid == 0) {
		dup2(po[1], STDOUT_FILENO);
		dup2(pe[1], STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	bg_pid = b->pid;
	close(po[1]);
	close(pe[1]);
	b->out = po[0];
	b->err = pe[0];
}

/* Reads what arrives within ms; false once both pipes are at EOF. */
static bool bg_read(struct bg *b, int ms)
{
	struct pollfd fds[2] = {
		{ .fd = b->out, .events = POLLIN },
		{ .fd = b->err, .events = POLLIN },
	};

	if (b->out < 0 && b->err < 0)
		return false;
	if (poll(fds, 2, ms) < 0) {
		ck_assert_int_eq(errno, EINTR);
		return true;
	}
	for (int i = 0; i < 2; i++) {
		int *fd = i ? &b->err : &b->out;
		char buf[65536];
		ssize_t n;

		if (*fd < 0 || !fds[i].revents)
			continue;
		n = read(*fd, buf, sizeof(buf));
		if (n <= 0) {
			close(*fd);
			*fd = -1;
		} else if (i == 0) {
			append(&b->r.out, &b->r.out_len, buf, (size_t)n);
		} else {
			append(&b->r.err, &b->r.err_len, buf, (size_t)n);
		}
	}
	return true;
}

/* Generous: a loaded machine may be slow, but never this slow. */
#define BG_TIMEOUT_S 120

/* Waits until the text of *where (stdout or stderr) holds needle. */
static void bg_wait_for(struct bg *b, char **where, const char *needle)
{
	time_t end = time(NULL) + BG_TIMEOUT_S;

	while (!strstr(*where, needle)) {
		ck_assert_msg(time(NULL) < end, "no '%s' after %d s; stderr: %.600s",
			      needle, BG_TIMEOUT_S, b->r.err);
		ck_assert_msg(bg_read(b, 1000), "exited before '%s'; stderr: %.600s",
			      needle, b->r.err);
	}
}

/* Reads until EOF, reaps, and hands the output over to *r. */
static void bg_finish(struct bg *b, struct run *r)
{
	time_t end = time(NULL) + BG_TIMEOUT_S;
	int st;

	while (bg_read(b, 1000))
		ck_assert_msg(time(NULL) < end, "no EOF after %d s; stderr: %.600s",
			      BG_TIMEOUT_S, b->r.err);
	if (!b->reaped) {
		ck_assert_int_eq(waitpid(b->pid, &st, 0), b->pid);
		b->r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		b->reaped = true;
	}
	bg_pid = 0;
	*r = b->r;
}

static void teardown_bg(void)
{
	if (bg_pid > 0) {
		kill(bg_pid, SIGKILL);
		waitpid(bg_pid, NULL, 0);
		bg_pid = 0;
	}
	teardown();
}

/* A short-lived child that names itself comm, dead by SIGKILL and reaped. */
static pid_t spawn_killed(const char *comm)
{
	pid_t pid = start_workload(NULL, "killed", comm, (char *)NULL);
	int st;

	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	return pid;
}

#define READY "taskstats-cli: listening for exits on CPUs "

/* Human lines with a hostile comm; SIGTERM ends the loop cleanly. */
TEST("listen", test_listen_text_sigterm)
{
	static const char comm[] = "\x1b[2J\nevil\\";
	char *argv[] = { (char *)cli_path(), (char *)"--listen", NULL };
	char want[128];
	pid_t pid;
	struct bg b;
	struct run r;

	bg_start(&b, argv);
	bg_wait_for(&b, &b.r.err, READY);
	pid = spawn_killed(comm);
	fmt(want, sizeof(want), " %d ", (int)pid);
	bg_wait_for(&b, &b.r.out, "\\x1b[2J\\x0aevil\\\\\n");
	ck_assert_int_eq(kill(b.pid, SIGTERM), 0);
	bg_finish(&b, &r);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_msg(strncmp(r.out, "TIME ", 5) == 0, "no header: %.300s", r.out);
	ck_assert_ptr_nonnull(strstr(r.out, " KIND "));
	ck_assert_ptr_nonnull(strstr(r.out, " COMMAND\n"));
	ck_assert_msg(!strchr(r.out, '\x1b'), "raw ESC in:\n%.600s", r.out);
	ck_assert_ptr_null(strstr(r.out, "\nevil"));
	/* Its line: pid, exit status, escaped name. */
	for (char *l = strtok(r.out, "\n"); l; l = strtok(NULL, "\n")) {
		if (!strstr(l, "evil"))
			continue;
		ck_assert_msg(strstr(l, " pid ") && strstr(l, want) && strstr(l, " SIGKILL "),
			      "line: %s", l);
		break;
	}
	ck_assert_ptr_nonnull(strstr(r.err, " printed from "));
	ck_assert_ptr_nonnull(strstr(r.err, "; no events lost\n"));
	ck_assert_ptr_null(strstr(r.err, "lost events"));
	run_free(&r);
}
END_TEST

/* A thread group's end: the last thread's PID line, then its TGID line. */
/* --listen and -- in another network namespace, where no exit event
 * would arrive: said at start, status 4 (125: the command was not run). */
TEST("listen", test_listen_other_netns)
{
	char *argv[] = { (char *)"/usr/bin/unshare", (char *)"--net", (char *)"--",
			 (char *)"/usr/bin/timeout", (char *)"60", (char *)cli_path(),
			 (char *)"--listen", NULL, NULL };
	static const char nofamily[] = "taskstats-cli: the kernel has no TASKSTATS netlink "
				       "family (CONFIG_TASKSTATS off?)\n";
	const char *msg = "taskstats-cli: the kernel sends exit events only to the "
			  "initial network namespace, and this process is in another "
			  "one: none would arrive\n";
	struct run r;

	if (access(argv[0], X_OK) != 0) {
		fprintf(stderr, "test_listen_other_netns: no unshare(1), not checked\n");
		return;
	}
	/* Before Linux 5.19 (struct v12) the family itself exists only in
	 * the initial network namespace: that is the kernel's answer. */
	if (struct_version() < V_TGID)
		msg = nofamily;
	run_argv(&r, false, argv);
	ck_assert_msg(r.status == 4, "exit %d: %s", r.status, r.err);
	ck_assert_str_eq(r.err, msg);
	run_free(&r);
	argv[6] = (char *)"--";
	argv[7] = (char *)"/bin/true";
	run_argv(&r, false, argv);
	ck_assert_msg(r.status == 125, "exit %d: %s", r.status, r.err);
	ck_assert_str_eq(r.err, msg);
	run_free(&r);
}
END_TEST

/*
 * A storm of exits against a tiny receive buffer. The CLI's stdout is not
 * read during the storm, so it blocks writing and cannot drain its
 * socket: losses are certain, however fast the machine. It must report
 * them, in the stream and in the summary, and exit with status 6.
 * The storm's processes are forked by python3, which runs at full speed
 * also when this test runs under valgrind.
 */
#define STORM "20000"

/* TSTATS_STORM_EXITS: a smaller storm where forks are slow (the kernel
 * matrix's emulated CPUs); a few thousand exits already overflow. */
static char *storm_exits(void)
{
	char *n = getenv("TSTATS_STORM_EXITS");

	return n && *n ? n : (char *)STORM;
}

static void storm(void)
{
	static const char prog[] =
		"import os, sys\n"
		"for i in range(int(sys.argv[1])):\n"
		"    pid = os.fork()\n"
		"    if pid == 0:\n"
		"        os._exit(0)\n"
		"    os.waitpid(pid, 0)\n";
	char *argv[] = { (char *)"/usr/bin/python3", (char *)"-c", (char *)prog,
			 storm_exits(), NULL };
	struct run r;

	run_argv(&r, false, argv);
	ck_assert_msg(r.status == 0, "storm: exit %d: %s", r.status, r.err);
	run_free(&r);
}

TEST("listen", test_listen_storm_loss)
{
	char *argv[] = { (char *)cli_path(), (char *)"--listen", (char *)"--rcvbuf",
			 (char *)"4096", NULL };
	unsigned long long overflows = 0;
	const char *p;
	struct bg b;
	struct run r;

	bg_start(&b, argv);
	bg_wait_for(&b, &b.r.err, READY);
	ck_assert_ptr_nonnull(strstr(b.r.err, "(receive buffer "));
	storm();
	ck_assert_int_eq(kill(b.pid, SIGTERM), 0);
	bg_finish(&b, &r);
	fprintf(stderr, "storm of %s exits: %s", storm_exits(), r.err);
	ck_assert_msg(r.status == 6, "exit %d: %s", r.status, r.err);
	p = strstr(r.err, "taskstats-cli: lost events: ");
	ck_assert_msg(p, "no loss line: %s", r.err);
	ck_assert_int_eq(sscanf(p, "taskstats-cli: lost events: %llu receive buffer overflows",
				&overflows), 1);
	ck_assert_uint_gt(overflows, 0);
	ck_assert_ptr_nonnull(strstr(p, "(raise --rcvbuf"));
	ck_assert_ptr_nonnull(strstr(r.err, "events were lost\n"));
	/* In the stream too, where it happened. */
	ck_assert_ptr_nonnull(strstr(r.out, " LOST receive buffer overflow"));
	ck_assert_ptr_nonnull(strstr(r.out, "[overflow #1]"));
	run_free(&r);
}
END_TEST

/* ---- running a command ------------------------------------------------- */

TEST("run", test_run_exit_status)
{
	char head[64];
	struct run r;
	const char *p;

	run_cli(&r, "--", "sh", "-c", "exit 3");
	ck_assert_msg(r.status == 3, "exit %d: %s", r.status, r.err);
	/* The report is on stderr: stdout belongs to the command. */
	ck_assert_str_eq(r.out, "");
	p = strstr(r.err, "Command PID ");
	ck_assert_msg(p == r.err, "header: %.600s", r.err);
	ck_assert_ptr_nonnull(strstr(r.err, " (sh) exited with status 3, 1 thread.\n"));
	ck_assert_ptr_nonnull(strstr(r.err, "\nIts PID record is the whole process.\nPID "));
	fmt(head, sizeof(head), "\nPID %d (sh): taskstats v",
	    atoi(r.err + strlen("Command PID ")));
	ck_assert_msg(strstr(r.err, head), "no %s in %.600s", head + 1, r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "\n  exit status       exited with status 3\n"));
	ck_assert_ptr_nonnull(strstr(r.err, "\nI/O\n"));
	ck_assert_ptr_nonnull(strstr(r.err, "\nDelays "));
	run_free(&r);

	run_cli(&r, "--", "sh", "-c", "exit 0");
	ck_assert_int_eq(r.status, 0);
	run_free(&r);
	run_cli(&r, "--", "sh", "-c", "exit 255");
	ck_assert_int_eq(r.status, 255);
	run_free(&r);
}
END_TEST

TEST("run", test_run_not_found)
{
	struct run r;

	run_cli(&r, "--", "/nonexistent");
	ck_assert_int_eq(r.status, 127);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, "taskstats-cli: cannot run /nonexistent: "
			 "No such file or directory\n");
	run_free(&r);

	run_cli(&r, "--", "tstats-no-such-command");
	ck_assert_int_eq(r.status, 127);
	ck_assert_str_eq(r.err, "taskstats-cli: tstats-no-such-command: command not found\n");
	run_free(&r);

	/* Found, but not executable (root too needs an x bit). */
	run_cli(&r, "--", "/etc/passwd");
	ck_assert_int_eq(r.status, 126);
	ck_assert_str_eq(r.err, "taskstats-cli: cannot run /etc/passwd: Permission denied\n");
	run_free(&r);
}
END_TEST

TEST("run", test_run_killed)
{
	struct run r;

	run_cli(&r, "--", "sh", "-c", "kill -9 $$");
	ck_assert_msg(r.status == 128 + 9, "exit %d: %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.err, " (sh) killed by signal 9 ("));
	ck_assert_ptr_nonnull(strstr(r.err, "\n  exit status       killed by signal 9 ("));
	run_free(&r);
}
END_TEST

/* stdin and stdout are the command's: echo hi | taskstats-cli -- cat */
TEST("run", test_run_passthrough)
{
	char *argv[] = { (char *)"/bin/sh", (char *)"-c",
			 (char *)"echo hi | \"$0\" -- cat", (char *)cli_path(), NULL };
	struct run r;

	run_argv(&r, false, argv);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_str_eq(r.out, "hi\n");
	ck_assert_ptr_nonnull(strstr(r.err, " (cat) exited with status 0, 1 thread.\n"));
	run_free(&r);
}
END_TEST

/* A multi-threaded command: the TGID record, then its leader's PID record
 * (JSON: tests/cli/test_run.py). */
TEST("run", test_run_threads)
{
	static const char prog[] =
		"import threading, time\n"
		"ts = [threading.Thread(target=time.sleep, args=(0.05,)) for _ in range(4)]\n"
		"[t.start() for t in ts]\n"
		"[t.join() for t in ts]\n";
	struct run r;

	run_cli(&r, "--", "/usr/bin/python3", "-c", prog);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.err, struct_version() >= V_TGID ?
				     " exited with status 0, 5 threads.\nThe TGID record sums " :
				     " exited with status 0, 1 thread.\nThe TGID record sums "));
	ck_assert_ptr_nonnull(strstr(r.err, "\nTGID "));
	ck_assert_ptr_nonnull(strstr(r.err, "\nPID "));
	ck_assert(strstr(r.err, "\nTGID ") < strstr(r.err, "\nPID "));
	run_free(&r);
}
END_TEST

/* SIGTERM to taskstats-cli reaches the command, which is still reported. */
TEST("run", test_run_sigterm)
{
	char *argv[] = { (char *)cli_path(), (char *)"--", (char *)"sh", (char *)"-c",
			 (char *)"echo ready; exec sleep 300", NULL };
	struct bg b;
	struct run r;

	bg_start(&b, argv);
	bg_wait_for(&b, &b.r.out, "ready\n");
	ck_assert_int_eq(kill(b.pid, SIGTERM), 0);
	bg_finish(&b, &r);
	ck_assert_msg(r.status == 128 + SIGTERM, "exit %d: %s", r.status, r.err);
	/* sh or sleep: the signal may come before or after the exec. */
	ck_assert_msg(strstr(r.err, ") killed by signal 15 (Terminated), 1 thread.\n"),
		      "report: %.600s", r.err);
	run_free(&r);
}
END_TEST

/* --tree in text: the table after the report (its JSON and the table's
 * columns: tests/cli/test_run.py). */
TEST("run", test_run_tree)
{
	struct run r;

	run_cli(&r, "--tree", "--", "sh", "-c", "sh -c 'exit 4'; exit 0");
	ck_assert_int_eq(r.status, 0);
	if (struct_version() < V_TGID) {
		/* No record marks a group's end before 5.19: no descendant. */
		ck_assert_ptr_nonnull(strstr(r.err, "\nProcess tree: 1 process that exited, "));
		run_free(&r);
		return;
	}
	ck_assert_ptr_nonnull(strstr(r.err, "\nProcess tree: 2 processes that exited, "));
	ck_assert_ptr_nonnull(strstr(r.err, " exit 4 "));
	run_free(&r);
}
END_TEST

/* ---- every task: --all, --interval ------------------------------------- */

/* Children of the --all tests: killed by teardown_all(). */
static pid_t helpers[4];

static void teardown_all(void)
{
	for (size_t i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++)
		if (helpers[i] > 0) {
			kill(helpers[i], SIGKILL);
			waitpid(helpers[i], NULL, 0);
			helpers[i] = 0;
		}
	teardown_bg();
}

/*
 * Starts cli-workload in mode ("burn": most of a CPU; "threads": four
 * sleeping threads) and returns once it is at work.
 */
static pid_t spawn_helper(const char *mode)
{
	size_t slot = 0;
	int ready;
	char c;

	while (helpers[slot] > 0)
		ck_assert_uint_lt(++slot, sizeof(helpers) / sizeof(helpers[0]));
	helpers[slot] = start_workload(&ready, mode, (char *)NULL);
	ck_assert_int_eq(read(ready, &c, 1), 1);
	close(ready);
	return helpers[slot];
}

TEST("all", test_report_time_shares)
{
	pid_t burn = spawn_helper("burn");
	char id[16];
	const char *sec;
	struct run r;

	usleep(300000);
	fmt(id, sizeof(id), "%d", (int)burn);
	run_cli(&r, "-p", id);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	sec = strstr(r.out, "\nWhere the time went (of ");
	ck_assert_msg(sec, "no time shares:\n%s", r.out);
	ck_assert_ptr_nonnull(strstr(sec, "\n  running "));
	ck_assert_ptr_nonnull(strstr(sec, "\n  waiting for a CPU "));
	ck_assert_ptr_nonnull(strstr(sec, "\n  verdict               mostly "));
	run_free(&r);
}
END_TEST

/* -p of one thread of several says so, and where the whole process is. */
TEST("all", test_report_thread_of_process)
{
	pid_t tp = spawn_helper("threads");
	char id[16], want[128];
	struct run r;

	fmt(id, sizeof(id), "%d", (int)tp);
	run_cli(&r, "-p", id);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	fmt(want, sizeof(want), "note: thread 1 of 4 of process %d (tstats-threads): this\n"
	    "  thread's values alone (-t %d for the whole process)", (int)tp, (int)tp);
	ck_assert_msg(strstr(r.out, want), "no thread note:\n%.600s", r.out);
	run_free(&r);
	/* A single-threaded process's thread is the whole: no note. */
	fmt(id, sizeof(id), "%d", (int)spawn_helper("burn"));
	run_cli(&r, "-p", id);
	ck_assert_ptr_null(strstr(r.out, "note: thread "));
	run_free(&r);
}
END_TEST

/* --group-by user: one row per user, the group in its first column (by
 * comm, in JSON: tests/cli/test_all.py). */
TEST("all", test_interval_group_by)
{
	struct run r;

	run_cli(&r, "-i", "0.3", "-c", "1", "--group-by", "user", "-r");
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_msg(strncmp(r.out, "INTERVAL 1 ending ", 18) == 0 &&
		      strstr(r.out, "\nGROUP THREADS CPU%"), "header:\n%.300s", r.out);
	ck_assert_ptr_nonnull(strstr(r.out, "\n0 "));
	run_free(&r);
}
END_TEST

/* -p PID -i: that process over time, and its average at the end (-t in
 * JSON: tests/cli/test_all.py). */
TEST("all", test_interval_watch)
{
	pid_t burn = spawn_helper("burn");
	char id[16];
	struct run r;

	fmt(id, sizeof(id), "%d", (int)burn);
	run_cli(&r, "-p", id, "-i", "0.2", "-c", "1");
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "\nAVERAGE PID "));
	run_free(&r);
	run_cli(&r, "-p", "4194305", "-i", "0.2", "-c", "1");
	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "no such task"));
	run_free(&r);
}
END_TEST

/* --top in text (the sort orders, in JSON: tests/cli/test_all.py). */
TEST("all", test_all_sort_top)
{
	struct run r;
	char *t2, *hdr;

	/* Text: per interval, when it ended, a header, three rows and the
	 * total on two lines; an empty line between. */
	run_cli(&r, "-a", "-i", "0.2", "-c", "2", "--top", "3");
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	t2 = strstr(r.out, "\n\n");
	ck_assert_msg(t2, "one table only:\n%s", r.out);
	ck_assert_int_eq(count_of(r.out, "\n"), 15);
	ck_assert_int_eq(count_of(r.out, "\nTOTAL "), 2);
	ck_assert_int_eq(count_of(r.out, "\n\n"), 1);
	ck_assert_msg(strncmp(r.out, "INTERVAL 1 ending ", 18) == 0, "%s", r.out);
	ck_assert_msg(strncmp(t2 + 2, "INTERVAL 2 ending ", 18) == 0, "%s", r.out);
	/* PID right-aligned over ids of any width (4 digits: " PID"). */
	hdr = strstr(r.out, " s)\n");
	ck_assert_msg(hdr && strncmp(hdr + 4 + strspn(hdr + 4, " "), "PID ", 4) == 0,
		      "header:\n%s", r.out);
	ck_assert_ptr_nonnull(strstr(t2 + 2, "CPU%"));
	/* 80 columns by default (a row of a name that needed escaping aside). */
	for (char *l = r.out; *l; l = strchr(l, '\n') + 1) {
		size_t len = strcspn(l, "\n");

		ck_assert_msg(len <= 80 || memchr(l, '\\', len), "wider than 80: %.*s",
			      (int)len, l);
	}
	run_free(&r);
}
END_TEST

TEST("all", test_all_columns)
{
	struct run r;

	run_cli(&r, "-a", "-i", "0.2", "-c", "1", "-o", "pid,comm,cpu%", "-r");
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.out, " s)\nPID COMM CPU%\n"), "header:\n%.300s", r.out);
	/* -r: one space between cells, spaces inside escaped. */
	for (char *l = strstr(r.out, "\nPID COMM CPU%\n") + 15; *l; l = strchr(l, '\n') + 1) {
		char *end = strchr(l, '\n'), *a, *b;

		ck_assert_ptr_nonnull(end);
		/* When the interval ended opens the table, its total (two
		 * lines) closes it. */
		if (strncmp(l, "TOTAL ", 6) == 0 || strncmp(l, "      ", 6) == 0 ||
		    strncmp(l, "INTERVAL ", 9) == 0)
			continue;
		*end = '\0';
		a = strchr(l, ' ');
		b = strrchr(l, ' ');
		ck_assert_msg(a && b && a != b && strchr(a + 1, ' ') == b, "row: %s", l);
		ck_assert_msg(strspn(l, "0123456789") == (size_t)(a - l), "row: %s", l);
		ck_assert_msg(strspn(b + 1, "0123456789.") == strlen(b + 1), "row: %s", l);
		*end = '\n';
	}
	run_free(&r);

	/* -n: no header. */
	run_cli(&r, "-a", "-i", "0.2", "-c", "1", "-o", "PID,comm,cpu%", "-n", "--top", "1");
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	/* When, the row and the total's two lines. */
	ck_assert_int_eq(count_of(r.out, "\n"), 4);
	ck_assert_ptr_null(strstr(r.out, "PID"));
	run_free(&r);
}
END_TEST

TEST("all", test_all_unknown_column)
{
	struct run r;

	run_cli(&r, "--all", "-o", "pid,bogus,comm");
	ck_assert_int_eq(r.status, 2);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, "taskstats-cli: unknown column 'bogus'\n"
			 "Try 'taskstats-cli --list-columns' for the column names.\n");
	run_free(&r);

	run_cli(&r, "--all", "-i", "1", "--sort", "cpu");
	ck_assert_int_eq(r.status, 2);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, "taskstats-cli: unknown column 'cpu' for --sort\n"
			 "Try 'taskstats-cli --list-columns' for the column names.\n");
	run_free(&r);

	/* Names are echoed escaped. */
	run_cli(&r, "--all", "-o", "pid,\x1b[2J");
	ck_assert_int_eq(r.status, 2);
	ck_assert_str_eq(r.err, "taskstats-cli: unknown column '\\x1b[2J'\n"
			 "Try 'taskstats-cli --list-columns' for the column names.\n");
	run_free(&r);
	run_cli(&r, "--all", "-o", "pid,,comm");
	ck_assert_int_eq(r.status, 2);
	ck_assert_str_eq(r.err, "taskstats-cli: unknown column ''\n"
			 "Try 'taskstats-cli --list-columns' for the column names.\n");
	run_free(&r);
}
END_TEST

/* Without --interval: one table of cumulative values, no rates (the
 * values, in JSON: tests/cli/test_all.py). */
TEST("all", test_all_snapshot)
{
	struct run r;

	spawn_stopped("tstats-snap", 150);
	run_cli(&r, "--all");
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, " UTIME "));
	ck_assert_ptr_nonnull(strstr(r.out, " tstats-snap\n"));
	ck_assert_ptr_null(strstr(r.out, "\n\n"));
	run_free(&r);
}
END_TEST

TEST("all", test_all_hostile_comm)
{
	static const char comm[] = "\x1b[2J\nevil\\ x";
	char id[16], want[96];
	struct run r;

	fmt(id, sizeof(id), "%d", (int)spawn_stopped(comm, 0));
	/* -r: libsmartcols' raw encoding, as util-linux's -r: blanks,
	 * backslashes and controls as \xNN. */
	run_cli(&r, "-a", "-r", "-o", "pid,comm");
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_msg(!strchr(r.out, '\x1b'), "raw ESC in:\n%.600s", r.out);
	ck_assert_msg(strstr(r.out, fmt(want, sizeof(want), "\n%s \\x1b[2J\\x0aevil\\x5c\\x20x\n",
					 id)), "no escaped comm in:\n%.2000s", r.out);
	run_free(&r);
	/* Aligned: escaped as in every other text output. */
	run_cli(&r, "-a", "-o", "pid,comm");
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_msg(!strchr(r.out, '\x1b'), "raw ESC in:\n%.600s", r.out);
	ck_assert_msg(strstr(r.out, fmt(want, sizeof(want), "%s \\x1b[2J\\x0aevil\\\\ x\n", id)),
		      "no escaped comm in:\n%.2000s", r.out);
	run_free(&r);
}
END_TEST

/* Terminal columns of the UTF-8 text [from, to). */
static size_t columns_between(const char *from, const char *to)
{
	locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0), old;
	mbstate_t mbs = { 0 };
	size_t w = 0;

	ck_assert_ptr_nonnull(utf8);
	old = uselocale(utf8);
	while (from < to) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, from, (size_t)(to - from), &mbs);

		ck_assert_msg(n != (size_t)-1 && n != (size_t)-2 && n != 0, "not UTF-8");
		w += (size_t)wcwidth(wc);
		from += n;
	}
	uselocale(old);
	freelocale(utf8);
	return w;
}

/*
 * Wide characters: a name of CJK ideographs (two terminal columns each)
 * keeps the columns after it aligned by display width, not by bytes or
 * code points; a bidi override in a name is escaped, not written.
 */
TEST("all", test_all_wide_comm)
{
	static const char wide[] = "\xe4\xb8\xad\xe6\x96\x87\xe5\x90\x8d";	/* 中文名 */
	static const char bidi[] = "ab\xe2\x80\xae" "cd";			/* U+202E */
	pid_t a = spawn_stopped(wide, 0), b;
	char ida[16], idb[16], *la, *lb, *end;
	struct run r;

	fmt(ida, sizeof(ida), "%d", (int)a);
	/* spawn_stopped() keeps one child for teardown(): the first is ours. */
	unlink(child_file);
	b = spawn_stopped(bidi, 0);
	fmt(idb, sizeof(idb), "%d", (int)b);
	run_cli(&r, "-a", "-o", "comm,pid,uid");
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	la = strstr(r.out, wide);
	lb = strstr(r.out, "ab\\xe2\\x80\\xaecd");
	ck_assert_msg(la && lb, "names not found in:\n%.3000s", r.out);
	ck_assert_msg(!strstr(r.out, bidi), "a raw bidi override in:\n%.3000s", r.out);
	/* Each row ends with " PID UID": the PID ends at the same display
	 * column. The wide name is 9 bytes, 3 code points, 6 columns. */
	end = strstr(la, ida);
	ck_assert_ptr_nonnull(end);
	ck_assert_int_eq(columns_between(la, end) + strlen(ida),
			 columns_between(lb, strstr(lb, idb)) + strlen(idb));
	ck_assert_int_eq(columns_between(la, la + strlen(wide)), 6);
	run_free(&r);
	kill(a, SIGKILL);
	waitpid(a, NULL, 0);
}
END_TEST

/* ---- restricted mode: a file-capability install ----------------------- */

/*
 * A copy of the CLI with "setcap cap_net_admin+ep", run as nobody by
 * setpriv(1) without inheritable capabilities, so that it gets its
 * capability from the file alone: the way distributions install such
 * tools. The copy is the statically linked build ($TSTATS_CLI_STATIC): in
 * secure-execution mode the loader ignores the build tree's run path. It
 * lives next to it, on the build tree's file system (/tmp may be a tmpfs
 * without security.* extended attributes), in a directory nobody can
 * enter.
 */
#define SETPRIV "/usr/bin/setpriv"
#define SETCAP "/usr/sbin/setcap"
#define GETCAP "/usr/sbin/getcap"

static char cap_dir[4096];
static char cap_cli[4200];
static const char *cap_skip;	/* why the restricted tests cannot run */

static void cap_setup(void)
{
	const char *src = getenv("TSTATS_CLI_STATIC");
	char *argv[4], *slash;
	struct run r;
	int in, out;

	cap_skip = NULL;
	if (!src || !*src) {
		cap_skip = "TSTATS_CLI_STATIC is not set";
		return;
	}
	if (getuid() != 0) {
		cap_skip = "not root: cannot set file capabilities";
		return;
	}
	if (access(SETPRIV, X_OK) || access(SETCAP, X_OK) || access(GETCAP, X_OK)) {
		cap_skip = "no " SETPRIV ", " SETCAP " or " GETCAP;
		return;
	}
	snprintf(cap_dir, sizeof(cap_dir), "%s", src);
	slash = strrchr(cap_dir, '/');
	ck_assert_ptr_nonnull(slash);
	strcpy(slash + 1, "tstats-cap-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(cap_dir));
	ck_assert_int_eq(chmod(cap_dir, 0755), 0);
	/* Every directory above it must let nobody through. */
	for (char *p = strrchr(cap_dir, '/'); p && p > cap_dir; p = memrchr(cap_dir, '/',
									       (size_t)(p - cap_dir))) {
		struct stat st;

		*p = '\0';
		ck_assert_int_eq(stat(cap_dir, &st), 0);
		*p = '/';
		if (!(st.st_mode & S_IXOTH)) {
			cap_skip = "a directory above the build tree is closed to nobody";
			break;
		}
	}
	snprintf(cap_cli, sizeof(cap_cli), "%s/taskstats-cli", cap_dir);
	in = open(src, O_RDONLY | O_CLOEXEC);
	out = open(cap_cli, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	ck_assert_int_ge(in, 0);
	ck_assert_int_ge(out, 0);
	for (;;) {
		char buf[65536];
		ssize_t n = read(in, buf, sizeof(buf));

		ck_assert_int_ge(n, 0);
		if (n == 0)
			break;
		ck_assert_int_eq(write(out, buf, (size_t)n), n);
	}
	close(in);
	ck_assert_int_eq(fchmod(out, 0755), 0);
	close(out);
	if (cap_skip)
		return;

	/* Whether this file system keeps file capabilities: a round trip. */
	argv[0] = (char *)SETCAP;
	argv[1] = (char *)"cap_net_admin+ep";
	argv[2] = cap_cli;
	argv[3] = NULL;
	run_argv(&r, false, argv);
	if (r.status != 0)
		cap_skip = "setcap failed: no file capabilities on this file system";
	run_free(&r);
	argv[0] = (char *)GETCAP;
	argv[1] = cap_cli;
	argv[2] = NULL;
	run_argv(&r, false, argv);
	if (!cap_skip && !strstr(r.out, "cap_net_admin=ep"))
		cap_skip = "getcap does not show the capability set: no file capabilities";
	run_free(&r);
}

static void cap_teardown(void)
{
	char suid[4300];

	if (cap_cli[0]) {
		unlink(cap_cli);
		unlink(fmt(suid, sizeof(suid), "%s-suid", cap_cli));
	}
	if (cap_dir[0])
		rmdir(cap_dir);
	cap_cli[0] = cap_dir[0] = '\0';
}

/* False (and a note) when the restricted tests cannot run here. */
static bool cap_ready(const char *test)
{
	if (cap_skip)
		fprintf(stderr, "%s: %s, not checked\n", test, cap_skip);
	return !cap_skip;
}

/*
 * argv for setpriv running the capability copy as nobody: the first words
 * (up to "--"), then "env" with the given assignments (NULL: none), then
 * the copy and its arguments. Ends with NULL; argv needs 24 slots.
 */
static void restricted_argv(char **argv, const char *const *env, const char *const *args)
{
	int n = 0;

	argv[n++] = (char *)SETPRIV;
	argv[n++] = (char *)"--reuid=65534";
	argv[n++] = (char *)"--regid=65534";
	argv[n++] = (char *)"--clear-groups";
	argv[n++] = (char *)"--";
	if (env) {
		argv[n++] = (char *)"/usr/bin/env";
		while (*env)
			argv[n++] = (char *)*env++;
	}
	argv[n++] = cap_cli;
	while (*args) {
		argv[n++] = (char *)*args++;
		ck_assert_int_lt(n, 23);
	}
	argv[n] = NULL;
}

static void run_restricted(struct run *r, const char *const *env, const char *const *args)
{
	char *argv[24];

	restricted_argv(argv, env, args);
	run_argv(r, false, argv);
}

/* The same through a shell (as nobody): $CLI is the capability copy. */
static void run_restricted_sh(struct run *r, const char *script)
{
	char *argv[] = { (char *)SETPRIV, (char *)"--reuid=65534", (char *)"--regid=65534",
			 (char *)"--clear-groups", (char *)"--", (char *)"/bin/sh", (char *)"-c",
			 (char *)script, (char *)"sh", cap_cli, NULL };

	run_argv(r, false, argv);
}

#define MSG_OTHER_USER(what) "taskstats-cli: permission denied: " what " belongs to another user\n"

/* Root's PID 1 is refused: the documented line, status 3, no fields (the
 * JSON document: tests/cli/test_restricted.py). */
TEST("restricted", test_restricted_refused)
{
	struct run r;

	if (!cap_ready("test_restricted_refused"))
		return;
	run_restricted(&r, NULL, (const char *const[]){ "-p", "1", NULL });
	ck_assert_msg(r.status == 3, "exit %d: %s", r.status, r.err);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, MSG_OTHER_USER("PID 1"));
	run_free(&r);

	/* A thread group: its leader's owner. */
	run_restricted(&r, NULL, (const char *const[]){ "-t", "1", NULL });
	ck_assert_msg(r.status == 3, "exit %d: %s", r.status, r.err);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, MSG_OTHER_USER("TGID 1"));
	run_free(&r);

	/* The test's own process is root's too. */
	run_restricted(&r, NULL, (const char *const[]){ "--check", NULL });
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "\nok    privileges      restricted: "));
	run_free(&r);
}
END_TEST

/* A process of nobody's own, started by the same shell, is answered. */
TEST("restricted", test_restricted_own)
{
	static const char script[] =
		"sleep 60 & p=$!\n"
		"\"$1\" -p \"$p\" -t \"$p\" -p 1; r=$?\n"
		"kill \"$p\"; echo \"status $r\"\n";
	struct run r;

	if (!cap_ready("test_restricted_own"))
		return;
	run_restricted_sh(&r, script);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	/* Mixed with root's PID 1: reported, and the refusal sets status 3. */
	ck_assert_msg(strstr(r.out, "status 3\n"), "out: %.300s\nerr: %.300s", r.out, r.err);
	ck_assert_int_eq(count_of(r.out, "taskstats v"), 2);
	ck_assert_ptr_nonnull(strstr(r.out, "\n  uid               65534\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "\nTGID "));
	ck_assert_str_eq(r.err, MSG_OTHER_USER("PID 1"));
	run_free(&r);
}
END_TEST

/*
 * A child of nobody's (real uid and gid), named comm, waiting in pause():
 * with euid and saved uid root if setuid_root (a set-user-ID root program
 * nobody started), else all nobody's, dumpable or not. Killed and reaped
 * by reap_nobody(); kept as a zombie until then.
 */
static pid_t nobody_kids[4];

static pid_t spawn_nobody(const char *comm, bool setuid_root, bool dumpable)
{
	pid_t parent = getpid();
	int p[2];
	pid_t pid;
	char c;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
		    setresuid(NOBODY, setuid_root ? 0 : NOBODY, setuid_root ? 0 : NOBODY) < 0 ||
		    prctl(PR_SET_DUMPABLE, dumpable ? 1 : 0, 0, 0, 0) < 0)
			_exit(1);
		prctl(PR_SET_NAME, comm);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	close(p[0]);
	for (size_t i = 0; i < sizeof(nobody_kids) / sizeof(nobody_kids[0]); i++)
		if (!nobody_kids[i]) {
			nobody_kids[i] = pid;
			return pid;
		}
	ck_abort_msg("too many children of nobody's");
	return -1;
}

static void reap_nobody(void)
{
	for (size_t i = 0; i < sizeof(nobody_kids) / sizeof(nobody_kids[0]); i++)
		if (nobody_kids[i] > 0) {
			kill(nobody_kids[i], SIGKILL);
			waitpid(nobody_kids[i], NULL, 0);
			nobody_kids[i] = 0;
		}
}

static void teardown_restricted(void)
{
	reap_nobody();
	teardown_bg();
}

/*
 * A task whose real uid is the user's is not enough: the kernel refuses
 * the user a set-user-ID program's /proc/PID/io (its effective and saved
 * uid are root's) and a non-dumpable task's (ptrace_may_access()), and so
 * does restricted mode, in -p, -t and --all (--all's JSON Lines:
 * tests/cli/test_restricted.py).
 */
TEST("restricted", test_restricted_not_readable)
{
	pid_t suid, undumpable, own;
	char ids[3][16], expr[200];
	struct run r;

	if (!cap_ready("test_restricted_not_readable"))
		return;
	suid = spawn_nobody("tstats-suid", true, true);
	undumpable = spawn_nobody("tstats-nodump", false, false);
	own = spawn_nobody("tstats-own", false, true);
	fmt(ids[0], sizeof(ids[0]), "%d", (int)suid);
	fmt(ids[1], sizeof(ids[1]), "%d", (int)undumpable);
	fmt(ids[2], sizeof(ids[2]), "%d", (int)own);

	for (int i = 0; i < 2; i++) {
		char msg[96];

		run_restricted(&r, NULL, (const char *const[]){ "-p", ids[i], NULL });
		ck_assert_msg(r.status == 3, "PID %s: exit %d: %s", ids[i], r.status, r.err);
		ck_assert_str_eq(r.out, "");
		ck_assert_str_eq(r.err, fmt(msg, sizeof(msg), MSG_OTHER_USER("PID %s"), ids[i]));
		run_free(&r);
		run_restricted(&r, NULL, (const char *const[]){ "-t", ids[i], NULL });
		ck_assert_msg(r.status == 3, "TGID %s: exit %d: %s", ids[i], r.status, r.err);
		ck_assert_str_eq(r.out, "");
		run_free(&r);
	}
	run_restricted(&r, NULL, (const char *const[]){ "-p", ids[2], NULL });
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "\n  uid               65534\n"));
	run_free(&r);

	run_restricted(&r, NULL, (const char *const[]){ "--all", "--format", "prometheus",
							NULL });
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, fmt(expr, sizeof(expr), "tgid=\"%s\"", ids[2])));
	ck_assert_ptr_null(strstr(r.out, fmt(expr, sizeof(expr), "tgid=\"%s\"", ids[0])));
	ck_assert_ptr_null(strstr(r.out, fmt(expr, sizeof(expr), "tgid=\"%s\"", ids[1])));
	run_free(&r);
}
END_TEST

/*
 * The receive buffer cap in restricted mode is per process, as the manual
 * says: each of two listeners asking 64M is lowered to 16M, which the
 * kernel doubles to 32 MiB.
 */
TEST("restricted", test_restricted_rcvbuf)
{
	const char *const args[] = { "--listen", "--rcvbuf", "64M", NULL };
	char *argv[24], *man;
	struct bg b[2];
	struct run r;

	if (!cap_ready("test_restricted_rcvbuf"))
		return;
	man = src_file("man/taskstats-cli.1.in");
	ck_assert_msg(strstr(man, "The cap is per process, not per user: a user who starts N "
			     "copies"), "the manual does not say what is true");
	ck_assert_ptr_nonnull(strstr(man, "at most 32 MiB of kernel memory"));
	free(man);
	restricted_argv(argv, NULL, args);
	for (int i = 0; i < 2; i++) {
		bg_start(&b[i], argv);
		bg_wait_for(&b[i], &b[i].r.err, READY);
		bg_wait_for(&b[i], &b[i].r.err, "\n");
	}
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(kill(b[i].pid, SIGTERM), 0);
		bg_finish(&b[i], &r);
		ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
		ck_assert_msg(strstr(r.err, "taskstats-cli: restricted: --rcvbuf lowered to 16 MiB\n"),
			      "%s", r.err);
		ck_assert_msg(strstr(r.err, READY "0-"), "%s", r.err);
		ck_assert_msg(strstr(r.err, " (receive buffer 32.0 MiB)\n"), "%s", r.err);
		run_free(&r);
	}
}
END_TEST

/*
 * Out of descriptors in restricted mode, the ownership check of one's own
 * task cannot be made: an error (status 5), not "belongs to another user".
 * RLIMIT_NOFILE 5: the netlink socket is 3, /proc/PID 4, its status file
 * finds no descriptor.
 */
TEST("restricted", test_restricted_out_of_descriptors)
{
	static const char script[] =
		"sleep 60 & p=$!\n"
		"prlimit --nofile=5 -- \"$1\" -p \"$p\"; r=$?\n"
		"kill \"$p\"; echo \"status $r pid $p\"\n";
	char want[128];
	struct run r;
	int pid = 0;

	if (!cap_ready("test_restricted_out_of_descriptors"))
		return;
	if (access("/usr/bin/prlimit", X_OK) != 0) {
		fprintf(stderr, "test_restricted_out_of_descriptors: no prlimit(1), not checked\n");
		return;
	}
	{
		char *argv[] = { (char *)SETPRIV, (char *)"--reuid=65534", (char *)"--regid=65534",
				 (char *)"--clear-groups", (char *)"--", (char *)"/bin/sh",
				 (char *)"-c", (char *)script, (char *)"sh", cap_cli, NULL };

		run_argv_closed(&r, argv);
	}
	ck_assert_msg(sscanf(r.out, "status 5 pid %d", &pid) == 1, "out: %s\nerr: %s", r.out,
		      r.err);
	ck_assert_str_eq(r.err, fmt(want, sizeof(want), "taskstats-cli: cannot query PID %d: "
				    "Too many open files\n", pid));
	run_free(&r);
}
END_TEST

/* -- COMMAND as nobody: the command gets no capability at all. */
TEST("restricted", test_restricted_command)
{
	struct run r;

	if (!cap_ready("test_restricted_command"))
		return;
	run_restricted(&r, (const char *const[]){ "TSTATS_PROBE=kept", NULL },
		       (const char *const[]){ "--compact", "--", "/bin/sh", "-c",
					      "grep -E '^(CapPrm|CapEff|NoNewPrivs)' "
					      "/proc/self/status; echo \"$TSTATS_PROBE\"", NULL });
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_str_eq(r.out, "CapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n"
			 "NoNewPrivs:\t1\nkept\n");
	/* The report (stderr) is nobody's command. */
	ck_assert_ptr_nonnull(strstr(r.err, "\"uid\":65534"));
	run_free(&r);
}
END_TEST

/*
 * A set-user-ID root install: back to nobody's ids (a file it names is
 * opened as nobody), CAP_NET_ADMIN alone, the same refusals (--check's
 * JSON: tests/cli/test_restricted.py).
 */
TEST("restricted", test_restricted_setuid)
{
	char suid[4300], denied[4300];
	char *argv[] = { (char *)SETPRIV, (char *)"--reuid=65534", (char *)"--regid=65534",
			 (char *)"--clear-groups", (char *)"--", suid, NULL, NULL, NULL, NULL };
	struct statvfs sv;
	struct run r;
	int in, out;

	if (!cap_ready("test_restricted_setuid"))
		return;
	ck_assert_int_eq(statvfs(cap_dir, &sv), 0);
	if (sv.f_flag & ST_NOSUID) {
		fprintf(stderr, "test_restricted_setuid: nosuid file system, not checked\n");
		return;
	}
	fmt(suid, sizeof(suid), "%s-suid", cap_cli);
	in = open(cap_cli, O_RDONLY | O_CLOEXEC);
	out = open(suid, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	ck_assert_int_ge(in, 0);
	ck_assert_int_ge(out, 0);
	ck_assert_int_gt(copy_file_range(in, NULL, out, NULL, 64 << 20, 0), 0);
	close(in);
	ck_assert_int_eq(fchmod(out, 04755), 0);
	close(out);

	argv[6] = (char *)"-p";
	argv[7] = (char *)"1";
	run_argv(&r, false, argv);
	ck_assert_msg(r.status == 3, "exit %d: %s", r.status, r.err);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, MSG_OTHER_USER("PID 1"));
	run_free(&r);

	/* Root could create a file in the copy's directory; nobody cannot. */
	fmt(denied, sizeof(denied), "--output-file=%s/denied", cap_dir);
	argv[6] = denied;
	argv[7] = (char *)"--check";
	run_argv(&r, false, argv);
	ck_assert_msg(r.status == 5, "exit %d: %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "/denied: Permission denied\n"));
	run_free(&r);
	ck_assert_int_eq(unlink(suid), 0);
}
END_TEST

/*
 * The environment is ignored: TZ names the zone of the start time in the
 * report, NLCB=debug would make libnl print its messages, and NLDBG=4
 * its debug lines with heap addresses (read by libnl's constructor,
 * before main()).
 */
TEST("restricted", test_restricted_env)
{
	static const char script[] =
		"sleep 60 & p=$!\n"
		"env TZ=TSTZ-3 NLCB=debug NLDBG=4 LC_ALL=C.UTF-8 \"$1\" -p \"$p\"; r=$?\n"
		"kill \"$p\"; exit $r\n";
	char *argv[] = { (char *)"/usr/bin/env", (char *)"TZ=TSTZ-3", (char *)"NLCB=debug",
			 (char *)cli_path(), (char *)"-p", (char *)"1", NULL };
	struct run r;

	if (!cap_ready("test_restricted_env"))
		return;
	/* Unrestricted, TZ counts. */
	run_argv(&r, false, argv);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.out, " TSTZ\n"), "TZ ignored without restriction:\n%.900s",
		      r.out);
	ck_assert_str_eq(r.err, "");
	run_free(&r);

	run_restricted_sh(&r, script);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "\n  started           "));
	ck_assert_msg(!strstr(r.out, "TSTZ"), "TZ used:\n%.900s", r.out);
	ck_assert_str_eq(r.err, "");
	run_free(&r);
}
END_TEST

/*
 * The cases: "huge" has 100,000 ids, a minute and a half under
 * AddressSanitizer on a busy machine, where 60 s (the default) is not
 * enough; "restricted" makes its capability copy once for the case (its
 * directory is made and removed by the parent, also with CK_FORK=no);
 * "all" holds the reports of helpers too, where teardown_all() kills them.
 */
static const struct check_case check_cases[] = {
	{ .suite = "cli", .name = "report", .setup = setup, .teardown = teardown },
	{ .suite = "cli", .name = "json", .setup = setup, .teardown = teardown },
	{ .suite = "cli", .name = "hostile", .setup = setup, .teardown = teardown },
	{ .suite = "cli", .name = "errors", .setup = setup, .teardown = teardown },
	{ .suite = "cli", .name = "huge", .setup = setup, .teardown = teardown, .timeout = 240 },
	{ .suite = "cli", .name = "check", .setup = setup, .teardown = teardown },
	{ .suite = "cli", .name = "restricted", .setup_once = cap_setup, .teardown_once = cap_teardown,
	  .setup = setup, .teardown = teardown_restricted },
	{ .suite = "cli", .name = "docs", .setup = setup, .teardown = teardown },
	{ .suite = "cli", .name = "listen", .setup = setup, .teardown = teardown_bg, .timeout = 300 },
	{ .suite = "cli", .name = "run", .setup = setup, .teardown = teardown_bg },
	{ .suite = "cli", .name = "all", .setup = setup, .teardown = teardown_all, .timeout = 300 },
};

int main(void)
{
	return CHECK_RUN(check_cases, NULL) ? EXIT_FAILURE : EXIT_SUCCESS;
}
