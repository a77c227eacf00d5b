// SPDX-License-Identifier: LGPL-2.1-or-later

package taskstats

/*
#cgo pkg-config: libtaskstats
#include <libtaskstats.h>
*/
import "C"

import (
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"
	"unsafe"
)

// Field is a field id of the library's field table (tstats_field_info(3)):
// stable, only ever appended to.
type Field uint

// The fields this package knows, by id; the comment gives the table's name.
const (
	FieldVersion                    Field = 0  // version
	FieldExitCode                   Field = 1  // exit_code
	FieldAccountingFlags            Field = 2  // flags
	FieldNice                       Field = 3  // nice
	FieldCPUDelayCount              Field = 4  // cpu_count
	FieldCPUDelay                   Field = 5  // cpu_delay_total
	FieldBlockIODelayCount          Field = 6  // blkio_count
	FieldBlockIODelay               Field = 7  // blkio_delay_total
	FieldSwapInDelayCount           Field = 8  // swapin_count
	FieldSwapInDelay                Field = 9  // swapin_delay_total
	FieldCPURunRealTotal            Field = 10 // cpu_run_real_total
	FieldCPURunVirtualTotal         Field = 11 // cpu_run_virtual_total
	FieldComm                       Field = 12 // comm
	FieldSched                      Field = 13 // sched
	FieldUID                        Field = 14 // uid
	FieldGID                        Field = 15 // gid
	FieldPID                        Field = 16 // pid
	FieldPPID                       Field = 17 // ppid
	FieldBeginTime                  Field = 18 // btime
	FieldElapsedTime                Field = 19 // etime
	FieldUserCPUTime                Field = 20 // utime
	FieldSystemCPUTime              Field = 21 // stime
	FieldMinorPageFaults            Field = 22 // minflt
	FieldMajorPageFaults            Field = 23 // majflt
	FieldCoreMem                    Field = 24 // coremem
	FieldVirtMem                    Field = 25 // virtmem
	FieldHiwaterRSS                 Field = 26 // hiwater_rss
	FieldHiwaterVM                  Field = 27 // hiwater_vm
	FieldReadChar                   Field = 28 // read_char
	FieldWriteChar                  Field = 29 // write_char
	FieldReadSyscalls               Field = 30 // read_syscalls
	FieldWriteSyscalls              Field = 31 // write_syscalls
	FieldReadBytes                  Field = 32 // read_bytes
	FieldWriteBytes                 Field = 33 // write_bytes
	FieldCancelledWriteBytes        Field = 34 // cancelled_write_bytes
	FieldVoluntaryContextSwitches   Field = 35 // nvcsw
	FieldInvoluntaryContextSwitches Field = 36 // nivcsw
	FieldUserCPUTimeScaled          Field = 37 // utimescaled
	FieldSystemCPUTimeScaled        Field = 38 // stimescaled
	FieldCPUScaledRunRealTotal      Field = 39 // cpu_scaled_run_real_total
	FieldFreePagesDelayCount        Field = 40 // freepages_count
	FieldFreePagesDelay             Field = 41 // freepages_delay_total
	FieldThrashingDelayCount        Field = 42 // thrashing_count
	FieldThrashingDelay             Field = 43 // thrashing_delay_total
	FieldBeginTime64                Field = 44 // btime64
	FieldCompactDelayCount          Field = 45 // compact_count
	FieldCompactDelay               Field = 46 // compact_delay_total
	FieldTGID                       Field = 47 // tgid
	FieldGroupElapsedTime           Field = 48 // tgetime
	FieldExeDev                     Field = 49 // exe_dev
	FieldExeInode                   Field = 50 // exe_inode
	FieldWPCopyDelayCount           Field = 51 // wpcopy_count
	FieldWPCopyDelay                Field = 52 // wpcopy_delay_total
	FieldIRQDelayCount              Field = 53 // irq_count
	FieldIRQDelay                   Field = 54 // irq_delay_total
	FieldCPUDelayMax                Field = 55 // cpu_delay_max
	FieldCPUDelayMin                Field = 56 // cpu_delay_min
	FieldBlockIODelayMax            Field = 57 // blkio_delay_max
	FieldBlockIODelayMin            Field = 58 // blkio_delay_min
	FieldSwapInDelayMax             Field = 59 // swapin_delay_max
	FieldSwapInDelayMin             Field = 60 // swapin_delay_min
	FieldFreePagesDelayMax          Field = 61 // freepages_delay_max
	FieldFreePagesDelayMin          Field = 62 // freepages_delay_min
	FieldThrashingDelayMax          Field = 63 // thrashing_delay_max
	FieldThrashingDelayMin          Field = 64 // thrashing_delay_min
	FieldCompactDelayMax            Field = 65 // compact_delay_max
	FieldCompactDelayMin            Field = 66 // compact_delay_min
	FieldWPCopyDelayMax             Field = 67 // wpcopy_delay_max
	FieldWPCopyDelayMin             Field = 68 // wpcopy_delay_min
	FieldIRQDelayMax                Field = 69 // irq_delay_max
	FieldIRQDelayMin                Field = 70 // irq_delay_min
	FieldCPUDelayMaxTime            Field = 71 // cpu_delay_max_ts
	FieldBlockIODelayMaxTime        Field = 72 // blkio_delay_max_ts
	FieldSwapInDelayMaxTime         Field = 73 // swapin_delay_max_ts
	FieldFreePagesDelayMaxTime      Field = 74 // freepages_delay_max_ts
	FieldThrashingDelayMaxTime      Field = 75 // thrashing_delay_max_ts
	FieldCompactDelayMaxTime        Field = 76 // compact_delay_max_ts
	FieldWPCopyDelayMaxTime         Field = 77 // wpcopy_delay_max_ts
	FieldIRQDelayMaxTime            Field = 78 // irq_delay_max_ts
	// FieldCount is the number of fields this package knows. A newer
	// library may have more (FieldInfoCount); Stats leaves those out.
	FieldCount = 79
)

