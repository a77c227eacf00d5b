/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test fixtures: netlink message builder and struct taskstats builder.
 * See nlbuild.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "libtaskstats.h"
#include "nlbuild.h"

/* Fixtures are fixed-size: running out of room is a bug in the test. */
static void nlb_need(const struct nlb *b, size_t more)
{
	if (more > NLB_CAP || b->len > NLB_CAP - more) {
		fprintf(stderr, "nlbuild: fixture larger than NLB_CAP\n");
		abort();
	}
}

static void nlb_pad(struct nlb *b, size_t to)
{
	nlb_need(b, to - b->len);
	memset(b->u.buf + b->len, 0, to - b->len);
	b->len = to;
}

void nlb_init(struct nlb *b)
{
	memset(b, 0, sizeof(*b));
}

const uint8_t *nlb_data(const struct nlb *b)
{
	return b->u.buf;
}

size_t nlb_len(const struct nlb *b)
{
	return b->len;
}

void nlb_raw(struct nlb *b, const void *data, size_t len)
{
	nlb_need(b, len);
	if (len)
		memcpy(b->u.buf + b->len, data, len);
	b->len += len;
}

size_t nlb_msg_start(struct nlb *b, uint16_t type, uint16_t flags,
		     uint32_t seq, uint32_t port)
{
	struct nlmsghdr nlh = {
		.nlmsg_len = NLMSG_HDRLEN,
		.nlmsg_type = type,
		.nlmsg_flags = flags,
		.nlmsg_seq = seq,
		.nlmsg_pid = port,
	};

	if (b->open)
		nlb_msg_end(b);
	nlb_pad(b, NLMSG_ALIGN(b->len));
	b->msg = b->len;
	b->open = true;
	b->depth = 0;
	nlb_raw(b, &nlh, sizeof(nlh));
	return b->msg;
}

void nlb_genl(struct nlb *b, uint8_t cmd, uint8_t version)
{
	struct genlmsghdr gh = { .cmd = cmd, .version = version };

	nlb_raw(b, &gh, sizeof(gh));
}

void nlb_set_msg_len(struct nlb *b, uint32_t len)
{
	memcpy(b->u.buf + b->msg + offsetof(struct nlmsghdr, nlmsg_len),
	       &len, sizeof(len));
}

void nlb_msg_end(struct nlb *b)
{
	nlb_set_msg_len(b, (uint32_t)(b->len - b->msg));
	b->open = false;
}

size_t nlb_put(struct nlb *b, uint16_t type, const void *data, size_t len)
{
	struct nlattr nla = { .nla_type = type };
	size_t off = b->len;

	if (len > 0xffff - NLA_HDRLEN) {
		fprintf(stderr, "nlbuild: attribute too long\n");
		abort();
	}
	nla.nla_len = (uint16_t)(NLA_HDRLEN + len);
	nlb_raw(b, &nla, sizeof(nla));
	nlb_raw(b, data, len);
	nlb_pad(b, off + NLA_ALIGN(NLA_HDRLEN + len));
	return off;
}

size_t nlb_put_u32(struct nlb *b, uint16_t type, uint32_t v)
{
	return nlb_put(b, type, &v, sizeof(v));
}

size_t nlb_nest_start(struct nlb *b, uint16_t type)
{
	size_t off = nlb_put(b, type, NULL, 0);

	if (b->depth >= NLB_MAX_NEST) {
		fprintf(stderr, "nlbuild: nests too deep\n");
		abort();
	}
	b->nest[b->depth++] = off;
	return off;
}

void nlb_nest_end(struct nlb *b, size_t nest)
{
	if (!b->depth || b->nest[b->depth - 1] != nest) {
		fprintf(stderr, "nlbuild: unbalanced nest\n");
		abort();
	}
	b->depth--;
	/* Like the kernel's nla_nest_end(): everything up to the tail. */
	nlb_set_nla_len(b, nest, (uint16_t)(b->len - nest));
}

void nlb_set_nla_len(struct nlb *b, size_t off, uint16_t len)
{
	memcpy(b->u.buf + off + offsetof(struct nlattr, nla_len), &len,
	       sizeof(len));
}

