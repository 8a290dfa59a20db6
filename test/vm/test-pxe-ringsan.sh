#!/usr/bin/env bash
# test-pxe-ringsan.sh: the end-to-end network boot with ringsan itself: VMs with no disk
# PXE-boot on the bridge of a network namespace that this test creates, through `ringsan-boot
# serve` (DHCP, TFTP, HTTP, generated iPXE menus), and sanboot a LUN served by `ringsan serve`;
# the guest's Linux initiator logs in again from the iBFT that iPXE published and writes the
# pattern, which must land in the LUN's backing file. No keyboard: each machine has a [client MAC]
# section whose default is taken at once (timeout 0).
#
# Cases (each a check, with its boot times; the ringsan-boot log lines of each boot show the path):
#   full DHCP:  BIOS virtio (QEMU's iPXE ROM), BIOS e1000 (boot marker only: the cloud kernel has no
#               e1000 driver), UEFI virtio (iPXE EFI ROM), UEFI without option ROM (OVMF's own PXE
#               -> snponly.efi over TFTP -> menu);
#   install:    a second machine whose action is install: sanhook + the test disk's own kernel and
#               initrd over HTTP from media_dir, which write the pattern one MiB further on; then the
#               config says boot (rewritten, SIGHUP) and the same machine boots from the LUN, which
#               must still hold what the install wrote;
#   unknown:    a machine with no [client] section, [boot] default_action = boot and
#               menu_timeout = 3: the menu must take its default (the first LUN) after 3 s, then
#               the disk's own boot/install chooser after 3 s more, and the machine boots with no
#               keyboard (before, an unknown machine waited at the menu forever);
#   proxyDHCP:  busybox udhcpd (in a peer namespace on the bridge) hands out addresses, ringsan-boot --dhcp proxy does the rest
#               (UDP 4011 included): BIOS virtio, UEFI without option ROM.
# After the bios and uefi-pxe boots, `ringsan-boot machines --json` must show the machine's boot
# step by step in order, from what both daemons saw (the target's events through its control
# socket): DHCP, iPXE over TFTP (uefi-pxe), iPXE's DHCP, menu, disk script, iPXE's login, the
# OS's own login from the iBFT. After the bios boot the status page (admin listener on the
# namespace's loopback) is loaded in headless Chromium when it is installed: its DOM shows LUN
# pxe and the machine with the OS's login; the screenshot is kept as
# RINGSAN_VM_ARTIFACTS/status-page-vm.png (default build/test-artifacts).
# Exit 77 (skip) when something is missing or not root.
#
# Environment: RINGSAN, RINGSAN_BOOT (binaries; default build/dev), RINGSAN_VM_TIMEOUT (per VM,
# default 150 s), RINGSAN_VM_CASES (default "bios bios-e1000 uefi uefi-pxe install unknown
# proxy-bios proxy-uefi-pxe"; any proxy* case also runs the UDP 4011 checks), RINGSAN_VM_LOG_LEVEL
# (ringsan-boot's, default info), RINGSAN_VM_CACHE and RINGSAN_VM_KERNEL_PKG (make-disk.sh).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${RINGSAN:=$REPO_DIR/build/dev/target/cli/ringsan}"
: "${RINGSAN_BOOT:=$REPO_DIR/build/dev/bootsvc/daemon/ringsan-boot}"
NET=192.168.77
SERVER=$NET.1
BASE_IQN=iqn.2026-11.org.ringsan
MAC_BOOT=52:54:00:77:00:01    # [client]: lun pxe, action boot
MAC_INSTALL=52:54:00:77:00:02 # [client]: lun inst, action install (then boot)
MAC_UNKNOWN=52:54:00:77:00:03 # no [client]: [boot] default_action and menu_timeout apply
UNKNOWN_TIMEOUT=3
LUN_BOOT=pxe
LUN_INSTALL=inst
INSTALL_OFFSET_MIB=$((VM_DATA_START_MIB + 1)) # where the "installer" writes its pattern
CASES=${RINGSAN_VM_CASES:-bios bios-e1000 uefi uefi-pxe install unknown proxy-bios proxy-uefi-pxe}
VM_TIMEOUT=${RINGSAN_VM_TIMEOUT:-150}
PASSED=0
FAILED=0
TIMES=()
BOOTD_PID=''


