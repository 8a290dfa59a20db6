#!/usr/bin/env bash
# CHAP (one-way, mutual, every CHAP_A), per-LUN ACLs, discovery CHAP and CRC32C digests, with
# libiscsi's tools, QEMU's driver and hostile.py's raw initiator (libiscsi only speaks MD5 CHAP
# and header digests).
. "$(dirname "$0")/../lib.sh"
need iscsi-ls iscsi-inq qemu-io qemu-img python3 timeout
HOSTILE=$(dirname "$0")/hostile.py
A=iqn.1994-05.com.test:a
B=iqn.1994-05.com.test:b
C=iqn.1994-05.com.test:c

for l in open secure mutual acl; do
	"$RINGSAN" --data-dir "$DATA" lun create $l --size 16M >/dev/null || exit 1
done
write_config() { # write_config [extra [server] lines]
	cat >"$WORK/ringsan.ini" <<INI
[server]
base_iqn = $IQN_BASE
$*
[lun secure]
chap_user = alice
chap_secret = alicesecret123
allowed_initiators = $A
[lun mutual]
chap_user = bob
chap_secret = bobsecret12345
mutual_chap_user = target1
mutual_chap_secret = targetsecret456
[lun acl]
allowed_initiators = $A, $B
INI
}
write_config
check "check-config accepts the CHAP and ACL config" "$RINGSAN" -c "$WORK/ringsan.ini" check-config
start_target -c "$WORK/ringsan.ini" || exit 1

chap_url() { # chap_url USER PASSWORD LUN [query]
	echo "iscsi://$1%$2@$PORTAL/$IQN_BASE:$3/0${4:-}"
}
# log_since N: the target log from line N+1 on
log_lines() { wc -l <"$TARGET_LOG"; }
log_since() { tail -n +$(($1 + 1)) "$TARGET_LOG"; }

# --- one-way CHAP ---
check "one-way CHAP, right secret: iscsi-inq logs in" bash -c \
	"iscsi-inq -i $A '$(chap_url alice alicesecret123 secure)' | grep -q 'Vendor:RINGSAN'"
check "the login is logged as CHAP" grep -q "$A: logged in to $IQN_BASE:secure (CHAP" "$TARGET_LOG"
n=$(log_lines)
check_fails "one-way CHAP, wrong secret: refused" \
	timeout 20 iscsi-inq -i $A "$(chap_url alice wrongsecret999 secure)"
cp "$WORK/last.out" "$WORK/prev.out"
check "  ... with status 'Authentication failure' (02/01)" grep -q "Authentication failure" "$WORK/prev.out"
sleep 0.3
log_since "$n" >"$WORK/fail.log"
check "  ... and one log line naming the initiator, the target and the reason" bash -c \
	"[ \$(grep -c 'login to.*failed' '$WORK/fail.log') -eq 1 ] && grep 'login to.*failed' '$WORK/fail.log' | grep '$A' | grep '$IQN_BASE:secure' | grep -qi 'chap'"
sed 's/^/    log: /' "$WORK/fail.log"
check_fails "one-way CHAP, wrong user name: refused" \
	timeout 20 iscsi-inq -i $A "$(chap_url mallory alicesecret123 secure)"
n=$(log_lines)
check_fails "one-way CHAP, no secret given: refused" timeout 20 iscsi-inq -i $A "$(url secure)"
sleep 0.3
check "  ... and the log line names the initiator" bash -c \
	"tail -n +$((n + 1)) '$TARGET_LOG' | grep 'failed' | grep -q '$A'"
tail -n +$((n + 1)) "$TARGET_LOG" | sed 's/^/    log: /'
# libiscsi offers AuthMethod=CHAP,None when given credentials; discovery needs none here, so the
# target picks None and libiscsi 1.19 then sends InitiatorName, TargetName and SessionType again
# (same values) in the operational stage. `iscsi-ls -s iscsi://user%secret@host` is how users
# list the LUNs of CHAP targets: the target must accept it.
check "interop: iscsi-ls with CHAP credentials (discovery needs none) lists the CHAP target" \
	bash -c "iscsi-ls -i $A 'iscsi://alice%alicesecret123@$PORTAL' | grep -q '$IQN_BASE:secure'"
