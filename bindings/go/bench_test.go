// SPDX-License-Identifier: LGPL-2.1-or-later

package taskstats

import (
	"errors"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"

	"libtaskstats/taskstats/internal/cbench"
)

// BenchmarkCompare queries every thread on the machine (or of the process
// TSTATS_BENCH_PID) four ways per
// iteration, interleaved so that each sees the same machine: C
// tstats_query_batch, Go Batch, C tstats_query per task, Go Query per task
// into a reused Stats. It reports the median µs per task of each and the
// Go/C ratios (targets: batch <= 1.2, single <= 1.3). Run it with
//
//	go test -run '^$' -bench Compare -benchtime 31x
func BenchmarkCompare(b *testing.B) {
	c, err := New()
	if errors.Is(err, ErrUnavailable) {
		b.Skip(err)
	}
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ids, err := benchIDs()
	if err != nil {
		b.Fatal(err)
	}
	cb, err := cbench.New(ids)
	if err != nil {
		b.Fatal(err)
	}
	defer cb.Close()
	out := make([]Stats, len(ids))
	errs := make([]syscall.Errno, len(ids))
	var one Stats
	goBatch := func() (time.Duration, error) {
		t0 := time.Now()
		_, err := c.Batch(KindPID, ids, out, errs)
		return time.Since(t0), err
	}
	goSingle := func() (time.Duration, error) {
		t0 := time.Now()
		for _, id := range ids {
			if err := c.Query(KindPID, int(id), &one); err != nil && !errors.Is(err, syscall.ESRCH) {
				return 0, err
			}
		}
		return time.Since(t0), nil
	}
	modes := []struct {
		name string
		run  func() (time.Duration, error)
		t    []float64
	}{{name: "c-batch", run: cb.Batch}, {name: "go-batch", run: goBatch},
		{name: "c-single", run: cb.Single}, {name: "go-single", run: goSingle}}
	for _, m := range modes { // warm-up: buffers get their size
		if _, err := m.run(); errors.Is(err, fs.ErrPermission) {
			b.Skipf("%v (needs CAP_NET_ADMIN)", err)
		} else if err != nil {
			b.Fatal(m.name, err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range modes {
			d, err := modes[j].run()
			if err != nil {
				b.Fatal(modes[j].name, err)
			}
			modes[j].t = append(modes[j].t, float64(d.Nanoseconds())/1e3/float64(len(ids)))
		}
	}
	median := func(v []float64) float64 {
		sort.Float64s(v)
		return v[len(v)/2]
	}
	med := map[string]float64{}
	for _, m := range modes {
		med[m.name] = median(m.t)
		b.ReportMetric(med[m.name], "µs/task-"+m.name)
	}
	b.ReportMetric(med["go-batch"]/med["c-batch"], "ratio-batch")
	b.ReportMetric(med["go-single"]/med["c-single"], "ratio-single")
	b.ReportMetric(float64(len(ids)), "tasks")
}

// benchIDs: every thread on the machine, or with TSTATS_BENCH_PID the
// threads of that process only (a stable set, as tasks that exit during
// the run take the error path).
func benchIDs() ([]uint32, error) {
	pid := os.Getenv("TSTATS_BENCH_PID")
	if pid == "" {
		return Tasks(KindPID, nil)
	}
	tasks, err := os.ReadDir("/proc/" + pid + "/task")
	var ids []uint32
	for _, t := range tasks {
		id, err := strconv.ParseUint(t.Name(), 10, 32)
		if err == nil {
			ids = append(ids, uint32(id))
		}
	}
	return ids, err
}

// BenchmarkFill is the Go side alone: decoding one C record into Stats.
func BenchmarkFill(b *testing.B) {
	c, err := New()
	if err != nil {
		b.Skip(err)
	}
	defer c.Close()
	var s Stats
	if err := c.Query(KindPID, 1, &s); err != nil {
		b.Skip(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s.fill(&c.one)
	}
}
