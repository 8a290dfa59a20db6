#!/usr/bin/env bash
# LUNs on Ceph RBD images (`lun create --backend rbd:POOL/IMAGE`), against a real single-node
# Ceph cluster that this test starts on loopback (test/integration/ceph.sh: one monitor, one
# manager, one BlueStore OSD on a sparse file; about 25 s to start here):
# - the CLI: create (a new image), import (an existing one), info/list, resize (grows the image),
#   rm (keeps the image); clear errors for a missing image, a wrong keyring and a cluster that
#   does not answer;
# - qemu-img round trips through ringsan, checked against the image itself (rbd export);
# - RBD's exclusive lock: a second ringsan serving the same image is refused while the first
#   has a session;
# - kill -9 of ringsan after a flushed write: the data is in the image;
# - the OSD stopped (SIGSTOP) under a session's write, ceph_op_timeout = 5: the write fails in
#   time with ABORTED COMMAND (08/01), logged once; a file LUN on the same ringsan goes on; after
#   SIGCONT the same session and a new one write and read; the data flushed before is intact;
# - a shared RBD LUN of a two-node cluster: written through a (redirected to b), b killed with
#   the image open; through a again the data is there, a broke b's RBD lock and blocklisted b's
#   client (rbd lock ls, rbd status, ceph osd blocklist ls); the failover time is printed;
# - ringsan's log: no crash, no sanitizer report.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../ceph.sh"
need ceph-mon ceph-mgr ceph-osd ceph rbd qemu-img qemu-io
"$RINGSAN" version 2>/dev/null | grep -q '^backends:.* rbd' || {
	echo "SKIPPED: this ringsan was built without RBD support (librbd-dev missing at build time)"
	exit 77
}
T0=$SECONDS
if ! ceph_start "$WORK/ceph"; then
	echo "the Ceph cluster did not start:"
	tail -20 "$WORK/ceph/start.log"
	fail "a single-node Ceph cluster starts"
	finish
fi
pass "a single-node Ceph cluster starts ($((SECONDS - T0)) s)"
RBD() { rbd -c "$CEPH_CONF" "$@"; }
ini() { # ini FILE [KEYRING] [CONF]: a config naming the cluster
	cat >"$1" <<INI
[server]
base_iqn = $IQN_BASE
ceph_conf = ${3:-$CEPH_CONF}
ceph_user = admin
ceph_keyring = ${2:-$CEPH_KEYRING}
ceph_op_timeout = 5
INI
}
ini "$WORK/ringsan.ini"
L() { "$RINGSAN" -c "$WORK/ringsan.ini" --data-dir "$DATA" "$@"; }
refused() {
	check_fails "$@"
	cp "$WORK/last.out" "$WORK/refused.out"
}
said() { grep -q "$1" "$WORK/refused.out"; }

# --- the CLI ---------------------------------------------------------------------------------
check "create a LUN on a new RBD image" L lun create r1 --size 256M --backend rbd:rbd/r1
check "... the image exists with that size" bash -c "rbd -c '$CEPH_CONF' info rbd/r1 | grep -q 'size 256 MiB'"
check "... and has the exclusive-lock feature" bash -c "rbd -c '$CEPH_CONF' info rbd/r1 | grep -q 'exclusive-lock'"
check "an existing image" RBD create --size 128M rbd/old
check "import it: the LUN takes its size" bash -c "'$RINGSAN' -c '$WORK/ringsan.ini' --data-dir '$DATA' lun create r2 --backend rbd:rbd/old | grep -q '128 MiB'"
check "lun info names the backend" bash -c "'$RINGSAN' -c '$WORK/ringsan.ini' --data-dir '$DATA' lun info r1 | grep -q '^backend: *rbd:rbd/r1'"
check "lun list shows it" bash -c "'$RINGSAN' -c '$WORK/ringsan.ini' --data-dir '$DATA' lun list | grep -q 'rbd:rbd/old'"
check "resize grows the image" L lun resize r1 --size 320M
check "... rbd sees 320 MiB" bash -c "rbd -c '$CEPH_CONF' info rbd/r1 | grep -q 'size 320 MiB'"
refused "importing a missing image without --size fails" L lun create x --backend rbd:rbd/none
check "... saying so" said "no such image"
refused "a missing pool fails" L lun create x --size 64M --backend rbd:nopool/x
check "... saying so" said "no such pool"
refused "a bad spec fails" L lun create x --size 64M --backend rbd:justaname
ceph-authtool --create-keyring "$WORK/wrong.keyring" --gen-key -n client.admin >/dev/null 2>&1
ini "$WORK/wrong.ini" "$WORK/wrong.keyring"
refused "a wrong keyring: create fails" \
	"$RINGSAN" -c "$WORK/wrong.ini" --data-dir "$DATA" lun create x --size 64M --backend rbd:rbd/x
