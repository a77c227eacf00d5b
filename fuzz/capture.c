/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Captures real kernel replies for the reply fuzz corpus. Runs single
 * queries, a batch, refused ones and an exit listener against the running
 * kernel over a transport that writes each datagram it receives, as it
 * came, to DIR/real-<what>-<n>. Exit messages are kept only when they are
 * of this program's own children. Needs CAP_NET_ADMIN (run as root).
 *
 *   fuzz-capture DIR [TAG]
 *
 * With a TAG (e.g. "linux6.1.176", as scripts/test-kernels.sh passes for each
 * kernel it boots) the files are DIR/real-TAG-<what>-<n>, and only what
 * differs between kernel eras is captured: the PID and TGID replies of
 * this process and the exit messages of the two children.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

struct recorder {
	struct transport inner;
	const char *what;	/* file name part */
	unsigned int n;		/* datagrams written */
	int fd;			/* >= 0: the only file to write, already open */
	bool children_only;	/* exit listener: keep our children's exits */
};

static const char *outdir;
static const char *tag;		/* "" or "TAG-" */
static pid_t kids[2];

static int is_ours(const struct codec_msg *m, void *userdata)
{
	struct codec_reply rep;
	bool *keep = userdata;

	if (m->cls == MSG_ERROR)
		*keep = true;	/* the registration's ACK */
	if (m->cls != MSG_DATA || codec_parse_new(m->attrs, m->attrs_len, &rep) < 0)
		return 0;
	for (int i = 0; i < 2; i++) {
		struct tstats_record r;

		if (rep.tgid.found && rep.tgid.id == (uint32_t)kids[i])
			*keep = true;
		if (rep.pid.found && codec_decode(rep.pid.stats, rep.pid.stats_len,
						  TSTATS_KIND_PID, 0, &r) == 0 &&
		    r.value[TSTATS_F_TGID] == (uint64_t)kids[i])
			*keep = true;
	}
	/* Before struct v12 no record names its TGID: the children's threads
	 * are known by the names they inherit. */
	if (rep.pid.found && !*keep) {
		struct tstats_record r;

		if (codec_decode(rep.pid.stats, rep.pid.stats_len, TSTATS_KIND_PID, 0, &r) == 0 &&
		    !tstats_record_has(&r, TSTATS_F_TGID) && tstats_record_comm(&r) &&
		    strncmp(tstats_record_comm(&r), "capture-", 8) == 0)
			*keep = true;
	}
	return 0;
}

static void save(struct recorder *rc, const void *buf, size_t len)
{
	char path[4096];
	bool keep = !rc->children_only;
	int fd = rc->fd;

	if (rc->children_only)
		codec_walk(buf, len, rc->inner.family, is_ours, &keep);
	if (!keep)
		return;
	rc->n++;
	if (fd < 0) {
		snprintf(path, sizeof(path), "%s/real-%s%s-%u", outdir, tag, rc->what, rc->n);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	}
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len) {
		perror("capture: write");
		exit(1);
	}
	if (fd != rc->fd)
		close(fd);
	printf("  %s%s-%u: %zu bytes\n", tag, rc->what, rc->n, len);
}

static int rec_send(void *impl, const void *buf, size_t len)
{
	struct recorder *rc = impl;

	return rc->inner.ops->send(rc->inner.impl, buf, len);
}

static ssize_t rec_recv(void *impl, void *buf, size_t cap, int flags)
{
	struct recorder *rc = impl;
	ssize_t r = rc->inner.ops->recv(rc->inner.impl, buf, cap, flags);

	if (r > 0 && (size_t)r <= cap)
		save(rc, buf, (size_t)r);
	return r;
}

static int rec_recv_many(void *impl, void *buf, size_t slot, unsigned int n, size_t *lens,
			 int flags)
{
	struct recorder *rc = impl;
	int r = rc->inner.ops->recv_many(rc->inner.impl, buf, slot, n, lens, flags);

	for (int i = 0; i < r; i++)
		if (lens[i] <= slot)
			save(rc, (uint8_t *)buf + (size_t)i * slot, lens[i]);
	return r;
}

