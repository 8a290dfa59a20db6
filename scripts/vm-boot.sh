#!/usr/bin/env bash
# vm-boot.sh [NAME] [options]: boot a throw-away QEMU VM from LUN NAME through the running
# ringsan-boot and ringsan serve, with its serial console in this terminal: check a disk before
# real PCs boot from it. Without NAME the VM gets the whole boot menu, as a PXE client does.
#
# The VM has no disk and QEMU's user network (restrict=on: it reaches nothing but what is
# forwarded). QEMU's DHCP hands the VM's iPXE ROM a script; the server address the menus name
# (ringsan-boot's server_ip) is forwarded, per connection, to ringsan-boot's HTTP port and to the
# iSCSI portal on this host. Nothing listens on or sends from the host's network interfaces.
# The firmware's screen goes to the serial console (SeaBIOS's, or OVMF's), so the menu shows in
# the terminal and takes keys from it. Quit QEMU with Ctrl-a x.
#
# Options:
#   --uefi             OVMF (UEFI) instead of SeaBIOS
#   --http ADDR:PORT   ringsan-boot's HTTP server, as this host reaches it (default 127.0.0.1:8080)
#   --iscsi ADDR:PORT  ringsan serve's portal, as this host reaches it (default 127.0.0.1, with
#                      the port the menus name)
#   --mac MAC          the VM's NIC address (default 52:54:00:5a:4e:01); [client MAC] sections
#                      of the config apply to it
#   --nic MODEL        virtio (default) or e1000 (for an OS without virtio drivers, e.g. Windows)
#   --memory MIB       the VM's memory (default 512)
#   --wait-for TEXT    no terminal: the console goes to --log; the VM is stopped a second after
#                      TEXT shows there (exit 0), or after --timeout seconds (exit 1)
#   --log FILE         console log with --wait-for (default: a temporary file)
#   --timeout S        with --wait-for (default 300)
#   --pid-file FILE    write QEMU's PID there (demo.sh stop uses it)
set -euo pipefail

OVMF_CODE=/usr/share/OVMF/OVMF_CODE.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS.fd
VIRTIO_ROMS=(/usr/lib/ipxe/qemu/efi-virtio.rom /usr/share/qemu/efi-virtio.rom)

say() { printf 'vm-boot: %s\n' "$*" >&2; }
die() {
	say "$*"
	exit 1
}

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

parse_args() {
	NAME='' FIRMWARE=bios HTTP=127.0.0.1:8080 ISCSI='' MAC=52:54:00:5a:4e:01 NIC=virtio MEMORY=512
	WAIT_FOR='' LOG='' TIMEOUT=300 PID_FILE=''
	while (($#)); do
		case $1 in
		--uefi) FIRMWARE=uefi && shift && continue ;;
		-h | --help) usage ;;
		--http | --iscsi | --mac | --nic | --memory | --wait-for | --log | --timeout | --pid-file)
			(($# >= 2)) || usage
			case $1 in
			--http) HTTP=$2 ;;
			--iscsi) ISCSI=$2 ;;
			--mac) MAC=$2 ;;
			--nic) NIC=$2 ;;
			--memory) MEMORY=$2 ;;
			--wait-for) WAIT_FOR=$2 ;;
			--log) LOG=$2 ;;
			--timeout) TIMEOUT=$2 ;;
			--pid-file) PID_FILE=$2 ;;
			esac
			shift 2
			;;
		-*) say "unknown option $1" && usage ;;
		*)
			[[ -z $NAME ]] || usage
			NAME=$1
			shift
			;;
		esac
	done
	[[ -z $NAME || $NAME =~ ^[a-z0-9][a-z0-9.-]{0,63}$ ]] || die "bad LUN name '$NAME'"
	[[ $NIC == virtio || $NIC == e1000 ]] || die "--nic takes virtio or e1000"
	[[ $MAC =~ ^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$ ]] || die "bad MAC '$MAC' (aa:bb:cc:dd:ee:ff)"
	[[ $HTTP == *:* && -z $ISCSI || $ISCSI == *:* ]] || die "--http and --iscsi take ADDR:PORT"
}

# requirements: the programs, with the Debian packages that hold them.
requirements() {
	local missing='' rom=''
	command -v qemu-system-x86_64 >/dev/null || missing+=' qemu-system-x86'
	for rom in "${VIRTIO_ROMS[@]}" ''; do [[ -z $rom || ! -e $rom ]] || break; done
	[[ -n $rom ]] || missing+=' ipxe-qemu'
	command -v socat >/dev/null || missing+=' socat'
	command -v python3 >/dev/null || missing+=' python3'
	[[ $FIRMWARE == bios || -e $OVMF_CODE ]] || missing+=' ovmf'
	[[ -z $missing ]] || die "QEMU or a helper is missing: apt-get install$missing"
	if [[ -z $WAIT_FOR && ! -t 0 ]]; then
		die "no terminal for the VM's console: run this in a terminal, or with --wait-for TEXT"
	fi
}

