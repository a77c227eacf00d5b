/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Single queries against a fake kernel: the context runs over a scripted
 * transport, so timeouts, stale and foreign replies, truncation and the
 * kernel's errors each get an exact, repeatable test.
 */
#include <check.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "internal.h"
#include "nlbuild.h"

#define FAMILY	31
#define PORT	4242u

enum step {
	S_REPLY,	/* the answer to the last request */
	S_REPLY_FOR,	/* an answer with seq = last - 1 (stale) */
	S_FOREIGN_PORT,	/* right seq, another port */
	S_TIMEOUT,	/* nothing arrives: recv times out */
	S_ERROR,	/* NLMSG_ERROR with .error */
	S_ACK,		/* NLMSG_ERROR 0 */
	S_TRUNCATED,	/* a datagram larger than the buffer */
	S_ENOBUFS,	/* the socket overflowed */
	S_BOGUS_LEN,	/* nlmsg_len past the datagram */
	S_TGID_ONLY,	/* an AGGR_TGID answer to a PID query */
	S_STALE_AND_REPLY,	/* stale + ours in one datagram */
	S_BOGUS_SMALL,	/* nlmsg_len below the header's size */
	S_BOGUS_ZERO,	/* nlmsg_len 0 */
	S_CUT_ATTR,	/* the STATS attribute runs past its message */
	S_SHORT_STATS,	/* a STATS payload shorter than its version's struct */
	S_MULTI,	/* the answer flagged NLM_F_MULTI, no NLMSG_DONE yet */
	S_MULTI_DONE,	/* NLM_F_MULTI answer + NLMSG_DONE, one datagram */
	S_DONE,		/* NLMSG_DONE alone, our seq */
	S_DONE_FOR,	/* NLMSG_DONE of the request before (stale) */
	S_OVERSIZED,	/* a future kernel's reply of OVERSIZED_PAYLOAD bytes */
};

/* Larger than the context's 8 KiB buffer: the first copy is truncated. */
#define OVERSIZED_PAYLOAD 16000u

struct fake {
	enum step script[16];
	int errors[16];
	int n, pos;
	uint32_t last_seq;
	uint32_t last_id;
	unsigned int sends, timeout_ms;
	struct nlb b;
};

static struct fake fk;

static int fake_send(void *impl, const void *buf, size_t len)
{
	struct fake *f = impl;
	struct nlmsghdr nlh;

	ck_assert_uint_ge(len, NLMSG_HDRLEN + 4 + 8);
	memcpy(&nlh, buf, sizeof(nlh));
	ck_assert_uint_eq(nlh.nlmsg_len, len);
	ck_assert_uint_eq(nlh.nlmsg_type, FAMILY);
	/* No ACK requested: a reply would be a second message per query. */
	ck_assert_uint_eq(nlh.nlmsg_flags & NLM_F_ACK, 0);
	f->last_seq = nlh.nlmsg_seq;
	memcpy(&f->last_id, (const uint8_t *)buf + len - 4, 4);
	f->sends++;
	return 0;
}

static void build_reply_flags(struct nlb *b, uint16_t flags, uint32_t seq, uint32_t port,
			      uint16_t aggr, uint16_t idtype, uint32_t id, size_t cut)
{
	uint8_t ts[1024];
	size_t n, nest;

	n = nlb_ts_build_version(ts, sizeof(ts), 16);
	if (cut)
		n = cut;
	nlb_msg_start(b, FAMILY, flags, seq, port);
	nlb_genl(b, 2, 1);
	nest = nlb_nest_start(b, aggr);
	nlb_put_u32(b, idtype, id);
	nlb_put(b, 3, ts, n);
	nlb_nest_end(b, nest);
	nlb_msg_end(b);
}

static void build_reply(struct nlb *b, uint32_t seq, uint32_t port, uint16_t aggr,
			uint16_t idtype, uint32_t id)
{
	build_reply_flags(b, 0, seq, port, aggr, idtype, id, 0);
}

static void build_done(struct nlb *b, uint32_t seq)
{
	static const int32_t zero;

	nlb_msg_start(b, NLMSG_DONE, NLM_F_MULTI, seq, PORT);
	nlb_raw(b, &zero, sizeof(zero));
	nlb_msg_end(b);
}

