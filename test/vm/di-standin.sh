#!/bin/sh
# di-standin.sh: runs inside Debian's real installer (as its preseed/early_command) in
# test-debian-installer.sh, and stands in for what the installer would download from the archive
# (partman-iscsi, open-iscsi-udeb, partman with its ext4 support, base-installer, the bootloader
# installer), which the archive reachable here does not serve. It runs on the installer's kernel
# and busybox; the rest comes in the extra initrd (/ringsan, made by make-debian.sh's make_kit from
# Debian's packages): iscsistart, sfdisk, mke2fs, extlinux with its mbr.bin, their libraries, and
# the modules of the installer's kernel for iSCSI, the iBFT, SCSI disks and ext4.
#
# It reports on the serial console what the installer got (its command line, its debconf
# answers, the iBFT), logs in to the LUN with iscsistart -b (the iBFT's initiator name and
# target), then installs as the installer would: one bootable MBR partition (sfdisk), ext4 on it
# (mke2fs -O ^64bit: extlinux cannot read 64-bit ext4), the Debian tree unpacked from root.tar
# (fetched from ringsan-boot next to the preseed), the fstab and extlinux.conf for the new file
# system's UUID with the installed system's kernel arguments taken from after `---` on its own
# command line (as the installer's bootloader step does: `iscsi_auto`), extlinux and its MBR;
# then sync, unmount and power off. Each step prints a RINGSAN-DI-* line; a failure prints
# RINGSAN-DI-FAIL and powers off.
say() { printf '\n%s\n' "$*" >/dev/ttyS0; }
fail() {
	say "RINGSAN-DI-FAIL $*"
	poweroff -f
	exit 1
}
K=/ringsan
T=/ringsan-target
kit() { LD_LIBRARY_PATH=$K/lib "$@"; } # a tool of the kit, with the kit's libraries
wait_block() {                          # wait_block DEV: up to 30 s
	i=0
	while [ ! -b "$1" ] && [ $i -lt 150 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	[ -b "$1" ]
}
t0=$(date +%s)
secs() { echo $(($(date +%s) - t0)); }

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
kit "$K/iscsistart" -b >/tmp/iscsistart.log 2>&1 ||
	fail "iscsistart -b: $(tail -n 3 /tmp/iscsistart.log | tr '\n' ' ')"
wait_block /dev/sda || fail "no /dev/sda after the iSCSI login"
say "RINGSAN-DI-LOGIN session=$(cat /sys/class/iscsi_session/*/targetname)" \
	"initiator=$(cat /sys/class/iscsi_session/*/initiatorname 2>/dev/null)" \
	"disk=sda $(cat /sys/block/sda/size) sectors"

# The partition table: MBR, one bootable Linux partition from 1 MiB to the end.
printf 'label: dos\nstart=2048, type=83, bootable\n' |
	kit "$K/sbin/sfdisk" -q /dev/sda >/tmp/sfdisk.log 2>&1 ||
	fail "sfdisk: $(tail -n 3 /tmp/sfdisk.log | tr '\n' ' ')"
wait_block /dev/sda1 || fail "no /dev/sda1 after sfdisk"
say "RINGSAN-DI-PARTITIONED sda1 start=$(cat /sys/block/sda/sda1/start)" \
	"sectors=$(cat /sys/block/sda/sda1/size) at $(secs) s"

# The file system; its UUID is the installer's, printed for the test to compare with the LUN.
MKE2FS_CONFIG=$K/mke2fs.conf kit "$K/sbin/mke2fs" -q -F -t ext4 -O ^64bit,^metadata_csum_seed \
	-L debian-root /dev/sda1 >/tmp/mke2fs.log 2>&1 ||
	fail "mke2fs: $(tail -n 3 /tmp/mke2fs.log | tr '\n' ' ')"
uuid=$(blkid -p -s UUID -o value /dev/sda1)
[ -n "$uuid" ] || fail "blkid finds no UUID on /dev/sda1 after mke2fs"
say "RINGSAN-DI-MKFS uuid=$uuid at $(secs) s"
mkdir -p "$T"
mount -t ext4 /dev/sda1 "$T" || fail "mount -t ext4 /dev/sda1"

# The system's files, streamed from ringsan-boot (busybox sh has no pipefail: wget leaves a mark).
url=$(sed -n 's/.* url=\(http:[^ ]*\).*/\1/p' /proc/cmdline)
[ -n "$url" ] || fail "no url= on the command line"
rm -f /tmp/wget.failed
{ wget -q -O - "${url%/*}/root.tar" || : >/tmp/wget.failed; } | tar -x -f - -C "$T" ||
	fail "tar -x of ${url%/*}/root.tar"
[ ! -e /tmp/wget.failed ] || fail "wget ${url%/*}/root.tar"
kernel=$(cd "$T/boot" && ls vmlinuz-* 2>/dev/null | tail -n1)
initrd=$(cd "$T/boot" && ls initrd.img-* 2>/dev/null | tail -n1)
# (/sbin/init is an absolute symlink: it resolves only inside the new system.)
if [ -z "$kernel" ] || [ -z "$initrd" ] || [ ! -x "$T/usr/lib/systemd/systemd" ]; then
	fail "the unpacked system has no kernel, initramfs or systemd"
fi
grep -qx 'ISCSI_AUTO=true' "$T/etc/iscsi/iscsi.initramfs" 2>/dev/null ||
	fail "the unpacked system has no /etc/iscsi/iscsi.initramfs with ISCSI_AUTO=true"
say "RINGSAN-DI-UNPACKED $(df -k "$T" | awk 'NR == 2 { print $3 }') KiB used at $(secs) s"

# The installed system's configuration for this file system.
case " $(cat /proc/cmdline) " in
*" --- "*) params=$(sed 's/.* --- *//' /proc/cmdline) ;;
*) params= ;;
esac
case " $params " in
*" iscsi_auto "*) ;;
*) fail "no iscsi_auto after --- on the command line (got: $params)" ;;
esac
echo "UUID=$uuid / ext4 errors=remount-ro 0 1" >"$T/etc/fstab"
cat >"$T/boot/extlinux/extlinux.conf" <<EOF
SERIAL 0 115200
DEFAULT debian
TIMEOUT 1
LABEL debian
  LINUX /boot/$kernel
  INITRD /boot/$initrd
  APPEND root=UUID=$uuid ro $params console=ttyS0,115200n8
EOF

# The bootloader: extlinux in the file system, syslinux's MBR code in the first 440 bytes.
kit "$K/sbin/extlinux" --install "$T/boot/extlinux" >/tmp/extlinux.log 2>&1 ||
	fail "extlinux --install: $(tail -n 3 /tmp/extlinux.log | tr '\n' ' ')"
dd if="$K/mbr.bin" of=/dev/sda bs=440 count=1 conv=notrunc 2>/dev/null || fail "writing the MBR"
say "RINGSAN-DI-BOOTLOADER extlinux, root=UUID=$uuid $params"

sync
umount "$T" || fail "umount $T"
blockdev --flushbufs /dev/sda 2>/dev/null
say "RINGSAN-DI-INSTALLED uuid=$uuid in $(secs) s"
say "RINGSAN-WRITE-OK (installed)"
poweroff -f
