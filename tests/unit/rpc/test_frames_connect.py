"""frames.connect: address literals skip the resolver, names go through it; both connect."""

import socket

import pytest

from slurmrestd.rpc import frames


def test_literals_are_not_resolved(monkeypatch):
    def no_resolver(*a, **k):
        raise AssertionError("getaddrinfo called for a literal")
    monkeypatch.setattr(frames.socket, "getaddrinfo", no_resolver)
    assert frames._addresses("127.0.0.1", 6817) == [
        (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("127.0.0.1", 6817))]
    assert frames._addresses("::1", 6817)[0][0] == socket.AF_INET6
    assert frames._addresses("::1", 6817)[0][4] == ("::1", 6817, 0, 0)


def test_names_are_resolved():
    assert frames._addresses("localhost", 6817) == socket.getaddrinfo("localhost", 6817, 0, socket.SOCK_STREAM)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_connect_to_a_listener(host):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    try:
        s = frames.connect(host, srv.getsockname()[1], 2.0)
        s.close()
    finally:
        srv.close()


class _Fiber:
    """Stands for a conmgr fiber: records each wait and answers it with ``ready``."""

    def __init__(self, ready: bool = True) -> None:
        self.waits: list[tuple] = []
        self.ready = ready

    def wait_io(self, fd, write, timeout):
        self.waits.append((fd, write, timeout))
        return self.ready


def test_a_connect_done_at_once_does_not_wait():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    s = socket.socket()
    try:
        fiber = _Fiber()
        frames._connect_in_fiber(fiber, s, srv.getsockname(), 2.0)
        assert fiber.waits == []  # loopback: the handshake is over when connect returns
        assert s.getpeername() == srv.getsockname()
    finally:
        s.close()
        srv.close()


def test_a_refused_connect_still_waits_and_fails():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    closed = srv.getsockname()
    srv.close()
    s = socket.socket()
    try:
        fiber = _Fiber()
        with pytest.raises(OSError) as err:
            frames._connect_in_fiber(fiber, s, closed, 2.0)
        assert err.value.errno == 111  # ECONNREFUSED, from SO_ERROR after the wait
        assert len(fiber.waits) == 1 and fiber.waits[0][1] is True
    finally:
        s.close()


def test_a_pending_connect_waits_for_its_timeout(monkeypatch):
    monkeypatch.setattr(frames, "_connected", lambda s: False)  # as a remote controller still answering
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    s = socket.socket()
    try:
        fiber = _Fiber(ready=False)
        with pytest.raises(socket.timeout):
            frames._connect_in_fiber(fiber, s, srv.getsockname(), 1.5)
        assert fiber.waits == [(s.fileno(), True, 1.5)]
    finally:
        s.close()
        srv.close()


def test_a_fiber_socket_is_created_non_blocking(monkeypatch):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    fiber = _Fiber()
    monkeypatch.setattr(frames, "_fiber", lambda: fiber)
    calls = []
    real = socket.socket.setblocking
    monkeypatch.setattr(socket.socket, "setblocking", lambda self, flag: calls.append(flag) or real(self, flag))
    try:
        s = frames.connect("127.0.0.1", srv.getsockname()[1], 2.0)
        assert s.gettimeout() == 0.0 and calls == [] and fiber.waits == []
        s.close()
    finally:
        srv.close()


def test_no_fiber_while_greenlet_is_still_being_imported(monkeypatch):
    """The loop thread's first inline request imports greenlet; a worker's RPC meanwhile
    finds the module in sys.modules before its names exist, and must see no fiber."""
    import sys
    import types

    half = types.ModuleType("greenlet")  # what another thread's import leaves for a moment
    monkeypatch.setitem(sys.modules, "greenlet", half)
    assert frames._fiber() is None


