"""The client's side of a hand-off against a stand-in server: nothing is read twice.

A refusal, a server that closes before "started", or a peer of another user: the client
returns None (serve cold) and the caller's standard input is untouched.  After "started"
it returns the exit status the child reports.
"""

from __future__ import annotations

import os
import socket
import threading
import time

import pytest

from slurmrestd.warmstart import client, policy, wire


@pytest.fixture
def place(tmp_path, monkeypatch):
    """A socket path for the fingerprint of argv [] under a private directory, and a lock
    file fresh enough that the client starts no real server."""
    import tempfile

    run = tempfile.mkdtemp(prefix="swc", dir="/tmp")
    env = {"XDG_RUNTIME_DIR": run, "SLURMRESTD_INET_WARM": "60"}
    d = policy.socket_dir(env)
    path = policy.socket_path(d, policy.fingerprint([], env))
    open(path[:-5] + ".lock", "w").close()
    yield env, path
    import shutil

    shutil.rmtree(run, ignore_errors=True)


def _server(path, reply):
    """Accept one hand-off, keep its descriptors, send ``reply(msg)``, close."""
    if os.path.exists(path):
        os.unlink(path)  # the previous stand-in's
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ls.bind(path)
    ls.listen(1)
    got = {}

    def run():
        conn, _ = ls.accept()
        reader = wire.HandoffReader()
        fds = []
        while True:
            data, anc, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(12))
            for _, _, payload in anc:
                fds.extend(int.from_bytes(payload[i:i + 4], "little", signed=True) for i in range(0, len(payload), 4))
            msg = reader.feed(data)
            if msg is not None:
                break
        got["msg"], got["fds"] = msg, fds
        for chunk in reply(msg):
            conn.sendall(chunk)
            time.sleep(0.01)
        conn.close()
        ls.close()
        for fd in fds:
            os.close(fd)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, got


@pytest.fixture
def stdin_pipe():
    """fd 0 replaced by a pipe holding a request, restored after."""
    saved = os.dup(0)
    r, w = os.pipe()
    os.write(w, b"GET /healthz HTTP/1.1\r\n\r\n")
    os.dup2(r, 0)
    os.close(r)
    yield w
    os.dup2(saved, 0)
    os.close(saved)
    os.close(w)


def _unread():
    os.set_blocking(0, False)
    try:
        return os.read(0, 1024)
    finally:
        os.set_blocking(0, True)


def test_refused_means_cold_and_nothing_read(place, stdin_pipe):
    env, path = place
    t, got = _server(path, lambda m: [wire.encode_refused("fingerprint differs")])
    assert client.serve([], env) is None
    t.join(5)
    assert got["msg"].fingerprint == policy.fingerprint([], env) and len(got["fds"]) == 3
    assert _unread() == b"GET /healthz HTTP/1.1\r\n\r\n"


def test_server_gone_before_started_means_cold(place, stdin_pipe):
    env, path = place
    t, _ = _server(path, lambda m: [])
    assert client.serve([], env) is None
    t.join(5)
    assert _unread().startswith(b"GET /healthz")


def test_no_server_means_cold(place, stdin_pipe):
    env, path = place
    assert client.serve([], env) is None
    with open(path, "w"):
        pass  # a stale file where the socket was: still cold
    assert client.serve([], env) is None


def test_started_then_exit_status(place, monkeypatch):
    env, path = place
    # after "started" the client gives up its descriptors 0-2: give it copies to lose
    saved = [os.dup(fd) for fd in (0, 1, 2)]
    try:
        t, got = _server(path, lambda m: [wire.encode_started(os.getpid()), wire.encode_exited(3)])
        assert client.serve([], env) == 3
        t.join(5)
        # both reports in one segment (a quick child): the status is still the child's
        t, got = _server(path, lambda m: [wire.encode_started(os.getpid()) + wire.encode_exited(4)])
        assert client.serve([], env) == 4
        t.join(5)
        assert got["msg"].cwd == os.fsencode(os.getcwd())
        assert set(got["msg"].env) == {k + b"=" + v for k, v in os.environb.items()}
    finally:
        for fd, copy in zip((0, 1, 2), saved):
            os.dup2(copy, fd)
            os.close(copy)


def test_child_dies_without_report(place):
    env, path = place
    saved = [os.dup(fd) for fd in (0, 1, 2)]
    try:
        t, _ = _server(path, lambda m: [wire.encode_started(os.getpid())])
        assert client.serve([], env) == 1
        t.join(5)
    finally:
        for fd, copy in zip((0, 1, 2), saved):
            os.dup2(copy, fd)
            os.close(copy)
