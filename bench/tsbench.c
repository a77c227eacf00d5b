/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tsbench: per-task cost of reading taskstats, four ways, on one list of
 * thread ids. Run by bench/run.sh (see bench/README.md); not a test.
 *
 *   floor-serial  raw socket(2)/sendto(2)/recv(2), one request at a time
 *   floor-pipe    raw syscalls, 64 requests per sendto(2), recvmmsg(2)
 *   libnl         the straightforward libnl loop: genlmsg_put +
 *                 nl_send_auto + nl_recvmsgs_default per task
 *   lib-single    tstats_query() per task
 *   lib-batch     tstats_query_batch() over the whole list
 *   lib-each      tstats_query_each() over the whole list
 *
 * The floor programs do the least a correct client must: match the
 * sequence number, find the STATS attribute, copy the payload out.
 *
 * Commands:
 *   tsbench spawn N            start N idle threads, print "ready", wait
 *                              to be killed
 *   tsbench list               print every thread id (tstats_list_tasks)
 *   tsbench compare IDS [R]    R interleaved rounds of every mode, table
 *   tsbench run MODE IDS [P]   P passes of one mode (for callgrind: only
 *                              the passes after a warm-up are collected)
 *   tsbench scan [R]           list + batch-query every thread, R times
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "libtaskstats.h"

#ifdef HAVE_CALLGRIND_H
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_TOGGLE_COLLECT do { } while (0)
#endif

#include "floor.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---------------------------------------------------------------
 * The straightforward libnl loop.
 */
struct libnl_client {
	struct nl_sock *sk;
	int family;
	uint8_t stats[TS_STRUCT_MAX];
	uint64_t sink;
	bool got;
};

static int nl_valid(struct nl_msg *msg, void *arg)
{
	struct libnl_client *b = arg;
	struct nlattr *tb[8], *nest[8];
	int r;

	r = genlmsg_parse(nlmsg_hdr(msg), 0, tb, 7, NULL);
	if (r < 0 || !tb[TS_TYPE_AGGR_PID])
		return NL_SKIP;
	r = nla_parse_nested(nest, 7, tb[TS_TYPE_AGGR_PID], NULL);
	if (r < 0 || !nest[TS_TYPE_STATS])
		return NL_SKIP;
	r = nla_len(nest[TS_TYPE_STATS]);
	memcpy(b->stats, nla_data(nest[TS_TYPE_STATS]),
	       (size_t)r < sizeof(b->stats) ? (size_t)r : sizeof(b->stats));
	b->sink += b->stats[128];
	b->got = true;
	return NL_OK;
}

static void nlb_open(struct libnl_client *b)
{
	int r;

	memset(b, 0, sizeof(*b));
	b->sk = nl_socket_alloc();
	if (!b->sk)
		die("nl_socket_alloc", ENOMEM);
	r = genl_connect(b->sk);
	if (r < 0)
		die("genl_connect", EIO);
	b->family = genl_ctrl_resolve(b->sk, "TASKSTATS");
	if (b->family < 0)
		die("genl_ctrl_resolve", ENOENT);
	/* One answer per request, like the other clients (no ACK to drain). */
	nl_socket_disable_auto_ack(b->sk);
	nl_socket_modify_cb(b->sk, NL_CB_VALID, NL_CB_CUSTOM, nl_valid, b);
}

static void nlb_loop(struct libnl_client *b, const uint32_t *ids, size_t n, size_t *ok)
{
	for (size_t i = 0; i < n; i++) {
		struct nl_msg *msg = nlmsg_alloc();

		if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, b->family, 0, 0,
					 TS_CMD_GET, 1) ||
		    nla_put_u32(msg, TS_CMD_ATTR_PID, ids[i]) < 0)
			die("build", ENOMEM);
		if (nl_send_auto(b->sk, msg) < 0)
			die("nl_send_auto", EIO);
		b->got = false;
		nl_recvmsgs_default(b->sk);	/* ESRCH comes back as an error */
		nlmsg_free(msg);
		*ok += b->got;
	}
}

/* ---------------------------------------------------------------
 * libtaskstats.
 */
static int each_cb(uint32_t id, int error, const struct tstats_record *rec, void *userdata)
{
	(void)id;
	if (error == 0)
		*(uint64_t *)userdata += rec->value[TSTATS_F_PID];
	return 0;
}

enum mode { M_FLOOR_SERIAL, M_FLOOR_PIPE, M_LIBNL, M_LIB_SINGLE, M_LIB_BATCH, M_LIB_EACH, M__N };

static const char *const mode_name[M__N] = {
	"floor-serial", "floor-pipe", "libnl", "lib-single", "lib-batch", "lib-each",
};

struct clients {
	struct raw raw;
	struct libnl_client nl;
	struct tstats_ctx *ctx;
	struct tstats_record *recs;
	int *errs;
	uint64_t sink;
};