class _CountingSocket(socket.socket):
    """A socket that counts its reads and the ones that found nothing."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.reads = 0
        self.empty_reads = 0

    def recv_into(self, *a):
        self.reads += 1
        try:
            return super().recv_into(*a)
        except BlockingIOError:
            self.empty_reads += 1
            raise


@pytest.mark.parametrize("spurious", [0, 1, 2])
def test_a_fiber_waits_for_the_reply_before_reading_it(monkeypatch, spurious):
    """After the send of a one-shot exchange the reply cannot be there yet: the fiber waits
    first instead of trying a read that fails.  A wait that wakes it with nothing to read
    (``spurious`` times) just waits again."""
    a, b = socket.socketpair()
    sock = _CountingSocket(fileno=a.detach())
    sock.setblocking(False)
    reply = b"\0\0\0\x05hello"

    class Peer(_Fiber):
        def wait_io(self, fd, write, timeout):
            super().wait_io(fd, write, timeout)
            if len(self.waits) > spurious:
                b.sendall(reply)  # slurmctld answers while the fiber waits
            return True

    fiber = Peer()
    try:
        got = frames._send_all(sock, b"\0\0\0\x02hi", 2.0, frames.SLURMCTLD, None, fiber)
        assert got is None and b.recv(100) == b"\0\0\0\x02hi"
        body = frames._recv_last_frame(sock, 1e18, frames.SLURMCTLD, lambda: 0.0, 1 << 20, "reply", fiber)
        assert body == b"hello"
        assert len(fiber.waits) == spurious + 1 and all(w[1] is False for w in fiber.waits)
        assert sock.empty_reads == spurious and sock.reads == spurious + 1
    finally:
        sock.close()
        b.close()


def _nodelay(s: socket.socket) -> int:
    return s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_a_one_message_connection_in_a_fiber_leaves_nodelay_to_the_send(monkeypatch):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    port = srv.getsockname()[1]
    try:
        plain = frames.connect("127.0.0.1", port, 2.0, one_message=True)
        assert _nodelay(plain)  # outside a fiber: set at once, as always
        plain.close()
        fiber = _Fiber()
        monkeypatch.setattr(frames, "_fiber", lambda: fiber)
        several = frames.connect("127.0.0.1", port, 2.0)
        assert _nodelay(several)  # a connection for several messages (slurmdbd's): set at once
        several.close()
        s = frames.connect("127.0.0.1", port, 2.0, one_message=True)
        try:
            assert not _nodelay(s)
            frames._send_in_fiber(fiber, s, b"x" * 100, 2.0)  # one write: left as it is
            assert not _nodelay(s) and fiber.waits == []
        finally:
            s.close()
    finally:
        srv.close()


class _ScriptedSocket:
    """The send side of a non-blocking socket whose buffer takes ``takes[i]`` bytes at the
    i-th write (0: EAGAIN); records every write and option in order."""

    def __init__(self, takes):
        self.takes = list(takes)
        self.events = []
        self.sent = bytearray()

    def gettimeout(self):
        return 0.0

    def fileno(self):
        return 99

    def setsockopt(self, level, opt, value):
        self.events.append(("setsockopt", level, opt, value))

    def send(self, view):
        take = self.takes.pop(0) if self.takes else len(view)
        self.events.append(("send", take))
        if not take:
            raise BlockingIOError
        self.sent += bytes(view[:take])
        return take


@pytest.mark.parametrize("takes", [[3], [1, 2], [0, 3], [1, 0, 0, 1, 1]])
def test_a_message_that_takes_several_writes_sets_nodelay_before_the_second(takes):
    sock = _ScriptedSocket(takes)
    fiber = _Fiber()
    frames._send_in_fiber(fiber, sock, b"abc", 2.0)
    assert bytes(sock.sent) == b"abc"
    nodelay = ("setsockopt", socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if takes == [3]:  # the whole message in one write: no option, no wait
        assert sock.events == [("send", 3)] and fiber.waits == []
    else:
        assert sock.events.count(nodelay) == 1 and sock.events.index(nodelay) == 1  # right after the first write
        sends = [e for e in sock.events if e[0] == "send"]
        assert len(fiber.waits) == len(sends) - 1 and all(w[:2] == (99, True) and 0 < w[2] <= 2.0 for w in fiber.waits)
