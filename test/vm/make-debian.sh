#!/usr/bin/env bash
# make-debian.sh OUT.qcow2 [bios|uefi]: a minimal Debian 12 system that boots with its root on iSCSI, built
# once with debootstrap from Debian's packages and kept in a cache (the build takes minutes, the
# copy out of the cache a second).
#
# The system: debootstrap --variant=minbase with linux-image-amd64, open-iscsi, systemd-sysv and
# udev. Its initramfs logs in to the disk from the iBFT that iPXE publishes: /etc/iscsi/
# iscsi.initramfs says ISCSI_AUTO=true and the kernel command line has `iscsi_auto` (Debian's
# initramfs; `ip=ibft` is dracut's and not needed). The initramfs holds only the modules needed
# (it is read over iPXE's INT13 at boot, slow under TCG): MODULES=list with a hook naming the NIC
# drivers, ext4 and sd_mod, plus what open-iscsi's own hook adds. (MODULES=dep fails where
# debootstrap configures the kernel: "MODULES dep requires mounted sysfs on /sys"; and in a chroot
# it would pick the build machine's disk drivers, not the iSCSI ones.)
# The BIOS disk: MBR (syslinux's mbr.bin), one bootable ext4
# partition at 1 MiB made with -O ^64bit (extlinux cannot read 64-bit ext4) holding extlinux.
# The UEFI disk (second argument uefi): GPT with a 64 MiB ESP at 1 MiB (FAT32, made with mtools:
# systemd-boot as \EFI\BOOT\BOOTX64.EFI, which iPXE's sanboot starts, its loader entry, the
# kernel and the initramfs) and the same ext4 root at 65 MiB.
#
# At every boot the unit ringsan-nonce.service (after multi-user) appends a fresh random nonce to
# /var/lib/ringsan-test/boots, syncs, prints on the serial console
#   RINGSAN-BOOT-OK root=<root device> session=<iSCSI target> previous=<N> <earlier nonces...>
#   RINGSAN-WRITE-OK nonce=<nonce>
# and powers the machine off. The test reads the nonce from the console and finds it in the LUN.
# Next to the image it keeps, for test-debian-installer.sh, debian12-installer-kit.tar (make_kit)
# and debian12-root.tar (the same tree as the image's file system, numeric owners, for an install
# from inside the installer). The system also has fdisk and extlinux, the tools of that install.
#
# Environment:
#   RINGSAN_DEBIAN_CACHE  where the image is kept (default /var/cache/ringsan-test; it survives
#                         new checkouts and build directories)
#   RINGSAN_DEBIAN_MIRROR the Debian archive to use (default: the one this machine's apt uses,
#                         read from /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list)
# Needs root (debootstrap, a loop mount for extlinux), debootstrap, extlinux, e2fsprogs, fdisk,
# qemu-utils. Exit 77 when something is missing.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${RINGSAN_DEBIAN_CACHE:=/var/cache/ringsan-test}"
SUITE=bookworm
DISK_MIB=2048
PART_START_MIB=1
ROOT_UUID=7a1c0de0-5a11-4b0a-9e5a-000000000012 # fixed: the kernel command line names it
CACHED=$RINGSAN_DEBIAN_CACHE/debian12-iscsi-root.qcow2
CACHED_UEFI=$RINGSAN_DEBIAN_CACHE/debian12-iscsi-root-uefi.qcow2
UEFI_ROOT_START_MIB=65
# test-debian-installer.sh's stand-in (make_kit) and what it unpacks onto the LUN (make_root_tar).
# New names when their recipe changes, so that older checkouts sharing the cache keep theirs.
KIT=$RINGSAN_DEBIAN_CACHE/debian12-installer-kit.tar
ROOT_TAR=$RINGSAN_DEBIAN_CACHE/debian12-root.tar
# Bump when the recipe changes, so a cached image of an older recipe is rebuilt.
RECIPE=7

usage() {
	echo "usage: ${0##*/} OUT.qcow2 [bios|uefi]" >&2
	exit 2
}