static void clients_open(struct clients *c, size_t n)
{
	int r;

	raw_open(&c->raw);
	nlb_open(&c->nl);
	r = tstats_ctx_new(&c->ctx);
	if (r < 0)
		die("tstats_ctx_new", r);
	c->recs = calloc(n ? n : 1, sizeof(*c->recs));
	c->errs = calloc(n ? n : 1, sizeof(*c->errs));
	if (!c->recs || !c->errs)
		die("calloc", ENOMEM);
}

/* One pass of a mode over ids; returns how many answered. */
static size_t pass(struct clients *c, enum mode m, const uint32_t *ids, size_t n)
{
	size_t ok = 0;
	int r;

	switch (m) {
	case M_FLOOR_SERIAL:
		raw_serial(&c->raw, ids, n, &ok);
		break;
	case M_FLOOR_PIPE:
		raw_pipelined(&c->raw, ids, n, &ok);
		break;
	case M_LIBNL:
		nlb_loop(&c->nl, ids, n, &ok);
		break;
	case M_LIB_SINGLE:
		for (size_t i = 0; i < n; i++)
			if (tstats_query(c->ctx, TSTATS_KIND_PID, ids[i], &c->recs[0]) == 0) {
				ok++;
				c->sink += c->recs[0].value[TSTATS_F_PID];
			}
		break;
	case M_LIB_BATCH:
		r = tstats_query_batch(c->ctx, TSTATS_KIND_PID, ids, n, c->recs, c->errs);
		if (r < 0)
			die("tstats_query_batch", r);
		ok = (size_t)r;
		break;
	case M_LIB_EACH:
		r = tstats_query_each(c->ctx, TSTATS_KIND_PID, ids, n, each_cb, &c->sink);
		if (r < 0)
			die("tstats_query_each", r);
		ok = (size_t)r;
		break;
	default:
		break;
	}
	return ok;
}

static uint32_t *read_ids(const char *path, size_t *n)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	size_t cap = 1024;
	uint32_t *ids = malloc(cap * sizeof(*ids));
	unsigned long v;

	if (!f)
		die(path, errno);
	*n = 0;
	while (ids && fscanf(f, "%lu", &v) == 1) {
		if (*n == cap) {
			cap *= 2;
			ids = realloc(ids, cap * sizeof(*ids));
			if (!ids)
				break;
		}
		ids[(*n)++] = (uint32_t)v;
	}
	if (!ids)
		die("read ids", ENOMEM);
	if (f != stdin)
		fclose(f);
	return ids;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmd_compare(const char *path, int rounds)
{
	size_t n;
	uint32_t *ids = read_ids(path, &n);
	struct clients c;
	uint64_t *t[M__N];
	size_t ok[M__N] = { 0 };
	double med[M__N], best[M__N];

	clients_open(&c, n);
	for (int m = 0; m < M__N; m++) {
		t[m] = calloc((size_t)rounds, sizeof(uint64_t));
		if (!t[m])
			die("calloc", ENOMEM);
		pass(&c, (enum mode)m, ids, n);		/* warm-up */
	}
	/* Interleaved: every mode sees the same machine state. */
	for (int r = 0; r < rounds; r++) {
		for (int m = 0; m < M__N; m++) {
			uint64_t t0 = now_ns();

			ok[m] = pass(&c, (enum mode)m, ids, n);
			t[m][r] = now_ns() - t0;
		}
	}
	for (int m = 0; m < M__N; m++) {
		qsort(t[m], (size_t)rounds, sizeof(uint64_t), cmp_u64);
		med[m] = (double)t[m][rounds / 2] / 1000.0 / (double)n;
		best[m] = (double)t[m][0] / 1000.0 / (double)n;
	}
	printf("tasks: %zu, rounds: %d (interleaved), median and best pass\n\n", n, rounds);
	printf("| mode | us/task (median) | us/task (best) | answered | vs floor-serial | vs floor-pipe |\n");
	printf("|---|---|---|---|---|---|\n");
	for (int m = 0; m < M__N; m++)
		printf("| %s | %.3f | %.3f | %zu | %.2fx | %.2fx |\n", mode_name[m], med[m], best[m],
		       ok[m], med[m] / med[M_FLOOR_SERIAL], med[m] / med[M_FLOOR_PIPE]);
	printf("\nlibnl / lib-batch: %.2fx\n", med[M_LIBNL] / med[M_LIB_BATCH]);
	if (c.sink + c.raw.sink + c.nl.sink == 42)
		printf(" ");
	tstats_ctx_free(c.ctx);
	return 0;
}

