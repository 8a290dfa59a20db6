#!/bin/busybox sh
# shellcheck shell=dash
# /init of the test initramfs (busybox, copied in by make-disk.sh).
#
# Proves a diskless boot in miniature: print a marker as soon as userspace runs, then (when the
# kernel command line says ringsan.test=write) do what a real iSCSI-root initramfs does after iPXE
# sanboot: load the drivers, bring the NIC up from the iBFT that iPXE published, log in again with
# the Linux initiator (iscsistart -b), and write a known pattern to the LUN for the host to find.
#
# Kernel command line keys:
#   ringsan.test=write|marker|demo   write: the whole flow; marker: marker then power off;
#                               demo: a banner naming the LUN booted from (from the iBFT), the
#                               Linux initiator logged in to it, then a shell on the console;
#                               absent: marker then a shell on the console
#   ringsan.offset_mib=N        where the pattern goes on the disk (MiB)
#   ringsan.nonce=1             also: print the nonce sector one MiB past the pattern as found
#                               (RINGSAN-NONCE-FOUND: ... or none), then write a new one there,
#                               "RINGSAN-NONCE <iBFT MAC> <random uuid>" (RINGSAN-NONCE-WROTE: ...)
#   ringsan.portal=ADDR:PORT[,ADDR:PORT...]  log in through the first of these portals that
#                               does not refuse connections (iscsistart with the iBFT's initiator
#                               and target names) instead of the iBFT's target address, which is
#                               where a redirect sent iPXE: a cluster test sees the Linux
#                               initiator follow the redirect itself

# The kernel only auto-mounts devtmpfs for a disk root, and this initramfs ships no /dev/console,
# so the console comes from devtmpfs before anything is printed.
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s /bin
export PATH=/bin:/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /run /tmp /var/lock
ln -sf /run /var/run

# The marker stands on its own line: kernel messages may end without a newline.
echo
echo RINGSAN-BOOT-OK

mode=
offset_mib=
nonce=
login_portal=
# shellcheck disable=SC2013 # the command line is one line of words
for arg in $(cat /proc/cmdline); do
	case $arg in
	ringsan.test=*) mode=${arg#*=} ;;
	ringsan.offset_mib=*) offset_mib=${arg#*=} ;;
	ringsan.nonce=*) nonce=${arg#*=} ;;
	ringsan.portal=*) login_portal=${arg#*=} ;;
	esac
done

fail() {
	echo
	if [ "$mode" = demo ]; then
		echo "ringsan-init: $*"
		exit 1
	fi
	echo "RINGSAN-WRITE-FAIL: $*"
	finish
}

shell() {
	echo "This is a busybox shell on the VM's serial console; poweroff -f ends the VM."
	exec setsid cttyhack sh
}

finish() {
	sync
	poweroff -f
	sleep 5
}

# wait_for SECONDS CMD...: retry every 0.2 s; busybox has no other bounded wait for sysfs.
wait_for() {
	n=$(($1 * 5))
	shift
	while ! "$@"; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		usleep 200000
	done
}

# No modules.dep (Debian's kernel package has none that fits): make-disk.sh resolved the order.
load_modules() {
	# shellcheck disable=SC2013 # one module name a line, no spaces
	for m in $(cat /lib/modules/load-order); do
		case $m in
		\?*) insmod "/lib/modules/${m#?}.ko" 2>/dev/null || true ;;
		*) insmod "/lib/modules/$m.ko" || return 1 ;;
		esac
	done
}

# iscsistart logs in but leaves the NIC alone: configure it from the iBFT NIC section.
configure_nic() {
	ibft=/sys/firmware/ibft/ethernet0
	wait_for 5 test -r $ibft/mac || fail "no iBFT NIC section (did iPXE sanboot publish one?)"
	mac=$(cat $ibft/mac)
	ip=$(cat $ibft/ip-addr)
	prefix=$(cat $ibft/prefix-len 2>/dev/null || echo 24)
	gw=$(cat $ibft/gateway 2>/dev/null || true)
	wait_for 10 find_iface "$mac" || fail "no interface with MAC $mac"
	ip link set lo up
	ip link set "$iface" up
	ip addr add "$ip/$prefix" dev "$iface" || fail "cannot set $ip/$prefix on $iface"
	case $gw in
	'' | 0.0.0.0) ;;
	*) ip route add default via "$gw" dev "$iface" 2>/dev/null || true ;;
	esac
	echo "ringsan-init: $iface ($mac) is $ip/$prefix gateway ${gw:-none}"
}

find_iface() {
	for d in /sys/class/net/*; do
		if [ "$(cat "$d/address")" = "$1" ]; then
			iface=${d##*/}
			return 0
		fi
	done
	return 1
}

