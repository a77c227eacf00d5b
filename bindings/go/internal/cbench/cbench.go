// SPDX-License-Identifier: LGPL-2.1-or-later

// Package cbench times libtaskstats from C, with no Go in the loop: the
// baseline the package's benchmarks compare the Go API with, in the same
// run on the same tasks.
package cbench

/*
#cgo pkg-config: libtaskstats
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <libtaskstats.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

// One tstats_query() per id into one reused record; ns for the pass, or
// -errno of the first failure that is not ESRCH.
static int64_t single_pass(struct tstats_ctx *ctx, const uint32_t *ids, size_t n)
{
	struct tstats_record rec;
	uint64_t t0 = now_ns();

	for (size_t i = 0; i < n; i++) {
		int r = tstats_query(ctx, TSTATS_KIND_PID, ids[i], &rec);

		if (r < 0 && r != -ESRCH)
			return r;
	}
	return (int64_t)(now_ns() - t0);
}

// One tstats_query_batch() over every id into arrays the caller keeps.
static int64_t batch_pass(struct tstats_ctx *ctx, const uint32_t *ids, size_t n,
			  struct tstats_record *recs, int *errs)
{
	uint64_t t0 = now_ns();
	int r = tstats_query_batch(ctx, TSTATS_KIND_PID, ids, n, recs, errs);

	return r < 0 ? r : (int64_t)(now_ns() - t0);
}
*/
import "C"

import (
	"errors"
	"syscall"
	"time"
	"unsafe"
)

// Bench holds a C context and C arrays for n ids.
type Bench struct {
	ctx  *C.struct_tstats_ctx
	ids  *C.uint32_t
	recs *C.struct_tstats_record
	errs *C.int
	n    int
}

// New copies ids into C memory and opens a context.
func New(ids []uint32) (*Bench, error) {
	if len(ids) == 0 {
		return nil, errors.New("cbench: no ids")
	}
	b := &Bench{n: len(ids)}
	if r := C.tstats_ctx_new(&b.ctx); r < 0 {
		return nil, syscall.Errno(-r)
	}
	b.ids = (*C.uint32_t)(C.calloc(C.size_t(len(ids)), 4))
	b.recs = (*C.struct_tstats_record)(C.calloc(C.size_t(len(ids)), C.sizeof_struct_tstats_record))
	b.errs = (*C.int)(C.calloc(C.size_t(len(ids)), C.sizeof_int))
	copy(unsafe.Slice((*uint32)(unsafe.Pointer(b.ids)), len(ids)), ids)
	return b, nil
}

// Close frees everything.
func (b *Bench) Close() {
	C.tstats_ctx_free(b.ctx)
	C.free(unsafe.Pointer(b.ids))
	C.free(unsafe.Pointer(b.recs))
	C.free(unsafe.Pointer(b.errs))
}

func result(r C.int64_t) (time.Duration, error) {
	if r < 0 {
		return 0, syscall.Errno(-r)
	}
	return time.Duration(r), nil
}

// Single times one tstats_query() per id.
func (b *Bench) Single() (time.Duration, error) {
	return result(C.single_pass(b.ctx, b.ids, C.size_t(b.n)))
}

// Batch times one tstats_query_batch() over every id.
func (b *Bench) Batch() (time.Duration, error) {
	return result(C.batch_pass(b.ctx, b.ids, C.size_t(b.n), b.recs, b.errs))
}
