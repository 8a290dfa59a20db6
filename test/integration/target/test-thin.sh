#!/usr/bin/env bash
# Thin provisioning: a Windows-style whole-disk UNMAP of a 2 TiB sparse LUN finishes in
# seconds and leaves a file with no blocks that reads back as zeroes.
. "$(dirname "$0")/../lib.sh"
need qemu-io python3 timeout

"$RINGSAN" --data-dir "$DATA" lun create big --size 2T >/dev/null || exit 1
start_target || exit 1
U=$(url big)
check "data lands at the start, the middle and the end of a 2 TiB LUN" qemu-io -f raw \
	-c "write -P 0x11 0 16M" -c "write -P 0x22 1T 16M" -c "write -P 0x33 2047G 16M" "$U"
check "  ... and takes space in the file" test "$(stat -c %b "$DATA/big/disk.img")" -gt 0

# QEMU's iscsi driver turns each discard into UNMAP; 2048 of 1 GiB cover the disk, the way a
# quick format announces a whole volume as free.
args=()
for i in $(seq 0 2047); do
	args+=(-c "discard $((i * 1024))M 1G")
done
start=$(date +%s.%N)
check "a whole-disk UNMAP of 2 TiB completes within 10 s" \
	timeout 10 qemu-io -d unmap -f raw "${args[@]}" "$U"
echo "    took $(python3 -c "print(round($(date +%s.%N) - $start, 2))") s"
check "  ... the file holds no blocks any more" test "$(stat -c %b "$DATA/big/disk.img")" -eq 0
check "  ... and the LUN reads back zeroes where the data was" qemu-io -f raw \
	-c "read -P 0 0 16M" -c "read -P 0 1T 16M" -c "read -P 0 2047G 16M" "$U"
check "  ... and keeps its size" test "$(stat -c %s "$DATA/big/disk.img")" -eq $((2 << 40))
stop_target
check "SIGTERM stops the target with exit 0" test $? -eq 0
finish
