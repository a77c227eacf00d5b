/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Writes the generated part of the reply fuzz corpus: one file per
 * fixture, built with the tests' netlink and struct taskstats builders
 * (tests/nlbuild.h). Every struct version as PID and TGID replies, exit
 * events, NULL pads and unknown attributes, the kernel's errors, several
 * messages per datagram (stale, foreign, batched, multipart), and broken
 * ones. Family, port and sequence numbers as fuzz.h describes.
 *
 *   fuzz-gen-corpus DIR     (files named seed-*, overwritten)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "fuzz.h"
#include "internal.h"
#include "nlbuild.h"

static const char *outdir;
static int written;

static void emit(const char *name, const struct nlb *b, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seed-%s", outdir, name);
	f = fopen(path, "we");
	if (!f || (len && fwrite(nlb_data(b), len, 1, f) != 1) || fclose(f) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		exit(1);
	}
	written++;
}

static void emit_all(const char *name, const struct nlb *b)
{
	emit(name, b, nlb_len(b));
}

/* An aggregate nest: the id, optionally a NULL pad, the STATS payload. */
static void put_aggr(struct nlb *b, uint16_t aggr, uint32_t id, const void *stats, size_t len,
		     bool pad)
{
	size_t nest = nlb_nest_start(b, aggr);

	nlb_put_u32(b, (aggr & NLA_TYPE_MASK) == TS_TYPE_AGGR_TGID ? TS_TYPE_TGID : TS_TYPE_PID,
		    id);
	if (pad)
		nlb_put(b, TS_TYPE_NULL, NULL, 0);
	nlb_put(b, TS_TYPE_STATS, stats, len);
	nlb_nest_end(b, nest);
}

static void start_new(struct nlb *b, uint16_t flags, uint32_t seq, uint32_t port)
{
	nlb_msg_start(b, FUZZ_FAMILY, flags, seq, port);
	nlb_genl(b, TS_CMD_NEW, TS_GENL_VERSION);
}

/* A whole reply message of one aggregate. */
static void reply(struct nlb *b, uint16_t flags, uint32_t seq, uint32_t port, uint16_t aggr,
		  uint32_t id, const void *stats, size_t len)
{
	start_new(b, flags, seq, port);
	put_aggr(b, aggr, id, stats, len, false);
	nlb_msg_end(b);
}

static uint8_t pl[2048];

static size_t v16(void)
{
	return nlb_ts_build_version(pl, sizeof(pl), 16);
}

static void reply16(struct nlb *b, uint16_t flags, uint32_t seq, uint32_t port, uint32_t id)
{
	reply(b, flags, seq, port, TS_TYPE_AGGR_PID, id, pl, v16());
}

static void versions(void)
{
	struct nlb b;
	char name[64];
	size_t len;

	for (unsigned int v = 1; v <= TSTATS_VERSION_KNOWN; v++) {
		len = nlb_ts_build_version(pl, sizeof(pl), v);
		nlb_init(&b);
		reply(&b, 0, 1, FUZZ_PORT, TS_TYPE_AGGR_PID, 1000 + v, pl, len);
		snprintf(name, sizeof(name), "reply-pid-v%02u", v);
		emit_all(name, &b);
		nlb_init(&b);
		reply(&b, 0, 1, FUZZ_PORT, TS_TYPE_AGGR_TGID, 2000 + v, pl, len);
		snprintf(name, sizeof(name), "reply-tgid-v%02u", v);
		emit_all(name, &b);
	}
	/* 6.14-rc1..rc3: the v15 layout numbered 14. */
	nlb_ts_build(pl, 560, 14, NLB_LAYOUT_V15, 15);
	nlb_init(&b);
	reply(&b, 0, 1, FUZZ_PORT, TS_TYPE_AGGR_PID, 1014, pl, 560);
	emit_all("reply-pid-v14-560", &b);
	/* A newer kernel's longer struct. */
	nlb_ts_build(pl, 800, 18, NLB_LAYOUT_MODERN, 17);
	nlb_init(&b);
	reply(&b, 0, 1, FUZZ_PORT, TS_TYPE_AGGR_PID, 1018, pl, 800);
	emit_all("reply-pid-v18-newer", &b);
	/* Version 0, short, long, minimal payloads. */
	nlb_ts_build(pl, 560, 0, NLB_LAYOUT_MODERN, 16);
	nlb_init(&b);
	reply(&b, 0, 1, FUZZ_PORT, TS_TYPE_AGGR_TGID, 1000, pl, 560);
	emit_all("reply-tgid-v00", &b);
	nlb_ts_build(pl, 300, 16, NLB_LAYOUT_MODERN, 16);
	nlb_init(&b);
	reply(&b, 0, 1, FUZZ_PORT, TS_TYPE_AGGR_PID, 1000, pl, 300);
	emit_all("reply-pid-v16-short", &b);
	nlb_ts_build(pl, 600, 16, NLB_LAYOUT_MODERN, 16);
	nlb_init(&b);
	reply(&b, 0, 1, FUZZ_PORT, TS_TYPE_AGGR_PID, 1000, pl, 600);
	emit_all("reply-pid-v16-long", &b);
	nlb_init(&b);
	reply(&b, 0, 1, FUZZ_PORT, TS_TYPE_AGGR_PID, 1000, pl, 2);
	emit_all("reply-pid-2-bytes", &b);
}

