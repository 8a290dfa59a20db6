#!/usr/bin/env bash
# test-sanboot-tgt.sh: the sanboot lab test against the Debian tgt reference target (a check of
# the lab itself; see test-sanboot.sh).
exec bash "$(dirname "${BASH_SOURCE[0]}")/test-sanboot.sh" tgt "$@"
