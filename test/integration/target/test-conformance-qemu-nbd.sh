#!/usr/bin/env bash
# test-conformance-nbd.sh (the suites that reach the server, below) with every LUN on `qemu-nbd`
# serving a qcow2 file.
export CONFORMANCE_BACKEND=qemu-nbd
# The whole set runs against nbdkit (test-conformance-nbd.sh), through the same backend code; over
# qemu-nbd CI runs the suites whose commands reach the server (RINGSAN_CONFORMANCE_ALL=1: all).
if [ "${RINGSAN_CONFORMANCE_ALL:-0}" != 1 ] && [ -z "${SUITES:-}" ]; then
	export SUITES="SCSI.Read10 SCSI.Read16 SCSI.Write10 SCSI.Write16 SCSI.WriteVerify16
		SCSI.Verify16 SCSI.CompareAndWrite SCSI.OrWrite SCSI.WriteSame16 SCSI.Unmap
		SCSI.GetLBAStatus SCSI.ExtendedCopy SCSI.Prefetch16"
	SUITES=$(echo $SUITES)
fi
exec bash "$(dirname "$0")/test-conformance-nbd.sh"
