#!/usr/bin/env python3
"""bootclient.py: minimal DHCP/PXE, TFTP and HTTP clients for the ringsan-boot integration test.

Loopback only: every socket talks to 127.0.0.1 (the test refuses any other host).
Subcommands print one line and exit 0 on success, 1 on failure:
  tftp-get PORT FILE EXPECTED [--blksize N] [--tsize] [--windowsize N]
  tftp-refused PORT FILE          (expects a TFTP ERROR packet)
  tftp-wrq PORT FILE              (expects ERROR 2)
  tftp-probe PORT FILE            (OVMF: tsize probe, then ERROR 8, then a real get)
  tftp-load PORT FILE EXPECTED N SECONDS
  dhcp PORT KIND EXPECT_FILE      (KIND: bios, efi, ipxe, http, plain)
  pxe PORT EXPECT_FILE            (REQUEST to the boot-server port)
  http PORT PATH STATUS [RANGE] [EXPECT_FILE]
"""
import os
import socket
import struct
import sys
import threading
import time

HOST = "127.0.0.1"


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def ok(msg):
    print("ok: " + msg)
    sys.exit(0)


# ---------------------------------------------------------------- TFTP (RFC 1350, 2347, 7440)

class TftpError(Exception):
    def __init__(self, code, msg):
        super().__init__("TFTP error %d: %s" % (code, msg))
        self.code = code


def tftp_rrq(name, opts):
    pkt = struct.pack("!H", 1) + name.encode() + b"\0octet\0"
    for k, v in opts.items():
        pkt += k.encode() + b"\0" + str(v).encode() + b"\0"
    return pkt


def parse_oack(data):
    parts = data[2:].split(b"\0")
    return {parts[i].decode().lower(): int(parts[i + 1]) for i in range(0, len(parts) - 1, 2)}


def tftp_get(port, name, opts=None, timeout=5.0, abort_after_oack=False, source=HOST):
    """Downloads name; returns (bytes, oack dict). Raises TftpError on an ERROR packet.
    source: the loopback address to send from (127.0.0.0/8: one per simulated machine)."""
    opts = opts or {}
    assert source.startswith("127.")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((source, 0))
    s.settimeout(timeout)
    s.sendto(tftp_rrq(name, opts), (HOST, port))
    blksize = 512
    window = 1
    oack = {}
    data = bytearray()
    expected = 1  # next block index (64-bit), wire value = expected & 0xffff
    peer = None
    since_ack = 0
    try:
        while True:
            pkt, addr = s.recvfrom(70000)
            if addr[0] != HOST:
                continue
            if peer is None:
                peer = addr
            elif addr != peer:
                continue
            op = struct.unpack("!H", pkt[:2])[0]
            if op == 5:
                code = struct.unpack("!H", pkt[2:4])[0]
                raise TftpError(code, pkt[4:].split(b"\0")[0].decode(errors="replace"))
            if op == 6:
                oack = parse_oack(pkt)
                blksize = oack.get("blksize", 512)
                window = oack.get("windowsize", 1)
                if abort_after_oack:
                    s.sendto(struct.pack("!HH", 5, 8) + b"probe only\0", peer)
                    return None, oack
                s.sendto(struct.pack("!HH", 4, 0), peer)
                continue
            if op != 3:
                raise TftpError(-1, "unexpected opcode %d" % op)
            block = struct.unpack("!H", pkt[2:4])[0]
            if block != (expected & 0xFFFF):
                # out of order or duplicate: re-ACK the last good block (RFC 7440 4)
                s.sendto(struct.pack("!HH", 4, (expected - 1) & 0xFFFF), peer)
                since_ack = 0
                continue
            payload = pkt[4:]
            data += payload
            expected += 1
            since_ack += 1
            last = len(payload) < blksize
            if last or since_ack >= window:
                s.sendto(struct.pack("!HH", 4, block), peer)
                since_ack = 0
            if last:
                return bytes(data), oack
    finally:
        s.close()