# (Not -s: that logs in to every listed target with alice's secret, and 'mutual' refuses it.)
check "interop: iscsi-inq with CHAP credentials on a LUN without CHAP logs in" bash -c \
	"iscsi-inq -i $A '$(chap_url alice alicesecret123 open)' | grep -q 'Vendor:RINGSAN'"
for alg in 5 6 7 8; do
	check "one-way CHAP with CHAP_A=$alg (raw initiator)" timeout 30 python3 "$HOSTILE" "$PORT" \
		"$IQN_BASE:secure" login $A chap_user=alice chap_secret=alicesecret123 chap_a=$alg
	check_fails "one-way CHAP with CHAP_A=$alg and a wrong secret: refused" timeout 30 \
		python3 "$HOSTILE" "$PORT" "$IQN_BASE:secure" login $A chap_user=alice \
		chap_secret=notthesecret1 chap_a=$alg
done

# --- mutual CHAP ---
MQ="?target_user=target1&target_password=targetsecret456"
check "mutual CHAP, both secrets right: iscsi-inq logs in" bash -c \
	"iscsi-inq '$(chap_url bob bobsecret12345 mutual "$MQ")' | grep -q 'Vendor:RINGSAN'"
check "mutual CHAP: qemu-io writes and reads back" qemu-io -f raw \
	-c "write -P 0x4d 0 1M" -c "read -P 0x4d 0 1M" "$(chap_url bob bobsecret12345 mutual "$MQ")"
check_fails "mutual CHAP, the initiator expects another target secret: the initiator refuses" \
	timeout 20 iscsi-inq "$(chap_url bob bobsecret12345 mutual "?target_user=target1&target_password=wrongtarget99")"
cp "$WORK/last.out" "$WORK/prev.out"
check "  ... because the target's CHAP_R does not match" grep -qi "Invalid CHAP_R" "$WORK/prev.out"
check_fails "mutual CHAP, wrong initiator secret: refused" \
	timeout 20 iscsi-inq "$(chap_url bob wrongsecret999 mutual "$MQ")"
for alg in 5 7 8; do
	check "mutual CHAP with CHAP_A=$alg (raw initiator checks the target's answer)" timeout 30 \
		python3 "$HOSTILE" "$PORT" "$IQN_BASE:mutual" login $A chap_user=bob \
		chap_secret=bobsecret12345 chap_a=$alg mutual_user=target1 mutual_secret=targetsecret456
done

# --- ACL ---
check "ACL: an allowed initiator logs in" bash -c "iscsi-inq -i $B '$(url acl)' | grep -q 'Vendor:RINGSAN'"
n=$(log_lines)
check_fails "ACL: an initiator not in allowed_initiators is refused" \
	timeout 20 iscsi-inq -i $C "$(url acl)"
cp "$WORK/last.out" "$WORK/prev.out"
check "  ... with status 'Authorization failure' (02/02)" grep -q "Authorization failure" "$WORK/prev.out"
sleep 0.3
log_since "$n" >"$WORK/acl.log"
check "  ... and one log line naming the initiator and 'not authorized'" bash -c \
	"[ \$(grep -c 'login to .* failed' '$WORK/acl.log') -eq 1 ] && grep 'login to .* failed' '$WORK/acl.log' | grep '$C' | grep -qi 'not authorized'"
sed 's/^/    log: /' "$WORK/acl.log"
check "ACL: SendTargets hides the target from that initiator" bash -c \
	"iscsi-ls -i $C iscsi://$PORTAL >'$WORK/ls-c' && grep -q '$IQN_BASE:open' '$WORK/ls-c' && ! grep -q '$IQN_BASE:acl' '$WORK/ls-c' && ! grep -q '$IQN_BASE:secure' '$WORK/ls-c'"
check "ACL: SendTargets shows it to an allowed initiator" bash -c \
	"iscsi-ls -i $A iscsi://$PORTAL | grep -q '$IQN_BASE:acl'"
