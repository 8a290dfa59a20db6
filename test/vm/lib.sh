# shellcheck shell=bash
# Helpers shared by the QEMU lab scripts in test/vm/. Sourced, never run.
#
# The disk layout constants live here because two sides must agree on them: make-disk.sh (which
# bakes the pattern offset into the guest's kernel command line) and the host-side checks (which
# look for the pattern in the LUN's backing file).

# shellcheck disable=SC2034 # constants for the scripts that source this file
VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$VM_DIR/../.." && pwd)
# Downloads (kernel and loader .debs) are kept here so repeated runs do not fetch them again.
: "${RINGSAN_VM_CACHE:=$REPO_DIR/build/vm-cache}"

# Disk layout, in MiB: partition 1 is the FAT boot partition (syslinux for BIOS, systemd-boot for
# UEFI), partition 2 (type 0xda, "non-FS data") is where the guest writes the test pattern, so
# the write can never damage the boot files.
VM_FAT_START_MIB=1
VM_FAT_MIB=32
VM_DATA_START_MIB=$((VM_FAT_START_MIB + VM_FAT_MIB))
VM_PATTERN_MIB=1
VM_MIN_DISK_MIB=$((VM_DATA_START_MIB + 8))

# Markers the guest prints on its serial console (see initramfs-init.sh).
VM_MARK_BOOT=RINGSAN-BOOT-OK
VM_MARK_WRITE=RINGSAN-WRITE-OK
VM_MARK_FAIL=RINGSAN-WRITE-FAIL
VM_MARK_IPXE_FAIL=RINGSAN-IPXE-FAIL

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# skip REASON: exit 77, which ctest (SKIP_RETURN_CODE 77) shows as skipped, not passed.
skip() {
	log "SKIP: $*"
	exit 77
}

