#!/usr/bin/env bash
# test-demo.sh: the README's first command, as CI runs it (no terminal): `scripts/demo.sh --ci`
# sets up, starts both daemons on loopback, writes the demo disk into LUN demo and boots a VM
# through ringsan-boot's menu to the demo disk's banner. Then a second run (UEFI this time)
# keeps the LUN as it is, a busy port is named with its holder and the flag to change it, and
# `demo.sh stop` leaves no process, namespace or mount behind.
#
# The demo's state goes to a temporary DEMO_DIR and its ports are random, so this runs next to
# a user's own demo; the demo disk is cached in RINGSAN_VM_CACHE like the other VM tests' disks.
# Exit 77 when something is missing. Environment: RINGSAN_VM_TIMEOUT (per VM, default 300 s).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DEMO_SH=$REPO_DIR/scripts/demo.sh
BANNER="booted from iSCSI LUN demo"
MENU_TITLE="ringsan on 10.0.2.100: choose a disk"
PASSED=0
FAILED=0

requirements() {
	local missing
	missing=$(missing_cmds qemu-system-x86_64 socat python3 ss timeout qemu-img iscsi-ls runuser \
		sfdisk mkfs.vfat syslinux mcopy cpio busybox iscsistart /usr/lib/ipxe/qemu/efi-virtio.rom \
		/usr/share/OVMF/OVMF_CODE.fd /usr/lib/syslinux/mbr/mbr.bin)
	[[ -z $missing ]] || skip "missing: $missing(scripts/setup.sh installs them, as root)"
}

# demo ARGS...: scripts/demo.sh with this test's directory and ports, no terminal, bounded.
demo() {
	DEMO_DIR=$DEMO DEMO_ISCSI_PORT=$ISCSI_PORT DEMO_HTTP_PORT=$HTTP_PORT DEMO_TFTP_PORT=$TFTP_PORT \
		DEMO_ADMIN_PORT=$ADMIN_PORT \
		DEMO_VM_TIMEOUT=${RINGSAN_VM_TIMEOUT:-300} timeout -k 10 900 bash "$DEMO_SH" "$@" </dev/null
}

# run_demo NAME ARGS...: one demo run, its output in $WORK/NAME.out, shown when it fails.
run_demo() {
	local name=$1 rc=0 t0
	shift
	t0=$(now)
	demo "$@" >"$WORK/$name.out" 2>&1 || rc=$?
	echo "     demo.sh $* took $(elapsed "$t0") s, exit $rc"
	((rc == 0)) || sed 's/^/     | /' "$WORK/$name.out"
	return $rc
}

