#!/usr/bin/env python3
"""hostile.py: a raw-socket iSCSI initiator (RFC 7143) for the integration tests.

It writes every PDU byte itself, so it can send what no real initiator sends.

usage: hostile.py PORT TARGET_IQN CASE [ARGS]

Hostile cases (exit 0 when the target reacted as expected, 1 otherwise, with a reason):
  garbage            bytes that are no iSCSI at all: the connection is closed
  huge-dsl           a Login BHS announcing a 16 MiB data segment: refused at once
  huge-dsl-ffp       the same on a SCSI Command in full feature phase: closed (or Reject)
  truncated SECONDS  half a BHS then silence: the connection is held SECONDS, then we leave
  many-keys          a login with 10,000 keys (sent with Continue PDUs): login failure or close
  big-value          a login key with a 64 KiB value: login failure or close
  before-login       a SCSI Command as the first PDU: login reject (02/0b) or close, no SCSI
  data-out-unknown   Data-Out for a task that does not exist: Reject or ignore, session usable
  cmdsn-outside      a SCSI Command with a CmdSN far outside the window: ignored, session usable
  nop-bad-ttt        a NOP-Out with a TTT the target never gave: Reject or ignore, session usable
  unknown-opcode     an initiator opcode RFC 7143 does not define: Reject (0x05), session usable
  slow SECONDS       a login trickled one byte per second for up to SECONDS; prints when the
                     target closed it (exit 0 either way; the caller judges)
  slow-until-closed SECONDS
                     the same, exit 0 only if the target closed it within SECONDS
  reinstate          two logins with one InitiatorName and ISID: the first session is closed
Helpers for other tests:
  login [INITIATOR] [key=value ...]
                     log in (AuthMethod None or CHAP when chap_user= is given), TEST UNIT READY,
                     log out. Options as key=value: chap_user, chap_secret, chap_a (5,6,7,8),
                     mutual_user, mutual_secret, header_digest (None|CRC32C), data_digest
  digests            log in with HeaderDigest=CRC32C and DataDigest=CRC32C, write 1 MiB with
                     immediate data and R2Ts, read it back and compare, log out
  bad-data-digest    log in with DataDigest=CRC32C and send a Data-Out with a wrong digest:
                     Reject (0x02) or connection closed, never GOOD for the corrupted data
  verify BLOCKS      VERIFY(10) with BYTCHK=1 of BLOCKS blocks at LBA 0, the Data-Out equal to
                     the medium, sent as immediate data: GOOD expected
  hold [INITIATOR]   log in, absorb unit attentions, print "ready", answer NOP-In pings;
                     each line read on stdin sends a TEST UNIT READY and READ CAPACITY(16) and
                     prints the outcome ("tur GOOD", "tur CHECK key=6 asc=2a ascq=09",
                     "capacity BLOCKS"); EOF on stdin logs out
"""
import hashlib
import os
import random
import select
import socket
import struct
import sys
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
    def __init__(self, timeout=10.0):
        self.s = socket.create_connection(("127.0.0.1", PORT), timeout=timeout)
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
            first.append(("TargetName", TARGET))
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


# ---- helpers for "session still usable" ----
def still_usable(c, what):
    st, sense, _ = c.tur()
    if st not in (0, 2):
        raise Fail("%s: the next TEST UNIT READY got status 0x%02x" % (what, st))
    return True


def wait_reply(c, seconds):
    """The PDUs the target sends in SECONDS, and whether it closed."""
    closed, got = c.expect_close(seconds)
    c.s.settimeout(10)
    return closed, got


# ---- cases ----
def case_garbage():
    c = Conn()
    rnd = random.Random(7)
    c.send(b"GET / HTTP/1.1\r\nHost: ringsan\r\n\r\n" + bytes(rnd.randrange(256) for _ in range(4096)))
    closed, got = wait_reply(c, 5)
    if not closed:
        raise Fail("the connection is still open 5 s after garbage")
    return "closed after %d PDU(s)" % len(got)


def case_huge_dsl():
    c = Conn()
    bhs = bytearray(48)
    bhs[0] = 0x43
    bhs[1] = 0x81
    bhs[5:8] = (0xFFFFFF).to_bytes(3, "big")
    c.send(bytes(bhs))
    closed, got = wait_reply(c, 5)
    for bhs, _ in got:
        if bhs[0] & 0x3F == 0x23 and bhs[36] == 0:
            raise Fail("a login with a 16 MiB data segment was accepted")
    if not closed:
        raise Fail("the target still waits for 16 MiB of login data after 5 s")
    return "closed" + (" after a login reject %02x/%02x" % (got[0][0][36], got[0][0][37]) if got else "")


