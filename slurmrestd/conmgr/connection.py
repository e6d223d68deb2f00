"""One client connection as the connection manager sees it.

A connection owns its file descriptors (one socket, or a read and a write
descriptor in inet mode), an input buffer filled by the loop thread, an output
buffer drained by the loop thread, and the deadlines that decide when a silent
or stuck peer is dropped.  It knows nothing about HTTP: a ``Protocol`` object
attached to it interprets the bytes.

Only the loop thread touches a connection's buffers.  Worker threads hand their
results back through ``ConnectionManager.call_soon``.
"""

from __future__ import annotations

import os
import socket
import struct
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol as TypingProtocol

if TYPE_CHECKING:
    from slurmrestd.conmgr.manager import ConnectionManager

_UCRED = struct.Struct("=iII")  # pid, uid, gid


@dataclass(frozen=True)
class PeerCreds:
    """Kernel-verified identity of the process at the other end."""

    pid: int
    uid: int
    gid: int


class Protocol(TypingProtocol):
    """What the connection manager calls; implemented by ``http.server.HttpSession``."""

    def data_received(self, conn: "Connection") -> None:
        """New bytes are in ``conn.inbuf``; consume what can be used."""

    def eof_received(self, conn: "Connection") -> None:
        """The peer closed its sending side."""

    def connection_lost(self, conn: "Connection") -> None:
        """The connection is gone; drop references."""

    def is_idle(self) -> bool:
        """True when nothing is half-received, being processed or queued."""


class Connection:
    """Sockets, buffers and deadlines of one client."""

    __slots__ = (
        "manager", "rfd", "wfd", "sock", "name", "peer", "is_unix", "protocol",
        "inbuf", "outbuf", "read_eof", "closing", "closed", "reading",
        "want_write", "last_activity", "request_started", "write_started",
        "busy", "_peer_creds", "registered_events", "selectable",
    )

    def __init__(self, manager: "ConnectionManager", rfd: int, wfd: int, name: str,
                 sock: socket.socket | None = None, peer: str = "", is_unix: bool = False,
                 selectable: bool = True) -> None:
        self.manager = manager
        self.rfd = rfd
        self.wfd = wfd
        self.sock = sock
        self.name = name
        self.peer = peer or name
        self.is_unix = is_unix
        self.protocol: Protocol | None = None
        self.inbuf = bytearray()
        self.outbuf = bytearray()
        self.read_eof = False
        self.closing = False          # close once the output buffer is drained
        self.closed = False
        self.reading = True           # read interest wanted
        self.want_write = False
        now = time.monotonic()
        self.last_activity = now
        self.request_started: float | None = None  # first byte of a request seen
        self.write_started: float | None = None    # output pending since
        self.busy = False             # a worker is processing a request
        self._peer_creds: PeerCreds | None = None
        self.registered_events = 0
        self.selectable = selectable

    # -- used by protocols (loop thread) --------------------------------

    def write(self, data: bytes) -> None:
        """Queue bytes for the peer; the loop sends them when it can."""
        if self.closed or not data:
            return
        if not self.outbuf:
            self.write_started = time.monotonic()
        self.outbuf += data
        self.manager._flush(self)

    def close_after_write(self) -> None:
        """Close once everything queued so far has been sent."""
        self.closing = True
        self.reading = False
        self.manager._flush(self)

    def pause_reading(self) -> None:
        self.reading = False
        self.manager._update_interest(self)

    def resume_reading(self) -> None:
        if not self.closing:
            self.reading = True
            self.manager._update_interest(self)

    def is_idle(self) -> bool:
        proto_idle = self.protocol.is_idle() if self.protocol else True
        return proto_idle and not self.busy and not self.outbuf and not self.inbuf

    @property
    def peer_creds(self) -> PeerCreds | None:
        """SO_PEERCRED of a unix socket peer, or the owner of inet-mode pipes."""
        if self._peer_creds is None:
            self._peer_creds = self._lookup_peer_creds()
        return self._peer_creds

    def _lookup_peer_creds(self) -> PeerCreds | None:
        if self.sock is not None and self.sock.family == socket.AF_UNIX:
            raw = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size)
            pid, uid, gid = _UCRED.unpack(raw)
            return PeerCreds(pid, uid, gid)
        if self.sock is None:
            # Inet mode over pipes or a socket on stdin.
            try:
                sock = socket.socket(fileno=os.dup(self.rfd))
            except OSError:
                sock = None
            if sock is not None:
                try:
                    if sock.family == socket.AF_UNIX:
                        raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size)
                        pid, uid, gid = _UCRED.unpack(raw)
                        return PeerCreds(pid, uid, gid)
                    return None
                finally:
                    sock.close()
            # A pipe or a TTY: trust it when we and it share an owner.
            st = os.fstat(self.rfd)
            return PeerCreds(0, st.st_uid, st.st_gid)
        return None

    def __repr__(self) -> str:
        return "<Connection %s>" % self.name
