#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The live-kernel and CLI suites of a build, run on real Debian kernels under
# QEMU: one for each struct taskstats era Debian still ships (bullseye 5.10
# v10, bookworm 6.1 v13, bookworm-backports and trixie 6.12 v14, sid v17).
#
#   scripts/test-kernels.sh [BUILDDIR]        (as root; BUILDDIR: build)
#
# For each suite: resolve the suite's current kernel from its
# linux-image-amd64 meta package, download it with a private apt
# configuration (own sources list, state and cache: the host's apt setup is
# only read, for the address of its Debian archive), build a busybox
# initramfs with the 9p, virtio and ext4 modules the image lacks, and boot
# it with the host's / shared read-only, a copy of the source tree (with
# BUILDDIR) on an ext4 disk at the same path, and BUILDDIR/meson-logs/kernels
# shared read-write for the results. Inside, the guest runs `meson test
# --suite live --suite cli` (so live suites added later run too) and powers
# off. No network in the guest; one VM at a time, each with a timeout.
#
# Prints one line per kernel and a closing total; exits 1 when a test failed,
# a VM did not finish, or a kernel could not be fetched (reported as SKIPPED,
# never as passed), 2 on a usage or set-up error.
#
# Environment:
#   TSTATS_KERNEL_CACHE   kernels and apt state (default ~/.cache/libtaskstats-kernels)
#   TSTATS_KERNEL_SUITES  Debian suites to test (default: all five above)
#   TSTATS_VM_TIMEOUT     seconds one VM may run (default 900)
#   TSTATS_KERNEL_TESTS   what the guest runs: arguments of meson test
#                         (default "--suite live --suite cli"; e.g.
#                         "monitor-live" to look into one suite)
#   TSTATS_DEBIAN_MIRROR  Debian archive URI (default: the host apt's)
#   TSTATS_KERNEL_CAPTURE a directory: also capture each kernel's replies
#                         there with fuzz-capture (fuzz/corpus/reply/real-linuxX.Y.Z-*)
set -euo pipefail

die() { echo "test-kernels: $*" >&2; exit 2; }

src=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(cd "${1:-build}" 2>/dev/null && pwd) || die "no build directory ${1:-build}"
cache=${TSTATS_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/libtaskstats-kernels}
suites=${TSTATS_KERNEL_SUITES:-bullseye bookworm bookworm-backports trixie sid}
vm_timeout=${TSTATS_VM_TIMEOUT:-900}
tests=${TSTATS_KERNEL_TESTS:---suite live --suite cli}
capture=${TSTATS_KERNEL_CAPTURE:+$(realpath -m "$TSTATS_KERNEL_CAPTURE")}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
# The modules the guest's file systems need (9p and ext4 on virtio); their
# dependencies are read from each module's .modinfo (the images carry no
# modules.dep: depmod makes it at install time).
root_modules="virtio_pci virtio_blk ext4 9pnet_virtio 9p"
# Loaded where shipped as modules: ext4 and jbd2 before 6.14 ask the crypto
# API for crc32c (a request_module() with no modprobe in the guest).
optional_modules="crc32c_generic"

