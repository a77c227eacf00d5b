/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Exit listeners. Run as "test-listen unit": cpulist validation and
 * recorded exit messages fed through the fake kernel (fakekernel.h). Run as
 * "test-listen live": real exit events from children of this process; exits
 * 77 (skip) only when the TASKSTATS family is missing or registration needs
 * a privilege we lack.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "internal.h"
#include "libtaskstats.h"
#include "probe.h"
#include "fakekernel.h"
#include "nlbuild.h"
#include "check-main.h"

#define MIB (1024 * 1024)

/* The fake kernel (fakekernel.h), which ACKs registrations. */
static struct fake_kernel *fk;

static void fake_setup(void)
{
	fk = fk_new();
	fk->reg_answer = 0;
	fk->log_every_send = true;
}

static void fake_teardown(void)
{
	fk_free(fk);
	fk = NULL;
}

static struct tstats_listener *fake_listener(const char *cpulist)
{
	struct transport t = fk_transport(fk, FK_OP_SET_RCVBUF | FK_OP_GET_FD);
	struct tstats_listener *l = NULL;

	ck_assert_int_eq(listener_new_with_transport(&t, cpulist, &l), 0);
	ck_assert_ptr_nonnull(l);
	return l;
}

/* Exit message fixtures. */
static void put_aggr(struct nlb *b, uint16_t aggr, uint16_t idtype, uint32_t id,
		     const void *payload, size_t len)
{
	size_t n = nlb_nest_start(b, aggr);

	nlb_put_u32(b, idtype, id);
	nlb_put(b, TS_TYPE_STATS, payload, len);
	nlb_nest_end(b, n);
}

static void exit_msg(struct nlb *b, uint32_t seq, uint32_t pid, const void *pp, size_t pl,
		     uint32_t tgid, const void *tp, size_t tl)
{
	nlb_msg_start(b, FK_FAMILY, 0, seq, 0);
	nlb_genl(b, TS_CMD_NEW, 1);
	if (pp)
		put_aggr(b, TS_TYPE_AGGR_PID, TS_TYPE_PID, pid, pp, pl);
	if (tp)
		put_aggr(b, TS_TYPE_AGGR_TGID, TS_TYPE_TGID, tgid, tp, tl);
	nlb_msg_end(b);
}

/* A v16 struct; ac_flag set to flags. */
static size_t payload16(uint8_t *buf, size_t cap, uint8_t flags)
{
	const struct nlb_member *m = nlb_ts_find(NLB_LAYOUT_MODERN, 16, TSTATS_F_FLAGS);
	size_t len = nlb_ts_build_version(buf, cap, 16);

	ck_assert_ptr_nonnull(m);
	buf[m->off] = flags;
	return len;
}

/* One datagram holding one exit message. */
static void push_exit(uint32_t pid, bool group, uint32_t tgid)
{
	uint8_t p[1024], t[1024];
	size_t pl = payload16(p, sizeof(p), group ? 0x21 : 0x00);
	size_t tl = nlb_ts_build_version(t, sizeof(t), 16);
	struct nlb b;

	nlb_init(&b);
	exit_msg(&b, 0, pid, p, pl, tgid, tgid ? t : NULL, tl);
	fk_push_nlb(fk, &b);
}

/* What the callbacks saw. */
#define SEEN_MAX 32

struct seen {
	struct tstats_record rec[SEEN_MAX];
	size_t n;
	unsigned int loss_cause[SEEN_MAX];
	uint64_t loss_count[SEEN_MAX];
	size_t loss_at[SEEN_MAX];	/* records seen before the loss */
	size_t nloss;
	int ret_at[SEEN_MAX];		/* callback's answer per record */
};

static int on_rec(const struct tstats_record *rec, void *userdata)
{
	struct seen *s = userdata;

	ck_assert_uint_lt(s->n, SEEN_MAX);
	s->rec[s->n] = *rec;
	return s->ret_at[s->n++];
}

static int on_loss(unsigned int cause, uint64_t count, void *userdata)
{
	struct seen *s = userdata;

	ck_assert_uint_lt(s->nloss, SEEN_MAX);
	s->loss_cause[s->nloss] = cause;
	s->loss_count[s->nloss] = count;
	s->loss_at[s->nloss++] = s->n;
	return 0;
}

static uint64_t get(const struct tstats_record *r, unsigned int f)
{
	uint64_t v = 0;

	ck_assert_msg(tstats_record_get(r, f, &v) == 0, "field %s absent",
		      tstats_field_info(f)->name);
	return v;
}

static struct tstats_listener_stats stats_of(const struct tstats_listener *l)
{
	struct tstats_listener_stats st;

	ck_assert_int_eq(tstats_listener_stats(l, &st), 0);
	return st;
}

/*
 * cpulists
 */

static void expect_norm(const char *list, const char *possible, int err,
			const char *canon, unsigned int count)
{
	char *out = (char *)"untouched";
	unsigned int n = 0;
	int r = cpulist_normalize(list, possible, &out, &n);

	ck_assert_msg(r == err, "\"%s\" in \"%s\": %d, want %d", list ? list : "(null)",
		      possible, r, err);
	if (err) {
		ck_assert_str_eq(out, "untouched");
		return;
	}
	ck_assert_str_eq(out, canon);
	ck_assert_uint_eq(n, count);
	free(out);
}

