#!/bin/bash
# test-basic.sh: ringsan-boot on loopback high ports with a temporary data dir: HTTP scripts and
# media (Range 206/416, keep-alive, bad requests), TFTP (options, traversal, symlinks, WRQ, the
# OVMF size probe, block rollover, a 100-client load bounded in time), proxyDHCP on the DHCP and
# boot-server ports, full DHCP, SIGHUP reload and SIGTERM. Loopback only: every client and the
# daemon use 127.0.0.1; the daemon answers to the request's source, so nothing is broadcast.
# With the ringsan CLI as second argument it also checks that a LUN the CLI made reads the same
# size in `ringsan lun list` and in the menu.
# Usage: test-basic.sh PATH/TO/ringsan-boot [PATH/TO/ringsan]
set -u

BIN=${1:?usage: test-basic.sh PATH/TO/ringsan-boot [PATH/TO/ringsan]}
CLI=${2:-}
HERE=$(cd "$(dirname "$0")" && pwd)
CLIENT="$HERE/bootclient.py"
PY=$(command -v /usr/bin/python3 || command -v python3 || true) # the system one starts fastest
[ -n "$PY" ] || { echo "SKIPPED: python3 is not installed"; exit 77; }
[ -x "$BIN" ] || { echo "SKIPPED: $BIN not built"; exit 77; }

passed=0
failed=0
TMP=$(mktemp -d /tmp/ringsan-boot-test.XXXXXX)
chmod 755 "$TMP" # run as root, the daemon drops to an unprivileged user that must read it
PIDS=()

cleanup() {
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

check() { # check NAME COMMAND...: runs a check, counts it
	local name=$1
	shift
	local out
	local t0=$SECONDS
	if out=$("$@" 2>&1); then
		passed=$((passed + 1))
		echo "PASS $name ($((SECONDS - t0)) s): ${out##*$'\n'}"
	else
		failed=$((failed + 1))
		echo "FAIL $name: $out"
	fi
}

# Below the kernel's ephemeral range (32768-60999), where a client socket could hold one.
BASE=$((20000 + ($$ + RANDOM) % 12000))
HTTP=$BASE TFTP=$((BASE + 1)) DHCP=$((BASE + 2)) PXE=$((BASE + 3))
FDHCP=$((BASE + 4)) FPXE=$((BASE + 5)) FTFTP=$((BASE + 6)) FHTTP=$((BASE + 7))

# Data dir: LUN directories as common/lunfile.h lays them out (a sparse disk.img + lun.meta).
mklun() {
	mkdir -p "$TMP/data/$1"
	truncate -s "$2" "$TMP/data/$1/disk.img"
	printf 'uuid=00000000-0000-4000-8000-000000000001\nblock_size=512\ndescription=%s\n' "$3" \
		>"$TMP/data/$1/lun.meta"
}
mklun win11 60G "Windows 11 desk"
mklun debian 8G "Debian lab"

# TFTP root with files of awkward sizes, a symlink inside the root and one leaving it.
ROOT=$TMP/tftp
mkdir -p "$ROOT/sub" "$TMP/media/iso" "$TMP/outside"
head -c 1000 /dev/urandom >"$ROOT/small.bin"
head -c 1024 /dev/urandom >"$ROOT/exact.bin"
head -c 3000000 /dev/urandom >"$ROOT/big.bin"
head -c 80000 /dev/urandom >"$ROOT/undionly.kpxe"
head -c 200000 /dev/urandom >"$ROOT/snponly.efi"
head -c 100 /dev/urandom >"$ROOT/sub/inner.bin"
truncate -s 34M "$ROOT/rollover.bin" # > 65535 blocks of 512 bytes
echo secret >"$TMP/outside/secret.txt"
ln -s small.bin "$ROOT/link-in.bin"
ln -s "$TMP/outside/secret.txt" "$ROOT/link-out.txt"
ln -s "$TMP/outside" "$ROOT/dir-out"
head -c 1048576 /dev/urandom >"$TMP/media/iso/test.iso"
mkdir -p "$TMP/media/di"
head -c 5000 /dev/urandom >"$TMP/media/di/linux"
head -c 7000 /dev/urandom >"$TMP/media/di/initrd.gz"
ln -s "$TMP/outside/secret.txt" "$TMP/media/escape.txt"

cat >"$TMP/boot.ini" <<EOF
[boot]
media_dir = $TMP/media
menu_timeout = 5

[lun win11]
description = Desk PC (from the config)

[image debian12]
description = Debian 12 installer
kernel = debian/linux
initrd = debian/initrd.gz
args = partman-iscsi/login/address={server} partman-iscsi/login/targets={target_iqn}

[image abs]
kernel = $TMP/media/di/linux
initrd = $TMP/media/di/initrd.gz

[client 52:54:00:c0:ff:ee]
name = desk
lun = win11
action = boot
EOF

start() { # start LOG ARGS...: starts the daemon, waits for its HTTP port
	local log=$1 port=$2
	shift 2
	"$BIN" serve "$@" >"$log" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 50); do
		"$PY" - "$port" <<'EOF' 2>/dev/null && return 0
import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.2).close()
EOF
		sleep 0.1
	done
	echo "daemon did not start:"
	cat "$log"
	return 1
}