[ -f "$builddir/build.ninja" ] || die "$builddir is not a meson build directory"
[ "$(id -u)" = 0 ] || die "needs root (the guest runs the live suites as root, virtfs shares /)"
case "$src$builddir" in
*[[:space:]]*) die "the source and build paths may not contain white space (kernel command line)" ;;
esac
case "$builddir/" in
"$src"/*) ;;
*) die "$builddir must be inside $src (the guest gets a copy of the source tree)" ;;
esac
for prog in qemu-system-x86_64 busybox cpio objcopy readelf mkfs.ext4 apt-get dpkg-deb xz zstd \
	    timeout; do
	command -v "$prog" >/dev/null || die "$prog is missing (scripts/install-deps.sh --test installs it)"
done
busybox=$(command -v busybox)
! readelf -l "$busybox" 2>/dev/null | grep -q 'INTERP' ||
	die "$busybox is not statically linked (package busybox-static)"

# The Debian archive the host's apt uses: the URI of its first suite
# without a dash (bookworm, not bookworm-security).
mirror=${TSTATS_DEBIAN_MIRROR:-$(apt-get indextargets --format '$(RELEASE) $(REPO_URI)' \
	'Identifier: Packages' 2>/dev/null | awk '$1 !~ /-/ && $2 ~ /\/debian\/?$/ { print $2; exit }')}
[ -n "$mirror" ] || die "no Debian archive in the host's apt sources; set TSTATS_DEBIAN_MIRROR"

# The guest runs the build as it is (meson test --no-rebuild): bring it up
# to date here, where compiling is fast.
meson compile -C "$builddir" >/dev/null || die "meson compile -C $builddir failed"

mkdir -p "$cache"
work=$(mktemp -d "$cache/run.XXXXXX")
trap 'rm -rf "$work"' EXIT
logdir=$builddir/meson-logs/kernels
mkdir -p "$logdir"

# apt-get/apt-cache with the private configuration of suite $1.
papt() {
	local suite=$1 tool=$2 d=$cache/apt/$1
	shift 2
	"$tool" -q -o Dir::Etc::SourceList="$d/sources.list" -o Dir::Etc::SourceParts="$d/empty" \
		-o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts="$d/empty" \
		-o Dir::State="$d" -o Dir::State::Lists="$d/lists" -o Dir::State::status="$d/status" \
		-o Dir::Cache="$d/cache" -o Acquire::Languages=none -o APT::Architectures::=amd64 \
		-o Debug::NoLocking=1 "$@"
}

apt_update() {
	local suite=$1 d=$cache/apt/$1
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/empty"
	: >"$d/status"
	echo "deb [signed-by=$keyring] $mirror $suite main" >"$d/sources.list"
	papt "$suite" apt-get update >"$work/apt-$suite.log" 2>&1 &&
		! grep -q '^E:' "$work/apt-$suite.log"
}

# The Depends of package $2 in suite $1, one name a line.
depends() {
	papt "$1" apt-cache depends "$2" 2>/dev/null | awk '$1 == "Depends:" { print $2 }'
}

# Decompresses module file $1 to $2.
unpack_ko() {
	case "$1" in
	*.ko.xz) xz -dc "$1" >"$2" ;;
	*.ko.zst) zstd -qdc "$1" >"$2" ;;
	*.ko.gz) gzip -dc "$1" >"$2" ;;
	*.ko) cp "$1" "$2" ;;
	*) return 1 ;;
	esac
}

# Copies module $1 and, first, its dependencies into $kdir/modules,
# appending each to $kdir/modules/order after what it depends on.
declare -A ko_path ko_done
add_module() {
	local name=${1//-/_} dep deps
	[ -z "${ko_done[$name]:-}" ] || return 0
	ko_done[$name]=1
	if [ -z "${ko_path[$name]:-}" ]; then
		# Built in: modules.builtin names it; nothing to load.
		grep -q "/${name//_/[-_]}\.ko\$" "$moddir/modules.builtin" && return 0
		echo "test-kernels: module $name is neither built in nor shipped" >&2
		return 1
	fi
	unpack_ko "${ko_path[$name]}" "$kdir/modules/$name.ko"
	objcopy -O binary --only-section=.modinfo "$kdir/modules/$name.ko" "$work/modinfo"
	deps=$(tr '\0' '\n' <"$work/modinfo" | sed -n 's/^depends=//p' | tr ',' ' ')
	for dep in $deps; do
		add_module "$dep" || return 1
	done
	echo "$name" >>"$kdir/modules/order"
}

# Downloads the kernel of suite $1 (image package $2, version $3) into $kdir:
# vmlinuz and modules/ (the .ko closure of $root_modules, in load order).
prepare_kernel() {
	local suite=$1 image=$2 version=$3 abi=${2#linux-image-} dl=$work/dl pkgs f
	rm -rf "$dl" "$kdir.tmp"
	mkdir -p "$dl/root" "$kdir.tmp/modules"
	# sid splits the image into linux-binary-ABI (vmlinuz), linux-modules-ABI
	# and linux-base-ABI (modules.builtin).
	pkgs="$image $(depends "$suite" "$image" | awk -v a="$abi" \
		'$0 == "linux-binary-" a || $0 == "linux-modules-" a || $0 == "linux-base-" a')"
	(cd "$dl" && papt "$suite" apt-get download $(for p in $pkgs; do echo "$p=$version"; done)) \
		>"$work/download.log" 2>&1 || { cat "$work/download.log" >&2; return 1; }
	for f in "$dl"/*.deb; do
		dpkg-deb --fsys-tarfile "$f" | tar -x -C "$dl/root" --wildcards \
			'./boot/vmlinuz-*' '*/modules/*' 2>/dev/null || true
	done
	moddir=$(find "$dl/root" -maxdepth 4 -type d -path "*/modules/$abi" | head -1)
	# /boot/vmlinuz-ABI, or (sid's linux-binary-ABI) in the modules directory.
	f=$dl/root/boot/vmlinuz-$abi
	[ -f "$f" ] || f=$moddir/vmlinuz
	[ -n "$moddir" ] && [ -f "$f" ] || {
		echo "test-kernels: $image has no vmlinuz or modules" >&2
		return 1
	}
	cp "$f" "$kdir.tmp/vmlinuz"
	ko_path=() ko_done=()
	while IFS= read -r f; do
		local base=${f##*/}
		base=${base%%.ko*}
		ko_path[${base//-/_}]=$f
	done < <(find "$moddir" -name '*.ko*')
	local save=$kdir
	kdir=$kdir.tmp
	: >"$kdir/modules/order"
	for f in $optional_modules; do
		[ -z "${ko_path[$f]:-}" ] || add_module "$f" || { kdir=$save; return 1; }
	done
	for f in $root_modules; do
		add_module "$f" || { kdir=$save; return 1; }
	done
	kdir=$save
	echo "$optional_modules $root_modules" >"$kdir.tmp/roots"
	rm -rf "$kdir" "$dl"
	mv "$kdir.tmp" "$kdir"
}

# The initramfs: busybox and an /init that loads the modules, mounts the
# host's / read-only over 9p (cache=loose: exec from 9p is many times slower
# without it), the copy of the source tree (an ext4 disk: storage writes and
# file capabilities work as on a real machine) and the results directory
# (read-write 9p) at their host paths, chroots into the host, runs
# guest.sh, prints its exit status and powers off.
make_initrd() {
	local st=$work/initrd
	rm -rf "$st"
	mkdir -p "$st/bin" "$st/proc" "$st/sys" "$st/dev" "$st/host"
	cp "$busybox" "$st/bin/busybox"
	cp -r "$kdir/modules" "$st/modules"
	cat >"$st/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules/order); do
	insmod /modules/$m.ko || echo "init: insmod $m failed"
done
o=trans=virtio,version=9p2000.L,msize=262144,cache=loose
mount -t 9p -o ro,$o hostroot /host || echo "init: no host root"
for fs in proc:proc sysfs:sys devtmpfs:dev devpts:dev/pts tmpfs:dev/shm \
	  tmpfs:tmp tmpfs:run; do
	mkdir -p /host/${fs#*:} 2>/dev/null	# dev/pts, dev/shm
	mount -t ${fs%%:*} ${fs%%:*} /host/${fs#*:}
done
# After the tmpfs mounts: the tree may live under /tmp (a CI clone).
mkdir -p "/host$tstats_tree" 2>/dev/null
# /var/tmp on the ext4 disk, not a tmpfs: the tests that count bytes
# written to storage write there (a tmpfs write is no storage I/O).
if mount -t ext4 /dev/vda "/host$tstats_tree" &&
   mkdir -p "/host$tstats_tree/.var-tmp" &&
   mount -o bind "/host$tstats_tree/.var-tmp" /host/var/tmp &&
   mount -t 9p -o $o results "/host$tstats_results"; then
	ip link set lo up
	chroot /host /bin/sh "$tstats_results/guest.sh"
	echo "TSTATS-GUEST-EXIT=$?"
	sync
	umount "/host$tstats_results"
else
	echo "TSTATS-GUEST-EXIT=mount"
fi
poweroff -f
EOF
	chmod 755 "$st/init"
	(cd "$st" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz"
}

# What the guest runs, in the host's root with the source tree's copy at its
# own path. Check's and meson's timeouts are stretched for an emulated CPU,
# test-cli's exit storm is smaller (every fork is slow there; 3000 exits
# still overflow its listener many times over), and TSTATS_EMULATED tells
# the few checks that compare against the machine's own clocks that the
# CPU is emulated (see tests/test-monitor.c, conservation).
cat >"$logdir/guest.sh" <<EOF
#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp CK_TIMEOUT_MULTIPLIER=4 TSTATS_STORM_EXITS=3000 TSTATS_EMULATED=1
cd "$src" || exit 125
echo "TSTATS-GUEST-BEGIN \$(uname -r)"
"$builddir/cli/taskstats-cli" --check
if [ -n "\$tstats_capture" ]; then
	mkdir -p "$logdir/capture"
	"$builddir/fuzz/fuzz-capture" "$logdir/capture" "\$tstats_capture"
fi
meson test -C "$builddir" --no-rebuild --print-errorlogs --timeout-multiplier 4 \\
	--logbase "kernels/\$tstats_log" $tests \\
	>"$logdir/\$tstats_log.out" 2>&1
EOF

# The source tree with the build, copied onto an ext4 image that every VM
# boots with (snapshot=on: each starts from the same copy). No metadata
# checksums: the older kernels would need crc32c loaded for them.
tree_img=$work/tree.img
truncate -s 4G "$tree_img"
mkfs.ext4 -q -F -O ^metadata_csum -E root_owner=0:0 -d "$src" "$tree_img" ||
	die "mkfs.ext4 could not copy $src to an image"

total_pass=0 total_fail=0 total_skip=0 bad=0
start=$(date +%s)
for suite in $suites; do
	t0=$(date +%s)
	kdir= image= version=
	if apt_update "$suite"; then
		image=$(depends "$suite" linux-image-amd64 | grep -E '^linux-image-[0-9]' | head -1 || true)
		version=$(papt "$suite" apt-cache show linux-image-amd64 2>/dev/null |
			  sed -n 's/^Version: //p' | head -1)
	fi
	if [ -n "$image" ] && [ -n "$version" ]; then
		kdir=$cache/kernels/${image#linux-image-}_$version
		# Prepared before with the same module list: reuse.
		if [ "$(cat "$kdir/roots" 2>/dev/null)" != "$optional_modules $root_modules" ] &&
		   ! prepare_kernel "$suite" "$image" "$version"; then
			kdir=
		fi
	else
		# Offline: the newest kernel fetched before for this suite, if any.
		sed -n 's/^W: //p; s/^E: //p' "$work/apt-$suite.log" >&2 || true
		kdir=$(cat "$cache/kernels/$suite.current" 2>/dev/null || true)
		[ -n "$kdir" ] && [ -f "$kdir/vmlinuz" ] || kdir=
		[ -z "$kdir" ] || echo "test-kernels: $suite: index unavailable, using the cached ${kdir##*/}" >&2
	fi
	if [ -z "$kdir" ]; then
		echo "kernel $suite: SKIPPED: could not fetch the kernel (see above)"
		total_skip=$((total_skip + 1))
		bad=1
		continue
	fi
	echo "$kdir" >"$cache/kernels/$suite.current"
	kver=${kdir##*/}
	kver=${kver#*_}
	kver=${kver%%-*}
	kver=${kver%%+*}
	make_initrd
	console=$logdir/$suite.console
	rm -f "$logdir/$suite.json" "$logdir/$suite.txt" "$logdir/$suite.out"
	t1=$(date +%s)
	# One VM at a time, niced: TCG is CPU-bound (/dev/kvm exists on these
	# machines, but KVM fails there). delayacct: off by default since
	# 5.14. mitigations=off: page-table isolation and retpolines cost
	# much under emulation and change nothing taskstats reports.
	nice timeout -k 10 "$vm_timeout" qemu-system-x86_64 \
		-machine q35 -accel tcg,thread=multi -cpu max -smp 2 -m 2048 \
		-kernel "$kdir/vmlinuz" -initrd "$work/initrd.gz" \
		-append "console=ttyS0 panic=-1 delayacct mitigations=off quiet loglevel=4 tstats_tree=$src tstats_results=$logdir tstats_log=$suite tstats_capture=${capture:+linux$kver}" \
		-drive "file=$tree_img,format=raw,if=virtio,snapshot=on" \
		-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
		-virtfs "local,path=$logdir,mount_tag=results,security_model=none,multidevs=remap" \
		-nic none -display none -monitor none -serial "file:$console" -no-reboot \
		</dev/null >"$work/qemu.log" 2>&1 || true
	t2=$(date +%s)
	# Markers can follow firmware escape codes on the same line.
	status=$(sed -n 's/.*TSTATS-GUEST-EXIT=\([0-9a-z]*\).*/\1/p' "$console" | tail -1)
	struct=$(sed -n 's/.*struct taskstats is version \([0-9]*\).*/v\1/p' "$console" | tail -1)
	json=$logdir/$suite.json
	pass=0 fail=0 skip=0
	if [ -f "$json" ]; then
		pass=$(grep -c '"result": "OK"' "$json" || true)
		skip=$(grep -c '"result": "SKIP"' "$json" || true)
		fail=$(grep -vc -e '"result": "OK"' -e '"result": "SKIP"' "$json" || true)
	fi
	note=""
	if [ -z "$status" ]; then
		note=" (VM did not finish within ${vm_timeout}s)"
		fail=$((fail + 1))
	elif [ "$status" != 0 ] && [ "$fail" = 0 ]; then
		note=" (guest exit status $status)"
		fail=1
	fi
	echo "kernel $kver (struct ${struct:-v?}): $pass passed, $fail failed, $skip skipped$note" \
	     "[$((t1 - t0))s fetch, $((t2 - t1))s VM]"
	if [ "$fail" != 0 ]; then
		bad=1
		echo "--- $suite console ($console) ---"
		sed -n '/TSTATS-GUEST-BEGIN/,$p' "$console" | tail -50
		[ -f "$logdir/$suite.out" ] && tail -300 "$logdir/$suite.out"
		[ -s "$work/qemu.log" ] && cat "$work/qemu.log"
		echo "---"
	fi
	if [ -n "$capture" ]; then
		mkdir -p "$capture"
		cp "$logdir"/capture/real-* "$capture"/ 2>/dev/null ||
			echo "test-kernels: $suite: nothing captured" >&2
		rm -rf "$logdir/capture"
	fi
	total_pass=$((total_pass + pass)) total_fail=$((total_fail + fail))
done
echo "kernels: $(($(date +%s) - start))s, $total_skip kernel(s) skipped"
echo "$total_pass passed, $total_fail failed"
exit $bad