# apt_mirror: the Debian archive URI this machine's apt uses for $SUITE (deb822 or one-line).
apt_mirror() {
	local f uri
	[[ -z ${RINGSAN_DEBIAN_MIRROR:-} ]] || { echo "$RINGSAN_DEBIAN_MIRROR"; return; }
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -r $f ]] || continue
		uri=$(awk -v s="$SUITE" '
			/^[ \t]*$/ { if (u && ok) { print u; exit } u = ""; ok = 0; next }
			$1 == "URIs:" { u = $2 }
			$1 == "Suites:" { for (i = 2; i <= NF; i++) if ($i == s) ok = 1 }
			END { if (u && ok) print u }' "$f" | head -n1)
		[[ -z $uri ]] || { echo "$uri"; return; }
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[[ -r $f ]] || continue
		uri=$(awk -v s="$SUITE" '$1 == "deb" && $0 ~ (" " s " ") {
			for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/) { print $i; exit } }' "$f")
		[[ -z $uri ]] || { echo "$uri"; return; }
	done
	return 1
}

# configure ROOT: everything set before the packages are installed, so the kernel's postinst
# builds the one initramfs we want (none of these files belongs to a package).
preconfigure() {
	local root=$1
	mkdir -p "$root/etc/iscsi" "$root/etc/initramfs-tools/conf.d" "$root/etc/initramfs-tools/hooks"
	echo "ISCSI_AUTO=true" >"$root/etc/iscsi/iscsi.initramfs"
	echo "MODULES=list" >"$root/etc/initramfs-tools/conf.d/ringsan"
	cat >"$root/etc/initramfs-tools/hooks/ringsan-net" <<-'EOF'
		#!/bin/sh
		# MODULES=list: the NIC (virtio-net; e1000 too), the disk and the root file system, and
		# what iscsi_tcp and sd_mod reach through the crypto API (in no depends= field).
		[ "$1" = prereqs ] && exit 0
		. /usr/share/initramfs-tools/hook-functions
		for m in virtio_pci virtio_net e1000 sd_mod ext4 crc32c_generic crct10dif_generic \
			crc64_rocksoft_generic; do
			manual_add_modules "$m"
		done
	EOF
	chmod 755 "$root/etc/initramfs-tools/hooks/ringsan-net"
}

