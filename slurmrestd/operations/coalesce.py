"""Request coalescing (single flight): identical read-only requests share one execution.

A request with a key nobody is executing starts an execution at once (it
*leads*).  A request whose key is being executed does not take that answer —
the execution started before the request arrived, so its answer could be
older than the request.  It joins the *next* execution of the key, together
with every other identical request that arrived meanwhile; that execution
starts when the running one ends.  So every answer comes from an execution that
started after its request arrived: fresh by construction.

Joining costs no thread.  ``submit(key, execute, deliver)`` returns at once for
a request that joins; its ``deliver(value, error)`` is called later, on the
thread that ran the execution.  The leader runs the first execution and delivers
its outcome; if requests joined the next one, that execution is handed to
``spawn(run, inline)``, which runs it, delivers it and hands on the one after it
in turn.  ``inline`` is what the request whose ``execute`` is shared said at
``submit``: True when it ran in a fiber of the loop thread (``conmgr.fibers``),
so the next execution may run in one too.  The daemon's ``spawn`` starts such an
execution in a fiber and any other on its worker pool: a GET ping handed from the
loop to a worker and back cost two thread wake-ups and GIL hand-offs per
execution, and with 16 connections that chain, not the CPU, bounded the rate
(bench/profiles/coalesce.md).  So the leader's own answer is written as soon as its
execution ends, however long identical requests keep coming, and each later
execution queues behind the other work of the pool instead of holding one
thread for as long as the load lasts.  Without ``spawn`` (unit tests, tools)
the leader's thread runs the successors itself.  A waiting request holds
no worker, so how many requests one execution serves is not bounded by the
number of workers (with a worker held per waiting request, 4 workers cut
slurmctld's RPCs by half and 16 workers to a fifth; parked, 16 connections share
one RPC about ten at a time).

What is shared is whatever the execution returns (or raises): the pipeline's
execution runs the handler and serializes the answer once; each request still
gets its own copy of the envelope's client address (``operations/app``).

Waiting is bounded: a joined request that has waited ``wait_s`` in total is
delivered ``CoalesceTimeout`` (the execution goes on for the others).  A
watchdog thread, started with the first joiner, checks twice a second.  The
leader of the first execution of a key is never timed out: it runs it itself.
An execution that raises delivers the same exception to everyone joined to it.
Nothing is kept once the executions of a key end.

Which operations may be coalesced is decided once per binding (``coalescable``):
only GETs of openapi/slurmctld and openapi/slurmdbd, minus the GETs that change
state (``NOT_COALESCED``).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, Hashable

from slurmrestd.errors import E, SlurmError

log = logging.getLogger(__name__)

#: Plugins whose GETs may be coalesced.
COALESCED_PLUGINS = ("openapi/slurmctld", "openapi/slurmdbd")

#: GETs of those plugins that are never coalesced (templates as ``openapi/paths`` declares them),
#: each with the reason.  Every other GET there only reads.
NOT_COALESCED = {
    "/slurm/{data_parser}/reconfigure/": "asks slurmctld to re-read its configuration (changes state)",
    "/slurm/{data_parser}/job/{job_id}/requeue": "requeues the job (changes state)",
}

#: How often the watchdog looks for requests that waited too long (seconds).
WATCH_INTERVAL_S = 0.5

#: ``deliver(value, error)``: exactly one of them is meaningful (error None: value is the answer).
Deliver = Callable[[Any, "BaseException | None"], None]


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


class _Waiter:
    __slots__ = ("deliver", "arrived", "exempt")

    def __init__(self, deliver: Deliver, arrived: float, exempt: bool = False) -> None:
        self.deliver = deliver
        self.arrived = arrived
        #: The leader of a key's first execution: it runs it, it is never timed out.
        self.exempt = exempt


class _Flight:
    """One execution and the requests that take its answer."""

    __slots__ = ("execute", "inline", "waiters")

    def __init__(self, execute: Callable[[], Any], inline: bool = False) -> None:
        #: What runs: the first joiner's (every joiner's is equivalent, the key says so).
        self.execute = execute
        #: Whether that joiner ran in a fiber of the loop thread (so ``execute`` may too).
        self.inline = inline
        self.waiters: list[_Waiter] = []


class _Slot:
    """Per key: the execution running now, and the one its joiners will share next."""

    __slots__ = ("running", "next")

    def __init__(self, running: _Flight) -> None:
        self.running = running
        self.next: _Flight | None = None


class SingleFlight:
    """Shares executions between concurrent identical requests (see the module docstring)."""

    def __init__(self, enabled: bool = True, wait_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic,
                 spawn: Callable[[Callable[[], None], bool], None] | None = None) -> None:
        self.enabled = enabled
        #: ``spawn(run, inline)`` runs a later execution of a key elsewhere (a fiber of the
        #: loop thread when ``inline``, else a worker); None: the leader's thread runs them
        #: one after the other.
        self.spawn = spawn
        self.wait_s = wait_s
        self._clock = clock
        self._lock = threading.Lock()
        self._slots: dict[Hashable, _Slot] = {}
        self._watchdog: threading.Thread | None = None
        self._wake = threading.Condition(self._lock)
        #: Answers handed to requests whose own thread did not run the execution (parked).
        self.shared = 0
        #: Answers handed out in all (values, errors and timeouts).
        self.answered = 0
        #: Executions run (coalesced or not).
        self.executions = 0

    @classmethod
    def from_settings(cls, settings: Any) -> "SingleFlight":
        if settings is None:
            return cls()
        return cls(settings.coalesce, settings.limits.coalesce_wait_s)

    # -- the two ways in ------------------------------------------------------

    def submit(self, key: Hashable, execute: Callable[[], Any], deliver: Deliver,
               inline: bool = False) -> None:
        """Have ``deliver`` called once with the outcome of an execution of ``key`` that starts
        after this call.  Returns at once when the request joins a later execution; when it
        leads, returns once it has run its execution (and, without ``spawn``, every one that
        requests joined meanwhile).  ``inline``: the caller runs in a fiber of the loop thread."""
        if not self.enabled:
            with self._lock:
                self.executions += 1
            self._run_one(_Flight(execute), [_Waiter(deliver, 0.0, True)])
            return
        arrived = self._clock()
        with self._lock:
            slot = self._slots.get(key)
            if slot is not None:
                if slot.next is None:
                    slot.next = _Flight(execute, inline)
                slot.next.waiters.append(_Waiter(deliver, arrived))
                if self._watchdog is None:
                    self._start_watchdog()
                return
            flight = _Flight(execute, inline)
            flight.waiters.append(_Waiter(deliver, arrived, exempt=True))
            self._slots[key] = _Slot(flight)
        self._lead(key, flight)

    def run(self, key: Hashable, execute: Callable[[], Any]) -> Any:
        """``execute()``'s outcome, from an execution that started after this call (blocking)."""
        done = threading.Event()
        box: list = []

        def deliver(value: Any, error: BaseException | None) -> None:
            box.append((value, error))
            done.set()

        self.submit(key, execute, deliver)
        done.wait()
        value, error = box[0]
        if error is not None:
            raise error
        return value

    # -- introspection (tests) ------------------------------------------------

    def waiting(self, key: Hashable) -> int:
        """Requests with this key waiting for their shared execution to start."""
        with self._lock:
            slot = self._slots.get(key)
            return len(slot.next.waiters) if slot is not None and slot.next is not None else 0

    def in_flight(self) -> int:
        """Keys with an execution running now."""
        with self._lock:
            return len(self._slots)

    # -- internals -------------------------------------------------------------

    def _lead(self, key: Hashable, flight: _Flight) -> None:
        """Run ``flight`` and then, while requests joined the next one, that one too."""
        while True:
            with self._lock:
                self.executions += 1
            value, error = self._execute(flight)
            with self._lock:
                slot = self._slots[key]
                successor = slot.next
                slot.next = None
                # Empty when every joiner timed out: nobody is left to run it for.
                if successor is not None and successor.waiters:
                    slot.running = successor
                else:
                    successor = None
                    del self._slots[key]
                waiters = flight.waiters
                flight.waiters = []
                self.shared += sum(1 for w in waiters if not w.exempt)
            handed_on = successor is not None and self.spawn is not None and self._hand_on(key, successor)
            self._deliver(waiters, value, error)
            if successor is None or handed_on:
                return
            flight = successor

    def _hand_on(self, key: Hashable, successor: _Flight) -> bool:
        """Give the next execution to ``spawn`` before this one's answers are delivered (so
        its RPC is under way while they are written; its requests all arrived already).
        False if ``spawn`` failed: the caller then runs it itself."""
        try:
            self.spawn(lambda: self._lead(key, successor), successor.inline)  # type: ignore[misc]
            return True
        except Exception:
            log.exception("handing on a shared execution failed; running it here")
            return False

    def _run_one(self, flight: _Flight, waiters: list[_Waiter]) -> None:
        value, error = self._execute(flight)
        self._deliver(waiters, value, error)

    @staticmethod
    def _execute(flight: _Flight) -> tuple[Any, BaseException | None]:
        try:
            return flight.execute(), None
        except BaseException as e:  # handed to every joined request
            return None, e

    def _deliver(self, waiters: list[_Waiter], value: Any, error: BaseException | None) -> None:
        with self._lock:
            self.answered += len(waiters)
        for w in waiters:
            try:
                w.deliver(value, error)
            except Exception:  # one request's failure must not lose the others' answers
                log.exception("delivering a shared answer failed")

    def _start_watchdog(self) -> None:
        """Lock held."""
        self._watchdog = threading.Thread(target=self._watch, name="coalesce-watchdog", daemon=True)
        self._watchdog.start()

    def _watch(self) -> None:
        while True:
            with self._lock:
                self._wake.wait(WATCH_INTERVAL_S)
            self.expire()

    def expire(self) -> int:
        """Deliver ``CoalesceTimeout`` to every joined request that waited ``wait_s``; returns
        how many (the watchdog calls it; tests may too)."""
        now = self._clock()
        late: list[_Waiter] = []
        with self._lock:
            for slot in self._slots.values():
                for flight in (slot.running, slot.next):
                    if flight is None:
                        continue
                    keep = []
                    for w in flight.waiters:
                        (late if not w.exempt and now - w.arrived >= self.wait_s else keep).append(w)
                    if len(keep) != len(flight.waiters):
                        flight.waiters = keep
        with self._lock:
            self.answered += len(late)
        for w in late:
            try:
                w.deliver(None, CoalesceTimeout(now - w.arrived))
            except Exception:
                log.exception("delivering a coalescing timeout failed")
        return len(late)
