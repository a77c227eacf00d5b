#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Coverage of short-lived tasks (see bench/README.md). Run by hand, as root
# (the monitor needs CAP_NET_ADMIN), after building:
#   bench/coverage.sh [BUILDDIR]
#
# In one run, on one fork-heavy workload (tests/forkload), three tools
# account for CPU time over the same window, each against the busy time
# /proc/stat gives for its own window:
#   - the libtaskstats monitor (bench/monitor-cover): a tick a second,
#     exits taken as they come;
#   - pidstat -u 1 (sysstat): a /proc sampler at 1 s;
#   - bench/proc-sampler: the /proc sampler process-exporter is.
# The workload runs under a command name of its own, in a cgroup of its
# own: a second table gives what each tool accounts for of the workload's
# processes alone (by that name) against the cgroup's CPU time over the
# tool's window, which no other user of the machine adds to. Then the
# monitor's own CPU cost per tick per 1,000 tasks, on the machine without
# the workload and during it.
set -eu

build=${1:-build}
rate=${RATE:-200}			# children per second
duration=${DURATION:-10}		# seconds of workload
cpu_ms=${CPU_MS:-3}			# CPU time each child burns
write_kib=${WRITE_KIB:-64}		# what a writing child writes and syncs
write_every=${WRITE_EVERY:-10}		# every Nth child writes
pad=${PAD:-2}				# seconds of sampling before and after it
idle=${IDLE:-10}			# seconds of the monitor alone, for its cost
extra=${EXTRA_THREADS:-1000}		# idle threads added during both phases
keep=${KEEP:-}				# a directory to keep the raw outputs in
rcvbuf=${RCVBUF:-4194304}		# the monitor's exit-listener buffer (bytes)

cover=$build/bench/monitor-cover
sampler=$build/bench/proc-sampler
forkload=$build/tests/forkload
tsbench=$build/bench/tsbench
for f in "$cover" "$sampler" "$forkload" "$tsbench"; do
	[ -x "$f" ] || { echo "no $f: build first (meson setup $build && meson compile -C $build)" >&2; exit 1; }
done
command -v pidstat > /dev/null || { echo "no pidstat: apt-get install sysstat" >&2; exit 1; }

