#!/bin/bash
# test.sh: the README's second command and CI's (.ci/run). Sets up, builds the dev and asan
# presets, runs ctest on both and clang-format over the tracked sources, and ends with one line
# "N passed, N failed[, N skipped]" summing everything. Exits non-zero on any failure.
# Extra arguments go to ctest (e.g. -L unit, -R integration_cli).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
bash scripts/setup.sh --asan || exit 1

passed=0
failed=0
skipped=0
run_ctest() { # run_ctest PRESET [ARGS...]: counts come from ctest's JUnit report
	local preset=$1 junit counts p f s
	shift
	junit=$(mktemp)
	echo "== ctest --preset $preset"
	ctest --preset "$preset" -j2 --output-on-failure --output-junit "$junit" "$@"
	counts=$(python3 scripts/junit-count "$junit")
	read -r p f s <<<"$(head -n 1 <<<"$counts")"
	if [ "$((f + s))" != 0 ]; then
		echo "-- $preset: what did not pass, with the reasons the tests gave:"
		tail -n +2 <<<"$counts" | sed 's/^/   /'
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	rm -f "$junit"
}
# dev runs everything but the lab's self-checks against tgt; asan leaves out the VM boots too
# (they are bound by QEMU's emulation, not by our code's memory safety, and cost minutes) and
# the tests labelled slow (the conformance set over Ceph RBD, bound by one OSD on a file; the
# same code runs under asan in integration_target_rbd).
run_ctest dev -LE lab "$@"
run_ctest asan -LE 'lab|vm|slow' "$@"

echo "== release build (-O2 finds warnings the debug builds do not)"
if cmake --preset release >/dev/null && cmake --build --preset release -j2 >"$(mktemp)" 2>&1; then
	passed=$((passed + 1))
else
	echo "FAILED: the release build (cmake --build --preset release) has errors"
	cmake --build --preset release -j2 2>&1 | grep -E "error|warning" | head -20
	failed=$((failed + 1))
fi

echo "== clang-format --dry-run --Werror (tracked *.c, *.h)"
files=$(git ls-files -- '*.c' '*.h' 2>/dev/null)
if [ -z "$files" ]; then
	files=$(find common target bootsvc test -name '*.[ch]')
fi
# shellcheck disable=SC2086
if clang-format --dry-run --Werror $files; then
	passed=$((passed + 1))
else
	echo "clang-format: the files above need formatting (clang-format -i FILE)"
	failed=$((failed + 1))
fi

if [ "$skipped" != 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ]