check "... saying it cannot connect as client.admin, naming the keyring" \
	said "cannot connect to the Ceph cluster .* as client.admin (keyring $WORK/wrong.keyring)"
DEAD_PORT=$(free_port)
sed "s/^mon_host = .*/mon_host = v2:127.0.0.1:$DEAD_PORT/" "$CEPH_CONF" >"$WORK/dead.conf"
ini "$WORK/dead.ini" "" "$WORK/dead.conf"
T1=$SECONDS
refused "a cluster that does not answer: create fails" \
	timeout 60 "$RINGSAN" -c "$WORK/dead.ini" --data-dir "$DATA" lun create x --size 64M --backend rbd:rbd/x
check "... within 20 s ($((SECONDS - T1)) s)" test $((SECONDS - T1)) -lt 20
check "... saying no monitor answered" said "no monitor answered"
check_fails "... and leaves no LUN" test -e "$DATA/x"

# --- serving ---------------------------------------------------------------------------------
start_target -c "$WORK/ringsan.ini" || exit 1
head -c 16M /dev/urandom >"$WORK/in.raw"
check "qemu-img convert into LUN r1 (on RBD)" \
	timeout 120 qemu-img convert -n -f raw -O raw "$WORK/in.raw" "$(url r1)"
check "qemu-img convert out of LUN r1" \
	timeout 120 qemu-img convert -f raw -O raw "$(url r1)" "$WORK/out.raw"
check "what came back is what went in" cmp -n 16777216 "$WORK/in.raw" "$WORK/out.raw"
check "the data is in the RBD image itself (rbd export)" \
	bash -c "rbd -c '$CEPH_CONF' export rbd/r1 '$WORK/r1.raw' >/dev/null 2>&1 && cmp -n 16777216 '$WORK/in.raw' '$WORK/r1.raw'"
check "UNMAP reads back zeroes" \
	bash -c "qemu-io -f raw -c 'discard 0 16M' -c 'read -P 0 0 16M' '$(url r1)' | grep -q 'read 16777216'"
check "the log says which image the LUN connected to" grep -q "LUN r1: connected to rbd:rbd/r1" "$TARGET_LOG"

# --- Ceph stops answering mid-I/O (the OSD stopped: SIGSTOP) -----------------------------------
# ceph_op_timeout = 5: a write fails with an error within it (ABORTED COMMAND), a file LUN on the
# same ringsan goes on, and once the OSD runs again the same session's next write succeeds, and
# a new session's, without restarting ringsan.
L lun create f1 --size 16M >/dev/null
OSD=${CEPH_PIDS[2]}
check "a flushed write to r1 before the outage" \
	timeout 60 qemu-io -f raw -c "write -P 0xab 0 4M" -c "flush" "$(url r1)"
# One session: opens the image, writes 2 s later (the OSD stopped), writes again 6 s after that
# fails (the OSD runs again by then).
LOGINS=$(grep -c "logged in to $IQN_BASE:r1 " "$TARGET_LOG")
timeout 90 qemu-io -f raw -c "sleep 2000" -c "write -P 0xee 8M 1M" -c "sleep 6000" \
	-c "write -P 0xef 8M 1M" -c "read -P 0xef 8M 1M" "$(url r1)" >"$WORK/outage.out" 2>&1 &
WRITER=$!
wait_for 20 bash -c "[ \$(grep -c 'logged in to $IQN_BASE:r1 ' '$TARGET_LOG') -gt $LOGINS ]"
kill -STOP "$OSD"
T3=$SECONDS
check "the OSD stopped: a file LUN on the same ringsan writes and reads" \
	timeout 20 qemu-io -f raw -c "write -P 0x11 0 1M" -c "read -P 0x11 0 1M" "$(url f1)"
check "... a write to r1 fails within the timeout (5 s; written 2 s after the stop)" \
	wait_for 10 grep -q "LUN r1: Ceph did not answer" "$TARGET_LOG"
