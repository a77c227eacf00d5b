/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Exit-event listeners: registration, dispatch and loss accounting (the
 * cpulists they register: cpulist.c).
 *
 * The kernel sends one TASKSTATS_CMD_NEW message to every listener
 * registered on the CPU where a task exits (kernel/taskstats.c,
 * taskstats_exit() and send_cpu_listeners()): an AGGR_PID record and, when
 * the last thread of a multi-threaded group exits, an AGGR_TGID record in
 * the same message. Delivery is a non-blocking unicast: when our receive
 * queue is full the kernel drops the message, counts it in sk_drops and
 * makes the next recv(2) fail with ENOBUFS (net/netlink/af_netlink.c,
 * netlink_overrun()). Until the queue has been drained completely the
 * socket stays "congested" and every further message is dropped too.
 *
 * Each received datagram is decoded into a queue of items (records and
 * loss notices) that dispatch hands to the caller one by one; a callback
 * that stops mid-message leaves the rest queued for the next call, so a
 * TGID record is never lost because its PID record's callback said stop.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "internal.h"

#define REGISTER_TIMEOUT_MS 5000u
/* A datagram buffer to start with; it grows when recv(MSG_TRUNC) reports
 * a larger datagram. Two v17 records take 1428 bytes. */
#define INITIAL_RBUF 8192u

/*
 * The listener
 */

enum item_what { ITEM_RECORD = 1, ITEM_LOSS };

struct item {
	uint32_t what;		/* enum item_what */
	uint32_t cause;		/* enum tstats_loss_cause */
	uint64_t count;		/* the cause's counter after this loss */
	struct tstats_record rec;
};

struct tstats_listener {
	struct transport t;
	char *cpulist;		/* what we registered, for deregistering */
	bool registered;
	uint32_t seq;
	uint8_t *rbuf;
	size_t rcap;
	struct item *q;		/* decoded, not yet delivered */
	size_t qhead, qlen, qcap;
	struct tstats_listener_stats st;
};

static int queue_reserve(struct tstats_listener *l, size_t n)
{
	size_t ncap = l->qcap ? l->qcap : 4;
	struct item *nq;

	if (l->qcap - l->qlen >= n)
		return 0;
	while (ncap - l->qlen < n)
		ncap *= 2;
	nq = realloc(l->q, ncap * sizeof(*nq));
	if (!nq)
		return -ENOMEM;
	l->q = nq;
	l->qcap = ncap;
	return 0;
}

/* Counts a loss and queues its notice, in order with the records. */
static int note_loss(struct tstats_listener *l, unsigned int cause)
{
	uint64_t *counter;
	struct item *it;

	switch (cause) {
	case TSTATS_LOSS_OVERFLOW:
		counter = &l->st.overflows;
		break;
	case TSTATS_LOSS_TRUNCATED:
		counter = &l->st.truncated;
		break;
	default:
		counter = &l->st.malformed;
		break;
	}
	(*counter)++;
	if (queue_reserve(l, 1) < 0)
		return -ENOMEM;
	it = &l->q[l->qlen++];
	it->what = ITEM_LOSS;
	it->cause = cause;
	it->count = *counter;
	return 0;
}

static int loss_errno(unsigned int cause)
{
	switch (cause) {
	case TSTATS_LOSS_OVERFLOW:
		return -ENOBUFS;
	case TSTATS_LOSS_TRUNCATED:
		return -EMSGSIZE;
	default:
		return -EBADMSG;
	}
}

