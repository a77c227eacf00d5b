/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bytes to records: netlink message walking, taskstats reply parsing and the
 * versioned struct taskstats decoder. No I/O and no allocation here, so all
 * of it is unit-tested and fuzzed from byte arrays.
 */
#include <errno.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "internal.h"

/* Picks the layout for a payload's version and length (see fields.c). */
static enum layout layout_for(unsigned int version, size_t len)
{
	if (version == 1)
		return LAYOUT_V1;
	if (version == 2 || version == 3)
		return LAYOUT_V23;
	/*
	 * 6.14 inserted max/min mid-struct: released as v15, but 6.14-rc1..rc3
	 * sent the same 560-byte layout still numbered 14. A v14 payload of
	 * 432 bytes is the real v14.
	 */
	if (version == 15 || (version == 14 && len >= 560))
		return LAYOUT_V15;
	return LAYOUT_MODERN;
}

/* Version implied by a payload length, for records whose version reads 0. */
static unsigned int version_for_len(size_t len)
{
	unsigned int best = 0;

	/* 560 bytes is v15 or v16: assume the newer, append-only one. */
	for (unsigned int v = 1; v <= TSTATS_VERSION_KNOWN; v++)
		if (tstats_version_size(v) == len)
			best = v;
	return best ? best : TSTATS_VERSION_KNOWN;
}

static uint64_t load_unsigned(const uint8_t *p, unsigned int size)
{
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	/* memcpy: the payload is only 4-byte aligned in the message. */
	switch (size) {
	case 1:
		memcpy(&u8, p, 1);
		return u8;
	case 2:
		memcpy(&u16, p, 2);
		return u16;
	case 4:
		memcpy(&u32, p, 4);
		return u32;
	default:
		memcpy(&u64, p, 8);
		return u64;
	}
}

static uint64_t load_timespec_ns(const uint8_t *p)
{
	int64_t sec, nsec;

	memcpy(&sec, p, 8);
	memcpy(&nsec, p + 8, 8);
	if (sec < 0 || nsec < 0 || nsec >= 1000000000)
		return 0;
	if ((uint64_t)sec > (UINT64_MAX - (uint64_t)nsec) / 1000000000u)
		return UINT64_MAX;
	return (uint64_t)sec * 1000000000u + (uint64_t)nsec;
}

int codec_decode(const void *payload, size_t len, unsigned int kind,
		 unsigned int fallback_version, struct tstats_record *rec)
{
	const uint8_t *p = payload;
	unsigned int version, effective;
	enum layout layout;
	size_t known;
	uint16_t v;

	if (!payload || len < sizeof(v))
		return -EBADMSG;

	memset(rec, 0, sizeof(*rec));
	memcpy(&v, p, sizeof(v));
	version = v;
	if (version == 0) {
		/*
		 * TGID exit records carried version 0 until the 2026 fix
		 * "taskstats: set version in TGID exit notifications".
		 */
		version = fallback_version ? fallback_version : version_for_len(len);
		rec->flags |= TSTATS_RECORD_VERSION_INFERRED;
	}
	layout = layout_for(version, len);
	effective = version;
	if (layout == LAYOUT_V15)
		effective = 15;
	if (version > TSTATS_VERSION_KNOWN) {
		rec->flags |= TSTATS_RECORD_NEWER;
		effective = TSTATS_VERSION_KNOWN;
	}
	known = tstats_version_size(effective);
	if (known && len < known)
		rec->flags |= TSTATS_RECORD_SHORT;

	rec->kind = kind;
	rec->version = version;
	rec->payload_len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;

	for (unsigned int f = 0; f < TSTATS_F__COUNT; f++) {
		const struct field_def *d = &tstats_fields[f];
		unsigned int off = d->off[layout];

		if (d->info.since > effective || off == OFF_NONE ||
		    off + d->size > len)
			continue;
		if (kind == TSTATS_KIND_TGID && !d->info.in_tgid)
			continue;

		switch (d->vkind) {
		case VK_STRING:
			memcpy(rec->comm, p + off, d->size);
			rec->comm[d->size] = '\0';
			break;
		case VK_SIGNED8:
			rec->value[f] = (uint64_t)(int64_t)(int8_t)p[off];
			break;
		case VK_TIMESPEC:
			rec->value[f] = load_timespec_ns(p + off);
			break;
		default:
			rec->value[f] = load_unsigned(p + off, d->size);
			break;
		}
		rec->present[f / 64] |= UINT64_C(1) << (f % 64);
	}
	/* The version field holds what was used to decode. */
	rec->value[TSTATS_F_VERSION] = version;
	return 0;
}

TSTATS_EXPORT int tstats_decode(const void *payload, size_t len, unsigned int flags,
				unsigned int fallback_version, struct tstats_record *ret)
{
	if (!ret || (flags & ~TSTATS_DECODE_TGID))
		return -EINVAL;
	return codec_decode(payload, len,
			    (flags & TSTATS_DECODE_TGID) ? TSTATS_KIND_TGID : TSTATS_KIND_PID,
			    fallback_version, ret);
}

