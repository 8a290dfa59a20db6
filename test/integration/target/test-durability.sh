#!/usr/bin/env bash
# Data safety: (a) a stream of writes, each followed by a flush (SYNCHRONIZE CACHE), with the
# target killed -9 in the middle: every write acknowledged after its flush is in the LUN file.
# (b) kill -9 with an initiator logged in: no stale lock or pid file, the LUN is servable again at
# once and its data is intact.
# (Only the process dies here, not the machine: the page cache survives, so this proves that
# GOOD comes after the data reached the file, not that fdatasync reached the disk.)
. "$(dirname "$0")/../lib.sh"
need qemu-io qemu-img iscsi-inq stdbuf timeout python3
HOSTILE=$(dirname "$0")/hostile.py

"$RINGSAN" --data-dir "$DATA" lun create disk --size 256M >/dev/null || exit 1
"$RINGSAN" --data-dir "$DATA" lun create spare --size 64M >/dev/null || exit 1
LUNFILE=$DATA/disk/disk.img
start_target || exit 1

# --- (a) write + flush stream, kill -9 in the middle ---
# Write i: at i * 64 KiB, (1 + i % 16) * 4 KiB of the byte (i % 251) + 1. qemu-io runs its
# commands in order, so when write i+1 is reported, write i and the flush after it are done.
N=3000
cmds=()
for i in $(seq 0 $((N - 1))); do
	cmds+=(-c "write -P $((i % 251 + 1)) $((i * 65536)) $(((1 + i % 16) * 4096))" -c "flush")
done
stdbuf -o0 -e0 qemu-io -f raw "${cmds[@]}" "$(url disk)" >"$WORK/stream.log" 2>&1 &
QIO=$!
PIDS+=("$QIO")
wait_for 30 bash -c "[ \$(grep -c '^wrote' '$WORK/stream.log') -ge 200 ]"
check "the write stream is running (200 writes acknowledged)" \
	bash -c "[ \$(grep -c '^wrote' '$WORK/stream.log') -ge 200 ]"
kill -9 "$TARGET_PID"
wait "$TARGET_PID" 2>/dev/null
acked=$(grep -c '^wrote' "$WORK/stream.log")
echo "    killed -9 after $acked writes were acknowledged (of $N)"
# qemu's driver may try to reconnect for ever: give it 5 s, then stop it.
timeout 5 tail --pid="$QIO" -f /dev/null >/dev/null 2>&1 || kill "$QIO" 2>/dev/null
wait "$QIO" 2>/dev/null
acked=$(grep -c '^wrote' "$WORK/stream.log")
check "the target was killed in the middle of the stream" test "$acked" -lt "$N"
check "every write acknowledged after its flush is in the LUN file" python3 - "$LUNFILE" "$acked" <<'PY'
import sys
path, acked = sys.argv[1], int(sys.argv[2])
bad = []
with open(path, "rb") as f:
    # writes 0 .. acked-2 were followed by a completed flush; write acked-1 got GOOD too
    for i in range(acked - 1):
        f.seek(i * 65536)
        n = (1 + i % 16) * 4096
        got = f.read(n)
        if got != bytes([i % 251 + 1]) * n:
            bad.append(i)
print("%d flushed writes checked, %d missing%s" % (acked - 1, len(bad), (": %s" % bad[:10]) if bad else ""))
sys.exit(1 if bad else 0)
PY
sed 's/^/    /' "$WORK/last.out"

# --- (b) kill -9 with a session logged in, then restart ---
start_target || exit 1
head -c $((32 * 1024 * 1024)) /dev/urandom >"$WORK/rand.img"
check "qemu-img convert writes 32 MiB before the kill" \
	qemu-img convert -n -f raw -O raw "$WORK/rand.img" "$(url spare)"
# Hold a session open (hostile.py hold answers pings), then kill -9 the target under it.
mkfifo "$WORK/hold.in"
python3 "$HOSTILE" "$PORT" "$IQN_BASE:spare" hold <"$WORK/hold.in" >"$WORK/hold.out" 2>&1 &
HOLD=$!
PIDS+=("$HOLD")
exec 7>"$WORK/hold.in"
check "a session is logged in to the LUN" wait_for 10 grep -q ready "$WORK/hold.out"
check "the LUN shows as in use while served" bash -c \
	"'$RINGSAN' --data-dir '$DATA' lun info spare | grep -Eiq 'in use.*(yes|pid|target)|in use:? *yes'"
sed 's/^/    /' "$WORK/last.out"
kill -9 "$TARGET_PID"
wait "$TARGET_PID" 2>/dev/null
check "after kill -9: lun info no longer shows the LUN in use (the OFD lock died)" bash -c \
	"'$RINGSAN' --data-dir '$DATA' lun info spare | grep -Eiq 'in use:? *no'"
sed 's/^/    /' "$WORK/last.out"
check "after kill -9: lun create does not claim to tell a dead target" bash -c \
	"out=\$('$RINGSAN' --data-dir '$DATA' lun create extra --size 1M) && echo \"\$out\" && ! echo \"\$out\" | grep -q 'told the running target'"
start_target || exit 1
check "the target restarts at once over the stale pid file" true
check "the LUN is servable at once: iscsi-inq within 5 s" timeout 5 iscsi-inq "$(url spare)"
check "the data written before the kill is intact" \
	timeout 60 qemu-img compare -f raw -F raw "$WORK/rand.img" "$(url spare)"
check "the new LUN created while the target was down is served" \
	timeout 5 iscsi-inq "$(url extra)"
exec 7>&-
kill "$HOLD" 2>/dev/null
wait "$HOLD" 2>/dev/null
stop_target
check "SIGTERM: exit 0" test $? -eq 0
check "the pid file is gone after a clean stop" test ! -e "$DATA/.ringsan.pid"
check "no crash and no sanitizer report in the target log" no_sanitizer_report "$TARGET_LOG"
finish