def case_huge_dsl_ffp():
    c = Conn()
    c.must_login()
    c.absorb_ua()
    bhs = c.cmd_bhs(0x01, 0xA1, c.next_itt())
    bhs[20:24] = struct.pack(">I", 0xFFFFFF)
    bhs[32:42] = write10(0, 0x7FFF)
    bhs[5:8] = (0xFFFFFF).to_bytes(3, "big")
    c.send(bytes(bhs))
    closed, got = wait_reply(c, 5)
    if closed:
        return "closed"
    for rbhs, _ in got:
        if rbhs[0] & 0x3F == 0x3F:
            return "Reject reason 0x%02x" % rbhs[2]
    raise Fail("the target still waits for 16 MiB of data after 5 s (%d PDUs)" % len(got))


def case_truncated(seconds):
    c = Conn()
    bhs = bytearray(48)
    bhs[0] = 0x43
    c.send(bytes(bhs[:20]))
    closed, _ = wait_reply(c, float(seconds))
    return "closed by the target" if closed else "held %s s" % seconds


def login_with_data(c, payload, first_keys):
    """Sends a security-stage login whose text is first_keys + payload, in Continue PDUs
    of 8192 bytes. Returns the reaction as a string, or raises Fail if accepted."""
    data = text(first_keys) + payload
    chunks = [data[i:i + 8192] for i in range(0, len(data), 8192)]
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        bhs = bytearray(48)
        bhs[0] = 0x43
        bhs[1] = (0x81 if last else 0x40)
        bhs[8:14] = c.isid
        bhs[16:20] = struct.pack(">I", c.itt)
        bhs[24:28] = struct.pack(">I", c.cmdsn)
        try:
            c.send_pdu(bhs, chunk)
            rbhs, rdata = c.recv_pdu()
        except (Closed, ConnectionResetError, BrokenPipeError):
            return "closed after %d of %d PDUs" % (i + 1, len(chunks))
        if rbhs[0] & 0x3F != 0x23:
            raise Fail("answer opcode 0x%02x" % (rbhs[0] & 0x3F))
        if rbhs[36] != 0:
            if rbhs[36] != 2 and (rbhs[36], rbhs[37]) != (3, 2):
                raise Fail("login failure %02x/%02x (want 02/xx initiator error or 03/02 out of "
                           "resources)" % (rbhs[36], rbhs[37]))
            closed, _ = wait_reply(c, 5)
            if not closed:
                raise Fail("login failure %02x/%02x but the connection stays open" % (rbhs[36], rbhs[37]))
            return "login failure %02x/%02x after %d of %d PDUs, then closed" % (
                rbhs[36], rbhs[37], i + 1, len(chunks))
        if not last and rdata:
            raise Fail("a response with data to a Continue PDU")
    if len(rdata) > 16384:
        raise Fail("a %d-byte answer to an absurd login" % len(rdata))
    raise Fail("the absurd login was answered with success (%d bytes of keys)" % len(rdata))


def case_many_keys():
    c = Conn()
    payload = b"".join(b"X-com.test.k%05d=v\0" % i for i in range(10000))
    return login_with_data(c, payload, [("InitiatorName", INITIATOR), ("TargetName", TARGET),
                                        ("SessionType", "Normal")]) + " (AuthMethod not yet sent)"


def case_big_value():
    c = Conn()
    payload = b"X-com.test.big=" + b"v" * 65536 + b"\0"
    return login_with_data(c, payload, [("InitiatorName", INITIATOR), ("TargetName", TARGET),
                                        ("SessionType", "Normal"), ("AuthMethod", "None")])


def case_before_login():
    c = Conn()
    bhs = bytearray(48)
    bhs[0] = 0x01
    bhs[1] = 0xC1
    bhs[16:20] = struct.pack(">I", 1)
    bhs[20:24] = struct.pack(">I", 512)
    bhs[32:42] = read10(0, 1)
    c.send(bytes(bhs))
    closed, got = wait_reply(c, 5)
    for rbhs, _ in got:
        op = rbhs[0] & 0x3F
        if op != 0x23:
            raise Fail("answered opcode 0x%02x to a SCSI command before login" % op)
        if rbhs[36] != 2 or rbhs[37] != 0x0B:
            raise Fail("login reject %02x/%02x, want 02/0b (invalid during login)" % (rbhs[36], rbhs[37]))
    if not closed:
        raise Fail("the connection stays open after a SCSI command before login")
    return "login reject 02/0b then closed" if got else "closed"


