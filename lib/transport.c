/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The netlink transport: the only code that touches a socket. libnl opens
 * the socket and resolves the family; queries then go through sendto(2)
 * and recv(2) on libnl's descriptor so that the kernel's errno reaches the
 * caller unchanged (libnl's NLE_* codes merge ESRCH with ENOENT and ENOBUFS
 * with ENOMEM) and no buffer is allocated per message.
 */
#define _GNU_SOURCE	/* recvmmsg */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/netlink.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "internal.h"

struct nl_impl {
	struct nl_sock *sk;
	int fd;
};

/* NLE_* to -errno, the one translation in the library. */
int tstats_errno_from_nle(int nle)
{
	static const struct {
		int nle;
		int err;
	} map[] = {
		{ NLE_SUCCESS, 0 },
		{ NLE_INTR, EINTR },
		{ NLE_BAD_SOCK, EBADF },
		{ NLE_AGAIN, EAGAIN },
		{ NLE_NOMEM, ENOMEM },
		{ NLE_EXIST, EEXIST },
		{ NLE_INVAL, EINVAL },
		{ NLE_RANGE, ERANGE },
		{ NLE_MSGSIZE, EMSGSIZE },
		{ NLE_OPNOTSUPP, EOPNOTSUPP },
		{ NLE_AF_NOSUPPORT, EAFNOSUPPORT },
		{ NLE_OBJ_NOTFOUND, ENOENT },
		{ NLE_NOATTR, EBADMSG },
		{ NLE_MISSING_ATTR, EBADMSG },
		{ NLE_AF_MISMATCH, EAFNOSUPPORT },
		{ NLE_SEQ_MISMATCH, EBADMSG },
		{ NLE_MSG_OVERFLOW, EMSGSIZE },
		{ NLE_MSG_TRUNC, EMSGSIZE },
		{ NLE_NOADDR, EADDRNOTAVAIL },
		{ NLE_SRCRT_NOSUPPORT, EOPNOTSUPP },
		{ NLE_MSG_TOOSHORT, EBADMSG },
		{ NLE_MSGTYPE_NOSUPPORT, EOPNOTSUPP },
		{ NLE_OBJ_MISMATCH, EINVAL },
		{ NLE_NOCACHE, ENOENT },
		{ NLE_BUSY, EBUSY },
		{ NLE_PROTO_MISMATCH, EPROTONOSUPPORT },
		{ NLE_NOACCESS, EACCES },
		{ NLE_PERM, EPERM },
		{ NLE_PKTLOC_FILE, ENOENT },
		{ NLE_PARSE_ERR, EBADMSG },
		{ NLE_NODEV, ENODEV },
		{ NLE_IMMUTABLE, EROFS },
		{ NLE_DUMP_INTR, EINTR },
		{ NLE_ATTRSIZE, EBADMSG },
	};
	int code = nle < 0 ? -nle : nle;

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].nle == code)
			return -map[i].err;
	return -EIO;
}

static int nlt_send_buf(void *impl, const void *buf, size_t len)
{
	struct nl_impl *n = impl;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t r;

	/*
	 * An explicit destination: the kernel then checks CAP_NET_ADMIN of
	 * the sender only, not also of whoever opened the socket.
	 */
	do
		r = sendto(n->fd, buf, len, 0, (struct sockaddr *)&kernel, sizeof(kernel));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if ((size_t)r != len)
		return -EMSGSIZE;
	return 0;
}

static ssize_t nlt_recv_buf(void *impl, void *buf, size_t cap, int flags)
{
	struct nl_impl *n = impl;
	ssize_t r;

	/* MSG_TRUNC: the datagram's real length, so a short buffer shows. */
	do
		r = recv(n->fd, buf, cap, MSG_TRUNC | flags);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return r;
}