static void shapes(void)
{
	static const uint8_t junk[3] = { 1, 2, 3 };
	struct nlb b;
	size_t len = v16(), nest;

	/* Both aggregates in one reply. */
	nlb_init(&b);
	start_new(&b, 0, 1, FUZZ_PORT);
	put_aggr(&b, TS_TYPE_AGGR_PID, 100, pl, len, false);
	put_aggr(&b, TS_TYPE_AGGR_TGID, 101, pl, len, false);
	nlb_msg_end(&b);
	emit_all("reply-pid-and-tgid", &b);
	/* NULL pads: inside the nest (nla_reserve_64bit()) and before it. */
	nlb_init(&b);
	start_new(&b, 0, 1, FUZZ_PORT);
	nlb_put(&b, TS_TYPE_NULL, NULL, 0);
	put_aggr(&b, TS_TYPE_AGGR_PID, 100, pl, len, true);
	nlb_msg_end(&b);
	emit_all("reply-null-pad", &b);
	/* Unknown attributes everywhere, NLA_F_NESTED on the nest. */
	nlb_init(&b);
	start_new(&b, 0, 1, FUZZ_PORT);
	nlb_put(&b, 77, junk, sizeof(junk));
	nlb_put_u32(&b, TS_TYPE_PID, 1);
	nest = nlb_nest_start(&b, TS_TYPE_AGGR_PID | NLA_F_NESTED);
	nlb_put(&b, 99, junk, sizeof(junk));
	nlb_put_u32(&b, TS_TYPE_TGID, 5);
	nlb_put_u32(&b, TS_TYPE_PID, 100);
	nlb_put(&b, 0, NULL, 0);
	nlb_put(&b, TS_TYPE_STATS, pl, len);
	nlb_put(&b, 0x3fff, junk, 1);
	nlb_nest_end(&b, nest);
	nlb_put(&b, 200, junk, 2);
	nlb_msg_end(&b);
	emit_all("reply-unknown-attrs", &b);
}

