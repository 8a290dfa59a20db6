"""flood.py: the flood cases of hostile.py (loopback only, bounded in count and time).

  flood IDLE SLOW SECONDS
      IDLE connections that never send a byte (20 per source address, from 127.0.1.x) and SLOW
      logins trickled one byte a second (one per source address, from 127.0.2.x; half from the
      first byte, half after a whole BHS), reopened when the target drops them, while a good
      client (127.0.0.1) logs in, writes 4 KiB, reads it back and logs out every second. Exit 0
      when every probe succeeded within 2 s. Prints the probe latencies and how many attacker
      connections the target held.
  idle N SECONDS
      N connections that never send a byte (4 per source address, from 127.0.3.x), held for
      SECONDS; prints how many the target closed
  hold-many N
      log in N sessions one after another (initiator names iqn.1994-05.com.test:hold-I), print
      "ready N", keep them until stdin closes, then log them all out (memory per idle session)
  chap-delay SRC USER SECRET
      from source address SRC, three CHAP logins with a wrong secret, then one with the right
      one: each attempt after a failure waits longer (at least 1 s, then 2 s, then 4 s), and the
      right secret still logs in; a second right login right after goes at once.
"""
import os
import resource
import selectors
import socket
import statistics
import struct
import threading
import time

import iscsi_raw
from iscsi_raw import Conn, Fail, read10, text, write10

IDLE_PER_ADDR = 20
PROBE_LIMIT_S = 2.0
REOPEN_PER_S = 200


def slow_login_bytes(target):
    bhs = bytearray(48)
    bhs[0] = 0x43
    bhs[1] = 0x81
    data = text([("InitiatorName", "iqn.1994-05.com.test:slow"), ("TargetName", target),
                 ("SessionType", "Normal"), ("AuthMethod", "None")]) * 40
    data = data[:8000]
    bhs[5:8] = len(data).to_bytes(3, "big")
    return bytes(bhs) + data


class Attack(threading.Thread):
    """The idle and slow connections, on one epoll loop."""

    def __init__(self, idle, slow, seconds):
        super().__init__(daemon=True)
        self.plan = [("idle", "127.0.1.%d" % (1 + i // IDLE_PER_ADDR)) for i in range(idle)]
        self.plan += [("slow-first" if i % 2 == 0 else "slow-bhs", "127.0.2.%d" % (1 + i))
                      for i in range(slow)]
        self.seconds = seconds
        self.stop = threading.Event()
        self.raw = slow_login_bytes(iscsi_raw.TARGET)
        self.sel = selectors.DefaultSelector()
        self.opened = self.dropped = self.failed = 0
        self.held = []  # samples, one a second: attacker connections open
        self.ready = threading.Event()

    def open_one(self, kind, src):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.bind((src, 0))
            s.connect_ex(("127.0.0.1", iscsi_raw.PORT))
        except OSError:
            s.close()
            self.failed += 1
            return False
        st = {"kind": kind, "src": src, "sent": 0}
        self.sel.register(s, selectors.EVENT_READ, st)
        self.opened += 1
        return True

    def trickle(self, s, st):
        n = 48 if st["kind"] == "slow-bhs" and st["sent"] == 0 else 1
        if st["sent"] + n > len(self.raw):
            return
        try:
            st["sent"] += s.send(self.raw[st["sent"]:st["sent"] + n])
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            pass  # seen as a drop when the socket reads EOF or an error

    def run(self):
        todo = list(self.plan)
        end = time.time() + self.seconds
        next_tick = time.time()
        budget, budget_t = REOPEN_PER_S, time.time()
        while time.time() < end and not self.stop.is_set():
            now = time.time()
            if now - budget_t >= 1:
                budget, budget_t = REOPEN_PER_S, now
            # the first wave at once (bounded by the plan), reopenings at REOPEN_PER_S
            first_wave = self.opened < len(self.plan)
            while todo and (first_wave or budget > 0):
                kind, src = todo.pop()
                if not first_wave:
                    budget -= 1
                self.open_one(kind, src)
                first_wave = self.opened < len(self.plan)
            self.ready.set()
            for key, _ in self.sel.select(0.1):
                s, st = key.fileobj, key.data
                try:
                    if s.recv(4096):
                        continue
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    pass
                self.sel.unregister(s)
                s.close()
                self.dropped += 1
                todo.append((st["kind"], st["src"]))
            if time.time() >= next_tick:
                next_tick += 1
                conns = list(self.sel.get_map().values())
                self.held.append(len(conns))
                for key in conns:
                    if key.data["kind"] != "idle":
                        self.trickle(key.fileobj, key.data)
        for key in list(self.sel.get_map().values()):
            self.sel.unregister(key.fileobj)
            key.fileobj.close()
        self.ready.set()


def probe(lba):
    t0 = time.time()
    c = Conn(timeout=PROBE_LIMIT_S + 3)
    try:
        c.must_login(initiator="iqn.1994-05.com.test:good")
        c.absorb_ua()
        data = os.urandom(4096)
        st, sense, _ = c.scsi(write10(lba, 8), write=data)
        if st != 0:
            raise Fail("WRITE(10): status 0x%02x" % st)
        st, sense, got = c.scsi(read10(lba, 8), read_len=4096)
        if st != 0 or got != data:
            raise Fail("READ(10): status 0x%02x, data %s" % (st, "equal" if got == data else "differs"))
        c.logout()
    finally:
        c.close()
    return time.time() - t0


def case_flood(args):
    idle, slow, seconds = int(args[0]), int(args[1]), float(args[2])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < idle + slow + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, idle + slow + 256), hard))
    attack = Attack(idle, slow, seconds)
    attack.start()
    attack.ready.wait(30)
    # Probes start with the first wave: a login sent into the 1,200-connection burst once waited
    # out its whole deadline (a dropped login's queued recv, submitted after its descriptor was
    # closed and reused, read the next connection's login PDU).
    lat, failures = [], []
    start = time.time()
    n = 0
    while time.time() - start < seconds - 3 and attack.is_alive():
        t = time.time()
        try:
            lat.append(probe(1000 + 8 * (n % 64)))
        except (Fail, iscsi_raw.Closed, OSError) as e:
            failures.append("probe %d: %s" % (n, e))
        n += 1
        time.sleep(max(0.0, 1.0 - (time.time() - t)))
    attack.stop.set()
    attack.join(30)
    held = attack.held[2:] or [0]
    print("attack: %d idle + %d slow planned, %d connections opened, %d dropped by the target, "
          "%d failed to open; attacker connections open: max %d, mean %.0f" % (
              idle, slow, attack.opened, attack.dropped, attack.failed, max(held),
              statistics.mean(held)), flush=True)
    if lat:
        lat_ms = sorted(x * 1000 for x in lat)
        print("probes (login + 4 KiB write + read + logout): %d of %d ok; latency median %.0f ms, "
              "p95 %.0f ms, max %.0f ms" % (len(lat), n, statistics.median(lat_ms),
                                             lat_ms[int(0.95 * (len(lat_ms) - 1))], lat_ms[-1]),
              flush=True)
    print("probe latencies (ms): %s" % " ".join("%.0f" % (x * 1000) for x in lat), flush=True)
    for f in failures[:5]:
        print("  " + f, flush=True)
    if failures:
        raise Fail("%d of %d probes failed" % (len(failures), n))
    if n < 5:
        raise Fail("only %d probes ran" % n)
    slow_probes = [x for x in lat if x > PROBE_LIMIT_S]
    if slow_probes:
        raise Fail("%d probes took more than %.0f s (max %.1f s)" % (
            len(slow_probes), PROBE_LIMIT_S, max(slow_probes)))
    return "every probe succeeded within %.0f s" % PROBE_LIMIT_S


