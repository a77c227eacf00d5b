/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Batched queries, enumeration, rates and the process view.
 *
 * Run with "unit" (no kernel): the decoding plan against the field-by-field
 * decoder, rates on synthetic records, and the batch engine against a fake
 * kernel that drops, truncates and mixes in stale answers. Run with "live":
 * the same against the running kernel; exits 77 (skip) only when there is
 * no TASKSTATS family or no CAP_NET_ADMIN.
 *
 * The suite counts heap allocations itself: malloc, calloc and realloc are
 * replaced by counting wrappers around glibc's (under AddressSanitizer,
 * which owns malloc, its allocation hooks count instead).
 */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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
#include "children.h"
#include "libtaskstats.h"
#include "probe.h"
#include "fakekernel.h"
#include "nlbuild.h"
#include "check-main.h"

/*
 * Allocation counting.
 */
static volatile bool counting;
static volatile unsigned long allocs;

#if defined(__SANITIZE_ADDRESS__)
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
					      void (*free_hook)(const volatile void *));

static void on_malloc(const volatile void *p, size_t n)
{
	(void)p;
	(void)n;
	if (counting)
		allocs++;
}

static void on_free(const volatile void *p)
{
	(void)p;
}

static void alloc_hooks_install(void)
{
	__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
}
#else
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);

void *malloc(size_t n)
{
	if (counting)
		allocs++;
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	if (counting)
		allocs++;
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	if (counting)
		allocs++;
	return __libc_realloc(p, n);
}

static void alloc_hooks_install(void)
{
}
#endif

static void count_start(void)
{
	allocs = 0;
	counting = true;
}

static unsigned long count_stop(void)
{
	counting = false;
	return allocs;
}

/*
 * Helpers.
 */
static uint64_t get(const struct tstats_record *r, unsigned int f)
{
	uint64_t v = 0;

	ck_assert_msg(tstats_record_get(r, f, &v) == 0, "field %s absent",
		      tstats_field_info(f)->name);
	return v;
}

static void set_field(struct tstats_record *r, unsigned int f, uint64_t v)
{
	r->value[f] = v;
	r->present[f / 64] |= UINT64_C(1) << (f % 64);
}

/* Every thread id, from the library (with room to spare). */
static uint32_t *all_tasks(unsigned int kind, size_t *n)
{
	size_t cap = 256;

	for (;;) {
		uint32_t *ids = malloc(cap * sizeof(*ids));
		int r;

		ck_assert_ptr_nonnull(ids);
		r = tstats_list_tasks(kind, ids, cap);
		ck_assert_int_gt(r, 0);
		if ((size_t)r <= cap) {
			*n = (size_t)r;
			return ids;
		}
		free(ids);
		cap = (size_t)r + 64;
	}
}

/* ================================================================
 * Unit: the decoding plan gives codec_decode()'s records, byte for byte.
 */
static void check_same_decode(struct codec_plan *plan, const uint8_t *p, size_t len,
			      unsigned int kind, const char *what)
{
	struct tstats_record a, b;
	int ra, rb;

	memset(&a, 0x5a, sizeof(a));
	memset(&b, 0x5a, sizeof(b));
	ra = codec_decode(p, len, kind, 0, &a);
	rb = codec_decode_plan(plan, p, len, kind, &b);
	ck_assert_msg(ra == rb, "%s len %zu kind %u: %d vs %d", what, len, kind, ra, rb);
	ck_assert_msg(memcmp(&a, &b, sizeof(a)) == 0, "%s len %zu kind %u: records differ",
		      what, len, kind);
}

TEST("plan", plan_equals_generic_decoder)
{
	static const enum nlb_layout layouts[] = {
		NLB_LAYOUT_MODERN, NLB_LAYOUT_V1, NLB_LAYOUT_V23, NLB_LAYOUT_V15,
	};
	uint8_t buf[800];
	struct codec_plan plan[2];
	char what[64];

	memset(plan, 0, sizeof(plan));
	/* Every version field (0: inferred; 18+: newer than known), every
	 * layout's content, every length: the plans are rebuilt and reused
	 * in this order, as in a context. */
	for (unsigned int vf = 0; vf <= 20; vf++) {
		for (size_t li = 0; li < sizeof(layouts) / sizeof(layouts[0]); li++) {
			unsigned int content = vf == 0 || vf > 17 ? 17 : vf;

			for (size_t len = 0; len <= sizeof(buf); len++) {
				nlb_ts_build(buf, len, vf, layouts[li], content);
				snprintf(what, sizeof(what), "version %u layout %zu", vf, li);
				for (unsigned int k = 1; k <= 2; k++)
					check_same_decode(&plan[k - 1], buf, len, k, what);
			}
		}
	}
	/* Random bytes with small version fields, one plan for everything. */
	srand(42);
	for (int i = 0; i < 20000; i++) {
		size_t len = (size_t)rand() % sizeof(buf);
		uint16_t v = (uint16_t)(rand() % 20);

		for (size_t j = 0; j < len; j++)
			buf[j] = (uint8_t)rand();
		if (len >= 2)
			memcpy(buf, &v, sizeof(v));
		check_same_decode(&plan[0], buf, len, 1 + (unsigned int)(i & 1), "random");
	}
}
END_TEST

TEST("plan", plan_merges_runs)
{
	uint8_t buf[800];
	struct codec_plan plan = { 0 };
	struct tstats_record r;
	size_t len = nlb_ts_build_version(buf, sizeof(buf), 16);

	ck_assert_int_eq(codec_decode_plan(&plan, buf, len, TSTATS_KIND_PID, &r), 0);
	ck_assert_uint_eq(plan.version, 16);
	/* 72 fields of v16 in far fewer copies. */
	ck_assert_uint_lt(plan.nops, 24);
	ck_assert_uint_eq(get(&r, TSTATS_F_IRQ_DELAY_MIN), nlb_ts_expect(TSTATS_F_IRQ_DELAY_MIN));
	ck_assert_uint_eq(get(&r, TSTATS_F_NICE), nlb_ts_expect(TSTATS_F_NICE));
	ck_assert_str_eq(tstats_record_comm(&r), nlb_ts_expect_comm());
}
END_TEST

/* ================================================================
 * Unit: rates on synthetic records.
 */
static void make_pair(struct tstats_record *a, struct tstats_record *b)
{
	memset(a, 0, sizeof(*a));
	a->kind = TSTATS_KIND_PID;
	a->id = 1234;
	a->version = 16;
	set_field(a, TSTATS_F_BTIME64, 1700000000);
	set_field(a, TSTATS_F_BTIME, 1700000000);
	set_field(a, TSTATS_F_ETIME, 5000000);			/* 5 s old */
	set_field(a, TSTATS_F_CPU_RUN_VIRTUAL_TOTAL, 1000000000);
	set_field(a, TSTATS_F_UTIME, 700000);
	set_field(a, TSTATS_F_STIME, 300000);
	set_field(a, TSTATS_F_READ_BYTES, 4096);
	set_field(a, TSTATS_F_WRITE_BYTES, 8192);
	set_field(a, TSTATS_F_CPU_DELAY_TOTAL, 100000000);
	set_field(a, TSTATS_F_BLKIO_DELAY_TOTAL, 0);
	set_field(a, TSTATS_F_HIWATER_RSS, 1000);
	set_field(a, TSTATS_F_CPU_DELAY_MAX, 5000);
	*b = *a;
	/* Two seconds later. */
	set_field(b, TSTATS_F_BTIME64, 1700000001);		/* the kernel's jitter */
	set_field(b, TSTATS_F_ETIME, 7000000);
	set_field(b, TSTATS_F_CPU_RUN_VIRTUAL_TOTAL, 2000000000);	/* +1 s */
	set_field(b, TSTATS_F_UTIME, 1500000);				/* +0.8 s */
	set_field(b, TSTATS_F_STIME, 500000);				/* +0.2 s */
	set_field(b, TSTATS_F_READ_BYTES, 4096 + 2 * 1048576);
	set_field(b, TSTATS_F_WRITE_BYTES, 8192);
	set_field(b, TSTATS_F_CPU_DELAY_TOTAL, 600000000);		/* +0.5 s */
	set_field(b, TSTATS_F_BLKIO_DELAY_TOTAL, 20000000);		/* +20 ms */
	set_field(b, TSTATS_F_HIWATER_RSS, 3000);
	set_field(b, TSTATS_F_CPU_DELAY_MAX, 9000);
}

static bool near(double a, double b)
{
	return a > b - 1e-9 * (b < 0 ? -b : b) - 1e-9 && a < b + 1e-9 * (b < 0 ? -b : b) + 1e-9;
}

