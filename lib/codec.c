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

/* A struct __kernel_timespec as ns since the epoch into *ret; false for
 * one that is no time at all (negative, or nsec past a second): the field
 * is then absent, not 0 (0 is the kernel's "no such delay yet"). */
static bool load_timespec_ns(const uint8_t *p, uint64_t *ret)
{
	int64_t sec, nsec;

	memcpy(&sec, p, 8);
	memcpy(&nsec, p + 8, 8);
	if (sec < 0 || nsec < 0 || nsec >= 1000000000)
		return false;
	if ((uint64_t)sec > (UINT64_MAX - (uint64_t)nsec) / 1000000000u)
		*ret = UINT64_MAX;
	else
		*ret = (uint64_t)sec * 1000000000u + (uint64_t)nsec;
	return true;
}

/* TSTATS_RECORD_EMPTY_GROUP: a TGID record with nothing counted. */
static void mark_empty_group(struct tstats_record *rec)
{
	if (rec->kind != TSTATS_KIND_TGID)
		return;
	for (unsigned int f = 0; f < TSTATS_F__COUNT; f++)
		if (f != TSTATS_F_VERSION && rec->value[f] && mask_has(rec->present, f))
			return;
	rec->flags |= TSTATS_RECORD_EMPTY_GROUP;
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
			if (!load_timespec_ns(p + off, &rec->value[f]))
				continue;	/* absent */
			break;
		default:
			rec->value[f] = load_unsigned(p + off, d->size);
			break;
		}
		mask_set(rec->present, f);
	}
	/* The version field holds what was used to decode. */
	rec->value[TSTATS_F_VERSION] = version;
	mark_empty_group(rec);
	return 0;
}

/*
 * A process's exit record is the kernel's running sum of its threads'
 * final records. Until "taskstats: retain dead thread stats in TGID
 * queries" (2026; 5.10, 6.1 and 6.12.95 lack it) only each thread's delay
 * block was added: the age, CPU times and context switches stay 0 there,
 * and 0 is never their sum (ac_etime adds up the threads' ages). Absent,
 * not 0: a caller then sums the threads' own records.
 */
void codec_drop_unsummed(struct tstats_record *rec)
{
	static const unsigned int unsummed[] = {
		TSTATS_F_ETIME, TSTATS_F_UTIME, TSTATS_F_STIME, TSTATS_F_NVCSW, TSTATS_F_NIVCSW,
	};

	if (!mask_has(rec->present, TSTATS_F_ETIME) || rec->value[TSTATS_F_ETIME] != 0)
		return;
	for (size_t i = 0; i < sizeof(unsummed) / sizeof(unsummed[0]); i++)
		mask_clear(rec->present, unsummed[i]);
}

