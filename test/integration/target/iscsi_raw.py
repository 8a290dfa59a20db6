#!/usr/bin/env python3
"""iscsi_raw.py: a raw-socket iSCSI initiator (RFC 7143) for the integration tests and scripts.

Conn writes every PDU byte itself (login with AuthMethod None or CHAP, optional digests, SCSI
commands with immediate data, R2T and Data-In, NOP-In answers, logout), so the tests can send
what no real initiator sends (hostile.py) or commands no Debian initiator tool sends (EXTENDED
COPY, xcopy.py). Loopback only.

Conn(port, target) connects to 127.0.0.1:port (or host=, another loopback address); without
them, the module's PORT and TARGET (set by the importing script) are used.
"""
import hashlib
import os
import random
import socket
import struct
import time


PORT = 0
TARGET = ""
INITIATOR = "iqn.1994-05.com.test:a"
RSVD = 0xFFFFFFFF

# ---- CRC32C (Castagnoli), as iSCSI digests use it ----
_CRC_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _CRC_TABLE.append(_c)


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = _CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283


def pad4(n):
    return (4 - n % 4) % 4


class Fail(Exception):
    pass


class Closed(Exception):
    pass


def text(pairs):
    return b"".join(("%s=%s" % kv).encode() + b"\0" for kv in pairs)


def parse_text(data):
    out = {}
    for item in data.split(b"\0"):
        if not item:
            continue
        k, _, v = item.decode("latin-1").partition("=")
        out[k] = v
    return out