TEST("rates", rates_synthetic)
{
	struct tstats_record a, b;
	struct tstats_rates r;
	uint64_t d;
	double ps;
	int blkio = -1;

	make_pair(&a, &b);
	ck_assert_int_eq(tstats_rates(&a, &b, 2000000000u, &r), 0);
	ck_assert_uint_eq(r.interval_ns, 2000000000u);
	ck_assert(r.summary_valid & TSTATS_RATES_CPU);
	ck_assert_msg(near(r.cpu_pct, 50.0), "cpu %f", r.cpu_pct);
	ck_assert_msg(near(r.user_pct, 40.0), "user %f", r.user_pct);
	ck_assert_msg(near(r.system_pct, 10.0), "system %f", r.system_pct);
	ck_assert_int_eq(tstats_rates_get(&r, TSTATS_F_READ_BYTES, &d, &ps), 0);
	ck_assert_uint_eq(d, 2 * 1048576);
	ck_assert(near(ps, 1048576.0));
	ck_assert_int_eq(tstats_rates_get(&r, TSTATS_F_WRITE_BYTES, &d, &ps), 0);
	ck_assert_uint_eq(d, 0);
	/* Delay classes: cpu is index 0 by the table. */
	ck_assert_str_eq(tstats_delay_class(0)->name, "cpu");
	ck_assert(r.delay_valid & 1u);
	ck_assert_msg(near(r.delay_pct[0], 25.0), "cpu delay %f", r.delay_pct[0]);
	for (unsigned int i = 0; i < tstats_delay_class_count(); i++)
		if (strcmp(tstats_delay_class(i)->name, "blkio") == 0)
			blkio = (int)i;
	ck_assert_int_ge(blkio, 0);
	ck_assert(r.delay_valid & (1u << blkio));
	ck_assert(near(r.delay_pct[blkio], 1.0));
	/* Not counters: peaks, maxima, ages, identities. Absent: absent. */
	ck_assert_int_eq(tstats_rates_get(&r, TSTATS_F_HIWATER_RSS, &d, NULL), -ENODATA);
	ck_assert_int_eq(tstats_rates_get(&r, TSTATS_F_CPU_DELAY_MAX, &d, NULL), -ENODATA);
	ck_assert_int_eq(tstats_rates_get(&r, TSTATS_F_ETIME, &d, NULL), -ENODATA);
	ck_assert_int_eq(tstats_rates_get(&r, TSTATS_F_BTIME64, &d, NULL), -ENODATA);
	ck_assert_int_eq(tstats_rates_get(&r, TSTATS_F_NVCSW, &d, NULL), -ENODATA);
	ck_assert_int_eq(tstats_rates_get(&r, TSTATS_FIELD_CAPACITY, &d, NULL), -EINVAL);

	/* No cpu_run_virtual_total: utime + stime. */
	a.present[TSTATS_F_CPU_RUN_VIRTUAL_TOTAL / 64] &=
		~(UINT64_C(1) << (TSTATS_F_CPU_RUN_VIRTUAL_TOTAL % 64));
	ck_assert_int_eq(tstats_rates(&a, &b, 2000000000u, &r), 0);
	ck_assert(near(r.cpu_pct, 50.0));
}
END_TEST

TEST("rates", rates_counter_backwards)
{
	struct tstats_record a, b;
	struct tstats_rates r;
	uint64_t d = 77;

	make_pair(&a, &b);
	/* A delay total that overflowed restarts from 0 in the kernel. */
	set_field(&b, TSTATS_F_CPU_DELAY_TOTAL, 10);
	ck_assert_int_eq(tstats_rates(&a, &b, 2000000000u, &r), 0);
	ck_assert_int_eq(tstats_rates_get(&r, TSTATS_F_CPU_DELAY_TOTAL, &d, NULL), -ERANGE);
	ck_assert_uint_eq(d, 77);
	ck_assert(!(r.delay_valid & 1u));
	ck_assert_uint_eq(r.delta[TSTATS_F_CPU_DELAY_TOTAL], 0);
	/* The others are unaffected. */
	ck_assert(r.summary_valid & TSTATS_RATES_CPU);
	ck_assert_int_eq(tstats_rates_get(&r, TSTATS_F_READ_BYTES, &d, NULL), 0);
}
END_TEST

TEST("rates", rates_refuse_restarted_task)
{
	struct tstats_record a, b;
	struct tstats_rates r;

	memset(&r, 0xa5, sizeof(r));
	/* Start time more than the kernel's 1 s jitter apart. */
	make_pair(&a, &b);
	set_field(&b, TSTATS_F_BTIME64, 1700000002);
	ck_assert_int_eq(tstats_rates(&a, &b, 2000000000u, &r), -ESTALE);
	/* Only the 32-bit btime: the same rule. */
	make_pair(&a, &b);
	a.present[0] &= ~(UINT64_C(1) << TSTATS_F_BTIME64);
	b.present[0] &= ~(UINT64_C(1) << TSTATS_F_BTIME64);
	set_field(&b, TSTATS_F_BTIME, 1699999990);
	ck_assert_int_eq(tstats_rates(&a, &b, 2000000000u, &r), -ESTALE);
	/* Same second, but younger than before: the id was reused. */
	make_pair(&a, &b);
	set_field(&b, TSTATS_F_ETIME, 4000000);
	ck_assert_int_eq(tstats_rates(&a, &b, 2000000000u, &r), -ESTALE);
	/* Older than before, but younger than the interval: it started
	 * after the first sample was taken. */
	make_pair(&a, &b);
	set_field(&a, TSTATS_F_ETIME, 200000);
	set_field(&b, TSTATS_F_ETIME, 1200000);
	ck_assert_int_eq(tstats_rates(&a, &b, 2000000000u, &r), -ESTALE);
	/* ...whereas the same task is 2 s older (a little timing slack). */
	set_field(&b, TSTATS_F_ETIME, 2150000);
	ck_assert_int_eq(tstats_rates(&a, &b, 2000000000u, &r), 0);
	/* *ret untouched by refusals: only the success above wrote it. */
	memset(&r, 0xa5, sizeof(r));
	set_field(&b, TSTATS_F_ETIME, 100);
	ck_assert_int_eq(tstats_rates(&a, &b, 2000000000u, &r), -ESTALE);
	ck_assert_uint_eq(r.interval_ns, 0xa5a5a5a5a5a5a5a5ull);
}
END_TEST

TEST("rates", rates_bad_arguments)
{
	struct tstats_record a, b;
	struct tstats_rates r;

	make_pair(&a, &b);
	ck_assert_int_eq(tstats_rates(&a, &b, 0, &r), -EINVAL);
	ck_assert_int_eq(tstats_rates(NULL, &b, 1, &r), -EINVAL);
	ck_assert_int_eq(tstats_rates(&a, &b, 1, NULL), -EINVAL);
	b.id++;
	ck_assert_int_eq(tstats_rates(&a, &b, 1000000000u, &r), -EINVAL);
	b.id--;
	b.kind = TSTATS_KIND_TGID;
	ck_assert_int_eq(tstats_rates(&a, &b, 1000000000u, &r), -EINVAL);
	ck_assert_int_eq(tstats_rates_get(NULL, 0, NULL, NULL), -EINVAL);
}
END_TEST

/* ================================================================
 * Unit: the batch engine against a fake kernel.
 *
 * The fake kernel (fakekernel.h) answers each query of a send like the
 * kernel: a data message for ids below its live_limit (AGGR_PID or
 * AGGR_TGID by the request's attribute), NLMSG_ERROR -ESRCH for the
 * others. Its receive queue holds `capacity` answers; more are dropped and
 * the next receive fails with ENOBUFS, as netlink does.
 */
#define FAKE_OPS	(FK_OP_RECV_MANY | FK_OP_GET_RCVBUF)
#define FAKE_OPS_SINGLE	FK_OP_GET_RCVBUF	/* no recvmmsg(): recv() each */

static struct fake_kernel *fk;

static struct tstats_ctx *fake_ctx(unsigned int ops)
{
	struct transport t;
	struct tstats_ctx *c;

	fk = fk_new();
	fk->answer = true;
	t = fk_transport(fk, ops);
	ck_assert_int_eq(ctx_new_with_transport(&t, &c), 0);
	return c;
}

static void fake_free(struct tstats_ctx *c)
{
	tstats_ctx_free(c);
	fk_free(fk);
	fk = NULL;
}

/* ids: live ones, with every third one an id the fake does not know. */
static uint32_t *mixed_ids(size_t n)
{
	uint32_t *ids = malloc(n * sizeof(*ids));

	ck_assert_ptr_nonnull(ids);
	for (size_t i = 0; i < n; i++)
		ids[i] = i % 3 == 2 ? fk->live_limit + (uint32_t)i : 1 + (uint32_t)i;
	return ids;
}

static void check_mixed_results(const uint32_t *ids, size_t n, const struct tstats_record *recs,
				const int *errs, int ret, unsigned int kind)
{
	int ok = 0;

	for (size_t i = 0; i < n; i++) {
		if (ids[i] >= fk->live_limit) {
			ck_assert_msg(errs[i] == -ESRCH, "item %zu: %d", i, errs[i]);
			ck_assert_uint_eq(recs[i].kind, 0xa5a5a5a5u);	/* untouched */
			continue;
		}
		ck_assert_msg(errs[i] == 0, "item %zu: %d", i, errs[i]);
		ck_assert_uint_eq(recs[i].id, ids[i]);
		ck_assert_uint_eq(recs[i].kind, kind);
		ck_assert_uint_eq(recs[i].version, fk->payload_len > 560 ? 18 : 16);
		ok++;
	}
	ck_assert_int_eq(ret, ok);
}

