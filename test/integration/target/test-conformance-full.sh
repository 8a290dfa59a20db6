#!/usr/bin/env bash
# The whole SCSI command set: EVERY suite of the SCSI and iSCSI families of libiscsi's iscsi-test-cu
# against `ringsan serve` on loopback, with --dataloss and --allow-sanitize, two initiator names
# (the reservation tests log in as the second) and the URL given twice (MultipathIO). One check
# per suite: it fails on a CUnit failure (test or assert), a crash, a missing run summary or a
# timeout. CUnit counts a skipped test as passed; the "[SKIPPED]" lines tell the truth, so they
# are counted and their reasons kept.
#
# Environment:
#   CONFORMANCE_OUT  write one JSON object per suite there (JSON Lines): {"suite", "tests",
#                    "passed", "failed", "skipped", "skip_reasons": [...], "status":
#                    "ok"|"failed"|"timeout"|"crash", "seconds"}; scripts/conformance-table turns
#                    it into the README's Markdown table.
#   SUITES           a space-separated subset (default: every SCSI.* and iSCSI.* suite listed by
#                    `iscsi-test-cu --list`).
#   SUITE_TIMEOUT    seconds per suite (default 300).
#   CONFORMANCE_CACHE=direct  every LUN under test has `cache = direct` (O_DIRECT); run it on a
#                    disk file system (RINGSAN_TEST_TMPDIR, see lib.sh).
#   CONFORMANCE_OVERLAY=1  every LUN under test (disk, ro, san, disk512e) is an overlay of an
#                    image instead of a plain LUN; the images hold data (the first 64 MiB, and
#                    san's 512 MiB), so blocks never written read through from the base.
#   CONFORMANCE_BACKEND=nbdkit|qemu-nbd|rbd  every LUN under test lives on an NBD export of its
#                    own (`lun create --backend nbd:...`), served on a Unix socket by `nbdkit
#                    memory` or by `qemu-nbd` over a qcow2 file; or on an RBD image of its own in
#                    a single-node Ceph cluster started for the run (../ceph.sh).
. "$(dirname "$0")/../lib.sh"
need iscsi-test-cu stdbuf timeout python3

A=iqn.1994-05.com.test:a
B=iqn.1994-05.com.test:b
SUITE_TIMEOUT=${SUITE_TIMEOUT:-300}
OUT=${CONFORMANCE_OUT:-$WORK/conformance.jsonl}
: >"$OUT" || exit 1

# 1 GiB sparse: room for the tests that write near the end and for the large transfers.
# SCSI.ReadOnly runs against a second, write-protected LUN (the suite checks the WP bit).
# SCSI.Sanitize.Reset runs against a third (see OWN_LUN below).
need qemu-io
# create_lun NAME SIZE [PREFILL]: a plain LUN, or with CONFORMANCE_OVERLAY=1 an overlay of the
# image NAME-img; PREFILL bytes of 0x5a are written first (into the image for an overlay).
# start_nbd NAME SIZE: an NBD export for LUN NAME on $WORK/NAME.sock (CONFORMANCE_BACKEND).
start_nbd() {
	local sock=$WORK/$1.sock
	case "$CONFORMANCE_BACKEND" in
	nbdkit) nbdkit -f -U "$sock" memory "$2" >>"$WORK/nbd.log" 2>&1 & ;;
	qemu-nbd)
		qemu-img create -q -f qcow2 "$WORK/$1.qcow2" "$2" || return 1
		qemu-nbd -f qcow2 -k "$sock" --persistent --shared=8 --discard=unmap \
			"$WORK/$1.qcow2" >>"$WORK/nbd.log" 2>&1 &
		;;
	*) echo "CONFORMANCE_BACKEND=$CONFORMANCE_BACKEND: nbdkit or qemu-nbd"; return 1 ;;
	esac
	PIDS+=($!)
	wait_for 10 test -S "$sock"
}
SERVER_EXTRA=""
if [ "${CONFORMANCE_BACKEND:-}" = rbd ]; then
	. "$(dirname "$0")/../ceph.sh"
	if ! ceph_start "$WORK/ceph"; then
		echo "the Ceph cluster did not start:"
		tail -20 "$WORK/ceph/start.log"
		exit 1
	fi
	SERVER_EXTRA="ceph_conf = $CEPH_CONF
ceph_keyring = $CEPH_KEYRING"
	printf '[server]\n%s\n' "$SERVER_EXTRA" >"$WORK/ceph.ini"