class Conn:
    def __init__(self, timeout=10.0, port=None, target=None, src=None, host="127.0.0.1"):
        self.target = target or TARGET
        self.s = socket.create_connection((host, port or PORT), timeout=timeout,
                                          source_address=(src, 0) if src else None)
        self.s.settimeout(timeout)
        self.hd = False
        self.dd = False
        self.itt = 0x1000
        self.cmdsn = 1
        self.expstatsn = 0
        self.max_cmdsn = 1
        self.tsih = 0
        self.isid = bytes([0x80, 0x12, 0x34, 0x56, random.randrange(256), random.randrange(256)])
        self.peer_mrdsl = 8192
        self.params = {}
        self.rx = b""
        self.ua_seen = []

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass

    # -- raw I/O --
    def send(self, raw):
        self.s.sendall(raw)

    def send_pdu(self, bhs, data=b""):
        bhs = bytearray(bhs)
        assert len(bhs) == 48
        bhs[5:8] = len(data).to_bytes(3, "big")
        out = bytes(bhs)
        if self.hd:
            out += struct.pack("<I", crc32c(bhs))
        if data:
            padded = data + b"\0" * pad4(len(data))
            out += padded
            if self.dd:
                out += struct.pack("<I", crc32c(padded))
        self.send(out)

    def _read(self, n):
        while len(self.rx) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                raise Closed("the target closed the connection")
            self.rx += chunk
        out, self.rx = self.rx[:n], self.rx[n:]
        return out

    def recv_pdu(self, answer_nops=True):
        while True:
            bhs = self._read(48)
            ahs_len = bhs[4] * 4
            dsl = int.from_bytes(bhs[5:8], "big")
            ahs = self._read(ahs_len) if ahs_len else b""
            if self.hd:
                (got,) = struct.unpack("<I", self._read(4))
                if got != crc32c(bhs + ahs):
                    raise Fail("bad header digest from the target")
            data = b""
            if dsl:
                data = self._read(dsl + pad4(dsl))
                if self.dd:
                    (got,) = struct.unpack("<I", self._read(4))
                    if got != crc32c(data):
                        raise Fail("bad data digest from the target")
                data = data[:dsl]
            op = bhs[0] & 0x3F
            itt = struct.unpack(">I", bhs[16:20])[0]
            carries_status = op in (0x21, 0x22, 0x24, 0x26, 0x3F) or \
                (op == 0x25 and bhs[1] & 0x01) or (op == 0x20 and itt != RSVD)
            if carries_status:
                self.expstatsn = (struct.unpack(">I", bhs[24:28])[0] + 1) & 0xFFFFFFFF
            if op in (0x20, 0x21, 0x22, 0x24, 0x25, 0x26, 0x31, 0x32, 0x3F):
                self.max_cmdsn = struct.unpack(">I", bhs[32:36])[0]
            if op == 0x20 and answer_nops and struct.unpack(">I", bhs[20:24])[0] != RSVD:
                # A ping from the target: answer it (ITT reserved, echo the TTT and LUN).
                nop = bytearray(48)
                nop[0] = 0x40
                nop[1] = 0x80
                nop[8:16] = bhs[8:16]
                nop[16:20] = struct.pack(">I", RSVD)
                nop[20:24] = bhs[20:24]
                nop[24:28] = struct.pack(">I", self.cmdsn)
                nop[28:32] = struct.pack(">I", self.expstatsn)
                self.send_pdu(nop)
                continue
            if op == 0x32:  # Async message: ignore
                continue
            return bytes(bhs), data

    def expect_close(self, seconds):
        """True when the target closes the connection within SECONDS (PDUs before are
        returned in a list)."""
        got = []
        end = time.time() + seconds
        self.s.settimeout(0.5)
        while time.time() < end:
            try:
                got.append(self.recv_pdu(answer_nops=False))
            except socket.timeout:
                continue
            except (Closed, ConnectionResetError, BrokenPipeError):
                return True, got
            except Fail:
                return True, got
        return False, got

    def next_itt(self):
        self.itt += 1
        return self.itt

    # -- login --
    def login_pdu(self, csg, nsg, transit, data, cont=False):
        bhs = bytearray(48)
        bhs[0] = 0x43
        bhs[1] = (0x80 if transit else 0) | (0x40 if cont else 0) | (csg << 2) | (nsg if transit else 0)
        bhs[8:14] = self.isid
        bhs[14:16] = struct.pack(">H", self.tsih)
        bhs[16:20] = struct.pack(">I", self.itt)
        bhs[24:28] = struct.pack(">I", self.cmdsn)
        bhs[28:32] = struct.pack(">I", self.expstatsn)
        self.send_pdu(bhs, data)
        bhs, data = self.recv_pdu()
        if bhs[0] & 0x3F != 0x23:
            raise Fail("expected a Login Response, got opcode 0x%02x" % (bhs[0] & 0x3F))
        self.expstatsn = (struct.unpack(">I", bhs[24:28])[0] + 1) & 0xFFFFFFFF
        self.max_cmdsn = struct.unpack(">I", bhs[32:36])[0]
        status = (bhs[36], bhs[37])
        return bhs, status, parse_text(data)

    def login(self, initiator=None, session_type="Normal", chap=None, hd="None", dd="None",
              immediate="No", initial_r2t="Yes", extra=()):
        initiator = initiator or INITIATOR
        first = [("InitiatorName", initiator), ("SessionType", session_type)]
        if session_type == "Normal":
            first.append(("TargetName", self.target))
        if chap:
            first.append(("AuthMethod", "CHAP,None" if not chap.get("mutual_user") else "CHAP"))
        else:
            first.append(("AuthMethod", "None"))
        bhs, status, keys = self.login_pdu(0, 1, True, text(first))
        if status != (0, 0):
            return status, keys
        if chap:
            if keys.get("AuthMethod") != "CHAP":
                raise Fail("the target chose AuthMethod=%s" % keys.get("AuthMethod"))
            if bhs[1] & 0x80:
                raise Fail("the target transited before CHAP was done")
            bhs, status, keys = self.login_pdu(0, 1, False, text([("CHAP_A", chap.get("chap_a", "5"))]))
            if status != (0, 0):
                return status, keys
            alg = {"5": "md5", "6": "sha1", "7": "sha256", "8": "sha3_256"}[keys["CHAP_A"]]
            cid = int(keys["CHAP_I"])
            chal = decode_binary(keys["CHAP_C"])
            rsp = hashlib.new(alg, bytes([cid]) + chap["chap_secret"].encode() + chal).digest()
            pairs = [("CHAP_N", chap["chap_user"]), ("CHAP_R", "0x" + rsp.hex())]
            my_chal = os.urandom(16)
            my_id = 77
            if chap.get("mutual_user"):
                pairs += [("CHAP_I", str(my_id)), ("CHAP_C", "0x" + my_chal.hex())]
            bhs, status, keys = self.login_pdu(0, 1, True, text(pairs))
            if status != (0, 0):
                return status, keys
            if chap.get("mutual_user"):
                want = hashlib.new(alg, bytes([my_id]) + chap["mutual_secret"].encode() + my_chal).digest()
                if keys.get("CHAP_N") != chap["mutual_user"]:
                    raise Fail("mutual CHAP: target name %r" % keys.get("CHAP_N"))
                if decode_binary(keys.get("CHAP_R", "0x")) != want:
                    raise Fail("mutual CHAP: wrong target response")
        if not bhs[1] & 0x80:
            raise Fail("the target did not move to the operational stage")
        self.tsih = struct.unpack(">H", bhs[14:16])[0]
        ops = [("HeaderDigest", hd), ("DataDigest", dd), ("MaxRecvDataSegmentLength", "65536"),
               ("InitialR2T", initial_r2t), ("ImmediateData", immediate),
               ("MaxBurstLength", "262144"), ("FirstBurstLength", "65536"),
               ("DefaultTime2Wait", "0"), ("DefaultTime2Retain", "0"),
               ("MaxOutstandingR2T", "1"), ("DataPDUInOrder", "Yes"),
               ("DataSequenceInOrder", "Yes"), ("ErrorRecoveryLevel", "0"),
               ("MaxConnections", "1")] + list(extra)
        if session_type == "Discovery":
            ops = [kv for kv in ops if kv[0] in ("HeaderDigest", "DataDigest", "MaxRecvDataSegmentLength")]
        data = text(ops)
        for _ in range(5):
            bhs, status, keys = self.login_pdu(1, 3, True, data)
            if status != (0, 0):
                return status, keys
            self.params.update(keys)
            if bhs[1] & 0x80 and bhs[1] & 0x03 == 3:
                break
            data = b""
        else:
            raise Fail("the target never moved to the full feature phase")
        self.tsih = struct.unpack(">H", bhs[14:16])[0]
        self.cmdsn = struct.unpack(">I", bhs[28:32])[0]  # ExpCmdSN
        self.peer_mrdsl = int(self.params.get("MaxRecvDataSegmentLength", "8192"))
        self.hd = self.params.get("HeaderDigest") == "CRC32C"
        self.dd = self.params.get("DataDigest") == "CRC32C"
        return (0, 0), keys

    def must_login(self, **kw):
        status, keys = self.login(**kw)
        if status != (0, 0):
            raise Fail("login failed with status %02x/%02x" % status)

    # -- full feature phase --
    def cmd_bhs(self, op, flags, itt, immediate=False, cmdsn=None):
        bhs = bytearray(48)
        bhs[0] = op | (0x40 if immediate else 0)
        bhs[1] = flags
        bhs[16:20] = struct.pack(">I", itt)
        bhs[24:28] = struct.pack(">I", self.cmdsn if cmdsn is None else cmdsn)
        bhs[28:32] = struct.pack(">I", self.expstatsn)
        return bhs

    def scsi(self, cdb, read_len=0, write=b"", cmdsn=None, timeout=10.0):
        """Runs one SCSI command; returns (status, sense bytes, data read)."""
        itt = self.next_itt()
        flags = 0x80 | (0x40 if read_len else 0) | (0x20 if write else 0) | 0x01  # SIMPLE
        bhs = self.cmd_bhs(0x01, flags, itt, cmdsn=cmdsn)
        bhs[20:24] = struct.pack(">I", read_len or len(write))
        bhs[32:32 + len(cdb)] = cdb
        imm = b""
        if write and self.params.get("ImmediateData") == "Yes":
            fb = int(self.params.get("FirstBurstLength", "65536"))
            imm = write[:min(fb, self.peer_mrdsl)]
        if cmdsn is None:
            self.cmdsn = (self.cmdsn + 1) & 0xFFFFFFFF
        self.send_pdu(bhs, imm)
        got = bytearray(read_len)
        self.s.settimeout(timeout)
        while True:
            rbhs, data = self.recv_pdu()
            op = rbhs[0] & 0x3F
            if op == 0x3F:
                raise Fail("Reject (reason 0x%02x) of a SCSI command" % rbhs[2])
            if struct.unpack(">I", rbhs[16:20])[0] != itt:
                continue
            if op == 0x25:  # Data-In
                off = struct.unpack(">I", rbhs[40:44])[0]
                got[off:off + len(data)] = data
                if rbhs[1] & 0x01:
                    return rbhs[3], b"", bytes(got)
            elif op == 0x31:  # R2T
                ttt = rbhs[20:24]
                off = struct.unpack(">I", rbhs[40:44])[0]
                want = struct.unpack(">I", rbhs[44:48])[0]
                datasn = 0
                pos = off
                while pos < off + want:
                    n = min(self.peer_mrdsl, off + want - pos)
                    d = bytearray(48)
                    d[0] = 0x05
                    d[1] = 0x80 if pos + n == off + want else 0
                    d[8:16] = bhs[8:16]
                    d[16:20] = struct.pack(">I", itt)
                    d[20:24] = ttt
                    d[28:32] = struct.pack(">I", self.expstatsn)
                    d[36:40] = struct.pack(">I", datasn)
                    d[40:44] = struct.pack(">I", pos)
                    self.send_pdu(d, write[pos:pos + n])
                    datasn += 1
                    pos += n
            elif op == 0x21:  # SCSI Response
                sense = b""
                if data:
                    slen = struct.unpack(">H", data[:2])[0]
                    sense = data[2:2 + slen]
                return rbhs[3], sense, bytes(got)
            else:
                raise Fail("unexpected opcode 0x%02x during a command" % op)

    def tur(self, **kw):
        return self.scsi(bytes(6), **kw)

    def absorb_ua(self):
        for _ in range(10):
            st, sense, _ = self.tur()
            if st == 0:
                return
            self.ua_seen.append(sense_str(sense))
        raise Fail("TEST UNIT READY never became GOOD")

    def read_capacity16(self):
        cdb = bytes([0x9E, 0x10]) + bytes(8) + struct.pack(">I", 32) + bytes(2)
        st, sense, data = self.scsi(cdb, read_len=32)
        if st != 0:
            return None, sense
        return struct.unpack(">Q", data[:8])[0] + 1, struct.unpack(">I", data[8:12])[0]

    def logout(self):
        itt = self.next_itt()
        bhs = self.cmd_bhs(0x06, 0x80, itt, immediate=True)
        self.send_pdu(bhs)
        while True:
            rbhs, _ = self.recv_pdu()
            if rbhs[0] & 0x3F == 0x26:
                return rbhs[2]


