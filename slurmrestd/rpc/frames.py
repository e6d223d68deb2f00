"""TCP connect and frame I/O on a blocking socket, bounded by deadlines: what a
slurmctld exchange and a slurmdbd persistent connection both need.

A frame is ``u32 length`` + that many bytes; ``protocol.frame_length`` checks
the prefix against a limit.  Deadlines are absolute times on the caller's
``clock`` (injectable for tests).  Every failure is a ``SlurmError`` whose
number the ``Peer`` names, as libslurm maps them:

* nothing arrives in time → ``timeout_error`` (SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT);
* EOF or a socket error while reading → ``receive_error``;
* a socket error while sending → ``send_error``;
* a length prefix above the limit → SLURM_PROTOCOL_INSANE_MSG_LENGTH.

Run inside a fiber of the connection manager (``conmgr.fibers``: a greenlet with a
``wait_io``), the same functions never block the thread: the socket is made
non-blocking and each wait for it, bounded by the same deadline, is the fiber's
(the loop serves other connections meanwhile).  ``sleep`` waits the same way.
"""

from __future__ import annotations

import errno
import os
import socket
import sys
import time
from dataclasses import dataclass
from typing import Callable

from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc.pack import MAX_MSG_SIZE
from slurmrestd.rpc.protocol import frame_length

Clock = Callable[[], float]
#: Creates a socket non-blocking (Linux); 0 where the flag does not exist (setblocking then).
_SOCK_NONBLOCK = getattr(socket, "SOCK_NONBLOCK", 0)


def _fiber():
    """The current fiber of the connection manager (something with ``wait_io(fd, write,
    timeout) -> ready``), or None on a plain thread."""
    mod = sys.modules.get("greenlet")  # never imported here: no fibers before conmgr makes one
    # None also while the loop thread is still importing greenlet (the module is in
    # sys.modules before its names are): no fiber can exist before that import ends.
    getcurrent = getattr(mod, "getcurrent", None)
    if getcurrent is None:
        return None
    g = getcurrent()
    return g if hasattr(g, "wait_io") else None


def in_fiber() -> bool:
    """Whether the caller runs in a fiber of the connection manager's loop thread."""
    return _fiber() is not None


def _nonblocking(sock: socket.socket) -> None:
    if sock.gettimeout() != 0.0:
        sock.setblocking(False)


def _fiber_for(sock: socket.socket):
    """The current fiber, with ``sock`` made non-blocking for it; None on a plain thread."""
    fiber = _fiber()
    if fiber is not None:
        _nonblocking(sock)
    return fiber


def sleep(seconds: float) -> None:
    """``time.sleep``, or in a fiber a wait that leaves the loop thread free."""
    fiber = _fiber()
    if fiber is None:
        time.sleep(seconds)
    else:
        fiber.wait_io(None, False, seconds)


@dataclass(frozen=True)
class Peer:
    """The daemon at the other end: its name (for messages) and the error
    numbers its failures get."""

    name: str
    send_error: int
    receive_error: int
    timeout_error: int = E.SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT


#: slurmctld, with the numbers of libslurm's ``_remap_slurmctld_errno``.
SLURMCTLD = Peer("slurmctld", E.SLURMCTLD_COMMUNICATIONS_SEND_ERROR, E.SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR)
#: slurmdbd: a lost persistent connection is ``ESLURM_DB_CONNECTION`` either way.
SLURMDBD = Peer("slurmdbd", E.ESLURM_DB_CONNECTION, E.ESLURM_DB_CONNECTION)


def _addresses(host: str, port: int) -> list:
    """``getaddrinfo`` for a stream socket; an address literal (the usual ``SlurmctldAddr`` or
    ``SlurmctldHost=name(addr)``) is taken as it is, without the resolver (20 µs per RPC)."""
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host)
        except (OSError, ValueError):
            continue
        addr = (host, port) if family == socket.AF_INET else (host, port, 0, 0)
        return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", addr)]
    return socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)


