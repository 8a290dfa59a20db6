#!/usr/bin/env bash
# LUNs on NBD exports (`lun create --backend nbd:URI`), against real NBD servers on Unix sockets:
# `nbdkit memory` and `qemu-nbd` over a qcow2 file, beside a plain file LUN.
# - the CLI: create (size from the export, or a --size that fits), info/list show the backend,
#   clear refusals (no server, too big, clone, export), resize within the export, rm keeps the
#   export's data;
# - qemu-img round trips through ringsan onto each export, checked on the export directly;
# - an NBD server that dies in the middle of a write: the initiator gets an error (not a hang),
#   the other LUNs go on meanwhile, and the LUN works again once the server is back;
# - a LUN whose NBD server accepts connections but never answers: its logins wait for one
#   connect off the worker (a file LUN on the same, only, worker answers meanwhile), end with a
#   login reject, and a connection closed while waiting costs nothing; the LUN logs in once a
#   real server is there;
# - a server that stops answering (SIGSTOP) fails the write waiting for it after nbd_timeout,
#   and a later write on the same session succeeds once it answers again;
# - kill -9 of ringsan after a flushed write: the data is in the qcow2 file;
# - ringsan's log: no crash, no sanitizer report.
. "$(dirname "$0")/../lib.sh"
need nbdkit qemu-nbd qemu-img qemu-io
"$RINGSAN" version 2>/dev/null | grep -q '^backends:.* nbd' || {
	echo "SKIPPED: this ringsan was built without NBD support (libnbd-dev missing at build time)"
	exit 77
}
L() { "$RINGSAN" --data-dir "$DATA" "$@"; }
A_SOCK=$WORK/a.sock
B_SOCK=$WORK/b.sock
D_SOCK=$WORK/d.sock
nbd_url() { echo "nbd+unix:///?socket=$1"; }
# refused "what" CMD...: CMD must fail; its output is kept in $WORK/refused.out for said().
refused() {
	check_fails "$@"
	cp "$WORK/last.out" "$WORK/refused.out"
}
said() { grep -q "$1" "$WORK/refused.out"; }

# start_nbdkit SOCK ARGS...: nbdkit in the foreground (so its PID is ours) on SOCK.
start_nbdkit() {
	local sock=$1
	shift
	rm -f "$sock"
	nbdkit -f -U "$sock" "$@" >>"$WORK/nbdkit.log" 2>&1 &
	NBDKIT_PID=$!
	PIDS+=("$NBDKIT_PID")
	wait_for 10 test -S "$sock"
}

start_nbdkit "$A_SOCK" memory 64M || exit 1
qemu-img create -q -f qcow2 "$WORK/b.qcow2" 128M || exit 1
qemu-nbd -f qcow2 -k "$B_SOCK" --persistent --shared=4 --discard=unmap "$WORK/b.qcow2" \
	>>"$WORK/qemu-nbd.log" 2>&1 &
QEMU_NBD_PID=$!
PIDS+=("$QEMU_NBD_PID")
wait_for 10 test -S "$B_SOCK" || exit 1

# --- the CLI ---------------------------------------------------------------------------------
check "create on nbdkit memory: its size is the export's" \
	bash -c "'$RINGSAN' --data-dir '$DATA' lun create a --backend '$(nbd_url "$A_SOCK")' | grep -q '64 MiB'"
check "create on qemu-nbd with a --size that fits" \
	L lun create b --size 96M --backend "nbd:$(nbd_url "$B_SOCK")"
check "lun info names the backend" bash -c "'$RINGSAN' --data-dir '$DATA' lun info b | grep -q '^backend: *nbd:nbd+unix'"
check "lun list --json carries it" bash -c "'$RINGSAN' --data-dir '$DATA' lun list --json | grep -q '\"backend\": \"nbd:'"
check "lun info --json of a file LUN has backend null" bash -c \
	"'$RINGSAN' --data-dir '$DATA' lun create c --size 64M >/dev/null && '$RINGSAN' --data-dir '$DATA' lun info c --json | grep -q '\"backend\": null'"
