#!/usr/bin/env bash
# Live changes to a running target: `ringsan lun create/resize/rm` tell it to reload (via its pid
# file), a resize is refused while a session is logged in, a grown LUN raises CAPACITY DATA HAS
# CHANGED, SIGHUP with a broken config keeps the old one, and SIGTERM under load finishes the
# commands in flight, loses nothing acknowledged and exits 0.
. "$(dirname "$0")/../lib.sh"
need iscsi-ls iscsi-inq iscsi-readcapacity16 qemu-img qemu-io stdbuf timeout python3
HOSTILE=$(dirname "$0")/hostile.py
A=iqn.1994-05.com.test:a
C=iqn.1994-05.com.test:c
lun() { "$RINGSAN" --data-dir "$DATA" -c "$WORK/ringsan.ini" lun "$@"; }

cat >"$WORK/ringsan.ini" <<INI
[server]
base_iqn = $IQN_BASE
[lun acl]
allowed_initiators = $A
INI
cp "$WORK/ringsan.ini" "$WORK/good.ini"
for l in disk acl gone; do
	lun create $l --size 16M >/dev/null || exit 1
done
lun create stream --size 256M >/dev/null || exit 1
lun create big --size 256M >/dev/null || exit 1
start_target -c "$WORK/ringsan.ini" || exit 1

listed() { iscsi-ls "iscsi://$PORTAL" | grep -q "$IQN_BASE:$1\b"; }
blocks() { # blocks LUN: the block count READ CAPACITY(16) reports
	iscsi-readcapacity16 "$(url "$1")" | sed -n 's/.*RETURNED LOGICAL BLOCK ADDRESS:\([0-9]*\).*/\1/p' |
		awk '{print $1 + 1}'
}

# --- lun create: the new LUN appears ---
check "lun create while the target runs tells it to reload" bash -c \
	"'$RINGSAN' --data-dir '$DATA' -c '$WORK/ringsan.ini' lun create fresh --size 8M | grep -q 'told the running target'"
check "  ... and discovery lists the new LUN within 2 s" wait_for 2 listed fresh
check "  ... and it is servable" timeout 5 iscsi-inq "$(url fresh)"

# --- lun resize with a session logged in: refused; the session keeps working ---
mkfifo "$WORK/hold.in"
python3 "$HOSTILE" "$PORT" "$IQN_BASE:disk" hold <"$WORK/hold.in" >"$WORK/hold.out" 2>&1 &
HOLD=$!
PIDS+=("$HOLD")
exec 7>"$WORK/hold.in"
check "a session is logged in to disk" wait_for 10 grep -q ready "$WORK/hold.out"
check_fails "lun resize of a LUN with a logged-in session is refused" lun resize disk --size 32M
cp "$WORK/last.out" "$WORK/resize.out"
check "  ... with a clear 'in use' message" grep -qi "in use" "$WORK/resize.out"
sed 's/^/    /' "$WORK/resize.out"
check "  ... and the file keeps its size" test "$(stat -c %s "$DATA/disk/disk.img")" -eq $((16 << 20))

# CAPACITY DATA HAS CHANGED: the CLI refuses to resize a LUN with a session, so the only way to
# grow it under a session is from outside ringsan (truncate) followed by SIGHUP.
truncate -s 24M "$DATA/disk/disk.img"
kill -HUP "$TARGET_PID"
check "a LUN grown under a session (truncate + SIGHUP): the reload logs the new size" \
	wait_for 5 grep -q "LUN disk changed size: $((16 << 20)) -> $((24 << 20))" "$TARGET_LOG"
echo >&7
check "  ... the session's next command gets CAPACITY DATA HAS CHANGED (6/2a/09)" \
	wait_for 10 grep -q "tur CHECK key=6 asc=2a ascq=09" "$WORK/hold.out"
check "  ... and READ CAPACITY(16) then shows the new size" \
	wait_for 10 grep -q "capacity $((24 << 11))" "$WORK/hold.out"
echo >&7
check "  ... and the attention is reported once" \
	wait_for 10 grep -q "tur GOOD" "$WORK/hold.out"
sed 's/^/    hold: /' "$WORK/hold.out"
exec 7>&-
wait "$HOLD"
check "the session logs out" grep -q "logged out" "$WORK/hold.out"

# --- lun resize with no session: works, READ CAPACITY shows the new size ---
check "lun resize with no session logged in works and tells the target" bash -c \
	"'$RINGSAN' --data-dir '$DATA' -c '$WORK/ringsan.ini' lun resize disk --size 40M | grep -q 'told the running target'"
check "  ... and READ CAPACITY(16) shows the new size" wait_for 2 bash -c \
	"[ \"\$(iscsi-readcapacity16 '$(url disk)' | sed -n 's/.*RETURNED LOGICAL BLOCK ADDRESS:\([0-9]*\).*/\1/p')\" = $(((40 << 11) - 1)) ]"
check "  ... and the data written before is still there" \
	qemu-io -f raw -c "write -P 0x77 $((20 << 20)) 1M" -c "read -P 0x77 $((20 << 20)) 1M" "$(url disk)"