/* A reply too large for nlb's buffer: nlmsghdr, genlmsghdr, AGGR_PID
 * { PID, STATS } of a version 18 struct. */
static size_t build_oversized(uint8_t *buf, uint32_t seq, uint32_t id)
{
	struct nlmsghdr nlh = { .nlmsg_type = FAMILY, .nlmsg_seq = seq, .nlmsg_pid = PORT };
	struct genlmsghdr gh = { .cmd = TS_CMD_NEW, .version = 1 };
	struct nlattr nest = { .nla_type = TS_TYPE_AGGR_PID };
	struct nlattr ida = { .nla_len = NLA_HDRLEN + 4, .nla_type = TS_TYPE_PID };
	struct nlattr st = { .nla_len = NLA_HDRLEN + OVERSIZED_PAYLOAD, .nla_type = TS_TYPE_STATS };
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
	nlb_ts_build(buf + off, OVERSIZED_PAYLOAD, 18, NLB_LAYOUT_MODERN, 17);
	off += OVERSIZED_PAYLOAD;
	nlh.nlmsg_len = (uint32_t)off;
	memcpy(buf, &nlh, sizeof(nlh));
	return off;
}

static ssize_t fake_recv(void *impl, void *buf, size_t cap, int flags)
{
	struct fake *f = impl;
	enum step s;
	int err;

	(void)flags;
	ck_assert_int_lt(f->pos, f->n);
	s = f->script[f->pos];
	err = f->errors[f->pos];
	f->pos++;
	nlb_init(&f->b);
	switch (s) {
	case S_TIMEOUT:
		return -EAGAIN;
	case S_ENOBUFS:
		return -ENOBUFS;
	case S_REPLY:
		build_reply(&f->b, f->last_seq, PORT, 4, 1, f->last_id);
		break;
	case S_REPLY_FOR:
		build_reply(&f->b, f->last_seq - 1, PORT, 4, 1, 999);
		break;
	case S_STALE_AND_REPLY:
		build_reply(&f->b, f->last_seq - 1, PORT, 4, 1, 999);
		build_reply(&f->b, f->last_seq, PORT, 4, 1, f->last_id);
		break;
	case S_FOREIGN_PORT:
		build_reply(&f->b, f->last_seq, PORT + 1, 4, 1, 999);
		break;
	case S_TGID_ONLY:
		build_reply(&f->b, f->last_seq, PORT, 5, 2, f->last_id);
		break;
	case S_ERROR:
		nlb_error(&f->b, err, f->last_seq, PORT);
		break;
	case S_ACK:
		nlb_error(&f->b, 0, f->last_seq, PORT);
		break;
	case S_BOGUS_LEN:
		build_reply(&f->b, f->last_seq, PORT, 4, 1, f->last_id);
		nlb_set_msg_len(&f->b, (uint32_t)nlb_len(&f->b) + 64);
		break;
	case S_BOGUS_SMALL:
	case S_BOGUS_ZERO:
		build_reply(&f->b, f->last_seq, PORT, 4, 1, f->last_id);
		nlb_set_msg_len(&f->b, s == S_BOGUS_ZERO ? 0 : NLMSG_HDRLEN / 2);
		break;
	case S_CUT_ATTR:
		/* The message ends 100 bytes into its STATS payload, the
		 * attribute's length still says 560. */
		build_reply(&f->b, f->last_seq, PORT, 4, 1, f->last_id);
		f->b.len = 36 + 100;
		nlb_set_msg_len(&f->b, (uint32_t)f->b.len);
		break;
	case S_SHORT_STATS:
		build_reply_flags(&f->b, 0, f->last_seq, PORT, 4, 1, f->last_id, 100);
		break;
	case S_MULTI:
	case S_MULTI_DONE:
		build_reply_flags(&f->b, NLM_F_MULTI, f->last_seq, PORT, 4, 1, f->last_id, 0);
		if (s == S_MULTI_DONE)
			build_done(&f->b, f->last_seq);
		break;
	case S_DONE:
	case S_DONE_FOR:
		build_done(&f->b, s == S_DONE ? f->last_seq : f->last_seq - 1);
		break;
	case S_OVERSIZED: {
		static uint8_t big[OVERSIZED_PAYLOAD + 64];
		size_t n = build_oversized(big, f->last_seq, f->last_id);

		memcpy(buf, big, n < cap ? n : cap);
		return (ssize_t)n;
	}
	case S_TRUNCATED:
		/* What recv(MSG_TRUNC) reports for a datagram past cap. */
		memset(buf, 0, cap);
		return (ssize_t)(cap + 4096);
	default:
		ck_abort_msg("bad step");
	}
	ck_assert_uint_le(nlb_len(&f->b), cap);
	memcpy(buf, nlb_data(&f->b), nlb_len(&f->b));
	return (ssize_t)nlb_len(&f->b);
}