# http_get PATH: GET from ringsan-boot on this host; the body on stdout, errors as one line.
http_get() {
	python3 - "http://$HTTP/$1" <<-'EOF'
		import sys, urllib.request, urllib.error
		try:
		    sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())
		except urllib.error.HTTPError as e:
		    print("HTTP %d" % e.code, file=sys.stderr)
		    sys.exit(2)
		except Exception as e:
		    print(getattr(e, "reason", e), file=sys.stderr)
		    sys.exit(1)
	EOF
}

# read_vars: what ringsan-boot tells clients (vars.ipxe): SERVER, GUEST_HTTP_PORT, GUEST_ISCSI_PORT.
read_vars() {
	local vars err rc=0
	err=$(mktemp)
	vars=$(http_get vars.ipxe 2>"$err") || rc=$?
	if ((rc)); then
		say "ringsan-boot does not answer on http://$HTTP/vars.ipxe ($(<"$err"))."
		rm -f "$err"
		die "Start it (bash scripts/demo.sh, or systemctl start ringsan-boot), or give its address with --http ADDR:PORT."
	fi
	rm -f "$err"
	SERVER=$(awk '$1 == "set" && $2 == "rs_server" { print $3 }' <<<"$vars")
	GUEST_HTTP_PORT=$(awk '$1 == "set" && $2 == "rs_base" { n = split($3, a, ":"); print a[n] }' <<<"$vars")
	GUEST_ISCSI_PORT=$(awk '$1 == "set" && $2 == "rs_iscsi_port" { print $3 }' <<<"$vars")
	GUEST_ISCSI_PORT=${GUEST_ISCSI_PORT:-3260}
	[[ $SERVER =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)\.([0-9]+)$ && -n $GUEST_HTTP_PORT ]] ||
		die "http://$HTTP/vars.ipxe is not ringsan-boot's (no rs_server / rs_base): is --http right?"
	if [[ $SERVER == 127.* || $SERVER == 0.* ]]; then
		die "ringsan-boot tells clients the server is $SERVER, which no VM or PC can reach:" \
			"restart it with --server-ip (or [boot] server_ip) set to an address that is not" \
			"loopback (the demo uses 10.0.2.100)."
	fi
	ISCSI=${ISCSI:-127.0.0.1:$GUEST_ISCSI_PORT}
}

# check_lun: LUN NAME is in ringsan-boot's menus; the portal answers.
check_lun() {
	local rc=0
	if [[ -n $NAME ]]; then
		http_get "lun-$NAME.ipxe" >/dev/null 2>&1 || rc=$?
		((rc == 0)) || die "ringsan-boot on $HTTP has no LUN '$NAME' (\`ringsan lun list\` shows" \
			"the LUNs; ringsan-boot must be serving the same data dir)."
	fi
	python3 -c "import socket, sys; socket.create_connection(('${ISCSI%:*}', ${ISCSI##*:}), 3)" \
		2>/dev/null || die "nothing listens on $ISCSI for iSCSI: start ringsan serve, or give its" \
		"portal with --iscsi ADDR:PORT."
}

# guest_net: QEMU's user network laid around SERVER: the /24 that holds it, with QEMU's own host
# and DNS addresses and the VM's DHCP range on other addresses of that /24.
guest_net() {
	local net=${SERVER%.*} last=${SERVER##*.} h d s
	for h in 2 1 254; do ((h != last)) && break; done
	for d in 3 253 252; do ((d != last && d != h)) && break; done
	for s in 15 40 200; do ((last < s || last >= s + 16)) && break; done
	NETDEV="user,id=n0,restrict=on,net=$net.0/24,host=$net.$h,dns=$net.$d,dhcpstart=$net.$s"
	# socat -b: with its default 8 KiB transfer unit loading kernel + initrd was ~1.6x slower.
	NETDEV+=",guestfwd=tcp:$SERVER:$GUEST_HTTP_PORT-cmd:socat -b 262144 - TCP:$HTTP"
	NETDEV+=",guestfwd=tcp:$SERVER:$GUEST_ISCSI_PORT-cmd:socat -b 262144 - TCP:$ISCSI"
	NETDEV+=",tftp=$TMP/tftp,bootfile=vm-boot.ipxe"
}

# boot_script: what the VM's iPXE runs. It loads ringsan-boot's own scripts, so the VM boots the
# way a PXE client on the LAN does from there on (CHAP, initiator name, keep-san).
boot_script() {
	local base="http://$SERVER:$GUEST_HTTP_PORT"
	mkdir -p "$TMP/tftp"
	{
		echo '#!ipxe'
		echo "echo vm-boot: loading the boot scripts from ringsan-boot at $base"
		if [[ -z $NAME ]]; then
			echo "chain --autofree $base/boot.ipxe || goto failed"
		else
			# The variables menu.ipxe sets before it chains a disk's script: this machine's
			# initiator name, and "boot this disk" after 3 s (any key stops it).
			echo "chain --autofree $base/vars.ipxe || goto failed"
			# shellcheck disable=SC2016 # iPXE expands these, not the shell
			echo 'set initiator-iqn ${rs_initiator_base}:${netX/mac:hexhyp}'
			echo "set rs_default lun-$NAME"
			echo 'set rs_action boot'
			echo 'set rs_timeout 3000'
			echo "chain --autofree $base/lun-$NAME.ipxe || goto failed"
		fi
		echo ':failed'
		echo 'echo vm-boot: the boot did not start (see above); Ctrl-a x quits QEMU'
		echo 'shell'
	} >"$TMP/tftp/vm-boot.ipxe"
}

firmware_args() {
	case $FIRMWARE in
	bios) FW_ARGS=(-boot "order=n") ;;
	uefi)
		# A fresh variable store each run: no boot order left from an earlier VM.
		cp "$OVMF_VARS" "$TMP/OVMF_VARS.fd"
		FW_ARGS=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE"
			-drive "if=pflash,format=raw,unit=1,file=$TMP/OVMF_VARS.fd")
		;;
	esac
}

