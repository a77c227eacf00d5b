/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cpulists in the kernel's syntax ("0-3,7", "0-15:2/4", "N", "all"):
 * checked against the possible CPUs and rewritten as the plain ranges the
 * exit listener registers (listen.c) and tstats_cpulist_check() counts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include "internal.h"

#define POSSIBLE_PATH "/sys/devices/system/cpu/possible"

struct cpu_range {
	unsigned long lo, hi, used, group;
};

struct cpu_ranges {
	struct cpu_range *r;
	size_t n, cap;
	unsigned long max;	/* highest CPU named */
};

static bool is_sep(char c)
{
	return c == ',' || c == ' ' || c == '\t' || c == '\n';
}

/* Reads a decimal number, or "N" for lastbit; -EINVAL without digits,
 * -ERANGE on overflow. */
static int get_num(const char **s, unsigned long lastbit, unsigned long *ret)
{
	const char *p = *s;
	unsigned long v = 0;

	if (*p == 'N') {
		*s = p + 1;
		*ret = lastbit;
		return 0;
	}
	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned int d = (unsigned int)(*p - '0');

		if (v > (ULONG_MAX - d) / 10) {
			while (*p >= '0' && *p <= '9')
				p++;
			*s = p;
			return -ERANGE;
		}
		v = v * 10 + d;
	}
	*s = p;
	*ret = v;
	return 0;
}

/*
 * The kernel's cpulist syntax (lib/bitmap-str.c, bitmap_parselist()):
 * regions "A", "A-B" or "A-B:U/G" (the first U of every G CPUs), separated
 * by commas; whitespace and empty regions are skipped. Any number may be
 * "N", the last CPU (lastbit), and "all" is "0-N" (a pattern may follow
 * it). A syntax error is -EINVAL even when the string also names huge
 * CPUs: syntax first.
 */
static int cpulist_scan(const char *s, unsigned long lastbit, struct cpu_ranges *out)
{
	int overflow = 0;

	memset(out, 0, sizeof(*out));
	for (;;) {
		struct cpu_range cr = { 0 };
		bool range;
		int r;

		while (is_sep(*s))
			s++;
		if (!*s)
			break;
		cr.used = cr.group = 1;
		range = false;
		if (strncasecmp(s, "all", 3) == 0) {
			s += 3;
			cr.hi = lastbit;
			range = true;
		} else {
			r = get_num(&s, lastbit, &cr.lo);
			if (r == -ERANGE)
				overflow = r;
			else if (r < 0)
				goto bad;
			cr.hi = cr.lo;
			if (*s == '-') {
				s++;
				range = true;
				r = get_num(&s, lastbit, &cr.hi);
				if (r == -ERANGE)
					overflow = r;
				else if (r < 0)
					goto bad;
			}
		}
		if (range && *s == ':') {
			s++;
			if (get_num(&s, lastbit, &cr.used) < 0 || *s++ != '/' ||
			    get_num(&s, lastbit, &cr.group) < 0)
				goto bad;
			if (cr.used == 0 || cr.group == 0 || cr.used > cr.group)
				goto bad;
		}
		if (*s && !is_sep(*s))
			goto bad;
		if (overflow)
			continue;
		if (cr.lo > cr.hi)
			goto bad;
		if (out->n == out->cap) {
			size_t ncap = out->cap ? 2 * out->cap : 8;
			struct cpu_range *nr = realloc(out->r, ncap * sizeof(*nr));

			if (!nr) {
				free(out->r);
				return -ENOMEM;
			}
			out->r = nr;
			out->cap = ncap;
		}
		out->r[out->n++] = cr;
		if (cr.hi > out->max)
			out->max = cr.hi;
	}
	if (overflow) {
		free(out->r);
		out->r = NULL;
		return overflow;
	}
	if (out->n == 0)
		goto bad;	/* registering for nothing would see nothing */
	return 0;
bad:
	free(out->r);
	out->r = NULL;
	return -EINVAL;
}

/* A bitmap of max + 1 CPUs. */
struct cpu_bits {
	uint64_t *w;
	unsigned long nbits;
};

static bool bit_get(const struct cpu_bits *b, unsigned long cpu)
{
	return cpu < b->nbits && (b->w[cpu / 64] >> (cpu % 64)) & 1;
}