refused "create on a socket nobody serves fails" L lun create x --backend "$(nbd_url "$WORK/none.sock")"
check "... saying it cannot connect" said "cannot connect to the NBD export"
check_fails "... and leaves no LUN" test -e "$DATA/x"
refused "create with a --size larger than the export fails" \
	L lun create x --size 65M --backend "$(nbd_url "$A_SOCK")"
check "... saying how much the export holds" said "holds 67108864 bytes"
check_fails "a bad backend spec is refused" L lun create x --backend "iscsi://h/t"
refused "clone of an NBD LUN is refused" L lun clone a x
check "... saying why" said "lives on nbd:"
check_fails "export of an NBD LUN is refused" L lun export a "$WORK/x.raw"
check_fails "an overlay of an NBD LUN is refused" L lun create x --base a
check_fails "resize beyond the export is refused" L lun resize b --size 129M
check "resize within the export works" L lun resize b --size 128M

# --- serving: round trips --------------------------------------------------------------------
cat >"$WORK/ringsan.ini" <<INI
[server]
base_iqn = $IQN_BASE
workers = 1
nbd_timeout = 2
INI
start_target -c "$WORK/ringsan.ini" || exit 1
head -c 16M /dev/urandom >"$WORK/in.raw"
for lun in a b; do
	check "qemu-img convert into LUN $lun (on NBD)" \
		timeout 120 qemu-img convert -n -f raw -O raw "$WORK/in.raw" "$(url $lun)"
	check "qemu-img convert out of LUN $lun" \
		timeout 120 qemu-img convert -f raw -O raw "$(url $lun)" "$WORK/out-$lun.raw"
	check "LUN $lun: what came back is what went in" cmp -n 16777216 "$WORK/in.raw" "$WORK/out-$lun.raw"
done
check "the data is on the nbdkit export itself" \
	qemu-img compare -f raw -F raw "$WORK/in.raw" "$(nbd_url "$A_SOCK")"
check "the data is in qemu-nbd's qcow2 (read through its export)" \
	bash -c "qemu-img convert -f raw -O raw '$(nbd_url "$B_SOCK")' '$WORK/b-direct.raw' && cmp -n 16777216 '$WORK/in.raw' '$WORK/b-direct.raw'"
check "UNMAP of the whole LUN reads back zeroes" \
	bash -c "qemu-io -f raw -c 'discard 0 16M' -c 'read -P 0 0 16M' '$(url a)' | grep -q 'read 16777216'"
check "the log says which export each LUN connected to" grep -q "LUN a: connected to nbd:" "$TARGET_LOG"

# --- the NBD server dies in the middle of a write ---------------------------------------------
# d's server delays every write by 3 s, so a write is in flight when the server is killed. One
# session (qemu-io) writes, waits 8 s (the server is killed and started again meanwhile), then
# writes and reads again on the same session: the LUN reconnects by itself.
start_nbdkit "$D_SOCK" --filter=delay memory 64M wdelay=3 || exit 1
D_PID=$NBDKIT_PID
check "create LUN d on a slow export" L lun create d --backend "$(nbd_url "$D_SOCK")"
wait_for 10 grep -q "serving LUN d " "$TARGET_LOG"
timeout 60 qemu-io -f raw -c "write -P 0x11 0 1M" -c "sleep 8000" -c "write -P 0x33 0 1M" \
	-c "read -P 0x33 0 1M" "$(url d)" >"$WORK/d-write.out" 2>&1 &
WRITER=$!
# The kill must land while the write is in flight (the server holds it 3 s): wait until the
# target's status shows it, however slowly qemu-io starts on a loaded machine.
d_write_in_flight() {
	python3 "$(dirname "$0")/obsctl.py" json "$DATA/.control.sock" \
		'any(x["lun"] == "d" and x["in_flight"] > 0 for x in s["sessions"])' | grep -qx True
}
check "d's first write is in flight (ringsan status)" wait_for 20 d_write_in_flight
kill -9 "$D_PID"
wait "$D_PID" 2>/dev/null
T_KILL=$SECONDS
check "a file LUN answers while d's server is gone" \
	timeout 20 qemu-io -f raw -c "write -P 0x22 0 1M" -c "read -P 0x22 0 1M" "$(url c)"