tmp=$(mktemp -d)
spawner=
wrapper=
cover_pid=
sampler_pid=
pidstat_pid=
cg=
cleanup() {
	for p in $spawner $wrapper $cover_pid $sampler_pid $pidstat_pid; do
		kill "$p" 2>/dev/null || true
	done
	# A killed workload's last children may still be exiting.
	if [ -n "$cg" ]; then
		for i in 1 2 3 4 5 6 7 8 9 10; do
			rmdir "$cg" 2>/dev/null && break
			sleep 0.2
		done
	fi
	[ -n "$keep" ] && mkdir -p "$keep" && cp "$tmp"/idle "$tmp"/monitor "$tmp"/sampler \
		"$tmp"/pidstat* "$tmp"/forkload "$keep"/ 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The workload's command name (forkload's children are forks: they keep
# it) and its cgroup, under the cgroup v2 hierarchy if there is one.
name=covload
ln -s "$(realpath "$forkload")" "$tmp/$name"
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
if [ -n "$cg2" ] && mkdir "$cg2/tstats-coverage.$$" 2>/dev/null; then
	cg=$cg2/tstats-coverage.$$
fi

hz=$(getconf CLK_TCK)
# Busy ticks of the aggregate line of /proc/stat: user nice system irq
# softirq steal (guest time is already in user and nice).
busy() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
# The workload cgroup's CPU time (µs), 0 without one.
cgroup_us() {
	if [ -n "$cg" ]; then awk '$1 == "usage_usec" { print $2 }' "$cg/cpu.stat"; else echo 0; fi
}
now() { date +%s.%N; }

echo "# Coverage of short-lived tasks"
echo
hz_kernel=$(zcat /proc/config.gz 2>/dev/null | sed -n 's/^CONFIG_HZ=//p' || true)
echo "kernel $(uname -r)${hz_kernel:+ (HZ $hz_kernel)}, $(nproc) CPUs; workload: forkload $rate/s for $duration s," \
	"$cpu_ms ms CPU each, every ${write_every}th writes+fsyncs $write_kib KiB"
echo

# Idle threads, so that the cost per 1,000 tasks is measured over
# thousands of tasks (they use no CPU: coverage is unchanged).
if [ "$extra" -gt 0 ]; then
	"$tsbench" spawn "$extra" > "$tmp/ready" &
	spawner=$!
	while ! grep -q ready "$tmp/ready" 2>/dev/null; do sleep 0.1; done
fi

# 1. The monitor alone, without the workload: its cost per tick.
"$cover" -b "$rcvbuf" -c "$name" "$idle" > "$tmp/idle"

# 2. All three samplers, started together, over pad + workload + pad.
# The workload's process is in its cgroup before they start (so that the
# monitor sees it there from its first tick), and waits for "go".
mkfifo "$tmp/go"
sh -c 'cg=$1 go=$2; shift 2
	if [ -n "$cg" ]; then echo $$ > "$cg/cgroup.procs" || exit 1; fi
	read x < "$go"; exec nice "$@"' \
	sh "$cg" "$tmp/go" "$tmp/$name" "$rate" "$duration" "$cpu_ms" "$write_kib" "$write_every" \
	> "$tmp/forkload" &
wrapper=$!
while [ -n "$cg" ] && ! grep -qx "$wrapper" "$cg/cgroup.procs"; do
	kill -0 "$wrapper" 2>/dev/null || { echo "cannot move the workload into $cg" >&2; exit 1; }
	sleep 0.05
done
# The three tools run at nice -5: a sampler kept off the CPU samples
# late, and more processes end unseen in a longer interval.
n=$((pad + duration + pad))
cgopt=${cg:+-g$cg}
nice -n -5 "$cover" -b "$rcvbuf" -c "$name" $cgopt "$n" > "$tmp/monitor" &
cover_pid=$!
nice -n -5 "$sampler" -c "$name" $cgopt "$n" > "$tmp/sampler" &
sampler_pid=$!
# pidstat's window is its run: the references are read right before it
# starts and right after it exits.
c0=$(cgroup_us); b0=$(busy); t0=$(now)
LC_ALL=C nice -n -5 pidstat -u -h 1 "$n" > "$tmp/pidstat" &
pidstat_pid=$!
sleep "$pad"
echo go > "$tmp/go"
wait "$pidstat_pid"
t1=$(now); b1=$(busy); c1=$(cgroup_us)
echo "$t0 $t1 $b0 $b1 $c0 $c1" > "$tmp/pidstat.window"
wait "$cover_pid" "$sampler_pid"
cover_pid= sampler_pid= pidstat_pid=
# A workload slowed down by a busy machine may outlast the window: the
# tables stay right (every reference is read over each tool's own
# window), but the workload's own figures then cover more.
overran=
kill -0 "$wrapper" 2>/dev/null && overran=1
wait "$wrapper"
wrapper=

# pidstat prints each process's share of each interval, measured by its
# own clock (/proc/uptime): %usr + %system + %guest is the process's
# utime + stime over the interval. It prints no interval's length, and a
# starved pidstat makes some last 2 or 3 s, so the lengths are recovered
# from the figures: each is a whole number of ticks over the length, so
# the smallest non-zero one of an interval is m ticks for a small m. m is
# taken as about 1 s's worth; then, while the lengths add up to less
# than pidstat's run (window, measured around it), the interval whose
# printed time (whole seconds) moved most past its length gets one more.
pidstat_sum() {
	LC_ALL=C awk -v name="$1" -v win="$(cat "$tmp/pidstat.window")" '
		function secs(t,  a) { split(t, a, ":"); return a[1] * 3600 + a[2] * 60 + a[3] }
		/^#/ { k++; next }
		NF >= 10 && $1 ~ /^[0-9]/ {
			ts[k] = secs($1)
			for (i = 4; i <= 8; i++)
				if ($i > 0 && (!(k in mn) || $i < mn[k]))
					mn[k] = $i
			if (name == "" || (NF == 10 && $10 == name))
				pct[k] += $4 + $5 + $6
		}
		END {
			split(win, w, " ")
			total = 0
			for (i = 1; i <= k; i++) {
				if (!(i in mn))
					continue
				m[i] = int(mn[i] + 0.5)
				if (m[i] < 1)
					m[i] = 1
				d[i] = (i - 1) in ts ? ts[i] - ts[i - 1] : 1
				if (d[i] < 0)
					d[i] += 86400
				total += m[i] / mn[i]
			}
			while (w[2] - w[1] - total > 0.6) {
				best = 0
				for (i in m)
					if (d[i] - m[i] / mn[i] > 0.5 &&
					    (!best || d[i] - m[i] / mn[i] > d[best] - m[best] / mn[best]))
						best = i
				if (!best)
					break
				m[best]++
				total += 1 / mn[best]
			}
			for (i in m)
				s += pct[i] / 100 * m[i] / mn[i]
			printf "%.3f", s
		}' "$tmp/pidstat"
}
pidstat_cpu=$(pidstat_sum "")
pidstat_busy=$(awk -v hz="$hz" '{ printf "%.3f", ($4 - $3) / hz }' "$tmp/pidstat.window")

field() { awk -v k="$2" '$1 == "total" { for (i = 2; i < NF; i += 2) if ($i == k) print $(i + 1) }' "$1"; }
row() { awk -v t="$1" -v c="$2" -v b="$3" 'BEGIN { printf "| %s | %.3f | %.3f | %.1f%% |\n", t, c, b, 100 * c / b }'; }

echo "## CPU time accounted for over the same window (${n} s, one run)"
echo
echo "| tool | CPU s accounted | busy CPU s | fraction |"
echo "|---|---|---|---|"
mb=$(field "$tmp/monitor" busy_s)
row "libtaskstats monitor: utime+stime" "$(field "$tmp/monitor" cpu_s)" "$mb"
row "libtaskstats monitor: cpu_run_virtual_total" "$(field "$tmp/monitor" run_virtual_s)" "$mb"
row "pidstat -u 1" "$pidstat_cpu" "$pidstat_busy"
sb=$(field "$tmp/sampler" busy_s)
row "/proc sampler, new pids no baseline" "$(field "$tmp/sampler" cpu_s)" "$sb"
row "/proc sampler, new pids from 0 (process-exporter)" "$(field "$tmp/sampler" cpu_new_zero_s)" "$sb"
echo
awk '{ for (i = 1; i < NF; i += 2) v[$i] = $(i + 1)
	printf "Workload: %d children, %.3f CPU s by their own clocks", v["children"], v["cpu_ns"] / 1e9
	if ("parent_cpu_ns" in v) printf " (its parent: %.3f s more)", v["parent_cpu_ns"] / 1e9
	printf ", %.1f MiB written.\n", v["write_bytes"] / 1048576 }' "$tmp/forkload"