fi
create_lun() {
	local name=$1 size=$2 fill=${3:-0} lun=$1
	if [ "${CONFORMANCE_BACKEND:-}" = rbd ]; then
		"$RINGSAN" -c "$WORK/ceph.ini" --data-dir "$DATA" lun create "$name" --size "$size" \
			--backend "rbd:rbd/$name" >/dev/null || return 1
		if [ "$fill" != 0 ]; then
			qemu-io -f raw -c "write -P 0x5a 0 $fill" \
				"rbd:rbd/$name:conf=$CEPH_CONF:keyring=$CEPH_KEYRING" >/dev/null || return 1
		fi
		return 0
	fi
	if [ -n "${CONFORMANCE_BACKEND:-}" ]; then
		start_nbd "$name" "$size" || return 1
		"$RINGSAN" --data-dir "$DATA" lun create "$name" \
			--backend "nbd+unix:///?socket=$WORK/$name.sock" >/dev/null || return 1
		if [ "$fill" != 0 ]; then
			qemu-io -f raw -c "write -P 0x5a 0 $fill" \
				"nbd+unix:///?socket=$WORK/$name.sock" >/dev/null || return 1
		fi
		return 0
	fi
	[ "${CONFORMANCE_OVERLAY:-0}" = 1 ] && lun=$1-img
	"$RINGSAN" --data-dir "$DATA" lun create "$lun" --size "$size" >/dev/null || return 1
	if [ "$fill" != 0 ]; then
		qemu-io -f raw -c "write -P 0x5a 0 $fill" "$DATA/$lun/disk.img" >/dev/null || return 1
	fi
	if [ "$lun" != "$name" ]; then
		"$RINGSAN" --data-dir "$DATA" lun create "$name" --base "$lun" >/dev/null || return 1
	fi
}
OVERLAY_FILL=0
[ "${CONFORMANCE_OVERLAY:-0}" = 1 ] && OVERLAY_FILL=64M
create_lun disk 1G "$OVERLAY_FILL" || exit 1
create_lun ro 64M "$OVERLAY_FILL" || exit 1
create_lun san 2G 512M || exit 1
cat >"$WORK/ringsan.ini" <<INI
[server]
base_iqn = $IQN_BASE
$SERVER_EXTRA
[lun disk]
allowed_initiators = $A, $B
sanitize_rate = 0
[lun ro]
allowed_initiators = $A, $B
read_only = yes
[lun san]
allowed_initiators = $A, $B
sanitize_rate = 64M
INI
if [ -n "${CONFORMANCE_CACHE:-}" ]; then # each [lun] section gets the cache mode
	sed -i "/^\[lun /a cache = $CONFORMANCE_CACHE" "$WORK/ringsan.ini"
fi
start_target -c "$WORK/ringsan.ini" || exit 1
U=$(url disk)
if [ "${CONFORMANCE_CACHE:-}" = direct ]; then
	for l in disk ro san; do
		check "LUN $l is served with O_DIRECT" \
			grep -q "serving LUN $l .*cache = direct (O_DIRECT)" "$TARGET_LOG"
	done
fi

if [ -z "${SUITES:-}" ]; then
	SUITES=$(iscsi-test-cu --list | grep -E '^(SCSI|iSCSI)\.[A-Za-z0-9]+$' | tr '\n' ' ')
fi
[ -n "$SUITES" ] || {
	echo "SKIPPED: iscsi-test-cu --list names no SCSI or iSCSI suite"
	exit 77
}

# Tests that run against a LUN of their own, each for a reason. A suite that holds one runs
# test by test without it, and the test runs on its own against that LUN (URL given twice).
# - SCSI.Sanitize.Reset checks that a SANITIZE OVERWRITE is still running after a 3 s sleep,
#   ABORT TASK, ABORT TASK SET, LUN, warm and cold resets and a new login (5 s or more), then
#   waits for its end with sleeps of 60 s. On a LUN with 512 MiB of data written at
#   sanitize_rate = 64M the overwrite takes 8 s; on `disk` it could end before the check.
declare -A OWN_LUN=(
	[SCSI.Sanitize.Reset]=san
)
expanded=""
for suite in $SUITES; do
	own=""
	for g in "${!OWN_LUN[@]}"; do
		[[ $g == "$suite".* ]] && own+="$g "
	done
	if [ -z "$own" ]; then
		expanded+="$suite "
		continue
	fi
	for t in $(iscsi-test-cu --list | grep -E "^${suite//./\.}\.[A-Za-z0-9]+$"); do
		expanded+="$t "
	done