def connect(host: str, port: int, timeout: float, *, keepalive: bool = False,
            one_message: bool = False) -> socket.socket:
    """A TCP connection to the first address of ``host`` that accepts within
    ``timeout`` seconds, with ``TCP_NODELAY`` (and ``SO_KEEPALIVE`` if asked);
    ``OSError`` (``socket.timeout`` included) when none does.

    ``one_message``: the connection carries one request (slurmctld's).  In a fiber its
    ``TCP_NODELAY`` is then left to the send: Nagle's algorithm holds back a short segment
    only while an earlier short one is unacknowledged, which one write of the whole
    message never leaves, so the option is set only if the message takes more than one
    write (``_send_in_fiber``).  That is a system call less per RPC of an inline request."""
    last: OSError | None = None
    fiber = _fiber()
    for fam, stype, proto, _, addr in _addresses(host, port):
        # a fiber's socket is made non-blocking at once (no setblocking call after)
        s = socket.socket(fam, stype if fiber is None else stype | _SOCK_NONBLOCK, proto)
        try:
            if fiber is None:
                s.settimeout(timeout)
                s.connect(addr)
            else:
                _connect_in_fiber(fiber, s, addr, timeout)
            if fiber is None or not one_message:
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if keepalive:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            return s
        except OSError as exc:
            s.close()
            last = exc
    raise last or OSError(errno.EHOSTUNREACH, "no address for %s" % host)


def _connected(s: socket.socket) -> bool:
    """Whether a non-blocking connect has already completed."""
    try:
        s.getpeername()
    except OSError:
        return False
    return True


def _connect_in_fiber(fiber, s: socket.socket, addr, timeout: float) -> None:
    _nonblocking(s)
    err = s.connect_ex(addr)
    if err in (errno.EINPROGRESS, errno.EAGAIN, errno.EALREADY, errno.EINTR):
        # Over loopback the handshake has usually completed by the time connect returns
        # (EINPROGRESS all the same): then there is nothing to wait for, and a wait would
        # cost a selector registration and a turn of the loop per RPC.  A refused or
        # pending connect is not connected yet and waits as before.
        if _connected(s):
            return
        if not fiber.wait_io(s.fileno(), True, timeout):
            raise socket.timeout("timed out")
        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if err:
        raise OSError(err, os.strerror(err))


def recv_exact(sock: socket.socket, n: int, deadline: float, peer: Peer = SLURMCTLD, *,
               clock: Clock = time.monotonic, what: str = "reply") -> bytes:
    """Exactly ``n`` bytes, or ``SlurmError`` once ``deadline`` has passed."""
    return _recv_exact(sock, n, deadline, peer, clock, what, _fiber_for(sock))


def _recv_exact(sock: socket.socket, n: int, deadline: float, peer: Peer, clock: Clock, what: str,
                fiber) -> bytes:
    """``recv_exact`` once the caller knows its fiber (a fiber's socket is non-blocking)."""
    buf = bytearray(n)
    _fill(sock, memoryview(buf), 0, n, deadline, peer, clock, what, fiber)
    return bytes(buf)


def _fill(sock: socket.socket, view: memoryview, got: int, need: int, deadline: float, peer: Peer,
          clock: Clock, what: str, fiber, ready: bool = True) -> int:
    """Receive into ``view`` from ``got`` on until at least ``need`` bytes are in (each read
    takes what fits in ``view``); the count, or ``SlurmError``.  ``ready`` False: in a fiber,
    wait for the socket before the first read (nothing can be there yet)."""
    size = len(view)
    while got < need:
        left = deadline - clock()
        try:
            if left <= 0:
                raise socket.timeout
            if fiber is None:
                sock.settimeout(left)
                k = sock.recv_into(view[got:], size - got)
            else:
                if not ready:
                    if not fiber.wait_io(sock.fileno(), False, left):
                        raise socket.timeout from None
                    ready = True
                    continue
                try:
                    k = sock.recv_into(view[got:], size - got)
                except (BlockingIOError, InterruptedError):
                    ready = False
                    continue
        except socket.timeout:
            raise SlurmError(peer.timeout_error,
                             "timed out waiting for %s %s (%d of %d bytes)" % (peer.name, what, got, need)) from None
        except OSError as exc:
            raise SlurmError(peer.receive_error,
                             "error reading %s %s: %s" % (peer.name, what, exc.strerror or exc)) from None
        if not k:
            raise SlurmError(peer.receive_error,
                             "%s closed the connection after %d of %d bytes" % (peer.name, got, need))
        got += k
    return got


#: ``exchange(last=True)``: bytes asked for by the first read of a reply, length prefix included
#: (a ping's or an RC's reply is a few dozen bytes: one read instead of two).
FIRST_READ = 4096


