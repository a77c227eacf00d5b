#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Query benchmarks (see bench/README.md). Run by hand, as root (the queries
# need CAP_NET_ADMIN), after building:  bench/run.sh [BUILDDIR]
#
# Every figure comes from this one run: per-task times are medians of
# interleaved passes over one list of thread ids, reported as ratios to
# the raw-syscall floor measured in the same passes.
set -eu

build=${1:-build}
rounds=${ROUNDS:-31}
extra=${EXTRA_THREADS:-500}
scan_threads=${SCAN_THREADS:-10000}
tsbench=$build/bench/tsbench
oneshot=$build/bench/oneshot
cli=$build/cli/taskstats-cli

[ -x "$tsbench" ] || { echo "no $tsbench: build first (meson setup $build && ninja -C $build)" >&2; exit 1; }
tmp=$(mktemp -d)
spawner=
cleanup() {
	[ -n "$spawner" ] && kill "$spawner" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# Starts N idle threads in a helper process; waits until they exist.
spawn() {
	[ -n "$spawner" ] && kill "$spawner" 2>/dev/null || true
	"$tsbench" spawn "$1" > "$tmp/ready" &
	spawner=$!
	while ! grep -q ready "$tmp/ready" 2>/dev/null; do sleep 0.1; done
}

echo "# libtaskstats query benchmark"
echo
echo "kernel $(uname -r), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo

# 1. One list of every thread id, with the idle threads.
spawn "$extra"
"$tsbench" list > "$tmp/ids"
echo "## Time per task ($(wc -l < "$tmp/ids") thread ids: the machine's plus $extra idle ones)"
echo
"$tsbench" compare "$tmp/ids" "$rounds"
echo

# 2. User-space instructions per query (callgrind counts only user code).
if command -v valgrind > /dev/null; then
	n=$(wc -l < "$tmp/ids")
	passes=3
	echo "## User-space instructions per query (valgrind --tool=callgrind, $passes passes after a warm-up)"
	echo
	echo "| mode | instructions/query |"
	echo "|---|---|"
	for mode in floor-serial floor-pipe libnl lib-single lib-batch lib-each; do
		ir=$(valgrind --tool=callgrind --collect-atstart=no \
			--callgrind-out-file="$tmp/cg.$mode" \
			"$tsbench" run "$mode" "$tmp/ids" "$passes" 2>&1 |
			sed -n 's/.*Collected : *\([0-9]*\).*/\1/p')
		echo "| $mode | $((ir / (n * passes))) |"
	done
	echo
else
	echo "(valgrind not installed: no instruction counts)"
	echo
fi

# 3. One-shot process: the CLI against the raw floor's one-shot, a process
# that links libc alone (bench/oneshot.c). Medians: a process's run time
# has a long tail. A build-tree CLI looks for its libraries through its
# $ORIGIN run path first (about 20 failed opens); an installed one of the
# same version, found in PATH, is timed too.
if [ -x "$cli" ] && command -v hyperfine > /dev/null; then
	pid=$$
	set -- "$oneshot $pid" "$cli -p $pid"
	installed=$(command -v taskstats-cli || true)
	if [ -n "$installed" ] &&
	   [ "$("$installed" --version 2>/dev/null)" = "$("$cli" --version)" ]; then
		set -- "$@" "$installed -p $pid"
	fi
	echo "## One-shot process, one query of PID $pid (hyperfine, medians)"
	echo
	hyperfine -N --warmup 50 --min-runs "${ONESHOT_RUNS:-1000}" \
		--export-json "$tmp/hf.json" "$@" > /dev/null
	python3 - "$tmp/hf.json" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
floor = res[0]["median"]
print("| command | median | vs floor |")
print("|---|---|---|")
for r in res:
    print("| `%s` | %.3f ms | %.2f |" % (r["command"], r["median"] * 1e3, r["median"] / floor))
PY
	echo
else
	echo "(no $cli or no hyperfine: one-shot comparison skipped)"
	echo
fi

# 4. A full scan: every thread listed and queried, with many threads.
spawn "$scan_threads"
echo "## Full scan (tstats_list_tasks + tstats_query_batch)"
echo
"$tsbench" scan 11