echo "    the write failed $((SECONDS - T3)) s after the OSD stopped"
kill -CONT "$OSD"
wait "$WRITER"
check "... with an error to the initiator (not a hang)" grep -q "write failed" "$WORK/outage.out"
check "... ABORTED COMMAND, LOGICAL UNIT COMMUNICATION TIME-OUT (08/01)" \
	grep -q "COMMAND ABORTED(11) .*0x0801" "$WORK/outage.out"
check "... logged once, naming the LUN, the image and what to check" \
	test "$(grep -c 'LUN r1: Ceph did not answer a request on rbd:rbd/r1 within 5 s.*ceph -s' "$TARGET_LOG")" = 1
check "the OSD runs again: the same session's next write and read-back succeed" \
	bash -c "grep -q 'wrote 1048576/1048576 bytes at offset 8388608' '$WORK/outage.out' && grep -q 'read 1048576/1048576 bytes at offset 8388608' '$WORK/outage.out'"
check "... the log says Ceph answers again" grep -q "LUN r1: Ceph answers again for rbd:rbd/r1" "$TARGET_LOG"
check "... a new session writes and reads r1" \
	bash -c "timeout 30 qemu-io -f raw -c 'write -P 0xef 12M 1M' -c 'read -P 0xef 12M 1M' '$(url r1)' | grep -q 'read 1048576'"
check "... the data flushed before the outage is intact (rbd export)" \
	bash -c "rbd -c '$CEPH_CONF' export rbd/r1 '$WORK/r1b.raw' >/dev/null 2>&1 && qemu-io -f raw -c 'read -P 0xab 0 4M' -c 'read -P 0xef 8M 1M' '$WORK/r1b.raw' | grep -c 'read [0-9]' | grep -qx 2"
# The timed-out write left the object map flagged invalid: GET LBA STATUS must not call the data
# unmapped (QEMU then reads zeroes without asking).
check "... and reads back through ringsan, GET LBA STATUS included (qemu-io)" \
	bash -c "timeout 30 qemu-io -f raw -c 'read -P 0xab 0 4M' '$(url r1)' | grep -q 'read 4194304'"
check "... the log says the object map is invalid and how to rebuild it" \
	grep -q "the object map of rbd:rbd/r1 is flagged invalid.*rbd object-map rebuild rbd/r1" "$TARGET_LOG"

# --- the exclusive lock: a second node --------------------------------------------------------
timeout 60 qemu-io -f raw -c "write -P 0x44 0 1M" -c "sleep 6000" -c "read -P 0x44 0 1M" \
	"$(url r2)" >"$WORK/hold.out" 2>&1 &
HOLDER=$!
sleep 2
mkdir -p "$WORK/node2"
"$RINGSAN" -c "$WORK/ringsan.ini" --data-dir "$WORK/node2" lun create r2 --backend rbd:rbd/old >/dev/null 2>&1
PORT2=$(free_port)
"$RINGSAN" -c "$WORK/ringsan.ini" --data-dir "$WORK/node2" serve --listen "127.0.0.1:$PORT2" \
	>"$WORK/node2.log" 2>&1 &
NODE2=$!
PIDS+=("$NODE2")
wait_for 10 grep -q "serving" "$WORK/node2.log"
T2=$SECONDS
check_fails "a second ringsan on the same image: login refused while the first has a session" \
	timeout 60 qemu-io -f raw -c "write -P 0x55 0 1M" "iscsi://127.0.0.1:$PORT2/$IQN_BASE:r2/0"
check "... within 4 s, before the first session's pause ends ($((SECONDS - T2)) s)" test $((SECONDS - T2)) -lt 4
check "... its log names the exclusive lock" grep -q "cannot take its exclusive lock" "$WORK/node2.log"
grep "exclusive lock" "$WORK/node2.log" | head -1 | sed 's/^/    log: /'
wait "$HOLDER"
check "the first node's session was not disturbed" \
	bash -c "grep -q 'read 1048576/1048576' '$WORK/hold.out' && ! grep -q 'verification failed' '$WORK/hold.out'"
kill "$NODE2"
wait "$NODE2" 2>/dev/null

# --- kill -9 of ringsan after a flushed write --------------------------------------------------
check "a flushed write to LUN r2" timeout 60 qemu-io -f raw -c "write -P 0xcd 0 4M" -c "flush" "$(url r2)"
kill -9 "$TARGET_PID"
wait "$TARGET_PID" 2>/dev/null
check "after kill -9 of ringsan the written data is in the image" \
	bash -c "rbd -c '$CEPH_CONF' export rbd/old '$WORK/old.raw' >/dev/null 2>&1 && qemu-io -f raw -c 'read -P 0xcd 0 4M' '$WORK/old.raw' | grep -q 'read 4194304'"
