#!/usr/bin/env bash
# The conformance suites (test-conformance-full.sh's machinery) against LUNs on NBD exports:
# every LUN under test (disk, ro, san, disk512e) is `lun create --backend nbd:...` on an export
# of its own (Unix socket), so every READ, WRITE, FUA, SYNCHRONIZE CACHE, UNMAP / WRITE SAME
# (NBD_CMD_WRITE_ZEROES), COMPARE AND WRITE, SANITIZE and EXTENDED COPY goes through the NBD
# backend. CONFORMANCE_BACKEND: nbdkit (default: `nbdkit memory`) or qemu-nbd (over a qcow2
# file; test-conformance-qemu-nbd.sh). SCSI.Sanitize.Reset (64 s of its own sleeps) is left out
# to keep CI time down, as in test-conformance-overlay.sh.
: "${RINGSAN:?RINGSAN must point at the ringsan binary}"
export CONFORMANCE_BACKEND=${CONFORMANCE_BACKEND:-nbdkit}
tool=$CONFORMANCE_BACKEND
[ "$tool" = rbd ] && tool=rbd
for t in "$tool" iscsi-test-cu qemu-io; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "SKIPPED: $t is not installed (scripts/setup.sh installs it)"
		exit 77
	}
done
[ "$CONFORMANCE_BACKEND" = rbd ] || "$RINGSAN" version 2>/dev/null | grep -q '^backends:.* nbd' || {
	echo "SKIPPED: this ringsan was built without NBD support (libnbd-dev missing at build time)"
	exit 77
}
# CONFORMANCE_SUITES=backend (qemu-nbd, RBD in CI): only the suites whose commands reach the
# LUN's storage; the SPC, reservation and iSCSI suites answer the same from any LUN and run over
# nbdkit and file LUNs. RINGSAN_CONFORMANCE_ALL=1 runs everything anyway.
if [ "${CONFORMANCE_SUITES:-all}" = backend ] && [ "${RINGSAN_CONFORMANCE_ALL:-0}" != 1 ] &&
	[ -z "${SUITES:-}" ]; then
	SUITES="SCSI.Read10 SCSI.Read16 SCSI.Write10 SCSI.Write16 SCSI.WriteVerify16 SCSI.Verify16
		SCSI.CompareAndWrite SCSI.OrWrite SCSI.WriteSame16 SCSI.Unmap SCSI.GetLBAStatus
		SCSI.ExtendedCopy SCSI.Prefetch16"
	SUITES=$(echo $SUITES)
fi
SUITES=${SUITES:-$(iscsi-test-cu --list 2>/dev/null | grep -E '^(SCSI|iSCSI)\.[A-Za-z0-9]+$' |
	grep -vx 'SCSI.Sanitize' | tr '\n' ' ')}
for t in $(iscsi-test-cu --list | grep -E '^SCSI\.Sanitize\.[A-Za-z0-9]+$'); do
	[ "$t" = SCSI.Sanitize.Reset ] || SUITES+=" $t"
done
export SUITES
exec bash "$(dirname "$0")/test-conformance-full.sh"
