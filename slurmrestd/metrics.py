"""Prometheus metrics of one daemon, made with ``prometheus_client``.

Everything lives in the ``CollectorRegistry`` of one ``Metrics`` object, which
the site owns (no module-level registry, so two daemons in one process, or
tests, never share numbers).  Two kinds of numbers:

* events counted where they happen: requests (by method, path template and
  status) and their latency, requests in flight, RPCs to slurmctld and slurmdbd
  by message type with latency and errors (``Metrics`` is the
  ``rpc.observe.RpcObserver`` the clients are given), authentication failures
  by reason;
* state read when scraped, from objects the daemon registers with ``watch_*``:
  connections busy and idle (the connection manager), request coalescing, cache
  lookups, the slurmdbd connection pool.

Label values are bounded: a path label is the template the router matched
(``/slurm/v0.0.45/job/{job_id}``) or ``unmatched``; an unknown method is
``other``; error and reason labels are Slurm error names.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any, Callable, Iterable

from slurmrestd.errors import errname
from slurmrestd.settings import METRICS_DEFERRED_EVENTS_MAX

#: Methods that get their own label value; others are counted as "other".
METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"})
#: The path label of a request no route matched.
UNMATCHED = "unmatched"
#: Latency buckets (seconds): from a cached document to a long slurmdbd job query.
REQUEST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
RPC_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

#: Events a deferred registry (inet mode) keeps before it builds the real one anyway.
DEFERRED_EVENTS_MAX = METRICS_DEFERRED_EVENTS_MAX


def __getattr__(name: str) -> Any:
    if name == "CONTENT_TYPE":  # what ``exposition`` answers with (prometheus_client's, loaded on use)
        from prometheus_client.exposition import CONTENT_TYPE_LATEST

        return CONTENT_TYPE_LATEST
    raise AttributeError(name)


def error_label(rc: int) -> str:
    """A bounded label for a Slurm error number (its name; "unknown" when it has none)."""
    if rc < 0:
        return "unknown"
    try:
        name = errname(rc)
    except Exception:
        return "unknown"
    return name if name and not name[0].isdigit() else "unknown"


class _LiveState:
    """A collector that reads the watched objects at scrape time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.connections: Any = None
        self.single_flight: Any = None
        self.caches: dict[str, Any] = {}
        self.dbd_pool: Any = None
        self.offload: Any = None

    def describe(self) -> Iterable:
        return []  # families vary with what is watched; nothing to check at registration

    def collect(self) -> Iterable:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        with self._lock:
            manager, flight, caches, pool, offload = (self.connections, self.single_flight, dict(self.caches),
                                                      self.dbd_pool, self.offload)
        if manager is not None:
            load = manager.load()
            g = GaugeMetricFamily("slurmrestd_connections",
                                  "Open client connections: busy (a complete request with a worker, or "
                                  "its response being written) or idle (anything else: kept alive, "
                                  "sending a request, waiting for a busy slot, lingering)",
                                  labels=["state"])
            g.add_metric(["busy"], load["busy"])
            g.add_metric(["idle"], load["open"] - load["busy"])
            yield g
            yield GaugeMetricFamily("slurmrestd_connections_parked",
                                    "Connections whose complete request waits for a free busy slot",
                                    value=load["parked"])
            yield GaugeMetricFamily("slurmrestd_connections_max_busy",
                                    "Most connections busy at once (--max-connections)",
                                    value=load["max_busy"])
        if flight is not None:
            yield CounterMetricFamily("slurmrestd_coalesce_executions",
                                      "Handler runs of coalescable read-only requests",
                                      value=flight.executions)
            yield CounterMetricFamily("slurmrestd_coalesce_shared",
                                      "Requests answered by an identical request's run (coalescing hits)",
                                      value=flight.shared)
        if caches:
            c = CounterMetricFamily("slurmrestd_cache_lookups", "Lookups in daemon-wide caches",
                                    labels=["cache", "result"])
            for name, cache in sorted(caches.items()):
                c.add_metric([name, "hit"], cache.hits)
                c.add_metric([name, "miss"], cache.misses)
            yield c
        if pool is not None:
            st = pool.stats()
            g = GaugeMetricFamily("slurmrestd_dbd_pool_connections",
                                  "Persistent slurmdbd connections open, by state", labels=["state"])
            g.add_metric(["idle"], st.get("idle", 0))
            g.add_metric(["in_use"], st.get("in_use", 0))
            yield g
            yield GaugeMetricFamily("slurmrestd_dbd_pool_max_connections",
                                    "Most persistent slurmdbd connections allowed",
                                    value=st.get("max_connections", 0))
            events = {k: v for k, v in st.items()
                      if k not in ("idle", "in_use", "open", "max_connections") and isinstance(v, int)}
            if events:
                c = CounterMetricFamily("slurmrestd_dbd_pool_events",
                                        "slurmdbd pool events since start (opened, reused, closed …)",
                                        labels=["event"])
                for name, n in sorted(events.items()):
                    c.add_metric([name], n)
                yield c
        if offload is not None:
            st = offload.stats()
            g = GaugeMetricFamily("slurmrestd_dump_processes", "Dump processes (long job lists), by state",
                                  labels=["state"])
            for state in ("idle", "busy", "starting"):
                g.add_metric([state], st[state])
            yield g
            c = CounterMetricFamily("slurmrestd_dump_lists", "Long job lists dumped, by where: a dump process "
                                    "or the daemon itself (none idle in time, or a process failed)",
                                    labels=["where"])
            c.add_metric(["process"], st["done_process"])
            c.add_metric(["daemon"], st["done_daemon"])
            yield c
            yield CounterMetricFamily("slurmrestd_dump_process_failures",
                                      "Dump processes that failed a task or their start", value=st["failed"])


