#!/usr/bin/env bash
# test-debian-installer.sh: Debian's real netboot installer started through ringsan-boot's install
# entry (installer = debian, the sample preseed), as far as the archive reachable here allows;
# then the installed disk boots through the menu's *boot*.
#
# Real: the installer's kernel and initrd (package debian-installer-12-netboot-amd64), booted by
# the generated install entry (sanhook + kernel/initrd over HTTP) with the preset's command line;
# the installer configures its network, fetches scripts/preseed-debian-iscsi.cfg from ringsan-boot
# and runs its early command, on its own kernel and busybox. Stand-in (the archive here answers
# 404 for most installer components, partman-iscsi and open-iscsi-udeb among them): an extra initrd
# brings, from Debian's packages, iscsistart, sfdisk, mke2fs and extlinux with their libraries and
# the iSCSI/ext4 modules of the installer's kernel (make-debian.sh's kit), and test/vm/di-standin.sh,
# run as the preseed's early command, reports what the installer got (command line, debconf
# answers, the iBFT), logs in with iscsistart -b (the iBFT's initiator name), partitions the empty
# LUN, makes ext4 on it, unpacks the Debian tree make-debian.sh debootstrapped (root.tar, served by
# ringsan-boot from media_dir), writes its fstab and extlinux.conf for the new UUID, installs
# extlinux and the MBR, and powers off. The test then reads the LUN file: the partition table, the
# file system (the UUID the installer printed, clean), the boot configuration. Then the machine's
# [client] says boot and the LUN must boot Debian with its root on iSCSI (make-debian.sh's nonce
# unit), and e2fsck must still find it clean.
#
# Environment: RINGSAN, RINGSAN_BOOT (default build/dev), RINGSAN_VM_TIMEOUT (per VM, default
# 900 s), RINGSAN_DEBIAN_CACHE (make-debian.sh). Exit 77 when something is missing or not root.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$VM_DIR/ringsan-lab.sh"

: "${RINGSAN:=$REPO_DIR/build/dev/target/cli/ringsan}"
: "${RINGSAN_BOOT:=$REPO_DIR/build/dev/bootsvc/daemon/ringsan-boot}"
: "${RINGSAN_DEBIAN_CACHE:=/var/cache/ringsan-test}"
DI=/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64
MAC=52:54:00:77:00:13
INITIATOR=iqn.2026-11.org.ringsan.client:52-54-00-77-00-13
LUN=inst
BASE_IQN=iqn.2026-11.org.ringsan
VM_TIMEOUT=${RINGSAN_VM_TIMEOUT:-900}
PART_OFFSET=1048576
IMAGE_UUID=7a1c0de0-5a11-4b0a-9e5a-000000000012 # make-debian.sh's prebuilt disk (not used here)
PASSED=0
FAILED=0

write_config() { # write_config ACTION
	cat >"$CFG" <<-EOF
		# test-debian-installer.sh (generated)
		[server]
		base_iqn = $BASE_IQN

		[boot]
		ipxe_dir = /usr/lib/ipxe
		media_dir = $MEDIA
		# The installer stops to ask when DHCP gives no default route.
		router = $LAB_SERVER
		dns = $LAB_SERVER

		[image di]
		description = Debian 12 installer (real), iSCSI parts stood in
		kernel = $MEDIA/di/linux
		initrd = di/initrd.gz, di/standin.cpio.gz
		installer = debian
		preseed = di/preseed.cfg
		args = console=ttyS0,115200n8

		[client $MAC]
		name = debian-installer
		lun = $LUN
		action = $1
		image = di
		timeout = 0
	EOF
	chmod 644 "$CFG"
}

# make_media: the installer, the stand-in initrd, the preseed, the system's tree (root.tar).
make_media() {
	local kit=$WORK/kit
	mkdir -p "$MEDIA/di" "$kit"
	cp "$DI/linux" "$DI/initrd.gz" "$MEDIA/di/"
	tar -xf "$RINGSAN_DEBIAN_CACHE/debian12-installer-kit.tar" -C "$kit"
	install -m 755 "$VM_DIR/di-standin.sh" "$kit/ringsan/standin"
	(cd "$kit" && find . | cpio -o -H newc --quiet | gzip -1) >"$MEDIA/di/standin.cpio.gz"
	{
		cat "$REPO_DIR/scripts/preseed-debian-iscsi.cfg"
		echo "# test-debian-installer.sh: the stand-in for the installer's downloaded parts"
		echo "d-i preseed/early_command string /ringsan/standin"
	} >"$MEDIA/di/preseed.cfg"
	# A hard link when the cache is on the same file system (no copy of ~550 MB), else a copy.
	ln "$RINGSAN_DEBIAN_CACHE/debian12-root.tar" "$MEDIA/di/root.tar" 2>/dev/null ||
		cp "$RINGSAN_DEBIAN_CACHE/debian12-root.tar" "$MEDIA/di/root.tar"
	chmod -R a+rX "$MEDIA"
}