def decode_binary(v):
    if v[:2] in ("0x", "0X"):
        return bytes.fromhex(v[2:])
    if v[:2] in ("0b", "0B"):
        import base64
        return base64.b64decode(v[2:])
    raise Fail("not a binary value: %r" % v)


def sense_str(sense):
    if len(sense) < 14:
        return "sense %s" % sense.hex()
    return "key=%x asc=%02x ascq=%02x" % (sense[2] & 0x0F, sense[12], sense[13])


def read10(lba, blocks, bs=512):
    return struct.pack(">BBIBHB", 0x28, 0, lba, 0, blocks, 0)


def write10(lba, blocks):
    return struct.pack(">BBIBHB", 0x2A, 0, lba, 0, blocks, 0)


# ---- third-party copy: EXTENDED COPY (LID1) and RECEIVE COPY RESULTS (SPC-4 6.4, 6.18) ----
B2B_MAX_BLOCKS = 0xFFFF  # BLOCK DEVICE NUMBER OF BLOCKS of a block-to-block segment (16 bits)


def check_status(what, st, sense):
    if st != 0:
        raise Fail("%s: %s" % (what, status_str(st, sense)))


def status_str(st, sense):
    names = {0x00: "GOOD", 0x02: "CHECK", 0x08: "BUSY", 0x18: "RESERVATION CONFLICT"}
    out = names.get(st, "status 0x%02x" % st)
    return out + (" " + sense_str(sense) if st == 0x02 else "")


