/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The live suites' one check of whether they can run here: a skip (77)
 * only where taskstats is really unavailable.
 */
#ifndef TSTATS_TEST_PROBE_H
#define TSTATS_TEST_PROBE_H

#include <stdbool.h>

/*
 * 0 when a query of our own thread works (and, with listen, registering an
 * exit listener); 77 with a "SKIP:" line on stderr when the kernel has no
 * TASKSTATS family or we lack CAP_NET_ADMIN; 1 for any other failure.
 */
int probe_taskstats(bool listen);

/*
 * The same for what needs no privilege (cgroupstats): 0 when the TASKSTATS
 * family resolves, 77 with a "SKIP:" line when the kernel has none, 1 for
 * any other failure.
 */
int probe_family(void);

#endif
