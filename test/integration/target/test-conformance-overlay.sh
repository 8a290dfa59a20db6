#!/usr/bin/env bash
# The conformance suites (test-conformance-full.sh's machinery) against overlay LUNs: every LUN
# under test is an overlay of an image that holds data, so each suite's reads of blocks it did
# not write come from the base, its first writes copy clusters up, and UNMAP / WRITE SAME /
# SANITIZE / GET LBA STATUS / EXTENDED COPY / COMPARE AND WRITE run over the overlay's map.
# Every SCSI and iSCSI suite runs except SCSI.Sanitize.Reset (about 64 s of its own sleeps; the
# other Sanitize tests do run on an overlay), to keep CI time down.
SUITES=${SUITES:-$(iscsi-test-cu --list 2>/dev/null | grep -E '^(SCSI|iSCSI)\.[A-Za-z0-9]+$' |
	grep -vx 'SCSI.Sanitize' | tr '\n' ' ')}
if command -v iscsi-test-cu >/dev/null 2>&1; then
	for t in $(iscsi-test-cu --list | grep -E '^SCSI\.Sanitize\.[A-Za-z0-9]+$'); do
		[ "$t" = SCSI.Sanitize.Reset ] || SUITES+=" $t"
	done
fi
export SUITES CONFORMANCE_OVERLAY=1
exec bash "$(dirname "$0")/test-conformance-full.sh"
