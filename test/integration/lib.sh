# lib.sh: shared helpers for the integration tests (bash). Source it, then:
#   need TOOL...            skip (exit 77) with a reason when a tool is missing
#   check "what" CMD...     run CMD, count a pass or a failure
#   start_target [ARGS]     start `ringsan serve` on a free loopback port with $DATA as data dir
#   finish                  print "N passed, N failed" and exit accordingly
#   rs ARGS / expect_fail   run the `ringsan` CLI on $DATA; check a failure changes nothing
# Every process a test starts is stopped by PID on exit; nothing but loopback is ever touched.
# The work dir is made under $RINGSAN_TEST_TMPDIR (default /tmp): a test that needs a file system
# on a disk (not tmpfs) sets it before sourcing this file.
set -uo pipefail

: "${RINGSAN:?RINGSAN must point at the ringsan binary}"
PASSED=0
FAILED=0
PIDS=()
WORK=$(mktemp -d "${RINGSAN_TEST_TMPDIR:-/tmp}/ringsan-test.XXXXXX")
DATA=$WORK/data
IQN_BASE=iqn.2026-11.org.ringsan

# ours PID: PID is still a child of this shell. A child a test already waited for is gone, and its
# number may since belong to someone else's process, which must not be signalled.
ours() {
	local stat ppid
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	read -r _ ppid _ <<<"$stat"
	[ "$ppid" = "$$" ]
}

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		ours "$pid" && kill "$pid" 2>/dev/null
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	if [ "${KEEP_WORK:-0}" = 1 ]; then
		echo "work dir kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT

need() {
	local t
	for t in "$@"; do
		if ! command -v "$t" >/dev/null 2>&1; then
			echo "SKIPPED: $t is not installed (scripts/setup.sh installs it)"
			exit 77
		fi
	done
}

pass() {
	PASSED=$((PASSED + 1))
	echo "ok: $1"
}

fail() {
	FAILED=$((FAILED + 1))
	echo "FAILED: $1"
}

# check "description" command args...: passes when the command exits 0.
check() {
	local what=$1
	shift
	if "$@" >"$WORK/last.out" 2>&1; then
		pass "$what"
	else
		fail "$what (exit $?)"
		sed 's/^/    /' "$WORK/last.out" | tail -20
	fi
}

# check_fails "description" command args...: passes when the command exits non-zero.
check_fails() {
	local what=$1
	shift
	if "$@" >"$WORK/last.out" 2>&1; then
		fail "$what (it succeeded)"
	else
		pass "$what"
	fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_target [extra serve args]: sets PORT, TARGET_PID, TARGET_LOG, PORTAL.
start_target() {
	PORT=$(free_port)
	PORTAL=127.0.0.1:$PORT
	TARGET_LOG=$WORK/target.log
	"$RINGSAN" --data-dir "$DATA" serve --listen "$PORTAL" "$@" >>"$TARGET_LOG" 2>&1 &
	TARGET_PID=$!
	PIDS+=("$TARGET_PID")
	local i
	for i in $(seq 1 100); do
		if grep -q "serving" "$TARGET_LOG" 2>/dev/null && \
			python3 -c "import socket; socket.create_connection(('127.0.0.1',$PORT),1)" 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$TARGET_PID" 2>/dev/null; then
			echo "the target did not start:"
			cat "$TARGET_LOG"
			return 1
		fi
		sleep 0.1
	done
	echo "the target did not start listening in 10 s"
	return 1
}

stop_target() {
	kill -TERM "$TARGET_PID" 2>/dev/null
	wait "$TARGET_PID"
}

url() { # url LUN_NAME -> iscsi URL of its LUN 0
	echo "iscsi://$PORTAL/$IQN_BASE:$1/0"
}

finish() {
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
	exit $?
}

# no_sanitizer_report FILE: passes when FILE (a target log) holds no ASan/UBSan/LSan report and no
# sign of a crash.
no_sanitizer_report() {
	! grep -E 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|SUMMARY: |Segmentation fault|core dumped' "$1"
}

# wait_for SECONDS CMD...: runs CMD every 0.1 s until it succeeds (0) or SECONDS pass (1).
wait_for() {
	local end=$((SECONDS + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.1
	done
	return 0
}

# --- the `ringsan` CLI on files (test/integration/cli) ---

# rs ARGS...: runs `ringsan --data-dir ${DD:-$DATA} ARGS`; stdout in $WORK/out, stderr in
# $WORK/err, the exit code from rc.
rs() {
	"$RINGSAN" --data-dir "${DD:-$DATA}" "$@" >"$WORK/out" 2>"$WORK/err"
	echo $? >"$WORK/rc"
}
rc() { cat "$WORK/rc"; }

# expect_fail CODE PATTERN ARGS...: `rs ARGS` exits CODE and says PATTERN on stderr (for 1: in
# one line that starts with "ringsan: "), and the test's own `state` function (what a failed
# command must not change) prints the same before and after.
expect_fail() {
	local code=$1 pattern=$2
	shift 2
	local before after
	before=$(state)
	rs "$@"
	after=$(state)
	if [ "$(rc)" != "$code" ]; then
		fail "ringsan $*: exit $(rc), expected $code ($(head -c 300 "$WORK/err"))"
	elif ! grep -q -- "$pattern" "$WORK/err"; then
		fail "ringsan $*: stderr lacks '$pattern': $(cat "$WORK/err")"
	elif [ "$code" = 1 ] && { [ "$(wc -l <"$WORK/err")" != 1 ] || ! grep -q '^ringsan: ' "$WORK/err"; }; then
		fail "ringsan $*: not one 'ringsan: ' line: $(cat "$WORK/err")"
	elif [ "$before" != "$after" ]; then
		fail "ringsan $*: files changed: $(diff <(echo "$before") <(echo "$after") | head -5)"
	else
		pass "ringsan $* fails with '$pattern'"
	fi
}

# hold_lock FILE MODE: an OFD lock (shared or exclusive) on FILE held by another process, as the
# daemon holds its LUNs' files ($OFDLOCK, test/integration/cli/ofdlock.c); release_lock drops it.
LOCKER=
hold_lock() {
	rm -f "$WORK/ready"
	"$OFDLOCK" "$1" "$2" "$WORK/ready" &
	LOCKER=$!
	PIDS+=("$LOCKER")
	wait_for 5 test -e "$WORK/ready" || fail "could not take a lock on $1"
}
release_lock() {
	local pid keep=()
	kill "$LOCKER"
	wait "$LOCKER" 2>/dev/null
	for pid in "${PIDS[@]}"; do
		[ "$pid" != "$LOCKER" ] && keep+=("$pid")
	done
	PIDS=("${keep[@]}")
	LOCKER=
}
