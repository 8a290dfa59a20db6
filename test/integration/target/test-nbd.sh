#!/usr/bin/env bash
# LUNs on NBD exports (`lun create --backend nbd:URI`), against real NBD servers on Unix sockets:
# `nbdkit memory` and `qemu-nbd` over a qcow2 file, beside a plain file LUN.
# - the CLI: create (size from the export, or a --size that fits), info/list show the backend,
#   clear refusals (no server, too big, clone, export), resize within the export, rm keeps the
#   export's data;
# - qemu-img round trips through ringsan onto each export, checked on the export directly;
# - an NBD server that dies in the middle of a write: the initiator gets an error (not a hang),
#   the other LUNs go on meanwhile, and the LUN works again once the server is back;
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
sleep 1.5
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
