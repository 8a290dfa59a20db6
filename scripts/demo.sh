#!/bin/bash
# demo.sh: the README's first command. Sets up and builds (scripts/setup.sh), then makes a demo
# LUN in ./demo/data and lists the LUNs. Run it again any time; it keeps what exists.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
ringsan() { build/dev/target/cli/ringsan --data-dir "$PWD/demo/data" "$@"; }
export RINGSAN_CONFIG=${RINGSAN_CONFIG-$PWD/scripts/ringsan.ini}
if [ ! -d demo/data/demo ]; then
	ringsan lun create demo --size 1G --description "demo disk"
fi
echo
echo "$ ringsan --data-dir demo/data lun list"
ringsan lun list
echo
echo "Next: build/dev/target/cli/ringsan --help (the target and the boot service come soon)."