static int ranges_to_bits(const struct cpu_ranges *cr, struct cpu_bits *ret)
{
	ret->nbits = cr->max + 1;
	ret->w = calloc(ret->nbits / 64 + 1, sizeof(uint64_t));
	if (!ret->w)
		return -ENOMEM;
	for (size_t i = 0; i < cr->n; i++) {
		const struct cpu_range *r = &cr->r[i];

		for (unsigned long c = r->lo; c <= r->hi; c++) {
			if ((c - r->lo) % r->group < r->used)
				ret->w[c / 64] |= UINT64_C(1) << (c % 64);
			if (c == ULONG_MAX)
				break;
		}
	}
	return 0;
}

static int parse_bits(const char *s, struct cpu_bits *ret)
{
	struct cpu_ranges cr;
	int r;

	r = cpulist_scan(s, 0, &cr);
	if (r < 0)
		return r;
	r = ranges_to_bits(&cr, ret);
	free(cr.r);
	return r;
}

/* "0-3,7": the canonical list of a bitmap; *count gets the CPUs in it. */
static int bits_to_list(const struct cpu_bits *b, char **ret, unsigned int *count)
{
	size_t cap = 64, len = 0;
	unsigned int n = 0;
	char *s = malloc(cap);

	if (!s)
		return -ENOMEM;
	s[0] = '\0';
	for (unsigned long c = 0; c < b->nbits; c++) {
		unsigned long e = c;
		int w;

		if (!bit_get(b, c))
			continue;
		while (bit_get(b, e + 1))
			e++;
		n += (unsigned int)(e - c + 1);
		for (;;) {
			if (e == c)
				w = snprintf(s + len, cap - len, "%s%lu", len ? "," : "", c);
			else
				w = snprintf(s + len, cap - len, "%s%lu-%lu", len ? "," : "", c, e);
			if (w >= 0 && (size_t)w < cap - len)
				break;
			cap *= 2;
			char *ns = realloc(s, cap);

			if (!ns) {
				free(s);
				return -ENOMEM;
			}
			s = ns;
			s[len] = '\0';
		}
		len += (size_t)w;
		c = e;
	}
	*ret = s;
	if (count)
		*count = n;
	return 0;
}

/* The possible-CPU list of this machine (*ret to free), or -errno. */
static int read_possible(char **ret)
{
	FILE *f = fopen(POSSIBLE_PATH, "re");
	char *line = NULL;
	size_t cap = 0;
	int r;

	if (!f)
		return -errno;
	if (getline(&line, &cap, f) < 0) {
		r = ferror(f) ? -EIO : -ENODATA;
		fclose(f);
		free(line);
		return r;
	}
	fclose(f);
	*ret = line;
	return 0;
}

int cpulist_normalize(const char *list, const char *possible, char **ret,
		      unsigned int *count)
{
	struct cpu_ranges want = { 0 };
	struct cpu_bits have = { 0 }, bits = { 0 };
	char *owned = NULL;
	char fallback[32];
	int r;

	if (!possible) {
		if (read_possible(&owned) == 0) {
			possible = owned;
		} else {
			/* No sysfs: every configured CPU stands in for the
			 * possible ones. */
			long n = sysconf(_SC_NPROCESSORS_CONF);

			snprintf(fallback, sizeof(fallback), "0-%ld", n > 1 ? n - 1 : 0);
			possible = fallback;
		}
	}
	r = parse_bits(possible, &have);
	if (r < 0)
		goto out;
	/* Syntax first: a malformed list is -EINVAL whatever the machine.
	 * "N" is the last possible CPU, as for the kernel (nr_cpu_ids - 1). */
	if (list) {
		r = cpulist_scan(list, have.nbits ? have.nbits - 1 : 0, &want);
		if (r < 0)
			goto out;
	}
	if (!list) {
		r = bits_to_list(&have, ret, count);
		goto out;
	}
	/* Checked before a bitmap is sized by what the caller wrote. */
	if (want.max >= have.nbits) {
		r = -ERANGE;
		goto out;
	}
	r = ranges_to_bits(&want, &bits);
	if (r < 0)
		goto out;
	for (unsigned long c = 0; c < bits.nbits; c++) {
		if (bit_get(&bits, c) && !bit_get(&have, c)) {
			r = -ERANGE;
			goto out;
		}
	}
	r = bits_to_list(&bits, ret, count);
out:
	free(want.r);
	free(bits.w);
	free(have.w);
	free(owned);
	return r;
}

TSTATS_EXPORT int tstats_cpulist_check(const char *cpulist)
{
	unsigned int n = 0;
	char *s;
	int r;

	if (!cpulist)
		return -EINVAL;
	r = cpulist_normalize(cpulist, NULL, &s, &n);
	if (r < 0)
		return r;
	free(s);
	return n > INT_MAX ? INT_MAX : (int)n;
}