done
SUITES=$expanded

# summarize LOG SUITE STATUS SECONDS: appends the suite's JSON line to $OUT, prints a summary
# and the skip reasons; exits non-zero on any failure or a missing run summary.
summarize() {
	python3 - "$@" "$OUT" <<'PY'
import json, re, sys
path, suite, status, secs, outp = sys.argv[1:6]
out = open(path, errors="replace").read()
m_t = re.search(r"^\s+tests\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", out, re.M)
m_a = re.search(r"^\s+asserts\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", out, re.M)
# Each test's text runs from "Test: NAME ..." to its verdict ("passed" or "FAILED").
tests = re.findall(r"Test: (\S+) \.\.\.(.*?)(?<!\[)(passed|FAILED)(?!\])", out, re.S)
skipped, failed, reasons = [], [], set()
for name, body, verdict in tests:
    if verdict == "FAILED":
        failed.append(name)
    elif "[SKIPPED]" in body:
        skipped.append(name)
        reasons.update(r.strip() for r in re.findall(r"\[SKIPPED\] ([^\n]*)", body))
in_tests = "".join(body for _, body, _ in tests)
setup = set(re.findall(r"\[SKIPPED\] ([^\n]*)", out)) - set(re.findall(r"\[SKIPPED\] ([^\n]*)", in_tests))
reasons.update("(suite set-up) " + r.strip() for r in setup)
if m_t:
    total, failed_n = int(m_t.group(2)), int(m_t.group(4))
    afail = int(m_a.group(4)) if m_a else 0
else:
    total, failed_n, afail = len(tests), max(len(failed), 1), 0
    if status == "ok":
        status = "crash"
if status == "ok" and (failed_n or afail):
    status = "failed"
rec = {"suite": suite, "tests": total, "passed": total - failed_n - len(skipped),
       "failed": failed_n, "skipped": len(skipped), "skip_reasons": sorted(reasons),
       "skipped_tests": skipped, "failed_tests": failed, "status": status,
       "seconds": int(secs)}
with open(outp, "a") as f:
    f.write(json.dumps(rec) + "\n")
print("    %s: %s, tests %d, passed %d, failed %d, skipped %d (%s s)" % (
    suite, status, total, rec["passed"], failed_n, len(skipped), secs))
for r in sorted(reasons):
    print("    %s [SKIPPED] %s" % (suite, r))
for name in failed:
    print("    %s.%s FAILED" % (suite, name))
if failed_n:
    for line in re.findall(r"^\s+\d+\. .*$", out, re.M)[:20]:
        print("    %s:%s" % (suite, line))
sys.exit(0 if status == "ok" else 1)
PY
}

# run_suite SUITE [LABEL]: one bounded iscsi-test-cu run against $U, recorded as LABEL (default
# SUITE). If the target dies meanwhile, iscsi-test-cu (which would retry for ever) is stopped.
run_suite() {
	local suite=$1 label=${2:-$1} rc cu status=ok start=$SECONDS u=$U
	local log="$WORK/cu-$label.out"
	[ "$suite" = SCSI.ReadOnly ] && u=$(url ro)
	[ -n "${OWN_LUN[$suite]:-}" ] && u=$(url "${OWN_LUN[$suite]}")
	timeout "$SUITE_TIMEOUT" stdbuf -o0 iscsi-test-cu -i "$A" -I "$B" --dataloss \
		--allow-sanitize -t "$suite" "$u" "$u" >"$log" 2>&1 &
	cu=$!
	while kill -0 "$cu" 2>/dev/null; do
		if ! kill -0 "$TARGET_PID" 2>/dev/null; then
			kill "$cu" 2>/dev/null
			status=crash
			echo "    $suite: THE TARGET DIED during this suite"
			break
		fi
		sleep 0.2
	done
	wait "$cu"
	rc=$?
	if [ "$rc" -eq 124 ]; then
		status=timeout
		echo "    $suite: timed out after $SUITE_TIMEOUT s; last lines:"
		tail -5 "$log" | sed 's/^/    /'
	elif [ "$status" = ok ] && [ "$rc" -gt 128 ]; then
		status=crash
	fi
	summarize "$log" "$label" "$status" $((SECONDS - start))
}