static int fake_set_timeout(void *impl, unsigned int msec)
{
	((struct fake *)impl)->timeout_ms = msec;
	return 0;
}

static void fake_close(void *impl)
{
	(void)impl;
}

static const struct transport_ops fake_ops = {
	.send = fake_send,
	.recv = fake_recv,
	.set_timeout = fake_set_timeout,
	.close = fake_close,
};

static struct tstats_ctx *ctx;

static void script(int n, const enum step *steps, const int *errors)
{
	memset(fk.script, 0, sizeof(fk.script));
	memset(fk.errors, 0, sizeof(fk.errors));
	memcpy(fk.script, steps, (size_t)n * sizeof(*steps));
	if (errors)
		memcpy(fk.errors, errors, (size_t)n * sizeof(*errors));
	fk.n = n;
	fk.pos = 0;
	fk.sends = 0;
}

static void setup(void)
{
	struct transport t = { .ops = &fake_ops, .impl = &fk, .portid = PORT,
			       .family = FAMILY };

	memset(&fk, 0, sizeof(fk));
	ck_assert_int_eq(ctx_new_with_transport(&t, &ctx), 0);
	ck_assert_uint_eq(fk.timeout_ms, 5000);
}

static void teardown(void)
{
	tstats_ctx_free(ctx);
	ctx = NULL;
}

#define SCRIPT(...) do {						\
		static const enum step s_[] = { __VA_ARGS__ };		\
		script((int)(sizeof(s_) / sizeof(s_[0])), s_, NULL);	\
	} while (0)

static void expect_record(const struct tstats_record *r, uint32_t id)
{
	uint64_t v;

	ck_assert_uint_eq(r->id, id);
	ck_assert_uint_eq(r->version, 16);
	ck_assert_uint_eq(r->payload_len, 560);
	ck_assert_int_eq(tstats_record_get(r, TSTATS_F_UTIME, &v), 0);
	ck_assert_uint_eq(v, nlb_ts_expect(TSTATS_F_UTIME));
}

START_TEST(reply)
{
	struct tstats_record r;

	SCRIPT(S_REPLY);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 1234, &r), 0);
	expect_record(&r, 1234);
	ck_assert_uint_eq(fk.sends, 1);
	ck_assert_int_eq(fk.pos, 1);
}
END_TEST

START_TEST(timeout)
{
	struct tstats_record r;

	memset(&r, 0x5a, sizeof(r));
	SCRIPT(S_TIMEOUT);
	ck_assert_int_eq(tstats_ctx_set_timeout(ctx, 20), 0);
	ck_assert_uint_eq(fk.timeout_ms, 20);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 1, &r), -ETIMEDOUT);
	ck_assert_uint_eq(r.id, 0x5a5a5a5au);	/* untouched */
}
END_TEST

START_TEST(stale_reply_skipped)
{
	struct tstats_record r;

	SCRIPT(S_REPLY_FOR, S_FOREIGN_PORT, S_ACK, S_REPLY);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 77, &r), 0);
	expect_record(&r, 77);
	ck_assert_int_eq(fk.pos, 4);
}
END_TEST

START_TEST(stale_and_reply_in_one_datagram)
{
	struct tstats_record r;

	SCRIPT(S_STALE_AND_REPLY);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 78, &r), 0);
	expect_record(&r, 78);
}
END_TEST