TSTATS_EXPORT int tstats_decode(const void *payload, size_t len, unsigned int flags,
				unsigned int fallback_version, struct tstats_record *ret)
{
	if (!payload || !ret || (flags & ~TSTATS_DECODE_TGID))
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

/*
 * Decoding plans. codec_decode() asks ~80 questions per record (version,
 * layout, length, kind) whose answers are the same for every record a
 * kernel sends; a plan answers them once per (version, layout, kind) and
 * keeps only the copies: runs of adjacent 8-byte fields become one memcpy
 * each (four for a v16 PID record), 1-4 byte unsigned fields one masked
 * 8-byte load each, and the rest (comm, nice, timespecs) their own code.
 * plan_build() mirrors codec_decode() rule for rule; the batch test suite
 * compares both decoders on every version, kind and length.
 */
static void plan_build(struct codec_plan *plan, unsigned int version,
		       enum layout layout, unsigned int kind)
{
	unsigned int effective = layout == LAYOUT_V15 ? 15 : version;
	size_t min_len, end = 0;

	memset(plan, 0, sizeof(*plan));
	plan->version = (uint16_t)version;
	plan->kind = kind;
	plan->layout = layout;
	if (version > TSTATS_VERSION_KNOWN) {
		plan->flags |= TSTATS_RECORD_NEWER;
		effective = TSTATS_VERSION_KNOWN;
	}
	/* Shorter than its struct: TSTATS_RECORD_SHORT, per-field checks. */
	min_len = tstats_version_size(effective);
	for (unsigned int f = 0; f < TSTATS_F__COUNT; f++) {
		const struct field_def *d = &tstats_fields[f];
		unsigned int off = d->off[layout];

		if (d->info.since > effective || off == OFF_NONE)
			continue;
		if (kind == TSTATS_KIND_TGID && !d->info.in_tgid)
			continue;
		if (off + d->size > end)
			end = off + d->size;
	}
	if (end > min_len)
		min_len = end;

	for (unsigned int f = 0; f < TSTATS_F__COUNT; f++) {
		const struct field_def *d = &tstats_fields[f];
		unsigned int off = d->off[layout];
		struct codec_op *run = plan->nruns ? &plan->runs[plan->nruns - 1] : NULL;
		struct codec_op op = {
			.off = (uint16_t)off, .len = d->size, .field = (uint8_t)f,
			.vkind = d->vkind,
		};

		if (d->info.since > effective || off == OFF_NONE)
			continue;
		if (kind == TSTATS_KIND_TGID && !d->info.in_tgid)
			continue;
		mask_set(plan->present, f);
		/* The version is set from the header, as in codec_decode. */
		if (f == TSTATS_F_VERSION)
			continue;
		if (d->vkind == VK_UNSIGNED && d->size == 8) {
			if (run && run->field + run->len / 8u == f && run->off + run->len == off)
				run->len += 8;
			else
				plan->runs[plan->nruns++] = op;
		} else if (d->vkind == VK_UNSIGNED && d->size < 8 && off + 8u <= min_len &&
			   __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) {
			/* The 8 bytes loaded lie inside every covered payload. */
			plan->narrow[plan->nnarrow++] = op;
		} else {
			plan->ops[plan->nops++] = op;
		}
	}
	plan->min_len = (uint32_t)min_len;

	/*
	 * What the copies leave untouched must read 0, as after
	 * codec_decode()'s memset: the value slots no field fills, and comm
	 * when absent. Each byte of a record is then written once.
	 */
	{
		bool written[TSTATS_FIELD_CAPACITY + 1] = { [TSTATS_F_VERSION] = true };
		const size_t slot = sizeof(((struct tstats_record *)0)->value[0]);
		bool has_comm = false;

		for (unsigned int i = 0; i < plan->nruns; i++)
			for (unsigned int k = 0; k < plan->runs[i].len / 8u; k++)
				written[plan->runs[i].field + k] = true;
		for (unsigned int i = 0; i < plan->nnarrow; i++)
			written[plan->narrow[i].field] = true;
		for (unsigned int i = 0; i < plan->nops; i++) {
			if (plan->ops[i].vkind == VK_STRING)
				has_comm = true;	/* its op clears the rest */
			else
				written[plan->ops[i].field] = true;
		}
		/* Slot TSTATS_FIELD_CAPACITY stands for comm[]. */
		written[TSTATS_FIELD_CAPACITY] = has_comm;
		for (unsigned int f = 0; f <= TSTATS_FIELD_CAPACITY; f++) {
			struct codec_op *z = plan->nzero ? &plan->zero[plan->nzero - 1] : NULL;
			size_t off = f * slot;
			size_t len = f < TSTATS_FIELD_CAPACITY ? slot :
				     sizeof(((struct tstats_record *)0)->comm);

			if (written[f])
				continue;
			if (z && z->off + z->len == off)
				z->len = (uint16_t)(z->len + len);
			else
				plan->zero[plan->nzero++] = (struct codec_op){
					.off = (uint16_t)off, .len = (uint16_t)len,
				};
		}
	}
}

int codec_decode_plan(struct codec_plan *plan, const void *payload, size_t len,
		      unsigned int kind, struct tstats_record *rec)
{
	static const uint64_t mask[5] = { 0, 0xff, 0xffff, 0xffffff, 0xffffffff };
	const uint8_t *p = payload;
	enum layout layout;
	uint16_t v;

	if (!payload || len < sizeof(v))
		return -EBADMSG;
	memcpy(&v, p, sizeof(v));
	if (v == 0)	/* version inferred: rare (old exit records) */
		return codec_decode(payload, len, kind, 0, rec);
	layout = layout_for(v, len);
	if (v != plan->version || kind != plan->kind || layout != plan->layout)
		plan_build(plan, v, layout, kind);
	if (len < plan->min_len)
		return codec_decode(payload, len, kind, 0, rec);

	rec->kind = kind;
	rec->id = 0;
	rec->version = v;
	rec->payload_len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	rec->flags = plan->flags;
	rec->reserved = 0;
	memcpy(rec->present, plan->present, sizeof(rec->present));
	/*
	 * Sizes come from the plan, not from constants, on purpose: the
	 * compiler then calls the C library's vectorised memset/memcpy
	 * instead of inlining a rep stos/movs (an instruction per 8 bytes).
	 * value[] and comm[] are contiguous: zero ranges may span both.
	 */
	_Static_assert(offsetof(struct tstats_record, comm) ==
		       offsetof(struct tstats_record, value) + sizeof(rec->value),
		       "comm follows value");
	for (unsigned int i = 0; i < plan->nzero; i++)
		memset((uint8_t *)rec->value + plan->zero[i].off, 0, plan->zero[i].len);
	for (unsigned int i = 0; i < plan->nruns; i++) {
		const struct codec_op *op = &plan->runs[i];

		memcpy(&rec->value[op->field], p + op->off, op->len);
	}
	for (unsigned int i = 0; i < plan->nnarrow; i++) {
		const struct codec_op *op = &plan->narrow[i];
		uint64_t x;

		memcpy(&x, p + op->off, sizeof(x));
		rec->value[op->field] = x & mask[op->len];
	}
	for (unsigned int i = 0; i < plan->nops; i++) {
		const struct codec_op *op = &plan->ops[i];

		switch (op->vkind) {
		case VK_STRING:
			memcpy(rec->comm, p + op->off, op->len);
			memset(rec->comm + op->len, 0, sizeof(rec->comm) - op->len);
			break;
		case VK_SIGNED8:
			rec->value[op->field] = (uint64_t)(int64_t)(int8_t)p[op->off];
			break;
		case VK_TIMESPEC:
			if (!load_timespec_ns(p + op->off, &rec->value[op->field])) {
				rec->value[op->field] = 0;
				mask_clear(rec->present, op->field);
			}
			break;
		default:
			rec->value[op->field] = load_unsigned(p + op->off, op->len);
			break;
		}
	}
	rec->value[TSTATS_F_VERSION] = v;
	mark_empty_group(rec);
	return 0;
}

int codec_parse_cgroupstats(const void *attrs, size_t len, struct tstats_cgroupstats *out)
{
	struct attr_iter it = { attrs, len };
	const uint8_t *stats = NULL;
	size_t stats_len = 0;
	const uint8_t *d;
	uint16_t type;
	size_t l;
	int r;

	while ((r = attr_next(&it, &type, &d, &l)) > 0) {
		if (type != CGS_TYPE_CGROUP_STATS)
			continue;	/* unknown attributes: skip */
		if (stats)
			return -EBADMSG;	/* two: refuse to guess */
		stats = d;
		stats_len = l;
	}
	if (r < 0)
		return r;
	/* The struct has been five __u64 since it was added (2.6.24); a
	 * longer one would be a newer kernel's, read by its known prefix. */
	if (!stats || stats_len < CGS_STATS_LEN)
		return -EBADMSG;
	memset(out, 0, sizeof(*out));
	memcpy(&out->nr_sleeping, stats, 8);
	memcpy(&out->nr_running, stats + 8, 8);
	memcpy(&out->nr_stopped, stats + 16, 8);
	memcpy(&out->nr_uninterruptible, stats + 24, 8);
	memcpy(&out->nr_io_wait, stats + 32, 8);
	out->payload_len = stats_len > UINT32_MAX ? UINT32_MAX : (uint32_t)stats_len;
	return 0;
}
