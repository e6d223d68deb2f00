"""A fixed number of keep-alive GETs over a few connections (for instruction counts, where a
timed tool such as wrk does not fit: the count of requests must be exact).

    python bench/keepalive_load.py PORT REQUESTS [--connections 16] [--path /slurm/v0.0.45/ping]
                                   [--user alice] [--token TOKEN]

Each connection sends its next request as soon as the previous answer is in; prints the
requests answered, the time and the answers that were not 200.
"""

from __future__ import annotations

import argparse
import selectors
import socket
import sys
import time


def run(port: int, total: int, connections: int, request: bytes) -> tuple[int, int, float]:
    sel = selectors.DefaultSelector()
    sent = done = bad = 0
    t0 = time.monotonic()
    for _ in range(min(connections, total)):
        s = socket.create_connection(("127.0.0.1", port))
        s.setblocking(False)
        s.sendall(request)
        sent += 1
        sel.register(s, selectors.EVENT_READ, bytearray())
    while done < total:
        for key, _ in sel.select(60):
            s, buf = key.fileobj, key.data
            data = s.recv(65536)
            if not data:
                raise SystemExit("the daemon closed a connection after %d answers" % done)
            buf += data
            while True:
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    break
                head = bytes(buf[:end]).lower()
                length = int(head.split(b"content-length:")[1].split(b"\r\n")[0])
                if len(buf) < end + 4 + length:
                    break
                bad += not head.startswith(b"http/1.1 200")
                del buf[:end + 4 + length]
                done += 1
                if sent < total:
                    s.sendall(request)
                    sent += 1
    return done, bad, time.monotonic() - t0


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("port", type=int)
    ap.add_argument("requests", type=int)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--path", default="/slurm/v0.0.45/ping")
    ap.add_argument("--user", default="alice")
    ap.add_argument("--token", default="")
    args = ap.parse_args(argv)
    request = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-SLURM-USER-NAME: %s\r\nX-SLURM-USER-TOKEN: %s\r\n\r\n"
               % (args.path, args.user, args.token)).encode()
    done, bad, seconds = run(args.port, args.requests, args.connections, request)
    print("%d requests in %.2f s (%d not 200)" % (done, seconds, bad))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