check_fails "ACL + CHAP: the right secret from a non-allowed initiator is refused" \
	timeout 20 iscsi-inq -i $C "$(chap_url alice alicesecret123 secure)"

# --- digests ---
QOPTS="driver=raw,file.driver=iscsi,file.transport=tcp,file.portal=$PORTAL,file.target=$IQN_BASE:open,file.lun=0"
check "HeaderDigest=CRC32C: qemu-io writes 4 MiB and reads it back" qemu-io --image-opts \
	"$QOPTS,file.header-digest=crc32c" -c "write -P 0x5c 1M 4M" -c "read -P 0x5c 1M 4M"
check "  ... and the target logged the session with a header digest" \
	grep -q "logged in to $IQN_BASE:open .*header digest" "$TARGET_LOG"
head -c $((8 * 1024 * 1024)) /dev/urandom >"$WORK/rand.img"
check "HeaderDigest=CRC32C: qemu-img convert of 8 MiB random data" qemu-img convert -n -f raw \
	--target-image-opts "$WORK/rand.img" "$QOPTS,file.header-digest=crc32c"
check "HeaderDigest=CRC32C: qemu-img compare reads it back identical" qemu-img compare \
	--image-opts "driver=raw,file.driver=file,file.filename=$WORK/rand.img" \
	"$QOPTS,file.header-digest=crc32c"
check "HeaderDigest=CRC32C + DataDigest=CRC32C: 1 MiB written and read back (raw initiator)" \
	timeout 60 python3 "$HOSTILE" "$PORT" "$IQN_BASE:open" digests
check "  ... and the target logged both digests" \
	grep -q "logged in to $IQN_BASE:open .*header digest, data digest" "$TARGET_LOG"
check "HeaderDigest=CRC32C with CHAP: qemu-io reads and writes the CHAP LUN" qemu-io --image-opts \
	"driver=raw,file.driver=iscsi,file.transport=tcp,file.portal=$PORTAL,file.target=$IQN_BASE:secure,file.lun=0,file.user=alice,file.password=alicesecret123,file.initiator-name=$A,file.header-digest=crc32c" \
	-c "write -P 0x61 0 1M" -c "read -P 0x61 0 1M"
check "  ... and the target logged a CHAP session with a header digest" \
	grep -q "$A: logged in to $IQN_BASE:secure (CHAP.*header digest" "$TARGET_LOG"

stop_target
check "SIGTERM: exit 0" test $? -eq 0
check "no secret appears in the log" bash -c \
	"! grep -E 'alicesecret123|bobsecret12345|targetsecret456|discsecret12345' '$TARGET_LOG'"

# --- discovery CHAP ---
write_config "discovery_chap_user = disc
discovery_chap_secret = discsecret12345"
if "$RINGSAN" -c "$WORK/ringsan.ini" check-config >/dev/null 2>&1; then
	start_target -c "$WORK/ringsan.ini" || exit 1
	check "discovery CHAP: iscsi-ls with the discovery secret lists the targets" bash -c \
		"iscsi-ls -i $A 'iscsi://disc%discsecret12345@$PORTAL' | grep -q '$IQN_BASE:open'"
	check_fails "discovery CHAP: iscsi-ls without credentials is refused" \
		timeout 20 iscsi-ls -i $A "iscsi://$PORTAL"
	check_fails "discovery CHAP: iscsi-ls with a wrong secret is refused" \
		timeout 20 iscsi-ls -i $A "iscsi://disc%wrongsecret999@$PORTAL"
	check "discovery CHAP does not apply to normal sessions of open LUNs" bash -c \
		"iscsi-inq -i $A '$(url open)' | grep -q 'Vendor:RINGSAN'"
	stop_target
	check "SIGTERM: exit 0" test $? -eq 0
else
	echo "SKIPPED (discovery CHAP): check-config refuses [server] discovery_chap_user"
fi
check "no crash and no sanitizer report in the target log" no_sanitizer_report "$TARGET_LOG"
check "no secret appears in the log" bash -c \
	"! grep -E 'alicesecret123|bobsecret12345|targetsecret456|discsecret12345' '$TARGET_LOG'"
finish