def cmd_tftp_get(args):
    port, name, expected = int(args[0]), args[1], args[2]
    opts = {}
    i = 3
    while i < len(args):
        if args[i] == "--blksize":
            opts["blksize"] = int(args[i + 1])
            i += 2
        elif args[i] == "--windowsize":
            opts["windowsize"] = int(args[i + 1])
            i += 2
        elif args[i] == "--tsize":
            opts["tsize"] = 0
            i += 1
        else:
            fail("bad flag " + args[i])
    want = open(expected, "rb").read()
    try:
        got, oack = tftp_get(port, name, opts)
    except (TftpError, socket.timeout) as e:
        fail("%s: %s" % (name, e))
    if got != want:
        fail("%s: %d bytes, expected %d (content differs)" % (name, len(got), len(want)))
    if "tsize" in opts and oack.get("tsize") != len(want):
        fail("%s: OACK tsize %s, expected %d" % (name, oack.get("tsize"), len(want)))
    for k in ("blksize", "windowsize"):
        if k in opts and oack.get(k) is None:
            fail("%s: option %s not acknowledged" % (name, k))
    ok("%s: %d bytes %s" % (name, len(got), oack))


def cmd_tftp_refused(args):
    port, name = int(args[0]), args[1]
    try:
        got, _ = tftp_get(port, name)
    except TftpError as e:
        ok("%s refused: %s" % (name, e))
    except socket.timeout:
        fail("%s: no answer" % name)
    fail("%s: served %d bytes, expected a refusal" % (name, len(got)))


def cmd_tftp_wrq(args):
    port, name = int(args[0]), args[1]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((HOST, 0))
    s.settimeout(5)
    s.sendto(struct.pack("!H", 2) + name.encode() + b"\0octet\0", (HOST, port))
    pkt, _ = s.recvfrom(1500)
    op, code = struct.unpack("!HH", pkt[:4])
    if op == 5 and code == 2:
        ok("WRQ refused with ACCESS VIOLATION")
    fail("WRQ answered with opcode %d code %d" % (op, code))


def cmd_tftp_probe(args):
    port, name, expected = int(args[0]), args[1], args[2]
    want = open(expected, "rb").read()
    _, oack = tftp_get(port, name, {"tsize": 0, "blksize": 1468, "windowsize": 4},
                       abort_after_oack=True)
    if oack.get("tsize") != len(want):
        fail("probe: tsize %s, expected %d" % (oack.get("tsize"), len(want)))
    got, _ = tftp_get(port, name, {"tsize": 0, "blksize": 1468, "windowsize": 4})
    if got != want:
        fail("after probe: content differs")
    ok("size probe then download of %s (%d bytes)" % (name, len(want)))


def cmd_tftp_load(args):
    port, name, expected, count, limit = int(args[0]), args[1], args[2], int(args[3]), float(args[4])
    want = open(expected, "rb").read()
    results = [None] * count

    def one(i):
        opts = {"blksize": 1428} if i % 2 else {}
        try:
            # one loopback address per machine, as on a LAN (per-address limits apply)
            got, _ = tftp_get(port, name, opts, timeout=10, source="127.0.2.%d" % (i % 250 + 1))
            results[i] = got == want
        except Exception as e:  # noqa: BLE001 - any failure counts
            results[i] = e

    start = time.monotonic()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(limit)
    elapsed = time.monotonic() - start
    good = sum(1 for r in results if r is True)
    if good != count:
        bad = [r for r in results if r is not True][:3]
        fail("%d of %d transfers complete and correct (%s)" % (good, count, bad))
    if elapsed > limit:
        fail("%d transfers took %.2f s (limit %.0f s)" % (count, elapsed, limit))
    ok("%d concurrent transfers of %d bytes in %.2f s" % (count, len(want), elapsed))


# ---------------------------------------------------------------- DHCP / PXE (RFC 2131, 4578)

