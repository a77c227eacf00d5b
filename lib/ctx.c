/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Query contexts: a socket with the family resolved, its timeout, its
 * receive buffer, its two request templates (PID and TGID, built once by
 * request.c) and its decoding plans. The queries themselves are query.c's.
 *
 * A query copies a template and patches the sequence number and the id, so
 * it is one sendto(2) and one recv(2) into a buffer the context owns: no
 * allocation per query. No ACK is requested: a successful query's answer
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

/* For query.c and cgroup.c (see internal.h). */
int ctx_rbuf_grow(struct tstats_ctx *ctx, size_t n)
{
	uint8_t *nb;

	if (n <= ctx->rcap)
		return 0;
	nb = realloc(ctx->rbuf, n);
	if (!nb)
		return -ENOMEM;
	ctx->rbuf = nb;
	ctx->rcap = n;
	return 0;
}
