"""The slurmdbd side of one REST request: ``DbdSession``.

A session is made per request (``Site.dbd(identity)``) with that request's
credential.  It takes a pooled connection on first use and gives it back when
the request ends::

    with site.dbd(identity) as db:          # release(commit=False) on exit
        tres = messages.tres_get(db, cond)
        ...
        db.commit()                          # write handlers: DBD_FINI{commit=1}

or, without ``with``: ``db.release(commit=False)`` (idempotent).  Release
rolls back whatever was not committed, as the reference's connection close
does, and the pool never hands out a connection with an open transaction.

* ``open()`` connects now (handlers call it first so that an unreachable
  slurmdbd gives the reference's ``ESLURM_DB_CONNECTION`` before anything else).
* ``request(msg_type, body)`` sends one message; ``body`` may be a callable
  taking the connection's protocol version (layouts differ per version).
  If the connection came from the pool and fails before this session got any
  reply on it (slurmdbd restarted meanwhile), the request is sent again once
  on a new connection (nothing was committed: the lost transaction died with
  it).  If slurmdbd closed the connection after a reply (access denied), the
  next request opens a new one, as the C client's reconnect does — unless this
  session already sent a write (``DBD_ADD_*``, ``DBD_MODIFY_*``,
  ``DBD_REMOVE_*``): that write was in the lost transaction, and carrying on in
  a new one would commit only part of the request, so it raises
  ``ESLURM_DB_CONNECTION`` instead.  One REST request is one transaction.
* ``get_list(...)`` is the ``acct_storage_p_get_*`` pattern: a cond message,
  a ``DBD_GOT_*`` list reply (or PERSIST_RC: rc 0 = nothing found, else the
  error), decoded item by item.

Everything raises ``SlurmError``; see ``connection.py`` for the numbers.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from slurmrestd.errors import E, SlurmError, strerror
from slurmrestd.rpc.dbd.connection import DbdConnection
from slurmrestd.rpc.dbd.frames import Reply
from slurmrestd.rpc.pack import NO_VAL, Packer, Unpacker, UnpackError
from slurmrestd.slurm.dbd_msg_types import DbdMsgType, dbd_msg_type_name

log = logging.getLogger(__name__)

Body = bytes | Callable[[int], bytes]

#: Messages that change the database (they belong to the request's transaction).
WRITE_TYPES = frozenset(t for t in DbdMsgType if t.name.startswith(("DBD_ADD_", "DBD_MODIFY_", "DBD_REMOVE_"))
                        or t.name == "DBD_FIX_RUNAWAY_JOB")


class DbdSession:
    """One request's use of the slurmdbd connection pool (not thread safe)."""

    def __init__(self, pool, credential, key: tuple | None = None) -> None:
        from slurmrestd.rpc.dbd.pool import credential_key

        self.pool = pool
        self.credential = credential
        self.key = credential_key(credential) if key is None else key
        self._conn: DbdConnection | None = None
        #: whether the current connection came from the pool and has not answered us yet
        self._unproven = False
        #: a write was sent on the current transaction (see the module docstring)
        self.wrote = False
        self.released = False

    # -- lifecycle ---------------------------------------------------------------------

    def open(self) -> DbdConnection:
        """The session's connection, acquired now if needed."""
        if self.released:
            raise SlurmError(E.ESLURM_DB_CONNECTION, "slurmdbd session already released")
        conn = self._conn
        if conn is not None and not conn.usable:
            self.pool.discard(conn)
            self._conn = conn = None
            if self.wrote:
                raise SlurmError(E.ESLURM_DB_CONNECTION, "slurmdbd closed the connection in the middle of "
                                 "this request's transaction; nothing of it was committed")
        if conn is None:
            if getattr(self.credential, "refused", None) is not None:  # RefusedCredential
                raise SlurmError(E.ESLURM_DB_CONNECTION,
                                 "not sent to slurmdbd: the credential was refused locally")
            conn = self.pool.acquire(self.credential, self.key)
            self._conn = conn
            # slurmdbd verified this credential when the connection was opened for it
            if getattr(self.credential, "accepted", None) is False:
                self.credential.accepted = True
            # a pooled connection may have died while idle; a fresh one has just answered
            self._unproven = conn.reuses > 0
        return conn

    @property
    def version(self) -> int:
        """Protocol version of the (opened) connection."""
        return self.open().version

    def commit(self) -> None:
        """Commit what this request wrote (``DBD_FINI{commit=1}``); raises on failure."""
        conn = self._conn
        if conn is None or not conn.dirty:
            return
        if not conn.usable:
            raise SlurmError(E.ESLURM_DB_CONNECTION, "slurmdbd connection lost before commit")
        conn.fini(True)
        self.wrote = False
        self.pool.count_event("commits")

    def release(self, commit: bool = False) -> None:
        """End the request: commit or roll back, and return the connection to the pool."""
        if self.released:
            return
        self.released = True
        conn, self._conn = self._conn, None
        lost = self.wrote and commit and (conn is None or not conn.usable)
        self.wrote = False
        if conn is not None:
            self.pool.release(conn, commit)
        if lost:
            # the writes were in a transaction that died with its connection
            raise SlurmError(E.ESLURM_DB_CONNECTION, "slurmdbd connection lost before commit; "
                             "nothing of this request was committed")

    def __enter__(self) -> "DbdSession":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.release(commit=False)

    # -- messages ----------------------------------------------------------------------

    def request(self, msg_type: int, body: Body = b"") -> Reply:
        """Send one message, return its reply (retrying once on a stale pooled connection)."""
        for attempt in (0, 1):
            conn = self.open()
            data = body(conn.version) if callable(body) else body
            try:
                reply = conn.request(msg_type, data)
            except SlurmError as exc:
                if attempt == 0 and self._unproven and exc.errno == E.ESLURM_DB_CONNECTION:
                    log.debug("pooled slurmdbd connection failed (%s); retrying on a new one", exc.description)
                    self.pool.discard(conn)
                    self._conn = None
                    continue
                raise
            self._unproven = False
            if msg_type in WRITE_TYPES:
                self.wrote = True
            return reply
        raise AssertionError("unreachable")

    def get_list(self, msg_type: int, cond: Body, got_type: int,
                 decode_item: Callable[[Unpacker, int], Any]) -> list:
        """``acct_storage_p_get_*``: send a cond, decode the ``got_type`` list reply.

        PERSIST_RC rc 0 → ``[]``; rc ≠ 0 → ``SlurmError(rc, comment)``.  Another
        reply type, or bytes that do not decode, close the connection and raise."""
        reply = self.request(msg_type, cond)
        conn = self._conn
        if reply.rc is not None:
            if reply.rc.rc:
                raise SlurmError(reply.rc.rc, reply.rc.comment or strerror(reply.rc.rc))
            return []
        if reply.msg_type != got_type:
            self._poison(conn)
            raise SlurmError(E.SLURM_UNEXPECTED_MSG_ERROR, "slurmdbd answered %s with %s, expected %s" % (
                dbd_msg_type_name(msg_type), dbd_msg_type_name(reply.msg_type), dbd_msg_type_name(got_type)))
        version = conn.version if conn is not None else 0
        try:
            items, _rc = unpack_list_msg(reply.body, version, decode_item)
            reply.body.expect_end(dbd_msg_type_name(got_type))
        except UnpackError as exc:
            self._poison(conn)
            raise SlurmError(E.ESLURM_PROTOCOL_INCOMPLETE_PACKET, "cannot decode %s from slurmdbd: %s"
                             % (dbd_msg_type_name(got_type), exc)) from None
        return items if items is not None else []

    def get_one(self, msg_type: int, body: Body, got_type: int,
                decode: Callable[[Unpacker, int], Any]) -> Any:
        """A request answered by one record (``DBD_GOT_STATS``, ``DBD_GOT_CONFIG``)."""
        reply = self.request(msg_type, body)
        conn = self._conn
        if reply.rc is not None:
            raise SlurmError(reply.rc.rc or E.SLURM_ERROR, reply.rc.comment or strerror(reply.rc.rc or E.SLURM_ERROR))
        if reply.msg_type != got_type:
            self._poison(conn)
            raise SlurmError(E.SLURM_UNEXPECTED_MSG_ERROR, "slurmdbd answered %s with %s, expected %s" % (
                dbd_msg_type_name(msg_type), dbd_msg_type_name(reply.msg_type), dbd_msg_type_name(got_type)))
        try:
            value = decode(reply.body, conn.version if conn is not None else 0)
            reply.body.expect_end(dbd_msg_type_name(got_type))
        except UnpackError as exc:
            self._poison(conn)
            raise SlurmError(E.ESLURM_PROTOCOL_INCOMPLETE_PACKET, "cannot decode %s from slurmdbd: %s"
                             % (dbd_msg_type_name(got_type), exc)) from None
        return value

    def _poison(self, conn: DbdConnection | None) -> None:
        """A reply we did not understand: never reuse this connection."""
        if conn is not None:
            conn.broken = True
            conn.close()

    def abandon(self) -> None:
        """Close the current connection for good (its state is unknown)."""
        self._poison(self._conn)


