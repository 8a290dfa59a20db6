#!/bin/bash
# demo.sh: the README's first command. Sets up and builds (scripts/setup.sh), makes a demo LUN in
# ./demo/data, starts the iSCSI target and the boot service on loopback (127.0.0.1 only), checks
# that both answer, then boots a diskless QEMU VM through the boot menu from that LUN, its serial
# console in this terminal (scripts/vm-boot.sh; quit with Ctrl-a x). The daemons keep running
# after the VM; `bash scripts/demo.sh stop` stops them (and a VM still running).
# Run it again any time: it keeps the LUN and restarts the daemons.
#
# usage: bash scripts/demo.sh [--no-vm] [--uefi] [--ci] [--iscsi-port N] [--http-port N]
#                             [--tftp-port N] [--admin-port N]
#        bash scripts/demo.sh stop
#   --no-vm    start the daemons only
#   --uefi     the VM boots with OVMF (UEFI) instead of SeaBIOS
#   --ci       no terminal: the VM's console goes to demo/vm-console.log and the VM is stopped
#              once the demo disk's banner shows (exit 1 if it does not within 300 s)
# Environment: DEMO_DIR (default ./demo), DEMO_ISCSI_PORT (3260), DEMO_HTTP_PORT (8080),
# DEMO_TFTP_PORT (6969), DEMO_ADMIN_PORT (8081: ringsan-boot's status page), DEMO_VM_TIMEOUT
# (300), RINGSAN_VM_CACHE (where the demo disk is kept, default build/vm-cache).
set -euo pipefail
cd "$(dirname "$0")/.."
DEMO=${DEMO_DIR:-$PWD/demo}
ISCSI_PORT=${DEMO_ISCSI_PORT:-3260}
HTTP_PORT=${DEMO_HTTP_PORT:-8080}
TFTP_PORT=${DEMO_TFTP_PORT:-6969}
ADMIN_PORT=${DEMO_ADMIN_PORT:-8081}
VM_TIMEOUT=${DEMO_VM_TIMEOUT:-300}
R=build/dev/target/cli/ringsan
B=build/dev/bootsvc/daemon/ringsan-boot
# The address the demo's menus give clients: QEMU's user network forwards it to this host's
# loopback (scripts/vm-boot.sh), so no real interface is involved.
SERVER=10.0.2.100
VM_MAC=52:54:00:de:30:01
BANNER="booted from iSCSI LUN demo"
: "${RINGSAN_VM_CACHE:=$PWD/build/vm-cache}"
export RINGSAN_VM_CACHE

usage() {
	sed -n '9,19p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

say() { echo "demo: $*" >&2; }

die() {
	say "$*"
	exit 1
}

# stop_one NAME PATTERN: the process whose PID we wrote to NAME.pid, if its command line still
# matches PATTERN (a PID reused by someone else is left alone), and only that one.
stop_one() {
	local f=$DEMO/$1.pid pid
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
		tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$2"; then
		kill -TERM "$pid"
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	fi
	rm -f "$f"
}

stop_all() {
	stop_one vm qemu-system
	stop_one ringsan-boot ringsan-boot
	stop_one ringsan "ringsan .*serve"
}

NO_VM=0 UEFI=0 CI=0
while (($#)); do
	case $1 in
	stop)
		stop_all
		echo "demo stopped (the LUN stays in $DEMO/data)"
		exit 0
		;;
	--no-vm) NO_VM=1 ;;
	--uefi) UEFI=1 ;;
	--ci) CI=1 ;;
	--iscsi-port | --http-port | --tftp-port | --admin-port)
		[[ ${2:-} =~ ^[0-9]+$ ]] || usage
		case $1 in
		--iscsi-port) ISCSI_PORT=$2 ;;
		--http-port) HTTP_PORT=$2 ;;
		--tftp-port) TFTP_PORT=$2 ;;
		--admin-port) ADMIN_PORT=$2 ;;
		esac
		shift
		;;
	*) say "unknown argument '$1'" && usage ;;
	esac
	shift
done

# check_port tcp|udp PORT FLAG WHAT: fail with who holds PORT and how to pick another.
check_port() {
	local holder
	holder=$(ss -Hl"${1:0:1}"np "sport = :$2" 2>/dev/null | grep -o 'users:(("[^"]*",pid=[0-9]*' |
		head -n 1 | sed -E 's/users:\(\("([^"]*)",pid=([0-9]*)/\1 (pid \2)/') || true
	if [ -z "$holder" ] && [ -n "$(ss -Hl"${1:0:1}"n "sport = :$2" 2>/dev/null)" ]; then
		holder="another process (run as root to see which)"
	fi
	[ -z "$holder" ] && return 0
	die "$4 needs ${1^^} port $2 on 127.0.0.1, but $holder holds it: stop that, or run" \
		"bash scripts/demo.sh $3 N (a free port N)."
}

