#!/usr/bin/env bash
# Fleets: three machines of two [fleet] sections "boot" at the same time (they fetch their fleet
# script from ringsan-boot, which leaves a boot request, then log in to their overlay with QEMU's
# iscsi driver), each writes its own nonce. Checked: the overlays are created at the first
# login, each holds only its machine's writes, the base file is byte-for-byte unchanged, a second
# boot with reset = boot finds the overlay empty and with reset = never finds the nonce again; a
# session still logged in holds the reset back (the new login gets "service unavailable" and the
# old session a ping) until it ends; requests that do not match the config, or are older than 5
# minutes, are ignored.
. "$(dirname "$0")/../lib.sh"
: "${RINGSAN_BOOT:?RINGSAN_BOOT must point at the ringsan-boot binary}"
need qemu-io qemu-img python3 sha256sum timeout
HOSTILE=$(dirname "$0")/../target/hostile.py
HTTP=$(free_port)
TFTP=$(free_port)
M1=52:54:00:00:00:01
M2=52:54:00:00:00:02
M3=52:54:00:00:00:03
hyp() { echo "${1//:/-}"; }
L1=lab-$(hyp $M1)
L2=lab-$(hyp $M2)
L3=keep-$(hyp $M3)
BOOT_USER=nobody
[ "$(id -u)" -eq 0 ] || BOOT_USER=$(id -un)

cat >"$WORK/ringsan.ini" <<INI
[server]
base_iqn = $IQN_BASE
data_dir = $DATA
[boot]
mode = off
user = $BOOT_USER
[fleet lab]
base = golden
machines = $M1 $M2
[fleet keep]
base = golden
machines = $M3
reset = never
INI
lun() { "$RINGSAN" --data-dir "$DATA" -c "$WORK/ringsan.ini" lun "$@"; }
lun create golden --size 32M >/dev/null || exit 1
# The golden image: 0x5a everywhere the test looks.
qemu-io -f raw -c "write -P 0x5a 0 4M" "$DATA/golden/disk.img" >/dev/null || exit 1
GOLDEN_SUM=$(sha256sum <"$DATA/golden/disk.img")
chmod 755 "$WORK" # the boot service runs as nobody when we are root

start_target -c "$WORK/ringsan.ini" || exit 1
BOOT_LOG=$WORK/boot.log
mkdir -p "$WORK/tftp"
"$RINGSAN_BOOT" serve -c "$WORK/ringsan.ini" --server-ip 127.0.0.1 --http 127.0.0.1:$HTTP \
	--tftp-root "$WORK/tftp" --tftp-port "$TFTP" >"$BOOT_LOG" 2>&1 &
PIDS+=($!)
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1',$HTTP),1)" ||
	{ echo "ringsan-boot did not start:"; cat "$BOOT_LOG"; exit 1; }

# boot MAC FLEET: what iPXE fetches at a boot (menu, then the fleet script with its MAC).
boot() {
	python3 - "$HTTP" "$(hyp "$1")" "$2" <<'PY'
import sys, urllib.request
port, mac, fleet = sys.argv[1:]
base = "http://127.0.0.1:%s/" % port
menu = urllib.request.urlopen(base + "menu.ipxe?mac=" + mac, timeout=5).read().decode()
assert ("goto fleet-" + fleet) in menu, menu
script = urllib.request.urlopen(base + "fleet-%s.ipxe?mac=%s" % (fleet, mac), timeout=5).read()
assert b"sanboot --keep ${rs_root}" in script, script
PY
}
io() { # io LUN qemu-io-command
	timeout 60 qemu-io -f raw -c "$2" "$(url "$1")"
}
# holds LUN BYTE: 0 when the nonce's 64 KiB at 1 MiB all read as BYTE (qemu-io exits 1 both when the
# pattern does not match and when the read fails: its complaint tells them apart).
holds() {
	local out rc
	out=$(timeout 60 qemu-io -f raw -c "read -P $2 1M 64k" "$(url "$1")" 2>&1)
	rc=$?
	grep -q "verification failed" <<<"$out" && return 1
	[ $rc -eq 0 ] || { echo "$out"; return 2; }
}
lacks() { # lacks LUN BYTE: the read works and the nonce is not there
	holds "$@"
	[ $? -eq 1 ]
}
nonce() { # the nonce byte of a LUN
	case $1 in $L1) echo 0x11 ;; $L2) echo 0x22 ;; *) echo 0x33 ;; esac
}

# --- first boot, three machines at once ---
check "machine 1 fetches its fleet script" boot $M1 lab
check "machine 2 fetches its fleet script" boot $M2 lab
check "machine 3 fetches its fleet script" boot $M3 keep
check "  ... each left a boot request in DATA/.fleet" test -f "$DATA/.fleet/$L1" -a -f "$DATA/.fleet/$L2" -a -f "$DATA/.fleet/$L3"
for l in $L1 $L2 $L3; do
	(io $l "write -P $(nonce $l) 1M 64k" >"$WORK/w-$l.out" 2>&1; echo $? >"$WORK/w-$l.rc") &
	PIDS+=($!)
