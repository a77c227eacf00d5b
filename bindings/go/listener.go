// SPDX-License-Identifier: LGPL-2.1-or-later

package taskstats

/*
#cgo pkg-config: libtaskstats
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <libtaskstats.h>

// No Go function is ever called from C: the library's callbacks are these C
// functions, which copy each record (or loss) into a sink in C memory and
// return. Run then hands them to the Go callback from Go, where a panic
// unwinds through Go frames only and the listener is not in use.

// One event: a record (cause 0) or a loss (cause, count).
struct tsgo_event {
	unsigned int cause;
	uint64_t count;
	struct tstats_record rec;
};

struct tsgo_sink {
	size_t cap, n;
	struct tsgo_event ev[];
};

static int tsgo_on_record(const struct tstats_record *rec, void *userdata)
{
	struct tsgo_sink *s = userdata;

	s->ev[s->n].cause = 0;
	s->ev[s->n].rec = *rec;
	// Full: stop; the rest stays queued in the listener for the next call.
	return ++s->n == s->cap;
}

static int tsgo_on_loss(unsigned int cause, uint64_t count, void *userdata)
{
	struct tsgo_sink *s = userdata;

	s->ev[s->n].cause = cause;
	s->ev[s->n].count = count;
	return ++s->n == s->cap;
}

static struct tsgo_sink *tsgo_sink_new(size_t cap)
{
	struct tsgo_sink *s = calloc(1, sizeof(*s) + cap * sizeof(s->ev[0]));

	if (s)
		s->cap = cap;
	return s;
}

static struct tsgo_event *tsgo_events(struct tsgo_sink *s)
{
	return s->ev;
}

static int tsgo_dispatch(struct tstats_listener *l, struct tsgo_sink *s)
{
	s->n = 0;
	return tstats_listener_dispatch(l, tsgo_on_record, tsgo_on_loss, s);
}

// Waits for the listener's fd (1: dispatch) or the wake-up eventfd (0).
static int tsgo_wait(int fd, int efd)
{
	struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = efd, .events = POLLIN } };
	uint64_t v;

	if (poll(p, 2, -1) < 0)
		return -errno;
	if (p[1].revents) {
		if (read(efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			return -errno;
		return 0;
	}
	return 1; // POLLIN, or POLLERR: an overflow to report
}

static int tsgo_wake(int efd)
{
	uint64_t one = 1;

	return write(efd, &one, sizeof(one)) < 0 ? -errno : 0;
}

static int tsgo_eventfd(void)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	return fd < 0 ? -errno : fd;
}
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"syscall"
	"unsafe"
)

// sinkEvents is how many records one dispatch copies out before Run hands
// them to the callback (about 72 KiB of C memory per Listener).
const sinkEvents = 64

// ErrStop, returned by a Run callback, ends Run with a nil error. Records
// received after the one it was returned for stay queued for the next Run.
var ErrStop = errors.New("taskstats: stop")

// LossCause says why exit events were lost.
type LossCause uint

const (
	// LossOverflow: the socket's receive buffer was full and the kernel
	// dropped exit messages (how many: ListenerStats.Dropped).
	LossOverflow LossCause = C.TSTATS_LOSS_OVERFLOW
	// LossTruncated: a message was larger than the library's buffer.
	LossTruncated LossCause = C.TSTATS_LOSS_TRUNCATED
	// LossMalformed: a message could not be parsed.
	LossMalformed LossCause = C.TSTATS_LOSS_MALFORMED
)

// Loss is one loss of exit events, reported in order with the records.
type Loss struct {
	// Cause says why.
	Cause LossCause
	// Count is the listener's counter for that cause after this loss.
	Count uint64
}

// ListenerConfig configures NewListener. The zero value listens on every
// possible CPU with the kernel's default receive buffer.
type ListenerConfig struct {
	// CPUs is a cpulist in the kernel's syntax ("0-3,7"); "" is every
	// possible CPU (tstats_listener_new(3)).
	CPUs string
	// ReceiveBuffer, if > 0, is the socket receive buffer in bytes: room
	// for the exits the program has not read yet. Each exit takes about
	// 2.4 KB of it; size it for the largest burst (SetReceiveBuffer).
	ReceiveBuffer int
	// OnLoss, if set, is called by Run for each loss, in order with the
	// records around it. Losses are counted in Stats either way.
	OnLoss func(Loss)
}

// ListenerStats are a Listener's counters since it was opened.
type ListenerStats struct {
	Messages  uint64 // exit messages received and parsed
	Records   uint64 // records taken from the library (delivered or queued)
	Overflows uint64 // receive buffer overflows seen
	Truncated uint64 // messages lost to a too small buffer
	Malformed uint64 // messages lost as unparsable
	// Dropped is the number of exit messages the kernel dropped for
	// this socket, or math.MaxUint64 if unknown.
	Dropped uint64
}

// PanicError is returned by Run when its callback (or OnLoss) panicked:
// the panic is recovered, and Run returns it with the stack.
type PanicError struct {
	Value any    // what was passed to panic
	Stack []byte // the goroutine's stack where it panicked
}

// Error gives the panic's value.
func (e *PanicError) Error() string {
	return fmt.Sprintf("taskstats: listener callback panicked: %v", e.Value)
}

// Listener receives the final accounting of every task that exits, from
// the moment NewListener returns (tstats_listener_new(3)). It needs
// CAP_NET_ADMIN and the initial user, PID and network namespaces.
//
// Close may be called from any goroutine, including Run's callback, at any
// time; it stops a Run in progress (which then returns ErrClosed) and the
// socket is closed as soon as no Run uses it. Stats and SetReceiveBuffer
// may also be called from any goroutine and from the callback.
type Listener struct {
	mu      sync.Mutex
	l       *C.struct_tstats_listener
	sink    *C.struct_tsgo_sink
	events  *C.struct_tsgo_event // sink's array
	efd     C.int
	next    int // first event of sink not yet handed to the callback
	running bool
	closed  bool
	onLoss  func(Loss)
	rec     Stats // handed to the callback, reused
}

// NewListener registers for exit events. When the kernel has no taskstats,
// the error matches ErrUnavailable; EPERM without CAP_NET_ADMIN; EINVAL
// outside the initial user and PID namespaces or for a bad cpulist.
func NewListener(cfg ListenerConfig) (*Listener, error) {
	var cpus *C.char
	if cfg.CPUs != "" {
		cpus = C.CString(cfg.CPUs)
		defer C.free(unsafe.Pointer(cpus))
	}
	l := &Listener{onLoss: cfg.OnLoss, efd: -1}
	if err := errnoErr("listen", 0, int(C.tstats_listener_new(cpus, &l.l))); err != nil {
		return nil, err
	}
	l.sink = C.tsgo_sink_new(sinkEvents)
	l.efd = C.tsgo_eventfd()
	if l.sink != nil {
		l.events = C.tsgo_events(l.sink)
	}
	if l.sink == nil || l.efd < 0 {
		err := &Error{Op: "listen", Err: syscall.ENOMEM}
		if l.efd < 0 {
			err.Err = syscall.Errno(-l.efd)
		}
		l.free()
		return nil, err
	}
	if cfg.ReceiveBuffer > 0 {
		if _, err := l.SetReceiveBuffer(cfg.ReceiveBuffer); err != nil {
			l.free()
			return nil, err
		}
	}
	return l, nil
}

func (l *Listener) free() {
	C.tstats_listener_free(l.l)
	l.l = nil
	C.free(unsafe.Pointer(l.sink))
	l.sink, l.events = nil, nil
	if l.efd >= 0 {
		C.close(l.efd)
		l.efd = -1
	}
}

// Close deregisters and closes the listener; see Listener for the rules.
// Closing twice returns nil.
func (l *Listener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	if l.running {
		C.tsgo_wake(l.efd) // Run frees it on its way out
		return nil
	}
	l.free()
	return nil
}

// CPUs returns the cpulist the listener is registered for ("0-3").
func (l *Listener) CPUs() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ""
	}
	return C.GoString(C.tstats_listener_cpulist(l.l))
}

// SetReceiveBuffer sets the socket's receive buffer to bytes and returns
// the size in effect as the kernel reports it (twice the request, for its
// bookkeeping). With CAP_NET_ADMIN any size is allowed; otherwise the
// kernel caps it at net.core.rmem_max.
func (l *Listener) SetReceiveBuffer(bytes int) (int, error) {
	if bytes <= 0 || bytes > 1<<30 {
		return 0, &Error{Op: "set receive buffer", Err: syscall.EINVAL}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, ErrClosed
	}
	r := int(C.tstats_listener_set_rcvbuf(l.l, C.int(bytes)))
	if r < 0 {
		return 0, errnoErr("set receive buffer", 0, r)
	}
	return r, nil
}

// Stats returns the listener's counters.
func (l *Listener) Stats() (ListenerStats, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ListenerStats{}, ErrClosed
	}
	var st C.struct_tstats_listener_stats
	if err := errnoErr("listener stats", 0, int(C.tstats_listener_stats(l.l, &st))); err != nil {
		return ListenerStats{}, err
	}
	return ListenerStats{
		Messages:  uint64(st.messages),
		Records:   uint64(st.records),
		Overflows: uint64(st.overflows),
		Truncated: uint64(st.truncated),
		Malformed: uint64(st.malformed),
		Dropped:   uint64(st.dropped),
	}, nil
}

// Run waits for exits and calls fn with each record, in the order the
// kernel sent them, until ctx is done (Run returns ctx.Err()), fn returns
// an error (Run returns it; ErrStop gives nil), fn or OnLoss panics
// (*PanicError), or the listener is closed (ErrClosed). The *Stats passed
// to fn is reused: copy it (*s) to keep it. Records received but not yet
// handed to fn when Run returns are kept for the next Run. Losses do not
// end Run: they go to ListenerConfig.OnLoss and the counters.
// One Run at a time: a second concurrent Run returns ErrBusy.
func (l *Listener) Run(ctx context.Context, fn func(*Stats) error) (err error) {
	l.mu.Lock()
	switch {
	case l.closed:
		l.mu.Unlock()
		return ErrClosed
	case l.running:
		l.mu.Unlock()
		return ErrBusy
	}
	l.running = true
	efd := l.efd
	l.mu.Unlock()

	// Cancellation reaches the blocking poll through the eventfd.
	done := make(chan struct{})
	watcher := make(chan struct{})
	go func() {
		defer close(watcher)
		select {
		case <-ctx.Done():
			C.tsgo_wake(efd)
		case <-done:
		}
	}()
	defer func() {
		close(done)
		<-watcher
		l.mu.Lock()
		l.running = false
		if l.closed {
			l.free()
			if err == nil || errors.Is(err, context.Canceled) {
				err = ErrClosed
			}
		}
		l.mu.Unlock()
	}()

	for {
		if err := l.deliver(ctx, fn); err != nil {
			if err == ErrStop {
				return nil
			}
			return err
		}
		// Everything queued was delivered: take what the socket holds.
		full, err := l.dispatch()
		if err != nil {
			return err
		}
		if full {
			continue // the library still has records queued
		}
		if l.pending() {
			continue
		}
		r := C.tsgo_wait(C.tstats_listener_fd(l.l), efd)
		if r < 0 && r != -C.EINTR {
			return errnoErr("wait", 0, int(r))
		}
		if err := l.stopped(ctx); err != nil {
			return err
		}
	}
}

func (l *Listener) stopped(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	return nil
}

func (l *Listener) pending() bool {
	return l.next < int(l.sink.n)
}

// dispatch fills the sink from the library (never blocks). It reports
// whether the sink filled up, i.e. the library may hold more.
func (l *Listener) dispatch() (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false, ErrClosed
	}
	l.next = 0
	r := C.tsgo_dispatch(l.l, l.sink)
	if r < 0 {
		return false, errnoErr("dispatch", 0, int(r))
	}
	return l.sink.n == l.sink.cap, nil
}

// deliver hands the sink's undelivered events to fn, outside the lock and
// outside any C frame.
func (l *Listener) deliver(ctx context.Context, fn func(*Stats) error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	n := int(l.sink.n)
	ev := unsafe.Slice(l.events, n)
	for l.next < n {
		if err := l.stopped(ctx); err != nil {
			return err
		}
		e := &ev[l.next]
		l.next++ // consumed, whatever fn does with it
		if e.cause != 0 {
			if l.onLoss != nil {
				l.onLoss(Loss{Cause: LossCause(e.cause), Count: uint64(e.count)})
			}
			continue
		}
		l.rec.fill(&e.rec)
		if err := fn(&l.rec); err != nil {
			return err
		}
	}
	return nil
}
