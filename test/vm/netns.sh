#!/usr/bin/env bash
# netns.sh up|down NAME: a private lab network for PXE-booting QEMU VMs.
#
# up creates network namespace NAME holding a bridge br0 (the "server" address, 192.168.77.1/24 by
# default) and a tap device tap0 enslaved to it, for `qemu -netdev tap,ifname=tap0` run inside
# NAME. Every address lives inside the namespace: the host's own interfaces are never touched and
# nothing can leave (the namespace has no route out). With NETNS_PEER=1 a second namespace
# NAME-peer is joined to the bridge by a veth pair (its end eth0, 192.168.77.2/24), for a service
# or client that should sit on "another machine".
#
# IPv6 stays on for br0's link-local address (labsvc.py ra sends router advertisements from it, or
# iPXE waits ~16 s for IPv6); duplicate address detection is off so that address is usable at once.
# NETNS_IPV6=0 turns IPv6 off in the namespace instead (to measure the wait).
#
# down deletes NAME (and NAME-peer), which removes their devices; stop the processes inside first.
# Environment: NETNS_NET (default 192.168.77), NETNS_PEER (0|1), NETNS_IPV6 (1|0).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	echo "usage: ${0##*/} up|down NAME" >&2
	exit 2
}

in_ns() { ip netns exec "$NS" "$@"; }

ns_exists() { ip netns list | awk '{ print $1 }' | grep -qx -- "$1"; }

sysctl_ns() { in_ns sysctl -q -w "$1" >/dev/null; }

up() {
	local net=${NETNS_NET:-192.168.77}
	! ns_exists "$NS" || die "namespace $NS exists already"
	ip netns add "$NS"
	in_ns ip link set lo up
	in_ns ip link add br0 type bridge
	# No STP/forwarding delay: the VM's first DHCP packet must cross the bridge at once.
	in_ns ip link set br0 type bridge stp_state 0 forward_delay 0
	if [[ ${NETNS_IPV6:-1} == 1 ]]; then
		sysctl_ns net.ipv6.conf.br0.accept_dad=0
	else
		sysctl_ns net.ipv6.conf.all.disable_ipv6=1
		sysctl_ns net.ipv6.conf.default.disable_ipv6=1
		sysctl_ns net.ipv6.conf.br0.disable_ipv6=1
	fi
	in_ns ip addr add "$net.1/24" dev br0
	in_ns ip link set br0 up
	in_ns ip tuntap add dev tap0 mode tap
	in_ns ip link set tap0 master br0
	in_ns ip link set tap0 up
	log "namespace $NS: br0 $net.1/24, tap0"
	[[ ${NETNS_PEER:-0} == 0 ]] || add_peer "$net"
}

# add_peer NET: namespace NAME-peer, its eth0 a veth whose other end is a port of br0.
add_peer() {
	local peer=$NS-peer
	ip netns add "$peer"
	in_ns ip link add veth0 type veth peer name eth0 netns "$peer"
	in_ns ip link set veth0 master br0
	in_ns ip link set veth0 up
	ip netns exec "$peer" ip link set lo up
	ip netns exec "$peer" ip addr add "$1.2/24" dev eth0
	ip netns exec "$peer" ip link set eth0 up
	log "namespace $peer: eth0 $1.2/24, joined to $NS's br0"
}

down() {
	local n
	for n in "$NS-peer" "$NS"; do
		! ns_exists "$n" || ip netns del "$n"
	done
}

(($# == 2)) || usage
NS=$2
[[ $NS =~ ^[A-Za-z0-9_.-]{1,40}$ ]] || die "bad namespace name: $NS"
case $1 in
up) up ;;
down) down ;;
*) usage ;;
esac
