#!/usr/bin/env bash
# The target serves a LUN to libiscsi's tools and QEMU's iscsi driver with verified data.
. "$(dirname "$0")/../lib.sh"
need iscsi-ls iscsi-inq iscsi-readcapacity16 qemu-img qemu-io python3

"$RINGSAN" --data-dir "$DATA" lun create disk --size 64M >/dev/null || exit 1
"$RINGSAN" --data-dir "$DATA" lun create other --size 1G --block-size 4096 >/dev/null || exit 1
start_target || exit 1

check "discovery lists both targets" bash -c \
	"iscsi-ls iscsi://$PORTAL | grep -q '$IQN_BASE:disk' && iscsi-ls iscsi://$PORTAL | grep -q '$IQN_BASE:other'"
check "iscsi-inq reads standard INQUIRY data" bash -c "iscsi-inq $(url disk) | grep -q 'Vendor:RINGSAN'"
check "iscsi-inq reads the unit serial number page" bash -c "iscsi-inq -e 1 -c 0x80 $(url disk) | grep -qi serial"
check "READ CAPACITY(16) of a 512-byte LUN" bash -c \
	"iscsi-readcapacity16 $(url disk) | grep -qi 'LOGICAL BLOCK LENGTH IN BYTES:512' && iscsi-readcapacity16 $(url disk) | grep -qi 'RETURNED LOGICAL BLOCK ADDRESS:131071'"
check "READ CAPACITY(16) of a 4096-byte LUN" bash -c \
	"iscsi-readcapacity16 $(url other) | grep -qi 'LOGICAL BLOCK LENGTH IN BYTES:4096'"

head -c $((64 * 1024 * 1024)) /dev/urandom >"$WORK/rand.img"
check "qemu-img convert writes 64 MiB onto the LUN" \
	qemu-img convert -n -f raw -O raw "$WORK/rand.img" "$(url disk)"
check "qemu-img compare reads it back identical" \
	qemu-img compare -f raw -F raw "$WORK/rand.img" "$(url disk)"
check "the backing file holds exactly those bytes" cmp "$WORK/rand.img" "$DATA/disk/disk.img"

# Concurrent AIO: 64 writes of distinct patterns in flight at once, then read them back.
cmds=()
for i in $(seq 0 63); do
	cmds+=(-c "aio_write -P $((i + 1)) $((i * 65536)) 65536")
done
cmds+=(-c "aio_flush")
check "qemu-io: 64 concurrent writes" qemu-io -f raw "${cmds[@]}" "$(url other)"
cmds=()
for i in $(seq 0 63); do
	cmds+=(-c "aio_read -P $((i + 1)) $((i * 65536)) 65536")
done
check "qemu-io: 64 concurrent reads verify every pattern" bash -c \
	"qemu-io -f raw $(printf '%q ' "${cmds[@]}") '$(url other)' | tee /dev/stderr | grep -q 'Pattern verification failed' && exit 1 || exit 0"
check "a large write crosses burst boundaries intact" qemu-io -f raw \
	-c "write -P 0x5a 1M 8M" -c "read -P 0x5a 1M 8M" "$(url other)"

stop_target
check "SIGTERM stops the target with exit 0" test $? -eq 0
check "the target logged no error" bash -c "! grep -E '^<[0-3]>' '$TARGET_LOG'"
finish
