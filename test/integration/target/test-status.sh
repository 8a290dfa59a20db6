#!/usr/bin/env bash
# `ringsan status`, the control socket, the event ring and the metrics listener against the
# running target, driven by QEMU's iscsi driver (qemu-io) and libiscsi's tools: counters move by
# exactly what was done, a wrong CHAP secret shows as an event and a metric, unauthorised users and
# malformed requests are refused, a target that is not running is said to be so.
. "$(dirname "$0")/../lib.sh"
need qemu-io iscsi-inq iscsi-ls python3 setpriv timeout
OBS="python3 $(dirname "$0")/obsctl.py"
A=iqn.2026-12.test:load-a
B=iqn.2026-12.test:load-b
C=iqn.2026-12.test:chap

for l in disk secure; do
	"$RINGSAN" --data-dir "$DATA" lun create $l --size 64M >/dev/null || exit 1
done
# Data in the first 8 MiB: QEMU's driver asks GET LBA STATUS and does not read unmapped blocks
# (LBPRZ: they read as zeroes), so every read below must fall where data is, to count.
head -c $((8 << 20)) /dev/urandom | dd of="$DATA/disk/disk.img" conv=notrunc status=none
# The socket lives where an unprivileged user can reach it (the work dir is private).
chmod 0711 "$WORK"
mkdir -m 0755 "$WORK/ctl"
SOCK=$WORK/ctl/control.sock
MPORT=$(free_port)
METRICS=http://127.0.0.1:$MPORT/metrics
write_config() { # write_config [extra [server] line]
	cat >"$WORK/ringsan.ini" <<INI
[server]
base_iqn = $IQN_BASE
control_socket = $SOCK
metrics_listen = $MPORT
workers = 2
${1:-}
[lun secure]
chap_user = carol
chap_secret = carolsecret123
INI
	chmod 0644 "$WORK/ringsan.ini"
}
write_config
RS=("$RINGSAN" -c "$WORK/ringsan.ini" --data-dir "$DATA")

# --- not running ---
check_fails "status without a running target fails" "${RS[@]}" status
cp "$WORK/last.out" "$WORK/notrunning.out"
check "  ... with one line saying it is not running and how to start it" bash -c \
	"[ \$(wc -l <'$WORK/notrunning.out') -eq 1 ] && grep -q 'not running' '$WORK/notrunning.out' && grep -q 'ringsan serve' '$WORK/notrunning.out'"
sed 's/^/    /' "$WORK/notrunning.out"

start_target -c "$WORK/ringsan.ini" || exit 1
check "the control socket is mode 0660" bash -c "[ \$(stat -c %a '$SOCK') = 660 ]"
check "status answers with no session" bash -c "'${RS[0]}' ${RS[*]:1} status | grep -q 'no sessions'"
check "status --json is one JSON document" bash -c \
	"'${RS[0]}' ${RS[*]:1} status --json | python3 -c 'import json,sys; json.load(sys.stdin)'"

# --- status during load: two sessions, each paused mid-way, counters exact ---
# One snapshot of each view is taken while the sessions pause; the checks then read the files.
snap() { $OBS ask "$SOCK" status >"$WORK/$1"; }
scrape() { python3 -c "import urllib.request,sys; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())" "$METRICS" >"$WORK/$1"; }
jcheck() { # jcheck DESC FILE EXPR: EXPR (Python, over the status JSON as s) holds
	check "$1" python3 -c "
import json, sys
s = json.load(open(sys.argv[1]))
def sess(i): return [x for x in s['sessions'] if x['initiator'] == i][0]
def lun(n): return [x for x in s['luns'] if x['name'] == n][0]
sys.exit(0 if ($3) else 1)" "$WORK/$2"
}
mval() { # mval FILE KEY: a sample's value in a scraped page (0 if absent)
	awk -v k="$2" 'index($0, k " ") == 1 { print $2; f = 1 } END { if (!f) print 0 }' "$WORK/$1"
}
snap s0.json
scrape m0.txt
qopts() { echo "driver=raw,file.driver=iscsi,file.transport=tcp,file.portal=$PORTAL,file.target=$IQN_BASE:$1,file.lun=0,file.initiator-name=$2"; }
# A: 3 writes of 64 KiB and 5 reads of 64 KiB, then waits; B: 1 MiB write, 2 MiB read, waits.
acmds=()
for i in 0 1 2; do acmds+=(-c "write -P $((i + 1)) $((i * 65536)) 64k"); done
for i in 0 1 2 3 4; do acmds+=(-c "read $((i * 65536)) 64k"); done
timeout 120 qemu-io --image-opts "$(qopts disk $A)" "${acmds[@]}" -c "sleep 20000" \
	>"$WORK/qa.out" 2>&1 &
