"""WorkerPool: every thread at start (listen mode) or one as work needs it (inet mode)."""

from __future__ import annotations

import threading

from slurmrestd.conmgr.workers import WorkerPool


def test_eager_starts_every_thread():
    pool = WorkerPool(3, name="t-eager")
    try:
        assert pool.started == 3 and pool.size == 3
    finally:
        pool.shutdown(5)


def test_lazy_starts_threads_as_work_needs_them():
    pool = WorkerPool(3, name="t-lazy", eager=False)
    try:
        assert pool.started == 0
        done = threading.Event()
        pool.submit(done.set)
        assert done.wait(5) and pool.started == 1
        gate = threading.Event()
        started = [threading.Event() for _ in range(3)]
        for ev in started:
            pool.submit(lambda ev=ev: (ev.set(), gate.wait(5)))
        assert all(ev.wait(5) for ev in started)  # three at once: three threads
        assert pool.started == 3
        pool.submit(lambda: None)  # a fourth waits for a free thread: no fourth thread
        assert pool.started == 3
        gate.set()
    finally:
        pool.shutdown(5)
