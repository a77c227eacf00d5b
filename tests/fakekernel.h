/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fake taskstats kernel of the unit suites (test-query, test-cgroup,
 * test-listen, test-batch): a transport (lib/internal.h) whose other end
 * is this module instead of a netlink socket.
 *
 * What the library sends is checked as the kernel's generic netlink code
 * would parse it and logged (sends, requests, the last request, the bytes
 * of the first FK_MAX_TX sends). What it receives comes, in this order,
 * from:
 *
 *  1. the receive queue: datagrams the test pushed (fk_push*()), and the
 *     answers the fake made to requests (below). The queue holds
 *     `capacity` answers; an answer past it is dropped and the next
 *     receive fails with -ENOBUFS, as a netlink socket does;
 *  2. the script (fk_script()): one step per receive, each answering the
 *     last request in a given way (enum fk_step) when it is received;
 *     a receive past the end of a script fails the test (it would hang
 *     on a real kernel);
 *  3. otherwise -EAGAIN: the receive timed out.
 *
 * Answers to requests, made when they are sent:
 *  - with `answer` set, each PID or TGID query gets what the kernel sends
 *    (kernel/taskstats.c, taskstats_user_cmd()): a data message for ids
 *    below `live_limit`, NLMSG_ERROR -ESRCH for the others, or `error`
 *    for all; shaped by the options of struct fake_kernel (stale, foreign,
 *    multi-part, corrupt, held back, silent);
 *  - a request with NLM_F_ACK gets NLMSG_ERROR `reg_answer` (0 is the
 *    ACK), unless it is FK_NO_ANSWER (the default).
 */
#ifndef TSTATS_TEST_FAKEKERNEL_H
#define TSTATS_TEST_FAKEKERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "nlbuild.h"

#define FK_FAMILY	31
#define FK_PORT		4242u
#define FK_NO_ANSWER	1
#define FK_QMAX		1024	/* datagrams the receive queue can hold */
#define FK_MAX_TX	8	/* sends whose bytes are logged */
#define FK_TX_BYTES	256
#define FK_HELD		64
#define FK_SCRIPT_MAX	16

/* Optional transport operations the fake offers (fk_transport()). */
enum {
	FK_OP_RECV_MANY = 1 << 0,	/* recvmmsg(): query.c batches with it */
	FK_OP_GET_RCVBUF = 1 << 1,	/* SO_RCVBUF as it reads */
	FK_OP_SET_RCVBUF = 1 << 2,	/* returns twice the size asked, as Linux */
	FK_OP_GET_FD = 1 << 3,		/* -EBADF: no descriptor to poll */
};

/* Scripted answers (fk_script()): what one receive gets, made from the
 * last request when it is received. */
enum fk_step {
	FK_REPLY,		/* the v16 answer to the last request (AGGR_PID) */
	FK_REPLY_STALE,		/* an answer to the request before (seq - 1), id 999 */
	FK_STALE_AND_REPLY,	/* both in one datagram, the stale one first */
	FK_FOREIGN_PORT,	/* the right seq for another port */
	FK_TGID_ONLY,		/* an AGGR_TGID answer to a PID query */
	FK_TIMEOUT,		/* nothing arrives: -EAGAIN */
	FK_ENOBUFS,		/* the socket overflowed */
	FK_ERROR,		/* NLMSG_ERROR with the step's errno (negative) */
	FK_ACK,			/* NLMSG_ERROR 0 */
	FK_TRUNCATED,		/* a datagram the step's argument larger than the buffer */
	FK_BOGUS_LEN,		/* nlmsg_len past the datagram */
	FK_BOGUS_SMALL,		/* nlmsg_len below the header's size */
	FK_BOGUS_ZERO,		/* nlmsg_len 0 */
	FK_CUT_ATTR,		/* the message ends 100 bytes into its STATS payload */
	FK_SHORT_STATS,		/* a 100-byte STATS payload */
	FK_MULTI,		/* the answer flagged NLM_F_MULTI, no NLMSG_DONE yet */
	FK_MULTI_DONE,		/* NLM_F_MULTI answer + NLMSG_DONE, one datagram */
	FK_DONE,		/* NLMSG_DONE alone, for the last request */
	FK_DONE_STALE,		/* NLMSG_DONE of the request before */
	FK_OVERSIZED,		/* a v18 answer of FK_OVERSIZED_PAYLOAD bytes */
	/* cgroupstats (kernel/taskstats.c, cgroupstats_user_cmd()) */
	FK_CG_DATA,		/* the 40-byte struct cgroupstats of fk_cgroup_want */
	FK_CG_DATA_ACK,		/* and the ACK, in one datagram */
	FK_CG_STALE,		/* data and ACK of the request before */
	FK_CG_FOREIGN,		/* data and EPERM for another port */
	FK_CG_SHORT,		/* a 39-byte struct */
	FK_CG_LONG,		/* a 48-byte struct from a future kernel */
	FK_CG_NO_STATS,		/* the message without its attribute */
	FK_CG_TWO_STATS,	/* the attribute twice */
	FK_CG_UNKNOWN_ATTR,	/* an unknown attribute, then the stats */
	FK_CG_WRONG_CMD,	/* TASKSTATS_CMD_NEW instead of CGROUPSTATS_CMD_NEW */
};

