/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal interfaces shared by the library's modules and its tests. */
#ifndef TSTATS_INTERNAL_H
#define TSTATS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "libtaskstats.h"

#define TSTATS_EXPORT __attribute__((visibility("default")))

/* CLOCK_MONOTONIC in ns: the kernel's clock of ac_etime (monitor.c,
 * query.c). */
static inline uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Field masks: one bit per field id, uint64_t[TSTATS_FIELD_CAPACITY / 64]
 * (a record's present[], the process view's sources, the rates' valid[]). */
static inline void mask_set(uint64_t *mask, unsigned int f)
{
	mask[f / 64] |= UINT64_C(1) << (f % 64);
}

static inline void mask_clear(uint64_t *mask, unsigned int f)
{
	mask[f / 64] &= ~(UINT64_C(1) << (f % 64));
}

static inline bool mask_has(const uint64_t *mask, unsigned int f)
{
	return (mask[f / 64] >> (f % 64)) & 1;
}

/*
 * Kernel protocol constants (include/uapi/linux/taskstats.h and
 * cgroupstats.h). Spelled out here so that nothing depends on the build
 * host's headers, whose struct taskstats may be older than the kernel's.
 */
#define TS_GENL_NAME		"TASKSTATS"
#define TS_GENL_VERSION		1
#define TS_CMD_GET		1
#define TS_CMD_NEW		2
#define TS_CMD_ATTR_PID		1
#define TS_CMD_ATTR_TGID	2
#define TS_CMD_ATTR_REGISTER_CPUMASK	3
#define TS_CMD_ATTR_DEREGISTER_CPUMASK	4
#define TS_TYPE_PID		1
#define TS_TYPE_TGID		2
#define TS_TYPE_STATS		3
#define TS_TYPE_AGGR_PID	4
#define TS_TYPE_AGGR_TGID	5
#define TS_TYPE_NULL		6
#define CGS_CMD_GET		4	/* CGROUPSTATS_CMD_GET */
#define CGS_CMD_NEW		5	/* CGROUPSTATS_CMD_NEW */
#define CGS_CMD_ATTR_FD		1	/* u32, in the sender's fd table */
#define CGS_TYPE_CGROUP_STATS	1	/* struct cgroupstats, 5 x __u64 */
#define CGS_STATS_LEN		40u

/* Struct layouts the decoder knows (see fields.c). */
enum layout {
	LAYOUT_MODERN = 0,	/* v4..v14, v16, v17 and newer: append-only */
	LAYOUT_V1,		/* v1: 72 bytes, own layout */
	LAYOUT_V23,		/* v2, v3: before the aligned(8) fix */
	LAYOUT_V15,		/* v15 (and 6.14-rc "v14" of 560 bytes) */
	LAYOUT__N
};

#define OFF_NONE 0xffffu

enum value_kind {
	VK_UNSIGNED = 0,	/* little/native-endian unsigned of .size bytes */
	VK_SIGNED8,		/* __u8 holding a signed value (ac_nice) */
	VK_STRING,		/* char[.size] */
	VK_TIMESPEC,		/* struct __kernel_timespec: s64 sec, s64 nsec */
};

struct field_def {
	struct tstats_field_info info;
	uint8_t size;
	uint8_t vkind;		/* enum value_kind */
	uint16_t off[LAYOUT__N];
};

extern const struct field_def tstats_fields[TSTATS_F__COUNT];

/* Payload size of each known version in the modern/own layout; 0 unknown. */
size_t tstats_version_size(unsigned int version);

/* Internal decoder shared by tstats_decode() and the reply parser. */
int codec_decode(const void *payload, size_t len, unsigned int kind,
		 unsigned int fallback_version, struct tstats_record *rec);
/* A process's exit record from a kernel that summed only the threads'
 * delays into it (ac_etime 0): its age, CPU times and context switches
 * become absent. */
void codec_drop_unsummed(struct tstats_record *rec);

/*
 * A decoding plan (codec.c): the copies codec_decode() makes for payloads
 * of one version field, kind and length class, worked out once. Decoding
 * with a plan gives the same record byte for byte; payloads the plan does
 * not cover (version 0, short payloads, another version or kind) take
 * codec_decode() and the plan is rebuilt for the next one. Plans live in
 * contexts (no global state); a zeroed plan is valid and empty.
 */
struct codec_op {
	uint16_t off;		/* payload offset */
	uint16_t len;		/* runs: bytes (8 per field); others: size */
	uint8_t field;		/* (first) field id */
	uint8_t vkind;		/* enum value_kind */
};

struct codec_plan {
	uint16_t version;	/* payload version field; 0: no plan yet */
	uint8_t nruns;		/* runs[]: adjacent 8-byte unsigned, memcpy'd */
	uint8_t nnarrow;	/* narrow[]: 1-4 byte unsigned, 8-byte load masked */
	uint8_t nops;		/* ops[]: every other field, by kind */
	uint8_t nzero;		/* zero[]: record ranges no field writes */
	uint32_t kind;
	uint32_t layout;	/* enum layout: v14 has two, by length */
	uint32_t min_len;	/* shorter payloads are decoded field by field */
	uint32_t flags;		/* record flags of every covered payload */
	uint64_t present[TSTATS_FIELD_CAPACITY / 64];
	/* .off/.len: byte ranges of value[] and comm[] to clear */
	struct codec_op zero[TSTATS_FIELD_CAPACITY / 2 + 1];
	struct codec_op runs[TSTATS_F__COUNT];
	struct codec_op narrow[TSTATS_F__COUNT];
	struct codec_op ops[TSTATS_F__COUNT];
};

int codec_decode_plan(struct codec_plan *plan, const void *payload, size_t len,
		      unsigned int kind, struct tstats_record *rec);

/*
 * Requests (request.c): every message the library sends is built there,
 * with libnl. A TASKSTATS_CMD_GET for one task is REQUEST_U32_LEN bytes,
 * its sequence number and id at fixed offsets: a context keeps one
 * template per kind and callers patch copies of it.
 */
#define REQUEST_U32_LEN		28u	/* nlmsghdr + genlmsghdr + u32 attr */
#define REQUEST_SEQ_OFF		8u
#define REQUEST_ATTR_OFF	20u
#define REQUEST_ID_OFF		24u
struct nl_msg;
struct transport;
/* A request of cmd with one attribute (len bytes at data) and flags on
 * top of NLM_F_REQUEST, from the transport's port to its family; free it
 * with nlmsg_free(). */
int request_new(const struct transport *t, uint32_t seq, uint8_t cmd, uint16_t flags, int attr,
		const void *data, size_t len, struct nl_msg **ret);
/* The same, sent: 0 or -errno. */
int request_send(const struct transport *t, uint32_t seq, uint8_t cmd, uint16_t flags, int attr,
		 const void *data, size_t len);
/* The TASKSTATS_CMD_GET template of kind (sequence and id 0) into out. */
int request_template(const struct transport *t, unsigned int kind,
		     uint8_t out[REQUEST_U32_LEN]);
/* Patches a copy of a template. */
static inline void request_patch(uint8_t *req, uint32_t seq, uint32_t id)
{
	memcpy(req + REQUEST_SEQ_OFF, &seq, sizeof(seq));
	memcpy(req + REQUEST_ID_OFF, &id, sizeof(id));
}

/*
 * Reply parsing (codec.c). A TASKSTATS_CMD_NEW message's attributes are
 * walked; AGGR_PID goes to out->pid and AGGR_TGID to out->tgid, each with
 * its STATS payload located (not yet decoded).
 */
struct codec_aggr {
	const uint8_t *stats;	/* points into the message */
	uint32_t stats_len;
	uint32_t id;
	bool found;
};

struct codec_reply {
	struct codec_aggr pid;
	struct codec_aggr tgid;
};

int codec_parse_new(const void *attrs, size_t len, struct codec_reply *out);

/*
 * One received netlink message, as classified by codec_classify():
 *  MSG_DATA: a taskstats message; attrs/attrs_len locate its attributes.
 *  MSG_ERROR: NLMSG_ERROR; error holds the kernel's (negative) errno or 0.
 *  MSG_OTHER: anything else (NLMSG_NOOP, NLMSG_DONE, other families).
 */
enum msg_class { MSG_OTHER = 0, MSG_DATA, MSG_ERROR };

struct codec_msg {
	enum msg_class cls;
	uint32_t seq;
	uint32_t portid;
	uint16_t type;
	uint16_t nlflags;
	uint8_t cmd;
	int error;
	const uint8_t *attrs;
	size_t attrs_len;
};

/*
 * Walks a datagram of netlink messages. Calls fn for each message; stops
 * when fn returns non-zero and returns that value. Returns -EBADMSG on a
 * malformed header (bogus nlmsg_len), 0 at the end.
 */
typedef int (*codec_msg_fn)(const struct codec_msg *msg, void *userdata);
int codec_walk(const void *buf, size_t len, uint16_t family,
	       codec_msg_fn fn, void *userdata);

/*
 * Transport (transport.c): the only code that touches a socket. Tests swap
 * it for a fake kernel.
 */
struct transport_ops {
	/* Send one buffer; 0 or -errno. */
	int (*send)(void *impl, const void *buf, size_t len);
	/* Receive one datagram into buf; its full length (may exceed cap:
	 * truncated), or -errno (-EAGAIN: timeout or, with MSG_DONTWAIT,
	 * nothing pending; -ENOBUFS: the socket overflowed). flags: 0 or
	 * MSG_DONTWAIT. */
	ssize_t (*recv)(void *impl, void *buf, size_t cap, int flags);
	/* Set the receive timeout. */
	int (*set_timeout)(void *impl, unsigned int msec);
	/* Set the receive buffer size in bytes (SO_RCVBUFFORCE when
	 * privileged, else SO_RCVBUF); returns the size in effect or -errno. */
	int (*set_rcvbuf)(void *impl, int bytes);
	/* The descriptor to poll, or -EBADF for transports without one. */
	int (*get_fd)(void *impl);
	/*
	 * Optional (query.c falls back to recv): receive up to n datagrams,
	 * datagram i into buf + i * slot; lens[i] gets its full length (>
	 * slot: truncated). Waits (up to the timeout, unless flags has
	 * MSG_DONTWAIT) for the first only, then takes what is already
	 * queued. Returns how many (>= 1, may be < n) or -errno as recv.
	 */
	int (*recv_many)(void *impl, void *buf, size_t slot, unsigned int n,
			 size_t *lens, int flags);
	/* Optional: the receive buffer size in effect (SO_RCVBUF), or -errno. */
	int (*get_rcvbuf)(void *impl);
	void (*close)(void *impl);
};

struct transport {
	const struct transport_ops *ops;
	void *impl;
	uint32_t portid;
	uint16_t family;
};

/* Opens a generic-netlink socket and resolves the TASKSTATS family. */
int transport_open_netlink(struct transport *t);

/* libnl's NLE_* code to a negative errno: the one place that translates. */
int tstats_errno_from_nle(int nle);

/* For the fake kernel in tests: a context over any transport. */
int ctx_new_with_transport(const struct transport *t, struct tstats_ctx **ret);

/*
 * A query context (ctx.c makes and frees it; query.c and cgroup.c query
 * through it). Defined here so that the query paths reach its members
 * without a function call per member.
 */
struct qstate;
struct tstats_ctx {
	struct transport t;
	uint32_t seq;			/* the last sequence number used */
	unsigned int timeout_ms;
	uint8_t req[2][REQUEST_U32_LEN];	/* templates: [0] PID, [1] TGID */
	uint8_t *rbuf;			/* single exchanges' receive buffer */
	size_t rcap;
	struct codec_plan plan[2];	/* decoding plans, [0] PID, [1] TGID */
	struct qstate *qs;		/* query.c's batch state, made on first use */
};

/* query.c frees its batch state with the context. */
void qstate_free(struct qstate *qs);

static inline struct transport *ctx_transport(struct tstats_ctx *ctx)
{
	return &ctx->t;
}

/* Reserves n consecutive sequence numbers, none of them 0 (exit events
 * carry it) and none wrapping inside the block (seq - first indexes it),
 * and returns the first. */
static inline uint32_t ctx_seq_block(struct tstats_ctx *ctx, uint32_t n)
{
	uint32_t first = ctx->seq + 1;

	if (first == 0 || first > UINT32_MAX - n)
		first = 1;
	ctx->seq = first + n - 1;
	return first;
}

static inline struct codec_plan *ctx_plan(struct tstats_ctx *ctx, unsigned int kind)
{
	return &ctx->plan[kind == TSTATS_KIND_TGID];
}

/* The request template of kind (request_template()): copied and patched
 * by batches, patched in place by single queries. */
static inline uint8_t *ctx_request(struct tstats_ctx *ctx, unsigned int kind)
{
	return ctx->req[kind == TSTATS_KIND_TGID];
}

/* Grows the receive buffer to n bytes: 0 or -ENOMEM. */
int ctx_rbuf_grow(struct tstats_ctx *ctx, size_t n);

/*
 * cgroupstats (codec.c): the parser of a CGROUPSTATS_CMD_NEW message's
 * attributes: 0 with *out filled, or -EBADMSG (no stats attribute, a
 * payload shorter than the 40 bytes every kernel sends, or malformed
 * attributes).
 */
int codec_parse_cgroupstats(const void *attrs, size_t len,
			    struct tstats_cgroupstats *out);

/*
 * Counter fields (rates.c): values that only grow over a task's life
 * (times, counts, bytes, memory integrals), so that they can be
 * differenced and summed; not identities, ages, peaks or delay max/min.
 */
bool field_is_counter(unsigned int field);

/* The thread ids of id's thread group from /proc/ID/task (tasks.c): the
 * count, which may exceed cap (only cap written), or -ESRCH, -errno. */
int tasks_list_threads(uint32_t id, uint32_t *ids, size_t cap);

/*
 * For the monitor (monitor.c): tstats_query_each() by item index, with the
 * CLOCK_MONOTONIC window [lo, hi] in which the kernel built the answer
 * (the send of its round): a task's start time is then its answer's
 * elapsed time before that window. Returns 0, the negative value fn
 * returned to abort, or an error of the whole call.
 */
typedef int (*timed_item_fn)(size_t i, int err, const struct tstats_record *rec,
			     uint64_t lo, uint64_t hi, void *userdata);
int query_each_timed(struct tstats_ctx *ctx, unsigned int kind, const uint32_t *ids, size_t n,
		     timed_item_fn fn, void *userdata);

/* Fills the per-second rates and the CPU and delay percentages of r from
 * its interval_ns, valid[] and delta[] (rates.c). */
void rates_finish(struct tstats_rates *r);

/* Every thread in /proc with its thread group (tasks.c): tids[i] belongs
 * to tgids[i]. The count, which may exceed cap (only cap written), or
 * -errno. */
int tasks_list_pairs(uint32_t *tids, uint32_t *tgids, size_t cap);

/* For tests: the batch engine's counters and knobs (query.c). */
struct qstats {
	uint64_t chunks;	/* sendto()s of request batches */
	uint64_t retries;	/* requests sent again (lost replies) */
	uint64_t overruns;	/* ENOBUFS seen on the socket */
	uint64_t truncated;	/* replies larger than a receive slot */
	unsigned int chunk;	/* requests per send, as last sized */
};
int query_stats(struct tstats_ctx *ctx, struct qstats *ret);
/* Forces the requests per send (0: size from SO_RCVBUF again). */
int query_force_chunk(struct tstats_ctx *ctx, unsigned int chunk);

/*
 * Exit listeners (listen.c). cpulist_normalize() checks a cpulist's syntax
 * (-EINVAL) and that every CPU is in possible (-ERANGE), and rewrites it as
 * plain ranges ("0-3,7") in *ret (free() it); *count gets the number of
 * CPUs. list NULL: every possible CPU. possible NULL: read from sysfs.
 */
int cpulist_normalize(const char *list, const char *possible, char **ret,
		      unsigned int *count);

/* For the fake kernel in tests: registers cpulist (sent as given) over any
 * transport. On failure the caller still owns the transport. */
int listener_new_with_transport(const struct transport *t, const char *cpulist,
				struct tstats_listener **ret);

#endif
