#!/usr/bin/env python3
"""xcopy.py: EXTENDED COPY (LID1) over iSCSI from a raw-socket initiator (iscsi_raw.py), for the
integration test and scripts/bench-xcopy. No Debian initiator tool sends it. Loopback only.

usage:
  xcopy.py PORT naa IQN [--initiator NAME]
      print the LU's NAA designator (hex), block size and capacity in blocks
  xcopy.py PORT copy SRC_IQN DST_IQN [options]
      log in to SRC_IQN (and to DST_IQN, as the same initiator, unless --no-dst-session),
      then copy SRC -> DST with EXTENDED COPY commands, segments as large as the copy
      manager's operating parameters allow. Prints "GOOD ..." or the failing status and sense
      ("CHECK key=a asc=0d ascq=02", "RESERVATION CONFLICT"); exit 0 only for GOOD.
      --initiator NAME     InitiatorName (default iqn.1994-05.com.test:a)
      --blocks N           blocks to copy (default: all of SRC)
      --src-lba N, --dst-lba N
      --no-dst-session     do not log in to DST; --dst-naa HEX names it (its block size is
                           taken to be SRC's)
      --dst-naa HEX
      --before-copy CMD    run shell CMD after the logins, before the first EXTENDED COPY
                           (bounded to 60 s)
      --via-dst            send the EXTENDED COPY to DST's session (default: SRC's)
  xcopy.py PORT reserve IQN TYPE KEY [--initiator NAME]
      PERSISTENT RESERVE OUT: REGISTER AND IGNORE EXISTING KEY with KEY, then RESERVE with
      TYPE (1 Write Exclusive, 3 Exclusive Access ...), then log out (the reservation stays)
  xcopy.py PORT release IQN TYPE KEY [--initiator NAME]
      PERSISTENT RESERVE OUT: RELEASE (TYPE, KEY), then unregister KEY
"""
import argparse
import hashlib
import os
import subprocess
import struct
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import iscsi_raw as raw  # noqa: E402


def session(port, iqn, initiator, isid=None):
    c = raw.Conn(timeout=30, port=port, target=iqn)
    if isid:
        c.isid = isid
    c.must_login(initiator=initiator, immediate="Yes", initial_r2t="No")
    c.absorb_ua()
    return c


def cmd_naa(a):
    c = session(a.port, a.iqn, a.initiator)
    blocks, bs = c.read_capacity16()
    print("%s %d %d" % (raw.lu_naa(c).hex(), bs, blocks))
    c.logout()
    return 0


def cmd_copy(a):
    src = session(a.port, a.src, a.initiator)
    blocks, bs = src.read_capacity16()
    targets = [(raw.lu_naa(src), bs)]
    dst = None
    if a.no_dst_session:
        targets.append((bytes.fromhex(a.dst_naa), bs))
    else:
        dst = session(a.port, a.dst, a.initiator)
        dblocks, dbs = dst.read_capacity16()
        targets.append((raw.lu_naa(dst), dbs))
    via = dst if a.via_dst else src
    params = raw.copy_params(via)
    params["block_size"] = bs
    if a.blocks is not None:
        blocks = a.blocks
    if a.before_copy:
        subprocess.run(a.before_copy, shell=True, check=True, timeout=60)
    cmds = raw.copy_commands(blocks, params, a.src_lba, a.dst_lba)
    t0 = time.monotonic()
    for i, segs in enumerate(cmds):
        st, sense = raw.extended_copy(via, raw.xcopy_list(targets, segs, list_id=i & 0xFF))
        if st != 0:
            print("%s (command %d of %d)" % (raw.status_str(st, sense), i + 1, len(cmds)))
            return 1
    secs = time.monotonic() - t0
    nbytes = blocks * bs
    print("GOOD: %d bytes in %d EXTENDED COPY commands (%d segments), %.3f s" % (
        nbytes, len(cmds), sum(len(s) for s in cmds), secs))
    src.logout()
    if dst:
        dst.logout()
    return 0


def prout(c, steps):
    for sa, typ, key, sakey in steps:
        cdb = bytes([0x5F, sa, typ]) + bytes(2) + struct.pack(">I", 24) + bytes(1)
        plist = struct.pack(">QQ", key, sakey) + bytes(8)
        st, sense, _ = c.scsi(cdb, write=plist)
        raw.check_status("PERSISTENT RESERVE OUT 0x%02x" % sa, st, sense)


def cmd_reserve(a):
    # a reservation belongs to an I_T nexus (name and ISID): the same ISID every time
    isid = bytes([0x80, 0x52, 0x53, 0x56]) + hashlib.sha256(a.initiator.encode()).digest()[:2]
    c = session(a.port, a.iqn, a.initiator, isid)
    if a.cmd == "reserve":
        prout(c, ((6, 0, 0, a.key), (1, a.type, a.key, 0)))
    else:
        prout(c, ((2, a.type, a.key, 0), (0, 0, a.key, 0)))
    c.logout()
    print("%s type %d with key 0x%x" % (a.cmd, a.type, a.key))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("port", type=int)
    sub = p.add_subparsers(dest="cmd", required=True)
    n = sub.add_parser("naa")
    n.add_argument("iqn")
    c = sub.add_parser("copy")
    c.add_argument("src")
    c.add_argument("dst")
    c.add_argument("--blocks", type=int)
    c.add_argument("--src-lba", type=int, default=0)
    c.add_argument("--dst-lba", type=int, default=0)
    c.add_argument("--no-dst-session", action="store_true")
    c.add_argument("--dst-naa")
    c.add_argument("--before-copy")
    c.add_argument("--via-dst", action="store_true")
    subs = [n, c]
    for name in ("reserve", "release"):
        r = sub.add_parser(name)
        r.add_argument("iqn")
        r.add_argument("type", type=int)
        r.add_argument("key", type=lambda v: int(v, 0))
        subs.append(r)
    for s in subs:
        s.add_argument("--initiator", default=raw.INITIATOR)
    a = p.parse_args()
    if a.cmd == "copy" and a.no_dst_session and not a.dst_naa:
        p.error("--no-dst-session needs --dst-naa")
    try:
        return {"naa": cmd_naa, "copy": cmd_copy, "reserve": cmd_reserve,
                "release": cmd_reserve}[a.cmd](a)
    except raw.Fail as e:
        print("FAILED: %s" % e)
        return 2
    except (raw.Closed, ConnectionError, OSError) as e:
        print("FAILED: connection: %s" % e)
        return 2


if __name__ == "__main__":
    sys.exit(main())
