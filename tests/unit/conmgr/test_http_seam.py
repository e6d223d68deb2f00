"""HttpSession over the connection manager: it asks, the manager flushes afterwards."""

from __future__ import annotations

import contextlib
import socket
import threading

import pytest
from conmgr_harness import Harness, read_available, recv_until_eof

from slurmrestd.http.server import Deferred, HttpSession, Response


class TracedSession(HttpSession):
    """An HttpSession that notes a callback (or connection_lost) run inside another one."""

    __slots__ = ("depth", "reentered", "lost", "requests")

    def __init__(self, conn, limits) -> None:
        super().__init__(conn, self._app, limits)
        self.depth = 0
        self.reentered: list[str] = []
        self.lost = 0
        self.requests: list[str] = []

    def _app(self, request, conn) -> Response:
        self.requests.append(request.path)
        return Response(200, b"ok:" + request.path.encode(), "text/plain")

    def _traced(name, entry_point=True):
        def call(self, *args):
            if entry_point and self.depth:
                self.reentered.append(name)
            self.depth += 1
            try:
                return getattr(HttpSession, name)(self, *args)
            finally:
                self.depth -= 1
        return call

    data_received = _traced("data_received")
    eof_received = _traced("eof_received")
    request_timed_out = _traced("request_timed_out")
    _finish = _traced("_finish")  # a worker's follow-up: entered from the loop
    _fail = _traced("_fail", entry_point=False)  # called from inside the others
    del _traced

    def connection_lost(self, conn) -> None:
        if self.depth:
            self.reentered.append("connection_lost")
        self.lost += 1
        super().connection_lost(conn)


def _factory(sessions, limits):
    def make(conn):
        sessions.append(TracedSession(conn, limits))
        return sessions[-1]
    return make


@pytest.fixture
def http_harness(limits, tmp_path):
    sessions: list[TracedSession] = []
    h = Harness(limits, 8, "unix:%s" % (tmp_path / "http.sock"))
    h.manager.protocol_factory = _factory(sessions, limits)
    h.pool.auto = True
    yield h, sessions
    h.close()
    for s in sessions:
        assert not s.reentered, s.reentered
        assert s.lost == 1


def _serve(h, c, data: bytes) -> bytes:
    if data:
        c.sendall(data)
    return recv_until_eof(c, h)


def test_connection_close_response_then_close(http_harness):
    h, sessions = http_harness
    c = h.connect()
    out = _serve(h, c, b"GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 200 ") and out.endswith(b"ok:/a")


def test_pipelined_requests_then_eof(http_harness):
    h, sessions = http_harness
    c = h.connect()
    c.sendall(b"GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n")
    c.shutdown(socket.SHUT_WR)
    out = _serve(h, c, b"")
    assert out.count(b"HTTP/1.1 200 ") == 2
    assert out.index(b"ok:/1") < out.index(b"ok:/2")
    assert sessions[0].requests == ["/1", "/2"]


def test_bad_request_fails_once_and_closes(http_harness):
    h, sessions = http_harness
    c = h.connect()
    out = _serve(h, c, b"NOT HTTP\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 400 ")
    assert sessions[0].failed


def test_request_timeout_answers_408(http_harness, limits):
    h, sessions = http_harness
    c = h.connect()
    c.sendall(b"GET /slow HTTP/1.1\r\nHost")
    h.until(lambda: sessions and h.open_connections() and h.open_connections()[0].request_started)
    h.clock.advance(limits.request_timeout_s + 1)
    out = recv_until_eof(c, h)
    assert out.startswith(b"HTTP/1.1 408 ")


@contextlib.contextmanager
def _inet_mode(limits):
    """A manager serving one inet-mode connection (a socketpair): ``(harness, sessions, conn, peer)``."""
    sessions: list[TracedSession] = []
    h = Harness(limits, 8, "127.0.0.1:0")
    h.manager.protocol_factory = _factory(sessions, limits)
    h.pool.auto = True
    ours, theirs = socket.socketpair()
    try:
        yield h, sessions, h.manager.add_inet(ours.fileno(), ours.fileno()), theirs
    finally:
        h.close()
        ours.close()
        theirs.close()


def test_inet_mode_failure_sets_the_exit_status(limits):
    with _inet_mode(limits) as (h, sessions, conn, theirs):
        theirs.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n")
        h.until(lambda: conn.closed)
        assert theirs.recv(4096).startswith(b"HTTP/1.1 400 ")
        assert h.manager.inet_failed
        assert not sessions[0].reentered and sessions[0].lost == 1