START_TEST(late_reply_after_timeout)
{
	struct tstats_record r;

	/* The first query times out; its answer arrives during the second
	 * and must not be taken for the second's. */
	SCRIPT(S_TIMEOUT, S_REPLY_FOR, S_REPLY);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 5, &r), -ETIMEDOUT);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 6, &r), 0);
	expect_record(&r, 6);
}
END_TEST

START_TEST(kernel_errno_kept)
{
	/* What the kernel's taskstats and genetlink code can answer, and
	 * some it should not (passed through all the same). */
	static const int errs[] = {
		-ESRCH, -EPERM, -ENOBUFS, -EINVAL, -ERANGE, -EOPNOTSUPP, -ENOMEM,
		-E2BIG, -EMSGSIZE, -ENOENT, -EACCES, -EBUSY, -EFAULT, -EAGAIN,
	};
	static const int positive = ESRCH;
	struct tstats_record r;
	enum step s = S_ERROR;

	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		script(1, &s, &errs[i]);
		memset(&r, 0x5a, sizeof(r));
		ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_TGID, 9, &r), errs[i]);
		ck_assert_uint_eq(r.id, 0x5a5a5a5au);	/* untouched */
	}
	/* A positive error must not pass for success. */
	script(1, &s, &positive);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 9, &r), -ESRCH);
	SCRIPT(S_REPLY);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 10, &r), 0);
	expect_record(&r, 10);
}
END_TEST

START_TEST(truncated_grows_and_resends)
{
	struct tstats_record r;

	SCRIPT(S_TRUNCATED, S_REPLY);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 31, &r), 0);
	expect_record(&r, 31);
	ck_assert_uint_eq(fk.sends, 2);

	/* Truncated twice in a row: a clear error, not a loop. */
	SCRIPT(S_TRUNCATED, S_TRUNCATED);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 31, &r), -EMSGSIZE);
}
END_TEST

START_TEST(socket_overflow)
{
	struct tstats_record r;

	SCRIPT(S_ENOBUFS);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 3, &r), -ENOBUFS);
}
END_TEST

START_TEST(malformed)
{
	struct tstats_record r;

	SCRIPT(S_BOGUS_LEN);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 3, &r), -EBADMSG);
	SCRIPT(S_TGID_ONLY);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 3, &r), -EBADMSG);
}
END_TEST

/* Every way nlmsg_len can lie: -EBADMSG, and the next query works. */
START_TEST(bogus_nlmsg_len)
{
	static const enum step bogus[] = { S_BOGUS_LEN, S_BOGUS_SMALL, S_BOGUS_ZERO };
	struct tstats_record r;

	for (size_t i = 0; i < sizeof(bogus) / sizeof(bogus[0]); i++) {
		script(1, &bogus[i], NULL);
		memset(&r, 0x5a, sizeof(r));
		ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 3, &r), -EBADMSG);
		ck_assert_uint_eq(r.id, 0x5a5a5a5au);
	}
	SCRIPT(S_REPLY);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 4, &r), 0);
	expect_record(&r, 4);
}
END_TEST

START_TEST(truncated_messages)
{
	struct tstats_record r;
	uint64_t v;

	/* An attribute past the end of its message: no record from it. */
	SCRIPT(S_CUT_ATTR);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 3, &r), -EBADMSG);
	/* A whole message with a short struct: the fields it holds. */
	SCRIPT(S_SHORT_STATS);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 5, &r), 0);
	ck_assert_uint_eq(r.id, 5);
	ck_assert_uint_eq(r.payload_len, 100);
	ck_assert_uint_eq(r.flags & TSTATS_RECORD_SHORT, TSTATS_RECORD_SHORT);
	ck_assert_int_eq(tstats_record_get(&r, TSTATS_F_CPU_RUN_VIRTUAL_TOTAL, &v), 0);
	ck_assert_uint_eq(v, nlb_ts_expect(TSTATS_F_CPU_RUN_VIRTUAL_TOTAL));
	ck_assert_int_eq(tstats_record_get(&r, TSTATS_F_UTIME, &v), -ENODATA);
	ck_assert_ptr_null(tstats_record_comm(&r));	/* comm ends at 112 */
}
END_TEST