start "$TMP/proxy.log" $HTTP -c "$TMP/boot.ini" --data-dir "$TMP/data" --server-ip 127.0.0.1 \
	--http 127.0.0.1:$HTTP --tftp-root "$ROOT" --tftp-port $TFTP --dhcp-port $DHCP \
	--pxe-port $PXE --dhcp proxy || exit 1
MAIN_PID=${PIDS[0]}

c() { "$PY" "$CLIENT" "$@"; }
grep_in() { # grep_in FILE PATTERN: the HTTP-fetched script contains the pattern
	grep -q -- "$2" "$1" && echo "found: $2" || { echo "missing: $2"; return 1; }
}
fetch() { # fetch PATH OUTFILE
	"$PY" - "$HTTP" "$1" "$2" <<'EOF'
import sys, urllib.request
port, path, out = sys.argv[1:]
data = urllib.request.urlopen("http://127.0.0.1:%s%s" % (port, path), timeout=5).read()
open(out, "wb").write(data)
EOF
}

# --- HTTP: scripts
fetch "/boot.ipxe" "$TMP/boot.ipxe"
fetch "/menu.ipxe?mac=52-54-00-c0-ff-ee" "$TMP/menu.ipxe"
fetch "/lun-win11.ipxe" "$TMP/lun-win11.ipxe"
check "boot.ipxe chains the menu" grep_in "$TMP/boot.ipxe" 'chain --autofree menu.ipxe?mac=${netX/mac:hexhyp}'
check "menu lists win11 with config description" grep_in "$TMP/menu.ipxe" 'item lun-win11 win11 \[60 GiB\] Desk PC (from the config)'
check "menu lists debian with lun.meta description" grep_in "$TMP/menu.ipxe" 'item lun-debian debian \[8 GiB\] Debian lab'
check "client default in menu" grep_in "$TMP/menu.ipxe" 'iseq ${rs_mac} 52-54-00-c0-ff-ee && goto client-52-54-00-c0-ff-ee'
check "client timeout 5 s" grep_in "$TMP/menu.ipxe" 'set rs_timeout 5000'
check "lun script sanboots" grep_in "$TMP/lun-win11.ipxe" 'sanboot --keep ${rs_root}'
check "image args use iPXE settings" grep_in "$TMP/lun-win11.ipxe" 'partman-iscsi/login/targets=${rs_target_iqn}'
check "http 404 for unknown script" c http $HTTP /lun-nope.ipxe 404
check "http 404 for traversal" c http $HTTP /media/../boot.ini 404
check "http 404 for symlink out of media" c http $HTTP /media/escape.txt 404
check "http keep-alive + pipelining" c http-keepalive $HTTP
check "http 405 for POST" c http-raw $HTTP 405 'POST / HTTP/1.1\r\nHost: x\r\n\r\n'
check "http 400 for garbage" c http-raw $HTTP 400 'GARBAGE\r\n\r\n'
check "http 501 for unknown method" c http-raw $HTTP 501 'BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n'

