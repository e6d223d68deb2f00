"""Requests that run on the loop thread itself and give it back while they wait.

A request marked *inline* (``Connection.submit(work, inline=True)``) does not go
to a worker thread: the loop runs it in a ``Fiber`` (a greenlet).  Whenever the
request would block on a socket (the RPC to slurmctld) or sleep (a retry), the
socket code asks the current fiber to ``wait_io``: the fiber registers the
socket with the loop's selector, with a deadline, and switches back to the loop,
which serves every other connection meanwhile and switches into the fiber again
once the socket is ready or the deadline has passed.  So a slow slurmctld stalls
only its own requests, never the loop, and every timeout of the blocking code
holds as it is.

Why: a request handed to a worker and back costs two thread wake-ups and, with
every blocking socket call releasing the GIL, about 120 futex calls; on 2 cores
that was the largest cost of a short request (bench/profiles/perfloop.md).

Only cheap requests run inline (the loop serves nobody else while one computes):
``operations`` decides which.  Code that may block in ways this module does not
know (munge, PAM, slurmdbd) must keep to the worker threads.  The rpc layer
does not import this module: it looks for a ``wait_io`` on the current greenlet
(``rpc.frames``).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import selectors
from typing import TYPE_CHECKING, Callable

import greenlet

if TYPE_CHECKING:
    from slurmrestd.conmgr.manager import ConnectionManager

log = logging.getLogger("slurmrestd.conmgr")

#: Idle fibers kept for reuse; more than this many end with their job.
MAX_IDLE_FIBERS = 64


class FdWait:
    """One fiber waiting for one socket (or only for its deadline)."""

    __slots__ = ("fiber", "fd", "events", "deadline", "done")

    def __init__(self, fiber: "Fiber", fd: int | None, events: int, deadline: float) -> None:
        self.fiber = fiber
        self.fd = fd
        self.events = events
        self.deadline = deadline
        self.done = False


class Fiber(greenlet.greenlet):
    """One inline request; its parent is the loop's own greenlet."""

    def __init__(self, scheduler: "FiberScheduler", run: Callable[[Callable[[], None]], None]) -> None:
        super().__init__(run, parent=greenlet.getcurrent())
        self.scheduler = scheduler

    def wait_io(self, fd: int | None, write: bool, timeout: float) -> bool:
        """Suspend until ``fd`` is readable (writable with ``write``): True; or until
        ``timeout`` seconds have passed: False.  ``fd`` None: just sleep."""
        return self.scheduler.wait(self, fd, write, timeout)


class FiberScheduler:
    """The fibers of one connection manager: their socket waits and deadlines."""

    def __init__(self, manager: "ConnectionManager") -> None:
        self.manager = manager
        self._timers: list[tuple[float, int, FdWait]] = []
        self._seq = itertools.count()
        #: Jobs started and not yet ended (for the metrics and tests).
        self.running = 0
        #: Fibers whose job ended, each waiting for the next (bounded by MAX_IDLE_FIBERS).
        self._idle: list[Fiber] = []

    def start(self, run: Callable[[], None]) -> None:
        """Run ``run`` in a fiber until it ends or first waits (loop thread, not in a fiber).

        Fibers are reused: a new greenlet costs its own Python frame stack (an mmap and
        page faults on first use, a munmap at its end: about a 404's worth of CPU)."""
        self.running += 1
        idle = self._idle
        if idle:
            self._resume(idle.pop(), run)
        else:
            self._resume(Fiber(self, self._body), run)

    def _body(self, run: Callable[[], None]) -> None:
        """A fiber's life: run a job, then offer itself for the next one."""
        while run is not None:
            try:
                run()
            except Exception:  # never into the loop (GreenletExit still ends the fiber)
                log.exception("error in an inline request")
            self.running -= 1
            if len(self._idle) >= MAX_IDLE_FIBERS:
                return
            fiber = greenlet.getcurrent()
            self._idle.append(fiber)  # type: ignore[arg-type]
            run = fiber.parent.switch()

    def close(self) -> None:
        """End the idle fibers (at shutdown)."""
        idle, self._idle = self._idle, []
        for fiber in idle:
            self._resume(fiber, None)

    def wait(self, fiber: Fiber, fd: int | None, write: bool, timeout: float) -> bool:
        if greenlet.getcurrent() is not fiber:
            raise RuntimeError("wait_io called outside its fiber")
        mgr = self.manager
        events = selectors.EVENT_WRITE if write else selectors.EVENT_READ
        w = FdWait(fiber, fd, events, mgr.clock() + max(0.0, timeout))
        if fd is not None:
            mgr.selector.register(fd, events, w)
        heapq.heappush(self._timers, (w.deadline, next(self._seq), w))
        try:
            return bool(fiber.parent.switch())
        finally:
            w.done = True
            if fd is not None:
                try:
                    mgr.selector.unregister(fd)
                except (KeyError, ValueError, OSError):
                    pass

    # -- the loop's side ---------------------------------------------------------

    def ready(self, w: FdWait) -> None:
        """The selector reported ``w``'s socket."""
        if not w.done:
            w.done = True
            self._resume(w.fiber, True)

    def next_deadline(self) -> float | None:
        timers = self._timers
        while timers and timers[0][2].done:
            heapq.heappop(timers)
        return timers[0][0] if timers else None

    def expire(self, now: float) -> None:
        """Resume every fiber whose deadline has passed (their waits answer False)."""
        timers = self._timers
        while timers and (timers[0][2].done or timers[0][0] <= now):
            _, _, w = heapq.heappop(timers)
            if not w.done:
                w.done = True
                self._resume(w.fiber, False)

    def _resume(self, fiber: Fiber, value: object) -> None:
        try:
            fiber.switch(value)
        except BaseException:  # noqa: BLE001 - body() already logs; keep the loop alive
            log.exception("inline request failed")
        self.manager._flush_dirty()