serial_has() { grep -a -q -- "$1" "$WORK/serial-${2:-install}.log"; } # serial_has PATTERN [BOOT]
bootd_served() { grep -a -q "boot: http $1 to " "$WORK/ringsan-boot.log"; }

lun_file() { echo "$DATA/$LUN/disk.img"; }
fsck_clean() { e2fsck -fn "$(lun_file)?offset=$PART_OFFSET" >/dev/null 2>&1; }
nonce_in_lun() {
	local nonce
	nonce=$(grep -a -o 'RINGSAN-WRITE-OK nonce=[0-9a-f-]*' "$WORK/serial-installed.log" | tail -n1 | cut -d= -f2)
	[[ -n $nonce ]] && debugfs -R "cat /var/lib/ringsan-test/boots" \
		"$(lun_file)?offset=$PART_OFFSET" 2>/dev/null | grep -qx -- "$nonce"
}
lun_cat() { debugfs -R "cat $1" "$(lun_file)?offset=$PART_OFFSET" 2>/dev/null; } # lun_cat PATH

# The UUID the installer printed after its mke2fs.
installer_uuid() { grep -a -o 'RINGSAN-DI-MKFS uuid=[0-9a-f-]*' "$WORK/serial-install.log" | tail -n1 | cut -d= -f2; }

# partition_table_installed: the LUN (created empty) holds the table the installer wrote: MBR,
# one bootable Linux partition at 1 MiB to the end of the 2 GiB disk.
partition_table_installed() {
	local dump
	dump=$(sfdisk -d "$(lun_file)" 2>/dev/null) || return 1
	grep -q '^label: dos$' <<<"$dump" &&
		[[ $(grep -c '^/' <<<"$dump") == 1 ]] &&
		grep -Eq '^[^ ]+1 : start= *2048, size= *4192256, type=83, bootable$' <<<"$dump"
}

# fs_is_installers: the ext4 file system at 1 MiB has the UUID the installer printed (not the fixed
# one of make-debian.sh's prebuilt image), no 64bit feature, and was created during this test.
fs_is_installers() {
	local uuid dump created
	uuid=$(installer_uuid)
	[[ -n $uuid && $uuid != "$IMAGE_UUID" ]] || return 1
	dump=$(dumpe2fs -h "$(lun_file)?offset=$PART_OFFSET" 2>/dev/null) || return 1
	grep -Eq "^Filesystem UUID: +$uuid$" <<<"$dump" && ! grep -Eq '^Filesystem features:.* 64bit' <<<"$dump" || return 1
	created=$(date -d "$(sed -n 's/^Filesystem created: *//p' <<<"$dump")" +%s) || return 1
	((created >= TEST_START_EPOCH - 5))
}

# boot_config_installed: fstab and extlinux.conf name the new UUID, extlinux.conf keeps the
# install entry's `iscsi_auto`, iscsi.initramfs says ISCSI_AUTO=true, ldlinux.sys is there, and
# the first 440 bytes of the LUN are syslinux's MBR code from the kit.
boot_config_installed() {
	local uuid
	uuid=$(installer_uuid)
	[[ -n $uuid ]] &&
		lun_cat /etc/fstab | grep -qx "UUID=$uuid / ext4 errors=remount-ro 0 1" &&
		lun_cat /boot/extlinux/extlinux.conf | grep -Eq "^ *APPEND root=UUID=$uuid ro iscsi_auto console=ttyS0,115200n8$" &&
		lun_cat /etc/iscsi/iscsi.initramfs | grep -qx ISCSI_AUTO=true &&
		debugfs -R "stat /boot/extlinux/ldlinux.sys" "$(lun_file)?offset=$PART_OFFSET" 2>/dev/null | grep -q '^Inode:' &&
		cmp -s -n 440 "$WORK/kit/ringsan/mbr.bin" "$(lun_file)"
}

