#!/usr/bin/env python3
"""capture.py IFACE PORT OUT [TARGET_SUBSTRING]: record the block trace of the iSCSI sessions seen
on IFACE (a lab bridge inside a network namespace; run with `ip netns exec`), until SIGTERM/SIGINT.

Every TCP segment to or from PORT is kept (AF_PACKET, root). At the end each initiator->target
stream is put back in order by sequence number, cut into iSCSI PDUs (no digests: iPXE's and the
Linux initiator's default), and its SCSI READ/WRITE (10 and 16) commands are written to OUT in
the order they were sent, as "R LBA BLOCKS SECONDS" / "W LBA BLOCKS SECONDS" (512-byte blocks;
SECONDS: when it was sent, from the first command kept), the format test/tools/iscsi-replay reads. With TARGET_SUBSTRING only the sessions whose login names a target
containing it are kept (one machine's boot out of several).
"""
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003


def parse_frame(frame, port):
    """(conn key, seq, payload, time) of an initiator->target TCP segment, else None."""
    if len(frame) < 14 + 20 or struct.unpack("!H", frame[12:14])[0] != 0x0800:
        return None
    ip = frame[14:]
    ihl = (ip[0] & 0x0F) * 4
    if ip[9] != 6:
        return None
    total = struct.unpack("!H", ip[2:4])[0]
    tcp = ip[ihl:total]
    if len(tcp) < 20:
        return None
    sport, dport, seq = struct.unpack("!HHI", tcp[:8])
    if dport != port:
        return None
    off = (tcp[12] >> 4) * 4
    payload = tcp[off:]
    if not payload:
        return None
    key = (ip[12:16], sport)
    return key, seq, bytes(payload), time.monotonic()


def stream_bytes(segments):
    """Reassemble one direction: segments [(seq, payload, time)] in capture order, duplicates
    dropped. Returns the bytes and [(stream offset, time)] of where each accepted segment began."""
    base = segments[0][0]
    data = bytearray()
    times = []
    for seq, payload, t in sorted(segments, key=lambda s: (s[0] - base) & 0xFFFFFFFF):
        rel = (seq - base) & 0xFFFFFFFF
        if rel + len(payload) <= len(data):
            continue
        if rel > len(data):
            break  # a hole: stop at what is known
        times.append((len(data), t))
        data += payload[len(data) - rel:]
    return bytes(data), times


def time_at(times, pos):
    """When the segment holding stream offset pos was seen."""
    t = times[0][1]
    for off, when in times:
        if off > pos:
            break
        t = when
    return t


def commands(stream):
    """(target name, [(first byte offset, kind, lba, blocks)]) of one initiator->target stream."""
    pos, target, out = 0, "", []
    while pos + 48 <= len(stream):
        bhs = stream[pos:pos + 48]
        op = bhs[0] & 0x3F
        ahs = bhs[4] * 4
        dlen = int.from_bytes(bhs[5:8], "big")
        data = stream[pos + 48 + ahs:pos + 48 + ahs + dlen]
        if op == 0x03 and b"TargetName=" in data:
            for kv in data.split(b"\0"):
                if kv.startswith(b"TargetName="):
                    target = kv[11:].decode(errors="replace")
        elif op == 0x01:
            cdb = bhs[32:48]
            if cdb[0] in (0x28, 0x2A):
                lba, blocks = struct.unpack("!I", cdb[2:6])[0], struct.unpack("!H", cdb[7:9])[0]
                out.append((pos, "R" if cdb[0] == 0x28 else "W", lba, blocks))
            elif cdb[0] in (0x88, 0x8A):
                lba, blocks = struct.unpack("!QI", cdb[2:14])
                out.append((pos, "R" if cdb[0] == 0x88 else "W", lba, blocks))
        pos += 48 + ahs + ((dlen + 3) & ~3)
    return target, out


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    iface, port, out_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    want = sys.argv[4] if len(sys.argv) == 5 else ""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.settimeout(0.5)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    conns, first_seen, n = {}, {}, 0
    while not stop:
        try:
            frame = s.recv(65535)
        except socket.timeout:
            continue
        seg = parse_frame(frame, port)
        if not seg:
            continue
        key, seq, payload, t = seg
        conns.setdefault(key, []).append((seq, payload, t))
        first_seen.setdefault(key, time.monotonic())
        n += 1
    kept, t0 = [], None
    for key in sorted(conns, key=lambda k: first_seen[k]):
        data, times = stream_bytes(conns[key])
        target, cmds = commands(data)
        if want and want not in target:
            continue
        cmds = [(time_at(times, pos), kind, lba, blocks) for pos, kind, lba, blocks in cmds]
        if cmds and t0 is None:
            t0 = cmds[0][0]
        kept.append((target, cmds))
    with open(out_path, "w") as f:
        f.write("# iSCSI block trace: %d session(s), %d segments captured\n" % (len(kept), n))
        for target, cmds in kept:
            f.write("# session to %s: %d commands\n" % (target, len(cmds)))
            for t, kind, lba, blocks in cmds:
                f.write("%s %d %d %.6f\n" % (kind, lba, blocks, t - t0))
    print("capture.py: %d session(s) kept of %d" % (len(kept), len(conns)), file=sys.stderr)


if __name__ == "__main__":
    main()
