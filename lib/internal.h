/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal interfaces shared by the library's modules and its tests. */
#ifndef TSTATS_INTERNAL_H
#define TSTATS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "libtaskstats.h"

#define TSTATS_EXPORT __attribute__((visibility("default")))

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
	 * truncated), or -errno (-EAGAIN: timeout). */
	ssize_t (*recv)(void *impl, void *buf, size_t cap);
	/* Set the receive timeout. */
	int (*set_timeout)(void *impl, unsigned int msec);
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

#endif