main() {
	local start t0 cmd
	lab_requirements debugfs dumpe2fs e2fsck sfdisk cmp cpio gzip "$DI/linux" "$DI/initrd.gz"
	start=$(now)
	TEST_START_EPOCH=$(date +%s)
	NS=ringsan-di-$$
	WORK=$(mktemp -d)
	chmod 755 "$WORK"
	DATA=$WORK/data CFG=$WORK/ringsan.ini MEDIA=$WORK/media
	trap ns_cleanup EXIT
	trap 'exit 130' INT TERM
	t0=$(now)
	# Builds (once) the cache: the installer kit and the system's tree come with the image.
	"$VM_DIR/make-debian.sh" "$WORK/debian12.qcow2" || exit $?
	rm -f "$WORK/debian12.qcow2"
	[[ -s $RINGSAN_DEBIAN_CACHE/debian12-installer-kit.tar && -s $RINGSAN_DEBIAN_CACHE/debian12-root.tar ]] ||
		skip "no installer kit or root.tar in $RINGSAN_DEBIAN_CACHE"
	make_media
	echo "  media ready in $(elapsed "$t0") s"
	check "ringsan lun create $LUN (an empty 2 GiB disk)" \
		"$RINGSAN" --data-dir "$DATA" lun create "$LUN" --size 2G
	write_config install
	if ! lab_up; then
		check "ringsan serve and ringsan-boot start in namespace $NS" false
		echo "$PASSED passed, $FAILED failed"
		exit 1
	fi
	check "install: PXE -> menu -> install entry -> Debian's installer -> preseed -> stand-in installs" \
		lab_boot install "$MAC" "$VM_TIMEOUT" write 1024
	cmd="partman-iscsi/login/address=$LAB_SERVER partman-iscsi/login/targets=$BASE_IQN:$LUN"
	cmd+=" partman-iscsi/login/username= partman-iscsi/login/password="
	check "installer: its command line carries the partman-iscsi keys with the right values" \
		serial_has "RINGSAN-DI-CMDLINE .*disk-detect/ibft/enable=true $cmd"
	check "installer: its command line names the initiator and the preseed URL, then --- iscsi_auto" \
		serial_has "RINGSAN-DI-CMDLINE .*iscsi_initiator=$INITIATOR auto=true priority=critical url=http://$LAB_SERVER:80/media/di/preseed.cfg console=ttyS0,115200n8 --- iscsi_auto"
	check "installer: its debconf database holds the address, target and preseed URL" \
		serial_has "RINGSAN-DI-DEBCONF address=$LAB_SERVER targets=$BASE_IQN:$LUN preseed=http://$LAB_SERVER:80/media/di/preseed.cfg"
	check "installer: it fetched the preseed from ringsan-boot (HTTP log)" bootd_served /media/di/preseed.cfg
	check "installer: it sees the iBFT iPXE published (initiator, target, server)" \
		serial_has "RINGSAN-DI-IBFT initiator=$INITIATOR target=$BASE_IQN:$LUN address=$LAB_SERVER"
	check "installer: iscsistart -b logs in to the LUN with the iBFT's initiator name" \
		serial_has "RINGSAN-DI-LOGIN session=$BASE_IQN:$LUN initiator=$INITIATOR disk=sda 4194304 sectors"
	check "installer: sfdisk (in the installer) partitioned the LUN" \
		serial_has "RINGSAN-DI-PARTITIONED sda1 start=2048 sectors=4192256 "
	check "installer: mke2fs (in the installer) made ext4 and printed its UUID" \
		serial_has "RINGSAN-DI-MKFS uuid=[0-9a-f-]\{36\} "
	check "installer: the Debian tree from ringsan-boot (root.tar, HTTP log) was unpacked" \
		serial_has "RINGSAN-DI-UNPACKED [0-9]* KiB used"
	check "installer: root.tar was served by ringsan-boot" bootd_served /media/di/root.tar
	check "installer: extlinux and the MBR installed, kernel arguments root=UUID + iscsi_auto" \
		serial_has "RINGSAN-DI-BOOTLOADER extlinux, root=UUID=[0-9a-f-]* iscsi_auto"
	check "installer: the install finished, the disk unmounted" serial_has "RINGSAN-DI-INSTALLED uuid="
	check "LUN: one bootable MBR partition at 1 MiB, the table the installer wrote" \
		partition_table_installed
	check "LUN: its ext4 has the UUID the installer printed, no 64bit, created during this test" \
		fs_is_installers
	check "LUN: fstab, extlinux.conf (new UUID, iscsi_auto), iscsi.initramfs, ldlinux.sys, MBR code" \
		boot_config_installed
	check "LUN: e2fsck -fn finds the installed file system clean" fsck_clean
	echo "  the installer printed: $(grep -a -o 'RINGSAN-DI-[A-Z]* .* at [0-9]* s\|RINGSAN-DI-INSTALLED .*' \
		"$WORK/serial-install.log" | sed 's/^RINGSAN-DI-//' | tr -d '\r' | paste -sd ';' -)"
	if ! serial_has "RINGSAN-DI-INSTALLED uuid="; then
		check "boot: not tried, the install did not finish (serial-install.log above)" false
		grep -a 'RINGSAN-DI-FAIL' "$WORK/serial-install.log" >&2 || true
		echo "$PASSED passed, $FAILED failed"
		exit 1
	fi
	write_config boot
	lab_reload
	check "boot: the menu's boot -> sanboot -> extlinux -> Debian, root on iSCSI -> nonce written" \
		lab_boot installed "$MAC" "$VM_TIMEOUT"
	check "boot: the guest's root is the iSCSI disk of target $BASE_IQN:$LUN" \
		serial_has "RINGSAN-BOOT-OK root=/dev/sd[a-z]*[0-9]* session=$BASE_IQN:$LUN " installed
	check "boot: its nonce is in the LUN's backing file" nonce_in_lun
	check "boot: e2fsck -fn still finds the root file system clean" fsck_clean
	echo "whole test: $(elapsed "$start") s"
	echo "$PASSED passed, $FAILED failed"
	((FAILED == 0))
}

main "$@"
