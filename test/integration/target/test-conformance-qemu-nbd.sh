#!/usr/bin/env bash
# test-conformance-nbd.sh with every LUN on `qemu-nbd` serving a qcow2 file.
export CONFORMANCE_BACKEND=qemu-nbd
exec bash "$(dirname "$0")/test-conformance-nbd.sh"