QA=$!
PIDS+=("$QA")
timeout 120 qemu-io --image-opts "$(qopts disk $B)" -c "write -P 9 1M 1M" -c "read 1M 1M" \
	-c "read 2M 1M" -c "sleep 20000" >"$WORK/qb.out" 2>&1 &
QB=$!
PIDS+=("$QB")
both_paused() {
	snap s1.json && python3 -c "
import json, sys
s = json.load(open(sys.argv[1]))
d = {x['initiator']: x for x in s['sessions']}
sys.exit(0 if d['$A']['reads'] == 5 and d['$B']['bytes_read'] == 2097152 else 1)" "$WORK/s1.json"
}
check "status shows both qemu-io sessions while they run" wait_for 60 both_paused
scrape m1.txt
"${RS[@]}" lun list >"$WORK/list.out" 2>&1
"${RS[@]}" lun list --json >"$WORK/list.json" 2>&1
"${RS[@]}" status >"$WORK/status.out" 2>&1
jcheck "  ... A: 3 writes, 5 reads, 192 KiB written, 320 KiB read" s1.json \
	"sess('$A')['writes'] == 3 and sess('$A')['reads'] == 5 and sess('$A')['bytes_written'] == 196608 and sess('$A')['bytes_read'] == 327680"
jcheck "  ... B: 1 MiB written, 2 MiB read, no error" s1.json \
	"sess('$B')['bytes_written'] == 1048576 and sess('$B')['bytes_read'] == 2097152 and sess('$B')['errors'] == 0"
jcheck "  ... type, LUN, target, address, login time, queue and parameters" s1.json \
	"sess('$A')['type'] == 'normal' and sess('$A')['lun'] == 'disk' and sess('$A')['target'] == '$IQN_BASE:disk' and sess('$A')['address'].startswith('127.0.0.1:') and abs(s['now_unix_ms'] - sess('$A')['login_unix_ms']) < 120000 and sess('$A')['in_flight'] == 0 and sess('$A')['params']['HeaderDigest'] == 'None' and sess('$A')['params']['MaxRecvDataSegmentLength'] > 0"
s0=$(python3 -c "import json,sys; l=[x for x in json.load(open(sys.argv[1]))['luns'] if x['name']=='disk'][0]; print(l['bytes_read_total'], l['bytes_written_total'])" "$WORK/s0.json")
jcheck "  ... the LUN: 2 sessions, its byte totals moved by exactly what was done" s1.json \
	"lun('disk')['sessions'] == 2 and lun('disk')['bytes_read_total'] - ${s0% *} == 327680 + 2097152 and lun('disk')['bytes_written_total'] - ${s0#* } == 196608 + 1048576"
jcheck "  ... rates over the window and latency percentiles are there" s1.json \
	"lun('disk')['read_bytes_per_s'] > 0 and lun('disk')['write_iops'] > 0 and lun('disk')['latency_us']['p99'] >= lun('disk')['latency_us']['p50'] > 0"
check "status (text) lists both sessions" bash -c "grep -q '$A' '$WORK/status.out' && grep -q '$B' '$WORK/status.out'"
sed 's/^/    status: /' "$WORK/status.out"
check "lun list shows the live session count" bash -c "awk '\$1==\"disk\"' '$WORK/list.out' | grep -qw 2"
check "lun list --json has \"sessions\": 2" python3 -c \
	"import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if [l for l in d if l['name']=='disk'][0]['sessions']==2 else 1)" "$WORK/list.json"