static int nlt_set_timeout(void *impl, unsigned int msec)
{
	struct nl_impl *n = impl;
	struct timeval tv = {
		.tv_sec = msec / 1000,
		.tv_usec = (msec % 1000) * 1000,
	};

	if (setsockopt(n->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	return 0;
}

static int nlt_set_rcvbuf(void *impl, int bytes)
{
	struct nl_impl *n = impl;
	socklen_t len = sizeof(bytes);
	int eff;

	/* FORCE goes past net.core.rmem_max but needs CAP_NET_ADMIN. */
	if (setsockopt(n->fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) < 0 &&
	    setsockopt(n->fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) < 0)
		return -errno;
	/* The kernel doubles the request for its bookkeeping; report what
	 * is in effect. */
	if (getsockopt(n->fd, SOL_SOCKET, SO_RCVBUF, &eff, &len) < 0)
		return -errno;
	return eff;
}

static int nlt_get_fd(void *impl)
{
	struct nl_impl *n = impl;

	return n->fd;
}

/* Datagrams taken per recvmmsg(2); its arrays live on the stack. */
#define RECV_MANY_MAX 64u

static int nlt_recv_many(void *impl, void *buf, size_t slot, unsigned int n,
			 size_t *lens, int flags)
{
	struct nl_impl *nl = impl;
	struct mmsghdr mm[RECV_MANY_MAX];
	struct iovec iov[RECV_MANY_MAX];
	int r;

	if (n > RECV_MANY_MAX)
		n = RECV_MANY_MAX;
	for (unsigned int i = 0; i < n; i++) {
		iov[i] = (struct iovec){ (uint8_t *)buf + i * slot, slot };
		mm[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
	}
	/*
	 * MSG_WAITFORONE: block (SO_RCVTIMEO) for the first datagram only,
	 * then take what is queued. MSG_TRUNC: msg_len is the datagram's
	 * real length, so a short slot shows.
	 */
	do
		r = recvmmsg(nl->fd, mm, n, MSG_TRUNC | MSG_WAITFORONE | flags, NULL);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	for (int i = 0; i < r; i++)
		lens[i] = mm[i].msg_len;
	return r;
}

static int nlt_get_rcvbuf(void *impl)
{
	struct nl_impl *n = impl;
	socklen_t len;
	int eff;

	len = sizeof(eff);
	if (getsockopt(n->fd, SOL_SOCKET, SO_RCVBUF, &eff, &len) < 0)
		return -errno;
	return eff;
}

static void nlt_close(void *impl)
{
	struct nl_impl *n = impl;

	if (!n)
		return;
	nl_socket_free(n->sk);
	free(n);
}

static const struct transport_ops nlt_ops = {
	.send = nlt_send_buf,
	.recv = nlt_recv_buf,
	.set_timeout = nlt_set_timeout,
	.set_rcvbuf = nlt_set_rcvbuf,
	.get_fd = nlt_get_fd,
	.recv_many = nlt_recv_many,
	.get_rcvbuf = nlt_get_rcvbuf,
	.close = nlt_close,
};

int transport_open_netlink(struct transport *t)
{
	struct nl_impl *n;
	struct nl_cb *cb;
	int r;

	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	/* Not nl_socket_alloc(): its callbacks follow the environment
	 * (NLCB=debug makes libnl print every message of the family
	 * lookup), and the library never prints. The socket holds its own
	 * reference to cb. */
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	n->sk = cb ? nl_socket_alloc_cb(cb) : NULL;
	nl_cb_put(cb);
	if (!n->sk) {
		r = -ENOMEM;
		goto fail;
	}
	errno = 0;
	r = genl_connect(n->sk);
	if (r < 0) {
		/* socket(2) failed: errno is still the kernel's. */
		r = errno ? -errno : tstats_errno_from_nle(r);
		goto fail;
	}
	/* The family lookup is one request and one reply. libnl would ask
	 * for an ACK (a second reply to wait for) and peek at each reply
	 * before reading it: two extra recvmsg per lookup. Without peeking,
	 * libnl reads into 16 KiB; the TASKSTATS family's reply is about
	 * 200 bytes. No other message on this socket goes through libnl's
	 * send or receive. */
	nl_socket_disable_auto_ack(n->sk);
	nl_socket_disable_msg_peek(n->sk);
	r = genl_ctrl_resolve(n->sk, TS_GENL_NAME);
	if (r < 0) {
		r = tstats_errno_from_nle(r);
		goto fail;
	}
	t->family = (uint16_t)r;
	t->portid = nl_socket_get_local_port(n->sk);
	n->fd = nl_socket_get_fd(n->sk);
	t->ops = &nlt_ops;
	t->impl = n;
	return 0;
fail:
	nlt_close(n);
	return r;
}
