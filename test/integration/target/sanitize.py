#!/usr/bin/env python3
"""sanitize.py: SANITIZE over iSCSI from a raw-socket initiator (iscsi_raw.py), for
test-sanitize.sh (no Debian initiator tool sends SANITIZE over iSCSI). Loopback only.

usage:
  sanitize.py PORT IQN overwrite PATTERN_HEX [--immed] [--passes N] [--invert]
  sanitize.py PORT IQN erase [--immed]
      send SANITIZE (OVERWRITE with the pattern, or BLOCK ERASE); print "GOOD" or the status and
      sense; exit 0 only for GOOD
  sanitize.py PORT IQN tur
      TEST UNIT READY (after the unit attentions of a new session): print "GOOD", or
      "NOT READY asc=04 ascq=1b progress=P" (P out of 65536), or the status and sense
"""
import argparse
import os
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import iscsi_raw as raw  # noqa: E402

INITIATOR = "iqn.1994-05.com.test:a"


def session(port, iqn):
    c = raw.Conn(timeout=60, port=port, target=iqn)
    c.must_login(initiator=INITIATOR)
    for _ in range(10):  # the unit attentions of a new session, not the sanitize's NOT READY
        st, sense, _ = c.tur()
        if st != 0x02 or len(sense) < 14 or (sense[2] & 0x0F) != 0x6:
            break
    return c


def describe(st, sense):
    if st == 0x02 and len(sense) >= 18 and (sense[2] & 0x0F) == 0x2:
        prog = struct.unpack(">H", sense[16:18])[0] if sense[15] & 0x80 else -1
        return "NOT READY asc=%02x ascq=%02x progress=%d" % (sense[12], sense[13], prog)
    return raw.status_str(st, sense)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("iqn")
    ap.add_argument("action", choices=["overwrite", "erase", "tur"])
    ap.add_argument("pattern", nargs="?", default="00")
    ap.add_argument("--immed", action="store_true")
    ap.add_argument("--invert", action="store_true")
    ap.add_argument("--passes", type=int, default=1)
    a = ap.parse_args()
    c = session(a.port, a.iqn)
    if a.action == "tur":
        st, sense, _ = c.tur()
    else:
        b1 = (0x80 if a.immed else 0) | (0x01 if a.action == "overwrite" else 0x02)
        plist = b""
        if a.action == "overwrite":
            pat = bytes.fromhex(a.pattern)
            plist = bytes([(0x80 if a.invert else 0) | a.passes, 0]) + struct.pack(
                ">H", len(pat)) + pat
        cdb = bytes([0x48, b1]) + bytes(5) + struct.pack(">H", len(plist)) + bytes(1)
        st, sense, _ = c.scsi(cdb, write=plist, timeout=600)
    print(describe(st, sense))
    try:
        c.logout()
    except (raw.Fail, raw.Closed, OSError):
        pass
    c.close()
    return 0 if st == 0 else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (raw.Fail, raw.Closed, OSError) as e:
        print("sanitize.py: %s" % e)
        sys.exit(2)
