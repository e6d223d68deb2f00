"""Who holds a busy slot, who waits for one, and who is closed first at a cap.

A connection is *busy* while its complete request is with a worker or its
response is still being written; ``--max-connections`` bounds those.  Every
other open connection is *waiting*: just opened, idle between requests, still
sending its request, queued with a complete request for a free slot, or
lingering after an error.  Waiting connections are cheap selector entries;
they are bounded by their own, much larger cap (``max_waiting``), by a cap
per client (address, or uid on a unix socket), and by the deadlines the
manager enforces.  When a cap is reached the waiting connection that has
waited longest is closed, so a fresh client always gets in; a connection
with a complete request (queued for a slot, with a worker, or parked
by the application) is never chosen.  By default ``max_waiting`` follows from
``RLIMIT_NOFILE``, whose soft limit is raised to the hard one at start-up
(``open_fd_budget``).

Pure bookkeeping: no I/O, no protocol callbacks; the clock is the caller's.  The
manager asks and carries out the answers.
"""

from __future__ import annotations

import logging
import resource
from typing import TYPE_CHECKING, Callable, Iterator

if TYPE_CHECKING:
    from slurmrestd.conmgr.connection import Connection

Work = Callable[[], object]

log = logging.getLogger("slurmrestd.conmgr")

#: Descriptors kept free for RPC sockets, logs and files.
FD_RESERVE = 64
#: Closing connections over a cap is logged at most this often (each one at debug).
CAP_LOG_INTERVAL_S = 10.0


def open_fd_budget() -> int:
    """Descriptors connections may use: the soft RLIMIT_NOFILE, raised to the hard one
    when allowed, less ``FD_RESERVE``."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY:
        soft = 1 << 20
    return max(16, soft - FD_RESERVE)


class Admission:
    __slots__ = ("max_busy", "max_waiting", "max_per_client", "busy", "waiting", "by_client", "queue",
                 "_capped", "_cap_logged_at")

    def __init__(self, max_busy: int, max_waiting: int, max_per_client: int) -> None:
        self.max_busy = max(1, max_busy)
        self.max_waiting = max(1, max_waiting)
        #: 0: no cap per client.
        self.max_per_client = max(0, max_per_client)
        self.busy: set[Connection] = set()
        #: Waiting connections, longest waiting first.
        self.waiting: dict[Connection, None] = {}
        self.by_client: dict[str, dict[Connection, None]] = {}
        #: Complete requests waiting for a busy slot, first come first served.
        self.queue: dict[Connection, Work] = {}
        self._capped = 0  # connections closed at a cap since the last log line
        self._cap_logged_at = -CAP_LOG_INTERVAL_S

    # -- state changes ------------------------------------------------------

    def add(self, conn: "Connection") -> None:
        """A new connection: it starts waiting (the inet-mode client is never added)."""
        self._wait(conn)

    def set_busy(self, conn: "Connection") -> None:
        if conn in self.busy:
            return
        self.busy.add(conn)
        self._unwait(conn)
        self.queue.pop(conn, None)

    def set_waiting(self, conn: "Connection") -> bool:
        """The connection is no longer busy; True when that freed a slot."""
        if conn not in self.busy:
            return False
        self.busy.discard(conn)
        self._wait(conn)  # at the end: it was just served
        return True

    def remove(self, conn: "Connection") -> bool:
        """The connection closed; True when it held a slot."""
        self._unwait(conn)
        self.queue.pop(conn, None)
        if conn in self.busy:
            self.busy.discard(conn)
            return True
        return False

    # -- busy slots -----------------------------------------------------------

    def may_dispatch(self, conn: "Connection") -> bool:
        """May ``conn``'s complete request go to a worker now?

        A connection that still holds a slot (its previous response is being
        written) keeps it; otherwise a free slot is needed and nobody may be
        queued ahead.
        """
        if conn in self.busy:
            return True
        return len(self.busy) < self.max_busy and not self.queue

    def enqueue(self, conn: "Connection", work: Work) -> None:
        self.queue[conn] = work

    def next_queued(self) -> "tuple[Connection, Work] | None":
        """The first queued request when a slot is free, taken off the queue."""
        if not self.queue or len(self.busy) >= self.max_busy:
            return None
        conn = next(iter(self.queue))
        return conn, self.queue.pop(conn)

    # -- caps on waiting connections ------------------------------------------

    def over_cap(self, conn: "Connection") -> list["Connection"]:
        """Waiting connections to close so that ``conn``'s client and the daemon are
        within their caps; oldest first, never a queued one.  May include ``conn``
        itself when nothing older can go."""
        victims: list[Connection] = []
        key = conn.client_key
        if self.max_per_client and key is not None:
            mine = self.by_client.get(key, {})
            excess = len(mine) - self.max_per_client
            for c in self._evictable(mine):
                if excess <= 0:
                    break
                victims.append(c)
                excess -= 1
        excess = len(self.waiting) - len(victims) - self.max_waiting
        if excess > 0:
            chosen = set(victims)
            for c in self._evictable(self.waiting):
                if excess <= 0:
                    break
                if c not in chosen:
                    victims.append(c)
                    excess -= 1
        return victims

    def _evictable(self, pool: dict["Connection", None]) -> Iterator["Connection"]:
        """The connections of ``pool`` that may be closed at a cap, oldest first."""
        for c in pool:
            if c not in self.queue and not c.handling_request:
                yield c

    def can_accept(self) -> bool:
        """Room for one more waiting connection, or one that could make room (a cheap
        test: the queue is all that is counted; a parked request found at the cap only
        makes the search go on)."""
        return len(self.waiting) < self.max_waiting or len(self.waiting) > len(self.queue)

    # -- internals ------------------------------------------------------------

    def _wait(self, conn: "Connection") -> None:
        self.waiting.pop(conn, None)
        self.waiting[conn] = None
        key = conn.client_key
        if key is not None:
            mine = self.by_client.setdefault(key, {})
            mine.pop(conn, None)
            mine[conn] = None

    def _unwait(self, conn: "Connection") -> None:
        if self.waiting.pop(conn, 0) is None:
            key = conn.client_key
            mine = self.by_client.get(key) if key is not None else None
            if mine is not None:
                mine.pop(conn, None)
                if not mine:
                    del self.by_client[key]

    # -- the cap's log line --------------------------------------------------

    def closed_at_cap(self, count: int) -> None:
        """The manager closed ``count`` waiting connections over a cap."""
        self._capped += count

    def log_capped(self, now: float) -> None:
        """One warning line per CAP_LOG_INTERVAL_S for the connections closed at a cap."""
        if not self._capped or now - self._cap_logged_at < CAP_LOG_INTERVAL_S:
            return
        log.warning("closed %d waiting connections, longest waiting first: at most %d waiting "
                    "connections, %s per client (%d waiting, %d busy)", self._capped, self.max_waiting,
                    self.max_per_client or "any number", len(self.waiting), len(self.busy))
        self._capped = 0
        self._cap_logged_at = now