def test_inet_mode_success_is_not_a_failure(limits):
    with _inet_mode(limits) as (h, sessions, conn, theirs):
        theirs.sendall(b"GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        h.until(lambda: conn.closed)
        assert theirs.recv(4096).endswith(b"ok:/x")
        assert not h.manager.inet_failed
        assert not sessions[0].reentered and sessions[0].lost == 1


class DeferredSession(HttpSession):
    """Answers /later with a Deferred that the test resolves (as a parked coalesced request)."""

    __slots__ = ("pending",)

    def __init__(self, conn, limits, pending) -> None:
        super().__init__(conn, self._app, limits)
        self.pending = pending

    def _app(self, request, conn):
        if request.path != "/later":
            return Response(200, b"now", "text/plain")
        d = Deferred()
        self.pending.append(d)
        return d


def test_deferred_answer_frees_the_worker_and_keeps_the_connection_busy(limits, tmp_path):
    pending: list[Deferred] = []
    h = Harness(limits, 8, "unix:%s" % (tmp_path / "d.sock"))
    h.manager.protocol_factory = lambda conn: DeferredSession(conn, limits, pending)
    h.pool.auto = True
    try:
        c = h.connect()
        c.sendall(b"GET /later HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n")
        h.until(lambda: pending)
        h.turn(5)
        conn = h.open_connections()[0]
        assert not conn.busy and not conn.is_idle()    # no worker, but a request in flight
        assert read_available(c) == b""                 # nothing written yet, /next not started
        h.clock.advance(limits.idle_timeout_s + limits.request_timeout_s + 1)
        h.turn(2)
        assert h.open_connections() == [conn]           # a parked request is not idle: kept
        threading.Thread(target=pending[0].resolve, args=(Response(200, b"later", "text/plain"),)).start()
        out = b""
        for _ in range(200):
            h.turn()
            out += read_available(c)
            if out.count(b"HTTP/1.1 200") == 2:
                break
        assert out.index(b"later") < out.index(b"now")  # in order, the pipelined one after
        c.close()
    finally:
        h.close()


def test_deferred_resolved_after_the_client_left(limits, tmp_path):
    pending: list[Deferred] = []
    h = Harness(limits, 8, "unix:%s" % (tmp_path / "d.sock"))
    h.manager.protocol_factory = lambda conn: DeferredSession(conn, limits, pending)
    h.pool.auto = True
    try:
        c = h.connect()
        c.sendall(b"GET /later HTTP/1.1\r\nHost: x\r\n\r\n")
        h.until(lambda: pending)
        c.close()
        h.turn(3)
        assert len(h.open_connections()) == 1  # EOF seen; the answer is still due
        pending[0].resolve(Response(200, b"late", "text/plain"))
        h.until(lambda: not h.open_connections())  # written (or not) and closed, no error
    finally:
        h.close()


class BigBodySession(TracedSession):
    """Answers /big with a body large enough to be queued apart from its head."""

    __slots__ = ()

    def _app(self, request, conn) -> Response:
        self.requests.append(request.path)
        if request.path == "/big":
            return Response(200, bytes(range(256)) * 1024, "application/octet-stream")
        if request.path == "/big204":
            return Response(204, b"x" * 200000)
        if request.path in ("/pieces", "/small-pieces"):  # a shared answer's pieces
            body = bytes(range(256)) * (1024 if request.path == "/pieces" else 1)
            return Response(200, memoryview(body)[:1000], "application/octet-stream",
                            body_tail=(memoryview(body)[1000:], b"-end"))
        return super()._app(request, conn)


def _serve_big_bodies(limits, sock_path, raw: bytes) -> bytes:
    """``raw`` sent to a BigBodySession on a fresh harness; everything it answered."""
    h = Harness(limits, 8, "unix:%s" % sock_path)
    h.manager.protocol_factory = lambda conn: BigBodySession(conn, limits)
    h.pool.auto = True
    try:
        return _serve(h, h.connect(), raw)
    finally:
        h.close()


def test_a_big_body_goes_out_after_its_head_exactly_as_one_block(limits, tmp_path):
    from slurmrestd.http.response import build_response
    out = _serve_big_bodies(limits, tmp_path / "big.sock",
                            b"GET /big HTTP/1.1\r\nHost: x\r\n\r\nHEAD /big HTTP/1.1\r\nHost: x\r\n\r\n"
                            b"GET /big204 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    body = bytes(range(256)) * 1024
    want = build_response(200, body, "application/octet-stream") + \
        build_response(200, body, "application/octet-stream", head=True) + \
        build_response(204, b"", close=True)
    assert out == want


def test_a_body_in_pieces_goes_out_as_the_joined_body(limits, tmp_path):
    from slurmrestd.http.response import build_response
    out = _serve_big_bodies(limits, tmp_path / "pieces.sock",
                            b"GET /pieces HTTP/1.1\r\nHost: x\r\n\r\nHEAD /pieces HTTP/1.1\r\nHost: x\r\n\r\n"
                            b"GET /small-pieces HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    big, small = bytes(range(256)) * 1024 + b"-end", bytes(range(256)) + b"-end"
    want = build_response(200, big, "application/octet-stream") + \
        build_response(200, big, "application/octet-stream", head=True) + \
        build_response(200, small, "application/octet-stream", close=True)
    assert out == want