qemu_args() {
	# QEMU's default ROM for each NIC is iPXE (ipxe-qemu), for BIOS and UEFI.
	local nic="virtio-net-pci,netdev=n0,mac=$MAC"
	[[ $NIC == virtio ]] || nic="e1000,netdev=n0,mac=$MAC"
	# OVMF ignores -boot n: the NIC is first in the boot order instead.
	[[ $FIRMWARE == bios ]] || nic+=",bootindex=0"
	QEMU_ARGS=(-name "ringsan vm-boot ${NAME:-menu}" -accel tcg -m "$MEMORY" -smp 1
		-nodefaults -machine graphics=off -display none "${FW_ARGS[@]}"
		-netdev "$NETDEV" -device "$nic")
	[[ -z $PID_FILE ]] || QEMU_ARGS+=(-pidfile "$PID_FILE")
}

run_interactive() {
	say "$FIRMWARE VM, NIC $MAC, server $SERVER (forwarded to $HTTP and $ISCSI);" \
		"${NAME:+LUN $NAME}${NAME:-the boot menu}"
	say "its console follows; quit QEMU with Ctrl-a x"
	qemu-system-x86_64 "${QEMU_ARGS[@]}" -serial mon:stdio
}

# run_waiting: QEMU in the background, console to LOG; stop it when WAIT_FOR shows.
run_waiting() {
	local deadline=$((SECONDS + TIMEOUT)) start=$SECONDS
	LOG=${LOG:-$TMP/console.log}
	: >"$LOG"
	qemu-system-x86_64 "${QEMU_ARGS[@]}" -serial "file:$LOG" </dev/null >"$TMP/qemu.out" 2>&1 &
	QEMU_PID=$!
	while kill -0 "$QEMU_PID" 2>/dev/null && ((SECONDS < deadline)); do
		if grep -qaF -- "$WAIT_FOR" "$LOG"; then
			sleep 1 # the lines printed with it reach the log too
			break
		fi
		sleep 0.5
	done
	if grep -qaF -- "$WAIT_FOR" "$LOG"; then
		say "'$WAIT_FOR' on the console after $((SECONDS - start)) s ($FIRMWARE${NAME:+, LUN $NAME})"
		return 0
	fi
	if kill -0 "$QEMU_PID" 2>/dev/null; then
		say "no '$WAIT_FOR' on the console after $TIMEOUT s"
	else
		say "QEMU ended before '$WAIT_FOR' showed: $(tail -n 3 "$TMP/qemu.out")"
	fi
	say "last lines of the console ($LOG):"
	tail -n 25 "$LOG" | tr -d '\r' | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/^/    /' >&2
	return 1
}

cleanup() {
	if [[ -n ${QEMU_PID:-} ]] && kill -0 "$QEMU_PID" 2>/dev/null; then
		kill -TERM "$QEMU_PID" 2>/dev/null || true
		wait "$QEMU_PID" 2>/dev/null || true
	fi
	[[ -z ${PID_FILE:-} ]] || rm -f "$PID_FILE"
	[[ -z ${TMP:-} ]] || rm -rf "$TMP"
}

main() {
	parse_args "$@"
	requirements
	read_vars
	check_lun
	TMP=$(mktemp -d)
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	boot_script
	guest_net
	firmware_args
	qemu_args
	if [[ -n $WAIT_FOR ]]; then
		run_waiting
	else
		run_interactive
	fi
}

main "$@"
