/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroupstats. "unit": the exchange against the fake kernel (fakekernel.h:
 * data + ACK, ACK only, errors, stale and malformed answers). "live": the real kernel
 * on a named cgroup v1 hierarchy this suite mounts itself, with children
 * moved into a cgroup of its own, and on a cgroup v2 mount. The live half
 * exits 77 (skip) only when no cgroup hierarchy can be mounted here
 * (EPERM, ENODEV) or the kernel has no TASKSTATS family.
 */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/netlink.h>

#include "internal.h"
#include "fakekernel.h"
#include "probe.h"
#include "nlbuild.h"
#include "check-main.h"

static struct fake_kernel *fk;
static struct tstats_ctx *ctx;

#define SCRIPT(...) FK_SCRIPT(fk, __VA_ARGS__)

/* A directory to name: the fake kernel never looks at it, but the
 * library's explanation of an EINVAL does. */
static int dirfd_root;

static void unit_setup(void)
{
	struct transport t;

	fk = fk_new();
	t = fk_transport(fk, 0);
	ck_assert_int_eq(ctx_new_with_transport(&t, &ctx), 0);
	dirfd_root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dirfd_root, 0);
}

static void unit_teardown(void)
{
	tstats_ctx_free(ctx);
	ctx = NULL;
	fk_free(fk);
	fk = NULL;
	close(dirfd_root);
}

static void expect_stats(const struct tstats_cgroupstats *s, uint32_t len)
{
	ck_assert_uint_eq(s->nr_sleeping, 11);
	ck_assert_uint_eq(s->nr_running, 22);
	ck_assert_uint_eq(s->nr_stopped, 33);
	ck_assert_uint_eq(s->nr_uninterruptible, 44);
	ck_assert_uint_eq(s->nr_io_wait, 55);
	ck_assert_uint_eq(s->payload_len, len);
	ck_assert_uint_eq(s->reserved, 0);
}

TEST("fake-kernel", unit_reply_then_ack)
{
	struct tstats_cgroupstats s;

	SCRIPT(FK_CG_DATA, FK_ACK);
	ck_assert_int_eq(tstats_query_cgroup_fd(ctx, dirfd_root, &s), 0);
	expect_stats(&s, 40);
	ck_assert_uint_eq(fk->sends, 1);
	ck_assert_int_eq(fk->pos, 2);	/* the ACK was drained too */
	ck_assert_uint_eq(fk->last.cmd, CGS_CMD_GET);
	ck_assert_uint_eq(fk->last.flags, NLM_F_REQUEST | NLM_F_ACK);
	ck_assert_uint_eq(fk->last.id, (uint32_t)dirfd_root);

	SCRIPT(FK_CG_DATA_ACK);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(tstats_query_cgroup_fd(ctx, dirfd_root, &s), 0);
	expect_stats(&s, 40);
	ck_assert_int_eq(fk->pos, 1);
}
END_TEST

TEST("fake-kernel", unit_path_opens_a_directory)
{
	struct tstats_cgroupstats s;

	SCRIPT(FK_CG_DATA, FK_ACK);
	ck_assert_int_eq(tstats_query_cgroup(ctx, "/", &s), 0);
	expect_stats(&s, 40);
	/* The descriptor sent was the library's own, closed since. */
	ck_assert_int_eq(fcntl((int)fk->last.id, F_GETFD), -1);
	ck_assert_int_eq(errno, EBADF);

	/* Refused before anything is sent. */
	SCRIPT(FK_ACK);
	ck_assert_int_eq(tstats_query_cgroup(ctx, "/nonexistent/tstats", &s), -ENOENT);
	ck_assert_int_eq(tstats_query_cgroup(ctx, "/proc/self/status", &s), -ENOTDIR);
	ck_assert_uint_eq(fk->sends, 0);
}
END_TEST