START_TEST(oversized_reply)
{
	struct tstats_record r;
	uint64_t v;

	/* Twice the buffer: truncated, the buffer grows, asked again, and
	 * decoded by the prefix this build knows. */
	SCRIPT(S_OVERSIZED, S_OVERSIZED);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 8, &r), 0);
	ck_assert_uint_eq(fk.sends, 2);
	ck_assert_uint_eq(r.id, 8);
	ck_assert_uint_eq(r.version, 18);
	ck_assert_uint_eq(r.payload_len, OVERSIZED_PAYLOAD);
	ck_assert_uint_eq(r.flags & TSTATS_RECORD_NEWER, TSTATS_RECORD_NEWER);
	ck_assert_int_eq(tstats_record_get(&r, TSTATS_F_IRQ_DELAY_MAX_TS, &v), 0);
	ck_assert_uint_eq(v, nlb_ts_expect(TSTATS_F_IRQ_DELAY_MAX_TS));
	/* The grown buffer stays: the next one fits at once. */
	SCRIPT(S_OVERSIZED);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 9, &r), 0);
	ck_assert_uint_eq(fk.sends, 1);
}
END_TEST

/*
 * Taskstats answers are never multipart, but a multipart shape must not
 * confuse a query: NLM_F_MULTI data is the answer, NLMSG_DONE is none.
 */
START_TEST(multipart_reply)
{
	struct tstats_record r;

	SCRIPT(S_MULTI_DONE);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 21, &r), 0);
	expect_record(&r, 21);
	/* The DONE of that answer comes late, during the next query. */
	SCRIPT(S_MULTI);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 22, &r), 0);
	expect_record(&r, 22);
	SCRIPT(S_DONE_FOR, S_REPLY);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 23, &r), 0);
	expect_record(&r, 23);
	ck_assert_int_eq(fk.pos, 2);
	/* A DONE without data: no answer, the wait goes on. */
	SCRIPT(S_DONE, S_TIMEOUT);
	memset(&r, 0x5a, sizeof(r));
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 24, &r), -ETIMEDOUT);
	ck_assert_uint_eq(r.id, 0x5a5a5a5au);
	SCRIPT(S_DONE, S_REPLY);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 25, &r), 0);
	expect_record(&r, 25);
}
END_TEST

START_TEST(tgid_query)
{
	struct tstats_record r;

	SCRIPT(S_TGID_ONLY);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_TGID, 12, &r), 0);
	ck_assert_uint_eq(r.kind, TSTATS_KIND_TGID);
	ck_assert_uint_eq(r.id, 12);
	ck_assert(!tstats_record_has(&r, TSTATS_F_COMM));
}
END_TEST

START_TEST(bad_arguments)
{
	struct tstats_record r;

	ck_assert_int_eq(tstats_query(NULL, TSTATS_KIND_PID, 1, &r), -EINVAL);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 1, NULL), -EINVAL);
	ck_assert_int_eq(tstats_query(ctx, 0, 1, &r), -EINVAL);
	ck_assert_int_eq(tstats_query(ctx, 3, 1, &r), -EINVAL);
	ck_assert_int_eq(tstats_ctx_set_timeout(ctx, 0), -EINVAL);
	ck_assert_int_eq(tstats_ctx_family(ctx), FAMILY);
	ck_assert_uint_eq(fk.sends, 0);
	tstats_ctx_free(NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("query");
	TCase *tc = tcase_create("fake-kernel");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reply);
	tcase_add_test(tc, timeout);
	tcase_add_test(tc, stale_reply_skipped);
	tcase_add_test(tc, stale_and_reply_in_one_datagram);
	tcase_add_test(tc, late_reply_after_timeout);
	tcase_add_test(tc, kernel_errno_kept);
	tcase_add_test(tc, truncated_grows_and_resends);
	tcase_add_test(tc, socket_overflow);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, bogus_nlmsg_len);
	tcase_add_test(tc, truncated_messages);
	tcase_add_test(tc, oversized_reply);
	tcase_add_test(tc, multipart_reply);
	tcase_add_test(tc, tgid_query);
	tcase_add_test(tc, bad_arguments);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
