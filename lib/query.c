/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Queries: one task (tstats_query()), batches and the process view.
 *
 * A batch is sent in chunks: each chunk is one send(2) of many
 * TASKSTATS_CMD_GET requests. The kernel handles every netlink message of
 * a send in turn (netlink_rcv_skb()) and queues one answer per request on
 * our socket before the send returns: the data message, or NLMSG_ERROR
 * (errors are always acknowledged; we ask no ACK for successes). The
 * answers are then drained with recvmmsg(2), matched to their request by
 * sequence number (chunk base + index).
 *
 * The answers of a chunk wait in the socket's receive buffer all at once,
 * and the kernel drops what does not fit (netlink_attachskb(): ENOBUFS on
 * the next receive). So a chunk is never larger than SO_RCVBUF divided by
 * an over-estimate of what one answer costs there. If answers are lost
 * anyway (ENOBUFS, or a datagram larger than our receive slot), the
 * unanswered requests go out again with the next send, and later sends
 * are halved (ENOBUFS) or the slot grows (truncation); the call fails
 * only after sends that brought back no answer at all.
 *
 * Buffers live in the context (struct qstate) and are reused: no
 * allocation per query once they have their size.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <linux/netlink.h>

#include "internal.h"

/* Receive slot per answer: a v16 answer is 596 bytes, v17 724. A larger
 * one is caught by MSG_TRUNC, the slot grows and the id is asked again. */
#define SLOT_MIN 1024u
/* Requests per send at most: beyond ~64 the gain is gone. */
#define CHUNK_MAX 256u
/* SO_RCVBUF asked for on first use (the kernel doubles it). */
#define BATCH_RCVBUF (96 * 1024)
/* Sends in a row without a single answer before giving up. */
#define ROUNDS_MAX 3u

struct qstate {
	uint8_t *sbuf;		/* cap requests */
	uint8_t *rbuf;		/* cap receive slots */
	size_t *lens;		/* cap datagram lengths */
	uint32_t *pend;		/* item index of each request in flight */
	uint8_t *done;		/* answered, per request in flight */
	size_t slot;
	unsigned int cap;	/* requests the buffers hold */
	unsigned int forced;	/* chunk forced by a test, or 0 */
	unsigned int shrink;	/* chunks halved this often after overruns */
	struct qstats stats;
	struct tstats_record rec;	/* what callbacks see */
	uint32_t *tids;		/* the process view's thread list */
	size_t tcap;
};

void qstate_free(struct qstate *qs)
{
	if (!qs)
		return;
	free(qs->sbuf);
	free(qs->rbuf);
	free(qs->lens);
	free(qs->pend);
	free(qs->done);
	free(qs->tids);
	free(qs);
}

static struct qstate *qstate_get(struct tstats_ctx *ctx)
{
	struct qstate **qs = &ctx->qs;
	struct transport *t;
	int cur;

	if (*qs)
		return *qs;
	*qs = calloc(1, sizeof(**qs));
	if (!*qs)
		return NULL;
	(*qs)->slot = SLOT_MIN;
	/*
	 * libnl leaves the socket 32 KiB (64 KiB in effect): 25 answers per
	 * send by our estimate. Ask for room for about 76, never shrink a
	 * larger buffer, and live with a refusal (the sends follow whatever
	 * SO_RCVBUF reads).
	 */
	t = ctx_transport(ctx);
	if (t->ops->get_rcvbuf && t->ops->set_rcvbuf) {
		cur = t->ops->get_rcvbuf(t->impl);
		if (cur >= 0 && cur < 2 * BATCH_RCVBUF)
			t->ops->set_rcvbuf(t->impl, BATCH_RCVBUF);
	}
	return *qs;
}

