"""Reading one length-prefixed Slurm frame (u32 big-endian length + payload) from a socket,
for the unit tests' fake slurmctld/slurmdbd servers."""

from __future__ import annotations

import struct


def recv_exact(conn, n: int) -> bytes | None:
    """``n`` bytes from ``conn``, or None when the peer closes first."""
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def read_frame(conn) -> bytes | None:
    """The payload of the next frame on ``conn`` (without its length), or None on EOF."""
    head = recv_exact(conn, 4)
    if head is None:
        return None
    return recv_exact(conn, struct.unpack(">I", head)[0])