TEST("cpulist", cpulist_syntax)
{
	static const char *const bad[] = {
		"", " ", ",", "\n", "a", "1-", "-1", "3-1", "1;2", "0x1", "1 -2",
		"+1", "1.5", "0-3:0/4", "0-3:5/4", "0-3:1/0", "0-3:1", "0-3:/4",
		"0:1/2", "1-2-3", "0-3:1/2x", "al", "alll", "all-3", "Nx", "N:1/2",
		"N-0", "n", "all:1/0",
		/* syntax first, even with an impossible CPU in the list */
		"99999,x", "99999999999999999999999999,-",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_norm(bad[i], "0-7", -EINVAL, NULL, 0);
}
END_TEST

TEST("cpulist", cpulist_canonical)
{
	expect_norm("0-3,7", "0-7", 0, "0-3,7", 5);
	expect_norm("7,0-3", "0-7", 0, "0-3,7", 5);
	expect_norm("0,0,0", "0-7", 0, "0", 1);
	expect_norm(" 1 , 2,,3\n", "0-7", 0, "1-3", 3);
	expect_norm("0-7:2/4", "0-7", 0, "0-1,4-5", 4);
	expect_norm("1-7:1/3", "0-7", 0, "1,4,7", 3);
	expect_norm("3-3", "0-7", 0, "3", 1);
	expect_norm("0-1,2-3,5,6", "0-7", 0, "0-3,5-6", 6);
	/* "N" is the last possible CPU, "all" every one up to it. */
	expect_norm("N", "0-7", 0, "7", 1);
	expect_norm("1-N", "0-7", 0, "1-7", 7);
	expect_norm("N-N,0", "0-7", 0, "0,7", 2);
	expect_norm("all", "0-7", 0, "0-7", 8);
	expect_norm("ALL", "0-3", 0, "0-3", 4);
	expect_norm("all:1/2", "0-7", 0, "0,2,4,6", 4);
	expect_norm("0-N:2/4", "0-7", 0, "0-1,4-5", 4);
	expect_norm("0-N:1/N", "0-7", 0, "0,7", 2);
	/* NULL: every possible CPU (sysfs ends its list with a newline). */
	expect_norm(NULL, "0-7\n", 0, "0-7", 8);
	expect_norm(NULL, "0-3,6-7", 0, "0-3,6-7", 6);
	expect_norm(NULL, "0-2047", 0, "0-2047", 2048);
}
END_TEST

TEST("cpulist", cpulist_range)
{
	expect_norm("8", "0-7", -ERANGE, NULL, 0);
	expect_norm("0-8", "0-7", -ERANGE, NULL, 0);
	expect_norm("4", "0-3,6-7", -ERANGE, NULL, 0);
	expect_norm("0-7:1/2", "0-3,6-7", -ERANGE, NULL, 0);
	/* "all" names the holes too, as for the kernel (which refuses them). */
	expect_norm("all", "0-3,6-7", -ERANGE, NULL, 0);
	expect_norm("4294967296", "0-7", -ERANGE, NULL, 0);
	/* Larger than any number: beyond possible, not a syntax error. */
	expect_norm("99999999999999999999999999", "0-7", -ERANGE, NULL, 0);
	expect_norm("0-99999999999999999999999999", "0-7", -ERANGE, NULL, 0);
}
END_TEST

TEST("cpulist", cpulist_check_public)
{
	/* This machine has CPU 0 whatever else it has. */
	ck_assert_int_eq(tstats_cpulist_check("0"), 1);
	ck_assert_int_eq(tstats_cpulist_check(NULL), -EINVAL);
	ck_assert_int_eq(tstats_cpulist_check(""), -EINVAL);
	ck_assert_int_eq(tstats_cpulist_check("0-"), -EINVAL);
	ck_assert_int_eq(tstats_cpulist_check("0-999999"), -ERANGE);
}
END_TEST

/*
 * Registration over the fake kernel
 */

/* The one string attribute of a request, and its header. */
static void parse_request(size_t i, struct nlmsghdr *nlh, uint8_t *cmd, uint16_t *attr,
			  char *str, size_t cap)
{
	const uint8_t *p = fk->tx[i];
	struct genlmsghdr gh;
	struct nlattr nla;
	size_t slen;

	ck_assert_uint_gt(fk->ntx, i);
	memcpy(nlh, p, sizeof(*nlh));
	ck_assert_uint_eq(nlh->nlmsg_len, fk->tx_len[i]);
	memcpy(&gh, p + NLMSG_HDRLEN, sizeof(gh));
	*cmd = gh.cmd;
	ck_assert_uint_eq(gh.version, TS_GENL_VERSION);
	memcpy(&nla, p + NLMSG_HDRLEN + GENL_HDRLEN, sizeof(nla));
	*attr = nla.nla_type;
	slen = nla.nla_len - NLA_HDRLEN;
	ck_assert_uint_lt(slen, cap);
	memcpy(str, p + NLMSG_HDRLEN + GENL_HDRLEN + NLA_HDRLEN, slen);
	str[slen] = '\0';
	/* The kernel accepts it without the NUL; libnl sends one. */
	ck_assert_uint_eq(strlen(str) + 1, slen);
}

TEST("fake-kernel", register_and_deregister)
{
	struct tstats_listener *l = fake_listener("0-3,7");
	struct nlmsghdr nlh;
	uint16_t attr;
	uint8_t cmd;
	char s[64];

	ck_assert_uint_eq(fk->ntx, 1);
	parse_request(0, &nlh, &cmd, &attr, s, sizeof(s));
	ck_assert_uint_eq(nlh.nlmsg_type, FK_FAMILY);
	ck_assert_uint_eq(nlh.nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	ck_assert_uint_eq(nlh.nlmsg_pid, FK_PORT);
	ck_assert_uint_eq(cmd, TS_CMD_GET);
	ck_assert_uint_eq(attr, TS_CMD_ATTR_REGISTER_CPUMASK);
	ck_assert_str_eq(s, "0-3,7");
	ck_assert_str_eq(tstats_listener_cpulist(l), "0-3,7");
	ck_assert_uint_gt(fk->timeout_ms, 0);
	ck_assert_int_eq(tstats_listener_fd(l), -EBADF);

	tstats_listener_free(l);
	ck_assert(fk->closed);
	ck_assert_uint_eq(fk->ntx, 2);
	parse_request(1, &nlh, &cmd, &attr, s, sizeof(s));
	ck_assert_uint_eq(cmd, TS_CMD_GET);
	ck_assert_uint_eq(attr, TS_CMD_ATTR_DEREGISTER_CPUMASK);
	ck_assert_str_eq(s, "0-3,7");
	ck_assert_uint_eq(nlh.nlmsg_flags & NLM_F_REQUEST, NLM_F_REQUEST);
}
END_TEST

/* The kernel's errno reaches the caller unchanged; *ret stays untouched
 * and the transport stays the caller's. */
static void expect_refused(int answer, int want)
{
	struct transport t = fk_transport(fk, FK_OP_SET_RCVBUF | FK_OP_GET_FD);
	struct tstats_listener *l = (struct tstats_listener *)&t;

	fk->reg_answer = answer;
	ck_assert_int_eq(listener_new_with_transport(&t, "0-1", &l), want);
	ck_assert_ptr_eq(l, (struct tstats_listener *)&t);
	ck_assert(!fk->closed);
}

TEST("fake-kernel", register_refused_eperm)
{
	expect_refused(-EPERM, -EPERM);
}
END_TEST

TEST("fake-kernel", register_refused_einval)
{
	/* What a non-initial PID or user namespace gets. */
	expect_refused(-EINVAL, -EINVAL);
}
END_TEST

TEST("fake-kernel", register_refused_erange)
{
	expect_refused(-ERANGE, -ERANGE);
}
END_TEST

TEST("fake-kernel", register_no_answer)
{
	expect_refused(FK_NO_ANSWER, -ETIMEDOUT);
}
END_TEST

TEST("fake-kernel", register_refused_each_errno)
{
	static const int errnos[] = {
		EPERM, EINVAL, ERANGE, EOPNOTSUPP, ENOMEM, E2BIG, ENOBUFS, EMSGSIZE,
		ENOENT, EACCES, EBUSY, EFAULT, ESRCH,
	};

	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++) {
		fk->ntx = 0;	/* the request and the deregistration */
		expect_refused(-errnos[i], -errnos[i]);
	}
	/* A positive error must not read as success (not EPERM: 1 is
	 * FK_NO_ANSWER). */
	fk->ntx = 0;
	expect_refused(ESRCH, -ESRCH);
}
END_TEST

TEST("fake-kernel", register_ignores_foreign_answers)
{
	struct tstats_listener *l;
	struct seen s = { 0 };
	struct nlb b;

	/* Our request will be sequence 1 from FK_PORT: refusals of another
	 * port's request 1 and of our request 99 (an earlier one) are not
	 * its answer, nor is a stray ACK. */
	nlb_init(&b);
	nlb_error(&b, -EPERM, 1, FK_PORT + 1);
	fk_push_nlb(fk, &b);
	nlb_init(&b);
	nlb_error(&b, -EINVAL, 99, FK_PORT);
	nlb_error(&b, 0, 98, FK_PORT);
	fk_push_nlb(fk, &b);
	l = fake_listener("0");
	ck_assert_uint_eq(fk->delivered, 3);	/* the ACK after them */
	ck_assert_int_eq(tstats_listener_dispatch(l, on_rec, on_loss, &s), 0);
	ck_assert_uint_eq(s.nloss, 0);
	tstats_listener_free(l);
}
END_TEST

TEST("fake-kernel", register_event_before_ack)
{
	struct tstats_listener *l;
	struct seen s = { 0 };

	/* Registered on one CPU, an exit there beats the ACK from ours. */
	push_exit(100, true, 0);
	l = fake_listener("0-1");
	ck_assert_int_eq(tstats_listener_dispatch(l, on_rec, on_loss, &s), 1);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_uint_eq(s.rec[0].id, 100);
	tstats_listener_free(l);
}
END_TEST

/*
 * Exit messages
 */

TEST("fake-kernel", pid_only)
{
	struct tstats_listener *l = fake_listener("0");
	struct tstats_listener_stats st;
	struct seen s = { 0 };

	push_exit(4321, false, 0);
	ck_assert_int_eq(tstats_listener_dispatch(l, on_rec, on_loss, &s), 1);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_uint_eq(s.nloss, 0);
	ck_assert_uint_eq(s.rec[0].kind, TSTATS_KIND_PID);
	ck_assert_uint_eq(s.rec[0].id, 4321);
	ck_assert_uint_eq(s.rec[0].version, 16);
	ck_assert_uint_eq(s.rec[0].flags, TSTATS_RECORD_EXIT);
	ck_assert_uint_eq(get(&s.rec[0], TSTATS_F_FLAGS), 0);
	ck_assert_uint_eq(get(&s.rec[0], TSTATS_F_PID), nlb_ts_expect(TSTATS_F_PID));
	ck_assert_uint_eq(get(&s.rec[0], TSTATS_F_IRQ_DELAY_MIN),
			  nlb_ts_expect(TSTATS_F_IRQ_DELAY_MIN));
	ck_assert(!tstats_record_has(&s.rec[0], TSTATS_F_IRQ_DELAY_MAX_TS));	/* v17 */
	ck_assert_str_eq(tstats_record_comm(&s.rec[0]), nlb_ts_expect_comm());

	/* Nothing more pending. */
	ck_assert_int_eq(tstats_listener_dispatch(l, on_rec, on_loss, &s), 0);
	st = stats_of(l);
	ck_assert_uint_eq(st.messages, 1);
	ck_assert_uint_eq(st.records, 1);
	ck_assert_uint_eq(st.overflows + st.truncated + st.malformed, 0);
	ck_assert_uint_eq(st.dropped, UINT64_MAX);	/* no socket */
	tstats_listener_free(l);
}
END_TEST

TEST("fake-kernel", pid_only_group_exit)
{
	struct tstats_listener *l = fake_listener("0");
	struct seen s = { 0 };

	/* A single-threaded process: AGROUP set, no TGID record. */
	push_exit(77, true, 0);
	ck_assert_int_eq(tstats_listener_dispatch(l, on_rec, on_loss, &s), 1);
	ck_assert_uint_eq(s.rec[0].flags, TSTATS_RECORD_EXIT | TSTATS_RECORD_GROUP_EXIT);
	tstats_listener_free(l);
}
END_TEST

TEST("fake-kernel", pid_and_tgid)
{
	struct tstats_listener *l = fake_listener("0");
	struct tstats_listener_stats st;
	struct seen s = { 0 };

	push_exit(501, true, 500);
	ck_assert_int_eq(tstats_listener_dispatch(l, on_rec, on_loss, &s), 2);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_uint_eq(s.rec[0].kind, TSTATS_KIND_PID);
	ck_assert_uint_eq(s.rec[0].id, 501);
	ck_assert_uint_eq(s.rec[0].flags, TSTATS_RECORD_EXIT | TSTATS_RECORD_GROUP_EXIT);
	ck_assert_uint_eq(s.rec[1].kind, TSTATS_KIND_TGID);
	ck_assert_uint_eq(s.rec[1].id, 500);
	ck_assert_uint_eq(s.rec[1].version, 16);
	ck_assert_uint_eq(s.rec[1].flags, TSTATS_RECORD_EXIT | TSTATS_RECORD_GROUP_EXIT);
	/* The kernel fills only some fields of a TGID record. */
	ck_assert_uint_eq(get(&s.rec[1], TSTATS_F_CPU_DELAY_TOTAL),
			  nlb_ts_expect(TSTATS_F_CPU_DELAY_TOTAL));
	ck_assert(!tstats_record_has(&s.rec[1], TSTATS_F_PID));
	ck_assert_ptr_null(tstats_record_comm(&s.rec[1]));
	st = stats_of(l);
	ck_assert_uint_eq(st.messages, 1);
	ck_assert_uint_eq(st.records, 2);
	tstats_listener_free(l);
}
END_TEST

TEST("fake-kernel", pid_and_tgid_without_agroup)
{
	struct tstats_listener *l = fake_listener("0");
	struct seen s = { 0 };

	/* The TGID record alone says the group is gone. */
	push_exit(501, false, 500);
	ck_assert_int_eq(tstats_listener_dispatch(l, on_rec, on_loss, &s), 2);
	ck_assert_uint_eq(s.rec[0].flags, TSTATS_RECORD_EXIT | TSTATS_RECORD_GROUP_EXIT);
	ck_assert_uint_eq(s.rec[1].flags, TSTATS_RECORD_EXIT | TSTATS_RECORD_GROUP_EXIT);
	tstats_listener_free(l);
}
END_TEST

TEST("fake-kernel", tgid_version_zero)
{
	struct tstats_listener *l = fake_listener("0");
	const struct nlb_member *m15, *m16;
	uint8_t p[1024], t[1024];
	struct seen s = { 0 };
	struct nlb b;
	size_t pl, tl;

	/*
	 * A v15 kernel before the fix: the TGID record reads 0. v15 and v16
	 * are both 560 bytes with different layouts, so the length alone
	 * would pick v16; the PID record of the message says 15.
	 */
	m15 = nlb_ts_find(NLB_LAYOUT_V15, 15, TSTATS_F_CPU_RUN_REAL_TOTAL);
	m16 = nlb_ts_find(NLB_LAYOUT_MODERN, 16, TSTATS_F_CPU_RUN_REAL_TOTAL);
	ck_assert_ptr_nonnull(m15);
	ck_assert_ptr_nonnull(m16);
	ck_assert_uint_ne(m15->off, m16->off);
	pl = nlb_ts_size(15);
	tl = pl;
	nlb_ts_build(p, pl, 15, NLB_LAYOUT_V15, 15);
	nlb_ts_build(t, tl, 0, NLB_LAYOUT_V15, 15);
	nlb_init(&b);
	exit_msg(&b, 7, 601, p, pl, 600, t, tl);
	fk_push_nlb(fk, &b);

	ck_assert_int_eq(tstats_listener_dispatch(l, on_rec, on_loss, &s), 2);
	ck_assert_uint_eq(s.rec[0].version, 15);
	ck_assert_uint_eq(s.rec[0].flags & TSTATS_RECORD_VERSION_INFERRED, 0);
	ck_assert_uint_eq(s.rec[1].kind, TSTATS_KIND_TGID);
	ck_assert_uint_eq(s.rec[1].version, 15);
	ck_assert_uint_eq(s.rec[1].flags & TSTATS_RECORD_VERSION_INFERRED,
			  TSTATS_RECORD_VERSION_INFERRED);
	ck_assert_uint_eq(get(&s.rec[1], TSTATS_F_CPU_RUN_REAL_TOTAL),
			  nlb_ts_expect(TSTATS_F_CPU_RUN_REAL_TOTAL));
	ck_assert_uint_eq(get(&s.rec[1], TSTATS_F_VERSION), 15);
	tstats_listener_free(l);
}
END_TEST

/* Appends an nlattr with len bytes of payload to a growing buffer. */
static size_t big_attr(uint8_t *buf, size_t off, uint16_t type, const void *data, size_t len)
{
	struct nlattr nla = { .nla_len = (uint16_t)(NLA_HDRLEN + len), .nla_type = type };

	memcpy(buf + off, &nla, sizeof(nla));
	if (data)
		memcpy(buf + off + NLA_HDRLEN, data, len);
	return off + NLA_ALIGN(NLA_HDRLEN + len);
}

/* An exit message of a future kernel whose struct is plen bytes. */
static size_t big_exit_msg(uint8_t *buf, uint32_t pid, uint32_t tgid, size_t plen)
{
	struct nlmsghdr nlh = { .nlmsg_type = FK_FAMILY };
	struct genlmsghdr gh = { .cmd = TS_CMD_NEW, .version = 1 };
	uint8_t *payload = calloc(1, plen);
	size_t off = NLMSG_HDRLEN, nest;

	ck_assert_ptr_nonnull(payload);
	nlb_ts_build(payload, plen, 18, NLB_LAYOUT_MODERN, 17);
	memcpy(buf + off, &gh, sizeof(gh));
	off += GENL_HDRLEN;
	for (int i = 0; i < 2; i++) {
		struct nlattr na = { .nla_type = i ? TS_TYPE_AGGR_TGID : TS_TYPE_AGGR_PID };
		uint32_t id = i ? tgid : pid;

		nest = off;
		off = big_attr(buf, off + NLA_HDRLEN, i ? TS_TYPE_TGID : TS_TYPE_PID, &id,
			       sizeof(id));
		off = big_attr(buf, off, TS_TYPE_STATS, payload, plen);
		na.nla_len = (uint16_t)(off - nest);
		memcpy(buf + nest, &na, sizeof(na));
	}
	nlh.nlmsg_len = (uint32_t)off;
	memcpy(buf, &nlh, sizeof(nlh));
	free(payload);
	return off;
}

TEST("fake-kernel", truncated_grows_and_counts)
{
	struct tstats_listener *l = fake_listener("0");
	struct tstats_listener_stats st;
	struct seen s = { 0 };
	uint8_t *big = calloc(1, 65536);
	size_t len, cap;

	ck_assert_ptr_nonnull(big);
	len = big_exit_msg(big, 901, 900, 6000);
	/* The first copy does not fit the initial buffer. */
	cap = fk->last_cap;
	ck_assert_uint_lt(cap, len);
	fk_push(fk, big, len, len);
	push_exit(902, true, 0);
	fk_push(fk, big, len, len);

	ck_assert_int_eq(tstats_listener_dispatch(l, on_rec, on_loss, &s), 3);
	/* Never a record from the truncated bytes: a loss, then the rest. */
	ck_assert_uint_eq(s.nloss, 1);
	ck_assert_uint_eq(s.loss_cause[0], TSTATS_LOSS_TRUNCATED);
	ck_assert_uint_eq(s.loss_count[0], 1);
	ck_assert_uint_eq(s.loss_at[0], 0);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_uint_eq(s.rec[0].id, 902);
	ck_assert_uint_eq(s.rec[1].id, 901);
	ck_assert_uint_eq(s.rec[1].version, 18);
	ck_assert_uint_eq(s.rec[1].flags & TSTATS_RECORD_NEWER, TSTATS_RECORD_NEWER);
	ck_assert_uint_eq(s.rec[1].payload_len, 6000);
	ck_assert_uint_eq(get(&s.rec[1], TSTATS_F_IRQ_DELAY_MAX_TS),
			  nlb_ts_expect(TSTATS_F_IRQ_DELAY_MAX_TS));
	ck_assert_uint_eq(s.rec[2].id, 900);
	ck_assert_uint_eq(s.rec[2].kind, TSTATS_KIND_TGID);
	ck_assert_uint_ge(fk->last_cap, len);
	st = stats_of(l);
	ck_assert_uint_eq(st.truncated, 1);
	ck_assert_uint_eq(st.messages, 2);
	ck_assert_uint_eq(st.records, 3);
	free(big);
	tstats_listener_free(l);
}
END_TEST

TEST("fake-kernel", truncated_without_loss_callback)
{
	struct tstats_listener *l = fake_listener("0");
	struct seen s = { 0 };
	uint8_t big[20000];
	size_t len = big_exit_msg(big, 901, 900, 6000);

	push_exit(1, true, 0);
	fk_push(fk, big, len, len);
	push_exit(2, true, 0);
	ck_assert_int_eq(tstats_listener_dispatch(l, on_rec, NULL, &s), -EMSGSIZE);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_int_eq(tstats_listener_dispatch(l, on_rec, NULL, &s), 1);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_uint_eq(s.rec[1].id, 2);
	tstats_listener_free(l);
}
END_TEST

TEST("fake-kernel", enobufs_is_reported_and_listening_goes_on)
{
	struct tstats_listener *l = fake_listener("0");
	struct tstats_listener_stats st;
	struct seen s = { 0 };

	push_exit(10, true, 0);
	fk_push_err(fk, -ENOBUFS);
	push_exit(11, true, 0);
	fk_push_err(fk, -ENOBUFS);
	push_exit(12, false, 0);
	push_exit(13, true, 12);
	ck_assert_int_eq(tstats_listener_dispatch(l, on_rec, on_loss, &s), 5);
	ck_assert_uint_eq(s.nloss, 2);
	ck_assert_uint_eq(s.loss_cause[0], TSTATS_LOSS_OVERFLOW);
	ck_assert_uint_eq(s.loss_count[0], 1);
	ck_assert_uint_eq(s.loss_at[0], 1);
	ck_assert_uint_eq(s.loss_cause[1], TSTATS_LOSS_OVERFLOW);
	ck_assert_uint_eq(s.loss_count[1], 2);
	ck_assert_uint_eq(s.loss_at[1], 2);
	ck_assert_uint_eq(s.rec[2].id, 12);
	ck_assert_uint_eq(s.rec[3].id, 13);
	ck_assert_uint_eq(s.rec[4].id, 12);
	ck_assert_uint_eq(s.rec[4].kind, TSTATS_KIND_TGID);
	st = stats_of(l);
	ck_assert_uint_eq(st.overflows, 2);
	ck_assert_uint_eq(st.records, 5);
	ck_assert_uint_eq(st.messages, 4);
	tstats_listener_free(l);
}
END_TEST

TEST("fake-kernel", enobufs_without_loss_callback)
{
	struct tstats_listener *l = fake_listener("0");
	struct seen s = { 0 };

	push_exit(10, true, 0);
	fk_push_err(fk, -ENOBUFS);
	push_exit(11, true, 0);
	ck_assert_int_eq(tstats_listener_dispatch(l, on_rec, NULL, &s), -ENOBUFS);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_int_eq(tstats_listener_dispatch(l, on_rec, NULL, &s), 1);
	ck_assert_uint_eq(s.rec[1].id, 11);
	ck_assert_uint_eq(stats_of(l).overflows, 1);
	tstats_listener_free(l);
}
END_TEST

TEST("fake-kernel", enobufs_while_registering)
{
	struct tstats_listener *l;
	struct seen s = { 0 };

	push_exit(10, true, 0);
	fk_push_err(fk, -ENOBUFS);
	l = fake_listener("0");
	ck_assert_int_eq(tstats_listener_dispatch(l, on_rec, on_loss, &s), 1);
	ck_assert_uint_eq(s.nloss, 1);
	ck_assert_uint_eq(s.loss_at[0], 1);
	tstats_listener_free(l);
}
END_TEST

TEST("fake-kernel", stop_keeps_the_rest)
{
	struct tstats_listener *l = fake_listener("0");
	struct seen s = { 0 };

	push_exit(21, true, 20);
	push_exit(22, true, 0);
	s.ret_at[0] = 1;	/* stop after the PID record */
	ck_assert_int_eq(tstats_listener_dispatch(l, on_rec, on_loss, &s), 1);
	ck_assert_uint_eq(s.n, 1);
	s.ret_at[1] = -42;	/* abort after the TGID record */
	ck_assert_int_eq(tstats_listener_dispatch(l, on_rec, on_loss, &s), -42);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_uint_eq(s.rec[1].kind, TSTATS_KIND_TGID);
	ck_assert_uint_eq(s.rec[1].id, 20);
	ck_assert_int_eq(tstats_listener_dispatch(l, on_rec, on_loss, &s), 1);
	ck_assert_uint_eq(s.rec[2].id, 22);
	ck_assert_uint_eq(stats_of(l).records, 3);
	tstats_listener_free(l);
}
END_TEST

TEST("fake-kernel", malformed_is_counted)
{
	struct tstats_listener *l = fake_listener("0");
	uint8_t p[1024];
	struct seen s = { 0 };
	struct nlb b;
	size_t pl = payload16(p, sizeof(p), 0x21), nest;

	/* An AGGR_PID nest without its PID attribute. */
	nlb_init(&b);
	nlb_msg_start(&b, FK_FAMILY, 0, 0, 0);
	nlb_genl(&b, TS_CMD_NEW, 1);
	nest = nlb_nest_start(&b, TS_TYPE_AGGR_PID);
	nlb_put(&b, TS_TYPE_STATS, p, pl);
	nlb_nest_end(&b, nest);
	nlb_msg_end(&b);
	fk_push_nlb(fk, &b);
	/* A datagram whose nlmsg_len runs past its end. */
	nlb_init(&b);
	exit_msg(&b, 0, 5, p, pl, 0, NULL, 0);
	nlb_set_msg_len(&b, (uint32_t)nlb_len(&b) + 4);
	fk_push_nlb(fk, &b);
	push_exit(31, true, 0);

	ck_assert_int_eq(tstats_listener_dispatch(l, on_rec, on_loss, &s), 1);
	ck_assert_uint_eq(s.nloss, 2);
	ck_assert_uint_eq(s.loss_cause[0], TSTATS_LOSS_MALFORMED);
	ck_assert_uint_eq(s.loss_cause[1], TSTATS_LOSS_MALFORMED);
	ck_assert_uint_eq(s.loss_count[1], 2);
	ck_assert_uint_eq(s.rec[0].id, 31);
	ck_assert_uint_eq(stats_of(l).malformed, 2);
	ck_assert_uint_eq(stats_of(l).messages, 1);
	tstats_listener_free(l);
}
END_TEST

TEST("fake-kernel", bogus_nlmsg_len_is_malformed)
{
	static const uint32_t lens[] = { 0, NLMSG_HDRLEN - 1, 100000 };
	struct tstats_listener *l = fake_listener("0");
	uint8_t p[1024];
	struct seen s = { 0 };
	struct nlb b;
	size_t pl = payload16(p, sizeof(p), 0x21);

	/* After a good message, so that it is delivered and the rest of
	 * its datagram reported lost. */
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		nlb_init(&b);
		exit_msg(&b, 0, 60 + (uint32_t)i, p, pl, 0, NULL, 0);
		exit_msg(&b, 0, 70, p, pl, 0, NULL, 0);
		nlb_set_msg_len(&b, lens[i]);
		fk_push_nlb(fk, &b);
	}
	push_exit(80, true, 0);
	ck_assert_int_eq(tstats_listener_dispatch(l, on_rec, on_loss, &s), 4);
	ck_assert_uint_eq(s.nloss, 3);
	for (size_t i = 0; i < 3; i++) {
		ck_assert_uint_eq(s.rec[i].id, 60 + i);
		ck_assert_uint_eq(s.loss_cause[i], TSTATS_LOSS_MALFORMED);
		ck_assert_uint_eq(s.loss_at[i], i + 1);
	}
	ck_assert_uint_eq(s.rec[3].id, 80);
	ck_assert_uint_eq(stats_of(l).malformed, 3);
	tstats_listener_free(l);
}
END_TEST

