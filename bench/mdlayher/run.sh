#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Times bindings/go against github.com/mdlayher/taskstats (main.go).
#
#   bench/mdlayher/run.sh BUILDDIR MDLAYHER_TASKSTATS_DIR [GOSRC] [-rounds N]
#
# MDLAYHER_TASKSTATS_DIR is a checkout of mdlayher/taskstats whose go.mod
# says go 1.18 (commit 387b3d5; later ones need Go 1.22). Its dependencies
# come from GOSRC (default /usr/share/gocode/src), where Debian's
# golang-github-mdlayher-genetlink-dev and golang-github-mdlayher-netlink-dev
# put them with theirs. Nothing is downloaded: the module is assembled in a
# temporary directory with replace directives. Needs CAP_NET_ADMIN.
set -eu
build=$(realpath "$1")
md=$(realpath "$2")
shift 2
gosrc=/usr/share/gocode/src
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
	gosrc=$1
	shift
fi
here=$(dirname "$(realpath "$0")")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$here/main.go" "$tmp/"
cd "$tmp"
export GOFLAGS=-mod=mod GOPROXY=off GOSUMDB=off GOTOOLCHAIN=local GO111MODULE=on \
	GOCACHE="$tmp/cache" GOPATH="$tmp/gopath" \
	PKG_CONFIG_PATH="$build/meson-uninstalled" LD_LIBRARY_PATH="$build/lib"
go mod init mdlayher-compare >/dev/null 2>&1
go mod edit -go=1.18 \
	-require=libtaskstats/taskstats@v0.0.0 \
	-replace=libtaskstats/taskstats="$here/../../bindings/go" \
	-require=github.com/mdlayher/taskstats@v0.0.0 \
	-replace=github.com/mdlayher/taskstats="$md"
for m in github.com/mdlayher/genetlink github.com/mdlayher/netlink \
	github.com/mdlayher/socket github.com/josharian/native github.com/google/go-cmp \
	golang.org/x/sys golang.org/x/net golang.org/x/sync; do
	go mod edit -require="$m@v0.0.0" -replace="$m=$gosrc/$m"
done
go build -o compare .
./compare "$@"
