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
	PORT= IQN= LUN=0 LOG= TIMEOUT=240 EXPECT=write REPORT= INITIATOR=iqn.2025-01.org.ringsan.test:vm-bios
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
# boots the same way; a failure prints a marker and powers off rather than sitting at a prompt.
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
	timeout -k 5 "$TIMEOUT" qemu-system-x86_64 \
		-accel tcg -m 512 -smp 1 \
		-nodefaults -display none -vga none -no-reboot \
		-serial "file:$LOG" \
		-netdev "user,id=n0,restrict=on,guestfwd=tcp:$GUEST_PORTAL:3260-cmd:socat - TCP:127.0.0.1:$PORT" \
		-device virtio-net-pci,netdev=n0,romfile= \
		-kernel "$IPXE_LKRN" -initrd "$script" \
		</dev/null >"$LOG.qemu" 2>&1 &
	QEMU_PID=$!
}

cleanup() {
	if [[ -n ${QEMU_PID:-} ]] && kill -0 "$QEMU_PID" 2>/dev/null; then
		kill "$QEMU_PID" 2>/dev/null || true
		wait "$QEMU_PID" 2>/dev/null || true
	fi
	rm -rf "$TMP"
}

# seen PATTERN: the pattern is on a line of the serial log.
seen() { grep -qa -- "$1" "$LOG"; }

# watch START: poll the serial log until QEMU exits, noting when the kernel starts and when each
# marker first shows (seconds since START).
watch() {
	local start=$1
	KERNEL_S= BOOT_S= WRITE_S=
	while kill -0 "$QEMU_PID" 2>/dev/null; do
		note_times "$(elapsed "$start")"
		sleep 0.2
	done
	wait "$QEMU_PID" && QEMU_RC=0 || QEMU_RC=$?
	QEMU_PID=
	TOTAL_S=$(elapsed "$start")
	note_times "$TOTAL_S"
}

note_times() {
	[[ -n $KERNEL_S ]] || ! seen 'Linux version' || KERNEL_S=$1
	[[ -n $BOOT_S ]] || ! seen "^$VM_MARK_BOOT" || BOOT_S=$1
	[[ -n $WRITE_S ]] || ! seen "^$VM_MARK_WRITE" || WRITE_S=$1
}

verdict() {
	local ok=1 why=
	if [[ -z $BOOT_S ]]; then
		ok=0 why="no $VM_MARK_BOOT"
	elif [[ $EXPECT == write && -z $WRITE_S ]]; then
		ok=0 why="no $VM_MARK_WRITE: $(grep -a -m1 "$VM_MARK_FAIL" "$LOG" || echo 'no failure marker either')"
	fi
	((QEMU_RC != 124 && QEMU_RC != 137)) || why+=" (timed out after $TIMEOUT s)"
	RESULT=$([[ $ok == 1 ]] && echo pass || echo fail)
	log "result=$RESULT kernel started ${KERNEL_S:--} s, boot marker ${BOOT_S:--} s," \
		"write marker ${WRITE_S:--} s," \
		"VM ran $TOTAL_S s${why:+; $why}"
	if [[ -n $REPORT ]]; then
		printf 'kernel_s=%s\nboot_s=%s\nwrite_s=%s\ntotal_s=%s\nresult=%s\n' \
			"${KERNEL_S:--}" "${BOOT_S:--}" "${WRITE_S:--}" "$TOTAL_S" "$RESULT" >>"$REPORT"
	fi
	if [[ $ok == 0 ]]; then
		log "last lines of the serial log $LOG:"
		tail -n 30 "$LOG" | sed 's/^/    /' >&2
		[[ ! -s $LOG.qemu ]] || sed 's/^/    qemu: /' "$LOG.qemu" >&2
		return 1
	fi
}

main() {
	local missing start
	parse_args "$@"
	missing=$(missing_cmds qemu-system-x86_64 socat timeout "$IPXE_LKRN")
	[[ -z $missing ]] || skip "missing: $missing"
	TMP=$(mktemp -d)
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	LOG=${LOG:-$TMP/serial.log}
	: >"$LOG"
	write_script "$TMP/boot.ipxe"
	start=$(now)
	run_qemu "$TMP/boot.ipxe"
	watch "$start"
	verdict
}

main "$@"
