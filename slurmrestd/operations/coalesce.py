"""Request coalescing (single flight): identical read-only requests share one execution.

A request with a key nobody is executing runs its execution at once (it
*leads*).  A request whose key is being executed does not take that answer —
the execution started before the request arrived, so its answer could be
older than the request.  It waits for the running execution to end and then
joins the *next* one, together with every other identical request that arrived
meanwhile; one of them runs it for all.  So every answer comes from an
execution that started after its request arrived: fresh by construction.

What is shared is whatever the execution returns (or raises): the pipeline
hands it the handler's dumped result and diagnostics; each request still
wraps them in its own envelope.

Waiting is bounded: a request that has waited ``wait_s`` in total gives up
with ``CoalesceTimeout`` (the execution it waited for goes on for the others).
A leader whose execution raises wakes everyone joined to it with the same
exception.  Nothing is kept once an execution ends.

Which operations may be coalesced is decided once per binding (``coalescable``):
only GETs of openapi/slurmctld and openapi/slurmdbd, minus the GETs that change
state (``NOT_COALESCED``).
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Hashable

from slurmrestd.errors import E, SlurmError

#: Plugins whose GETs may be coalesced.
COALESCED_PLUGINS = ("openapi/slurmctld", "openapi/slurmdbd")

#: GETs of those plugins that are never coalesced (templates as ``openapi/paths`` declares them),
#: each with the reason.  Every other GET there only reads.
NOT_COALESCED = {
    "/slurm/{data_parser}/reconfigure/": "asks slurmctld to re-read its configuration (changes state)",
    "/slurm/{data_parser}/job/{job_id}/requeue": "requeues the job (changes state)",
}


def coalescable(plugin: str, method: str, template: str) -> bool:
    """Whether requests bound to this operation may share one execution."""
    return (method.upper() == "GET" and plugin in COALESCED_PLUGINS
            and template not in NOT_COALESCED)


class CoalesceTimeout(SlurmError):
    """A request waited longer than allowed for an identical execution."""

    def __init__(self, waited_s: float) -> None:
        super().__init__(E.SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT,
                         "Timed out after %.1f s waiting for an identical request in progress" % waited_s,
                         "coalesce")


class _Flight:
    """One execution and the requests that take its answer."""

    __slots__ = ("cond", "waiters", "promoted", "started", "done", "value", "error")

    def __init__(self, lock: threading.Lock) -> None:
        self.cond = threading.Condition(lock)
        #: Requests waiting for this flight to start (it is someone's "next").
        self.waiters = 0
        #: The execution before it ended: one of its waiters may run it now.
        self.promoted = False
        #: A request has been chosen to run it.
        self.started = False
        self.done = False
        self.value: Any = None
        self.error: BaseException | None = None


class _Slot:
    """Per key: the execution running now, and the one its waiters will share next."""

    __slots__ = ("running", "next")

    def __init__(self, running: _Flight) -> None:
        self.running: _Flight | None = running
        self.next: _Flight | None = None


class SingleFlight:
    """Shares executions between concurrent identical requests (see the module docstring)."""

    def __init__(self, enabled: bool = True, wait_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.enabled = enabled
        self.wait_s = wait_s
        self._clock = clock
        self._lock = threading.Lock()
        self._slots: dict[Hashable, _Slot] = {}
        #: Answers handed to requests that did not run the execution themselves.
        self.shared = 0
        #: Executions run through ``run`` (coalesced or not).
        self.executions = 0

    @classmethod
    def from_settings(cls, settings: Any) -> "SingleFlight":
        if settings is None:
            return cls()
        return cls(settings.coalesce, settings.limits.coalesce_wait_s)

    def run(self, key: Hashable, execute: Callable[[], Any]) -> Any:
        """``execute()``'s outcome, from an execution that started after this call."""
        if not self.enabled:
            with self._lock:
                self.executions += 1
            return execute()
        arrived = self._clock()
        with self._lock:
            slot = self._slots.get(key)
            if slot is None:
                flight = _Flight(self._lock)
                flight.promoted = flight.started = True
                self._slots[key] = _Slot(flight)
                lead = True
            else:
                if slot.next is None:
                    slot.next = _Flight(self._lock)
                flight = slot.next
                flight.waiters += 1
                lead = self._wait(flight, arrived)
                if not lead:
                    return self._take(flight)
            self.executions += 1
        return self._lead(key, flight, execute)

    def waiting(self, key: Hashable) -> int:
        """Requests with this key waiting for their shared execution to start."""
        with self._lock:
            slot = self._slots.get(key)
            return slot.next.waiters if slot is not None and slot.next is not None else 0

    def in_flight(self) -> int:
        """Keys with an execution running now."""
        with self._lock:
            return len(self._slots)

    # -- internals (the lock is held where said) ---------------------------

    def _wait(self, flight: _Flight, arrived: float) -> bool:
        """Lock held.  Wait until the flight is ours to run (True) or done (False)."""
        while True:
            if flight.done:
                return False
            if flight.promoted and not flight.started:
                flight.started = True
                flight.waiters -= 1
                return True
            remaining = arrived + self.wait_s - self._clock()
            if remaining <= 0:
                if not flight.started:
                    flight.waiters -= 1
                raise CoalesceTimeout(self._clock() - arrived)
            flight.cond.wait(remaining)

    def _take(self, flight: _Flight) -> Any:
        """Lock held.  Hand a joined request the flight's outcome."""
        self.shared += 1
        if flight.error is not None:
            raise flight.error
        return flight.value

    def _lead(self, key: Hashable, flight: _Flight, execute: Callable[[], Any]) -> Any:
        """Run the execution for everyone joined to ``flight``; always wake them."""
        try:
            value = execute()
        except BaseException as e:
            self._finish(key, flight, None, e)
            raise
        self._finish(key, flight, value, None)
        return value

    def _finish(self, key: Hashable, flight: _Flight, value: Any, error: BaseException | None) -> None:
        with self._lock:
            flight.value, flight.error, flight.done = value, error, True
            flight.cond.notify_all()
            slot = self._slots[key]
            successor = slot.next
            slot.next = None
            if successor is not None and successor.waiters:
                slot.running = successor  # its waiters pick one of them to run it
                successor.promoted = True
                successor.cond.notify_all()
            else:
                del self._slots[key]
