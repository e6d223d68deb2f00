"""A fixed pool of worker threads that run blocking work off the loop thread.

Work is a plain callable.  Results travel back to the loop thread through
whatever the callable does (normally ``ConnectionManager.call_soon``); the pool
itself only runs things and keeps count.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Callable

log = logging.getLogger("slurmrestd.conmgr.workers")

_STOP = object()


class WorkerPool:
    """``threads`` threads.  ``eager`` (listen mode) starts them all now, so a long-running
    daemon's memory settles at start-up; otherwise (inet mode, one client) a thread is added
    only when an item arrives and every started thread is busy."""

    def __init__(self, threads: int, name: str = "worker", eager: bool = True) -> None:
        self._queue: "queue.SimpleQueue[object]" = queue.SimpleQueue()
        self._size = max(1, threads)
        self._name = name
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._active = 0
        self._queued = 0
        if eager:
            for _ in range(self._size):
                self._start_one()

    def _start_one(self) -> None:
        t = threading.Thread(target=self._run, name="%s-%d" % (self._name, len(self._threads)), daemon=True)
        self._threads.append(t)
        t.start()

    @property
    def size(self) -> int:
        """The most threads the pool runs."""
        return self._size

    @property
    def started(self) -> int:
        """Threads started so far."""
        with self._lock:
            return len(self._threads)

    @property
    def pending(self) -> int:
        """Work items queued or running."""
        with self._lock:
            return self._active + self._queued

    def submit(self, work: Callable[[], None]) -> None:
        new = None
        with self._lock:
            self._queued += 1
            if self._active + self._queued > len(self._threads) and len(self._threads) < self._size:
                new = threading.Thread(target=self._run, name="%s-%d" % (self._name, len(self._threads)),
                                       daemon=True)
                self._threads.append(new)
        self._queue.put(work)
        if new is not None:
            new.start()

    def _run(self) -> None:
        while True:
            work = self._queue.get()
            if work is _STOP:
                return
            with self._lock:
                self._queued -= 1
                self._active += 1
            try:
                work()  # type: ignore[operator]
            except Exception:  # a bug in a handler must not kill the thread
                log.exception("unhandled error in worker")
            finally:
                with self._lock:
                    self._active -= 1

    def shutdown(self, timeout: float | None = None) -> None:
        with self._lock:
            threads = list(self._threads)
        for _ in threads:
            self._queue.put(_STOP)
        for t in threads:
            if t.ident is not None:
                t.join(timeout)
