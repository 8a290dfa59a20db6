#!/bin/bash
# prefixes.sh LIB.a...: one module = one .h/.c pair named by its prefix. Every function or object
# a source file exports (nm of the built static libraries) carries that file's name as its prefix:
# foo.c exports foo_*, or the family's foo_* for foo_bar.c (the files of one module split in
# several, such as config_keys.c or sbc_thin.c); the SCSI layer's entry points add the layer's
# name (lu.c exports scsi_lu_*). Names that start with '_' come from the toolchain (sanitizers)
# and are skipped. Prints each offending FILE: SYMBOL and exits 1; 0 when the rule holds. First
# proves itself on a planted violation, so a broken check cannot pass silently.
set -uo pipefail

# reads "OBJECT SYMBOL" lines; prints the offending ones; fails if there was any
check_lines() {
	local obj sym f family bad=0
	while read -r obj sym; do
		f=${obj%%.*}
		family=${f%%_*}
		case $sym in
		_* | "$f" | "$f"_* | "$family"_* | scsi_"$f"_*) ;;
		*)
			echo "$obj: $sym"
			bad=1
			;;
		esac
	done
	return $bad
}

# nm -A prints LIB:OBJECT:VALUE TYPE SYMBOL for every defined global
exports() {
	nm -A -g --defined-only "$@" | awk '{ n = split($1, p, ":"); print p[n - 1], $NF }'
}

if printf 'pdu.c.o pdu_encode_r2t\nlu.c.o scsi_lu_new\nsbc_thin.c.o sbc_unmap\n' |
	check_lines >/dev/null &&
	! printf 'pdu.c.o iscsi_encode_r2t\n' | check_lines >/dev/null &&
	! printf 'vpd.c.o scsi_lu_naa\n' | check_lines >/dev/null; then
	:
else
	echo "prefixes.sh: the check itself is broken (a planted violation passed or a good name failed)"
	exit 1
fi
[ $# -gt 0 ] || { echo "usage: prefixes.sh LIB.a..."; exit 2; }
command -v nm >/dev/null || { echo "SKIPPED: nm is not installed (binutils)"; exit 77; }
out=$(exports "$@") || { echo "prefixes.sh: nm failed on $*"; exit 1; }
[ -n "$out" ] || { echo "prefixes.sh: no exported symbols in $*"; exit 1; }
if ! check_lines <<<"$out"; then
	echo "prefixes.sh: the names above do not carry their file's prefix: rename them, or move" \
		"them to the file whose prefix they carry"
	exit 1
fi
echo "prefixes.sh: $(wc -l <<<"$out") exported names, each with its file's prefix"
