#!/usr/bin/env bash
# libiscsi's conformance suite (iscsi-test-cu) for the suites issue 3 names: zero failures.
# One check per suite. CUnit counts a skipped test as passed, so the [SKIPPED] lines are printed
# with the suite name, and the counts below separate them. A suite fails on a non-zero exit, a
# hang (timeout), or a failed test or assert in CUnit's run summary. A "[FAILED]" log line alone
# is not a failure: some tests (iSCSIDataSnInvalid) log the command they expect to fail that way;
# such lines are shown.
. "$(dirname "$0")/../lib.sh"
need iscsi-test-cu stdbuf timeout python3

A=iqn.1994-05.com.test:a
B=iqn.1994-05.com.test:b
# 1 GiB sparse: room for the tests that write near the end and for the large transfers.
"$RINGSAN" --data-dir "$DATA" lun create disk --size 1G >/dev/null || exit 1
# An ACL that admits both initiator names (the reservation tests log in as the second one).
cat >"$WORK/ringsan.ini" <<INI
[server]
base_iqn = $IQN_BASE
[lun disk]
allowed_initiators = $A, $B
INI
start_target -c "$WORK/ringsan.ini" || exit 1
U=$(url disk)

SUITES=${SUITES:-"SCSI.TestUnitReady SCSI.Inquiry SCSI.Mandatory SCSI.ReadCapacity10
SCSI.ReadCapacity16 SCSI.Read6 SCSI.Read10 SCSI.Read12 SCSI.Read16 SCSI.Write10 SCSI.Write12
SCSI.Write16 SCSI.Verify10 SCSI.Verify16 SCSI.ModeSense6 SCSI.ReportSupportedOpcodes
iSCSI.iSCSIcmdsn iSCSI.iSCSIdatasn iSCSI.iSCSIResiduals iSCSI.iSCSITMF"}

# summarize FILE SUITE: prints "tests T, passed P, failed F, skipped S" and the notable lines;
# exits non-zero when CUnit reports a failed test or assert, or when there is no summary.
summarize() {
	python3 - "$1" "$2" <<'PY'
import re, sys
path, suite = sys.argv[1], sys.argv[2]
out = open(path, errors="replace").read()
m_t = re.search(r"^\s+tests\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", out, re.M)
m_a = re.search(r"^\s+asserts\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", out, re.M)
if not m_t or not m_a:
    print("    %s: no CUnit run summary (crash or hang?)" % suite)
    sys.exit(1)
# Each test's text runs from "Test: NAME ..." to its verdict ("passed" or "FAILED").
tests = re.findall(r"Test: (\S+) \.\.\.(.*?)(?<!\[)(passed|FAILED)(?!\])", out, re.S)
skipped, failed = [], []
for name, body, verdict in tests:
    if verdict == "FAILED":
        failed.append(name)
    elif "[SKIPPED]" in body:
        reasons = sorted(set(re.findall(r"\[SKIPPED\] ([^\n]*)", body)))
        skipped.append((name, reasons))
total, failed_n = int(m_t.group(2)), int(m_t.group(4))
print("    %s: tests %d, passed %d, failed %d, skipped %d (asserts failed %s)" % (
    suite, total, total - failed_n - len(skipped), failed_n, len(skipped), m_a.group(4)))
for name, reasons in skipped:
    for r in reasons:
        print("    %s.%s [SKIPPED] %s" % (suite, name, r))
in_tests = "".join(body for _, body, _ in tests)
for r in sorted(set(re.findall(r"\[SKIPPED\] ([^\n]*)", out)) - set(re.findall(r"\[SKIPPED\] ([^\n]*)", in_tests))):
    print("    %s (set-up, not a test) [SKIPPED] %s" % (suite, r))
for name in failed:
    print("    %s.%s FAILED" % (suite, name))
for line in sorted(set(re.findall(r"\[FAILED\][^\n]*", out))):
    print("    %s: log line %s%s" % (suite, line, "" if failed_n else " (an expected failure: the test passed)"))
if failed_n:
    for line in re.findall(r"^\s+\d+\. .*$", out, re.M)[:20]:
        print("    %s:%s" % (suite, line))
sys.exit(1 if failed_n or int(m_a.group(4)) else 0)
PY
}

# run_suite SUITE: one iscsi-test-cu run, bounded; the multipath tests get the URL twice. If the
# target dies meanwhile, iscsi-test-cu (which would retry for ever) is stopped at once.
run_suite() {
	local suite=$1 out="$WORK/cu-$1.out" rc cu
	timeout 300 stdbuf -o0 iscsi-test-cu -i "$A" -I "$B" --dataloss -t "$suite" "$U" "$U" \
		>"$out" 2>&1 &
	cu=$!
	while kill -0 "$cu" 2>/dev/null; do
		if ! kill -0 "$TARGET_PID" 2>/dev/null; then
			kill "$cu" 2>/dev/null
			echo "    $suite: THE TARGET DIED during this suite"
			break
		fi
		sleep 0.2
	done
	wait "$cu"
	rc=$?
	summarize "$out" "$suite" >"$WORK/cu-$suite.sum"
	local sum=$?
	cat "$WORK/cu-$suite.sum"
	[ "$rc" -eq 124 ] && echo "    $suite: timed out after 300 s; last lines:" && tail -5 "$out"
	[ "$rc" -eq 0 ] && [ "$sum" -eq 0 ]
}

nsuites=0
failed_suites=()
for suite in $SUITES; do
	nsuites=$((nsuites + 1))
	if run_suite "$suite" >"$WORK/suite.out" 2>&1; then
		pass "iscsi-test-cu $suite"
	else
		fail "iscsi-test-cu $suite"
		failed_suites+=("$suite")
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
cat "$WORK"/cu-*.sum | sed -n 's/.*: tests \([0-9]*\), passed \([0-9]*\), failed \([0-9]*\), skipped \([0-9]*\).*/\1 \2 \3 \4/p' |
	awk '{t += $1; p += $2; f += $3; s += $4} END {
		printf "    all suites: tests %d, passed %d, failed %d, skipped %d\n", t, p, f, s }'
echo "    suites: $nsuites run, $((nsuites - ${#failed_suites[@]})) passed, ${#failed_suites[@]} failed ${failed_suites[*]}" \
	"(the tests of a suite that crashed the target are not in the counts above)"
stop_target
check "SIGTERM: exit 0" test $? -eq 0
check "no crash and no sanitizer report in the target log" no_sanitizer_report "$TARGET_LOG"
finish