[ -n "$overran" ] && echo "(The workload outlasted the sampling window: its own figures are not those of the window.)"
echo "Of the busy time, interrupts and steal (irq + softirq + steal, partly charged to no visible task): $(printf %.2f "$(field "$tmp/monitor" irq_steal_s)") s of $(printf %.2f "$mb") s."
echo "Monitor: $(field "$tmp/monitor" incomplete) incomplete intervals, $(field "$tmp/monitor" lost_messages) exit messages lost, $(field "$tmp/monitor" lost_threads) threads lost."
echo

if [ -n "$cg" ]; then
	mc=$(field "$tmp/monitor" cgroup_s)
	pc=$(awk '{ printf "%.6f", ($6 - $5) / 1e6 }' "$tmp/pidstat.window")
	sc=$(field "$tmp/sampler" cgroup_s)
	echo "## The workload alone: its processes (command name $name) against its cgroup's CPU time"
	echo
	echo "| tool | CPU s accounted | cgroup CPU s | fraction |"
	echo "|---|---|---|---|"
	row "libtaskstats monitor: utime+stime" "$(field "$tmp/monitor" comm_cpu_s)" "$mc"
	row "libtaskstats monitor: cpu_run_virtual_total" "$(field "$tmp/monitor" comm_run_virtual_s)" "$mc"
	row "pidstat -u 1" "$(pidstat_sum "$name")" "$pc"
	row "/proc sampler, new pids no baseline" "$(field "$tmp/sampler" comm_cpu_s)" "$sc"
	row "/proc sampler, new pids from 0 (process-exporter)" "$(field "$tmp/sampler" comm_cpu_new_zero_s)" "$sc"
	echo
else
	echo "(no writable cgroup v2 hierarchy: no table for the workload alone)"
	echo
fi

# 3. Cost per tick. "During the workload": the intervals in which the
# workload's processes ran. Exits per tick says how busy the exit listener
# was (other users of the machine start and end tasks too); the process's
# CPU outside its ticks (mostly taking exit records) is also given per exit.
cost() {
	awk -v sel="$2" '
		$1 != "interval" { next }
		{ for (i = 1; i < NF; i += 2) v[$i] = $(i + 1) }
		sel == "busy" && !(v["comm_run_ns"] > 0) { next }
		{ k++; q += v["queried"]; e += v["exits"]; t += v["tick_cpu_ns"]; p += v["proc_cpu_ns"] }
		END {
			if (!k) { print "| " sel " | 0 | | | | | | |"; exit }
			printf "| %s | %d | %.0f | %.0f | %.3f | %.3f | %.3f | %.1f |\n",
				sel == "busy" ? "during the workload" : "without the workload",
				k, q / k, e / k, t / k / 1e6, t / q * 1000 / 1e6, p / q * 1000 / 1e6,
				e ? (p - t) / e / 1e3 : 0
		}' "$1"
}
echo "## Monitor's own CPU per tick ($extra idle threads added)"
echo
echo "| phase | ticks | tasks queried per tick | exits per tick | tick CPU ms | tick CPU ms per 1,000 tasks | process CPU ms per tick per 1,000 tasks | CPU µs outside ticks per exit |"
echo "|---|---|---|---|---|---|---|---|"
cost "$tmp/idle" idle
cost "$tmp/monitor" busy