# --- HTTP: media with Range
ISO=$TMP/media/iso/test.iso
check "media 200" c http $HTTP /media/iso/test.iso 200 - "$ISO"
check "media range a-b 206" c http $HTTP /media/iso/test.iso 206 100-1123 "$ISO"
check "media range a- 206" c http $HTTP /media/iso/test.iso 206 1048000- "$ISO"
check "media range -n 206" c http $HTTP /media/iso/test.iso 206 -4096 "$ISO"
check "media range past end 416" c http $HTTP /media/iso/test.iso 416 2000000-
check "ipxe binary over http" c http $HTTP /ipxe/undionly.kpxe 200 - "$ROOT/undionly.kpxe"

# --- TFTP
check "tftp plain" c tftp-get $TFTP small.bin "$ROOT/small.bin"
check "tftp exact multiple of 512" c tftp-get $TFTP exact.bin "$ROOT/exact.bin"
check "tftp blksize+tsize" c tftp-get $TFTP big.bin "$ROOT/big.bin" --blksize 1468 --tsize
check "tftp windowsize 8" c tftp-get $TFTP big.bin "$ROOT/big.bin" --blksize 1428 --windowsize 8 --tsize
check "tftp leading slash" c tftp-get $TFTP /sub/inner.bin "$ROOT/sub/inner.bin"
check "tftp backslashes" c tftp-get $TFTP '\sub\inner.bin' "$ROOT/sub/inner.bin"
check "tftp symlink inside root" c tftp-get $TFTP link-in.bin "$ROOT/small.bin"
check "tftp rendered script" c tftp-get $TFTP 'menu.ipxe?mac=x' "$TMP/menu.ipxe"
check "tftp refuses ../etc/passwd" c tftp-refused $TFTP ../etc/passwd
check "tftp refuses sub/../../x" c tftp-refused $TFTP sub/../../outside/secret.txt
check "tftp absolute path stays in root" c tftp-refused $TFTP /etc/passwd
check "tftp refuses symlink out of root" c tftp-refused $TFTP link-out.txt
check "tftp refuses dir symlink out" c tftp-refused $TFTP dir-out/secret.txt
check "tftp not found" c tftp-refused $TFTP nothing.bin
check "tftp WRQ refused" c tftp-wrq $TFTP upload.bin
check "tftp OVMF size probe" c tftp-probe $TFTP snponly.efi "$ROOT/snponly.efi"
check "tftp block rollover (34 MiB at 512)" c tftp-get $TFTP rollover.bin "$ROOT/rollover.bin" \
	--windowsize 16
check "tftp 100 clients" c tftp-load $TFTP undionly.kpxe "$ROOT/undionly.kpxe" 100 30

# --- proxyDHCP (port 67 role) and boot server (4011 role)
check "dhcp bios -> undionly.kpxe" c dhcp $DHCP bios undionly.kpxe
check "dhcp efi -> snponly.efi" c dhcp $DHCP efi snponly.efi
check "dhcp iPXE -> script URL" c dhcp $DHCP ipxe "http://127.0.0.1:$HTTP/boot.ipxe"
check "dhcp http boot -> URL" c dhcp $DHCP http "http://127.0.0.1:$HTTP/ipxe/snponly.efi"
check "dhcp non-PXE ignored" c dhcp $DHCP plain -
check "pxe 4011 REQUEST -> ACK" c pxe $PXE snponly.efi

# --- a LUN created while running appears without a restart; SIGHUP reloads the config
mklun fresh 1G "Created later"
fetch "/menu.ipxe" "$TMP/menu2.ipxe"
check "new LUN without restart" grep_in "$TMP/menu2.ipxe" 'item lun-fresh fresh \[1 GiB\] Created later'
# The menu and the CLI print a size with the same code: 1 GiB + 512 bytes is "1.0 GiB" in both.
same_size_as_cli() {
	local listed
	"$CLI" lun create odd --size 1073742336 --data-dir "$TMP/data" >/dev/null || return 1
	chmod -R a+rX "$TMP/data/odd" # the daemon reads it as an unprivileged user
	listed=$("$CLI" lun list --data-dir "$TMP/data" | awk '$1 == "odd" { print $2, $3 }')
	[ "$listed" = "1.0 GiB" ] || { echo "lun list says '$listed'"; return 1; }
	fetch "/menu.ipxe" "$TMP/menu-odd.ipxe" || return 1
	grep_in "$TMP/menu-odd.ipxe" "item lun-odd odd \\[$listed\\]"
}
if [ -x "$CLI" ]; then
	check "menu and lun list print the same size" same_size_as_cli
