#!/usr/bin/env bash
# test-fleet-ringsan.sh: many machines, one golden image. Three diskless VMs PXE-boot at the same
# time through `ringsan-boot serve --dhcp full` on the bridge of a network namespace this test
# creates; each is a machine of a [fleet] and sanboots its own overlay of LUN golden (the test
# disk of the other VM tests), which the target creates at its first login. Each guest writes the
# test pattern and its own nonce (ringsan.nonce=1: "RINGSAN-NONCE MAC UUID" one MiB past the
# pattern, after printing what it found there).
#
# Checked: every VM reaches its write marker; each overlay holds its own machine's nonce and no
# other's; the base file is byte-for-byte unchanged; on a second boot of all three (their first
# boot's sessions still lingering in the target), the two machines with reset = boot find no nonce
# and the one with reset = never finds its first nonce again.
# Exit 77 (skip) when something is missing or not root.
#
# Environment: RINGSAN, RINGSAN_BOOT (binaries; default build/dev), RINGSAN_VM_TIMEOUT (per boot
# round of three VMs, default 600 s), RINGSAN_VM_CACHE and RINGSAN_VM_KERNEL_PKG (make-disk.sh),
# RINGSAN_VM_CAPTURE=FILE: record the first machine's first boot as a block trace (iPXE's session
# and the Linux initiator's, in order) for scripts/bench-fleet (scripts/bench-fleet/capture.py).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${RINGSAN:=$REPO_DIR/build/dev/target/cli/ringsan}"
: "${RINGSAN_BOOT:=$REPO_DIR/build/dev/bootsvc/daemon/ringsan-boot}"
NET=192.168.77
SERVER=$NET.1
BASE_IQN=iqn.2026-11.org.ringsan
MACS=(52:54:00:78:00:01 52:54:00:78:00:02 52:54:00:78:00:03)
FLEETS=(lab lab keep) # lab: reset = boot; keep: reset = never
VM_TIMEOUT=${RINGSAN_VM_TIMEOUT:-600}
PASSED=0
FAILED=0

requirements() {
	local missing
	(($(id -u) == 0)) || skip "needs root (network namespaces, tap devices, ports 67/69/80)"
	missing=$(missing_cmds "$RINGSAN" "$RINGSAN_BOOT" ip python3 qemu-system-x86_64 qemu-img \
		timeout sfdisk mkfs.vfat syslinux mcopy cpio iscsistart ss sha256sum \
		/usr/lib/ipxe/undionly.kpxe /dev/net/tun)
	[[ -z $missing ]] || skip "missing: $missing(Debian: qemu-system-x86 qemu-utils ipxe" \
		"ipxe-qemu busybox-static syslinux syslinux-common mtools dosfstools fdisk cpio open-iscsi)"
	ip netns add "ringsan-probe-$$" 2>/dev/null || skip "cannot create network namespaces here"
	ip netns del "ringsan-probe-$$"
}

hyp() { echo "${1//:/-}"; }
overlay() { echo "${FLEETS[$1]}-$(hyp "${MACS[$1]}")"; }

write_config() {
	cat >"$CFG" <<-EOF
		# test-fleet-ringsan.sh (generated)
		[server]
		base_iqn = $BASE_IQN

		[boot]
		ipxe_dir = /usr/lib/ipxe

		[fleet lab]
		base = golden
		machines = ${MACS[0]} ${MACS[1]}
		reset = boot

		[fleet keep]
		base = golden
		machines = ${MACS[2]}
		reset = never
	EOF
	chmod 644 "$CFG"
}

start_services() {
	in_ns_bg "$WORK/ringsan.log" "$RINGSAN" -c "$CFG" --data-dir "$DATA" serve \
		--listen "$SERVER:3260"
	wait_for 15 tcp_bound 3260 || { tail -n 20 "$WORK/ringsan.log" >&2; return 1; }
	in_ns_bg "$BOOTD_LOG" "$RINGSAN_BOOT" serve -c "$CFG" --data-dir "$DATA" --dhcp full \
		--interface br0 --server-ip "$SERVER" --http "$SERVER:80" \
		--dhcp-range "$NET.100-$NET.150"
	wait_for 15 udp_bound 67 && wait_for 15 udp_bound 69 && wait_for 15 tcp_bound 80 ||
		{ tail -n 20 "$BOOTD_LOG" >&2; return 1; }
}

# boot_round N: the three VMs at once, each on its own tap; waits for all.
boot_round() {
	local round=$1 i pids=()
	for i in 0 1 2; do
		"$VM_DIR/boot-pxe.sh" --netns "$NS" --firmware bios --tap "tap$i" --mac "${MACS[$i]}" \
			--expect write --log "$WORK/serial-$round-$i.log" --report "$WORK/report-$round-$i" \
			--timeout "$VM_TIMEOUT" >"$WORK/vm-$round-$i.out" 2>&1 &
		pids+=($!)
	done
	for i in 0 1 2; do
		if wait "${pids[$i]}"; then
			echo 0 >"$WORK/rc-$round-$i"
		else
			echo 1 >"$WORK/rc-$round-$i"
			sed 's/^/    /' "$WORK/vm-$round-$i.out" | tail -n 40
		fi
		echo "  round $round, machine ${MACS[$i]}: $(report_times "$WORK/report-$round-$i")"
	done
}