check "an NBD LUN on another server answers meanwhile" \
	timeout 20 qemu-io -f raw -c "read 0 1M" "$(url b)"
check_fails "while d's server is gone, a new login to d is refused at once (no hang)" \
	timeout 20 qemu-io -f raw -c "read 0 4k" "$(url d)"
check "the log says the export disconnected" grep -q "LUN d: the NBD export .* disconnected" "$TARGET_LOG"
check "the outage checks took less than the writer's 8 s pause" test $((SECONDS - T_KILL)) -lt 6
start_nbdkit "$D_SOCK" memory 64M || exit 1
wait "$WRITER"
rc=$?
check "the writer ended by itself (exit $rc, not a timeout)" test "$rc" -ne 124
check "the write in flight failed with ABORTED COMMAND, LOGICAL UNIT COMMUNICATION FAILURE (08/00)" \
	grep -q "COMMAND ABORTED(11) .*0x0800" "$WORK/d-write.out"
check "on the same session, once the server is back, a write and a read succeed" \
	bash -c "grep -q 'read 1048576/1048576' '$WORK/d-write.out' && ! grep -q 'Pattern verification failed' '$WORK/d-write.out'"
check "the log says it reconnected" grep -q "LUN d: reconnected to the NBD export" "$TARGET_LOG"

# --- a server that accepts but never answers: logins wait off the worker ----------------------
# LUN h is made on a real export; then its socket is taken by a listener that accepts and never
# says a word, so the connect at its first login waits out its 5 s. Three logins come at once
# (one gives up after 1 s); the only worker serves LUN c meanwhile, and LUN e's test below runs
# while they wait.
H_SOCK=$WORK/h.sock
start_nbdkit "$H_SOCK" memory 64M || exit 1
check "create LUN h" L lun create h --backend "$(nbd_url "$H_SOCK")"
kill "$NBDKIT_PID"
wait "$NBDKIT_PID" 2>/dev/null
rm -f "$H_SOCK"
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(16)
s.settimeout(0.5)
held, end = [], time.time() + 60
while time.time() < end:
    try:
        held.append(s.accept()[0])
    except socket.timeout:
        pass
' "$H_SOCK" &
MUTE_PID=$!
PIDS+=("$MUTE_PID")
wait_for 10 test -S "$H_SOCK" || exit 1
kill -HUP "$TARGET_PID"
wait_for 10 grep -q "serving LUN h " "$TARGET_LOG"
E_SOCK=$WORK/e.sock
start_nbdkit "$E_SOCK" memory 64M || exit 1
E_PID=$NBDKIT_PID
check "create LUN e" L lun create e --backend "$(nbd_url "$E_SOCK")"
wait_for 10 grep -q "serving LUN e " "$TARGET_LOG"
for i in 1 2; do
	timeout 30 qemu-io -f raw -c "read 0 4k" "$(url h)" >"$WORK/h-login$i.out" 2>&1 &
	eval "H_LOGIN$i=\$!"
done
timeout 1 qemu-io -f raw -c "read 0 4k" "$(url h)" >/dev/null 2>&1 &
H_QUITTER=$!
check "the first login to h starts its connect in the background" \
	wait_for 10 grep -q "LUN h: connecting to .* in the background" "$TARGET_LOG"
T0=$(date +%s%N)
check "while h connects, LUN c on the same worker serves a write and a read" \
	timeout 10 qemu-io -f raw -c "write -P 0x5a 0 1M" -c "read -P 0x5a 0 1M" "$(url c)"
MS=$((($(date +%s%N) - T0) / 1000000))
echo "    (LUN c: write + read of 1 MiB, login included, in $MS ms while h connects)"
check "... within a second" test "$MS" -lt 1000
check_fails "... and h's logins are still waiting" grep -q "login to $IQN_BASE:h failed" "$TARGET_LOG"