static void fake_batch(unsigned int ops, unsigned int kind)
{
	struct tstats_ctx *c = fake_ctx(ops);
	size_t n = 1000;
	uint32_t *ids = mixed_ids(n);
	struct tstats_record *recs = malloc(n * sizeof(*recs));
	int *errs = malloc(n * sizeof(*errs));
	struct qstats st;
	int r;

	memset(recs, 0xa5, n * sizeof(*recs));
	fk->rcvbuf = 65536;	/* 65536 / 2560: 25 per send */
	r = tstats_query_batch(c, kind, ids, n, recs, errs);
	check_mixed_results(ids, n, recs, errs, r, kind);
	ck_assert_int_eq(query_stats(c, &st), 0);
	ck_assert_uint_eq(st.chunk, 25);
	ck_assert_uint_eq(fk->sends, (n + 24) / 25);
	ck_assert_uint_eq(fk->requests, n);
	ck_assert_uint_eq(st.retries + st.overruns + st.truncated, 0);
	ck_assert_uint_eq(fk->count, 0);	/* nothing left behind */
	free(ids);
	free(recs);
	free(errs);
	fake_free(c);
}

TEST("fake-kernel", fake_batch_pid)
{
	fake_batch(FAKE_OPS, TSTATS_KIND_PID);
}
END_TEST

TEST("fake-kernel", fake_batch_tgid)
{
	fake_batch(FAKE_OPS, TSTATS_KIND_TGID);
}
END_TEST

TEST("fake-kernel", fake_batch_without_recv_many)
{
	fake_batch(FAKE_OPS_SINGLE, TSTATS_KIND_PID);
}
END_TEST

TEST("fake-kernel", fake_chunk_follows_rcvbuf)
{
	struct tstats_ctx *c = fake_ctx(FAKE_OPS);
	uint32_t ids[600];
	struct tstats_record *recs = malloc(600 * sizeof(*recs));
	int errs[600];
	struct qstats st;

	for (size_t i = 0; i < 600; i++)
		ids[i] = 1 + (uint32_t)i;
	/* The smallest buffer still carries one answer per send. */
	fk->rcvbuf = 2304;
	ck_assert_int_eq(tstats_query_batch(c, TSTATS_KIND_PID, ids, 10, recs, errs), 10);
	ck_assert_int_eq(query_stats(c, &st), 0);
	ck_assert_uint_eq(st.chunk, 1);
	ck_assert_uint_eq(fk->sends, 10);
	/* A large one is capped. */
	fk->rcvbuf = 64 << 20;
	ck_assert_int_eq(tstats_query_batch(c, TSTATS_KIND_PID, ids, 600, recs, errs), 600);
	ck_assert_int_eq(query_stats(c, &st), 0);
	ck_assert_uint_eq(st.chunk, 256);
	ck_assert_uint_eq(fk->sends, 10 + 3);
	free(recs);
	fake_free(c);
}
END_TEST

TEST("fake-kernel", fake_overrun_recovers)
{
	struct tstats_ctx *c = fake_ctx(FAKE_OPS);
	size_t n = 2000;
	uint32_t *ids = mixed_ids(n);
	struct tstats_record *recs = malloc(n * sizeof(*recs));
	int *errs = malloc(n * sizeof(*errs));
	struct qstats st;
	int r;

	/* A kernel that charges far more than estimated: 83 requests per
	 * send, room for 30 answers. */
	memset(recs, 0xa5, n * sizeof(*recs));
	fk->capacity = 30;
	r = tstats_query_batch(c, TSTATS_KIND_PID, ids, n, recs, errs);
	check_mixed_results(ids, n, recs, errs, r, TSTATS_KIND_PID);
	ck_assert_int_eq(query_stats(c, &st), 0);
	ck_assert_uint_gt(fk->dropped, 0);
	ck_assert_uint_gt(st.overruns, 0);
	ck_assert_uint_eq(st.retries, fk->dropped);
	/* Later chunks shrank below the overflow. */
	ck_assert_uint_le(st.chunk, 30);
	ck_assert_uint_eq(fk->count, 0);
	free(ids);
	free(recs);
	free(errs);
	fake_free(c);
}
END_TEST

TEST("fake-kernel", fake_overrun_gives_up)
{
	struct tstats_ctx *c = fake_ctx(FAKE_OPS);
	uint32_t ids[4] = { 1, 2, 3, 4 };
	struct tstats_record recs[4];
	int errs[4];

	fk->capacity = 0;	/* everything is dropped */
	ck_assert_int_eq(tstats_query_batch(c, TSTATS_KIND_PID, ids, 4, recs, errs), -ENOBUFS);
	/* The context stays usable. */
	fk->capacity = FK_QMAX;
	ck_assert_int_eq(tstats_query_batch(c, TSTATS_KIND_PID, ids, 4, recs, errs), 4);
	fake_free(c);
}
END_TEST

TEST("fake-kernel", fake_truncated_answers_grow_the_slot)
{
	struct tstats_ctx *c = fake_ctx(FAKE_OPS);
	size_t n = 300;
	uint32_t *ids = mixed_ids(n);
	struct tstats_record *recs = malloc(n * sizeof(*recs));
	int *errs = malloc(n * sizeof(*errs));
	struct qstats st;
	int r;

	/* A future kernel's 1200-byte struct: answers beyond the 1 KiB slot. */
	fk->payload_len = 1200;
	memset(recs, 0xa5, n * sizeof(*recs));
	r = tstats_query_batch(c, TSTATS_KIND_PID, ids, n, recs, errs);
	check_mixed_results(ids, n, recs, errs, r, TSTATS_KIND_PID);
	ck_assert(recs[0].flags & TSTATS_RECORD_NEWER);
	ck_assert_int_eq(query_stats(c, &st), 0);
	ck_assert_uint_gt(st.truncated, 0);
	ck_assert_uint_eq(st.retries, st.truncated);
	/* The grown slot also shrank the chunks (bigger answers cost more). */
	ck_assert_uint_lt(st.chunk, 83);
	/* Once grown, nothing is truncated any more. */
	r = tstats_query_batch(c, TSTATS_KIND_PID, ids, n, recs, errs);
	check_mixed_results(ids, n, recs, errs, r, TSTATS_KIND_PID);
	ck_assert_int_eq(query_stats(c, &st), 0);
	ck_assert_uint_eq(st.retries, st.truncated);
	ck_assert_uint_eq(fk->count, 0);
	free(ids);
	free(recs);
	free(errs);
	fake_free(c);
}
END_TEST

TEST("fake-kernel", fake_stale_answers_ignored)
{
	struct tstats_ctx *c = fake_ctx(FAKE_OPS);
	size_t n = 200;
	uint32_t *ids = mixed_ids(n);
	struct tstats_record *recs = malloc(n * sizeof(*recs));
	int *errs = malloc(n * sizeof(*errs));
	struct tstats_record one;
	int r;

	/* Answers to requests that are not ours sit in front of each send's. */
	fk->stale = 3;
	memset(recs, 0xa5, n * sizeof(*recs));
	r = tstats_query_batch(c, TSTATS_KIND_PID, ids, n, recs, errs);
	/* Unmatched answers are not awaited: some of the last stale ones
	 * may still sit in the queue; the next call ignores them too. */
	check_mixed_results(ids, n, recs, errs, r, TSTATS_KIND_PID);
	fk->stale = 0;
	ck_assert_int_eq(tstats_query(c, TSTATS_KIND_PID, 7, &one), 0);
	ck_assert_uint_eq(one.id, 7);
	memset(recs, 0xa5, n * sizeof(*recs));
	r = tstats_query_batch(c, TSTATS_KIND_PID, ids, n, recs, errs);
	check_mixed_results(ids, n, recs, errs, r, TSTATS_KIND_PID);
	free(ids);
	free(recs);
	free(errs);
	fake_free(c);
}
END_TEST

struct each_log {
	const uint32_t *ids;	/* expected in this order */
	size_t calls, ok;
	int stop_at;	/* return value at call number stop_at (1-based) */
	int stop_with;
	bool order_ok;
};

static int each_cb(uint32_t id, int error, const struct tstats_record *rec, void *userdata)
{
	struct each_log *l = userdata;

	l->calls++;
	if (error == 0) {
		l->ok++;
		if (!rec || rec->id != id)
			l->order_ok = false;
	} else if (rec || error != -ESRCH) {
		l->order_ok = false;
	}
	if (l->ids && id != l->ids[l->calls - 1])
		l->order_ok = false;
	if ((int)l->calls == l->stop_at)
		return l->stop_with;
	return 0;
}

