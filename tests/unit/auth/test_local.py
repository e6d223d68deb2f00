"""rest_auth/local: peer credentials (faked) and inet-mode descriptors → Identity or AuthError."""

from __future__ import annotations

import os
import socket
import stat

import pytest

from slurmrestd.auth import AuthError, Identity
from slurmrestd.auth import local as local_mod
from slurmrestd.auth.local import LocalAuth
from slurmrestd.conmgr.connection import PeerCreds
from slurmrestd.errors import E
from slurmrestd.http.headers import Headers

DAEMON_UID = 1000
USERS = {0: "root", 1000: "slurmrest", 1001: "alice", 1002: "bob"}


class FakeConn:
    """What LocalAuth reads of a connection."""

    def __init__(self, creds=None, unix=True, sock=True, rfd=-1):
        self.name = "fake"
        self.sock = object() if sock else None
        self.is_unix = unix
        self.peer_creds = creds
        self.rfd = rfd


@pytest.fixture
def users(monkeypatch):
    """The daemon runs as uid 1000; a small fixed user table."""
    monkeypatch.setattr(local_mod.os, "getuid", lambda: DAEMON_UID)
    monkeypatch.setattr(local_mod, "_user_name", USERS.get)


def local(name, uid, gid, token=None):
    return Identity("rest_auth/local", name, token=token, uid=uid, gid=gid, verified=True)


NO_MINTER = (E.ESLURM_AUTH_CRED_INVALID, "has no jwt_key to sign a token for another user")


ROWS = [
    # peer (pid, uid, gid), headers, expected Identity or (errno, message part)
    ("same uid", (42, 1000, 1000), [], local("slurmrest", 1000, 1000)),
    ("same uid ignores X-SLURM-USER-NAME", (42, 1000, 1000), [("X-SLURM-USER-NAME", "alice")],
     local("slurmrest", 1000, 1000)),
    ("root without a name is the daemon's user", (42, 0, 0), [], local("slurmrest", 0, 0)),
    ("root names a user: refused without a key to sign with", (42, 0, 0),
     [("X-SLURM-USER-NAME", "alice")], NO_MINTER),
    ("root names the daemon's user", (42, 0, 0), [("X-SLURM-USER-NAME", "slurmrest")],
     local("slurmrest", 0, 0)),
    ("root with an empty name is the daemon's user", (42, 0, 0), [("X-SLURM-USER-NAME", "")],
     local("slurmrest", 0, 0)),
    ("root with duplicate names: the first wins", (42, 0, 0),
     [("X-SLURM-USER-NAME", "slurmrest"), ("X-SLURM-USER-NAME", "bob")], local("slurmrest", 0, 0)),
    ("another uid", (42, 1001, 1001), [],
     (E.ESLURM_AUTH_CRED_INVALID, "socket peer uid 1001 is not the daemon's user")),
    ("another uid naming the daemon's user", (42, 1001, 1001), [("X-SLURM-USER-NAME", "slurmrest")],
     (E.ESLURM_AUTH_CRED_INVALID, "socket peer uid 1001 is not the daemon's user")),
    ("nobody uid", (42, 65534, 1000), [], (E.ESLURM_AUTH_CRED_INVALID, "from nobody are refused")),
    ("nobody gid", (42, 1000, 65534), [], (E.ESLURM_AUTH_CRED_INVALID, "from nobody are refused")),
    ("no pid", (0, 1000, 1000), [], (E.ESLURM_AUTH_CRED_INVALID, "unable to read the peer credentials")),
    ("no credentials", None, [], (E.ESLURM_AUTH_CRED_INVALID, "unable to read the peer credentials")),
]


