#!/bin/bash
# test-lun.sh RINGSAN OFDLOCK: `ringsan lun ...` against real files in a temporary directory.
# Checks file facts with stat/cmp/du, error messages and exit codes, and that failed commands
# change nothing. Ends with "N passed, N failed"; exits 77 when a needed tool is missing.
set -u
RINGSAN=$1
OFDLOCK=$2
for tool in stat cmp dd find mktemp truncate; do
	command -v "$tool" >/dev/null || { echo "SKIPPED: $tool is not installed"; exit 77; }
done
T=$(mktemp -d /tmp/ringsan-cli.XXXXXX) || { echo "SKIPPED: mktemp failed"; exit 77; }
D=$T/data
LOCKER=
cleanup() {
	[ -n "$LOCKER" ] && kill "$LOCKER" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
export RINGSAN_CONFIG= # no /etc/ringsan/ringsan.ini: built-in defaults
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then ok; else bad "$what"; fi
}
rs() { "$RINGSAN" --data-dir "$D" "$@" >"$T/out" 2>"$T/err"; echo $? >"$T/rc"; }
rc() { cat "$T/rc"; }
state() { (cd "$D" 2>/dev/null && find . -printf '%p %s %b %T@\n' | sort; cat ./*/lun.meta 2>/dev/null); }
blocks() { stat -c %b "$1"; }
size() { stat -c %s "$1"; }

# expect_fail CODE PATTERN ARGS...: exits CODE, says PATTERN, (for 1) in one line, changes nothing.
expect_fail() {
	local code=$1 pattern=$2
	shift 2
	local before after
	before=$(state)
	rs "$@"
	after=$(state)
	if [ "$(rc)" != "$code" ]; then
		bad "ringsan $*: exit $(rc), expected $code ($(head -c 300 "$T/err"))"
	elif ! grep -q -- "$pattern" "$T/err"; then
		bad "ringsan $*: stderr lacks '$pattern': $(cat "$T/err")"
	elif [ "$code" = 1 ] && [ "$(wc -l <"$T/err")" != 1 ]; then
		bad "ringsan $*: error is not one line: $(cat "$T/err")"
	elif [ "$code" = 1 ] && ! head -1 "$T/err" | grep -q '^ringsan: '; then
		bad "ringsan $*: error does not start with 'ringsan: '"
	elif [ "$before" != "$after" ]; then
		bad "ringsan $*: the data directory changed"
	else
		ok
	fi
}

hold_lock() { # hold_lock FILE MODE: an OFD lock held by another process, as the daemon does
	rm -f "$T/ready"
	"$OFDLOCK" "$1" "$2" "$T/ready" &
	LOCKER=$!
	for _ in $(seq 100); do [ -e "$T/ready" ] && return 0; sleep 0.05; done
	bad "could not take a lock on $1"
}
release_lock() { kill "$LOCKER"; wait "$LOCKER" 2>/dev/null; LOCKER=; }

# --- create: sparse, identity, listed ---
rs lun create demo --size 1G --description "demo disk"
check "create exits 0" [ "$(rc)" = 0 ]
check "create prints the target name" grep -q 'iqn.2026-11.org.ringsan:demo' "$T/out"
check "disk.img is 1 GiB" [ "$(size "$D/demo/disk.img")" = 1073741824 ]
check "disk.img is sparse (st_blocks 0)" [ "$(blocks "$D/demo/disk.img")" = 0 ]
check "lun.meta has a uuid" grep -Eq '^uuid=[0-9a-f-]{36}$' "$D/demo/lun.meta"
check "lun.meta has the block size" grep -q '^block_size=512$' "$D/demo/lun.meta"
check "nothing temporary is left" [ -z "$(find "$D" -maxdepth 1 -name '.*tmp*')" ]
rs lun create four --size 64M --block-size 4096
check "create with 4096-byte blocks" grep -q '^block_size=4096$' "$D/four/lun.meta"
rs lun list
check "list exits 0" [ "$(rc)" = 0 ]
check "list has a header" grep -Eq '^NAME +SIZE +USED +BLOCK +IN-USE +SESSIONS +DESCRIPTION' "$T/out"
check "list shows demo (no target running: sessions '-')" grep -Eq '^demo +1 GiB +0 B +512 +no +- +demo disk$' "$T/out"
check "list is sorted" [ "$(awk 'NR>1{print $1}' "$T/out" | tr '\n' ' ')" = "demo four " ]
rs lun list --json
if command -v python3 >/dev/null; then
	check "list --json is JSON" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[0]["name"]=="demo" and d[0]["size"]==1<<30 and d[0]["allocated"]==0' "$T/out"
else
	check "list --json names demo" grep -q '"name": "demo"' "$T/out"
fi
rs lun info demo
uuid=$(sed -n 's/^uuid=//p' "$D/demo/lun.meta")
check "info shows the serial" grep -q "^serial: *${uuid//-/}$" "$T/out"
check "info shows an NAA 3 designator" grep -Eq '^naa: *0x3[0-9a-f]{15}$' "$T/out"
check "info shows the target" grep -q '^target: *iqn.2026-11.org.ringsan:demo$' "$T/out"
check "info shows not in use" grep -q '^in use: *no$' "$T/out"

# --- resize: grow keeps data; shrink only with --shrink and only over holes ---
dd if=/dev/urandom of="$T/pattern" bs=1M count=1 status=none
dd if="$T/pattern" of="$D/demo/disk.img" bs=1M seek=100 conv=notrunc status=none
rs lun resize demo --size 2G
check "grow exits 0" [ "$(rc)" = 0 ]
check "grow sets the size" [ "$(size "$D/demo/disk.img")" = 2147483648 ]
check "grow keeps the data" cmp -s -n 1048576 -i 104857600:0 "$D/demo/disk.img" "$T/pattern"
check "grow keeps the identity" grep -q "^uuid=$uuid$" "$D/demo/lun.meta"
rs lun resize demo --size +1G
check "grow by +1G" [ "$(size "$D/demo/disk.img")" = 3221225472 ]
expect_fail 1 'needs --shrink' lun resize demo --size 512M
expect_fail 1 '1048576 bytes (1 MiB) of data lie beyond 50 MiB' lun resize demo --size 50M --shrink
rs lun resize demo --size 101M --shrink
check "shrink over holes works" [ "$(rc)" = 0 ] && [ "$(size "$D/demo/disk.img")" = 105906176 ]
check "shrink keeps the data" cmp -s -n 1048576 -i 104857600:0 "$D/demo/disk.img" "$T/pattern"
rs lun resize demo --size 101M
check "same size is fine" grep -q 'already' "$T/out"

# --- clone: equal content, holes stay holes, new identity ---
rs lun clone demo copy
check "clone exits 0" [ "$(rc)" = 0 ]
check "clone content equals the source" cmp -s "$D/demo/disk.img" "$D/copy/disk.img"
check "clone keeps holes" [ "$(blocks "$D/copy/disk.img")" -le $(($(blocks "$D/demo/disk.img") + 8)) ]
check "clone allocates at most the data" [ "$(blocks "$D/copy/disk.img")" -le 2056 ]
check "clone has a new uuid" [ "$(sed -n 's/^uuid=//p' "$D/copy/lun.meta")" != "$uuid" ]
check "clone keeps the description" grep -q '^description=demo disk$' "$D/copy/lun.meta"
rs lun clone four four-b --description "second"
check "clone of an empty LUN is empty" [ "$(blocks "$D/four-b/disk.img")" = 0 ]
check "clone with a new description" grep -q '^description=second$' "$D/four-b/lun.meta"

# --- locks: a served LUN (shared OFD lock held elsewhere) cannot be changed ---
hold_lock "$D/demo/disk.img" shared
expect_fail 1 "LUN 'demo' is in use" lun resize demo --size 1G
expect_fail 1 "LUN 'demo' is in use" lun rm demo --yes
expect_fail 1 "LUN 'demo' is in use" lun clone demo copy2
rs lun info demo
check "info says in use" grep -q '^in use: *yes' "$T/out"
rs lun list
check "list says in use" grep -Eq '^demo .* yes ' "$T/out"
release_lock
rs lun resize demo --size 200M
check "resize works once the lock is gone" [ "$(rc)" = 0 ]

# --- interrupted operations: leftovers are invisible and cleaned up when nobody holds them ---
mkdir -p "$D/.ghost.tmp-aaaaaa" "$D/.old.rm-bbbbbbbb" "$D/.busy.tmp-cccccc"
: >"$D/.ghost.tmp-aaaaaa/disk.img"
: >"$D/.old.rm-bbbbbbbb/disk.img"
: >"$D/.busy.tmp-cccccc/disk.img"
rs lun list
check "leftovers are not listed" [ "$(grep -c -e ghost -e old -e busy "$T/out")" = 0 ]
hold_lock "$D/.busy.tmp-cccccc/disk.img" exclusive
rs lun create fresh --size 1M
check "create after leftovers works" [ "$(rc)" = 0 ]
check "idle leftovers are removed" [ ! -e "$D/.ghost.tmp-aaaaaa" ] && [ ! -e "$D/.old.rm-bbbbbbbb" ]
check "a leftover in use is kept" [ -e "$D/.busy.tmp-cccccc" ]
release_lock
rs lun rm fresh --yes
check "released leftovers go with the next change" [ ! -e "$D/.busy.tmp-cccccc" ]

# --- bad input: one line, exit 1 (or 2 for usage), nothing changed ---
expect_fail 1 "upper-case" lun create Bad --size 1M
expect_fail 1 "must start with a letter" lun create --size 1M -- -x
expect_fail 1 "not allowed" lun create a_b --size 1M
expect_fail 1 "too long" lun create "$(printf 'a%.0s' $(seq 65))" --size 1M
expect_fail 1 "is not a size" lun create x --size 1.5G
expect_fail 1 "is not a size" lun create x --size -5
expect_fail 1 "is not a size" lun create x --size 10Q
expect_fail 1 "too large" lun create x --size 99999999999999999999
expect_fail 1 "multiple of the block size" lun create x --size 1000
expect_fail 1 "multiple of the block size" lun create x --size 6K --block-size 4096
expect_fail 1 "multiple of the block size" lun create x --size 0
expect_fail 1 "use 512 or 4096" lun create x --size 1M --block-size 1024
expect_fail 1 "already exists" lun create demo --size 1M
expect_fail 1 "control characters" lun create x --size 1M --description "$(printf 'a\nb')"
expect_fail 2 "size is required" lun create x
expect_fail 2 "missing NAME" lun create --size 1M
expect_fail 2 "unexpected argument" lun create x y --size 1M
expect_fail 2 "unknown option" lun create x --size 1M --sparse
expect_fail 2 "needs a value" lun create x --size
expect_fail 1 "no such LUN 'nope'" lun resize nope --size 1G
expect_fail 1 "is not a size" lun resize demo --size 1.5G
expect_fail 1 "zero or less" lun resize demo --size -200M
expect_fail 1 "not a valid size" lun resize demo --size 1000
expect_fail 1 "no such LUN 'nope'" lun info nope
expect_fail 1 "no such LUN 'nope'" lun rm nope --yes
expect_fail 1 "stdin is not a terminal" lun rm demo
expect_fail 1 "no such LUN 'nope'" lun clone nope x
expect_fail 1 "already exists" lun clone demo copy
expect_fail 1 "upper-case" lun clone demo Copy
expect_fail 2 "needs SRC and DST" lun clone demo
expect_fail 2 "unknown command 'frobnicate'" lun frobnicate
expect_fail 2 "unknown command 'frobnicate'" frobnicate
printf '[server]\nworkers = 1\nbogus = 2\n' >"$T/bad.ini"
expect_fail 1 "bad.ini:3: \[server\] unknown key 'bogus'" -c "$T/bad.ini" lun list
expect_fail 1 "bad.ini:3: \[server\] unknown key 'bogus'" check-config -c "$T/bad.ini"
expect_fail 1 "cannot read config" lun list -c "$T/missing.ini"

# --- config and help ---
printf '[server]\nbase_iqn = iqn.2020-01.lab.test\nchap_x = 1\n' >"$T/c1.ini"
printf '[server]\nbase_iqn = iqn.2020-01.lab.test\ndata_dir = %s\n[lun demo]\nchap_user = u\nchap_secret = verysecret123\n' "$D" >"$T/good.ini"
"$RINGSAN" check-config -c "$T/good.ini" >"$T/out" 2>&1
check "check-config accepts a good file" [ $? = 0 ]
check "check-config prints the effective config" grep -q '^queue_depth = 64$' "$T/out"
check "check-config masks secrets" [ "$(grep -c verysecret123 "$T/out")" = 0 ]
"$RINGSAN" check-config -q -c "$(dirname "$0")/../../../scripts/ringsan.ini" >"$T/out" 2>&1
check "the example scripts/ringsan.ini is valid" [ $? = 0 ]
"$RINGSAN" -c "$T/good.ini" lun info demo >"$T/out" 2>&1
check "-c before the command; data_dir from config" grep -q '^target: *iqn.2020-01.lab.test:demo$' "$T/out"
"$RINGSAN" lun info demo --config "$T/good.ini" >"$T/out" 2>&1
check "--config after the command" grep -q '^target: *iqn.2020-01.lab.test:demo$' "$T/out"
for cmd in "" "lun" "lun create" "lun resize" "lun info" "lun list" "lun rm" "lun clone" "check-config" "version"; do
	# shellcheck disable=SC2086
	"$RINGSAN" $cmd --help >"$T/out" 2>&1
	check "ringsan $cmd --help" [ $? = 0 ] && grep -q '^usage: ringsan' "$T/out"
done
"$RINGSAN" --help | grep -q '^  lun ' && ok || bad "--help lists lun"
"$RINGSAN" lun --help | grep -q '^  create ' && ok || bad "lun --help lists create"
"$RINGSAN" >/dev/null 2>&1
check "no command is a usage error" [ $? = 2 ]

# --- a running target is told to reload (a stand-in process called ringsan) ---
if cp "$(command -v sleep)" "$T/ringsan" 2>/dev/null; then
	"$T/ringsan" 60 &
	fake=$!
	echo "$fake" >"$D/.ringsan.pid"
	sleep 0.2
	rs lun create reload-me --size 1M
	check "create tells the target to reload" grep -q "told the running target (pid $fake) to reload" "$T/out"
	wait "$fake" 2>/dev/null
	check "the target got SIGHUP" [ $? = 129 ]
	rs lun create quiet --size 1M
	check "a dead pid is ignored" [ "$(grep -c told "$T/out")" = 0 ]
	rm -f "$D/.ringsan.pid"
fi

# --- rm ---
rs lun rm copy --yes
check "rm exits 0" [ "$(rc)" = 0 ]
check "rm removes the directory" [ ! -e "$D/copy" ]
check "rm leaves nothing behind" [ -z "$(find "$D" -maxdepth 1 -name '.copy*')" ]
rs lun list
check "rm'd LUN is not listed" [ "$(grep -c '^copy ' "$T/out")" = 0 ]

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