def unpack_list_msg(u: Unpacker, version: int, decode_item: Callable[[Unpacker, int], Any]) -> tuple[list | None, int]:
    """``dbd_list_msg_t``: u32 count (NO_VAL = no list) + items + u32 return_code."""
    n = u.u32()
    items = None
    if n != NO_VAL:
        if n > u.remaining:
            raise UnpackError("list count %d larger than the message" % n)
        items = [decode_item(u, version) for _ in range(n)]
    return items, u.i32()


def pack_cond(pack: Callable[[Packer, Any, int], None], cond: Any) -> Callable[[int], bytes]:
    """A request body for ``DbdSession.request``: ``pack(packer, cond, version)``.

    A value that cannot be packed (a string with a NUL byte, a number out of
    range) is the caller's input: ``SlurmError(ESLURM_REST_INVALID_QUERY)``."""
    def body(version: int) -> bytes:
        p = Packer()
        try:
            pack(p, cond, version)
        except (ValueError, TypeError, OverflowError) as exc:
            raise SlurmError(E.ESLURM_REST_INVALID_QUERY, "Rejecting request: cannot send filter to slurmdbd (%s)"
                             % exc) from None
        return p.getvalue()
    return body


__all__ = ["DbdSession", "WRITE_TYPES", "unpack_list_msg", "pack_cond"]
