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
};

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

static void build_reply(struct nlb *b, uint32_t seq, uint32_t port, uint16_t aggr,
			uint16_t idtype, uint32_t id)
{
	uint8_t ts[1024];
	size_t n, nest;

	n = nlb_ts_build_version(ts, sizeof(ts), 16);
	nlb_msg_start(b, FAMILY, 0, seq, port);
	nlb_genl(b, 2, 1);
	nest = nlb_nest_start(b, aggr);
	nlb_put_u32(b, idtype, id);
	nlb_put(b, 3, ts, n);
	nlb_nest_end(b, nest);
	nlb_msg_end(b);
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
	static const int errs[] = { -ESRCH, -EPERM, -ENOBUFS, -EINVAL, -ERANGE };
	struct tstats_record r;

	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		enum step s = S_ERROR;

		script(1, &s, &errs[i]);
		ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_TGID, 9, &r), errs[i]);
	}
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
	tcase_add_test(tc, tgid_query);
	tcase_add_test(tc, bad_arguments);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
