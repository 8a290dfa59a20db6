#!/usr/bin/env bash
# Hostile peers (hostile.py writes raw PDUs): garbage, oversized and truncated PDUs, absurd logins,
# SCSI before login, protocol violations in full feature phase and slow clients. Each gets the
# reaction RFC 7143 asks for, a good client is served promptly meanwhile, and the target survives
# with no crash or sanitizer report in its log.
. "$(dirname "$0")/../lib.sh"
need iscsi-inq qemu-img python3 timeout
HOSTILE=$(dirname "$0")/hostile.py

"$RINGSAN" --data-dir "$DATA" lun create disk --size 64M >/dev/null || exit 1
# One worker and few sessions, so that the connection cap (max_sessions + 16 per worker) is small.
cat >"$WORK/ringsan.ini" <<INI
[server]
base_iqn = $IQN_BASE
workers = 1
max_sessions = 4
INI
start_target -c "$WORK/ringsan.ini" || exit 1
T=$IQN_BASE:disk

hostile() { # hostile CASE [ARGS]: one hostile.py case against the target, bounded in time
	timeout 120 python3 "$HOSTILE" "$PORT" "$T" "$@"
}

head -c $((16 * 1024 * 1024)) /dev/urandom >"$WORK/rand.img"
check "a good client writes 16 MiB before the attack" \
	qemu-img convert -n -f raw -O raw "$WORK/rand.img" "$(url disk)"

# Background nuisances: a silent half PDU and a login trickled one byte per second, and the
# good client served while they are connected.
timeout 120 python3 "$HOSTILE" "$PORT" "$T" truncated 20 >"$WORK/truncated.out" 2>&1 &
TRUNC_PID=$!
PIDS+=("$TRUNC_PID")
timeout 120 python3 "$HOSTILE" "$PORT" "$T" slow 20 >"$WORK/slow.out" 2>&1 &
SLOW_PID=$!
PIDS+=("$SLOW_PID")
sleep 2
check "nuisances connected while the good client runs" kill -0 "$TRUNC_PID" "$SLOW_PID"
t0=$SECONDS
check "a good client: iscsi-inq answers within 5 s" timeout 5 iscsi-inq "$(url disk)"
check "a good client: qemu-img compare within 30 s" \
	timeout 30 qemu-img compare -f raw -F raw "$WORK/rand.img" "$(url disk)"
echo "    (good client served in $((SECONDS - t0)) s)"
check "nuisances still connected after the good client" kill -0 "$TRUNC_PID" "$SLOW_PID"

check "garbage bytes: the connection is closed" hostile garbage
check "a Login BHS announcing 16 MiB of data: refused at once" hostile huge-dsl
check "a SCSI Command announcing 16 MiB of data: closed or rejected" hostile huge-dsl-ffp
check "a login with 10,000 keys: login failure or close" hostile many-keys
check "a login key with a 64 KiB value: login failure or close" hostile big-value
check "a SCSI command before login: no SCSI answer, login reject or close" hostile before-login
check "Data-Out for an unknown task: Reject or ignored, session usable" hostile data-out-unknown
check "a CmdSN far outside the window: silently ignored, session usable" hostile cmdsn-outside
check "a NOP-Out with a TTT never given: Reject or ignored, session usable" hostile nop-bad-ttt
check "an unknown opcode: Reject 0x05, session usable" hostile unknown-opcode
check "session reinstatement: the same initiator and ISID again replaces the old session" hostile reinstate
check "a LUN RESET aborts another session's WRITE without status; that session sees 29/03" \
	hostile lun-reset-other
check "a Data-Out with a bad data digest: Reject 0x02 or close, data not written" hostile bad-data-digest
sed 's/^/    /' "$WORK/last.out"
wait "$TRUNC_PID" "$SLOW_PID"
sed 's/^/    /' "$WORK/truncated.out" "$WORK/slow.out"

# Slow-loris: more trickling logins than the connection cap (20 with one worker and
# max_sessions = 4). A login that never completes must not hold its slot for ever: once the
# login timeout (30 s) has passed, a good client must get in.
slow_pids=()
for i in $(seq 1 24); do
	timeout 120 python3 "$HOSTILE" "$PORT" "$T" slow 60 >"$WORK/slow-$i.out" 2>&1 &
	slow_pids+=($!)
	PIDS+=($!)
done
# python3 may start slowly under load: count from when all 24 have connected (or been refused).
wait_for 60 bash -c "[ \$(cat '$WORK'/slow-*.out | grep -c connected) -ge 24 ]"
sleep 35
check "24 trickling logins (more than the connection cap): 35 s later a good client gets in" \
	timeout 10 iscsi-inq "$(url disk)"
wait "${slow_pids[@]}"
cat "$WORK"/slow-*.out | grep -v '^connected$' | sed 's/after [0-9]* s ([0-9]* bytes)/after N s/' | sort | uniq -c | sed 's/^/    /'
check "a login trickled one byte per second is dropped within 45 s" \
	hostile slow-until-closed 45
sed 's/^/    /' "$WORK/last.out"

check "the target is still alive" kill -0 "$TARGET_PID"
check "the data is intact after the attack" \
	timeout 30 qemu-img compare -f raw -F raw "$WORK/rand.img" "$(url disk)"
check "every refused connection is logged once, not twice" bash -c \
	"! grep -o '^<[0-9]>[0-9.]*:[0-9]*[: ].*closing the connection' '$TARGET_LOG' | sed 's/^<.>\([0-9.]*:[0-9]*\).*/\1/' | sort | uniq -d | grep ."
stop_target
check "SIGTERM after the attack: exit 0" test $? -eq 0
check "no crash and no sanitizer report in the target log" no_sanitizer_report "$TARGET_LOG"
finish
