/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fake taskstats kernel of the unit suites: see fakekernel.h. The
 * answers follow kernel/taskstats.c (taskstats_user_cmd(),
 * cgroupstats_user_cmd()) and the layout of include/uapi/linux/taskstats.h
 * and cgroupstats.h; the failures are those a netlink socket can show.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "fakekernel.h"

const uint64_t fk_cgroup_want[5] = { 11, 22, 33, 44, 55 };

/* ---- the receive queue --------------------------------------------------- */

static void dgram_set(struct fk_dgram *d, const void *data, size_t len, size_t claim, int err)
{
	d->data = NULL;
	d->len = len;
	d->claim = claim;
	d->err = err;
	if (len) {
		d->data = malloc(len);
		ck_assert_ptr_nonnull(d->data);
		memcpy(d->data, data, len);
	}
}

static struct fk_dgram *queue_tail(struct fake_kernel *fk)
{
	struct fk_dgram *d = &fk->q[(fk->head + fk->count) % FK_QMAX];

	fk->count++;
	return d;
}

void fk_push(struct fake_kernel *fk, const void *data, size_t len, size_t claim)
{
	ck_assert_msg(fk->count < FK_QMAX, "the test queued more than %d datagrams", FK_QMAX);
	dgram_set(queue_tail(fk), data, len, claim, 0);
}

void fk_push_nlb(struct fake_kernel *fk, const struct nlb *b)
{
	fk_push(fk, nlb_data(b), nlb_len(b), nlb_len(b));
}

void fk_push_err(struct fake_kernel *fk, int err)
{
	ck_assert_msg(fk->count < FK_QMAX, "the test queued more than %d datagrams", FK_QMAX);
	dgram_set(queue_tail(fk), NULL, 0, 0, err);
}

/* An answer of the kernel's: dropped when the socket is full. */
static void answer_push(struct fake_kernel *fk, const struct nlb *b)
{
	if (fk->count >= fk->capacity || fk->count >= FK_QMAX) {
		fk->dropped++;
		fk->enobufs = true;
		return;
	}
	dgram_set(queue_tail(fk), nlb_data(b), nlb_len(b), nlb_len(b), 0);
}

/* ---- answers ---------------------------------------------------------------- */

static void put_taskstats(struct nlb *b, uint16_t flags, uint32_t seq, uint32_t port,
			  uint16_t aggr, uint16_t idtype, uint32_t id, size_t len,
			  unsigned int version)
{
	uint8_t payload[2048];
	size_t nest;

	ck_assert_uint_le(len, sizeof(payload));
	nlb_ts_build(payload, len, version, NLB_LAYOUT_MODERN, version > 16 ? 16 : version);
	nlb_msg_start(b, FK_FAMILY, flags, seq, port);
	nlb_genl(b, TS_CMD_NEW, 1);
	nest = nlb_nest_start(b, aggr);
	nlb_put_u32(b, idtype, id);
	nlb_put(b, TS_TYPE_STATS, payload, len);
	nlb_nest_end(b, nest);
	nlb_msg_end(b);
}

/* The scripted v16 answer: a whole struct, or its first cut bytes. */
static void put_reply(struct nlb *b, uint16_t flags, uint32_t seq, uint32_t port,
		      uint16_t aggr, uint16_t idtype, uint32_t id, size_t cut)
{
	uint8_t ts[1024];
	size_t n = nlb_ts_build_version(ts, sizeof(ts), 16);
	size_t nest;

	nlb_msg_start(b, FK_FAMILY, flags, seq, port);
	nlb_genl(b, TS_CMD_NEW, 1);
	nest = nlb_nest_start(b, aggr);
	nlb_put_u32(b, idtype, id);
	nlb_put(b, TS_TYPE_STATS, ts, cut ? cut : n);
	nlb_nest_end(b, nest);
	nlb_msg_end(b);
}

static void put_done(struct nlb *b, uint32_t seq, uint32_t port)
{
	static const int32_t zero;

	nlb_msg_start(b, NLMSG_DONE, NLM_F_MULTI, seq, port);
	nlb_raw(b, &zero, sizeof(zero));
	nlb_msg_end(b);
}