def lu_naa(c):
    """The LU's 8-byte NAA designator (VPD 83h, association LU), as copy target descriptors
    name it."""
    st, sense, d = c.scsi(bytes([0x12, 0x01, 0x83, 0x10, 0x00, 0x00]), read_len=4096)
    check_status("INQUIRY VPD 83h", st, sense)
    end = 4 + struct.unpack(">H", d[2:4])[0]
    off = 4
    while off + 4 <= end:
        assoc, kind, n = (d[off + 1] >> 4) & 3, d[off + 1] & 0x0F, d[off + 3]
        if assoc == 0 and kind == 3 and n == 8:
            return bytes(d[off + 4:off + 12])
        off += 4 + n
    raise Fail("VPD 83h has no 8-byte NAA designator for the LU")


def copy_params(c):
    """RECEIVE COPY RESULTS, OPERATING PARAMETERS (SPC-4 6.18.4): the copy manager's limits."""
    cdb = bytes([0x84, 0x03]) + bytes(8) + struct.pack(">I", 64) + bytes(2)
    st, sense, d = c.scsi(cdb, read_len=64)
    check_status("RECEIVE COPY RESULTS (operating parameters)", st, sense)
    return {"max_targets": struct.unpack(">H", d[8:10])[0],
            "max_segments": struct.unpack(">H", d[10:12])[0],
            "max_desc_list": struct.unpack(">I", d[12:16])[0],
            "max_segment_bytes": struct.unpack(">I", d[16:20])[0]}


