#!/bin/bash
# layering.sh [ROOT]: the dependency rule of the source tree, checked. The pure cores
# (target/iscsi, target/scsi, bootsvc/proto and the pure library of common/, ringsan_common_core:
# the sources its CMakeLists.txt lists, their headers, and the header-only codecs) take bytes and
# state in and give results out: they include no socket, file, io_uring, INI or clock header and
# no header of an adapter or shell module. Prints each offending include as FILE:LINE and exits 1;
# 0 when the rule holds. The pure CMake libraries do not link the adapter library ringsan_common
# either. Run with no argument it first proves itself on trees with planted violations, so a
# broken check cannot pass silently. A third rule: the sources explain
# themselves, so no comment sends the reader to a document outside the repository (the design
# notes, issue numbers); they state the fact or the RFC/T10 section instead.
set -uo pipefail

pure_globs=(
	'target/iscsi/*.[ch]' 'target/scsi/*.[ch]' 'target/obs/*.[ch]' 'bootsvc/proto/*.[ch]'
	'common/buf.h' 'common/wire.h' 'common/hex.h'
)
# The CMake libraries of the pure cores: none may link ringsan_common (the adapters).
pure_libs='ringsan_common_core|ringsan_obs|ringsan_boot_proto|ringsan_iscsi_core|ringsan_iscsi|ringsan_scsi'

# The sources of ringsan_common_core, from common/CMakeLists.txt (one per line, as there).
core_sources() { # core_sources ROOT
	sed -n '/^add_library(ringsan_common_core /,/)/p' "$1/common/CMakeLists.txt" 2>/dev/null |
		grep -oE '^[[:space:]]*[a-z0-9_]+\.c' | tr -d ' \t'
}
# System headers that mean I/O, sockets, files, processes or clocks, and the project's own
# adapter and shell modules.
forbidden='^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]('
forbidden+='sys/[a-z_/]+\.h|unistd\.h|fcntl\.h|poll\.h|dirent\.h|time\.h|signal\.h|termios\.h'
forbidden+='|netinet/[a-z_]+\.h|arpa/inet\.h|netdb\.h|net/if\.h|linux/[a-z_/]+\.h'
forbidden+='|liburing\.h|liburing/[a-z_]+\.h|ini\.h'
forbidden+='|common/(atomicfile|clock|loop|lunfile|lunfile_impl|pidfile|config|config_impl)\.h'
forbidden+='|target/block/blk_(uring|sync)\.h|target/(daemon|cli)/[a-z_]+\.h|bootsvc/daemon/[a-z_]+\.h'
forbidden+=')[>"]'

check_tree() { # check_tree ROOT: prints violations, returns 1 if any
	local root=$1 bad=0 f c globs=("${pure_globs[@]}")
	for c in $(core_sources "$root"); do
		globs+=("common/$c" "common/${c%.c}.h")
	done
	for g in "${globs[@]}"; do
		for f in $root/$g; do
			[ -f "$f" ] || continue
			if grep -nE "$forbidden" "$f" | sed "s|^|${f#"$root"/}:|"; then
				bad=1
			fi
		done
	done
	return $bad
}

check_links() { # check_links ROOT: prints pure libraries that link ringsan_common, returns 1 if any
	local root=$1 out
	out=$(cd "$root" && grep -rnE --include=CMakeLists.txt \
		"target_link_libraries\((${pure_libs})[[:space:]][^)]*\bringsan_common\b([^_]|$)" \
		common target bootsvc 2>/dev/null)
	[ -z "$out" ] || { echo "$out"; return 1; }
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
	rm -rf "${tmp:?}"/*
	mkdir -p "$tmp/common" "$tmp/bootsvc/proto"
	printf 'add_library(ringsan_common_core STATIC\n\tplanted.c\n)\n' >"$tmp/common/CMakeLists.txt"
	printf '#include <time.h>\n' >"$tmp/common/planted.h"
	if check_tree "$tmp" >/dev/null; then
		echo "layering.sh: the check missed a planted <time.h> in common/'s pure library" >&2
		exit 1
	fi
	printf 'target_link_libraries(ringsan_boot_proto PUBLIC ringsan_common)\n' \
		>"$tmp/bootsvc/proto/CMakeLists.txt"
	if check_links "$tmp" >/dev/null; then
		echo "layering.sh: the check missed a pure library linking ringsan_common" >&2
		exit 1
	fi
fi
failed=0
if ! out=$(check_tree "$root"); then
	echo "$out"
	echo "layering: pure modules above include I/O or adapter headers; move that code to an adapter"
	failed=$((failed + 1))
fi
if ! out=$(check_links "$root"); then
	echo "$out"
	echo "layering: a pure library above links ringsan_common (the adapters); link ringsan_common_core"
	failed=$((failed + 1))
fi
if [ -z "$(core_sources "$root")" ]; then
	echo "layering: found no ringsan_common_core sources in common/CMakeLists.txt"
	failed=$((failed + 1))
fi
outside='(REFERENCE|STYLE|DESIGN)\.md|[Ii]ssue #?[0-9]+'
if out=$(cd "$root" && grep -rnE "$outside" --include='*.[ch]' --include='*.sh' --include='*.py' \
	--include=CMakeLists.txt common target bootsvc test scripts 2>/dev/null); then
	echo "$out"
	echo "layering: the lines above cite documents outside the repository; state the fact instead"
	failed=$((failed + 1))
fi
echo "$((4 - failed)) passed, $failed failed"
[ "$failed" = 0 ]
