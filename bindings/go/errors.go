// SPDX-License-Identifier: LGPL-2.1-or-later

package taskstats

import (
	"errors"
	"strconv"
	"syscall"
)

// ErrUnavailable is matched (errors.Is) by the error of New or NewListener
// when the kernel has no TASKSTATS generic-netlink family: a kernel built
// without CONFIG_TASKSTATS, or a network namespace other than the initial
// one before Linux 5.19. It is not a missing file, whatever ENOENT says.
var ErrUnavailable = errors.New("taskstats unavailable: the kernel has no TASKSTATS " +
	"generic-netlink family (CONFIG_TASKSTATS off, or a network namespace before Linux 5.19)")

// ErrClosed is returned by calls on a closed Client or Listener.
var ErrClosed = errors.New("taskstats: use of a closed client or listener")

// ErrBusy is returned by Listener.Run while another Run is in progress.
var ErrBusy = errors.New("taskstats: the listener is already running")

// Error is a failed call: the operation ("query", "open", "listen", ...),
// the task or thread group id it concerned (0 when none) and the errno.
//
// It unwraps to Err, so errors.Is(err, syscall.ESRCH) (a task that does not
// exist; golang.org/x/sys/unix.ESRCH is the same value) and
// errors.Is(err, fs.ErrPermission) (no CAP_NET_ADMIN) work.
// os.IsPermission does not: it predates error wrapping and looks only
// inside the os package's own error types.
type Error struct {
	Op  string        // what failed: "open", "query", "batch", "listen", ...
	ID  int           // the task or thread group id, 0 when none
	Err syscall.Errno // the library's (or the kernel's) errno
}

// Error says what failed, for which id, and why.
func (e *Error) Error() string {
	msg := e.Err.Error()
	if e.unavailable() {
		msg = ErrUnavailable.Error()
	}
	if e.ID != 0 {
		return "taskstats: " + e.Op + " " + strconv.Itoa(e.ID) + ": " + msg
	}
	return "taskstats: " + e.Op + ": " + msg
}

// Unwrap returns the errno.
func (e *Error) Unwrap() error { return e.Err }

// Is matches ErrUnavailable for "no TASKSTATS family" (ENOENT when opening).
func (e *Error) Is(target error) bool {
	return target == ErrUnavailable && e.unavailable()
}

// unavailable: the library returns -ENOENT from tstats_ctx_new() and
// tstats_listener_new() only when the family does not exist.
func (e *Error) unavailable() bool {
	return e.Err == syscall.ENOENT && (e.Op == "open" || e.Op == "listen")
}

// errnoErr turns the library's negative errno into an *Error (nil for r >= 0).
func errnoErr(op string, id int, r int) error {
	if r >= 0 {
		return nil
	}
	return &Error{Op: op, ID: id, Err: syscall.Errno(-r)}
}