def xcopy_list(targets, segments, list_id=0, usage=2):
    """An EXTENDED COPY (LID1) parameter list: identification target descriptors (E4h) for
    targets [(naa, block_size)], then block-to-block segment descriptors (02h) for segments
    [(src index, dst index, blocks, src lba, dst lba)]. usage: LIST ID USAGE (2: hold no
    status)."""
    tdesc = b""
    for naa, bs in targets:
        d = bytearray(32)
        d[0] = 0xE4
        d[4] = 0x01  # code set binary
        d[5] = 0x03  # association LU, designator type NAA
        d[7] = 8
        d[8:16] = naa
        d[29:32] = bs.to_bytes(3, "big")  # DISK BLOCK LENGTH
        tdesc += bytes(d)
    sdesc = b""
    for src, dst, blocks, src_lba, dst_lba in segments:
        sdesc += struct.pack(">BBHHHHHQQ", 0x02, 0, 0x18, src, dst, 0, blocks, src_lba, dst_lba)
    hdr = struct.pack(">BBHIII", list_id, usage << 3, len(tdesc), 0, len(sdesc), 0)
    return hdr + tdesc + sdesc


def extended_copy(c, plist, timeout=600.0):
    """EXTENDED COPY (LID1) with parameter list plist; returns (status, sense)."""
    cdb = bytes([0x83, 0x00]) + bytes(8) + struct.pack(">I", len(plist)) + bytes(2)
    st, sense, _ = c.scsi(cdb, write=plist, timeout=timeout)
    return st, sense


def copy_commands(blocks, params, src_lba=0, dst_lba=0):
    """Splits a copy of `blocks` blocks from target 0 to target 1 into lists of segments, each
    list one EXTENDED COPY, every segment and command as large as params allow."""
    seg_max = min(B2B_MAX_BLOCKS, params["max_segment_bytes"] // params["block_size"])
    # keep every segment 4 KiB-aligned in the files: copy_file_range copies whole pages faster
    seg_max -= seg_max % max(1, 4096 // params["block_size"])
    per_cmd = min(params["max_segments"], (params["max_desc_list"] - 2 * 32) // 28)
    cmds, cur, done = [], [], 0
    while done < blocks:
        n = min(seg_max, blocks - done)
        cur.append((0, 1, n, src_lba + done, dst_lba + done))
        done += n
        if len(cur) == per_cmd:
            cmds.append(cur)
            cur = []
    if cur:
        cmds.append(cur)
    return cmds
