/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Safe text from a record's command name, and the sizes of the public
 * structs for bindings that mirror them by hand.
 *
 * ac_comm is whatever the task wrote to /proc/self/comm or prctl(PR_SET_NAME):
 * any bytes but NUL, "\n\x1b[2J" or a lone 0xff included. Every consumer
 * needs either valid UTF-8 (JSON, Prometheus, a Go or Python string) or
 * text that a terminal only shows; both are made here once.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "internal.h"

/*
 * Length of the valid UTF-8 sequence at s (> 0, code point in *cp), or
 * minus the length of its maximal invalid subpart (Unicode 15, 3.9: the
 * longest prefix of a well-formed sequence, at least one byte). Ranges of
 * Table 3-7: no overlongs, surrogates or code points above U+10FFFF.
 */
static int utf8_seq(const unsigned char *s, size_t len, uint32_t *cp)
{
	static const struct {
		unsigned char lo, hi;	/* lead byte range */
		unsigned char lo2, hi2;	/* second byte range */
		unsigned char n;	/* sequence length */
	} leads[] = {
		{ 0xc2, 0xdf, 0x80, 0xbf, 2 },
		{ 0xe0, 0xe0, 0xa0, 0xbf, 3 },
		{ 0xe1, 0xec, 0x80, 0xbf, 3 },
		{ 0xed, 0xed, 0x80, 0x9f, 3 },
		{ 0xee, 0xef, 0x80, 0xbf, 3 },
		{ 0xf0, 0xf0, 0x90, 0xbf, 4 },
		{ 0xf1, 0xf3, 0x80, 0xbf, 4 },
		{ 0xf4, 0xf4, 0x80, 0x8f, 4 },
	};
	uint32_t c;
	size_t k;
	int i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	for (k = 0; k < sizeof(leads) / sizeof(leads[0]); k++)
		if (s[0] >= leads[k].lo && s[0] <= leads[k].hi)
			break;
	if (k == sizeof(leads) / sizeof(leads[0]))
		return -1;
	c = s[0] & (0x7f >> leads[k].n);
	for (i = 1; i < leads[k].n; i++) {
		unsigned char lo = i == 1 ? leads[k].lo2 : 0x80;
		unsigned char hi = i == 1 ? leads[k].hi2 : 0xbf;

		if ((size_t)i >= len || s[i] < lo || s[i] > hi)
			return -i;
		c = (c << 6) | (s[i] & 0x3f);
	}
	*cp = c;
	return leads[k].n;
}

/*
 * Code points a terminal acts on rather than shows: C0 and C1 controls
 * (U+009B is CSI in many terminals), DEL, and the bidirectional marks,
 * overrides and isolates that reorder what follows ("Trojan Source",
 * CVE-2021-42574).
 */
static bool dangerous_cp(uint32_t cp)
{
	static const struct { uint32_t lo, hi; } ranges[] = {
		{ 0x0000, 0x001f }, { 0x007f, 0x009f },
		{ 0x200e, 0x200f }, { 0x2028, 0x202e }, { 0x2066, 0x2069 },
	};

	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (cp >= ranges[i].lo && cp <= ranges[i].hi)
			return true;
	return false;
}

/* The worst case: every byte a comm can hold (its last one is the NUL's
 * place) escaped as \xNN, and the NUL. U+FFFD takes 3 bytes per invalid
 * byte, less. */
_Static_assert(TSTATS_COMM_TEXT_MAX ==
	       4 * (sizeof(((struct tstats_record *)0)->comm) - 1) + 1,
	       "TSTATS_COMM_TEXT_MAX fits the worst case exactly");

/* Appends n bytes to buf[size] at *pos; false when they do not fit (with
 * the NUL that follows). */
static bool put(char *buf, size_t size, size_t *pos, const void *s, size_t n)
{
	if (size - *pos <= n)
		return false;
	memcpy(buf + *pos, s, n);
	*pos += n;
	return true;
}

TSTATS_EXPORT int tstats_text(const void *bytes, size_t len, unsigned int flags,
			      char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = bytes;
	size_t i = 0, pos = 0;

	if ((!bytes && len) || !buf || size == 0 || (flags & ~TSTATS_TEXT_ESCAPE) ||
	    size > INT32_MAX)
		return -EINVAL;
	buf[0] = '\0';

	while (i < len) {
		uint32_t cp = 0;
		int n = utf8_seq(s + i, len - i, &cp);
		size_t span = n > 0 ? (size_t)n : (size_t)-n;
		bool ok = true;

		if (!(flags & TSTATS_TEXT_ESCAPE)) {
			/* Valid UTF-8: each invalid subpart becomes U+FFFD. */
			ok = n > 0 ? put(buf, size, &pos, s + i, span) :
				     put(buf, size, &pos, "\xef\xbf\xbd", 3);
		} else if (n > 0 && s[i] == '\\') {
			ok = put(buf, size, &pos, "\\\\", 2);
		} else if (n > 0 && !dangerous_cp(cp)) {
			ok = put(buf, size, &pos, s + i, span);
		} else {
			/* Every byte as \xNN: the exact bytes stay readable. */
			for (size_t k = 0; ok && k < span; k++) {
				const char esc[4] = { '\\', 'x', hex[s[i + k] >> 4],
						      hex[s[i + k] & 0xf] };

				ok = put(buf, size, &pos, esc, sizeof(esc));
			}
		}
		if (!ok) {
			buf[0] = '\0';
			return -ENOBUFS;
		}
		i += span;
	}
	buf[pos] = '\0';
	return (int)pos;
}

TSTATS_EXPORT int tstats_record_comm_text(const struct tstats_record *rec, unsigned int flags,
					  char *buf, size_t size)
{
	int r;

	if (!rec)
		return -EINVAL;
	/* Checks buf, size and flags, and leaves buf "" when it can. */
	r = tstats_text("", 0, flags, buf, size);
	if (r < 0)
		return r;
	if (!tstats_record_has(rec, TSTATS_F_COMM))
		return -ENODATA;
	/* A record filled by hand may lack the NUL: the last byte is its
	 * place (the decoder always puts one there or earlier). */
	return tstats_text(rec->comm, strnlen(rec->comm, sizeof(rec->comm) - 1), flags,
			   buf, size);
}

TSTATS_EXPORT size_t tstats_struct_size(unsigned int type)
{
	switch (type) {
	case TSTATS_STRUCT_RECORD:
		return sizeof(struct tstats_record);
	case TSTATS_STRUCT_FIELD_INFO:
		return sizeof(struct tstats_field_info);
	case TSTATS_STRUCT_DELAY_CLASS:
		return sizeof(struct tstats_delay_class);
	case TSTATS_STRUCT_LISTENER_STATS:
		return sizeof(struct tstats_listener_stats);
	case TSTATS_STRUCT_RATES:
		return sizeof(struct tstats_rates);
	case TSTATS_STRUCT_PROCESS:
		return sizeof(struct tstats_process);
	case TSTATS_STRUCT_CGROUPSTATS:
		return sizeof(struct tstats_cgroupstats);
	case TSTATS_STRUCT_MONITOR_ROW:
		return sizeof(struct tstats_monitor_row);
	case TSTATS_STRUCT_MONITOR_STATS:
		return sizeof(struct tstats_monitor_stats);
	default:
		return 0;
	}
}