size_t nlb_error(struct nlb *b, int error, uint32_t seq, uint32_t port)
{
	struct nlmsgerr e = {
		.error = error,
		.msg = {
			.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + 8,
			.nlmsg_type = 31,
			.nlmsg_flags = NLM_F_REQUEST,
			.nlmsg_seq = seq,
			.nlmsg_pid = port,
		},
	};
	size_t off = nlb_msg_start(b, NLMSG_ERROR, 0, seq, port);

	nlb_raw(b, &e, sizeof(e));
	nlb_msg_end(b);
	return off;
}

const uint8_t *nlb_attrs(const struct nlb *b, size_t msg_off, size_t *len)
{
	uint32_t mlen;

	memcpy(&mlen, b->u.buf + msg_off, sizeof(mlen));
	*len = mlen >= NLMSG_HDRLEN + GENL_HDRLEN ?
	       mlen - NLMSG_HDRLEN - GENL_HDRLEN : 0;
	return b->u.buf + msg_off + NLMSG_HDRLEN + GENL_HDRLEN;
}

/*
 * struct taskstats layouts, x86_64, written from the kernel's
 * include/uapi/linux/taskstats.h (doc/abi.md section 1): the modern (append-only) layout of v4
 * to v14, v16 and v17, and the layouts of their own (v1; v2 and v3 before
 * the aligned(8) fix; 6.14's v15). Each entry is
 * { field, offset, size, kind, first version }.
 */
/* Ids are pasted, never passed on to another macro: ETIME is an errno. */
#define M(f, o, s, k, v) { TSTATS_F_##f, o, s, NLB_K_##k, v }
#define U(f, o, s, v) { TSTATS_F_##f, o, s, NLB_K_UNSIGNED, v }

