// SPDX-License-Identifier: LGPL-2.1-or-later

// Command mdlayher-compare times the Go package (bindings/go) against
// github.com/mdlayher/taskstats, the usual pure-Go choice, on every thread
// of the machine: the Go package's Batch and Query and mdlayher's PID per
// task, interleaved round by round. Built and run by run.sh, which needs a
// local copy of mdlayher/taskstats and its dependencies; nothing of them
// is kept in this repository.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"sort"
	"strconv"
	"syscall"
	"time"

	"libtaskstats/taskstats"

	mdlayher "github.com/mdlayher/taskstats"
)

func median(v []float64) float64 {
	sort.Float64s(v)
	return v[len(v)/2]
}

func main() {
	rounds := flag.Int("rounds", 31, "interleaved rounds")
	pid := flag.Int("pid", 0, "query the threads of this process only (a stable set)")
	flag.Parse()
	ids, err := taskstats.Tasks(taskstats.KindPID, nil)
	if *pid > 0 {
		var tasks []os.DirEntry
		tasks, err = os.ReadDir(fmt.Sprintf("/proc/%d/task", *pid))
		ids = ids[:0]
		for _, t := range tasks {
			if id, err := strconv.ParseUint(t.Name(), 10, 32); err == nil {
				ids = append(ids, uint32(id))
			}
		}
	}
	if err != nil {
		log.Fatal(err)
	}
	ours, err := taskstats.New()
	if err != nil {
		log.Fatal(err)
	}
	defer ours.Close()
	theirs, err := mdlayher.New()
	if err != nil {
		log.Fatal(err)
	}
	defer theirs.Close()
	out := make([]taskstats.Stats, len(ids))
	errs := make([]syscall.Errno, len(ids))
	var one taskstats.Stats
	modes := []struct {
		name string
		run  func() error
		t    []float64
	}{
		{name: "libtaskstats Batch", run: func() error {
			_, err := ours.Batch(taskstats.KindPID, ids, out, errs)
			return err
		}},
		{name: "libtaskstats Query", run: func() error {
			for _, id := range ids {
				if err := ours.Query(taskstats.KindPID, int(id), &one); err != nil &&
					!errors.Is(err, syscall.ESRCH) {
					return err
				}
			}
			return nil
		}},
		{name: "mdlayher PID", run: func() error {
			ok := 0
			for _, id := range ids {
				// A task that exits meanwhile fails; most must not.
				if _, err := theirs.PID(int(id)); err == nil {
					ok++
				}
			}
			if ok < len(ids)/2 {
				return fmt.Errorf("only %d of %d queries answered", ok, len(ids))
			}
			return nil
		}},
	}
	for i := 0; i <= *rounds; i++ {
		for j := range modes {
			t0 := time.Now()
			if err := modes[j].run(); err != nil {
				log.Fatalf("%s: %v", modes[j].name, err)
			}
			if i > 0 { // round 0 warms up
				modes[j].t = append(modes[j].t, float64(time.Since(t0).Nanoseconds())/1e3/float64(len(ids)))
			}
		}
	}
	fmt.Printf("%d tasks, %d rounds, median µs per task:\n", len(ids), *rounds)
	med := map[string]float64{}
	for _, m := range modes {
		med[m.name] = median(m.t)
		fmt.Printf("  %-20s %8.2f\n", m.name, med[m.name])
	}
	fmt.Printf("  mdlayher PID / Batch %6.1fx\n", med["mdlayher PID"]/med["libtaskstats Batch"])
	fmt.Printf("  mdlayher PID / Query %6.1fx\n", med["mdlayher PID"]/med["libtaskstats Query"])
}
