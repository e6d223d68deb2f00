"""A bounded pool of persistent slurmdbd connections, per credential.

slurmdbd serves each persistent connection with its own thread and blocks its
accept loop at 100 of them (``MAX_THREAD_COUNT``), shared with every
slurmctld, sacctmgr and sacct of the site.  The reference slurmrestd opens a
new connection (TCP + init + MySQL connection) for every HTTP request; we keep
them open and reuse them:

* a connection is only ever reused for the *same credential*: the same JWT and
  user name, or our own munge identity (``credential_key``).  slurmdbd checks
  the credential once, at init, and the connection acts for that identity
  afterwards; a connection opened with a JWT is not reused past the token's
  ``exp`` claim.
* ``release`` ends the request's transaction with ``DBD_FINI`` (rollback
  unless asked to commit) before the connection goes back, so the next request
  never sees a stale REPEATABLE-READ snapshot nor uncommitted writes.  A
  connection whose FINI fails, or that is broken, is closed, never reused.
* at most ``max_connections`` are open at once (idle + in use).  When all are
  taken, a caller that already has a connection in use waits for one of its
  own to come back; another caller gets the room of the least recently used
  idle connection; otherwise ``acquire`` waits up to ``acquire_timeout``.
* idle connections are closed after ``idle_timeout``, and every connection
  after ``max_lifetime`` (so a restarted or failed-over slurmdbd is picked up).
  ``reap()`` does that; it runs on every acquire/release and, with
  ``reaper=True`` (or after ``start_reaper()``), from a daemon thread.

Counters (``stats()``) count connections opened, reused, closed (by reason),
commits, rollbacks, waits, and give the current idle/in-use numbers.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections import Counter
from typing import Callable

from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc.dbd.connection import DbdConnection, DbdConnector

log = logging.getLogger(__name__)


def credential_key(credential) -> tuple:
    """What two requests must share to use the same connection."""
    token = getattr(credential, "token", None)
    if token is not None:
        return ("jwt", token, getattr(credential, "user_name", None))
    return (type(credential).__name__, getattr(credential, "socket_path", None), getattr(credential, "uid", None))


def token_expiry(token: str | None) -> float | None:
    """The ``exp`` claim of a JWT (not verified: slurmdbd does that), or None."""
    if not token:
        return None
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        exp = claims.get("exp") if isinstance(claims, dict) else None
        return float(exp) if isinstance(exp, (int, float)) and not isinstance(exp, bool) else None
    except (IndexError, ValueError, TypeError):
        return None


class DbdPool:
    """Persistent connections shared by the requests of one daemon (thread safe)."""

    def __init__(self, connector: DbdConnector, *, max_connections: int = 16, idle_timeout: float = 60.0,
                 max_lifetime: float = 600.0, acquire_timeout: float = 30.0, reaper: bool = False,
                 clock: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        self.connector = connector
        self.max_connections = max_connections
        self.idle_timeout = idle_timeout
        self.max_lifetime = max_lifetime
        self.acquire_timeout = acquire_timeout
        self.clock = clock
        self.wall = wall
        self._cond = threading.Condition()
        #: key -> idle connections, most recently used last
        self._idle: dict[tuple, list[DbdConnection]] = {}
        #: connections open (idle + in use) plus slots reserved by opens in progress
        self._total = 0
        self._in_use = 0
        #: key -> connections of that key checked out (or being opened)
        self._busy: Counter = Counter()
        #: wall-clock expiry per connection (JWT ``exp``)
        self._expiry: dict[int, float] = {}
        self._counts: Counter = Counter()
        self._closed = False
        self._stop = threading.Event()
        self._reaper: threading.Thread | None = None
        #: start the reaper thread with the first connection
        self._want_reaper = reaper

    # -- bookkeeping (lock held) ------------------------------------------------------

    def _idle_count(self) -> int:
        return sum(len(v) for v in self._idle.values())

    def _discard_locked(self, conn: DbdConnection, reason: str) -> None:
        conn.close()
        self._expiry.pop(id(conn), None)
        self._total -= 1
        self._counts["closed_" + reason] += 1
        self._cond.notify_all()

    def _stale_reason(self, conn: DbdConnection, now: float, wall: float) -> str | None:
        if not conn.usable:
            return "broken"
        if now - conn.last_used >= self.idle_timeout:
            return "idle"
        if now - conn.opened_at >= self.max_lifetime:
            return "lifetime"
        exp = self._expiry.get(id(conn))
        if exp is not None and wall >= exp:
            return "expired"
        return None

    def _reap_locked(self) -> None:
        now, wall = self.clock(), self.wall()
        for key in list(self._idle):
            keep = []
            for conn in self._idle[key]:
                reason = self._stale_reason(conn, now, wall)
                if reason:
                    self._discard_locked(conn, reason)
                else:
                    keep.append(conn)
            if keep:
                self._idle[key] = keep
            else:
                del self._idle[key]

    def _evict_one_locked(self) -> bool:
        """Close the least recently used idle connection (any credential)."""
        victim_key, victim = None, None
        for key, conns in self._idle.items():
            if conns and (victim is None or conns[0].last_used < victim.last_used):
                victim_key, victim = key, conns[0]
        if victim is None:
            return False
        self._idle[victim_key].remove(victim)
        if not self._idle[victim_key]:
            del self._idle[victim_key]
        self._discard_locked(victim, "evicted")
        return True

    # -- public ---------------------------------------------------------------------

    def acquire(self, credential, key: tuple | None = None) -> DbdConnection:
        """A connection for ``credential``: an idle one of the same key, or a new one.

        Raises ``SlurmError(ESLURM_DB_CONNECTION)`` when slurmdbd cannot be
        reached or every slot stays busy for ``acquire_timeout``."""
        key = credential_key(credential) if key is None else key
        # waiting is real time (Condition.wait); ``clock`` only ages connections
        deadline = time.monotonic() + self.acquire_timeout
        waited = False
        with self._cond:
            while True:
                if self._closed:
                    raise SlurmError(E.ESLURM_DB_CONNECTION, "the slurmdbd connection pool is shut down")
                self._reap_locked()
                conns = self._idle.get(key)
                if conns:
                    conn = conns.pop()
                    if not conns:
                        del self._idle[key]
                    self._in_use += 1
                    self._busy[key] += 1
                    self._counts["reused"] += 1
                    conn.reuses += 1
                    return conn
                if self._total < self.max_connections:
                    self._total += 1  # reserve a slot; the open happens unlocked
                    self._in_use += 1
                    self._busy[key] += 1
                    break
                # Full.  If this caller has a connection in use, wait for it rather than
                # closing another caller's idle one (that would only churn connections).
                if not self._busy[key] and self._evict_one_locked():
                    continue
                left = deadline - time.monotonic()
                if left <= 0:
                    self._counts["wait_timeouts"] += 1
                    raise SlurmError(E.ESLURM_DB_CONNECTION,
                                     "all %d slurmdbd connections stayed busy for %g s"
                                     % (self.max_connections, self.acquire_timeout))
                if not waited:
                    waited = True
                    self._counts["waits"] += 1
                self._cond.wait(left)
        if self._want_reaper and self._reaper is None:
            self.start_reaper()
        try:
            conn = self.connector.open(credential, key)
        except BaseException:
            with self._cond:
                self._total -= 1
                self._in_use -= 1
                self._unbusy_locked(key)
                self._counts["open_failed"] += 1
                self._cond.notify_all()
            raise
        exp = token_expiry(getattr(credential, "token", None))
        with self._cond:
            self._counts["opened"] += 1
            if exp is not None:
                self._expiry[id(conn)] = exp
        return conn

    def release(self, conn: DbdConnection, commit: bool = False) -> None:
        """Give a connection back at the end of a request.

        If it was used since its last FINI, the transaction is ended first:
        committed when ``commit``, else rolled back.  A failed commit raises
        ``SlurmError`` (after the connection was closed); a failed rollback only
        closes it."""
        error: SlurmError | None = None
        try:
            if conn.usable and conn.dirty:
                try:
                    conn.fini(commit)
                    self.count_event("commits" if commit else "rollbacks")
                except SlurmError as exc:
                    self.count_event("fini_failed")
                    log.warning("slurmdbd %s: DBD_FINI(%s) failed: %s", conn.endpoint,
                                "commit" if commit else "rollback", exc.description)
                    if commit:
                        error = exc
        finally:
            with self._cond:
                self._in_use -= 1
                self._unbusy_locked(conn.key)
                if self._closed or not conn.usable or conn.dirty:
                    # a connection whose transaction could not be ended is never reused
                    self._discard_locked(conn, "broken" if not conn.usable or conn.dirty else "shutdown")
                else:
                    conn.last_used = self.clock()  # idle from now on
                    self._idle.setdefault(conn.key if conn.key is not None else (), []).append(conn)
                    self._cond.notify_all()
                self._reap_locked()
        if error is not None:
            raise error

    def _unbusy_locked(self, key) -> None:
        self._busy[key] -= 1
        if self._busy[key] <= 0:
            del self._busy[key]

    def discard(self, conn: DbdConnection) -> None:
        """Close a checked-out connection instead of returning it."""
        with self._cond:
            self._in_use -= 1
            self._unbusy_locked(conn.key)
            self._discard_locked(conn, "broken" if not conn.usable else "discarded")

    def reap(self) -> None:
        with self._cond:
            self._reap_locked()

    def count_event(self, name: str) -> None:
        """Add one to a counter of ``stats()``."""
        with self._cond:
            self._counts[name] += 1

    def stats(self) -> dict:
        """Counters since start, plus the current ``idle``/``in_use``/``open`` numbers."""
        with self._cond:
            out = dict(self._counts)
            out.update(idle=self._idle_count(), in_use=self._in_use, open=self._total,
                       max_connections=self.max_connections)
            return out

    def start_reaper(self, interval: float | None = None) -> None:
        """Close idle connections from a daemon thread even when no request comes."""
        with self._cond:
            if self._reaper is not None or self._closed:
                return
            period = interval if interval is not None else max(1.0, self.idle_timeout / 2)
            self._reaper = threading.Thread(target=self._reap_loop, args=(period,), name="dbd-pool-reaper",
                                            daemon=True)
            self._reaper.start()

    def _reap_loop(self, period: float) -> None:
        while not self._stop.wait(period):
            self.reap()

    def close(self) -> None:
        """Close every idle connection; in-use ones close when released."""
        with self._cond:
            self._closed = True
            self._stop.set()
            for conns in self._idle.values():
                for conn in conns:
                    self._discard_locked(conn, "shutdown")
            self._idle.clear()
            self._cond.notify_all()


__all__ = ["DbdPool", "credential_key", "token_expiry"]