/* Exit messages: sequence numbers of the kernel's per-CPU counter, port 0. */
static void exits(void)
{
	const struct nlb_member *flag = nlb_ts_find(NLB_LAYOUT_MODERN, 16, TSTATS_F_FLAGS);
	uint8_t tg[1024];
	struct nlb b;
	size_t len;

	len = v16();
	pl[flag->off] = 0x21;	/* AFORK | AGROUP */
	nlb_init(&b);
	reply(&b, 0, 0, 0, TS_TYPE_AGGR_PID, 300, pl, len);
	emit_all("exit-pid-group-v16", &b);
	nlb_init(&b);
	reply(&b, 0, 17, 0, TS_TYPE_AGGR_PID, 300, pl, len);
	reply(&b, 0, 18, 0, TS_TYPE_AGGR_PID, 301, pl, len);
	emit_all("exit-two-messages", &b);
	pl[flag->off] = 0x00;
	nlb_init(&b);
	reply(&b, 0, 5, 0, TS_TYPE_AGGR_PID, 302, pl, len);
	emit_all("exit-thread-v16", &b);
	/* The last thread of a group: TGID record with version 0 (before
	 * the 2026 fix), and with its version. */
	pl[flag->off] = 0x21;
	nlb_ts_build(tg, 560, 0, NLB_LAYOUT_MODERN, 16);
	nlb_init(&b);
	start_new(&b, 0, 0, 0);
	put_aggr(&b, TS_TYPE_AGGR_PID, 303, pl, len, false);
	put_aggr(&b, TS_TYPE_AGGR_TGID, 304, tg, 560, false);
	nlb_msg_end(&b);
	emit_all("exit-pid-tgid-v16-tgid-v0", &b);
	len = nlb_ts_build_version(pl, sizeof(pl), 17);
	nlb_init(&b);
	start_new(&b, 0, 3, 0);
	put_aggr(&b, TS_TYPE_AGGR_PID, 305, pl, len, false);
	put_aggr(&b, TS_TYPE_AGGR_TGID, 306, pl, len, false);
	nlb_msg_end(&b);
	emit_all("exit-pid-tgid-v17", &b);
	/* Registration: the ACK, an exit after it. */
	nlb_init(&b);
	nlb_error(&b, 0, 1, FUZZ_PORT);
	reply(&b, 0, 0, 0, TS_TYPE_AGGR_PID, 307, pl, len);
	emit_all("register-ack-then-exit", &b);
	nlb_init(&b);
	reply(&b, 0, 0, 0, TS_TYPE_AGGR_PID, 308, pl, len);
	nlb_error(&b, -EINVAL, 1, FUZZ_PORT);
	emit_all("register-exit-then-einval", &b);
}

static void errors(void)
{
	static const struct {
		const char *name;
		int err;
	} errs[] = {
		{ "EPERM", EPERM }, { "ESRCH", ESRCH }, { "EINVAL", EINVAL },
		{ "ERANGE", ERANGE }, { "EOPNOTSUPP", EOPNOTSUPP }, { "ENOMEM", ENOMEM },
		{ "E2BIG", E2BIG }, { "ENOBUFS", ENOBUFS }, { "EMSGSIZE", EMSGSIZE },
		{ "ENOENT", ENOENT }, { "EACCES", EACCES }, { "EBUSY", EBUSY },
	};
	struct nlmsghdr nlh = { .nlmsg_len = NLMSG_HDRLEN + 2, .nlmsg_type = NLMSG_ERROR,
				.nlmsg_seq = 1, .nlmsg_pid = FUZZ_PORT };
	char name[64];
	struct nlb b;

	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		nlb_init(&b);
		nlb_error(&b, -errs[i].err, 1, FUZZ_PORT);
		snprintf(name, sizeof(name), "error-%s", errs[i].name);
		emit_all(name, &b);
	}
	nlb_init(&b);
	nlb_error(&b, 0, 1, FUZZ_PORT);
	emit_all("ack", &b);
	nlb_init(&b);
	nlb_error(&b, ESRCH, 1, FUZZ_PORT);
	emit_all("error-positive", &b);
	/* An NLMSG_ERROR too short for its error code. */
	nlb_init(&b);
	nlb_raw(&b, &nlh, sizeof(nlh));
	nlb_raw(&b, "\xfd\xff", 2);
	emit_all("error-short", &b);
}

