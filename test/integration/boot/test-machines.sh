#!/usr/bin/env bash
# test-machines.sh: what ringsan-boot shows of boots, against the real target on loopback.
# A machine boots as ringsan-boot sees it (machineclient.py: PXE DHCP in full mode, iPXE over
# TFTP, iPXE's DHCP, menu and disk script over HTTP) and logs in to its LUN twice with libiscsi
# (iPXE, then "the OS"), with the initiator name the menus give it; a second machine fetches the
# menu of a CHAP LUN and logs in with a wrong secret. Checked: `ringsan-boot machines` (text and
# --json) lists both, the first with every step in order, the second with the refused login and
# the hint; the metrics counters move by exactly what was done; bad requests on the control
# socket get an error; `machines` without a running service says what to do. With --page (needs
# Debian's chromium) the status page is loaded in headless Chromium: the DOM after its
# JavaScript ran must show the LUNs, both machines and the hint; a screenshot is kept in
# ARTIFACT_DIR. Usage: test-machines.sh RINGSAN_BOOT ARTIFACT_DIR [--page]; RINGSAN in the
# environment.
. "$(dirname "$0")/../lib.sh"
BOOT=${1:?usage: test-machines.sh RINGSAN_BOOT ARTIFACT_DIR [--page]}
ARTIFACTS=${2:?usage: test-machines.sh RINGSAN_BOOT ARTIFACT_DIR [--page]}
PAGE=${3:-}
HERE=$(cd "$(dirname "$0")" && pwd)
MC="$HERE/machineclient.py"
CTL="python3 $HERE/../target/obsctl.py" # a control-socket client, shared with the target's tests
need iscsi-inq python3 curl
[ -z "$PAGE" ] || need chromium
getent group nogroup >/dev/null || { echo "SKIPPED: no group nogroup (the service user's group)"; exit 77; }
GOOD=52:54:00:c0:ff:ee
BAD=52:54:00:77:00:02
INIT=$IQN_BASE.client

chmod 755 "$WORK" # ringsan-boot drops root to nobody: it must reach the data dir
"$RINGSAN" --data-dir "$DATA" lun create open --size 16M >/dev/null || exit 1
"$RINGSAN" --data-dir "$DATA" lun create secure --size 16M >/dev/null || exit 1
chmod -R a+rX "$DATA"
ADMIN=$(free_port) METRICS=$(free_port) HTTP=$(free_port)
TFTP=$(free_port) DHCP=$(free_port) PXE=$(free_port)
cat >"$WORK/ringsan.ini" <<EOF
[server]
base_iqn = $IQN_BASE
control_group = nogroup

[boot]
admin_listen = 127.0.0.1:$ADMIN
metrics_listen = 127.0.0.1:$METRICS

[lun secure]
chap_user = alice
chap_secret = alicesecret123

[client $GOOD]
name = good-pc
lun = open

[client $BAD]
name = bad-chap
lun = secure
EOF
chmod 644 "$WORK/ringsan.ini"
mkdir -p "$WORK/tftp"
head -c 80000 /dev/urandom >"$WORK/tftp/undionly.kpxe"
chmod -R a+rX "$WORK/tftp"

start_target -c "$WORK/ringsan.ini" || exit 1
# Without ringsan-boot: `machines` says what to do.
check_fails "machines without a running service fails" \
	"$BOOT" machines -c "$WORK/ringsan.ini" --data-dir "$DATA"
cp "$WORK/last.out" "$WORK/noservice.out"
check "  ... and says to start ringsan-boot serve" grep -q 'is `ringsan-boot serve` running' \
	"$WORK/noservice.out"
"$BOOT" serve -c "$WORK/ringsan.ini" --data-dir "$DATA" --server-ip 127.0.0.1 \
	--http "127.0.0.1:$HTTP" --tftp-root "$WORK/tftp" --tftp-port "$TFTP" --dhcp full \
	--dhcp-range 127.0.0.100-127.0.0.120 --dhcp-port "$DHCP" --pxe-port "$PXE" \
	>"$WORK/boot.log" 2>&1 &
