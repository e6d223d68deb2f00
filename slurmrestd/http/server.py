"""HTTP/1.1 over a conmgr connection.

``HttpSession`` is the conmgr protocol for one connection: on the loop thread
it feeds bytes to the sans-I/O ``RequestParser``; each complete request goes to
a worker, which calls the application (the router) and returns the response
bytes; back on the loop thread the response is queued and, for keep-alive
connections, the next pipelined request is parsed.  One request per
connection is in flight at a time, so responses keep request order.

Every protocol error ends in exactly one error response and a close.

The application may answer later: it returns a ``Deferred`` and resolves it from
any thread (a request parked until a shared execution ends, ``operations/coalesce``).
The worker is then free at once; the connection stays busy, and the response is
written when the ``Deferred`` resolves.

The session only asks its connection for things (write, close after writing,
report a failure); the connection manager carries them out once the callback
returns, so ``connection_lost`` never runs inside another session method.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Callable, Union

from slurmrestd.conmgr.connection import Connection, Protocol
from slurmrestd.conmgr.tls_record import looks_like_tls
from slurmrestd.http.events import NEED_DATA, ContinueExpected, Request
from slurmrestd.http.parser import HttpError, RequestParser
from slurmrestd.http.response import build_continue, build_response, error_response
from slurmrestd.settings import Limits

log = logging.getLogger("slurmrestd.http")


@dataclass
class Response:
    """What the application returns for one request."""

    status: int
    body: bytes = b""
    content_type: str | None = None
    #: Close the connection after this response.
    close: bool = False
    headers: list[tuple[str, str]] = field(default_factory=list)
    #: The rest of the body, sent after ``body`` as it is (a shared answer's pieces: no
    #: joined copy of a big body per client).
    body_tail: tuple = ()


class Deferred:
    """A response another thread will produce: ``resolve`` it exactly once, from any thread."""

    __slots__ = ("_lock", "_response", "_callback", "_event")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._response: Response | None = None
        self._callback: Callable[[Response], None] | None = None
        self._event: threading.Event | None = None

    def resolve(self, response: Response) -> None:
        with self._lock:
            if self._response is not None:
                raise RuntimeError("Deferred resolved twice")
            self._response = response
            callback, event = self._callback, self._event
        if event is not None:
            event.set()
        if callback is not None:
            callback(response)

    def then(self, callback: Callable[[Response], None]) -> None:
        """Call ``callback(response)`` once resolved: at once if it already is, else on the
        resolving thread."""
        with self._lock:
            response = self._response
            if response is None:
                self._callback = callback
                return
        callback(response)

    def peek(self) -> Response | None:
        """The response if already resolved, else None."""
        with self._lock:
            return self._response

    def wait(self, timeout: float | None = None) -> Response:
        """Block until resolved (for callers without a loop: tests, profiling scripts)."""
        with self._lock:
            if self._response is not None:
                return self._response
            if self._event is None:
                self._event = threading.Event()
            event = self._event
        if not event.wait(timeout):
            raise TimeoutError("response not produced in time")
        return self._response  # type: ignore[return-value]


#: The application: called on a worker thread with the request and its connection; a
#: ``Deferred`` answer is resolved later, from any thread.
App = Callable[[Request, Connection], Union[Response, Deferred]]


#: Bodies from this size on are queued after their head instead of joined to it.
_SEPARATE_BODY = 64 * 1024


class HttpSession(Protocol):
    __slots__ = ("app", "parser", "in_flight", "peer_eof", "eof_fed", "failed", "runs_inline")

    def __init__(self, conn: Connection, app: App, limits: Limits, require_host: bool = True) -> None:
        self.app = app
        #: ``app.runs_inline(request, conn)``: the request may run on the loop thread
        #: (``conmgr.fibers``); None: always on a worker.
        self.runs_inline = getattr(app, "runs_inline", None)
        self.parser = RequestParser(limits, require_host=require_host)
        self.in_flight = False
        self.peer_eof = False
        self.eof_fed = False
        self.failed = False

    # -- conmgr protocol -------------------------------------------------

    def data_received(self, conn: Connection) -> None:
        if not self.in_flight and not self.failed:
            self._pump(conn)

    def eof_received(self, conn: Connection) -> None:
        self.peer_eof = True
        if self.in_flight or self.failed:
            return
        self._pump(conn)
        if not self.in_flight and not conn.closed and not self.failed:
            conn.close_after_write()

    def connection_lost(self, conn: Connection) -> None:
        self.app = _closed_app

    def is_idle(self) -> bool:
        return (not self.in_flight and not self.failed
                and self.parser.at_request_boundary and self.parser.buffered_bytes == 0)

    def request_timed_out(self, conn: Connection) -> None:
        self._fail(conn, HttpError(408, 0, "Request not received in time"))

    # -- internals -------------------------------------------------------

    def _pump(self, conn: Connection) -> None:
        """Parse as far as possible; start at most one request."""
        if conn.inbuf:
            if self.parser.at_request_boundary:
                if looks_like_tls(conn.inbuf) and self.parser.buffered_bytes == 0:
                    self._tls_on_plain(conn)
                    return
                conn.begin_request()
            self.parser.receive_data(bytes(conn.inbuf))
            conn.inbuf.clear()
        if self.peer_eof and not self.eof_fed:
            self.eof_fed = True
            self.parser.receive_data(b"")
        while True:
            try:
                event = self.parser.next_event()
            except HttpError as err:
                self._fail(conn, err)
                return
            if event is NEED_DATA:
                if self.parser.at_request_boundary and self.parser.buffered_bytes == 0:
                    conn.end_request()
                else:
                    # Part of a request is in (maybe read ahead behind the previous one):
                    # its deadlines run from now at the latest.
                    conn.begin_request()
                    if self.parser.head_complete:
                        conn.head_received()
                return
            if isinstance(event, ContinueExpected) or event is ContinueExpected:
                conn.write(build_continue(self.parser.version or "1.1"))
                continue
            if isinstance(event, Request):
                conn.end_request()
                if "host" not in event.headers and event.version == "1.1":
                    log.debug("[%s] %s %s without a Host header: accepted (%s)", conn.name, event.method,
                              event.target, "absolute-form target" if not event.target.startswith(("/", "*")) else "inet mode")
                self._start(conn, event)
                return
            return  # PAUSED or closed: wait for the response to be written

    def _start(self, conn: Connection, request: Request) -> None:
        self.in_flight = True
        app = self.app

        def serialize(resp: Response) -> tuple[tuple[bytes, ...], bool]:
            close = resp.close or not request.keep_alive
            head_only = request.method == "HEAD"
            tail = resp.body_tail
            more = sum(len(part) for part in tail) if tail else 0
            # a big body is queued as it is, after its head: no joined copy of it
            apart = (len(resp.body) >= _SEPARATE_BODY or tail) and not head_only and resp.status >= 200 \
                and resp.status not in (204, 304)
            data = build_response(resp.status, resp.body, resp.content_type, version=request.version,
                                  close=close, head=head_only or apart, extra_headers=resp.headers,
                                  more=more)
            return ((data, resp.body) + tail if apart else (data,)), close

        def later(resp: Response) -> None:  # any thread: the answer of a parked request
            data, close = serialize(resp)
            conn.call_soon(lambda: self._finish(conn, data, close))

        def work() -> Callable[[], None] | None:
            try:
                resp = app(request, conn)
            except Exception:
                log.exception("[%s] %s %s failed", conn.name, request.method, request.path)
                resp = Response(500, b"Unexpected internal error", "text/plain", close=True)
            if isinstance(resp, Deferred):
                ready = resp.peek()
                if ready is None:
                    resp.then(later)  # the worker is free; the session stays in flight
                    return None
                resp = ready
            data, close = serialize(resp)
            return lambda: self._finish(conn, data, close)

        inline = self.runs_inline
        conn.submit(work, inline=inline is not None and inline(request, conn))

    def _finish(self, conn: Connection, data: tuple[bytes, ...], close: bool) -> None:
        self.in_flight = False
        for chunk in data:
            conn.write(chunk)
        if close or conn.draining:
            # Bytes of a next request already read would otherwise turn the close into a reset.
            conn.close_after_write(linger=self.parser.buffered_bytes > 0)
            return
        self.parser.start_next_request()
        self._pump(conn)  # a pipelined request may already be buffered
        if self.peer_eof and not self.in_flight and not conn.closed:
            conn.close_after_write()

    def _tls_on_plain(self, conn: Connection) -> None:
        """A TLS ClientHello on a plain-HTTP listener: an HTTP answer would only be noise
        to the client's TLS stack, so log it and close."""
        self.failed = True
        conn.report_failure()
        log.info("[%s] TLS handshake sent to a plain HTTP listener: closing (use an https:// listen "
                 "address for TLS)", conn.name)
        conn.inbuf.clear()
        conn.close_after_write()

    def _fail(self, conn: Connection, err: HttpError) -> None:
        if self.failed:
            return
        self.failed = True
        conn.report_failure()
        log.info("[%s] rejecting request: %d %s", conn.name, err.status, err.message)
        conn.write(error_response(err, self.parser.version or "1.1"))
        conn.close_after_write()


def _closed_app(request: Request, conn: Connection) -> Response:
    return Response(503, b"", None, close=True)