/* struct cgroupstats (len bytes of fk_cgroup_want, then 0xee); attrs: 1
 * the stats, 2 an unknown attribute before them, 4 the stats again. */
static void put_cgroupstats(struct nlb *b, uint32_t seq, uint32_t port, uint8_t cmd, size_t len,
			    int attrs)
{
	uint8_t st[64];

	memset(st, 0xee, sizeof(st));
	for (int i = 0; i < 5; i++)
		memcpy(st + 8 * i, &fk_cgroup_want[i], 8);
	nlb_msg_start(b, FK_FAMILY, 0, seq, port);
	nlb_genl(b, cmd, 1);
	if (attrs & 2)
		nlb_put_u32(b, 7, 0xdead);
	if (attrs & 1)
		nlb_put(b, CGS_TYPE_CGROUP_STATS, st, len);
	if (attrs & 4)
		nlb_put(b, CGS_TYPE_CGROUP_STATS, st, len);
	nlb_msg_end(b);
}

/* A reply too large for nlb's buffer: nlmsghdr, genlmsghdr, AGGR_PID
 * { PID, STATS } of a version 18 struct. */
static size_t build_oversized(uint8_t *buf, uint32_t seq, uint32_t id)
{
	struct nlmsghdr nlh = { .nlmsg_type = FK_FAMILY, .nlmsg_seq = seq, .nlmsg_pid = FK_PORT };
	struct genlmsghdr gh = { .cmd = TS_CMD_NEW, .version = 1 };
	struct nlattr nest = { .nla_type = TS_TYPE_AGGR_PID };
	struct nlattr ida = { .nla_len = NLA_HDRLEN + 4, .nla_type = TS_TYPE_PID };
	struct nlattr st = { .nla_len = NLA_HDRLEN + FK_OVERSIZED_PAYLOAD,
			     .nla_type = TS_TYPE_STATS };
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN;

	memcpy(buf + NLMSG_HDRLEN, &gh, sizeof(gh));
	nest.nla_len = (uint16_t)(NLA_HDRLEN + ida.nla_len + st.nla_len);
	memcpy(buf + off, &nest, sizeof(nest));
	off += NLA_HDRLEN;
	memcpy(buf + off, &ida, sizeof(ida));
	memcpy(buf + off + NLA_HDRLEN, &id, sizeof(id));
	off += ida.nla_len;
	memcpy(buf + off, &st, sizeof(st));
	off += NLA_HDRLEN;
	nlb_ts_build(buf + off, FK_OVERSIZED_PAYLOAD, 18, NLB_LAYOUT_MODERN, 17);
	off += FK_OVERSIZED_PAYLOAD;
	nlh.nlmsg_len = (uint32_t)off;
	memcpy(buf, &nlh, sizeof(nlh));
	return off;
}

void fk_build_answer(const struct fake_kernel *fk, struct nlb *b, uint32_t seq, uint32_t port,
		     uint16_t attr, uint32_t id)
{
	bool tgid = attr == TS_CMD_ATTR_TGID;

	nlb_init(b);
	if (fk->error || id >= fk->live_limit || id == 0) {
		nlb_error(b, fk->error ? fk->error : -ESRCH, seq, port);
		return;
	}
	put_taskstats(b, fk->multi ? NLM_F_MULTI : 0, seq, port,
		      tgid ? TS_TYPE_AGGR_TGID : TS_TYPE_AGGR_PID, tgid ? TS_TYPE_TGID : TS_TYPE_PID,
		      id, fk->payload_len, fk->payload_len > 560 ? 18 : 16);
}