/* A batch whose n answers all came, each for its own id. */
static void expect_all(struct tstats_ctx *c, unsigned int kind, const uint32_t *ids, size_t n)
{
	struct tstats_record *recs = malloc(n * sizeof(*recs));
	int *errs = malloc(n * sizeof(*errs));
	int r;

	ck_assert_ptr_nonnull(recs);
	ck_assert_ptr_nonnull(errs);
	memset(recs, 0xa5, n * sizeof(*recs));
	r = tstats_query_batch(c, kind, ids, n, recs, errs);
	check_mixed_results(ids, n, recs, errs, r, kind);
	free(recs);
	free(errs);
}

TEST("fake-kernel", fake_foreign_port_ignored)
{
	struct tstats_ctx *c = fake_ctx(FAKE_OPS);
	size_t n = 60;
	uint32_t *ids = mixed_ids(n);

	/* Each request's sequence number also answered to another socket
	 * first, with an EPERM and with another id's record: neither is
	 * ours, neither may fail the call or fill an item. */
	fk->foreign = true;
	expect_all(c, TSTATS_KIND_PID, ids, n);
	expect_all(c, TSTATS_KIND_TGID, ids, n);
	free(ids);
	fake_free(c);
}
END_TEST

TEST("fake-kernel", fake_kernel_errnos_per_item)
{
	/* EPERM fails the whole call (fake_eperm_fails_the_call). */
	static const int errnos[] = {
		ESRCH, EINVAL, ERANGE, EOPNOTSUPP, ENOMEM, E2BIG, ENOBUFS, EMSGSIZE,
		ENOENT, EACCES, EBUSY, EFAULT, EAGAIN,
	};
	struct tstats_ctx *c = fake_ctx(FAKE_OPS);
	uint32_t ids[5] = { 1, 2, 3, 4, 5 };
	struct tstats_record recs[5];
	int errs[5];

	for (size_t e = 0; e < sizeof(errnos) / sizeof(errnos[0]); e++) {
		struct each_log l = { .order_ok = true };

		fk->error = -errnos[e];
		memset(recs, 0xa5, sizeof(recs));
		ck_assert_int_eq(tstats_query_batch(c, TSTATS_KIND_PID, ids, 5, recs, errs), 0);
		for (size_t i = 0; i < 5; i++) {
			ck_assert_int_eq(errs[i], -errnos[e]);
			ck_assert_uint_eq(recs[i].kind, 0xa5a5a5a5u);
		}
		ck_assert_int_eq(tstats_query_each(c, TSTATS_KIND_TGID, ids, 5, each_cb, &l), 0);
		ck_assert_uint_eq(l.calls, 5);
	}
	/* A positive error must not read as success. */
	fk->error = ESRCH;
	ck_assert_int_eq(tstats_query_batch(c, TSTATS_KIND_PID, ids, 5, recs, errs), 0);
	for (size_t i = 0; i < 5; i++)
		ck_assert_int_eq(errs[i], -ESRCH);
	fk->error = 0;
	expect_all(c, TSTATS_KIND_PID, ids, 5);
	fake_free(c);
}
END_TEST

