#!/usr/bin/env bash
# test-vm-boot.sh: scripts/vm-boot.sh boots a LUN holding the test disk through the running
# daemons, BIOS and UEFI, and the guest's own initiator writes the pattern into the LUN's file.
#
# `ringsan serve` and `ringsan-boot serve --dhcp off` run on random loopback ports; ringsan-boot
# tells clients the server is 192.168.77.1, outside QEMU's default user network, so vm-boot has
# to lay its network around that address. Also checks vm-boot's messages for a LUN that does not
# exist, a boot service that does not answer, and a missing terminal. Exit 77 when something is
# missing.
#
# Environment: RINGSAN, RINGSAN_BOOT (binaries; default build/dev), RINGSAN_VM_TIMEOUT (per VM,
# default 300 s), RINGSAN_VM_FIRMWARE (bios, uefi or "bios uefi", the default), RINGSAN_VM_CACHE.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${RINGSAN:=$REPO_DIR/build/dev/target/cli/ringsan}"
: "${RINGSAN_BOOT:=$REPO_DIR/build/dev/bootsvc/daemon/ringsan-boot}"
VM_BOOT=$REPO_DIR/scripts/vm-boot.sh
SERVER=192.168.77.1
LUN=vmboot
FIRMWARES=${RINGSAN_VM_FIRMWARE:-bios uefi}
PASSED=0
FAILED=0
PIDS=()

requirements() {
	local missing
	missing=$(missing_cmds "$RINGSAN" "$RINGSAN_BOOT" qemu-system-x86_64 socat python3 ss timeout \
		sfdisk mkfs.vfat syslinux mcopy cpio busybox iscsistart /usr/lib/ipxe/qemu/efi-virtio.rom \
		/usr/share/OVMF/OVMF_CODE.fd /usr/lib/syslinux/mbr/mbr.bin)
	[[ -z $missing ]] || skip "missing: $missing(Debian: qemu-system-x86 ipxe-qemu ovmf socat" \
		"syslinux syslinux-common mtools dosfstools fdisk cpio busybox-static open-iscsi)"
}

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$WORK"
}

port_open() { python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 0.5)" 2>/dev/null; }

start_daemons() {
	cat >"$WORK/ringsan.ini" <<-EOF
		[server]
		data_dir = $WORK/data
		listen = 127.0.0.1:$ISCSI_PORT
		[boot]
		mode = off
		server_ip = $SERVER
		http_listen = 127.0.0.1:$HTTP_PORT
	EOF
	"$RINGSAN" -c "$WORK/ringsan.ini" serve >"$WORK/ringsan.log" 2>&1 &
	PIDS+=($!)
	"$RINGSAN_BOOT" serve -c "$WORK/ringsan.ini" --tftp-port "$TFTP_PORT" \
		>"$WORK/ringsan-boot.log" 2>&1 &
	PIDS+=($!)
	wait_for 15 port_open "$ISCSI_PORT" && wait_for 15 port_open "$HTTP_PORT"
}

# boot FIRMWARE: vm-boot LUN with the console in a log; the guest writes the pattern.
boot() {
	local args=("$LUN" --http "127.0.0.1:$HTTP_PORT" --wait-for "$VM_MARK_WRITE"
		--log "$WORK/console-$1.log" --timeout "${RINGSAN_VM_TIMEOUT:-300}")
	[[ $1 == bios ]] || args+=(--uefi)
	"$VM_BOOT" "${args[@]}" </dev/null
}

# says TEXT CMD...: CMD fails and its stderr contains TEXT.
says() {
	local text=$1 out rc=0
	shift
	out=$("$@" 2>&1 </dev/null) || rc=$?
	if ((rc != 0)) && grep -qF -- "$text" <<<"$out"; then
		echo "     said: $(grep -F -- "$text" <<<"$out" | head -n 1)"
		return 0
	fi
	echo "     exit $rc, said: $out"
	return 1
}

main() {
	local fw start
	requirements
	start=$(now)
	WORK=$(mktemp -d)
	chmod 755 "$WORK" # ringsan-boot drops root to nobody
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	ISCSI_PORT=$(free_tcp_port 127.0.0.1)
	HTTP_PORT=$(free_tcp_port 127.0.0.1)
	TFTP_PORT=$(free_udp_port)
	if ! "$VM_DIR/make-disk.sh" "$WORK/disk.img" ||
		! "$RINGSAN" --data-dir "$WORK/data" lun create "$LUN" --size 64M >/dev/null ||
		! cp --sparse=always "$WORK/disk.img" "$WORK/data/$LUN/disk.img"; then
		check "make-disk.sh builds the test disk; ringsan lun create makes LUN $LUN" false
		echo "$PASSED passed, $FAILED failed"
		exit 1
	fi
	check "ringsan serve and ringsan-boot serve start on 127.0.0.1:$ISCSI_PORT and :$HTTP_PORT" \
		start_daemons
	for fw in $FIRMWARES; do
		clear_pattern "$WORK/data/$LUN/disk.img"
		check "$fw: vm-boot.sh $LUN -> ringsan-boot's lun-$LUN.ipxe -> sanboot -> the guest writes" \
			boot "$fw"
		check "$fw: the pattern is in LUN $LUN's backing file" \
			pattern_in_file "$WORK/data/$LUN/disk.img"
	done
	check "ringsan-boot served lun-$LUN.ipxe to the VMs" \
		grep -q "lun-$LUN.ipxe" "$WORK/ringsan-boot.log"
	check "vm-boot.sh nosuch: names the LUN and how to list them" \
		says "has no LUN 'nosuch'" "$VM_BOOT" nosuch --http "127.0.0.1:$HTTP_PORT" --wait-for x
	check "vm-boot.sh with no boot service: says so and names --http" \
		says "--http ADDR:PORT" "$VM_BOOT" "$LUN" --http "127.0.0.1:$(free_tcp_port 127.0.0.1)" \
		--wait-for x
	check "vm-boot.sh with no terminal and no --wait-for: says what to do" \
		says "--wait-for TEXT" "$VM_BOOT" "$LUN" --http "127.0.0.1:$HTTP_PORT"
	echo "whole test: $(elapsed "$start") s"
	echo "$PASSED passed, $FAILED failed"
	((FAILED == 0))
}

main "$@"