// Kind says what a record describes.
type Kind uint32

const (
	// KindPID is one thread (the kernel's AGGR_PID).
	KindPID Kind = C.TSTATS_KIND_PID
	// KindTGID is a whole thread group, a process (AGGR_TGID).
	KindTGID Kind = C.TSTATS_KIND_TGID
)

// String returns "pid" or "tgid".
func (k Kind) String() string {
	switch k {
	case KindPID:
		return "pid"
	case KindTGID:
		return "tgid"
	}
	return "kind(" + strconv.FormatUint(uint64(k), 10) + ")"
}

// RecordFlags are the library's notes on a record (enum tstats_record_flag).
type RecordFlags uint32

const (
	// RecordVersionInferred: the payload's version read 0 and was inferred.
	RecordVersionInferred RecordFlags = C.TSTATS_RECORD_VERSION_INFERRED
	// RecordNewer: the kernel's struct is newer than the library knows;
	// only the known fields were decoded.
	RecordNewer RecordFlags = C.TSTATS_RECORD_NEWER
	// RecordShort: the payload was shorter than its version's struct.
	RecordShort RecordFlags = C.TSTATS_RECORD_SHORT
	// RecordExit: delivered by a Listener; the values are final.
	RecordExit RecordFlags = C.TSTATS_RECORD_EXIT
	// RecordGroupExit: the whole thread group exited with this task.
	RecordGroupExit RecordFlags = C.TSTATS_RECORD_GROUP_EXIT
	// RecordEmptyGroup: a TGID record of a group with no live thread
	// (a zombie process); every value but the version is 0.
	RecordEmptyGroup RecordFlags = C.TSTATS_RECORD_EMPTY_GROUP
)

