/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Query contexts: lifecycle, prebuilt requests and single queries.
 *
 * Each context builds its two request messages (PID and TGID) once with
 * libnl and then only patches the sequence number and the id in place, so
 * a query is one sendto(2) and one recv(2) into a buffer the context owns:
 * no allocation per query. No ACK is requested: a successful query's answer
 * is the data message, a failed one's is NLMSG_ERROR; an ACK after every
 * reply would only be a second message to drain.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "internal.h"

#define DEFAULT_TIMEOUT_MS 5000u
/* Start with a page-sized receive buffer; it grows if a datagram is ever
 * larger (recv(MSG_TRUNC) tells), so a bigger struct is never truncated. */
#define INITIAL_RBUF 8192u


struct tstats_ctx {
	struct transport t;
	uint32_t seq;
	unsigned int timeout_ms;
	uint8_t req[2][REQUEST_U32_LEN];	/* templates: [0] PID, [1] TGID */
	uint8_t *rbuf;
	size_t rcap;
	struct codec_plan plan[2];	/* decoding plans, [0] PID, [1] TGID */
	struct qstate *qs;		/* query.c's batch buffers, on first use */
};

int ctx_new_with_transport(const struct transport *t, struct tstats_ctx **ret)
{
	struct tstats_ctx *ctx;
	int r;

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->t = *t;
	ctx->timeout_ms = DEFAULT_TIMEOUT_MS;
	ctx->rcap = INITIAL_RBUF;
	ctx->rbuf = malloc(ctx->rcap);
	if (!ctx->rbuf) {
		r = -ENOMEM;
		goto fail;
	}
	r = request_template(&ctx->t, TSTATS_KIND_PID, ctx->req[0]);
	if (r < 0)
		goto fail;
	r = request_template(&ctx->t, TSTATS_KIND_TGID, ctx->req[1]);
	if (r < 0)
		goto fail;
	if (ctx->t.ops->set_timeout) {
		r = ctx->t.ops->set_timeout(ctx->t.impl, ctx->timeout_ms);
		if (r < 0)
			goto fail;
	}
	*ret = ctx;
	return 0;
fail:
	free(ctx->rbuf);
	free(ctx);
	return r;
}

TSTATS_EXPORT int tstats_ctx_new(struct tstats_ctx **ret)
{
	struct transport t = { 0 };
	int r;

	if (!ret)
		return -EINVAL;
	r = transport_open_netlink(&t);
	if (r < 0)
		return r;
	r = ctx_new_with_transport(&t, ret);
	if (r < 0)
		t.ops->close(t.impl);
	return r;
}

TSTATS_EXPORT void tstats_ctx_free(struct tstats_ctx *ctx)
{
	if (!ctx)
		return;
	if (ctx->t.ops && ctx->t.ops->close)
		ctx->t.ops->close(ctx->t.impl);
	qstate_free(ctx->qs);
	free(ctx->rbuf);
	free(ctx);
}

TSTATS_EXPORT int tstats_ctx_set_timeout(struct tstats_ctx *ctx, unsigned int msec)
{
	int r;

	if (!ctx || msec == 0)
		return -EINVAL;
	if (ctx->t.ops->set_timeout) {
		r = ctx->t.ops->set_timeout(ctx->t.impl, msec);
		if (r < 0)
			return r;
	}
	ctx->timeout_ms = msec;
	return 0;
}

TSTATS_EXPORT int tstats_ctx_family(const struct tstats_ctx *ctx)
{
	if (!ctx)
		return -EINVAL;
	return ctx->t.family;
}

/* State of one query while its replies are walked. */
struct query_state {
	struct tstats_ctx *ctx;
	uint32_t seq;
	unsigned int kind;
	struct tstats_record *ret;
	int result;	/* 1 while waiting */
};