check "no crash and no sanitizer report in the target log" no_sanitizer_report "$TARGET_LOG"

# --- failover of a shared RBD LUN between two cluster nodes -------------------------------------
# hr in the shared dir, served by b ([lun hr] node = b, a). A session through a's portal is
# redirected to b; b is killed (kill -9) with the image open, so its RBD lock stays held by a dead
# client. The next login through a: a holds the shared-dir lock, breaks b's RBD lock and
# blocklists b's client, and serves the data b flushed.
SH=$WORK/shared
mkdir -p "$SH" "$WORK/na" "$WORK/nb"
CP=$(free_port)
ini "$WORK/cluster.ini"
cat >>"$WORK/cluster.ini" <<INI

[cluster]
nodes = a=127.0.0.2:$CP, b=127.0.0.3:$CP
shared_dir = $SH
health_interval = 1
health_timeout = 3

[lun hr]
node = b, a
INI
check "a shared LUN on an RBD image" \
	"$RINGSAN" -c "$WORK/cluster.ini" --data-dir "$SH" lun create hr --size 64M --backend rbd:rbd/hr
declare -A NODE_PID
for n in a b; do
	addr=127.0.0.2
	[ "$n" = b ] && addr=127.0.0.3
	"$RINGSAN" -c "$WORK/cluster.ini" --data-dir "$WORK/n$n" serve --listen "$addr:$CP" --workers 1 \
		>"$WORK/$n.log" 2>&1 &
	NODE_PID[$n]=$!
	PIDS+=("$!")
	wait_for 10 python3 -c "import socket; socket.create_connection(('$addr',$CP),1)"
done
HR="iscsi://127.0.0.2:$CP/$IQN_BASE:hr/0"
timeout 60 qemu-io -f raw -c "write -P 0x5a 0 2M" -c "flush" -c "sleep 60000" "$HR" >"$WORK/hr.out" 2>&1 &
HOLDER=$!
check "a session through a's portal: redirected to b, which serves hr" \
	wait_for 20 grep -q "logged in to $IQN_BASE:hr " "$WORK/b.log"
check "... a sent it to b" grep -q "login to $IQN_BASE:hr redirected to 127.0.0.3:$CP" "$WORK/a.log"
wait_for 20 bash -c "rbd -c '$CEPH_CONF' lock ls rbd/hr 2>/dev/null | grep -q '^client'"
OLD=$(rbd -c "$CEPH_CONF" lock ls rbd/hr 2>/dev/null | awk '/^client/ {print $NF}')
check "... b's client holds the image's lock ($OLD)" test -n "$OLD"
wait_for 10 grep -q "wrote 2097152" "$WORK/hr.out"
T5=$(date +%s.%N)
kill -9 "${NODE_PID[b]}"
kill "$HOLDER"
wait "${NODE_PID[b]}" "$HOLDER" 2>/dev/null
check "a sees b down" wait_for 15 grep -q "node b .* is down" "$WORK/a.log"
# The session stays 3 s after its I/O so the lock can be looked at while a holds it.
timeout 60 qemu-io -f raw -c "read -P 0x5a 0 2M" -c "write -P 0x5b 2M 1M" -c "read -P 0x5b 2M 1M" \
	-c "sleep 3000" "$HR" >"$WORK/hr2.out" 2>&1 &
CHECKER=$!
wait_for 20 bash -c "rbd -c '$CEPH_CONF' lock ls rbd/hr 2>/dev/null | grep '^client' | grep -vq '$OLD'"
echo "    failover: a served hr $(python3 -c "print(round($(date +%s.%N) - $T5, 1))") s after kill -9 of b (health_interval 1, health_timeout 3)"
rbd -c "$CEPH_CONF" lock ls rbd/hr >"$WORK/lock.out" 2>/dev/null
check "... the image's lock is a's now, not b's" \
	bash -c "grep -q '^client' '$WORK/lock.out' && ! grep -q '$OLD' '$WORK/lock.out'"
check "... b's client is fenced (ceph osd blocklist ls)" \
	bash -c "ceph -c '$CEPH_CONF' osd blocklist ls 2>/dev/null | grep -q '^$OLD '"
