#!/bin/bash
# test-image.sh RINGSAN OFDLOCK: `ringsan lun import/export` with images made by qemu-img
# (qcow2, vmdk, vhdx, vdi, raw): the data survives both ways (qemu-img compare), holes stay holes,
# sizes are rounded up to the block size and said so, and every bad input (unknown, damaged or
# mismatched image, a name or file that exists, a LUN in use, a full disk) fails with one line
# and leaves nothing behind. Ends with "N passed, N failed"; exits 77 when qemu-img is missing.
set -u
RINGSAN=$1
OFDLOCK=$2
for tool in qemu-img qemu-io stat cmp find truncate; do
	command -v "$tool" >/dev/null || { echo "SKIPPED: $tool is not installed (qemu-utils)"; exit 77; }
done
T=$(mktemp -d /tmp/ringsan-image.XXXXXX) || { echo "SKIPPED: mktemp failed"; exit 77; }
D=$T/data
LOCKER=
FULL=
cleanup() {
	[ -n "$LOCKER" ] && kill "$LOCKER" 2>/dev/null
	[ -n "$FULL" ] && umount "$FULL" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
export RINGSAN_CONFIG=
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then ok; else bad "$what"; fi
}
rs() { "$RINGSAN" --data-dir "${DD:-$D}" "$@" >"$T/out" 2>"$T/err"; echo $? >"$T/rc"; }
rc() { cat "$T/rc"; }
# Everything under the data dir and the image dir (names, sizes): must not change on failure.
state() { (cd "$T" && find data img -printf '%p %s\n' 2>/dev/null | sort); }

expect_fail() { # expect_fail PATTERN ARGS...: exit 1, one line naming PATTERN, nothing changed
	local pattern=$1
	shift
	local before after
	before=$(state)
	rs "$@"
	after=$(state)
	if [ "$(rc)" != 1 ]; then
		bad "ringsan $*: exit $(rc), expected 1 ($(head -c 300 "$T/err"))"
	elif ! grep -q -- "$pattern" "$T/err"; then
		bad "ringsan $*: stderr lacks '$pattern': $(cat "$T/err")"
	elif [ "$(wc -l <"$T/err")" != 1 ] || ! grep -q '^ringsan: ' "$T/err"; then
		bad "ringsan $*: not one 'ringsan: ' line: $(cat "$T/err")"
	elif [ "$before" != "$after" ]; then
		bad "ringsan $*: files changed: $(diff <(echo "$before") <(echo "$after") | head -5)"
	else
		ok
	fi
}

# An image of 64 MiB with 3 MiB of data at 1 MiB and 40 MiB (the rest holes).
mkdir -p "$T/img"
mkimg() { # mkimg FILE FORMAT
	qemu-img create -q -f "$2" "$1" 64M &&
		qemu-io -f "$2" -c "write -P 0xab 1M 2M" -c "write -P 0xcd 40M 1M" "$1" >/dev/null
}
alloc_kib() { echo $(($(stat -c %b "$1") * 512 / 1024)); }

for fmt in qcow2 vmdk vhdx vdi raw; do
	ext=$fmt
	[ $fmt = raw ] && ext=img
	src=$T/img/src.$ext
	mkimg "$src" $fmt || { bad "qemu-img could not make a $fmt image"; continue; }
	rs lun import "d-$fmt" "$src"
	check "import $fmt exits 0 ($(cat "$T/err"))" [ "$(rc)" = 0 ]
	check "import $fmt says the format" grep -q "($fmt, 64 MiB)" "$T/out"
	check "import $fmt: same data" qemu-img compare -q -f $fmt -F raw "$src" "$D/d-$fmt/disk.img"
	check "import $fmt: 64 MiB LUN" [ "$(stat -c %s "$D/d-$fmt/disk.img")" = 67108864 ]
	check "import $fmt: holes stay holes ($(alloc_kib "$D/d-$fmt/disk.img") KiB)" \
		[ "$(alloc_kib "$D/d-$fmt/disk.img")" -le 4096 ]
	check "import $fmt: nothing temporary left" [ -z "$(find "$D" -maxdepth 1 -name '.*')" ]
	rm -f "$src"
done

# Export the qcow2-made LUN to every format and compare with the LUN.
for fmt in qcow2 vmdk vhdx vdi raw; do
	out=$T/img/out.$fmt
	rs lun export d-qcow2 "$out"
	check "export $fmt exits 0 ($(cat "$T/err"))" [ "$(rc)" = 0 ]
	check "export $fmt: qemu-img sees $fmt" bash -c "qemu-img info --output=json '$out' | grep -q '\"format\": \"$fmt\"'"
	check "export $fmt: same data" qemu-img compare -q -f $fmt -F raw "$out" "$D/d-qcow2/disk.img"
	check "export $fmt: sparse ($(alloc_kib "$out") KiB)" [ "$(alloc_kib "$out")" -le 8192 ]
