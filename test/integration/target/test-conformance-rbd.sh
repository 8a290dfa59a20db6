#!/usr/bin/env bash
# test-conformance-nbd.sh's suites (by default those that reach the backend, below) with every
# LUN under test on an RBD image of its own, in a single-node Ceph cluster started for the run
# (../ceph.sh, about 25-30 s).
: "${RINGSAN:?RINGSAN must point at the ringsan binary}"
for t in ceph-mon ceph-mgr ceph-osd ceph iscsi-test-cu qemu-io; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "SKIPPED: $t is not installed (scripts/setup.sh installs it)"
		exit 77
	}
done
"$RINGSAN" version 2>/dev/null | grep -q '^backends:.* rbd' || {
	echo "SKIPPED: this ringsan was built without RBD support (librbd-dev missing at build time)"
	exit 77
}
export CONFORMANCE_BACKEND=rbd
# One OSD on a file makes the whole set take 5-6 minutes (268 tests, 0 failed when run by hand:
# RINGSAN_CONFORMANCE_ALL=1). By default the suites whose commands reach the backend: the SPC,
# reservation and iSCSI suites answer the same from any LUN and run against file LUNs elsewhere.
export CONFORMANCE_SUITES=backend
exec bash "$(dirname "$0")/test-conformance-nbd.sh"