vm_ok() { [[ $(cat "$WORK/rc-$1-$2") == 0 ]]; }
found() { grep -a -m1 '^RINGSAN-NONCE-FOUND: ' "$WORK/serial-$1-$2.log" | sed 's/^RINGSAN-NONCE-FOUND: //' | tr -d '\r'; }
wrote() { grep -a -m1 '^RINGSAN-NONCE-WROTE: ' "$WORK/serial-$1-$2.log" | sed 's/^RINGSAN-NONCE-WROTE: //' | tr -d '\r'; }

# nonce_in LUN: the nonce sector of a LUN as served (read over iSCSI from inside the namespace).
nonce_in() {
	local sector=$(((VM_DATA_START_MIB + 1) * 2048))
	# qemu-img dd counts count from the start of the input, skipped blocks included.
	ip netns exec "$NS" timeout 60 qemu-img dd -f raw -O raw bs=512 skip="$sector" \
		count=$((sector + 1)) "if=iscsi://$SERVER/$BASE_IQN:$1/0" "of=$WORK/nonce.bin" \
		>/dev/null 2>&1 || return 1
	tr -d '\000' <"$WORK/nonce.bin" | head -n 1
	rm -f "$WORK/nonce.bin"
}

round_checks() {
	local round=$1 i mine
	for i in 0 1 2; do
		check "round $round: machine ${MACS[$i]} booted its overlay $(overlay "$i") and wrote" \
			vm_ok "$round" "$i"
	done
	check "round $round: the base file is byte-for-byte unchanged" \
		test "$(sha256sum <"$DATA/golden/disk.img")" = "$GOLDEN_SUM"
	for i in 0 1 2; do
		mine=$(wrote "$round" "$i")
		check "round $round: $(overlay "$i") holds its own machine's nonce (${mine:-none})" \
			test -n "$mine" -a "$(nonce_in "$(overlay "$i")")" = "$mine"
	done
}

main() {
	local start i first
	requirements
	start=$(now)
	NS=ringsan-fleet-$$
	WORK=$(mktemp -d)
	chmod 755 "$WORK" # ringsan-boot drops root after binding
	DATA=$WORK/data CFG=$WORK/ringsan.ini BOOTD_LOG=$WORK/ringsan-boot.log
	trap ns_cleanup EXIT
	trap 'exit 130' INT TERM
	RINGSAN_VM_CMDLINE="ringsan.nonce=1" "$VM_DIR/make-disk.sh" "$WORK/disk.img" ||
		die "make-disk.sh failed"
	"$RINGSAN" --data-dir "$DATA" lun create golden --size "$(stat -c %s "$WORK/disk.img")" \
		>/dev/null
	cp --sparse=always "$WORK/disk.img" "$DATA/golden/disk.img"
	GOLDEN_SUM=$(sha256sum <"$DATA/golden/disk.img")
	write_config
	"$VM_DIR/netns.sh" up "$NS"
	for i in 1 2; do
		ip netns exec "$NS" ip tuntap add dev "tap$i" mode tap
		ip netns exec "$NS" ip link set "tap$i" master br0
		ip netns exec "$NS" ip link set "tap$i" up
	done
	in_ns_bg "$WORK/ra.log" python3 "$VM_DIR/labsvc.py" ra br0
	start_services || die "ringsan serve / ringsan-boot serve did not start in $NS"

	echo "first boot: three machines at once"
	if [[ -n ${RINGSAN_VM_CAPTURE:-} ]]; then
		in_ns_bg "$WORK/capture.log" python3 "$REPO_DIR/scripts/bench-fleet/capture.py" br0 3260 \
			"$RINGSAN_VM_CAPTURE" ":$(overlay 0)"
		CAPTURE_PID=$BG_PID
		sleep 1
	fi
	boot_round 1
	if [[ -n ${RINGSAN_VM_CAPTURE:-} ]]; then
		stop_pid "$CAPTURE_PID"
		check "round 1: the first machine's boot was recorded in $RINGSAN_VM_CAPTURE" \
			grep -q '^R ' "$RINGSAN_VM_CAPTURE"
		cat "$WORK/capture.log"
	fi
	round_checks 1
	for i in 0 1 2; do
		check "round 1: $(overlay "$i") was new (its guest found no nonce)" \
			test "$(found 1 "$i")" = none
	done
	check "round 1: the target created each overlay at its first login" \
		test "$(grep -c 'boots for the first time: overlay' "$WORK/ringsan.log")" -eq 3

	echo "second boot: the same machines again, their first boot's sessions still logged in"
	boot_round 2
	round_checks 2
	for i in 0 1; do
		check "round 2: reset = boot: $(overlay "$i") was empty (its guest found no nonce)" \
			test "$(found 2 "$i")" = none
	done
	first=$(wrote 1 2)
	check "round 2: reset = never: $(overlay 2) kept its first boot's nonce ($first)" \
		test -n "$first" -a "$(found 2 2)" = "$first"
	check "round 2: the target emptied the two reset = boot overlays" \
		test "$(grep -c 'starts a new boot: overlay .* emptied' "$WORK/ringsan.log")" -ge 2
	echo "  the target's fleet log lines:"
	grep -a 'fleet ' "$WORK/ringsan.log" | sed -E 's/^<[0-9]>//; s/^/    /' | head -n 30
	echo "whole test: $(elapsed "$start") s"
	echo "$PASSED passed, $FAILED failed"
	((FAILED == 0))
}

main "$@"
