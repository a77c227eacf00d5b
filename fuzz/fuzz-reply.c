/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target: one datagram of netlink messages (see fuzz.h) through every
 * part of the library that reads the kernel's bytes.
 *
 *  1. The codec: codec_walk() over the datagram, codec_parse_new() on each
 *     taskstats message, codec_decode() and codec_decode_plan() on each
 *     STATS payload (the two decoders must agree byte for byte), and
 *     tstats_decode() and codec_parse_new() on the raw bytes.
 *  2. The orchestration, over a fake transport that hands out the input:
 *     single queries (the datagram whole), a batch and tstats_query_each()
 *     (one message per datagram, as the kernel answers a batch, received
 *     with and without recv_many), and an exit listener (registration,
 *     then dispatch, with and without a loss callback); and, where the
 *     library has them, cgroupstats replies, parsed and queried.
 *
 * What 2 reports is checked against a model built from 1: the error, or
 * the record byte for byte, that each call must give for those bytes; a
 * record the input does not hold for that request is a failure. Broken
 * invariants abort, which libFuzzer and the replay driver report.
 *
 * One source, two targets, so that each input does half the work (two
 * fuzzers on two CPUs): built with FUZZ_EXIT_PATH it is fuzz-exit, the
 * model and the exit listener only; without, fuzz-reply, everything but
 * the listener. Both read the same corpus.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "fuzz.h"
#include "internal.h"