TEST("fake-kernel", unit_ack_only_is_ebadf)
{
	struct tstats_cgroupstats s;

	/* What the kernel sends for a descriptor with no file: the ACK
	 * alone. The call must end there, not wait for data. */
	memset(&s, 0x5a, sizeof(s));
	SCRIPT(FK_ACK);
	ck_assert_int_eq(tstats_query_cgroup_fd(ctx, dirfd_root, &s), -EBADF);
	ck_assert_int_eq(fk->pos, 1);
	ck_assert_uint_eq(s.nr_sleeping, 0x5a5a5a5a5a5a5a5aull);	/* untouched */
}
END_TEST

TEST("fake-kernel", unit_einval_explained)
{
	struct tstats_cgroupstats s;
	static const enum fk_step e = FK_ERROR;
	static const int einval = -EINVAL;
	int fd;

	/* A directory outside any cgroup file system: the kernel's EINVAL. */
	fk_script(fk, 1, &e, &einval);
	ck_assert_int_eq(tstats_query_cgroup_fd(ctx, dirfd_root, &s), -EINVAL);
	ck_assert_int_eq(fk->pos, 1);

	/* Not a directory: told apart. */
	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	fk_script(fk, 1, &e, &einval);
	ck_assert_int_eq(tstats_query_cgroup_fd(ctx, fd, &s), -ENOTDIR);
	close(fd);
}
END_TEST

TEST("fake-kernel", unit_kernel_errno_kept)
{
	static const int errs[] = { -ENOENT, -EPERM, -ENOMEM, -ERANGE, -EOPNOTSUPP };
	struct tstats_cgroupstats s;

	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		enum fk_step st = FK_ERROR;

		fk_script(fk, 1, &st, &errs[i]);
		ck_assert_int_eq(tstats_query_cgroup_fd(ctx, dirfd_root, &s), errs[i]);
		ck_assert_int_eq(fk->pos, 1);
	}
}
END_TEST

TEST("fake-kernel", unit_timeout_and_socket_errors)
{
	struct tstats_cgroupstats s;

	memset(&s, 0x5a, sizeof(s));
	SCRIPT(FK_TIMEOUT);
	ck_assert_int_eq(tstats_query_cgroup_fd(ctx, dirfd_root, &s), -ETIMEDOUT);
	ck_assert_uint_eq(s.nr_running, 0x5a5a5a5a5a5a5a5aull);
	SCRIPT(FK_ENOBUFS);
	ck_assert_int_eq(tstats_query_cgroup_fd(ctx, dirfd_root, &s), -ENOBUFS);

	/* The data came, its ACK did not: the data stands. */
	SCRIPT(FK_CG_DATA, FK_TIMEOUT);
	ck_assert_int_eq(tstats_query_cgroup_fd(ctx, dirfd_root, &s), 0);
	expect_stats(&s, 40);

	/* A datagram 100 bytes too large for the buffer, then an ACK: not
	 * EBADF. */
	{
		static const enum fk_step st[] = { FK_TRUNCATED, FK_ACK };
		static const int excess[] = { 100, 0 };

		fk_script(fk, 2, st, excess);
	}
	ck_assert_int_eq(tstats_query_cgroup_fd(ctx, dirfd_root, &s), -EMSGSIZE);
}
END_TEST

TEST("fake-kernel", unit_stale_and_foreign_skipped)
{
	struct tstats_cgroupstats s;

	SCRIPT(FK_CG_STALE, FK_CG_FOREIGN, FK_CG_DATA, FK_ACK);
	ck_assert_int_eq(tstats_query_cgroup_fd(ctx, dirfd_root, &s), 0);
	expect_stats(&s, 40);
	ck_assert_int_eq(fk->pos, 4);
}
END_TEST

