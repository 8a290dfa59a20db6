#!/bin/bash
# setup.sh [--asan]: installs the Debian packages ringsan needs to build and test (apt-get, as
# root; only when something is missing) and builds the `dev` preset (and `asan` with --asan).
# Idempotent and quiet on success.
set -euo pipefail

# Build dependencies and every real peer the tests use. Add new ones here.
PACKAGES="build-essential cmake pkg-config liburing-dev libssl-dev libinih-dev clang
libclang-rt-14-dev clang-format libiscsi-bin qemu-system-x86 qemu-utils qemu-block-extra ipxe
ipxe-qemu ovmf tgt busybox-static syslinux syslinux-common mtools open-iscsi socat iproute2
dosfstools fdisk cpio python3 debootstrap extlinux e2fsprogs debian-installer-12-netboot-amd64
libiscsi-dev iperf3 chromium curl libnbd-dev nbdkit librbd-dev ceph-mon ceph-mgr ceph-osd ceph-common
tgt-rbd"

cd "$(dirname "$0")/.."
asan=0
for arg in "$@"; do
	case $arg in
	--asan) asan=1 ;;
	-h | --help)
		echo "usage: scripts/setup.sh [--asan]"
		exit 0
		;;
	*)
		echo "setup.sh: unknown option '$arg' (usage: scripts/setup.sh [--asan])" >&2
		exit 2
		;;
	esac
done

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "setup.sh: these packages are missing:$missing" >&2
		echo "run as root:  apt-get update && apt-get install -y$missing" >&2
		exit 1
	fi
	echo "setup.sh: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

build() { # build PRESET: configure once, then build; output only on failure
	local log
	log=$(mktemp)
	if ! { [ -f "build/$1/CMakeCache.txt" ] || cmake --preset "$1"; } >"$log" 2>&1 ||
		! cmake --build --preset "$1" -j2 >>"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		echo "setup.sh: building the $1 preset failed" >&2
		exit 1
	fi
	rm -f "$log"
}
build dev
[ "$asan" = 1 ] && build asan
exit 0
