"""Blocking TCP transport to slurmctld: one connection per RPC, as libslurm does.

* Controllers are tried in order (``SlurmctldHost`` primary, then backups; or
  the single ``SlurmctldAddr``).  If none accepts, the whole round is retried
  once a second until ``MessageTimeout`` has passed (``_open_controller``).
* ``SlurmctldPort=N-M``: the port is ``N + (time() + pid) % count``.
* connect() is bounded by ``TCPTimeout``; sending and the whole reply by
  ``MessageTimeout``.  ``TCP_NODELAY`` is set (in a fiber, only when the request takes
  more than one write: ``frames.connect``).
* The reply is read exactly by its length prefix, refused above ``max_reply``
  (``rpc.frames``, shared with the slurmdbd connection).

Failures become ``SlurmError`` with libslurm's numbers (after its
``_remap_slurmctld_errno``): no controller → SLURMCTLD_COMMUNICATIONS_CONNECTION_ERROR,
send failure → SLURMCTLD_COMMUNICATIONS_SEND_ERROR, reply timeout →
SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT, EOF/reset while reading →
SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR, oversized reply →
SLURM_PROTOCOL_INSANE_MSG_LENGTH.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass
from typing import Callable

from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc import frames
from slurmrestd.rpc.conf import SlurmConfig
from slurmrestd.rpc.frames import SLURMCTLD
from slurmrestd.rpc.pack import MAX_MSG_SIZE

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Endpoint:
    """Where one controller listens."""

    index: int
    name: str
    host: str
    port: int

    def __str__(self) -> str:
        return "%s(%s:%d)" % (self.name, self.host, self.port)


def pick_port(base: int, count: int, now: float | None = None, pid: int | None = None) -> int:
    """libslurm's choice inside a ``SlurmctldPort`` range."""
    if count <= 1:
        return base
    now = int(time.time() if now is None else now)
    pid = os.getpid() if pid is None else pid
    return base + (now + pid) % count


def endpoints(config: SlurmConfig) -> list[Endpoint]:
    """The controllers in the order libslurm contacts them."""
    port = pick_port(config.slurmctld_port, config.slurmctld_port_count)
    if config.slurmctld_addr:
        return [Endpoint(0, config.slurmctld_addr, config.slurmctld_addr, port)]
    return [Endpoint(i, c.name, c.addr, port) for i, c in enumerate(config.controllers)]


class Transport:
    """Sends one framed request and returns one reply payload per connection."""

    def __init__(self, config: SlurmConfig, *, max_reply: int = MAX_MSG_SIZE,
                 connect_timeout: float | None = None, io_timeout: float | None = None,
                 retry_window: float | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = frames.sleep) -> None:
        self.config = config
        self.max_reply = max_reply
        self.connect_timeout = float(config.tcp_timeout if connect_timeout is None else connect_timeout)
        self.io_timeout = float(config.message_timeout if io_timeout is None else io_timeout)
        #: how long to keep retrying when no controller accepts (libslurm: MessageTimeout)
        self.retry_window = float(config.message_timeout if retry_window is None else retry_window)
        self.clock = clock
        self.sleep = sleep
        self._endpoints: list[Endpoint] | None = None

    def endpoints(self) -> list[Endpoint]:
        """The controllers in contact order (kept for the transport's life when the port is
        fixed: an RPC asks for them three times)."""
        eps = self._endpoints
        if eps is None:
            eps = endpoints(self.config)
            if self.config.slurmctld_port_count <= 1:
                self._endpoints = eps
        return eps

    # -- connecting -------------------------------------------------------------------

    def connect_endpoint(self, ep: Endpoint) -> socket.socket:
        """One attempt at one controller; raises OSError on failure."""
        return frames.connect(ep.host, ep.port, self.connect_timeout, one_message=True)

    def open(self, only: int | None = None) -> tuple[socket.socket, Endpoint]:
        """Connect to the first controller that answers (or only to index ``only``)."""
        eps = self.endpoints()
        if only is not None:
            eps = [e for e in eps if e.index == only]
        if not eps:
            raise SlurmError(E.SLURMCTLD_COMMUNICATIONS_CONNECTION_ERROR,
                             "no SlurmctldHost configured in %s" % self.config.path)
        start = self.clock()
        errors = []
        while True:
            for ep in eps:
                try:
                    return self.connect_endpoint(ep), ep
                except (OSError, socket.timeout) as exc:
                    errors.append("%s: %s" % (ep, getattr(exc, "strerror", None) or exc or "timeout"))
                    log.debug("cannot contact controller %s: %s", ep, exc)
            if only is not None or self.clock() - start + 1 > self.retry_window:
                break
            self.sleep(1)
        raise SlurmError(E.SLURMCTLD_COMMUNICATIONS_CONNECTION_ERROR,
                         "Unable to contact slurm controller (%s)" % "; ".join(errors[-len(eps):]))

    # -- one exchange ------------------------------------------------------------------

    def exchange(self, sock: socket.socket, data: bytes) -> bytes:
        """Send a framed request on an open socket and read one reply payload."""
        return frames.exchange(sock, data, self.io_timeout, SLURMCTLD, clock=self.clock, max_len=self.max_reply,
                               last=True)

    def send_recv(self, data: bytes, only: int | None = None) -> tuple[bytes, Endpoint]:
        """Connect, send ``data``, read the reply payload, close."""
        sock, ep = self.open(only)
        try:
            return self.exchange(sock, data), ep
        finally:
            sock.close()

    # -- one exchange in two halves (several requests in flight at once) ---------------

    def start(self, data: bytes, only: int | None = None) -> "Started":
        """Connect and send ``data``; ``finish`` reads the reply (within ``MessageTimeout``
        of the send, as ``send_recv``)."""
        sock, ep = self.open(only)
        try:
            deadline = self.clock() + self.io_timeout
            frames.send_all(sock, data, self.io_timeout, SLURMCTLD)
        except BaseException:
            sock.close()
            raise
        return Started(sock, ep, deadline)

    def finish(self, started: "Started") -> tuple[bytes, Endpoint]:
        """The reply payload of a ``start``ed exchange; the connection is closed."""
        try:
            return frames.recv_frame(started.sock, started.deadline, SLURMCTLD, clock=self.clock,
                                     max_len=self.max_reply), started.endpoint
        finally:
            started.sock.close()

    def abandon(self, started: "Started") -> None:
        """Close a ``start``ed exchange whose reply is not wanted."""
        started.sock.close()


@dataclass(frozen=True)
class Started:
    """A request sent on its own connection, its reply not read yet."""

    sock: socket.socket
    endpoint: Endpoint
    deadline: float


__all__ = ["Transport", "Endpoint", "Started", "endpoints", "pick_port"]
