#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs what libtaskstats needs to build, test and run on Debian 12 (as root).
# golang-go: the cgo example (examples/go), whose test skips without it.
set -eu
export DEBIAN_FRONTEND=noninteractive
pkgs="gcc meson ninja-build pkg-config \
	libnl-3-dev libnl-genl-3-dev libjson-c-dev check \
	python3 valgrind groff-base man-db util-linux procps \
	golang-go"
# Skip the network round-trip when everything is already there.
if dpkg-query -W -f='${Status}\n' $pkgs 2>/dev/null | grep -qv 'install ok installed' ||
   [ "$(dpkg-query -W -f='${Status}\n' $pkgs 2>/dev/null | wc -l)" -ne "$(echo $pkgs | wc -w)" ]; then
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
fi
