// SPDX-License-Identifier: LGPL-2.1-or-later

package taskstats

/*
#cgo pkg-config: libtaskstats
#include <stdlib.h>
#include <libtaskstats.h>

// tstats_query() and tstats_query_batch() with the context as an integer:
// cgo checks a pointer argument by boxing it in an interface, which can
// allocate once per call, and queries in steady state must not allocate.
// The context is C memory: there is nothing for cgo to check.
static int tsgo_query(uintptr_t ctx, unsigned int kind, uint32_t id, struct tstats_record *ret)
{
	return tstats_query((struct tstats_ctx *)ctx, kind, id, ret);
}

static int tsgo_query_batch(uintptr_t ctx, unsigned int kind, const uint32_t *ids, size_t n,
			    struct tstats_record *recs, int *errs)
{
	return tstats_query_batch((struct tstats_ctx *)ctx, kind, ids, n, recs, errs);
}
*/
import "C"

import (
	"math"
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// Client queries the kernel for the accounting of tasks: one netlink
// socket (a libtaskstats context). It is safe for concurrent use: calls
// are serialised, so use one Client per goroutine to query in parallel.
type Client struct {
	mu   sync.Mutex
	ctx  *C.struct_tstats_ctx
	recs []C.struct_tstats_record // Batch scratch, reused
	errs []C.int
	one  C.struct_tstats_record // Query scratch: a local would escape to the heap
	proc C.struct_tstats_process
}

// New opens a Client. Opening needs no privilege; queries need
// CAP_NET_ADMIN. When the kernel has no taskstats, the error matches
// ErrUnavailable.
func New() (*Client, error) {
	// cgo takes the struct from the header it was built with; a library
	// of another layout at run time would be a packaging error.
	if got := C.tstats_struct_size(C.TSTATS_STRUCT_RECORD); got != C.sizeof_struct_tstats_record {
		return nil, &Error{Op: "open", Err: syscall.ELIBBAD}
	}
	var ctx *C.struct_tstats_ctx
	if err := errnoErr("open", 0, int(C.tstats_ctx_new(&ctx))); err != nil {
		return nil, err
	}
	return &Client{ctx: ctx}, nil
}

// Close closes the socket. It may be called from any goroutine; a query in
// progress on another goroutine finishes first. Later calls return
// ErrClosed. Closing twice returns nil.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	C.tstats_ctx_free(c.ctx)
	c.ctx = nil
	c.recs, c.errs = nil, nil
	return nil
}