def ffp_case(action):
    c = Conn()
    c.must_login()
    c.absorb_ua()
    what = action(c)
    closed, got = wait_reply(c, 1.5)
    if closed:
        raise Fail("the target closed the session instead of answering (%d PDUs first)" % len(got))
    still_usable(c, "after the hostile PDU")
    c.logout()
    return what(got) if callable(what) else what


def rejected(reason_ok, label):
    def judge(got):
        for rbhs, data in got:
            op = rbhs[0] & 0x3F
            if op == 0x3F:
                if rbhs[2] not in reason_ok:
                    raise Fail("%s: Reject reason 0x%02x, want %s" % (
                        label, rbhs[2], "/".join("0x%02x" % r for r in reason_ok)))
                return "Reject reason 0x%02x, session still usable" % rbhs[2]
            raise Fail("%s: answered with opcode 0x%02x" % (label, op))
        return "ignored, session still usable"
    return judge


def case_data_out_unknown():
    def act(c):
        d = bytearray(48)
        d[0] = 0x05
        d[1] = 0x80
        d[16:20] = struct.pack(">I", 0xDEAD)
        d[20:24] = struct.pack(">I", 0xBEEF)
        d[28:32] = struct.pack(">I", c.expstatsn)
        c.send_pdu(d, b"x" * 512)
        return rejected((0x04, 0x09), "Data-Out for an unknown task")
    return ffp_case(act)


def case_cmdsn_outside():
    def act(c):
        itt = c.next_itt()
        bhs = c.cmd_bhs(0x01, 0xC1, itt, cmdsn=(c.cmdsn + 0x40000000) & 0xFFFFFFFF)
        bhs[20:24] = struct.pack(">I", 512)
        bhs[32:42] = read10(0, 1)
        c.send_pdu(bhs)

        def judge(got):
            if got:
                raise Fail("answered a command outside the CmdSN window (opcode 0x%02x); "
                           "RFC 7143 4.2.2.1 says ignore it" % (got[0][0][0] & 0x3F))
            return "silently ignored, session still usable"
        return judge
    return ffp_case(act)


def case_nop_bad_ttt():
    def act(c):
        nop = c.cmd_bhs(0x00, 0x80, RSVD, immediate=True)
        nop[8:16] = bytes(8)
        nop[20:24] = struct.pack(">I", 0x12345678)
        c.send_pdu(nop)
        return rejected((0x04, 0x09), "NOP-Out with a TTT never given")
    return ffp_case(act)


def case_unknown_opcode():
    def act(c):
        bhs = c.cmd_bhs(0x0D, 0x80, c.next_itt())
        c.send_pdu(bhs)

        def judge(got):
            for rbhs, data in got:
                if rbhs[0] & 0x3F == 0x3F and rbhs[2] == 0x05:
                    if data[:48] and (data[0] & 0x3F) != 0x0D:
                        raise Fail("the Reject does not carry the rejected header")
                    return "Reject 0x05 (command not supported), session still usable"
            raise Fail("no Reject 0x05 for opcode 0x0d (got %s)" % [hex(b[0] & 0x3F) for b, _ in got])
        return judge
    return ffp_case(act)


def slow(seconds, must_close):
    c = Conn()
    bhs = bytearray(48)
    bhs[0] = 0x43
    bhs[1] = 0x81
    data = text([("InitiatorName", "iqn.1994-05.com.test:slow"), ("TargetName", TARGET),
                 ("SessionType", "Normal"), ("AuthMethod", "None")]) * 40
    data = data[:8000]
    bhs[5:8] = len(data).to_bytes(3, "big")
    raw = bytes(bhs) + data
    print("connected", flush=True)
    start = time.time()
    for i, b in enumerate(raw):
        if time.time() - start > seconds:
            break
        try:
            c.send(bytes([b]))
        except (BrokenPipeError, ConnectionResetError):
            msg = "the target closed the slow login after %.0f s (%d bytes)" % (time.time() - start, i)
            return msg
        r, _, _ = select.select([c.s], [], [], 1.0)
        if r:
            try:
                if not c.s.recv(4096):
                    return "the target closed the slow login after %.0f s (%d bytes)" % (
                        time.time() - start, i + 1)
            except ConnectionResetError:
                return "the target reset the slow login after %.0f s" % (time.time() - start)
    if must_close:
        raise Fail("the target still holds a login trickled for %.0f s" % (time.time() - start))
    return "still open after %.0f s" % (time.time() - start)