TEST("fake-kernel", fake_no_answer_times_out)
{
	struct tstats_ctx *c = fake_ctx(FAKE_OPS);
	uint32_t ids[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct tstats_record recs[8];
	int errs[8];
	struct each_log l = { .order_ok = true };

	fk->silent = true;
	ck_assert_int_eq(tstats_query_batch(c, TSTATS_KIND_PID, ids, 8, recs, errs), -ETIMEDOUT);
	ck_assert_int_eq(tstats_query_each(c, TSTATS_KIND_PID, ids, 8, each_cb, &l), -ETIMEDOUT);
	ck_assert_uint_eq(l.calls, 0);
	ck_assert_uint_eq(fk->sends, 2);	/* no resending into silence */
	fk->silent = false;
	expect_all(c, TSTATS_KIND_PID, ids, 8);
	fake_free(c);
}
END_TEST

TEST("fake-kernel", fake_bogus_nlmsg_len_asked_again)
{
	struct tstats_ctx *c = fake_ctx(FAKE_OPS);
	size_t n = 40;
	uint32_t *ids = mixed_ids(n);
	struct qstats st;

	/* Four answers whose nlmsg_len lies: whose they were is unknown,
	 * so they count as lost and their requests go out again. */
	fk->corrupt = 4;
	expect_all(c, TSTATS_KIND_PID, ids, n);
	ck_assert_int_eq(query_stats(c, &st), 0);
	ck_assert_uint_eq(st.retries, 4);
	ck_assert_uint_eq(fk->requests, n + 4);
	free(ids);
	fake_free(c);
}
END_TEST

TEST("fake-kernel", fake_multipart_answers)
{
	struct tstats_ctx *c = fake_ctx(FAKE_OPS);
	size_t n = 50;
	uint32_t *ids = mixed_ids(n);
	struct qstats st;

	/* NLM_F_MULTI data is an answer; the NLMSG_DONE after it is none. */
	fk->multi = true;
	expect_all(c, TSTATS_KIND_PID, ids, n);
	expect_all(c, TSTATS_KIND_TGID, ids, n);
	ck_assert_int_eq(query_stats(c, &st), 0);
	ck_assert_uint_eq(st.retries, 0);
	free(ids);
	fake_free(c);
}
END_TEST

TEST("fake-kernel", fake_late_answers_after_timeout)
{
	struct tstats_ctx *c = fake_ctx(FAKE_OPS);
	uint32_t first[20], second[20];
	struct tstats_record recs[20], one;
	int errs[20];

	for (uint32_t i = 0; i < 20; i++) {
		first[i] = 1 + i;
		second[i] = 501 + i;
	}
	/* The first batch times out; its answers arrive later, one in front
	 * of each answer to a later request. */
	fk->hold = true;
	ck_assert_int_eq(tstats_query_batch(c, TSTATS_KIND_PID, first, 20, recs, errs),
			 -ETIMEDOUT);
	ck_assert_uint_eq(fk->nheld, 20);
	fk->hold = false;
	ck_assert_int_eq(tstats_query(c, TSTATS_KIND_PID, 400, &one), 0);
	ck_assert_uint_eq(one.id, 400);
	ck_assert_uint_eq(fk->released, 1);
	expect_all(c, TSTATS_KIND_PID, second, 20);
	ck_assert_uint_eq(fk->released, 20);

	/* A single query that timed out, answered during a batch. */
	fk->hold = true;
	ck_assert_int_eq(tstats_query(c, TSTATS_KIND_PID, 401, &one), -ETIMEDOUT);
	fk->hold = false;
	expect_all(c, TSTATS_KIND_PID, second, 20);
	ck_assert_uint_eq(fk->released, 21);
	fake_free(c);
}
END_TEST

TEST("fake-kernel", fake_each_order_stop_abort)
{
	struct tstats_ctx *c = fake_ctx(FAKE_OPS);
	size_t n = 500;
	uint32_t *ids = mixed_ids(n);
	struct each_log l = { .ids = ids, .order_ok = true };
	struct tstats_record one;

	ck_assert_int_eq(tstats_query_each(c, TSTATS_KIND_PID, ids, n, each_cb, &l),
			 (int)(n - n / 3));
	ck_assert_uint_eq(l.calls, n);
	ck_assert(l.order_ok);

	/* Stop at call 100 (in the middle of a send's answers). */
	l = (struct each_log){ .ids = ids, .order_ok = true, .stop_at = 100, .stop_with = 1 };
	ck_assert_int_eq(tstats_query_each(c, TSTATS_KIND_PID, ids, n, each_cb, &l), 67);
	ck_assert_uint_eq(l.calls, 100);
	ck_assert_uint_eq(fk->count, 0);	/* the rest was drained */
	ck_assert_int_eq(tstats_query(c, TSTATS_KIND_PID, 9, &one), 0);

	l = (struct each_log){ .ids = ids, .order_ok = true, .stop_at = 5, .stop_with = -42 };
	ck_assert_int_eq(tstats_query_each(c, TSTATS_KIND_PID, ids, n, each_cb, &l), -42);
	ck_assert_uint_eq(l.calls, 5);
	ck_assert_uint_eq(fk->count, 0);
	free(ids);
	fake_free(c);
}
END_TEST

TEST("fake-kernel", fake_eperm_fails_the_call)
{
	struct tstats_ctx *c = fake_ctx(FAKE_OPS);
	uint32_t ids[3] = { 1, 2, 3 };
	struct tstats_record recs[3];
	int errs[3];
	struct each_log l = { .order_ok = true };

	fk->error = -EPERM;
	ck_assert_int_eq(tstats_query_batch(c, TSTATS_KIND_PID, ids, 3, recs, errs), -EPERM);
	ck_assert_int_eq(tstats_query_each(c, TSTATS_KIND_PID, ids, 3, each_cb, &l), -EPERM);
	ck_assert_uint_eq(l.calls, 0);
	ck_assert_uint_eq(fk->count, 0);
	fake_free(c);
}
END_TEST

TEST("fake-kernel", fake_bad_arguments)
{
	struct tstats_ctx *c = fake_ctx(FAKE_OPS);
	uint32_t ids[1] = { 1 };
	struct tstats_record recs[1];
	int errs[1];

	ck_assert_int_eq(tstats_query_batch(NULL, TSTATS_KIND_PID, ids, 1, recs, errs), -EINVAL);
	ck_assert_int_eq(tstats_query_batch(c, 3, ids, 1, recs, errs), -EINVAL);
	ck_assert_int_eq(tstats_query_batch(c, TSTATS_KIND_PID, NULL, 1, recs, errs), -EINVAL);
	ck_assert_int_eq(tstats_query_batch(c, TSTATS_KIND_PID, ids, 1, NULL, errs), -EINVAL);
	ck_assert_int_eq(tstats_query_batch(c, TSTATS_KIND_PID, ids, 1, recs, NULL), -EINVAL);
	ck_assert_int_eq(tstats_query_each(c, TSTATS_KIND_PID, ids, 1, NULL, NULL), -EINVAL);
	ck_assert_int_eq(tstats_query_batch(c, TSTATS_KIND_PID, NULL, 0, NULL, NULL), 0);
	ck_assert_uint_eq(fk->sends, 0);
	ck_assert_int_eq(tstats_list_tasks(0, NULL, 0), -EINVAL);
	ck_assert_int_eq(tstats_list_tasks(TSTATS_KIND_PID, NULL, 1), -EINVAL);
	ck_assert_int_eq(tstats_query_process(c, 1, NULL), -EINVAL);
	ck_assert_int_eq(tstats_process_source(NULL, 0), TSTATS_SOURCE_NONE);
	fake_free(c);
}
END_TEST

/* ================================================================
 * Live kernel.
 */
static struct tstats_ctx *ctx;

static void live_setup(void)
{
	ck_assert_int_eq(tstats_ctx_new(&ctx), 0);
}

static void live_teardown(void)
{
	tstats_ctx_free(ctx);
	ctx = NULL;
}

/*
 * The executable's device and inode are the memory map's: a task that
 * began to exit between the two queries has none left (0), one that
 * exec'd has another (and another command name).
 */
static bool exe_may_change(const struct tstats_record *a, const struct tstats_record *b)
{
	return b->value[TSTATS_F_EXE_INODE] == 0 || strcmp(a->comm, b->comm) != 0;
}

/* Fields that hold still between two queries of a live task. */
static void check_same_task(const struct tstats_record *a, const struct tstats_record *b)
{
	static const unsigned int same[] = {
		TSTATS_F_VERSION, TSTATS_F_PID, TSTATS_F_TGID, TSTATS_F_UID, TSTATS_F_GID,
		TSTATS_F_EXE_INODE, TSTATS_F_EXE_DEV,
	};
	static const unsigned int grows[] = {
		TSTATS_F_ETIME, TSTATS_F_CPU_RUN_VIRTUAL_TOTAL, TSTATS_F_UTIME, TSTATS_F_STIME,
		TSTATS_F_NVCSW, TSTATS_F_NIVCSW, TSTATS_F_READ_CHAR, TSTATS_F_MINFLT,
	};

	ck_assert_uint_eq(a->kind, b->kind);
	ck_assert_uint_eq(a->id, b->id);
	ck_assert_uint_eq(a->version, b->version);
	ck_assert_uint_eq(a->payload_len, b->payload_len);
	ck_assert_uint_eq(a->flags, b->flags);
	ck_assert(memcmp(a->present, b->present, sizeof(a->present)) == 0);
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		if (tstats_record_has(a, same[i]) &&
		    !((same[i] == TSTATS_F_EXE_INODE || same[i] == TSTATS_F_EXE_DEV) &&
		      exe_may_change(a, b)))
			ck_assert_msg(a->value[same[i]] == b->value[same[i]], "id %u: %s %llu vs %llu",
				      a->id, tstats_field_info(same[i])->name,
				      (unsigned long long)a->value[same[i]],
				      (unsigned long long)b->value[same[i]]);
	for (size_t i = 0; i < sizeof(grows) / sizeof(grows[0]); i++)
		if (tstats_record_has(a, grows[i]))
			ck_assert_msg(a->value[grows[i]] <= b->value[grows[i]], "id %u: %s went down",
				      a->id, tstats_field_info(grows[i])->name);
	if (tstats_record_has(a, TSTATS_F_BTIME64))
		ck_assert(a->value[TSTATS_F_BTIME64] + 1 >= b->value[TSTATS_F_BTIME64] &&
			  b->value[TSTATS_F_BTIME64] + 1 >= a->value[TSTATS_F_BTIME64]);
}

static void batch_equals_single(unsigned int kind)
{
	size_t n, ok = 0;
	uint32_t *ids = all_tasks(kind, &n);
	struct tstats_record *recs = malloc(n * sizeof(*recs));
	int *errs = malloc(n * sizeof(*errs));
	struct tstats_record one;
	int r;

	ck_assert_ptr_nonnull(recs);
	ck_assert_ptr_nonnull(errs);
	r = tstats_query_batch(ctx, kind, ids, n, recs, errs);
	ck_assert_int_ge(r, 0);
	for (size_t i = 0; i < n; i++) {
		int e = tstats_query(ctx, kind, ids[i], &one);

		if (errs[i] == -ESRCH) {	/* exited since the listing */
			ck_assert_int_eq(e, -ESRCH);
			continue;
		}
		ck_assert_msg(errs[i] == 0, "id %u: %d", ids[i], errs[i]);
		ok++;
		if (e == -ESRCH)		/* exited since the batch */
			continue;
		ck_assert_int_eq(e, 0);
		ck_assert_uint_eq(recs[i].id, ids[i]);
		check_same_task(&recs[i], &one);
	}
	ck_assert_int_eq(r, (int)ok);
	/* Nearly all of them were there. */
	ck_assert_uint_ge(ok + 10, n);
	free(ids);
	free(recs);
	free(errs);
}

TEST("live", live_batch_all_threads_equals_single)
{
	batch_equals_single(TSTATS_KIND_PID);
}
END_TEST

TEST("live", live_batch_all_processes_equals_single)
{
	batch_equals_single(TSTATS_KIND_TGID);
}
END_TEST

struct collect {
	struct tstats_record *recs;
	int *errs;
	const uint32_t *ids;
	size_t n, next;
	bool ok;
};

static int collect_cb(uint32_t id, int error, const struct tstats_record *rec, void *userdata)
{
	struct collect *c = userdata;

	if (c->next >= c->n || c->ids[c->next] != id || (error == 0) != (rec != NULL)) {
		c->ok = false;
		return -1;
	}
	c->errs[c->next] = error;
	if (rec)
		c->recs[c->next] = *rec;
	c->next++;
	return 0;
}

TEST("live", live_each_equals_batch)
{
	size_t n;
	uint32_t *ids = all_tasks(TSTATS_KIND_PID, &n);
	struct tstats_record *a = malloc(n * sizeof(*a)), *b = malloc(n * sizeof(*b));
	int *ea = malloc(n * sizeof(*ea)), *eb = malloc(n * sizeof(*eb));
	struct collect c = { .recs = b, .errs = eb, .ids = ids, .n = n, .ok = true };
	int ra, rb;

	ra = tstats_query_batch(ctx, TSTATS_KIND_PID, ids, n, a, ea);
	rb = tstats_query_each(ctx, TSTATS_KIND_PID, ids, n, collect_cb, &c);
	ck_assert(c.ok);
	ck_assert_uint_eq(c.next, n);
	ck_assert_int_ge(ra, 0);
	ck_assert_int_ge(rb, 0);
	for (size_t i = 0; i < n; i++)
		if (ea[i] == 0 && eb[i] == 0)
			check_same_task(&a[i], &b[i]);
	free(ids);
	free(a);
	free(b);
	free(ea);
	free(eb);
}
END_TEST

static void *idle_thread(void *arg)
{
	int fd = *(int *)arg;
	char c;

	if (read(fd, &c, 1) < 0)
		return NULL;
	return NULL;
}

TEST("live", live_reaped_ids_fail_per_item)
{
	uint32_t ids[7];
	struct tstats_record recs[7];
	int errs[7], r;
	pid_t self = getpid();

	ids[0] = (uint32_t)self;
	ids[1] = (uint32_t)reaped_pid();
	ids[2] = (uint32_t)syscall(SYS_gettid);
	ids[3] = (uint32_t)reaped_pid();
	ids[4] = 1;
	ids[5] = 0;		/* never a task */
	ids[6] = (uint32_t)reaped_pid();
	memset(recs, 0xa5, sizeof(recs));
	r = tstats_query_batch(ctx, TSTATS_KIND_PID, ids, 7, recs, errs);
	ck_assert_int_eq(r, 3);
	ck_assert_int_eq(errs[0], 0);
	ck_assert_int_eq(errs[1], -ESRCH);
	ck_assert_int_eq(errs[2], 0);
	ck_assert_int_eq(errs[3], -ESRCH);
	ck_assert_int_eq(errs[4], 0);
	ck_assert_int_eq(errs[5], -ESRCH);
	ck_assert_int_eq(errs[6], -ESRCH);
	ck_assert_uint_eq(get(&recs[0], TSTATS_F_PID), (uint64_t)self);
	ck_assert_uint_eq(get(&recs[4], TSTATS_F_PID), 1);
	for (int i = 1; i < 7; i += 2)
		ck_assert_uint_eq(recs[i].kind, 0xa5a5a5a5u);
	ck_assert_uint_eq(recs[5].kind, 0xa5a5a5a5u);
	/* Same for groups. */
	r = tstats_query_batch(ctx, TSTATS_KIND_TGID, ids, 7, recs, errs);
	ck_assert_int_eq(r, 3);
	ck_assert_int_eq(errs[3], -ESRCH);
	ck_assert_uint_eq(recs[0].kind, TSTATS_KIND_TGID);
}
END_TEST

TEST("live", live_batch_larger_than_rcvbuf)
{
	enum { N = 5000 };
	struct transport *t = ctx_transport(ctx);
	uint32_t *ids = malloc(N * sizeof(*ids));
	struct tstats_record *recs = malloc(N * sizeof(*recs));
	int *errs = malloc(N * sizeof(*errs));
	uint32_t reaped = (uint32_t)reaped_pid();
	size_t nlive;
	uint32_t *live = all_tasks(TSTATS_KIND_PID, &nlive);
	struct qstats st;
	int rcvbuf, r, expect = 0;

	/* The engine enlarges the buffer on first use: a first batch, then
	 * a small receive buffer: 16 KiB asked, 32 KiB in effect, room for
	 * about 25 answers; 5000 in one call. */
	ck_assert_int_ge(tstats_query_batch(ctx, TSTATS_KIND_PID, live, nlive < N ? nlive : N,
					    recs, errs), 1);
	ck_assert_int_eq(query_stats(ctx, &st), 0);
	ck_assert_uint_ge(st.chunk, 64);
	rcvbuf = t->ops->set_rcvbuf(t->impl, 16384);
	ck_assert_int_gt(rcvbuf, 0);
	ck_assert_int_lt(rcvbuf, 65536);
	for (size_t i = 0; i < N; i++) {
		ids[i] = i % 7 == 3 ? reaped : (i % 2 ? (uint32_t)getpid() : live[i % nlive]);
		expect += ids[i] == (uint32_t)getpid();
	}
	r = tstats_query_batch(ctx, TSTATS_KIND_PID, ids, N, recs, errs);
	ck_assert_int_ge(r, expect);
	for (size_t i = 0; i < N; i++) {
		if (ids[i] == reaped)
			ck_assert_int_eq(errs[i], -ESRCH);
		else if (ids[i] == (uint32_t)getpid())
			ck_assert_int_eq(errs[i], 0);
		else
			ck_assert(errs[i] == 0 || errs[i] == -ESRCH);
		if (errs[i] == 0)
			ck_assert_uint_eq(recs[i].id, ids[i]);
	}
	ck_assert_int_eq(query_stats(ctx, &st), 0);
	/* Sized by construction: not one answer dropped. */
	ck_assert_uint_eq(st.overruns, 0);
	ck_assert_uint_eq(st.retries, 0);
	ck_assert_uint_ge(st.chunk, 1);
	ck_assert_uint_le(st.chunk * 1280u, (unsigned int)rcvbuf);
	ck_assert_uint_ge(st.chunks, N / st.chunk);

	/*
	 * The control: the same batch in sends far beyond the buffer. The
	 * kernel really drops answers (ENOBUFS), which the library notices
	 * and asks again for: the results are still complete.
	 */
	ck_assert_int_eq(query_force_chunk(ctx, 400), 0);
	r = tstats_query_batch(ctx, TSTATS_KIND_PID, ids, N, recs, errs);
	ck_assert_int_ge(r, expect);
	for (size_t i = 0; i < N; i++)
		if (ids[i] == (uint32_t)getpid())
			ck_assert_int_eq(errs[i], 0);
	ck_assert_int_eq(query_stats(ctx, &st), 0);
	ck_assert_uint_gt(st.overruns, 0);
	ck_assert_uint_gt(st.retries, 0);
	free(ids);
	free(recs);
	free(errs);
	free(live);
}
END_TEST

static int count_cb(uint32_t id, int error, const struct tstats_record *rec, void *userdata)
{
	(void)id;
	(void)rec;
	*(unsigned long *)userdata += error == 0;
	return 0;
}

TEST("live", live_no_allocation_per_query)
{
	enum { QUERIES = 10000 };
	size_t n;
	uint32_t *ids = all_tasks(TSTATS_KIND_PID, &n);
	uint32_t *list = malloc((n + 4096) * sizeof(*list));
	struct tstats_record *recs = malloc(n * sizeof(*recs));
	int *errs = malloc(n * sizeof(*errs));
	struct tstats_record one, two;
	struct tstats_process proc;
	struct tstats_rates rates;
	unsigned long seen = 0, single_ok = 0, batch_items = 0, each_items = 0;
	unsigned long a_single, a_batch, a_each, a_misc;
	int r;

	/* Warm up: the context sizes its buffers on first use. */
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, (uint32_t)getpid(), &one), 0);
	ck_assert_int_ge(tstats_query_batch(ctx, TSTATS_KIND_PID, ids, n, recs, errs), 0);
	ck_assert_int_eq(tstats_query_process(ctx, (uint32_t)getpid(), &proc), 0);

	count_start();
	for (int i = 0; i < QUERIES; i++)
		single_ok += tstats_query(ctx, i % 2 ? TSTATS_KIND_TGID : TSTATS_KIND_PID,
					  ids[(size_t)i % n], &one) == 0;
	a_single = count_stop();

	count_start();
	while (batch_items < QUERIES) {
		if (tstats_query_batch(ctx, TSTATS_KIND_PID, ids, n, recs, errs) < 0)
			break;
		batch_items += n;
	}
	a_batch = count_stop();

	count_start();
	while (each_items < QUERIES) {
		if (tstats_query_each(ctx, TSTATS_KIND_TGID, ids, n, count_cb, &seen) < 0)
			break;
		each_items += n;
	}
	a_each = count_stop();

	count_start();
	r = tstats_list_tasks(TSTATS_KIND_PID, list, n + 4096);
	tstats_query(ctx, TSTATS_KIND_PID, (uint32_t)getpid(), &two);
	for (int i = 0; i < QUERIES; i++)
		tstats_rates(&one, &two, 1000000000u, &rates);
	tstats_query_process(ctx, (uint32_t)getpid(), &proc);
	a_misc = count_stop();

	ck_assert_int_gt(r, 0);
	ck_assert_uint_gt(single_ok, QUERIES / 2);
	ck_assert_uint_ge(batch_items, QUERIES);
	ck_assert_uint_ge(each_items, QUERIES);
	ck_assert_uint_gt(seen, 0);
	ck_assert_msg(a_single == 0, "%lu allocations in %d single queries", a_single, QUERIES);
	ck_assert_msg(a_batch == 0, "%lu allocations in %lu batched queries", a_batch, batch_items);
	ck_assert_msg(a_each == 0, "%lu allocations in %lu callback queries", a_each, each_items);
	ck_assert_msg(a_misc == 0, "%lu allocations in list/rates/process", a_misc);
	free(ids);
	free(list);
	free(recs);
	free(errs);
}
END_TEST

