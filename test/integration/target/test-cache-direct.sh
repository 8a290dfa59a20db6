#!/usr/bin/env bash
# [lun] cache = direct: O_DIRECT reads and writes on a disk file system (the work dir goes to
# /var/tmp when /tmp is tmpfs). Against LUNs of 512- and 4096-byte blocks: 32 MiB written with
# qemu-img convert and compared back, the LUN files left out of the page cache (fincore),
# 512-byte writes at odd offsets read back through qemu-io; a write + flush stream with the
# target killed -9 in the middle keeps every flushed write; check-config prints the mode; a LUN
# on tmpfs is served too: with O_DIRECT where the kernel has it there (Linux >= 6.6), else
# through the page cache with a warning in the log that names the LUN.
tmp_fs=$(findmnt -n -o FSTYPE -T /tmp 2>/dev/null | head -1)
if [ "$tmp_fs" = tmpfs ] && [ -z "${RINGSAN_TEST_TMPDIR:-}" ]; then
	export RINGSAN_TEST_TMPDIR=/var/tmp
fi
. "$(dirname "$0")/../lib.sh"
need qemu-img qemu-io fincore findmnt python3 timeout stdbuf
fs=$(findmnt -n -o FSTYPE -T "$WORK" | head -1)
case $fs in
tmpfs | ramfs | "")
	echo "SKIPPED: the work dir $WORK is on '${fs:-?}', not a disk file system; set RINGSAN_TEST_TMPDIR"
	exit 77
	;;
esac
echo "    work dir on $fs"

"$RINGSAN" --data-dir "$DATA" lun create d512 --size 128M >/dev/null || exit 1
"$RINGSAN" --data-dir "$DATA" lun create d4k --size 128M --block-size 4096 >/dev/null || exit 1
"$RINGSAN" --data-dir "$DATA" lun create flush --size 64M >/dev/null || exit 1
cat >"$WORK/ringsan.ini" <<INI
[server]
base_iqn = $IQN_BASE
[lun d512]
cache = direct
[lun d4k]
cache = direct
[lun flush]
cache = direct
INI
check "check-config prints cache = direct" bash -c \
	"'$RINGSAN' check-config -c '$WORK/ringsan.ini' | grep -q '^cache = direct'"
start_target -c "$WORK/ringsan.ini" || exit 1
for l in d512 d4k flush; do
	check "LUN $l is served with O_DIRECT" grep -q "serving LUN $l .*cache = direct (O_DIRECT)" \
		"$TARGET_LOG"
done

head -c $((32 << 20)) /dev/urandom >"$WORK/src.img"
resident() { # resident FILE: bytes of FILE in the page cache
	fincore -b -n -o RES "$1" | tr -d ' '
}
for l in d512 d4k; do
	f=$DATA/$l/disk.img
	sync -f "$f"
	python3 -c "import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)" "$f"
	check "$l: qemu-img convert writes 32 MiB" \
		qemu-img convert -n -f raw -O raw "$WORK/src.img" "$(url "$l")"
	check "$l: qemu-img compare reads back what was written" \
		qemu-img compare -f raw -F raw "$WORK/src.img" "$(url "$l")"
	check "$l: the LUN file holds the same bytes" cmp -n $((32 << 20)) "$WORK/src.img" "$f"
	# cmp read the file through the page cache: drop it, then look after more iSCSI I/O
	python3 -c "import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)" "$f"
	qemu-img convert -n -f raw -O raw "$WORK/src.img" "$(url "$l")" >/dev/null 2>&1
	qemu-img compare -f raw -F raw "$WORK/src.img" "$(url "$l")" >/dev/null 2>&1
	res=$(resident "$f")
	echo "    $l: $res bytes of the LUN file in the page cache after 64 MiB of I/O"
	check "$l: the data went around the page cache (at most 1 MiB resident)" \
		test "${res:-999999999}" -le $((1 << 20))
done

# 512-byte writes at offsets that are not 4 KiB aligned, on the 512-byte LUN.
U=$(url d512)
cmds=()
for i in 1 3 7 9 15; do
	cmds+=(-c "write -P $((i + 16)) $((64 * 1048576 + i * 512)) 512")