first_disk() {
	for d in /sys/block/sd*; do
		[ -e "$d" ] || continue
		[ "$(cat "$d/size")" -gt 0 ] || continue
		disk=/dev/${d##*/}
		[ -b "$disk" ] && return 0
	done
	return 1
}

write_pattern() {
	[ -n "$offset_mib" ] || fail "no ringsan.offset_mib on the kernel command line"
	dd if=/pattern.bin of="$disk" bs=1M seek="$offset_mib" conv=fsync 2>/dev/null ||
		fail "write to $disk failed"
	sync
	# Read it back past the page cache, so a lost write shows here too, not only on the host.
	echo 3 >/proc/sys/vm/drop_caches
	dd if="$disk" bs=1M skip="$offset_mib" count=1 2>/dev/null | cmp -s - /pattern.bin ||
		fail "read-back of $disk differs from the pattern"
}

# demo: what the user of scripts/demo.sh or scripts/vm-boot.sh sees. The LUN's name is the last
# part of the target name iPXE put in the iBFT; Linux's own initiator then logs in to it again,
# as an installed OS would, and the banner says whether that worked.
demo() {
	t=/sys/firmware/ibft/target0
	iqn='(no iBFT: was this booted by iPXE sanboot?)'
	portal=''
	initiator="Linux's own initiator did not log in:"
	load_modules || echo "ringsan-init: some drivers did not load"
	if wait_for 5 test -r $t/target-name; then
		iqn=$(cat $t/target-name)
		portal=" at $(cat $t/ip-addr):$(cat $t/port)"
		if ! (configure_nic) >/tmp/nic.log 2>&1; then
			initiator="$initiator $(tail -n 1 /tmp/nic.log)"
		elif ! timeout 60 iscsistart -b >/tmp/iscsistart.log 2>&1; then
			initiator="$initiator iscsistart -b failed: $(tail -n 1 /tmp/iscsistart.log)"
		elif ! wait_for 30 first_disk; then
			initiator="$initiator no SCSI disk appeared after iscsistart -b"
		else
			initiator="Linux's own initiator logged in to it again (from the iBFT): $disk"
		fi
	fi
	echo
	echo "=================================================================="
	echo " booted from iSCSI LUN ${iqn##*:}"
	echo " target $iqn$portal"
	echo " $initiator"
	echo "=================================================================="
	shell
}

# Each machine's own mark: what the previous boot left there, then this boot's.
write_nonce() {
	[ "$nonce" = 1 ] || return 0
	seek=$(((offset_mib + 1) * 2048))
	old=$(dd if="$disk" bs=512 skip="$seek" count=1 2>/dev/null | tr -d '\000' | head -n 1)
	echo "RINGSAN-NONCE-FOUND: ${old:-none}"
	new="RINGSAN-NONCE $mac $(cat /proc/sys/kernel/random/uuid)"
	printf '%s\n' "$new" | dd of="$disk" bs=512 seek="$seek" count=1 conv=sync,fsync 2>/dev/null ||
		fail "nonce write to $disk failed"
	sync
	echo "RINGSAN-NONCE-WROTE: $new"
}

case $mode in
write) ;;
marker) finish ;;
demo) demo ;;
*)
	echo "ringsan-init: no ringsan.test on the command line; here is a shell"
	exec setsid cttyhack sh
	;;
esac

load_modules || fail "insmod failed"
configure_nic
# iscsistart returns once logged in (a child of it keeps the session); the disk shows up after.
if [ -n "$login_portal" ]; then
	ibft=/sys/firmware/ibft
	logged_in=
	for p in $(echo "$login_portal" | tr , ' '); do
		# A portal that refuses at once is down (nc exits 1); one that accepts is tried.
		timeout 1 nc -w 1 "${p%:*}" "${p##*:}" </dev/null >/dev/null 2>&1
		[ $? -ne 1 ] || {
			echo "ringsan-init: $p refuses connections"
			continue
		}
		echo "ringsan-init: logging in through $p"
		if timeout 60 iscsistart -i "$(cat $ibft/initiator/initiator-name)" \
			-t "$(cat $ibft/target0/target-name)" -g 1 -a "${p%:*}" -p "${p##*:}"; then
			logged_in=1
			break
		fi
	done
	[ -n "$logged_in" ] || fail "iscsistart through $login_portal failed"
else
	timeout 60 iscsistart -b || fail "iscsistart -b failed (exit $?)"
fi
wait_for 30 first_disk || fail "no SCSI disk appeared after iscsistart -b"
echo "ringsan-init: iSCSI disk is $disk"
write_pattern
write_nonce
echo
echo RINGSAN-WRITE-OK
finish
