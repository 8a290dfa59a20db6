#!/bin/bash
# test-hostile.sh: ringsan-boot under hostile clients while a good client boots (hostile.py:
# slowloris from one and from 30 addresses, TFTP RRQ floods with timeout=255 from one port and
# from 520 ports, log injection through TFTP, HTTP and DHCP). Passes when every probe of the good
# client (menu over HTTP, undionly.kpxe over TFTP, every second) succeeded within 2 s, the daemon
# logged what it refused (rate-limited), the injected lines reached the log escaped, descriptors
# returned to their start level, and the daemon exits cleanly with no sanitizer report.
# A second run checks the same with the open-file limit pinned low (256), where the daemon must
# shrink its caps to fit instead of failing accept() and render with EMFILE; a third lowers the
# limit under the running daemon, where connections without a request must give way; a fourth
# checks the 503 beyond http_max_active and the header deadline of a kept-alive connection.
# Loopback only (127.0.0.0/8). Bounded: under 1,000 TCP connections and about 60 s per run.
# Usage: test-hostile.sh PATH/TO/ringsan-boot   (HOSTILE_RUNS="defaults lowfd active emfile")
set -u

BIN=${1:?usage: test-hostile.sh PATH/TO/ringsan-boot}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=$(command -v /usr/bin/python3 || command -v python3 || true)
[ -n "$PY" ] || { echo "SKIPPED: python3 is not installed"; exit 77; }
[ -x "$BIN" ] || { echo "SKIPPED: $BIN not built"; exit 77; }
"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.1.1", 0))' 2>/dev/null ||
	{ echo "SKIPPED: cannot bind 127.0.1.1 (loopback is not 127.0.0.0/8 here)"; exit 77; }

passed=0
failed=0
TMP=$(mktemp -d /tmp/ringsan-boot-hostile.XXXXXX)
chmod 755 "$TMP"
PIDS=()
cleanup() {
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	[ "${KEEP_WORK:-0}" = 1 ] && echo "work dir kept: $TMP" || rm -rf "$TMP"
}
trap cleanup EXIT

check() { # check NAME COMMAND...
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		passed=$((passed + 1))
		echo "PASS $name: ${out##*$'\n'}"
	else
		failed=$((failed + 1))
		echo "FAIL $name: $out"
	fi
}

mkdir -p "$TMP/data/win11" "$TMP/tftp"
truncate -s 1G "$TMP/data/win11/disk.img"
printf 'uuid=00000000-0000-4000-8000-000000000001\nblock_size=512\ndescription=desk\n' \
	>"$TMP/data/win11/lun.meta"
head -c 80000 /dev/urandom >"$TMP/tftp/undionly.kpxe"
cat >"$TMP/boot.ini" <<EOF
[server]
log_level = debug

[boot]
tftp_stall_timeout = 10
EOF

start() { # start NAME [prefix command...]: sets PID_NOW, ports, LOG; CONFIG_EXTRA goes to [boot]
	local name=$1
	shift
	cp "$TMP/boot.ini" "$TMP/$name.ini"
	printf '%s\n' "${CONFIG_EXTRA:-}" >>"$TMP/$name.ini"
	local base=$((20000 + ($$ + RANDOM) % 12000)) # below the ephemeral range (32768-)
	HTTP=$base TFTP=$((base + 1)) DHCP=$((base + 2)) PXE=$((base + 3))
	LOG=$TMP/$name.log
	"$@" "$BIN" serve -c "$TMP/$name.ini" --data-dir "$TMP/data" --server-ip 127.0.0.1 \
		--http 127.0.0.1:$HTTP --tftp-root "$TMP/tftp" --tftp-port $TFTP --dhcp-port $DHCP \
		--pxe-port $PXE --dhcp proxy >"$LOG" 2>&1 &
	PID_NOW=$!
	PIDS+=("$PID_NOW")
	for _ in $(seq 100); do
		grep -q "serving" "$LOG" && return 0
		kill -0 "$PID_NOW" 2>/dev/null || break
		sleep 0.1
	done
	echo "daemon did not start:"
	cat "$LOG"
	return 1
}

logged() { # logged FILE PATTERN WHAT
	grep -q -a -E -- "$2" "$1" && echo "logged: $3" || { echo "not logged: $3"; return 1; }
}
no_forged_lines() { # the injections arrive escaped: no line starts with <3>FORGED, no raw ESC
	if grep -a -n '^<3>FORGED' "$1"; then
		echo "a peer forged a log line"
		return 1
	fi
	if grep -a -c $'\x1b' "$1" | grep -qv '^0$'; then
		echo "a raw escape byte reached the log"
		return 1
	fi
	local n
	n=$(grep -a -c 'FORGED' "$1")
	[ "$n" -ge 3 ] || { echo "only $n of the 3 injections were logged"; return 1; }
	echo "$n escaped injections, no forged line, no raw ESC"
}
no_sanitizer_report() {
	! grep -a -E 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|Segmentation fault' "$1"
}
fds_back() { # fds_back REPORT: descriptors at the end <= at the start
	"$PY" - "$1" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
print("descriptors %d -> %d, rss %d -> %d KiB" % (r["start_fds"], r["end_fds"],
      r["start_rss_kib"], r["end_rss_kib"]))
# ASan's quarantine keeps freed memory resident: allow 64 MiB of growth, not a leak per connection.
sys.exit(0 if r["end_fds"] <= r["start_fds"] and r["end_rss_kib"] - r["start_rss_kib"] < 65536 else 1)
EOF
}
held_bounded() { # held_bounded REPORT PHASE MAX: the daemon held at most MAX attack connections
	"$PY" - "$@" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
p = r["phases"][sys.argv[2]]
# Counted at the daemon (/proc/PID/fd above the start level); the good client's probe holds at
# most a connection, a TFTP socket and a file of its own at any moment.
held = p["fds_max"] - r["start_fds"] - 3
print("%s: daemon held at most %d attack connections of %d opened, %d seen open at the end" %
      (sys.argv[2], max(held, 0), p["opened"], p["held_end"]))
sys.exit(0 if held <= int(sys.argv[3]) and p["held_end"] == 0 else 1)
EOF
}

