// SPDX-License-Identifier: LGPL-2.1-or-later

package taskstats

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// newClient opens a Client and makes one query, skipping the test only
// where taskstats itself is missing or the capability is.
func newClient(t testing.TB) *Client {
	t.Helper()
	c, err := New()
	if errors.Is(err, ErrUnavailable) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.PID(os.Getpid()); errors.Is(err, fs.ErrPermission) {
		t.Skipf("%v (needs CAP_NET_ADMIN)", err)
	}
	return c
}

func reapedPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestFieldTableMatchesLibrary(t *testing.T) {
	rows := Fields()
	if len(rows) < FieldCount {
		t.Fatalf("the library has %d fields, this package knows %d", len(rows), FieldCount)
	}
	// Every field the package knows has exactly one typed Go field, tagged
	// with the table's name.
	seen := map[string]string{}
	st := reflect.TypeOf(Stats{})
	for i := 0; i < st.NumField(); i++ {
		if tag := st.Field(i).Tag.Get("taskstats"); tag != "" {
			if prev, dup := seen[tag]; dup {
				t.Errorf("%s and %s both tagged %q", prev, st.Field(i).Name, tag)
			}
			seen[tag] = st.Field(i).Name
		}
	}
	for f := Field(0); f < FieldCount; f++ {
		if _, ok := seen[rows[f].Name]; !ok {
			t.Errorf("field %d %q has no Go field", f, rows[f].Name)
		}
		if got, ok := FieldByName(rows[f].Name); !ok || got != f {
			t.Errorf("FieldByName(%q) = %d, %v", rows[f].Name, got, ok)
		}
	}
	if len(seen) != FieldCount {
		t.Errorf("%d tagged Go fields, %d table fields", len(seen), FieldCount)
	}
	// Spot checks of the constants against the table.
	for f, name := range map[Field]string{FieldVersion: "version", FieldComm: "comm",
		FieldUserCPUTime: "utime", FieldCPUDelay: "cpu_delay_total", FieldTGID: "tgid",
		FieldIRQDelayMaxTime: "irq_delay_max_ts", FieldAccountingFlags: "flags"} {
		if f.String() != name {
			t.Errorf("Field %d is %q, want %q", f, f.String(), name)
		}
	}
	if !rows[FieldNice].Signed || !rows[FieldUserCPUTime].Counter || rows[FieldPID].Counter {
		t.Errorf("flags of nice/utime/pid: %+v %+v %+v", rows[FieldNice], rows[FieldUserCPUTime], rows[FieldPID])
	}
}

// checkTyped compares every tagged Go field with the raw value of its table
// field, converted by the unit: the decoder's one line per field is right.
func checkTyped(t *testing.T, s *Stats) {
	t.Helper()
	rows := Fields()
	v := reflect.ValueOf(s).Elem()
	for i := 0; i < v.NumField(); i++ {
		tag := v.Type().Field(i).Tag.Get("taskstats")
		if tag == "" {
			continue
		}
		f, _ := FieldByName(tag)
		raw, present := s.Value(f)
		if present != s.Has(f) && f != FieldComm {
			t.Errorf("%s: Value and Has disagree", tag)
		}
		got := v.Field(i).Interface()
		var want any
		switch x := got.(type) {
		case time.Duration:
			want = time.Duration(raw)
			if rows[f].Unit == "us" {
				want = time.Duration(raw) * time.Microsecond
			}
		case time.Time:
			switch {
			case raw == 0:
				want = time.Time{}
			case rows[f].Unit == "ns":
				want = time.Unix(0, int64(raw))
			default:
				want = time.Unix(int64(raw), 0)
			}
			if x.Equal(want.(time.Time)) {
				want = x
			}
		case uint64:
			want = raw
		case uint32:
			want = uint32(raw)
		case int64:
			want = int64(raw)
		case syscall.WaitStatus:
			want = syscall.WaitStatus(raw)
		case string:
			continue
		default:
			t.Fatalf("%s: unexpected type %T", tag, got)
		}
		if got != want {
			t.Errorf("%s (%s): Go field %v, raw %d", tag, rows[f].Unit, got, raw)
		}
	}
}