/* The counter can fail: an allocation inside the window is seen. */
TEST("fake-kernel", alloc_counter_counts)
{
	void *p;

	count_start();
	p = malloc(100);
	free(p);
	p = calloc(1, 100);
	free(p);
	ck_assert_uint_eq(count_stop(), 2);
}
END_TEST

/* /proc read the plain way, for comparison. */
static size_t proc_ids(bool threads, uint32_t *out, size_t cap)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	size_t n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d))) {
		char path[64];
		unsigned long id;
		char *end;
		DIR *t;
		struct dirent *te;

		id = strtoul(e->d_name, &end, 10);
		if (*end || id == 0)
			continue;
		if (!threads) {
			if (n < cap)
				out[n] = (uint32_t)id;
			n++;
			continue;
		}
		snprintf(path, sizeof(path), "/proc/%lu/task", id);
		t = opendir(path);
		if (!t)
			continue;
		while ((te = readdir(t))) {
			unsigned long tid = strtoul(te->d_name, &end, 10);

			if (*end || tid == 0)
				continue;
			if (n < cap)
				out[n] = (uint32_t)tid;
			n++;
		}
		closedir(t);
	}
	closedir(d);
	return n;
}

static bool contains(const uint32_t *ids, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static void enumeration_matches_proc(unsigned int kind)
{
	enum { CAP = 65536 };
	uint32_t *a = malloc(CAP * sizeof(*a)), *b = malloc(CAP * sizeof(*b));
	uint32_t *c = malloc(CAP * sizeof(*c));
	size_t na, nb, nc, only_b = 0;
	int r;

	r = tstats_list_tasks(kind, a, CAP);
	ck_assert_int_gt(r, 0);
	na = (size_t)r;
	nb = proc_ids(kind == TSTATS_KIND_PID, b, CAP);
	r = tstats_list_tasks(kind, c, CAP);
	ck_assert_int_gt(r, 0);
	nc = (size_t)r;
	ck_assert_uint_le(na, CAP);
	/* A task in both of our listings existed throughout: /proc has it. */
	for (size_t i = 0; i < na; i++)
		if (contains(c, nc, a[i]))
			ck_assert_msg(contains(b, nb, a[i]), "id %u not in /proc", a[i]);
	/* What /proc had, we had too, but for tasks that came and went. */
	for (size_t i = 0; i < nb; i++)
		if (!contains(a, na, b[i]) && !contains(c, nc, b[i]))
			only_b++;
	ck_assert_uint_le(only_b, 5);
	/* No duplicates. */
	for (size_t i = 1; i < na; i++)
		ck_assert(!contains(a, i, a[i]));
	free(a);
	free(b);
	free(c);
}

TEST("live", live_list_threads_matches_proc)
{
	int p[2];
	pthread_t th[5];
	uint32_t *ids;
	size_t n;

	ck_assert_int_eq(pipe(p), 0);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, idle_thread, &p[0]), 0);
	enumeration_matches_proc(TSTATS_KIND_PID);
	/* Our own threads are all there, the main one included. */
	ids = all_tasks(TSTATS_KIND_PID, &n);
	ck_assert(contains(ids, n, (uint32_t)getpid()));
	ck_assert(contains(ids, n, 1));
	free(ids);
	ck_assert_int_eq(close(p[1]), 0);
	for (int i = 0; i < 5; i++)
		pthread_join(th[i], NULL);
	close(p[0]);
}
END_TEST