/* (Re)sizes the buffers for cap requests of slot bytes each. */
static int qstate_reserve(struct qstate *qs, unsigned int cap, size_t slot)
{
	uint8_t *sbuf, *rbuf, *done;
	uint32_t *pend;
	size_t *lens;

	if (cap <= qs->cap && slot == qs->slot && qs->rbuf)
		return 0;
	if (cap < qs->cap)
		cap = qs->cap;
	sbuf = realloc(qs->sbuf, (size_t)cap * REQUEST_U32_LEN);
	if (sbuf)
		qs->sbuf = sbuf;
	rbuf = realloc(qs->rbuf, (size_t)cap * slot);
	if (rbuf)
		qs->rbuf = rbuf;
	lens = realloc(qs->lens, cap * sizeof(*lens));
	if (lens)
		qs->lens = lens;
	pend = realloc(qs->pend, cap * sizeof(*pend));
	if (pend)
		qs->pend = pend;
	done = realloc(qs->done, cap);
	if (done)
		qs->done = done;
	if (!sbuf || !rbuf || !lens || !pend || !done)
		return -ENOMEM;	/* what did grow is kept; cap is not raised */
	qs->cap = cap;
	qs->slot = slot;
	return 0;
}

/*
 * Socket memory one answer takes in the receive buffer (its skb's
 * truesize), over-estimated from the receive slot, which is at least the
 * answer's length. The kernel allocates the answer's data rounded up to
 * 64 bytes plus struct skb_shared_info (320 bytes on x86_64, up to ~800
 * with CONFIG_MAX_SKB_FRAGS=45) and rounds that to a kmalloc size (a power
 * of two at most), then adds struct sk_buff (about 256 bytes). We reckon
 * 1 KiB for the first and 512 bytes for the second: 2560 bytes for a
 * 596-byte v16 answer, which 6.18 charges 1280.
 */
static size_t answer_cost(size_t slot)
{
	size_t data = 64;

	while (data < slot + 1024)
		data <<= 1;
	return data + 512;
}

/* Requests per send for the socket's current SO_RCVBUF. */
static int size_chunk(struct tstats_ctx *ctx, struct qstate *qs, unsigned int *ret)
{
	struct transport *t = ctx_transport(ctx);
	size_t chunk;
	int rcvbuf;

	if (qs->forced) {
		chunk = qs->forced >> qs->shrink;
		if (chunk < 1)
			chunk = 1;
	} else {
		/* Read every call: cheap, and whoever resized the buffer is
		 * then followed. Without the op (fake transports), the
		 * kernel's default net.core.rmem_default. */
		rcvbuf = t->ops->get_rcvbuf ? t->ops->get_rcvbuf(t->impl) : 212992;
		if (rcvbuf < 0)
			return rcvbuf;
		chunk = (size_t)rcvbuf / answer_cost(qs->slot) >> qs->shrink;
		if (chunk < 1)
			chunk = 1;	/* an empty queue takes one answer whatever its size */
		if (chunk > CHUNK_MAX)
			chunk = CHUNK_MAX;
	}
	qs->stats.chunk = (unsigned int)chunk;
	*ret = (unsigned int)chunk;
	return qstate_reserve(qs, (unsigned int)chunk, qs->slot);
}

/* Receives into the slots: the count of datagrams, or -errno. */
static int recv_some(struct transport *t, struct qstate *qs, unsigned int want, int flags)
{
	ssize_t n;

	if (t->ops->recv_many)
		return t->ops->recv_many(t->impl, qs->rbuf, qs->slot, want, qs->lens, flags);
	n = t->ops->recv(t->impl, qs->rbuf, qs->slot, flags);
	if (n < 0)
		return (int)n;
	qs->lens[0] = (size_t)n;
	return 1;
}

/* ---- one task ------------------------------------------------------------ */

/* State of one query while its replies are walked. */
struct query_state {
	struct tstats_ctx *ctx;
	uint32_t seq;
	unsigned int kind;
	struct tstats_record *ret;
	int result;	/* 1 while waiting */
};

static int on_query_msg(const struct codec_msg *m, void *userdata)
{
	struct query_state *q = userdata;
	struct codec_reply rep;
	const struct codec_aggr *a;
	int r;

	/* A reply to another request (e.g. one that timed out) is stale. */
	if (m->seq != q->seq || m->portid != ctx_transport(q->ctx)->portid)
		return 0;
	if (m->cls == MSG_ERROR) {
		if (m->error == 0)	/* an ACK; we asked for none: ignore */
			return 0;
		q->result = m->error;
		return 1;
	}
	if (m->cls != MSG_DATA)
		return 0;
	if (m->cmd != TS_CMD_NEW) {
		q->result = -EBADMSG;
		return 1;
	}
	r = codec_parse_new(m->attrs, m->attrs_len, &rep);
	if (r < 0) {
		q->result = r;
		return 1;
	}
	a = q->kind == TSTATS_KIND_TGID ? &rep.tgid : &rep.pid;
	if (!a->found) {
		q->result = -EBADMSG;
		return 1;
	}
	r = codec_decode_plan(ctx_plan(q->ctx, q->kind), a->stats, a->stats_len, q->kind,
			      q->ret);
	if (r < 0) {
		q->result = r;
		return 1;
	}
	q->ret->id = a->id;
	q->result = 0;
	return 1;
}

