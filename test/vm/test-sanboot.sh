#!/usr/bin/env bash
# test-sanboot.sh [ringsan|tgt]: the diskless boot in miniature (a VM test).
#
# Builds the test disk (make-disk.sh: MBR + syslinux + a Debian kernel + a busybox initramfs),
# serves it as an iSCSI LUN on loopback, boots a BIOS VM with no disk that sanboots it through
# iPXE (boot-bios.sh: QEMU user networking with restrict=on and a per-connection guestfwd), and
# checks that the guest's Linux initiator, logging in again from the iBFT that iPXE published
# (iscsistart -b), wrote the pattern into the LUN's backing file on the host.
# The target under test is ringsan (default; $RINGSAN names its binary) or the Debian tgt
# reference target, which proves the lab itself. Exit 77 (skip) when something is missing.
#
# Environment: RINGSAN_VM_CACHE (make-disk.sh), RINGSAN_VM_TIMEOUT (VM time limit, default 300 s).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TARGET=${1:-ringsan}
PASSED=0
FAILED=0

# --- the target under test ---------------------------------------------------------------------

case $TARGET in
tgt)
	IQN=iqn.2025-01.org.ringsan.test:sanboot-tgt
	TARGET_LUN=1 # tgt's LUN 0 is its controller
	target_requirements() { missing_cmds tgtd tgtadm; }
	# target_start FILE: serve FILE as $IQN on 127.0.0.1:$PORT.
	target_start() {
		TGT_PORT=$PORT TGT_IQN=$IQN TGT_FILE=$1 "$VM_DIR/tgt.sh" start "$WORK/tgt"
	}
	target_stop() { "$VM_DIR/tgt.sh" stop "$WORK/tgt"; }
	;;
ringsan)
	: "${RINGSAN:=$REPO_DIR/build/dev/target/cli/ringsan}"
	IQN=iqn.2026-11.org.ringsan:sanboot
	TARGET_LUN=0 # one disk per target, at LUN 0
	target_requirements() { missing_cmds "$RINGSAN"; }
	# target_start FILE: make FILE the disk of LUN "sanboot" and serve it on 127.0.0.1:$PORT.
	target_start() {
		local size
		size=$(stat -c %s "$1")
		"$RINGSAN" --data-dir "$WORK/data" lun create sanboot --size "$size" >/dev/null &&
			cp --sparse=always "$1" "$WORK/data/sanboot/disk.img" &&
			ln -sf "$WORK/data/sanboot/disk.img" "$WORK/lun-file" || return 1
		"$RINGSAN" --data-dir "$WORK/data" serve --listen "127.0.0.1:$PORT" \
			>"$WORK/ringsan.log" 2>&1 &
		TARGET_PID=$!
		wait_for 10 port_open 127.0.0.1 "$PORT"
	}
	target_stop() {
		[[ -n ${TARGET_PID:-} ]] || return 0
		kill -TERM "$TARGET_PID" 2>/dev/null || return 0
		wait "$TARGET_PID" 2>/dev/null || true
		if [[ -s $WORK/ringsan.log ]]; then
			echo "ringsan's log:"
			sed 's/^/    /' "$WORK/ringsan.log"
		fi
	}
	;;
*)
	echo "usage: test-sanboot.sh [ringsan|tgt]" >&2
	exit 2
	;;
esac

port_open() { python3 -c "import socket; socket.create_connection(('$1', $2), 0.5)" 2>/dev/null; }

# --- the test ----------------------------------------------------------------------------------


requirements() {
	local missing
	[[ $TARGET != tgt ]] || (($(id -u) == 0)) || skip "needs root (tgt's control socket lives in /run)"
	missing=$(missing_cmds qemu-system-x86_64 socat timeout ss apt-get dpkg sfdisk mkfs.vfat \
		syslinux mcopy cpio busybox iscsistart /usr/lib/ipxe/ipxe.lkrn \
		/usr/lib/syslinux/mbr/mbr.bin)
	missing+=$(target_requirements)
	[[ -z $missing ]] || skip "missing: $missing(Debian: qemu-system-x86 ipxe socat syslinux" \
		"syslinux-common mtools dosfstools fdisk cpio busybox-static open-iscsi tgt)"
}

pattern_absent() { ! pattern_in_file "$1"; }

# lun_file DISK: the file the target really serves (ringsan serves its own copy in the data dir).
lun_file() { if [[ -e $WORK/lun-file ]]; then readlink -f "$WORK/lun-file"; else echo "$1"; fi; }

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
		check "the pattern is in the LUN's backing file" pattern_in_file "$(lun_file "$disk")"
		[[ ! -s $WORK/report ]] ||
			echo "boot times (wall clock from QEMU start): $(report_times "$WORK/report")"
	else
		check "target serves the disk on 127.0.0.1:$PORT" false
	fi
	echo "$PASSED passed, $FAILED failed"
	((FAILED == 0))
}

main "$@"