/* Queues the records of one exit message. */
static int on_event(const struct codec_msg *m, void *userdata)
{
	struct tstats_listener *l = userdata;
	struct codec_reply rep;
	struct item *it;
	unsigned int pid_version = 0;
	bool group;
	int r;

	/* Sequence numbers of exit messages are per-CPU counters, not ours
	 * (kernel/taskstats.c, prepare_reply()): they are not checked. */
	if (m->cls != MSG_DATA || m->cmd != TS_CMD_NEW)
		return 0;	/* ACKs, NOOPs, commands we do not know */
	r = codec_parse_new(m->attrs, m->attrs_len, &rep);
	if (r < 0)
		return note_loss(l, TSTATS_LOSS_MALFORMED);
	/* Room for both records before either is queued. */
	r = queue_reserve(l, 2);
	if (r < 0)
		return r;
	l->st.messages++;
	group = rep.tgid.found;
	if (rep.pid.found) {
		it = &l->q[l->qlen++];
		it->what = ITEM_RECORD;
		r = codec_decode(rep.pid.stats, rep.pid.stats_len, TSTATS_KIND_PID, 0,
				 &it->rec);
		if (r < 0)
			return r;	/* not reached: parse checked the length */
		it->rec.id = rep.pid.id;
		it->rec.flags |= TSTATS_RECORD_EXIT;
		/* AGROUP: the kernel's group_dead, set for the last thread
		 * of every group, single-threaded ones included. */
		if (it->rec.value[TSTATS_F_FLAGS] & TSTATS_AC_GROUP)
			group = true;
		if (group)
			it->rec.flags |= TSTATS_RECORD_GROUP_EXIT;
		if (!(it->rec.flags & TSTATS_RECORD_VERSION_INFERRED))
			pid_version = it->rec.version;
	}
	if (rep.tgid.found) {
		it = &l->q[l->qlen++];
		it->what = ITEM_RECORD;
		/* A TGID record reading version 0 (kernels before the 2026
		 * fix) has its sibling PID record's layout. */
		r = codec_decode(rep.tgid.stats, rep.tgid.stats_len, TSTATS_KIND_TGID,
				 pid_version, &it->rec);
		if (r < 0)
			return r;
		it->rec.id = rep.tgid.id;
		it->rec.flags |= TSTATS_RECORD_EXIT | TSTATS_RECORD_GROUP_EXIT;
		codec_drop_unsummed(&it->rec);
	}
	return 0;
}

/* Makes the receive buffer at least n bytes. */
static int grow_rbuf(struct tstats_listener *l, size_t n)
{
	size_t ncap = l->rcap;
	uint8_t *nb;

	while (ncap < n)
		ncap *= 2;
	nb = realloc(l->rbuf, ncap);
	if (!nb)
		return -ENOMEM;
	l->rbuf = nb;
	l->rcap = ncap;
	return 0;
}

/*
 * Handles what one recv() returned: a datagram of n bytes, or -errno.
 * Returns 0 when something was consumed, -EAGAIN when nothing was pending,
 * another -errno on failure.
 */
static int consume(struct tstats_listener *l, ssize_t n, codec_msg_fn fn, void *userdata)
{
	int r;

	if (n == -ENOBUFS)
		return note_loss(l, TSTATS_LOSS_OVERFLOW);
	if (n < 0)
		return (int)n;
	if ((size_t)n > l->rcap) {
		/* The datagram did not fit and is gone: count it, and make
		 * room so that the next one of that size fits. */
		r = grow_rbuf(l, (size_t)n);
		if (r < 0)
			return r;
		return note_loss(l, TSTATS_LOSS_TRUNCATED);
	}
	r = codec_walk(l->rbuf, (size_t)n, l->t.family, fn, userdata);
	if (r == -EBADMSG)	/* a bogus nlmsg_len: the rest is unreadable */
		return note_loss(l, TSTATS_LOSS_MALFORMED);
	return r < 0 ? r : 0;
}

static int send_cpumask(struct tstats_listener *l, int attr, bool ack, uint32_t *seq)
{
	int r;

	if (++l->seq == 0)
		l->seq = 1;
	r = request_send(&l->t, l->seq, TS_CMD_GET, ack ? NLM_F_ACK : 0, attr, l->cpulist,
			 strlen(l->cpulist) + 1);
	if (seq)
		*seq = l->seq;
	return r;
}

struct reg_state {
	struct tstats_listener *l;
	uint32_t seq;
	int result;	/* 1 while waiting */
};

static int on_register_msg(const struct codec_msg *m, void *userdata)
{
	struct reg_state *s = userdata;

	if (m->cls == MSG_ERROR && m->seq == s->seq && m->portid == s->l->t.portid) {
		s->result = m->error;
		return 0;	/* the rest of the datagram may hold events */
	}
	/* An exit may reach us after the kernel registered us and before
	 * its ACK: keep it for the first dispatch. */
	return on_event(m, s->l);
}

static int do_register(struct tstats_listener *l)
{
	struct reg_state s = { .l = l, .result = 1 };
	int r;

	r = send_cpumask(l, TS_CMD_ATTR_REGISTER_CPUMASK, true, &s.seq);
	if (r < 0)
		return r;
	/* From here on the kernel may hold a registration for our port. */
	l->registered = true;
	while (s.result == 1) {
		ssize_t n = l->t.ops->recv(l->t.impl, l->rbuf, l->rcap, 0);

		if (n == -EAGAIN)
			return -ETIMEDOUT;
		r = consume(l, n, on_register_msg, &s);
		if (r < 0)
			return r;
	}
	return s.result;
}