func TestQuerySelf(t *testing.T) {
	c := newClient(t)
	me := os.Getpid()
	s, err := c.PID(me)
	if err != nil {
		t.Fatal(err)
	}
	comm, _ := os.ReadFile("/proc/self/comm")
	if s.Kind != KindPID || s.ID != uint32(me) || s.PID != uint32(me) || s.TGID != uint32(me) ||
		s.Comm != strings.TrimSpace(string(comm)) || s.Version < 1 || s.PayloadLen == 0 {
		t.Fatalf("record of self: %+v", s)
	}
	for _, f := range []Field{FieldUserCPUTime, FieldCPUDelay, FieldCPUDelayCount, FieldPPID,
		FieldElapsedTime, FieldBeginTime} {
		if !s.Has(f) {
			t.Errorf("%s absent", f)
		}
	}
	if s.UID != uint32(os.Getuid()) || s.PPID != uint32(os.Getppid()) ||
		s.BeginTime.After(time.Now()) || s.BeginTime.Before(time.Now().Add(-time.Hour)) {
		t.Errorf("uid %d ppid %d begin %v", s.UID, s.PPID, s.BeginTime)
	}
	checkTyped(t, s)

	// Absent is not zero: a kernel TGID record has no identity or I/O.
	g, err := c.Self()
	if err != nil {
		t.Fatal(err)
	}
	if g.Kind != KindTGID || g.Has(FieldComm) || g.Has(FieldPID) || g.Has(FieldReadBytes) ||
		g.Comm != "" || !g.Has(FieldUserCPUTime) || g.Has(FieldCPUDelayMax) {
		t.Errorf("TGID record: kind %v comm %v pid %v read_bytes %v utime %v", g.Kind,
			g.Has(FieldComm), g.Has(FieldPID), g.Has(FieldReadBytes), g.Has(FieldUserCPUTime))
	}
	if _, ok := g.Value(FieldReadBytes); ok {
		t.Error("Value of an absent field reports present")
	}
	checkTyped(t, g)
}

func TestErrors(t *testing.T) {
	c := newClient(t)
	gone := reapedPID(t)
	_, err := c.PID(gone)
	var e *Error
	if !errors.Is(err, syscall.ESRCH) || !errors.As(err, &e) || e.Op != "query" || e.ID != gone {
		t.Fatalf("query of a reaped child: %#v", err)
	}
	if !strings.Contains(err.Error(), "no such process") {
		t.Errorf("message: %v", err)
	}
	// Ids the kernel cannot name are refused, never truncated: 2^32+1
	// would otherwise be PID 1.
	for _, id := range []int{0, -1, math.MaxUint32 + 2, math.MaxInt} {
		if _, err := c.PID(id); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("PID(%d): %v", id, err)
		}
		if _, err := c.Process(id); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("Process(%d): %v", id, err)
		}
	}
	if s, err := c.PID(math.MaxUint32); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("PID(2^32-1): %v %v", s, err)
	}
}

func TestErrorValues(t *testing.T) {
	// What New returns when the kernel has no TASKSTATS family.
	var err error = &Error{Op: "open", Err: syscall.ENOENT}
	if !errors.Is(err, ErrUnavailable) || strings.Contains(err.Error(), "no such file") ||
		!strings.Contains(err.Error(), "TASKSTATS") {
		t.Errorf("unavailable: %v", err)
	}
	// ENOENT elsewhere is not "unavailable".
	if errors.Is(&Error{Op: "cgroup /x", Err: syscall.ENOENT}, ErrUnavailable) {
		t.Error("a missing cgroup matched ErrUnavailable")
	}
	err = &Error{Op: "query", ID: 7, Err: syscall.EPERM}
	if !errors.Is(err, fs.ErrPermission) || !errors.Is(err, syscall.EPERM) ||
		err.Error() != "taskstats: query 7: operation not permitted" {
		t.Errorf("EPERM: %v", err)
	}
}

