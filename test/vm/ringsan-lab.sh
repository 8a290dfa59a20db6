# shellcheck shell=bash
# ringsan-lab.sh: the lab network with ringsan's own services, for the real-OS tests
# (test-debian-iscsi.sh, test-debian-installer.sh, scripts/e2e-install-debian). Sourced after
# lib.sh, never run. A namespace NS (netns.sh) with br0 = $LAB_SERVER, `ringsan serve` on
# $LAB_SERVER:3260 and `ringsan-boot serve --dhcp full` on br0 (HTTP on port 80), plus router
# advertisements so iPXE does not wait for IPv6.
#
# The caller sets RINGSAN, RINGSAN_BOOT, WORK (a directory it removes), DATA (data dir), CFG (the
# config file) and NS; it calls lab_up, then lab_boot ..., and ns_cleanup from its EXIT trap.

LAB_NET=192.168.77
LAB_SERVER=$LAB_NET.1
LAB_BOOTD_PID=''

# Services run with lib.sh's in_ns_bg (their PIDs in PIDS); ns_down stops them and removes NS.

# lab_requirements: skip (77) unless this machine can run the lab.
lab_requirements() {
	local missing
	(($(id -u) == 0)) || skip "needs root (network namespaces, tap devices, ports 67/69/80)"
	missing=$(missing_cmds "$RINGSAN" "$RINGSAN_BOOT" ip python3 qemu-system-x86_64 timeout ss \
		/usr/lib/ipxe/undionly.kpxe /dev/net/tun "$@")
	[[ -z $missing ]] || skip "missing: $missing(Debian: qemu-system-x86 ipxe ipxe-qemu iproute2)"
	ip netns add "ringsan-probe-$$" 2>/dev/null || skip "cannot create network namespaces here"
	ip netns del "ringsan-probe-$$"
}

# lab_up: namespace, RAs, the target and the boot service (full DHCP).
lab_up() {
	"$VM_DIR/netns.sh" up "$NS" || return 1
	in_ns_bg "$WORK/ra.log" python3 "$VM_DIR/labsvc.py" ra br0
	in_ns_bg "$WORK/ringsan.log" "$RINGSAN" --data-dir "$DATA" serve --listen "$LAB_SERVER:3260"
	wait_for 30 tcp_bound 3260 || {
		log "ringsan serve did not listen:"
		tail -n 20 "$WORK/ringsan.log" >&2
		return 1
	}
	in_ns_bg "$WORK/ringsan-boot.log" "$RINGSAN_BOOT" serve -c "$CFG" --data-dir "$DATA" \
		--dhcp full --dhcp-range "$LAB_NET.100-$LAB_NET.150" --interface br0 \
		--server-ip "$LAB_SERVER" --http "$LAB_SERVER:80"
	LAB_BOOTD_PID=$BG_PID
	wait_for 30 udp_bound 67 && wait_for 30 udp_bound 69 && wait_for 30 tcp_bound 80 ||
		{
			log "ringsan-boot did not bind its ports:"
			tail -n 20 "$WORK/ringsan-boot.log" >&2
			return 1
		}
}

# lab_reload: ringsan-boot re-reads the config.
lab_reload() {
	kill -HUP "$LAB_BOOTD_PID"
	sleep 0.5
}

# lab_http_get PATH: GET http://SERVER/PATH from inside the namespace, body on stdout.
lab_http_get() {
	ip netns exec "$NS" python3 -c '
import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' \
		"http://$LAB_SERVER/$1"
}

# lab_boot NAME MAC TIMEOUT [EXPECT] [MEM] [FIRMWARE]: a VM (BIOS unless FIRMWARE is uefi)
# PXE-boots on the bridge (boot-pxe.sh); serial log in $WORK/serial-NAME.log; prints the times.
lab_boot() {
	local name=$1 mac=$2 timeout=$3 expect=${4:-write} mem=${5:-} fw=${6:-bios} report=$WORK/report-$1 rc=0
	RINGSAN_VM_MEM=$mem "$VM_DIR/boot-pxe.sh" --netns "$NS" --firmware "$fw" --mac "$mac" \
		--expect "$expect" --log "$WORK/serial-$name.log" --report "$report" \
		--timeout "$timeout" || rc=1
	[[ ! -s $report ]] || echo "  $name boot times (from QEMU start): $(report_times "$report")"
	return $rc
}
