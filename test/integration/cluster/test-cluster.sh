#!/bin/bash
# test-cluster.sh: three ringsan nodes on 127.0.0.2-4 behind one portal, with real initiators
# (libiscsi's iscsi-ls, iscsi-inq, iscsi-test-cu; QEMU's iscsi driver):
#   - discovery through any node lists every target of the cluster with its node's portal;
#   - a login through a node that does not serve the LUN is redirected (01/01) to the one that
#     does: a LUN on node b's own storage ([lun] node = b), a shared LUN (shared_dir) placed by
#     its [lun] node order, and one placed by the hash (the same node from every portal);
#   - node c killed: its shared LUNs (one on a file, one on an NBD export) are served by the next
#     node at the next login, with the data written before; only one node holds the shared LUN's file lock at a time;
#   - two nodes whose configs send a LUN to each other: the loop is logged and refused;
#   - broken [cluster] configs: one clear line, nothing started.
DIR=$(cd "$(dirname "$0")" && pwd)
source "$DIR/../lib.sh"
need iscsi-ls iscsi-inq iscsi-test-cu qemu-io python3

P=$(free_port)
SH=$WORK/shared
CFG=$WORK/cluster.ini
mkdir -p "$WORK/a" "$WORK/b" "$WORK/c" "$SH"
"$RINGSAN" --data-dir "$WORK/b" lun create only-b --size 64M >/dev/null || exit 1
"$RINGSAN" --data-dir "$SH" lun create sh --size 64M >/dev/null || exit 1
"$RINGSAN" --data-dir "$SH" lun create hashed --size 16M >/dev/null || exit 1
# A LUN on an NBD export (nbdkit memory, a Unix socket every node reaches), in the shared dir: any
# node can serve it, and after its node dies the next one does, with the data on the export.
NBD=0
if command -v nbdkit >/dev/null && "$RINGSAN" version 2>/dev/null | grep -q '^backends:.* nbd'; then
	nbdkit -f -U "$WORK/nsh.sock" memory 64M >>"$WORK/nbdkit.log" 2>&1 &
	PIDS+=($!)
	wait_for 10 test -S "$WORK/nsh.sock" &&
		"$RINGSAN" --data-dir "$SH" lun create nsh \
			--backend "nbd+unix:///?socket=$WORK/nsh.sock" >/dev/null && NBD=1
	[ "$NBD" = 1 ] || { echo "nbdkit did not start:"; cat "$WORK/nbdkit.log"; exit 1; }
else
	echo "SKIP the NBD LUN checks: nbdkit missing or ringsan built without NBD"
fi
cat >"$CFG" <<INI
[server]
nop_interval = 0

[cluster]
nodes = a=127.0.0.2:$P, b=127.0.0.3:$P, c=127.0.0.4:$P
shared_dir = $SH
health_interval = 1
health_timeout = 3

[lun only-b]
node = b

[lun sh]
node = c, a, b

[lun nsh]
node = c, a, b
INI

declare -A NODE_PID
start_node() { # start_node NAME ADDR
	local log=$WORK/$1.log
	"$RINGSAN" -c "$CFG" --data-dir "$WORK/$1" serve --listen "$2:$P" --workers 1 >>"$log" 2>&1 &
	NODE_PID[$1]=$!
	PIDS+=("$!")
	wait_for 10 python3 -c "import socket; socket.create_connection(('$2',$P),1)" || {
		echo "node $1 did not start:"; cat "$log"; exit 1; }
}
start_node a 127.0.0.2
start_node b 127.0.0.3
start_node c 127.0.0.4

tgt() { echo "$IQN_BASE:$1"; }
u() { echo "iscsi://$1:$P/$(tgt "$2")/0"; } # u PORTAL_ADDR LUN