// Stats is one decoded record: every field of the field table as a typed
// Go field. A field the kernel did not send (an older struct version, or a
// field the kernel leaves out of TGID records) is absent: its Go field is
// the zero value and Has reports false. Durations and times are converted
// from the kernel's units; Value gives any field in its table unit.
//
// Stats is plain data: copy it, keep it, reuse it.
type Stats struct {
	// Kind of record: one thread (KindPID) or a thread group (KindTGID).
	Kind Kind
	// ID is the PID or TGID the kernel's reply names.
	ID uint32
	// PayloadLen is the number of bytes of struct taskstats received.
	PayloadLen uint32
	// Flags are the library's notes on the record.
	Flags RecordFlags

	// Struct taskstats version the kernel sent (version).
	Version uint32 `taskstats:"version"`
	// Exit status in wait(2) form (exited tasks only) (exit_code).
	ExitCode syscall.WaitStatus `taskstats:"exit_code"`
	// Accounting flags: fork, su, core, xsig, group (flags).
	AccountingFlags uint32 `taskstats:"flags"`
	// Nice value (nice).
	Nice int64 `taskstats:"nice"`
	// Times the task ran on a CPU (cpu_count).
	CPUDelayCount uint64 `taskstats:"cpu_count"`
	// Time spent waiting on a run queue (cpu_delay_total).
	CPUDelay time.Duration `taskstats:"cpu_delay_total"`
	// Synchronous block I/O waits (blkio_count).
	BlockIODelayCount uint64 `taskstats:"blkio_count"`
	// Time waiting for synchronous block I/O (blkio_delay_total).
	BlockIODelay time.Duration `taskstats:"blkio_delay_total"`
	// Page swap-in waits (swapin_count).
	SwapInDelayCount uint64 `taskstats:"swapin_count"`
	// Time waiting for pages to be swapped in (swapin_delay_total).
	SwapInDelay time.Duration `taskstats:"swapin_delay_total"`
	// CPU time, wall-clock (user + system, tick-based) (cpu_run_real_total).
	CPURunRealTotal time.Duration `taskstats:"cpu_run_real_total"`
	// CPU time as the scheduler measured it (cpu_run_virtual_total).
	CPURunVirtualTotal time.Duration `taskstats:"cpu_run_virtual_total"`
	// Command name (untrusted: chosen by the task) (comm).
	Comm string `taskstats:"comm"`
	// Scheduling policy (0 normal, 1 fifo, 2 rr, 3 batch, 5 idle, 6 deadline) (sched).
	Sched uint32 `taskstats:"sched"`
	// Real user id (in the caller's user namespace) (uid).
	UID uint32 `taskstats:"uid"`
	// Real group id (gid).
	GID uint32 `taskstats:"gid"`
	// Thread id (in the caller's PID namespace) (pid).
	PID uint32 `taskstats:"pid"`
	// Parent's process id (ppid).
	PPID uint32 `taskstats:"ppid"`
	// Start time, 32-bit seconds since the epoch (btime).
	BeginTime time.Time `taskstats:"btime"`
	// Elapsed time since start (TGID: summed over threads) (etime).
	ElapsedTime time.Duration `taskstats:"etime"`
	// User CPU time (utime).
	UserCPUTime time.Duration `taskstats:"utime"`
	// System CPU time (stime).
	SystemCPUTime time.Duration `taskstats:"stime"`
	// Minor page faults (minflt).
	MinorPageFaults uint64 `taskstats:"minflt"`
	// Major page faults (majflt).
	MajorPageFaults uint64 `taskstats:"majflt"`
	// Resident memory integrated over CPU time (coremem, MiB×µs).
	CoreMem uint64 `taskstats:"coremem"`
	// Virtual memory integrated over CPU time (virtmem, MiB×µs).
	VirtMem uint64 `taskstats:"virtmem"`
	// Peak resident set size (hiwater_rss, KiB).
	HiwaterRSS uint64 `taskstats:"hiwater_rss"`
	// Peak virtual memory size (hiwater_vm, KiB).
	HiwaterVM uint64 `taskstats:"hiwater_vm"`
	// Bytes read by read-like calls (rounded down to KiB) (read_char, bytes).
	ReadChar uint64 `taskstats:"read_char"`
	// Bytes written by write-like calls (rounded down to KiB) (write_char, bytes).
	WriteChar uint64 `taskstats:"write_char"`
	// Read-like system calls (rounded down to 1024) (read_syscalls).
	ReadSyscalls uint64 `taskstats:"read_syscalls"`
	// Write-like system calls (rounded down to 1024) (write_syscalls).
	WriteSyscalls uint64 `taskstats:"write_syscalls"`
	// Bytes fetched from storage (rounded down to KiB) (read_bytes, bytes).
	ReadBytes uint64 `taskstats:"read_bytes"`
	// Bytes sent to storage (rounded down to KiB) (write_bytes, bytes).
	WriteBytes uint64 `taskstats:"write_bytes"`
	// Written bytes whose writeback was cancelled (truncate) (cancelled_write_bytes, bytes).
	CancelledWriteBytes uint64 `taskstats:"cancelled_write_bytes"`
	// Voluntary context switches (nvcsw).
	VoluntaryContextSwitches uint64 `taskstats:"nvcsw"`
	// Involuntary context switches (nivcsw).
	InvoluntaryContextSwitches uint64 `taskstats:"nivcsw"`
	// User CPU time scaled by CPU frequency (utimescaled).
	UserCPUTimeScaled time.Duration `taskstats:"utimescaled"`
	// System CPU time scaled by CPU frequency (stimescaled).
	SystemCPUTimeScaled time.Duration `taskstats:"stimescaled"`
	// Cpu_run_real_total scaled by CPU frequency (cpu_scaled_run_real_total).
	CPUScaledRunRealTotal time.Duration `taskstats:"cpu_scaled_run_real_total"`
	// Memory reclaim waits (freepages_count).
	FreePagesDelayCount uint64 `taskstats:"freepages_count"`
	// Time in direct memory reclaim (freepages_delay_total).
	FreePagesDelay time.Duration `taskstats:"freepages_delay_total"`
	// Thrashing page-cache refault waits (thrashing_count).
	ThrashingDelayCount uint64 `taskstats:"thrashing_count"`
	// Time waiting on thrashing page-cache refaults (thrashing_delay_total).
	ThrashingDelay time.Duration `taskstats:"thrashing_delay_total"`
	// Start time, seconds since the epoch (btime64).
	BeginTime64 time.Time `taskstats:"btime64"`
	// Memory compaction waits (compact_count).
	CompactDelayCount uint64 `taskstats:"compact_count"`
	// Time in memory compaction (compact_delay_total).
	CompactDelay time.Duration `taskstats:"compact_delay_total"`
	// Thread group (process) id (tgid).
	TGID uint32 `taskstats:"tgid"`
	// Elapsed time since the thread group leader started (tgetime).
	GroupElapsedTime time.Duration `taskstats:"tgetime"`
	// Device of the executable (st_dev encoding) (exe_dev).
	ExeDev uint64 `taskstats:"exe_dev"`
	// Inode of the executable (exe_inode).
	ExeInode uint64 `taskstats:"exe_inode"`
	// Write-protect copy (copy-on-write) waits (wpcopy_count).
	WPCopyDelayCount uint64 `taskstats:"wpcopy_count"`
	// Time in write-protect copy faults (wpcopy_delay_total).
	WPCopyDelay time.Duration `taskstats:"wpcopy_delay_total"`
	// IRQ/softirq interruptions (irq_count).
	IRQDelayCount uint64 `taskstats:"irq_count"`
	// Time taken by IRQ/softirq handling (irq_delay_total).
	IRQDelay time.Duration `taskstats:"irq_delay_total"`
	// Longest single run-queue wait (cpu_delay_max).
	CPUDelayMax time.Duration `taskstats:"cpu_delay_max"`
	// Shortest single run-queue wait (0: none yet) (cpu_delay_min).
	CPUDelayMin time.Duration `taskstats:"cpu_delay_min"`
	// Longest single block I/O wait (blkio_delay_max).
	BlockIODelayMax time.Duration `taskstats:"blkio_delay_max"`
	// Shortest single block I/O wait (blkio_delay_min).
	BlockIODelayMin time.Duration `taskstats:"blkio_delay_min"`
	// Longest single swap-in wait (swapin_delay_max).
	SwapInDelayMax time.Duration `taskstats:"swapin_delay_max"`
	// Shortest single swap-in wait (swapin_delay_min).
	SwapInDelayMin time.Duration `taskstats:"swapin_delay_min"`
	// Longest single reclaim wait (freepages_delay_max).
	FreePagesDelayMax time.Duration `taskstats:"freepages_delay_max"`
	// Shortest single reclaim wait (freepages_delay_min).
	FreePagesDelayMin time.Duration `taskstats:"freepages_delay_min"`
	// Longest single thrashing wait (thrashing_delay_max).
	ThrashingDelayMax time.Duration `taskstats:"thrashing_delay_max"`
	// Shortest single thrashing wait (thrashing_delay_min).
	ThrashingDelayMin time.Duration `taskstats:"thrashing_delay_min"`
	// Longest single compaction wait (compact_delay_max).
	CompactDelayMax time.Duration `taskstats:"compact_delay_max"`
	// Shortest single compaction wait (compact_delay_min).
	CompactDelayMin time.Duration `taskstats:"compact_delay_min"`
	// Longest single write-protect copy wait (wpcopy_delay_max).
	WPCopyDelayMax time.Duration `taskstats:"wpcopy_delay_max"`
	// Shortest single write-protect copy wait (wpcopy_delay_min).
	WPCopyDelayMin time.Duration `taskstats:"wpcopy_delay_min"`
	// Longest single IRQ/softirq delay (irq_delay_max).
	IRQDelayMax time.Duration `taskstats:"irq_delay_max"`
	// Shortest single IRQ/softirq delay (irq_delay_min).
	IRQDelayMin time.Duration `taskstats:"irq_delay_min"`
	// When the longest run-queue wait happened (cpu_delay_max_ts, zero when none).
	CPUDelayMaxTime time.Time `taskstats:"cpu_delay_max_ts"`
	// When the longest block I/O wait happened (blkio_delay_max_ts, zero when none).
	BlockIODelayMaxTime time.Time `taskstats:"blkio_delay_max_ts"`
	// When the longest swap-in wait happened (swapin_delay_max_ts, zero when none).
	SwapInDelayMaxTime time.Time `taskstats:"swapin_delay_max_ts"`
	// When the longest reclaim wait happened (freepages_delay_max_ts, zero when none).
	FreePagesDelayMaxTime time.Time `taskstats:"freepages_delay_max_ts"`
	// When the longest thrashing wait happened (thrashing_delay_max_ts, zero when none).
	ThrashingDelayMaxTime time.Time `taskstats:"thrashing_delay_max_ts"`
	// When the longest compaction wait happened (compact_delay_max_ts, zero when none).
	CompactDelayMaxTime time.Time `taskstats:"compact_delay_max_ts"`
	// When the longest write-protect copy wait happened (wpcopy_delay_max_ts, zero when none).
	WPCopyDelayMaxTime time.Time `taskstats:"wpcopy_delay_max_ts"`
	// When the longest IRQ/softirq delay happened (irq_delay_max_ts, zero when none).
	IRQDelayMaxTime time.Time `taskstats:"irq_delay_max_ts"`
	present         [2]uint64
	raw             [FieldCount]uint64
}