PIDS+=($!)
wait_for 10 curl -sf "http://127.0.0.1:$METRICS/metrics" || { cat "$WORK/boot.log"; exit 1; }
metric() { # metric NAME{LABELS}: its value now
	curl -sf "http://127.0.0.1:$METRICS/metrics" | awk -v m="$1" '$1 == m { print $2 }'
}
# expect_metric NAME VALUE...: each NAME has its VALUE
expect_metric() {
	local v
	while [ $# -ge 2 ]; do
		v=$(metric "$1")
		[ "$v" = "$2" ] || { echo "$1 = $v, want $2"; return 1; }
		echo "$1 = $v"
		shift 2
	done
}
machines() { "$BOOT" machines -c "$WORK/ringsan.ini" --data-dir "$DATA" "$@"; }
all_zero() {
	curl -sf "http://127.0.0.1:$METRICS/metrics" |
		grep -E '^ringsan_boot_(dhcp_answers|tftp_transfers|scripts_served|http_responses)' |
		awk '$2 != 0 { print; bad = 1 } END { exit bad }'
}
check "metrics before: no DHCP answer, TFTP transfer, script or HTTP answer counted" all_zero
target_up() { [ "$(metric ringsan_boot_target_up)" = 1 ]; }
check "the target's control socket answers ringsan-boot (target_up 1)" wait_for 10 target_up

# --- the good machine: every step, then two logins
check "machine $GOOD boots: DHCP, iPXE over TFTP, iPXE's DHCP, menu, disk script" \
	python3 "$MC" boot "$DHCP" "$TFTP" "$HTTP" "$GOOD" open "$WORK/tftp/undionly.kpxe"
GOOD_ADDR=$(tail -n 1 "$WORK/last.out")
check "iPXE's login to LUN open (initiator $INIT:52-54-00-c0-ff-ee)" \
	iscsi-inq -i "$INIT:52-54-00-c0-ff-ee" "$(url open)"
sleep 0.2
check "the OS's own login to LUN open, same initiator name" \
	iscsi-inq -i "$INIT:52-54-00-c0-ff-ee" "$(url open)"

# --- the machine with a wrong CHAP secret
check "machine $BAD fetches the menu and the script of LUN secure" \
	python3 "$MC" menu "$HTTP" 127.0.0.101 "$BAD" secure
check_fails "its login with a wrong CHAP secret is refused" \
	iscsi-inq -i "$INIT:52-54-00-77-00-02" "iscsi://alice%wrongsecret999@$PORTAL/$IQN_BASE:secure/0"

# The target's events arrive within a poll (1 s).
has_steps() { # has_steps MACHINE STEP,STEP,...: its last boot's steps are exactly these
	machines --json | python3 -c '
import json, sys
want = sys.argv[2].split(",")
for m in json.load(sys.stdin)["machines"]:
    if m["id"] == sys.argv[1]:
        got = [s["step"] for s in m["steps"]]
        print(" ".join(got))
        sys.exit(0 if got == want else 1)
sys.exit(1)' "$@"
}
check "machines --json: $GOOD's steps in order, the second login being the OS's" wait_for 10 \
	has_steps "$GOOD" dhcp,firmware,ipxe-dhcp,menu,disk,ipxe-login,logout,os-login,logout
check "machines --json: $BAD's menu, disk and the refused login" wait_for 10 \
	has_steps "$BAD" menu,disk,login-failed
machines >"$WORK/machines.txt" 2>&1
sed 's/^/    /' "$WORK/machines.txt"
# (The address is the last one seen: the logins came from 127.0.0.1, not from $GOOD_ADDR.)
check "machines: $GOOD with its name and arch bios (DHCP gave it $GOOD_ADDR)" \
	grep -q "^$GOOD  good-pc  address 127.0.0.1  arch bios  down" "$WORK/machines.txt"
check "machines: the OS logged in and out of LUN open" \
	grep -q -- "-> the OS logged out of LUN open" "$WORK/machines.txt"
check "machines: $BAD failed" grep -q "^$BAD  bad-chap  address 127.0.0.1  arch -  failed" \
	"$WORK/machines.txt"
check "machines: the hint names the CHAP secret and the LUN" grep -qF -e \
	"-> the login to LUN secure was refused (wrong CHAP secret): check chap_user and chap_secret of [lun secure]" \
	"$WORK/machines.txt"
failure_listed() {
	machines --json | grep -q '"what":"login to LUN secure refused: wrong CHAP secret"'
}
check "machines --json: the refusal is among the recent failures" failure_listed

# --- the counters moved by exactly what was done
check "metrics: one PXE and one iPXE DHCP answer (bios)" expect_metric \
	'ringsan_boot_dhcp_answers_total{arch="bios",client="pxe"}' 1 \
	'ringsan_boot_dhcp_answers_total{arch="bios",client="ipxe"}' 1 \
	'ringsan_boot_dhcp_answers_total{arch="uefi-x64",client="pxe"}' 0
check "metrics: one TFTP transfer of 80000 bytes" expect_metric \
	'ringsan_boot_tftp_transfers_total{result="ok"}' 1 ringsan_boot_tftp_sent_bytes_total 80000
check "metrics: two menus, two disk scripts, four 2xx answers" expect_metric \
	'ringsan_boot_scripts_served_total{script="menu"}' 2 \
	'ringsan_boot_scripts_served_total{script="lun"}' 2 \
	'ringsan_boot_http_responses_total{code="2xx"}' 4 \
	'ringsan_boot_http_responses_total{code="4xx"}' 0
check "metrics: five target events (login, logout, login, logout, login_failed), two machines" \
	expect_metric ringsan_boot_target_events_total 5 ringsan_boot_machines 2
http_code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
check "metrics listener: only /metrics" test "$(http_code "http://127.0.0.1:$METRICS/api/machines")" = 404

# --- bad input on the control socket and the admin listener
SOCK=$DATA/.boot.sock
check "control socket: an unknown request gets an error" bash -c \
	"$CTL ask '$SOCK' bogus | grep -q '^error: unknown request'"
check "control socket: a request longer than 255 bytes gets an error" bash -c \
	"$CTL raw '$SOCK' \"b'x' * 300\" | grep -q '^error: request longer'"
check "control socket: machines answers after the bad requests" bash -c \
	"$CTL ask '$SOCK' machines | grep -q '^$GOOD'"
lun_in_status() {
	curl -sf "http://127.0.0.1:$ADMIN/api/target-status" | python3 -c '
import json, sys
sys.exit(0 if any(l["name"] == "secure" for l in json.load(sys.stdin)["luns"]) else 1)'
}
check "admin: the target's status passes through (LUN secure listed)" wait_for 10 lun_in_status
check "admin: an unknown path is 404" test "$(http_code "http://127.0.0.1:$ADMIN/nope")" = 404
check "admin: POST is refused (405)" test "$(http_code -X POST "http://127.0.0.1:$ADMIN/")" = 405

# --- a target that accepts and never answers must not stall the boot service
SILENT=$WORK/silent.sock
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(16)
held = []
end = time.time() + 60
while time.time() < end:
    s.settimeout(1)
    try:
        held.append(s.accept()[0])  # never answered, never closed
    except socket.timeout:
        pass' "$SILENT" &
PIDS+=($!)
wait_for 5 test -S "$SILENT"
chmod 777 "$SILENT"
sed -e "s|^control_group = .*|control_socket = $SILENT|" -e "/^admin_listen/d" \
	-e "s|^metrics_listen = .*|metrics_listen = 127.0.0.1:$(free_port)|" "$WORK/ringsan.ini" \
	>"$WORK/silent.ini"
SMETRICS=$(sed -n 's/^metrics_listen = 127.0.0.1://p' "$WORK/silent.ini")
SHTTP=$(free_port)
mkdir -p "$WORK/data2"
chmod 755 "$WORK/data2"
"$BOOT" serve -c "$WORK/silent.ini" --data-dir "$WORK/data2" --server-ip 127.0.0.1 \
	--http "127.0.0.1:$SHTTP" --tftp-root "$WORK/tftp" --tftp-port "$(free_port)" --dhcp off \
	>"$WORK/silent.log" 2>&1 &
PIDS+=($!)
wait_for 10 curl -sf "http://127.0.0.1:$SMETRICS/metrics" >/dev/null
menus_fast() { # 40 menus over 8 s while the polls hang, each within 1 s
	local i t worst=0
	for i in $(seq 40); do
		t=$(curl -sf -m 1 -o /dev/null -w '%{time_total}' \
			"http://127.0.0.1:$SHTTP/menu.ipxe?mac=52-54-00-00-00-0$((i % 10))") ||
			{ echo "menu $i: no answer within 1 s"; return 1; }
		worst=$(awk -v t="$t" -v w="$worst" 'BEGIN { d = t * 1000; print (d > w ? d : w) }')
		sleep 0.2
	done
	echo "40 menus, the slowest in $worst ms (curl's time_total)"
}
check "a silent target socket: the boot service answers 40 menus, each within 1 s" menus_fast
tail -n 1 "$WORK/last.out" | sed 's/^/    /'
silent_counted() {
	local n
	n=$(curl -sf "http://127.0.0.1:$SMETRICS/metrics" | awk '$1 == "ringsan_boot_target_poll_errors_total" { print $2 }')
	[ "${n:-0}" -ge 2 ] && [ "$(curl -sf "http://127.0.0.1:$SMETRICS/metrics" | awk '$1 == "ringsan_boot_target_up" { print $2 }')" = 0 ]
}
check "  ... counts the exchanges that timed out (target_up 0)" silent_counted
check "  ... and says so once in its log" bash -c \
	"[ \$(grep -c 'no answer within 3 s' '$WORK/silent.log') = 1 ]"

# --- the status page in a real browser
if [ -n "$PAGE" ]; then
	mkdir -p "$ARTIFACTS"
	chrome() { # chrome URL ARGS...: the page after its JavaScript ran (virtual time)
		local url=$1
		shift
		timeout 60 chromium --headless --no-sandbox --disable-gpu \
			--user-data-dir="$WORK/chromium" --virtual-time-budget=4000 "$@" "$url" \
			2>>"$WORK/chromium.log"
	}
	chrome "http://127.0.0.1:$ADMIN/" --dump-dom >"$WORK/page.html"
	P=$WORK/page.html
	check "page: rendered by its JavaScript (updated ...)" grep -q '<span id="updated">updated 20' "$P"
	check "page: the target is up" grep -q '<span id="target" class="">target: up, pid' "$P"
	check "page: LUN open from the target's status" grep -q '<tr data-lun="open">' "$P"
	check "page: LUN secure from the target's status" grep -q '<tr data-lun="secure">' "$P"
	check "page: $GOOD is down after its OS logged out" \
		grep -q "<tr data-machine=\"$GOOD\" data-state=\"down\">" "$P"
	check "page: its steps include the OS's login" grep -q 'data-step="os-login"' "$P"
	check "page: $BAD failed" grep -q "<tr data-machine=\"$BAD\" data-state=\"failed\">" "$P"
	check "page: with the CHAP hint" grep -qF 'check chap_user and chap_secret of [lun secure]' "$P"
	check "page: the refusal under recent failures" \
		grep -qF "$BAD: login to LUN secure refused: wrong CHAP secret</li>" "$P"
	chrome "http://127.0.0.1:$ADMIN/" --window-size=1280,900 \
		--screenshot="$ARTIFACTS/status-page.png" >/dev/null
	check "page: screenshot kept in $ARTIFACTS/status-page.png" test -s "$ARTIFACTS/status-page.png"
fi

check "ringsan-boot logged no sanitizer report" no_sanitizer_report "$WORK/boot.log"
check "the second ringsan-boot logged no sanitizer report" no_sanitizer_report "$WORK/silent.log"
check "the target logged no sanitizer report" no_sanitizer_report "$TARGET_LOG"
finish
