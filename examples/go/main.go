// SPDX-License-Identifier: LGPL-2.1-or-later

// Command tstats-go uses libtaskstats from Go through cgo, as an embedding
// example. It queries one task, or listens for task exits, and writes JSON.
//
//	tstats-go -pid PID [-tgid]
//	tstats-go -exits N [-ppid PID] [-timeout 10s]
//
// The exit callbacks are C functions (shim.c) that forward to exported Go
// functions; the listener's userdata carries a runtime/cgo.Handle, an
// integer naming the Go state, never a Go pointer.
package main

/*
#cgo LDFLAGS: -ltaskstats
#include <errno.h>
#include "shim.h"
*/
import "C"

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime/cgo"
	"strings"
	"syscall"
	"time"
)

// errnoOf turns the library's negative errno into a Go error.
func errnoOf(r C.int) error {
	if r >= 0 {
		return nil
	}
	return syscall.Errno(-r)
}

// Record holds the fields present in a record, keyed by the library's
// field names; an absent field is unknown, not 0, and is left out.
type Record map[string]any

func toRecord(rec *C.struct_tstats_record) Record {
	m := Record{}
	n := C.tstats_field_count()
	for f := C.uint(0); f < n; f++ {
		if C.tstats_record_has(rec, f) == 0 {
			continue
		}
		info := C.tstats_field_info(f)
		name := C.GoString(info.name)
		if info.unit_id == C.TSTATS_UNIT_STRING {
			// Raw bytes chosen by the task: make them valid UTF-8;
			// encoding/json escapes control characters.
			m[name] = strings.ToValidUTF8(C.GoString(C.tstats_record_comm(rec)), "\uFFFD")
			continue
		}
		var v C.uint64_t
		if C.tstats_record_get(rec, f, &v) < 0 {
			continue
		}
		if info.unit_id == C.TSTATS_UNIT_NICE {
			m[name] = int64(v) // two's complement in the uint64
		} else {
			m[name] = uint64(v)
		}
	}
	return m
}

// Context is a query context: one thread at a time.
type Context struct {
	c *C.struct_tstats_ctx
}

func NewContext() (*Context, error) {
	var c *C.struct_tstats_ctx
	if err := errnoOf(C.tstats_ctx_new(&c)); err != nil {
		return nil, err
	}
	return &Context{c}, nil
}

func (c *Context) Close() {
	C.tstats_ctx_free(c.c)
	c.c = nil
}

// Query asks for one thread (or, with tgid, one thread group). The record
// lives in Go memory only for the call; the library keeps no pointer.
func (c *Context) Query(id uint32, tgid bool) (Record, error) {
	var rec C.struct_tstats_record
	kind := C.uint(C.TSTATS_KIND_PID)
	if tgid {
		kind = C.TSTATS_KIND_TGID
	}
	if err := errnoOf(C.tstats_query(c.c, kind, C.uint32_t(id), &rec)); err != nil {
		return nil, err
	}
	return toRecord(&rec), nil
}

// Listener receives the final accounting of tasks as they exit.
type Listener struct {
	l *C.struct_tstats_listener
}

func NewListener() (*Listener, error) {
	var l *C.struct_tstats_listener
	if err := errnoOf(C.tstats_listener_new(nil, &l)); err != nil {
		return nil, err
	}
	return &Listener{l}, nil
}

func (l *Listener) Close() {
	C.tstats_listener_free(l.l)
	l.l = nil
}

func (l *Listener) CPUs() string {
	return C.GoString(C.tstats_listener_cpulist(l.l))
}

// exitSink is the Go state behind one Run, reached from C by its handle.
type exitSink struct {
	want  int
	got   int
	match func(Record) bool
	emit  func(Record)
}