static int on_query_msg(const struct codec_msg *m, void *userdata)
{
	struct query_state *q = userdata;
	struct codec_reply rep;
	const struct codec_aggr *a;
	int r;

	/* A reply to another request (e.g. one that timed out) is stale. */
	if (m->seq != q->seq || m->portid != q->ctx->t.portid)
		return 0;
	if (m->cls == MSG_ERROR) {
		if (m->error == 0)	/* an ACK; we asked for none: ignore */
			return 0;
		q->result = m->error;
		return 1;
	}
	if (m->cls != MSG_DATA)
		return 0;
	if (m->cmd != TS_CMD_NEW) {
		q->result = -EBADMSG;
		return 1;
	}
	r = codec_parse_new(m->attrs, m->attrs_len, &rep);
	if (r < 0) {
		q->result = r;
		return 1;
	}
	a = q->kind == TSTATS_KIND_TGID ? &rep.tgid : &rep.pid;
	if (!a->found) {
		q->result = -EBADMSG;
		return 1;
	}
	r = codec_decode_plan(&q->ctx->plan[q->kind == TSTATS_KIND_TGID], a->stats,
			      a->stats_len, q->kind, q->ret);
	if (r < 0) {
		q->result = r;
		return 1;
	}
	q->ret->id = a->id;
	q->result = 0;
	return 1;
}

static int send_request(struct tstats_ctx *ctx, unsigned int kind, uint32_t id,
			uint32_t *seq)
{
	uint8_t *req = ctx->req[kind == TSTATS_KIND_TGID];

	/* Sequence 0 is what exit events often carry; never use it. */
	if (++ctx->seq == 0)
		ctx->seq = 1;
	*seq = ctx->seq;
	request_patch(req, ctx->seq, id);
	return ctx->t.ops->send(ctx->t.impl, req, REQUEST_U32_LEN);
}

TSTATS_EXPORT int tstats_query(struct tstats_ctx *ctx, unsigned int kind, uint32_t id,
			       struct tstats_record *ret)
{
	struct query_state q;
	bool resent = false;
	int r;

	if (!ctx || !ret || (kind != TSTATS_KIND_PID && kind != TSTATS_KIND_TGID))
		return -EINVAL;

	/* *ret is written only when our complete reply has arrived. */
	q = (struct query_state){ .ctx = ctx, .kind = kind, .ret = ret, .result = 1 };
	r = send_request(ctx, kind, id, &q.seq);
	if (r < 0)
		return r;

	while (q.result == 1) {
		ssize_t n = ctx->t.ops->recv(ctx->t.impl, ctx->rbuf, ctx->rcap, 0);

		if (n == -EAGAIN)
			return -ETIMEDOUT;
		if (n < 0)
			return (int)n;
		if ((size_t)n > ctx->rcap) {
			/*
			 * The datagram was larger than our buffer and is lost.
			 * Grow to fit and ask again once; the truncated reply
			 * (if it was ours) now carries a stale sequence.
			 */
			uint8_t *nb = realloc(ctx->rbuf, (size_t)n);

			if (!nb)
				return -ENOMEM;
			ctx->rbuf = nb;
			ctx->rcap = (size_t)n;
			if (resent)
				return -EMSGSIZE;
			resent = true;
			r = send_request(ctx, kind, id, &q.seq);
			if (r < 0)
				return r;
			continue;
		}
		r = codec_walk(ctx->rbuf, (size_t)n, ctx->t.family, on_query_msg, &q);
		if (r < 0)
			return r;
	}
	return q.result;
}

/* For query.c (see internal.h). */
struct transport *ctx_transport(struct tstats_ctx *ctx)
{
	return &ctx->t;
}

unsigned int ctx_timeout(const struct tstats_ctx *ctx)
{
	return ctx->timeout_ms;
}

uint32_t ctx_seq_block(struct tstats_ctx *ctx, uint32_t n)
{
	uint32_t first = ctx->seq + 1;

	/* Never 0 (exit events carry it), and no wrap inside the block, so
	 * that seq - first indexes the block. */
	if (first == 0 || first > UINT32_MAX - n)
		first = 1;
	ctx->seq = first + n - 1;
	return first;
}

struct codec_plan *ctx_plan(struct tstats_ctx *ctx, unsigned int kind)
{
	return &ctx->plan[kind == TSTATS_KIND_TGID];
}

struct qstate **ctx_qstate(struct tstats_ctx *ctx)
{
	return &ctx->qs;
}

const uint8_t *ctx_request(const struct tstats_ctx *ctx, unsigned int kind)
{
	return ctx->req[kind == TSTATS_KIND_TGID];
}

uint8_t *ctx_rbuf(struct tstats_ctx *ctx, size_t *cap)
{
	*cap = ctx->rcap;
	return ctx->rbuf;
}