requirements() {
	local missing
	(($(id -u) == 0)) || skip "needs root (network namespaces, tap devices, ports 67/69/80)"
	missing=$(missing_cmds "$RINGSAN" "$RINGSAN_BOOT" ip python3 busybox qemu-system-x86_64 \
		timeout sfdisk mkfs.vfat syslinux mcopy cpio iscsistart ss \
		/usr/share/OVMF/OVMF_CODE.fd /usr/share/OVMF/OVMF_VARS.fd /usr/lib/ipxe/undionly.kpxe \
		/usr/lib/ipxe/snponly.efi /usr/lib/ipxe/ipxe.efi /dev/net/tun)
	[[ -z $missing ]] || skip "missing: $missing(Debian: qemu-system-x86 ipxe ipxe-qemu ovmf" \
		"busybox-static syslinux syslinux-common mtools dosfstools fdisk cpio open-iscsi)"
	busybox udhcpd --help >/dev/null 2>&1 || skip "busybox has no udhcpd applet"
	ip netns add "ringsan-probe-$$" 2>/dev/null || skip "cannot create network namespaces here"
	ip netns del "ringsan-probe-$$"
}

# http_get PATH: GET http://SERVER/PATH from inside the namespace, body on stdout.
http_get() {
	ip netns exec "$NS" python3 -c '
import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' \
		"http://$SERVER/$1"
}

# --- the disks, the media and the config ---------------------------------------------------------

# make_luns: the test disk twice, as LUN pxe (cases boot) and LUN inst (the install case), made
# with the CLI; the installer's kernel and initrd are the disk's own, taken out of its FAT.
make_luns() {
	local size name
	"$VM_DIR/make-disk.sh" "$WORK/disk.img" || return 1
	size=$(stat -c %s "$WORK/disk.img")
	for name in "$LUN_BOOT" "$LUN_INSTALL"; do
		"$RINGSAN" --data-dir "$DATA" lun create "$name" --size "$size" >/dev/null || return 1
		cp --sparse=always "$WORK/disk.img" "$DATA/$name/disk.img" || return 1
	done
	mkdir -p "$MEDIA/inst"
	MTOOLS_SKIP_CHECK=1 mcopy -n -i "$WORK/disk.img@@${VM_FAT_START_MIB}M" ::/vmlinuz ::/initrd.img \
		"$MEDIA/inst/" || return 1
	chmod -R a+rX "$MEDIA"
}