static void several(void)
{
	struct nlb b;
	size_t len = v16();

	/* Single queries aim at the last message: the others are not it. */
	nlb_init(&b);
	reply16(&b, 0, 7, FUZZ_PORT, 900);
	reply16(&b, 0, 1, FUZZ_PORT, 901);
	emit_all("stale-then-ours", &b);
	nlb_init(&b);
	nlb_error(&b, -ESRCH, 1, FUZZ_PORT + 1);
	reply16(&b, 0, 1, FUZZ_PORT, 902);
	emit_all("foreign-port-then-ours", &b);
	nlb_init(&b);
	nlb_msg_start(&b, NLMSG_NOOP, 0, 1, FUZZ_PORT);
	nlb_msg_end(&b);
	reply16(&b, 0, 1, FUZZ_PORT, 903);
	emit_all("noop-then-reply", &b);
	nlb_init(&b);
	reply16(&b, 0, 1, FUZZ_PORT, 904);
	nlb_msg_start(&b, FUZZ_FAMILY + 1, 0, 1, FUZZ_PORT);
	nlb_genl(&b, TS_CMD_NEW, 1);
	nlb_msg_end(&b);
	emit_all("reply-then-other-family", &b);
	nlb_init(&b);
	nlb_msg_start(&b, FUZZ_FAMILY, 0, 1, FUZZ_PORT);
	nlb_genl(&b, 9, 1);
	nlb_put_u32(&b, 1, 5);
	nlb_msg_end(&b);
	emit_all("unknown-command", &b);

	/* Batches aim at the first: sequence numbers 1 to 4 are theirs. */
	nlb_init(&b);
	for (uint32_t s = 1; s <= 4; s++)
		reply16(&b, 0, s, FUZZ_PORT, 910 + s);
	emit_all("batch-4", &b);
	nlb_init(&b);
	reply16(&b, 0, 1, FUZZ_PORT, 921);
	nlb_error(&b, -ESRCH, 2, FUZZ_PORT);
	reply16(&b, 0, 99, FUZZ_PORT, 999);
	reply(&b, 0, 3, FUZZ_PORT, TS_TYPE_AGGR_TGID, 923, pl, len);
	nlb_error(&b, 0, 4, FUZZ_PORT);
	reply16(&b, 0, 4, FUZZ_PORT, 924);
	emit_all("batch-mixed", &b);
	nlb_init(&b);
	reply16(&b, 0, 1, FUZZ_PORT, 931);
	nlb_error(&b, -EPERM, 2, FUZZ_PORT);
	reply16(&b, 0, 3, FUZZ_PORT, 933);
	reply16(&b, 0, 4, FUZZ_PORT, 934);
	emit_all("batch-eperm", &b);
	nlb_init(&b);
	reply16(&b, 0, 1, FUZZ_PORT, 941);
	reply16(&b, 0, 1, FUZZ_PORT, 942);
	reply16(&b, 0, 2, FUZZ_PORT, 943);
	emit_all("batch-duplicate", &b);

	/* Multipart: NLM_F_MULTI parts ended by NLMSG_DONE. */
	nlb_init(&b);
	reply16(&b, NLM_F_MULTI, 1, FUZZ_PORT, 950);
	nlb_msg_start(&b, NLMSG_DONE, NLM_F_MULTI, 1, FUZZ_PORT);
	nlb_raw(&b, "\0\0\0\0", 4);
	nlb_msg_end(&b);
	emit_all("multipart-done-last", &b);
	nlb_init(&b);
	for (uint32_t s = 1; s <= 4; s++)
		reply16(&b, NLM_F_MULTI, s, FUZZ_PORT, 950 + s);
	nlb_msg_start(&b, NLMSG_DONE, NLM_F_MULTI, 4, FUZZ_PORT);
	nlb_raw(&b, "\0\0\0\0", 4);
	nlb_msg_end(&b);
	emit_all("multipart-batch", &b);
	nlb_init(&b);
	nlb_msg_start(&b, NLMSG_DONE, NLM_F_MULTI, 1, FUZZ_PORT);
	nlb_raw(&b, "\0\0\0\0", 4);
	nlb_msg_end(&b);
	emit_all("multipart-done-only", &b);
}

