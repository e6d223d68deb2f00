"""rpc.frames on socketpairs: exact reads under a deadline, frames, the
error numbers a Peer names (no Slurm needed)."""

import socket
import struct
import time

import pytest

from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc import frames
from slurmrestd.rpc.frames import SLURMCTLD

DBD_LIKE = frames.SLURMDBD


@pytest.fixture
def pair():
    a, b = socket.socketpair()
    yield a, b
    a.close()
    b.close()


def soon():
    return time.monotonic() + 5


class Clock:
    """A clock that moves only when told to."""

    def __init__(self, now=100.0):
        self.now = now

    def __call__(self):
        return self.now


def test_recv_exact_collects_pieces(pair):
    a, b = pair
    b.sendall(b"ab")
    b.sendall(b"cd")
    assert frames.recv_exact(a, 4, deadline=soon()) == b"abcd"


def test_recv_frame_reads_by_length_prefix(pair):
    a, b = pair
    b.sendall(struct.pack(">I", 3) + b"xyz" + b"next")
    assert frames.recv_frame(a, deadline=soon()) == b"xyz"
    assert a.recv(4) == b"next"


def test_deadline_already_passed_is_a_timeout(pair):
    a, b = pair
    b.sendall(b"abcd")
    clock = Clock()
    with pytest.raises(SlurmError) as ei:
        frames.recv_exact(a, 4, deadline=clock.now, clock=clock)
    assert ei.value.errno == E.SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT
    assert ei.value.description == "timed out waiting for slurmctld reply (0 of 4 bytes)"


def test_silence_until_the_deadline_is_a_timeout(pair):
    a, b = pair
    b.sendall(b"ab")
    with pytest.raises(SlurmError) as ei:
        frames.recv_exact(a, 4, deadline=time.monotonic() + 0.2, what="DBD_GET_USERS")
    assert ei.value.errno == E.SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT
    assert "slurmctld DBD_GET_USERS (2 of 4 bytes)" in ei.value.description


@pytest.mark.parametrize("peer,errno", [(SLURMCTLD, E.SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR),
                                        (DBD_LIKE, E.ESLURM_DB_CONNECTION)])
def test_eof_is_the_peers_receive_error(pair, peer, errno):
    a, b = pair
    b.sendall(b"\x00\x00")
    b.close()
    with pytest.raises(SlurmError) as ei:
        frames.recv_frame(a, deadline=soon(), peer=peer)
    assert ei.value.errno == errno
    assert ei.value.description == "%s closed the connection after 2 of 4 bytes" % peer.name


def test_oversized_frame_is_refused_before_reading_it(pair):
    a, b = pair
    b.sendall(struct.pack(">I", 5000))
    with pytest.raises(SlurmError) as ei:
        frames.recv_frame(a, deadline=soon(), max_len=4096)
    assert ei.value.errno == E.SLURM_PROTOCOL_INSANE_MSG_LENGTH


@pytest.mark.parametrize("request_name,text", [(None, "error sending to slurmdbd"),
                                               ("DBD_FINI", "error sending DBD_FINI to slurmdbd")])
def test_send_to_a_closed_peer_is_the_peers_send_error(pair, request_name, text):
    a, b = pair
    b.close()
    with pytest.raises(SlurmError) as ei:
        for _ in range(64):  # the first send may still be buffered
            frames.send_all(a, b"x" * 65536, 1.0, DBD_LIKE, request=request_name)
    assert ei.value.errno == E.ESLURM_DB_CONNECTION
    assert ei.value.description.startswith(text)


def test_exchange_sends_then_reads_one_frame(pair):
    a, b = pair
    b.sendall(struct.pack(">I", 2) + b"ok")
    assert frames.exchange(a, b"request", 1.0) == b"ok"
    assert b.recv(16) == b"request"


def test_connect_sets_nodelay_and_keepalive_when_asked():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(2)
    try:
        for keepalive in (False, True):
            s = frames.connect("127.0.0.1", srv.getsockname()[1], 2.0, keepalive=keepalive)
            try:
                assert s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
                assert bool(s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)) is keepalive
            finally:
                s.close()
    finally:
        srv.close()


def test_connect_refused_is_an_oserror():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    port = srv.getsockname()[1]
    srv.close()  # nothing listens there now
    with pytest.raises(OSError):
        frames.connect("127.0.0.1", port, 2.0)


def _peer_sends(sock, pieces, delay=0.01):
    import threading

    def run():
        for p in pieces:
            sock.sendall(p)
            time.sleep(delay)
        sock.close()

    t = threading.Thread(target=run)
    t.start()
    return t


@pytest.mark.parametrize("size", [0, 5, frames.FIRST_READ - 4, frames.FIRST_READ - 3, 3 * frames.FIRST_READ + 7])
@pytest.mark.parametrize("split", ["whole", "prefix apart", "bytes of the prefix", "pieces"])
def test_a_last_frame_is_read_whole_however_it_arrives(size, split):
    """exchange(last=True) (slurmctld's one-shot connection): the same payload in every split,
    short or longer than the first read."""
    a, b = socket.socketpair()
    payload = bytes(range(256)) * (size // 256 + 1)
    payload = payload[:size]
    frame = struct.pack(">I", size) + payload
    if split == "whole":
        pieces = [frame]
    elif split == "prefix apart":
        pieces = [frame[:4], frame[4:]]
    elif split == "bytes of the prefix":
        pieces = [frame[i:i + 1] for i in range(4)] + [frame[4:]]
    else:
        pieces = [frame[i:i + 1000] for i in range(0, len(frame), 1000)] or [frame]
    t = _peer_sends(b, pieces, delay=0.002)
    try:
        got = frames.exchange(a, b"", 5, SLURMCTLD, last=True)
    finally:
        t.join()
        a.close()
    assert got == payload


def test_a_last_frame_ignores_bytes_past_it_and_reports_a_short_one(pair):
    a, b = pair
    b.sendall(struct.pack(">I", 3) + b"xyz" + b"junk")
    assert frames.exchange(a, b"", 5, SLURMCTLD, last=True) == b"xyz"
    c, d = socket.socketpair()
    t = _peer_sends(d, [struct.pack(">I", 10) + b"abc"])
    with pytest.raises(SlurmError) as e:
        frames.exchange(c, b"", 5, SLURMCTLD, last=True)
    t.join()
    c.close()
    assert e.value.errno == SLURMCTLD.receive_error and "closed the connection" in e.value.description
    c, d = socket.socketpair()
    t = _peer_sends(d, [struct.pack(">I", frames.MAX_MSG_SIZE + 1)])
    with pytest.raises(SlurmError) as e:
        frames.exchange(c, b"", 5, SLURMCTLD, last=True)
    t.join()
    c.close()
    assert e.value.errno == E.SLURM_PROTOCOL_INSANE_MSG_LENGTH