// Has reports whether field f is present in the record.
func (s *Stats) Has(f Field) bool {
	return f < FieldCount && has(&s.present, uint(f))
}

// Value returns field f in the unit of its table row (FieldInfo) and
// whether it is present. FieldNice holds a two's-complement int64; FieldComm
// has no number (see Stats.Comm).
func (s *Stats) Value(f Field) (uint64, bool) {
	if !s.Has(f) || f == FieldComm {
		return 0, false
	}
	return s.raw[f], true
}

func has(p *[2]uint64, f uint) bool {
	return p[f/64]&(1<<(f%64)) != 0
}

func unixTime(sec, nsec uint64, present bool) time.Time {
	if !present || sec == 0 && nsec == 0 {
		return time.Time{}
	}
	return time.Unix(int64(sec), int64(nsec))
}

// fill decodes a C record into s by copying it once: no cgo call, and no
// allocation unless the command name differs from the one s already holds.
func (s *Stats) fill(r *C.struct_tstats_record) {
	s.Kind = Kind(r.kind)
	s.ID = uint32(r.id)
	s.PayloadLen = uint32(r.payload_len)
	s.Flags = RecordFlags(r.flags)
	s.present = *(*[2]uint64)(unsafe.Pointer(&r.present[0]))
	s.raw = *(*[FieldCount]uint64)(unsafe.Pointer(&r.value[0]))
	p, v := &s.present, &s.raw
	s.setComm(r)
	s.Version = uint32(v[0])
	s.ExitCode = syscall.WaitStatus(v[1])
	s.AccountingFlags = uint32(v[2])
	s.Nice = int64(v[3])
	s.CPUDelayCount = v[4]
	s.CPUDelay = time.Duration(v[5])
	s.BlockIODelayCount = v[6]
	s.BlockIODelay = time.Duration(v[7])
	s.SwapInDelayCount = v[8]
	s.SwapInDelay = time.Duration(v[9])
	s.CPURunRealTotal = time.Duration(v[10])
	s.CPURunVirtualTotal = time.Duration(v[11])
	s.Sched = uint32(v[13])
	s.UID = uint32(v[14])
	s.GID = uint32(v[15])
	s.PID = uint32(v[16])
	s.PPID = uint32(v[17])
	s.BeginTime = unixTime(v[18], 0, has(p, 18))
	s.ElapsedTime = time.Duration(v[19]) * time.Microsecond
	s.UserCPUTime = time.Duration(v[20]) * time.Microsecond
	s.SystemCPUTime = time.Duration(v[21]) * time.Microsecond
	s.MinorPageFaults = v[22]
	s.MajorPageFaults = v[23]
	s.CoreMem = v[24]
	s.VirtMem = v[25]
	s.HiwaterRSS = v[26]
	s.HiwaterVM = v[27]
	s.ReadChar = v[28]
	s.WriteChar = v[29]
	s.ReadSyscalls = v[30]
	s.WriteSyscalls = v[31]
	s.ReadBytes = v[32]
	s.WriteBytes = v[33]
	s.CancelledWriteBytes = v[34]
	s.VoluntaryContextSwitches = v[35]
	s.InvoluntaryContextSwitches = v[36]
	s.UserCPUTimeScaled = time.Duration(v[37]) * time.Microsecond
	s.SystemCPUTimeScaled = time.Duration(v[38]) * time.Microsecond
	s.CPUScaledRunRealTotal = time.Duration(v[39])
	s.FreePagesDelayCount = v[40]
	s.FreePagesDelay = time.Duration(v[41])
	s.ThrashingDelayCount = v[42]
	s.ThrashingDelay = time.Duration(v[43])
	s.BeginTime64 = unixTime(v[44], 0, has(p, 44))
	s.CompactDelayCount = v[45]
	s.CompactDelay = time.Duration(v[46])
	s.TGID = uint32(v[47])
	s.GroupElapsedTime = time.Duration(v[48]) * time.Microsecond
	s.ExeDev = v[49]
	s.ExeInode = v[50]
	s.WPCopyDelayCount = v[51]
	s.WPCopyDelay = time.Duration(v[52])
	s.IRQDelayCount = v[53]
	s.IRQDelay = time.Duration(v[54])
	s.CPUDelayMax = time.Duration(v[55])
	s.CPUDelayMin = time.Duration(v[56])
	s.BlockIODelayMax = time.Duration(v[57])
	s.BlockIODelayMin = time.Duration(v[58])
	s.SwapInDelayMax = time.Duration(v[59])
	s.SwapInDelayMin = time.Duration(v[60])
	s.FreePagesDelayMax = time.Duration(v[61])
	s.FreePagesDelayMin = time.Duration(v[62])
	s.ThrashingDelayMax = time.Duration(v[63])
	s.ThrashingDelayMin = time.Duration(v[64])
	s.CompactDelayMax = time.Duration(v[65])
	s.CompactDelayMin = time.Duration(v[66])
	s.WPCopyDelayMax = time.Duration(v[67])
	s.WPCopyDelayMin = time.Duration(v[68])
	s.IRQDelayMax = time.Duration(v[69])
	s.IRQDelayMin = time.Duration(v[70])
	s.CPUDelayMaxTime = unixTime(0, v[71], has(p, 71))
	s.BlockIODelayMaxTime = unixTime(0, v[72], has(p, 72))
	s.SwapInDelayMaxTime = unixTime(0, v[73], has(p, 73))
	s.FreePagesDelayMaxTime = unixTime(0, v[74], has(p, 74))
	s.ThrashingDelayMaxTime = unixTime(0, v[75], has(p, 75))
	s.CompactDelayMaxTime = unixTime(0, v[76], has(p, 76))
	s.WPCopyDelayMaxTime = unixTime(0, v[77], has(p, 77))
	s.IRQDelayMaxTime = unixTime(0, v[78], has(p, 78))
}

