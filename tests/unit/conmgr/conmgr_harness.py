"""A connection manager on real sockets, driven one loop turn at a time (test helper).

No cluster and no HTTP: ``LineProtocol`` is a tiny line-based protocol, the
clock is fake (deadlines pass by moving it, not by sleeping) and the worker pool
runs work only when the test says so.
"""

from __future__ import annotations

import socket

from slurmrestd.conmgr import Connection, ConnectionManager, Protocol
from slurmrestd.conmgr.listen import open_listeners
from slurmrestd.settings import Limits


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class ManualPool:
    """A worker pool whose work runs when ``release()`` is called (on the test thread).

    With ``auto`` set, work runs at once instead; its follow-up still goes through
    ``call_soon`` and runs on a later loop turn, as with real workers.
    """

    size = 1

    def __init__(self) -> None:
        self.queued: list = []
        self.auto = False

    def submit(self, work) -> None:
        if self.auto:
            work()
        else:
            self.queued.append(work)

    def release(self) -> None:
        queued, self.queued = self.queued, []
        for work in queued:
            work()

    def shutdown(self, timeout=None) -> None:
        self.queued.clear()


class LineProtocol(Protocol):
    """One command per line.

    ``echo TEXT`` answers TEXT; ``big N`` answers N bytes of ``x``; ``work`` answers
    ``done`` from a worker; ``park`` waits, without a worker, for the test to call
``_work_done`` through ``conn.call_soon``; ``quit`` closes after writing; ``fail`` reports a failure
    and closes.  It records every callback and notes any re-entry: a protocol method
    called while another one is still running.
    """

    __slots__ = ("events", "pending_work", "active", "reentered")

    def __init__(self) -> None:
        self.events: list[str] = []
        self.pending_work = 0
        self.active: str | None = None
        self.reentered: list[tuple[str, str]] = []

    def _enter(self, name: str) -> None:
        if self.active is not None:
            self.reentered.append((self.active, name))
        self.events.append(name)
        self.active = name

    def _leave(self) -> None:
        self.active = None

    def data_received(self, conn: Connection) -> None:
        self._enter("data")
        try:
            if self.pending_work:
                return  # one command at a time, like HttpSession
            self._run_lines(conn)
        finally:
            self._leave()

    def _run_lines(self, conn: Connection) -> None:
        while not self.pending_work and not conn.closing:
            nl = conn.inbuf.find(b"\n")
            if nl < 0:
                if conn.inbuf:
                    conn.begin_request()
                return
            line = bytes(conn.inbuf[:nl]).decode()
            del conn.inbuf[:nl + 1]
            conn.end_request()
            cmd, _, arg = line.partition(" ")
            if cmd == "echo":
                conn.write(arg.encode() + b"\n")
            elif cmd == "big":
                conn.write(b"x" * int(arg))
            elif cmd == "quit":
                conn.write(b"bye\n")
                conn.close_after_write()
            elif cmd == "fail":
                conn.report_failure()
                conn.close_after_write()
            elif cmd == "work":
                self.pending_work += 1
                conn.submit(lambda: lambda: self._work_done(conn))
            elif cmd == "park":  # answered later by the test through conn.call_soon, no worker
                self.pending_work += 1

    def _work_done(self, conn: Connection) -> None:
        self._enter("work_done")
        try:
            self.pending_work -= 1
            conn.write(b"done\n")
            self._run_lines(conn)  # commands that arrived meanwhile
        finally:
            self._leave()

    def eof_received(self, conn: Connection) -> None:
        self._enter("eof")
        try:
            if not self.pending_work:
                conn.close_after_write()
        finally:
            self._leave()

    def request_timed_out(self, conn: Connection) -> None:
        self._enter("timeout")
        try:
            conn.write(b"timeout\n")
            conn.report_failure()
            conn.close_after_write()
        finally:
            self._leave()

    def connection_lost(self, conn: Connection) -> None:
        self._enter("lost")
        self._leave()

    def is_idle(self) -> bool:
        return not self.pending_work


class Harness:
    """A manager with one loopback listener, plus helpers to drive it."""

    def __init__(self, limits: Limits, max_connections: int, spec: str) -> None:
        self.clock = FakeClock()
        self.pool = ManualPool()
        self.protocols: list[LineProtocol] = []
        self.manager = ConnectionManager(limits, max_connections, self.pool, self._new_protocol,
                                         clock=self.clock)
        self.listener = open_listeners(spec)[0]
        self.manager.add_listener(self.listener)
        self.clients: list[socket.socket] = []

    def _new_protocol(self, conn: Connection) -> LineProtocol:
        proto = LineProtocol()
        self.protocols.append(proto)
        return proto

    def connect(self, rcvbuf: int | None = None) -> socket.socket:
        family = socket.AF_UNIX if self.listener.unix_path else self.listener.sock.family
        c = socket.socket(family, socket.SOCK_STREAM)
        if rcvbuf is not None:
            c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        c.connect(self.listener.unix_path or self.listener.sock.getsockname())
        c.settimeout(2.0)
        self.clients.append(c)
        return c

    def turn(self, n: int = 1, timeout: float = 0.01) -> None:
        for _ in range(n):
            self.manager.run_once(timeout)

    def until(self, cond, turns: int = 200) -> None:
        """Run loop turns until ``cond()`` holds (fails the test after ``turns``)."""
        for _ in range(turns):
            if cond():
                return
            self.manager.run_once(0.01)
        assert cond(), "condition not reached"

    def open_connections(self) -> list[Connection]:
        return list(self.manager.connections.values())

    def interest(self, conn: Connection) -> int:
        """The selector events the manager currently wants for ``conn``."""
        return self.manager._fd_events.get(conn.rfd, 0)

    def listening(self) -> bool:
        try:
            self.manager.selector.get_key(self.listener.sock)
        except (KeyError, ValueError):  # ValueError: the listener is closed
            return False
        return True

    def close(self) -> None:
        for c in self.clients:
            c.close()
        for conn in self.open_connections():
            self.manager.close(conn)
        self.manager._shutdown()
        self.listener.close()


def recv_exactly(sock: socket.socket, n: int, harness: Harness | None = None) -> bytes:
    """Read n bytes, turning the loop while waiting when a harness is given."""
    out = bytearray()
    sock.setblocking(False)
    try:
        for _ in range(2000):
            try:
                chunk = sock.recv(n - len(out))
            except BlockingIOError:
                chunk = None
            if chunk == b"":
                break
            if chunk:
                out += chunk
                if len(out) >= n:
                    break
            if harness is not None:
                harness.turn()
    finally:
        sock.setblocking(True)
    return bytes(out)


def read_available(sock: socket.socket) -> bytes:
    """Everything the kernel holds for ``sock`` right now."""
    out = bytearray()
    sock.setblocking(False)
    try:
        while True:
            try:
                chunk = sock.recv(1 << 20)
            except BlockingIOError:
                return bytes(out)
            if not chunk:
                return bytes(out)
            out += chunk
    finally:
        sock.setblocking(True)


def recv_until_eof(sock: socket.socket, harness: Harness) -> bytes:
    out = bytearray()
    sock.setblocking(False)
    try:
        for _ in range(2000):
            try:
                chunk = sock.recv(65536)
            except BlockingIOError:
                harness.turn()
                continue
            if not chunk:
                return bytes(out)
            out += chunk
    finally:
        sock.setblocking(True)
    raise AssertionError("no EOF; got %r" % bytes(out[-100:]))
