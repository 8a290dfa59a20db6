#!/usr/bin/env bash
# test-debian-iscsi.sh: a real Debian 12 system with its root on a ringsan LUN, booted twice
# through ringsan-boot (BIOS, TCG).
#
# make-debian.sh builds the system once (debootstrap; cached) as a qcow2 image; `ringsan lun
# import` makes it a LUN. A diskless VM on the lab bridge (ringsan-lab.sh: full DHCP) has a
# [client MAC] section (lun = debian12, action = boot, timeout = 0): iPXE sanboot -> extlinux from
# the LUN (INT13) -> Debian's kernel -> its initramfs logs in again from the iBFT (iscsi_auto) ->
# root on iSCSI -> systemd multi-user -> ringsan-nonce.service appends a random nonce to
# /var/lib/ringsan-test/boots, prints it and powers off. After each boot the test finds that
# nonce in the LUN's backing file (debugfs, read-only) and e2fsck -fn finds the file system
# clean; the second boot must report the first boot's nonce and the file must then hold both.
# Then the same under UEFI (OVMF, iPXE EFI): make-debian.sh's GPT disk (ESP with systemd-boot,
# which iPXE's sanboot starts), imported as a second LUN, booted once, nonce and e2fsck checked.
# RINGSAN_DEBIAN_UEFI=0 leaves the UEFI boot out.
#
# Environment: RINGSAN, RINGSAN_BOOT (binaries; default build/dev), RINGSAN_VM_TIMEOUT (per boot,
# default 600 s: ~60 s on a quiet machine, several times that on a loaded one),
# RINGSAN_DEBIAN_CACHE (make-debian.sh). Exit 77 when something is missing or not root.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$VM_DIR/ringsan-lab.sh"

: "${RINGSAN:=$REPO_DIR/build/dev/target/cli/ringsan}"
: "${RINGSAN_BOOT:=$REPO_DIR/build/dev/bootsvc/daemon/ringsan-boot}"
MAC=52:54:00:77:00:12
MAC_UEFI=52:54:00:77:00:14
LUN=debian12
LUN_UEFI=debian12-uefi
UEFI_PART_OFFSET=$((65 << 20)) # make-debian.sh: the UEFI disk's root starts at 65 MiB
VM_TIMEOUT=${RINGSAN_VM_TIMEOUT:-600}
BASE_IQN=iqn.2026-11.org.ringsan
PART_OFFSET=1048576 # make-debian.sh: the ext4 partition starts at 1 MiB
PASSED=0
FAILED=0

write_config() {
	cat >"$CFG" <<-EOF
		# test-debian-iscsi.sh (generated)
		[server]
		base_iqn = $BASE_IQN

		[boot]
		ipxe_dir = /usr/lib/ipxe
		menu_timeout = 10

		[client $MAC]
		name = debian-root-on-iscsi
		lun = $LUN
		action = boot
		timeout = 0

		[client $MAC_UEFI]
		name = debian-root-on-iscsi-uefi
		lun = $LUN_UEFI
		action = boot
		timeout = 0
	EOF
	chmod 644 "$CFG"
}

# nonce_of NAME: the nonce boot NAME printed.
nonce_of() { grep -a -o 'RINGSAN-WRITE-OK nonce=[0-9a-f-]*' "$WORK/serial-$1.log" | tail -n1 | cut -d= -f2; }

# boots_file: /var/lib/ringsan-test/boots as it is in the LUN's backing file.
boots_file() { debugfs -R "cat /var/lib/ringsan-test/boots" "$DATA/$LUN/disk.img?offset=$PART_OFFSET" 2>/dev/null; }

nonce_in_lun() { [[ -n $1 ]] && boots_file | grep -qx -- "$1"; }

fsck_clean() {
	local out
	out=$(e2fsck -fn "$DATA/$LUN/disk.img?offset=$PART_OFFSET" 2>&1) && return 0
	log "e2fsck -fn:"
	sed 's/^/    /' <<<"$out" | tail -n 20 >&2
	return 1
}

# booted_from_iscsi NAME: the guest's own report: root is a SCSI disk and an iSCSI session to
# the LUN's target exists.
booted_from_iscsi() {
	grep -a -E "^RINGSAN-BOOT-OK root=/dev/sd[a-z]+[0-9]* session=$BASE_IQN:$LUN( |$)" \
		"$WORK/serial-$1.log" >/dev/null
}