/* What the kernel queues for one query (the `answer` options). */
static void answer_query(struct fake_kernel *fk, uint32_t seq, uint16_t attr, uint32_t id)
{
	static struct nlb b;

	if (fk->silent)
		return;
	if (!fk->hold && fk->nheld > fk->released) {
		/* A late answer to an earlier request comes first. */
		struct fk_dgram *d = &fk->held[fk->released++];

		nlb_init(&b);
		nlb_raw(&b, d->data, d->len);
		answer_push(fk, &b);
	}
	if (fk->foreign) {
		nlb_init(&b);
		nlb_error(&b, -EPERM, seq, FK_PORT + 1);
		answer_push(fk, &b);
		fk_build_answer(fk, &b, seq, FK_PORT + 1, attr, id + 1);
		answer_push(fk, &b);
	}
	fk_build_answer(fk, &b, seq, FK_PORT, attr, id);
	if (fk->corrupt) {
		/* Past the datagram's end, or below the header's size. */
		nlb_set_msg_len(&b, --fk->corrupt % 2 ? (uint32_t)nlb_len(&b) + 64 : 8);
	}
	if (fk->hold) {
		ck_assert_uint_lt(fk->nheld, FK_HELD);
		dgram_set(&fk->held[fk->nheld++], nlb_data(&b), nlb_len(&b), nlb_len(&b), 0);
		return;
	}
	answer_push(fk, &b);
	if (fk->multi) {
		nlb_init(&b);
		put_done(&b, seq, FK_PORT);
		answer_push(fk, &b);
	}
}

/* ---- the transport ----------------------------------------------------------- */

/* A PID or TGID query (CGROUPSTATS_CMD_ATTR_FD is attribute 1 too). */
static bool is_query(const struct fk_request *r)
{
	return r->cmd == TS_CMD_GET && (r->attr == TS_CMD_ATTR_PID || r->attr == TS_CMD_ATTR_TGID);
}

/* One request message, checked as the kernel's genetlink parses it. */
static void take_request(struct fake_kernel *fk, const uint8_t *p, size_t len)
{
	struct fk_request *r = &fk->last;
	struct nlmsghdr nlh;
	struct nlattr nla;

	ck_assert_uint_ge(len, NLMSG_HDRLEN + GENL_HDRLEN + NLA_HDRLEN);
	memcpy(&nlh, p, sizeof(nlh));
	ck_assert_uint_ge(nlh.nlmsg_len, NLMSG_HDRLEN + GENL_HDRLEN + NLA_HDRLEN);
	ck_assert_uint_le(nlh.nlmsg_len, len);
	ck_assert_uint_eq(nlh.nlmsg_type, FK_FAMILY);
	ck_assert(nlh.nlmsg_flags & NLM_F_REQUEST);
	ck_assert_uint_eq(nlh.nlmsg_pid, FK_PORT);
	ck_assert_uint_ne(nlh.nlmsg_seq, 0);	/* exit events carry 0 */
	ck_assert_uint_eq(p[NLMSG_HDRLEN + 1], 1);	/* genl version */
	memcpy(&nla, p + NLMSG_HDRLEN + GENL_HDRLEN, sizeof(nla));
	ck_assert_uint_le(NLMSG_HDRLEN + GENL_HDRLEN + (size_t)nla.nla_len, nlh.nlmsg_len);
	r->seq = nlh.nlmsg_seq;
	r->flags = nlh.nlmsg_flags;
	r->cmd = p[NLMSG_HDRLEN];
	r->attr = nla.nla_type;
	r->id = 0;
	if (r->cmd == CGS_CMD_GET)
		ck_assert_uint_eq(r->attr, CGS_CMD_ATTR_FD);
	if (is_query(r) || r->cmd == CGS_CMD_GET) {
		/* One u32 attribute, as request.c encodes them. */
		ck_assert_uint_eq(nlh.nlmsg_len, REQUEST_U32_LEN);
		ck_assert_uint_eq(nla.nla_len, NLA_HDRLEN + 4);
		memcpy(&r->id, p + REQUEST_ID_OFF, sizeof(r->id));
	}
	/* No ACK for a query: it would be a second message per answer. */
	if (is_query(r))
		ck_assert_uint_eq(nlh.nlmsg_flags & NLM_F_ACK, 0);
	fk->requests++;
	if (fk->answer && is_query(r))
		answer_query(fk, r->seq, r->attr, r->id);
	if ((nlh.nlmsg_flags & NLM_F_ACK) && fk->reg_answer != FK_NO_ANSWER) {
		struct nlb b;

		nlb_init(&b);
		nlb_error(&b, fk->reg_answer, nlh.nlmsg_seq, nlh.nlmsg_pid);
		fk_push_nlb(fk, &b);
	}
}

