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
