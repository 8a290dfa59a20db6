#!/usr/bin/env bash
# test-sanboot.sh [ringsan|rbd|tgt]: the diskless boot in miniature (a VM test).
#
# Builds the test disk (make-disk.sh: MBR + syslinux + a Debian kernel + a busybox initramfs),
# serves it as an iSCSI LUN on loopback, boots a BIOS VM with no disk that sanboots it through
# iPXE (boot-bios.sh: QEMU user networking with restrict=on and a per-connection guestfwd), and
# checks that the guest's Linux initiator, logging in again from the iBFT that iPXE published
# (iscsistart -b), wrote the pattern into the LUN's storage on the host.
# The target under test is ringsan (default; $RINGSAN names its binary) serving a file LUN,
# ringsan serving a LUN on a Ceph RBD image (rbd: a one-node cluster on loopback from
# test/integration/ceph.sh, the disk brought in with `rbd import` and `ringsan lun create
# --backend rbd:...`, the pattern looked for in `rbd export`), or the Debian tgt reference target,
# which proves the lab itself. Exit 77 (skip) when something is missing.
#
# Environment: RINGSAN_VM_CACHE (make-disk.sh), RINGSAN_VM_TIMEOUT (VM time limit, default 300 s).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TARGET=${1:-ringsan}
PASSED=0
FAILED=0

# --- the target under test ---------------------------------------------------------------------

# Each target defines: TARGET_DEBS (the Debian packages it needs, for the skip message),
# target_requirements (prints what is missing), target_start FILE (serve FILE as $IQN on
# 127.0.0.1:$PORT), target_stop, target_written (the pattern is in the LUN's storage; its
# description in TARGET_STORE); and may define target_supported (skips when it cannot run
# here), target_prepare (runs while make-disk.sh builds the disk) and target_checks (checks of
# its own after the boot).
target_supported() { :; }
target_prepare() { :; }
target_checks() { :; }

# ringsan_serve ARGS...: `ringsan serve` on 127.0.0.1:$PORT with the data dir $WORK/data.
ringsan_serve() {
	"$RINGSAN" --data-dir "$WORK/data" "$@" serve --listen "127.0.0.1:$PORT" \
		>"$WORK/ringsan.log" 2>&1 &
	TARGET_PID=$!
	wait_for 10 port_open 127.0.0.1 "$PORT"
}

ringsan_stop() {
	[[ -n ${TARGET_PID:-} ]] || return 0
	kill -TERM "$TARGET_PID" 2>/dev/null || return 0
	wait "$TARGET_PID" 2>/dev/null || true
	TARGET_PID=
	if [[ -s $WORK/ringsan.log ]]; then
		echo "ringsan's log:"
		sed 's/^/    /' "$WORK/ringsan.log"
	fi
}

case $TARGET in
tgt)
	IQN=iqn.2025-01.org.ringsan.test:sanboot-tgt
	TARGET_LUN=1 # tgt's LUN 0 is its controller
	TARGET_DEBS=tgt
	TARGET_STORE="the LUN's backing file"
	target_requirements() { missing_cmds tgtd tgtadm; }
	target_start() {
		LUN_FILE=$1
		TGT_PORT=$PORT TGT_IQN=$IQN TGT_FILE=$1 "$VM_DIR/tgt.sh" start "$WORK/tgt"
	}
	target_stop() { "$VM_DIR/tgt.sh" stop "$WORK/tgt"; }
	target_written() { pattern_in_file "$LUN_FILE"; }
	;;
ringsan)
	: "${RINGSAN:=$REPO_DIR/build/dev/target/cli/ringsan}"
	IQN=iqn.2026-11.org.ringsan:sanboot
	TARGET_LUN=0 # one disk per target, at LUN 0
	TARGET_DEBS=
	TARGET_STORE="the LUN's backing file"
	target_requirements() { missing_cmds "$RINGSAN"; }
	# ringsan serves its own copy of FILE, in the data dir, as LUN "sanboot".
	target_start() {
		local size
		size=$(stat -c %s "$1")
		LUN_FILE=$WORK/data/sanboot/disk.img
		"$RINGSAN" --data-dir "$WORK/data" lun create sanboot --size "$size" >/dev/null &&
			cp --sparse=always "$1" "$LUN_FILE" || return 1
		ringsan_serve
	}
	target_stop() { ringsan_stop; }
	target_written() { pattern_in_file "$LUN_FILE"; }
	;;