int listener_new_with_transport(const struct transport *t, const char *cpulist,
				struct tstats_listener **ret)
{
	struct tstats_listener *l;
	int r;

	if (!t || !cpulist || !ret)
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->t = *t;
	l->cpulist = strdup(cpulist);
	l->rcap = INITIAL_RBUF;
	l->rbuf = malloc(l->rcap);
	if (!l->cpulist || !l->rbuf) {
		r = -ENOMEM;
		goto fail;
	}
	if (l->t.ops->set_timeout) {
		r = l->t.ops->set_timeout(l->t.impl, REGISTER_TIMEOUT_MS);
		if (r < 0)
			goto fail;
	}
	r = do_register(l);
	if (r < 0)
		goto fail;
	*ret = l;
	return 0;
fail:
	if (l->registered)
		(void)send_cpumask(l, TS_CMD_ATTR_DEREGISTER_CPUMASK, false, NULL);
	free(l->q);
	free(l->rbuf);
	free(l->cpulist);
	free(l);
	return r;
}

/*
 * Whether this process is in the initial network namespace: 1, 0, or
 * -errno when it cannot be told. The kernel registers a listener in any
 * network namespace but sends exit events only in init_net
 * (send_cpu_listeners(): genlmsg_unicast(&init_net, ...)), so elsewhere a
 * listener would wait forever.
 *
 * Since Linux 6.18 the initial network and mount namespaces have fixed
 * /proc inode numbers (<linux/nsfs.h>, enum init_ns_ino), out of the range
 * of the dynamic ones (0xF0000000 up): the initial mount namespace showing
 * its fixed number says this kernel has them, and then a network namespace
 * with another number is not init_net. (The cgroup and time namespaces
 * have had fixed numbers much longer, since 4.6 and 5.6, so they say
 * nothing about the network's.) Otherwise ours is compared with PID 1's,
 * which is in the initial PID namespace as the kernel's registration has
 * made sure we are (reading it needs ptrace access to PID 1: root).
 */
static int netns_is_initial(void)
{
	const unsigned long net_init_ino = 0xEFFFFFF9ul, mnt_init_ino = 0xEFFFFFF8ul;
	struct stat self, other;

	if (stat("/proc/self/ns/net", &self) < 0)
		return -errno;
	if (self.st_ino == net_init_ino)
		return 1;
	if (stat("/proc/self/ns/mnt", &other) == 0 && other.st_ino == mnt_init_ino)
		return 0;
	if (stat("/proc/1/ns/net", &other) < 0)
		return -errno;
	return self.st_dev == other.st_dev && self.st_ino == other.st_ino;
}

TSTATS_EXPORT int tstats_listener_new(const char *cpulist, struct tstats_listener **ret)
{
	struct tstats_listener *l;
	struct transport t = { 0 };
	char *canon = NULL;
	int r;

	if (!ret)
		return -EINVAL;
	/* Validated and rewritten in plain ranges before the kernel sees
	 * it: the kernel's own EINVAL then has one meaning left. */
	r = cpulist_normalize(cpulist, NULL, &canon, NULL);
	if (r < 0)
		return r;
	r = transport_open_netlink(&t);
	if (r < 0)
		goto out;
	r = listener_new_with_transport(&t, canon, &l);
	if (r < 0) {
		t.ops->close(t.impl);
		goto out;
	}
	/* Unknown (no access to PID 1's namespace) is not refused. */
	if (netns_is_initial() == 0) {
		tstats_listener_free(l);
		r = -ENETUNREACH;
		goto out;
	}
	*ret = l;
out:
	free(canon);
	return r;
}

TSTATS_EXPORT void tstats_listener_free(struct tstats_listener *l)
{
	if (!l)
		return;
	/*
	 * Without an ACK: the kernel handles the request inside sendto(2),
	 * so it is done when send returns. If it fails (the caller dropped
	 * CAP_NET_ADMIN), closing the socket makes the kernel drop the
	 * listener at the next exit (ECONNREFUSED in send_cpu_listeners()).
	 */
	if (l->registered)
		(void)send_cpumask(l, TS_CMD_ATTR_DEREGISTER_CPUMASK, false, NULL);
	if (l->t.ops && l->t.ops->close)
		l->t.ops->close(l->t.impl);
	free(l->q);
	free(l->rbuf);
	free(l->cpulist);
	free(l);
}

TSTATS_EXPORT const char *tstats_listener_cpulist(const struct tstats_listener *l)
{
	return l ? l->cpulist : NULL;
}

