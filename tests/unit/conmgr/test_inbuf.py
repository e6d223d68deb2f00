"""conmgr.inbuf: reads into the loop's one buffer, from sockets and inet descriptors."""

from __future__ import annotations

import os
import socket

import pytest

from slurmrestd.conmgr.inbuf import InputReader


class Conn:
    def __init__(self, sock=None, rfd=None):
        self.sock = sock
        self.rfd = rfd


def test_a_socket_read_is_a_view_of_the_one_buffer_and_honours_room():
    a, b = socket.socketpair()
    r = InputReader(8)
    try:
        b.sendall(b"0123456789abc")
        first = r.read(Conn(a), room=100, tls_socket=())
        assert bytes(first) == b"01234567"  # at most the buffer's size
        kept = bytes(first)
        second = r.read(Conn(a), room=3, tls_socket=())  # at most the room left
        assert bytes(second) == b"89a" and kept == b"01234567"
        assert bytes(r.read(Conn(a), room=0, tls_socket=())) == b"b"  # no room: one byte, not zero
        b.close()
        assert bytes(r.read(Conn(a), room=100, tls_socket=())) == b"c"
        assert len(r.read(Conn(a), room=100, tls_socket=())) == 0  # end of file
    finally:
        a.close()


def test_an_inet_descriptor_and_a_would_block_socket():
    rfd, wfd = os.pipe()
    r = InputReader(1024)
    try:
        os.write(wfd, b"GET / HTTP/1.1\r\n")
        assert bytes(r.read(Conn(rfd=rfd), room=1024, tls_socket=())) == b"GET / HTTP/1.1\r\n"
        os.close(wfd)
        assert len(r.read(Conn(rfd=rfd), room=1024, tls_socket=())) == 0
    finally:
        os.close(rfd)
    a, b = socket.socketpair()
    a.setblocking(False)
    with pytest.raises(BlockingIOError):
        r.read(Conn(a), room=10, tls_socket=())
    a.close()
    b.close()


def test_a_tls_socket_is_read_with_what_openssl_holds():
    class FakeTls:
        def __init__(self, chunks):
            self.chunks = list(chunks)

        def recv(self, n):
            return self.chunks.pop(0)[:n] if self.chunks else b""

        def pending(self):
            return bool(self.chunks)

    r = InputReader(1024)
    got = r.read(Conn(FakeTls([b"ab", b"cd", b"ef"])), room=5, tls_socket=(FakeTls,))
    assert got == b"abcd" + b"e"  # pending bytes read up to the room, never past it