static int fk_send(void *impl, const void *buf, size_t len)
{
	struct fake_kernel *fk = impl;
	const uint8_t *p = buf;

	if (fk->log_every_send) {
		ck_assert_uint_lt(fk->ntx, FK_MAX_TX);
		ck_assert_uint_le(len, FK_TX_BYTES);
	}
	if (fk->ntx < FK_MAX_TX && len <= FK_TX_BYTES) {
		memcpy(fk->tx[fk->ntx], buf, len);
		fk->tx_len[fk->ntx++] = len;
	}
	fk->sends++;
	for (unsigned int i = 0; i < fk->stale; i++)
		answer_query(fk, 0x7fffffffu - i, TS_CMD_ATTR_PID, 1);	/* nobody's */
	while (len > 0) {
		uint32_t mlen;

		memcpy(&mlen, p, sizeof(mlen));
		take_request(fk, p, len);
		mlen = NLMSG_ALIGN(mlen) < len ? NLMSG_ALIGN(mlen) : (uint32_t)len;
		p += mlen;
		len -= mlen;
	}
	return 0;
}

/* Copies b into the receive buffer: its length. */
static ssize_t deliver(void *buf, size_t cap, const struct nlb *b)
{
	ck_assert_uint_le(nlb_len(b), cap);
	memcpy(buf, nlb_data(b), nlb_len(b));
	return (ssize_t)nlb_len(b);
}

