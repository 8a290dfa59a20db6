#!/usr/bin/env bash
# Overlay LUNs against a real initiator (QEMU's iscsi driver through qemu-io / qemu-img):
#  (a) reads of what an overlay never wrote come from its image; writes stay in the overlay; the
#      image is served read-only and cannot be removed or resized while overlays refer to it;
#  (b) property test: random writes / UNMAPs / flushes on an overlay and the same on a model file,
#      compared block by block after every batch, across target restarts and a reset;
#  (c) kill -9 of the target during a write + flush stream: every flushed write is there after
#      the restart, and `ringsan lun check` is clean;
#  (d) bad input: an overlay whose image is missing, a corrupt and a truncated map (refused at
#      start naming the LUN, files untouched, the others served), reset and promote while in use
#      (refused), promote offline (the overlay moves, the old image goes when nothing refers to
#      it), 500 overlays of one image created, listed and served.
. "$(dirname "$0")/../lib.sh"
need qemu-io qemu-img python3 stdbuf timeout md5sum
OPS=$(dirname "$0")/overlay_ops.py
R() { "$RINGSAN" --data-dir "$DATA" "$@"; }
MiB=$((1024 * 1024))

# An image with data: random bytes in the first 24 MiB, a hole after.
R lun create gold --size 32M --description "golden image" >/dev/null || exit 1
head -c $((24 * MiB)) /dev/urandom >"$WORK/gold.bin"
dd if="$WORK/gold.bin" of="$DATA/gold/disk.img" conv=notrunc status=none || exit 1
check "create an overlay of an image" R lun create o1 --base gold
check "create a second overlay" R lun create o2 --base gold --description "machine two"
check_fails "an overlay of a missing image is refused" R lun create o3 --base nope
check_fails "an overlay of an overlay is refused" R lun create o3 --base o1
check_fails "an overlay cannot have its own --size" R lun create o3 --base gold --size 1G
check "a new overlay holds nothing" bash -c "[ \$(du -k '$DATA/o1/disk.img' | cut -f1) -eq 0 ]"
R lun rm gold --yes >"$WORK/rm.out" 2>&1
check "the image cannot be removed while overlays refer to it (the error names them)" \
	grep -q "base image of 2 overlays (o[12], o[12])" "$WORK/rm.out"
check_fails "nor resized" R lun resize gold --size 64M
check_fails "an overlay cannot be resized" R lun resize o1 --size 64M
R lun list >"$WORK/list.out"
check "lun list shows the tree: the image, then its overlays" \
	python3 -c 'import sys; l=open(sys.argv[1]).read().split("\n"); n=[x.split()[0:2] for x in l[1:4]]; sys.exit(0 if n==[["gold","32"],["-","o1"],["-","o2"]] else 1)' "$WORK/list.out"

start_target || exit 1
check "the image is served read-only" grep -q "serving LUN gold .*read-only: the base of overlays" "$TARGET_LOG"
check "an overlay reads its image" qemu-img compare -f raw -F raw "$(url o1)" "$DATA/gold/disk.img"
check "a write through the image's own target is refused" \
	bash -c "! qemu-io -f raw -c 'write 0 4k' '$(url gold)' 2>&1 | grep -q '^wrote'"

# --- (b) property test against a model ---
cp "$DATA/gold/disk.img" "$WORK/model.img"
SEED=${OVERLAY_SEED:-$RANDOM}
echo "    property test seed $SEED (OVERLAY_SEED=$SEED repeats it)"
prop_ok=1
for batch in 1 2 3 4 5 6; do
	python3 "$OPS" $((SEED + batch)) 80 $((32 * MiB)) "$WORK/ovl.cmds" "$WORK/model.cmds"
	mapfile -d '' oc <"$WORK/ovl.cmds"
	mapfile -d '' mc <"$WORK/model.cmds"
	qemu-io -f raw "${oc[@]}" "$(url o1)" >"$WORK/ovl.out" 2>&1 || prop_ok=0
	qemu-io -f raw "${mc[@]}" "$WORK/model.img" >/dev/null 2>&1 || prop_ok=0
	if grep -qiE 'error|failed' "$WORK/ovl.out"; then
		prop_ok=0
		grep -iE 'error|failed' "$WORK/ovl.out" | head -3 | sed 's/^/    /'
	fi
	if ! qemu-img compare -f raw -F raw "$(url o1)" "$WORK/model.img" >"$WORK/cmp.out" 2>&1; then
		prop_ok=0
		echo "    batch $batch: $(cat "$WORK/cmp.out")"
		break
	fi
	case $batch in
	2) stop_target; start_target || exit 1 ;; # the map persists across a clean restart
	4)
		stop_target
		check "lun check is clean after the random operations" R lun check o1
		check "reset drops the overlay's changes" R lun reset o1
		cp "$DATA/gold/disk.img" "$WORK/model.img"
		start_target || exit 1
		;;
	esac