static int send_request(struct tstats_ctx *ctx, unsigned int kind, uint32_t id,
			uint32_t *seq)
{
	struct transport *t = ctx_transport(ctx);
	uint8_t *req = ctx_request(ctx, kind);

	/* The template itself is patched and sent: no copy per query. */
	*seq = ctx_seq_block(ctx, 1);
	request_patch(req, *seq, id);
	return t->ops->send(t->impl, req, REQUEST_U32_LEN);
}

TSTATS_EXPORT int tstats_query(struct tstats_ctx *ctx, unsigned int kind, uint32_t id,
			       struct tstats_record *ret)
{
	struct query_state q;
	struct transport *t;
	bool resent = false;
	uint8_t *rbuf;
	size_t rcap;
	int r;

	if (!ctx || !ret || (kind != TSTATS_KIND_PID && kind != TSTATS_KIND_TGID))
		return -EINVAL;

	/* *ret is written only when our complete reply has arrived. */
	q = (struct query_state){ .ctx = ctx, .kind = kind, .ret = ret, .result = 1 };
	r = send_request(ctx, kind, id, &q.seq);
	if (r < 0)
		return r;

	t = ctx_transport(ctx);
	rbuf = ctx->rbuf;
	rcap = ctx->rcap;
	while (q.result == 1) {
		ssize_t n = t->ops->recv(t->impl, rbuf, rcap, 0);

		if (n == -EAGAIN)
			return -ETIMEDOUT;
		if (n < 0)
			return (int)n;
		if ((size_t)n > rcap) {
			/*
			 * The datagram was larger than our buffer and is lost.
			 * Grow to fit and ask again once; the truncated reply
			 * (if it was ours) now carries a stale sequence.
			 */
			r = ctx_rbuf_grow(ctx, (size_t)n);
			if (r < 0)
				return r;
			rbuf = ctx->rbuf;
			rcap = ctx->rcap;
			if (resent)
				return -EMSGSIZE;
			resent = true;
			r = send_request(ctx, kind, id, &q.seq);
			if (r < 0)
				return r;
			continue;
		}
		r = codec_walk(rbuf, (size_t)n, t->family, on_query_msg, &q);
		if (r < 0)
			return r;
	}
	return q.result;
}

/* ---- batches ------------------------------------------------------------- */

/*
 * One answer for item i: err 0 and rec, or the item's error and NULL.
 * Returns 0 to go on, > 0 to stop, < 0 to abort.
 */
typedef int (*item_sink)(void *u, size_t i, int err, const struct tstats_record *rec);

struct job {
	unsigned int kind;
	const uint32_t *ids;
	struct tstats_record *recs;	/* decode into recs[i], or qs->rec */
	item_sink sink;
	void *u;
	int stop;	/* what the sink returned to stop or abort */
	int fatal;	/* an error of the whole call carried by an answer */
	/* CLOCK_MONOTONIC just before and just after the send of the round
	 * being delivered: the kernel built each of its answers in between
	 * (query_each_timed()). */
	uint64_t sent_lo, sent_hi;
};

struct chunk_walk {
	struct tstats_ctx *ctx;
	struct qstate *qs;
	struct job *job;
	struct codec_plan *plan;
	uint32_t portid;
	uint32_t seq0;
	unsigned int m;
	unsigned int answered;
};

static void deliver(struct chunk_walk *w, size_t item, int err, const struct codec_aggr *a)
{
	struct job *j = w->job;
	struct tstats_record *rec = NULL;

	/* EPERM: the kernel refused the command, not this task. */
	if (err == -EPERM) {
		j->fatal = err;
		return;
	}
	if (j->stop || j->fatal)
		return;	/* draining after a stop */
	if (err == 0) {
		rec = j->recs ? &j->recs[item] : &w->qs->rec;
		err = codec_decode_plan(w->plan, a->stats, a->stats_len, j->kind, rec);
		if (err == 0)
			rec->id = a->id;
		else
			rec = NULL;
	}
	j->stop = j->sink(j->u, item, err, rec);
}