TEST("fake-kernel", unit_payload_sizes)
{
	struct tstats_cgroupstats s;

	SCRIPT(FK_CG_LONG, FK_ACK);
	ck_assert_int_eq(tstats_query_cgroup_fd(ctx, dirfd_root, &s), 0);
	expect_stats(&s, 48);
	SCRIPT(FK_CG_UNKNOWN_ATTR, FK_ACK);
	ck_assert_int_eq(tstats_query_cgroup_fd(ctx, dirfd_root, &s), 0);
	expect_stats(&s, 40);

	memset(&s, 0x5a, sizeof(s));
	SCRIPT(FK_CG_SHORT);
	ck_assert_int_eq(tstats_query_cgroup_fd(ctx, dirfd_root, &s), -EBADMSG);
	SCRIPT(FK_CG_NO_STATS);
	ck_assert_int_eq(tstats_query_cgroup_fd(ctx, dirfd_root, &s), -EBADMSG);
	SCRIPT(FK_CG_TWO_STATS);
	ck_assert_int_eq(tstats_query_cgroup_fd(ctx, dirfd_root, &s), -EBADMSG);
	SCRIPT(FK_CG_WRONG_CMD);
	ck_assert_int_eq(tstats_query_cgroup_fd(ctx, dirfd_root, &s), -EBADMSG);
	ck_assert_uint_eq(s.nr_io_wait, 0x5a5a5a5a5a5a5a5aull);
}
END_TEST

TEST("fake-kernel", unit_codec_unaligned)
{
	uint8_t raw[4 + 4 + 40 + 8];
	struct tstats_cgroupstats s;
	uint16_t l = 4 + 40, t = CGS_TYPE_CGROUP_STATS;

	/* The attribute parser takes any alignment (memcpy, never a cast). */
	memset(raw, 0, sizeof(raw));
	memcpy(raw + 1, &l, 2);
	memcpy(raw + 3, &t, 2);
	for (int i = 0; i < 5; i++)
		memcpy(raw + 5 + 8 * i, &fk_cgroup_want[i], 8);
	ck_assert_int_eq(codec_parse_cgroupstats(raw + 1, 44, &s), 0);
	expect_stats(&s, 40);
	/* Truncated attribute: nla_len past the buffer. */
	ck_assert_int_eq(codec_parse_cgroupstats(raw + 1, 40, &s), -EBADMSG);
	ck_assert_int_eq(codec_parse_cgroupstats(raw + 1, 0, &s), -EBADMSG);
}
END_TEST

TEST("fake-kernel", unit_mixed_with_taskstats_queries)
{
	struct tstats_cgroupstats s;
	struct tstats_record r;

	SCRIPT(FK_REPLY);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 77, &r), 0);
	ck_assert_uint_eq(r.id, 77);
	SCRIPT(FK_CG_DATA_ACK);
	ck_assert_int_eq(tstats_query_cgroup_fd(ctx, dirfd_root, &s), 0);
	SCRIPT(FK_REPLY);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 78, &r), 0);
	ck_assert_uint_eq(r.id, 78);
}
END_TEST

TEST("fake-kernel", unit_bad_arguments)
{
	struct tstats_cgroupstats s;

	SCRIPT(FK_ACK);
	ck_assert_int_eq(tstats_query_cgroup_fd(NULL, dirfd_root, &s), -EINVAL);
	ck_assert_int_eq(tstats_query_cgroup_fd(ctx, dirfd_root, NULL), -EINVAL);
	ck_assert_int_eq(tstats_query_cgroup_fd(ctx, -1, &s), -EBADF);
	ck_assert_int_eq(tstats_query_cgroup(NULL, "/", &s), -EINVAL);
	ck_assert_int_eq(tstats_query_cgroup(ctx, NULL, &s), -EINVAL);
	ck_assert_int_eq(tstats_query_cgroup(ctx, "/", NULL), -EINVAL);
	ck_assert_uint_eq(fk->sends, 0);
}
END_TEST

/*
 * Live kernel
 */
#define HIER_NAME "tstatstest"

