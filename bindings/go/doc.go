// SPDX-License-Identifier: LGPL-2.1-or-later

// Package taskstats reads Linux per-task accounting (CPU, memory, I/O and
// delays) from the kernel's taskstats interface through libtaskstats, the
// C library of this repository (cgo, pkg-config name "libtaskstats").
//
// The entry points of github.com/mdlayher/taskstats are here with the same
// names and meaning (New, Client.PID, Client.TGID, Client.Self,
// Client.CGroupStats, Client.Close; Stats with its field names where they
// overlap), plus what it lacks: every field of every struct taskstats
// version the kernel has shipped, with presence (a field the kernel did not
// send is absent, not 0: Stats.Has), batches of thousands of tasks per call
// without allocation, process views, task listing and exit events.
//
// Queries need CAP_NET_ADMIN. Errors are *Error values carrying the errno:
// errors.Is(err, syscall.ESRCH) for a task that does not exist,
// errors.Is(err, fs.ErrPermission) without the capability, and
// errors.Is(err, ErrUnavailable) when the kernel has no taskstats at all.
//
// A Client is safe for concurrent use (calls are serialised; use one Client
// per goroutine for parallel queries). Exit events arrive through a Listener,
// whose Run delivers them to a function until its context is cancelled.
//
// The C library's manual pages (man libtaskstats, man tstats_query_batch,
// ...) describe the kernel interface behind each call.
package taskstats