@pytest.mark.parametrize("creds, fields, expected", [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_unix_peer_table(users, creds, fields, expected):
    conn = FakeConn(PeerCreds(*creds) if creds else None)
    auth = LocalAuth()
    if isinstance(expected, tuple):
        with pytest.raises(AuthError) as info:
            auth.authenticate(Headers(fields), conn)
        assert info.value.errno == expected[0]
        assert expected[1] in info.value.description
        assert info.value.http_status == 401
    else:
        assert auth.authenticate(Headers(fields), conn) == expected


class FakeMinter:
    def __init__(self):
        self.minted = []

    def token_for(self, user):
        self.minted.append(user)
        return "minted-for-" + user


@pytest.mark.parametrize("header", ["X-SLURM-USER-NAME", "x-Slurm-User-Name"])
def test_root_names_a_user_with_a_signed_token(users, header):
    """A root peer naming another user runs as that user through a token the daemon signs."""
    minter = FakeMinter()
    auth = LocalAuth(minter=minter)
    got = auth.authenticate(Headers([(header, "alice")]), FakeConn(PeerCreds(42, 0, 0)))
    assert got == local("alice", 0, 0, token="minted-for-alice")
    assert minter.minted == ["alice"]
    # the daemon's own user needs no token: munge proves it
    assert auth.authenticate(Headers(), FakeConn(PeerCreds(42, 0, 0))) == local("slurmrest", 0, 0)
    # an ordinary peer still cannot name anyone
    with pytest.raises(AuthError, match="not the daemon's user"):
        auth.authenticate(Headers([(header, "alice")]), FakeConn(PeerCreds(42, 1001, 1001)))
    assert minter.minted == ["alice"]


def test_become_user_never_mints(users):
    assert LocalAuth(become_user=True, minter=FakeMinter()).minter is None


def test_daemon_user_without_a_name(monkeypatch):
    monkeypatch.setattr(local_mod.os, "getuid", lambda: 4242)
    monkeypatch.setattr(local_mod, "_user_name", USERS.get)
    with pytest.raises(AuthError) as info:
        LocalAuth().authenticate(Headers(), FakeConn(PeerCreds(1, 4242, 4242)))
    assert info.value.errno == E.ESLURM_USER_ID_MISSING


def test_tcp_peer_passes(users):
    assert LocalAuth().authenticate(Headers(), FakeConn(unix=False)) is None


# -- become_user: the first other caller once --------------------------


def test_become_user_switches_once(users, monkeypatch):
    from slurmrestd import security

    became = []
    monkeypatch.setattr(security, "become", lambda uid, gid: became.append((uid, gid)))
    auth = LocalAuth(become_user=True)
    assert auth.authenticate(Headers(), FakeConn(PeerCreds(5, 1001, 1001))) == local("alice", 1001, 1001)
    assert became == [(1001, 1001)]
    with pytest.raises(AuthError, match="not the daemon's user"):
        auth.authenticate(Headers(), FakeConn(PeerCreds(6, 1002, 1002)))
    assert became == [(1001, 1001)]


def test_become_user_unknown_uid(users, monkeypatch):
    from slurmrestd import security

    monkeypatch.setattr(security, "become", lambda uid, gid: pytest.fail("switched to an unknown uid"))
    with pytest.raises(AuthError) as info:
        LocalAuth(become_user=True).authenticate(Headers(), FakeConn(PeerCreds(5, 3333, 3333)))
    assert info.value.errno == E.ESLURM_USER_ID_MISSING


# -- inet mode: pipes, files and sockets on stdin ------------------------


@pytest.fixture
def real_users(monkeypatch):
    monkeypatch.setattr(local_mod, "_user_name", lambda uid: "me" if uid == os.getuid() else None)


def test_pipe_of_our_own(real_users):
    r, w = os.pipe()
    try:
        ident = LocalAuth().authenticate(Headers(), FakeConn(unix=False, sock=False, rfd=r))
        st = os.fstat(r)
        assert ident == local("me", st.st_uid, st.st_gid)
    finally:
        os.close(r)
        os.close(w)


def test_pipe_refused_in_become_user_mode(real_users):
    r, w = os.pipe()
    try:
        with pytest.raises(AuthError, match="pipes are refused"):
            LocalAuth(become_user=True).authenticate(Headers(), FakeConn(unix=False, sock=False, rfd=r))
    finally:
        os.close(r)
        os.close(w)


def test_tcp_socket_on_stdin_passes(real_users):
    a, b = socket.socketpair()
    try:
        assert LocalAuth().authenticate(Headers(), FakeConn(unix=False, sock=False, rfd=a.fileno())) is None
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("mode, message", [
    (0o600, None),
    (0o640, None),
    (0o604, "readable or writable by others"),
    (0o602, "readable or writable by others"),
    (0o600 | stat.S_ISUID, "set-id bits"),
    (0o600 | stat.S_ISGID, "set-id bits"),
])
def test_regular_file_on_stdin(real_users, tmp_path, mode, message):
    path = tmp_path / "stdin"
    path.write_bytes(b"")
    os.chmod(path, mode)
    fd = os.open(path, os.O_RDONLY)
    try:
        conn = FakeConn(unix=False, sock=False, rfd=fd)
        if message is None:
            assert LocalAuth().authenticate(Headers(), conn).user_name == "me"
        else:
            with pytest.raises(AuthError, match=message):
                LocalAuth().authenticate(Headers(), conn)
    finally:
        os.close(fd)


def test_file_owned_by_someone_else(real_users, tmp_path, monkeypatch):
    path = tmp_path / "stdin"
    path.write_bytes(b"")
    os.chmod(path, 0o600)
    fd = os.open(path, os.O_RDONLY)
    try:
        monkeypatch.setattr(local_mod.os, "getuid", lambda: os.fstat(fd).st_uid + 1)
        with pytest.raises(AuthError, match="not the daemon's user"):
            LocalAuth().authenticate(Headers(), FakeConn(unix=False, sock=False, rfd=fd))
    finally:
        os.close(fd)


def test_directory_on_stdin_is_refused(real_users, tmp_path):
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        with pytest.raises(AuthError, match="unsupported file type"):
            LocalAuth().authenticate(Headers(), FakeConn(unix=False, sock=False, rfd=fd))
    finally:
        os.close(fd)