static int on_chunk_msg(const struct codec_msg *m, void *userdata)
{
	struct chunk_walk *w = userdata;
	uint32_t k = m->seq - w->seq0;
	struct codec_reply rep;
	const struct codec_aggr *a = NULL;
	int err;

	/* Another request's answer (one abandoned earlier), an ACK (none
	 * asked), or something that is not an answer: not ours. */
	if (m->portid != w->portid || k >= w->m || w->qs->done[k])
		return 0;
	if (m->cls == MSG_OTHER || (m->cls == MSG_ERROR && m->error == 0))
		return 0;
	w->qs->done[k] = 1;
	w->answered++;
	if (m->cls == MSG_ERROR) {
		err = m->error;
	} else if (m->cmd != TS_CMD_NEW) {
		err = -EBADMSG;
	} else {
		err = codec_parse_new(m->attrs, m->attrs_len, &rep);
		if (err == 0) {
			a = w->job->kind == TSTATS_KIND_TGID ? &rep.tgid : &rep.pid;
			if (!a->found)
				err = -EBADMSG;
		}
	}
	deliver(w, w->qs->pend[k], err, a);
	return 0;
}

/* What one send's round brought back. */
struct round {
	unsigned int answered;
	size_t need;		/* largest truncated datagram */
	bool lost;		/* answers lost: not all will come */
	bool overrun;		/* ENOBUFS: the kernel dropped some */
};

/* Sends the requests qs->pend[0..m) in one datagram and collects their
 * answers, until all came or some are known to be lost. */
static int run_round(struct tstats_ctx *ctx, struct qstate *qs, struct job *j, unsigned int m,
		     struct round *rd)
{
	struct transport *t = ctx_transport(ctx);
	struct chunk_walk w = {
		.ctx = ctx, .qs = qs, .job = j, .m = m,
		.plan = ctx_plan(ctx, j->kind), .portid = t->portid,
	};
	int flags = 0;
	int r;

	w.seq0 = ctx_seq_block(ctx, m);
	for (unsigned int i = 0; i < m; i++) {
		uint8_t *req = qs->sbuf + (size_t)i * REQUEST_U32_LEN;

		memcpy(req, ctx_request(ctx, j->kind), REQUEST_U32_LEN);
		request_patch(req, w.seq0 + i, j->ids[qs->pend[i]]);
		qs->done[i] = 0;
	}
	j->sent_lo = mono_ns();
	r = t->ops->send(t->impl, qs->sbuf, (size_t)m * REQUEST_U32_LEN);
	j->sent_hi = mono_ns();
	if (r < 0)
		return r;
	qs->stats.chunks++;

	while (w.answered < m) {
		unsigned int want = m - w.answered;
		int got = recv_some(t, qs, want < qs->cap ? want : qs->cap, flags);

		if (got == -EAGAIN) {
			if (flags)
				break;	/* drained: the rest is lost */
			return -ETIMEDOUT;
		}
		if (got == -ENOBUFS) {
			/*
			 * Answers were dropped. All that the kernel kept
			 * were queued before our send returned: take them
			 * without waiting; the rest is asked again.
			 */
			qs->stats.overruns++;
			rd->lost = rd->overrun = true;
			flags = MSG_DONTWAIT;
			continue;
		}
		if (got < 0)
			return got;
		for (int g = 0; g < got; g++) {
			const uint8_t *buf = qs->rbuf + (size_t)g * qs->slot;

			if (qs->lens[g] > qs->slot) {
				/* Truncated: asked again with a larger slot. */
				qs->stats.truncated++;
				if (qs->lens[g] > rd->need)
					rd->need = qs->lens[g];
				rd->lost = true;
				flags = MSG_DONTWAIT;
				continue;
			}
			r = codec_walk(buf, qs->lens[g], t->family, on_chunk_msg, &w);
			if (r < 0) {
				/* Malformed: whose answer it was is unknown. */
				rd->lost = true;
				flags = MSG_DONTWAIT;
			}
		}
	}
	rd->answered = w.answered;
	return 0;
}

