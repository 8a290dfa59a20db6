#!/bin/bash
# layering.sh [ROOT]: the dependency rule of the source tree, checked. The pure cores
# (target/iscsi, target/scsi, bootsvc/proto and the pure files of common/) take bytes and state in
# and give results out: they include no socket, file, io_uring, INI or clock header and no header
# of an adapter or shell module. Prints each offending include as FILE:LINE and exits 1; 0 when
# the rule holds. Run with no argument it first proves itself on a tree with one planted
# violation, so a broken check cannot pass silently. A second rule: the sources explain
# themselves, so no comment sends the reader to a document outside the repository (the design
# notes, issue numbers); they state the fact or the RFC/T10 section instead.
set -uo pipefail

pure_globs=(
	'target/iscsi/*.[ch]' 'target/scsi/*.[ch]' 'bootsvc/proto/*.[ch]'
	'common/buf.h' 'common/wire.h' 'common/hex.h' 'common/size.[ch]' 'common/name.[ch]'
	'common/lunid.[ch]' 'common/logesc.[ch]' 'common/ovlmap.[ch]' 'common/imginfo.[ch]'
)
# System headers that mean I/O, sockets, files, processes or clocks, and the project's own
# adapter and shell modules.
forbidden='^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]('
forbidden+='sys/[a-z_/]+\.h|unistd\.h|fcntl\.h|poll\.h|dirent\.h|time\.h|signal\.h|termios\.h'
forbidden+='|netinet/[a-z_]+\.h|arpa/inet\.h|netdb\.h|net/if\.h|linux/[a-z_/]+\.h'
forbidden+='|liburing\.h|liburing/[a-z_]+\.h|ini\.h'
forbidden+='|common/(loop|lunfile|lunfile_impl|pidfile|config|config_impl)\.h'
forbidden+='|target/block/blk_(uring|sync)\.h|target/(daemon|cli)/[a-z_]+\.h|bootsvc/daemon/[a-z_]+\.h'
forbidden+=')[>"]'

check_tree() { # check_tree ROOT: prints violations, returns 1 if any
	local root=$1 bad=0 f
	for g in "${pure_globs[@]}"; do
		for f in $root/$g; do
			[ -f "$f" ] || continue
			if grep -nE "$forbidden" "$f" | sed "s|^|${f#"$root"/}:|"; then
				bad=1
			fi
		done
	done
	return $bad
}

root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
if [ $# -eq 0 ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$tmp/target/iscsi"
	printf '#include <stdint.h>\n#include <sys/socket.h>\n' >"$tmp/target/iscsi/planted.c"
	if check_tree "$tmp" >/dev/null; then
		echo "layering.sh: the check missed a planted <sys/socket.h> in a pure module" >&2
		exit 1
	fi
fi
failed=0
if ! out=$(check_tree "$root"); then
	echo "$out"
	echo "layering: pure modules above include I/O or adapter headers; move that code to an adapter"
	failed=$((failed + 1))
fi
outside='(REFERENCE|STYLE|DESIGN)\.md|[Ii]ssue #?[0-9]+'
if out=$(cd "$root" && grep -rnE "$outside" --include='*.[ch]' --include='*.sh' --include='*.py' \
	--include=CMakeLists.txt common target bootsvc test scripts 2>/dev/null); then
	echo "$out"
	echo "layering: the lines above cite documents outside the repository; state the fact instead"
	failed=$((failed + 1))
fi
echo "$((2 - failed)) passed, $failed failed"
[ "$failed" = 0 ]
