// SPDX-License-Identifier: LGPL-2.1-or-later

package taskstats

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// newListener registers, skipping only where exit events cannot exist
// here: no taskstats, no CAP_NET_ADMIN, not the initial namespaces.
func newListener(t *testing.T, cfg ListenerConfig) *Listener {
	t.Helper()
	if cfg.ReceiveBuffer == 0 {
		// Room for the exits of the rest of the machine while a test
		// waits for its own children's: a busy machine must not make
		// them drop.
		cfg.ReceiveBuffer = 8 << 20
	}
	l, err := NewListener(cfg)
	switch {
	case errors.Is(err, ErrUnavailable), errors.Is(err, fs.ErrPermission):
		t.Skip(err)
	case errors.Is(err, syscall.EINVAL):
		t.Skipf("%v (exit listeners need the initial user and PID namespaces)", err)
	case err != nil:
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// children runs n short children that exit with status code.
func children(t *testing.T, n, code int) map[uint32]bool {
	t.Helper()
	pids := map[uint32]bool{}
	for i := 0; i < n; i++ {
		cmd := exec.Command("/bin/sh", "-c", "exit "+strconv.Itoa(code))
		if err := cmd.Run(); cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != code {
			t.Fatalf("child: %v", err)
		}
		pids[uint32(cmd.Process.Pid)] = true
	}
	return pids
}

// mine selects the exit records of this process's children.
func mine(s *Stats) bool {
	return s.Kind == KindPID && s.PPID == uint32(os.Getpid())
}

func TestListenerChildren(t *testing.T) {
	l := newListener(t, ListenerConfig{})
	if l.CPUs() == "" {
		t.Error("no cpulist")
	}
	pids := children(t, 3, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got := map[uint32]Stats{}
	err := l.Run(ctx, func(s *Stats) error {
		if mine(s) {
			got[s.PID] = *s
		}
		if len(got) == len(pids) {
			return ErrStop
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Run: %v (got %d of %d)", err, len(got), len(pids))
	}
	for pid, s := range got {
		if !pids[pid] || s.ID != pid || s.ExitCode.ExitStatus() != 4 || s.Comm != "sh" ||
			s.Flags&RecordExit == 0 || s.Flags&RecordGroupExit == 0 || !s.Has(FieldUserCPUTime) {
			t.Errorf("exit record of %d: %+v", pid, s)
		}
	}
	st, err := l.Stats()
	if err != nil || st.Messages < 3 || st.Records < 3 || st.Overflows != 0 {
		t.Errorf("stats %+v %v", st, err)
	}
}

func TestListenerCancel(t *testing.T) {
	l := newListener(t, ListenerConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := l.Run(ctx, func(*Stats) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("Run: %v after %v", err, time.Since(start))
	}
	// The listener is still usable after a cancelled Run.
	children(t, 1, 0)
	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := l.Run(ctx, func(s *Stats) error {
		if mine(s) {
			return ErrStop
		}
		return nil
	}); err != nil {
		t.Errorf("Run after a cancelled one: %v", err)
	}
}

// Close from another goroutine while Run waits in poll: Run returns
// ErrClosed, and everything after reports ErrClosed.
func TestListenerCloseFromOtherGoroutine(t *testing.T) {
	l := newListener(t, ListenerConfig{})
	done := make(chan error)
	go func() { done <- l.Run(context.Background(), func(*Stats) error { return nil }) }()
	time.Sleep(100 * time.Millisecond)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != ErrClosed {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after Close")
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := l.Stats(); err != ErrClosed {
		t.Errorf("Stats after Close: %v", err)
	}
	if err := l.Run(context.Background(), nil); err != ErrClosed {
		t.Errorf("Run after Close: %v", err)
	}
}

// Close from the callback itself, with records still queued.
func TestListenerCloseFromCallback(t *testing.T) {
	l := newListener(t, ListenerConfig{})
	children(t, 3, 0)
	calls := 0
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := l.Run(ctx, func(s *Stats) error {
		calls++
		if mine(s) {
			if err := l.Close(); err != nil {
				t.Error(err)
			}
		}
		return nil
	})
	if err != ErrClosed || calls == 0 {
		t.Errorf("Run: %v after %d records", err, calls)
	}
}

// A panic in the callback is recovered and returned; the records after
// the one that panicked are kept for the next Run, and ErrStop keeps the
// rest the same way.
func TestListenerPanicAndStopKeepRecords(t *testing.T) {
	l := newListener(t, ListenerConfig{})
	pids := children(t, 3, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var seen []uint32
	err := l.Run(ctx, func(s *Stats) error {
		if mine(s) {
			seen = append(seen, s.PID)
			panic("boom")
		}
		return nil
	})
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != "boom" || len(pe.Stack) == 0 {
		t.Fatalf("Run after a panic: %v", err)
	}
	for len(seen) < len(pids) {
		if err := l.Run(ctx, func(s *Stats) error {
			if mine(s) {
				seen = append(seen, s.PID)
				return ErrStop
			}
			return nil
		}); err != nil {
			t.Fatalf("Run: %v (seen %v of %v)", err, seen, pids)
		}
	}
	for _, pid := range seen {
		if !pids[pid] {
			t.Errorf("unexpected %d", pid)
		}
		delete(pids, pid)
	}
	if len(pids) != 0 {
		t.Errorf("lost %v", pids)
	}
}

func TestListenerBusyAndConfig(t *testing.T) {
	if _, err := NewListener(ListenerConfig{CPUs: "0-"}); !errors.Is(err, syscall.EINVAL) &&
		!errors.Is(err, ErrUnavailable) && !errors.Is(err, fs.ErrPermission) {
		t.Errorf("bad cpulist: %v", err)
	}
	l := newListener(t, ListenerConfig{CPUs: "0", ReceiveBuffer: 1 << 20})
	if l.CPUs() != "0" {
		t.Errorf("CPUs %q", l.CPUs())
	}
	if got, err := l.SetReceiveBuffer(4 << 20); err != nil || got < 8<<20 {
		t.Errorf("SetReceiveBuffer: %d %v", got, err)
	}
	if _, err := l.SetReceiveBuffer(0); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("SetReceiveBuffer(0): %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- l.Run(ctx, func(*Stats) error { return nil }) }()
	time.Sleep(50 * time.Millisecond)
	if err := l.Run(ctx, func(*Stats) error { return nil }); err != ErrBusy {
		t.Errorf("second Run: %v", err)
	}
	// Stats from another goroutine while Run waits.
	if _, err := l.Stats(); err != nil {
		t.Errorf("Stats during Run: %v", err)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("Run: %v", err)
	}
}

// Losses go to OnLoss and the counters, in order with the records, and
// never cost the records received before them.
func TestListenerLossesAreReported(t *testing.T) {
	var losses []Loss
	l := newListener(t, ListenerConfig{OnLoss: func(loss Loss) { losses = append(losses, loss) }})
	before := children(t, 3, 0)
	time.Sleep(100 * time.Millisecond) // queued in the socket
	// The smallest buffer the kernel allows, and exits nobody reads.
	if _, err := l.SetReceiveBuffer(1); err != nil {
		t.Fatal(err)
	}
	after := children(t, 300, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	got := map[uint32]bool{}
	err := l.Run(ctx, func(s *Stats) error {
		if mine(s) {
			got[s.PID] = true
		}
		return nil
	})
	if err != context.DeadlineExceeded {
		t.Fatalf("Run: %v", err)
	}
	for pid := range before {
		if !got[pid] {
			t.Errorf("exit of %d, before the loss, not delivered", pid)
		}
	}
	for pid := range got {
		if !before[pid] && !after[pid] {
			t.Errorf("unexpected %d", pid)
		}
	}
	if len(got) >= len(before)+len(after) || len(losses) == 0 || losses[0].Cause != LossOverflow {
		t.Errorf("%d of %d exits, losses %+v", len(got), len(before)+len(after), losses)
	}
	st, err := l.Stats()
	if err != nil || st.Overflows != uint64(len(losses)) || st.Dropped == 0 {
		t.Errorf("stats %+v %v, %d losses reported", st, err, len(losses))
	}
}

// TestExitBurst: 20,000 threads exit as fast as this process can start
// them while Run delivers; with a receive buffer sized for the burst,
// every exit arrives and nothing is lost.
func TestExitBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	const exits = 20000
	l := newListener(t, ListenerConfig{ReceiveBuffer: 64 << 20})
	me := uint32(os.Getpid())
	var mu sync.Mutex
	seen := make(map[uint32]bool, exits)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error)
	go func() {
		done <- l.Run(ctx, func(s *Stats) error {
			if s.Kind == KindPID && s.TGID == me {
				mu.Lock()
				seen[s.PID] = true
				mu.Unlock()
			}
			return nil
		})
	}()

	// A goroutine that ends locked to its thread takes the thread with
	// it: each one below is one thread exit, except on the main thread,
	// which the runtime keeps (hence one spare). 32 at a time.
	tids := make(chan uint32, exits+1)
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < exits+1; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			runtime.LockOSThread()
			tids <- uint32(syscall.Gettid())
		}()
	}
	wg.Wait()
	close(tids)
	produced := time.Since(start)
	want := make(map[uint32]bool, exits+1)
	for tid := range tids {
		want[tid] = true
	}
	delete(want, me)
	if len(want) < exits {
		t.Fatalf("only %d distinct threads of %d: the Go runtime reused threads", len(want), exits)
	}

	deadline := time.Now().Add(60 * time.Second)
	missing := 0
	for time.Now().Before(deadline) {
		mu.Lock()
		missing = 0
		for tid := range want {
			if !seen[tid] {
				missing++
			}
		}
		mu.Unlock()
		if missing == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("Run: %v", err)
	}
	st, _ := l.Stats()
	t.Logf("%d thread exits in %v; %d messages, overflows %d, dropped %d", len(want),
		produced.Round(time.Millisecond), st.Messages, st.Overflows, st.Dropped)
	if missing != 0 || st.Overflows != 0 || (st.Dropped != 0 && st.Dropped != ^uint64(0)) {
		t.Errorf("%d of %d exits missing; stats %+v", missing, len(want), st)
	}
}