#define CHECK(cond)							\
	do {								\
		if (!(cond))						\
			check_failed(__LINE__, #cond);			\
	} while (0)

static __attribute__((noreturn)) void check_failed(int line, const char *what)
{
	fprintf(stderr, "fuzz-reply.c:%d: check failed: %s\n", line, what);
	abort();
}

/* Messages modelled per input; a longer datagram is still run, unchecked. */
#define MAX_MSGS	512
/* Requests per batch, and their ids (distinct: an answer's item is its
 * sequence number, the id only tells the sink's calls apart). */
#define NBATCH		4
#define BATCH_ID0	11u

/*
 * The model: the messages of the input as codec_walk() sees them.
 */
struct fmsg {
	struct codec_msg m;	/* attrs point into the input */
	size_t off, step;	/* bytes of the input the message spans */
	int parse;		/* codec_parse_new(), taskstats messages */
	struct codec_reply rep;
	/* Its aggregates as codec_decode() reads them (fallback 0), made once
	 * for every expectation: decoding is most of an input's time. */
	struct tstats_record dec[2];	/* [kind == TSTATS_KIND_TGID] */
};

static struct {
	const uint8_t *data;
	size_t len;
	uint16_t family;
	struct fmsg msg[MAX_MSGS];
	unsigned int n;
	size_t pos;		/* offset of the next message */
	bool overflow;		/* more than MAX_MSGS: not modelled */
	int walk;		/* what codec_walk() returned */
	struct codec_plan plan[2];
	unsigned int planned[2];	/* payloads decoded with plan[] */
	struct codec_plan fresh;
} md;

static const struct codec_aggr *aggr_of(const struct fmsg *f, unsigned int kind)
{
	return kind == TSTATS_KIND_TGID ? &f->rep.tgid : &f->rep.pid;
}

/* What every decoded record must look like, whatever the bytes. */
static void check_record(const struct tstats_record *r, unsigned int kind, size_t len)
{
	const uint32_t known = TSTATS_RECORD_VERSION_INFERRED | TSTATS_RECORD_NEWER |
			       TSTATS_RECORD_SHORT | TSTATS_RECORD_EMPTY_GROUP;
	bool counted = false;

	CHECK(r->kind == kind);
	CHECK(r->id == 0);
	CHECK(r->payload_len == (len > UINT32_MAX ? UINT32_MAX : len));
	CHECK(r->reserved == 0);
	CHECK(r->version != 0);
	CHECK((r->flags & ~known) == 0);
	CHECK(tstats_record_has(r, TSTATS_F_VERSION));
	CHECK(r->value[TSTATS_F_VERSION] == r->version);
	CHECK(memchr(r->comm, '\0', sizeof(r->comm)) != NULL);
	CHECK(tstats_record_has(r, TSTATS_F_COMM) || r->comm[0] == '\0');
	for (unsigned int f = 0; f < TSTATS_FIELD_CAPACITY; f++) {
		const struct field_def *d = f < TSTATS_F__COUNT ? &tstats_fields[f] : NULL;
		uint64_t v = r->value[f];

		/* The mask read directly: tstats_record_has() for each of 128
		 * fields of every record was a tenth of each run (the API is
		 * checked above). */
		if (!((r->present[f / 64] >> (f % 64)) & 1)) {
			CHECK(v == 0);
			continue;
		}
		CHECK(d != NULL);
		CHECK(kind != TSTATS_KIND_TGID || d->info.in_tgid);
		if (d->vkind == VK_UNSIGNED && d->size < 8)
			CHECK(v >> (8 * d->size) == 0);
		if (d->vkind == VK_SIGNED8)
			CHECK((int64_t)v >= -128 && (int64_t)v <= 127);
		if (f != TSTATS_F_VERSION && v)
			counted = true;
	}
	/* EMPTY_GROUP: exactly the TGID records that hold nothing. */
	CHECK(!!(r->flags & TSTATS_RECORD_EMPTY_GROUP) == (kind == TSTATS_KIND_TGID && !counted));
}

/* An aggregate of a parsed message: inside it, and decoded alike by both
 * decoders. */
static void check_aggr(const struct codec_msg *m, const struct codec_aggr *a,
		       unsigned int kind, unsigned int fallback, struct tstats_record *out)
{
	struct tstats_record r1, r2;
	bool fresh;

	if (!a->found) {
		CHECK(a->stats == NULL && a->stats_len == 0 && a->id == 0);
		return;
	}
	CHECK(a->stats >= m->attrs && a->stats_len >= 2);
	CHECK((size_t)(a->stats - m->attrs) + a->stats_len <= m->attrs_len);
	CHECK(codec_decode(a->stats, a->stats_len, kind, fallback, &r1) == 0);
	check_record(&r1, kind, a->stats_len);
	if (out)
		*out = r1;
	if (fallback)
		return;
	/* The plan of the previous payload of this kind, reused or rebuilt;
	 * the first of an input is built from nothing, as a fresh one is. */
	fresh = md.planned[kind == TSTATS_KIND_TGID]++ > 0;
	CHECK(codec_decode_plan(&md.plan[kind == TSTATS_KIND_TGID], a->stats, a->stats_len,
				kind, &r2) == 0);
	CHECK(memcmp(&r1, &r2, sizeof(r1)) == 0);
	if (!fresh)
		return;
	memset(&md.fresh, 0, sizeof(md.fresh));
	memset(&r2, 0xa5, sizeof(r2));
	CHECK(codec_decode_plan(&md.fresh, a->stats, a->stats_len, kind, &r2) == 0);
	CHECK(memcmp(&r1, &r2, sizeof(r1)) == 0);
}

static int on_model_msg(const struct codec_msg *m, void *userdata)
{
	struct nlmsghdr nlh;
	struct fmsg *f;
	size_t rem = md.len - md.pos;

	(void)userdata;
	/* The walk steps as netlink says: header by header, NLMSG_ALIGN. */
	CHECK(rem >= NLMSG_HDRLEN);
	memcpy(&nlh, md.data + md.pos, sizeof(nlh));
	CHECK(nlh.nlmsg_len >= NLMSG_HDRLEN && nlh.nlmsg_len <= rem);
	CHECK(m->seq == nlh.nlmsg_seq && m->portid == nlh.nlmsg_pid);
	CHECK(m->type == nlh.nlmsg_type && m->nlflags == nlh.nlmsg_flags);

	switch (m->cls) {
	case MSG_ERROR:
		CHECK(nlh.nlmsg_type == NLMSG_ERROR);
		CHECK(m->error <= 0 && m->attrs == NULL);
		break;
	case MSG_DATA:
		CHECK(nlh.nlmsg_type == md.family);
		CHECK(m->attrs == md.data + md.pos + NLMSG_HDRLEN + GENL_HDRLEN);
		CHECK(m->attrs_len == nlh.nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN);
		break;
	default:
		CHECK(m->cls == MSG_OTHER && m->attrs == NULL);
		CHECK(nlh.nlmsg_type != NLMSG_ERROR && nlh.nlmsg_type != md.family);
		break;
	}

	if (md.n == MAX_MSGS) {
		md.overflow = true;
		f = NULL;
	} else {
		f = &md.msg[md.n++];
		f->m = *m;
		f->off = md.pos;
		f->step = NLMSG_ALIGN(nlh.nlmsg_len) < rem ? NLMSG_ALIGN(nlh.nlmsg_len) : rem;
		f->parse = 0;
		memset(&f->rep, 0, sizeof(f->rep));
	}
	md.pos += NLMSG_ALIGN(nlh.nlmsg_len) < rem ? NLMSG_ALIGN(nlh.nlmsg_len) : rem;

#ifdef CGS_CMD_NEW
	if (m->cls == MSG_DATA) {
		struct tstats_cgroupstats cgs;
		int r = codec_parse_cgroupstats(m->attrs, m->attrs_len, &cgs);

		CHECK(r == 0 || r == -EBADMSG);
		if (r == 0)
			CHECK(cgs.payload_len >= CGS_STATS_LEN && cgs.reserved == 0);
	}
#endif
	if (m->cls == MSG_DATA) {
		struct codec_reply rep;
		int r = codec_parse_new(m->attrs, m->attrs_len, &rep);

		CHECK(r == 0 || r == -EBADMSG);
		if (r == 0) {
			struct tstats_record pr;
			unsigned int fallback = 0;

			CHECK(rep.pid.found || rep.tgid.found);
			check_aggr(m, &rep.pid, TSTATS_KIND_PID, 0, f ? &f->dec[0] : &pr);
			check_aggr(m, &rep.tgid, TSTATS_KIND_TGID, 0, f ? &f->dec[1] : NULL);
			/* The listener's TGID record: the PID record's version
			 * stands in for a version 0. */
			if (rep.pid.found && rep.tgid.found) {
				fallback = f ? f->dec[0].version : pr.version;
				check_aggr(m, &rep.tgid, TSTATS_KIND_TGID, fallback, NULL);
			}
		}
		if (f) {
			f->parse = r;
			f->rep = rep;
		}
	}
	return 0;
}

static void model_build(const uint8_t *data, size_t len)
{
	struct nlmsghdr nlh;

	md.data = data;
	md.len = len;
	md.n = 0;
	md.pos = 0;
	md.overflow = false;
	memset(md.plan, 0, sizeof(md.plan));
	memset(md.planned, 0, sizeof(md.planned));
	md.family = FUZZ_FAMILY;
	if (len >= NLMSG_HDRLEN) {
		memcpy(&nlh, data, sizeof(nlh));
		if (nlh.nlmsg_type >= NLMSG_MIN_TYPE)
			md.family = nlh.nlmsg_type;
	}
	md.walk = codec_walk(data, len, md.family, on_model_msg, NULL);
	CHECK(md.walk == 0 || md.walk == -EBADMSG);
	/* A walk ends at the end of the bytes, or at a bad header. */
	if (md.walk == 0)
		CHECK(len - md.pos < NLMSG_HDRLEN);
	else
		CHECK(len - md.pos >= NLMSG_HDRLEN);
}

#ifndef FUZZ_EXIT_PATH
/* The raw bytes as a STATS payload and as an attribute stream. */
static void check_raw(const uint8_t *data, size_t len)
{
	struct tstats_record rec;
	struct codec_reply rep;
	int r;

	r = tstats_decode(data, len, 0, 0, &rec);
	CHECK(r == (len < 2 ? -EBADMSG : 0));
	if (r == 0)
		check_record(&rec, TSTATS_KIND_PID, len);
	r = tstats_decode(data, len, TSTATS_DECODE_TGID, 16, &rec);
	CHECK(r == (len < 2 ? -EBADMSG : 0));
	if (r == 0)
		check_record(&rec, TSTATS_KIND_TGID, len);
	r = codec_parse_new(data, len, &rep);
	CHECK(r == 0 || r == -EBADMSG);
}
#endif

/*
 * The fake kernel: a queue of datagrams (pieces of the input, or its own
 * ACK), filled when the library sends. Each receive logs whether the
 * library's buffer was too small, which the model needs to know.
 */
enum fake_mode {
	FAKE_WHOLE,	/* every send: the input, one datagram */
	FAKE_SPLIT,	/* the first send: one datagram per message */
	FAKE_LISTEN,	/* a request asking an ACK: the input, then the ACK */
};

struct dgram {
	const uint8_t *p;
	size_t len;
	bool received;
	bool truncated;
};

#define MAX_DGRAMS (2 * MAX_MSGS + 8)

static struct {
	enum fake_mode mode;
	struct dgram q[MAX_DGRAMS];
	unsigned int n, head;
	unsigned int sends;
	uint32_t first_seq, last_seq;
	uint32_t port;
	uint8_t ack[NLMSG_HDRLEN + sizeof(struct nlmsgerr)];
} fk;

static void fake_reset(enum fake_mode mode, uint32_t port)
{
	fk.mode = mode;
	fk.n = fk.head = fk.sends = 0;
	fk.first_seq = fk.last_seq = 0;
	fk.port = port;
}

static void fake_push(const uint8_t *p, size_t len)
{
	CHECK(fk.n < MAX_DGRAMS);
	fk.q[fk.n++] = (struct dgram){ .p = p, .len = len };
}

/* Datagram i holds message i; what follows the last whole message (a
 * bad header, or a tail shorter than one) comes last, on its own. */
static void fake_push_split(void)
{
	if (md.overflow) {
		fake_push(md.data, md.len);
		return;
	}
	for (unsigned int i = 0; i < md.n; i++)
		fake_push(md.data + md.msg[i].off, md.msg[i].step);
	if (md.pos < md.len)
		fake_push(md.data + md.pos, md.len - md.pos);
}

static int fake_send(void *impl, const void *buf, size_t len)
{
	struct nlmsghdr nlh;
	struct nlmsgerr err = { 0 };

	(void)impl;
	CHECK(len >= NLMSG_HDRLEN);
	memcpy(&nlh, buf, sizeof(nlh));
	CHECK(nlh.nlmsg_len >= NLMSG_HDRLEN && nlh.nlmsg_len <= len);
	CHECK(nlh.nlmsg_type == md.family && nlh.nlmsg_pid == fk.port);
	CHECK(nlh.nlmsg_seq != 0);
	if (fk.sends++ == 0)
		fk.first_seq = nlh.nlmsg_seq;
	fk.last_seq = nlh.nlmsg_seq;

	switch (fk.mode) {
	case FAKE_WHOLE:
		fake_push(md.data, md.len);
		break;
	case FAKE_SPLIT:
		if (fk.sends == 1)
			fake_push_split();
		break;
	case FAKE_LISTEN:
		if (!(nlh.nlmsg_flags & NLM_F_ACK))
			break;
		fake_push(md.data, md.len);
		err.msg = nlh;
		nlh.nlmsg_len = sizeof(fk.ack);
		nlh.nlmsg_type = NLMSG_ERROR;
		nlh.nlmsg_flags = NLM_F_CAPPED;
		memcpy(fk.ack, &nlh, sizeof(nlh));
		memcpy(fk.ack + NLMSG_HDRLEN, &err, sizeof(err));
		fake_push(fk.ack, sizeof(fk.ack));
		break;
	}
	return 0;
}

static ssize_t fake_recv(void *impl, void *buf, size_t cap, int flags)
{
	struct dgram *d;

	(void)impl;
	(void)flags;
	if (fk.head == fk.n)
		return -EAGAIN;
	d = &fk.q[fk.head++];
	d->received = true;
	d->truncated = d->len > cap;
	/* Like recv(MSG_TRUNC): what fits, and the datagram's length. */
	memcpy(buf, d->p, d->truncated ? cap : d->len);
	return (ssize_t)d->len;
}

#ifndef FUZZ_EXIT_PATH
static int fake_recv_many(void *impl, void *buf, size_t slot, unsigned int n, size_t *lens,
			  int flags)
{
	unsigned int got = 0;

	while (got < n && fk.head < fk.n) {
		ssize_t r = fake_recv(impl, (uint8_t *)buf + (size_t)got * slot, slot, flags);

		lens[got++] = (size_t)r;
	}
	return got ? (int)got : -EAGAIN;
}
#endif

static int fake_set_timeout(void *impl, unsigned int msec)
{
	(void)impl;
	(void)msec;
	return 0;
}

static int fake_set_rcvbuf(void *impl, int bytes)
{
	(void)impl;
	return 2 * bytes;
}

/* Room for NBATCH answers per send by the batch engine's reckoning. */
static int fake_get_rcvbuf(void *impl)
{
	(void)impl;
	return 10240;
}

static int fake_get_fd(void *impl)
{
	(void)impl;
	return -EBADF;
}

static void fake_close(void *impl)
{
	(void)impl;
}

#ifndef FUZZ_EXIT_PATH
static const struct transport_ops ops_many = {
	.send = fake_send,
	.recv = fake_recv,
	.set_timeout = fake_set_timeout,
	.set_rcvbuf = fake_set_rcvbuf,
	.get_fd = fake_get_fd,
	.recv_many = fake_recv_many,
	.get_rcvbuf = fake_get_rcvbuf,
	.close = fake_close,
};
#endif

static const struct transport_ops ops_single = {
	.send = fake_send,
	.recv = fake_recv,
	.set_timeout = fake_set_timeout,
	.set_rcvbuf = fake_set_rcvbuf,
	.get_fd = fake_get_fd,
	.get_rcvbuf = fake_get_rcvbuf,
	.close = fake_close,
};

#ifndef FUZZ_EXIT_PATH
/* A context whose next request carries sequence number seq (or 1). */
static struct tstats_ctx *fake_ctx(enum fake_mode mode, const struct transport_ops *ops,
				   uint32_t port, uint32_t seq)
{
	struct transport t = { .ops = ops, .impl = NULL, .portid = port, .family = md.family };
	struct tstats_ctx *ctx;

	fake_reset(mode, port);
	CHECK(ctx_new_with_transport(&t, &ctx) == 0);
	if (seq >= 2)
		ctx_seq_block(ctx, seq - 1);
	return ctx;
}

/* Where the request of a query or batch is aimed (see fuzz.h). */
static void aim(bool last, uint32_t *port, uint32_t *seq)
{
	const struct fmsg *f;

	*port = FUZZ_PORT;
	*seq = 1;
	if (md.n == 0)
		return;
	f = &md.msg[last ? md.n - 1 : 0];
	*port = f->m.portid;
	*seq = f->m.seq;
}

/* The error an answer stands for, or 0 when it carries a record. */
static int answer_error(const struct fmsg *f, unsigned int kind)
{
	if (f->m.cls == MSG_ERROR)
		return f->m.error;
	if (f->m.cmd != TS_CMD_NEW)
		return -EBADMSG;
	if (f->parse)
		return f->parse;
	if (!aggr_of(f, kind)->found)
		return -EBADMSG;
	return 0;
}

/* An answer to a request: ours, not an ACK (none is asked) or another
 * message type. */
static bool is_answer(const struct fmsg *f, uint32_t port)
{
	if (f->m.portid != port || f->m.cls == MSG_OTHER)
		return false;
	return !(f->m.cls == MSG_ERROR && f->m.error == 0);
}

#endif

/* The record an aggregate of a parsed message decodes to (decoded once,
 * by the model), with the id of its nest. */
static void expect_record(const struct fmsg *f, unsigned int kind, struct tstats_record *rec)
{
	const struct codec_aggr *a = aggr_of(f, kind);

	CHECK(f->parse == 0 && a->found);
	*rec = f->dec[kind == TSTATS_KIND_TGID];
	rec->id = a->id;
}

#ifndef FUZZ_EXIT_PATH
/*
 * Single queries: the datagram whole. Its messages are walked in order;
 * the first answer with our sequence number and port decides.
 */
static void run_query(unsigned int kind, bool last)
{
	struct tstats_record rec, want, untouched;
	const struct dgram *d;
	struct tstats_ctx *ctx;
	uint32_t port, seq;
	int r, expect = -ETIMEDOUT;
	unsigned int hit = 0;

	aim(last, &port, &seq);
	ctx = fake_ctx(FAKE_WHOLE, &ops_single, port, seq);
	memset(&rec, 0x5a, sizeof(rec));
	untouched = rec;
	r = tstats_query(ctx, kind, 42, &rec);
	tstats_ctx_free(ctx);

	if (md.overflow) {
		CHECK(r <= 0);
		return;
	}
	/* A datagram larger than the buffer: the buffer grew and the
	 * request went out again, answered by the same bytes. */
	CHECK(fk.head >= 1 && fk.head <= 2 && fk.head == fk.sends);
	CHECK(!fk.q[0].truncated || fk.head == 2);
	d = &fk.q[fk.head - 1];
	CHECK(d->received && !d->truncated);
	if (fk.head == 2)
		CHECK(fk.last_seq == fk.first_seq + 1 || fk.last_seq == 1);

	for (hit = 0; hit < md.n; hit++) {
		const struct fmsg *f = &md.msg[hit];

		if (f->m.seq == fk.last_seq && is_answer(f, port)) {
			expect = answer_error(f, kind);
			break;
		}
	}
	if (hit == md.n && md.walk < 0)
		expect = md.walk;
	CHECK(r == expect);
	if (r == 0) {
		expect_record(&md.msg[hit], kind, &want);
		CHECK(memcmp(&rec, &want, sizeof(rec)) == 0);
	} else {
		/* *ret is written only on success. */
		CHECK(memcmp(&rec, &untouched, sizeof(rec)) == 0);
	}
}

#ifdef CGS_CMD_NEW
/*
 * cgroupstats queries: the datagram whole, aimed like a single query. Only
 * loosely modelled: a success must report the first cgroupstats message
 * that answers the request.
 */
static void run_cgroup(void)
{
	static int dirfd = -1;
	struct tstats_cgroupstats got, want, untouched;
	struct tstats_ctx *ctx;
	uint32_t port, seq;
	int r;

	/* Any directory outside cgroup2: the kernel's EINVAL stays EINVAL. */
	if (dirfd < 0)
		dirfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(dirfd >= 0);
	aim(true, &port, &seq);
	ctx = fake_ctx(FAKE_WHOLE, &ops_single, port, seq);
	memset(&got, 0x5a, sizeof(got));
	untouched = got;
	r = tstats_query_cgroup_fd(ctx, dirfd, &got);
	tstats_ctx_free(ctx);
	CHECK(r <= 0);
	if (r < 0) {
		CHECK(memcmp(&got, &untouched, sizeof(got)) == 0);
		return;
	}
	if (md.overflow)
		return;
	for (unsigned int i = 0; i < md.n; i++) {
		const struct fmsg *f = &md.msg[i];

		if (f->m.seq != fk.first_seq || f->m.portid != port || f->m.cls != MSG_DATA)
			continue;
		CHECK(f->m.cmd == CGS_CMD_NEW);
		CHECK(codec_parse_cgroupstats(f->m.attrs, f->m.attrs_len, &want) == 0);
		CHECK(memcmp(&got, &want, sizeof(got)) == 0);
		return;
	}
	CHECK(!"a cgroupstats success without its message");
}
#endif

/*
 * Batches: one send of NBATCH requests; each message of the input comes
 * as a datagram of its own, matched to a request by sequence number.
 */
struct item {
	bool delivered;
	int err;
	unsigned int msg;	/* the answer, when err == 0 */
};

/* What the batch must report given the datagrams it received. */
static int model_batch(unsigned int kind, uint32_t port, struct item *want)
{
	bool done[NBATCH] = { false }, fatal = false, lost = false;
	unsigned int answered = 0;
	int filled = 0;

	memset(want, 0, NBATCH * sizeof(*want));
	for (unsigned int j = 0; j < fk.n && fk.q[j].received; j++) {
		const struct fmsg *f = &md.msg[j];
		uint32_t k;
		int err;

		if (fk.q[j].truncated) {
			lost = true;	/* asked again, but nothing more comes */
			continue;
		}
		if (j >= md.n) {
			/* The remainder: a bad header is a lost datagram. */
			if (md.walk < 0)
				lost = true;
			continue;
		}
		k = f->m.seq - fk.first_seq;
		if (k >= NBATCH || done[k] || !is_answer(f, port))
			continue;
		done[k] = true;
		answered++;
		err = answer_error(f, kind);
		/* EPERM ends the call; the answers after it are drained. */
		if (err == -EPERM)
			fatal = true;
		if (fatal)
			continue;
		want[k] = (struct item){ .delivered = true, .err = err, .msg = j };
		if (err == 0)
			filled++;
	}
	if (answered == NBATCH)
		return fatal ? -EPERM : filled;
	/* Answers missing: a wait that times out, unless a lost datagram
	 * ended the round first, which lets EPERM through. */
	return lost && fatal ? -EPERM : -ETIMEDOUT;
}

static void check_items(unsigned int kind, const struct item *want, const bool *got,
			const int *errs, const struct tstats_record *recs)
{
	struct tstats_record rec;

	for (unsigned int k = 0; k < NBATCH; k++) {
		CHECK(got[k] == want[k].delivered);
		if (!got[k])
			continue;
		CHECK(errs[k] == want[k].err);
		if (errs[k])
			continue;
		expect_record(&md.msg[want[k].msg], kind, &rec);
		CHECK(memcmp(&recs[k], &rec, sizeof(rec)) == 0);
	}
}

static void run_batch(void)
{
	uint32_t ids[NBATCH], port, seq;
	struct tstats_record recs[NBATCH], untouched;
	int errs[NBATCH];
	bool got[NBATCH];
	struct item want[NBATCH];
	struct tstats_ctx *ctx;
	int r;

	for (unsigned int k = 0; k < NBATCH; k++) {
		ids[k] = BATCH_ID0 + k;
		errs[k] = 1;	/* no errno */
	}
	memset(recs, 0x5a, sizeof(recs));
	untouched = recs[0];
	aim(false, &port, &seq);
	ctx = fake_ctx(FAKE_SPLIT, &ops_many, port, seq);
	r = tstats_query_batch(ctx, TSTATS_KIND_PID, ids, NBATCH, recs, errs);
	tstats_ctx_free(ctx);
	CHECK(fk.sends >= 1);
	if (md.overflow) {
		CHECK(r <= NBATCH);
		return;
	}
	CHECK(r == model_batch(TSTATS_KIND_PID, port, want));
	for (unsigned int k = 0; k < NBATCH; k++) {
		got[k] = errs[k] != 1;
		if (!got[k] || errs[k])
			CHECK(memcmp(&recs[k], &untouched, sizeof(untouched)) == 0);
	}
	check_items(TSTATS_KIND_PID, want, got, errs, recs);
}

struct each_log {
	bool got[NBATCH];
	int errs[NBATCH];
	struct tstats_record recs[NBATCH];
};

static int on_each(uint32_t id, int error, const struct tstats_record *rec, void *userdata)
{
	struct each_log *lg = userdata;
	uint32_t k = id - BATCH_ID0;

	CHECK(k < NBATCH && !lg->got[k]);
	CHECK((error == 0) == (rec != NULL));
	lg->got[k] = true;
	lg->errs[k] = error;
	if (rec)
		lg->recs[k] = *rec;
	return 0;
}

static void run_each(void)
{
	static struct each_log lg;
	uint32_t ids[NBATCH], port, seq;
	struct item want[NBATCH];
	struct tstats_ctx *ctx;
	int r, delivered = 0;

	memset(&lg, 0, sizeof(lg));
	for (unsigned int k = 0; k < NBATCH; k++)
		ids[k] = BATCH_ID0 + k;
	aim(false, &port, &seq);
	ctx = fake_ctx(FAKE_SPLIT, &ops_single, port, seq);
	r = tstats_query_each(ctx, TSTATS_KIND_TGID, ids, NBATCH, on_each, &lg);
	tstats_ctx_free(ctx);
	if (md.overflow) {
		CHECK(r <= NBATCH);
		return;
	}
	CHECK(r == model_batch(TSTATS_KIND_TGID, port, want));
	check_items(TSTATS_KIND_TGID, want, lg.got, lg.errs, lg.recs);
	for (unsigned int k = 0; k < NBATCH; k++)
		delivered += lg.got[k] && lg.errs[k] == 0;
	if (r >= 0)
		CHECK(r == delivered);
}


#else /* the exit path: fuzz-exit */
/*
 * Exit listeners: registration gets the input and then the fake's ACK;
 * dispatch gets what registration left queued and the input once more.
 * The model's items are worked out from each datagram as it arrives.
 */
enum { IT_RECORD = 1, IT_LOSS };

struct litem {
	uint8_t what;
	uint8_t cause;		/* enum tstats_loss_cause */
	uint8_t kind;		/* enum tstats_kind */
	unsigned int msg;
};

#define MAX_LITEMS (2 * (2 * MAX_MSGS + 2))

static struct {
	struct litem it[MAX_LITEMS];
	unsigned int n, pos;
	unsigned int modelled;	/* datagrams turned into items */
	bool unchecked;		/* the input is not modelled */
	uint64_t messages, records, truncated, malformed;
} lm;

static void litem_add(uint8_t what, uint8_t cause, uint8_t kind, unsigned int msg)
{
	CHECK(lm.n < MAX_LITEMS);
	lm.it[lm.n++] = (struct litem){ .what = what, .cause = cause, .kind = kind, .msg = msg };
}

/* Items of the datagrams received since the last call. */
static void model_listen(void)
{
	for (; lm.modelled < fk.head; lm.modelled++) {
		const struct dgram *d = &fk.q[lm.modelled];

		if (d->p == fk.ack)
			continue;	/* an ACK: not an event */
		if (d->truncated) {
			litem_add(IT_LOSS, TSTATS_LOSS_TRUNCATED, 0, 0);
			continue;
		}
		for (unsigned int i = 0; i < md.n; i++) {
			const struct fmsg *f = &md.msg[i];

			if (f->m.cls != MSG_DATA || f->m.cmd != TS_CMD_NEW)
				continue;
			if (f->parse) {
				litem_add(IT_LOSS, TSTATS_LOSS_MALFORMED, 0, 0);
				continue;
			}
			lm.messages++;
			if (f->rep.pid.found)
				litem_add(IT_RECORD, 0, TSTATS_KIND_PID, i);
			if (f->rep.tgid.found)
				litem_add(IT_RECORD, 0, TSTATS_KIND_TGID, i);
		}
		if (md.walk < 0)
			litem_add(IT_LOSS, TSTATS_LOSS_MALFORMED, 0, 0);
	}
}

/* The next item, which must be a record or a loss of that cause. */
static const struct litem *litem_next(uint8_t what)
{
	const struct litem *it;

	model_listen();
	CHECK(lm.pos < lm.n);
	it = &lm.it[lm.pos++];
	CHECK(it->what == what);
	return it;
}

static void listen_expect(const struct litem *it, struct tstats_record *rec)
{
	const struct fmsg *f = &md.msg[it->msg];
	struct tstats_record pid;
	unsigned int fallback = 0;

	if (it->kind == TSTATS_KIND_PID) {
		expect_record(f, TSTATS_KIND_PID, rec);
		rec->flags |= TSTATS_RECORD_EXIT;
		if (f->rep.tgid.found || (rec->value[TSTATS_F_FLAGS] & TSTATS_AC_GROUP))
			rec->flags |= TSTATS_RECORD_GROUP_EXIT;
		return;
	}
	/* A TGID record reading version 0 takes its PID record's. */
	if (f->rep.pid.found) {
		expect_record(f, TSTATS_KIND_PID, &pid);
		if (!(pid.flags & TSTATS_RECORD_VERSION_INFERRED))
			fallback = pid.version;
	}
	CHECK(codec_decode(f->rep.tgid.stats, f->rep.tgid.stats_len, TSTATS_KIND_TGID, fallback,
			   rec) == 0);
	rec->id = f->rep.tgid.id;
	rec->flags |= TSTATS_RECORD_EXIT | TSTATS_RECORD_GROUP_EXIT;
	codec_drop_unsummed(rec);
}

static int on_lrec(const struct tstats_record *rec, void *userdata)
{
	struct tstats_record want;

	(void)userdata;
	if (lm.unchecked)
		return 0;
	listen_expect(litem_next(IT_RECORD), &want);
	CHECK(memcmp(rec, &want, sizeof(want)) == 0);
	lm.records++;
	return 0;
}

static int on_lloss(unsigned int cause, uint64_t count, void *userdata)
{
	const struct litem *it;

	(void)userdata;
	if (lm.unchecked)
		return 0;
	it = litem_next(IT_LOSS);
	CHECK(cause == it->cause);
	if (cause == TSTATS_LOSS_TRUNCATED)
		CHECK(count == ++lm.truncated);
	else
		CHECK(count == ++lm.malformed);
	return 0;
}

static int loss_errno(unsigned int cause)
{
	return cause == TSTATS_LOSS_TRUNCATED ? -EMSGSIZE : -EBADMSG;
}

/* What registration returns: the last error in the input that answers
 * the request (sequence 1, our port), else the fake's ACK. */
static int model_register(uint32_t port)
{
	int result = 0;

	if (fk.q[0].truncated)
		return 0;
	for (unsigned int i = 0; i < md.n; i++) {
		const struct fmsg *f = &md.msg[i];

		if (f->m.cls == MSG_ERROR && f->m.seq == fk.first_seq && f->m.portid == port)
			result = f->m.error;
	}
	return result;
}

static void run_listener(bool with_loss_fn)
{
	struct transport t = { .ops = &ops_single, .portid = FUZZ_PORT, .family = md.family };
	struct tstats_listener_stats st;
	struct tstats_listener *l = NULL;
	int r;

	memset(&lm, 0, sizeof(lm));
	lm.unchecked = md.overflow;
	if (md.n)
		t.portid = md.msg[0].m.portid;
	fake_reset(FAKE_LISTEN, t.portid);
	r = listener_new_with_transport(&t, "0", &l);
	if (!md.overflow)
		CHECK(r == model_register(t.portid));
	if (r < 0)
		return;

	/* The input again, as the next exit message. */
	fake_push(md.data, md.len);
	if (with_loss_fn) {
		r = tstats_listener_dispatch(l, on_lrec, on_lloss, NULL);
		CHECK(r >= 0);
	} else {
		/* Without: each loss ends a call, the next goes on after it. */
		for (unsigned int i = 0; i <= MAX_LITEMS; i++) {
			const struct litem *it;

			r = tstats_listener_dispatch(l, on_lrec, NULL, NULL);
			if (r >= 0 || lm.unchecked)
				break;
			it = litem_next(IT_LOSS);
			CHECK(r == loss_errno(it->cause));
			if (it->cause == TSTATS_LOSS_TRUNCATED)
				lm.truncated++;
			else
				lm.malformed++;
		}
	}
	CHECK(tstats_listener_stats(l, &st) == 0);
	if (lm.unchecked) {
		tstats_listener_free(l);
		return;
	}
	CHECK(r >= 0);
	/* Everything was received and delivered. */
	CHECK(fk.head == fk.n);
	model_listen();
	CHECK(lm.pos == lm.n);
	CHECK(st.records == lm.records && st.messages == lm.messages);
	CHECK(st.truncated == lm.truncated && st.malformed == lm.malformed);
	CHECK(st.overflows == 0 && st.dropped == UINT64_MAX);
	tstats_listener_free(l);
}
#endif /* FUZZ_EXIT_PATH */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t empty[1];

	if (!data)
		data = empty;
	model_build(data, size);
#ifdef FUZZ_EXIT_PATH
	run_listener(true);
	run_listener(false);
#else
	check_raw(data, size);
	run_query(TSTATS_KIND_PID, true);
	run_query(TSTATS_KIND_TGID, false);
#ifdef CGS_CMD_NEW
	run_cgroup();
#endif
	run_batch();
	run_each();
#endif
	return 0;
}