TEST("fake-kernel", multipart_exit_messages)
{
	static const int32_t zero;
	struct tstats_listener *l = fake_listener("0");
	uint8_t p[1024];
	struct seen s = { 0 };
	struct nlb b;
	size_t pl = payload16(p, sizeof(p), 0x21);

	/* NLM_F_MULTI parts, then NLMSG_DONE, in one datagram and apart. */
	nlb_init(&b);
	exit_msg(&b, 5, 91, p, pl, 0, NULL, 0);
	exit_msg(&b, 5, 92, p, pl, 0, NULL, 0);
	for (size_t off = 0; off < nlb_len(&b);) {
		struct nlmsghdr nlh;

		memcpy(&nlh, nlb_data(&b) + off, sizeof(nlh));
		nlh.nlmsg_flags |= NLM_F_MULTI;
		memcpy(b.u.buf + off, &nlh, sizeof(nlh));
		off += NLMSG_ALIGN(nlh.nlmsg_len);
	}
	nlb_msg_start(&b, NLMSG_DONE, NLM_F_MULTI, 5, 0);
	nlb_raw(&b, &zero, sizeof(zero));
	nlb_msg_end(&b);
	fk_push_nlb(fk, &b);
	nlb_init(&b);
	nlb_msg_start(&b, NLMSG_DONE, NLM_F_MULTI, 6, 0);
	nlb_raw(&b, &zero, sizeof(zero));
	nlb_msg_end(&b);
	fk_push_nlb(fk, &b);
	push_exit(93, true, 0);

	ck_assert_int_eq(tstats_listener_dispatch(l, on_rec, on_loss, &s), 3);
	ck_assert_uint_eq(s.nloss, 0);
	ck_assert_uint_eq(s.rec[0].id, 91);
	ck_assert_uint_eq(s.rec[1].id, 92);
	ck_assert_uint_eq(s.rec[2].id, 93);
	ck_assert_uint_eq(stats_of(l).messages, 3);
	tstats_listener_free(l);
}
END_TEST