def parse_opts(args):
    opts = {}
    for a in args:
        k, _, v = a.partition("=")
        opts[k] = v
    return opts


def case_login(args):
    initiator = args[0] if args and "=" not in args[0] else None
    opts = parse_opts(a for a in args if "=" in a)
    chap = None
    if opts.get("chap_user"):
        chap = {"chap_user": opts["chap_user"], "chap_secret": opts.get("chap_secret", ""),
                "chap_a": opts.get("chap_a", "5"), "mutual_user": opts.get("mutual_user"),
                "mutual_secret": opts.get("mutual_secret", "")}
    c = Conn()
    status, _ = c.login(initiator=initiator, chap=chap, hd=opts.get("header_digest", "None"),
                        dd=opts.get("data_digest", "None"))
    if status != (0, 0):
        raise Fail("login failed with status %02x/%02x" % status)
    c.absorb_ua()
    c.logout()
    return "logged in (%s), TEST UNIT READY GOOD, logged out" % (
        "CHAP_A=%s" % chap["chap_a"] if chap else "no CHAP")


def case_reinstate():
    """RFC 7143 6.3.5: a new login with the same InitiatorName and ISID (TSIH 0) replaces the old
    session: the target closes the old connection and the new session works."""
    old = Conn()
    if old.login()[0] != (0, 0):
        raise Fail("the first login failed")
    old.absorb_ua()
    new = Conn()
    new.isid = old.isid
    if new.login()[0] != (0, 0):
        raise Fail("the second login with the same ISID failed")
    deadline = time.time() + 10
    old.s.settimeout(0.5)
    closed = False
    while time.time() < deadline and not closed:
        try:
            closed = old.s.recv(65536) == b""
        except socket.timeout:
            continue
        except (ConnectionResetError, OSError):
            closed = True
    if not closed:
        raise Fail("the old session's connection was not closed within 10 s")
    new.absorb_ua()
    new.logout()
    return "the old connection was closed, the new session works"


