/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroupstats: task counts by state for one cgroup v1 directory.
 *
 * The request carries a descriptor of the directory; the kernel looks it up
 * in our descriptor table while it handles the sendto(2), so the query is
 * synchronous like a taskstats query, over the context's socket and
 * receive buffer. Unlike those it asks for an ACK: for a descriptor that
 * names no file the kernel's handler returns 0 without a reply
 * (kernel/taskstats.c, cgroupstats_user_cmd()), so the only sign of an
 * answered request is the ACK. A successful exchange is thus the data
 * message, then the ACK; a failed one is one NLMSG_ERROR.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include <linux/netlink.h>

#include "internal.h"

#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

struct cgs_state {
	uint32_t seq;
	uint32_t portid;
	struct tstats_cgroupstats stats;
	bool have_data;
	bool truncated;	/* a datagram was larger than the buffer */
	int result;	/* 1 while waiting for the ACK or an error */
};

static int on_cgs_msg(const struct codec_msg *m, void *userdata)
{
	struct cgs_state *q = userdata;
	int r;

	/* Stale answers (to a request that timed out) and exit events. */
	if (m->seq != q->seq || m->portid != q->portid)
		return 0;
	if (m->cls == MSG_ERROR) {
		/*
		 * The ACK ends the exchange. Without data before it, the
		 * kernel found no file behind the descriptor.
		 */
		if (m->error)
			q->result = m->error;
		else if (q->have_data)
			q->result = 0;
		else
			q->result = q->truncated ? -EMSGSIZE : -EBADF;
		return 1;
	}
	if (m->cls != MSG_DATA || q->have_data)
		return 0;
	if (m->cmd != CGS_CMD_NEW) {
		q->result = -EBADMSG;
		return 1;
	}
	r = codec_parse_cgroupstats(m->attrs, m->attrs_len, &q->stats);
	if (r < 0) {
		q->result = r;
		return 1;
	}
	q->have_data = true;
	return 0;
}

/* The kernel's EINVAL covers every refusal; tell the common ones apart. */
static int explain_einval(int fd)
{
	struct statfs sfs;
	struct stat st;

	if (fstatfs(fd, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
		return -EOPNOTSUPP;
	if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return -EINVAL;
}

TSTATS_EXPORT int tstats_query_cgroup_fd(struct tstats_ctx *ctx, int fd,
					 struct tstats_cgroupstats *ret)
{
	struct transport *t;
	struct cgs_state q = { .result = 1 };
	uint32_t fd32 = (uint32_t)fd;
	uint8_t *rbuf;
	size_t rcap;
	int r;

	if (!ctx || !ret)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	t = ctx_transport(ctx);
	q.seq = ctx_seq_block(ctx, 1);
	q.portid = t->portid;
	/*
	 * NLM_F_ACK: for a descriptor that names no open file the kernel
	 * returns success without a reply (kernel/taskstats.c,
	 * cgroupstats_user_cmd()); only the ACK then says the request was
	 * handled. The kernel looks fd up in our table during the send.
	 */
	r = request_send(t, q.seq, CGS_CMD_GET, NLM_F_ACK, CGS_CMD_ATTR_FD, &fd32, sizeof(fd32));
	if (r < 0)
		return r;

	rbuf = ctx->rbuf;
	rcap = ctx->rcap;
	while (q.result == 1) {
		ssize_t n = t->ops->recv(t->impl, rbuf, rcap, 0);

		if (n == -EAGAIN) {
			/* The data came but its ACK did not: the answer
			 * stands. */
			if (q.have_data)
				break;
			return -ETIMEDOUT;
		}
		if (n < 0)
			return (int)n;
		/* Our answers are 64 and 36 bytes, far below the buffer;
		 * should a larger datagram have been ours, say so. */
		if ((size_t)n > rcap) {
			q.truncated = true;
			continue;
		}
		r = codec_walk(rbuf, (size_t)n, t->family, on_cgs_msg, &q);
		if (r < 0)
			return r;
	}
	if (q.result == -EINVAL)
		return explain_einval(fd);
	if (q.result < 0)
		return q.result;
	*ret = q.stats;
	return 0;
}

TSTATS_EXPORT int tstats_query_cgroup(struct tstats_ctx *ctx, const char *path,
				      struct tstats_cgroupstats *ret)
{
	int fd, r;

	if (!ctx || !path || !ret)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = tstats_query_cgroup_fd(ctx, fd, ret);
	close(fd);
	return r;
}