done
for i in 1 3 7 9 15; do
	cmds+=(-c "read -P $((i + 16)) $((64 * 1048576 + i * 512)) 512")
done
check "d512: 512-byte writes at odd offsets read back" \
	bash -c "qemu-io -f raw ${cmds[*]@Q} '$U' | grep -c '^read 512/512' | grep -qx 5"
check "d512: and they are in the file" python3 - "$DATA/d512/disk.img" <<'PY'
import sys
with open(sys.argv[1], "rb") as f:
    for i in (1, 3, 7, 9, 15):
        f.seek(64 * 1048576 + i * 512)
        assert f.read(512) == bytes([i + 16]) * 512, i
PY

# Write + flush stream, kill -9 in the middle: every write acknowledged after its flush is in the
# file (as test-durability.sh, on a cache = direct LUN).
N=1500
cmds=()
for i in $(seq 0 $((N - 1))); do
	cmds+=(-c "write -P $((i % 251 + 1)) $((i * 32768)) $(((1 + i % 8) * 4096))" -c "flush")
done
stdbuf -o0 -e0 qemu-io -f raw "${cmds[@]}" "$(url flush)" >"$WORK/stream.log" 2>&1 &
QIO=$!
PIDS+=("$QIO")
wait_for 60 bash -c "[ \$(grep -c '^wrote' '$WORK/stream.log') -ge 100 ]"
kill -9 "$TARGET_PID"
wait "$TARGET_PID" 2>/dev/null
timeout 5 tail --pid="$QIO" -f /dev/null >/dev/null 2>&1 || kill "$QIO" 2>/dev/null
wait "$QIO" 2>/dev/null
acked=$(grep -c '^wrote' "$WORK/stream.log")
echo "    killed -9 after $acked writes were acknowledged (of $N)"
check "the target was killed in the middle of the stream" test "$acked" -lt "$N"
check "every write acknowledged after its flush is in the LUN file" python3 - \
	"$DATA/flush/disk.img" "$acked" <<'PY'
import sys
path, acked = sys.argv[1], int(sys.argv[2])
bad = []
with open(path, "rb") as f:
    for i in range(acked - 1):
        f.seek(i * 32768)
        n = (1 + i % 8) * 4096
        if f.read(n) != bytes([i % 251 + 1]) * n:
            bad.append(i)
print("%d flushed writes checked, %d missing %s" % (acked - 1, len(bad), bad[:10]))
sys.exit(1 if bad or acked < 2 else 0)
PY
check "no crash and no sanitizer report in the target log" no_sanitizer_report "$TARGET_LOG"

# tmpfs: served either way, and said.
if [ -d /dev/shm ] && [ "$(findmnt -n -o FSTYPE -T /dev/shm | head -1)" = tmpfs ]; then
	SHM=$(mktemp -d /dev/shm/ringsan-test.XXXXXX)
	"$RINGSAN" --data-dir "$SHM" lun create t --size 16M >/dev/null || exit 1
	printf '[server]\nbase_iqn = %s\n[lun t]\ncache = direct\n' "$IQN_BASE" >"$WORK/shm.ini"
	DATA_SAVED=$DATA
	DATA=$SHM
	: >"$WORK/target.log"
	if start_target -c "$WORK/shm.ini"; then
		check "tmpfs: served with O_DIRECT, or through the page cache with a warning" bash -c \
			"grep -q 'serving LUN t .*cache = direct (O_DIRECT)' '$TARGET_LOG' ||
			 grep -q 'LUN t: cache = direct, but .*served through the page cache' '$TARGET_LOG'"
		grep -E "LUN t[: ]" "$TARGET_LOG" | sed 's/^/    log: /'
		head -c $((8 << 20)) /dev/urandom >"$WORK/small.img"
		check "tmpfs: qemu-img writes and reads back 8 MiB" bash -c \
			"qemu-img convert -n -f raw -O raw '$WORK/small.img' '$(url t)' &&
			 qemu-img compare -f raw -F raw '$WORK/small.img' '$(url t)'"
		stop_target
		check "tmpfs: SIGTERM: exit 0" test $? -eq 0
	else
		fail "tmpfs: the target starts"
	fi
	DATA=$DATA_SAVED
	rm -rf "$SHM"
fi
finish
