"""One client connection as the connection manager sees it.

A connection owns its file descriptors (one socket, or a read and a write
descriptor in inet mode), an input buffer filled by the loop thread, an output
buffer drained by the loop thread, and the deadlines that decide when a silent
or stuck peer is dropped.  It knows nothing about HTTP: a ``Protocol`` object
attached to it interprets the bytes.

Only the loop thread touches a connection's buffers.  Worker threads hand their
results back through ``ConnectionManager.call_soon``.

The seam between a protocol and the manager runs one way.  What a protocol asks
of its connection (``write``, ``close_after_write``, ``pause_reading``,
``resume_reading``, ``submit``, ``call_soon``, ``report_failure``) only changes the connection's state and
marks it dirty; it never sends, closes or calls back into the protocol.  The
manager flushes dirty connections (sends, closes, updates selector interest and
admission) once the protocol callback that dirtied them has returned.
"""

from __future__ import annotations

import os
import socket
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Protocol as TypingProtocol

from slurmrestd.conmgr.outbuf import OutputBuffer

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
    """Everything the connection manager calls on a connection's protocol.

    Implemented by ``http.server.HttpSession``.  Every method runs on the loop
    thread.  A method may use the connection's buffers and ask the connection
    to write, pause, resume or close after writing; the manager carries those
    out after the method returns, so no method is ever re-entered from inside
    another one.
    """

    __slots__ = ()

    def data_received(self, conn: "Connection") -> None:
        """New bytes are in ``conn.inbuf``; consume what can be used."""

    def eof_received(self, conn: "Connection") -> None:
        """The peer closed its sending side (``conn.read_eof`` is set)."""

    def request_timed_out(self, conn: "Connection") -> None:
        """A request started more than ``request_timeout_s`` ago and is still not whole.

        The protocol answers as it sees fit and must end the connection, normally
        with ``conn.close_after_write()``.
        """
        conn.close_after_write()

    def connection_lost(self, conn: "Connection") -> None:
        """The connection is closed; called exactly once.  Drop references."""

    def is_idle(self) -> bool:
        """True when nothing is half-received, being processed or queued."""
        return True


class Connection:
    """Sockets, buffers and deadlines of one client."""

    __slots__ = (
        "manager", "rfd", "wfd", "sock", "name", "is_unix", "protocol",
        "inbuf", "outbuf", "read_eof", "closing", "closed", "reading", "failed",
        "last_activity", "request_started", "write_started", "busy", "_peer_creds",
        "client_key", "head_done", "linger_wanted", "lingering", "linger_until", "linger_left",
        "handshaking", "handshake_until", "tls_want_write", "peer_address",
    )

    def __init__(self, manager: "ConnectionManager", rfd: int, wfd: int, name: str,
                 sock: socket.socket | None = None, is_unix: bool = False) -> None:
        self.manager = manager
        self.rfd = rfd
        self.wfd = wfd
        self.sock = sock
        self.name = name
        self.is_unix = is_unix
        #: The TCP peer's address (no port) where ``sock`` is not kept: inet mode on a socket
        #: (inetd, systemd Accept=yes).  None elsewhere: ``sock`` says it.
        self.peer_address: str | None = None
        self.protocol: Protocol | None = None
        self.inbuf = bytearray()
        self.outbuf = OutputBuffer()
        self.read_eof = False
        self.closing = False          # close once the output buffer is drained
        self.closed = False
        self.reading = True           # read interest wanted
        self.failed = False           # the protocol ended it over a peer error
        self.last_activity = manager.clock()
        self.request_started: float | None = None  # first byte of a request seen
        self.write_started: float | None = None    # output pending since
        self.busy = False             # a worker is processing a request
        self._peer_creds: PeerCreds | None = None
        #: Whom the per-client cap counts this connection against (address or uid); None: no cap.
        self.client_key: str | None = None
        self.head_done = False        # the request head of the current request is whole
        self.linger_wanted = False    # drain the peer's input before closing
        self.lingering = False        # output done and shut down; discarding input until close
        self.linger_until = 0.0
        self.linger_left = 0
        self.handshaking = False      # a TLS handshake is in progress (https:// listener)
        self.handshake_until = 0.0
        self.tls_want_write = False   # the handshake waits for the socket to take more bytes

    # -- used by protocols (loop thread); none of these does I/O ---------

    def write(self, data: bytes) -> None:
        """Queue bytes for the peer; the manager sends them after the callback.  Big
        ``bytes`` are queued as they are, not copied (``conmgr.outbuf``): do not change
        a buffer once written."""
        if self.closed or not data:
            return
        if not self.outbuf:
            self.write_started = self.manager.clock()
        self.outbuf.append(data)
        self.manager.mark_dirty(self)

    def close_after_write(self, linger: bool = False) -> None:
        """Close once everything queued so far has been sent.

        With ``linger`` (always after ``report_failure``) the manager then shuts
        down our sending side and reads and discards what the peer still sends,
        for a bounded time and number of bytes, before it closes: closing with
        unread input makes the kernel reset the connection, and the peer would
        lose the response it has not read yet.
        """
        self.closing = True
        self.linger_wanted = self.linger_wanted or linger
        self.reading = False
        self.manager.mark_dirty(self)

    def pause_reading(self) -> None:
        self.reading = False
        self.manager.mark_dirty(self)

    def resume_reading(self) -> None:
        if not self.closing:
            self.reading = True
            self.manager.mark_dirty(self)

    def submit(self, work: Callable[[], Callable[[], None] | None], inline: bool = False) -> None:
        """Run ``work`` on a worker (``inline``: in a fiber on the loop thread); the callable
        it returns runs on the loop thread.

        The connection counts as busy until then (``ConnectionManager.submit``).
        """
        self.manager.submit(self, work, inline)

    def call_soon(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the loop thread; callable from any thread.

        For a protocol whose answer is produced elsewhere (a request parked until a shared
        execution ends): ``fn`` may use the connection as any protocol callback does, and
        the manager flushes what it asked for once it returns.  Dropped if the connection
        has closed by then."""
        def run() -> None:
            if not self.closed:
                fn()
        self.manager.call_soon(run)

    @property
    def draining(self) -> bool:
        """The daemon is shutting down: finish the current request, then close."""
        return self.manager.draining

    def begin_request(self) -> None:
        """The protocol saw the first byte of a request: its deadlines start now."""
        if self.request_started is None:
            self.request_started = self.manager.clock()
            self.head_done = False

    def head_received(self) -> None:
        """The request head is whole: the header deadline no longer applies."""
        self.head_done = True

    def end_request(self) -> None:
        """The request is whole (or nothing is pending): no request deadline."""
        self.request_started = None
        self.head_done = False

    def report_failure(self) -> None:
        """The protocol refused the peer's input (a protocol error or a timeout).

        In inet mode this decides the process's exit status.  The connection
        lingers when it closes (see ``close_after_write``).
        """
        self.failed = True
        self.linger_wanted = True

    @property
    def handling_request(self) -> bool:
        """A complete request is being handled: with a worker, queued for one, or parked
        by the application until its answer is ready.  Never closed to make room."""
        if self.busy:
            return True
        if self.request_started is not None or self.lingering or self.failed or self.closing:
            return False
        return self.protocol is not None and not self.protocol.is_idle()

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
