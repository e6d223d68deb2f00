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
