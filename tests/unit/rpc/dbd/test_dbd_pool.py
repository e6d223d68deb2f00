"""The connection pool and the per-request session, with stand-in connections (no sockets)."""

import base64
import json
import threading

import pytest

from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc.cred import JwtCredential, MungeCredential
from slurmrestd.rpc.dbd.frames import PersistRc, Reply
from slurmrestd.rpc.dbd.pool import DbdPool, credential_key, token_expiry
from slurmrestd.rpc.dbd.session import DbdSession
from slurmrestd.rpc.pack import Packer, Unpacker


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


class FakeConn:
    """Behaves like DbdConnection for the pool: dirty/usable/fini/close."""

    def __init__(self, key, clock, n):
        self.key, self.clock, self.n = key, clock, n
        self.version = 0x2d00
        self.endpoint = "fake:%d" % n
        self.opened_at = self.last_used = clock()
        self.requests = 0
        self.reuses = 0
        self.dirty = False
        self.broken = False
        self.closed = False
        self.finis = []
        self.fail_fini = False
        self.fail_next_request = None
        self.replies = []

    @property
    def usable(self):
        return not self.closed and not self.broken

    def fini(self, commit):
        self.finis.append(commit)
        if self.fail_fini:
            self.broken = True
            self.closed = True
            raise SlurmError(E.ESLURM_DB_CONNECTION, "fini failed")
        self.dirty = False

    def request(self, msg_type, body=b""):
        if self.closed:
            raise SlurmError(E.ESLURM_DB_CONNECTION, "closed")
        self.dirty = True
        self.requests += 1
        if self.fail_next_request:
            exc, self.fail_next_request = self.fail_next_request, None
            self.broken = self.closed = True
            raise exc
        self.last_used = self.clock()
        if self.replies:
            return self.replies.pop(0)
        return Reply(1433, Unpacker(b""), PersistRc(None, 0, 0, msg_type))

    def close(self):
        self.closed = True


class FakeConnector:
    def __init__(self, clock):
        self.clock = clock
        self.opened = []
        self.fail = None

    def open(self, credential, key=None, only=None):
        if self.fail:
            raise self.fail
        c = FakeConn(key, self.clock, len(self.opened))
        self.opened.append(c)
        return c


def jwt(exp=None, user="alice"):
    claims = {"sun": user}
    if exp is not None:
        claims["exp"] = exp
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return JwtCredential("e30.%s.sig" % body, user)


def make(**kw):
    clock = Clock()
    wall = Clock()
    wall.t = 1_700_000_000.0
    conn = FakeConnector(clock)
    kw.setdefault("acquire_timeout", 0.05)
    pool = DbdPool(conn, clock=clock, wall=wall, **kw)
    return pool, conn, clock, wall


def test_keys():
    a, b = JwtCredential("t1", "alice"), JwtCredential("t1", "bob")
    assert credential_key(a) != credential_key(b)
    assert credential_key(a) == credential_key(JwtCredential("t1", "alice"))
    assert credential_key(MungeCredential("/s")) == credential_key(MungeCredential("/s"))
    assert token_expiry(jwt(exp=123).token) == 123.0
    assert token_expiry("garbage") is None and token_expiry(jwt().token) is None


def test_reuse_same_credential_only():
    pool, conn, clock, _ = make()
    a = jwt()
    c1 = pool.acquire(a)
    pool.release(c1)
    assert pool.acquire(a) is c1 and c1.reuses == 1
    c2 = pool.acquire(jwt(user="bob"))
    assert c2 is not c1
    s = pool.stats()
    assert (s["opened"], s["reused"], s["in_use"], s["open"]) == (2, 1, 2, 2)


def test_release_ends_transaction_before_reuse():
    pool, conn, clock, _ = make()
    c = pool.acquire(jwt())
    pool.release(c)                      # not used: nothing to end
    assert c.finis == []
    c = pool.acquire(jwt())
    c.request(1448)
    pool.release(c)                      # used: rolled back
    assert c.finis == [False] and not c.dirty
    c = pool.acquire(jwt())
    c.request(1402)
    pool.release(c, commit=True)
    assert c.finis == [False, True]
    assert pool.stats()["rollbacks"] == 1 and pool.stats()["commits"] == 1


def test_failed_fini_closes_and_commit_failure_is_reported():
    pool, conn, clock, _ = make()
    c = pool.acquire(jwt())
    c.request(1448)
    c.fail_fini = True
    pool.release(c)                      # rollback failure: just closed
    assert c.closed and pool.stats()["closed_broken"] == 1
    c = pool.acquire(jwt())
    assert c is not conn.opened[0]
    c.request(1402)
    c.fail_fini = True
    with pytest.raises(SlurmError):
        pool.release(c, commit=True)
    assert pool.stats()["open"] == 0


def test_broken_connection_never_reused():
    pool, conn, clock, _ = make()
    c = pool.acquire(jwt())
    c.broken = True
    pool.release(c)
    assert pool.acquire(jwt()) is not c


def test_bound_and_eviction():
    pool, conn, clock, _ = make(max_connections=2)
    a, b = pool.acquire(jwt(user="a")), pool.acquire(jwt(user="b"))
    with pytest.raises(SlurmError) as e:
        pool.acquire(jwt(user="c"))      # both busy: waits, then 502-class error
    assert e.value.errno == E.ESLURM_DB_CONNECTION
    assert pool.stats()["wait_timeouts"] == 1
    pool.release(a)
    clock.t += 1
    pool.release(b)
    c = pool.acquire(jwt(user="c"))      # evicts the least recently used idle one (a)
    assert a.closed and not b.closed and pool.stats()["closed_evicted"] == 1
    assert pool.stats()["open"] == 2 and c is not a


