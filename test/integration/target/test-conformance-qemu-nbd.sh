#!/usr/bin/env bash
# test-conformance-nbd.sh (the suites that reach the server, below) with every LUN on `qemu-nbd`
# serving a qcow2 file.
export CONFORMANCE_BACKEND=qemu-nbd
# The whole set runs against nbdkit (test-conformance-nbd.sh), through the same backend code; over
# qemu-nbd CI runs the suites whose commands reach the server (RINGSAN_CONFORMANCE_ALL=1: all).
export CONFORMANCE_SUITES=backend
exec bash "$(dirname "$0")/test-conformance-nbd.sh"
