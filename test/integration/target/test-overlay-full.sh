#!/usr/bin/env bash
# Overlays on ext4 (no reflinks) when the file system fills: the data dir is a 64 MiB ext4 image
# mounted on a loop device. An overlay of a 256 MiB image is written until no space is left:
# the initiator gets an error (SPACE ALLOCATION FAILED WRITE PROTECT), not silence; the target
# warned earlier (thin provisioning soft threshold); the overlay stays valid (`lun check` clean)
# and readable, and every write flushed before the disk filled is intact. Needs root (mount).
. "$(dirname "$0")/../lib.sh"
need qemu-io qemu-img mkfs.ext4 mount umount python3
[ "$(id -u)" = 0 ] || {
	echo "SKIPPED: mounting a loop file system needs root"
	exit 77
}
MNT=$WORK/mnt
mkdir -p "$MNT"
truncate -s 64M "$WORK/fs.img"
mkfs.ext4 -q -F "$WORK/fs.img" || exit 1
mount -o loop "$WORK/fs.img" "$MNT" 2>"$WORK/mount.err" || {
	echo "SKIPPED: cannot mount a loop device here: $(cat "$WORK/mount.err")"
	exit 77
}
unmount() {
	local pid
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	umount "$MNT" 2>/dev/null || umount -l "$MNT"
	cleanup
}
trap unmount EXIT
DATA=$MNT/data
R() { "$RINGSAN" --data-dir "$DATA" "$@"; }

R lun create gold --size 256M >/dev/null || exit 1
qemu-io -f raw -c "write -P 0x5a 0 8M" "$DATA/gold/disk.img" >/dev/null || exit 1
check "an overlay on ext4" R lun create o --base gold
start_target || exit 1
check "the soft threshold is reported before anything fails" grep -q "LUN o: the file system .* is low on space" "$TARGET_LOG"
check "a flushed write before the disk fills" qemu-io -f raw -c "write -P 0x33 16M 4M" -c flush "$(url o)"
qemu-io -f raw -c "write -P 0x44 32M 200M" -c flush "$(url o)" >"$WORK/fill.out" 2>&1
check "filling the file system: the initiator sees a write error, not silence" \
	grep -qiE "(write|flush) failed" "$WORK/fill.out"
sed 's/^/    /' "$WORK/fill.out" | grep -i failed | head -2
check "the overlay stays readable: the image's data" qemu-io -f raw -c "read -P 0x5a 0 8M" "$(url o)"
check "and the write flushed before the disk filled" qemu-io -f raw -c "read -P 0x33 16M 4M" "$(url o)"
check "the image itself was not touched" qemu-io -f raw -c "read -P 0x5a 0 8M" -c "read -P 0 8M 8M" "$DATA/gold/disk.img"
stop_target
check "SIGTERM: exit 0" test $? -eq 0
check "lun check is clean on the full file system" R lun check o
start_target || exit 1
check "after a restart the flushed data is there" qemu-io -f raw -c "read -P 0x33 16M 4M" -c "read -P 0x5a 0 8M" "$(url o)"
stop_target
check "no crash and no sanitizer report in the target log" no_sanitizer_report "$TARGET_LOG"
finish