# configure ROOT: the system's own files after the install.
configure() {
	local root=$1
	echo ringsan-debian >"$root/etc/hostname"
	printf '127.0.0.1 localhost\n127.0.1.1 ringsan-debian\n' >"$root/etc/hosts"
	echo "UUID=$ROOT_UUID / ext4 errors=remount-ro 0 1" >"$root/etc/fstab"
	mkdir -p "$root/usr/local/sbin"
	cat >"$root/usr/local/sbin/ringsan-nonce" <<-'EOF'
		#!/bin/sh
		# ringsan test: record this boot on the (iSCSI) root file system, then power off.
		f=/var/lib/ringsan-test/boots
		mkdir -p /var/lib/ringsan-test
		nonce=$(cat /proc/sys/kernel/random/uuid)
		prev=$(cat "$f" 2>/dev/null | tr '\n' ' ')
		n=$(cat "$f" 2>/dev/null | wc -l)
		session=$(cat /sys/class/iscsi_session/*/targetname 2>/dev/null | sort -u | tr '\n' ' ')
		# A line of its own even when systemd's status output is half-way through one.
		printf '\nRINGSAN-BOOT-OK root=%s session=%s previous=%s %s\n' \
			"$(findmnt -no SOURCE /)" "${session% }" "$n" "$prev" >/dev/ttyS0
		echo "$nonce" >>"$f"
		sync
		printf '\nRINGSAN-WRITE-OK nonce=%s\n' "$nonce" >/dev/ttyS0
		systemctl poweroff --no-block
	EOF
	chmod 755 "$root/usr/local/sbin/ringsan-nonce"
	cat >"$root/etc/systemd/system/ringsan-nonce.service" <<-'EOF'
		[Unit]
		Description=ringsan test: record this boot on the iSCSI root, then power off
		After=multi-user.target

		[Service]
		Type=oneshot
		ExecStart=/usr/local/sbin/ringsan-nonce

		[Install]
		WantedBy=multi-user.target
	EOF
	ln -sf /etc/systemd/system/ringsan-nonce.service \
		"$root/etc/systemd/system/multi-user.target.wants/ringsan-nonce.service"
	# The image is copied to many LUNs: no machine-id, so each boot makes its own.
	: >"$root/etc/machine-id"
	rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
		"$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/*
}

# extlinux_conf ROOT: the boot menu extlinux reads from /boot/extlinux.
extlinux_conf() {
	local root=$1 kernel initrd
	kernel=$(cd "$root/boot" && ls vmlinuz-* | sort -V | tail -n1)
	initrd=$(cd "$root/boot" && ls initrd.img-* | sort -V | tail -n1)
	[[ -n $kernel && -n $initrd ]] || die "no kernel or initramfs in $root/boot"
	mkdir -p "$root/boot/extlinux"
	cat >"$root/boot/extlinux/extlinux.conf" <<-EOF
		SERIAL 0 115200
		DEFAULT debian
		TIMEOUT 1
		LABEL debian
		  LINUX /boot/$kernel
		  INITRD /boot/$initrd
		  APPEND root=UUID=$ROOT_UUID ro iscsi_auto console=ttyS0,115200n8
	EOF
}

# make_disk ROOT RAW: MBR + ext4 partition filled from ROOT, extlinux installed through a loop
# mount (extlinux works on a mounted file system only).
make_disk() {
	local root=$1 raw=$2 mnt offset=$((PART_START_MIB << 20))
	truncate -s "${DISK_MIB}M" "$raw"
	printf 'label: dos\nstart=%dMiB, type=83, bootable\n' "$PART_START_MIB" | sfdisk -q "$raw"
	mkfs.ext4 -q -F -O ^64bit,^metadata_csum_seed -U "$ROOT_UUID" -L debian-root \
		-E "offset=$offset" -d "$root" "$raw" "$(((DISK_MIB - PART_START_MIB) * 1024))k"
	mnt=$(mktemp -d)
	mount -o loop,offset="$offset" "$raw" "$mnt"
	extlinux --install "$mnt/boot/extlinux" >/dev/null 2>&1 || {
		umount "$mnt"
		rmdir "$mnt"
		die "extlinux --install failed"
	}
	umount "$mnt"
	rmdir "$mnt"
	dd if=/usr/lib/EXTLINUX/mbr.bin of="$raw" conv=notrunc bs=440 count=1 status=none
	e2fsck -fn "$raw?offset=$offset" >/dev/null 2>&1 || die "e2fsck finds errors in the new disk"
}

# make_disk_uefi ROOT RAW ESP: GPT, the ESP made without mounting (mkfs.vfat + mtools), the same
# root file system as make_disk at UEFI_ROOT_START_MIB.
make_disk_uefi() {
	local root=$1 raw=$2 esp=$3 kernel initrd offset=$((UEFI_ROOT_START_MIB << 20)) d
	kernel=$(cd "$root/boot" && ls vmlinuz-* | sort -V | tail -n1)
	initrd=$(cd "$root/boot" && ls initrd.img-* | sort -V | tail -n1)
	truncate -s "${DISK_MIB}M" "$raw"
	printf 'label: gpt\nstart=1MiB, size=%dMiB, type=U\nstart=%dMiB, type=L\n' \
		$((UEFI_ROOT_START_MIB - 1)) "$UEFI_ROOT_START_MIB" | sfdisk -q "$raw"
	# The root ends 1 MiB before the disk's end (GPT's backup header lives there).
	mkfs.ext4 -q -F -O ^metadata_csum_seed -U "$ROOT_UUID" -L debian-root -E "offset=$offset" \
		-d "$root" "$raw" "$(((DISK_MIB - UEFI_ROOT_START_MIB - 1) * 1024))k"
	rm -f "$esp"
	mkfs.vfat -F 32 -n ESP -C "$esp" $(((UEFI_ROOT_START_MIB - 1) * 1024)) >/dev/null
	d=$(mktemp -d)
	printf 'default debian.conf\ntimeout 0\n' >"$d/loader.conf"
	printf 'title Debian 12\nlinux /vmlinuz\ninitrd /initrd.img\noptions root=UUID=%s ro iscsi_auto console=ttyS0,115200n8\n' \
		"$ROOT_UUID" >"$d/debian.conf"
	export MTOOLS_SKIP_CHECK=1
	mmd -i "$esp" ::/EFI ::/EFI/BOOT ::/loader ::/loader/entries
	mcopy -i "$esp" "$root/usr/lib/systemd/boot/efi/systemd-bootx64.efi" ::/EFI/BOOT/BOOTX64.EFI
	mcopy -i "$esp" "$d/loader.conf" ::/loader/loader.conf
	mcopy -i "$esp" "$d/debian.conf" ::/loader/entries/debian.conf
	mcopy -i "$esp" "$root/boot/$kernel" ::/vmlinuz
	mcopy -i "$esp" "$root/boot/$initrd" ::/initrd.img
	rm -rf "$d"
	dd if="$esp" of="$raw" bs=1M seek=1 conv=notrunc status=none
	e2fsck -fn "$raw?offset=$offset" >/dev/null 2>&1 || die "e2fsck finds errors in the UEFI disk"
}

# make_kit ROOT KIT: what test-debian-installer.sh gives Debian's installer in an extra initrd
# instead of the components it would download: iscsistart, and for the install sfdisk (fdisk),
# mke2fs with its mke2fs.conf (e2fsprogs), extlinux with its mbr.bin (extlinux), all with their
# libraries except glibc's (the installer has the same glibc); and the modules (same kernel as the
# installer's) for iSCSI, the iBFT, SCSI disks and ext4, in load order.
make_kit() {
	local root=$1 kit=$2 kver m path lib tool
	kver=$(ls "$root/lib/modules" | sort -V | tail -n1)
	mkdir -p "$kit/ringsan/modules" "$kit/ringsan/lib" "$kit/ringsan/sbin"
	: >"$kit/ringsan/modules/order"
	for m in crc32c_generic crct10dif_generic sd_mod iscsi_tcp iscsi_ibft ext4; do
		chroot "$root" /usr/sbin/modprobe -S "$kver" --show-depends "$m" 2>/dev/null |
			awk '$1 == "insmod" { print $2 }' | while read -r path; do
			[[ -e $kit/ringsan/modules/${path##*/} ]] && continue
			cp "$root$path" "$kit/ringsan/modules/"
			echo "${path##*/}" >>"$kit/ringsan/modules/order"
		done
	done
	grep -q '^iscsi_tcp.ko$' "$kit/ringsan/modules/order" || die "no iscsi_tcp module for $kver"
	cp "$root/usr/sbin/iscsistart" "$kit/ringsan/iscsistart"
	for tool in /usr/sbin/sfdisk /usr/sbin/mke2fs /usr/bin/extlinux; do
		[[ -x $root$tool ]] || die "no $tool in the Debian system"
		cp "$root$tool" "$kit/ringsan/sbin/"
	done
	cp "$root/usr/lib/EXTLINUX/mbr.bin" "$root/etc/mke2fs.conf" "$kit/ringsan/"
	for lib in $(for tool in /usr/sbin/iscsistart /usr/sbin/sfdisk /usr/sbin/mke2fs /usr/bin/extlinux; do
		chroot "$root" ldd "$tool" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'
	done | sort -u); do
		case ${lib##*/} in
		libc.so.* | ld-linux* | libm.so.* | libpthread.so.* | libdl.so.* | librt.so.* | libresolv.so.*) ;;
		*) cp -L "$root$lib" "$kit/ringsan/lib/" ;;
		esac
	done
	[[ -e $kit/ringsan/lib/libcrypto.so.3 && -e $kit/ringsan/lib/libext2fs.so.2 &&
		-e $kit/ringsan/lib/libfdisk.so.1 ]] || die "ldd found no libraries for the kit's tools"
	tar -cf "$kit.tar" -C "$kit" ringsan
}