static void broken(void)
{
	static const uint8_t two[2] = { 0x10, 0x00 };
	struct nlb b;
	size_t len = v16(), nest, a;

	nlb_init(&b);
	reply16(&b, 0, 1, FUZZ_PORT, 960);
	nlb_set_msg_len(&b, (uint32_t)nlb_len(&b) + 64);
	emit_all("bogus-len-past-end", &b);
	nlb_init(&b);
	reply16(&b, 0, 1, FUZZ_PORT, 961);
	nlb_set_msg_len(&b, 8);
	emit_all("bogus-len-small", &b);
	nlb_init(&b);
	reply16(&b, 0, 1, FUZZ_PORT, 962);
	nlb_set_msg_len(&b, 0);
	emit_all("bogus-len-zero", &b);
	nlb_init(&b);
	reply16(&b, 0, 1, FUZZ_PORT, 963);
	nlb_msg_start(&b, FUZZ_FAMILY, 0, 2, FUZZ_PORT);
	nlb_set_msg_len(&b, 4000);
	emit_all("reply-then-bogus-len", &b);
	/* The datagram cut short, and the message cut with its length. */
	nlb_init(&b);
	reply16(&b, 0, 1, FUZZ_PORT, 964);
	emit("cut-datagram", &b, 300);
	nlb_set_msg_len(&b, 300);
	emit("cut-message", &b, 300);
	nlb_init(&b);
	reply16(&b, 0, 1, FUZZ_PORT, 965);
	nlb_raw(&b, "0123456789", 10);
	emit_all("reply-then-tail", &b);
	nlb_init(&b);
	nlb_msg_start(&b, FUZZ_FAMILY, 0, 1, FUZZ_PORT);
	nlb_raw(&b, "\x02", 1);
	nlb_msg_end(&b);
	emit_all("short-genl-header", &b);

	/* Attribute damage. */
	nlb_init(&b);
	start_new(&b, 0, 1, FUZZ_PORT);
	nest = nlb_nest_start(&b, TS_TYPE_AGGR_PID);
	nlb_put_u32(&b, TS_TYPE_PID, 970);
	a = nlb_put(&b, TS_TYPE_STATS, pl, len);
	nlb_nest_end(&b, nest);
	nlb_set_nla_len(&b, a, (uint16_t)(4 + len + 8));
	nlb_put_u32(&b, 77, 0);
	nlb_msg_end(&b);
	emit_all("attr-past-nest", &b);
	nlb_init(&b);
	start_new(&b, 0, 1, FUZZ_PORT);
	nest = nlb_nest_start(&b, TS_TYPE_AGGR_PID);
	nlb_put_u32(&b, TS_TYPE_PID, 971);
	a = nlb_put_u32(&b, 99, 0);
	nlb_set_nla_len(&b, a, 3);
	nlb_put(&b, TS_TYPE_STATS, pl, len);
	nlb_nest_end(&b, nest);
	nlb_msg_end(&b);
	emit_all("attr-len-below-header", &b);
	nlb_init(&b);
	start_new(&b, 0, 1, FUZZ_PORT);
	put_aggr(&b, TS_TYPE_AGGR_PID, 972, pl, len, false);
	put_aggr(&b, TS_TYPE_AGGR_PID, 973, pl, len, false);
	nlb_msg_end(&b);
	emit_all("duplicate-aggr", &b);
	nlb_init(&b);
	start_new(&b, 0, 1, FUZZ_PORT);
	nest = nlb_nest_start(&b, TS_TYPE_AGGR_PID);
	nlb_put_u32(&b, TS_TYPE_PID, 974);
	nlb_put(&b, TS_TYPE_STATS, pl, len);
	nlb_put(&b, TS_TYPE_STATS, pl, len);
	nlb_nest_end(&b, nest);
	nlb_msg_end(&b);
	emit_all("duplicate-stats", &b);
	nlb_init(&b);
	start_new(&b, 0, 1, FUZZ_PORT);
	nest = nlb_nest_start(&b, TS_TYPE_AGGR_PID);
	nlb_put(&b, TS_TYPE_PID, two, sizeof(two));
	nlb_put(&b, TS_TYPE_STATS, pl, len);
	nlb_nest_end(&b, nest);
	nlb_msg_end(&b);
	emit_all("short-pid", &b);
	nlb_init(&b);
	start_new(&b, 0, 1, FUZZ_PORT);
	nest = nlb_nest_start(&b, TS_TYPE_AGGR_PID);
	nlb_put_u32(&b, TS_TYPE_PID, 975);
	nlb_nest_end(&b, nest);
	nlb_msg_end(&b);
	emit_all("no-stats", &b);
	nlb_init(&b);
	reply(&b, 0, 1, FUZZ_PORT, TS_TYPE_AGGR_PID, 976, pl, 1);
	emit_all("stats-1-byte", &b);
	nlb_init(&b);
	start_new(&b, 0, 1, FUZZ_PORT);
	nlb_msg_end(&b);
	emit_all("no-attributes", &b);
	nlb_init(&b);
	emit_all("empty", &b);
	nlb_raw(&b, "\x10", 1);
	emit_all("one-byte", &b);
}