// setComm keeps the string s already holds when the bytes are the same
// (the usual case when a slice of Stats is reused for the same tasks), so
// that steady-state batches do not allocate. The kernel's bytes are
// untrusted: invalid UTF-8 becomes U+FFFD.
func (s *Stats) setComm(r *C.struct_tstats_record) {
	if !has(&s.present, uint(FieldComm)) {
		s.Comm = ""
		return
	}
	b := (*[len(r.comm)]byte)(unsafe.Pointer(&r.comm[0]))[:]
	n := 0
	for n < len(b) && b[n] != 0 {
		n++
	}
	b = b[:n]
	if s.Comm == string(b) {
		return
	}
	if utf8.Valid(b) {
		s.Comm = string(b)
	} else {
		s.Comm = strings.ToValidUTF8(string(b), "\uFFFD")
	}
}

// FieldInfo describes a field: one row of the library's field table.
type FieldInfo struct {
	Name        string // stable snake_case name ("cpu_delay_total")
	KernelName  string // member of the kernel's struct taskstats
	Unit        string // short unit symbol ("ns", "KiB", "" for none)
	Description string // one line of English
	Since       uint32 // first struct version carrying the field
	InTGID      bool   // TGID records carry it for the whole group
	Counter     bool   // only grows over a task's life
	Signed      bool   // Value holds a two's-complement int64
}

