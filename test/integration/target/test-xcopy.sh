#!/usr/bin/env bash
# EXTENDED COPY between LUNs (xcopy.py, a raw-socket initiator: no Debian tool sends it). A copy
# reaches another LUN only through the initiator's own session there and obeys that LUN's
# reservations (target/scsi/xcopy.c): with no session of ours on the destination, with its ACL
# not admitting the initiator, or with it reserved Write Exclusive by another initiator, the copy
# is refused and the destination is unchanged; with sessions on both the data arrives.
. "$(dirname "$0")/../lib.sh"
need python3 timeout cmp
HERE=$(dirname "$0")
A=iqn.1994-05.com.test:a
B=iqn.1994-05.com.test:b
MIB=8

write_ini() { # write_ini ACL_OF_DST
	cat >"$WORK/ringsan.ini" <<INI
[server]
base_iqn = $IQN_BASE
[lun src]
allowed_initiators = $A, $B
[lun dst]
allowed_initiators = $1
INI
}
write_ini "$A, $B"
for l in src dst; do
	"$RINGSAN" --data-dir "$DATA" lun create $l --size ${MIB}M >/dev/null || exit 1
done
# the source: random (non-zero, different in every block); the destination: another pattern
head -c $((MIB << 20)) /dev/urandom >"$DATA/src/disk.img"
python3 -c "import sys; sys.stdout.buffer.write(b'\x5a' * ($MIB << 20))" >"$DATA/dst/disk.img"
cp "$DATA/dst/disk.img" "$WORK/dst.before"
start_target -c "$WORK/ringsan.ini" || exit 1
SRC=$IQN_BASE:src
DST=$IQN_BASE:dst
xcopy() { # its output also in $WORK/xcopy.out, for out_has after a check
	timeout 120 python3 "$HERE/xcopy.py" "$PORT" "$@" | tee "$WORK/xcopy.out"
	return "${PIPESTATUS[0]}"
}
out_has() { grep -q "$1" "$WORK/xcopy.out"; }
dst_unchanged() { cmp -s "$DATA/dst/disk.img" "$WORK/dst.before"; }
DST_NAA=$(xcopy naa "$DST" | cut -d' ' -f1)
check "the destination's NAA designator is read from VPD 83h" test ${#DST_NAA} -eq 16

# --- no session on the destination ---
check_fails "no session on the destination: the copy is refused" \
	xcopy copy "$SRC" "$DST" --no-dst-session --dst-naa "$DST_NAA"
check "  ... with COPY ABORTED, COPY TARGET DEVICE NOT REACHABLE" out_has "key=a asc=0d ascq=02"
check "  ... and the destination is unchanged" dst_unchanged

# --- another initiator's session on the destination does not count ---
mkfifo "$WORK/hold.in"
timeout 120 python3 "$HERE/hostile.py" "$PORT" "$DST" hold "$B" <"$WORK/hold.in" \
	>"$WORK/hold.out" 2>&1 &
HOLD_PID=$!
PIDS+=("$HOLD_PID")
exec 7>"$WORK/hold.in"
check "initiator b holds a session on the destination" wait_for 20 grep -q ready "$WORK/hold.out"
check_fails "only b has a session on the destination: a's copy there is refused" \
	xcopy copy "$SRC" "$DST" --no-dst-session --dst-naa "$DST_NAA"
check "  ... with COPY TARGET DEVICE NOT REACHABLE" out_has "key=a asc=0d ascq=02"
check "  ... and the destination is unchanged" dst_unchanged
exec 7>&-
wait "$HOLD_PID"

# --- the destination's ACL stops admitting a while a's session there is logged in ---
cat >"$WORK/acl-b.sh" <<SH
n=\$(grep -c reloaded "$TARGET_LOG")
awk '/^\[lun dst\]/{d=1} d && /^allowed_initiators/{\$0="allowed_initiators = $B"} 1' \
	"$WORK/ringsan.ini" >"$WORK/acl.ini" && mv "$WORK/acl.ini" "$WORK/ringsan.ini"
kill -HUP $TARGET_PID
for i in \$(seq 1 100); do
	[ \$(grep -c reloaded "$TARGET_LOG") -gt \$n ] && exit 0
	sleep 0.1
done
exit 1
SH
check_fails "the destination's ACL no longer admits a (its session still in): refused" \
	xcopy copy "$SRC" "$DST" --before-copy "bash $WORK/acl-b.sh"
check "  ... with COPY TARGET DEVICE NOT REACHABLE" out_has "key=a asc=0d ascq=02"
check "  ... and the destination is unchanged" dst_unchanged
check_fails "  ... and a new login of a to the destination is refused" xcopy naa "$DST"
write_ini "$A, $B"
kill -HUP "$TARGET_PID"
check "the ACL admits a again after a reload" wait_for 10 xcopy naa "$DST"

# --- the destination reserved Write Exclusive by initiator b ---
check "initiator b reserves the destination Write Exclusive" \
	xcopy reserve "$DST" 1 0xbbbb --initiator "$B"
check_fails "a copy into the destination reserved by b is refused" xcopy copy "$SRC" "$DST"
check "  ... with RESERVATION CONFLICT" out_has "RESERVATION CONFLICT"
check "  ... and the destination is unchanged" dst_unchanged
check "reading it is allowed (Write Exclusive): 8 blocks from it to the source's end" \
	xcopy copy "$DST" "$SRC" --via-dst --blocks 8 --dst-lba $(((MIB << 11) - 8))
check "  ... and they arrived" \
	cmp -s <(tail -c 4096 "$DATA/src/disk.img") <(head -c 4096 "$WORK/dst.before")
check "initiator b releases its reservation" xcopy release "$DST" 1 0xbbbb --initiator "$B"

# --- sessions on both, nothing in the way: the copy works ---
check "sessions on both: the whole source is copied" xcopy copy "$SRC" "$DST"
sed 's/^/    /' "$WORK/last.out"
check "  ... and the destination equals the source" cmp "$DATA/src/disk.img" "$DATA/dst/disk.img"
check "a copy within one LU: its first 2 MiB to 4 MiB further" \
	xcopy copy "$SRC" "$SRC" --blocks 4096 --dst-lba 8192
check "  ... arrived" cmp -s <(head -c $((2 << 20)) "$DATA/src/disk.img") \
	<(head -c $((6 << 20)) "$DATA/src/disk.img" | tail -c $((2 << 20)))

stop_target
check "SIGTERM: exit 0" test $? -eq 0
check "no crash and no sanitizer report in the target log" no_sanitizer_report "$TARGET_LOG"
finish