/*
 * Larger than the library's 8 KiB receive buffers, too large for nlb: a
 * future kernel's reply with a 16000-byte struct for sequence 2, then a
 * v16 reply for sequence 1. A single query aimed at 1 gets it truncated,
 * grows its buffer and asks again as 2, answered by the first message.
 */
static void oversized(void)
{
	enum { BIG = 16000 };
	static uint8_t buf[BIG + 1024];
	struct nlmsghdr nlh = { .nlmsg_type = FUZZ_FAMILY, .nlmsg_seq = 2,
				.nlmsg_pid = FUZZ_PORT };
	struct genlmsghdr gh = { .cmd = TS_CMD_NEW, .version = TS_GENL_VERSION };
	struct nlattr nest = { .nla_type = TS_TYPE_AGGR_PID };
	struct nlattr id = { .nla_len = NLA_HDRLEN + 4, .nla_type = TS_TYPE_PID };
	struct nlattr st = { .nla_len = NLA_HDRLEN + BIG, .nla_type = TS_TYPE_STATS };
	const uint32_t pid = 990;
	size_t off = NLMSG_HDRLEN;
	struct nlb b;
	char path[4096];
	FILE *f;

	memcpy(buf + off, &gh, sizeof(gh));
	off += GENL_HDRLEN;
	nest.nla_len = (uint16_t)(NLA_HDRLEN + id.nla_len + st.nla_len);
	memcpy(buf + off, &nest, sizeof(nest));
	off += NLA_HDRLEN;
	memcpy(buf + off, &id, sizeof(id));
	memcpy(buf + off + NLA_HDRLEN, &pid, sizeof(pid));
	off += id.nla_len;
	memcpy(buf + off, &st, sizeof(st));
	off += NLA_HDRLEN;
	nlb_ts_build(buf + off, BIG, 18, NLB_LAYOUT_MODERN, 17);
	off += BIG;
	nlh.nlmsg_len = (uint32_t)off;
	memcpy(buf, &nlh, sizeof(nlh));
	nlb_init(&b);
	reply16(&b, 0, 1, FUZZ_PORT, 991);
	memcpy(buf + off, nlb_data(&b), nlb_len(&b));
	off += nlb_len(&b);

	snprintf(path, sizeof(path), "%s/seed-oversized-then-reply", outdir);
	f = fopen(path, "we");
	if (!f || fwrite(buf, off, 1, f) != 1 || fclose(f) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		exit(1);
	}
	written++;
}

#ifdef CGS_CMD_NEW
/* cgroupstats: the data message and the ACK the request asks for. */
static void cgroupstats(void)
{
	static const uint64_t counts[6] = { 5, 1, 0, 2, 1, 99 };
	struct nlb b;

	for (size_t len = 32; len <= 48; len += 8) {
		char name[64];

		nlb_init(&b);
		nlb_msg_start(&b, FUZZ_FAMILY, 0, 1, FUZZ_PORT);
		nlb_genl(&b, CGS_CMD_NEW, TS_GENL_VERSION);
		nlb_put(&b, CGS_TYPE_CGROUP_STATS, counts, len);
		nlb_msg_end(&b);
		nlb_error(&b, 0, 1, FUZZ_PORT);
		snprintf(name, sizeof(name), "cgroupstats-%zu-then-ack", len);
		emit_all(name, &b);
	}
}
#endif

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	versions();
	shapes();
	exits();
	errors();
	several();
	broken();
	oversized();
#ifdef CGS_CMD_NEW
	cgroupstats();
#endif
	printf("%d seeds written to %s\n", written, outdir);
	return 0;
}
