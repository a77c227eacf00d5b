/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The raw-syscall floor (see floor.h). Links nothing but libc. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "floor.h"

void die(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what,
		strerror(err < 0 ? -err : err));
	exit(1);
}

static const struct sockaddr_nl kernel_addr = { .nl_family = AF_NETLINK };

static void put_nla(uint8_t *p, uint16_t type, const void *data, uint16_t len)
{
	struct nlattr nla = { .nla_len = (uint16_t)(NLA_HDRLEN + len), .nla_type = type };

	memcpy(p, &nla, sizeof(nla));
	memcpy(p + NLA_HDRLEN, data, len);
}

/* CTRL_CMD_GETFAMILY "TASKSTATS" -> family id. */
static uint16_t raw_resolve(int fd)
{
	uint8_t buf[4096];
	struct nlmsghdr nlh = {
		.nlmsg_type = GENL_ID_CTRL,
		.nlmsg_flags = NLM_F_REQUEST,
		.nlmsg_seq = 1,
	};
	struct genlmsghdr gh = { .cmd = CTRL_CMD_GETFAMILY, .version = 1 };
	static const char name[] = "TASKSTATS";
	size_t off;
	ssize_t n;

	nlh.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + NLA_ALIGN(NLA_HDRLEN + sizeof(name));
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &nlh, sizeof(nlh));
	memcpy(buf + NLMSG_HDRLEN, &gh, sizeof(gh));
	put_nla(buf + NLMSG_HDRLEN + GENL_HDRLEN, CTRL_ATTR_FAMILY_NAME, name, sizeof(name));
	if (sendto(fd, buf, nlh.nlmsg_len, 0, (const struct sockaddr *)&kernel_addr,
		   sizeof(kernel_addr)) < 0)
		die("sendto", errno);
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < (ssize_t)(NLMSG_HDRLEN + GENL_HDRLEN))
		die("recv", n < 0 ? errno : EBADMSG);
	memcpy(&nlh, buf, sizeof(nlh));
	if (nlh.nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr e;

		memcpy(&e, buf + NLMSG_HDRLEN, sizeof(e));
		die("resolve TASKSTATS", e.error);
	}
	for (off = NLMSG_HDRLEN + GENL_HDRLEN; off + NLA_HDRLEN <= (size_t)n;) {
		struct nlattr nla;
		uint16_t id;

		memcpy(&nla, buf + off, sizeof(nla));
		if (nla.nla_len < NLA_HDRLEN)
			break;
		if ((nla.nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID) {
			memcpy(&id, buf + off + NLA_HDRLEN, sizeof(id));
			return id;
		}
		off += NLA_ALIGN(nla.nla_len);
	}
	die("resolve TASKSTATS", ENOENT);
	return 0;
}

void raw_open(struct raw *r)
{
	struct sockaddr_nl local = { .nl_family = AF_NETLINK };

	memset(r, 0, sizeof(*r));
	r->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (r->fd < 0)
		die("socket", errno);
	if (bind(r->fd, (struct sockaddr *)&local, sizeof(local)) < 0)
		die("bind", errno);
	r->family = raw_resolve(r->fd);
	for (int i = 0; i < PIPE_DEPTH; i++) {
		struct nlmsghdr nlh = {
			.nlmsg_len = REQ_LEN, .nlmsg_type = r->family, .nlmsg_flags = NLM_F_REQUEST,
		};
		struct genlmsghdr gh = { .cmd = TS_CMD_GET, .version = 1 };
		uint32_t zero = 0;

		memcpy(r->req[i], &nlh, sizeof(nlh));
		memcpy(r->req[i] + NLMSG_HDRLEN, &gh, sizeof(gh));
		put_nla(r->req[i] + NLMSG_HDRLEN + GENL_HDRLEN, TS_CMD_ATTR_PID, &zero, 4);
	}
}

/* One answer: 0 with the payload copied to r->stats, -errno, or 1 when
 * it is not the answer to seq. */