static ssize_t script_step(struct fake_kernel *fk, void *buf, size_t cap)
{
	static struct nlb b;
	const struct fk_request *r = &fk->last;
	uint32_t seq = r->seq, id = r->id;
	enum fk_step s;
	int arg;

	ck_assert_msg(fk->pos < fk->n, "receive past the script (a hang on a real kernel)");
	s = fk->script[fk->pos];
	arg = fk->args[fk->pos];
	fk->pos++;
	nlb_init(&b);
	switch (s) {
	case FK_TIMEOUT:
		return -EAGAIN;
	case FK_ENOBUFS:
		return -ENOBUFS;
	case FK_REPLY:
		put_reply(&b, 0, seq, FK_PORT, TS_TYPE_AGGR_PID, TS_TYPE_PID, id, 0);
		break;
	case FK_REPLY_STALE:
		put_reply(&b, 0, seq - 1, FK_PORT, TS_TYPE_AGGR_PID, TS_TYPE_PID, 999, 0);
		break;
	case FK_STALE_AND_REPLY:
		put_reply(&b, 0, seq - 1, FK_PORT, TS_TYPE_AGGR_PID, TS_TYPE_PID, 999, 0);
		put_reply(&b, 0, seq, FK_PORT, TS_TYPE_AGGR_PID, TS_TYPE_PID, id, 0);
		break;
	case FK_FOREIGN_PORT:
		put_reply(&b, 0, seq, FK_PORT + 1, TS_TYPE_AGGR_PID, TS_TYPE_PID, 999, 0);
		break;
	case FK_TGID_ONLY:
		put_reply(&b, 0, seq, FK_PORT, TS_TYPE_AGGR_TGID, TS_TYPE_TGID, id, 0);
		break;
	case FK_ERROR:
		nlb_error(&b, arg, seq, FK_PORT);
		break;
	case FK_ACK:
		nlb_error(&b, 0, seq, FK_PORT);
		break;
	case FK_TRUNCATED:
		/* What recv(MSG_TRUNC) reports for a datagram past cap. */
		memset(buf, 0, cap);
		return (ssize_t)(cap + (size_t)(arg ? arg : 4096));
	case FK_BOGUS_LEN:
		put_reply(&b, 0, seq, FK_PORT, TS_TYPE_AGGR_PID, TS_TYPE_PID, id, 0);
		nlb_set_msg_len(&b, (uint32_t)nlb_len(&b) + 64);
		break;
	case FK_BOGUS_SMALL:
	case FK_BOGUS_ZERO:
		put_reply(&b, 0, seq, FK_PORT, TS_TYPE_AGGR_PID, TS_TYPE_PID, id, 0);
		nlb_set_msg_len(&b, s == FK_BOGUS_ZERO ? 0 : NLMSG_HDRLEN / 2);
		break;
	case FK_CUT_ATTR:
		/* The attribute's length still says 560. */
		put_reply(&b, 0, seq, FK_PORT, TS_TYPE_AGGR_PID, TS_TYPE_PID, id, 0);
		b.len = 36 + 100;
		nlb_set_msg_len(&b, (uint32_t)b.len);
		break;
	case FK_SHORT_STATS:
		put_reply(&b, 0, seq, FK_PORT, TS_TYPE_AGGR_PID, TS_TYPE_PID, id, 100);
		break;
	case FK_MULTI:
	case FK_MULTI_DONE:
		put_reply(&b, NLM_F_MULTI, seq, FK_PORT, TS_TYPE_AGGR_PID, TS_TYPE_PID, id, 0);
		if (s == FK_MULTI_DONE)
			put_done(&b, seq, FK_PORT);
		break;
	case FK_DONE:
	case FK_DONE_STALE:
		put_done(&b, s == FK_DONE ? seq : seq - 1, FK_PORT);
		break;
	case FK_OVERSIZED: {
		static uint8_t big[FK_OVERSIZED_PAYLOAD + 64];
		size_t n = build_oversized(big, seq, id);

		memcpy(buf, big, n < cap ? n : cap);
		return (ssize_t)n;
	}
	case FK_CG_DATA:
		put_cgroupstats(&b, seq, FK_PORT, CGS_CMD_NEW, 40, 1);
		break;
	case FK_CG_DATA_ACK:
		put_cgroupstats(&b, seq, FK_PORT, CGS_CMD_NEW, 40, 1);
		nlb_error(&b, 0, seq, FK_PORT);
		break;
	case FK_CG_STALE:
		put_cgroupstats(&b, seq - 1, FK_PORT, CGS_CMD_NEW, 40, 1);
		nlb_error(&b, 0, seq - 1, FK_PORT);
		break;
	case FK_CG_FOREIGN:
		put_cgroupstats(&b, seq, FK_PORT + 1, CGS_CMD_NEW, 40, 1);
		nlb_error(&b, -EPERM, seq, FK_PORT + 1);
		break;
	case FK_CG_SHORT:
		put_cgroupstats(&b, seq, FK_PORT, CGS_CMD_NEW, 39, 1);
		break;
	case FK_CG_LONG:
		put_cgroupstats(&b, seq, FK_PORT, CGS_CMD_NEW, 48, 1);
		break;
	case FK_CG_NO_STATS:
		put_cgroupstats(&b, seq, FK_PORT, CGS_CMD_NEW, 40, 0);
		break;
	case FK_CG_TWO_STATS:
		put_cgroupstats(&b, seq, FK_PORT, CGS_CMD_NEW, 40, 1 | 4);
		break;
	case FK_CG_UNKNOWN_ATTR:
		put_cgroupstats(&b, seq, FK_PORT, CGS_CMD_NEW, 40, 1 | 2);
		break;
	case FK_CG_WRONG_CMD:
		put_cgroupstats(&b, seq, FK_PORT, TS_CMD_NEW, 40, 1);
		break;
	default:
		ck_abort_msg("bad step %d", (int)s);
	}
	return deliver(buf, cap, &b);
}