RUN_START=$SECONDS
for suite in $SUITES; do
	if run_suite "$suite" >"$WORK/suite.out" 2>&1; then
		pass "iscsi-test-cu $suite"
	else
		fail "iscsi-test-cu $suite"
	fi
	cat "$WORK/suite.out"
	if ! kill -0 "$TARGET_PID" 2>/dev/null; then
		wait "$TARGET_PID"
		fail "the target survives $suite (it died with exit status $?)"
		grep -v 'logged in\|logged out' "$TARGET_LOG" | tail -5 | sed 's/^/    log: /'
		echo "    restarting the target for the remaining suites"
		start_target -c "$WORK/ringsan.ini" || exit 1
		U=$(url disk)
	fi
done

# ---------------------------------------------------------------------------------------------
# 512e: a second LUN with 512-byte logical and 4096-byte physical blocks ([lun] physical_block_size
# = 4096, so READ CAPACITY(16) says LBPPBE 3). The suites that hold libiscsi's "LBPPB < 2" tests
# (CHECK_FOR_LBPPB_GT_1: CompareAndWrite.InvalidDataOutSize, WriteSame10/16.InvalidDataOutSize
# and .UnmapUnaligned) run again against it, where those tests run instead of skipping, with the
# suites that read or depend on the geometry (ReadCapacity16, Inquiry's block limits, Unmap).
# Each is recorded as "SUITE (512e LUN)". The LUN is created while the target runs: the reload
# that follows serves it with its [lun] section. SCSI.GetLBAStatus is not run here: its
# UnmapSingle expects a descriptor at i + LBPPB when asked at i + 1, which contradicts SBC-4 5.8
# when LBPPB > 1 (see sbc_read_capacity16() in target/scsi/sbc.c).
SUITES_512E="SCSI.CompareAndWrite SCSI.WriteSame10 SCSI.WriteSame16 SCSI.ReadCapacity16"
SUITES_512E+=" SCSI.Inquiry SCSI.Unmap"
run_512e=""
for suite in $SUITES_512E; do
	[[ " $SUITES " == *" $suite "* ]] && run_512e+="$suite "
done
if [ -n "$run_512e" ]; then
	cat >>"$WORK/ringsan.ini" <<INI
[lun disk512e]
allowed_initiators = $A, $B
physical_block_size = 4096
${CONFORMANCE_CACHE:+cache = $CONFORMANCE_CACHE}
INI
	create_lun disk512e 1G "$OVERLAY_FILL" || exit 1
	kill -HUP "$TARGET_PID"
	for _ in $(seq 1 100); do
		grep -q "serving LUN disk512e" "$TARGET_LOG" && break
		sleep 0.1
	done
	check "512e: the new LUN is served with 4096-byte physical blocks" \
		grep -q "serving LUN disk512e .*512-byte blocks, 4096-byte physical" "$TARGET_LOG"
	U512=$(url disk512e)
	check "512e: READ CAPACITY(16) reports 8 logical blocks per physical block" \
		bash -c "iscsi-readcapacity16 -i '$A' '$U512' | grep -q 'PER PHYSICAL BLOCK EXPONENT: *3'"
	for suite in $run_512e; do
		if U=$U512 run_suite "$suite" "$suite (512e LUN)" >"$WORK/suite.out" 2>&1; then
			pass "iscsi-test-cu $suite (512e LUN)"
		else
			fail "iscsi-test-cu $suite (512e LUN)"
		fi
		cat "$WORK/suite.out"
		kill -0 "$TARGET_PID" 2>/dev/null || break
	done
	check "512e: no test skipped for LBPPB < 2" \
		python3 -c 'import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if "(512e LUN)" in l]
bad = [r["suite"] for r in rows if any("LBPPB" in x for x in r["skip_reasons"])]
sys.exit(1 if bad or not rows else 0)' "$OUT"
fi

python3 - "$OUT" $((SECONDS - RUN_START)) <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
t = {k: sum(r[k] for r in rows) for k in ("tests", "passed", "failed", "skipped")}
n = len({r["suite"].split(" (")[0] for r in rows})
print("    all %d suites%s: tests %d, passed %d, failed %d, skipped %d in %s s" % (
    n, "" if n == len(rows) else " (%d runs)" % len(rows), t["tests"], t["passed"],
    t["failed"], t["skipped"], sys.argv[2]))
PY
stop_target
check "SIGTERM: exit 0" test $? -eq 0
check "no crash and no sanitizer report in the target log" no_sanitizer_report "$TARGET_LOG"
finish