done
check "random writes, UNMAPs and flushes match the model after every batch (6 x 80 operations, restart and reset between)" test "$prop_ok" = 1
check "the other overlay never saw them" qemu-img compare -f raw -F raw "$(url o2)" "$DATA/gold/disk.img"

# --- (c) kill -9 during a write + flush stream ---
# Write i: at i * 40 KiB (so writes straddle clusters and half of them copy up), (1 + i % 12)
# * 4 KiB of the byte (i % 251) + 1, then a flush.
N=600
cmds=()
for i in $(seq 0 $((N - 1))); do
	cmds+=(-c "write -P $((i % 251 + 1)) $((i * 40960)) $(((1 + i % 12) * 4096))" -c "flush")
done
R lun reset o2 >/dev/null 2>&1
stdbuf -o0 -e0 qemu-io -f raw "${cmds[@]}" "$(url o2)" >"$WORK/stream.log" 2>&1 &
QIO=$!
PIDS+=("$QIO")
wait_for 60 bash -c "[ \$(grep -c '^wrote' '$WORK/stream.log') -ge 100 ]"
kill -9 "$TARGET_PID"
wait "$TARGET_PID" 2>/dev/null
timeout 5 tail --pid="$QIO" -f /dev/null >/dev/null 2>&1 || kill "$QIO" 2>/dev/null
wait "$QIO" 2>/dev/null
acked=$(grep -c '^wrote' "$WORK/stream.log")
echo "    killed -9 after $acked of $N writes were acknowledged"
check "the target was killed in the middle of the stream" test "$acked" -lt "$N" -a "$acked" -ge 100
check "lun check is clean after kill -9" R lun check o2
start_target || exit 1
# Later writes overlap earlier ones: expect, per 512-byte block, the last flushed write to it,
# and the image's bytes where no flushed write reached.
python3 - "$acked" "$WORK/gold.bin" "$WORK/expect.img" <<'PY'
import sys
acked, gold, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
img = bytearray(32 * 1024 * 1024)
g = open(gold, "rb").read()
img[:len(g)] = g
for i in range(acked - 1):  # writes acked-1 (not flushed) and acked (in flight) may be there or not
    off, n = i * 40960, (1 + i % 12) * 4096
    img[off:off + n] = bytes([i % 251 + 1]) * n
open(out, "wb").write(img)
PY
qemu-img dd -f raw -O raw if="$(url o2)" of="$WORK/after.img" bs=1M >/dev/null 2>&1
check "every flushed write is there after the restart, and nothing else changed" python3 - \
	"$acked" "$WORK/expect.img" "$WORK/after.img" <<'PY'
import sys
acked, exp, got = int(sys.argv[1]), open(sys.argv[2], "rb").read(), open(sys.argv[3], "rb").read()
# The last acknowledged write (acked-1: its flush may not have ended) and the one in flight
# (acked) may or may not be there: skip their ranges.
skip = [(i * 40960, i * 40960 + (1 + i % 12) * 4096) for i in (acked - 1, acked)]
bad = [b for b in range(0, len(exp), 512)
       if not any(lo <= b < hi for lo, hi in skip) and exp[b:b + 512] != got[b:b + 512]]
print("%d blocks differ%s" % (len(bad), (": first at %d" % bad[0]) if bad else ""))
sys.exit(1 if bad or len(got) != len(exp) else 0)
PY
sed 's/^/    /' "$WORK/last.out"

# --- (d) bad input ---
R lun create img2 --size 8M >/dev/null
R lun create orphan --base img2 >/dev/null
R lun create bad --base gold >/dev/null
R lun create short --base gold >/dev/null
stop_target
rm -rf "${DATA:?}/img2" # an image deleted behind ringsan's back
printf '\x09' | dd of="$DATA/bad/overlay.map" bs=1 seek=$((4096 + 7)) conv=notrunc status=none
truncate -s 4000 "$DATA/short/overlay.map"
sum_before=$(md5sum "$DATA/bad/overlay.map" "$DATA/short/overlay.map")
check_fails "lun check refuses a corrupt map" R lun check bad
cp "$WORK/last.out" "$WORK/check.out"
check "and names the LUN and the cluster" grep -q "LUN 'bad'.*cluster 7" "$WORK/check.out"
R lun list >"$WORK/list.out" 2>&1
check "lun list shows a LUN whose map is damaged as such" grep -q "^short .*DAMAGED: .*truncated header" "$WORK/list.out"
start_target || exit 1
check "an overlay whose image is missing is not served, with a clear message" \
	grep -q "LUN 'orphan' is an overlay of image 'img2', which is missing" "$TARGET_LOG"
