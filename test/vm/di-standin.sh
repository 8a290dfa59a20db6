#!/bin/sh
# di-standin.sh: runs inside Debian's real installer (as its preseed/early_command) in
# test-debian-installer.sh, and stands in for what the installer would download from the archive
# (partman-iscsi, open-iscsi-udeb, the kernel's iSCSI and ext4 modules, base-installer), which
# the archive reachable here does not serve. Everything it uses comes in the extra initrd
# (/ringsan: Debian's own iscsistart and libraries, modules of the installer's kernel).
#
# It reports on the serial console what the installer got (its command line, its debconf
# answers, the iBFT), logs in to the LUN with iscsistart -b (the iBFT's initiator name and
# target), writes the prebuilt Debian disk onto it through the installer's kernel (the data
# extents listed in payload/index, fetched from ringsan-boot over HTTP), and powers off.
say() { printf '\n%s\n' "$*" >/dev/ttyS0; }
fail() {
	say "RINGSAN-DI-FAIL $*"
	poweroff -f
	exit 1
}
K=/ringsan
say "RINGSAN-DI-CMDLINE $(cat /proc/cmdline)"
say "RINGSAN-DI-DEBCONF address=$(debconf-get partman-iscsi/login/address)" \
	"targets=$(debconf-get partman-iscsi/login/targets)" \
	"preseed=$(debconf-get preseed/url)"
# Modules in dependency order (modprobe --show-depends when the kit was made).
while read -r m; do
	insmod "$K/modules/$m" 2>/dev/null
done <"$K/modules/order"
[ -d /sys/firmware/ibft/target0 ] || fail "no iBFT (/sys/firmware/ibft/target0)"
say "RINGSAN-DI-IBFT initiator=$(cat /sys/firmware/ibft/initiator/initiator-name)" \
	"target=$(cat /sys/firmware/ibft/target0/target-name)" \
	"address=$(cat /sys/firmware/ibft/target0/ip-addr)"
say "RINGSAN-BOOT-OK (the installer's early command runs)"
LD_LIBRARY_PATH=$K/lib "$K/iscsistart" -b >/tmp/iscsistart.log 2>&1 ||
	fail "iscsistart -b: $(tail -n 3 /tmp/iscsistart.log | tr '\n' ' ')"
i=0
while [ ! -b /dev/sda ] && [ $i -lt 150 ]; do
	sleep 0.2
	i=$((i + 1))
done
[ -b /dev/sda ] || fail "no /dev/sda after the iSCSI login"
say "RINGSAN-DI-LOGIN session=$(cat /sys/class/iscsi_session/*/targetname)" \
	"initiator=$(cat /sys/class/iscsi_session/*/initiatorname 2>/dev/null)" \
	"disk=sda $(cat /sys/block/sda/size) sectors"
url=$(sed -n 's/.* url=\(http:[^ ]*\).*/\1/p' /proc/cmdline)
base=${url%/*}
[ -n "$url" ] || fail "no url= on the command line"
wget -q -O /tmp/index "$base/payload/index" || fail "cannot fetch $base/payload/index"
n=0
while read -r off len name; do
	wget -q -O - "$base/payload/$name" | dd of=/dev/sda bs=4096 seek=$((off / 4096)) \
		conv=notrunc 2>/dev/null || fail "writing $name at $off"
	n=$((n + 1))
done </tmp/index
sync
blockdev --flushbufs /dev/sda 2>/dev/null
say "RINGSAN-DI-INSTALLED extents=$n"
say "RINGSAN-WRITE-OK (installed)"
poweroff -f