/*
 * Attribute iteration. Lengths are checked before anything is read: an
 * attribute whose nla_len is below the header size or runs past its
 * container is a malformed message. Fewer than NLA_HDRLEN trailing bytes
 * are alignment padding and ignored.
 */
struct attr_iter {
	const uint8_t *pos;
	size_t rem;
};

/* 1 with type, data and len set, 0 at the end, -EBADMSG if malformed. */
static int attr_next(struct attr_iter *it, uint16_t *type, const uint8_t **data,
		     size_t *len)
{
	struct nlattr nla;
	size_t step;

	if (it->rem < NLA_HDRLEN)
		return 0;
	memcpy(&nla, it->pos, sizeof(nla));
	if (nla.nla_len < NLA_HDRLEN || nla.nla_len > it->rem)
		return -EBADMSG;
	*type = nla.nla_type & NLA_TYPE_MASK;
	*data = it->pos + NLA_HDRLEN;
	*len = nla.nla_len - NLA_HDRLEN;
	step = NLA_ALIGN(nla.nla_len);
	if (step > it->rem)
		step = it->rem;
	it->pos += step;
	it->rem -= step;
	return 1;
}

static int parse_aggr(const uint8_t *data, size_t len, uint16_t id_type,
		      struct codec_aggr *out)
{
	struct attr_iter it = { data, len };
	bool have_id = false;
	const uint8_t *d;
	uint16_t type;
	size_t l;
	int r;

	while ((r = attr_next(&it, &type, &d, &l)) > 0) {
		if (type == id_type) {
			if (have_id || l < sizeof(uint32_t))
				return -EBADMSG;
			memcpy(&out->id, d, sizeof(uint32_t));
			have_id = true;
		} else if (type == TS_TYPE_STATS) {
			/* Two STATS in one nest: refuse to guess which. */
			if (out->stats || l < sizeof(uint16_t))
				return -EBADMSG;
			out->stats = d;
			out->stats_len = l > UINT32_MAX ? UINT32_MAX : (uint32_t)l;
		}
		/* TYPE_NULL padding and attributes we do not know: skip. */
	}
	if (r < 0)
		return r;
	if (!have_id || !out->stats)
		return -EBADMSG;
	out->found = true;
	return 0;
}

int codec_parse_new(const void *attrs, size_t len, struct codec_reply *out)
{
	struct attr_iter it = { attrs, len };
	const uint8_t *d;
	uint16_t type;
	size_t l;
	int r;

	memset(out, 0, sizeof(*out));
	while ((r = attr_next(&it, &type, &d, &l)) > 0) {
		struct codec_aggr *a;
		uint16_t id_type;

		if (type == TS_TYPE_AGGR_PID) {
			a = &out->pid;
			id_type = TS_TYPE_PID;
		} else if (type == TS_TYPE_AGGR_TGID) {
			a = &out->tgid;
			id_type = TS_TYPE_TGID;
		} else {
			continue;
		}
		if (a->found)
			return -EBADMSG;
		r = parse_aggr(d, l, id_type, a);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	if (!out->pid.found && !out->tgid.found)
		return -EBADMSG;
	return 0;
}

int codec_walk(const void *buf, size_t len, uint16_t family,
	       codec_msg_fn fn, void *userdata)
{
	const uint8_t *pos = buf;
	size_t rem = len;

	while (rem >= NLMSG_HDRLEN) {
		struct nlmsghdr nlh;
		struct codec_msg m = { 0 };
		size_t plen, step;
		int r;

		memcpy(&nlh, pos, sizeof(nlh));
		if (nlh.nlmsg_len < NLMSG_HDRLEN || nlh.nlmsg_len > rem)
			return -EBADMSG;
		plen = nlh.nlmsg_len - NLMSG_HDRLEN;
		m.seq = nlh.nlmsg_seq;
		m.portid = nlh.nlmsg_pid;
		m.type = nlh.nlmsg_type;
		m.nlflags = nlh.nlmsg_flags;

		if (nlh.nlmsg_type == NLMSG_ERROR) {
			int32_t err;

			if (plen < sizeof(err))
				return -EBADMSG;
			memcpy(&err, pos + NLMSG_HDRLEN, sizeof(err));
			m.cls = MSG_ERROR;
			/* The kernel sends -errno; never let a positive value
			 * masquerade as success. */
			m.error = err > 0 ? -err : err;
		} else if (nlh.nlmsg_type == family && family >= NLMSG_MIN_TYPE) {
			struct genlmsghdr gh;

			if (plen < GENL_HDRLEN)
				return -EBADMSG;
			memcpy(&gh, pos + NLMSG_HDRLEN, sizeof(gh));
			m.cls = MSG_DATA;
			m.cmd = gh.cmd;
			m.attrs = pos + NLMSG_HDRLEN + GENL_HDRLEN;
			m.attrs_len = plen - GENL_HDRLEN;
		}

		r = fn(&m, userdata);
		if (r)
			return r;

		step = NLMSG_ALIGN(nlh.nlmsg_len);
		if (step > rem)
			step = rem;
		pos += step;
		rem -= step;
	}
	return 0;
}
