/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The reply fuzz target (fuzz-reply.c), shared with its replay driver and
 * the seed corpus generator.
 *
 * An input is one datagram as the kernel would send it: whole netlink
 * messages, no framing of our own, so that replies captured from a live
 * socket are inputs as they are. What the kernel would have known and a
 * datagram does not say is taken from the input itself:
 *  - the TASKSTATS family id: the nlmsg_type of the first message when it
 *    is a family id (>= NLMSG_MIN_TYPE), else FUZZ_FAMILY;
 *  - the port and sequence number the library's request carried: those
 *    of the last message for single queries (earlier messages are then
 *    stale or foreign), those of the first for batches (the following
 *    sequence numbers answer the batch's other requests).
 * Generated seeds use FUZZ_FAMILY, FUZZ_PORT and sequence numbers from 1.
 */
#ifndef TSTATS_FUZZ_H
#define TSTATS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#define FUZZ_FAMILY	31
#define FUZZ_PORT	4242u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