# write_config INSTALL_ACTION [UNKNOWN_ACTION]: the INI ringsan-boot reads (and re-reads on
# SIGHUP). UNKNOWN_ACTION sets [boot] default_action with menu_timeout UNKNOWN_TIMEOUT.
write_config() {
	local unknown="menu_timeout = 10"
	[[ -z ${2:-} ]] || unknown="menu_timeout = $UNKNOWN_TIMEOUT
default_action = $2"
	cat >"$CFG.tmp" <<-EOF
		# test-pxe-ringsan.sh (generated)
		[server]
		base_iqn = $BASE_IQN
		log_level = ${RINGSAN_VM_LOG_LEVEL:-info}
		# ringsan-boot runs as nobody: it reads the target's events through this group
		control_group = nogroup

		[boot]
		ipxe_dir = /usr/lib/ipxe
		admin_listen = 127.0.0.1:$ADMIN_PORT
		media_dir = $MEDIA
		$unknown

		[image testinst]
		description = test installer (the test disk's own kernel and initramfs)
		kernel = inst/vmlinuz
		initrd = inst/initrd.img
		args = console=ttyS0,115200 panic=-1 ringsan.test=write ringsan.offset_mib=$INSTALL_OFFSET_MIB

		[client $MAC_BOOT]
		name = lab-boot
		lun = $LUN_BOOT
		action = boot
		timeout = 0

		[client $MAC_INSTALL]
		name = lab-install
		lun = $LUN_INSTALL
		action = $1
		image = testinst
		timeout = 0
	EOF
	chmod 644 "$CFG.tmp"
	mv "$CFG.tmp" "$CFG"
}

# --- services ----------------------------------------------------------------------------------

start_target() {
	in_ns_bg "$WORK/ringsan.log" "$RINGSAN" -c "$CFG" --data-dir "$DATA" serve \
		--listen "$SERVER:3260"
	wait_for 15 tcp_bound 3260 && return 0
	log "ringsan serve did not listen on $SERVER:3260:"
	tail -n 20 "$WORK/ringsan.log" >&2
	return 1
}

# start_bootd MODE: ringsan-boot serve in full or proxy mode.
start_bootd() {
	local mode=$1 args
	args=(serve -c "$CFG" --data-dir "$DATA" --dhcp "$mode" --interface br0 --server-ip "$SERVER"
		--http "$SERVER:80")
	[[ $mode != full ]] || args+=(--dhcp-range "$NET.100-$NET.150")
	echo "=== ringsan-boot ${args[*]}" >>"$BOOTD_LOG"
	in_ns_bg "$BOOTD_LOG" "$RINGSAN_BOOT" "${args[@]}"
	BOOTD_PID=$BG_PID
	wait_for 15 udp_bound 67 && wait_for 15 udp_bound 69 && wait_for 15 tcp_bound 80 &&
		wait_for 15 udp_bound 4011 && return 0
	log "ringsan-boot ($mode) did not bind its ports; bound in $NS:"
	ip netns exec "$NS" ss -Hluntp >&2 || true
	tail -n 20 "$BOOTD_LOG" >&2
	return 1
}

stop_bootd() {
	[[ -n $BOOTD_PID ]] || return 0
	stop_pid "$BOOTD_PID"
	BOOTD_PID=''
}

# start_udhcpd: the LAN's own DHCP server, on "another machine" (the peer namespace).
start_udhcpd() {
	cat >"$WORK/udhcpd.conf" <<-EOF
		interface eth0
		start $NET.160
		end $NET.199
		max_leases 40
		lease_file $WORK/udhcpd.leases
		pidfile $WORK/udhcpd.pid
		opt subnet 255.255.255.0
		opt lease 3600
	EOF
	: >"$WORK/udhcpd.leases"
	# -a 100: udhcpd ARP-pings an address before offering it, 2 s by default.
	ip netns exec "$NS-peer" busybox udhcpd -f -a 100 "$WORK/udhcpd.conf" </dev/null \
		>>"$WORK/udhcpd.log" 2>&1 &
	PIDS+=($!)
	wait_for 15 peer_udp_bound 67
}

peer_udp_bound() { ip netns exec "$NS-peer" ss -Hlun "sport = :$1" | grep -q .; }

# menu_lists_luns: the menu ringsan-boot serves (it runs unprivileged) offers both LUNs.
menu_lists_luns() {
	local menu
	menu=$(http_get menu.ipxe) || return 1
	grep -q "^item lun-$LUN_BOOT " <<<"$menu" && grep -q "^item lun-$LUN_INSTALL " <<<"$menu"
}

# --- the boots ---------------------------------------------------------------------------------

# bootd_path FROM_LINE: the ringsan-boot log lines of one boot (what each client asked for).
bootd_path() {
	tail -n +"$1" "$BOOTD_LOG" | grep -a -E 'boot: |tftp: |http: |dhcp: ' |
		sed -E 's/^<[0-9]>//; s/^/      /' | head -n 40
}

# boot_case NAME FIRMWARE NIC ROM MAC EXPECT: one VM; prints its times and its boot path.
boot_case() {
	local name=$1 fw=$2 nic=$3 rom=$4 mac=$5 expect=$6 report=$WORK/report-$1 from rc=0
	from=$(($(wc -l <"$BOOTD_LOG") + 1))
	"$VM_DIR/boot-pxe.sh" --netns "$NS" --firmware "$fw" --nic "$nic" --rom "$rom" --mac "$mac" \
		--expect "$expect" --log "$WORK/serial-$name.log" --report "$report" \
		--timeout "$VM_TIMEOUT" || rc=1
	if [[ -s $report ]]; then
		TIMES+=("$name: $(report_times "$report")")
		echo "  $name boot times (from QEMU start): $(report_times "$report")"
	fi
	echo "  $name: what ringsan-boot answered:"
	bootd_path "$from"
	return $rc
}

# pattern_at FILE MIB: FILE holds the pattern at MIB.
pattern_at() {
	local expect rc=0
	expect=$(mktemp)
	make_pattern "$expect"
	cmp -s -n $((VM_PATTERN_MIB << 20)) -i "$(($2 << 20)):0" "$1" "$expect" || rc=1
	rm -f "$expect"
	return $rc
}
no_pattern_at() { ! pattern_at "$@"; }
clear_at() {
	dd if=/dev/zero of="$1" bs=1M seek="$2" count="$VM_PATTERN_MIB" conv=notrunc,fsync status=none
}

# pxe_case NAME FIRMWARE NIC ROM: a boot of machine MAC_BOOT from LUN pxe.
pxe_case() {
	local name=$1 fw=$2 nic=$3 rom=$4 expect=write lun=$DATA/$LUN_BOOT/disk.img
	# The cloud kernel has no e1000 driver: the guest reaches its marker but cannot write.
	[[ $nic != e1000 ]] || expect=boot
	clear_pattern "$lun"
	local marks=$VM_MARK_BOOT
	[[ $expect == boot ]] || marks+=", $VM_MARK_WRITE"
	check "$name: $fw $nic rom=$rom PXE -> ringsan-boot menu -> sanboot LUN $LUN_BOOT -> $marks" \
		boot_case "$name" "$fw" "$nic" "$rom" "$MAC_BOOT" "$expect"
	[[ $expect == boot ]] ||
		check "$name: the pattern is in LUN $LUN_BOOT's backing file" pattern_in_file "$lun"
}

install_case() {
	local lun=$DATA/$LUN_INSTALL/disk.img
	clear_at "$lun" "$VM_DATA_START_MIB"
	clear_at "$lun" "$INSTALL_OFFSET_MIB"
	write_config install
	kill -HUP "$BOOTD_PID"
	sleep 0.5
	check "install: action install -> sanhook LUN $LUN_INSTALL + kernel/initrd over HTTP -> the installer writes" \
		boot_case install bios virtio default "$MAC_INSTALL" write
	check "install: the installer's pattern is in LUN $LUN_INSTALL at $INSTALL_OFFSET_MIB MiB" \
		pattern_at "$lun" "$INSTALL_OFFSET_MIB"
	check "install: the installer did not boot the disk's own kernel (nothing at $VM_DATA_START_MIB MiB)" \
		no_pattern_at "$lun" "$VM_DATA_START_MIB"
	check "install: the installer's kernel came over HTTP, not from the LUN (no syslinux)" \
		no_syslinux "$WORK/serial-install.log"
	# sanhook (iPXE's login), then the installer's media, then its own login from the iBFT.
	timeline_case install disk,ipxe-login,install,os-login "$MAC_INSTALL"
	write_config boot
	kill -HUP "$BOOTD_PID"
	sleep 0.5
	check "install: reloaded config (SIGHUP) -> the machine now boots LUN $LUN_INSTALL itself" \
		boot_case installed bios virtio default "$MAC_INSTALL" write
	check "install: the booted LUN came up through syslinux from the disk" \
		grep -qa '^SYSLINUX' "$WORK/serial-installed.log"
	check "install: what the installer wrote is still on LUN $LUN_INSTALL, next to the new write" \
		both_patterns "$lun"
}

# unknown_case: a machine no [client] names boots the menu's default (the first LUN) by itself
# after menu_timeout, because default_action is boot.
unknown_case() {
	local first lun
	write_config boot boot
	kill -HUP "$BOOTD_PID"
	sleep 0.5
	first=$(http_get menu.ipxe | sed -n 's/^set rs_default lun-//p' | head -n 1)
	check "unknown: menu.ipxe preselects the first LUN ($first) for $UNKNOWN_TIMEOUT s" \
		unknown_menu_times_out
	lun=$DATA/$first/disk.img
	clear_pattern "$lun"
	# When each script was fetched: the bootd log with arrival times (it has none of its own).
	python3 -u - "$BOOTD_LOG" "$((VM_TIMEOUT + 30))" >"$WORK/stamped.log" <<-'EOF' &
		import sys, time
		f = open(sys.argv[1], errors="replace")
		f.seek(0, 2)
		end = time.time() + float(sys.argv[2])
		while time.time() < end:
		    line = f.readline()
		    if line:
		        print("%.2f %s" % (time.time(), line), end="")
		    else:
		        time.sleep(0.05)
	EOF
	local stamper=$!
	PIDS+=("$stamper")
	check "unknown: no [client], default_action boot, menu_timeout $UNKNOWN_TIMEOUT -> boots LUN $first unattended" \
		boot_case unknown bios virtio default "$MAC_UNKNOWN" write
	stop_pid "$stamper"
	check "unknown: the pattern is in LUN $first's backing file" pattern_in_file "$lun"
	check "unknown: the menu waited its $UNKNOWN_TIMEOUT s before taking LUN $first" \
		unknown_waited "$WORK/stamped.log" "$first"
	write_config boot
	kill -HUP "$BOOTD_PID"
	sleep 0.5
}
unknown_menu_times_out() {
	http_get menu.ipxe | grep -q "^set rs_timeout $((UNKNOWN_TIMEOUT * 1000))\$"
}
# unknown_waited STAMPED LUN: menu.ipxe was fetched at least menu_timeout before lun-LUN.ipxe
# (iPXE chains the disk's script when the menu's choose times out).
unknown_waited() {
	local menu disk
	menu=$(grep -a 'boot: http menu.ipxe ' "$1" | tail -n 1 | cut -d' ' -f1)
	disk=$(grep -a "boot: http lun-$2.ipxe " "$1" | tail -n 1 | cut -d' ' -f1)
	[[ -n $menu && -n $disk ]] || { echo "menu.ipxe or lun-$2.ipxe was not fetched"; return 1; }
	echo "menu.ipxe at $menu, lun-$2.ipxe at $disk"
	awk -v a="$menu" -v b="$disk" -v t="$UNKNOWN_TIMEOUT" 'BEGIN { exit !(b - a >= t - 0.5) }'
}

# pxe_4011 SRC_PORT ARCH USER_CLASS EXPECT: from the peer namespace (a client that has its address
# from the LAN's DHCP server), the PXE boot-server exchange: a DHCPREQUEST to SERVER:4011 from
# SRC_PORT must come back to SRC_PORT as an ACK whose boot file contains EXPECT.
pxe_4011() {
	ip netns exec "$NS-peer" timeout 10 python3 - "$SERVER" "$NET.2" "$@" <<-'EOF'
		import socket, struct, sys
		server, me, sport, arch, uclass, expect = sys.argv[1:7]
		mac = bytes.fromhex("525400770009")
		opts = bytes([53, 1, 3])
		vc = b"PXEClient:Arch:%05d:UNDI:003000" % int(arch)
		opts += bytes([60, len(vc)]) + vc + bytes([93, 2]) + struct.pack(">H", int(arch))
		opts += bytes([94, 3, 1, 3, 0, 97, 17, 0]) + bytes(range(16))
		if uclass:
		    opts += bytes([77, len(uclass)]) + uclass.encode()
		opts += bytes([55, 4, 1, 3, 43, 60, 255])
		pkt = struct.pack(">BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, 0x52494e47, 0, 0,
		                  socket.inet_aton(me), bytes(4), bytes(4), bytes(4), mac, b"", b"")
		pkt += b"\x63\x82\x53\x63" + opts
		s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
		s.bind((me, int(sport)))
		s.settimeout(3)
		s.sendto(pkt, (server, 4011))
		data, src = s.recvfrom(2048)
		siaddr = socket.inet_ntoa(data[20:24])
		bootfile = data[108:236].split(b"\0")[0].decode()
		o, i, mtype = data[240:], 0, None
		while i < len(o) and o[i] != 255:
		    if o[i] == 0:
		        i += 1
		        continue
		    code, ln = o[i], o[i + 1]
		    val = o[i + 2:i + 2 + ln]
		    if code == 53:
		        mtype = val[0]
		    if code == 67 and not bootfile:
		        bootfile = val.split(b"\0")[0].decode()
		    i += 2 + ln
		print("  4011 from port %s, arch %s%s: reply type %s from %s:%d, siaddr %s, file %s" %
		      (sport, arch, " (iPXE)" if uclass else "", mtype, src[0], src[1], siaddr, bootfile))
		sys.exit(0 if mtype == 5 and expect in bootfile and data[4:8] == pkt[4:8] else 1)
	EOF
}

# timeline_in_order STEP,STEP,... [MAC]: the last boot of MAC (default MAC_BOOT), as
# `ringsan-boot machines --json` shows it, holds these steps in this order (others may come
# between, such as a DHCP REQUEST after its DISCOVER or iPXE's connection ending once the OS has
# the disk).
timeline_in_order() {
	"$RINGSAN_BOOT" machines --json -c "$CFG" --data-dir "$DATA" | python3 -c '
import json, sys
want = sys.argv[2].split(",")
for m in json.load(sys.stdin)["machines"]:
    if m["id"] == sys.argv[1]:
        got = [s["step"] for s in m["steps"]]
        it = iter(got)
        ok = all(w in it for w in want)
        print("    %s (%s): %s" % (m["id"], m["state"], " ".join(got)))
        print("    hint: %s" % m["hint"])
        sys.exit(0 if ok else 1)
print("    %s: not listed" % sys.argv[1])
sys.exit(1)' "${2:-$MAC_BOOT}" "$1"
}

# timeline_case NAME STEPS [MAC]: checks the timeline after boot case NAME (the target's events
# reach ringsan-boot within a second or two).
timeline_case() {
	check "$1: ringsan-boot machines shows the boot in order: ${2//,/ -> }" \
		wait_for 10 timeline_in_order "$2" "${3:-}"
	timeline_in_order "$2" "${3:-}" || true
	"$RINGSAN_BOOT" machines -c "$CFG" --data-dir "$DATA" >"$WORK/machines-$1.txt" 2>&1 || true
}

# status_case NAME: `ringsan status` after boot case NAME: the LUN's counters moved (the VM read its
# disk through the target), and the event ring holds iPXE's login and the OS's own login of the
# machine (the menus make its initiator name from its MAC).
status_case() {
	local mac=${MAC_BOOT//:/-}
	check "$1: ringsan status --json shows LUN $LUN_BOOT read by the VM" bash -c \
		"'$RINGSAN' status --json -c '$CFG' --data-dir '$DATA' | python3 -c '
import json, sys
for l in json.load(sys.stdin)[\"luns\"]:
    if l[\"name\"] == sys.argv[1]:
        print(\"    %s: %d reads, %d bytes read, %d writes\" % (l[\"name\"], l[\"reads_total\"],
              l[\"bytes_read_total\"], l[\"writes_total\"]))
        sys.exit(0 if l[\"reads_total\"] > 0 and l[\"bytes_read_total\"] > 0 else 1)
sys.exit(1)' '$LUN_BOOT'"
	check "$1: ringsan status --events holds two logins of the machine (iPXE's, then the OS's)" \
		bash -c "[ \$('$RINGSAN' status --events -c '$CFG' --data-dir '$DATA' |
			awk -F '\t' -v m='$mac' '\$3 == \"login\" && index(tolower(\$4), m)' | wc -l) -ge 2 ]"
}

# page_case: the status page after the bios boot, in headless Chromium inside the namespace.
page_case() {
	local page=$WORK/page.html shot=$ARTIFACTS/status-page-vm.png
	if ! command -v chromium >/dev/null; then
		echo "SKIP status page in a browser: chromium is not installed (scripts/setup.sh)"
		return 0
	fi
	mkdir -p "$ARTIFACTS"
	ip netns exec "$NS" timeout 60 chromium --headless --no-sandbox --disable-gpu \
		--user-data-dir="$WORK/chromium" --virtual-time-budget=4000 --dump-dom \
		"http://127.0.0.1:$ADMIN_PORT/" >"$page" 2>>"$WORK/chromium.log" || true
	ip netns exec "$NS" timeout 60 chromium --headless --no-sandbox --disable-gpu \
		--user-data-dir="$WORK/chromium" --virtual-time-budget=4000 --window-size=1280,900 \
		--screenshot="$shot" "http://127.0.0.1:$ADMIN_PORT/" >/dev/null 2>>"$WORK/chromium.log" ||
		true
	check "page: LUN $LUN_BOOT listed from the target's status" grep -q "<tr data-lun=\"$LUN_BOOT\">" "$page"
	check "page: machine $MAC_BOOT listed, with the OS's login among its steps" bash -c \
		"grep -q '<tr data-machine=\"$MAC_BOOT\"' '$page' && grep -q 'data-step=\"os-login\"' '$page'"
	check "page: screenshot kept ($shot)" test -s "$shot"
}

no_syslinux() { ! grep -qa '^SYSLINUX' "$1"; }
both_patterns() { pattern_at "$1" "$INSTALL_OFFSET_MIB" && pattern_at "$1" "$VM_DATA_START_MIB"; }

has_case() { [[ " $CASES " == *" $1 "* ]]; }

main() {
	local start
	requirements
	start=$(now)
	NS=ringsan-rlab-$$
	WORK=$(mktemp -d)
	# ringsan-boot drops root after binding: its config, data dir and media must be readable.
	chmod 755 "$WORK"
	DATA=$WORK/data MEDIA=$WORK/media CFG=$WORK/ringsan.ini BOOTD_LOG=$WORK/ringsan-boot.log
	ADMIN_PORT=8081 # on the namespace's own loopback
	ARTIFACTS=${RINGSAN_VM_ARTIFACTS:-$REPO_DIR/build/test-artifacts}
	: >"$BOOTD_LOG"
	trap ns_cleanup EXIT
	trap 'exit 130' INT TERM
	if ! make_luns; then
		check "make-disk.sh builds the disk; ringsan lun create makes LUNs $LUN_BOOT and $LUN_INSTALL" false
		echo "$PASSED passed, $FAILED failed"
		exit 1
	fi
	check "make-disk.sh builds the disk; ringsan lun create makes LUNs $LUN_BOOT and $LUN_INSTALL" true
	write_config boot
	# NS-peer (192.168.77.2, on the bridge by a veth) is the LAN's DHCP server in proxy mode.
	NETNS_PEER=1 "$VM_DIR/netns.sh" up "$NS"
	in_ns_bg "$WORK/ra.log" python3 "$VM_DIR/labsvc.py" ra br0
	if ! start_target || ! start_bootd full; then
		check "ringsan serve and ringsan-boot serve --dhcp full start inside namespace $NS" false
		echo "$PASSED passed, $FAILED failed"
		exit 1
	fi
	check "ringsan serve and ringsan-boot serve --dhcp full start inside namespace $NS" true
	check "ringsan-boot (unprivileged) lists the LUNs as the CLI made them" menu_lists_luns
	if ! menu_lists_luns; then
		log "workaround: LUN directories made world-searchable (the CLI makes them 0700)"
		chmod 755 "$DATA/$LUN_BOOT" "$DATA/$LUN_INSTALL"
		check "ringsan-boot lists the LUNs once their directories are searchable" menu_lists_luns
	fi
	if has_case bios; then
		pxe_case bios bios virtio default
		# QEMU's NIC ROM is iPXE: no PXE DHCP or TFTP step on this path.
		timeline_case bios ipxe-dhcp,menu,disk,ipxe-login,os-login
		status_case bios
		page_case
	fi
	! has_case bios-e1000 || pxe_case bios-e1000 bios e1000 default
	! has_case uefi || pxe_case uefi uefi virtio default
	if has_case uefi-pxe; then
		pxe_case uefi-pxe uefi virtio none
		timeline_case uefi-pxe dhcp,firmware,ipxe-dhcp,menu,disk,ipxe-login,os-login
	fi
	! has_case install || install_case
	! has_case unknown || unknown_case
	if [[ " $CASES " == *" proxy"* ]]; then
		stop_bootd
		if start_udhcpd && start_bootd proxy; then
			check "udhcpd and ringsan-boot serve --dhcp proxy start inside namespace $NS" true
			check "proxy: UDP 4011 REQUEST from port 4011 (OVMF's way), arch 7 -> ACK to 4011, snponly.efi" \
				pxe_4011 4011 7 '' snponly.efi
			check "proxy: UDP 4011 REQUEST from port 68 (iPXE's way), arch 0 -> ACK to 68, undionly.kpxe" \
				pxe_4011 68 0 '' undionly.kpxe
			check "proxy: UDP 4011 REQUEST from an iPXE client (user class iPXE) -> ACK, the script URL" \
				pxe_4011 68 0 iPXE "http://$SERVER:80/boot.ipxe"
			! has_case proxy-bios || pxe_case proxy-bios bios virtio default
			! has_case proxy-uefi-pxe || pxe_case proxy-uefi-pxe uefi virtio none
		else
			check "udhcpd and ringsan-boot serve --dhcp proxy start inside namespace $NS" false
		fi
	fi
	if ((${#TIMES[@]})); then
		echo "boot times (seconds from QEMU start):"
		printf '  %s\n' "${TIMES[@]}"
	fi
	echo "whole test: $(elapsed "$start") s"
	echo "$PASSED passed, $FAILED failed"
	((FAILED == 0))
}

main "$@"
