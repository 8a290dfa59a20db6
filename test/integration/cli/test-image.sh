#!/bin/bash
# test-image.sh RINGSAN OFDLOCK: `ringsan lun import/export` with images made by qemu-img
# (qcow2, vmdk, vhdx, vdi, raw): the data survives both ways (qemu-img compare), holes stay holes,
# sizes are rounded up to the block size and said so, and every bad input (unknown, damaged or
# mismatched image, a name or file that exists, a LUN in use, a full disk) fails with one line
# and leaves nothing behind. Ends with "N passed, N failed"; exits 77 when qemu-img is missing.
RINGSAN=$1
OFDLOCK=$2
. "$(dirname "$0")/../lib.sh"
need qemu-img qemu-io stat cmp find truncate
export RINGSAN_CONFIG=
FULL=
trap '[ -n "$FULL" ] && umount "$FULL" 2>/dev/null; cleanup' EXIT

# Everything under the data dir and the image dir (names, sizes): must not change on failure.
state() { (cd "$WORK" && find data img -printf '%p %s\n' 2>/dev/null | sort); }

# An image of 64 MiB with 3 MiB of data at 1 MiB and 40 MiB (the rest holes).
mkdir -p "$WORK/img"
mkimg() { # mkimg FILE FORMAT
	qemu-img create -q -f "$2" "$1" 64M &&
		qemu-io -f "$2" -c "write -P 0xab 1M 2M" -c "write -P 0xcd 40M 1M" "$1" >/dev/null
}
alloc_kib() { echo $(($(stat -c %b "$1") * 512 / 1024)); }

for fmt in qcow2 vmdk vhdx vdi raw; do
	ext=$fmt
	[ $fmt = raw ] && ext=img
	src=$WORK/img/src.$ext
	mkimg "$src" $fmt || { fail "qemu-img could not make a $fmt image"; continue; }
	rs lun import "d-$fmt" "$src"
	check "import $fmt exits 0 ($(cat "$WORK/err"))" [ "$(rc)" = 0 ]
	check "import $fmt says the format" grep -q "($fmt, 64 MiB)" "$WORK/out"
	check "import $fmt: same data" qemu-img compare -q -f $fmt -F raw "$src" "$DATA/d-$fmt/disk.img"
	check "import $fmt: 64 MiB LUN" [ "$(stat -c %s "$DATA/d-$fmt/disk.img")" = 67108864 ]
	check "import $fmt: holes stay holes ($(alloc_kib "$DATA/d-$fmt/disk.img") KiB)" \
		[ "$(alloc_kib "$DATA/d-$fmt/disk.img")" -le 4096 ]
	check "import $fmt: nothing temporary left" [ -z "$(find "$DATA" -maxdepth 1 -name '.*')" ]
	rm -f "$src"
done

# Export the qcow2-made LUN to every format and compare with the LUN.
for fmt in qcow2 vmdk vhdx vdi raw; do
	out=$WORK/img/out.$fmt
	rs lun export d-qcow2 "$out"
	check "export $fmt exits 0 ($(cat "$WORK/err"))" [ "$(rc)" = 0 ]
	check "export $fmt: qemu-img sees $fmt" bash -c "qemu-img info --output=json '$out' | grep -q '\"format\": \"$fmt\"'"
	check "export $fmt: same data" qemu-img compare -q -f $fmt -F raw "$out" "$DATA/d-qcow2/disk.img"
	check "export $fmt: sparse ($(alloc_kib "$out") KiB)" [ "$(alloc_kib "$out")" -le 8192 ]
done
check "export leaves no temporary file" [ -z "$(find "$WORK/img" -name '.ringsan-export-*')" ]
rs lun export d-qcow2 "$WORK/img/explicit.bin" --format vmdk
check "export --format with another extension" qemu-img compare -q -f vmdk -F raw "$WORK/img/explicit.bin" "$DATA/d-qcow2/disk.img"

# Round trip through vhdx into a 4096-byte-block LUN; a size that is not a block multiple.
head -c 1000000 /dev/urandom >"$WORK/img/odd.raw"
rs lun import odd "$WORK/img/odd.raw" --block-size 4096 --description "odd size"
check "import rounds up and says so" grep -q 'size rounded up from 1000448 to 1003520 bytes' "$WORK/out"
check "rounded LUN keeps the data" cmp -s -n 1000000 "$WORK/img/odd.raw" "$DATA/odd/disk.img"
check "rounded LUN has 4096-byte blocks" grep -q '^block_size=4096$' "$DATA/odd/lun.meta"
check "import takes --description" grep -q '^description=odd size$' "$DATA/odd/lun.meta"

