/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test fixtures: a small netlink message builder (no libnl) and a builder
 * for the kernel's struct taskstats bytes of any version.
 *
 * The struct builder has its own offset tables, written from the kernel's
 * include/uapi/linux/taskstats.h at each version (the commits that
 * introduced versions 1 to 17, and 6.14's version 15 with its fix in
 * version 16; doc/abi.md sums them up) and cross-checked against
 * reconstructed C structs in test-codec.c, not taken from lib/fields.c: the tests compare two
 * independent descriptions of the same kernel ABI.
 */
#ifndef TSTATS_TEST_NLBUILD_H
#define TSTATS_TEST_NLBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for the largest fixture (two v17 records plus headers, twice). */
#define NLB_CAP		8192
#define NLB_MAX_NEST	8

struct nlb {
	union {
		uint8_t buf[NLB_CAP];
		uint64_t align_;	/* the buffer starts 8-byte aligned */
	} u;
	size_t len;		/* bytes used */
	size_t msg;		/* offset of the current (or last) message */
	bool open;		/* a message is being built */
	size_t nest[NLB_MAX_NEST];
	unsigned int depth;
};

void nlb_init(struct nlb *b);
const uint8_t *nlb_data(const struct nlb *b);
size_t nlb_len(const struct nlb *b);

/* Starts a message at the next NLMSG_ALIGN boundary (ending an open one). */
size_t nlb_msg_start(struct nlb *b, uint16_t type, uint16_t flags,
		     uint32_t seq, uint32_t port);
/* Appends a genlmsghdr. */
void nlb_genl(struct nlb *b, uint8_t cmd, uint8_t version);
/* Sets nlmsg_len to the bytes written since nlb_msg_start(). */
void nlb_msg_end(struct nlb *b);
/* Overwrites nlmsg_len of the current or last message with any value. */
void nlb_set_msg_len(struct nlb *b, uint32_t len);

/* Attributes: each returns the offset of its nlattr header in the buffer. */
size_t nlb_put(struct nlb *b, uint16_t type, const void *data, size_t len);
size_t nlb_put_u32(struct nlb *b, uint16_t type, uint32_t v);
size_t nlb_nest_start(struct nlb *b, uint16_t type);
void nlb_nest_end(struct nlb *b, size_t nest);
/* Overwrites nla_len of the attribute at off with any value. */
void nlb_set_nla_len(struct nlb *b, size_t off, uint16_t len);
/* Raw bytes, no alignment. */
void nlb_raw(struct nlb *b, const void *data, size_t len);

/* A complete NLMSG_ERROR message (error is the kernel's negative errno,
 * or 0 for an ACK) echoing a request header with seq/port. */
size_t nlb_error(struct nlb *b, int error, uint32_t seq, uint32_t port);

/* Attributes of the message at msg_off (after nlmsghdr and genlmsghdr);
 * *len gets their length according to the message's nlmsg_len. */
const uint8_t *nlb_attrs(const struct nlb *b, size_t msg_off, size_t *len);

/*
 * struct taskstats fixtures.
 */
enum nlb_layout {
	NLB_LAYOUT_MODERN = 0,	/* v4..v14, v16, v17 (append-only) */
	NLB_LAYOUT_V1,		/* v1, 72 bytes */
	NLB_LAYOUT_V23,		/* v2 and v3, before the aligned(8) fix */
	NLB_LAYOUT_V15,		/* v15, and 6.14-rc "v14" of 560 bytes */
};

enum nlb_kind {
	NLB_K_UNSIGNED = 0,	/* __u8/__u16/__u32/__u64 */
	NLB_K_NICE,		/* __u8 holding a signed nice value */
	NLB_K_COMM,		/* char[32] */
	NLB_K_TIMESPEC,		/* struct __kernel_timespec */
};

struct nlb_member {
	unsigned int field;	/* enum tstats_field */
	unsigned int off;
	unsigned int size;
	unsigned int kind;	/* enum nlb_kind */
	unsigned int since;	/* first version carrying it */
};

/* sizeof(struct taskstats) of a version (x86_64), 0 if unknown. */
size_t nlb_ts_size(unsigned int version);

/* The layout the kernel used for a version number and payload length. */
enum nlb_layout nlb_ts_layout(unsigned int version, size_t len);

/* Members of a layout, in offset order; *n gets their count. */
const struct nlb_member *nlb_ts_members(enum nlb_layout layout, size_t *n);

/* The member describing field in that layout if a struct of version
 * content_version carries it; NULL otherwise. */
const struct nlb_member *nlb_ts_find(enum nlb_layout layout,
				     unsigned int content_version,
				     unsigned int field);

/*
 * Writes len bytes of a struct taskstats into out: the u16 at offset 0 is
 * version_field, every member of content_version in layout that fits in
 * len gets its distinct value, holes and bytes past the struct get 0xEE.
 */
void nlb_ts_build(void *out, size_t len, unsigned int version_field,
		  enum nlb_layout layout, unsigned int content_version);

/* Shorthand: the kernel's bytes for version (1..17); returns the size. */
size_t nlb_ts_build_version(void *out, size_t cap, unsigned int version);

/* The value the decoder must report for a numeric field (nice sign-
 * extended, timespecs as ns), and the comm string. */
uint64_t nlb_ts_expect(unsigned int field);
const char *nlb_ts_expect_comm(void);

#endif
