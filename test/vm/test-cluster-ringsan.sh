#!/usr/bin/env bash
# test-cluster-ringsan.sh: several ringsan nodes behind one portal, with iPXE and the Linux
# initiator. Three nodes (a, b, c) on the bridge of a network namespace this test creates
# (192.168.77.1-3); ringsan-boot (full DHCP) names node a's address in its menus, as it would
# with one server. LUN boot lives in the cluster's shared dir ([lun boot] node = b, c, a), so b
# serves it while it is up and c once b is gone.
#
# Boot 1: a BIOS VM PXE-boots the menu, iPXE sanboots iscsi:192.168.77.1::::...:boot, node a
# answers "target moved temporarily" (01/01) with b's address, iPXE follows and boots; the
# guest's initramfs logs in again with open-iscsi's iscsistart through the same portal a
# (ringsan.portal=a,b,c: the first that does not refuse; names from the iBFT), is redirected
# too, and writes the test pattern into the LUN. Then node b is killed; once a's health checks
# count it down, boot 2 goes the same way to c, and the pattern is written again. Then b comes
# back and node a, the portal the menus name first, is killed (ringsan-boot keeps running):
# ringsan-boot's scripts try each node's portal in turn (sanboot ${rs_root} || sanboot
# ${rs_root2} || ...), the guest's iscsistart skips the portal that refuses, and boot 3 ends on
# b, or on c while boot 2's sessions linger there.
# Exit 77 (skip) when something is missing or not root.
#
# Environment: RINGSAN, RINGSAN_BOOT (binaries; default build/dev), RINGSAN_VM_TIMEOUT (per boot,
# default 300 s), RINGSAN_VM_CACHE and RINGSAN_VM_KERNEL_PKG (make-disk.sh).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${RINGSAN:=$REPO_DIR/build/dev/target/cli/ringsan}"
: "${RINGSAN_BOOT:=$REPO_DIR/build/dev/bootsvc/daemon/ringsan-boot}"
NET=192.168.77
declare -A ADDR=([a]=$NET.1 [b]=$NET.2 [c]=$NET.3)
declare -A NODE_PID
BASE_IQN=iqn.2026-11.org.ringsan
MAC=52:54:00:79:00:01
VM_TIMEOUT=${RINGSAN_VM_TIMEOUT:-300}
PASSED=0
FAILED=0

requirements() {
	local missing
	(($(id -u) == 0)) || skip "needs root (network namespaces, tap devices, ports 67/69/80)"
	missing=$(missing_cmds "$RINGSAN" "$RINGSAN_BOOT" ip python3 qemu-system-x86_64 timeout \
		sfdisk mkfs.vfat syslinux mcopy cpio iscsistart ss /usr/lib/ipxe/undionly.kpxe \
		/dev/net/tun)
	[[ -z $missing ]] || skip "missing: $missing(Debian: qemu-system-x86 ipxe ipxe-qemu" \
		"busybox-static syslinux syslinux-common mtools dosfstools fdisk cpio open-iscsi)"
	ip netns add "ringsan-probe-$$" 2>/dev/null || skip "cannot create network namespaces here"
	ip netns del "ringsan-probe-$$"
}

write_config() {
	cat >"$CFG" <<-EOF
		# test-cluster-ringsan.sh (generated)
		[server]
		base_iqn = $BASE_IQN

		[boot]
		ipxe_dir = /usr/lib/ipxe

		[cluster]
		nodes = a=${ADDR[a]}:3260, b=${ADDR[b]}:3260, c=${ADDR[c]}:3260
		shared_dir = $SHARED
		health_interval = 1
		health_timeout = 3

		[lun boot]
		node = b, c, a

		[client $MAC]
		lun = boot
		action = boot
		timeout = 1
	EOF
	chmod 644 "$CFG"
}

start_node() { # start_node NAME
	in_ns_bg "$WORK/$1.log" "$RINGSAN" -c "$CFG" --data-dir "$WORK/$1" serve \
		--listen "${ADDR[$1]}:3260" --workers 1
	NODE_PID[$1]=$BG_PID
}

start_services() {
	local n
	for n in b c; do
		ip netns exec "$NS" ip addr add "${ADDR[$n]}/24" dev br0
	done
	for n in a b c; do
		start_node $n
	done
	wait_for 15 ip netns exec "$NS" python3 -c "
import socket
for h in ('${ADDR[a]}', '${ADDR[b]}', '${ADDR[c]}'):
    socket.create_connection((h, 3260), 1)" || { tail -n 20 "$WORK"/[abc].log >&2; return 1; }
	in_ns_bg "$BOOTD_LOG" "$RINGSAN_BOOT" serve -c "$CFG" --data-dir "$WORK/a" --dhcp full \
		--interface br0 --server-ip "${ADDR[a]}" --http "${ADDR[a]}:80" \
		--dhcp-range "$NET.100-$NET.150"
	wait_for 15 udp_bound 67 && wait_for 15 udp_bound 69 && wait_for 15 tcp_bound 80 ||
		{ tail -n 20 "$BOOTD_LOG" >&2; return 1; }
}

boot_vm() { # boot_vm ROUND
	"$VM_DIR/boot-pxe.sh" --netns "$NS" --firmware bios --mac "$MAC" --expect write \
		--log "$WORK/serial-$1.log" --report "$WORK/report-$1" --timeout "$VM_TIMEOUT" \
		>"$WORK/vm-$1.out" 2>&1
	local rc=$?
	((rc == 0)) || sed 's/^/    /' "$WORK/vm-$1.out" | tail -n 40
	echo "  boot $1: $(report_times "$WORK/report-$1")"
	return $rc
}