static char v1_dir[64];		/* our named v1 hierarchy's mount point */
static char v2_dir[64];		/* our cgroup v2 mount point, if any */
static bool v1_mounted, v2_mounted;
static char child_cg[128];	/* the running test's cgroup in v1_dir */

static int live_probe_and_mount(void)
{
	int e = probe_family();	/* cgroupstats needs no privilege */

	if (e)
		return e;

	snprintf(v1_dir, sizeof(v1_dir), "/tmp/tstats-cgv1-XXXXXX");
	if (!mkdtemp(v1_dir)) {
		perror("mkdtemp");
		return 1;
	}
	/* A named hierarchy without controllers: nothing else is bound to
	 * it, so mounting never conflicts with the host's cgroups. */
	if (mount("none", v1_dir, "cgroup", 0, "none,name=" HIER_NAME) < 0) {
		int err = errno;

		rmdir(v1_dir);
		if (err == EPERM || err == ENODEV) {
			fprintf(stderr, "SKIP: cannot mount a cgroup v1 hierarchy (%s)\n",
				strerror(err));
			return 77;
		}
		fprintf(stderr, "mount cgroup v1 on %s: %s\n", v1_dir, strerror(err));
		return 1;
	}
	v1_mounted = true;

	snprintf(v2_dir, sizeof(v2_dir), "/tmp/tstats-cgv2-XXXXXX");
	if (!mkdtemp(v2_dir)) {
		perror("mkdtemp");
		return 1;
	}
	if (mount("none", v2_dir, "cgroup2", 0, NULL) < 0) {
		int err = errno;

		fprintf(stderr, "mount cgroup2 on %s: %s\n", v2_dir, strerror(err));
		rmdir(v2_dir);
		v2_dir[0] = '\0';
		return err == ENODEV ? 0 : 1;
	}
	v2_mounted = true;
	return 0;
}

/* Removes the cgroups below dir, deepest first; tasks left in them by a
 * failed test die with their parent (PR_SET_PDEATHSIG), so retry a while. */
static void remove_cgroups(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d))) {
		char sub[512];

		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		remove_cgroups(sub);
		for (int i = 0; i < 100 && rmdir(sub) < 0 && errno == EBUSY; i++)
			usleep(20000);
	}
	closedir(d);
}

/* Removes what the suite created, whatever happened to the tests. The
 * tests run in forked processes: what they made is found by looking. */
static void live_cleanup(void)
{
	if (v1_mounted) {
		remove_cgroups(v1_dir);
		if (umount(v1_dir) < 0)
			fprintf(stderr, "umount %s: %s\n", v1_dir, strerror(errno));
	}
	if (v1_dir[0])
		rmdir(v1_dir);
	if (v2_mounted && umount(v2_dir) < 0)
		fprintf(stderr, "umount %s: %s\n", v2_dir, strerror(errno));
	if (v2_dir[0])
		rmdir(v2_dir);
}

static void live_setup(void)
{
	ck_assert_int_eq(tstats_ctx_new(&ctx), 0);
	snprintf(child_cg, sizeof(child_cg), "%s/t%d", v1_dir, (int)getpid());
	ck_assert_msg(mkdir(child_cg, 0755) == 0, "mkdir %s: %s", child_cg, strerror(errno));
}

static void live_teardown(void)
{
	tstats_ctx_free(ctx);
	ctx = NULL;
	rmdir(child_cg);
}

/* A child that waits in pause(2), killed with us if we die. */
static pid_t spawn(bool spin)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		for (;;)
			if (spin)
				__asm__ volatile("" ::: "memory");
			else
				pause();
	}
	return pid;
}

static void move_to(const char *cg, pid_t pid)
{
	char path[192], buf[32];
	int fd, n;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	ck_assert_msg(write(fd, buf, (size_t)n) == n, "move %d: %s", (int)pid, strerror(errno));
	close(fd);
}