TEST("live", live_list_processes_matches_proc)
{
	uint32_t ids[4] = { 0, 0, 0, 0xdeadbeef };
	int total;

	enumeration_matches_proc(TSTATS_KIND_TGID);
	/* Too small: the count needed comes back, only cap ids written. */
	total = tstats_list_tasks(TSTATS_KIND_TGID, ids, 3);
	ck_assert_int_gt(total, 3);
	ck_assert_uint_eq(ids[3], 0xdeadbeef);
	ck_assert_uint_eq(ids[0], 1);	/* /proc lists pid 1 first */
	ck_assert_int_ge(tstats_list_tasks(TSTATS_KIND_PID, NULL, 0), total);
}
END_TEST

/*
 * Process view: a child whose non-leader thread writes 2 MiB, while the
 * leader writes nothing; then it stops itself.
 */
#define MT_BYTES (2u << 20)

static void *writer_thread(void *arg)
{
	static char block[64 * 1024];
	int fd = *(int *)arg;

	burn_cpu_ms(50);
	memset(block, 'w', sizeof(block));
	for (unsigned int done = 0; done < MT_BYTES; done += sizeof(block))
		if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block))
			return (void *)1;
	return NULL;
}

static pid_t spawn_mt_writer(const char *path, int ready_fd)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		pthread_t w, idle[2];
		void *res;
		int p[2], fd;

		die_with_parent(parent);

		prctl(PR_SET_NAME, "tstats-mtw");
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || pipe(p) < 0)
			_exit(10);
		for (int i = 0; i < 2; i++)
			if (pthread_create(&idle[i], NULL, idle_thread, &p[0]))
				_exit(11);
		if (pthread_create(&w, NULL, writer_thread, &fd) || pthread_join(w, &res) || res)
			_exit(12);
		/* A thread that exited: counted in CPU by the kernel's TGID
		 * record, gone from the thread sums. Two idle ones stay. */
		burn_cpu_ms(20);
		if (write(ready_fd, "r", 1) != 1)
			_exit(13);
		pause();
		_exit(0);
	}
	return pid;
}

TEST("live", live_process_view_sums_threads)
{
	char path[] = "tstats-batch-XXXXXX";
	struct tstats_process pv, pv2;
	struct tstats_record leader, group;
	struct tstats_rates rates;
	uint32_t tids[8], other;
	int ready[2], fd, n;
	char c;
	pid_t pid;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(pipe(ready), 0);
	pid = spawn_mt_writer(path, ready[1]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	kill(pid, SIGSTOP);
	ck_assert_int_eq(waitpid(pid, NULL, WUNTRACED), pid);

	n = tasks_list_threads((uint32_t)pid, tids, 8);
	ck_assert_int_eq(n, 3);		/* leader + 2 idle */
	ck_assert_int_eq(tstats_query_process(ctx, (uint32_t)pid, &pv), 0);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, (uint32_t)pid, &leader), 0);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_TGID, (uint32_t)pid, &group), 0);

	ck_assert_uint_eq(pv.rec.kind, TSTATS_KIND_TGID);
	ck_assert_uint_eq(pv.rec.id, (uint32_t)pid);
	ck_assert_uint_eq(pv.threads, 3);
	/* Identity from the leader. */
	ck_assert_str_eq(tstats_record_comm(&pv.rec), "tstats-mtw");
	ck_assert_int_eq(tstats_process_source(&pv, TSTATS_F_COMM), TSTATS_SOURCE_LEADER);
	ck_assert_uint_eq(get(&pv.rec, TSTATS_F_PID), (uint64_t)pid);
	ck_assert_uint_eq(get(&pv.rec, TSTATS_F_PPID), (uint64_t)getpid());
	ck_assert_int_eq(tstats_process_source(&pv, TSTATS_F_HIWATER_RSS), TSTATS_SOURCE_LEADER);
	/* CPU, delays and switches from the kernel's group total, which
	 * keeps the exited writer's 50 ms. */
	ck_assert_int_eq(tstats_process_source(&pv, TSTATS_F_CPU_RUN_VIRTUAL_TOTAL),
			 TSTATS_SOURCE_TGID);
	ck_assert_uint_eq(get(&pv.rec, TSTATS_F_CPU_RUN_VIRTUAL_TOTAL),
			  get(&group, TSTATS_F_CPU_RUN_VIRTUAL_TOTAL));
	ck_assert_uint_ge(get(&pv.rec, TSTATS_F_CPU_RUN_VIRTUAL_TOTAL), 60000000u);
	ck_assert_int_eq(tstats_process_source(&pv, TSTATS_F_NVCSW), TSTATS_SOURCE_TGID);
	/* I/O: the kernel's TGID record has none; the thread sum has what
	 * the live threads did, which is the leader's (the writer exited). */
	ck_assert(!tstats_record_has(&group, TSTATS_F_WRITE_CHAR));
	ck_assert_int_eq(tstats_process_source(&pv, TSTATS_F_WRITE_CHAR),
			 TSTATS_SOURCE_THREAD_SUM);
	ck_assert_int_eq(tstats_process_source(&pv, TSTATS_F_MINFLT), TSTATS_SOURCE_THREAD_SUM);
	ck_assert_uint_ge(get(&pv.rec, TSTATS_F_WRITE_CHAR), get(&leader, TSTATS_F_WRITE_CHAR));
	ck_assert_uint_lt(get(&pv.rec, TSTATS_F_WRITE_CHAR), MT_BYTES);
	ck_assert_uint_ge(get(&pv.rec, TSTATS_F_MINFLT), get(&leader, TSTATS_F_MINFLT));
	/* ac_tgetime: from v12 (Linux 5.19) on; absent before, from nowhere. */
	ck_assert_int_eq(tstats_process_source(&pv, TSTATS_F_TGETIME),
			 leader.version >= 12 ? TSTATS_SOURCE_LEADER : TSTATS_SOURCE_NONE);
	ck_assert_int_eq(tstats_process_source(&pv, TSTATS_F_VERSION), TSTATS_SOURCE_TGID);
	/* The delay extremes: not in the kernel's TGID record (it assigns
	 * them from each thread in turn), the longest and the shortest
	 * non-zero over the live threads in the view. */
	ck_assert(!tstats_record_has(&group, TSTATS_F_CPU_DELAY_MAX));
	ck_assert(!tstats_record_has(&group, TSTATS_F_CPU_DELAY_MIN));
	if (tstats_record_has(&leader, TSTATS_F_CPU_DELAY_MAX)) {
		uint64_t max = 0, min = 0;

		for (int i = 0; i < n; i++) {
			struct tstats_record t;
			uint64_t v;

			ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, tids[i], &t), 0);
			v = get(&t, TSTATS_F_CPU_DELAY_MAX);
			max = v > max ? v : max;
			v = get(&t, TSTATS_F_CPU_DELAY_MIN);
			if (v && (!min || v < min))
				min = v;
		}
		ck_assert_uint_gt(max, 0);
		ck_assert_uint_eq(get(&pv.rec, TSTATS_F_CPU_DELAY_MAX), max);
		ck_assert_uint_eq(get(&pv.rec, TSTATS_F_CPU_DELAY_MIN), min);
		ck_assert_int_eq(tstats_process_source(&pv, TSTATS_F_CPU_DELAY_MAX),
				 TSTATS_SOURCE_THREAD_EXTREME);
		ck_assert_int_eq(tstats_process_source(&pv, TSTATS_F_CPU_DELAY_MIN),
				 TSTATS_SOURCE_THREAD_EXTREME);
	}
	for (unsigned int f = 0; f < TSTATS_F__COUNT; f++)
		ck_assert_msg(tstats_record_has(&pv.rec, f) ==
			      (tstats_process_source(&pv, f) != TSTATS_SOURCE_NONE), "%s",
			      tstats_field_info(f)->name);

	/* Any thread id of the group names the process, resolved through
	 * ac_tgid; before v12 (Linux 5.19) there is none, and the view keeps
	 * the id it was given (the kernel's TGID query takes any thread's). */
	other = tids[n - 1] == (uint32_t)pid ? tids[0] : tids[n - 1];
	ck_assert_int_eq(tstats_query_process(ctx, other, &pv2), 0);
	ck_assert_uint_eq(pv2.rec.id, leader.version >= 12 ? (uint32_t)pid : other);
	ck_assert_uint_eq(pv2.threads, 3);
	if (leader.version < 12)
		ck_assert_int_eq(tstats_query_process(ctx, (uint32_t)pid, &pv2), 0);
	/* Two views of the stopped process: the same task, nothing moved. */
	ck_assert_int_eq(tstats_rates(&pv.rec, &pv2.rec, 1000000u, &rates), 0);
	ck_assert_uint_eq(rates.delta[TSTATS_F_WRITE_CHAR], 0);

	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	ck_assert_int_eq(tstats_query_process(ctx, (uint32_t)pid, &pv2), -ESRCH);
	unlink(path);
	close(ready[0]);
	close(ready[1]);
}
END_TEST