def case_digests():
    c = Conn()
    c.must_login(hd="CRC32C", dd="CRC32C", immediate="Yes")
    if not (c.hd and c.dd):
        raise Fail("digests not negotiated: HeaderDigest=%s DataDigest=%s" % (
            c.params.get("HeaderDigest"), c.params.get("DataDigest")))
    c.absorb_ua()
    rnd = random.Random(11)
    data = bytes(rnd.randrange(256) for _ in range(1 << 20))
    for off in range(0, len(data), 256 * 1024):
        st, sense, _ = c.scsi(write10(2048 + off // 512, 512), write=data[off:off + 256 * 1024])
        if st != 0:
            raise Fail("WRITE(10) with digests: status 0x%02x %s" % (st, sense_str(sense)))
    got = b""
    for off in range(0, len(data), 256 * 1024):
        st, sense, d = c.scsi(read10(2048 + off // 512, 512), read_len=256 * 1024)
        if st != 0:
            raise Fail("READ(10) with digests: status 0x%02x %s" % (st, sense_str(sense)))
        got += d
    if got != data:
        raise Fail("1 MiB read back with digests differs from what was written")
    c.logout()
    return "1 MiB written and read back with HeaderDigest=CRC32C DataDigest=CRC32C"


def case_bad_data_digest():
    c = Conn()
    c.must_login(hd="CRC32C", dd="CRC32C")
    if not c.dd:
        raise Fail("DataDigest=CRC32C not negotiated")
    c.absorb_ua()
    st, _, before = c.scsi(read10(100, 1), read_len=512)
    itt = c.next_itt()
    bhs = c.cmd_bhs(0x01, 0xA1, itt)
    bhs[20:24] = struct.pack(">I", 512)
    bhs[32:42] = write10(100, 1)
    c.cmdsn += 1
    c.send_pdu(bhs)
    rbhs, _ = c.recv_pdu()
    if rbhs[0] & 0x3F != 0x31:
        raise Fail("expected an R2T, got opcode 0x%02x" % (rbhs[0] & 0x3F))
    d = bytearray(48)
    d[0] = 0x05
    d[1] = 0x80
    d[16:20] = struct.pack(">I", itt)
    d[20:24] = rbhs[20:24]
    d[28:32] = struct.pack(">I", c.expstatsn)
    payload = b"\xAA" * 512
    d[5:8] = (512).to_bytes(3, "big")
    raw = bytes(d) + struct.pack("<I", crc32c(d)) + payload + struct.pack("<I", crc32c(payload) ^ 1)
    c.send(raw)
    closed, got = wait_reply(c, 3)
    for rbhs, _ in got:
        op = rbhs[0] & 0x3F
        if op == 0x21 and rbhs[3] == 0 and rbhs[2] == 0:
            raise Fail("the write with a bad data digest completed GOOD")
    reaction = "closed" if closed else ", ".join(
        "Reject 0x%02x" % b[2] if b[0] & 0x3F == 0x3F else "opcode 0x%02x" % (b[0] & 0x3F) for b, _ in got)
    if not closed and not any(b[0] & 0x3F == 0x3F and b[2] == 0x02 for b, _ in got):
        raise Fail("no Reject (0x02 data digest error) and no close: %s" % (reaction or "nothing"))
    # the corrupted data must not be in the LUN
    c2 = Conn()
    c2.must_login()
    c2.absorb_ua()
    st, _, after = c2.scsi(read10(100, 1), read_len=512)
    if after == payload:
        raise Fail("the data with a bad digest was written to the LUN")
    c2.logout()
    return reaction


def case_verify(blocks):
    c = Conn()
    c.must_login(immediate="Yes", initial_r2t="Yes")
    c.absorb_ua()
    st, sense, data = c.scsi(read10(0, blocks), read_len=512 * blocks)
    if st != 0:
        raise Fail("READ(10): status 0x%02x %s" % (st, sense_str(sense)))
    st, sense, _ = c.scsi(struct.pack(">BBIBHB", 0x2F, 0x02, 0, 0, blocks, 0), write=data)
    if st != 0:
        raise Fail("VERIFY(10) BYTCHK=1 of %d matching blocks (immediate data, ImmediateData=%s): "
                   "status 0x%02x %s" % (blocks, c.params.get("ImmediateData"), st, sense_str(sense)))
    c.logout()
    return "VERIFY(10) BYTCHK=1 of %d blocks: GOOD" % blocks


def case_hold(args):
    c = Conn(timeout=30)
    c.must_login(initiator=args[0] if args else None)
    c.absorb_ua()
    print("ready", flush=True)
    while True:
        r, _, _ = select.select([sys.stdin, c.s], [], [], 5.0)
        if c.s in r:
            # A ping or an async message: recv_pdu answers pings.
            c.s.settimeout(5)
            try:
                c.recv_pdu()
            except socket.timeout:
                pass
        if sys.stdin in r:
            line = sys.stdin.readline()
            if not line:
                c.logout()
                print("logged out", flush=True)
                return None
            st, sense, _ = c.tur()
            print("tur GOOD" if st == 0 else "tur CHECK %s" % sense_str(sense), flush=True)
            blocks, bs = c.read_capacity16()
            print("capacity %s" % blocks, flush=True)


CASES = {
    "garbage": lambda a: case_garbage(),
    "huge-dsl": lambda a: case_huge_dsl(),
    "huge-dsl-ffp": lambda a: case_huge_dsl_ffp(),
    "truncated": lambda a: case_truncated(a[0] if a else 5),
    "many-keys": lambda a: case_many_keys(),
    "big-value": lambda a: case_big_value(),
    "before-login": lambda a: case_before_login(),
    "data-out-unknown": lambda a: case_data_out_unknown(),
    "cmdsn-outside": lambda a: case_cmdsn_outside(),
    "nop-bad-ttt": lambda a: case_nop_bad_ttt(),
    "unknown-opcode": lambda a: case_unknown_opcode(),
    "slow": lambda a: slow(float(a[0]) if a else 10, False),
    "slow-until-closed": lambda a: slow(float(a[0]) if a else 40, True),
    "login": case_login,
    "digests": lambda a: case_digests(),
    "bad-data-digest": lambda a: case_bad_data_digest(),
    "verify": lambda a: case_verify(int(a[0]) if a else 1),
    "hold": case_hold,
    "reinstate": lambda a: case_reinstate(),
}


def main():
    global PORT, TARGET
    if len(sys.argv) < 4 or sys.argv[3] not in CASES:
        sys.stderr.write(__doc__)
        return 2
    PORT = int(sys.argv[1])
    TARGET = sys.argv[2]
    case = sys.argv[3]
    try:
        msg = CASES[case](sys.argv[4:])
    except Fail as e:
        print("%s: FAILED: %s" % (case, e), flush=True)
        return 1
    except (Closed, ConnectionResetError, BrokenPipeError) as e:
        print("%s: FAILED: the connection was closed: %s" % (case, e), flush=True)
        return 1
    except socket.timeout:
        print("%s: FAILED: the target did not answer in time" % case, flush=True)
        return 1
    if msg:
        print("%s: %s" % (case, msg), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