check "metrics: 2 normal sessions" test "$(mval m1.txt 'ringsan_sessions{type="normal"}')" = 2
check "status and metrics say the same" bash -c \
	"[ \$(python3 -c \"import json; print([l for l in json.load(open('$WORK/s1.json'))['luns'] if l['name']=='disk'][0]['bytes_read_total'])\") = $(mval m1.txt 'ringsan_lun_read_bytes_total{lun="disk"}') ]"

# --- metrics during load: 10 reads of 4 KiB and 2 writes of 8 KiB in a third session ---
mcmds=()
for i in $(seq 0 9); do mcmds+=(-c "read $((i * 4096 + 4194304)) 4k"); done
timeout 120 qemu-io --image-opts "$(qopts disk iqn.2026-12.test:metrics)" "${mcmds[@]}" \
	-c "write -P 5 6M 8k" -c "write -P 6 7M 8k" -c "sleep 20000" >"$WORK/qm.out" 2>&1 &
QM=$!
PIDS+=("$QM")
metrics_moved() {
	scrape m2.txt && [ "$(mval m2.txt 'ringsan_sessions{type="normal"}')" = 3 ] &&
		[ $(($(mval m2.txt 'ringsan_lun_written_bytes_total{lun="disk"}') - $(mval m1.txt 'ringsan_lun_written_bytes_total{lun="disk"}'))) = 16384 ]
}
check "metrics scraped during the load: a third session, and its 2 x 8 KiB written" wait_for 60 metrics_moved
d() { echo $(($(mval m2.txt "$1") - $(mval m1.txt "$1"))); }
check "  ... read bytes moved by exactly 10 x 4 KiB" test "$(d 'ringsan_lun_read_bytes_total{lun="disk"}')" = 40960
check "  ... read commands by exactly 10, and the latency histogram's count" bash -c \
	"[ $(d 'ringsan_lun_commands_total{lun="disk",op="read"}') = 10 ] && [ $(d 'ringsan_lun_command_duration_seconds_count{lun="disk",op="read"}') = 10 ]"
check "  ... write commands by exactly 2" test "$(d 'ringsan_lun_commands_total{lun="disk",op="write"}')" = 2
check "  ... the +Inf bucket equals the count" test \
	"$(mval m2.txt 'ringsan_lun_command_duration_seconds_bucket{lun="disk",op="read",le="+Inf"}')" = \
	"$(mval m2.txt 'ringsan_lun_command_duration_seconds_count{lun="disk",op="read"}')"
check "metrics: HEAD gets headers only, other paths 404, POST 405, garbage 400" bash -c \
	"$OBS http $METRICS 'HEAD /metrics HTTP/1.1\r\n\r\n' | grep -q '^HTTP/1.1 200' && \
	 ! $OBS http $METRICS 'HEAD /metrics HTTP/1.1\r\n\r\n' | grep -q ringsan_ && \
	 $OBS http $METRICS 'GET / HTTP/1.1\r\n\r\n' | grep -q '^HTTP/1.1 404' && \
	 $OBS http $METRICS 'POST /metrics HTTP/1.1\r\n\r\n' | grep -q '^HTTP/1.1 405' && \
	 $OBS http $METRICS 'garbage\r\n\r\n' | grep -q '^HTTP/1.1 400'"
check "the metrics listener is on loopback only" bash -c "ss -ltn | grep -q '127.0.0.1:$MPORT '"
wait "$QA" "$QB" "$QM"
check "the qemu-io runs succeeded" bash -c "! grep -qi error '$WORK/qa.out' '$WORK/qb.out' '$WORK/qm.out'"
snap s3.json
jcheck "after they logged out: no session, and the LUN's totals kept" s3.json \
	"s['sessions'] == [] and lun('disk')['sessions'] == 0 and lun('disk')['bytes_written_total'] - ${s0#* } == 196608 + 1048576 + 16384"