static const struct nlb_member layout_modern[] = {
	U(VERSION, 0, 2, 1),
	U(EXIT_CODE, 4, 4, 2),
	U(FLAGS, 8, 1, 2),
	M(NICE, 9, 1, NICE, 2),
	U(CPU_COUNT, 16, 8, 1),
	U(CPU_DELAY_TOTAL, 24, 8, 1),
	U(BLKIO_COUNT, 32, 8, 1),
	U(BLKIO_DELAY_TOTAL, 40, 8, 1),
	U(SWAPIN_COUNT, 48, 8, 1),
	U(SWAPIN_DELAY_TOTAL, 56, 8, 1),
	U(CPU_RUN_REAL_TOTAL, 64, 8, 1),
	U(CPU_RUN_VIRTUAL_TOTAL, 72, 8, 1),
	M(COMM, 80, 32, COMM, 2),
	U(SCHED, 112, 1, 2),
	U(UID, 120, 4, 2),
	U(GID, 124, 4, 2),
	U(PID, 128, 4, 2),
	U(PPID, 132, 4, 2),
	U(BTIME, 136, 4, 2),
	U(ETIME, 144, 8, 2),
	U(UTIME, 152, 8, 2),
	U(STIME, 160, 8, 2),
	U(MINFLT, 168, 8, 2),
	U(MAJFLT, 176, 8, 2),
	U(COREMEM, 184, 8, 2),
	U(VIRTMEM, 192, 8, 2),
	U(HIWATER_RSS, 200, 8, 2),
	U(HIWATER_VM, 208, 8, 2),
	U(READ_CHAR, 216, 8, 2),
	U(WRITE_CHAR, 224, 8, 2),
	U(READ_SYSCALLS, 232, 8, 2),
	U(WRITE_SYSCALLS, 240, 8, 2),
	U(READ_BYTES, 248, 8, 3),
	U(WRITE_BYTES, 256, 8, 3),
	U(CANCELLED_WRITE_BYTES, 264, 8, 3),
	U(NVCSW, 272, 8, 5),
	U(NIVCSW, 280, 8, 5),
	U(UTIMESCALED, 288, 8, 6),
	U(STIMESCALED, 296, 8, 6),
	U(CPU_SCALED_RUN_REAL_TOTAL, 304, 8, 6),
	U(FREEPAGES_COUNT, 312, 8, 7),
	U(FREEPAGES_DELAY_TOTAL, 320, 8, 7),
	U(THRASHING_COUNT, 328, 8, 9),
	U(THRASHING_DELAY_TOTAL, 336, 8, 9),
	U(BTIME64, 344, 8, 10),
	U(COMPACT_COUNT, 352, 8, 11),
	U(COMPACT_DELAY_TOTAL, 360, 8, 11),
	U(TGID, 368, 4, 12),
	U(TGETIME, 376, 8, 12),
	U(EXE_DEV, 384, 8, 12),
	U(EXE_INODE, 392, 8, 12),
	U(WPCOPY_COUNT, 400, 8, 13),
	U(WPCOPY_DELAY_TOTAL, 408, 8, 13),
	U(IRQ_COUNT, 416, 8, 14),
	U(IRQ_DELAY_TOTAL, 424, 8, 14),
	/* v16 moved 6.14's max/min pairs here: max at 432+16k, min 440+16k. */
	U(CPU_DELAY_MAX, 432, 8, 16),
	U(CPU_DELAY_MIN, 440, 8, 16),
	U(BLKIO_DELAY_MAX, 448, 8, 16),
	U(BLKIO_DELAY_MIN, 456, 8, 16),
	U(SWAPIN_DELAY_MAX, 464, 8, 16),
	U(SWAPIN_DELAY_MIN, 472, 8, 16),
	U(FREEPAGES_DELAY_MAX, 480, 8, 16),
	U(FREEPAGES_DELAY_MIN, 488, 8, 16),
	U(THRASHING_DELAY_MAX, 496, 8, 16),
	U(THRASHING_DELAY_MIN, 504, 8, 16),
	U(COMPACT_DELAY_MAX, 512, 8, 16),
	U(COMPACT_DELAY_MIN, 520, 8, 16),
	U(WPCOPY_DELAY_MAX, 528, 8, 16),
	U(WPCOPY_DELAY_MIN, 536, 8, 16),
	U(IRQ_DELAY_MAX, 544, 8, 16),
	U(IRQ_DELAY_MIN, 552, 8, 16),
	M(CPU_DELAY_MAX_TS, 560, 16, TIMESPEC, 17),
	M(BLKIO_DELAY_MAX_TS, 576, 16, TIMESPEC, 17),
	M(SWAPIN_DELAY_MAX_TS, 592, 16, TIMESPEC, 17),
	M(FREEPAGES_DELAY_MAX_TS, 608, 16, TIMESPEC, 17),
	M(THRASHING_DELAY_MAX_TS, 624, 16, TIMESPEC, 17),
	M(COMPACT_DELAY_MAX_TS, 640, 16, TIMESPEC, 17),
	M(WPCOPY_DELAY_MAX_TS, 656, 16, TIMESPEC, 17),
	M(IRQ_DELAY_MAX_TS, 672, 16, TIMESPEC, 17),
};

/* 2.6.18: u16 version, u16 padding[3], then eight u64. */
static const struct nlb_member layout_v1[] = {
	U(VERSION, 0, 2, 1),
	U(CPU_COUNT, 8, 8, 1),
	U(CPU_DELAY_TOTAL, 16, 8, 1),
	U(BLKIO_COUNT, 24, 8, 1),
	U(BLKIO_DELAY_TOTAL, 32, 8, 1),
	U(SWAPIN_COUNT, 40, 8, 1),
	U(SWAPIN_DELAY_TOTAL, 48, 8, 1),
	U(CPU_RUN_REAL_TOTAL, 56, 8, 1),
	U(CPU_RUN_VIRTUAL_TOTAL, 64, 8, 1),
};

