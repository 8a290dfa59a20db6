#!/usr/bin/env bash
# make-disk.sh OUT.img [SIZE]: build a small raw disk that boots a Debian kernel and a busybox
# initramfs, under BIOS (syslinux) and under UEFI (systemd-boot), without mounting anything.
#
# Layout (lib.sh): MBR with syslinux's mbr.bin; partition 1 FAT (bootable) with ldlinux.sys,
# syslinux.cfg, \EFI\BOOT\BOOTX64.EFI (systemd-boot), loader entries, vmlinuz and initrd.img;
# partition 2 (type 0xda) where the guest writes the test pattern. SIZE defaults to 64M.
#
# Environment:
#   RINGSAN_VM_CACHE        where downloaded .debs are kept (default build/vm-cache in the repo)
#   RINGSAN_VM_KERNEL_PKG   kernel package to use, e.g. linux-image-6.1.0-56-cloud-amd64
#                           (default: the one cached before, else what linux-image-cloud-amd64 names)
#   RINGSAN_VM_TEST_MODE    write (default) | marker | shell: what the guest's /init does
#   RINGSAN_VM_CMDLINE      extra kernel command line words (default: none)
#
# Only Debian's package archive is used (apt-get download + dpkg -x): no root needed, no install.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MBR_BIN=/usr/lib/syslinux/mbr/mbr.bin
KERNEL_META=linux-image-cloud-amd64
LOADER_PKG=systemd-boot-efi
# Drivers the guest needs, with their dependencies resolved below. virtio-net is the NIC the lab
# uses; e1000 is taken when the kernel flavour has it (the cloud flavour does not).
MODULES_REQUIRED=(virtio_pci virtio_net sd_mod iscsi_tcp iscsi_ibft)
# Algorithms reached through the crypto API appear in no depends= field: sd_mod's T10 PI
# checksums, and iscsi_tcp's crc32c (without it: "Could not create connection due to crc32c
# loading error"). On flavours where they are modules (the plain amd64 one), take them along.
MODULES_OPTIONAL=(e1000 crc32c_generic crc32c_intel crc_t10dif crct10dif_generic crct10dif_pclmul
	crc64_rocksoft crc64_rocksoft_generic)

usage() {
	echo "usage: ${0##*/} OUT.img [SIZE]   (SIZE such as 64M; at least ${VM_MIN_DISK_MIB}M)" >&2
	exit 2
}

# apt_get ARGS...: apt-get, without the _apt sandbox when root (it cannot write to our cache).
apt_get() {
	if (($(id -u) == 0)); then
		apt-get -q -o APT::Sandbox::User=root "$@"
	else
		apt-get -q "$@"
	fi
}

# kernel_package: which linux-image package to use (see the header), remembered in the cache so
# later runs use the same kernel even after the archive moves on.
kernel_package() {
	local pkg=${RINGSAN_VM_KERNEL_PKG:-}
	if [[ -z $pkg && -s $RINGSAN_VM_CACHE/kernel-package ]]; then
		pkg=$(<"$RINGSAN_VM_CACHE/kernel-package")
	fi
	if [[ -z $pkg ]]; then
		pkg=$(meta_target "$KERNEL_META")
		if [[ -z $pkg && $(id -u) == 0 ]]; then
			log "apt lists have no $KERNEL_META: running apt-get update"
			apt_get update >&2
			pkg=$(meta_target "$KERNEL_META")
		fi
		[[ -n $pkg ]] || die "cannot resolve $KERNEL_META (run apt-get update)"
		printf '%s\n' "$pkg" >"$RINGSAN_VM_CACHE/kernel-package"
	fi
	printf '%s\n' "$pkg"
}

# meta_target META: the versioned package a Debian metapackage depends on.
meta_target() {
	apt-cache depends "$1" 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }'
}

# fetch_pkg NAME: prints a directory holding NAME's files (dpkg -x), downloading it once.
fetch_pkg() {
	local name=$1 dir=$RINGSAN_VM_CACHE/pkg/$1 debs tmp
	if [[ ! -e $dir/.complete ]]; then
		mkdir -p "$RINGSAN_VM_CACHE/deb" "$RINGSAN_VM_CACHE/pkg"
		debs=("$RINGSAN_VM_CACHE/deb/${name}"_*.deb)
		if [[ ! -e ${debs[0]} ]]; then
			log "downloading $name"
			(cd "$RINGSAN_VM_CACHE/deb" && apt_get download "$name" >&2) ||
				die "apt-get download $name failed (apt-get update may help)"
			debs=("$RINGSAN_VM_CACHE/deb/${name}"_*.deb)
		fi
		tmp=$(mktemp -d "$RINGSAN_VM_CACHE/pkg/.x.XXXXXX")
		dpkg -x "${debs[-1]}" "$tmp"
		touch "$tmp/.complete"
		rm -rf "$dir"
		mv "$tmp" "$dir"
	fi
	printf '%s\n' "$dir"
}

