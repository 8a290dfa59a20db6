#!/usr/bin/env python3
"""hostile.py: hostile clients against a running ringsan-boot while a good client boots.

Usage: hostile.py HTTP_PORT TFTP_PORT DHCP_PORT DAEMON_PID REPORT_JSON UNDIONLY_KPXE

Loopback only. The good client uses 127.0.0.1; attackers use other 127.0.1.x addresses (one
address per attacking machine), which Linux routes over loopback too. Every second, for the whole
run, the good client fetches /menu.ipxe over HTTP (a new connection each time) and undionly.kpxe
over TFTP; each probe must succeed within 2 s. Attacks (bounded: under 1,000 TCP connections in
all, under 60 s):
  slowloris-1src   300 connections from one address: the request line, "Host: x", "X-Slow: ",
                   then one byte a second
  slowloris-30src  the same from 30 addresses (10 each)
  tftp-1port       520 RRQs with timeout=255 from one UDP source port, never acknowledged
  tftp-520ports    520 RRQs with timeout=255 from 520 ports of one address, never acknowledged
  inject           a TFTP file name, an HTTP path and a DHCP option 60 carrying a newline, a
                   "<3>" priority prefix and an escape sequence (the log must show them escaped)
The daemon's descriptors (/proc/PID/fd), resident memory and CPU time are sampled throughout.
Writes a JSON report and prints a summary; exits 1 when a probe failed or was slow.
"""
import json
import os
import select
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootclient  # noqa: E402

HOST = "127.0.0.1"
PROBE_BUDGET = 2.0  # seconds: a good machine's added delay must stay under this
SLOW_PHASE = 13.0   # seconds each slowloris phase lasts (past the 10 s header deadline)
TFTP_PHASE = 6.0