// TestPermission runs this test binary as nobody, without capabilities.
func TestPermission(t *testing.T) {
	if os.Getenv("TSTATS_GO_AS_NOBODY") == "1" {
		c, err := New()
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, err = c.PID(1)
		if !errors.Is(err, fs.ErrPermission) || !errors.Is(err, syscall.EPERM) {
			t.Fatalf("query without CAP_NET_ADMIN: %v", err)
		}
		return
	}
	newClient(t)
	setpriv, err := exec.LookPath("setpriv")
	if err != nil || os.Getuid() != 0 {
		t.Skip("needs root and setpriv(1) to drop to nobody")
	}
	// Copies nobody can reach (the build tree may not be): this test
	// binary and the library it loaded.
	dir, err := os.MkdirTemp("", "tstats-go")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	self, _ := os.Executable()
	exe := filepath.Join(dir, "taskstats.test")
	copyFile(t, self, exe)
	copyFile(t, loadedLibrary(t), filepath.Join(dir, "libtaskstats.so.0"))
	cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
		"--inh-caps=-all", exe, "-test.run=^TestPermission$")
	cmd.Env = append(os.Environ(), "TSTATS_GO_AS_NOBODY=1", "LD_LIBRARY_PATH="+dir)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err == nil {
		err = os.WriteFile(to, data, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// loadedLibrary is the path of the libtaskstats this process runs with.
func loadedLibrary(t *testing.T) string {
	t.Helper()
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(maps), "\n") {
		if i := strings.Index(line, "/"); i >= 0 && strings.Contains(line[i:], "/libtaskstats.so") {
			return line[i:]
		}
	}
	t.Fatal("libtaskstats is not in /proc/self/maps")
	return ""
}

func TestQueryAllocatesNothing(t *testing.T) {
	c := newClient(t)
	var s Stats
	me := os.Getpid()
	if err := c.Query(KindPID, me, &s); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(50, func() {
		if err := c.Query(KindPID, me, &s); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Query allocates %v times per call", n)
	}
}

func TestBatch(t *testing.T) {
	c := newClient(t)
	ids, err := Tasks(KindPID, nil)
	if err != nil || len(ids) < 2 {
		t.Fatalf("Tasks: %v %v", ids, err)
	}
	gone := reapedPID(t)
	ids = append(ids, uint32(gone), ids[0]) // a missing id and a repeat
	out := make([]Stats, len(ids))
	errs := make([]syscall.Errno, len(ids))
	n, err := c.Batch(KindPID, ids, out, errs)
	if err != nil || n < len(ids)/2 {
		t.Fatalf("Batch: %d of %d, %v", n, len(ids), err)
	}
	filled := 0
	for i, id := range ids {
		if errs[i] == 0 {
			filled++
			if out[i].ID != id || out[i].PID != id || out[i].Kind != KindPID {
				t.Errorf("item %d: asked %d, got %+v", i, id, out[i])
			}
		} else if errs[i] != syscall.ESRCH {
			t.Errorf("item %d (%d): %v", i, id, errs[i])
		}
	}
	if filled != n || errs[len(ids)-2] != syscall.ESRCH {
		t.Errorf("filled %d, returned %d, reaped child %v", filled, n, errs[len(ids)-2])
	}
	checkTyped(t, &out[0])

	// Steady state: the same tasks into the same slice allocate nothing.
	// (This process's threads: a kernel worker's command name changes
	// with its work, and a new name is a new string.)
	// Each thread 100 times: many items, so even one allocation per
	// call would show.
	threads := len(ids) - 2
	ids = ids[:0]
	tasks, _ := os.ReadDir("/proc/self/task")
	for i := 0; i < 100; i++ {
		for _, task := range tasks {
			id, _ := strconv.Atoi(task.Name())
			ids = append(ids, uint32(id))
		}
	}
	out = make([]Stats, len(ids))
	errs = make([]syscall.Errno, len(ids))
	if n := testing.AllocsPerRun(10, func() {
		if _, err := c.Batch(KindPID, ids, out, errs); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Batch of %d tasks allocates %v times per call", len(ids), n)
	}
	if _, err := c.Batch(KindPID, ids, out[:1], errs); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("short out slice: %v", err)
	}
	if n, err := c.Batch(KindTGID, nil, nil, nil); n != 0 || err != nil {
		t.Errorf("empty batch: %d %v", n, err)
	}

	procs, err := Tasks(KindTGID, make([]uint32, 0, 1))
	if err != nil || len(procs) == 0 || len(procs) > threads {
		t.Errorf("Tasks(KindTGID): %d processes, %d threads, %v", len(procs), threads, err)
	}
}

func TestProcess(t *testing.T) {
	c := newClient(t)
	me := os.Getpid()
	p, err := c.Process(me)
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != KindTGID || p.ID != uint32(me) || p.Threads < 1 || p.PID != uint32(me) {
		t.Fatalf("process view: %+v", p.Stats)
	}
	for f, want := range map[Field]Source{FieldReadBytes: SourceThreadSum,
		FieldUserCPUTime: SourceTGID, FieldComm: SourceLeader, FieldPID: SourceLeader} {
		if got := p.Source(f); got != want {
			t.Errorf("source of %s: %d, want %d", f, got, want)
		}
	}
	checkTyped(t, &p.Stats)
}

func TestCGroupStats(t *testing.T) {
	c := newClient(t)
	mounts, _ := os.ReadFile("/proc/self/mounts")
	checked := 0
	for _, line := range strings.Split(string(mounts), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		switch f[2] {
		case "cgroup": // v1: the kernel counts the tasks of the directory
			cs, err := c.CGroupStats(f[1])
			if err != nil || cs.Sleeping+cs.Running+cs.Uninterruptible+cs.Stopped+cs.IOWait == 0 {
				t.Errorf("cgroup v1 %s: %+v %v", f[1], cs, err)
			}
			checked++
		case "cgroup2": // v2: the kernel has no cgroupstats
			if _, err := c.CGroupStats(f[1]); !errors.Is(err, syscall.EOPNOTSUPP) {
				t.Errorf("cgroup v2 %s: %v", f[1], err)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Skip("no cgroup file system mounted")
	}
	if _, err := c.CGroupStats("/nonexistent"); !errors.Is(err, syscall.ENOENT) ||
		errors.Is(err, ErrUnavailable) {
		t.Errorf("missing directory: %v", err)
	}
}

// Close from another goroutine while queries run: they finish or report
// ErrClosed, nothing touches freed memory (the C library would crash).
func TestClientCloseWhileQuerying(t *testing.T) {
	c := newClient(t)
	var wg sync.WaitGroup
	var s Stats
	var mu sync.Mutex
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine Stats
			for i := 0; ; i++ {
				err := c.Query(KindPID, os.Getpid(), &mine)
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				if i == 0 {
					mu.Lock()
					s = mine
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := c.Batch(KindPID, []uint32{1}, make([]Stats, 1), make([]syscall.Errno, 1)); err != ErrClosed {
		t.Errorf("Batch after Close: %v", err)
	}
	if s.PID != uint32(os.Getpid()) {
		t.Errorf("concurrent queries: %+v", s)
	}
}

func TestSetTimeout(t *testing.T) {
	c := newClient(t)
	if err := c.SetTimeout(500 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PID(os.Getpid()); err != nil {
		t.Error(err)
	}
	for _, d := range []time.Duration{0, -time.Second, time.Microsecond} {
		if err := c.SetTimeout(d); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("SetTimeout(%v): %v", d, err)
		}
	}
}
