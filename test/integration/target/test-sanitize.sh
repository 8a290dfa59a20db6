#!/usr/bin/env bash
# SANITIZE as the LUN's background job, against `ringsan serve`: IMMED answers at once while the
# overwrite runs at [lun] sanitize_rate; other sessions see NOT READY, SANITIZE IN PROGRESS with
# a growing progress; the LUN cannot be removed meanwhile; the job survives the target being
# killed (SIGKILL) and stopped (SIGTERM), each time starting again at the next start, and ends
# with the data gone (zero pattern: the data overwritten in place, then the thin LUN punched);
# a SANITIZE without IMMED waits for the end. Raw initiator: sanitize.py.
. "$(dirname "$0")/../lib.sh"
need python3 qemu-io cmp timeout
SAN=$(dirname "$0")/sanitize.py
A=iqn.1994-05.com.test:a
lun() { "$RINGSAN" --data-dir "$DATA" -c "$WORK/ringsan.ini" lun "$@"; }

# 256 MiB of data at 16 MiB/s: the zero overwrite takes about 16 s (holes are skipped), long
# enough to outlast the checks below on a loaded machine.
cat >"$WORK/ringsan.ini" <<INI
[server]
base_iqn = $IQN_BASE
[lun s]
allowed_initiators = $A
sanitize_rate = 16M
[lun e]
allowed_initiators = $A
sanitize_rate = 0
INI
lun create s --size 1G >/dev/null || exit 1
lun create e --size 64M >/dev/null || exit 1
qemu-io -f raw -c 'write -P 0x5a 0 256M' "$DATA/s/disk.img" >/dev/null || exit 1
qemu-io -f raw -c 'write -P 0x33 0 16M' "$DATA/e/disk.img" >/dev/null || exit 1
start_target -c "$WORK/ringsan.ini" || exit 1

S=$IQN_BASE:s
tur() { timeout 30 python3 "$SAN" "$PORT" "$S" tur; }
progress() { tur | sed -n 's/^NOT READY asc=04 ascq=1b progress=\([0-9]*\)$/\1/p'; }
running() { [ -n "$(progress)" ]; }
ready() { [ "$(tur)" = GOOD ]; }

start=$SECONDS
out=$(timeout 30 python3 "$SAN" "$PORT" "$S" overwrite 00 --immed)
check "SANITIZE OVERWRITE with IMMED answers GOOD at once" \
	test "$out" = GOOD -a $((SECONDS - start)) -le 3
check "another session sees NOT READY, SANITIZE IN PROGRESS with a progress indication" running
check "the job is saved beside the LUN" test -s "$DATA/s/sanitize.state"
check "the log says it runs in the background at the configured rate" \
	grep -q "LUN s: sanitize running in the background, writing at most 16.0 MiB/s" "$TARGET_LOG"
check_fails "a LUN being sanitized cannot be removed" lun rm s --yes
check "lun info says a sanitize is running" bash -c \
	"'$RINGSAN' --data-dir '$DATA' -c '$WORK/ringsan.ini' lun info s | grep -q '^sanitize: *running'"
check "lun info --json too" bash -c \
	"'$RINGSAN' --data-dir '$DATA' -c '$WORK/ringsan.ini' lun info s --json | grep -q '\"sanitize\": \"running\"'"
p1=$(progress)
sleep 1.5
p2=$(progress)
check "the progress grows ($p1 -> $p2)" test "${p2:-0}" -gt "${p1:-0}"

kill -KILL "$TARGET_PID"
wait "$TARGET_PID" 2>/dev/null
check "killed mid-way, the saved job stays" test -s "$DATA/s/sanitize.state"
start_target -c "$WORK/ringsan.ini" || exit 1
check "the restarted target says it starts the sanitize again" \
	grep -q "LUN s: a sanitize was running when the target stopped: starting it again" \
	"$TARGET_LOG"
check "after the restart it is in progress again" running
sleep 1
stop_start=$SECONDS
stop_target
check "SIGTERM during a sanitize: exit 0 within 5 s" test $? -eq 0 -a $((SECONDS - stop_start)) -le 5
check "the log says the shutdown interrupted it" \
	grep -q "LUN s: sanitize interrupted by the shutdown" "$TARGET_LOG"
start_target -c "$WORK/ringsan.ini" || exit 1
check "after the second restart it finishes within 60 s" wait_for 60 ready
check "the log says it is done" grep -q "LUN s: sanitize done in" "$TARGET_LOG"
check "the saved job is gone" test ! -e "$DATA/s/sanitize.state"
check "lun info no longer mentions a sanitize" bash -c \
	"! '$RINGSAN' --data-dir '$DATA' -c '$WORK/ringsan.ini' lun info s | grep -q '^sanitize:'"
check "every byte reads back as zero" cmp -n $((1 << 30)) "$DATA/s/disk.img" /dev/zero
check "the thin LUN was punched: no blocks allocated" \
	test "$(stat -c %b "$DATA/s/disk.img")" -eq 0

E=$IQN_BASE:e
out=$(timeout 60 python3 "$SAN" "$PORT" "$E" overwrite a5c3 --passes 2 --invert)
check "OVERWRITE without IMMED, two passes with INVERT, answers GOOD at its end ($out)" \
	test "$out" = GOOD
check "the last pass wrote the inverted pattern" \
	cmp -n $((64 << 20)) "$DATA/e/disk.img" <(python3 -c 'import sys
sys.stdout.buffer.write(bytes([0x5a, 0x3c]) * (32 << 20))')
out=$(timeout 60 python3 "$SAN" "$PORT" "$E" erase)
check "BLOCK ERASE answers GOOD at its end" test "$out" = GOOD
check "BLOCK ERASE leaves zeroes and no blocks" \
	test "$(stat -c %b "$DATA/e/disk.img")" -eq 0
check "the LUN is usable afterwards" test "$(timeout 30 python3 "$SAN" "$PORT" "$E" tur)" = GOOD

stop_target
check "SIGTERM: exit 0" test $? -eq 0
check "no crash and no sanitizer report in the target log" no_sanitizer_report "$TARGET_LOG"
finish
