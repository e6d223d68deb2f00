"""bench/keepalive_load.py sends exactly the number of requests asked, over keep-alive
connections, and counts the answers that are not 200."""

from __future__ import annotations

import importlib.util
import os
import socket
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _load():
    spec = importlib.util.spec_from_file_location("keepalive_load", os.path.join(ROOT, "bench", "keepalive_load.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_exact_count_over_keepalive_connections():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    seen = []

    def serve(conn):
        buf = b""
        with conn:
            while True:
                data = conn.recv(4096)
                if not data:
                    return
                buf += data
                while b"\r\n\r\n" in buf:
                    _, buf = buf.split(b"\r\n\r\n", 1)
                    seen.append(1)
                    status = b"404 Not Found" if len(seen) % 5 == 0 else b"200 OK"
                    conn.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Length: 2\r\n\r\nok")

    def accept():
        for _ in range(3):
            conn, _ = srv.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        done, bad, _ = _load().run(srv.getsockname()[1], 20, 3, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    finally:
        srv.close()
    assert done == 20 and len(seen) == 20 and bad == 4