def _peek(count: "itertools.count") -> int:
    """The next value of an ``itertools.count`` without taking it (its repr, ``count(n)``,
    is the one read of it that does not advance it)."""
    return int(repr(count)[6:-1])


class Metrics:
    """The registry of one daemon and the counters its parts report to.

    ``defer=True`` (inet mode: one process, one client) builds nothing at first: events are
    kept in a short list and replayed into a real registry on the first scrape, on the first
    direct use of a metric, or after ``DEFERRED_EVENTS_MAX`` events.  Importing
    ``prometheus_client`` costs about 50 ms, which a process answering one request should
    not pay unless that request is ``/metrics``.
    """

    def __init__(self, defer: bool = False) -> None:
        self._lock = threading.Lock()
        self._pending: list[tuple] | None = [] if defer else None
        self._live = _LiveState()
        self._prom: dict[str, Any] | None = None
        #: (metric, label values…) → its child: ``labels()`` checks and joins its arguments on
        #: every call (a fifth of the metrics' cost per request).  Bounded as the label sets are.
        self._children: dict[tuple, Any] = {}
        #: Requests started and ended, for the in-flight gauge, which reads them at scrape
        #: time: ``next()`` of a count is one atomic step in any thread (it holds the GIL),
        #: where a gauge update per request would take the metric's lock twice.
        self._started = itertools.count()
        self._ended = itertools.count()
        if not defer:
            self._build()

    def _build(self) -> dict[str, Any]:
        with self._lock:
            if self._prom is not None:
                return self._prom
            from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

            r = CollectorRegistry()
            prom = {
                "registry": r,
                "requests": Counter("slurmrestd_http_requests", "HTTP requests answered",
                                    ["method", "path", "status"], registry=r),
                "request_seconds": Histogram("slurmrestd_http_request_duration_seconds",
                                             "Time from a whole request to its response",
                                             ["method", "path"], buckets=REQUEST_BUCKETS, registry=r),
                "in_flight": Gauge("slurmrestd_http_requests_in_flight", "Requests being processed now",
                                   registry=r),
                "rpc_seconds": Histogram("slurmrestd_rpc_duration_seconds",
                                         "Exchanges with slurmctld and slurmdbd, by message type",
                                         ["peer", "msg_type"], buckets=RPC_BUCKETS, registry=r),
                "rpc_errors": Counter("slurmrestd_rpc_errors",
                                      "Exchanges with slurmctld and slurmdbd that failed or answered an error",
                                      ["peer", "msg_type", "error"], registry=r),
                "auth_failures": Counter("slurmrestd_auth_failures", "Requests refused by authentication",
                                         ["reason"], registry=r),
                "cors_refused": Counter("slurmrestd_cors_refused",
                                        "Cross-origin requests from an origin or with a method that is not "
                                        "allowed", registry=r),
            }
            prom["in_flight"].set_function(self._in_flight_now)
            r.register(self._live)
            pending, self._pending = self._pending or (), None
            self._prom = prom
        for event, args in pending:
            getattr(self, event)(*args)
        return prom

    def _defer(self, event: str, args: tuple) -> bool:
        """Keep an event while deferred; False when the real registry takes it now."""
        with self._lock:
            if self._pending is None:
                return False
            if len(self._pending) < DEFERRED_EVENTS_MAX:
                self._pending.append((event, args))
                return True
        self._build()
        return False

    def _metric(self, name: str) -> Any:
        prom = self._prom
        return (prom if prom is not None else self._build())[name]

    def _child(self, name: str, *labels: str) -> Any:
        key = (name, *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self._metric(name).labels(*labels)
        return child

    registry = property(lambda self: self._metric("registry"))
    requests = property(lambda self: self._metric("requests"))
    request_seconds = property(lambda self: self._metric("request_seconds"))
    in_flight = property(lambda self: self._metric("in_flight"))
    rpc_seconds = property(lambda self: self._metric("rpc_seconds"))
    rpc_errors = property(lambda self: self._metric("rpc_errors"))
    auth_failures = property(lambda self: self._metric("auth_failures"))
    cors_refused = property(lambda self: self._metric("cors_refused"))

    # -- watched state ----------------------------------------------------

    def watch_connections(self, manager: Any) -> None:
        """``manager.load()`` → {"open", "busy", "parked", "max_busy"} is read at scrape time."""
        with self._live._lock:
            self._live.connections = manager

    def watch_single_flight(self, flight: Any) -> None:
        with self._live._lock:
            self._live.single_flight = flight

    def watch_cache(self, name: str, cache: Any) -> None:
        with self._live._lock:
            self._live.caches[name] = cache

    def watch_dbd_pool(self, pool: Any) -> None:
        with self._live._lock:
            self._live.dbd_pool = pool

    def watch_offload(self, offload: Any) -> None:
        with self._live._lock:
            self._live.offload = offload

    # -- events -----------------------------------------------------------

    def rpc_done(self, peer: str, msg_type: str, seconds: float, rc: int) -> None:
        """``rpc.observe.RpcObserver``: one exchange with slurmctld or slurmdbd."""
        if self._prom is None and self._defer("rpc_done", (peer, msg_type, seconds, rc)):
            return
        self._child("rpc_seconds", peer, msg_type).observe(seconds)
        if rc:
            self._child("rpc_errors", peer, msg_type, error_label(rc)).inc()

    def request_done(self, method: str, path: str | None, status: int, seconds: float) -> None:
        if self._prom is None and self._defer("request_done", (method, path, status, seconds)):
            return
        method = method if method in METHODS else "other"
        path = path or UNMATCHED
        self._child("requests", method, path, str(status)).inc()
        self._child("request_seconds", method, path).observe(seconds)

    def auth_failed(self, errno: int) -> None:
        if self._prom is None and self._defer("auth_failed", (errno,)):
            return
        self.auth_failures.labels(error_label(errno)).inc()

    def track_in_flight(self) -> Callable[[], None]:
        """Count one request in flight; call what it returns (once) when the request ends."""
        next(self._started)
        return self._end_one

    def _end_one(self) -> None:
        next(self._ended)

    def _in_flight_now(self) -> float:
        """Requests started and not ended: the ended count read between two reads of the
        started count that agree (no request started in between), so every request counted
        as ended was counted as started and the value is a true snapshot."""
        started = _peek(self._started)
        for _ in range(100):
            ended = _peek(self._ended)
            again = _peek(self._started)
            if again == started:
                return float(started - ended)
            started = again
        return float(max(0, started - ended))  # requests start too fast to catch still: close

    # -- exposition ---------------------------------------------------------

    def exposition(self) -> bytes:
        """The Prometheus text format of everything in the registry."""
        from prometheus_client.exposition import generate_latest

        return generate_latest(self._build()["registry"])