write_config() {
	# ringsan-boot drops root to "nobody": it must be able to read the LUN directories. A clone
	# under /root (mode 0700) is out of its reach; then the demo's boot service keeps root.
	local user=''
	if [ "$(id -u)" = 0 ] && ! runuser -u nobody -- test -r "$DEMO/data" -a -x "$DEMO/data" 2>/dev/null; then
		user=root
		say "user nobody cannot reach $DEMO/data (a parent directory is private):" \
			"the demo's ringsan-boot runs as root (loopback only); DEMO_DIR=/var/tmp/ringsan-demo avoids that"
	fi
	cat >"$DEMO/ringsan.ini" <<-EOF
		# Written by scripts/demo.sh on every run: everything on loopback.
		[server]
		data_dir = $DEMO/data
		listen = 127.0.0.1:$ISCSI_PORT
		# ringsan-boot (user nobody) reads the logins for its status page here.
		control_group = nogroup

		[boot]
		# TFTP and HTTP only: the demo's VM gets its DHCP from QEMU (scripts/vm-boot.sh).
		mode = off
		# QEMU's user network forwards this address to 127.0.0.1 (scripts/vm-boot.sh).
		server_ip = $SERVER
		http_listen = 127.0.0.1:$HTTP_PORT
		# The status page: machines and their boot steps, LUNs, recent failures.
		admin_listen = 127.0.0.1:$ADMIN_PORT
		menu_timeout = 10
		${user:+user = $user}

		[lun demo]
		description = demo disk (a Debian kernel and busybox, made by scripts/demo.sh)

		# The demo's VM: its menu preselects LUN demo and boots it after the timeout.
		[client $VM_MAC]
		name = demo-vm
		lun = demo
		action = boot
		timeout = $([ "$CI" = 1 ] && echo 2 || echo 10)
	EOF
}

wait_port() { # wait_port PORT NAME LOG PID
	for _ in $(seq 100); do
		if python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 0.5)" 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$4" 2>/dev/null; then
			# The log's <N> priority prefixes are for journald; the text says what to do
			# (a busy port, io_uring disabled by sysctl or a container's seccomp profile...).
			say "$2 did not start; its log ($3) says:"
			tail -n 5 "$3" | sed -E 's/^<[0-9]>/    /' >&2
			stop_all
			exit 1
		fi
		sleep 0.1
	done
	say "$2 is not listening on 127.0.0.1:$1 after 10 s; see $3"
	stop_all
	exit 1
}

start_daemons() {
	# The binaries themselves in the background (not a shell function), so $! is their PID.
	"$R" -c "$DEMO/ringsan.ini" serve >"$DEMO/ringsan.log" 2>&1 &
	echo $! >"$DEMO/ringsan.pid"
	wait_port "$ISCSI_PORT" "ringsan serve" "$DEMO/ringsan.log" "$(cat "$DEMO/ringsan.pid")"
	"$B" serve -c "$DEMO/ringsan.ini" --tftp-port "$TFTP_PORT" >"$DEMO/ringsan-boot.log" 2>&1 &
	echo $! >"$DEMO/ringsan-boot.pid"
	wait_port "$HTTP_PORT" "ringsan-boot serve" "$DEMO/ringsan-boot.log" "$(cat "$DEMO/ringsan-boot.pid")"
}

# qemu_missing: the Debian packages the VM needs that are not installed (setup.sh installs them
# on a machine it set up; elsewhere the demo goes on without the VM).
qemu_missing() {
	local m=''
	command -v qemu-system-x86_64 >/dev/null || m+=' qemu-system-x86'
	[ -e /usr/lib/ipxe/qemu/efi-virtio.rom ] || m+=' ipxe-qemu'
	command -v socat >/dev/null || m+=' socat'
	[ "$UEFI" = 0 ] || [ -e /usr/share/OVMF/OVMF_CODE.fd ] || m+=' ovmf'
	echo "$m"
}

# demo_disk: the demo disk image (test/vm/make-disk.sh: syslinux + systemd-boot, a Debian kernel,
# a busybox initramfs whose /init prints the banner), built once into the cache.
demo_disk() {
	local img=$RINGSAN_VM_CACHE/demo-disk.img f
	for f in test/vm/make-disk.sh test/vm/initramfs-init.sh test/vm/lib.sh; do
		[ "$f" -ot "$img" ] || rm -f "$img"
	done
	if [ ! -s "$img" ]; then
		say "building the demo disk (a Debian kernel and busybox; downloads ~30 MB once)"
		mkdir -p "$RINGSAN_VM_CACHE"
		RINGSAN_VM_TEST_MODE=demo RINGSAN_VM_CMDLINE=quiet bash test/vm/make-disk.sh "$img.tmp" \
			2>"$DEMO/make-disk.log" || {
			tail -n 5 "$DEMO/make-disk.log" >&2
			die "building the demo disk failed (full log: $DEMO/make-disk.log)"
		}
		mv "$img.tmp" "$img"
	fi
	echo "$img"
}

