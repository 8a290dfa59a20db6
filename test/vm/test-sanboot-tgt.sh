#!/usr/bin/env bash
# test-sanboot-tgt.sh: the diskless boot in miniature, against the Debian tgt reference target.
#
# Builds the test disk (make-disk.sh), serves it as an iSCSI LUN on loopback (tgt.sh), boots a
# BIOS VM that sanboots it through iPXE (boot-bios.sh), and checks that the guest's Linux initiator
# wrote the pattern into the LUN's backing file on the host. Exit 77 (skip) when the machine lacks
# something it needs.
#
# Template for test-sanboot-ringsan.sh: only the "target" functions below differ (start ringsan
# serve on a free loopback port with the disk as a LUN file, whose disk is LUN 0).
#
# Environment: RINGSAN_VM_CACHE (make-disk.sh), RINGSAN_VM_TIMEOUT (VM time limit, default 300 s).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IQN=iqn.2025-01.org.ringsan.test:sanboot-tgt
PASSED=0
FAILED=0

# --- the target under test ---------------------------------------------------------------------

TARGET_LUN=1 # tgt's LUN 0 is its controller

target_requirements() { missing_cmds tgtd tgtadm; }

# target_start FILE: serve FILE as $IQN on 127.0.0.1:$PORT.
target_start() {
	TGT_PORT=$PORT TGT_IQN=$IQN TGT_FILE=$1 "$VM_DIR/tgt.sh" start "$WORK/tgt"
}

target_stop() { "$VM_DIR/tgt.sh" stop "$WORK/tgt"; }

# --- the test ----------------------------------------------------------------------------------

# check NAME CMD...: run one check and count it.
check() {
	local name=$1
	shift
	if "$@"; then
		PASSED=$((PASSED + 1))
		echo "ok   $name"
	else
		FAILED=$((FAILED + 1))
		echo "FAIL $name"
	fi
}

requirements() {
	local missing
	(($(id -u) == 0)) || skip "needs root (the target's control socket lives in /run)"
	missing=$(missing_cmds qemu-system-x86_64 socat timeout ss apt-get dpkg sfdisk mkfs.vfat \
		syslinux mcopy cpio busybox iscsistart /usr/lib/ipxe/ipxe.lkrn \
		/usr/lib/syslinux/mbr/mbr.bin)
	missing+=$(target_requirements)
	[[ -z $missing ]] || skip "missing: $missing(Debian: qemu-system-x86 ipxe socat syslinux" \
		"syslinux-common mtools dosfstools fdisk cpio busybox-static open-iscsi tgt)"
}

pattern_absent() { ! pattern_in_file "$1"; }

cleanup() {
	target_stop || true
	rm -rf "$WORK"
}

main() {
	requirements
	WORK=$(mktemp -d)
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	local disk=$WORK/lun.img
	if ! "$VM_DIR/make-disk.sh" "$disk"; then
		check "make-disk.sh builds the boot disk" false
		echo "$PASSED passed, $FAILED failed"
		exit 1
	fi
	check "make-disk.sh builds the boot disk" test -s "$disk"
	check "the pattern is not on the disk before the boot" pattern_absent "$disk"
	PORT=$(free_tcp_port 127.0.0.1)
	if target_start "$disk"; then
		check "target serves the disk on 127.0.0.1:$PORT" true
		check "VM sanboots, logs in again from the iBFT and writes ($VM_MARK_BOOT, $VM_MARK_WRITE)" \
			"$VM_DIR/boot-bios.sh" --port "$PORT" --iqn "$IQN" --lun "$TARGET_LUN" \
			--log "$WORK/serial.log" --report "$WORK/report" --timeout "${RINGSAN_VM_TIMEOUT:-300}"
		check "the pattern is in the LUN's backing file" pattern_in_file "$disk"
		[[ ! -s $WORK/report ]] ||
			echo "boot times (wall clock from QEMU start): $(report_times "$WORK/report")"
	else
		check "target serves the disk on 127.0.0.1:$PORT" false
	fi
	echo "$PASSED passed, $FAILED failed"
	((FAILED == 0))
}

main "$@"
