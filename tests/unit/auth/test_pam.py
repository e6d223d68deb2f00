"""PAM Basic logins with a fake PAM check: parsing, deadline, concurrency bound, rate limit."""

from __future__ import annotations

import base64
import threading
import time

import pytest

from slurmrestd.auth import AuthError, Identity, LoginThrottled
from slurmrestd.auth.jwt import JwtAuth, parse_basic
from slurmrestd.auth.pam import LoginUnavailable, PamLogin
from slurmrestd.auth.ratelimit import FailureLimiter
from slurmrestd.http.headers import Headers

PASSWORDS = {"alice": "wonderland"}


def fake_check(service, user, password, rhost=None):
    return PASSWORDS.get(user) == password, "fake"


class FakeMinter:
    def token_for(self, user):
        return "signed-" + user


class FakeConn:
    name = "198.51.100.7:5555"
    sock = None
    is_unix = False


def basic(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


def plugin(**kw):
    return JwtAuth(pam=PamLogin("slurmrestd-test", check=fake_check, **kw), minter=FakeMinter())


def test_good_password_runs_as_the_user_with_a_signed_token():
    got = plugin().authenticate(Headers([("Authorization", basic("alice", "wonderland"))]), FakeConn())
    assert got == Identity("rest_auth/jwt", "alice", token="signed-alice", verified=True)


@pytest.mark.parametrize("user, password", [("alice", "wrong"), ("nobody-here", "x"), ("alice", "")])
def test_wrong_password_or_unknown_user(user, password):
    with pytest.raises(AuthError, match="PAM login of .* failed"):
        plugin().authenticate(Headers([("Authorization", basic(user, password))]), FakeConn())


@pytest.mark.parametrize("value", ["Basic !!!notbase64", "Basic YWxpY2U",  # "alice" without a colon
                                   "Basic " + base64.b64encode(b":pw").decode(),
                                   "Basic " + base64.b64encode(b"\xff\xfe:x").decode()])
def test_malformed_basic(value):
    with pytest.raises(AuthError, match="malformed HTTP Basic"):
        plugin().authenticate(Headers([("Authorization", value)]), FakeConn())


def test_password_may_contain_colons():
    assert parse_basic(base64.b64encode(b"alice:a:b:c").decode()) == ("alice", "a:b:c")


def test_basic_without_pam_is_refused_as_before():
    with pytest.raises(AuthError, match="not a Bearer token"):
        JwtAuth().authenticate(Headers([("Authorization", basic("alice", "wonderland"))]), FakeConn())


def test_basic_with_a_different_user_name_header():
    with pytest.raises(AuthError, match="differs from the HTTP Basic user"):
        plugin().authenticate(Headers([("Authorization", basic("alice", "wonderland")),
                                       ("X-SLURM-USER-NAME", "bob")]), FakeConn())


def test_rate_limit_per_address_and_per_user():
    auth = plugin(max_failures=3, window_s=60)
    for _ in range(3):
        with pytest.raises(AuthError):
            auth.authenticate(Headers([("Authorization", basic("alice", "bad"))]), FakeConn())
    # now even the right password is not tried, from this address or for this user
    with pytest.raises(LoginThrottled) as info:
        auth.authenticate(Headers([("Authorization", basic("alice", "wonderland"))]), FakeConn())
    assert 0 < info.value.retry_after <= 60

    class Elsewhere(FakeConn):
        name = "203.0.113.9:1"

    with pytest.raises(LoginThrottled):  # same user from another address
        auth.authenticate(Headers([("Authorization", basic("alice", "wonderland"))]), Elsewhere())
    with pytest.raises(LoginThrottled):  # another user from the same address
        auth.authenticate(Headers([("Authorization", basic("bob", "x"))]), FakeConn())


def test_limiter_window_and_bound():
    t = [0.0]
    lim = FailureLimiter(2, 10.0, max_keys=3, clock=lambda: t[0])
    lim.failed("a")
    lim.failed("a")
    assert lim.blocked_for("a") == 10.0
    t[0] = 5.0
    assert lim.blocked_for("a") == 5.0
    t[0] = 10.5
    assert lim.blocked_for("a") == 0.0
    for k in "bcdef":
        lim.failed(k)
    assert len(lim) <= 3


def test_deadline():
    release = threading.Event()

    def stuck(service, user, password, rhost):
        release.wait(5)
        return True, "late"

    login = PamLogin("svc", timeout_s=0.2, check=stuck)
    t0 = time.monotonic()
    with pytest.raises(LoginUnavailable, match="did not answer within"):
        login.login("alice", "pw", "addr")
    assert time.monotonic() - t0 < 4.5  # well before the stuck check returns (5 s)
    release.set()


def test_concurrency_bound():
    release = threading.Event()

    def stuck(service, user, password, rhost):
        release.wait(5)
        return True, "late"

    login = PamLogin("svc", timeout_s=0.1, max_concurrent=1, check=stuck)
    with pytest.raises(LoginUnavailable):
        login.login("alice", "pw", "addr")
    with pytest.raises(LoginUnavailable, match="too many PAM logins in progress"):
        login.login("alice", "pw", "addr")
    release.set()
    time.sleep(0.2)
    assert login.login("alice", "pw", "addr") is True


def test_pam_exception_is_a_refusal():
    def broken(service, user, password, rhost):
        raise OSError("libpam missing")

    assert PamLogin("svc", check=broken).login("alice", "pw", "addr") is False


def test_pam_rhost_is_the_tcp_peer_or_localhost():
    import socket

    from slurmrestd.auth.jwt import pam_rhost

    seen = []

    def check(service, user, password, rhost):
        seen.append(rhost)
        return True, "ok"

    srv = socket.create_server(("127.0.0.1", 0))
    cli = socket.create_connection(srv.getsockname())
    peer, _ = srv.accept()

    class Tcp(FakeConn):
        sock = peer

    class Unix(FakeConn):
        is_unix = True

    auth = JwtAuth(pam=PamLogin("svc", check=check), minter=FakeMinter())
    try:
        for conn in (Tcp(), Unix(), FakeConn()):
            auth.authenticate(Headers([("Authorization", basic("alice", "wonderland"))]), conn)
    finally:
        for s in (cli, peer, srv):
            s.close()
    assert seen == ["127.0.0.1", "localhost", None]
    assert pam_rhost(FakeConn()) is None


def test_real_pam_stack_sees_rhost(monkeypatch):
    """The hook around python-pam's pam_authenticate runs on the real library (the service
    does not exist, so PAM fails either way, but the item was set on the handle first)."""
    pytest.importorskip("pam")
    import pam

    from slurmrestd.auth import pam as ourpam

    pam.PamAuthenticator()  # binds libpam on the class first (it would replace the spy)
    items = []
    real = pam.PamAuthenticator.pam_set_item

    def spy(handle, item, value):
        items.append((item, value.value))
        return real(handle, item, value)

    monkeypatch.setattr(pam.PamAuthenticator, "pam_set_item", staticmethod(spy))
    ok, detail = ourpam._pam_check("slurmrestd-no-such-service-auth12", "nobody", "x", "192.0.2.1")
    assert ok is False
    assert (pam.PAM_RHOST, b"192.0.2.1") in items, (items, detail)