TEST("fake-kernel", other_messages_ignored)
{
	struct tstats_listener *l = fake_listener("0");
	uint8_t p[1024];
	struct seen s = { 0 };
	struct nlb b;
	size_t pl = payload16(p, sizeof(p), 0x21);

	nlb_init(&b);
	nlb_msg_start(&b, NLMSG_NOOP, 0, 0, 0);
	nlb_msg_end(&b);
	nlb_error(&b, 0, 99, FK_PORT);		/* a stray ACK */
	nlb_msg_start(&b, FK_FAMILY, 0, 0, 0);	/* a command we do not know */
	nlb_genl(&b, 9, 1);
	nlb_put_u32(&b, 1, 5);
	nlb_msg_end(&b);
	nlb_msg_start(&b, FK_FAMILY + 1, 0, 0, 0);	/* another family */
	nlb_genl(&b, TS_CMD_NEW, 1);
	nlb_msg_end(&b);
	/* Two exit messages in one datagram, any sequence numbers. */
	exit_msg(&b, 12345, 41, p, pl, 0, NULL, 0);
	exit_msg(&b, 0, 42, p, pl, 0, NULL, 0);
	fk_push_nlb(fk, &b);

	ck_assert_int_eq(tstats_listener_dispatch(l, on_rec, on_loss, &s), 2);
	ck_assert_uint_eq(s.nloss, 0);
	ck_assert_uint_eq(s.rec[0].id, 41);
	ck_assert_uint_eq(s.rec[1].id, 42);
	tstats_listener_free(l);
}
END_TEST