/*
 * Runs a job over items 0..n-1. Requests go out in sends of the size the
 * receive buffer allows; the unanswered requests of a lossy send stay
 * pending, in front of the next one. Every send gets at least one answer
 * (an empty receive queue always takes one), so this ends; a few sends
 * without any answer mean something else is wrong.
 */
static int run_job(struct tstats_ctx *ctx, struct job *j, size_t n)
{
	struct qstate *qs = qstate_get(ctx);
	unsigned int m = 0, stuck = 0;
	size_t pos = 0;
	int r;

	if (!qs)
		return -ENOMEM;
	while ((pos < n || m > 0) && !j->stop) {
		struct round rd = { 0 };
		unsigned int limit, s, k;

		/* Sized per send: a lost answer may have grown the slot. */
		r = size_chunk(ctx, qs, &limit);
		if (r < 0)
			return r;
		while (m < limit && pos < n)
			qs->pend[m++] = (uint32_t)pos++;
		s = m < limit ? m : limit;
		r = run_round(ctx, qs, j, s, &rd);
		if (r < 0)
			return r;
		if (j->fatal)
			return j->fatal;

		k = 0;
		for (unsigned int i = 0; i < s; i++)
			if (!qs->done[i])
				qs->pend[k++] = qs->pend[i];
		qs->stats.retries += k;
		for (unsigned int i = s; i < m; i++)
			qs->pend[k++] = qs->pend[i];
		m = k;

		if (rd.need) {
			r = qstate_reserve(qs, qs->cap, (rd.need + 63) & ~(size_t)63);
			if (r < 0)
				return r;
		}
		/* Our estimate of an answer's cost was too low for this
		 * kernel: halve the sends from now on. */
		if (rd.overrun && qs->shrink < 6)
			qs->shrink++;
		if (rd.answered > 0)
			stuck = 0;
		else if (++stuck >= ROUNDS_MAX)
			return rd.need ? -EMSGSIZE : -ENOBUFS;
	}
	return 0;
}

static int check_args(struct tstats_ctx *ctx, unsigned int kind, const uint32_t *ids, size_t n)
{
	if (!ctx || (kind != TSTATS_KIND_PID && kind != TSTATS_KIND_TGID))
		return -EINVAL;
	if ((n > 0 && !ids) || n > INT_MAX || n > UINT32_MAX)
		return -EINVAL;
	return 0;
}

struct array_sink {
	int *errs;
	int filled;
};

static int array_put(void *u, size_t i, int err, const struct tstats_record *rec)
{
	struct array_sink *s = u;

	s->errs[i] = err;
	if (err == 0)
		s->filled++;
	return 0;
}

TSTATS_EXPORT int tstats_query_batch(struct tstats_ctx *ctx, unsigned int kind, const uint32_t *ids,
				     size_t n, struct tstats_record *recs, int *errs)
{
	struct array_sink s = { .errs = errs };
	struct job j = { .kind = kind, .ids = ids, .recs = recs, .sink = array_put, .u = &s };
	int r;

	r = check_args(ctx, kind, ids, n);
	if (r < 0)
		return r;
	if (n > 0 && (!recs || !errs))
		return -EINVAL;
	r = run_job(ctx, &j, n);
	if (r < 0)
		return r;
	return s.filled;
}

struct each_sink {
	const uint32_t *ids;
	tstats_item_fn fn;
	void *userdata;
	int delivered;
};

static int each_put(void *u, size_t i, int err, const struct tstats_record *rec)
{
	struct each_sink *s = u;

	if (err == 0)
		s->delivered++;
	return s->fn(s->ids[i], err, rec, s->userdata);
}

TSTATS_EXPORT int tstats_query_each(struct tstats_ctx *ctx, unsigned int kind, const uint32_t *ids,
				    size_t n, tstats_item_fn fn, void *userdata)
{
	struct each_sink s = { .ids = ids, .fn = fn, .userdata = userdata };
	struct job j = { .kind = kind, .ids = ids, .sink = each_put, .u = &s };
	int r;

	r = check_args(ctx, kind, ids, n);
	if (r < 0)
		return r;
	if (!fn)
		return -EINVAL;
	r = run_job(ctx, &j, n);
	if (r < 0)
		return r;
	if (j.stop < 0)
		return j.stop;
	return s.delivered;
}