# redirects NODE TO: how many logins to LUN boot node NODE sent to TO's portal.
redirects() {
	grep -ac "login to $BASE_IQN:boot redirected to ${ADDR[$2]}:3260,1" "$WORK/$1.log" || true
}
# holder: the node that last took LUN boot's lock (NAME/serving in the shared dir).
holder() { cat "$SHARED/boot/serving" 2>/dev/null; }

main() {
	local start
	requirements
	start=$(now)
	NS=ringsan-cluster-$$
	WORK=$(mktemp -d)
	chmod 755 "$WORK" # ringsan-boot drops root after binding
	SHARED=$WORK/shared CFG=$WORK/ringsan.ini BOOTD_LOG=$WORK/ringsan-boot.log
	mkdir -p "$WORK/a" "$WORK/b" "$WORK/c" "$SHARED"
	trap ns_cleanup EXIT
	trap 'exit 130' INT TERM
	RINGSAN_VM_CMDLINE="ringsan.portal=${ADDR[a]}:3260,${ADDR[b]}:3260,${ADDR[c]}:3260" \
		"$VM_DIR/make-disk.sh" "$WORK/disk.img" || die "make-disk.sh failed"
	"$RINGSAN" --data-dir "$SHARED" lun create boot --size "$(stat -c %s "$WORK/disk.img")" \
		>/dev/null
	cp --sparse=always "$WORK/disk.img" "$SHARED/boot/disk.img"
	chmod -R a+rX "$SHARED"
	write_config
	"$VM_DIR/netns.sh" up "$NS"
	in_ns_bg "$WORK/ra.log" python3 "$VM_DIR/labsvc.py" ra br0
	start_services || die "the nodes or ringsan-boot did not start in $NS"
	ip netns exec "$NS" python3 -c '
import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' \
		"http://${ADDR[a]}/lun-boot.ipxe" >"$WORK/lun-boot.ipxe" ||
		die "ringsan-boot does not serve lun-boot.ipxe"

	echo "boot 1: through node a's portal; b serves LUN boot"
	check "boot 1: the VM booted LUN boot through a and its Linux initiator wrote" boot_vm 1
	check "boot 1: the guest's iscsistart logged in through node a's portal" \
		grep -aq "logging in through ${ADDR[a]}:3260" "$WORK/serial-1.log"
	check "boot 1: node a redirected iPXE and the Linux initiator to b (2 logins)" \
		test "$(redirects a b)" -ge 2
	check "boot 1: b served LUN boot (its lock file names b)" test "$(holder)" = b
	check "boot 1: the pattern is in the shared LUN file" pattern_in_file "$SHARED/boot/disk.img"
	grep -a "redirected\|serving LUN boot" "$WORK"/[abc].log | sed -E 's/^/    /' | head -n 8

	echo "node b is killed"
	kill -KILL "${NODE_PID[b]}"
	wait "${NODE_PID[b]}" 2>/dev/null || true
	check "nodes a and c count b down" wait_for 20 grep -q "node b .* is down" "$WORK/a.log" &&
		wait_for 20 grep -q "node b .* is down" "$WORK/c.log"
	clear_pattern "$SHARED/boot/disk.img"
	check "the pattern is gone before boot 2" eval '! pattern_in_file "$SHARED/boot/disk.img"'

	echo "boot 2: through node a's portal; c serves LUN boot"
	check "boot 2: the VM booted LUN boot through a and its Linux initiator wrote" boot_vm 2
	check "boot 2: node a redirected iPXE and the Linux initiator to c (2 logins)" \
		test "$(redirects a c)" -ge 2
	check "boot 2: c served LUN boot (its lock file names c)" test "$(holder)" = c
	check "boot 2: the pattern is in the shared LUN file again" \
		pattern_in_file "$SHARED/boot/disk.img"

	echo "node b comes back, node a (the portal the menus name first) is killed"
	start_node b
	check "node c counts b up again" wait_for 20 grep -q "node b .* is up" "$WORK/c.log"
	kill -KILL "${NODE_PID[a]}"
	wait "${NODE_PID[a]}" 2>/dev/null || true
	check "nodes b and c count a down" wait_for 20 grep -q "node a .* is down" "$WORK/b.log" &&
		wait_for 20 grep -q "node a .* is down" "$WORK/c.log"
	clear_pattern "$SHARED/boot/disk.img"
	echo "boot 3: ringsan-boot's scripts name every node's portal; a refuses, b or c serves"
	check "boot 3: the VM booted LUN boot with node a down and its Linux initiator wrote" \
		boot_vm 3
	check "boot 3: iPXE was given every node's portal" \
		grep -q "iscsi:${ADDR[b]}::3260::" "$WORK/lun-boot.ipxe"
	check "boot 3: the guest's iscsistart skipped a and logged in through b" \
		grep -aq "logging in through ${ADDR[b]}:3260" "$WORK/serial-3.log"
	# b is first in the LUN's order, but c may still hold it: boot 2's sessions linger there
	# until the NOP-In pings find the guest gone, and a LUN stays where its sessions are.
	check "boot 3: a live node served LUN boot (its lock file names $(holder))" \
		test "$(holder)" = b -o "$(holder)" = c
	check "boot 3: the pattern is in the shared LUN file" pattern_in_file "$SHARED/boot/disk.img"
	echo "whole test: $(elapsed "$start") s"
	echo "$PASSED passed, $FAILED failed"
	((FAILED == 0))
}

main "$@"