phase = "baseline"
stop = threading.Event()
probes = []  # (phase, kind, ok, seconds, error)


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def http_probe(port):
    s = socket.create_connection((HOST, port), timeout=PROBE_BUDGET)
    try:
        s.settimeout(PROBE_BUDGET)
        s.sendall(b"GET /menu.ipxe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    if not data.startswith(b"HTTP/1.1 200") or b"#!ipxe" not in data:
        raise RuntimeError("bad answer: %r" % data[:60])


def prober(http_port, tftp_port, want):
    while not stop.is_set():
        t0 = time.monotonic()
        for kind in ("http", "tftp"):
            start = time.monotonic()
            err = None
            try:
                if kind == "http":
                    http_probe(http_port)
                else:
                    got, _ = bootclient.tftp_get(tftp_port, "undionly.kpxe", {"blksize": 1428},
                                                 timeout=PROBE_BUDGET)
                    if got != want:
                        raise RuntimeError("wrong content")
            except Exception as e:  # noqa: BLE001 - any failure counts
                err = repr(e)
            secs = time.monotonic() - start
            probes.append((phase, kind, err is None and secs <= PROBE_BUDGET, secs, err))
        stop.wait(max(0.0, 1.0 - (time.monotonic() - t0)))


def sampler(pid, samples):
    while not stop.is_set():
        try:
            samples.append((phase, time.monotonic(), fd_count(pid), rss_kib(pid), cpu_ticks(pid)))
        except OSError:
            samples.append((phase, time.monotonic(), -1, -1, -1))
        stop.wait(0.25)


def slowloris(http_port, sources, count, seconds):
    """count connections spread over sources; returns (opened, max held, held at the end)."""
    socks = []
    for i in range(count):
        s = socket.socket()
        s.bind((sources[i % len(sources)], 0))
        s.settimeout(2)
        try:
            s.connect((HOST, http_port))
            s.sendall(b"GET /menu.ipxe HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            s.setblocking(False)
            socks.append(s)
        except OSError:
            s.close()
    opened = len(socks)
    held_max = 0
    held = opened
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for s in list(socks):
            try:
                s.send(b"a")
            except OSError:
                socks.remove(s)
                s.close()
        # A connection the server closed reads as EOF (or a reset).
        r, _, _ = select.select(socks, [], [], 0) if socks else ([], [], [])
        for s in r:
            try:
                if s.recv(4096) == b"":
                    raise OSError("closed")
            except BlockingIOError:
                continue
            except OSError:
                socks.remove(s)
                s.close()
        held = len(socks)
        held_max = max(held_max, held)
        time.sleep(1.0)
    for s in socks:
        s.close()
    return {"opened": opened, "held_max": held_max, "held_end": held}


def rrq(name, opts):
    pkt = struct.pack("!H", 1) + name + b"\0octet\0"
    for k, v in opts.items():
        pkt += k.encode() + b"\0" + str(v).encode() + b"\0"
    return pkt


def tftp_flood(tftp_port, one_port, count, seconds):
    """count RRQs (timeout=255), never acknowledged; returns how many got a DATA/OACK answer
    and how many an ERROR."""
    pkt = rrq(b"undionly.kpxe", {"timeout": 255, "blksize": 1428})
    socks = []
    if one_port:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.1.60", 0))
        socks.append(s)
        for _ in range(count):
            s.sendto(pkt, (HOST, tftp_port))
    else:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.1.61", 0))
            s.sendto(pkt, (HOST, tftp_port))
            socks.append(s)
    answered = errors = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        r, _, _ = select.select(socks, [], [], 0.2)
        for s in r:
            try:
                data = s.recv(70000)
            except OSError:
                continue
            op = struct.unpack("!H", data[:2])[0]
            if op == 5:
                errors += 1
            else:
                answered += 1  # DATA or OACK: a transfer slot (retransmissions count again)
    for s in socks:
        s.close()
    return {"requests": count, "data_or_oack_packets": answered, "error_packets": errors}


def inject(http_port, tftp_port, dhcp_port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.1.70", 0))
    s.sendto(rrq(b"x\n<3>FORGED\x1b[2J", {}), (HOST, tftp_port))
    c = socket.create_connection((HOST, http_port), timeout=2)
    c.sendall(b"GET /x%0a<3>FORGED HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    try:
        while c.recv(4096):
            pass
    except OSError:
        pass
    c.close()
    pkt = bytearray(bootclient.dhcp_packet(1, "plain"))
    # replace the end option with option 60 "MSFT\n<3>FORGED" (a non-PXE client: logged, ignored)
    end = pkt.index(b"\xff", 240)
    opt = bytes([60, 14]) + b"MSFT\n<3>FORGED"
    pkt = bytes(pkt[:end]) + opt + b"\xff"
    pkt = pkt.ljust(300, b"\0")
    s.sendto(pkt, (HOST, dhcp_port))
    time.sleep(0.5)
    s.close()


def emfile_main(args):
    """emfile HTTP_PORT TFTP_PORT PID UNDIONLY_KPXE: the daemon's open-file limit was lowered to
    a few descriptors above its use (prlimit --pid): 40 connections without a request must not
    lock out the good client, nor make the listener spin."""
    http_port, tftp_port, pid = int(args[0]), int(args[1]), int(args[2])
    want = open(args[3], "rb").read()
    socks = []
    for _ in range(40):
        s = socket.socket()
        s.bind(("127.0.1.90", 0))
        s.settimeout(2)
        try:
            s.connect((HOST, http_port))
            s.sendall(b"GET /menu.ipxe HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            s.setblocking(False)
            socks.append(s)
        except OSError:
            s.close()
    t0, c0 = time.monotonic(), cpu_ticks(pid)
    lat, bad = [], []
    while time.monotonic() - t0 < 6:
        for s in socks:
            try:
                s.send(b"a")
            except OSError:
                pass
        for kind in ("http", "tftp"):
            start = time.monotonic()
            try:
                if kind == "http":
                    http_probe(http_port)
                else:
                    got, _ = bootclient.tftp_get(tftp_port, "undionly.kpxe", {"blksize": 1428},
                                                 timeout=PROBE_BUDGET)
                    if got != want:
                        raise RuntimeError("wrong content")
                lat.append(time.monotonic() - start)
            except Exception as e:  # noqa: BLE001
                bad.append("%s: %r" % (kind, e))
                # what held the daemon's descriptors then (for the failure message)
                held = {}
                for fd in os.listdir("/proc/%d/fd" % pid):
                    try:
                        t = os.readlink("/proc/%d/fd/%s" % (pid, fd)).split(":")[0]
                    except OSError:
                        continue
                    held[t] = held.get(t, 0) + 1
                bad.append("descriptors: %r" % held)
        time.sleep(0.5)
    cpu = 100 * (cpu_ticks(pid) - c0) / os.sysconf("SC_CLK_TCK") / (time.monotonic() - t0)
    fds = fd_count(pid)
    for s in socks:
        s.close()
    print("at the descriptor limit (%d open): %d probes ok, max %.0f ms, %d failed, daemon CPU "
          "%.0f%%" % (fds, len(lat), 1000 * max(lat or [0]), len(bad), cpu))
    if bad or max(lat or [9]) > PROBE_BUDGET or cpu > 50:
        print("FAIL: %s" % bad[:6])
        return 1
    return 0


def read_response(s):
    """One response on a kept-alive connection: (status, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            raise RuntimeError("closed before a response")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v)
    while len(body) < length:
        body += s.recv(65536)
    return int(head.split()[1]), body


def active_main(args):
    """active HTTP_PORT: the daemon runs with http_max_active = 1 and http_header_timeout = 2.
    A kept-alive connection holds the one active slot: another request gets 503; the kept-alive
    connection's next request header must be whole within 2 s of its first byte, however the
    bytes trickle (no reset per byte)."""
    port = int(args[0])
    req = b"GET /menu.ipxe HTTP/1.1\r\nHost: x\r\n\r\n"
    a = socket.create_connection((HOST, port), timeout=5)
    a.sendall(req)
    st, _ = read_response(a)
    if st != 200:
        print("FAIL: first request: %d" % st)
        return 1
    b = socket.create_connection((HOST, port), timeout=5)
    b.sendall(req)
    st, _ = read_response(b)
    b.close()
    if st != 503:
        print("FAIL: a second active connection got %d, not 503" % st)
        return 1
    a.sendall(b"GET /menu.ipxe HTTP/1.1\r\nX-Slow: ")
    t0 = time.monotonic()
    closed_after = None
    while time.monotonic() - t0 < 8:
        time.sleep(0.5)
        try:
            a.send(b"a")
            a.settimeout(0.01)
            if a.recv(1) == b"":
                closed_after = time.monotonic() - t0
                break
        except socket.timeout:
            continue
        except OSError:
            closed_after = time.monotonic() - t0
            break
    a.close()
    if closed_after is None or closed_after > 3.5:
        print("FAIL: a trickled header on a kept-alive connection lived %s s (deadline 2 s)" %
              closed_after)
        return 1
    c = socket.create_connection((HOST, port), timeout=5)
    c.sendall(req)
    st, _ = read_response(c)
    c.close()
    if st != 200:
        print("FAIL: after the slot was freed: %d" % st)
        return 1
    print("ok: 503 beyond http_max_active, a trickled header closed after %.1f s, then 200" %
          closed_after)
    return 0


def main():
    global phase
    if sys.argv[1] == "emfile":
        return emfile_main(sys.argv[2:])
    if sys.argv[1] == "active":
        return active_main(sys.argv[2:])
    http_port, tftp_port, dhcp_port, pid = (int(a) for a in sys.argv[1:5])
    report_path = sys.argv[5]
    want = open(sys.argv[6], "rb").read()
    samples = []
    threads = [threading.Thread(target=prober, args=(http_port, tftp_port, want)),
               threading.Thread(target=sampler, args=(pid, samples))]
    start_fds, start_rss = fd_count(pid), rss_kib(pid)
    for t in threads:
        t.start()
    time.sleep(2)
    results = {}
    phase = "slowloris-1src"
    results[phase] = slowloris(http_port, ["127.0.1.1"], 300, SLOW_PHASE)
    phase = "slowloris-30src"
    results[phase] = slowloris(http_port, ["127.0.1.%d" % (10 + i) for i in range(30)], 300,
                               SLOW_PHASE)
    phase = "tftp-1port"
    results[phase] = tftp_flood(tftp_port, True, 520, TFTP_PHASE)
    phase = "tftp-520ports"
    results[phase] = tftp_flood(tftp_port, False, 520, TFTP_PHASE)
    phase = "inject"
    inject(http_port, tftp_port, dhcp_port)
    time.sleep(1)
    # Afterwards: everything the attacks held must be released (TFTP: the stall timeout).
    phase = "after"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and fd_count(pid) > start_fds:
        time.sleep(0.5)
    time.sleep(1)
    stop.set()
    for t in threads:
        t.join()
    end_fds, end_rss = fd_count(pid), rss_kib(pid)

    out = {"start_fds": start_fds, "end_fds": end_fds, "start_rss_kib": start_rss,
           "end_rss_kib": end_rss, "phases": {}}
    failed = []
    hz = os.sysconf("SC_CLK_TCK")
    for name in ["baseline", "slowloris-1src", "slowloris-30src", "tftp-1port", "tftp-520ports",
                 "inject", "after"]:
        ps = [p for p in probes if p[0] == name]
        ss = [s for s in samples if s[0] == name]
        info = dict(results.get(name, {}))
        for kind in ("http", "tftp"):
            lat = sorted(p[3] for p in ps if p[1] == kind)
            if lat:
                info[kind + "_probes"] = len(lat)
                info[kind + "_p50_ms"] = round(1000 * lat[len(lat) // 2])
                info[kind + "_max_ms"] = round(1000 * lat[-1])
        if len(ss) >= 2:
            info["fds_max"] = max(s[2] for s in ss)
            info["cpu_pct"] = round(100 * (ss[-1][4] - ss[0][4]) / hz / (ss[-1][1] - ss[0][1]))
        out["phases"][name] = info
        failed += [p for p in ps if not p[2]]
    out["failed_probes"] = [list(p) for p in failed]
    with open(report_path, "w") as f:
        json.dump(out, f, indent=1)
    for name, info in out["phases"].items():
        print("%-16s %s" % (name, " ".join("%s=%s" % kv for kv in info.items())))
    print("descriptors %d -> %d, rss %d -> %d KiB" % (start_fds, end_fds, start_rss, end_rss))
    if failed:
        print("FAIL: %d probes failed or took over %.0f s: %s" % (len(failed), PROBE_BUDGET,
                                                                 failed[:5]))
        return 1
    print("ok: %d probes, all within %.0f s" % (len(probes), PROBE_BUDGET))
    return 0


if __name__ == "__main__":
    sys.exit(main())