# Discovery through a: every target, each with the portal of its node.
iscsi-ls "iscsi://127.0.0.2:$P" >"$WORK/ls-a.out" 2>&1
check "discovery via a lists only-b at b" grep -q "Target:$(tgt only-b) Portal:127.0.0.3:$P,1" "$WORK/ls-a.out"
check "discovery via a lists sh at c" grep -q "Target:$(tgt sh) Portal:127.0.0.4:$P,1" "$WORK/ls-a.out"
hashed_portal=$(grep "Target:$(tgt hashed) " "$WORK/ls-a.out" | sed 's/.*Portal://')
check "discovery via a lists the hashed LUN" test -n "$hashed_portal"
for n in 3 4; do
	iscsi-ls "iscsi://127.0.0.$n:$P" >"$WORK/ls-$n.out" 2>&1
	check "discovery via 127.0.0.$n places the hashed LUN on the same node" \
		grep -q "Target:$(tgt hashed) Portal:$hashed_portal" "$WORK/ls-$n.out"
done

# Logins through a node that does not serve the LUN end on the one that does.
check "iscsi-inq via a reaches only-b on b" iscsi-inq "$(u 127.0.0.2 only-b)"
check "a redirected it to b" grep -q "login to $(tgt only-b) redirected to 127.0.0.3:$P,1" "$WORK/a.log"
check "b served it" grep -q "serving LUN only-b" "$WORK/b.log"
check "iscsi-ls -s via c shows only-b's LUN" iscsi-ls -s "iscsi://127.0.0.4:$P"
cu() { # cu URL TEST
	timeout 120 stdbuf -o0 iscsi-test-cu -i iqn.2026-11.org.test:cu1 -I iqn.2026-11.org.test:cu2 \
		--dataloss -t "$2" "$1" >"$WORK/cu-$2.out" 2>&1 && ! grep -q "FAILED" "$WORK/cu-$2.out"
}
for t in SCSI.Inquiry SCSI.Read10 SCSI.Write10 SCSI.ReadCapacity16 SCSI.TestUnitReady; do
	check "iscsi-test-cu $t via a on only-b (b)" cu "$(u 127.0.0.2 only-b)" $t
done
check "iscsi-test-cu SCSI.Write16 via b on sh (c)" cu "$(u 127.0.0.3 sh)" SCSI.Write16

# The shared LUN: written through a (served by c), c killed, read through b (served by a).
check "write sh through a" qemu-io -f raw -c "write -P 0x5a 0 1M" "$(u 127.0.0.2 sh)"
[ "$NBD" = 0 ] || check "write the NBD LUN nsh through a (served by c)" \
	qemu-io -f raw -c "write -P 0x6b 0 1M" "$(u 127.0.0.2 nsh)"
check "a sent sh to c" grep -q "login to $(tgt sh) redirected to 127.0.0.4:$P,1" "$WORK/a.log"
check "ringsan status on c lists the shared LUN sh with what was written to it" bash -c \
	"'$RINGSAN' -c '$CFG' --data-dir '$WORK/c' status --json | python3 -c '
