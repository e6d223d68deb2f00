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
    def __init__(self, threads: int, name: str = "worker") -> None:
        self._queue: "queue.SimpleQueue[object]" = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._run, name="%s-%d" % (name, i), daemon=True)
            for i in range(max(1, threads))
        ]
        self._lock = threading.Lock()
        self._active = 0
        self._queued = 0
        for t in self._threads:
            t.start()

    @property
    def size(self) -> int:
        return len(self._threads)

    @property
    def pending(self) -> int:
        """Work items queued or running."""
        with self._lock:
            return self._active + self._queued

    def submit(self, work: Callable[[], None]) -> None:
        with self._lock:
            self._queued += 1
        self._queue.put(work)

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
        for _ in self._threads:
            self._queue.put(_STOP)
        for t in self._threads:
            t.join(timeout)