TSTATS_EXPORT int tstats_listener_set_rcvbuf(struct tstats_listener *l, int bytes)
{
	if (!l || bytes <= 0)
		return -EINVAL;
	if (!l->t.ops->set_rcvbuf)
		return -EOPNOTSUPP;
	return l->t.ops->set_rcvbuf(l->t.impl, bytes);
}

TSTATS_EXPORT int tstats_listener_fd(const struct tstats_listener *l)
{
	if (!l)
		return -EINVAL;
	if (!l->t.ops->get_fd)
		return -EBADF;
	return l->t.ops->get_fd(l->t.impl);
}

/*
 * Delivers queued items, receiving more while nothing is queued, until
 * nothing is pending. *stopped is set when a callback said stop.
 */
static int dispatch(struct tstats_listener *l, tstats_record_fn fn, tstats_loss_fn loss,
		    void *userdata, bool *stopped)
{
	int delivered = 0;
	int r;

	for (;;) {
		while (l->qhead < l->qlen) {
			struct item *it = &l->q[l->qhead++];

			if (it->what == ITEM_RECORD) {
				l->st.records++;
				if (delivered < INT_MAX)
					delivered++;
				r = fn(&it->rec, userdata);
			} else if (loss) {
				r = loss(it->cause, it->count, userdata);
			} else {
				/* No loss callback: the loss is the result,
				 * and the next call carries on after it. */
				return loss_errno(it->cause);
			}
			if (r < 0)
				return r;
			if (r > 0) {
				*stopped = true;
				return delivered;
			}
		}
		l->qhead = l->qlen = 0;
		r = consume(l, l->t.ops->recv(l->t.impl, l->rbuf, l->rcap, MSG_DONTWAIT),
			    on_event, l);
		if (r == -EAGAIN)
			return delivered;
		if (r < 0)
			return r;
	}
}

TSTATS_EXPORT int tstats_listener_dispatch(struct tstats_listener *l, tstats_record_fn fn,
					   tstats_loss_fn loss, void *userdata)
{
	bool stopped = false;

	if (!l || !fn)
		return -EINVAL;
	return dispatch(l, fn, loss, userdata, &stopped);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

TSTATS_EXPORT int tstats_listener_run(struct tstats_listener *l, int timeout_ms,
				      tstats_record_fn fn, tstats_loss_fn loss,
				      void *userdata)
{
	int64_t deadline = 0;
	int total = 0;
	int fd;

	if (!l || !fn)
		return -EINVAL;
	fd = tstats_listener_fd(l);
	if (timeout_ms > 0)
		deadline = now_ms() + timeout_ms;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		bool stopped = false;
		int wait = -1;
		int r;

		r = dispatch(l, fn, loss, userdata, &stopped);
		if (r < 0)
			return r;
		total = r > INT_MAX - total ? INT_MAX : total + r;
		if (stopped || timeout_ms == 0)
			return total;
		if (timeout_ms > 0) {
			int64_t left = deadline - now_ms();

			if (left <= 0)
				return total;
			wait = left > INT_MAX ? INT_MAX : (int)left;
		}
		if (fd < 0)
			return fd;
		r = poll(&pfd, 1, wait);
		if (r < 0)
			return -errno;	/* -EINTR: a signal, let the caller see it */
		if (r == 0)
			return total;
		if (pfd.revents & POLLNVAL)
			return -EBADF;
		/* POLLIN, or POLLERR for a pending ENOBUFS: dispatch. */
	}
}

/* sk_drops of our socket: the Drops column of /proc/net/netlink. */
static int read_drops(int fd, uint64_t *ret)
{
	char line[512];
	struct stat st;
	int r = -ENOENT;
	FILE *f;

	if (fd < 0)
		return -EBADF;
	if (fstat(fd, &st) < 0)
		return -errno;
	f = fopen("/proc/net/netlink", "re");
	if (!f)
		return -errno;
	/* sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode */
	while (fgets(line, sizeof(line), f)) {
		unsigned long long drops, ino;

		if (sscanf(line, "%*s %*d %*u %*x %*u %*u %*u %*u %llu %llu",
			   &drops, &ino) != 2)
			continue;
		if (ino == (unsigned long long)st.st_ino) {
			*ret = drops;
			r = 0;
			break;
		}
	}
	fclose(f);
	return r;
}

TSTATS_EXPORT int tstats_listener_stats(const struct tstats_listener *l,
					struct tstats_listener_stats *ret)
{
	struct tstats_listener_stats st;

	if (!l || !ret)
		return -EINVAL;
	st = l->st;
	if (read_drops(tstats_listener_fd(l), &st.dropped) < 0)
		st.dropped = UINT64_MAX;
	*ret = st;
	return 0;
}
