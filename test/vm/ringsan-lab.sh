# shellcheck shell=bash
# ringsan-lab.sh: the lab network with ringsan's own services, for the real-OS tests
# (test-debian-iscsi.sh, test-debian-installer.sh, scripts/e2e-install-debian). Sourced after
# lib.sh, never run. A namespace NS (netns.sh) with br0 = $LAB_SERVER, `ringsan serve` on
# $LAB_SERVER:3260 and `ringsan-boot serve --dhcp full` on br0 (HTTP on port 80), plus router
# advertisements so iPXE does not wait for IPv6.
#
# The caller sets RINGSAN, RINGSAN_BOOT, WORK (a directory it removes), DATA (data dir), CFG (the
# config file) and NS; it calls lab_up, then lab_boot ..., and lab_down from its EXIT trap.

LAB_NET=192.168.77
LAB_SERVER=$LAB_NET.1
LAB_PIDS=()
LAB_BOOTD_PID=''

# lab_bg LOG CMD...: CMD in the namespace, in the background; sets LAB_BG_PID.
lab_bg() {
	local log=$1
	shift
	ip netns exec "$NS" "$@" </dev/null >>"$log" 2>&1 &
	LAB_BG_PID=$!
	LAB_PIDS+=("$LAB_BG_PID")
}

# lab_stop_pid PID: stop one process this test started (TERM, then KILL after 5 s).
lab_stop_pid() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 25; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

lab_down() {
	local pid
	for pid in "${LAB_PIDS[@]}"; do
		lab_stop_pid "$pid"
	done
	LAB_PIDS=()
	[[ -z ${NS:-} ]] || "$VM_DIR/netns.sh" down "$NS" >/dev/null 2>&1 || true
}

lab_udp_bound() { ip netns exec "$NS" ss -Hlun "sport = :$1" | grep -q .; }
lab_tcp_bound() { ip netns exec "$NS" ss -Hltn "sport = :$1" | grep -q .; }

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
	lab_bg "$WORK/ra.log" python3 "$VM_DIR/labsvc.py" ra br0
	lab_bg "$WORK/ringsan.log" "$RINGSAN" --data-dir "$DATA" serve --listen "$LAB_SERVER:3260"
	wait_for 30 lab_tcp_bound 3260 || {
		log "ringsan serve did not listen:"
		tail -n 20 "$WORK/ringsan.log" >&2
		return 1
	}
	lab_bg "$WORK/ringsan-boot.log" "$RINGSAN_BOOT" serve -c "$CFG" --data-dir "$DATA" \
		--dhcp full --dhcp-range "$LAB_NET.100-$LAB_NET.150" --interface br0 \
		--server-ip "$LAB_SERVER" --http "$LAB_SERVER:80"
	LAB_BOOTD_PID=$LAB_BG_PID
	wait_for 30 lab_udp_bound 67 && wait_for 30 lab_udp_bound 69 && wait_for 30 lab_tcp_bound 80 ||
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