struct timed_sink {
	const struct job *job;
	timed_item_fn fn;
	void *userdata;
};

static int timed_put(void *u, size_t i, int err, const struct tstats_record *rec)
{
	struct timed_sink *s = u;

	return s->fn(i, err, rec, s->job->sent_lo, s->job->sent_hi, s->userdata);
}

int query_each_timed(struct tstats_ctx *ctx, unsigned int kind, const uint32_t *ids, size_t n,
		     timed_item_fn fn, void *userdata)
{
	struct job j = { .kind = kind, .ids = ids, .sink = timed_put };
	struct timed_sink s = { .job = &j, .fn = fn, .userdata = userdata };
	int r;

	r = check_args(ctx, kind, ids, n);
	if (r < 0)
		return r;
	j.u = &s;
	r = run_job(ctx, &j, n);
	if (r < 0)
		return r;
	return j.stop < 0 ? j.stop : 0;
}

/*
 * Process view: per-thread PID records summed for the counters the
 * kernel leaves out of TGID records; the leader's record kept.
 */
struct sum_sink {
	uint32_t want;		/* the id asked for */
	bool have_leader;
	struct tstats_record leader;
	/* Counters: summed. The delay extremes (*_delay_max with its
	 * *_delay_max_ts, *_delay_min): the longest, the shortest non-zero. */
	uint64_t sum[TSTATS_F__COUNT];
	uint64_t present[TSTATS_FIELD_CAPACITY / 64];
	uint64_t extreme[TSTATS_FIELD_CAPACITY / 64];	/* fields folded so */
	uint32_t threads;
};

static bool is_leader(const struct tstats_record *rec, uint32_t want)
{
	uint64_t pid, tgid;

	if (tstats_record_get(rec, TSTATS_F_TGID, &tgid) == 0 &&
	    tstats_record_get(rec, TSTATS_F_PID, &pid) == 0)
		return tgid == pid;
	/* Before v12 records name no group: trust the caller's id. */
	return rec->id == want;
}

static bool sum_has(const struct sum_sink *s, int f)
{
	return f >= 0 && mask_has(s->present, (unsigned int)f);
}

static void sum_set(struct sum_sink *s, int f, uint64_t v)
{
	s->sum[f] = v;
	mask_set(s->present, (unsigned int)f);
	mask_set(s->extreme, (unsigned int)f);
}

/* Folds one thread's delay extremes into the group's. A minimum of 0
 * means no delay of that class yet. */
static void fold_extremes(struct sum_sink *s, const struct tstats_record *rec)
{
	for (unsigned int c = 0; c < tstats_delay_class_count(); c++) {
		const struct tstats_delay_class *dc = tstats_delay_class(c);
		uint64_t v;

		if (dc->max >= 0 && tstats_record_get(rec, (unsigned int)dc->max, &v) == 0 &&
		    (!sum_has(s, dc->max) || v > s->sum[dc->max])) {
			sum_set(s, dc->max, v);
			if (dc->max_ts >= 0 && tstats_record_has(rec, (unsigned int)dc->max_ts))
				sum_set(s, dc->max_ts, rec->value[dc->max_ts]);
		}
		if (dc->min >= 0 && tstats_record_get(rec, (unsigned int)dc->min, &v) == 0 &&
		    (!sum_has(s, dc->min) || (v && (!s->sum[dc->min] || v < s->sum[dc->min]))))
			sum_set(s, dc->min, v);
	}
}

static int sum_put(void *u, size_t i, int err, const struct tstats_record *rec)
{
	struct sum_sink *s = u;

	/* A thread that exited since /proc listed it: its counts are gone. */
	if (err)
		return 0;
	s->threads++;
	for (unsigned int f = 0; f < TSTATS_F__COUNT; f++) {
		if (!field_is_counter(f) || !tstats_record_has(rec, f))
			continue;
		s->sum[f] += rec->value[f];
		mask_set(s->present, f);
	}
	fold_extremes(s, rec);
	if (!s->have_leader && is_leader(rec, s->want)) {
		s->leader = *rec;
		s->have_leader = true;
	}
	return 0;
}

