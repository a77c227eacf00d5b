/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * --group-by exe: processes grouped by their executable.
 *
 * The record names the executable by device and inode (exe_dev,
 * exe_inode, struct version 12, Linux 5.19); that identity is the key. Its
 * label is the executable's path, read from /proc/TGID/exe the first time
 * the device and inode are seen, and kept for them from then on: so every
 * process of one executable lands in one group, also those that lived and
 * died between two ticks (/proc no longer has them, the cache does). The
 * path is only trusted when stat() of the link gives the same device and
 * inode (the process could have exited and its id been reused).
 *
 * Where the path cannot be read at first sight (the process is gone, or
 * /proc/TGID/exe is refused: it needs ptrace access, which CAP_NET_ADMIN
 * alone does not give for other users' processes), the label is
 * "dev MAJ:MIN ino N" for good. Kernel threads (no executable) are
 * "(none)". Records without the fields (older kernels) go to "other".
 *
 * The cache is a sorted array, bounded: past max_entries new executables
 * are counted in "other" (they would be past --max-groups too).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "exporter.h"

struct exe {
	uint64_t dev, ino;
	char *label;
};

struct exp_exe_cache {
	struct exe *v;
	size_t n, cap, max;
};

int exp_exe_cache_new(size_t max_entries, struct exp_exe_cache **ret)
{
	struct exp_exe_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->max = max_entries;
	*ret = c;
	return 0;
}

void exp_exe_cache_free(struct exp_exe_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].label);
	free(c->v);
	free(c);
}

/* The index of (dev, ino), or where it would go (*found false). */
static size_t find(const struct exp_exe_cache *c, uint64_t dev, uint64_t ino, bool *found)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct exe *e = &c->v[mid];

		if (e->dev == dev && e->ino == ino) {
			*found = true;
			return mid;
		}
		if (e->dev < dev || (e->dev == dev && e->ino < ino))
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

/*
 * The path of tgid's executable if it still is (dev, ino), else a label
 * made of the two numbers. The kernel encodes exe_dev as new_encode_dev()
 * does, as st_dev is: they compare as they are.
 */
static char *label_of(uint32_t tgid, uint64_t dev, uint64_t ino)
{
	char link[64], path[PATH_MAX], *label;
	struct stat sb;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%" PRIu32 "/exe", tgid);
	n = readlink(link, path, sizeof(path) - 1);
	if (n > 0 && stat(link, &sb) == 0 && (uint64_t)sb.st_dev == dev &&
	    (uint64_t)sb.st_ino == ino) {
		path[n] = '\0';
		return strdup(path);
	}
	if (asprintf(&label, "dev %u:%u ino %" PRIu64, major((dev_t)dev), minor((dev_t)dev),
		     ino) < 0)
		return NULL;
	return label;
}

int exp_exe_key(const struct tstats_record *rec, char *buf, size_t size, void *userdata)
{
	struct exp_exe_cache *c = userdata;
	uint64_t dev, ino, tgid;
	size_t at;
	bool found;
	char *label;

	if (tstats_record_get(rec, TSTATS_F_EXE_DEV, &dev) < 0 ||
	    tstats_record_get(rec, TSTATS_F_EXE_INODE, &ino) < 0)
		return -ENODATA;
	if (dev == 0 && ino == 0) {
		snprintf(buf, size, "(none)");
		return 0;
	}
	at = find(c, dev, ino, &found);
	if (!found) {
		if (c->n == c->max)
			return -ENOSPC;
		if (c->n == c->cap) {
			size_t cap = c->cap ? 2 * c->cap : 64;
			struct exe *v = realloc(c->v, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			c->v = v;
			c->cap = cap;
		}
		if (tstats_record_get(rec, TSTATS_F_TGID, &tgid) < 0)
			tgid = rec->id;
		label = label_of((uint32_t)tgid, dev, ino);
		if (!label)
			return -ENOMEM;
		memmove(&c->v[at + 1], &c->v[at], (c->n - at) * sizeof(*c->v));
		c->v[at] = (struct exe){ .dev = dev, .ino = ino, .label = label };
		c->n++;
	}
	snprintf(buf, size, "%s", c->v[at].label);
	return 0;
}
