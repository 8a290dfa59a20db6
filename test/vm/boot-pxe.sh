#!/usr/bin/env bash
# boot-pxe.sh --netns NS --firmware bios|uefi [options]: network-boot a diskless VM on the tap
# device of a lab namespace (netns.sh), and tell whether the guest reached its markers.
#
# QEMU runs inside NS, so its NIC is on NS's bridge and sees only what the test serves there
# (DHCP, TFTP/HTTP, iSCSI). No disk: BIOS boots the NIC's option ROM (-boot n); OVMF ignores
# -boot n, so the NIC gets bootindex=0 and a fresh copy of OVMF_VARS per run (no stale boot order).
# The NIC is virtio-net with QEMU's default ROM (iPXE from ipxe-qemu) unless told otherwise:
# QEMU patches PCI IDs only in its default ROMs, and OVMF has no e1000 driver of its own.
#
# Options:
#   --netns NS          namespace made by netns.sh (required)
#   --firmware F        bios (SeaBIOS) or uefi (OVMF) (required)
#   --tap IF            tap device in NS (default tap0)
#   --nic MODEL         virtio (default) or e1000 (the cloud kernel has no e1000 driver)
#   --rom default|none  none: no option ROM (UEFI then uses OVMF's own PXE and SNP driver)
#   --mac MAC           NIC address (default 52:54:00:77:00:01; per-MAC menus key on it)
#   --log FILE          serial console log (default: a temp file, printed on failure)
#   --timeout S         give up after S seconds (default 300)
#   --expect WHAT       boot: the boot marker only; write (default): the write marker too
#   --report FILE       append key=value lines: kernel_s, boot_s, write_s, total_s, result
# Environment: RINGSAN_VM_MEM (MiB of guest memory, default 512).
# Exit status: 0 when the expected markers appeared, 1 otherwise.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

OVMF_CODE=/usr/share/OVMF/OVMF_CODE.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS.fd

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

parse_args() {
	NS='' FIRMWARE='' TAP=tap0 NIC=virtio ROM=default MAC=52:54:00:77:00:01 LOG='' TIMEOUT=300
	EXPECT=write REPORT=''
	while (($#)); do
		case $1 in
		--netns) NS=$2 ;;
		--firmware) FIRMWARE=$2 ;;
		--tap) TAP=$2 ;;
		--nic) NIC=$2 ;;
		--rom) ROM=$2 ;;
		--mac) MAC=$2 ;;
		--log) LOG=$2 ;;
		--timeout) TIMEOUT=$2 ;;
		--expect) EXPECT=$2 ;;
		--report) REPORT=$2 ;;
		*) usage ;;
		esac
		shift 2 || usage
	done
	[[ -n $NS && ($FIRMWARE == bios || $FIRMWARE == uefi) ]] || usage
	[[ $EXPECT == write || $EXPECT == boot ]] || usage
	[[ $NIC == virtio || $NIC == e1000 ]] || usage
	[[ $ROM == default || $ROM == none ]] || usage
}

# nic_device: the -device argument for the NIC.
nic_device() {
	local dev
	case $NIC in
	virtio) dev=virtio-net-pci ;;
	e1000) dev=e1000 ;;
	esac
	dev+=",netdev=n0,mac=$MAC"
	[[ $ROM == default ]] || dev+=",romfile="
	[[ $FIRMWARE == bios ]] || dev+=",bootindex=0"
	printf '%s\n' "$dev"
}

# firmware_args: nothing for SeaBIOS (QEMU's default); OVMF as two pflash drives otherwise.
firmware_args() {
	case $FIRMWARE in
	# A failed network boot ends in "No bootable device"; SeaBIOS then reboots, and -no-reboot
	# ends QEMU at once instead of at the timeout.
	bios) FW_ARGS=(-boot "order=n,reboot-timeout=1000") ;;
	uefi)
		cp "$OVMF_VARS" "$TMP/OVMF_VARS.fd"
		FW_ARGS=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE"
			-drive "if=pflash,format=raw,unit=1,file=$TMP/OVMF_VARS.fd")
		;;
	esac
}

run_qemu() {
	ip netns exec "$NS" timeout -k 5 "$TIMEOUT" qemu-system-x86_64 \
		-accel tcg -m "${RINGSAN_VM_MEM:-512}" -smp 1 \
		-nodefaults -display none -vga none -no-reboot \
		-serial "file:$LOG" \
		"${FW_ARGS[@]}" \
		-netdev "tap,id=n0,ifname=$TAP,script=no,downscript=no" \
		-device "$(nic_device)" \
		</dev/null >"$LOG.qemu" 2>&1 &
	QEMU_PID=$!
}

main() {
	local missing start
	parse_args "$@"
	missing=$(missing_cmds qemu-system-x86_64 ip timeout)
	[[ $FIRMWARE == bios ]] || missing+=$(missing_cmds "$OVMF_CODE" "$OVMF_VARS")
	[[ -z $missing ]] || skip "missing: $missing"
	ip netns exec "$NS" ip link show "$TAP" >/dev/null 2>&1 || die "no $TAP in namespace $NS"
	TMP=$(mktemp -d)
	trap vm_cleanup EXIT
	trap 'exit 130' INT TERM
	LOG=${LOG:-$TMP/serial.log}
	: >"$LOG"
	firmware_args
	start=$(now)
	run_qemu
	vm_watch "$start"
	vm_verdict
}

main "$@"