rbd)
	: "${RINGSAN:=$REPO_DIR/build/dev/target/cli/ringsan}"
	IQN=iqn.2026-11.org.ringsan:sanboot
	TARGET_LUN=0
	TARGET_DEBS="ceph-mon ceph-mgr ceph-osd ceph-common"
	TARGET_STORE="the RBD image (rbd export)"
	. "$REPO_DIR/test/integration/ceph.sh"
	target_requirements() {
		missing_cmds "$RINGSAN" ceph-mon ceph-mgr ceph-osd ceph-authtool monmaptool ceph rbd
	}
	target_supported() {
		"$RINGSAN" version 2>/dev/null | grep -q '^backends:.* rbd' ||
			skip "this ringsan was built without RBD support (librbd-dev missing at build time:" \
				"install it and build again)"
	}
	# A one-node Ceph cluster, started while make-disk.sh runs.
	target_prepare() {
		local t0=$SECONDS
		CEPH_UP=0
		ceph_start "$WORK/ceph" && CEPH_UP=1
		CEPH_START_S=$((SECONDS - t0))
	}
	# FILE imported as image rbd/sanboot, which `lun create` takes as LUN "sanboot" (its
	# disk.img in the data dir holds the size and the lock, no data).
	target_start() {
		if ((!CEPH_UP)); then
			echo "the Ceph cluster did not start; the end of $WORK/ceph/start.log:"
			tail -n 20 "$WORK/ceph/start.log" | sed 's/^/    /'
			return 1
		fi
		echo "     (a one-node Ceph cluster started in $CEPH_START_S s, beside make-disk.sh)"
		printf '[server]\nceph_conf = %s\nceph_user = admin\nceph_keyring = %s\n' \
			"$CEPH_CONF" "$CEPH_KEYRING" >"$WORK/ringsan.ini"
		if ! rbd -c "$CEPH_CONF" import --no-progress "$1" rbd/sanboot >"$WORK/import.log" 2>&1 ||
			! "$RINGSAN" -c "$WORK/ringsan.ini" --data-dir "$WORK/data" lun create sanboot \
				--backend rbd:rbd/sanboot >>"$WORK/import.log" 2>&1; then
			sed 's/^/    /' "$WORK/import.log"
			return 1
		fi
		BOOT_FILES_BYTES=$(boot_files_bytes "$1") || return 1
		OSD_READ_BEFORE=$(osd_read_bytes) || return 1
		ringsan_serve -c "$WORK/ringsan.ini"
	}
	target_stop() {
		ringsan_stop
		ceph_stop
	}
	# Read while ringsan still serves the LUN: the guest's acknowledged writes must be in
	# RADOS already, with no flush at ringsan's shutdown to help.
	target_written() {
		rbd -c "$CEPH_CONF" export --no-progress rbd/sanboot "$WORK/export.img" >/dev/null 2>&1 &&
			pattern_in_file "$WORK/export.img"
	}
	target_checks() {
		local lun_read osd_read want=$BOOT_FILES_BYTES
		local files="vmlinuz + initrd.img ($want)"
		check "ringsan connected LUN sanboot to the image" \
			grep -q "LUN sanboot: connected to rbd:rbd/sanboot" "$WORK/ringsan.log"
		check "the LUN's disk.img in the data dir holds no data (0 blocks)" \
			test "$(stat -c %b "$WORK/data/sanboot/disk.img")" = 0
		lun_read=$(lun_bytes_read sanboot) || lun_read=0
		check "ringsan counted the boot's reads on the LUN: $lun_read bytes >= $files" \
			test "$lun_read" -ge "$want"
		osd_read=$(osd_read_bytes) || osd_read=0
		osd_read=$((osd_read - OSD_READ_BEFORE))
		check "the OSD served them: $osd_read bytes read by clients >= $files" \
			test "$osd_read" -ge "$want"
	}
	;;
*)
	echo "usage: test-sanboot.sh [ringsan|rbd|tgt]" >&2
	exit 2
	;;
esac

port_open() { python3 -c "import socket; socket.create_connection(('$1', $2), 0.5)" 2>/dev/null; }

# boot_files_bytes DISK: the size of vmlinuz + initrd.img on DISK's FAT partition, which syslinux
# reads whole at every boot.
boot_files_bytes() {
	local fat="$1@@$((VM_FAT_START_MIB << 20))" k i
	k=$(mcopy -i "$fat" ::/vmlinuz - | wc -c) && i=$(mcopy -i "$fat" ::/initrd.img - | wc -c) &&
		echo $((k + i))
}

# osd_read_bytes: the bytes the (one) OSD has sent to clients in answer to reads, from its own
# performance counters (admin socket, so no lag).
osd_read_bytes() {
	ceph --admin-daemon "$WORK/ceph/run/osd.0.asok" perf dump 2>/dev/null |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["osd"]["op_out_bytes"])'
}

# lun_bytes_read NAME: bytes_read_total of LUN NAME in `ringsan status --json`.
lun_bytes_read() {
	"$RINGSAN" -c "$WORK/ringsan.ini" --data-dir "$WORK/data" status --json | python3 -c '
import json, sys
print(next(l["bytes_read_total"] for l in json.load(sys.stdin)["luns"] if l["name"] == sys.argv[1]))
' "$1"
}

# --- the test ----------------------------------------------------------------------------------

requirements() {
	local missing
	[[ $TARGET != tgt ]] || (($(id -u) == 0)) || skip "needs root (tgt's control socket lives in /run)"
	missing=$(missing_cmds qemu-system-x86_64 socat timeout ss apt-get dpkg sfdisk mkfs.vfat \
		syslinux mcopy cpio busybox iscsistart /usr/lib/ipxe/ipxe.lkrn \
		/usr/lib/syslinux/mbr/mbr.bin)
	missing+=$(target_requirements)
	[[ -z $missing ]] || skip "missing: $missing(Debian: qemu-system-x86 ipxe socat syslinux" \
		"syslinux-common mtools dosfstools fdisk cpio busybox-static open-iscsi $TARGET_DEBS)"
	target_supported
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
	local disk=$WORK/lun.img mkdisk
	"$VM_DIR/make-disk.sh" "$disk" &
	mkdisk=$!
	target_prepare
	if ! wait "$mkdisk"; then
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
		target_checks
		check "the pattern is in $TARGET_STORE" target_written
		[[ ! -s $WORK/report ]] ||
			echo "boot times (wall clock from QEMU start): $(report_times "$WORK/report")"
	else
		check "target serves the disk on 127.0.0.1:$PORT" false
	fi
	echo "$PASSED passed, $FAILED failed"
	((FAILED == 0))
}

main "$@"