/* v2/v3: no aligned(8) yet, so ac_uid follows ac_pad directly. */
static const struct nlb_member layout_v23[] = {
	U(VERSION, 0, 2, 1),
	U(EXIT_CODE, 4, 4, 2),
	U(FLAGS, 8, 1, 2),
	M(NICE, 9, 1, NICE, 2),
	U(CPU_COUNT, 16, 8, 1),
	U(CPU_DELAY_TOTAL, 24, 8, 1),
	U(BLKIO_COUNT, 32, 8, 1),
	U(BLKIO_DELAY_TOTAL, 40, 8, 1),
	U(SWAPIN_COUNT, 48, 8, 1),
	U(SWAPIN_DELAY_TOTAL, 56, 8, 1),
	U(CPU_RUN_REAL_TOTAL, 64, 8, 1),
	U(CPU_RUN_VIRTUAL_TOTAL, 72, 8, 1),
	M(COMM, 80, 32, COMM, 2),
	U(SCHED, 112, 1, 2),
	U(UID, 116, 4, 2),
	U(GID, 120, 4, 2),
	U(PID, 124, 4, 2),
	U(PPID, 128, 4, 2),
	U(BTIME, 132, 4, 2),
	U(ETIME, 136, 8, 2),
	U(UTIME, 144, 8, 2),
	U(STIME, 152, 8, 2),
	U(MINFLT, 160, 8, 2),
	U(MAJFLT, 168, 8, 2),
	U(COREMEM, 176, 8, 2),
	U(VIRTMEM, 184, 8, 2),
	U(HIWATER_RSS, 192, 8, 2),
	U(HIWATER_VM, 200, 8, 2),
	U(READ_CHAR, 208, 8, 2),
	U(WRITE_CHAR, 216, 8, 2),
	U(READ_SYSCALLS, 224, 8, 2),
	U(WRITE_SYSCALLS, 232, 8, 2),
	U(READ_BYTES, 240, 8, 3),
	U(WRITE_BYTES, 248, 8, 3),
	U(CANCELLED_WRITE_BYTES, 256, 8, 3),
};

/* 6.14 (v15, and "v14" in 6.14-rc1..rc3): max/min after each total. */
static const struct nlb_member layout_v15[] = {
	U(VERSION, 0, 2, 1),
	U(EXIT_CODE, 4, 4, 2),
	U(FLAGS, 8, 1, 2),
	M(NICE, 9, 1, NICE, 2),
	U(CPU_COUNT, 16, 8, 1),
	U(CPU_DELAY_TOTAL, 24, 8, 1),
	U(CPU_DELAY_MAX, 32, 8, 15),
	U(CPU_DELAY_MIN, 40, 8, 15),
	U(BLKIO_COUNT, 48, 8, 1),
	U(BLKIO_DELAY_TOTAL, 56, 8, 1),
	U(BLKIO_DELAY_MAX, 64, 8, 15),
	U(BLKIO_DELAY_MIN, 72, 8, 15),
	U(SWAPIN_COUNT, 80, 8, 1),
	U(SWAPIN_DELAY_TOTAL, 88, 8, 1),
	U(SWAPIN_DELAY_MAX, 96, 8, 15),
	U(SWAPIN_DELAY_MIN, 104, 8, 15),
	U(CPU_RUN_REAL_TOTAL, 112, 8, 1),
	U(CPU_RUN_VIRTUAL_TOTAL, 120, 8, 1),
	M(COMM, 128, 32, COMM, 2),
	U(SCHED, 160, 1, 2),
	U(UID, 168, 4, 2),
	U(GID, 172, 4, 2),
	U(PID, 176, 4, 2),
	U(PPID, 180, 4, 2),
	U(BTIME, 184, 4, 2),
	U(ETIME, 192, 8, 2),
	U(UTIME, 200, 8, 2),
	U(STIME, 208, 8, 2),
	U(MINFLT, 216, 8, 2),
	U(MAJFLT, 224, 8, 2),
	U(COREMEM, 232, 8, 2),
	U(VIRTMEM, 240, 8, 2),
	U(HIWATER_RSS, 248, 8, 2),
	U(HIWATER_VM, 256, 8, 2),
	U(READ_CHAR, 264, 8, 2),
	U(WRITE_CHAR, 272, 8, 2),
	U(READ_SYSCALLS, 280, 8, 2),
	U(WRITE_SYSCALLS, 288, 8, 2),
	U(READ_BYTES, 296, 8, 3),
	U(WRITE_BYTES, 304, 8, 3),
	U(CANCELLED_WRITE_BYTES, 312, 8, 3),
	U(NVCSW, 320, 8, 5),
	U(NIVCSW, 328, 8, 5),
	U(UTIMESCALED, 336, 8, 6),
	U(STIMESCALED, 344, 8, 6),
	U(CPU_SCALED_RUN_REAL_TOTAL, 352, 8, 6),
	U(FREEPAGES_COUNT, 360, 8, 7),
	U(FREEPAGES_DELAY_TOTAL, 368, 8, 7),
	U(FREEPAGES_DELAY_MAX, 376, 8, 15),
	U(FREEPAGES_DELAY_MIN, 384, 8, 15),
	U(THRASHING_COUNT, 392, 8, 9),
	U(THRASHING_DELAY_TOTAL, 400, 8, 9),
	U(THRASHING_DELAY_MAX, 408, 8, 15),
	U(THRASHING_DELAY_MIN, 416, 8, 15),
	U(BTIME64, 424, 8, 10),
	U(COMPACT_COUNT, 432, 8, 11),
	U(COMPACT_DELAY_TOTAL, 440, 8, 11),
	U(COMPACT_DELAY_MAX, 448, 8, 15),
	U(COMPACT_DELAY_MIN, 456, 8, 15),
	U(TGID, 464, 4, 12),
	U(TGETIME, 472, 8, 12),
	U(EXE_DEV, 480, 8, 12),
	U(EXE_INODE, 488, 8, 12),
	U(WPCOPY_COUNT, 496, 8, 13),
	U(WPCOPY_DELAY_TOTAL, 504, 8, 13),
	U(WPCOPY_DELAY_MAX, 512, 8, 15),
	U(WPCOPY_DELAY_MIN, 520, 8, 15),
	U(IRQ_COUNT, 528, 8, 14),
	U(IRQ_DELAY_TOTAL, 536, 8, 14),
	U(IRQ_DELAY_MAX, 544, 8, 15),
	U(IRQ_DELAY_MIN, 552, 8, 15),
};

