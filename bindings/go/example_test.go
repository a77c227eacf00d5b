// SPDX-License-Identifier: LGPL-2.1-or-later

package taskstats_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"syscall"
	"time"

	"libtaskstats/taskstats"
)

// One process's accounting, as with mdlayher/taskstats.
func Example() {
	c, err := taskstats.New()
	if err != nil {
		log.Fatal(err) // errors.Is(err, taskstats.ErrUnavailable): no taskstats here
	}
	defer c.Close()
	s, err := c.PID(1)
	if err != nil {
		log.Fatal(err) // errors.Is(err, fs.ErrPermission): needs CAP_NET_ADMIN
	}
	fmt.Printf("%s: user %v, system %v, waited %v for a CPU\n",
		s.Comm, s.UserCPUTime, s.SystemCPUTime, s.CPUDelay)
	if s.Has(taskstats.FieldCPUDelayMax) { // Linux 6.14 and later
		fmt.Println("longest wait:", s.CPUDelayMax)
	}
}

// Every thread on the machine in one call, into slices kept between
// samples: no allocation in steady state.
func ExampleClient_Batch() {
	c, err := taskstats.New()
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	ids, err := taskstats.Tasks(taskstats.KindPID, nil)
	if err != nil {
		log.Fatal(err)
	}
	out := make([]taskstats.Stats, len(ids))
	errs := make([]syscall.Errno, len(ids))
	if _, err := c.Batch(taskstats.KindPID, ids, out, errs); err != nil {
		log.Fatal(err)
	}
	for i := range ids {
		if errs[i] == 0 && out[i].ReadBytes > 1<<30 {
			fmt.Println(out[i].PID, out[i].Comm, "read more than 1 GiB from storage")
		}
	}
}

// The final accounting of every task that exits, for ten seconds.
func ExampleListener_Run() {
	l, err := taskstats.NewListener(taskstats.ListenerConfig{
		ReceiveBuffer: 16 << 20, // room for bursts of exits
		OnLoss: func(loss taskstats.Loss) {
			log.Printf("exit events lost (cause %d, %d so far)", loss.Cause, loss.Count)
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = l.Run(ctx, func(s *taskstats.Stats) error {
		if s.Kind == taskstats.KindPID {
			fmt.Println(s.PID, s.Comm, s.ExitCode.ExitStatus(), s.UserCPUTime+s.SystemCPUTime)
		}
		return nil // taskstats.ErrStop to stop
	})
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		log.Fatal(err)
	}
}

// The field table: every field's name, unit and description.
func ExampleFields() {
	f := taskstats.Fields()[taskstats.FieldCPUDelay]
	fmt.Printf("%s (%s): %s\n", f.Name, f.Unit, f.Description)
	// Output: cpu_delay_total (ns): time spent waiting on a run queue
}
