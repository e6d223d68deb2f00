"""A connection's next input bytes, read into one buffer the loop reuses.

A fresh ``recv(n)`` allocates ``n`` bytes for every read: for the loop's 256 KiB reads
glibc serves that with mmap, then mremap down to what arrived and munmap (three system
calls and page faults per request).  Plain sockets and inet descriptors are read into one
buffer instead (``recv_into``, ``readv``); the caller copies the bytes into the
connection's ``inbuf`` before any protocol runs, so the next read may overwrite them.
TLS sockets are read as before: OpenSSL hands out decrypted bytes of its own.
"""

from __future__ import annotations

import os


class InputReader:
    """One reusable read buffer of the loop thread (not shared between threads)."""

    __slots__ = ("size", "_buf", "_view")

    def __init__(self, size: int) -> None:
        self.size = size
        self._buf = bytearray(size)
        self._view = memoryview(self._buf)

    def read(self, conn, room: int, tls_socket: tuple):
        """At most ``min(size, room)`` bytes of ``conn`` (at least one is asked for), as a view
        valid until the next read; empty at end of file.  OSError (BlockingIOError
        included) as the socket raises it."""
        want = min(self.size, room or 1)
        sock = conn.sock
        if sock is None:
            return self._view[:os.readv(conn.rfd, [self._view[:want]])]
        if not isinstance(sock, tls_socket):
            return self._view[:sock.recv_into(self._buf, want)]
        data = sock.recv(want)
        # Decrypted bytes OpenSSL already holds never wake the selector.
        while data and sock.pending() and len(data) < room:
            data += sock.recv(min(self.size, room - len(data)))
        return data