# A progress bar on a terminal (script(1) gives the command a pty).
if command -v script >/dev/null; then
	mkimg "$WORK/img/tty.qcow2" qcow2
	script -qec "'$RINGSAN' --data-dir '$DATA' lun import tty '$WORK/img/tty.qcow2'" /dev/null >"$WORK/tty.out" 2>&1
	check "progress bar on a terminal" grep -q '\[#*\] 100%' "$WORK/tty.out"
	rm -f "$WORK/img/tty.qcow2"
fi

# Bad input: one line, nothing left behind.
head -c 100000 /dev/urandom >"$WORK/img/junk.qcow2"
expect_fail 1 'junk.qcow2 is not a valid qcow2 image' lun import j "$WORK/img/junk.qcow2"
cp "$WORK/img/junk.qcow2" "$WORK/img/junk.bin"
expect_fail 1 'no image format found in it; if it is a raw disk, give --format raw' lun import j "$WORK/img/junk.bin"
mkimg "$WORK/img/a.qcow2" qcow2
expect_fail 1 'the name says qcow2 but --format is vmdk' lun import j "$WORK/img/a.qcow2" --format vmdk
cp "$WORK/img/a.qcow2" "$WORK/img/a.vmdk"
expect_fail 1 'a.vmdk is a qcow2 image, not vmdk' lun import j "$WORK/img/a.vmdk"
cp "$WORK/img/a.qcow2" "$WORK/img/cut.qcow2"
truncate -s 300K "$WORK/img/cut.qcow2"
expect_fail 1 'cut.qcow2 is damaged: qemu-img check finds errors' lun import j "$WORK/img/cut.qcow2"
qemu-img create -q -f vpc "$WORK/img/x.vhd" 8M
expect_fail 1 'x.vhd is a vpc image: ringsan imports raw, qcow2, vmdk, vhdx and vdi' lun import j "$WORK/img/x.vhd"
qemu-img create -q -f qcow2 -b "$WORK/img/a.qcow2" -F qcow2 "$WORK/img/overlay.qcow2"
expect_fail 1 'it has a backing file' lun import j "$WORK/img/overlay.qcow2"
expect_fail 1 "LUN 'd-vmdk' already exists" lun import d-vmdk "$WORK/img/a.qcow2"
expect_fail 1 'no such file' lun import j "$WORK/img/missing.qcow2"
expect_fail 1 'out.qcow2 exists: remove it or choose another name' lun export d-vmdk "$WORK/img/out.qcow2"
expect_fail 1 'the name says vdi but --format is qcow2' lun export d-vmdk "$WORK/img/new.vdi" --format qcow2
expect_fail 1 "no such LUN 'nope'" lun export nope "$WORK/img/new.vdi"
rs lun export d-vmdk "$WORK/img/new.txt"
check "export without a format is a usage error" [ "$(rc)" = 2 ]
hold_lock "$DATA/d-vmdk/disk.img" shared
expect_fail 1 'in use' lun export d-vmdk "$WORK/img/busy.qcow2"
release_lock

# A full disk: a 16 MiB tmpfs as the data dir (needs root for the mount).
if [ "$(id -u)" = 0 ] && mkdir -p "$WORK/full" && mount -t tmpfs -o size=16m ringsan-test "$WORK/full"; then
	FULL=$WORK/full
	qemu-img create -q -f qcow2 "$WORK/img/big.qcow2" 64M
	qemu-io -f qcow2 -c "write -P 0x11 0 24M" "$WORK/img/big.qcow2" >/dev/null
	before=$(find "$FULL" | sort)
	DD=$FULL rs lun import big "$WORK/img/big.qcow2"
	check "full disk: exit 1" [ "$(rc)" = 1 ]
	check "full disk: one line ($(cat "$WORK/err"))" bash -c "[ \$(wc -l <'$WORK/err') = 1 ] && grep -q 'no space left in $FULL' '$WORK/err'"
	check "full disk: nothing left behind" [ "$before" = "$(find "$FULL" | sort)" ]
	umount "$FULL"
	FULL=
else
	echo "note: full-disk case skipped (needs root to mount a tmpfs)"
fi

finish
