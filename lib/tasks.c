/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Task enumeration from /proc. getdents64(2) into stack buffers rather
 * than opendir(3), which allocates: listing every task costs no heap.
 *
 * /proc's top level lists thread group leaders only; the threads of a
 * group are in /proc/TGID/task (and a thread's own /proc/TID, which is
 * hidden from the listing, shows the same group).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* getdents64 buffer; two are live at once when listing threads. */
#define DENTS_BUF 4096

/* A task id from a /proc entry name, or 0 for any other name. */
static uint32_t name_to_id(const char *s)
{
	uint32_t v = 0;

	if (*s < '1' || *s > '9')
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT32_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint32_t)(*s - '0');
	}
	return v;
}

struct id_list {
	uint32_t *ids;
	uint32_t *tgids;	/* tasks_list_pairs(): each id's group, or NULL */
	uint32_t tgid;		/* the group being listed */
	size_t cap;
	size_t count;	/* found, also past cap */
	int procfd;
};

typedef int (*id_fn)(uint32_t id, struct id_list *l);

/* Calls fn for every numeric entry of the directory dfd. */
static int for_each_id(int dfd, id_fn fn, struct id_list *l)
{
	union {
		uint8_t b[DENTS_BUF];
		uint64_t align;	/* dirent64 records are 8-byte aligned */
	} buf;

	for (;;) {
		ssize_t n = getdents64(dfd, buf.b, sizeof(buf.b));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		for (size_t off = 0; off < (size_t)n;) {
			unsigned short reclen;
			uint32_t id;
			int r;

			memcpy(&reclen, buf.b + off + offsetof(struct dirent64, d_reclen),
			       sizeof(reclen));
			if (reclen == 0 || reclen > (size_t)n - off)
				return -EIO;
			id = name_to_id((const char *)buf.b + off + offsetof(struct dirent64, d_name));
			off += reclen;
			if (!id)
				continue;
			r = fn(id, l);
			if (r < 0)
				return r;
		}
	}
}

static int put_id(uint32_t id, struct id_list *l)
{
	if (l->count < l->cap) {
		l->ids[l->count] = id;
		if (l->tgids)
			l->tgids[l->count] = l->tgid;
	}
	l->count++;
	return 0;
}

/* Opens [prefix]ID/task relative to dirfd; -ESRCH once the task is gone. */
static int open_task_dir(int dirfd, uint32_t id, const char *prefix)
{
	char path[40];
	int fd;

	snprintf(path, sizeof(path), "%s%u/task", prefix, id);
	fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	return fd;
}

static int put_threads(uint32_t tgid, struct id_list *l)
{
	int fd, r;

	l->tgid = tgid;
	fd = open_task_dir(l->procfd, tgid, "");
	if (fd == -ESRCH)
		return 0;	/* exited since the listing */
	if (fd < 0)
		return fd;
	r = for_each_id(fd, put_id, l);
	close(fd);
	/* getdents64 on the task directory of a group that exited meanwhile
	 * fails with ENOENT: the group is gone, as if it had not been listed
	 * (threads listed before that answer -ESRCH when queried). */
	return r == -ENOENT ? 0 : r;
}

static int count_result(const struct id_list *l)
{
	return l->count > INT_MAX ? -EOVERFLOW : (int)l->count;
}

TSTATS_EXPORT int tstats_list_tasks(unsigned int kind, uint32_t *ids, size_t cap)
{
	struct id_list l = { .ids = ids, .cap = cap };
	int r;

	if ((kind != TSTATS_KIND_PID && kind != TSTATS_KIND_TGID) || (cap > 0 && !ids))
		return -EINVAL;
	l.procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l.procfd < 0)
		return -errno;
	r = for_each_id(l.procfd, kind == TSTATS_KIND_PID ? put_threads : put_id, &l);
	close(l.procfd);
	if (r < 0)
		return r;
	return count_result(&l);
}

int tasks_list_pairs(uint32_t *tids, uint32_t *tgids, size_t cap)
{
	struct id_list l = { .ids = tids, .tgids = tgids, .cap = cap };
	int r;

	l.procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l.procfd < 0)
		return -errno;
	r = for_each_id(l.procfd, put_threads, &l);
	close(l.procfd);
	if (r < 0)
		return r;
	return count_result(&l);
}

int tasks_list_threads(uint32_t id, uint32_t *ids, size_t cap)
{
	struct id_list l = { .ids = ids, .cap = cap };
	int fd, r;

	if (id == 0)
		return -ESRCH;
	fd = open_task_dir(AT_FDCWD, id, "/proc/");
	if (fd < 0)
		return fd;
	r = for_each_id(fd, put_id, &l);
	close(fd);
	if (r == -ENOENT)	/* exited while listed, as in put_threads() */
		return -ESRCH;
	if (r < 0)
		return r;
	return count_result(&l);
}