TEST("fake-kernel", run_and_arguments)
{
	struct tstats_listener *l = fake_listener("0");
	struct tstats_listener_stats st;
	struct seen s = { 0 };

	push_exit(51, true, 0);
	push_exit(52, true, 0);
	/* timeout 0: what is pending, then return. */
	ck_assert_int_eq(tstats_listener_run(l, 0, on_rec, on_loss, &s), 2);
	/* Nothing pending and no descriptor to wait on. */
	ck_assert_int_eq(tstats_listener_run(l, 10, on_rec, on_loss, &s), -EBADF);

	ck_assert_int_eq(tstats_listener_dispatch(NULL, on_rec, on_loss, &s), -EINVAL);
	ck_assert_int_eq(tstats_listener_dispatch(l, NULL, on_loss, &s), -EINVAL);
	ck_assert_int_eq(tstats_listener_run(l, 0, NULL, on_loss, &s), -EINVAL);
	ck_assert_int_eq(tstats_listener_stats(l, NULL), -EINVAL);
	ck_assert_int_eq(tstats_listener_stats(NULL, &st), -EINVAL);
	ck_assert_int_eq(tstats_listener_fd(NULL), -EINVAL);
	ck_assert_ptr_null(tstats_listener_cpulist(NULL));
	ck_assert_int_eq(tstats_listener_set_rcvbuf(l, 0), -EINVAL);
	ck_assert_int_eq(tstats_listener_set_rcvbuf(l, 65536), 131072);
	ck_assert_int_eq(fk->rcvbuf, 65536);
	ck_assert_int_eq(tstats_listener_new("0-", NULL), -EINVAL);
	tstats_listener_free(NULL);
	tstats_listener_free(l);
}
END_TEST

