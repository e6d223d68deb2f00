"""Inline requests: work run in a fiber on the loop thread (``conmgr.fibers``).

A real connection manager runs on a thread of its own with a real clock; the
"controller" is a listening socket of the test that answers when told to, or never.
The socket code is the RPC layer's own (``rpc.frames``).
"""

from __future__ import annotations

import select
import socket
import threading
import time
from dataclasses import replace

import pytest

from slurmrestd.conmgr import ConnectionManager, Protocol, WorkerPool
from slurmrestd.conmgr.listen import open_listeners
from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc import frames
from slurmrestd.settings import Limits


class Controller:
    """A TCP server that reads a request and answers a 4-byte frame when ``answer`` is set."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.answer = threading.Event()
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(c)
            threading.Thread(target=self._one, args=(c,), daemon=True).start()

    def _one(self, c: socket.socket) -> None:
        try:
            c.recv(100)
            self.answer.wait()
            c.sendall(b"\x00\x00\x00\x02ok")
        except OSError:
            pass

    def close(self) -> None:
        self.sock.close()
        for c in self.accepted:
            c.close()


class Lines(Protocol):
    """``echo X`` answers X at once; ``rpc PORT TIMEOUT`` runs an inline exchange with the
    controller and answers its reply (or the error); ``sleep S`` sleeps inline."""

    threads: list[str] = []

    def data_received(self, conn) -> None:
        while b"\n" in conn.inbuf:
            line, _, rest = bytes(conn.inbuf).partition(b"\n")
            conn.inbuf[:] = rest
            cmd, *args = line.decode().split()
            if cmd == "echo":
                conn.write(args[0].encode() + b"\n")
            elif cmd == "rpc":
                conn.submit(self._rpc(conn, int(args[0]), float(args[1])), inline=True)
            elif cmd == "sleep":
                conn.submit(self._sleep(conn, float(args[0])), inline=True)

    def _rpc(self, conn, port: int, timeout: float):
        def work():
            Lines.threads.append(threading.current_thread().name)
            try:
                s = frames.connect("127.0.0.1", port, timeout)
                try:
                    reply = frames.exchange(s, b"\x00\x00\x00\x01x", timeout).decode()
                finally:
                    s.close()
            except SlurmError as e:
                reply = "error %d" % e.errno
            except OSError as e:
                reply = "oserror %s" % e.errno
            return lambda: conn.write(reply.encode() + b"\n")
        return work

    def _sleep(self, conn, seconds: float):
        def work():
            t0 = time.monotonic()
            frames.sleep(seconds)
            took = time.monotonic() - t0
            return lambda: conn.write(b"slept %.1f\n" % took)
        return work


@pytest.fixture
def served(tmp_path):
    made = []

    def start(inline: bool = True):
        limits = replace(Limits(), idle_timeout_s=30.0)
        listener = open_listeners("127.0.0.1:0")[0]
        pool = WorkerPool(1)
        mgr = ConnectionManager(limits, 8, pool, lambda conn: Lines(), inline=inline)
        mgr.add_listener(listener)
        t = threading.Thread(target=mgr.run, name="loop", daemon=True)
        t.start()
        made.append((mgr, t, pool))
        return mgr, listener.sock.getsockname()[1]

    Lines.threads = []
    yield start
    for mgr, t, pool in made:
        mgr.request_stop("test")
        t.join(5)
        pool.shutdown(1)


def client(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    return s


def line(s: socket.socket) -> str:
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(100)
        if not chunk:
            break
        buf += chunk
    return buf.decode().strip()


def test_inline_work_runs_on_the_loop_thread(served):
    ctl = Controller()
    ctl.answer.set()
    try:
        mgr, port = served()
        c = client(port)
        for _ in range(3):
            c.sendall(b"rpc %d 5\n" % ctl.port)
            assert line(c) == "ok"
        assert Lines.threads == ["loop"] * 3
        assert mgr.fibers.running == 0
        assert len(mgr.fibers._idle) == 1  # the one fiber is reused
    finally:
        ctl.close()


def test_without_fibers_inline_work_goes_to_a_worker(served):
    ctl = Controller()
    ctl.answer.set()
    try:
        mgr, port = served(inline=False)
        c = client(port)
        c.sendall(b"rpc %d 5\n" % ctl.port)
        assert line(c) == "ok"
        assert mgr.fibers is None
        assert Lines.threads == ["worker-0"]
    finally:
        ctl.close()


def test_a_waiting_inline_request_does_not_stall_the_loop(served):
    ctl = Controller()  # never answers until told
    try:
        _, port = served()
        slow = [client(port) for _ in range(3)]
        for s in slow:
            s.sendall(b"rpc %d 5\n" % ctl.port)
        time.sleep(0.2)
        other = client(port)
        other.sendall(b"echo hello\n")
        # answered while the controller still holds every slow request: the loop is free
        assert line(other) == "hello"
        assert select.select(slow, [], [], 0)[0] == []
        ctl.answer.set()
        assert [line(s) for s in slow] == ["ok"] * 3
    finally:
        ctl.close()


def test_an_inline_reply_deadline_is_the_rpc_timeout(served):
    ctl = Controller()
    try:
        _, port = served()
        c = client(port)
        t0 = time.monotonic()
        c.sendall(b"rpc %d 0.5\n" % ctl.port)
        other = client(port)
        other.sendall(b"echo still-served\n")
        assert line(other) == "still-served"
        assert line(c) == "error %d" % E.SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT
        assert 0.4 < time.monotonic() - t0 < 30.0
    finally:
        ctl.close()


def test_an_inline_connect_to_nobody_fails_as_a_blocking_one(served):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    closed_port = s.getsockname()[1]
    s.close()
    _, port = served()
    c = client(port)
    c.sendall(b"rpc %d 1\n" % closed_port)
    assert line(c) == "oserror %d" % 111  # ECONNREFUSED, as socket.connect raises it


def test_an_inline_sleep_leaves_the_loop_free(served):
    _, port = served()
    c = client(port)
    c.sendall(b"sleep 2.0\n")
    other = client(port)
    other.sendall(b"echo awake\n")
    # answered while the sleeper still sleeps (an order, not a time: a loaded machine may be slow)
    assert line(other) == "awake"
    assert select.select([c], [], [], 0)[0] == []
    slept = float(line(c).split()[1])
    assert slept >= 1.9


def test_frames_outside_a_fiber_still_block_with_timeouts():
    ctl = Controller()
    try:
        s = frames.connect("127.0.0.1", ctl.port, 1)
        with pytest.raises(SlurmError) as err:
            frames.exchange(s, b"\x00\x00\x00\x01x", 0.3)
        assert err.value.errno == E.SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT
        assert s.gettimeout() != 0.0  # a blocking socket with a timeout, as before
        s.close()
    finally:
        ctl.close()