static int cmd_run(const char *mode, const char *path, int passes)
{
	size_t n, ok = 0;
	uint32_t *ids = read_ids(path, &n);
	struct clients c;
	int m;

	for (m = 0; m < M__N; m++)
		if (strcmp(mode, mode_name[m]) == 0)
			break;
	if (m == M__N) {
		fprintf(stderr, "tsbench: unknown mode %s\n", mode);
		return 2;
	}
	clients_open(&c, n);
	pass(&c, (enum mode)m, ids, n);		/* warm-up: buffers sized */
	CALLGRIND_TOGGLE_COLLECT;
	for (int p = 0; p < passes; p++)
		ok += pass(&c, (enum mode)m, ids, n);
	CALLGRIND_TOGGLE_COLLECT;
	printf("mode %s queries %zu answered %zu\n", mode, n * (size_t)passes, ok);
	tstats_ctx_free(c.ctx);
	return 0;
}

static void *idle(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* Idle threads until killed. */
static int cmd_spawn(int count)
{
	pthread_attr_t a;
	pthread_t th;

	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 64 * 1024);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	for (int i = 0; i < count; i++) {
		int r = pthread_create(&th, &a, idle, NULL);

		if (r)
			die("pthread_create", r);
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
	return 0;
}

static uint32_t *list_all(size_t *n)
{
	size_t cap = 4096;

	for (;;) {
		uint32_t *ids = malloc(cap * sizeof(*ids));
		int r;

		if (!ids)
			die("malloc", ENOMEM);
		r = tstats_list_tasks(TSTATS_KIND_PID, ids, cap);
		if (r < 0)
			die("tstats_list_tasks", r);
		if ((size_t)r <= cap) {
			*n = (size_t)r;
			return ids;
		}
		free(ids);
		cap = (size_t)r + 1024;
	}
}

static int cmd_list(void)
{
	size_t n;
	uint32_t *ids = list_all(&n);

	for (size_t i = 0; i < n; i++)
		printf("%u\n", ids[i]);
	free(ids);
	return 0;
}

/* A full scan as an application does it: list every thread, query all. */
static int cmd_scan(int rounds)
{
	struct tstats_ctx *ctx;
	struct tstats_record *recs = NULL;
	int *errs = NULL;
	uint32_t *ids = malloc(65536 * sizeof(*ids));
	uint64_t *tl = calloc((size_t)rounds, sizeof(uint64_t));
	uint64_t *tq = calloc((size_t)rounds, sizeof(uint64_t));
	size_t cap = 0;
	int r, n = 0, ok = 0;

	if (!ids || !tl || !tq)
		die("malloc", ENOMEM);
	r = tstats_ctx_new(&ctx);
	if (r < 0)
		die("tstats_ctx_new", r);
	for (int i = 0; i <= rounds; i++) {
		uint64_t t0 = now_ns(), t1;

		n = tstats_list_tasks(TSTATS_KIND_PID, ids, 65536);
		if (n < 0 || n > 65536)
			die("tstats_list_tasks", n < 0 ? n : E2BIG);
		t1 = now_ns();
		if ((size_t)n > cap) {
			cap = (size_t)n;
			recs = realloc(recs, cap * sizeof(*recs));
			errs = realloc(errs, cap * sizeof(*errs));
			if (!recs || !errs)
				die("realloc", ENOMEM);
		}
		ok = tstats_query_batch(ctx, TSTATS_KIND_PID, ids, (size_t)n, recs, errs);
		if (ok < 0)
			die("tstats_query_batch", ok);
		if (i > 0) {	/* the first is the warm-up */
			tl[i - 1] = t1 - t0;
			tq[i - 1] = now_ns() - t1;
		}
	}
	qsort(tl, (size_t)rounds, sizeof(uint64_t), cmp_u64);
	qsort(tq, (size_t)rounds, sizeof(uint64_t), cmp_u64);
	printf("full scan of %d threads (%d answered), median of %d: list %.2f ms + query %.2f ms = %.2f ms\n",
	       n, ok, rounds, (double)tl[rounds / 2] / 1e6, (double)tq[rounds / 2] / 1e6,
	       (double)(tl[rounds / 2] + tq[rounds / 2]) / 1e6);
	tstats_ctx_free(ctx);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "spawn") == 0)
		return cmd_spawn(atoi(argv[2]));
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return cmd_list();
	if (argc >= 3 && strcmp(argv[1], "compare") == 0)
		return cmd_compare(argv[2], argc > 3 ? atoi(argv[3]) : 21);
	if (argc >= 4 && strcmp(argv[1], "run") == 0)
		return cmd_run(argv[2], argv[3], argc > 4 ? atoi(argv[4]) : 3);
	if (argc >= 2 && strcmp(argv[1], "scan") == 0)
		return cmd_scan(argc > 2 ? atoi(argv[2]) : 11);
	fprintf(stderr, "usage: tsbench spawn N | list | compare IDS [ROUNDS] | run MODE IDS [PASSES]"
		" | scan [ROUNDS]\n");
	return 2;
}
