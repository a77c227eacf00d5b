/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "shim.h"
#include "_cgo_export.h"

static int on_record(const struct tstats_record *rec, void *userdata)
{
	/* Go has no const: the Go side only reads the record. */
	return goOnRecord((struct tstats_record *)rec, (uintptr_t)userdata);
}

static int on_loss(unsigned int cause, uint64_t count, void *userdata)
{
	return goOnLoss(cause, count, (uintptr_t)userdata);
}

int tsgo_listener_run(struct tstats_listener *l, int timeout_ms, uintptr_t handle)
{
	return tstats_listener_run(l, timeout_ms, on_record, on_loss, (void *)handle);
}