# --- kernel modules -------------------------------------------------------------------------

declare -A MOD_PATH=() MOD_BUILTIN=() MOD_SEEN=()
MOD_ORDER=()

# index_modules DIR: map module names (with '_', as the kernel spells them) to files.
index_modules() {
	local dir=$1 f name
	while IFS= read -r f; do
		name=${f##*/}
		name=${name%%.ko*}
		MOD_PATH[${name//-/_}]=$f
	done < <(find "$dir/kernel" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst')
	while IFS= read -r f; do
		name=${f##*/}
		name=${name%%.ko*}
		MOD_BUILTIN[${name//-/_}]=1
	done <"$dir/modules.builtin"
}

# module_bytes FILE: the uncompressed module (busybox insmod takes plain .ko only).
module_bytes() {
	case $1 in
	*.xz) xz -dc "$1" ;;
	*.zst) zstd -dcq "$1" ;;
	*) cat "$1" ;;
	esac
}

# module_depends NAME: the depends= field of the module's .modinfo section.
module_depends() {
	module_bytes "${MOD_PATH[$1]}" | tr '\0' '\n' | awk -F= '$1 == "depends" { print $2; exit }' |
		tr ',' ' '
}

# add_module NAME: NAME after its dependencies (depth first), once; built-ins need nothing.
add_module() {
	local name=${1//-/_} dep
	[[ -z ${MOD_SEEN[$name]:-} ]] || return 0
	MOD_SEEN[$name]=1
	[[ -z ${MOD_BUILTIN[$name]:-} ]] || return 0
	[[ -n ${MOD_PATH[$name]:-} ]] || die "kernel has no module $name (neither built in)"
	for dep in $(module_depends "$name"); do
		add_module "$dep"
	done
	MOD_ORDER+=("$name")
}

# stage_modules KMODDIR STAGE: copy the modules and write their load order.
stage_modules() {
	local kmod=$1 stage=$2 m i required
	index_modules "$kmod"
	for m in "${MODULES_REQUIRED[@]}"; do
		add_module "$m"
	done
	required=${#MOD_ORDER[@]}
	for m in "${MODULES_OPTIONAL[@]}"; do
		[[ -z ${MOD_PATH[$m]:-} ]] || add_module "$m"
	done
	mkdir -p "$stage/lib/modules"
	for m in "${MOD_ORDER[@]}"; do
		module_bytes "${MOD_PATH[$m]}" >"$stage/lib/modules/$m.ko"
	done
	# A '?' marks a module that may refuse to load (crct10dif_pclmul on a CPU without PCLMUL).
	for ((i = 0; i < ${#MOD_ORDER[@]}; i++)); do
		((i < required)) && echo "${MOD_ORDER[i]}" || echo "?${MOD_ORDER[i]}"
	done >"$stage/lib/modules/load-order"
}

# --- initramfs --------------------------------------------------------------------------------

# copy_with_libs BIN DEST STAGE: BIN at DEST inside STAGE, with the shared libraries ldd names.
copy_with_libs() {
	local bin=$1 dest=$2 stage=$3 lib
	install -D -m 755 "$bin" "$stage$dest"
	while read -r lib; do
		[[ -e $stage$lib ]] || install -D -m 755 "$lib" "$stage$lib"
	done < <(ldd "$bin" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }')
}

# build_initramfs KMODDIR OUT: busybox, modules, iscsistart, the pattern and /init, as gzip'd newc.
build_initramfs() {
	local kmod=$1 out=$2 stage
	stage=$WORK/initramfs
	mkdir -p "$stage"/{bin,sbin,dev,proc,sys,run,tmp,var,etc}
	copy_with_libs "$(command -v busybox)" /bin/busybox "$stage"
	copy_with_libs "$(command -v iscsistart)" /sbin/iscsistart "$stage"
	install -m 755 "$VM_DIR/initramfs-init.sh" "$stage/init"
	make_pattern "$stage/pattern.bin"
	stage_modules "$kmod" "$stage"
	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
		gzip -6 >"$out"
}

# --- the FAT partition and the disk ------------------------------------------------------------

# boot_files DIR CMDLINE: syslinux.cfg for BIOS, systemd-boot's loader files for UEFI.
boot_files() {
	local dir=$1 cmdline=$2
	mkdir -p "$dir"
	cat >"$dir/syslinux.cfg" <<-EOF
		SERIAL 0 115200
		DEFAULT ringsan
		PROMPT 0
		TIMEOUT 0
		LABEL ringsan
		  LINUX /vmlinuz
		  INITRD /initrd.img
		  APPEND $cmdline
	EOF
	printf 'default ringsan.conf\ntimeout 0\n' >"$dir/loader.conf"
	cat >"$dir/ringsan.conf" <<-EOF
		title ringsan test guest
		linux /vmlinuz
		initrd /initrd.img
		options $cmdline
	EOF
}

# build_fat OUT KERNEL INITRD EFI_LOADER CMDLINE: the boot partition as an image of its own.
build_fat() {
	local part=$1 kernel=$2 initrd=$3 efi=$4 cmdline=$5 files=$WORK/files
	boot_files "$files" "$cmdline"
	truncate -s "${VM_FAT_MIB}M" "$part"
	# -h: the partition's first sector, which the boot sector must know to find itself on disk.
	mkfs.vfat -h $((VM_FAT_START_MIB * 2048)) -s 64 -n RINGSAN "$part" >/dev/null
	syslinux --install "$part"
	export MTOOLS_SKIP_CHECK=1
	mmd -i "$part" ::/EFI ::/EFI/BOOT ::/loader ::/loader/entries
	mcopy -i "$part" "$files/syslinux.cfg" ::/syslinux.cfg
	mcopy -i "$part" "$kernel" ::/vmlinuz
	mcopy -i "$part" "$initrd" ::/initrd.img
	mcopy -i "$part" "$efi" ::/EFI/BOOT/BOOTX64.EFI
	mcopy -i "$part" "$files/loader.conf" ::/loader/loader.conf
	mcopy -i "$part" "$files/ringsan.conf" ::/loader/entries/ringsan.conf
}

# build_disk OUT SIZE_MIB PART: partition table, the FAT partition at its offset, mbr.bin.
build_disk() {
	local disk=$1 size_mib=$2 part=$3
	truncate -s "${size_mib}M" "$disk"
	sfdisk --quiet "$disk" <<-EOF
		label: dos
		start=$((VM_FAT_START_MIB * 2048)), size=$((VM_FAT_MIB * 2048)), type=e, bootable
		start=$((VM_DATA_START_MIB * 2048)), type=da
	EOF
	dd if="$part" of="$disk" bs=1M seek="$VM_FAT_START_MIB" conv=notrunc status=none
	# 440 bytes: the boot code only, so the partition table sfdisk wrote stays.
	dd if="$MBR_BIN" of="$disk" bs=440 count=1 conv=notrunc status=none
}

main() {
	(($# >= 1 && $# <= 2)) || usage
	local out=$1 size=${2:-64M} size_mib mode kpkg kdir loader kernel kmod cmdline missing start
	start=$(now)
	size_mib=$(($(numfmt --from=iec "$size") >> 20))
	((size_mib >= VM_MIN_DISK_MIB)) || die "SIZE must be at least ${VM_MIN_DISK_MIB}M"
	missing=$(missing_cmds apt-get apt-cache dpkg sfdisk mkfs.vfat syslinux mcopy mmd cpio gzip \
		busybox iscsistart ldd numfmt "$MBR_BIN")
	[[ -z $missing ]] || die "missing: $missing"
	mode=${RINGSAN_VM_TEST_MODE:-write}
	mkdir -p "$RINGSAN_VM_CACHE"

	kpkg=$(kernel_package)
	kdir=$(fetch_pkg "$kpkg")
	loader=$(fetch_pkg "$LOADER_PKG")/usr/lib/systemd/boot/efi/systemd-bootx64.efi
	[[ -e $loader ]] || die "$LOADER_PKG has no systemd-bootx64.efi"
	kernel=$(echo "$kdir"/boot/vmlinuz-*)
	kmod=$(echo "$kdir"/lib/modules/*)
	[[ -e $kernel && -d $kmod ]] || die "$kpkg has no kernel or modules"

	WORK=$(mktemp -d)
	trap 'rm -rf "$WORK"' EXIT
	build_initramfs "$kmod" "$WORK/initrd.img"
	cmdline="console=ttyS0,115200 panic=-1 ringsan.test=$mode ringsan.offset_mib=$VM_DATA_START_MIB"
	cmdline+=${RINGSAN_VM_CMDLINE:+ $RINGSAN_VM_CMDLINE}
	build_fat "$WORK/fat.img" "$kernel" "$WORK/initrd.img" "$loader" "$cmdline"
	build_disk "$WORK/disk.img" "$size_mib" "$WORK/fat.img"
	mv "$WORK/disk.img" "$out"
	log "$out: ${size_mib} MiB, kernel $kpkg, initramfs $(($(stat -c %s "$WORK/initrd.img") >> 10)) KiB," \
		"modules: ${MOD_ORDER[*]}; $(elapsed "$start") s"
}

main "$@"