int raw_answer(struct raw *r, const uint8_t *buf, size_t len, uint32_t seq)
{
	struct nlmsghdr nlh;
	size_t off, end;

	if (len < NLMSG_HDRLEN)
		return -EBADMSG;
	memcpy(&nlh, buf, sizeof(nlh));
	if (nlh.nlmsg_seq != seq || nlh.nlmsg_len > len)
		return 1;
	if (nlh.nlmsg_type == NLMSG_ERROR) {
		int32_t e;

		memcpy(&e, buf + NLMSG_HDRLEN, sizeof(e));
		return e;
	}
	/* AGGR_PID { PID, STATS }: walk into the nest, take STATS. */
	end = nlh.nlmsg_len;
	for (off = NLMSG_HDRLEN + GENL_HDRLEN; off + NLA_HDRLEN <= end;) {
		struct nlattr nla;

		memcpy(&nla, buf + off, sizeof(nla));
		if (nla.nla_len < NLA_HDRLEN || off + nla.nla_len > end)
			return -EBADMSG;
		if ((nla.nla_type & NLA_TYPE_MASK) == TS_TYPE_AGGR_PID) {
			end = off + nla.nla_len;
			off += NLA_HDRLEN;
			continue;
		}
		if ((nla.nla_type & NLA_TYPE_MASK) == TS_TYPE_STATS) {
			size_t n = nla.nla_len - NLA_HDRLEN;

			memcpy(r->stats, buf + off + NLA_HDRLEN, n < sizeof(r->stats) ? n : sizeof(r->stats));
			return 0;
		}
		off += NLA_ALIGN(nla.nla_len);
	}
	return -EBADMSG;
}

void raw_serial(struct raw *r, const uint32_t *ids, size_t n, size_t *ok)
{
	for (size_t i = 0; i < n; i++) {
		ssize_t len;
		int e;

		r->seq++;
		memcpy(r->req[0] + 8, &r->seq, 4);
		memcpy(r->req[0] + 24, &ids[i], 4);
		if (sendto(r->fd, r->req[0], REQ_LEN, 0, (const struct sockaddr *)&kernel_addr,
			   sizeof(kernel_addr)) < 0)
			die("sendto", errno);
		do {
			len = recv(r->fd, r->rbuf[0], SLOT, 0);
			if (len < 0)
				die("recv", errno);
			e = raw_answer(r, r->rbuf[0], (size_t)len, r->seq);
		} while (e == 1);
		if (e == 0) {
			(*ok)++;
			r->sink += r->stats[128];	/* ac_pid's low byte */
		}
	}
}

void raw_pipelined(struct raw *r, const uint32_t *ids, size_t n, size_t *ok)
{
	struct mmsghdr mm[PIPE_DEPTH];
	struct iovec iov[PIPE_DEPTH];

	for (size_t pos = 0; pos < n;) {
		unsigned int m = n - pos < PIPE_DEPTH ? (unsigned int)(n - pos) : PIPE_DEPTH;
		uint32_t seq0 = r->seq + 1;
		unsigned int got = 0;

		for (unsigned int i = 0; i < m; i++) {
			uint32_t seq = seq0 + i;

			memcpy(r->req[i] + 8, &seq, 4);
			memcpy(r->req[i] + 24, &ids[pos + i], 4);
		}
		r->seq += m;
		/* The requests lie back to back: one datagram. */
		if (sendto(r->fd, r->req, (size_t)m * REQ_LEN, 0,
			   (const struct sockaddr *)&kernel_addr, sizeof(kernel_addr)) < 0)
			die("sendto", errno);
		while (got < m) {
			int k;

			for (unsigned int i = 0; i < m - got; i++) {
				iov[i] = (struct iovec){ r->rbuf[i], SLOT };
				mm[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
			}
			k = recvmmsg(r->fd, mm, m - got, MSG_WAITFORONE, NULL);
			if (k < 0)
				die("recvmmsg", errno);
			for (int i = 0; i < k; i++) {
				uint32_t seq;

				/* Our answers only on this socket: one per request. */
				memcpy(&seq, r->rbuf[i] + 8, 4);
				got++;
				if (seq - seq0 < m &&
				    raw_answer(r, r->rbuf[i], mm[i].msg_len, seq) == 0) {
					(*ok)++;
					r->sink += r->stats[128];
				}
			}
		}
		pos += m;
	}
}