# make_root_tar ROOT OUT: the system's tree as one uncompressed tar (numeric owners, so the
# installer's busybox tar, which knows no users but root, restores them; uncompressed because
# gunzip under TCG is slower than the network).
make_root_tar() {
	tar --numeric-owner -C "$1" -cf "$2" .
}

# remove_work DIR: unmount whatever a failed debootstrap left mounted below DIR (its /proc, /sys,
# a bind-mounted /dev), then delete DIR without crossing into any other file system.
remove_work() {
	local m
	for m in $(findmnt -rn -o TARGET | grep -F "$1/" | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	rm -rf --one-file-system "$1"
}

build() {
	local work=$1 mirror start
	mirror=$(apt_mirror) || die "no Debian archive for $SUITE in /etc/apt (set RINGSAN_DEBIAN_MIRROR)"
	start=$(now)
	log "building the Debian 12 image once (debootstrap from the archive apt uses); cached in $RINGSAN_DEBIAN_CACHE"
	preconfigure "$work/root"
	mkdir -p "$RINGSAN_DEBIAN_CACHE/debs"
	DEBIAN_FRONTEND=noninteractive debootstrap --variant=minbase \
		--include=linux-image-amd64,open-iscsi,systemd-sysv,udev,e2fsprogs,systemd-boot-efi,fdisk,extlinux \
		--cache-dir="$RINGSAN_DEBIAN_CACHE/debs" \
		"$SUITE" "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
		tail -n 20 "$work/debootstrap.log" >&2
		[[ ! -e $work/root/debootstrap/debootstrap.log ]] ||
			tail -n 40 "$work/root/debootstrap/debootstrap.log" >&2
		die "debootstrap failed (log above)"
	}
	log "debootstrap done in $(elapsed "$start") s"
	grep -qs iscsistart "$work/root/usr/share/initramfs-tools/hooks/iscsi" ||
		die "open-iscsi's initramfs hook is missing"
	configure "$work/root"
	extlinux_conf "$work/root"
	make_kit "$work/root" "$work/kit"
	make_root_tar "$work/root" "$work/root.tar"
	make_disk "$work/root" "$work/disk.raw"
	make_disk_uefi "$work/root" "$work/disk-uefi.raw" "$work/esp.img"
	mkdir -p "$RINGSAN_DEBIAN_CACHE"
	mv "$work/kit.tar" "$KIT"
	mv "$work/root.tar" "$ROOT_TAR"
	qemu-img convert -O qcow2 "$work/disk.raw" "$work/disk.qcow2"
	qemu-img convert -O qcow2 "$work/disk-uefi.raw" "$work/disk-uefi.qcow2"
	echo "$RECIPE" >"$work/recipe"
	mv "$work/disk.qcow2" "$CACHED.tmp"
	mv "$CACHED.tmp" "$CACHED"
	mv "$work/disk-uefi.qcow2" "$CACHED_UEFI"
	mv "$work/recipe" "$CACHED.recipe"
	log "Debian image built in $(elapsed "$start") s: $(du -h "$CACHED" | cut -f1) ($CACHED)"
}

main() {
	local out=${1:-} work missing
	[[ -n $out ]] || usage
	if [[ ! -s $CACHED || ! -s $CACHED_UEFI || ! -s $KIT || ! -s $ROOT_TAR || "$(cat "$CACHED.recipe" 2>/dev/null)" != "$RECIPE" ]]; then
		(($(id -u) == 0)) || skip "building the Debian image needs root (debootstrap, loop mount)"
		missing=$(missing_cmds debootstrap extlinux mkfs.ext4 e2fsck sfdisk qemu-img mount \
			mkfs.vfat mcopy /usr/lib/EXTLINUX/mbr.bin)
		[[ -z $missing ]] || skip "missing: $missing(Debian: debootstrap extlinux e2fsprogs fdisk qemu-utils)"
		work=$(mktemp -d "${TMPDIR:-/var/tmp}/ringsan-debian.XXXXXX")
		# shellcheck disable=SC2064 # the path is fixed now
		trap "remove_work '$work'" EXIT
		build "$work"
	fi
	if [[ ${2:-bios} == uefi ]]; then
		cp --sparse=always "$CACHED_UEFI" "$out"
	else
		cp --sparse=always "$CACHED" "$out"
	fi
}

main "$@"
