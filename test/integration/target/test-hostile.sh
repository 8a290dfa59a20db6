#!/usr/bin/env bash
# Hostile peers (hostile.py writes raw PDUs): garbage, oversized and truncated PDUs, absurd logins,
# SCSI before login, protocol violations in full feature phase and slow clients. Each gets the
# reaction RFC 7143 asks for, a good client is served promptly meanwhile, and the target survives
# with no crash or sanitizer report in its log. Then floods (flood.py): 1,000 idle connections and
# 200 trickled logins from other loopback addresses while a good client logs in, writes and reads
# every second (each probe within 2 s; descriptors and memory back to their start level after);
# CHAP guesses slowed down per name and address; peer strings escaped in the log.
. "$(dirname "$0")/../lib.sh"
need iscsi-inq qemu-img python3 timeout
HOSTILE=$(dirname "$0")/hostile.py

"$RINGSAN" --data-dir "$DATA" lun create disk --size 64M >/dev/null || exit 1
# One worker, few sessions and a small pre-login budget (max_logins), so the slow-loris phase
# fills it; a login deadline long enough for the nuisances to outlive the good client.
cat >"$WORK/ringsan.ini" <<INI
[server]
base_iqn = $IQN_BASE
workers = 1
max_sessions = 4
max_logins = 8
login_timeout = 25
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

# Slow-loris: three times more trickling logins than the pre-login budget (max_logins = 8). The
# oldest is dropped for each newcomer, so a good client gets in at once, not after a timeout.
slow_pids=()
for i in $(seq 1 24); do
	timeout 120 python3 "$HOSTILE" "$PORT" "$T" slow 40 >"$WORK/slow-$i.out" 2>&1 &
	slow_pids+=($!)
	PIDS+=($!)
done
# python3 may start slowly under load: count from when all 24 have connected.
wait_for 60 bash -c "[ \$(cat '$WORK'/slow-*.out | grep -c connected) -ge 24 ]"
sleep 2
check "24 trickling logins (3 x max_logins): a good client gets in within 5 s" \
	timeout 5 iscsi-inq "$(url disk)"
wait "${slow_pids[@]}"
cat "$WORK"/slow-*.out | grep -v '^connected$' | sed 's/after [0-9]* s ([0-9]* bytes)/after N s/' | sort | uniq -c | sed 's/^/    /'
check "a login trickled one byte per second is dropped at its deadline (login_timeout = 25 s)" \
	hostile slow-until-closed 35
sed 's/^/    /' "$WORK/last.out"

check "the target is still alive" kill -0 "$TARGET_PID"
check "the data is intact after the attack" \
	timeout 30 qemu-img compare -f raw -F raw "$WORK/rand.img" "$(url disk)"
check "every refused connection is logged once, not twice" bash -c \
	"! grep -o '^<[0-9]>[0-9.]*:[0-9]*[: ].*closing the connection' '$TARGET_LOG' | sed 's/^<.>\([0-9.]*:[0-9]*\).*/\1/' | sort | uniq -d | grep ."
stop_target
check "SIGTERM after the attack: exit 0" test $? -eq 0

