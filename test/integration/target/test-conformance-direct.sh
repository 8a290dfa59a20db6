#!/usr/bin/env bash
# The conformance suites (test-conformance-full.sh's machinery) against LUNs with `cache =
# direct` (O_DIRECT), on a disk file system (/var/tmp when /tmp is tmpfs): the suites that move
# data or depend on how it reaches the file (reads, writes, verify, COMPARE AND WRITE, WRITE SAME,
# UNMAP, GET LBA STATUS, PRE-FETCH, SYNCHRONIZE CACHE, EXTENDED COPY, SANITIZE but its Reset
# test, the iSCSI data-transfer suites), with the startup check that every LUN is served with
# O_DIRECT. The rest of the command set does not touch the file and runs in the buffered suite.
tmp_fs=$(findmnt -n -o FSTYPE -T /tmp 2>/dev/null | head -1)
if [ "$tmp_fs" = tmpfs ] && [ -z "${RINGSAN_TEST_TMPDIR:-}" ]; then
	export RINGSAN_TEST_TMPDIR=/var/tmp
fi
if command -v iscsi-test-cu >/dev/null 2>&1; then
	all=$(iscsi-test-cu --list 2>/dev/null | grep -E '^(SCSI|iSCSI)\.[A-Za-z0-9]+$')
	SUITES=$(grep -E '^SCSI\.(Mandatory|Read|Write|Verify|CompareAndWrite|OrWrite|Unmap|GetLBAStatus|Prefetch|SyncCache|ExtendedCopy|ReadCapacity)|^iSCSI\.' <<<"$all" | tr '\n' ' ')
	for t in $(iscsi-test-cu --list | grep -E '^SCSI\.Sanitize\.[A-Za-z0-9]+$'); do
		[ "$t" = SCSI.Sanitize.Reset ] || SUITES+=" $t"
	done
	export SUITES
fi
export CONFORMANCE_CACHE=direct
exec bash "$(dirname "$0")/test-conformance-full.sh"
