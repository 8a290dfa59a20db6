#!/bin/bash
# demo.sh: the README's first command. Sets up and builds (scripts/setup.sh), makes a demo LUN in
# ./demo/data, starts the iSCSI target and the boot service on loopback (127.0.0.1 only), checks
# that both answer, and says what to try next. `bash scripts/demo.sh stop` stops them.
# Run it again any time: it keeps the LUN and restarts the daemons.
set -euo pipefail
cd "$(dirname "$0")/.."
DEMO=$PWD/demo
ISCSI_PORT=${DEMO_ISCSI_PORT:-3260}
HTTP_PORT=${DEMO_HTTP_PORT:-8080}
TFTP_PORT=${DEMO_TFTP_PORT:-6969}
R=build/dev/target/cli/ringsan
B=build/dev/bootsvc/daemon/ringsan-boot

stop_one() { # stop_one NAME: the daemon whose PID we wrote, and only that one
	local f=$DEMO/$1.pid pid
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	if kill -0 "$pid" 2>/dev/null && grep -q "$1" "/proc/$pid/cmdline" 2>/dev/null; then
		kill -TERM "$pid"
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	fi
	rm -f "$f"
}

if [ "${1:-}" = stop ]; then
	stop_one ringsan-boot
	stop_one ringsan
	echo "demo stopped (the LUN stays in $DEMO/data)"
	exit 0
fi

bash scripts/setup.sh
mkdir -p "$DEMO"
stop_one ringsan-boot
stop_one ringsan
export RINGSAN_CONFIG=${RINGSAN_CONFIG-$PWD/scripts/ringsan.ini}
ringsan() { "$R" --data-dir "$DEMO/data" "$@"; }
[ -d "$DEMO/data/demo" ] || ringsan lun create demo --size 1G --description "demo disk"

wait_port() { # wait_port PORT NAME LOG PID
	for _ in $(seq 100); do
		if python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 0.5)" 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$4" 2>/dev/null; then
			echo "$2 did not start; its log ($3) says:" >&2
			tail -5 "$3" >&2
			stop_one ringsan-boot
			stop_one ringsan
			exit 1
		fi
		sleep 0.1
	done
	echo "$2 is not listening on 127.0.0.1:$1 after 10 s; see $3" >&2
	stop_one ringsan-boot
	stop_one ringsan
	exit 1
}

# The binaries themselves in the background (not the shell function), so $! is their PID.
"$R" --data-dir "$DEMO/data" serve --listen "127.0.0.1:$ISCSI_PORT" >"$DEMO/ringsan.log" 2>&1 &
echo $! >"$DEMO/ringsan.pid"
wait_port "$ISCSI_PORT" "ringsan serve" "$DEMO/ringsan.log" "$(cat "$DEMO/ringsan.pid")"
"$B" serve --data-dir "$DEMO/data" --dhcp off --server-ip 127.0.0.1 \
	--http "127.0.0.1:$HTTP_PORT" --tftp-port "$TFTP_PORT" \
	>"$DEMO/ringsan-boot.log" 2>&1 &
echo $! >"$DEMO/ringsan-boot.pid"
wait_port "$HTTP_PORT" "ringsan-boot serve" "$DEMO/ringsan-boot.log" "$(cat "$DEMO/ringsan-boot.pid")"

echo
echo "$ ringsan lun list"
ringsan lun list
echo
echo "$ iscsi-ls iscsi://127.0.0.1:$ISCSI_PORT"
iscsi-ls "iscsi://127.0.0.1:$ISCSI_PORT"
echo
echo "$ first lines of http://127.0.0.1:$HTTP_PORT/menu.ipxe (the boot menu a PXE client gets)"
python3 -c "import urllib.request as u; print(''.join(u.urlopen('http://127.0.0.1:$HTTP_PORT/menu.ipxe', timeout=5).read().decode().splitlines(True)[:12]), end='')"
cat <<EOF

Both daemons run on loopback (logs and PIDs in $DEMO/). Try:
  qemu-img info iscsi://127.0.0.1:$ISCSI_PORT/iqn.2026-11.org.ringsan:demo/0
  $R --data-dir $DEMO/data lun create vm1 --size 20G   # served at once
  iscsi-ls -s iscsi://127.0.0.1:$ISCSI_PORT
  bash scripts/demo.sh stop
To boot real machines on your LAN, see "Booting machines on your network" in README.md.
EOF
