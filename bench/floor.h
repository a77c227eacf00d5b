/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The raw-syscall floor: taskstats queries with nothing but socket(2),
 * sendto(2), recv(2) and recvmmsg(2), and the least work per answer (find
 * STATS, copy it out). tsbench measures the library against it; oneshot is
 * the same floor as a whole process that links libc alone.
 */
#ifndef TSTATS_BENCH_FLOOR_H
#define TSTATS_BENCH_FLOOR_H

#include <stddef.h>
#include <stdint.h>

/* include/uapi/linux/taskstats.h */
#define TS_CMD_GET		1
#define TS_CMD_ATTR_PID		1
#define TS_TYPE_STATS		3
#define TS_TYPE_AGGR_PID	4
#define TS_STRUCT_MAX		688	/* v17 */
#define REQ_LEN			28
#define PIPE_DEPTH		64
#define SLOT			1024

/* ---------------------------------------------------------------
 * The raw-syscall floor.
 */
struct raw {
	int fd;
	uint16_t family;
	uint32_t seq;
	uint8_t req[PIPE_DEPTH][REQ_LEN];
	uint8_t rbuf[PIPE_DEPTH][SLOT];
	uint8_t stats[TS_STRUCT_MAX];	/* the copied-out payload */
	uint64_t sink;
};

/* Prints "PROGRAM: what: strerror" and exits 1. */
void die(const char *what, int err) __attribute__((noreturn));

/* Opens a generic netlink socket and resolves TASKSTATS; dies on error. */
void raw_open(struct raw *r);

/* One answer: 0 with the payload copied to r->stats, -errno, or 1 when
 * it is not the answer to seq. */
int raw_answer(struct raw *r, const uint8_t *buf, size_t len, uint32_t seq);

/* One request and its answer at a time; *ok counts records. */
void raw_serial(struct raw *r, const uint32_t *ids, size_t n, size_t *ok);

/* PIPE_DEPTH requests per send, answers drained with recvmmsg(2). */
void raw_pipelined(struct raw *r, const uint32_t *ids, size_t n, size_t *ok);

#endif