/* The thread list of id's group into qs->tids; its length or -errno. */
static int list_group(struct qstate *qs, uint32_t id)
{
	for (int tries = 0; tries < 8; tries++) {
		int n = tasks_list_threads(id, qs->tids, qs->tcap);
		uint32_t *nt;
		size_t cap;

		if (n < 0 || (size_t)n <= qs->tcap)
			return n;
		cap = (size_t)n + 64;	/* margin: threads keep coming */
		nt = realloc(qs->tids, cap * sizeof(*nt));
		if (!nt)
			return -ENOMEM;
		qs->tids = nt;
		qs->tcap = cap;
	}
	return -EAGAIN;
}

TSTATS_EXPORT int tstats_query_process(struct tstats_ctx *ctx, uint32_t tgid,
				       struct tstats_process *ret)
{
	struct sum_sink s = { .want = tgid };
	struct job j = { .kind = TSTATS_KIND_PID, .sink = sum_put, .u = &s };
	struct tstats_record group;
	struct tstats_process p;
	struct qstate *qs;
	uint64_t leader_tgid;
	bool empty;
	int n, r;

	if (!ctx || !ret)
		return -EINVAL;
	qs = qstate_get(ctx);
	if (!qs)
		return -ENOMEM;
	n = list_group(qs, tgid);
	if (n < 0)
		return n;
	j.ids = qs->tids;
	r = run_job(ctx, &j, (size_t)n);
	if (r < 0)
		return r;
	if (!s.have_leader)
		return -ESRCH;
	if (tstats_record_get(&s.leader, TSTATS_F_TGID, &leader_tgid) == 0 && leader_tgid)
		tgid = (uint32_t)leader_tgid;
	r = tstats_query(ctx, TSTATS_KIND_TGID, tgid, &group);
	if (r < 0)
		return r;

	memset(&p, 0, sizeof(p));
	p.rec.kind = TSTATS_KIND_TGID;
	p.rec.id = tgid;
	p.rec.version = group.version;
	p.rec.payload_len = group.payload_len;
	p.rec.flags = group.flags;
	p.threads = s.threads;
	/* A zombie's group record counted nothing: its threads' final
	 * records (the leader's, at least) stand in for it. */
	empty = group.flags & TSTATS_RECORD_EMPTY_GROUP;
	for (unsigned int f = 0; f < TSTATS_F__COUNT; f++) {
		if (tstats_fields[f].info.in_tgid &&
		    !(empty && f != TSTATS_F_VERSION)) {
			if (!tstats_record_has(&group, f))
				continue;
			p.rec.value[f] = group.value[f];
			mask_set(p.from_tgid, f);
		} else if (field_is_counter(f) || mask_has(s.extreme, f)) {
			if (!mask_has(s.present, f))
				continue;
			p.rec.value[f] = s.sum[f];
			mask_set(p.from_threads, f);
		} else {
			if (!tstats_record_has(&s.leader, f))
				continue;
			p.rec.value[f] = s.leader.value[f];
			if (f == TSTATS_F_COMM)
				memcpy(p.rec.comm, s.leader.comm, sizeof(p.rec.comm));
			mask_set(p.from_leader, f);
		}
		mask_set(p.rec.present, f);
	}
	memcpy(ret, &p, sizeof(p));
	return 0;
}

TSTATS_EXPORT int tstats_process_source(const struct tstats_process *p, unsigned int field)
{
	if (!p || field >= TSTATS_FIELD_CAPACITY)
		return TSTATS_SOURCE_NONE;
	if (mask_has(p->from_tgid, field))
		return TSTATS_SOURCE_TGID;
	if (mask_has(p->from_threads, field))
		return field_is_counter(field) ? TSTATS_SOURCE_THREAD_SUM :
						 TSTATS_SOURCE_THREAD_EXTREME;
	if (mask_has(p->from_leader, field))
		return TSTATS_SOURCE_LEADER;
	return TSTATS_SOURCE_NONE;
}

int query_stats(struct tstats_ctx *ctx, struct qstats *ret)
{
	struct qstate *qs = qstate_get(ctx);

	if (!qs)
		return -ENOMEM;
	*ret = qs->stats;
	return 0;
}

int query_force_chunk(struct tstats_ctx *ctx, unsigned int chunk)
{
	struct qstate *qs = qstate_get(ctx);

	if (!qs)
		return -ENOMEM;
	qs->forced = chunk;
	return 0;
}
