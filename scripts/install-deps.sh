#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs what libtaskstats needs to build, test and run on Debian 12 (as root).
# golang-go: the Go package (bindings/go), whose tests skip without it.
# python3-pytest: the Python package's tests (bindings/python), which skip
# without it; python3-pyroute2: what bindings/python/bench.py compares with.
# g++: the abi suite compiles the header as C++. binutils: nm and readelf
# for the abi and install suites.
# libsmartcols-dev: taskstats-cli's column tables (--all, --tree...).
# libncurses-dev: taskstats-cli --live; tmux: its test runs it in a real
# terminal.
# prometheus: the only Debian package with promtool, which the cli-prometheus
# test runs (`promtool check metrics`). It is large (19 MB download, 96 MB
# installed) and brings the Prometheus server, whose service systemd
# enables and starts on port 9090 (not in containers without systemd); the
# test skips, after its own checks, where promtool is missing.
# sysstat: pidstat, which bench/coverage.sh measures the monitor against.
# qemu-system-x86, busybox-static, cpio, e2fsprogs, xz-utils, zstd: the
# kernel matrix (scripts/test-kernels.sh), which boots Debian's kernels.
# libmicrohttpd-dev: the HTTP server of taskstats-exporter (built only when
# it is found); the exporter test also runs the prometheus server.
set -eu
export DEBIAN_FRONTEND=noninteractive
pkgs="gcc meson ninja-build pkg-config \
	libnl-3-dev libnl-genl-3-dev libjson-c-dev libncurses-dev libsmartcols-dev check \
	python3 valgrind groff-base man-db util-linux procps \
	golang-go python3-pytest python3-pyroute2 g++ binutils prometheus sysstat tmux \
	libmicrohttpd-dev qemu-system-x86 busybox-static cpio e2fsprogs xz-utils zstd"
# Skip the network round-trip when everything is already there.
if dpkg-query -W -f='${Status}\n' $pkgs 2>/dev/null | grep -qv 'install ok installed' ||
   [ "$(dpkg-query -W -f='${Status}\n' $pkgs 2>/dev/null | wc -l)" -ne "$(echo $pkgs | wc -w)" ]; then
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
fi
