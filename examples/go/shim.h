/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * C side of the cgo example. Go cannot hand a Go function to C as a
 * function pointer, so these C callbacks forward to exported Go functions.
 * userdata carries a runtime/cgo.Handle (an integer), never a Go pointer:
 * C memory must not hold Go pointers, and the library keeps userdata only
 * for the duration of the call anyway.
 */
#ifndef TSTATS_GO_SHIM_H
#define TSTATS_GO_SHIM_H

#include <stdint.h>
#include <libtaskstats.h>

/* tstats_listener_run() with the Go callbacks; handle is a cgo.Handle. */
int tsgo_listener_run(struct tstats_listener *l, int timeout_ms, uintptr_t handle);

#endif