static int rec_set_timeout(void *impl, unsigned int msec)
{
	struct recorder *rc = impl;

	return rc->inner.ops->set_timeout(rc->inner.impl, msec);
}

static int rec_set_rcvbuf(void *impl, int bytes)
{
	struct recorder *rc = impl;

	return rc->inner.ops->set_rcvbuf(rc->inner.impl, bytes);
}

static int rec_get_fd(void *impl)
{
	struct recorder *rc = impl;

	return rc->inner.ops->get_fd(rc->inner.impl);
}

static int rec_get_rcvbuf(void *impl)
{
	struct recorder *rc = impl;

	return rc->inner.ops->get_rcvbuf(rc->inner.impl);
}

static void rec_close(void *impl)
{
	struct recorder *rc = impl;

	rc->inner.ops->close(rc->inner.impl);
}

static const struct transport_ops rec_ops = {
	.send = rec_send,
	.recv = rec_recv,
	.set_timeout = rec_set_timeout,
	.set_rcvbuf = rec_set_rcvbuf,
	.get_fd = rec_get_fd,
	.recv_many = rec_recv_many,
	.get_rcvbuf = rec_get_rcvbuf,
	.close = rec_close,
};

/* A recording transport over a new netlink socket. */
static struct transport recorder_open(struct recorder *rc, const char *what)
{
	struct transport t;
	int r;

	memset(rc, 0, sizeof(*rc));
	rc->what = what;
	rc->fd = -1;
	r = transport_open_netlink(&rc->inner);
	if (r < 0) {
		fprintf(stderr, "capture: netlink: %s\n", strerror(-r));
		exit(1);
	}
	t = rc->inner;
	t.ops = &rec_ops;
	t.impl = rc;
	printf("%s (family %u, port %u)\n", what, t.family, t.portid);
	return t;
}

static struct tstats_ctx *ctx_open(struct recorder *rc, const char *what)
{
	struct transport t = recorder_open(rc, what);
	struct tstats_ctx *ctx;
	int r = ctx_new_with_transport(&t, &ctx);

	if (r < 0) {
		fprintf(stderr, "capture: context: %s\n", strerror(-r));
		exit(1);
	}
	return ctx;
}

static void query(const char *what, unsigned int kind, uint32_t id, int want)
{
	struct recorder rc;
	struct tstats_ctx *ctx = ctx_open(&rc, what);
	struct tstats_record rec;
	int r = tstats_query(ctx, kind, id, &rec);

	if (r != want)
		fprintf(stderr, "capture: %s: %d, expected %d\n", what, r, want);
	tstats_ctx_free(ctx);
}

static pid_t reaped_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