else
	echo "SKIP menu and lun list print the same size: no ringsan CLI given"
fi
sed -i 's/Desk PC (from the config)/Desk PC reloaded/' "$TMP/boot.ini"
kill -HUP "$MAIN_PID"
sleep 0.3
# An absolute media path renders a URL the HTTP server serves: fetch what the script names.
media_urls_served() { # media_urls_served SCRIPT: every ${rs_base}/media/ URL answers the file
	local urls u n=0
	urls=$(grep -o '${rs_base}/media/[^ ]*' "$1" | sort -u)
	[ -n "$urls" ] || { echo "no media URL in $1"; return 1; }
	for u in $urls; do
		u=${u#'${rs_base}'}
		case $u in /media/di/*) ;; *) continue ;; esac
		fetch "$u" "$TMP/got" || { echo "GET $u failed"; return 1; }
		cmp -s "$TMP/got" "$TMP$u" || { echo "GET $u: wrong content"; return 1; }
		n=$((n + 1))
	done
	[ $n -eq 2 ] || { echo "expected 2 di/ URLs, found $n"; return 1; }
	echo "$n absolute media paths served as /media/di/..."
}
check "absolute media paths render served URLs" media_urls_served "$TMP/lun-win11.ipxe"
fetch "/menu.ipxe" "$TMP/menu3.ipxe"
check "SIGHUP reloads the config" grep_in "$TMP/menu3.ipxe" 'Desk PC reloaded'

# --- full DHCP mode: a second instance with a range
printf '[boot]\ndns = 127.0.0.53, 127.0.0.54\n  127.0.0.55\n' >"$TMP/full.ini"
start "$TMP/full.log" $FHTTP -c "$TMP/full.ini" --data-dir "$TMP/data" --server-ip 127.0.0.1 \
	--http 127.0.0.1:$FHTTP --tftp-root "$ROOT" --tftp-port $FTFTP --dhcp-port $FDHCP \
	--pxe-port $FPXE --dhcp full --dhcp-range 127.0.0.100-127.0.0.120 || exit 1
FULL_PID=${PIDS[1]}
check "full dhcp offers an address and every DNS server" c dhcp-full $FDHCP \
	"$TMP/data/.dhcp/leases" 127.0.0.53,127.0.0.54,127.0.0.55

# --- render --out
check "render writes the scripts" bash -c "'$BIN' render -c '$TMP/boot.ini' --data-dir '$TMP/data' \
	--server-ip 127.0.0.1 --out '$TMP/out' >/dev/null && ls '$TMP/out/menu.ipxe' \
	'$TMP/out/vars.ipxe' '$TMP/out/boot.ipxe' '$TMP/out/lun-win11.ipxe' '$TMP/out/lun-fresh.ipxe'"

# --- one log line per boot event, then a clean SIGTERM
check "boot events logged" grep_in "$TMP/proxy.log" 'boot: dhcp DISCOVER -> OFFER mac 52:54:00:c0:ff:ee arch 7 file snponly.efi'
check "tftp events logged" grep_in "$TMP/proxy.log" 'boot: tftp sent small.bin to 127.0.0.1'
stop_clean() { # stop_clean NAME PID: SIGTERM, then the exit status must be 0 within 3 s
	kill -TERM "$2"
	for _ in $(seq 30); do
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$2" 2>/dev/null; then
		failed=$((failed + 1))
		echo "FAIL $1: still running"
		return
	fi
	wait "$2"
	local rc=$?
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
		echo "PASS $1: exit 0"
	else
		failed=$((failed + 1))
		echo "FAIL $1: exit $rc"
	fi
}
stop_clean "SIGTERM exits cleanly" "$MAIN_PID"
stop_clean "SIGTERM exits cleanly (full)" "$FULL_PID"
PIDS=()

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
