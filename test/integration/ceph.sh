# ceph.sh: a single-node Ceph cluster on loopback for the RBD tests and benchmark, from Debian's
# ceph packages (ceph-mon, ceph-mgr, ceph-osd, ceph-common): one monitor, one manager and one
# OSD (BlueStore on a sparse file), memory lowered, everything under one directory and stopped by
# PID. Source it (after lib.sh, whose PIDS it appends to), then:
#   ceph_start DIR      starts the cluster; sets CEPH_CONF (DIR/ceph.conf), CEPH_KEYRING
#                       (client.admin's), CEPH_PIDS; creates pool "rbd". 0, or 1 with the
#                       reason in DIR/start.log.
#   ceph_stop           stops the daemons (SIGTERM by PID, then waits).
#   ceph_cmd ARGS...    `ceph` against this cluster.
# Nothing listens on anything but 127.0.0.1 (one free port for the monitor, msgr v2; the other
# daemons bind ports of their own choosing on 127.0.0.1). The OSD does not tell the monitor it
# is stopping (osd_fast_shutdown_notify_mon = false): at SIGTERM it would wait up to
# osd_mon_shutdown_timeout (5 s) for an answer from a monitor that is stopped at the same time.

CEPH_PIDS=()

ceph_cmd() { ceph -c "$CEPH_CONF" --connect-timeout 10 "$@"; }

# ceph_wait SECONDS CMD...: like lib.sh's wait_for, at 0.5 s steps.
ceph_wait() {
	local end=$((SECONDS + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.5
	done
}

ceph_pgs_clean() {
	ceph_cmd pg stat 2>/dev/null | grep -qE '^[0-9]+ pgs: [0-9]+ active\+clean;'
}

ceph_start() {
	local dir=$1 port fsid uuid id
	mkdir -p "$dir"/{run,log,mon,mgr/ceph-x,osd/ceph-0} || return 1
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	fsid=$(cat /proc/sys/kernel/random/uuid)
	CEPH_CONF=$dir/ceph.conf
	CEPH_KEYRING=$dir/client.admin.keyring
	cat >"$CEPH_CONF" <<EOF
[global]
fsid = $fsid
mon_host = v2:127.0.0.1:$port
public_addr = 127.0.0.1
ms_bind_msgr1 = false
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
keyring = $CEPH_KEYRING
run_dir = $dir/run
admin_socket = $dir/run/\$name.asok
log_file = $dir/log/\$name.log
pid_file = $dir/run/\$name.pid
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
osd_crush_chooseleaf_type = 0
mon_max_pg_per_osd = 1000
[mon]
mon_data = $dir/mon/ceph-\$id
keyring = $dir/mon/ceph-\$id/keyring
mon_memory_target = 268435456
[mgr]
mgr_data = $dir/mgr/ceph-\$id
keyring = $dir/mgr/ceph-\$id/keyring
[osd]
osd_data = $dir/osd/ceph-\$id
keyring = $dir/osd/ceph-\$id/keyring
osd_objectstore = bluestore
bluestore_block_path = $dir/osd/ceph-\$id/block.file
bluestore_block_size = 10737418240
bluestore_block_create = true
bluestore_block_db_create = false
bluestore_block_wal_create = false
bluestore_fsck_on_mkfs = false
osd_memory_target = 939524096
bluestore_cache_autotune = false
bluestore_cache_size = 134217728
osd_op_num_shards = 2
osd_op_num_threads_per_shard = 1
osd_fast_shutdown_notify_mon = false
EOF
	{
		ceph-authtool --create-keyring "$dir/mon.keyring" --gen-key -n mon. \
			--cap mon 'allow *' &&
		ceph-authtool --create-keyring "$CEPH_KEYRING" --gen-key -n client.admin \
			--cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' &&
		ceph-authtool "$dir/mon.keyring" --import-keyring "$CEPH_KEYRING" &&
		monmaptool --create --addv a "[v2:127.0.0.1:$port]" --fsid "$fsid" "$dir/monmap" &&
		ceph-mon -c "$CEPH_CONF" --mkfs -i a --monmap "$dir/monmap" \
			--keyring "$dir/mon.keyring"
	} >>"$dir/start.log" 2>&1 || return 1
	ceph-mon -c "$CEPH_CONF" -f -i a >>"$dir/start.log" 2>&1 &
	CEPH_PIDS+=($!)
	ceph_wait 60 ceph_cmd mon stat || {
		echo "the monitor did not answer in 60 s" >>"$dir/start.log"
		return 1
	}
	ceph_cmd auth get-or-create mgr.x mon 'allow profile mgr' osd 'allow *' mds 'allow *' \
		-o "$dir/mgr/ceph-x/keyring" >>"$dir/start.log" 2>&1 || return 1
	ceph-mgr -c "$CEPH_CONF" -f -i x >>"$dir/start.log" 2>&1 &
	CEPH_PIDS+=($!)
	uuid=$(cat /proc/sys/kernel/random/uuid)
	{
		ceph-authtool --create-keyring "$dir/osd/ceph-0/keyring" --gen-key -n osd.0 &&
		id=$(ceph_cmd osd new "$uuid") && [ "$id" = 0 ] &&
		ceph_cmd auth add osd.0 osd 'allow *' mon 'allow profile osd' mgr 'allow profile osd' \
			-i "$dir/osd/ceph-0/keyring" &&
		ceph-osd -c "$CEPH_CONF" -i 0 --mkfs --osd-uuid "$uuid"
	} >>"$dir/start.log" 2>&1 || return 1
	ceph-osd -c "$CEPH_CONF" -f -i 0 >>"$dir/start.log" 2>&1 &
	CEPH_PIDS+=($!)
	ceph_wait 120 bash -c "ceph -c '$CEPH_CONF' --connect-timeout 10 osd stat | grep -q '1 up'" || {
		echo "the OSD did not come up in 120 s" >>"$dir/start.log"
		return 1
	}
	{
		ceph_cmd osd pool create rbd 8 8 &&
		ceph_cmd osd pool application enable rbd rbd
	} >>"$dir/start.log" 2>&1 || return 1
	ceph_wait 120 ceph_pgs_clean || {
		echo "the placement groups were not active+clean in 120 s" >>"$dir/start.log"
		return 1
	}
	PIDS+=("${CEPH_PIDS[@]}")
	return 0
}

ceph_stop() {
	local pid
	for pid in "${CEPH_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${CEPH_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	CEPH_PIDS=()
}