var fieldTable struct {
	once sync.Once
	rows []FieldInfo
}

// Fields returns the library's field table, indexed by Field. It may hold
// more rows than FieldCount when the library is newer than this package.
// The slice is shared: do not modify it.
func Fields() []FieldInfo {
	fieldTable.once.Do(func() {
		n := uint(C.tstats_field_count())
		rows := make([]FieldInfo, n)
		for i := uint(0); i < n; i++ {
			fi := C.tstats_field_info(C.uint(i))
			rows[i] = FieldInfo{
				Name:        C.GoString(fi.name),
				KernelName:  C.GoString(fi.kernel_name),
				Unit:        C.GoString(fi.unit),
				Description: C.GoString(fi.description),
				Since:       uint32(fi.since),
				InTGID:      fi.in_tgid != 0,
				Counter:     fi.flags&C.TSTATS_FIELD_COUNTER != 0,
				Signed:      fi.flags&C.TSTATS_FIELD_SIGNED != 0,
			}
		}
		fieldTable.rows = rows
	})
	return fieldTable.rows
}

// String returns the field's table name ("utime").
func (f Field) String() string {
	if rows := Fields(); int(f) < len(rows) {
		return rows[f].Name
	}
	return "field(" + strconv.FormatUint(uint64(f), 10) + ")"
}

// FieldByName returns the field with that table name.
func FieldByName(name string) (Field, bool) {
	for i, row := range Fields() {
		if row.Name == name {
			return Field(i), true
		}
	}
	return 0, false
}
