#!/usr/bin/env bash
# boot-bios.sh --port PORT --iqn IQN [options]: boot a diskless BIOS VM from an iSCSI LUN served on
# 127.0.0.1:PORT, and tell whether the guest reached its markers (see initramfs-init.sh).
#
# No namespace and no host interface: QEMU user networking with restrict=on (the guest reaches
# nothing outside), and a guestfwd that turns each guest connection to 10.0.2.100:3260 into one
# socat to the target on loopback. The cmd: form matters: the tcp: form connects once at QEMU start
# and serves a single stream, so the Linux initiator's second login (after iPXE's) would hang.
# iPXE comes as a Linux-style kernel (ipxe.lkrn) whose initrd is the script that sanboots.
#
# Options:
#   --port PORT        target portal port on 127.0.0.1 (required)
#   --iqn IQN          target name (required)
#   --lun N            LUN holding the disk (default 0; the Debian tgt puts its disk at LUN 1)
#   --log FILE         serial console log (default: a temp file, printed on failure)
#   --timeout S        give up after S seconds (default 240)
#   --expect WHAT      boot: only the boot marker; write (default): the write marker too
#   --report FILE      append key=value lines: kernel_s, boot_s, write_s, total_s, result
#   --initiator IQN    initiator name iPXE uses (and publishes in the iBFT)
# Exit status: 0 when the expected markers appeared, 1 otherwise.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IPXE_LKRN=/usr/lib/ipxe/ipxe.lkrn
GUEST_PORTAL=10.0.2.100

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

parse_args() {
	PORT='' IQN='' LUN=0 LOG='' TIMEOUT=240 EXPECT=write REPORT=''
	INITIATOR=iqn.2025-01.org.ringsan.test:vm-bios
	while (($#)); do
		case $1 in
		--port) PORT=$2 ;;
		--iqn) IQN=$2 ;;
		--lun) LUN=$2 ;;
		--log) LOG=$2 ;;
		--timeout) TIMEOUT=$2 ;;
		--expect) EXPECT=$2 ;;
		--report) REPORT=$2 ;;
		--initiator) INITIATOR=$2 ;;
		*) usage ;;
		esac
		shift 2 || usage
	done
	[[ -n $PORT && -n $IQN ]] || usage
	[[ $EXPECT == write || $EXPECT == boot ]] || usage
}

# write_script FILE: the iPXE script. keep-san 1 is what ringsan-boot's menus use, so the lab
# boots the same way. On failure the script ends (Debian's iPXE has no poweroff command), SeaBIOS
# finds no other boot device and reboots after reboot-timeout, and -no-reboot ends QEMU: a failed
# sanboot costs seconds, not the whole timeout.
write_script() {
	cat >"$1" <<-EOF
		#!ipxe
		echo ringsan-lab: iPXE script running
		dhcp || goto fail
		set initiator-iqn $INITIATOR
		set keep-san 1
		sanboot iscsi:$GUEST_PORTAL:::$LUN:$IQN || goto fail
		:fail
		echo $VM_MARK_IPXE_FAIL
		poweroff
	EOF
}

# run_qemu SCRIPT: start the VM in the background; QEMU_PID is the timeout wrapper's PID, which
# passes our SIGTERM on to QEMU.
run_qemu() {
	local script=$1
	# socat -b: its default 8 KiB transfer unit made loading kernel + initrd ~1.6x slower here.
	timeout -k 5 "$TIMEOUT" qemu-system-x86_64 \
		-accel tcg -m 512 -smp 1 \
		-nodefaults -display none -vga none -no-reboot -boot reboot-timeout=1000 \
		-serial "file:$LOG" \
		-netdev "user,id=n0,restrict=on,guestfwd=tcp:$GUEST_PORTAL:3260-cmd:socat -b 262144 - TCP:127.0.0.1:$PORT" \
		-device virtio-net-pci,netdev=n0,romfile= \
		-kernel "$IPXE_LKRN" -initrd "$script" \
		</dev/null >"$LOG.qemu" 2>&1 &
	QEMU_PID=$!
}

main() {
	local missing start
	parse_args "$@"
	missing=$(missing_cmds qemu-system-x86_64 socat timeout "$IPXE_LKRN")
	[[ -z $missing ]] || skip "missing: $missing"
	TMP=$(mktemp -d)
	trap vm_cleanup EXIT
	trap 'exit 130' INT TERM
	LOG=${LOG:-$TMP/serial.log}
	: >"$LOG"
	write_script "$TMP/boot.ipxe"
	start=$(now)
	run_qemu "$TMP/boot.ipxe"
	vm_watch "$start"
	vm_verdict
}

main "$@"