check "... and no longer watches the image (rbd status)" \
	bash -c "rbd -c '$CEPH_CONF' status rbd/hr 2>/dev/null | grep -q 'watcher=' && ! rbd -c '$CEPH_CONF' status rbd/hr 2>/dev/null | grep -q '$OLD'"
wait "$CHECKER"
check "... through a, the data b flushed reads back, and a new write too" \
	bash -c "[ \$(grep -c '^read [0-9]* */[0-9]* bytes' '$WORK/hr2.out') = 2 ] && ! grep -q 'failed' '$WORK/hr2.out'"
check "... a's log says whom it fenced" grep -q "LUN hr: rbd:rbd/hr was still locked by Ceph client $OLD.*blocklisted it" "$WORK/a.log"
kill "${NODE_PID[a]}"
wait "${NODE_PID[a]}" 2>/dev/null
# librados (through libcrypto) leaves an allocation that LeakSanitizer reports at a clean exit
# (904 bytes, CRYPTO_zalloc): shown, not counted; memory errors and UB are.
grep -A3 "leak of" "$WORK/a.log" | sed 's/^/    a at exit: /' | head -8
check "no crash, no memory error or UB in a's log (stopped by SIGTERM)" \
	bash -c "! grep -E 'ERROR: AddressSanitizer|UndefinedBehaviorSanitizer|runtime error:|Segmentation fault|core dumped' '$WORK/a.log'"
check "... nor in b's (up to kill -9)" no_sanitizer_report "$WORK/b.log"

# --- rm forgets the LUN, keeps the image --------------------------------------------------------
check "lun rm of an RBD LUN" L lun rm r2 --yes
check "the image is still there" RBD info rbd/old

# --- clone: an RBD clone at a protected snapshot ------------------------------------------------
head -c 8M /dev/urandom >"$WORK/gold.raw"
check "an image with data, made a LUN" bash -c "rbd -c '$CEPH_CONF' import '$WORK/gold.raw' rbd/gold >/dev/null 2>&1 && '$RINGSAN' -c '$WORK/ringsan.ini' --data-dir '$DATA' lun create gold --backend rbd:rbd/gold >/dev/null"
check "lun clone of an RBD LUN" bash -c "'$RINGSAN' -c '$WORK/ringsan.ini' --data-dir '$DATA' lun clone gold pc1 | grep -q 'an RBD clone of rbd/gold@ringsan-clone-pc1'"
check "... its image is a clone of the snapshot (rbd info: parent)" \
	bash -c "rbd -c '$CEPH_CONF' info rbd/pc1 | grep -q 'parent: rbd/gold@ringsan-clone-pc1'"
check "... which is protected" bash -c "rbd -c '$CEPH_CONF' snap ls rbd/gold | grep -q ringsan-clone-pc1 && rbd -c '$CEPH_CONF' info rbd/gold@ringsan-clone-pc1 | grep -q 'protected: True'"
check "... the clone holds the same data (rbd export)" \
	bash -c "rbd -c '$CEPH_CONF' export rbd/pc1 - 2>/dev/null | cmp -n 8388608 - '$WORK/gold.raw'"
check "... lun info names its image" bash -c "'$RINGSAN' -c '$WORK/ringsan.ini' --data-dir '$DATA' lun info pc1 | grep -q '^backend: *rbd:rbd/pc1'"
start_target -c "$WORK/ringsan.ini" || exit 1
check "... served: what it reads is the original's data (qemu-img convert)" bash -c \
	"timeout 60 qemu-img convert -O raw '$(url pc1)' '$WORK/pc1.raw' && cmp -n 8388608 '$WORK/pc1.raw' '$WORK/gold.raw'"
check "... a write to it leaves the original alone" bash -c \
	"timeout 60 qemu-io -f raw -c 'write -P 0x77 0 1M' -c flush '$(url pc1)' >/dev/null && rbd -c '$CEPH_CONF' export rbd/gold - 2>/dev/null | cmp -n 8388608 - '$WORK/gold.raw'"
stop_target
L lun clone gold pc1 >/dev/null 2>"$WORK/err"
check "a clone to an existing LUN name is refused" grep -q "exists already" "$WORK/err"
RBD create --size 8M rbd/pc2 >/dev/null 2>&1
L lun clone gold pc2 >/dev/null 2>"$WORK/err"
check "a clone onto an existing image is refused, naming it" grep -q "image rbd/pc2 exists already" "$WORK/err"
check_fails "... and makes no LUN" test -e "$DATA/pc2"
ceph_stop
finish
