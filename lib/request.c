/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Requests: the one encoder of every message the library sends, built
 * with libnl (genlmsg_put(), nla_put()). A query's request is built once
 * per context and then only copied and patched (its sequence number and
 * id sit at fixed offsets, REQUEST_SEQ_OFF and REQUEST_ID_OFF), so the
 * batch path does not call libnl per task.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "internal.h"

_Static_assert(REQUEST_SEQ_OFF == offsetof(struct nlmsghdr, nlmsg_seq), "seq offset");
_Static_assert(REQUEST_ATTR_OFF == NLMSG_HDRLEN + GENL_HDRLEN, "attr offset");
_Static_assert(REQUEST_ID_OFF == REQUEST_ATTR_OFF + NLA_HDRLEN, "id offset");
_Static_assert(REQUEST_U32_LEN == REQUEST_ID_OFF + NLA_ALIGN(sizeof(uint32_t)), "length");

int request_new(const struct transport *t, uint32_t seq, uint8_t cmd, uint16_t flags, int attr,
		const void *data, size_t len, struct nl_msg **ret)
{
	struct nl_msg *msg;
	int r;

	if (len > INT32_MAX / 2)
		return -EINVAL;
	/* Sized to the request: nlmsg_alloc() would zero a whole page, and
	 * a long cpulist would not fit one. */
	msg = nlmsg_alloc_size(NLMSG_HDRLEN + GENL_HDRLEN + nla_total_size((int)len) +
			       NLMSG_ALIGNTO);
	if (!msg)
		return -ENOMEM;
	if (!genlmsg_put(msg, t->portid, seq, t->family, 0, NLM_F_REQUEST | flags, cmd,
			 TS_GENL_VERSION)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	r = nla_put(msg, attr, (int)len, data);
	if (r < 0) {
		nlmsg_free(msg);
		return tstats_errno_from_nle(r);
	}
	*ret = msg;
	return 0;
}

int request_send(const struct transport *t, uint32_t seq, uint8_t cmd, uint16_t flags, int attr,
		 const void *data, size_t len)
{
	struct nl_msg *msg;
	struct nlmsghdr *nlh;
	int r;

	r = request_new(t, seq, cmd, flags, attr, data, len, &msg);
	if (r < 0)
		return r;
	nlh = nlmsg_hdr(msg);
	r = t->ops->send(t->impl, nlh, nlh->nlmsg_len);
	nlmsg_free(msg);
	return r;
}

int request_template(const struct transport *t, unsigned int kind,
		     uint8_t out[REQUEST_U32_LEN])
{
	uint32_t zero = 0;
	struct nl_msg *msg;
	struct nlmsghdr *nlh;
	int r;

	/* No NLM_F_ACK: the answer is the data or an NLMSG_ERROR, exactly
	 * one message per request. */
	r = request_new(t, 0, TS_CMD_GET, 0,
			kind == TSTATS_KIND_TGID ? TS_CMD_ATTR_TGID : TS_CMD_ATTR_PID,
			&zero, sizeof(zero), &msg);
	if (r < 0)
		return r;
	nlh = nlmsg_hdr(msg);
	if (nlh->nlmsg_len == REQUEST_U32_LEN)
		memcpy(out, nlh, REQUEST_U32_LEN);
	else
		r = -EPROTO;
	nlmsg_free(msg);
	return r;
}