def test_waiter_gets_released_connection():
    pool, conn, clock, _ = make(max_connections=1)
    pool.acquire_timeout = 5
    c = pool.acquire(jwt())
    got = []
    t = threading.Thread(target=lambda: got.append(pool.acquire(jwt())))
    t.start()
    pool.release(c)
    t.join(5)
    assert got == [c] and pool.stats()["waits"] == 1


def test_idle_lifetime_and_token_expiry():
    pool, conn, clock, wall = make(idle_timeout=10, max_lifetime=100)
    c = pool.acquire(jwt())
    pool.release(c)
    clock.t += 11
    pool.reap()
    assert c.closed and pool.stats()["closed_idle"] == 1 and pool.stats()["open"] == 0
    c = pool.acquire(jwt())
    for _ in range(12):                  # busy, never idle long, but old
        pool.release(c)
        clock.t += 9
        c2 = pool.acquire(jwt())
        if c2 is not c:
            break
        c = c2
    assert pool.stats()["closed_lifetime"] == 1
    pool.release(c2)
    cred = jwt(exp=wall.t + 5)
    c = pool.acquire(cred)
    pool.release(c)
    wall.t += 6
    assert pool.acquire(cred) is not c and pool.stats()["closed_expired"] == 1


def test_open_failure_frees_the_slot():
    pool, conn, clock, _ = make(max_connections=1)
    conn.fail = SlurmError(E.ESLURM_DB_CONNECTION, "refused")
    for _ in range(3):
        with pytest.raises(SlurmError):
            pool.acquire(jwt())
    conn.fail = None
    assert pool.acquire(jwt()) is not None
    assert pool.stats()["open_failed"] == 3


def test_close_shuts_everything():
    pool, conn, clock, _ = make()
    c = pool.acquire(jwt())
    pool.release(c)
    d = pool.acquire(jwt(user="x"))
    pool.close()
    assert c.closed
    pool.release(d)
    assert d.closed
    with pytest.raises(SlurmError):
        pool.acquire(jwt())


# -- session ------------------------------------------------------------------------------------


def test_session_lazy_release_idempotent():
    pool, conn, clock, _ = make()
    with DbdSession(pool, jwt()) as db:
        assert conn.opened == []         # nothing until the first query
        db.request(1448)
        db.release()
        db.release()
    assert conn.opened[0].finis == [False]
    with pytest.raises(SlurmError):
        db.request(1448)


def test_session_commit_then_release():
    pool, conn, clock, _ = make()
    db = DbdSession(pool, jwt())
    db.request(1402)
    db.commit()
    db.release()
    assert conn.opened[0].finis == [True]   # no second FINI: nothing happened after the commit


def test_session_retries_once_on_stale_pooled_connection():
    pool, conn, clock, _ = make()
    with DbdSession(pool, jwt()) as db:
        db.request(1448)
    stale = conn.opened[0]
    stale.fail_next_request = SlurmError(E.ESLURM_DB_CONNECTION, "slurmdbd closed the connection")
    with DbdSession(pool, jwt()) as db:
        r = db.request(1448)
    assert r.rc.rc == 0 and len(conn.opened) == 2 and stale.closed
    # a fresh connection that fails is not retried
    fresh_fail = SlurmError(E.ESLURM_DB_CONNECTION, "gone")
    db = DbdSession(pool, jwt(user="new"))
    conn.opened_hook = None
    db.open().fail_next_request = fresh_fail
    with pytest.raises(SlurmError):
        db.request(1448)
    db.release()


def test_session_reconnects_after_server_closed():
    pool, conn, clock, _ = make()
    with DbdSession(pool, jwt()) as db:
        db.request(1489)
        db.open().broken = True           # as after ESLURM_ACCESS_DENIED
        db.request(1448)
    assert len(conn.opened) == 2


def test_get_list_semantics():
    pool, conn, clock, _ = make()
    db = DbdSession(pool, jwt())
    c = db.open()
    body = Packer().u32(2).str("a").str("b").u32(0).getvalue()
    c.replies = [Reply(1487, Unpacker(body)),
                 Reply(1433, Unpacker(b""), PersistRc(None, 0, 0, 1486)),
                 Reply(1433, Unpacker(b""), PersistRc("denied", 0, E.ESLURM_ACCESS_DENIED, 1453)),
                 Reply(1416, Unpacker(b""))]
    assert db.get_list(1486, b"", 1487, lambda u, v: u.str()) == ["a", "b"]
    assert db.get_list(1486, b"", 1487, lambda u, v: u.str()) == []
    with pytest.raises(SlurmError) as e:
        db.get_list(1453, b"", 1454, lambda u, v: u.str())
    assert e.value.errno == E.ESLURM_ACCESS_DENIED and e.value.description == "denied"
    with pytest.raises(SlurmError) as e:
        db.get_list(1486, b"", 1487, lambda u, v: u.str())
    assert e.value.errno == E.SLURM_UNEXPECTED_MSG_ERROR and c.broken
    db.release()
    assert pool.stats()["open"] == 0


def test_get_list_truncated_reply_poisons():
    pool, conn, clock, _ = make()
    db = DbdSession(pool, jwt())
    c = db.open()
    c.replies = [Reply(1487, Unpacker(Packer().u32(3).str("a").getvalue()))]
    with pytest.raises(SlurmError) as e:
        db.get_list(1486, b"", 1487, lambda u, v: u.str())
    assert e.value.errno == E.ESLURM_PROTOCOL_INCOMPLETE_PACKET and c.broken