# console_has TEXT: the VM's console log (escape sequences removed) shows TEXT.
# (grep -q would end the pipe early, which pipefail counts as a failure.)
console_has() { sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' "$DEMO/vm-console.log" | grep -aF -- "$1" >/dev/null; }

# pids_of_demo: processes whose command line names this test's demo directory or its ports.
pids_of_demo() {
	pgrep -af -- "$DEMO|127\.0\.0\.1:($ISCSI_PORT|$HTTP_PORT)([^0-9]|$)|port $TFTP_PORT([^0-9]|$)" |
		grep -v pgrep || true
}

# status_page_shows_vm: ringsan-boot's /api/machines (the data of the demo's status page) has the
# VM's MAC, its boot reached the OS's own login, and the page itself is served.
status_page_shows_vm() {
	curl -fsS -m 5 "http://127.0.0.1:$ADMIN_PORT/" | grep -qi '<html' || return 1
	curl -fsS -m 5 "http://127.0.0.1:$ADMIN_PORT/api/machines" | python3 -c '
import json, sys
for m in json.load(sys.stdin)["machines"]:
    if m["id"] == "52:54:00:de:30:01":
        steps = [s["step"] for s in m["steps"]]
        print("     %s (%s): %s" % (m["id"], m["state"], " ".join(steps)))
        sys.exit(0 if "os-login" in steps else 1)
print("     the VM is not among the machines")
sys.exit(1)'
}

nothing_left() {
	local procs
	procs=$(pids_of_demo)
	[[ -z $procs ]] || echo "     still running: $procs"
	[[ -z $procs ]] && ! ls "$DEMO"/*.pid >/dev/null 2>&1 &&
		[[ -z $(ss -Hltn "( sport = :$ISCSI_PORT or sport = :$HTTP_PORT )") ]] &&
		[[ -z $(ss -Hlun "sport = :$TFTP_PORT") ]]
}

listening() {
	[[ -n $(ss -Hltn "sport = :$ISCSI_PORT") && -n $(ss -Hltn "sport = :$HTTP_PORT") ]]
}

# no_demo_namespace: no network namespace is named for the demo or holds one of its processes.
# (The machine is shared: other tests may add and remove their own namespaces meanwhile.)
no_demo_namespace() {
	local ns pid bad=''
	for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
		[[ $ns != *demo* ]] || bad+=" $ns"
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -F -- "$DEMO" >/dev/null ||
				bad+=" $ns (pid $pid)"
		done
	done
	[[ -z $bad ]] || echo "     namespaces:$bad"
	[[ -z $bad ]]
}
no_demo_mounts() { ! grep -qF -- "$DEMO" /proc/mounts; }

# busy_port: a listener on the iSCSI port makes the demo stop with its holder and the flag.
busy_port() {
	local pid rc=0 out
	# SO_REUSEADDR: the demo's own connections to this port may still be in TIME_WAIT.
	python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(60)' "$ISCSI_PORT" &
	pid=$!
	if ! wait_for 10 bash -c "ss -Hltn 'sport = :$ISCSI_PORT' | grep -q ."; then
		echo "     could not hold port $ISCSI_PORT for the check"
		return 1
	fi
	out=$(demo --no-vm 2>&1) || rc=$?
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	echo "     said: $(grep -F -- '--iscsi-port' <<<"$out" | head -n 1)"
	((rc != 0)) && grep -qF -- "python3 (pid $pid)" <<<"$out" && grep -qF -- "--iscsi-port N" <<<"$out"
}

cleanup() {
	demo stop >/dev/null 2>&1 || true
	rm -rf "$WORK"
}

main() {
	local start
	requirements
	start=$(now)
	WORK=$(mktemp -d)
	chmod 755 "$WORK" # the demo's ringsan-boot drops root to nobody
	DEMO=$WORK/demo
	ISCSI_PORT=$(free_tcp_port 127.0.0.1)
	HTTP_PORT=$(free_tcp_port 127.0.0.1)
	TFTP_PORT=$(free_udp_port)
	ADMIN_PORT=$(free_tcp_port 127.0.0.1)
	trap cleanup EXIT
	trap 'exit 130' INT TERM

	check "demo.sh --ci: setup, daemons, demo disk into LUN demo, VM to '$BANNER'" run_demo first --ci
	check "the VM showed ringsan-boot's menu on its serial console ('$MENU_TITLE')" \
		console_has "$MENU_TITLE"
	check "the VM's menu listed LUN demo" console_has "demo [1 GiB]"
	check "the VM's Linux initiator logged in to the LUN again from the iBFT" \
		console_has "logged in to it again (from the iBFT): /dev/sd"
	check "ringsan-boot served the menu to the VM's MAC" \
		grep -q "menu.ipxe.*52-54-00-de-30-01" "$DEMO/ringsan-boot.log"
	check "the daemons keep running after the VM (ports $ISCSI_PORT, $HTTP_PORT)" listening
	check "the status page (port $ADMIN_PORT) shows the VM's boot, up, with the OS's own login" \
		status_page_shows_vm
	check "a second run (--uefi): restarts the daemons, boots the same LUN to the banner" \
		run_demo second --ci --uefi
	check "the second run left LUN demo as it was (no second write)" \
		bash -c "! grep -q 'qemu-img convert' '$WORK/second.out'"
	check "demo.sh stop" run_demo stop stop
	check "nothing the demo started is left (processes, PID files, ports)" nothing_left
	check "no network namespace of the demo's" no_demo_namespace
	check "no mount under the demo's directory" no_demo_mounts
	check "a busy iSCSI port: the demo names its holder and --iscsi-port" busy_port
	check "nothing left after the failed start either" nothing_left
	echo "whole test: $(elapsed "$start") s"
	echo "$PASSED passed, $FAILED failed"
	((FAILED == 0))
}

main "$@"
