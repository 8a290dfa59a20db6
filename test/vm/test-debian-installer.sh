#!/usr/bin/env bash
# test-debian-installer.sh: Debian's real netboot installer started through ringsan-boot's install
# entry (installer = debian, the sample preseed), as far as the archive reachable here allows;
# then the installed disk boots through the menu's *boot*.
#
# Real: the installer's kernel and initrd (package debian-installer-12-netboot-amd64), booted by
# the generated install entry (sanhook + kernel/initrd over HTTP) with the preset's command line;
# the installer configures its network, fetches scripts/preseed-debian-iscsi.cfg from ringsan-boot
# and runs its early command. Stand-in (the archive here answers 404 for most installer
# components, partman-iscsi and open-iscsi-udeb among them): an extra initrd brings Debian's
# iscsistart with its libraries and the iSCSI/ext4 modules of the installer's kernel (from the
# Debian system make-debian.sh builds), and test/vm/di-standin.sh, run as the preseed's early
# command, reports what the installer got (command line, debconf answers, the iBFT), logs in
# with iscsistart -b (the iBFT's initiator name), writes the prebuilt partitioned and formatted
# Debian disk onto the LUN through the installer's kernel, and powers off. Then the machine's
# [client] says boot and the LUN must boot Debian with its root on iSCSI (make-debian.sh's
# nonce unit), and e2fsck must find it clean.
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
PASSED=0
FAILED=0

cleanup() {
	lab_down
	[[ -z ${WORK:-} ]] || rm -rf "$WORK"
}

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

# make_media: the installer, the stand-in initrd, the preseed, the payload.
make_media() {
	local kit=$WORK/kit
	mkdir -p "$MEDIA/di/payload" "$kit"
	cp "$DI/linux" "$DI/initrd.gz" "$MEDIA/di/"
	tar -xf "$RINGSAN_DEBIAN_CACHE/debian12-kit.tar" -C "$kit"
	install -m 755 "$VM_DIR/di-standin.sh" "$kit/ringsan/standin"
	(cd "$kit" && find . | cpio -o -H newc --quiet | gzip -1) >"$MEDIA/di/standin.cpio.gz"
	{
		cat "$REPO_DIR/scripts/preseed-debian-iscsi.cfg"
		echo "# test-debian-installer.sh: the stand-in for the installer's downloaded parts"
		echo "d-i preseed/early_command string /ringsan/standin"
	} >"$MEDIA/di/preseed.cfg"
	qemu-img convert -O raw "$WORK/debian12.qcow2" "$WORK/debian12.raw"
	rm -f "$WORK/debian12.qcow2"
	# The data extents of the prebuilt disk, in pieces of at most 16 MiB, and their index.
	qemu-img map --output=json -f raw "$WORK/debian12.raw" | python3 -c '
import json, os, sys
raw, out = sys.argv[1], sys.argv[2]
piece, n, index = 16 << 20, 0, []
with open(raw, "rb") as f:
    for e in json.load(sys.stdin):
        if not e["data"]:
            continue
        off, end = e["start"], e["start"] + e["length"]
        assert off % 4096 == 0
        while off < end:
            ln = min(piece, end - off)
            f.seek(off)
            name = "p%05d" % n
            with open(os.path.join(out, name), "wb") as o:
                o.write(f.read(ln))
            index.append("%d %d %s" % (off, ln, name))
            off += ln
            n += 1
open(os.path.join(out, "index"), "w").write("\n".join(index) + "\n")
print("%d pieces, %d MiB" % (n, sum(int(l.split()[1]) for l in index) >> 20))
' "$WORK/debian12.raw" "$MEDIA/di/payload"
	rm -f "$WORK/debian12.raw"
	chmod -R a+rX "$MEDIA"
}

serial_has() { grep -a -q -- "$1" "$WORK/serial-${2:-install}.log"; } # serial_has PATTERN [BOOT]
bootd_served() { grep -a -q "boot: http $1 to " "$WORK/ringsan-boot.log"; }

fsck_clean() { e2fsck -fn "$DATA/$LUN/disk.img?offset=$PART_OFFSET" >/dev/null 2>&1; }
nonce_in_lun() {
	local nonce
	nonce=$(grep -a -o 'RINGSAN-WRITE-OK nonce=[0-9a-f-]*' "$WORK/serial-installed.log" | tail -n1 | cut -d= -f2)
	[[ -n $nonce ]] && debugfs -R "cat /var/lib/ringsan-test/boots" \
		"$DATA/$LUN/disk.img?offset=$PART_OFFSET" 2>/dev/null | grep -qx -- "$nonce"
}

main() {
	local start t0 cmd
	lab_requirements debugfs e2fsck cpio gzip qemu-img "$DI/linux" "$DI/initrd.gz"
	start=$(now)
	NS=ringsan-di-$$
	WORK=$(mktemp -d)
	chmod 755 "$WORK"
	DATA=$WORK/data CFG=$WORK/ringsan.ini MEDIA=$WORK/media
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	t0=$(now)
	"$VM_DIR/make-debian.sh" "$WORK/debian12.qcow2" || exit $?
	[[ -s $RINGSAN_DEBIAN_CACHE/debian12-kit.tar ]] || skip "no stand-in kit in $RINGSAN_DEBIAN_CACHE"
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
	check "installer: the disk was written through the installer's kernel" serial_has "RINGSAN-DI-INSTALLED"
	check "installed disk: e2fsck -fn finds the root file system clean" fsck_clean
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