# --- events: logins, logouts, a lost connection, discovery, a wrong CHAP secret ---
mnow() { $OBS metric "$METRICS" "$1"; }
events() { $OBS ask "$SOCK" "events ${1:-1}"; }
check "events: a login and a logout for each qemu-io session" bash -c \
	"[ \$($OBS ask '$SOCK' 'events 1' | grep -cP '\tlogin\t($A|$B)\t127.0.0.1\tdisk\t-$') = 2 ] && \
	 [ \$($OBS ask '$SOCK' 'events 1' | grep -cP '\tlogout\t($A|$B)\t127.0.0.1\tdisk\t-$') = 2 ]"
qemu-io --image-opts "$(qopts disk iqn.2026-12.test:killed)" -c "sleep 20000" >/dev/null 2>&1 &
QK=$!
PIDS+=("$QK")
killed_in() { $OBS ask "$SOCK" "events 1" | grep -qP '\tlogin\tiqn.2026-12.test:killed\t'; }
wait_for 30 killed_in
kill -9 "$QK"
lost() { $OBS ask "$SOCK" "events 1" | grep -qP '\tconn_lost\tiqn.2026-12.test:killed\t127.0.0.1\tdisk\t.+'; }
check "events: a killed initiator's session ends as conn_lost with the reason" wait_for 15 lost
iscsi-ls -i iqn.2026-12.test:disc "iscsi://$PORTAL" >/dev/null 2>&1
check "events: a SendTargets session is a discovery event" bash -c \
	"$OBS ask '$SOCK' 'events 1' | grep -qP '\tdiscovery\tiqn.2026-12.test:disc\t127.0.0.1\t-\t-$'"
f0=$(mnow 'ringsan_login_failures_total{reason="wrong_chap_secret"}')
check_fails "a wrong CHAP secret is refused" timeout 30 iscsi-inq -i $C \
	"iscsi://carol%wrongsecret999@$PORTAL/$IQN_BASE:secure/0"
check "  ... and shows as a login_failed event with its reason" bash -c \
	"$OBS ask '$SOCK' 'events 1' | grep -P '\tlogin_failed\t$C\t127.0.0.1\tsecure\twrong CHAP secret$'"
check "  ... and in the metrics by reason" bash -c \
	"[ \$(( $(mnow 'ringsan_login_failures_total{reason="wrong_chap_secret"}') - $f0 )) = 1 ]"
check "a right CHAP secret logs in: a login event with detail chap" bash -c \
	"timeout 60 iscsi-inq -i $C 'iscsi://carol%carolsecret123@$PORTAL/$IQN_BASE:secure/0' >/dev/null && \
	 $OBS ask '$SOCK' 'events 1' | grep -qP '\tlogin\t$C\t127.0.0.1\tsecure\tchap$'"
check_fails "an unknown target is refused" timeout 30 iscsi-inq "iscsi://$PORTAL/$IQN_BASE:nosuch/0"
check "  ... as login_failed 'unknown target (no such LUN)'" bash -c \
	"$OBS ask '$SOCK' 'events 1' | grep -qP '\tlogin_failed\t[^\t]+\t127.0.0.1\tnosuch\tunknown target \(no such LUN\)$'"
events 1 | sed 's/^/    event: /'
check "events SEQ: 'next' leads on, and nothing repeats" bash -c \
	"n=\$($OBS ask '$SOCK' 'events 1' | head -1 | cut -d' ' -f2) && \
	 [ \"\$($OBS ask '$SOCK' \"events \$n\")\" = \"next \$n\" ] && \
	 [ \$($OBS ask '$SOCK' \"events \$((n - 2))\" | wc -l) = 3 ]"
check "status --events prints the ring" bash -c "'${RS[0]}' ${RS[*]:1} status --events | grep -q login_failed"

# --- bad input on the control socket ---
check "a malformed request gets one error line" bash -c \
	"[ \"\$($OBS raw '$SOCK' \"b'bogus\\\\n'\")\" = \"error: unknown request (expected 'status', 'status-text' or 'events SEQ')\" ]"
check "a request longer than 256 bytes is refused" bash -c \
	"$OBS raw '$SOCK' \"b'x' * 300\" | grep -qx 'error: request longer than 256 bytes'"