# fill_lun IMG: write the demo disk into LUN demo through the target, unless the LUN holds
# something else (a user's own data is never overwritten): it must be empty (no partition
# table yet) or hold the demo disk an earlier run wrote.
fill_lun() {
	local img=$1 lun=$DEMO/data/demo/disk.img want have size
	size=$(stat -c %s "$img")
	want=$(sha256sum <"$img" | cut -c1-64)
	have=$(head -c "$size" "$lun" | sha256sum | cut -c1-64)
	[ "$have" != "$want" ] || return 0
	if [ "$(head -c 512 "$lun" | tr -d '\0' | wc -c)" != 0 ] &&
		[ "$have" != "$(cat "$DEMO/demo-disk.sha256" 2>/dev/null)" ]; then
		say "LUN demo holds data that is not the demo disk: left as it is (the VM boots what it holds)"
		return 0
	fi
	echo "$ qemu-img convert -n -O raw demo-disk.img iscsi://127.0.0.1:$ISCSI_PORT/$IQN/0"
	qemu-img convert -n -O raw "$img" "iscsi://127.0.0.1:$ISCSI_PORT/$IQN/0"
	echo "$want" >"$DEMO/demo-disk.sha256"
}

run_vm() {
	local args=(--mac "$VM_MAC" --http "127.0.0.1:$HTTP_PORT" --pid-file "$DEMO/vm.pid")
	[ "$UEFI" = 0 ] || args+=(--uefi)
	if [ "$CI" = 1 ]; then
		echo
		echo "$ bash scripts/vm-boot.sh ${args[*]} --wait-for '$BANNER'   # the console: $DEMO/vm-console.log"
		bash scripts/vm-boot.sh "${args[@]}" --wait-for "$BANNER" --log "$DEMO/vm-console.log" \
			--timeout "$VM_TIMEOUT" && return 0
		die "the VM did not show '$BANNER' (console: $DEMO/vm-console.log; the daemons still" \
			'run: bash scripts/demo.sh stop)'

	fi
	cat <<-EOF

		Now a VM with no disk boots from the network, as a PC on your LAN would: ringsan-boot's
		menu preselects LUN demo for this VM's MAC and boots it after 10 s (arrow keys and Enter
		pick another entry). It ends at a shell on the demo disk. Quit QEMU with Ctrl-a x.
		$ bash scripts/vm-boot.sh ${args[*]}
	EOF
	bash scripts/vm-boot.sh "${args[@]}" || true
	echo
}

main() {
	bash scripts/setup.sh
	mkdir -p "$DEMO/data"
	stop_all
	check_port tcp "$ISCSI_PORT" --iscsi-port "the iSCSI target (ringsan serve)"
	check_port tcp "$HTTP_PORT" --http-port "the boot service's HTTP (ringsan-boot)"
	check_port udp "$TFTP_PORT" --tftp-port "the boot service's TFTP (ringsan-boot)"
	check_port tcp "$ADMIN_PORT" --admin-port "the boot service's status page (ringsan-boot)"
	write_config
	IQN=iqn.2026-11.org.ringsan:demo
	ringsan() { "$R" -c "$DEMO/ringsan.ini" "$@"; }
	[ -d "$DEMO/data/demo" ] || ringsan lun create demo --size 1G --description "demo disk"
	start_daemons

	local vm=1 missing img=''
	HTTP_FLAG=''
	[ "$HTTP_PORT" = 8080 ] || HTTP_FLAG=" --http 127.0.0.1:$HTTP_PORT"
	missing=$(qemu_missing)
	if [ "$NO_VM" = 1 ]; then
		vm=0
	elif [ -n "$missing" ]; then
		vm=0
		say "no VM: QEMU is not complete here (apt-get install$missing); the daemons run anyway"
	elif [ "$CI" = 0 ] && ! [ -t 0 ]; then
		vm=0
		say "no VM: no terminal for its console (--ci runs it without one)"
	fi
	[ "$vm" = 0 ] || img=$(demo_disk)
	[ -z "$img" ] || fill_lun "$img"

	echo
	echo "$ ringsan lun list"
	ringsan lun list
	echo
	echo "$ iscsi-ls iscsi://127.0.0.1:$ISCSI_PORT"
	iscsi-ls "iscsi://127.0.0.1:$ISCSI_PORT"
	[ "$vm" = 0 ] || run_vm
	cat <<-EOF

		Both daemons run on loopback (config, logs and PIDs in $DEMO/). Try:
		  open http://127.0.0.1:$ADMIN_PORT/ in a browser   # each machine's boot steps, the LUNs
		  $R -c $DEMO/ringsan.ini status                 # sessions, I/O rates, latency
		  bash scripts/vm-boot.sh demo$HTTP_FLAG      # boot LUN demo in a VM (--uefi: with OVMF)
		  $R -c $DEMO/ringsan.ini lun create vm1 --size 20G   # served at once, in the menu too
		  qemu-img info iscsi://127.0.0.1:$ISCSI_PORT/$IQN/0
		  bash scripts/demo.sh stop
		To boot real machines on your LAN, see "Booting machines on your network" in README.md.
	EOF
}

main
