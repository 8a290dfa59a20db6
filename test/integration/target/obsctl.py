#!/usr/bin/env python3
"""obsctl.py: a small client of the target's control socket and metrics listener, for the tests.

  obsctl.py ask SOCKET REQUEST          send REQUEST (a "\\n" is added unless --raw), print the answer
  obsctl.py raw SOCKET BYTES            send BYTES as given (Python escapes: 'x' * 300, '\\x00')
  obsctl.py json SOCKET EXPR            print EXPR evaluated over the status JSON (as `s`)
  obsctl.py metric URL NAME{LABELS}     print one sample's value from the metrics page (0 if absent)
  obsctl.py http URL REQUEST            send a raw HTTP request to URL's host:port, print the answer
"""
import json
import socket
import sys
import urllib.request


def ask(path, data, timeout=10):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    try:
        s.sendall(data)
    except BrokenPipeError:  # the target answered and closed first: its answer is still there
        pass
    out = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
    s.close()
    return out.decode("utf-8", "replace")


def metric(url, key):
    page = urllib.request.urlopen(url, timeout=10).read().decode()
    for line in page.splitlines():
        if line.startswith(key + " "):
            return line.split(" ", 1)[1]
    return "0"


def main():
    cmd = sys.argv[1]
    if cmd == "ask":
        sys.stdout.write(ask(sys.argv[2], sys.argv[3].encode() + b"\n"))
    elif cmd == "raw":
        sys.stdout.write(ask(sys.argv[2], eval(sys.argv[3])))  # test-controlled input only
    elif cmd == "json":
        s = json.loads(ask(sys.argv[2], b"status\n"))
        print(eval(sys.argv[3], {"s": s}))
    elif cmd == "metric":
        print(metric(sys.argv[2], sys.argv[3]))
    elif cmd == "http":
        host, port = sys.argv[2].split("//")[1].split("/")[0].split(":")
        c = socket.create_connection((host, int(port)), timeout=10)
        c.sendall(sys.argv[3].encode().decode("unicode_escape").encode("latin-1"))
        out = b""
        while True:
            b = c.recv(65536)
            if not b:
                break
            out += b
        sys.stdout.write(out.decode("utf-8", "replace"))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