run() { # run NAME [prefix...]
	local name=$1
	shift
	start "$name" "$@" || { failed=$((failed + 1)); return; }
	local pid=$PID_NOW log=$LOG report=$TMP/$name.json
	check "$name: good client served during every attack" timeout 120 \
		"$PY" "$HERE/hostile.py" $HTTP $TFTP $DHCP "$pid" "$report" "$TMP/tftp/undionly.kpxe"
	[ -f "$report" ] && check "$name: descriptors and memory back afterwards" fds_back "$report"
	check "$name: slowloris from one address held its share only" \
		held_bounded "$report" slowloris-1src "$SHARE"
	check "$name: slowloris from 30 addresses held the pending budget only" \
		held_bounded "$report" slowloris-30src "$BUDGET"
	check "$name: displacement logged" logged "$log" \
		"closed [0-9.]+'s oldest connection without a request" "oldest pending closed"
	check "$name: header deadline logged" logged "$log" "no whole request header within" \
		"header timeout"
	check "$name: TFTP per-client limit logged" logged "$log" \
		"refused a request from 127.0.1.61:[0-9]+: 8 transfers" "tftp_max_per_client"
	check "$name: admission logs are rate-limited" logged "$log" "more like it in the last second" \
		"held-back count"
	check "$name: injections escaped in the log" no_forged_lines "$log"
	check "$name: no crash, no sanitizer report" no_sanitizer_report "$log"
	kill -TERM "$pid"
	if wait "$pid"; then
		passed=$((passed + 1))
		echo "PASS $name: SIGTERM exits cleanly"
	else
		failed=$((failed + 1))
		echo "FAIL $name: SIGTERM exit status $?"
	fi
	PIDS=("${PIDS[@]/$pid/}")
}

RUNS=" ${HOSTILE_RUNS:-defaults lowfd active emfile} "
SHARE=16 BUDGET=128
[[ $RUNS != *" defaults "* ]] || run defaults

# Pinned to 256 descriptors (and no CAP_SYS_RESOURCE to raise it): the caps must shrink to fit.
if [[ $RUNS != *" lowfd "* ]]; then
	:
elif [ "$(id -u)" = 0 ] && command -v prlimit >/dev/null && command -v setpriv >/dev/null; then
	SHARE=14 BUDGET=14 # 256 descriptors: 14 pending connections (see the log line below)
	run lowfd prlimit --nofile=256:256 setpriv --bounding-set=-sys_resource --
	check "lowfd: caps shrunk to the descriptor limit, said so" logged "$TMP/lowfd.log" \
		"open-file limit 256 .* caps shrunk" "caps shrunk"
	check "lowfd: no EMFILE anywhere" bash -c "! grep -a -i 'too many open files' '$TMP/lowfd.log'"
else
	echo "SKIP lowfd: needs root, prlimit and setpriv (util-linux)"
fi

# The active budget and the header deadline of a kept-alive connection's next request.
if [[ $RUNS == *" active "* ]]; then
	if CONFIG_EXTRA=$'http_max_active = 1\nhttp_header_timeout = 2' start active; then
		pid=$PID_NOW
		check "active: 503 beyond http_max_active; next-request header deadline" timeout 30 \
			"$PY" "$HERE/hostile.py" active $HTTP
		check "active: the 503 was logged" logged "$LOG" "answered 503 to" "503"
		kill -TERM "$pid"
		if wait "$pid"; then
			passed=$((passed + 1))
			echo "PASS active: SIGTERM exits cleanly"
		else
			failed=$((failed + 1))
			echo "FAIL active: SIGTERM exit status $?"
		fi
		PIDS=("${PIDS[@]/$pid/}")
	else
		failed=$((failed + 1))
	fi
fi

# At the descriptor limit after all (lowered under the running daemon, whose caps no longer
# fit): accept() fails with EMFILE; connections without a request give way, the listener does
# not spin, and the good client is still served (menu and TFTP).
if [[ $RUNS != *" emfile "* ]]; then
	:
elif [ "$(id -u)" = 0 ] && command -v prlimit >/dev/null; then
	# It keeps root (user = root), so that this test may lower its limit with prlimit --pid
	# without CAP_SYS_RESOURCE (same user).
	if CONFIG_EXTRA="user = root" start emfile; then
		pid=$PID_NOW
		fds=$(ls /proc/$pid/fd | wc -l)
		prlimit --pid "$pid" --nofile=$((fds + 6)):$((fds + 6))
		check "emfile: good client served at the limit, no spinning" timeout 60 \
			"$PY" "$HERE/hostile.py" emfile $HTTP $TFTP "$pid" "$TMP/tftp/undionly.kpxe"
		check "emfile: logged what gave way" logged "$LOG" "out of descriptors .*oldest connection" \
			"released pending connections"
		check "emfile: no crash, no sanitizer report" no_sanitizer_report "$LOG"
		kill -TERM "$pid"
		if wait "$pid"; then
			passed=$((passed + 1))
			echo "PASS emfile: SIGTERM exits cleanly"
		else
			failed=$((failed + 1))
			echo "FAIL emfile: SIGTERM exit status $?"
		fi
		PIDS=("${PIDS[@]/$pid/}")
	else
		failed=$((failed + 1))
	fi
else
	echo "SKIP emfile: needs root and prlimit (util-linux)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
