#!/usr/bin/env bash
# test-pxe-tgt.sh: the network-boot lab, proved with stand-ins: VMs with no disk
# PXE-boot on a bridge inside a network namespace that this test creates, BIOS (SeaBIOS) and UEFI
# (OVMF), then sanboot a LUN served by the Debian tgt in the same namespace; the guest's Linux
# initiator logs in again from the iBFT and writes the pattern, which must land in the LUN file.
#
# Stand-ins for ringsan-boot: busybox udhcpd (full DHCP, hands every client boot.ipxe) and
# labsvc.py (TFTP; router advertisements so iPXE does not wait for IPv6). The NIC ROM is QEMU's
# iPXE, so the DHCP answer can be the script itself; ringsan-boot will answer real PXE ROMs with
# undionly.kpxe / ipxe.efi and iPXE with the menu URL. Exit 77 (skip) when something is missing.
#
# Environment: RINGSAN_VM_FIRMWARE ("bios uefi" by default), RINGSAN_VM_TIMEOUT (per VM, 300 s),
# RINGSAN_VM_RA (1: send router advertisements; 0: do not, to measure iPXE's IPv6 wait),
# RINGSAN_VM_NIC (virtio or e1000, see boot-pxe.sh), RINGSAN_VM_CACHE and RINGSAN_VM_KERNEL_PKG
# (make-disk.sh).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NET=192.168.77
SERVER=$NET.1
IQN=iqn.2025-01.org.ringsan.test:pxe-tgt
PASSED=0
FAILED=0
PIDS=()


requirements() {
	local missing
	(($(id -u) == 0)) || skip "needs root (network namespaces, tap devices)"
	missing=$(missing_cmds ip python3 busybox tgtd tgtadm qemu-system-x86_64 timeout sfdisk \
		mkfs.vfat syslinux mcopy cpio iscsistart /usr/share/OVMF/OVMF_CODE.fd \
		/usr/share/OVMF/OVMF_VARS.fd /dev/net/tun)
	[[ -z $missing ]] || skip "missing: $missing"
	busybox udhcpd --help >/dev/null 2>&1 || skip "busybox has no udhcpd applet"
	ip netns add "ringsan-probe-$$" 2>/dev/null || skip "cannot create network namespaces here"
	ip netns del "ringsan-probe-$$"
}

# in_ns_bg CMD...: start CMD in the lab namespace in the background, remembering its PID.
in_ns_bg() {
	ip netns exec "$NS" "$@" </dev/null &
	PIDS+=($!)
}

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	"$VM_DIR/tgt.sh" stop "$WORK/tgt" || true
	"$VM_DIR/netns.sh" down "$NS" || true
	rm -rf "$WORK"
}

write_dhcp_conf() {
	cat >"$WORK/udhcpd.conf" <<-EOF
		interface br0
		start $NET.100
		end $NET.150
		max_leases 51
		lease_file $WORK/udhcpd.leases
		pidfile $WORK/udhcpd.pid
		siaddr $SERVER
		boot_file boot.ipxe
		opt subnet 255.255.255.0
		opt lease 3600
	EOF
	: >"$WORK/udhcpd.leases"
}

# write_boot_script: what the DHCP answer points every client at (the QEMU ROM is iPXE already).
write_boot_script() {
	mkdir -p "$WORK/tftp"
	cat >"$WORK/tftp/boot.ipxe" <<-EOF
		#!ipxe
		echo ringsan-lab: boot.ipxe from TFTP
		set initiator-iqn iqn.2025-01.org.ringsan.test:\${net0/mac:hexhyp}
		set keep-san 1
		sanboot iscsi:$SERVER:::1:$IQN || goto fail
		:fail
		echo $VM_MARK_IPXE_FAIL
		poweroff
	EOF
}

start_services() {
	ip netns exec "$NS" env TGT_ADDR="$SERVER" TGT_PORT=3260 TGT_IQN="$IQN" TGT_FILE="$DISK" \
		"$VM_DIR/tgt.sh" start "$WORK/tgt" || return 1
	# -a 100: udhcpd ARP-pings an address before offering it, 2 s by default; 100 ms will do here.
	in_ns_bg busybox udhcpd -f -a 100 "$WORK/udhcpd.conf" 2>"$WORK/udhcpd.log"
	in_ns_bg python3 "$VM_DIR/labsvc.py" tftp "$SERVER" "$WORK/tftp" 2>"$WORK/tftp.log"
	[[ ${RINGSAN_VM_RA:-1} == 0 ]] ||
		in_ns_bg python3 "$VM_DIR/labsvc.py" ra br0 2>"$WORK/ra.log"
	wait_for 20 udp_bound 67 && wait_for 20 udp_bound 69 && return 0
	log "DHCP or TFTP did not start; bound UDP ports in $NS:"
	ip netns exec "$NS" ss -Hlun >&2 || true
	tail -n 5 "$WORK"/udhcpd.log "$WORK"/tftp.log >&2 || true
	return 1
}

# udp_bound PORT: something in the namespace listens on UDP PORT.
udp_bound() { ip netns exec "$NS" ss -Hlun "sport = :$1" | grep -q .; }

# script_fetch_s START: seconds from START to the last TFTP send of boot.ipxe: the end of the
# NIC ROM's network configuration (where a missing IPv6 router costs iPXE its wait).
script_fetch_s() {
	awk -v start="$1" '/sent boot.ipxe/ { t = $2 } END { if (t) printf "%.1f", t - start; else print "-" }' \
		"$WORK/tftp.log"
}

# boot_one FIRMWARE: one VM, its checks and its times.
boot_one() {
	local fw=$1 report=$WORK/report-$1
	clear_pattern "$DISK"
	check "$fw: VM PXE-boots, sanboots, logs in from the iBFT and writes" \
		"$VM_DIR/boot-pxe.sh" --netns "$NS" --firmware "$fw" --nic "${RINGSAN_VM_NIC:-virtio}" --log "$WORK/serial-$fw.log" \
		--report "$report" --timeout "${RINGSAN_VM_TIMEOUT:-300}"
	check "$fw: the pattern is in the LUN's backing file" pattern_in_file "$DISK"
	[[ -s $report ]] || return 0
	echo "$fw boot times (wall clock from QEMU start): boot.ipxe fetched" \
		"$(script_fetch_s "$(report_get "$report" start)") s, $(report_times "$report")"
}

main() {
	local fw
	requirements
	NS=ringsan-lab-$$
	WORK=$(mktemp -d)
	DISK=$WORK/lun.img
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	"$VM_DIR/make-disk.sh" "$DISK" || {
		check "make-disk.sh builds the boot disk" false
		echo "$PASSED passed, $FAILED failed"
		exit 1
	}
	write_dhcp_conf
	write_boot_script
	if [[ ${RINGSAN_VM_RA:-1} == 0 ]]; then
		NETNS_IPV6=0 "$VM_DIR/netns.sh" up "$NS"
	else
		"$VM_DIR/netns.sh" up "$NS"
	fi
	if start_services; then
		check "DHCP, TFTP and iSCSI serve inside namespace $NS" true
		for fw in ${RINGSAN_VM_FIRMWARE:-bios uefi}; do
			boot_one "$fw"
		done
	else
		check "DHCP, TFTP and iSCSI serve inside namespace $NS" false
	fi
	echo "$PASSED passed, $FAILED failed"
	((FAILED == 0))
}

main "$@"
