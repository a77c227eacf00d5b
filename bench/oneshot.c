/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one-shot floor: what `taskstats-cli -p PID` does, done by a process
 * that links libc alone: open a socket, resolve the family, one query, one
 * line out. bench/run.sh times the CLI against it (hyperfine).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floor.h"

int main(int argc, char **argv)
{
	static struct raw r;	/* 70 KiB of buffers: not on the stack */
	uint64_t utime, stime;
	uint32_t id, pid;
	size_t ok = 0;

	if (argc != 2) {
		fputs("usage: oneshot PID\n", stderr);
		return 2;
	}
	id = (uint32_t)strtoul(argv[1], NULL, 10);
	raw_open(&r);
	raw_serial(&r, &id, 1, &ok);
	if (!ok)
		die("query", ESRCH);
	memcpy(&pid, r.stats + 128, 4);	/* v4+ offsets */
	memcpy(&utime, r.stats + 152, 8);
	memcpy(&stime, r.stats + 160, 8);
	printf("pid %u comm %.32s utime %llu stime %llu\n", pid, (const char *)r.stats + 80,
	       (unsigned long long)utime, (unsigned long long)stime);
	return 0;
}