// SetTimeout sets how long a query waits for the kernel (default 5 s).
func (c *Client) SetTimeout(d time.Duration) error {
	ms := d.Milliseconds()
	if ms < 1 || ms > math.MaxUint32 {
		return &Error{Op: "set timeout", Err: syscall.EINVAL}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx == nil {
		return ErrClosed
	}
	return errnoErr("set timeout", 0, int(C.tstats_ctx_set_timeout(c.ctx, C.uint(ms))))
}

// checkID refuses ids the kernel cannot name (its ids are u32, 0 is none)
// instead of truncating them.
func checkID(op string, id int) error {
	if id < 1 || uint64(id) > math.MaxUint32 {
		return &Error{Op: op, ID: id, Err: syscall.EINVAL}
	}
	return nil
}

// PID returns the accounting of one thread (any thread id).
func (c *Client) PID(pid int) (*Stats, error) {
	s := new(Stats)
	if err := c.Query(KindPID, pid, s); err != nil {
		return nil, err
	}
	return s, nil
}

// TGID returns the accounting of a whole thread group (a process), summed
// by the kernel. The kernel leaves identity, I/O, fault and memory fields
// out of TGID records; Process fills them in.
func (c *Client) TGID(tgid int) (*Stats, error) {
	s := new(Stats)
	if err := c.Query(KindTGID, tgid, s); err != nil {
		return nil, err
	}
	return s, nil
}

// Self returns the accounting of the calling process, all its threads
// (TGID of os.Getpid()): a Go program runs on several threads.
func (c *Client) Self() (*Stats, error) {
	return c.TGID(os.Getpid())
}

// Query fills s with the record of one thread (KindPID) or thread group
// (KindTGID). It does not allocate (see Stats.fill). Errors: ESRCH for no
// such task, EPERM without CAP_NET_ADMIN, EINVAL for an id outside
// 1..2^32-1, ETIMEDOUT.
func (c *Client) Query(kind Kind, id int, s *Stats) error {
	if err := checkID("query", id); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx == nil {
		return ErrClosed
	}
	r := C.tsgo_query(C.uintptr_t(uintptr(unsafe.Pointer(c.ctx))), C.uint(kind), C.uint32_t(id), &c.one)
	if r < 0 {
		return errnoErr("query", id, int(r))
	}
	s.fill(&c.one)
	return nil
}

// Batch queries len(ids) tasks of one kind in one call (tstats_query_batch(3):
// many requests per send, large receives). For each i, errs[i] is 0 and
// out[i] the record, or errs[i] is the id's own errno (ESRCH: the task is
// gone) and out[i] is left as it was. out and errs must be at least as
// long as ids. It returns the number of records filled, or an error that
// concerns the whole call (EPERM, ETIMEDOUT, ...).
//
// In steady state (the same Client, out reused for the same tasks) Batch
// allocates nothing.
func (c *Client) Batch(kind Kind, ids []uint32, out []Stats, errs []syscall.Errno) (int, error) {
	n := len(ids)
	if len(out) < n || len(errs) < n {
		return 0, &Error{Op: "batch", Err: syscall.EINVAL}
	}
	if n == 0 {
		return 0, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx == nil {
		return 0, ErrClosed
	}
	if cap(c.recs) < n {
		c.recs = make([]C.struct_tstats_record, n)
		c.errs = make([]C.int, n)
	}
	recs, cerrs := c.recs[:n], c.errs[:n]
	r := C.tsgo_query_batch(C.uintptr_t(uintptr(unsafe.Pointer(c.ctx))), C.uint(kind),
		(*C.uint32_t)(&ids[0]), C.size_t(n), &recs[0], &cerrs[0])
	if r < 0 {
		return 0, errnoErr("batch", 0, int(r))
	}
	for i := range recs {
		errs[i] = syscall.Errno(-cerrs[i])
		if cerrs[i] == 0 {
			out[i].fill(&recs[i])
		}
	}
	return int(r), nil
}

// Source says where a field of a process view came from.
type Source int

const (
	SourceNone          Source = C.TSTATS_SOURCE_NONE           // absent
	SourceTGID          Source = C.TSTATS_SOURCE_TGID           // the kernel's TGID total
	SourceThreadSum     Source = C.TSTATS_SOURCE_THREAD_SUM     // summed over live threads
	SourceLeader        Source = C.TSTATS_SOURCE_LEADER         // the group leader's record
	SourceThreadExtreme Source = C.TSTATS_SOURCE_THREAD_EXTREME // largest/smallest over live threads
)

// Process is the view of a whole process (tstats_query_process(3)): the
// kernel's TGID totals, completed with I/O, faults and memory summed over
// the live threads and identity fields from the group leader.
type Process struct {
	Stats
	// Threads is the number of live threads summed.
	Threads int
	sources [FieldCount]Source
}

// Source says where field f came from.
func (p *Process) Source(f Field) Source {
	if f >= FieldCount {
		return SourceNone
	}
	return p.sources[f]
}

// Process returns the process view of thread group tgid (any thread id of
// the group is accepted).
func (c *Client) Process(tgid int) (*Process, error) {
	p := new(Process)
	if err := c.QueryProcess(tgid, p); err != nil {
		return nil, err
	}
	return p, nil
}

// QueryProcess fills p with the process view of tgid, like Process.
func (c *Client) QueryProcess(tgid int, p *Process) error {
	if err := checkID("process", tgid); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx == nil {
		return ErrClosed
	}
	if r := C.tstats_query_process(c.ctx, C.uint32_t(tgid), &c.proc); r < 0 {
		return errnoErr("process", tgid, int(r))
	}
	p.Stats.fill(&c.proc.rec)
	p.Threads = int(c.proc.threads)
	for f := range p.sources {
		p.sources[f] = Source(C.tstats_process_source(&c.proc, C.uint(f)))
	}
	return nil
}

// CGroupStats counts the tasks directly in one cgroup v1 directory by
// scheduler state (tstats_query_cgroup(3)). cgroup v2 directories fail with
// EOPNOTSUPP: the kernel has no cgroupstats for them. No privilege needed.
type CGroupStats struct {
	Sleeping        uint64 // interruptible sleep (S)
	Running         uint64 // running or runnable (R)
	Stopped         uint64 // stopped by a signal (T)
	Uninterruptible uint64 // uninterruptible sleep (D)
	IOWait          uint64 // other states, waiting for I/O
}

// CGroupStats returns the task states of the cgroup v1 directory path,
// such as /sys/fs/cgroup/cpu.
func (c *Client) CGroupStats(path string) (*CGroupStats, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var cs C.struct_tstats_cgroupstats
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx == nil {
		return nil, ErrClosed
	}
	if r := C.tstats_query_cgroup(c.ctx, cpath, &cs); r < 0 {
		return nil, errnoErr("cgroup "+path, 0, int(r))
	}
	return &CGroupStats{
		Sleeping:        uint64(cs.nr_sleeping),
		Running:         uint64(cs.nr_running),
		Stopped:         uint64(cs.nr_stopped),
		Uninterruptible: uint64(cs.nr_uninterruptible),
		IOWait:          uint64(cs.nr_io_wait),
	}, nil
}

// Tasks appends to dst the ids of every thread (KindPID) or every process
// (KindTGID) visible in /proc, grouped by process, and returns the result
// (tstats_list_tasks(3)). Needs no privilege and no Client.
func Tasks(kind Kind, dst []uint32) ([]uint32, error) {
	want := 256
	for {
		base := len(dst)
		if cap(dst)-base < want {
			grown := make([]uint32, base, base+want)
			copy(grown, dst)
			dst = grown
		}
		room := dst[base:cap(dst)]
		r := int(C.tstats_list_tasks(C.uint(kind), (*C.uint32_t)(unsafe.Pointer(&room[0])),
			C.size_t(len(room))))
		if r < 0 {
			return dst, errnoErr("list tasks", 0, r)
		}
		if r <= len(room) {
			return dst[:base+r], nil
		}
		want = r + r/8 + 16 // tasks come and go: a margin
	}
}