import json, sys
l = [l for l in json.load(sys.stdin)[\"luns\"] if l[\"name\"] == \"sh\"]
print(\"    sh on c: %s\" % (l[0] if l else \"not listed\"))
sys.exit(0 if l and l[0][\"bytes_written_total\"] >= 1 << 20 else 1)'"
t0=$(date +%s.%N)
kill -9 "${NODE_PID[c]}"
wait "${NODE_PID[c]}" 2>/dev/null
check "a sees c down" wait_for 15 grep -q "node c .* is down" "$WORK/a.log"
echo "  a counted c down $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") s after kill -9 (health_interval 1, health_timeout 3)"
check "b sees c down" wait_for 15 grep -q "node c .* is down" "$WORK/b.log"
check "read sh through b after c died (the data c wrote)" \
	qemu-io -f raw -c "read -P 0x5a 0 1M" "$(u 127.0.0.3 sh)"
check "b sent sh to a" grep -q "login to $(tgt sh) redirected to 127.0.0.2:$P,1" "$WORK/b.log"
if [ "$NBD" = 1 ]; then
	check "read the NBD LUN nsh through b after c died (the data c wrote, on the export)" \
		qemu-io -f raw -c "read -P 0x6b 0 1M" "$(u 127.0.0.3 nsh)"
	check "b sent nsh to a" grep -q "login to $(tgt nsh) redirected to 127.0.0.2:$P,1" "$WORK/b.log"
fi
check "discovery via b now lists sh at a" sh -c "iscsi-ls iscsi://127.0.0.3:$P | grep -q 'Target:$(tgt sh) Portal:127.0.0.2:$P,1'"

# Only one node serves a shared LUN at a time: while a session of a holds sh, b's own attempt
# (forced by a hand-made lock check) is refused; here: the lock file holder is a.
check "sh/serving names the node that serves it" grep -qx a "$SH/sh/serving"
python3 - "$SH/sh/disk.img" <<'PY' >"$WORK/lock.out" 2>&1 &
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
# Another node taking the LUN while a holds it: an exclusive OFD lock (F_OFD_SETLK = 37).
import struct
fl = struct.pack("hhqqi", fcntl.F_WRLCK, 0, 0, 0, 0)
fcntl.fcntl(fd, 37, fl)
print("locked", flush=True)
time.sleep(6)
PY
LOCKER=$!
PIDS+=("$LOCKER")
wait_for 5 grep -q locked "$WORK/lock.out"
check_fails "a login to sh while another holder has its lock is refused" \
	iscsi-inq "$(u 127.0.0.2 sh)"
check "a said the shared LUN is in use elsewhere" grep -q "shared LUN sh is in use elsewhere" "$WORK/a.log"
wait "$LOCKER"
check "after the other holder let go, sh is served again" iscsi-inq "$(u 127.0.0.3 sh)"

# Sticky: c comes back while a still has a session on sh. Placement now says c, but every node
# finds a holding the LUN's lock and sends new logins to a; once a's session ends, c serves sh.
PYTHONPATH=$DIR/../target python3 - "$P" "$(tgt sh)" <<'PY' >"$WORK/hold.out" 2>&1 &
import sys, time
import iscsi_raw
c = iscsi_raw.Conn(port=int(sys.argv[1]), target=sys.argv[2], host="127.0.0.2")
c.must_login()
print("logged in", flush=True)
time.sleep(12)
c.logout()
PY
HOLDER=$!
PIDS+=("$HOLDER")
check "a session holds sh on a" wait_for 10 grep -q "logged in" "$WORK/hold.out"
start_node c 127.0.0.4
check "a sees c up again" wait_for 15 grep -q "node c .* is up" "$WORK/a.log"
check "b sees c up again" wait_for 15 grep -q "node c .* is up" "$WORK/b.log"
to_a() { grep -c "login to $(tgt sh) redirected to 127.0.0.2:$P,1" "$WORK/b.log"; }
before=$(to_a)
check "a login to sh through b while a holds it reaches a" iscsi-inq "$(u 127.0.0.3 sh)"
check "b sent it to a, the holder of its lock, not to c (first in sh's order)" \
	test "$(to_a)" -gt "$before"
wait "$HOLDER"
check "after a's session ended, sh through b is served by c" iscsi-inq "$(u 127.0.0.3 sh)"
check "c took sh's lock" grep -qx c "$SH/sh/serving"

# Persistent reservations follow a shared LUN to the next node: a key registered with APTPL on
# c (which serves sh now) is reported by a once c is gone (a served sh before, with no keys).
pr() { # pr ADDR register|keys
	PYTHONPATH=$DIR/../target python3 - "$1" "$P" "$(tgt sh)" "$2" <<'PY'
import struct, sys
import iscsi_raw
c = iscsi_raw.Conn(port=int(sys.argv[2]), target=sys.argv[3], host=sys.argv[1])
c.must_login()
c.absorb_ua()
if sys.argv[4] == "register":
    # PERSISTENT RESERVE OUT, REGISTER: service action key 0x1122334455667788, APTPL
    params = struct.pack(">QQ", 0, 0x1122334455667788) + bytes([0, 0, 0, 0, 1, 0, 0, 0])
    st, sense, _ = c.scsi(bytes([0x5F, 0x00, 0, 0, 0, 0, 0, 0, 24, 0]), write=params)
    print("register status", st)
else:
    st, sense, data = c.scsi(bytes([0x5E, 0x00, 0, 0, 0, 0, 0, 0x01, 0x00, 0]), read_len=256)
    n = struct.unpack(">I", data[4:8])[0] // 8 if st == 0 else 0
    keys = [struct.unpack(">Q", data[8 + 8 * i:16 + 8 * i])[0] for i in range(n)]
    print("keys", " ".join("%x" % k for k in keys))
c.logout()
PY
}
pr 127.0.0.4 register >"$WORK/reg.out" 2>&1
check "a key registered with APTPL on c" grep -q "register status 0" "$WORK/reg.out"
kill -9 "${NODE_PID[c]}"
wait "${NODE_PID[c]}" 2>/dev/null
check "a counts c down again" wait_for 15 sh -c "[ \$(grep -c 'node c .* is down' '$WORK/a.log') -ge 2 ]"
pr 127.0.0.2 keys >"$WORK/keys.out" 2>&1
check "a, taking sh over, reports the key c registered" grep -q "keys 1122334455667788" "$WORK/keys.out"

# A redirect loop: d and e each place LUN loop on the other.
P2=$(free_port)
mkdir -p "$WORK/d" "$WORK/e"
for n in d e; do
	other=$([ $n = d ] && echo e || echo d)
	cat >"$WORK/$n.ini" <<INI
[cluster]
nodes = d=127.0.0.5:$P2, e=127.0.0.6:$P2

[lun loop]
node = $other
INI
done
"$RINGSAN" -c "$WORK/d.ini" --data-dir "$WORK/d" serve --listen "127.0.0.5:$P2" >>"$WORK/d.log" 2>&1 &
PIDS+=("$!")
"$RINGSAN" -c "$WORK/e.ini" --data-dir "$WORK/e" serve --listen "127.0.0.6:$P2" >>"$WORK/e.log" 2>&1 &
PIDS+=("$!")
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.6',$P2),1)"
check_fails "a login caught in a redirect loop fails" \
	timeout 60 iscsi-inq "iscsi://127.0.0.5:$P2/$(tgt loop)/0"
check "the loop is logged" sh -c "grep -h 'redirect loop' '$WORK/d.log' '$WORK/e.log' | grep -q 'Check that every node has the same'"

# Broken configs: one line naming the problem, nothing started.
bad() { # bad "what" "expected text" INI...
	local what=$1 want=$2
	shift 2
	printf '%s\n' "$@" >"$WORK/bad.ini"
	"$RINGSAN" -c "$WORK/bad.ini" --data-dir "$WORK/bad" serve --listen "127.0.0.7:$P" \
		>"$WORK/bad.out" 2>&1 &
	local pid=$!
	PIDS+=("$pid")
	if wait_for 10 sh -c "! kill -0 $pid" && grep -q -- "$want" "$WORK/bad.out"; then
		pass "bad config refused: $what"
	else
		fail "bad config refused: $what"
		cat "$WORK/bad.out"
	fi
}
bad "no nodes" "needs nodes" "[cluster]" "shared_dir = /tmp"
bad "a node without an address" "NAME=ADDR" "[cluster]" "nodes = a"
bad "a bad address" "IPv4 address" "[cluster]" "nodes = a=300.1.1.1:3260"
bad "a name twice" "given twice" "[cluster]" "nodes = a=127.0.0.7:$P, a=127.0.0.8:$P"
bad "an address twice" "same address" "[cluster]" "nodes = a=127.0.0.7:$P, b=127.0.0.7:$P"
bad "node not among nodes" "not one of nodes" "[cluster]" "node = z" "nodes = a=127.0.0.7:$P"
bad "this node not found" "none of nodes" "[cluster]" "nodes = a=127.0.0.8:$P"
bad "timeout below interval" "above health_interval" "[cluster]" "nodes = a=127.0.0.7:$P" \
	"health_interval = 5" "health_timeout = 5"
bad "[lun] node unknown" "not one of \[cluster\] nodes" "[cluster]" "nodes = a=127.0.0.7:$P" \
	"[lun x]" "node = q"
bad "[lun] node without [cluster]" "no \[cluster\] section" "[lun x]" "node = q"

for n in a b d e; do
	check "no sanitizer report in $n's log" no_sanitizer_report "$WORK/$n.log"
done
finish