# ---- floods, with the default budgets (max_logins 256, 16 per address, login_timeout 15 s) ----
"$RINGSAN" --data-dir "$DATA" lun create secure --size 16M >/dev/null || exit 1
cat >"$WORK/flood.ini" <<INI
[server]
base_iqn = $IQN_BASE
workers = 2
[lun secure]
chap_user = alice
chap_secret = alicesecret123
INI
start_target -c "$WORK/flood.ini" || exit 1
fds() { ls "/proc/$TARGET_PID/fd" | wc -l; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$TARGET_PID/status"; }
# warm up (first session, LUN file open), then the start level
check "a good client logs in before the flood" hostile login
fd0=$(fds)
rss0=$(rss_kib)
log0=$(wc -l <"$TARGET_LOG")
(
	max=0
	while kill -0 "$TARGET_PID" 2>/dev/null && [ ! -e "$WORK/flood.done" ]; do
		n=$(fds)
		[ "$n" -gt "$max" ] && max=$n && echo "$max" >"$WORK/fd.max"
		sleep 0.5
	done
) &
PIDS+=($!)
check "flood: 1,000 idle + 200 trickled logins for 30 s; every probe (login, write, read) within 2 s" \
	timeout 120 python3 "$HOSTILE" "$PORT" "$T" flood 1000 200 30
sed 's/^/    /' "$WORK/last.out"
touch "$WORK/flood.done"
echo "    target descriptors: $fd0 before, at most $(cat "$WORK/fd.max" 2>/dev/null) during the flood (connections held: the difference)"
check "descriptors back to their start level ($fd0) within 20 s" \
	wait_for 20 bash -c "[ \$(ls /proc/$TARGET_PID/fd | wc -l) -le $fd0 ]"
if grep -aq __asan_init "$RINGSAN"; then
	# ASan's allocator keeps freed memory in its quarantine: RSS says nothing here; LeakSanitizer
	# checks at exit that nothing was lost.
	echo "    (ASan build: RSS not compared; target RSS $rss0 KiB before, $(rss_kib) KiB after)"
else
	check "memory back to its start level (${rss0} KiB + 8 MiB) within 20 s" \
		wait_for 20 bash -c "[ \$(awk '/^VmRSS:/ { print \$2 }' /proc/$TARGET_PID/status) -le $((rss0 + 8192)) ]"
	echo "    target RSS: $rss0 KiB before, $(rss_kib) KiB after"
fi
check "admission control logged what it did, rate-limited (at most one line per 10 s and worker)" \
	bash -c "n=\$(tail -n +$((log0 + 1)) '$TARGET_LOG' | grep -c 'admission control'); [ \$n -ge 1 ] && [ \$n -le 14 ]"
tail -n +$((log0 + 1)) "$TARGET_LOG" | grep -m1 'admission control' | sed 's/^/    log: /'

check "CHAP: each wrong guess makes the next wait longer; the right secret still logs in" \
	timeout 60 python3 "$HOSTILE" "$PORT" "$IQN_BASE:secure" chap-delay 127.0.0.5 alice alicesecret123
sed 's/^/    /' "$WORK/last.out"
check "  ... and the delays are logged" grep -q "CHAP authentication failed: the next login" "$TARGET_LOG"

# Peer strings reach the log escaped: no forged line, no terminal escape.
FORGED=$'\n<3>FORGED\x1b[2J'
timeout 30 python3 "$HOSTILE" "$PORT" "$T" login "iqn.1994-05.com.test:x${FORGED}" >/dev/null 2>&1
timeout 30 python3 "$HOSTILE" "$PORT" "$IQN_BASE:secure" login "iqn.1994-05.com.test:y" \
	"chap_user=alice${FORGED}" chap_secret=alicesecret123 >/dev/null 2>&1
sleep 0.5
check "a forged initiator name and CHAP name reach the log escaped (no line starts with <3>FORGED)" \
	bash -c "grep -aq 'FORGED' '$TARGET_LOG' && ! grep -a '^<3>FORGED' '$TARGET_LOG' && ! grep -aq \$'\x1b' '$TARGET_LOG'"
grep -a 'FORGED' "$TARGET_LOG" | head -2 | sed 's/^/    log: /'

check "the target is still alive after the floods" kill -0 "$TARGET_PID"
stop_target
check "SIGTERM after the floods: exit 0" test $? -eq 0

# ---- out of descriptors: a hard limit of 64 and 100 idle connections ----
start_target_limited() { # like start_target, under `ulimit -n 64`
	PORT=$(free_port)
	PORTAL=127.0.0.1:$PORT
	(ulimit -n 64 && exec "$RINGSAN" --data-dir "$DATA" serve -c "$WORK/flood.ini" --workers 1 \
		--listen "$PORTAL") >>"$TARGET_LOG" 2>&1 &
	TARGET_PID=$!
	PIDS+=("$TARGET_PID")
	wait_for 20 bash -c "grep -q 'serving 2 LUNs.*$PORT' '$TARGET_LOG'"
}
check "the target starts under ulimit -n 64 (and says the limit is below its caps)" start_target_limited
check "  ... with a warning naming the fix" grep -q "descriptor limit (64) is below" "$TARGET_LOG"
fd0=$(fds)
timeout 60 python3 "$HOSTILE" "$PORT" "$T" idle 100 12 >"$WORK/idle.out" 2>&1 &
IDLE_PID=$!
PIDS+=("$IDLE_PID")
wait_for 30 grep -q connected "$WORK/idle.out"
sleep 2
cpu0=$(awk '{ print $14 + $15 }' "/proc/$TARGET_PID/stat")
sleep 3
cpu1=$(awk '{ print $14 + $15 }' "/proc/$TARGET_PID/stat")
echo "    target CPU while out of descriptors: $((cpu1 - cpu0)) ticks in 3 s ($(getconf CLK_TCK)/s)"
check "out of descriptors: accept backs off instead of spinning (under half a core)" \
	test $((cpu1 - cpu0)) -lt $((3 * $(getconf CLK_TCK) / 2))
check "out of descriptors: a good client still logs in within 5 s" timeout 5 python3 "$HOSTILE" \
	"$PORT" "$T" login
check "  ... and the target logged why accept failed" grep -q "accept failed: Too many open files" \
	"$TARGET_LOG"
wait "$IDLE_PID"
sed 's/^/    /' "$WORK/idle.out"
check "descriptors back to their start level ($fd0) within 20 s" \
	wait_for 20 bash -c "[ \$(ls /proc/$TARGET_PID/fd | wc -l) -le $fd0 ]"
stop_target
check "SIGTERM: exit 0" test $? -eq 0
check "no crash and no sanitizer report in the target log" no_sanitizer_report "$TARGET_LOG"
finish