static ssize_t fk_recv(void *impl, void *buf, size_t cap, int flags)
{
	struct fake_kernel *fk = impl;
	struct fk_dgram *d;
	ssize_t n;

	(void)flags;
	fk->last_cap = cap;
	if (fk->enobufs) {
		fk->enobufs = false;
		return -ENOBUFS;
	}
	if (fk->count == 0)
		return fk->n ? script_step(fk, buf, cap) : -EAGAIN;
	d = &fk->q[fk->head];
	fk->head = (fk->head + 1) % FK_QMAX;
	fk->count--;
	fk->delivered++;
	/* Like recv(MSG_TRUNC): what fits is copied, the real length is
	 * returned and the datagram is gone. */
	n = d->err ? d->err : (ssize_t)d->claim;
	if (!d->err)
		memcpy(buf, d->data, d->len < cap ? d->len : cap);
	free(d->data);
	d->data = NULL;
	return n;
}

static int fk_recv_many(void *impl, void *buf, size_t slot, unsigned int n, size_t *lens,
			int flags)
{
	struct fake_kernel *fk = impl;
	unsigned int got = 0;

	/* recvmmsg: an error after some datagrams waits for the next call. */
	while (got < n && (got == 0 || (fk->count > 0 && !fk->enobufs))) {
		ssize_t r = fk_recv(impl, (uint8_t *)buf + got * slot, slot, flags);

		if (r < 0)
			return (int)r;
		lens[got++] = (size_t)r;
	}
	return (int)got;
}

static int fk_set_timeout(void *impl, unsigned int msec)
{
	((struct fake_kernel *)impl)->timeout_ms = msec;
	return 0;
}

static int fk_set_rcvbuf(void *impl, int bytes)
{
	((struct fake_kernel *)impl)->rcvbuf = bytes;
	return 2 * bytes;
}

static int fk_get_rcvbuf(void *impl)
{
	return ((struct fake_kernel *)impl)->rcvbuf;
}

static int fk_get_fd(void *impl)
{
	(void)impl;
	return -EBADF;
}

static void fk_close(void *impl)
{
	((struct fake_kernel *)impl)->closed = true;
}

struct fake_kernel *fk_new(void)
{
	struct fake_kernel *fk = calloc(1, sizeof(*fk));

	ck_assert_ptr_nonnull(fk);
	fk->capacity = FK_QMAX;
	fk->live_limit = 100000;
	fk->payload_len = 560;
	fk->rcvbuf = 212992;
	fk->reg_answer = FK_NO_ANSWER;
	return fk;
}

void fk_free(struct fake_kernel *fk)
{
	if (!fk)
		return;
	for (unsigned int i = 0; i < fk->count; i++)
		free(fk->q[(fk->head + i) % FK_QMAX].data);
	for (unsigned int i = 0; i < fk->nheld; i++)
		free(fk->held[i].data);
	free(fk);
}

struct transport fk_transport(struct fake_kernel *fk, unsigned int ops)
{
	fk->ops = (struct transport_ops){
		.send = fk_send,
		.recv = fk_recv,
		.set_timeout = fk_set_timeout,
		.set_rcvbuf = ops & FK_OP_SET_RCVBUF ? fk_set_rcvbuf : NULL,
		.get_fd = ops & FK_OP_GET_FD ? fk_get_fd : NULL,
		.recv_many = ops & FK_OP_RECV_MANY ? fk_recv_many : NULL,
		.get_rcvbuf = ops & FK_OP_GET_RCVBUF ? fk_get_rcvbuf : NULL,
		.close = fk_close,
	};
	return (struct transport){ .ops = &fk->ops, .impl = fk, .portid = FK_PORT,
				   .family = FK_FAMILY };
}

void fk_script(struct fake_kernel *fk, int n, const enum fk_step *steps, const int *args)
{
	ck_assert_int_le(n, FK_SCRIPT_MAX);
	memset(fk->script, 0, sizeof(fk->script));
	memset(fk->args, 0, sizeof(fk->args));
	memcpy(fk->script, steps, (size_t)n * sizeof(*steps));
	if (args)
		memcpy(fk->args, args, (size_t)n * sizeof(*args));
	fk->n = n;
	fk->pos = 0;
	fk->sends = 0;
}