#undef U
#undef M

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

size_t nlb_ts_size(unsigned int version)
{
	/* Section 1.1, x86_64 sizeof per version. */
	static const size_t size[] = {
		0, 72, 240, 264, 272, 288, 312, 328, 328, 344, 352, 368, 400,
		416, 432, 560, 560, 688,
	};

	return version < ARRAY_LEN(size) ? size[version] : 0;
}

enum nlb_layout nlb_ts_layout(unsigned int version, size_t len)
{
	switch (version) {
	case 1:
		return NLB_LAYOUT_V1;
	case 2:
	case 3:
		return NLB_LAYOUT_V23;
	case 14:
		return len == 560 ? NLB_LAYOUT_V15 : NLB_LAYOUT_MODERN;
	case 15:
		return NLB_LAYOUT_V15;
	default:
		return NLB_LAYOUT_MODERN;
	}
}

const struct nlb_member *nlb_ts_members(enum nlb_layout layout, size_t *n)
{
	switch (layout) {
	case NLB_LAYOUT_V1:
		*n = ARRAY_LEN(layout_v1);
		return layout_v1;
	case NLB_LAYOUT_V23:
		*n = ARRAY_LEN(layout_v23);
		return layout_v23;
	case NLB_LAYOUT_V15:
		*n = ARRAY_LEN(layout_v15);
		return layout_v15;
	default:
		*n = ARRAY_LEN(layout_modern);
		return layout_modern;
	}
}

const struct nlb_member *nlb_ts_find(enum nlb_layout layout,
				     unsigned int content_version,
				     unsigned int field)
{
	const struct nlb_member *m;
	size_t n;

	m = nlb_ts_members(layout, &n);
	for (size_t i = 0; i < n; i++)
		if (m[i].field == field && m[i].since <= content_version)
			return &m[i];
	return NULL;
}

/* splitmix64: a distinct-looking, reproducible value per field. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

#define FIXTURE_COMM	"fixture:comm-0123456789"
#define FIXTURE_FLAGS	0x39u	/* AFORK | ACORE | AXSIG | AGROUP */
#define FIXTURE_NICE	0xf6u	/* -10 stored in a __u8 */
#define FIXTURE_SCHED	0x05u	/* SCHED_IDLE */
#define TS_SEC(f)	(1700000000ll + (long long)(f) * 1000)
#define TS_NSEC(f)	(100000000ll + (long long)(f) * 7)

