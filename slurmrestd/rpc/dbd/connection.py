"""One persistent slurmdbd connection, and the connector that opens them.

``DbdConnector.open(credential)`` connects to ``AccountingStorageHost`` (then
``AccountingStorageBackupHost``) on ``AccountingStoragePort``, sends
``REQUEST_PERSIST_INIT`` with the caller's credential and returns a
``DbdConnection`` that speaks the protocol version slurmdbd accepted:

* versions are offered newest first (26.05, 25.11, 25.05, 24.11); a slurmdbd
  that refuses one (``PERSIST_RC`` rc SLURM_PROTOCOL_VERSION_ERROR, or a
  closed socket) gets the next one on a *new* socket.  The accepted version is
  remembered per host and port and offered first next time.
* after a refused or failed init the socket is closed at once: slurmdbd keeps
  such a socket open, and any further message on it would reach its request
  handler without an identity.

``DbdConnection.request(msg_type, body)`` sends one frame and reads exactly
one reply frame.  Any transport or framing problem closes the socket and marks
the connection broken; a broken connection refuses further use, so a
connection in an unknown state is never reused.  ``fini(commit)`` ends the
current transaction (``DBD_FINI``).

Errors are ``SlurmError`` with these numbers (``E`` names):

* no slurmdbd reachable, init refused, EOF/reset, malformed reply:
  ``ESLURM_DB_CONNECTION`` (HTTP 502, as the reference's
  "Failed to open slurmdbd connection");
* no reply within the deadline: ``SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT`` (504);
* reply longer than the limit: ``SLURM_PROTOCOL_INSANE_MSG_LENGTH``.

The clock is injectable (``clock=``) for deadlines and idle bookkeeping.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterable

from slurmrestd.errors import E, SlurmError, strerror
from slurmrestd.rpc import frames
from slurmrestd.rpc.dbd.frames import Reply, decode_reply, encode_fini, encode_init, encode_msg
from slurmrestd.rpc.frames import SLURMDBD
from slurmrestd.rpc.observe import SLURMDBD as DBD_PEER, RpcObserver, Timer
from slurmrestd.rpc.pack import MAX_MSG_SIZE
from slurmrestd.rpc.protocol import SUPPORTED_VERSIONS, Credential, version_release
from slurmrestd.slurm.dbd_msg_types import PERSIST_RC, dbd_msg_type_name

log = logging.getLogger(__name__)

#: slurmdbd closes the socket after answering these to a request (persist_conn.c).
_SERVER_CLOSES = frozenset({E.ESLURM_ACCESS_DENIED, E.SLURM_PROTOCOL_VERSION_ERROR})
#: ``SLURMDBD_TIMEOUT``: the C client's floor for a request once connected.
SLURMDBD_TIMEOUT_S = 900.0


@dataclass(frozen=True)
class DbdEndpoint:
    """Where one slurmdbd listens (index 0 = primary)."""

    index: int
    host: str
    port: int

    def __str__(self) -> str:
        return "%s:%d" % (self.host, self.port)


def dbd_endpoints(config) -> list[DbdEndpoint]:
    """``AccountingStorageHost`` then ``AccountingStorageBackupHost``, on ``AccountingStoragePort``."""
    out = []
    port = int(getattr(config, "accounting_storage_port", 6819) or 6819)
    for host in (getattr(config, "accounting_storage_host", None),
                 getattr(config, "accounting_storage_backup_host", None)):
        if host:
            out.append(DbdEndpoint(len(out), host, port))
    return out


class _Unreachable(Exception):
    """Nothing accepted the TCP connection (try the next endpoint)."""


def _exchange(sock: socket.socket, data: bytes, timeout: float, clock: Callable[[], float],
              max_reply: int, what: str) -> Reply:
    """Send one frame, read and decode one reply frame (``rpc.frames``)."""
    return decode_reply(frames.exchange(sock, data, timeout, SLURMDBD, clock=clock, max_len=max_reply,
                                        request=what, what=what))


class DbdConnection:
    """A persistent connection after a successful init; used by one request at a time.

    ``dirty`` is True once a request was sent since the last ``fini``: the
    connection then holds a transaction (and a REPEATABLE-READ snapshot) that
    must be ended before anyone else uses it."""

    def __init__(self, sock: socket.socket, endpoint: DbdEndpoint, version: int, *, key=None,
                 io_timeout: float = SLURMDBD_TIMEOUT_S, max_reply: int = MAX_MSG_SIZE,
                 clock: Callable[[], float] = time.monotonic, flags: int = 0,
                 observer: RpcObserver | None = None) -> None:
        self._sock: socket.socket | None = sock
        #: Told about every exchange (``rpc.observe``); None tells nobody.
        self.observer = observer
        self.endpoint = endpoint
        self.version = version
        #: pool key of the credential that opened it
        self.key = key
        self.io_timeout = io_timeout
        self.max_reply = max_reply
        self.clock = clock
        #: ``PersistConnFlags`` slurmdbd sent with the init reply
        self.flags = flags
        self.opened_at = clock()
        self.last_used = self.opened_at
        self.requests = 0
        #: times the pool handed it out again after a release
        self.reuses = 0
        self.dirty = False
        self.broken = False

    @property
    def usable(self) -> bool:
        return self._sock is not None and not self.broken

    def _check(self) -> socket.socket:
        if self._sock is None or self.broken:
            raise SlurmError(E.ESLURM_DB_CONNECTION, "slurmdbd connection is closed")
        return self._sock

    def request(self, msg_type: int, body: bytes = b"") -> Reply:
        """Send one message and return its reply.  Transport failures close the
        connection and raise; a PERSIST_RC reply is returned (``reply.rc``),
        whatever its rc."""
        sock = self._check()
        what = dbd_msg_type_name(msg_type)
        self.dirty = True
        self.requests += 1
        try:
            with Timer(self.observer, DBD_PEER, what) as t:
                reply = _exchange(sock, encode_msg(msg_type, body), self.io_timeout, self.clock,
                                  self.max_reply, what)
                t.rc = reply.rc.rc if reply.rc is not None else 0
        except BaseException:
            self._fail()
            raise
        self.last_used = self.clock()
        if reply.rc is not None and reply.rc.rc in _SERVER_CLOSES:
            # slurmdbd ends the connection after these; never send on it again
            self._fail()
        return reply

    def fini(self, commit: bool) -> None:
        """``DBD_FINI{close_conn=0, commit}``: commit or roll back the transaction.

        Raises ``SlurmError(rc)`` when slurmdbd reports a failure; the
        connection is closed then (its transaction state is unknown)."""
        sock = self._check()
        try:
            with Timer(self.observer, DBD_PEER, "DBD_FINI") as t:
                reply = _exchange(sock, encode_fini(commit), self.io_timeout, self.clock, self.max_reply,
                                  "DBD_FINI")
                t.rc = reply.rc.rc if reply.rc is not None else 0
        except BaseException:
            self._fail()
            raise
        self.last_used = self.clock()
        if reply.msg_type != PERSIST_RC or reply.rc is None:
            self._fail()
            raise SlurmError(E.ESLURM_DB_CONNECTION, "slurmdbd answered DBD_FINI with %s"
                             % dbd_msg_type_name(reply.msg_type))
        if reply.rc.rc:
            self._fail()
            raise SlurmError(reply.rc.rc, reply.rc.comment or strerror(reply.rc.rc))
        self.dirty = False

    def _fail(self) -> None:
        self.broken = True
        self.close()

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass

    def __repr__(self) -> str:
        return "DbdConnection(%s, %s%s)" % (self.endpoint, version_release(self.version),
                                           ", broken" if self.broken else "")


class DbdConnector:
    """Opens initialised connections to the slurmdbd of one slurm.conf.

    ``versions``: protocol versions to offer, newest first.  ``connect_timeout``
    bounds connect() (TCPTimeout), ``init_timeout`` the init exchange
    (MessageTimeout + 35 s, as the C client), ``io_timeout`` each request."""

    def __init__(self, config, *, versions: Iterable[int] = SUPPORTED_VERSIONS,
                 connect_timeout: float | None = None, init_timeout: float | None = None,
                 io_timeout: float = SLURMDBD_TIMEOUT_S, max_reply: int = MAX_MSG_SIZE,
                 clock: Callable[[], float] = time.monotonic, observer: RpcObserver | None = None) -> None:
        self.config = config
        self.versions = tuple(versions)
        #: Handed to every connection it opens, and told about each init (``rpc.observe``).
        self.observer = observer
        self.connect_timeout = float(getattr(config, "tcp_timeout", 2) if connect_timeout is None
                                     else connect_timeout)
        self.init_timeout = float(getattr(config, "message_timeout", 10) + 35 if init_timeout is None
                                  else init_timeout)
        self.io_timeout = float(io_timeout)
        self.max_reply = max_reply
        self.clock = clock
        self._lock = threading.Lock()
        self._version: dict[tuple[str, int], int] = {}

    @property
    def cluster_name(self) -> str | None:
        return getattr(self.config, "cluster_name", None)

    def endpoints(self) -> list[DbdEndpoint]:
        return dbd_endpoints(self.config)

    def known_version(self, ep: DbdEndpoint) -> int | None:
        with self._lock:
            return self._version.get((ep.host, ep.port))

    def _remember(self, ep: DbdEndpoint, version: int | None) -> None:
        with self._lock:
            if version is None:
                self._version.pop((ep.host, ep.port), None)
            else:
                self._version[(ep.host, ep.port)] = version

    def _offer_order(self, ep: DbdEndpoint) -> list[int]:
        known = self.known_version(ep)
        if known in self.versions:
            return [known] + [v for v in self.versions if v != known]
        return list(self.versions)

    def _connect(self, ep: DbdEndpoint) -> socket.socket:
        try:
            return frames.connect(ep.host, ep.port, self.connect_timeout, keepalive=True)
        except OSError as exc:
            reason = "timed out" if isinstance(exc, socket.timeout) else (exc.strerror or exc)
            raise _Unreachable("%s: %s" % (ep, reason)) from None

    def _init(self, ep: DbdEndpoint, credential: Credential, version: int, key) -> DbdConnection | None:
        """One init attempt on a new socket: a connection, or None when this
        version was refused (socket closed).  Other refusals raise."""
        sock = self._connect(ep)
        ok = False
        try:
            frame = encode_init(credential, self.cluster_name, version)
            try:
                with Timer(self.observer, DBD_PEER, "REQUEST_PERSIST_INIT") as t:
                    reply = _exchange(sock, frame, self.init_timeout, self.clock, self.max_reply,
                                      "SLURM_PERSIST_INIT")
                    t.rc = reply.rc.rc if reply.rc is not None else 0
            except SlurmError as exc:
                if exc.errno == E.ESLURM_DB_CONNECTION:
                    # closed without an answer: an older slurmdbd refusing the version does that
                    log.debug("slurmdbd %s closed the init at version %s: %s", ep, version_release(version),
                              exc.description)
                    return None
                raise
            rc = reply.rc
            if reply.msg_type != PERSIST_RC or rc is None:
                raise SlurmError(E.ESLURM_DB_CONNECTION, "slurmdbd %s answered the init with %s"
                                 % (ep, dbd_msg_type_name(reply.msg_type)))
            if rc.rc == E.SLURM_PROTOCOL_VERSION_ERROR:
                log.debug("slurmdbd %s refuses protocol %s", ep, version_release(version))
                return None
            if rc.rc:
                raise SlurmError(rc.rc, "slurmdbd %s refused the connection: %s"
                                 % (ep, rc.comment or strerror(rc.rc)))
            accepted = rc.ret_info or version
            if accepted not in SUPPORTED_VERSIONS:
                raise SlurmError(E.SLURM_PROTOCOL_VERSION_ERROR, "slurmdbd %s answered with protocol %#06x"
                                 % (ep, accepted))
            ok = True
            return DbdConnection(sock, ep, accepted, key=key, io_timeout=self.io_timeout,
                                 max_reply=self.max_reply, clock=self.clock, flags=rc.flags,
                                 observer=self.observer)
        finally:
            if not ok:
                sock.close()

    def open(self, credential: Credential, key=None, *, only: int | None = None) -> DbdConnection:
        """An initialised connection for ``credential`` (primary first, then backup).

        Raises ``SlurmError``: ESLURM_DB_CONNECTION when no slurmdbd could be
        reached or none accepted any of our versions; slurmdbd's own rc when it
        refused the credential."""
        eps = self.endpoints()
        if only is not None:
            eps = [e for e in eps if e.index == only]
        if not eps:
            raise SlurmError(E.ESLURM_DB_CONNECTION, "no AccountingStorageHost in %s"
                             % getattr(self.config, "path", "slurm.conf"))
        problems = []
        for ep in eps:
            try:
                for version in self._offer_order(ep):
                    conn = self._init(ep, credential, version, key)
                    if conn is not None:
                        self._remember(ep, conn.version)
                        log.debug("slurmdbd %s: persistent connection at protocol %s", ep,
                                  version_release(conn.version))
                        return conn
                self._remember(ep, None)
                problems.append("%s: refused protocol versions %s" % (
                    ep, ", ".join(version_release(v) for v in self.versions)))
            except _Unreachable as exc:
                problems.append(str(exc))
            except SlurmError as exc:
                if exc.errno not in (E.ESLURM_DB_CONNECTION, E.SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT):
                    raise
                problems.append("%s: %s" % (ep, exc.description))
        raise SlurmError(E.ESLURM_DB_CONNECTION, "Unable to open a slurmdbd connection (%s)" % "; ".join(problems))


__all__ = ["DbdConnection", "DbdConnector", "DbdEndpoint", "dbd_endpoints", "SLURMDBD_TIMEOUT_S"]