/* The state letter of /proc/PID/stat. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return '?';
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] && p[2] ? p[2] : '?';
}

static void wait_state(pid_t pid, char state)
{
	for (int i = 0; i < 500 && proc_state(pid) != state; i++)
		usleep(10000);
	ck_assert_msg(proc_state(pid) == state, "pid %d in state %c, not %c", (int)pid,
		      proc_state(pid), state);
}

static void reap(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
}

/*
 * Queries until the counts match (the kernel counts each task's state at
 * the moment of the query, and a woken task takes a moment to sleep
 * again), at most for about two seconds; the last answer is in *s.
 */
static bool counts_become(const char *cg, struct tstats_cgroupstats *s, uint64_t sleeping,
			  uint64_t running, uint64_t stopped)
{
	for (int i = 0; i < 200; i++) {
		ck_assert_int_eq(tstats_query_cgroup(ctx, cg, s), 0);
		if (s->nr_sleeping == sleeping && s->nr_running == running &&
		    s->nr_stopped == stopped && s->nr_uninterruptible == 0 &&
		    s->nr_io_wait == 0)
			return true;
		usleep(10000);
	}
	return false;
}

#define EXPECT_COUNTS(cg, s, sl, ru, st)					\
	ck_assert_msg(counts_become(cg, s, sl, ru, st),				\
		      "sleeping %llu running %llu stopped %llu D %llu io %llu, "	\
		      "want %d %d %d 0 0",					\
		      (unsigned long long)(s)->nr_sleeping,			\
		      (unsigned long long)(s)->nr_running,			\
		      (unsigned long long)(s)->nr_stopped,			\
		      (unsigned long long)(s)->nr_uninterruptible,		\
		      (unsigned long long)(s)->nr_io_wait, sl, ru, st)

TEST("live", live_sleeping_and_stopped)
{
	struct tstats_cgroupstats s;
	pid_t sleeper, stopped, spinner;
	int status;

	/* An empty cgroup. */
	EXPECT_COUNTS(child_cg, &s, 0, 0, 0);
	ck_assert_uint_eq(s.payload_len, 40);

	sleeper = spawn(false);
	stopped = spawn(false);
	ck_assert_int_eq(kill(stopped, SIGSTOP), 0);
	ck_assert_int_eq(waitpid(stopped, &status, WUNTRACED), stopped);
	ck_assert(WIFSTOPPED(status));
	move_to(child_cg, sleeper);
	move_to(child_cg, stopped);
	wait_state(sleeper, 'S');
	EXPECT_COUNTS(child_cg, &s, 1, 0, 1);

	/* A task that never sleeps is counted as running (runnable). */
	spinner = spawn(true);
	move_to(child_cg, spinner);
	EXPECT_COUNTS(child_cg, &s, 1, 1, 1);

	/* Continued, the stopped one sleeps in pause() again. */
	ck_assert_int_eq(kill(stopped, SIGCONT), 0);
	EXPECT_COUNTS(child_cg, &s, 2, 1, 0);

	reap(spinner);
	reap(sleeper);
	reap(stopped);
	EXPECT_COUNTS(child_cg, &s, 0, 0, 0);
}
END_TEST

TEST("live", live_hierarchy_root_counts_everyone)
{
	struct tstats_cgroupstats s;

	/* Every task of the system starts in a new hierarchy's root, this
	 * one included, running while it asks. */
	ck_assert_int_eq(tstats_query_cgroup(ctx, v1_dir, &s), 0);
	ck_assert_uint_ge(s.nr_running, 1);
	ck_assert_uint_ge(s.nr_sleeping, 1);
	ck_assert_uint_eq(s.payload_len, 40);
}
END_TEST

