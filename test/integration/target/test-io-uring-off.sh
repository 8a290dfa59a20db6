#!/usr/bin/env bash
# With io_uring disabled system-wide (sysctl kernel.io_uring_disabled=2), `ringsan serve` exits
# non-zero at once with one line that says so and how to allow it. The sysctl is changed for the
# shortest possible time (other programs on the machine may use io_uring) and always restored.
. "$(dirname "$0")/../lib.sh"
need sysctl timeout

KEY=kernel.io_uring_disabled
if ! OLD=$(sysctl -n "$KEY" 2>/dev/null); then
	echo "SKIPPED: this kernel has no $KEY sysctl (Linux 6.6 or later has it)"
	exit 77
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIPPED: changing $KEY needs root"
	exit 77
fi
if [ -e /proc/sys/kernel/io_uring_disabled ] && [ ! -w /proc/sys/kernel/io_uring_disabled ]; then
	echo "SKIPPED: $KEY is read-only here (a container?)"
	exit 77
fi
restore() {
	sysctl -q -w "$KEY=$OLD" >/dev/null 2>&1
	cleanup
}
trap restore EXIT
trap 'exit 130' INT TERM

"$RINGSAN" --data-dir "$DATA" lun create disk --size 16M >/dev/null || exit 1
PORT=$(free_port)
OUT=$WORK/serve.out
if ! sysctl -q -w "$KEY=2" >/dev/null 2>&1; then
	echo "SKIPPED: cannot set $KEY=2 here (a container without the right?)"
	exit 77
fi
timeout 10 "$RINGSAN" --data-dir "$DATA" serve --listen "127.0.0.1:$PORT" >"$OUT" 2>&1
rc=$?
sysctl -q -w "$KEY=$OLD" >/dev/null 2>&1
check "the sysctl is restored at once" test "$(sysctl -n "$KEY")" = "$OLD"

echo "    exit status $rc; output:"
sed 's/^/    | /' "$OUT"
check "serve exits non-zero with io_uring disabled (and does not hang)" \
	bash -c "[ $rc -ne 0 ] && [ $rc -ne 124 ]"
check "one line says io_uring is disabled" bash -c "[ \$(grep -ci 'io_uring.*disabled' '$OUT') -eq 1 ]"
check "  ... and how to allow it (the sysctl)" grep -q "kernel.io_uring_disabled" "$OUT"
check "it is the only error line" bash -c "[ \$(grep -cvE '^<[4-7]>' '$OUT') -eq 1 ]"
check "nothing was left listening" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null"
check "no pid file is left behind" test ! -e "$DATA/.ringsan.pid"
check "no crash and no sanitizer report" no_sanitizer_report "$OUT"
finish