/* Larger than a context's 8 KiB buffer: the first copy is truncated. */
#define FK_OVERSIZED_PAYLOAD 16000u

/* The values of the struct cgroupstats the fake sends, in field order. */
extern const uint64_t fk_cgroup_want[5];

struct fk_dgram {
	uint8_t *data;
	size_t len;		/* bytes held */
	size_t claim;		/* length recv reports (> len: truncated) */
	int err;		/* recv returns this when non-zero */
};

/* The last request message the library sent. */
struct fk_request {
	uint32_t seq;
	uint16_t flags;
	uint8_t cmd;
	uint16_t attr;		/* its first attribute's type */
	uint32_t id;		/* that attribute's u32 (PID, TGID, descriptor) */
};

struct fake_kernel {
	struct transport_ops ops;

	/* What the library sent. */
	unsigned int sends, requests;
	struct fk_request last;
	uint8_t tx[FK_MAX_TX][FK_TX_BYTES];
	size_t tx_len[FK_MAX_TX];
	size_t ntx;		/* sends logged */
	bool log_every_send;	/* fail a send that cannot be logged */

	/* The receive queue. */
	struct fk_dgram q[FK_QMAX];
	unsigned int head, count;
	unsigned int capacity;	/* answers the queue holds (FK_QMAX) */
	unsigned int dropped;	/* answers dropped for want of room */
	bool enobufs;		/* pending overflow error */
	unsigned int delivered;	/* datagrams (and errors) received so far */
	size_t last_cap;	/* the buffer size of the last receive */

	/* The script. */
	enum fk_step script[FK_SCRIPT_MAX];
	int args[FK_SCRIPT_MAX];
	int n, pos;

	/* How requests are answered when they are sent. */
	bool answer;		/* PID and TGID queries, like the kernel */
	uint32_t live_limit;	/* ids below it exist (100000) */
	int error;		/* answer every query with this error */
	size_t payload_len;	/* STATS payload bytes (560: v16; more: v18) */
	unsigned int stale;	/* answers to nobody's requests before each send's */
	bool silent;		/* no answer at all */
	bool foreign;		/* each answer after an EPERM and a record for its
				 * sequence number from another port */
	bool multi;		/* NLM_F_MULTI answers, each followed by an
				 * NLMSG_DONE datagram */
	unsigned int corrupt;	/* the next answers get a bogus nlmsg_len */
	bool hold;		/* answers held back (a request timing out)... */
	struct fk_dgram held[FK_HELD];	/* ...and queued one before each later answer */
	unsigned int nheld, released;
	int reg_answer;		/* for NLM_F_ACK requests: 0 (ACK), -errno, FK_NO_ANSWER */

	/* Socket options as the library set them. */
	unsigned int timeout_ms;
	int rcvbuf;		/* what SO_RCVBUF reads (212992), or what was asked */
	bool closed;
};

/* A fake kernel with the defaults above; fk_free() frees it. */
struct fake_kernel *fk_new(void);
void fk_free(struct fake_kernel *fk);

/* A transport over fk with the optional operations in ops (FK_OP_*). */
struct transport fk_transport(struct fake_kernel *fk, unsigned int ops);

/* Queues a datagram of len bytes for which recv reports claim bytes (>
 * len: truncated), or an error for recv to return. */
void fk_push(struct fake_kernel *fk, const void *data, size_t len, size_t claim);
void fk_push_nlb(struct fake_kernel *fk, const struct nlb *b);
void fk_push_err(struct fake_kernel *fk, int err);

/* Sets the script: n steps, args[i] the errno of FK_ERROR or the excess of
 * FK_TRUNCATED (args NULL: none); clears the send counters. */
void fk_script(struct fake_kernel *fk, int n, const enum fk_step *steps, const int *args);

#define FK_SCRIPT(fk, ...) do {						\
		static const enum fk_step s_[] = { __VA_ARGS__ };	\
		fk_script(fk, (int)(sizeof(s_) / sizeof(s_[0])), s_, NULL); \
	} while (0)

/* The kernel's answer to a PID (attr TS_CMD_ATTR_PID) or TGID query from
 * port, as `answer` makes it, into b. */
void fk_build_answer(const struct fake_kernel *fk, struct nlb *b, uint32_t seq, uint32_t port,
		     uint16_t attr, uint32_t id);

#endif