MAC = bytes.fromhex("525400c0ffee")


def dhcp_packet(msg_type, kind, server_id=None):
    hdr = struct.pack("!BBBBIHHIIII", 1, 1, 6, 0, 0xC0FFEE, 0, 0x8000, 0, 0, 0, 0)
    hdr += MAC + bytes(10) + bytes(64) + bytes(128) + struct.pack("!I", 0x63825363)
    opts = [(53, bytes([msg_type]))]
    arch = {"bios": 0, "efi": 7, "ipxe": 0, "http": 16}.get(kind)
    if kind == "http":
        opts.append((60, b"HTTPClient:Arch:00016:UNDI:003001"))
    elif kind != "plain":
        opts.append((60, b"PXEClient:Arch:%05d:UNDI:002001" % arch))
    if arch is not None:
        opts.append((93, struct.pack("!H", arch)))
        opts.append((97, bytes(17)))
    if kind == "ipxe":
        opts.append((77, b"iPXE"))
        opts.append((175, bytes([19, 1, 1])))
    if server_id:
        opts.append((54, socket.inet_aton(server_id)))
    body = b"".join(bytes([c, len(v)]) + v for c, v in opts) + b"\xff"
    return (hdr + body).ljust(300, b"\0")


def dhcp_options(pkt):
    opts, off = {}, 240
    while off < len(pkt) and pkt[off] != 255:
        if pkt[off] == 0:
            off += 1
            continue
        opts[pkt[off]] = pkt[off + 2: off + 2 + pkt[off + 1]]
        off += 2 + pkt[off + 1]
    return opts