TEST("live", live_cgroup_v2_is_eopnotsupp)
{
	struct tstats_cgroupstats s;
	int fd;

	if (!v2_mounted) {
		/* Only where the kernel has no cgroup2 at all. */
		fprintf(stderr, "note: no cgroup2 file system here, v2 case not run\n");
		return;
	}
	memset(&s, 0x5a, sizeof(s));
	ck_assert_int_eq(tstats_query_cgroup(ctx, v2_dir, &s), -EOPNOTSUPP);
	ck_assert_uint_eq(s.nr_sleeping, 0x5a5a5a5a5a5a5a5aull);
	fd = open(v2_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(tstats_query_cgroup_fd(ctx, fd, &s), -EOPNOTSUPP);
	close(fd);
}
END_TEST

TEST("live", live_bad_paths_and_descriptors)
{
	struct tstats_cgroupstats s;
	struct timespec t0, t1;
	char path[192];
	int fd;

	ck_assert_int_eq(tstats_query_cgroup(ctx, "/nonexistent/tstats", &s), -ENOENT);
	snprintf(path, sizeof(path), "%s/tasks", child_cg);
	ck_assert_int_eq(tstats_query_cgroup(ctx, path, &s), -ENOTDIR);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(tstats_query_cgroup_fd(ctx, fd, &s), -ENOTDIR);
	close(fd);
	/* A directory that is not a cgroup: the kernel's EINVAL. */
	ck_assert_int_eq(tstats_query_cgroup(ctx, "/proc", &s), -EINVAL);

	/* A closed descriptor: the kernel sends only its ACK. The answer
	 * must come at once, not after the context's timeout. */
	fd = open("/", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(tstats_ctx_set_timeout(ctx, 3000), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(tstats_query_cgroup_fd(ctx, fd, &s), -EBADF);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_lt((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000,
			 1000);
	fd = open(child_cg, O_PATH | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(tstats_query_cgroup_fd(ctx, fd, &s), -EBADF);
	close(fd);

	/* The context still answers taskstats queries afterwards (when
	 * privileged) and cgroupstats ones. */
	ck_assert_int_eq(tstats_query_cgroup(ctx, child_cg, &s), 0);
}
END_TEST

TEST("live", live_removed_cgroup_is_enoent)
{
	struct tstats_cgroupstats s;
	char path[192];
	int fd, r = 0;

	snprintf(path, sizeof(path), "%s/gone", child_cg);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(tstats_query_cgroup_fd(ctx, fd, &s), 0);
	ck_assert_int_eq(rmdir(path), 0);
	/* The kernel takes the cgroup offline after an RCU grace period
	 * (tens of ms here); until then it still counts it. */
	for (int i = 0; i < 200 && (r = tstats_query_cgroup_fd(ctx, fd, &s)) == 0; i++)
		usleep(10000);
	ck_assert_int_eq(r, -ENOENT);
	close(fd);
}
END_TEST

TEST("live", live_needs_no_privilege)
{
	pid_t pid;
	int status, fd;

	/* Our temporary mount point is 0700: open before dropping. */
	fd = open(child_cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct tstats_cgroupstats s;
		struct tstats_ctx *c;

		if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
		    setresuid(65534, 65534, 65534) < 0)
			_exit(2);
		if (tstats_ctx_new(&c) < 0)
			_exit(3);
		if (tstats_query_cgroup_fd(c, fd, &s) < 0)
			_exit(4);
		tstats_ctx_free(c);
		_exit(s.payload_len == 40 ? 0 : 5);
	}
	close(fd);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
}
END_TEST

static const struct check_case check_cases[] = {
	{ .suite = "cgroup-unit", .name = "fake-kernel", .setup = unit_setup, .teardown = unit_teardown },
	{ .suite = "cgroup-live", .name = "live", .setup = live_setup, .teardown = live_teardown,
	  .timeout = 60 },
};

int main(int argc, char **argv)
{
	bool live = argc > 1 && strcmp(argv[1], "live") == 0;
	int failed;

	if (live) {
		int p = live_probe_and_mount();

		if (p) {
			live_cleanup();
			return p;
		}
	}
	failed = CHECK_RUN(check_cases, live ? "cgroup-live" : "cgroup-unit");
	if (live)
		live_cleanup();
	return failed;
}
