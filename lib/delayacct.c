/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Whether the kernel does delay accounting now (sysctl kernel.task_delayacct). */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "internal.h"

TSTATS_EXPORT int tstats_delayacct_state(void)
{
	char c;
	ssize_t n;
	int fd;

	fd = open("/proc/sys/kernel/task_delayacct", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, &c, 1);
	close(fd);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EIO;
	return c != '0';
}
