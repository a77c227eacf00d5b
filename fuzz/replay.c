/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Replays fuzz inputs without libFuzzer: every file named on the command
 * line, and every regular file of every directory named (in name order),
 * goes through LLVMFuzzerTestOneInput() once. Built with the project's
 * compiler and flags, so the corpus runs in every "meson test", under the
 * sanitizer builds and under valgrind. Fails if an input fails (the target
 * aborts) or if there is nothing to replay.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

/* Reads a whole file into a buffer of exactly its size (so that a read
 * past the input is caught by ASan and valgrind). */
static int read_file(int dirfd, const char *path, uint8_t **ret, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	size_t done = 0;
	int fd, r = 0;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);

		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			free(buf);
			goto out;
		}
		done += (size_t)n;
	}
	*ret = buf;
	*len = done;
out:
	close(fd);
	return r;
}

static int replay_one(int dirfd, const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	r = read_file(dirfd, path, &buf, &len);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(-r));
		return r;
	}
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int only_files(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* The count of inputs replayed, or -errno. */
static int replay_dir(const char *path)
{
	struct dirent **names;
	int dirfd, n, count = 0, r = 0;

	dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	n = scandir(path, &names, only_files, alphasort);
	if (n < 0) {
		r = -errno;
		close(dirfd);
		return r;
	}
	for (int i = 0; i < n; i++) {
		struct stat st;

		if (r == 0 && fstatat(dirfd, names[i]->d_name, &st, 0) == 0 &&
		    S_ISREG(st.st_mode)) {
			r = replay_one(dirfd, names[i]->d_name);
			count++;
		}
		free(names[i]);
	}
	free(names);
	close(dirfd);
	return r < 0 ? r : count;
}

int main(int argc, char **argv)
{
	int total = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		int r;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		r = S_ISDIR(st.st_mode) ? replay_dir(argv[i]) : replay_one(AT_FDCWD, argv[i]);
		if (r < 0)
			return 1;
		total += S_ISDIR(st.st_mode) ? r : 1;
	}
	if (total == 0) {
		fprintf(stderr, "no inputs to replay\n");
		return 1;
	}
	printf("replayed %d inputs\n", total);
	return 0;
}