check "a corrupt map is refused at start, naming the LUN" \
	grep -q "LUN 'bad': its overlay map .* is damaged (invalid entry 9 for cluster 7)" "$TARGET_LOG"
check "a truncated map is refused at start, naming the LUN" \
	grep -q "LUN 'short': its overlay map .* is damaged (truncated header)" "$TARGET_LOG"
check "the damaged maps were not changed" test "$(md5sum "$DATA/bad/overlay.map" "$DATA/short/overlay.map")" = "$sum_before"
check "the other LUNs are served" qemu-io -f raw -c "read 0 4k" "$(url o1)"
check_fails "the refused ones are not" qemu-io -f raw -c "read 0 4k" "$(url bad)"

# Reset and promote while in use: qemu-io holds a session for 3 s.
logins=$(grep -c "logged in to $IQN_BASE:o1 " "$TARGET_LOG")
qemu-io -f raw -c "sleep 4000" "$(url o1)" >/dev/null 2>&1 &
HOLD=$!
PIDS+=("$HOLD")
wait_for 10 bash -c "[ \$(grep -c 'logged in to $IQN_BASE:o1 ' '$TARGET_LOG') -gt $logins ]"
check_fails "reset of an overlay in use is refused" R lun reset o1
cp "$WORK/last.out" "$WORK/reset.out"
check "with a message saying it is in use" grep -q "in use" "$WORK/reset.out"
check_fails "promote of an overlay in use is refused" R lun promote o1 --as gold2
wait "$HOLD"
qemu-io -f raw -c "write -P 0x77 1M 64k" "$(url o1)" >/dev/null 2>&1
qemu-img dd -f raw -O raw if="$(url o1)" of="$WORK/o1.img" bs=1M >/dev/null 2>&1
check "promote builds a new image from image + overlay" R lun promote o1 --as gold2
check "the new image holds exactly what the overlay read" cmp "$WORK/o1.img" "$DATA/gold2/disk.img"
check "the promoted overlay moved onto it" bash -c "R() { \"$RINGSAN\" --data-dir '$DATA' \"\$@\"; }; R lun info o1 | grep -q 'overlay of:  gold2'"
check "the old image stays while other overlays refer to it" test -e "$DATA/gold/disk.img"
check "the running target serves the promoted overlay on its new image" \
	qemu-img compare -f raw -F raw "$(url o1)" "$WORK/o1.img"
check "and another overlay reset onto the new image meanwhile" bash -c \
	"'$RINGSAN' --data-dir '$DATA' lun reset o2 >/dev/null && qemu-img compare -f raw -F raw '$(url o2)' '$DATA/gold2/disk.img'"
check "a LUN with a damaged map can still be removed" R lun rm bad --yes
R lun rm short --yes >/dev/null 2>&1
R lun rm o2 --yes >/dev/null 2>&1
check "the old image is removed with the last overlay that referred to it" test ! -e "$DATA/gold"
R lun rm orphan --yes >/dev/null 2>&1

# 500 overlays of one image.
start=$SECONDS
ok=1
for i in $(seq -w 1 500); do
	R lun create "vm$i" --base gold2 >/dev/null 2>&1 || ok=0
done
check "500 overlays of one image created ($((SECONDS - start)) s)" test "$ok" = 1
R lun list >"$WORK/list.out"
check "lun list shows them under their image" test "$(grep -c '^  - vm' "$WORK/list.out")" = 500
kill -HUP "$TARGET_PID"
wait_for 60 grep -q "serving LUN vm500" "$TARGET_LOG"
check "the target serves them after a reload" grep -q "serving LUN vm500 .*an overlay of gold2" "$TARGET_LOG"
check "one of them reads the image" qemu-img compare -f raw -F raw "$(url vm250)" "$DATA/gold2/disk.img"
stop_target
check "SIGTERM: exit 0" test $? -eq 0
check "no crash and no sanitizer report in the target log" no_sanitizer_report "$TARGET_LOG"
finish