/*
 * Live: real exits of our own children.
 */

#define NCHILD 200
#define NTHREADS 3		/* threads besides main in a multi-threaded child */
#define MAXTASK (NTHREADS + 1)

/* What a child reports through the pipe before it exits. */
struct child_report {
	int32_t idx;
	int32_t tid[MAXTASK];	/* [0] is the main thread */
};

struct child {
	pid_t pid;
	bool mt;
	int32_t tid[MAXTASK];
	int ntid;
	/* observed */
	int seen_pid[MAXTASK];
	int seen_group_flag;
	int seen_tgid;
	uint32_t group_flag_tid;
	struct tstats_record tgid_rec;
	struct tstats_record pid_rec[MAXTASK];
};

struct live {
	struct child c[NCHILD];
	int remaining;		/* group exits still to see */
	uint64_t losses;
	struct tstats_record prev_copy;	/* the record before this one */
	bool have_prev;
};

static struct child *find_child(struct live *lv, uint32_t tgid)
{
	for (int i = 0; i < NCHILD; i++)
		if (lv->c[i].pid == (pid_t)tgid)
			return &lv->c[i];
	return NULL;
}

/* The child one of whose threads is tid. */
static struct child *find_child_of_tid(struct live *lv, uint32_t tid)
{
	for (int i = 0; i < NCHILD; i++)
		for (int t = 0; t < lv->c[i].ntid; t++)
			if ((uint32_t)lv->c[i].tid[t] == tid)
				return &lv->c[i];
	return NULL;
}

/*
 * Struct versions before 12 (Linux 5.19) have no ac_tgid, and their
 * kernels set no AGROUP flag: a thread is found by its id, and a
 * single-threaded group's end is its only exit.
 */
static bool has_agroup(const struct tstats_record *rec)
{
	return rec->version >= 12;
}

static int on_live_rec(const struct tstats_record *rec, void *userdata)
{
	struct live *lv = userdata;
	struct child *c;
	uint64_t tgid = 0;
	bool prev_group = lv->have_prev && (lv->prev_copy.flags & TSTATS_RECORD_GROUP_EXIT) &&
			  lv->prev_copy.kind == TSTATS_KIND_PID;
	uint32_t prev_id = lv->prev_copy.id;

	ck_assert_uint_eq(rec->flags & TSTATS_RECORD_EXIT, TSTATS_RECORD_EXIT);
	lv->prev_copy = *rec;
	lv->have_prev = true;
	if (rec->kind == TSTATS_KIND_TGID) {
		c = find_child(lv, rec->id);
		if (!c)
			return 0;
		/* Right after the PID record of the group's last thread. */
		ck_assert_msg(prev_group, "TGID record %u not after a group exit", rec->id);
		ck_assert_uint_eq(prev_id, c->group_flag_tid);
		ck_assert_uint_eq(rec->flags & TSTATS_RECORD_GROUP_EXIT,
				  TSTATS_RECORD_GROUP_EXIT);
		c->seen_tgid++;
		c->tgid_rec = *rec;
		if (c->mt && --lv->remaining == 0)
			return 1;
		return 0;
	}
	if (tstats_record_get(rec, TSTATS_F_TGID, &tgid) == 0)
		c = find_child(lv, (uint32_t)tgid);
	else
		c = find_child_of_tid(lv, rec->id);
	if (!c)
		return 0;	/* someone else's exit */
	for (int t = 0; t < c->ntid; t++) {
		if ((uint32_t)c->tid[t] != rec->id)
			continue;
		c->seen_pid[t]++;
		c->pid_rec[t] = *rec;
		ck_assert_uint_eq(get(rec, TSTATS_F_PID), rec->id);
		if (rec->flags & TSTATS_RECORD_GROUP_EXIT) {
			c->seen_group_flag++;
			c->group_flag_tid = rec->id;
			/* A multi-threaded group still has its TGID record to
			 * come in this message. */
			if (!c->mt && --lv->remaining == 0)
				return 1;
		} else if (!has_agroup(rec) && !c->mt && --lv->remaining == 0) {
			return 1;
		}
		return 0;
	}
	ck_abort_msg("exit of unknown thread %u of child %d", rec->id, (int)c->pid);
	return -1;
}

static int on_live_loss(unsigned int cause, uint64_t count, void *userdata)
{
	struct live *lv = userdata;

	(void)cause;
	(void)count;
	lv->losses++;
	return 0;
}

static int report_fd = -1;

/* Sleeps a little, so that every thread switches voluntarily. */
static void nap(void)
{
	struct timespec ts = { 0, 200 * 1000 };

	for (int i = 0; i < 5; i++)
		nanosleep(&ts, NULL);
}

struct thread_arg {
	int32_t *tid;
	int idx, j;
};

static void *child_thread(void *arg)
{
	struct thread_arg *a = arg;
	char name[16];

	*a->tid = (int32_t)syscall(SYS_gettid);
	snprintf(name, sizeof(name), "lmt-%d-t%d", a->idx, a->j);
	prctl(PR_SET_NAME, name);
	nap();
	return NULL;
}

static void child_main(int idx, bool mt)
{
	struct child_report rep = { .idx = idx };
	struct thread_arg ta[NTHREADS];
	pthread_t th[NTHREADS];
	char name[16];

	snprintf(name, sizeof(name), "%s-%d", mt ? "lmt" : "lst", idx);
	prctl(PR_SET_NAME, name);
	rep.tid[0] = (int32_t)getpid();
	if (mt) {
		for (int i = 0; i < NTHREADS; i++) {
			ta[i] = (struct thread_arg){ &rep.tid[i + 1], idx, i + 1 };
			if (pthread_create(&th[i], NULL, child_thread, &ta[i]))
				_exit(100);
		}
		for (int i = 0; i < NTHREADS; i++)
			pthread_join(th[i], NULL);
	}
	nap();
	if (write(report_fd, &rep, sizeof(rep)) != (ssize_t)sizeof(rep))
		_exit(101);
	_exit(idx & 0x7f);
}

static struct tstats_listener *live_listener(int rcvbuf)
{
	struct tstats_listener *l = NULL;
	int r = tstats_listener_new(NULL, &l);

	ck_assert_msg(r == 0, "tstats_listener_new: %s", strerror(-r));
	if (rcvbuf) {
		r = tstats_listener_set_rcvbuf(l, rcvbuf);
		/* We run as root (CAP_NET_ADMIN): FORCE goes past rmem_max. */
		ck_assert_int_ge(r, rcvbuf);
	}
	return l;
}