done
wait_for 120 bash -c "test -f '$WORK/w-$L1.rc' -a -f '$WORK/w-$L2.rc' -a -f '$WORK/w-$L3.rc'"
for l in $L1 $L2 $L3; do
	check "first boot of $l: its login created the overlay and took its nonce" test "$(cat "$WORK/w-$l.rc" 2>/dev/null)" = 0
done
check "  ... the requests were used up" test ! -e "$DATA/.fleet/$L1" -a ! -e "$DATA/.fleet/$L2" -a ! -e "$DATA/.fleet/$L3"
check "  ... the target logged the creations" grep -q "overlay $L1 of golden created" "$TARGET_LOG"
for l in $L1 $L2 $L3; do
	check "$l holds its own nonce" holds $l "$(nonce $l)"
done
check "$L1 does not hold machine 2's writes" lacks $L1 0x22
check "$L2 does not hold machine 1's writes" lacks $L2 0x11
check "an overlay reads the base where it has not written" io $L2 "read -P 0x5a 2M 1M"
check "a later login of the same boot (the OS taking over) keeps the overlay" holds $L1 0x11
check "the base file is byte-for-byte unchanged" test "$(sha256sum <"$DATA/golden/disk.img")" = "$GOLDEN_SUM"

# --- second boot ---
check "second boot: the machines fetch their scripts again" bash -c "$(declare -f boot hyp); HTTP=$HTTP; boot $M1 lab && boot $M2 lab && boot $M3 keep"
check "reset = boot: $L1 is empty again (its nonce is gone)" lacks $L1 0x11
check "  ... it reads the base there again" holds $L1 0x5a
check "reset = boot: $L2 is empty again" lacks $L2 0x22
check "reset = never: $L3 finds its nonce again" holds $L3 0x33
check "  ... the target logged the reset" grep -q "overlay $L1 emptied" "$TARGET_LOG"
check "the base file is still unchanged" test "$(sha256sum <"$DATA/golden/disk.img")" = "$GOLDEN_SUM"

# --- a new boot while a session of the previous one is still logged in ---
check "write a nonce on $L1 again" io $L1 "write -P 0x11 1M 64k"
mkfifo "$WORK/hold.in"
python3 "$HOSTILE" "$PORT" "$IQN_BASE:$L1" hold <"$WORK/hold.in" >"$WORK/hold.out" 2>&1 &
HOLD=$!
PIDS+=($HOLD)
exec 7>"$WORK/hold.in"
check "a session of the previous boot is logged in to $L1" wait_for 20 grep -q ready "$WORK/hold.out"
check "machine 1 boots again" boot $M1 lab
check_fails "  ... its login is held back while the old session is logged in" io $L1 "read 0 512"
check "  ... the target pinged the old session" grep -q "session of $L1 is still logged in: pinged" "$TARGET_LOG"
check "  ... and the overlay was not touched: the old session's data is still there" test -e "$DATA/.fleet/$L1"
exec 7>&- # EOF: the old session logs out
wait "$HOLD" 2>/dev/null
check "once it ended, the new boot's login gets through with the overlay emptied" lacks $L1 0x11
check "  ... and the request is used up" test ! -e "$DATA/.fleet/$L1"

# --- requests that do not match the config ---
printf 'fleet=keep\nmac=%s\n' $M1 >"$DATA/.fleet/$L1"
check "a request naming the wrong fleet is ignored at the next login" io $L1 "write -P 0x44 1M 64k"
printf 'fleet=keep\nmac=%s\n' $M1 >"$DATA/.fleet/$L1"
check "  ... the overlay keeps its data" holds $L1 0x44
check "  ... and logged" grep -q "does not match this target's \[fleet\] sections" "$TARGET_LOG"
printf 'fleet=lab\nmac=%s\n' $M1 >"$DATA/.fleet/$L1"
touch -d '10 minutes ago' "$DATA/.fleet/$L1"
check "a request older than 5 minutes (its boot is over) is dropped unused: the data stays" holds $L1 0x44
check "  ... and it is gone" test ! -e "$DATA/.fleet/$L1"
check "  ... and logged" grep -q "dropped unused" "$TARGET_LOG"
check "the boot service refuses a machine that is not in the fleet" bash -c \
	"$(declare -f boot hyp); HTTP=$HTTP; boot 52:54:00:00:00:09 lab; test ! -e '$DATA/.fleet/lab-52-54-00-00-00-09'"
check "  ... and says so" grep -q "is not one of its machines" "$BOOT_LOG"
check "no sanitizer report in the target log" no_sanitizer_report "$TARGET_LOG"
finish