done
check "export leaves no temporary file" [ -z "$(find "$T/img" -name '.ringsan-export-*')" ]
rs lun export d-qcow2 "$T/img/explicit.bin" --format vmdk
check "export --format with another extension" qemu-img compare -q -f vmdk -F raw "$T/img/explicit.bin" "$D/d-qcow2/disk.img"

# Round trip through vhdx into a 4096-byte-block LUN; a size that is not a block multiple.
head -c 1000000 /dev/urandom >"$T/img/odd.raw"
rs lun import odd "$T/img/odd.raw" --block-size 4096 --description "odd size"
check "import rounds up and says so" grep -q 'size rounded up from 1000448 to 1003520 bytes' "$T/out"
check "rounded LUN keeps the data" cmp -s -n 1000000 "$T/img/odd.raw" "$D/odd/disk.img"
check "rounded LUN has 4096-byte blocks" grep -q '^block_size=4096$' "$D/odd/lun.meta"
check "import takes --description" grep -q '^description=odd size$' "$D/odd/lun.meta"

# A progress bar on a terminal (script(1) gives the command a pty).
if command -v script >/dev/null; then
	mkimg "$T/img/tty.qcow2" qcow2
	script -qec "'$RINGSAN' --data-dir '$D' lun import tty '$T/img/tty.qcow2'" /dev/null >"$T/tty.out" 2>&1
	check "progress bar on a terminal" grep -q '\[#*\] 100%' "$T/tty.out"
	rm -f "$T/img/tty.qcow2"
fi

# Bad input: one line, nothing left behind.
head -c 100000 /dev/urandom >"$T/img/junk.qcow2"
expect_fail 'junk.qcow2 is not a valid qcow2 image' lun import j "$T/img/junk.qcow2"
cp "$T/img/junk.qcow2" "$T/img/junk.bin"
expect_fail 'no image format found in it; if it is a raw disk, give --format raw' lun import j "$T/img/junk.bin"
mkimg "$T/img/a.qcow2" qcow2
expect_fail 'the name says qcow2 but --format is vmdk' lun import j "$T/img/a.qcow2" --format vmdk
cp "$T/img/a.qcow2" "$T/img/a.vmdk"
expect_fail 'a.vmdk is a qcow2 image, not vmdk' lun import j "$T/img/a.vmdk"
cp "$T/img/a.qcow2" "$T/img/cut.qcow2"
truncate -s 300K "$T/img/cut.qcow2"
expect_fail 'cut.qcow2 is damaged: qemu-img check finds errors' lun import j "$T/img/cut.qcow2"
qemu-img create -q -f vpc "$T/img/x.vhd" 8M
expect_fail 'x.vhd is a vpc image: ringsan imports raw, qcow2, vmdk, vhdx and vdi' lun import j "$T/img/x.vhd"
qemu-img create -q -f qcow2 -b "$T/img/a.qcow2" -F qcow2 "$T/img/overlay.qcow2"
expect_fail 'it has a backing file' lun import j "$T/img/overlay.qcow2"
expect_fail "LUN 'd-vmdk' already exists" lun import d-vmdk "$T/img/a.qcow2"
expect_fail 'no such file' lun import j "$T/img/missing.qcow2"
expect_fail 'out.qcow2 exists: remove it or choose another name' lun export d-vmdk "$T/img/out.qcow2"
expect_fail 'the name says vdi but --format is qcow2' lun export d-vmdk "$T/img/new.vdi" --format qcow2
expect_fail "no such LUN 'nope'" lun export nope "$T/img/new.vdi"
rs lun export d-vmdk "$T/img/new.txt"
check "export without a format is a usage error" [ "$(rc)" = 2 ]
"$OFDLOCK" "$D/d-vmdk/disk.img" shared "$T/ready" &
LOCKER=$!
for _ in $(seq 100); do [ -e "$T/ready" ] && break; sleep 0.05; done
expect_fail 'in use' lun export d-vmdk "$T/img/busy.qcow2"
kill "$LOCKER"
wait "$LOCKER" 2>/dev/null
LOCKER=

# A full disk: a 16 MiB tmpfs as the data dir (needs root for the mount).
if [ "$(id -u)" = 0 ] && mkdir -p "$T/full" && mount -t tmpfs -o size=16m ringsan-test "$T/full"; then
	FULL=$T/full
	qemu-img create -q -f qcow2 "$T/img/big.qcow2" 64M
	qemu-io -f qcow2 -c "write -P 0x11 0 24M" "$T/img/big.qcow2" >/dev/null
	before=$(find "$FULL" | sort)
	DD=$FULL rs lun import big "$T/img/big.qcow2"
	check "full disk: exit 1" [ "$(rc)" = 1 ]
	check "full disk: one line ($(cat "$T/err"))" bash -c "[ \$(wc -l <'$T/err') = 1 ] && grep -q 'no space left in $FULL' '$T/err'"
	check "full disk: nothing left behind" [ "$before" = "$(find "$FULL" | sort)" ]
	umount "$FULL"
	FULL=
else
	echo "note: full-disk case skipped (needs root to mount a tmpfs)"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
