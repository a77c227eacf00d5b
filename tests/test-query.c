/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Single queries against the fake kernel (fakekernel.h): the context runs
 * over its script, so timeouts, stale and foreign replies, truncation and the
 * kernel's errors each get an exact, repeatable test.
 */
#include <check.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "internal.h"
#include "fakekernel.h"
#include "nlbuild.h"
#include "check-main.h"

static struct fake_kernel *fk;
static struct tstats_ctx *ctx;

static void setup(void)
{
	struct transport t;

	fk = fk_new();
	t = fk_transport(fk, 0);
	ck_assert_int_eq(ctx_new_with_transport(&t, &ctx), 0);
	ck_assert_uint_eq(fk->timeout_ms, 5000);
}

static void teardown(void)
{
	tstats_ctx_free(ctx);
	ctx = NULL;
	fk_free(fk);
	fk = NULL;
}

#define SCRIPT(...) FK_SCRIPT(fk, __VA_ARGS__)

static void expect_record(const struct tstats_record *r, uint32_t id)
{
	uint64_t v;

	ck_assert_uint_eq(r->id, id);
	ck_assert_uint_eq(r->version, 16);
	ck_assert_uint_eq(r->payload_len, 560);
	ck_assert_int_eq(tstats_record_get(r, TSTATS_F_UTIME, &v), 0);
	ck_assert_uint_eq(v, nlb_ts_expect(TSTATS_F_UTIME));
}

TEST("fake-kernel", reply)
{
	struct tstats_record r;

	SCRIPT(FK_REPLY);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 1234, &r), 0);
	expect_record(&r, 1234);
	ck_assert_uint_eq(fk->sends, 1);
	ck_assert_int_eq(fk->pos, 1);
}
END_TEST

TEST("fake-kernel", timeout)
{
	struct tstats_record r;

	memset(&r, 0x5a, sizeof(r));
	SCRIPT(FK_TIMEOUT);
	ck_assert_int_eq(tstats_ctx_set_timeout(ctx, 20), 0);
	ck_assert_uint_eq(fk->timeout_ms, 20);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 1, &r), -ETIMEDOUT);
	ck_assert_uint_eq(r.id, 0x5a5a5a5au);	/* untouched */
}
END_TEST

TEST("fake-kernel", stale_reply_skipped)
{
	struct tstats_record r;

	SCRIPT(FK_REPLY_STALE, FK_FOREIGN_PORT, FK_ACK, FK_REPLY);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 77, &r), 0);
	expect_record(&r, 77);
	ck_assert_int_eq(fk->pos, 4);
}
END_TEST

TEST("fake-kernel", stale_and_reply_in_one_datagram)
{
	struct tstats_record r;

	SCRIPT(FK_STALE_AND_REPLY);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 78, &r), 0);
	expect_record(&r, 78);
}
END_TEST

TEST("fake-kernel", late_reply_after_timeout)
{
	struct tstats_record r;

	/* The first query times out; its answer arrives during the second
	 * and must not be taken for the second's. */
	SCRIPT(FK_TIMEOUT, FK_REPLY_STALE, FK_REPLY);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 5, &r), -ETIMEDOUT);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 6, &r), 0);
	expect_record(&r, 6);
}
END_TEST

TEST("fake-kernel", kernel_errno_kept)
{
	/* What the kernel's taskstats and genetlink code can answer, and
	 * some it should not (passed through all the same). */
	static const int errs[] = {
		-ESRCH, -EPERM, -ENOBUFS, -EINVAL, -ERANGE, -EOPNOTSUPP, -ENOMEM,
		-E2BIG, -EMSGSIZE, -ENOENT, -EACCES, -EBUSY, -EFAULT, -EAGAIN,
	};
	static const int positive = ESRCH;
	struct tstats_record r;
	enum fk_step s = FK_ERROR;

	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		fk_script(fk, 1, &s, &errs[i]);
		memset(&r, 0x5a, sizeof(r));
		ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_TGID, 9, &r), errs[i]);
		ck_assert_uint_eq(r.id, 0x5a5a5a5au);	/* untouched */
	}
	/* A positive error must not pass for success. */
	fk_script(fk, 1, &s, &positive);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 9, &r), -ESRCH);
	SCRIPT(FK_REPLY);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 10, &r), 0);
	expect_record(&r, 10);
}
END_TEST

TEST("fake-kernel", truncated_grows_and_resends)
{
	struct tstats_record r;

	SCRIPT(FK_TRUNCATED, FK_REPLY);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 31, &r), 0);
	expect_record(&r, 31);
	ck_assert_uint_eq(fk->sends, 2);

	/* Truncated twice in a row: a clear error, not a loop. */
	SCRIPT(FK_TRUNCATED, FK_TRUNCATED);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 31, &r), -EMSGSIZE);
}
END_TEST

TEST("fake-kernel", socket_overflow)
{
	struct tstats_record r;

	SCRIPT(FK_ENOBUFS);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 3, &r), -ENOBUFS);
}
END_TEST