def chap_attempt(src, user, secret):
    t0 = time.time()
    c = Conn(timeout=30, src=src)
    try:
        status, _ = c.login(initiator="iqn.1994-05.com.test:guesser",
                            chap={"chap_user": user, "chap_secret": secret, "chap_a": "5"})
        if status == (0, 0):
            c.absorb_ua()
            c.logout()
    except iscsi_raw.Closed:
        status = "closed"
    finally:
        c.close()
    return status, time.time() - t0


def case_chap_delay(args):
    src, user, secret = args[0], args[1], args[2]
    times = []
    for i, want in enumerate((0, 1, 2)):
        status, dt = chap_attempt(src, user, secret + "-wrong")
        times.append(dt)
        if status != (2, 1):
            raise Fail("wrong secret, attempt %d: status %s, want 02/01" % (i + 1, status))
        if dt < want - 0.2:
            raise Fail("wrong secret, attempt %d answered in %.1f s, want at least %d s" % (
                i + 1, dt, want))
    status, dt = chap_attempt(src, user, secret)
    if status != (0, 0):
        raise Fail("the right secret after three failures: status %s" % (status,))
    if dt < 4 - 0.2:
        raise Fail("the right secret after three failures answered in %.1f s, want >= 4 s" % dt)
    status, dt2 = chap_attempt(src, user, secret)
    if status != (0, 0) or dt2 > 1.5:
        raise Fail("a second right login: status %s in %.1f s (want at once)" % (status, dt2))
    return "wrong secret answered after %s s; the right one logged in after %.1f s, then at once " \
           "(%.1f s)" % (", ".join("%.1f" % t for t in times), dt, dt2)


def case_idle(args):
    n, seconds = int(args[0]), float(args[1])
    socks = []
    for i in range(n):
        s = socket.socket()
        s.bind(("127.0.3.%d" % (1 + i // 4), 0))
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", iscsi_raw.PORT))
        socks.append(s)
    print("connected %d" % n, flush=True)
    time.sleep(seconds)
    closed = 0
    for s in socks:
        try:
            if s.recv(1) == b"":
                closed += 1
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
        s.close()
    return "%d of %d idle connections were closed by the target" % (closed, n)


def case_hold_many(args):
    n = int(args[0])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 256), hard))
    conns = []
    for i in range(n):
        c = Conn(timeout=30)
        c.must_login(initiator="iqn.1994-05.com.test:hold-%d" % i)
        conns.append(c)
    print("ready %d" % len(conns), flush=True)
    import sys
    sys.stdin.read()
    for c in conns:
        c.logout()
        c.close()
    return "%d sessions held, then logged out" % n


CASES = {
    "hold-many": case_hold_many,
    "idle": case_idle,
    "flood": case_flood,
    "chap-delay": case_chap_delay,
}