check "a NUL byte is refused" bash -c "$OBS raw '$SOCK' \"b'sta\\\\x00tus\\\\n'\" | grep -q '^error: '"
check "a request without its newline is refused at EOF" bash -c \
	"python3 -c \"import socket; s=socket.socket(socket.AF_UNIX); s.connect('$SOCK'); s.sendall(b'status'); s.shutdown(socket.SHUT_WR); print(s.recv(999).decode())\" | grep -q 'must end with a newline'"
check "events with a bad number is refused" bash -c "$OBS ask '$SOCK' 'events -3' | grep -q '^error: '"
check "16 silent clients do not block status" bash -c \
	"python3 -c \"
import socket, subprocess, sys
hold = []
for i in range(20):
    s = socket.socket(socket.AF_UNIX); s.connect('$SOCK'); hold.append(s)
out = subprocess.run(sys.argv[1:], capture_output=True, timeout=20)
sys.exit(out.returncode)
\" ${RS[*]} status"

# --- unauthorised users ---
check_fails "nobody cannot open the socket (mode 0660, root's group)" \
	setpriv --reuid=nobody --regid=nogroup --clear-groups "${RS[@]}" status
cp "$WORK/last.out" "$WORK/nobody.out"
check "  ... and is told in one line what to do" bash -c \
	"[ \$(wc -l <'$WORK/nobody.out') -eq 1 ] && grep -q 'control_group' '$WORK/nobody.out'"
sed 's/^/    /' "$WORK/nobody.out"
chmod 0666 "$SOCK" # the socket's mode opened by mistake: SO_PEERCRED still refuses
check "with the socket opened to all, nobody is refused by the target: 'error: not authorised'" \
	bash -c "setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/bin/python3 $(dirname "$0")/obsctl.py ask '$SOCK' status | grep -qx 'error: not authorised'"
check_fails "  ... and ringsan status as nobody fails" \
	setpriv --reuid=nobody --regid=nogroup --clear-groups "${RS[@]}" status
cp "$WORK/last.out" "$WORK/nobody2.out"
check "  ... saying so" grep -q "not authorised" "$WORK/nobody2.out"
sed 's/^/    /' "$WORK/nobody2.out"

# --- kill -9, restart with a control group: the stale socket is replaced, events start at 1 ---
kill -9 "$TARGET_PID"
wait "$TARGET_PID" 2>/dev/null
check "after kill -9 the socket file is left behind" test -S "$SOCK"
check_fails "  ... and status says the target is not running" "${RS[@]}" status
cp "$WORK/last.out" "$WORK/stale.out"
check "  ... in one line" bash -c "[ \$(wc -l <'$WORK/stale.out') -eq 1 ] && grep -q 'not running' '$WORK/stale.out'"
write_config "control_group = nogroup
login_timeout = 2"
start_target -c "$WORK/ringsan.ini" || exit 1
check "restarted over the stale socket" bash -c "'${RS[0]}' ${RS[*]:1} status | grep -q 'no sessions'"
check "  ... the socket belongs to group nogroup" bash -c "[ \$(stat -c %G '$SOCK') = nogroup ]"
check "a member of control_group (nobody:nogroup) may ask" \
	setpriv --reuid=nobody --regid=nogroup --clear-groups "${RS[@]}" status
check "events restart at 1: asked from 300, the target answers from the start" bash -c \
	"$OBS ask '$SOCK' 'events 300' | head -1 | grep -qx 'next 1'"
check "a login trickled past login_timeout (2 s) is dropped" timeout 30 \
	python3 "$(dirname "$0")/hostile.py" "$PORT" "$IQN_BASE:disk" slow-until-closed 15
check "  ... and counted as an admission refusal by reason login_timeout" test \
	"$($OBS metric "$METRICS" 'ringsan_admission_refusals_total{reason="login_timeout"}')" = 1
stop_target
check "SIGTERM: exit 0" test $? -eq 0
check "the socket is removed at a clean stop" test ! -e "$SOCK"
check "no crash and no sanitizer report in the target log" no_sanitizer_report "$TARGET_LOG"
finish