/*
 * A zombie (exited, not reaped): the kernel's TGID record counts no
 * thread and says so (EMPTY_GROUP); the process view takes the exited
 * leader's final record instead of those zeros.
 */
TEST("live", live_process_view_zombie)
{
	struct tstats_record leader, group;
	struct tstats_process pv;
	siginfo_t si;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		burn_cpu_ms(60);
		_exit(3);
	}
	memset(&si, 0, sizeof(si));
	ck_assert_int_eq(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);

	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_TGID, (uint32_t)pid, &group), 0);
	ck_assert_uint_eq(group.flags & TSTATS_RECORD_EMPTY_GROUP, TSTATS_RECORD_EMPTY_GROUP);
	ck_assert_uint_eq(get(&group, TSTATS_F_CPU_RUN_VIRTUAL_TOTAL), 0);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, (uint32_t)pid, &leader), 0);
	ck_assert_uint_eq(leader.flags & TSTATS_RECORD_EMPTY_GROUP, 0);
	ck_assert_uint_ge(get(&leader, TSTATS_F_CPU_RUN_VIRTUAL_TOTAL), 50000000u);

	ck_assert_int_eq(tstats_query_process(ctx, (uint32_t)pid, &pv), 0);
	ck_assert_uint_eq(pv.rec.flags & TSTATS_RECORD_EMPTY_GROUP, TSTATS_RECORD_EMPTY_GROUP);
	ck_assert_uint_eq(pv.threads, 1);
	ck_assert_int_eq(tstats_process_source(&pv, TSTATS_F_CPU_RUN_VIRTUAL_TOTAL),
			 TSTATS_SOURCE_THREAD_SUM);
	ck_assert_uint_eq(get(&pv.rec, TSTATS_F_CPU_RUN_VIRTUAL_TOTAL),
			  get(&leader, TSTATS_F_CPU_RUN_VIRTUAL_TOTAL));
	ck_assert_uint_eq(get(&pv.rec, TSTATS_F_UTIME) + get(&pv.rec, TSTATS_F_STIME),
			  get(&leader, TSTATS_F_UTIME) + get(&leader, TSTATS_F_STIME));
	ck_assert_int_eq(tstats_process_source(&pv, TSTATS_F_ETIME), TSTATS_SOURCE_LEADER);
	/* The kernel counts a zombie's age up to the query: later, older. */
	ck_assert_uint_ge(get(&pv.rec, TSTATS_F_ETIME), get(&leader, TSTATS_F_ETIME));
	ck_assert_int_eq(tstats_process_source(&pv, TSTATS_F_VERSION), TSTATS_SOURCE_TGID);

	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
}
END_TEST

/* The writer thread still alive: its bytes are in the sum. */
static void *writer_then_wait(void *arg)
{
	int *fds = arg;
	char c;

	if (writer_thread(&fds[0]))
		return (void *)1;
	if (write(fds[1], "w", 1) != 1 || read(fds[2], &c, 1) < 0)
		return (void *)1;
	return NULL;
}

TEST("live", live_process_view_counts_non_leader_io)
{
	char path[] = "tstats-batch-XXXXXX";
	struct tstats_process pv;
	struct tstats_record leader, group;
	int ready[2], fd, st;
	pid_t parent = getpid();
	char c;
	pid_t pid;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(pipe(ready), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fds[3], p[2];
		pthread_t w;

		die_with_parent(parent);

		fds[0] = open(path, O_WRONLY | O_CLOEXEC);
		if (fds[0] < 0 || pipe(p) < 0)
			_exit(10);
		fds[1] = ready[1];
		fds[2] = p[0];
		if (pthread_create(&w, NULL, writer_then_wait, fds))
			_exit(11);
		pause();
		_exit(0);
	}
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	kill(pid, SIGSTOP);
	ck_assert_int_eq(waitpid(pid, &st, WUNTRACED), pid);

	ck_assert_int_eq(tstats_query_process(ctx, (uint32_t)pid, &pv), 0);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, (uint32_t)pid, &leader), 0);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_TGID, (uint32_t)pid, &group), 0);
	ck_assert_uint_eq(pv.threads, 2);
	ck_assert(!tstats_record_has(&group, TSTATS_F_WRITE_CHAR));
	/* The leader wrote nothing; the process wrote 2 MiB. */
	ck_assert_uint_lt(get(&leader, TSTATS_F_WRITE_CHAR), MT_BYTES);
	ck_assert_uint_ge(get(&pv.rec, TSTATS_F_WRITE_CHAR), MT_BYTES);
	ck_assert_int_eq(tstats_process_source(&pv, TSTATS_F_WRITE_CHAR),
			 TSTATS_SOURCE_THREAD_SUM);
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	unlink(path);
	close(ready[0]);
	close(ready[1]);
}
END_TEST

TEST("live", live_rates_of_a_busy_thread)
{
	struct tstats_record a, b;
	struct tstats_rates r;
	struct timespec t0, t1;
	uint32_t tid = (uint32_t)syscall(SYS_gettid);
	uint64_t ns;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, tid, &a), 0);
	burn_cpu_ms(100);
	ck_assert_int_eq(tstats_query(ctx, TSTATS_KIND_PID, tid, &b), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u + (uint64_t)t1.tv_nsec -
	     (uint64_t)t0.tv_nsec;
	ck_assert_int_eq(tstats_rates(&a, &b, ns, &r), 0);
	/* It burned 100 ms of its own CPU time in the interval. A running
	 * thread's runtime is brought up to date at ticks and switches, so
	 * either sample may lag by a tick: no bound on the percentage (this
	 * test judges no timing), and 20 ms of slack on the delta. */
	ck_assert(r.summary_valid & TSTATS_RATES_CPU);
	ck_assert_uint_ge(r.delta[TSTATS_F_CPU_RUN_VIRTUAL_TOTAL], 80000000u);
	ck_assert(r.cpu_pct > 0.0);
	/* A reaped-and-reused id cannot be produced on demand; a record of
	 * another task with the same id can: the same test as for reuse. */
	b = a;
	b.value[TSTATS_F_ETIME] = 10;
	ck_assert_int_eq(tstats_rates(&a, &b, ns, &r), -ESTALE);
}
END_TEST

static const struct check_case check_cases[] = {
	{ .suite = "batch-unit", .name = "plan", .timeout = 120 },
	{ .suite = "batch-unit", .name = "rates" },
	{ .suite = "batch-unit", .name = "fake-kernel" },
	{ .suite = "batch-live", .name = "live", .setup = live_setup, .teardown = live_teardown,
	  .timeout = 120 },
};

int main(int argc, char **argv)
{
	bool live = argc > 1 && strcmp(argv[1], "live") == 0;

	alloc_hooks_install();
	if (live) {
		int p = probe_taskstats(false);

		if (p)
			return p;
	}
	return CHECK_RUN(check_cases, live ? "batch-live" : "batch-unit");
}