# missing_cmds CMD...: prints the commands (or absolute paths) that are not available.
missing_cmds() {
	local c
	for c in "$@"; do
		if [[ $c == /* ]]; then
			[[ -e $c ]] || printf '%s ' "$c"
		else
			command -v "$c" >/dev/null 2>&1 || printf '%s ' "$c"
		fi
	done
}

# now: wall-clock seconds with microseconds, for measuring boot times.
now() { printf '%s' "$EPOCHREALTIME"; }

# elapsed START [END]: seconds between two now() values, one decimal.
elapsed() {
	local end=${2:-$(now)}
	awk -v a="$1" -v b="$end" 'BEGIN { printf "%.1f", b - a }'
}

# wait_for SECONDS CMD...: polls CMD every 0.2 s until it succeeds; fails when time runs out.
wait_for() {
	local deadline=$(($(date +%s) + $1))
	shift
	until "$@"; do
		(($(date +%s) < deadline)) || return 1
		sleep 0.2
	done
}

# free_port t|u: a TCP (t) or UDP (u) port nobody listens on, from a random start so that
# parallel test runs rarely race for the same one. (ss's output is captured, not piped to
# grep -q: under pipefail an early grep exit would make a busy port look free.)
free_port() {
	local proto=$1 port tries
	for ((tries = 0; tries < 50; tries++)); do
		port=$((20000 + RANDOM % 12000)) # below the ephemeral range (32768-)
		if [[ -z $(ss -H"$proto"ln "sport = :$port") ]]; then
			printf '%s\n' "$port"
			return 0
		fi
	done
	log "no free $([[ $proto == t ]] && echo TCP || echo UDP) port found"
	return 1
}

# free_tcp_port ADDR / free_udp_port: see free_port (the address is only named in the message).
free_tcp_port() { free_port t; }
free_udp_port() { free_port u; }

# make_pattern FILE: the 1 MiB the guest writes. Every 512-byte sector is 16 lines of
# "RINGSAN-PATTERN sector NNNNNNNN\n" (32 bytes each), so a misplaced or torn write shows which
# sector ended up where.
make_pattern() {
	awk -v sectors=$((VM_PATTERN_MIB * 2048)) 'BEGIN {
		for (s = 0; s < sectors; s++)
			for (r = 0; r < 16; r++)
				printf "RINGSAN-PATTERN sector %08d\n", s
	}' >"$1"
}

# pattern_in_file FILE: true when FILE holds the pattern at the data partition's offset.
pattern_in_file() {
	local file=$1 expect
	expect=$(mktemp)
	make_pattern "$expect"
	if cmp -s -n $((VM_PATTERN_MIB << 20)) -i "$((VM_DATA_START_MIB << 20)):0" "$file" "$expect"; then
		rm -f "$expect"
		return 0
	fi
	rm -f "$expect"
	return 1
}

# clear_pattern FILE: zero the pattern's place, so the next boot has to write it again.
clear_pattern() {
	dd if=/dev/zero of="$1" bs=1M seek="$VM_DATA_START_MIB" count="$VM_PATTERN_MIB" \
		conv=notrunc,fsync status=none
}

# report_get FILE KEY: one value from a --report file of boot-bios.sh / boot-pxe.sh.
report_get() { awk -F= -v k="$2" '$1 == k { v = $2 } END { print (v == "" ? "-" : v) }' "$1"; }

# report_times FILE: the boot phases in one line.
report_times() {
	local r=$1
	echo "syslinux $(report_get "$r" loader_s) s, kernel $(report_get "$r" kernel_s) s," \
		"$VM_MARK_BOOT $(report_get "$r" boot_s) s, $VM_MARK_WRITE $(report_get "$r" write_s) s," \
		"VM exited $(report_get "$r" total_s) s"
}

# --- services a test runs in its namespace NS (stopped by their PIDs only) ---------------------

PIDS=()

# in_ns_bg LOG CMD...: start CMD in namespace NS in the background (ip netns exec execs it, so $!
# is CMD's own PID), output appended to LOG; sets BG_PID and adds it to PIDS.
in_ns_bg() {
	local log=$1
	shift
	ip netns exec "$NS" "$@" </dev/null >>"$log" 2>&1 &
	BG_PID=$!
	PIDS+=("$BG_PID")
}

# stop_pid PID: stop one process this test started (TERM, then KILL after 5 s).
stop_pid() {
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || {
		wait "$pid" 2>/dev/null || true
		return 0
	}
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 25; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# ns_down: stop everything in PIDS and remove namespace NS.
ns_down() {
	local pid
	for pid in "${PIDS[@]}"; do
		stop_pid "$pid"
	done
	PIDS=()
	[[ -z ${NS:-} ]] || "$VM_DIR/netns.sh" down "$NS" >/dev/null 2>&1 || true
}

# ns_cleanup: ns_down, then remove the work directory WORK (an EXIT trap).
ns_cleanup() {
	ns_down
	[[ -z ${WORK:-} ]] || rm -rf "$WORK"
}

# udp_bound PORT / tcp_bound PORT: something in namespace NS listens there.
udp_bound() { ip netns exec "$NS" ss -Hlun "sport = :$1" | grep -q .; }
tcp_bound() { ip netns exec "$NS" ss -Hltn "sport = :$1" | grep -q .; }

# --- watching a VM run (boot-bios.sh, boot-pxe.sh) ----------------------------------------------
# The caller sets LOG (serial log), QEMU_PID (the `timeout` wrapper around QEMU, which passes
# SIGTERM on), TIMEOUT, EXPECT (boot|write), REPORT (file or empty) and TMP (removed at the end).

vm_cleanup() {
	if [[ -n ${QEMU_PID:-} ]] && kill -0 "$QEMU_PID" 2>/dev/null; then
		kill "$QEMU_PID" 2>/dev/null || true
		wait "$QEMU_PID" 2>/dev/null || true
	fi
	[[ -z ${TMP:-} ]] || rm -rf "$TMP"
}

# vm_seen PATTERN: the pattern is on a line of the serial log.
vm_seen() { grep -qa -- "$1" "$LOG"; }

# vm_watch START: poll the serial log until QEMU exits, noting when the kernel starts and when each
# marker first shows (seconds since START).
vm_watch() {
	local start=$1
	VM_START=$start
	LOADER_S='' KERNEL_S='' BOOT_S='' WRITE_S=''
	while kill -0 "$QEMU_PID" 2>/dev/null; do
		vm_note_times "$(elapsed "$start")"
		sleep 0.2
	done
	wait "$QEMU_PID" && QEMU_RC=0 || QEMU_RC=$?
	QEMU_PID=
	TOTAL_S=$(elapsed "$start")
	vm_note_times "$TOTAL_S"
}

vm_note_times() {
	[[ -n $LOADER_S ]] || ! vm_seen '^SYSLINUX' || LOADER_S=$1
	[[ -n $KERNEL_S ]] || ! vm_seen 'Linux version' || KERNEL_S=$1
	[[ -n $BOOT_S ]] || ! vm_seen "^$VM_MARK_BOOT" || BOOT_S=$1
	[[ -n $WRITE_S ]] || ! vm_seen "^$VM_MARK_WRITE" || WRITE_S=$1
}

vm_verdict() {
	local ok=1 why='' expect=${EXPECT:-write}
	if [[ -z $BOOT_S ]]; then
		ok=0 why="no $VM_MARK_BOOT"
	elif [[ $expect == write && -z $WRITE_S ]]; then
		ok=0 why="no $VM_MARK_WRITE: $(grep -a -m1 "$VM_MARK_FAIL" "$LOG" || echo 'no failure marker either')"
	fi
	if ((QEMU_RC == 124 || QEMU_RC == 137)); then
		why+=" (timed out after $TIMEOUT s)"
	elif [[ -z $KERNEL_S ]]; then
		# iPXE prints on the VGA console only; its script powers off when sanboot fails.
		why+=" (the VM stopped before the kernel: did iPXE's DHCP or sanboot fail?)"
	fi
	RESULT=$([[ $ok == 1 ]] && echo pass || echo fail)
	log "result=$RESULT syslinux ${LOADER_S:--} s, kernel ${KERNEL_S:--} s," \
		"boot marker ${BOOT_S:--} s," \
		"write marker ${WRITE_S:--} s," \
		"VM ran $TOTAL_S s${why:+; $why}"
	if [[ -n $REPORT ]]; then
		printf 'start=%s\nloader_s=%s\nkernel_s=%s\nboot_s=%s\nwrite_s=%s\ntotal_s=%s\nresult=%s\n' \
			"$VM_START" "${LOADER_S:--}" "${KERNEL_S:--}" "${BOOT_S:--}" "${WRITE_S:--}" \
			"$TOTAL_S" "$RESULT" >>"$REPORT"
	fi
	if [[ $ok == 0 ]]; then
		log "last lines of the serial log $LOG:"
		tail -n 30 "$LOG" | sed 's/^/    /' >&2
		[[ ! -s $LOG.qemu ]] || sed 's/^/    qemu: /' "$LOG.qemu" >&2
		return 1
	fi
}

# check NAME CMD...: runs one check of a test and counts it in PASSED / FAILED (the caller sets
# both to 0 and prints "$PASSED passed, $FAILED failed" at the end).
check() {
	local name=$1
	shift
	if "$@"; then
		PASSED=$((PASSED + 1))
		echo "ok   $name"
	else
		FAILED=$((FAILED + 1))
		echo "FAIL $name"
	fi
}
