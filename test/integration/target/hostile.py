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
  lun-reset-other    session B's LUN RESET aborts session A's WRITE (no answer), A sees 29/03
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
Floods (flood.py): flood IDLE SLOW SECONDS, chap-delay SRC USER SECRET
"""
import os
import random
import select
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flood  # noqa: E402
import iscsi_raw  # noqa: E402
from iscsi_raw import (INITIATOR, RSVD, Closed, Conn, Fail, crc32c, read10,  # noqa: E402
                       sense_str, text, write10)

PORT = 0
TARGET = ""


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


def tmf(c, function):
    """A task management request on LUN 0 (function 5: LOGICAL UNIT RESET); its response."""
    itt = c.next_itt()
    bhs = c.cmd_bhs(0x02, 0x80 | function, itt, immediate=True)
    bhs[20:24] = struct.pack(">I", RSVD)
    c.send_pdu(bhs)
    while True:
        rbhs, _ = c.recv_pdu()
        if rbhs[0] & 0x3F == 0x22 and struct.unpack(">I", rbhs[16:20])[0] == itt:
            return rbhs[2]


def case_lun_reset_other():
    """SAM-5: a LUN RESET from one session aborts the tasks of every other session on the LU
    (TAS 0: without status). A WRITE of session A waits for its Data-Out; session B resets the
    LU; A gets no answer for the WRITE, its late Data-Out is ignored or rejected, its next
    command reports the reset (29/03), and A goes on working."""
    a = Conn()
    a.must_login()
    a.absorb_ua()
    b = Conn()
    b.must_login(initiator="iqn.1994-05.com.test:b")
    b.absorb_ua()
    itt = a.next_itt()
    bhs = a.cmd_bhs(0x01, 0x80 | 0x20 | 0x01, itt)
    bhs[20:24] = struct.pack(">I", 8 * 512)
    bhs[32:42] = write10(100, 8)
    a.cmdsn = (a.cmdsn + 1) & 0xFFFFFFFF
    a.send_pdu(bhs)
    rbhs, _ = a.recv_pdu()
    if rbhs[0] & 0x3F != 0x31:
        raise Fail("no R2T for the WRITE (opcode 0x%02x)" % (rbhs[0] & 0x3F))
    ttt = rbhs[20:24]
    if tmf(b, 5) != 0:
        raise Fail("LOGICAL UNIT RESET was not 'function complete'")
    time.sleep(0.5)
    d = bytearray(48)  # the WRITE's data, too late: ignored or rejected
    d[0] = 0x05
    d[1] = 0x80
    d[16:20] = struct.pack(">I", itt)
    d[20:24] = ttt
    d[28:32] = struct.pack(">I", a.expstatsn)
    a.send_pdu(d, bytes(8 * 512))
    closed, got = wait_reply(a, 1.5)
    if closed:
        raise Fail("session A was closed by the reset")
    for r, _ in got:
        if r[0] & 0x3F != 0x3F and struct.unpack(">I", r[16:20])[0] == itt:
            raise Fail("the aborted WRITE got an answer (opcode 0x%02x, status 0x%02x)" %
                       (r[0] & 0x3F, r[3]))
    st, sense, _ = a.tur()
    if st != 2 or sense_str(sense) != "key=6 asc=29 ascq=03":
        raise Fail("A's next command: status 0x%02x %s, not the reset's unit attention" %
                   (st, sense_str(sense)))
    a.absorb_ua()
    b.absorb_ua()
    a.logout()
    b.logout()
    return "A's WRITE was aborted without status, A saw 29/03 and works on"


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
    "lun-reset-other": lambda a: case_lun_reset_other(),
}
CASES.update(flood.CASES)


def main():
    global PORT, TARGET
    if len(sys.argv) < 4 or sys.argv[3] not in CASES:
        sys.stderr.write(__doc__)
        return 2
    PORT = iscsi_raw.PORT = int(sys.argv[1])
    TARGET = iscsi_raw.TARGET = sys.argv[2]
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