def _recv_last_frame(sock: socket.socket, deadline: float, peer: Peer, clock: Clock, max_len: int,
                     what: str, fiber) -> bytes:
    """``_recv_frame`` for a peer that sends nothing after this frame (slurmctld closes the
    connection after its reply): the first read may take the prefix and the whole of a short
    reply together.  Nothing past the frame is ever used."""
    head = bytearray(FIRST_READ)
    view = memoryview(head)
    # The request has just been sent: its answer takes slurmctld tens of microseconds at
    # best, so a fiber waits for it at once instead of trying a read that would fail
    # (EAGAIN: a system call and an exception per RPC).
    got = _fill(sock, view, 0, 4, deadline, peer, clock, what, fiber, ready=False)
    n = frame_length(bytes(head[:4]), max_len)
    if 4 + n <= FIRST_READ:
        _fill(sock, view[:4 + n], min(got, 4 + n), 4 + n, deadline, peer, clock, what, fiber)
        return bytes(head[4:4 + n])
    body = bytearray(n)
    body[:got - 4] = head[4:got]
    _fill(sock, memoryview(body), got - 4, n, deadline, peer, clock, what, fiber)
    return bytes(body)


def recv_frame(sock: socket.socket, deadline: float, peer: Peer = SLURMCTLD, *, clock: Clock = time.monotonic,
               max_len: int = MAX_MSG_SIZE, what: str = "reply") -> bytes:
    """One frame's payload (the bytes after its length prefix)."""
    return _recv_frame(sock, deadline, peer, clock, max_len, what, _fiber_for(sock))


def _recv_frame(sock: socket.socket, deadline: float, peer: Peer, clock: Clock, max_len: int, what: str,
                fiber) -> bytes:
    n = frame_length(_recv_exact(sock, 4, deadline, peer, clock, what, fiber), max_len)
    return _recv_exact(sock, n, deadline, peer, clock, what, fiber)


def send_all(sock: socket.socket, data: bytes, timeout: float, peer: Peer = SLURMCTLD, *,
             request: str | None = None) -> None:
    """Send every byte of ``data`` within ``timeout`` seconds."""
    _send_all(sock, data, timeout, peer, request, _fiber())


def _send_all(sock: socket.socket, data: bytes, timeout: float, peer: Peer, request: str | None,
              fiber) -> None:
    try:
        if fiber is None:
            sock.settimeout(timeout)
            sock.sendall(data)
        else:
            _send_in_fiber(fiber, sock, data, timeout)
    except socket.timeout:
        to = "%s to %s" % (request, peer.name) if request else "to %s" % peer.name
        raise SlurmError(peer.timeout_error, "timed out sending %s" % to) from None
    except OSError as exc:
        to = "%s to %s" % (request, peer.name) if request else "to %s" % peer.name
        raise SlurmError(peer.send_error, "error sending %s: %s" % (to, exc.strerror or exc)) from None


def _send_in_fiber(fiber, sock: socket.socket, data: bytes, timeout: float) -> None:
    _nonblocking(sock)
    deadline = time.monotonic() + timeout
    view = memoryview(data)
    nodelay = False
    while view:
        try:
            k = sock.send(view)
        except (BlockingIOError, InterruptedError):
            k = 0
        view = view[k:]
        if not view:
            return
        if not nodelay:  # more than one write: no short segment may wait for an ACK (``connect``)
            nodelay = True
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if not fiber.wait_io(sock.fileno(), True, deadline - time.monotonic()):
            raise socket.timeout from None


def exchange(sock: socket.socket, data: bytes, timeout: float, peer: Peer = SLURMCTLD, *,
             clock: Clock = time.monotonic, max_len: int = MAX_MSG_SIZE, request: str | None = None,
             what: str = "reply", last: bool = False) -> bytes:
    """Send one frame and read one reply frame, all within ``timeout`` seconds.  (The current
    fiber is looked up once for the whole exchange, not by each send and receive.)  ``last``:
    the peer sends nothing after its reply (a one-shot connection), so a short reply is read
    with its length in one call."""
    deadline = clock() + timeout
    fiber = _fiber()
    _send_all(sock, data, timeout, peer, request, fiber)  # a fiber's send leaves the socket non-blocking
    if last:
        return _recv_last_frame(sock, deadline, peer, clock, max_len, what, fiber)
    return _recv_frame(sock, deadline, peer, clock, max_len, what, fiber)


__all__ = ["Peer", "SLURMCTLD", "SLURMDBD", "connect", "recv_exact", "recv_frame", "send_all", "exchange",
           "sleep"]