/* An unprivileged query's EPERM, captured by a child as nobody. */
static void query_eperm(void)
{
	char path[4096];
	int status;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/real-query-eperm-1", outdir);
	pid = fork();
	if (pid == 0) {
		struct recorder rc;
		struct tstats_ctx *ctx = ctx_open(&rc, "query-eperm");
		struct tstats_record rec;

		rc.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (rc.fd < 0 || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(1);
		_exit(tstats_query(ctx, TSTATS_KIND_PID, 1, &rec) == -EPERM ? 0 : 2);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		fprintf(stderr, "capture: query-eperm: child status %#x\n", status);
}

static void batch(void)
{
	uint32_t ids[4] = { (uint32_t)getpid(), 1, (uint32_t)reaped_pid(), (uint32_t)getppid() };
	struct tstats_record recs[4];
	int errs[4];
	struct recorder rc;
	struct tstats_ctx *ctx = ctx_open(&rc, "batch");
	int r = tstats_query_batch(ctx, TSTATS_KIND_PID, ids, 4, recs, errs);

	if (r != 3)
		fprintf(stderr, "capture: batch: %d records, expected 3\n", r);
	tstats_ctx_free(ctx);
}

#ifdef CGS_CMD_NEW
/* cgroupstats of a directory: the kernel's answer for whatever it is. */
static void cgroup(const char *what, const char *path)
{
	struct recorder rc;
	struct tstats_ctx *ctx = ctx_open(&rc, what);
	struct tstats_cgroupstats cgs;

	tstats_query_cgroup(ctx, path, &cgs);
	tstats_ctx_free(ctx);
}
#endif

/* A registration the kernel refuses: a cpulist it cannot parse. */
static void register_refused(const char *what, const char *cpulist)
{
	struct recorder rc;
	struct transport t = recorder_open(&rc, what);
	struct tstats_listener *l;
	int r = listener_new_with_transport(&t, cpulist, &l);

	if (r >= 0) {
		fprintf(stderr, "capture: %s: registered\n", what);
		tstats_listener_free(l);
		return;
	}
	t.ops->close(t.impl);
}

static void *nap_thread(void *arg)
{
	usleep(20000);
	return arg;
}

/* Counts the group exits of our children: 0 to go on, 1 when both came.
 * A child's main thread leaves last (it joined the others); its record is
 * the group's end also on kernels that do not flag it (no AGROUP on 5.10). */
static int on_exit_rec(const struct tstats_record *rec, void *userdata)
{
	int *groups = userdata;

	for (int i = 0; i < 2; i++)
		if (rec->kind == TSTATS_KIND_PID && rec->id == (uint32_t)kids[i])
			++*groups;
	return *groups == 2;
}

static void exits(void)
{
	struct recorder rc;
	struct transport t = recorder_open(&rc, "exit");
	struct tstats_listener *l;
	char *cpus = NULL;
	int groups = 0, r;

	rc.children_only = true;
	r = cpulist_normalize(NULL, NULL, &cpus, NULL);
	if (r == 0)
		r = listener_new_with_transport(&t, cpus, &l);
	free(cpus);
	if (r < 0) {
		fprintf(stderr, "capture: listener: %s\n", strerror(-r));
		t.ops->close(t.impl);
		return;
	}
	/* One single-threaded child, one with two more threads. */
	for (int i = 0; i < 2; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			pthread_t th[2];

			prctl(PR_SET_NAME, i ? "capture-mt" : "capture-st");
			for (int k = 0; i && k < 2; k++)
				if (pthread_create(&th[k], NULL, nap_thread, NULL) ||
				    pthread_join(th[k], NULL))
					_exit(100);
			_exit(3 + i);
		}
		waitpid(kids[i], NULL, 0);
	}
	r = tstats_listener_run(l, 2000, on_exit_rec, NULL, &groups);
	if (r < 0 || groups != 2)
		fprintf(stderr, "capture: exits: %d, %d of 2 groups seen\n", r, groups);
	tstats_listener_free(l);
}

int main(int argc, char **argv)
{
	char prefix[64];

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: %s DIR [TAG]\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	snprintf(prefix, sizeof(prefix), "%s%s", argc == 3 ? argv[2] : "", argc == 3 ? "-" : "");
	tag = prefix;
	setvbuf(stdout, NULL, _IOLBF, 0);
	query("query-pid-self", TSTATS_KIND_PID, (uint32_t)getpid(), 0);
	query("query-tgid-self", TSTATS_KIND_TGID, (uint32_t)getpid(), 0);
	if (argc == 3) {
		exits();
		return 0;
	}
	query("query-pid-1", TSTATS_KIND_PID, 1, 0);
	query("query-tgid-1", TSTATS_KIND_TGID, 1, 0);
	query("query-esrch", TSTATS_KIND_PID, (uint32_t)reaped_pid(), -ESRCH);
	query_eperm();
	batch();
	register_refused("register-einval", "zz");
#ifdef CGS_CMD_NEW
	cgroup("cgroup-v1", "/sys/fs/cgroup/cpu");
	cgroup("cgroup-v2", "/sys/fs/cgroup/unified");
#endif
	exits();
	return 0;
}
