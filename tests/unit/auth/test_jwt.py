"""rest_auth/jwt: the Identity or AuthError each header table gives."""

from __future__ import annotations

import pytest

from slurmrestd.auth import AuthError, Identity, authenticate, build_chain
from slurmrestd.auth.jwt import JwtAuth
from slurmrestd.errors import E
from slurmrestd.http.headers import Headers


class FakeConn:
    name = "test:1"
    sock = object()  # a TCP peer: rest_auth/local passes
    is_unix = False


def jwt(user=None, token=None):
    # a token passed through: the user is the X-SLURM-USER-NAME sent, and goes with the token
    return Identity("rest_auth/jwt", user, token=token, header_user=user)


PASS = None  # the plugin does not claim the request

ROWS = [
    # headers, expected Identity / PASS, or (AuthError, message part)
    ("nothing", [], PASS),
    ("unrelated headers", [("Host", "x"), ("Accept", "application/json")], PASS),
    ("token", [("X-SLURM-USER-TOKEN", "tok")], jwt(token="tok")),
    ("name and token", [("X-SLURM-USER-NAME", "alice"), ("X-SLURM-USER-TOKEN", "tok")],
     jwt("alice", "tok")),
    ("lower case names", [("x-slurm-user-name", "alice"), ("x-slurm-user-token", "tok")],
     jwt("alice", "tok")),
    ("mixed case names", [("X-Slurm-User-Name", "alice"), ("x-SLURM-user-TOKEN", "tok")],
     jwt("alice", "tok")),
    ("bearer", [("Authorization", "Bearer tok")], jwt(token="tok")),
    ("bearer, scheme in lower case", [("authorization", "bearer tok")], jwt(token="tok")),
    ("bearer, scheme in upper case", [("AUTHORIZATION", "BEARER tok")], jwt(token="tok")),
    ("bearer with spaces around the token", [("Authorization", "Bearer   tok  ")], jwt(token="tok")),
    ("name and bearer", [("X-SLURM-USER-NAME", "alice"), ("Authorization", "Bearer tok")],
     jwt("alice", "tok")),
    ("empty name with a token", [("X-SLURM-USER-NAME", ""), ("X-SLURM-USER-TOKEN", "tok")],
     jwt(None, "tok")),
    ("duplicate tokens: the first wins",
     [("X-SLURM-USER-TOKEN", "first"), ("X-SLURM-USER-TOKEN", "second")], jwt(token="first")),
    ("duplicate names: the first wins",
     [("X-SLURM-USER-NAME", "alice"), ("X-SLURM-USER-NAME", "bob"), ("X-SLURM-USER-TOKEN", "t")],
     jwt("alice", "t")),
    ("name without a token", [("X-SLURM-USER-NAME", "alice")],
     (AuthError, "X-SLURM-USER-NAME given without X-SLURM-USER-TOKEN")),
    ("empty name alone", [("X-SLURM-USER-NAME", "")],
     (AuthError, "X-SLURM-USER-NAME given without X-SLURM-USER-TOKEN")),
    ("empty token", [("X-SLURM-USER-TOKEN", "")], (AuthError, "empty token")),
    ("empty token with a name", [("X-SLURM-USER-NAME", "alice"), ("X-SLURM-USER-TOKEN", "")],
     (AuthError, "empty token")),
    ("token and bearer", [("X-SLURM-USER-TOKEN", "a"), ("Authorization", "Bearer b")],
     (AuthError, "both X-SLURM-USER-TOKEN and Authorization given")),
    ("basic scheme", [("Authorization", "Basic YWxpY2U6cHc=")],
     (AuthError, "Authorization header is not a Bearer token")),
    ("bearer without a token", [("Authorization", "Bearer")],
     (AuthError, "Authorization header is not a Bearer token")),
    ("bearer with only spaces", [("Authorization", "Bearer    ")],
     (AuthError, "Authorization header is not a Bearer token")),
    ("empty authorization", [("Authorization", "")],
     (AuthError, "Authorization header is not a Bearer token")),
]


@pytest.mark.parametrize("fields, expected", [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_jwt_header_table(fields, expected):
    headers = Headers(fields)
    if isinstance(expected, tuple):
        with pytest.raises(expected[0]) as info:
            JwtAuth().authenticate(headers, FakeConn())
        err = info.value
        assert expected[1] in err.description
        assert err.errno == E.ESLURM_AUTH_CRED_INVALID
        assert err.source == "rest_auth"
        assert err.http_status == 401
    else:
        assert JwtAuth().authenticate(headers, FakeConn()) == expected


def test_identity_repr_hides_the_token():
    assert "tok" not in repr(jwt("alice", "secret-tok"))


# -- the chain ------------------------------------------------------------


def test_chain_nobody_claims():
    chain = build_chain(("rest_auth/jwt",))
    with pytest.raises(AuthError) as info:
        authenticate(chain, Headers([("Host", "x")]), FakeConn())
    assert info.value.errno == E.ESLURM_AUTH_SKIP
    assert info.value.http_status == 401


def test_chain_tcp_peer_falls_through_local_to_jwt():
    chain = build_chain(("rest_auth/local", "rest_auth/jwt"))
    ident = authenticate(chain, Headers([("X-SLURM-USER-TOKEN", "tok")]), FakeConn())
    assert ident == jwt(token="tok")


def test_chain_refusal_ends_the_chain():
    class Never:
        name = "never"

        def authenticate(self, headers, conn):
            raise AssertionError("reached after a refusal")

    chain = [JwtAuth(), Never()]
    with pytest.raises(AuthError):
        authenticate(chain, Headers([("X-SLURM-USER-NAME", "alice")]), FakeConn())


def test_chain_first_claim_wins():
    class Other:
        name = "other"

        def authenticate(self, headers, conn):
            return Identity("other", "bob")

    chain = [JwtAuth(), Other()]
    assert authenticate(chain, Headers([("X-SLURM-USER-TOKEN", "t")]), FakeConn()).plugin == "rest_auth/jwt"
    assert authenticate(chain, Headers([]), FakeConn()) == Identity("other", "bob")


def test_unknown_plugin():
    with pytest.raises(ValueError):
        build_chain(("rest_auth/nope",))
