#!/usr/bin/env python3
"""machineclient.py: one machine's network boot as ringsan-boot sees it, on loopback, for
test-machines.sh: a PXE firmware's DHCP DISCOVER (full mode: it gets an address 127.0.0.x),
undionly.kpxe over TFTP from that address, iPXE's DHCP DISCOVER, then menu.ipxe?mac=... and
lun-LUN.ipxe over HTTP from that address. Prints the address it got.

  machineclient.py boot DHCP_PORT TFTP_PORT HTTP_PORT MAC LUN EXPECTED_FIRMWARE
  machineclient.py menu HTTP_PORT SOURCE MAC LUN      (only the two HTTP requests)
"""
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootclient as bc  # noqa: E402


def http_get(port, source, path):
    assert source.startswith("127.")
    s = socket.socket()
    s.bind((source, 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path.encode())
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    s.close()
    if not data.startswith(b"HTTP/1.1 200"):
        bc.fail("GET %s: %r" % (path, data[:60]))


def menu(port, source, mac, lun):
    hexhyp = mac.replace(":", "-").lower()
    http_get(port, source, "/menu.ipxe?mac=" + hexhyp)
    http_get(port, source, "/lun-%s.ipxe" % lun)


def boot(args):
    dhcp, tftp, http, mac, lun, firmware = args
    bc.MAC = bytes.fromhex(mac.replace(":", ""))
    offer = bc.dhcp_exchange(int(dhcp), bc.dhcp_packet(1, "bios"))
    if offer is None:
        bc.fail("no DHCP OFFER")
    addr = socket.inet_ntoa(offer[16:20])
    data, _ = bc.tftp_get(int(tftp), "undionly.kpxe", {"blksize": 1428, "tsize": 0}, source=addr)
    if data != open(firmware, "rb").read():
        bc.fail("undionly.kpxe came back different")
    if bc.dhcp_exchange(int(dhcp), bc.dhcp_packet(1, "ipxe")) is None:
        bc.fail("no DHCP OFFER for iPXE")
    menu(int(http), addr, mac, lun)
    print(addr)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "boot":
        boot(sys.argv[2:])
    elif cmd == "menu":
        menu(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5])
    else:
        bc.fail("unknown command " + cmd)