//export goOnRecord
func goOnRecord(rec *C.struct_tstats_record, h C.uintptr_t) C.int {
	s := cgo.Handle(h).Value().(*exitSink)
	r := toRecord(rec)
	r["kind"] = "pid"
	if rec.kind == C.TSTATS_KIND_TGID {
		r["kind"] = "tgid"
	}
	r["id"] = uint32(rec.id)
	r["group_exit"] = rec.flags&C.TSTATS_RECORD_GROUP_EXIT != 0
	if s.match != nil && !s.match(r) {
		return 0
	}
	s.got++
	s.emit(r)
	if s.got >= s.want {
		return 1 // stop: the rest stays queued in the listener
	}
	return 0
}

//export goOnLoss
func goOnLoss(cause C.uint, count C.uint64_t, h C.uintptr_t) C.int {
	s := cgo.Handle(h).Value().(*exitSink)
	s.emit(Record{"type": "loss", "cause": uint(cause), "count": uint64(count)})
	return 0
}

// Run delivers exit records to emit until want of them matched, or until
// timeout (0: none). It returns how many matched.
func (l *Listener) Run(want int, timeout time.Duration, match func(Record) bool,
	emit func(Record)) (int, error) {
	s := &exitSink{want: want, match: match, emit: emit}
	h := cgo.NewHandle(s)
	defer h.Delete()
	deadline := time.Now().Add(timeout)
	for s.got < want {
		ms := C.int(-1)
		if timeout > 0 {
			left := time.Until(deadline)
			if left <= 0 {
				break
			}
			ms = C.int((left + time.Millisecond - 1) / time.Millisecond)
		}
		r := C.tsgo_listener_run(l.l, ms, C.uintptr_t(h))
		// The Go runtime signals its threads (preemption): a wait
		// cut short by one just goes on.
		if r == -C.EINTR {
			continue
		}
		if err := errnoOf(r); err != nil {
			return s.got, err
		}
	}
	return s.got, nil
}

func main() {
	pid := flag.Int("pid", 0, "query this task")
	tgid := flag.Bool("tgid", false, "with -pid: the whole thread group")
	exits := flag.Int("exits", 0, "listen until this many exit records")
	ppid := flag.Int("ppid", 0, "with -exits: only tasks whose parent is this")
	timeout := flag.Duration("timeout", 0, "with -exits: give up after this long")
	flag.Parse()

	out := json.NewEncoder(os.Stdout)
	switch {
	case *pid > 0:
		c, err := NewContext()
		if err != nil {
			fmt.Fprintf(os.Stderr, "tstats-go: taskstats: %v\n", err)
			os.Exit(1)
		}
		defer c.Close()
		rec, err := c.Query(uint32(*pid), *tgid)
		if err != nil {
			fmt.Fprintf(os.Stderr, "tstats-go: query %d: %v\n", *pid, err)
			c.Close()
			os.Exit(1)
		}
		out.Encode(rec)
	case *exits > 0:
		l, err := NewListener()
		if err != nil {
			fmt.Fprintf(os.Stderr, "tstats-go: exit listener: %v\n", err)
			os.Exit(1)
		}
		defer l.Close()
		// Registered: exits from now on are seen.
		out.Encode(Record{"type": "listening", "cpus": l.CPUs()})
		var match func(Record) bool
		if *ppid > 0 {
			want := uint64(*ppid)
			match = func(r Record) bool { return r["ppid"] == want }
		}
		n, err := l.Run(*exits, *timeout, match, func(r Record) {
			if _, ok := r["type"]; !ok {
				r["type"] = "exit"
			}
			out.Encode(r)
		})
		if err != nil {
			fmt.Fprintf(os.Stderr, "tstats-go: listen: %v\n", err)
			l.Close()
			os.Exit(1)
		}
		if n < *exits {
			fmt.Fprintf(os.Stderr, "tstats-go: %d of %d exits before the timeout\n", n, *exits)
			l.Close()
			os.Exit(3)
		}
	default:
		flag.Usage()
		os.Exit(2)
	}
}