# --- a server that stops answering: nbd_timeout (2 s here) ------------------------------------
# One session writes, then (server stopped) writes again, then (server back) writes and reads;
# LUN e connects while h's connect still waits.
timeout 60 qemu-io -f raw -c "write -P 0x44 0 64k" -c "sleep 1500" -c "write -P 0x55 0 64k" \
	-c "sleep 1500" -c "write -P 0x66 0 64k" -c "read -P 0x66 0 64k" "$(url e)" \
	>"$WORK/e-write.out" 2>&1 &
E_WRITER=$!
wait_for 10 grep -q "LUN e: connected to" "$TARGET_LOG"
sleep 0.5
kill -STOP "$E_PID"
T_STOP=$(date +%s%N)
wait_for 20 grep -q "LUN e: the NBD export .* sent no reply for 2 s (nbd_timeout)" "$TARGET_LOG"
HUNG_MS=$((($(date +%s%N) - T_STOP) / 1000000))
kill -CONT "$E_PID"
# the second write goes out about 1 s after the stop; 2 s of silence, checked each second
check "a stopped server is given up within the timeout ($HUNG_MS ms after the stop)" \
	test "$HUNG_MS" -le 6000
wait "$E_WRITER"
rc=$?
check "the writer ended by itself (exit $rc, not a timeout)" test "$rc" -ne 124
check "the write waiting for the stopped server failed with ABORTED COMMAND (08/00)" \
	grep -q "COMMAND ABORTED(11) .*0x0800" "$WORK/e-write.out"
check "on the same session, the server answering again, a write and a read succeed" \
	bash -c "grep -q 'read 65536/65536' '$WORK/e-write.out' && ! grep -q 'Pattern verification failed' '$WORK/e-write.out'"
check "the log says it reconnected" grep -q "LUN e: reconnected to the NBD export" "$TARGET_LOG"

# --- ... and h's logins, which waited meanwhile ----------------------------------------------
wait "$H_QUITTER"
wait "$H_LOGIN1"
H_RC1=$?
wait "$H_LOGIN2"
H_RC2=$?
check "both waiting logins to h end by themselves (no timeout)" test "$H_RC1" -ne 124 -a "$H_RC2" -ne 124
check "... refused" test "$H_RC1" -ne 0 -a "$H_RC2" -ne 0
check "... with a login reject, service unavailable (03/01)" \
	test "$(grep -c "login to $IQN_BASE:h failed (status 03/01)" "$TARGET_LOG")" -ge 2
check "... after one connect for all of them" \
	test "$(grep -c "LUN h: connecting to" "$TARGET_LOG")" -eq 1
check "the log says why: no answer within 5 s" \
	grep -q "LUN 'h': cannot connect to the NBD export .*no answer within 5 s" "$TARGET_LOG"
kill "$MUTE_PID"
wait "$MUTE_PID" 2>/dev/null
start_nbdkit "$H_SOCK" memory 64M || exit 1
check "with a server that answers, h logs in and serves a write and a read" \
	timeout 30 qemu-io -f raw -c "write -P 0x77 0 64k" -c "read -P 0x77 0 64k" "$(url h)"

check "a clean stop of ringsan" stop_target
check "no crash, leak or sanitizer report in the target log" no_sanitizer_report "$TARGET_LOG"
start_target -c "$WORK/ringsan.ini" || exit 1

# --- kill -9 of ringsan after a flushed write --------------------------------------------------
check "a flushed write to LUN b" \
	timeout 30 qemu-io -f raw -c "write -P 0xab 0 4M" -c "flush" "$(url b)"
kill -9 "$TARGET_PID"
wait "$TARGET_PID" 2>/dev/null
check "after kill -9 of ringsan the written data is in the qcow2 export" \
	timeout 30 qemu-io -f raw -c "read -P 0xab 0 4M" "$(nbd_url "$B_SOCK")"
check "no crash and no sanitizer report in the target log" no_sanitizer_report "$TARGET_LOG"

# --- rm forgets the LUN, keeps the export ---------------------------------------------------------
check "lun rm of an NBD LUN" L lun rm b --yes
check "the export still holds the data" \
	timeout 30 qemu-io -f raw -c "read -P 0xab 0 4M" "$(nbd_url "$B_SOCK")"
finish