/* Raw bytes' value of a member (before truncation to its size). */
static uint64_t raw_value(unsigned int field)
{
	switch (field) {
	case TSTATS_F_FLAGS:
		return FIXTURE_FLAGS;
	case TSTATS_F_NICE:
		return FIXTURE_NICE;
	case TSTATS_F_SCHED:
		return FIXTURE_SCHED;
	default:
		return mix(0x7473ull * 1000 + field);
	}
}

uint64_t nlb_ts_expect(unsigned int field)
{
	switch (field) {
	case TSTATS_F_NICE:
		return (uint64_t)(int64_t)-10;
	case TSTATS_F_EXIT_CODE:
	case TSTATS_F_UID:
	case TSTATS_F_GID:
	case TSTATS_F_PID:
	case TSTATS_F_PPID:
	case TSTATS_F_BTIME:
	case TSTATS_F_TGID:
		return raw_value(field) & 0xffffffffu;
	case TSTATS_F_CPU_DELAY_MAX_TS:
	case TSTATS_F_BLKIO_DELAY_MAX_TS:
	case TSTATS_F_SWAPIN_DELAY_MAX_TS:
	case TSTATS_F_FREEPAGES_DELAY_MAX_TS:
	case TSTATS_F_THRASHING_DELAY_MAX_TS:
	case TSTATS_F_COMPACT_DELAY_MAX_TS:
	case TSTATS_F_WPCOPY_DELAY_MAX_TS:
	case TSTATS_F_IRQ_DELAY_MAX_TS:
		return (uint64_t)TS_SEC(field) * 1000000000u +
		       (uint64_t)TS_NSEC(field);
	default:
		return raw_value(field);
	}
}

const char *nlb_ts_expect_comm(void)
{
	return FIXTURE_COMM;
}

static void put_member(uint8_t *p, const struct nlb_member *m)
{
	uint64_t v = raw_value(m->field);
	char comm[32] = FIXTURE_COMM;
	int64_t ts[2];
	uint32_t u32;
	uint16_t u16;
	uint8_t u8;

	switch (m->kind) {
	case NLB_K_COMM:
		memcpy(p, comm, sizeof(comm));
		return;
	case NLB_K_TIMESPEC:
		ts[0] = TS_SEC(m->field);
		ts[1] = TS_NSEC(m->field);
		memcpy(p, ts, sizeof(ts));
		return;
	default:
		break;
	}
	switch (m->size) {
	case 1:
		u8 = (uint8_t)v;
		memcpy(p, &u8, 1);
		break;
	case 2:
		u16 = (uint16_t)v;
		memcpy(p, &u16, 2);
		break;
	case 4:
		u32 = (uint32_t)v;
		memcpy(p, &u32, 4);
		break;
	default:
		memcpy(p, &v, 8);
		break;
	}
}

void nlb_ts_build(void *out, size_t len, unsigned int version_field,
		  enum nlb_layout layout, unsigned int content_version)
{
	const struct nlb_member *m;
	uint8_t *p = out;
	uint16_t v = (uint16_t)version_field;
	size_t n;

	/* Holes and any tail get a pattern a misplaced read would show. */
	memset(p, 0xee, len);
	m = nlb_ts_members(layout, &n);
	for (size_t i = 0; i < n; i++) {
		if (m[i].since > content_version || m[i].off + m[i].size > len)
			continue;
		if (m[i].field == TSTATS_F_VERSION)
			continue;
		put_member(p + m[i].off, &m[i]);
	}
	if (len >= sizeof(v))
		memcpy(p, &v, sizeof(v));
}

size_t nlb_ts_build_version(void *out, size_t cap, unsigned int version)
{
	size_t len = nlb_ts_size(version);

	if (!len || len > cap) {
		fprintf(stderr, "nlbuild: no room for version %u\n", version);
		abort();
	}
	nlb_ts_build(out, len, version, nlb_ts_layout(version, len), version);
	return len;
}