def dhcp_exchange(port, pkt, timeout=2.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((HOST, 0))  # loopback source: the server answers here, never by broadcast
    s.settimeout(timeout)
    s.sendto(pkt, (HOST, port))
    try:
        reply, addr = s.recvfrom(1500)
    except socket.timeout:
        return None
    finally:
        s.close()
    return reply


def check_reply(reply, expect_file, want_type):
    if expect_file == "-":
        if reply is None:
            ok("no reply, as expected")
        fail("expected no reply, got %d bytes" % len(reply))
    if reply is None:
        fail("no reply")
    opts = dhcp_options(reply)
    xid = struct.unpack("!I", reply[4:8])[0]
    fname = reply[108:236].split(b"\0")[0].decode()
    if reply[0] != 2 or xid != 0xC0FFEE or reply[28:34] != MAC:
        fail("reply header wrong (op %d xid %x)" % (reply[0], xid))
    if opts.get(53) != bytes([want_type]):
        fail("reply type %s, expected %d" % (opts.get(53), want_type))
    if fname != expect_file:
        fail("boot file %r, expected %r" % (fname, expect_file))
    if 175 in opts:
        fail("option 175 in a proxy reply")
    ok("type %d file %s" % (want_type, fname))


def cmd_dhcp(args):
    port, kind, expect = int(args[0]), args[1], args[2]
    check_reply(dhcp_exchange(port, dhcp_packet(1, kind)), expect, 2)


def cmd_pxe(args):
    port, expect = int(args[0]), args[1]
    check_reply(dhcp_exchange(port, dhcp_packet(3, "efi", HOST)), expect, 5)


def cmd_dhcp_full(args):
    port, lease_file = int(args[0]), args[1]
    offer = dhcp_exchange(port, dhcp_packet(1, "ipxe"))
    if offer is None:
        fail("no OFFER")
    opts = dhcp_options(offer)
    yiaddr = socket.inet_ntoa(offer[16:20])
    if opts.get(53) != bytes([2]) or not yiaddr.startswith("127.0.0."):
        fail("OFFER wrong: type %s yiaddr %s" % (opts.get(53), yiaddr))
    if opts.get(175) != bytes([176, 1, 1]):
        fail("full mode: iPXE client did not get 175.176")
    if len(args) > 2:  # RFC 2132 3.8: option 6 lists every DNS server, in order
        want = b"".join(socket.inet_aton(a) for a in args[2].split(","))
        if opts.get(6) != want:
            fail("DNS option %r, want %r" % (opts.get(6), want))
    req = bytearray(dhcp_packet(3, "ipxe", HOST))
    # option 50 (requested address) in place of the padding after END
    end = req.index(255, 240)
    req[end:end + 7] = bytes([50, 4]) + offer[16:20] + b"\xff"
    ack = dhcp_exchange(port, bytes(req))
    if ack is None or dhcp_options(ack).get(53) != bytes([5]):
        fail("no ACK for %s" % yiaddr)
    time.sleep(0.2)
    text = open(lease_file).read()
    if "52:54:00:c0:ff:ee %s bound" % yiaddr not in text:
        fail("lease file lacks the lease: %r" % text)
    ok("OFFER/ACK %s, lease written" % yiaddr)


# ---------------------------------------------------------------- HTTP (RFC 9110/9112)

def http_request(port, raw, read_body=True):
    s = socket.create_connection((HOST, port), timeout=5)
    s.sendall(raw)
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.decode(errors="replace").split("\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    length = int(headers.get("content-length", "0"))
    while read_body and len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            break
        body += chunk
    s.close()
    return status, headers, body


def cmd_http(args):
    port, path, status = int(args[0]), args[1], int(args[2])
    rng = args[3] if len(args) > 3 and args[3] != "-" else None
    expect = args[4] if len(args) > 4 else None
    raw = "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n" % (path, HOST)
    if rng:
        raw += "Range: bytes=%s\r\n" % rng
    got, headers, body = http_request(port, (raw + "\r\n").encode())
    if got != status:
        fail("GET %s: status %d, expected %d" % (path, got, status))
    if expect:
        want = open(expect, "rb").read()
        if rng and status == 206:
            a, _, b = rng.partition("-")
            if a == "":
                want = want[-int(b):]
            else:
                want = want[int(a): (int(b) + 1) if b else None]
        if body != want:
            fail("GET %s: body of %d bytes differs from the expected %d" %
                 (path, len(body), len(want)))
    ok("GET %s range %s -> %d (%d bytes%s)" % (path, rng, got, len(body),
                                                ", " + headers.get("content-range", "")
                                                if "content-range" in headers else ""))


def cmd_http_keepalive(args):
    port = int(args[0])
    s = socket.create_connection((HOST, port), timeout=5)
    req = ("GET /vars.ipxe HTTP/1.1\r\nHost: %s\r\n\r\n" % HOST).encode()
    s.sendall(req + req + b"HEAD /menu.ipxe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    n = data.count(b"HTTP/1.1 200 OK")
    if n != 3:
        fail("keep-alive/pipelining: %d responses of 3" % n)
    ok("3 pipelined requests on one connection")


def cmd_http_raw(args):
    port, status = int(args[0]), int(args[1])
    raw = args[2].encode().decode("unicode_escape").encode("latin-1")
    got, _, _ = http_request(port, raw)
    if got != status:
        fail("raw request: status %d, expected %d" % (got, status))
    ok("raw request -> %d" % got)


COMMANDS = {
    "tftp-get": cmd_tftp_get, "tftp-refused": cmd_tftp_refused, "tftp-wrq": cmd_tftp_wrq,
    "tftp-probe": cmd_tftp_probe, "tftp-load": cmd_tftp_load, "dhcp": cmd_dhcp, "pxe": cmd_pxe,
    "dhcp-full": cmd_dhcp_full,
    "http": cmd_http, "http-keepalive": cmd_http_keepalive, "http-raw": cmd_http_raw,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        sys.exit(2)
    try:
        COMMANDS[sys.argv[1]](sys.argv[2:])
    except (OSError, ValueError, TftpError) as e:
        fail("%s: %s" % (sys.argv[1], e))