uefi_nonce_in_lun() {
	local nonce
	nonce=$(nonce_of uefi)
	[[ -n $nonce ]] && debugfs -R "cat /var/lib/ringsan-test/boots" \
		"$DATA/$LUN_UEFI/disk.img?offset=$UEFI_PART_OFFSET" 2>/dev/null | grep -qx -- "$nonce"
}
uefi_fsck_clean() { e2fsck -fn "$DATA/$LUN_UEFI/disk.img?offset=$UEFI_PART_OFFSET" >/dev/null 2>&1; }

# uefi_case: the GPT/ESP disk under OVMF.
uefi_case() {
	[[ -e /usr/share/OVMF/OVMF_CODE.fd && -e /usr/lib/ipxe/snponly.efi ]] || {
		echo "  UEFI boot left out: no OVMF or ipxe.efi (Debian: ovmf ipxe)"
		return 0
	}
	"$VM_DIR/make-debian.sh" "$WORK/debian12-uefi.qcow2" uefi || return 1
	check "ringsan lun import makes LUN $LUN_UEFI from the GPT/ESP image" \
		"$RINGSAN" --data-dir "$DATA" lun import "$LUN_UEFI" "$WORK/debian12-uefi.qcow2"
	rm -f "$WORK/debian12-uefi.qcow2"
	lab_reload
	check "UEFI boot: OVMF -> iPXE -> menu -> sanboot -> systemd-boot -> Debian, root on iSCSI -> nonce" \
		lab_boot uefi "$MAC_UEFI" "$VM_TIMEOUT" write "" uefi
	check "UEFI boot: the guest's root is the iSCSI disk of target $BASE_IQN:$LUN_UEFI" \
		grep -a -q -E "^RINGSAN-BOOT-OK root=/dev/sd[a-z]+[0-9]* session=$BASE_IQN:$LUN_UEFI( |$)" "$WORK/serial-uefi.log"
	check "UEFI boot: its nonce is in the LUN's backing file" uefi_nonce_in_lun
	check "UEFI boot: e2fsck -fn finds the root file system clean" uefi_fsck_clean
}

main() {
	local start nonce1 nonce2
	lab_requirements debugfs e2fsck
	start=$(now)
	NS=ringsan-deb-$$
	WORK=$(mktemp -d)
	chmod 755 "$WORK"
	DATA=$WORK/data CFG=$WORK/ringsan.ini
	trap ns_cleanup EXIT
	trap 'exit 130' INT TERM
	local t0
	t0=$(now)
	"$VM_DIR/make-debian.sh" "$WORK/debian12.qcow2" || exit $?
	echo "  Debian image ready in $(elapsed "$t0") s (cached in ${RINGSAN_DEBIAN_CACHE:-/var/cache/ringsan-test})"
	check "ringsan lun import makes LUN $LUN from the Debian qcow2 image" \
		"$RINGSAN" --data-dir "$DATA" lun import "$LUN" "$WORK/debian12.qcow2" \
		--description "Debian 12, root on iSCSI"
	rm -f "$WORK/debian12.qcow2"
	write_config
	if ! lab_up; then
		check "ringsan serve and ringsan-boot start in namespace $NS" false
		echo "$PASSED passed, $FAILED failed"
		exit 1
	fi
	check "first boot: PXE -> menu -> sanboot -> extlinux -> Debian, root on iSCSI -> nonce written" \
		lab_boot first "$MAC" "$VM_TIMEOUT"
	nonce1=$(nonce_of first)
	check "first boot: the guest's root is the iSCSI disk of target $BASE_IQN:$LUN" booted_from_iscsi first
	check "first boot: its nonce ${nonce1:-(none)} is in the LUN's backing file" nonce_in_lun "$nonce1"
	check "first boot: e2fsck -fn finds the root file system clean" fsck_clean
	check "second boot of the same LUN" lab_boot second "$MAC" "$VM_TIMEOUT"
	nonce2=$(nonce_of second)
	check "second boot: the guest saw the first boot's nonce" \
		grep -a -q "^RINGSAN-BOOT-OK .* previous=1 ${nonce1:-none}" "$WORK/serial-second.log"
	check "second boot: both nonces are in the LUN's backing file" \
		bash -c "[ '$nonce1' != '$nonce2' ] && [ \"\$(debugfs -R 'cat /var/lib/ringsan-test/boots' '$DATA/$LUN/disk.img?offset=$PART_OFFSET' 2>/dev/null | tr '\n' ' ')\" = '$nonce1 $nonce2 ' ]"
	check "second boot: e2fsck -fn finds the root file system clean" fsck_clean
	[[ ${RINGSAN_DEBIAN_UEFI:-1} == 0 ]] || uefi_case
	echo "whole test: $(elapsed "$start") s"
	echo "$PASSED passed, $FAILED failed"
	((FAILED == 0))
}

main "$@"
