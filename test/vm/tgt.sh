#!/usr/bin/env bash
# tgt.sh start|stop STATE_DIR: the Debian tgt reference target, for the VM tests.
#
# start: runs tgtd in the foreground (backgrounded by us) on one portal with its own control port,
# with one target whose disk is LUN 1 (tgt's LUN 0 is its controller), open to every initiator.
# Its PID, control port and log go to STATE_DIR, so that stop ends exactly this tgtd and no other.
# Run it under `ip netns exec NS` to serve inside a namespace.
#
# Environment for start:
#   TGT_PORT      portal port (required)
#   TGT_ADDR      portal address (default 127.0.0.1)
#   TGT_IQN       target name (required)
#   TGT_FILE      backing file of LUN 1 (required)
#   TGT_CONTROL   control port (default: a random one that is not in use)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	echo "usage: TGT_PORT=P TGT_IQN=IQN TGT_FILE=F ${0##*/} start STATE_DIR | ${0##*/} stop STATE_DIR" >&2
	exit 2
}

tgtadm_() { tgtadm -C "$CONTROL" --lld iscsi "$@"; }

# control_port_free N: tgtd refuses a control port whose lock another tgtd holds.
control_port_free() {
	[[ ! -S /run/tgtd/socket.$1 && ! -S /var/run/tgtd/socket.$1 ]]
}

pick_control_port() {
	local n tries
	for ((tries = 0; tries < 50; tries++)); do
		n=$((1000 + RANDOM % 9000))
		if control_port_free "$n"; then
			printf '%s\n' "$n"
			return 0
		fi
	done
	die "no free tgtd control port"
}

listening() { ss -Htln "sport = :$PORT" | grep -q .; }

# tgtd_up: its control socket answers and its portal listens.
tgtd_up() {
	kill -0 "$PID" 2>/dev/null || die "tgtd exited: $(tail -5 "$STATE/tgtd.log")"
	tgtadm -C "$CONTROL" --op show --mode sys >/dev/null 2>&1 && listening
}

start() {
	: "${TGT_PORT:?}" "${TGT_IQN:?}" "${TGT_FILE:?}"
	ADDR=${TGT_ADDR:-127.0.0.1}
	PORT=$TGT_PORT
	CONTROL=${TGT_CONTROL:-$(pick_control_port)}
	[[ -f $TGT_FILE ]] || die "no backing file $TGT_FILE"
	mkdir -p "$STATE"
	tgtd -f -C "$CONTROL" --iscsi "portal=$ADDR:$PORT" </dev/null >"$STATE/tgtd.log" 2>&1 &
	PID=$!
	printf '%s\n' "$PID" >"$STATE/tgtd.pid"
	printf '%s\n' "$CONTROL" >"$STATE/tgtd.control"
	wait_for 15 tgtd_up || die "tgtd did not come up on $ADDR:$PORT: $(tail -5 "$STATE/tgtd.log")"
	tgtadm_ --op new --mode target --tid 1 -T "$TGT_IQN"
	tgtadm_ --op new --mode logicalunit --tid 1 --lun 1 --backing-store "$TGT_FILE" --bstype rdwr
	tgtadm_ --op bind --mode target --tid 1 --initiator-address ALL
	log "tgtd pid $PID serves $TGT_IQN LUN 1 ($TGT_FILE) on $ADDR:$PORT, control port $CONTROL"
}

# stop: ends the recorded PID only, never by name. tgtd ignores SIGTERM while it has targets, so
# first remove them through this instance's own control port, then signal, then SIGKILL.
stop() {
	local pid
	[[ -s $STATE/tgtd.pid ]] || return 0
	pid=$(<"$STATE/tgtd.pid")
	CONTROL=$(cat "$STATE/tgtd.control" 2>/dev/null || true)
	if [[ -n $CONTROL ]] && kill -0 "$pid" 2>/dev/null; then
		tgtadm_ --op delete --mode target --tid 1 --force >/dev/null 2>&1 || true
		tgtadm -C "$CONTROL" --op delete --mode system >/dev/null 2>&1 || true
	fi
	if kill "$pid" 2>/dev/null; then
		if ! wait_for 10 eval "! kill -0 $pid 2>/dev/null"; then
			log "tgtd $pid ignored SIGTERM: SIGKILL"
			kill -9 "$pid" 2>/dev/null || true
		fi
	fi
	rm -f "$STATE/tgtd.pid"
}

(($# == 2)) || usage
STATE=$2
case $1 in
start) start ;;
stop) stop ;;
*) usage ;;
esac