# --- lun rm: the target stops listing it ---
check "lun rm --yes of a served LUN with no session works" lun rm gone --yes
check "  ... and discovery stops listing it within 2 s" wait_for 2 bash -c "! iscsi-ls iscsi://$PORTAL | grep -q '$IQN_BASE:gone'"
check_fails "  ... and a login to it is refused" timeout 10 iscsi-inq "$(url gone)"

# --- SIGHUP: a valid change applies, a broken file keeps the running config ---
check_fails "ACL before the reload: initiator C is refused" timeout 10 iscsi-inq -i $C "$(url acl)"
sed -i "s/^allowed_initiators = .*/allowed_initiators = $A, $C/" "$WORK/ringsan.ini"
kill -HUP "$TARGET_PID"
check "SIGHUP with a valid new ACL: initiator C gets in" wait_for 5 \
	timeout 5 iscsi-inq -i $C "$(url acl)"
cp "$WORK/good.ini" "$WORK/ringsan.ini"
kill -HUP "$TARGET_PID"
check "SIGHUP back to the first ACL: initiator C is refused again" wait_for 5 bash -c \
	"! timeout 5 iscsi-inq -i $C '$(url acl)'"
n=$(wc -l <"$TARGET_LOG")
sed -i '/^\[lun acl\]/a no_such_key = 1' "$WORK/ringsan.ini"
kill -HUP "$TARGET_PID"
check "SIGHUP with a broken config: an error is logged" wait_for 5 bash -c \
	"tail -n +$((n + 1)) '$TARGET_LOG' | grep -E '^<3>' | grep -q 'no_such_key'"
tail -n +$((n + 1)) "$TARGET_LOG" | sed 's/^/    log: /'
check "  ... saying the running configuration is kept" bash -c \
	"tail -n +$((n + 1)) '$TARGET_LOG' | grep -qi 'keeping the running configuration'"
check "  ... the target is still running" kill -0 "$TARGET_PID"
check "  ... the old ACL still applies: A gets in" timeout 5 iscsi-inq -i $A "$(url acl)"
check_fails "  ... and C is still refused" timeout 5 iscsi-inq -i $C "$(url acl)"
check "  ... and the LUNs are all still listed" bash -c "iscsi-ls -i $A iscsi://$PORTAL | tee /dev/stderr | grep -c '$IQN_BASE:' | grep -qx 5"
cp "$WORK/good.ini" "$WORK/ringsan.ini"

# --- SIGTERM under load ---
# A write stream without flushes on "stream" (write i at i * 64 KiB, 64 KiB of byte i % 251 + 1;
# qemu-io reports each write when GOOD arrived) and a qemu-img convert onto "big".
N=4000
cmds=()
for i in $(seq 0 $((N - 1))); do
	cmds+=(-c "write -P $((i % 251 + 1)) $((i * 65536)) 65536")
done
stdbuf -o0 -e0 qemu-io -f raw "${cmds[@]}" "$(url stream)" >"$WORK/stream.log" 2>&1 &
QIO=$!
PIDS+=("$QIO")
head -c $((192 * 1024 * 1024)) /dev/urandom >"$WORK/rand.img"
qemu-img convert -n -f raw -O raw "$WORK/rand.img" "$(url big)" >"$WORK/convert.log" 2>&1 &
CONV=$!
PIDS+=("$CONV")
wait_for 30 bash -c "[ \$(grep -c '^wrote' '$WORK/stream.log') -ge 100 ]"
check "writes are in flight when SIGTERM comes" bash -c \
	"kill -0 $CONV && kill -0 $QIO && [ \$(grep -c '^wrote' '$WORK/stream.log') -ge 100 ]"
kill -TERM "$TARGET_PID"
t0=$SECONDS
wait_for 30 bash -c "! kill -0 $TARGET_PID"
wait "$TARGET_PID"
rc=$?
echo "    the target exited with $rc $((SECONDS - t0)) s after SIGTERM"
check "SIGTERM while qemu-img convert runs: the target exits 0" test "$rc" -eq 0
check "  ... after logging that it finishes commands in flight" grep -q "stopping (SIGTERM)" "$TARGET_LOG"
for p in "$QIO" "$CONV"; do
	timeout 10 tail --pid="$p" -f /dev/null >/dev/null 2>&1 || kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
done
acked=$(grep -c '^wrote' "$WORK/stream.log")
echo "    $acked of $N stream writes were acknowledged before the stop"
check "  ... and every acknowledged write is in the LUN file" python3 - "$DATA/stream/disk.img" "$acked" <<'PY'
import sys
path, acked = sys.argv[1], int(sys.argv[2])
bad = []
with open(path, "rb") as f:
    for i in range(acked):
        f.seek(i * 65536)
        if f.read(65536) != bytes([i % 251 + 1]) * 65536:
            bad.append(i)
print("%d acknowledged writes checked, %d missing %s" % (acked, len(bad), bad[:10]))
sys.exit(1 if bad else 0)
PY
sed 's/^/    /' "$WORK/last.out"
check "  ... and the pid file is removed" test ! -e "$DATA/.ringsan.pid"
check "no crash and no sanitizer report in the target log" no_sanitizer_report "$TARGET_LOG"
finish