TEST("exits", live_200_children)
{
	struct live *lv = calloc(1, sizeof(*lv));
	struct tstats_listener *l;
	bool old_tgid_noted = false, old_agroup_noted = false;
	int pfd[2];
	int r;

	ck_assert_ptr_nonnull(lv);
	l = live_listener(16 * MIB);
	ck_assert_int_eq(pipe(pfd), 0);
	report_fd = pfd[1];
	for (int i = 0; i < NCHILD; i++) {
		bool mt = i % 2;
		pid_t pid = fork();

		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			close(pfd[0]);
			child_main(i, mt);
		}
		lv->c[i].pid = pid;
		lv->c[i].mt = mt;
		lv->c[i].ntid = mt ? MAXTASK : 1;
	}
	close(pfd[1]);
	for (int i = 0; i < NCHILD; i++) {
		struct child_report rep;
		int status;

		ck_assert_int_eq(read(pfd[0], &rep, sizeof(rep)), (ssize_t)sizeof(rep));
		ck_assert(rep.idx >= 0 && rep.idx < NCHILD);
		memcpy(lv->c[rep.idx].tid, rep.tid, sizeof(rep.tid));
		ck_assert_int_eq(waitpid(lv->c[rep.idx].pid, &status, 0), lv->c[rep.idx].pid);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == (rep.idx & 0x7f));
	}
	close(pfd[0]);

	/* Every exit is in the socket by now (16 MiB hold them all). */
	lv->remaining = NCHILD;
	r = tstats_listener_run(l, 30000, on_live_rec, on_live_loss, lv);
	ck_assert_msg(r > 0, "run: %d", r);
	ck_assert_uint_eq(lv->losses, 0);
	ck_assert_int_eq(lv->remaining, 0);

	for (int i = 0; i < NCHILD; i++) {
		struct child *c = &lv->c[i];
		char want[32];
		uint64_t sum_nvcsw = 0, max_nvcsw = 0, sum_cpu = 0, sum_cnt = 0;

		for (int t = 0; t < c->ntid; t++) {
			const struct tstats_record *p = &c->pid_rec[t];

			ck_assert_msg(c->seen_pid[t] == 1, "child %d task %d seen %d times",
				      i, c->tid[t], c->seen_pid[t]);
			if (has_agroup(p))
				ck_assert_uint_eq(get(p, TSTATS_F_TGID), (uint64_t)c->pid);
			else
				ck_assert(!tstats_record_has(p, TSTATS_F_TGID));
			sum_nvcsw += get(p, TSTATS_F_NVCSW);
			if (get(p, TSTATS_F_NVCSW) > max_nvcsw)
				max_nvcsw = get(p, TSTATS_F_NVCSW);
			sum_cpu += get(p, TSTATS_F_CPU_RUN_REAL_TOTAL);
			sum_cnt += get(p, TSTATS_F_CPU_COUNT);
		}
		if (!has_agroup(&c->pid_rec[0]) && !old_agroup_noted) {
			fprintf(stderr, "struct v%u: no ac_tgid and no AGROUP flag before v12 "
				"(5.19): threads found by their ids\n", c->pid_rec[0].version);
			old_agroup_noted = true;
		}
		if (has_agroup(&c->pid_rec[0]) || c->mt) {
			ck_assert_int_eq(c->seen_group_flag, 1);
			/* The main thread leaves last: it joined the others. */
			ck_assert_uint_eq(c->group_flag_tid, (uint32_t)c->pid);
		} else {
			ck_assert_int_eq(c->seen_group_flag, 0);
		}
		snprintf(want, sizeof(want), "%s-%d", c->mt ? "lmt" : "lst", i);
		ck_assert_str_eq(tstats_record_comm(&c->pid_rec[0]), want);
		for (int t = 1; t < c->ntid; t++) {
			snprintf(want, sizeof(want), "lmt-%d-t%d", i, t);
			ck_assert_str_eq(tstats_record_comm(&c->pid_rec[t]), want);
		}
		ck_assert_uint_eq(get(&c->pid_rec[0], TSTATS_F_EXIT_CODE),
				  (uint64_t)(i & 0x7f) << 8);
		ck_assert_uint_eq(get(&c->pid_rec[0], TSTATS_F_FLAGS) & TSTATS_AC_GROUP,
				  has_agroup(&c->pid_rec[0]) ? TSTATS_AC_GROUP : 0);
		if (!c->mt) {
			ck_assert_int_eq(c->seen_tgid, 0);
			continue;
		}
		ck_assert_int_eq(c->seen_tgid, 1);
		ck_assert_uint_eq(c->tgid_rec.id, (uint32_t)c->pid);
		for (int t = 1; t < c->ntid; t++) {
			ck_assert_uint_eq(get(&c->pid_rec[t], TSTATS_F_FLAGS) & TSTATS_AC_GROUP, 0);
			ck_assert_uint_eq(c->pid_rec[t].flags & TSTATS_RECORD_GROUP_EXIT, 0);
		}
		/*
		 * The TGID record sums its threads. The kernel adds each
		 * thread into the group just before it fills that thread's
		 * PID record, so the sum of the PID records can only be
		 * larger, and a sum holds more than any one thread. (Not
		 * "all of them": a thread's exit can race the group's last
		 * one and miss the TGID message, seen once under load.)
		 */
		if (!tstats_record_has(&c->tgid_rec, TSTATS_F_ETIME)) {
			/* Older kernels (5.10, 6.1, 6.12.95) sum only the delays
			 * into a group's exit record (kernel/taskstats.c,
			 * fill_tgid_exit()): elapsed and CPU time and the
			 * switches read 0 there, and the listener says they
			 * are absent. */
			if (!old_tgid_noted)
				fprintf(stderr, "this kernel's TGID exit records hold the "
					"delays alone\n");
			old_tgid_noted = true;
			ck_assert(!tstats_record_has(&c->tgid_rec, TSTATS_F_NVCSW));
			ck_assert(!tstats_record_has(&c->tgid_rec, TSTATS_F_NIVCSW));
			ck_assert(!tstats_record_has(&c->tgid_rec, TSTATS_F_UTIME));
			ck_assert(!tstats_record_has(&c->tgid_rec, TSTATS_F_STIME));
		} else {
			ck_assert_uint_le(get(&c->tgid_rec, TSTATS_F_NVCSW), sum_nvcsw);
			ck_assert_uint_gt(get(&c->tgid_rec, TSTATS_F_NVCSW), max_nvcsw);
		}
		ck_assert_uint_le(get(&c->tgid_rec, TSTATS_F_CPU_RUN_REAL_TOTAL), sum_cpu);
		ck_assert_uint_le(get(&c->tgid_rec, TSTATS_F_CPU_COUNT), sum_cnt);
		ck_assert_uint_gt(get(&c->tgid_rec, TSTATS_F_CPU_COUNT),
				  get(&c->pid_rec[0], TSTATS_F_CPU_COUNT));
	}
	ck_assert_uint_eq(stats_of(l).overflows, 0);
	tstats_listener_free(l);
	free(lv);
}
END_TEST

/*
 * Storms: a child process runs n short threads one after another, as fast
 * as it can, while the listener does not read.
 */
static void *storm_thread(void *arg)
{
	return arg;
}

static pid_t storm(int n)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_NAME, "lstorm");
		for (int i = 0; i < n; i++) {
			pthread_t t;

			if (pthread_create(&t, NULL, storm_thread, NULL))
				_exit(100);
			pthread_join(t, NULL);
		}
		_exit(0);
	}
	return pid;
}

struct storm_count {
	pid_t tgid;
	uint64_t seen;		/* PID records of the storm's threads */
	uint64_t losses;
	uint64_t last_overflows;
};

static int on_storm_rec(const struct tstats_record *rec, void *userdata)
{
	struct storm_count *sc = userdata;
	uint64_t tgid;

	/* The storm's threads, not its main thread; before v12 (no ac_tgid)
	 * by the name they inherit. */
	if (rec->kind != TSTATS_KIND_PID || rec->id == (uint32_t)sc->tgid)
		return 0;
	if (tstats_record_get(rec, TSTATS_F_TGID, &tgid) == 0 ? tgid == (uint64_t)sc->tgid :
	    strcmp(tstats_record_comm(rec) ? tstats_record_comm(rec) : "", "lstorm") == 0)
		sc->seen++;
	return 0;
}