TEST("fake-kernel", malformed)
{
	struct tstats_record r;

	SCRIPT(FK_BOGUS_LEN);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 3, &r), -EBADMSG);
	SCRIPT(FK_TGID_ONLY);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 3, &r), -EBADMSG);
}
END_TEST

/* Every way nlmsg_len can lie: -EBADMSG, and the next query works. */
TEST("fake-kernel", bogus_nlmsg_len)
{
	static const enum fk_step bogus[] = { FK_BOGUS_LEN, FK_BOGUS_SMALL, FK_BOGUS_ZERO };
	struct tstats_record r;

	for (size_t i = 0; i < sizeof(bogus) / sizeof(bogus[0]); i++) {
		fk_script(fk, 1, &bogus[i], NULL);
		memset(&r, 0x5a, sizeof(r));
		ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 3, &r), -EBADMSG);
		ck_assert_uint_eq(r.id, 0x5a5a5a5au);
	}
	SCRIPT(FK_REPLY);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 4, &r), 0);
	expect_record(&r, 4);
}
END_TEST

TEST("fake-kernel", truncated_messages)
{
	struct tstats_record r;
	uint64_t v;

	/* An attribute past the end of its message: no record from it. */
	SCRIPT(FK_CUT_ATTR);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 3, &r), -EBADMSG);
	/* A whole message with a short struct: the fields it holds. */
	SCRIPT(FK_SHORT_STATS);
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

TEST("fake-kernel", oversized_reply)
{
	struct tstats_record r;
	uint64_t v;

	/* Twice the buffer: truncated, the buffer grows, asked again, and
	 * decoded by the prefix this build knows. */
	SCRIPT(FK_OVERSIZED, FK_OVERSIZED);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 8, &r), 0);
	ck_assert_uint_eq(fk->sends, 2);
	ck_assert_uint_eq(r.id, 8);
	ck_assert_uint_eq(r.version, 18);
	ck_assert_uint_eq(r.payload_len, FK_OVERSIZED_PAYLOAD);
	ck_assert_uint_eq(r.flags & TSTATS_RECORD_NEWER, TSTATS_RECORD_NEWER);
	ck_assert_int_eq(tstats_record_get(&r, TSTATS_F_IRQ_DELAY_MAX_TS, &v), 0);
	ck_assert_uint_eq(v, nlb_ts_expect(TSTATS_F_IRQ_DELAY_MAX_TS));
	/* The grown buffer stays: the next one fits at once. */
	SCRIPT(FK_OVERSIZED);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 9, &r), 0);
	ck_assert_uint_eq(fk->sends, 1);
}
END_TEST

/*
 * Taskstats answers are never multipart, but a multipart shape must not
 * confuse a query: NLM_F_MULTI data is the answer, NLMSG_DONE is none.
 */
TEST("fake-kernel", multipart_reply)
{
	struct tstats_record r;

	SCRIPT(FK_MULTI_DONE);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 21, &r), 0);
	expect_record(&r, 21);
	/* The DONE of that answer comes late, during the next query. */
	SCRIPT(FK_MULTI);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 22, &r), 0);
	expect_record(&r, 22);
	SCRIPT(FK_DONE_STALE, FK_REPLY);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 23, &r), 0);
	expect_record(&r, 23);
	ck_assert_int_eq(fk->pos, 2);
	/* A DONE without data: no answer, the wait goes on. */
	SCRIPT(FK_DONE, FK_TIMEOUT);
	memset(&r, 0x5a, sizeof(r));
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 24, &r), -ETIMEDOUT);
	ck_assert_uint_eq(r.id, 0x5a5a5a5au);
	SCRIPT(FK_DONE, FK_REPLY);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 25, &r), 0);
	expect_record(&r, 25);
}
END_TEST

TEST("fake-kernel", tgid_query)
{
	struct tstats_record r;

	SCRIPT(FK_TGID_ONLY);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_TGID, 12, &r), 0);
	ck_assert_uint_eq(r.kind, TSTATS_KIND_TGID);
	ck_assert_uint_eq(r.id, 12);
	ck_assert(!tstats_record_has(&r, TSTATS_F_COMM));
}
END_TEST

TEST("fake-kernel", bad_arguments)
{
	struct tstats_record r;

	ck_assert_int_eq(tstats_query(NULL, TSTATS_KIND_PID, 1, &r), -EINVAL);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, 1, NULL), -EINVAL);
	ck_assert_int_eq(tstats_query(ctx, 0, 1, &r), -EINVAL);
	ck_assert_int_eq(tstats_query(ctx, 3, 1, &r), -EINVAL);
	ck_assert_int_eq(tstats_ctx_set_timeout(ctx, 0), -EINVAL);
	ck_assert_int_eq(tstats_ctx_family(ctx), FK_FAMILY);
	ck_assert_uint_eq(fk->sends, 0);
	tstats_ctx_free(NULL);
}
END_TEST

static const struct check_case check_cases[] = {
	{ .suite = "query", .name = "fake-kernel", .setup = setup, .teardown = teardown },
};

int main(void)
{
	return CHECK_RUN(check_cases, NULL);
}
