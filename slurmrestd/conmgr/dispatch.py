"""Where a connection's work runs, and how its follow-up returns to the loop thread.

Work is a callable that may block (a request talking to slurmctld); it returns a
follow-up (or None) that must run on the loop thread, where it may call back into the
connection's protocol.  Three places run it:

* a worker thread (``workers.WorkerPool``), the default; the follow-up comes back through
  ``ConnectionManager.call_soon``, which wakes the loop;
* a fiber on the loop thread (``Inline``: work that blocks only through ``conmgr.fibers``,
  which switches back to the loop while it waits), without thread hand-offs;
* the loop thread itself in inet mode: one client, one request at a time and nothing else
  to serve, so blocking calls block the loop as they would a worker.  A worker thread's
  start and the GIL hand-offs to and from it cost about 6 ms of a 13 ms warm request.

Either way the connection stays busy until the work returned, and the follow-up runs
only if the connection is still open.  The loop-thread variants start from the callback
queue, never inside the protocol callback that submitted the work (the follow-up calls
back into the protocol).
"""

from __future__ import annotations

import logging
import socket
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # pragma: no cover
    from slurmrestd.conmgr.connection import Connection
    from slurmrestd.conmgr.manager import ConnectionManager

log = logging.getLogger("slurmrestd.conmgr")

Work = Callable[[], "Callable[[], None] | None"]


class Inline:
    """Work to run in a fiber on the loop thread (``ConnectionManager.submit(..., inline=True)``)."""

    __slots__ = ("work",)

    def __init__(self, work: Work) -> None:
        self.work = work

    def __call__(self) -> Callable[[], None] | None:
        return self.work()


def start(manager: "ConnectionManager", conn: "Connection", work: Work) -> None:
    """Run ``work`` for ``conn`` (already marked busy) where it belongs."""
    if conn is manager.inet_conn:
        manager.run_later(lambda: _finish(manager, conn, _guarded(conn, work)))
        return
    if isinstance(work, Inline):
        fibers = manager.fiber_scheduler()
        manager.run_later(lambda: fibers.start(lambda: _finish(manager, conn, _guarded(conn, work))))
        return

    def on_worker() -> None:
        done = _guarded(conn, work)
        manager.call_soon(lambda: _finish(manager, conn, done))

    manager.workers.submit(on_worker)


def start_fiber(manager: "ConnectionManager", run: Callable[[], None]) -> None:
    """Run ``run`` in a fiber on the loop thread (thread-safe; it starts from the callback
    queue, never inside the caller)."""
    manager.call_soon(lambda: manager.fiber_scheduler().start(run))


def _guarded(conn: "Connection", work: Work) -> Callable[[], None] | None:
    try:
        return work()
    except Exception:  # a bug in a handler: logged; the connection is freed, the loop lives on
        log.exception("[%s] request failed", conn.name)
        return None


def _finish(manager: "ConnectionManager", conn: "Connection", done: Callable[[], None] | None) -> None:
    """On the loop thread: the connection is no longer busy; run the follow-up."""
    conn.busy = False
    manager.mark_dirty(conn)
    if done is not None and not conn.closed:
        done()


class Waker:
    """A socketpair that lets any thread interrupt the selector."""

    def __init__(self) -> None:
        self.r, self.w = socket.socketpair()
        self.r.setblocking(False)
        self.w.setblocking(False)

    def wake(self) -> None:
        try:
            self.w.send(b"\0")
        except (BlockingIOError, InterruptedError):
            pass  # already pending
        except OSError:
            pass  # closed during shutdown

    def drain(self) -> None:
        try:
            while self.r.recv(4096):
                pass
        except (BlockingIOError, InterruptedError):
            pass

    def close(self) -> None:
        self.r.close()
        self.w.close()