static int on_storm_loss(unsigned int cause, uint64_t count, void *userdata)
{
	struct storm_count *sc = userdata;

	ck_assert_uint_eq(cause, TSTATS_LOSS_OVERFLOW);
	sc->losses++;
	sc->last_overflows = count;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define STORM 20000

TEST("exits", live_storm_small_buffer_reports_loss)
{
	struct tstats_listener *l = live_listener(0);
	struct tstats_listener_stats st;
	struct storm_count sc = { 0 };
	int status, r, eff;

	/* The smallest buffer the kernel allows: a couple of messages. */
	eff = tstats_listener_set_rcvbuf(l, 1);
	ck_assert_int_gt(eff, 0);
	sc.tgid = storm(STORM);
	ck_assert_int_eq(waitpid(sc.tgid, &status, 0), sc.tgid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	r = tstats_listener_run(l, 500, on_storm_rec, on_storm_loss, &sc);
	ck_assert_int_ge(r, 0);
	st = stats_of(l);
	fprintf(stderr, "storm of %d exits, rcvbuf %d: %" PRIu64 " seen, %" PRIu64
		" overflows reported, %" PRIu64 " dropped\n", STORM, eff,
		sc.seen, st.overflows, st.dropped);
	/* Reported, not passed over: counted and handed to the callback. */
	ck_assert_uint_gt(st.overflows, 0);
	ck_assert_uint_gt(sc.losses, 0);
	ck_assert_uint_eq(sc.last_overflows, st.overflows);
	ck_assert_uint_lt(sc.seen, STORM);
	/* Every exit was either delivered or counted by the kernel. */
	ck_assert_uint_ne(st.dropped, UINT64_MAX);
	ck_assert_uint_ge(sc.seen + st.dropped, (uint64_t)STORM);
	tstats_listener_free(l);
}
END_TEST

#define CALM 5000

TEST("exits", live_storm_large_buffer_loses_nothing)
{
	struct tstats_listener *l = live_listener(16 * MIB);
	struct tstats_listener_stats st;
	struct storm_count sc = { 0 };
	double t0, t1;
	int status, r;

	/*
	 * The burst fits in the buffer whatever its rate (16 MiB hold
	 * some 7000 of these messages): the rate is measured and shown,
	 * not asserted.
	 */
	t0 = now_s();
	sc.tgid = storm(CALM);
	ck_assert_int_eq(waitpid(sc.tgid, &status, 0), sc.tgid);
	t1 = now_s();
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	r = tstats_listener_run(l, 500, on_storm_rec, on_storm_loss, &sc);
	ck_assert_int_ge(r, 0);
	st = stats_of(l);
	fprintf(stderr, "burst of %d exits at %.0f exits/s into 16 MiB: %" PRIu64
		" seen, %" PRIu64 " overflows, %" PRIu64 " dropped\n", CALM,
		CALM / (t1 - t0), sc.seen, st.overflows, st.dropped);
	ck_assert_uint_eq(st.overflows, 0);
	ck_assert_uint_eq(sc.losses, 0);
	ck_assert_uint_eq(st.dropped, 0);
	ck_assert_uint_eq(sc.seen, CALM);
	tstats_listener_free(l);
}
END_TEST

TEST("exits", live_errors)
{
	struct tstats_listener *l = (struct tstats_listener *)&l;
	char *possible = NULL;

	ck_assert_int_eq(tstats_listener_new("zz", &l), -EINVAL);
	ck_assert_int_eq(tstats_listener_new("0-999999", &l), -ERANGE);
	ck_assert_ptr_eq(l, (struct tstats_listener *)&l);

	/* The default is every possible CPU, written canonically. */
	ck_assert_int_eq(cpulist_normalize(NULL, NULL, &possible, NULL), 0);
	l = live_listener(0);
	ck_assert_str_eq(tstats_listener_cpulist(l), possible);
	ck_assert_int_ge(tstats_listener_fd(l), 0);
	tstats_listener_free(l);
	l = NULL;
	ck_assert_int_eq(tstats_listener_new("0", &l), 0);
	ck_assert_str_eq(tstats_listener_cpulist(l), "0");
	tstats_listener_free(l);
	free(possible);
}
END_TEST

/* Runs fn in a child and returns what it returned (its exit status). */
static int in_child(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(fn() & 0xff);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int new_as_nobody(void)
{
	struct tstats_listener *l;

	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 200;
	return -tstats_listener_new(NULL, &l);
}

TEST("exits", live_unprivileged_eperm)
{
	ck_assert_int_eq(in_child(new_as_nobody), EPERM);
}
END_TEST

static int new_in_pidns_child(void)
{
	struct tstats_listener *l;

	if (tstats_cpulist_check("0") != 1)
		return 201;
	return -tstats_listener_new("0", &l);
}

static int new_in_pidns(void)
{
	/* The next child is PID 1 of a new PID namespace. */
	if (unshare(CLONE_NEWPID))
		return 202;
	return in_child(new_in_pidns_child);
}

TEST("exits", live_pid_namespace_einval)
{
	/* A valid cpulist (checked in the namespace) and still EINVAL:
	 * that is the kernel refusing the namespace. */
	ck_assert_int_eq(in_child(new_in_pidns), EINVAL);
}
END_TEST

static int new_in_netns(void)
{
	struct tstats_listener *l = (struct tstats_listener *)&l;
	int r;

	if (unshare(CLONE_NEWNET))
		return 203;
	r = tstats_listener_new(NULL, &l);
	/* *ret is written only on success. */
	if (l != (struct tstats_listener *)&l)
		return 204;
	return -r;
}

/* The running kernel's struct version, from a query of ourselves. */
static unsigned int running_version(void)
{
	struct tstats_record r;
	struct tstats_ctx *c;

	ck_assert_int_eq(tstats_ctx_new(&c), 0);
	ck_assert_int_eq(tstats_query(c, TSTATS_KIND_PID, (uint32_t)getpid(), &r), 0);
	tstats_ctx_free(c);
	return r.version;
}

TEST("exits", live_net_namespace_enetunreach)
{
	/* The kernel registers it, but would send it nothing: said at once
	 * rather than found out by waiting forever. Before Linux 5.19
	 * (struct v12) another network namespace has no TASKSTATS family at
	 * all: the kernel's -ENOENT says it first. */
	if (running_version() < 12) {
		fprintf(stderr, "struct v%u: no TASKSTATS family outside the initial network "
			"namespace before 5.19: -ENOENT\n", running_version());
		ck_assert_int_eq(in_child(new_in_netns), ENOENT);
		return;
	}
	ck_assert_int_eq(in_child(new_in_netns), ENETUNREACH);
}
END_TEST

static const struct check_case check_cases[] = {
	{ .suite = "listen-unit", .name = "cpulist" },
	{ .suite = "listen-unit", .name = "fake-kernel", .setup = fake_setup, .teardown = fake_teardown },
	{ .suite = "listen-live", .name = "exits", .timeout = 240 },
};

int main(int argc, char **argv)
{
	bool live = argc > 1 && strcmp(argv[1], "live") == 0;

	if (argc > 1 && !live && strcmp(argv[1], "unit") != 0) {
		fprintf(stderr, "usage: %s [unit|live]\n", argv[0]);
		return 2;
	}
	if (live) {
		int p = probe_taskstats(true);

		if (p)
			return p;
	}
	return CHECK_RUN(check_cases, live ? "listen-live" : "listen-unit");
}
