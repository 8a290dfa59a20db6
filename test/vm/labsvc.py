#!/usr/bin/python3
"""Two tiny network services for the QEMU lab, run inside a network namespace the test made.

  labsvc.py tftp ADDR ROOT     read-only TFTP (RFC 1350; blksize and tsize options, RFC 2347-2349)
                               on ADDR:69, files confined under ROOT. Stands in for the boot
                               service until ringsan-boot serves TFTP itself.
  labsvc.py ra IFACE           IPv6 router advertisements with router lifetime 0 and a ULA prefix,
                               every 0.5 s. iPXE otherwise waits ~16 s for IPv6 configuration on a
                               link where no router speaks; "lifetime 0" says "not a default router".

Debian's busybox-static has no tftpd/udpsvd applets, hence this file. Python's standard library
only. Both run in the foreground until SIGTERM, so the caller can stop them by PID.
"""

import os
import select
import socket
import struct
import sys
import threading
import time

OP_RRQ, OP_WRQ, OP_DATA, OP_ACK, OP_ERROR, OP_OACK = 1, 2, 3, 4, 5, 6
ERR_NOT_FOUND, ERR_ACCESS, ERR_ILLEGAL, ERR_OPTION = 1, 2, 4, 8
RETRIES = 5
RETRY_S = 1.0


def log(msg):
    """One line on stderr, prefixed with the wall clock so tests can time boot phases."""
    print(f"labsvc: {time.time():.3f} {msg}", file=sys.stderr, flush=True)


def tftp_error(sock, peer, code, text):
    sock.sendto(struct.pack("!HH", OP_ERROR, code) + text.encode() + b"\0", peer)


def parse_rrq(packet):
    """Filename and options (lower-case names) of a read request, or None if malformed."""
    fields = packet[2:].split(b"\0")
    if len(fields) < 3 or fields[-1] != b"":
        return None
    fields = [f.decode("ascii", "replace") for f in fields[:-1]]
    name, opts = fields[0], {}
    for i in range(2, len(fields) - 1, 2):
        opts[fields[i].lower()] = fields[i + 1]
    return name, opts


def confined_path(root, name):
    """The file under root that name means, or None when it would leave root."""
    path = os.path.realpath(os.path.join(root, name.lstrip("/")))
    if path != root and not path.startswith(root + os.sep):
        return None
    return path


def send_until_ack(sock, peer, packet, block):
    """Send packet until the peer ACKs block. False when it gives up or sends an ERROR."""
    for _ in range(RETRIES):
        sock.sendto(packet, peer)
        deadline = time.monotonic() + RETRY_S
        while (left := deadline - time.monotonic()) > 0:
            if not select.select([sock], [], [], left)[0]:
                break
            data, src = sock.recvfrom(65536)
            if src != peer or len(data) < 4:
                continue
            op, num = struct.unpack("!HH", data[:4])
            if op == OP_ERROR:
                return False  # OVMF aborts after the OACK of its size probe: that is normal
            if op == OP_ACK and num == block:
                return True
    return False


def serve_transfer(addr, root, peer, packet):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((addr, 0))
    with sock:
        req = parse_rrq(packet)
        if req is None:
            return tftp_error(sock, peer, ERR_ILLEGAL, "malformed request")
        name, opts = req
        path = confined_path(root, name)
        if path is None or not os.path.isfile(path):
            log(f"{peer[0]} asked for {name}: not found")
            return tftp_error(sock, peer, ERR_NOT_FOUND, "file not found")
        with open(path, "rb") as f:
            content = f.read()
        blksize, oack = 512, {}
        if "blksize" in opts:
            blksize = max(8, min(int(opts["blksize"]), 1468))
            oack["blksize"] = str(blksize)
        if "tsize" in opts:
            oack["tsize"] = str(len(content))
        if oack:
            body = b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in oack.items())
            if not send_until_ack(sock, peer, struct.pack("!H", OP_OACK) + body, 0):
                return
        block = 1
        for off in range(0, len(content) + 1, blksize):
            chunk = content[off:off + blksize]
            packet = struct.pack("!HH", OP_DATA, block & 0xFFFF) + chunk
            if not send_until_ack(sock, peer, packet, block & 0xFFFF):
                log(f"{peer[0]}: {name} abandoned at block {block}")
                return
            block += 1
        log(f"{peer[0]}: sent {name} ({len(content)} bytes, blksize {blksize})")


def tftp_main(addr, root):
    root = os.path.realpath(root)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((addr, 69))
    log(f"TFTP on {addr}:69 serving {root}")
    while True:
        packet, peer = sock.recvfrom(65536)
        if len(packet) < 2:
            continue
        op = struct.unpack("!H", packet[:2])[0]
        if op == OP_RRQ:
            threading.Thread(target=serve_transfer, args=(addr, root, peer, packet),
                             daemon=True).start()
        elif op == OP_WRQ:
            tftp_error(sock, peer, ERR_ACCESS, "read only")


def router_advertisement():
    """RFC 4861 4.2 RA: hop limit 64, no M/O flags, router lifetime 0; one prefix (4.6.2)."""
    ra = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 0, 0, 0)  # checksum: the kernel fills it
    prefix = socket.inet_pton(socket.AF_INET6, "fd00:7777:7777:7777::")
    # type 3, length 4 (x 8 bytes), /64, on-link + autonomous, valid 1 h, preferred 30 min.
    ra += struct.pack("!BBBBIII", 3, 4, 64, 0xC0, 3600, 1800, 0) + prefix
    return ra


def ra_main(iface):
    index = socket.if_nametoindex(iface)
    sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
    # RFC 4861 6.1.2: hosts drop an RA whose hop limit is not 255.
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, index)
    packet = router_advertisement()
    log(f"router advertisements (lifetime 0) on {iface}")
    while True:
        try:
            sock.sendto(packet, ("ff02::1", 0, 0, index))
        except OSError:
            pass  # no carrier yet (QEMU has not opened the tap), or no link-local address yet
        time.sleep(0.5)


def main(argv):
    if len(argv) == 4 and argv[1] == "tftp":
        tftp_main(argv[2], argv[3])
    elif len(argv) == 3 and argv[1] == "ra":
        ra_main(argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
