"""Local JWT verification: keys from slurm.conf or the environment, and every refusal reason."""

from __future__ import annotations

import base64
import json
import os
import time

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from slurmrestd.auth import Identity
from slurmrestd.auth.jwt import JwtAuth
from slurmrestd.auth.keys import JwtKeys, KeyFileError, auth_alt_options, key_paths, load_keys, parse_jwks
from slurmrestd.auth.mint import TokenMinter
from slurmrestd.auth.verify import TokenRejected, TokenVerifier
from slurmrestd.errors import E, SlurmError
from slurmrestd.http.headers import Headers

KEY = os.urandom(64)
NOW = 1_800_000_000.0
UIDS = {"root": 0, "slurm": 64030, "alice": 2001, "bob": 2002}


def hs(claims, key=KEY, headers=None):
    return pyjwt.encode(claims, key, algorithm="HS256", headers=headers)


def claims(user="alice", exp=NOW + 600, iat=NOW, **more):
    c = {"sun": user, "exp": exp, "iat": iat}
    c.update(more)
    return {k: v for k, v in c.items() if v is not None}


@pytest.fixture
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def verifier(keys=None, **kw):
    return TokenVerifier(keys or JwtKeys(hs256=KEY), "slurm", 64030, 60.0, uid_of=UIDS.get,
                         clock=lambda: NOW, **kw)


class FakeConn:
    name = "test:1"
    sock = None
    is_unix = False


# -- accepted ----------------------------------------------------------------


def test_scontrol_style_token():
    got = verifier().verify(hs(claims()))
    assert (got.user_name, got.token_user, got.expires) == ("alice", "alice", NOW + 600)


@pytest.mark.parametrize("claim", ["sun", "username"])
def test_user_claims(claim):
    assert verifier().verify(hs({claim: "bob", "exp": NOW + 5})).user_name == "bob"


def test_userclaimfield():
    keys = JwtKeys(hs256=KEY, claim_field="preferred_username")
    assert verifier(keys).verify(hs({"preferred_username": "bob", "exp": NOW + 5})).user_name == "bob"


def test_same_name_in_header_is_redundant():
    assert verifier().verify(hs(claims()), "alice").user_name == "alice"


@pytest.mark.parametrize("proxy", ["root", "slurm"])
def test_root_and_slurmuser_may_name_a_user(proxy):
    got = verifier().verify(hs(claims(proxy)), "alice")
    assert (got.user_name, got.token_user) == ("alice", proxy)


def test_iat_within_the_skew_allowance():
    assert verifier().verify(hs(claims(iat=NOW + 30))).user_name == "alice"


def test_rs256_by_kid(rsa_key):
    pub = json.loads(pyjwt.algorithms.RSAAlgorithm.to_jwk(rsa_key.public_key()))
    doc = {"keys": [dict(pub, kid="k1", alg="RS256", use="sig"), {"kty": "EC", "kid": "ec"},
                    dict(pub, kid="k2", alg="RS512")]}
    keys = JwtKeys(rs256=parse_jwks(json.dumps(doc).encode()))
    assert sorted(keys.rs256) == ["k1"]
    token = pyjwt.encode(claims(aud="slurm"), rsa_key, algorithm="RS256", headers={"kid": "k1"})
    assert verifier(keys).verify(token).user_name == "alice"


# -- refused ----------------------------------------------------------------


def _rs(rsa_key, kid="k1"):
    return pyjwt.encode(claims(), rsa_key, algorithm="RS256", headers={"kid": kid} if kid else None)


REFUSALS = [
    ("expired", lambda k: hs(claims(exp=NOW - 1)), "expired"),
    ("no exp", lambda k: hs(claims(exp=None)), "no exp claim"),
    ("exp not a number", lambda k: hs(claims(exp="tomorrow")), "exp claim is not a number"),
    ("iat far in the future", lambda k: hs(claims(iat=NOW + 3600)), "in the future"),
    ("iat not a number", lambda k: hs(claims(iat="now")), "iat claim is not a number"),
    ("bad signature", lambda k: hs(claims(), key=os.urandom(64)), "bad signature"),
    ("no user claim", lambda k: hs({"exp": NOW + 5}), "no user name claim"),
    ("empty user claim", lambda k: hs({"sun": "", "exp": NOW + 5}), "no user name claim"),
    ("alg none", lambda k: pyjwt.encode(claims(), None, algorithm="none"), "wrong algorithm 'none'"),
    ("alg HS512", lambda k: pyjwt.encode(claims(), KEY, algorithm="HS512"), "wrong algorithm 'HS512'"),
    ("RS256 without a jwks", lambda k: _rs(k), "no jwks is loaded"),
    ("not a JWT", lambda k: "not.a.jwt", "malformed token"),
    ("garbage", lambda k: "x", "malformed token"),
]


@pytest.mark.parametrize("make, reason", [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_refusals(rsa_key, make, reason):
    with pytest.raises(TokenRejected) as info:
        verifier().verify(make(rsa_key))
    assert reason in info.value.reason


def test_ordinary_user_cannot_name_another():
    with pytest.raises(TokenRejected, match="a token of alice cannot act as bob"):
        verifier().verify(hs(claims()), "bob")


def test_hs256_token_against_a_jwks_only_site(rsa_key):
    """Algorithm pinned to the key type: an HS256 token cannot be checked with (or against) an RSA key."""
    pub = json.loads(pyjwt.algorithms.RSAAlgorithm.to_jwk(rsa_key.public_key()))
    keys = JwtKeys(rs256=parse_jwks(json.dumps({"keys": [dict(pub, kid="k1")]}).encode()))
    with pytest.raises(TokenRejected, match="no jwt_key is loaded"):
        verifier(keys).verify(hs(claims()))
    with pytest.raises(TokenRejected, match="no key with kid 'other'"):
        verifier(keys).verify(_rs(rsa_key, "other"))
    with pytest.raises(TokenRejected, match="without kid"):
        verifier(keys).verify(_rs(rsa_key, None))


def test_forged_with_the_public_key_as_hmac_secret(rsa_key):
    """The classic confusion: HS256 signed with the RSA public key is refused."""
    from cryptography.hazmat.primitives import serialization

    pem = rsa_key.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
    body = base64.urlsafe_b64encode(json.dumps(claims()).encode()).rstrip(b"=")
    head = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=")
    import hashlib
    import hmac
    sig = base64.urlsafe_b64encode(hmac.new(pem, head + b"." + body, hashlib.sha256).digest()).rstrip(b"=")
    token = (head + b"." + body + b"." + sig).decode()
    pub = json.loads(pyjwt.algorithms.RSAAlgorithm.to_jwk(rsa_key.public_key()))
    keys = JwtKeys(rs256=parse_jwks(json.dumps({"keys": [dict(pub, kid="k1")]}).encode()))
    with pytest.raises(TokenRejected):
        verifier(keys).verify(token)


# -- the plugin -----------------------------------------------------------


def test_plugin_claims_verified_identity():
    auth = JwtAuth(verifier=verifier())
    tok = hs(claims("slurm"))
    got = auth.authenticate(Headers([("X-SLURM-USER-TOKEN", tok), ("X-SLURM-USER-NAME", "alice")]), FakeConn())
    assert got == Identity("rest_auth/jwt", "alice", token=tok, verified=True, header_user="alice")


def test_plugin_refusal_never_logs_the_token(caplog):
    """A refused token still makes an Identity, marked rejected and naming nobody."""
    auth = JwtAuth(verifier=verifier())
    tok = hs(claims(exp=NOW - 10))
    got = auth.authenticate(Headers([("Authorization", "Bearer " + tok)]), FakeConn())
    assert got.rejected.startswith("expired") and got.user_name is None and not got.verified
    assert "expired" in caplog.text and tok not in caplog.text
    assert tok.split(".")[2] not in caplog.text


def test_refused_credential_never_reaches_slurmctld():
    """Every RPC with a refused token is answered as slurmctld answers a bad credential
    (RC 1007), without a transport being used; a slurmdbd session refuses to open."""
    from slurmrestd.rpc.cred import RefusedCredential
    from slurmrestd.rpc.ctld.client import SlurmctldClient
    from slurmrestd.rpc.dbd.session import DbdSession
    from slurmrestd.slurm.msg_types import MsgType

    class NoTransport:
        def endpoints(self):  # listing the configured controllers opens nothing
            return []

        def __getattr__(self, name):
            raise AssertionError("transport used: %s" % name)

    client = SlurmctldClient(object(), RefusedCredential("expired"), transport=NoTransport())
    with pytest.raises(SlurmError) as info:
        client.call(MsgType.REQUEST_STATS_INFO, source="slurm_get_statistics")
    assert (info.value.errno, info.value.source) == (E.SLURM_PROTOCOL_AUTHENTICATION_ERROR, "slurm_get_statistics")

    class NoPool:
        def acquire(self, *a):
            raise AssertionError("pool used")

    with pytest.raises(SlurmError) as info:
        DbdSession(NoPool(), RefusedCredential("expired")).open()
    assert info.value.errno == E.ESLURM_DB_CONNECTION


def test_pass_through_without_a_verifier():
    got = JwtAuth().authenticate(Headers([("X-SLURM-USER-TOKEN", "anything")]), FakeConn())
    assert got == Identity("rest_auth/jwt", None, token="anything") and not got.verified


# -- keys -----------------------------------------------------------------


class Conf:
    def __init__(self, alt=None, state=None, types=("auth/jwt",)):
        self.auth_alt_parameters = alt
        self.auth_alt_types = types
        self.auth_type = "auth/munge"
        self._state = state

    def get(self, key, default=None):
        return self._state if key == "StateSaveLocation" else default


def test_auth_alt_options():
    assert auth_alt_options("jwt_key=/k, jwks=/j,disable_token_creation") == {
        "jwt_key": "/k", "jwks": "/j", "disable_token_creation": ""}


def test_key_paths():
    assert key_paths(Conf("jwt_key=/a")) == ("/a", None)
    assert key_paths(Conf("jwks=/j")) == (None, "/j")
    assert key_paths(Conf(None, state="/var/spool")) == ("/var/spool/jwt_hs256.key", None)
    assert key_paths(Conf("jwt_key=/a", types=())) == (None, None)
    assert key_paths(Conf("jwt_key=/a"), jwt_key="/override") == ("/override", None)
    assert key_paths(Conf("jwt_key=/a"), jwks="/j") == ("/a", "/j")
    assert key_paths(Conf(None, state="/s"), jwks="/j") == (None, "/j")
    assert key_paths(None) == (None, None)


def test_load_readable_key(tmp_path):
    p = tmp_path / "k"
    p.write_bytes(KEY)
    keys = load_keys(Conf("jwt_key=%s" % p))
    assert keys.hs256 == KEY and keys.usable


def test_unreadable_key_means_pass_through(tmp_path, caplog):
    caplog.set_level("INFO")
    assert load_keys(Conf("jwt_key=%s" % (tmp_path / "missing"))) is None
    assert "pass through" in caplog.text


def test_verify_yes_needs_a_key(tmp_path):
    with pytest.raises(KeyFileError, match="cannot read"):
        load_keys(Conf("jwt_key=%s" % (tmp_path / "missing")), "yes")
    with pytest.raises(KeyFileError, match="no JWT key is configured"):
        load_keys(Conf(None, types=()), "yes")


def test_verify_no_never_reads(tmp_path):
    p = tmp_path / "k"
    p.write_bytes(KEY)
    assert load_keys(Conf("jwt_key=%s" % p), "no") is None


def test_explicit_file_must_be_readable(tmp_path):
    with pytest.raises(KeyFileError):
        load_keys(Conf(None), jwt_key=str(tmp_path / "missing"))


def test_bad_jwks(tmp_path):
    p = tmp_path / "j"
    p.write_text("{not json")
    with pytest.raises(KeyFileError, match="not a JSON document"):
        load_keys(Conf("jwks=%s" % p), "yes")
    p.write_text('{"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB"}]}')
    with pytest.raises(KeyFileError, match="without \"kid\""):
        load_keys(Conf("jwks=%s" % p), "yes")


# -- minting ------------------------------------------------------------------


def test_minted_token_verifies_and_is_reused():
    t = [NOW]
    m = TokenMinter(KEY, 300, clock=lambda: t[0])
    a = m.token_for("alice")
    got = verifier().verify(a)
    assert (got.user_name, got.expires) == ("alice", NOW + 300)
    assert pyjwt.decode(a, KEY, algorithms=["HS256"], options={"verify_exp": False, "verify_iat": False}).keys() == {"iat", "exp", "sun"}
    t[0] += 100
    assert m.token_for("alice") == a
    assert m.token_for("bob") != a
    t[0] += 60  # less than half of the lifespan left: a fresh token
    assert m.token_for("alice") != a


def test_minter_needs_a_key():
    with pytest.raises(ValueError):
        TokenMinter(b"", 300)


def test_checked_tokens_are_remembered_until_they_expire():
    t = [NOW]
    v = TokenVerifier(JwtKeys(hs256=KEY), "slurm", 64030, 60.0, uid_of=UIDS.get, clock=lambda: t[0])
    tok = hs(claims(exp=NOW + 10))
    assert v.verify(tok).user_name == "alice"
    v.keys = JwtKeys()  # a second signature check would now fail: the hit must not need one
    assert v.verify(tok).user_name == "alice"
    with pytest.raises(TokenRejected, match="cannot act as bob"):
        v.verify(tok, "bob")  # the user-name rule is applied on every use
    t[0] = NOW + 11
    with pytest.raises(TokenRejected, match="expired"):
        v.verify(tok)


# -- one kind of key readable, the other not ----------------------------------------


def _jwks_file(path, key, kid="k1"):
    jwk = json.loads(pyjwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    path.write_text(json.dumps({"keys": [dict(jwk, kid=kid, alg="RS256", use="sig")]}))
    return path


def test_public_jwks_with_an_unreadable_jwt_key(tmp_path, rsa_key, caplog):
    """The usual split: the JWKS is public, the HS256 secret is not.  RS256 tokens are checked
    here; HS256 ones (scontrol token) go to slurmctld, as with no key at all."""
    caplog.set_level("INFO")
    ks = _jwks_file(tmp_path / "jwks.json", rsa_key)
    keys = load_keys(Conf("jwks=%s,jwt_key=%s" % (ks, tmp_path / "secret")))
    assert keys.unchecked == frozenset({"HS256"}) and list(keys.rs256) == ["k1"] and keys.hs256 is None
    assert "HS256 tokens pass through to slurmctld and slurmdbd unchecked" in caplog.text
    auth = JwtAuth(verifier(keys))
    good = pyjwt.encode(claims(), rsa_key, algorithm="RS256", headers={"kid": "k1"})
    assert auth.authenticate(Headers([("X-SLURM-USER-TOKEN", good)]), FakeConn()).verified
    scontrol = hs(claims())
    got = auth.authenticate(Headers([("X-SLURM-USER-TOKEN", scontrol), ("X-SLURM-USER-NAME", "bob")]), FakeConn())
    assert got == Identity("rest_auth/jwt", "bob", token=scontrol, header_user="bob") and not got.verified and not got.rejected
    # an RS256 forgery is still refused here
    forged = pyjwt.encode(claims(), rsa.generate_private_key(public_exponent=65537, key_size=2048),
                          algorithm="RS256", headers={"kid": "k1"})
    assert auth.authenticate(Headers([("X-SLURM-USER-TOKEN", forged)]), FakeConn()).rejected == "bad signature"


def test_readable_jwt_key_with_an_unreadable_jwks(tmp_path, rsa_key):
    p = tmp_path / "k"
    p.write_bytes(KEY)
    keys = load_keys(Conf("jwks=%s,jwt_key=%s" % (tmp_path / "missing.json", p)))
    assert keys.unchecked == frozenset({"RS256"}) and keys.hs256 == KEY
    v = verifier(keys)
    from slurmrestd.auth.verify import TokenUnchecked

    with pytest.raises(TokenUnchecked):
        v.verify(pyjwt.encode(claims(), rsa_key, algorithm="RS256", headers={"kid": "any"}))
    with pytest.raises(TokenRejected, match="bad signature"):
        v.verify(hs(claims(), key=os.urandom(64)))
    # an algorithm header that is not a string is still a refusal, not a crash
    bad = base64.urlsafe_b64encode(json.dumps({"alg": ["HS256"], "typ": "JWT"}).encode()).decode().rstrip("=")
    with pytest.raises(TokenRejected):
        v.verify(bad + "." + hs(claims()).split(".", 1)[1])


def test_no_readable_key_of_either_kind_is_pass_through(tmp_path):
    assert load_keys(Conf("jwks=%s,jwt_key=%s" % (tmp_path / "a", tmp_path / "b"))) is None


# -- use_jwt_client_ids -------------------------------------------------------

IDENT = {"uid": 2001, "gid": 2001, "id": {"name": "alice", "gecos": "Alice", "dir": "/home/alice",
                                          "shell": "/bin/sh"}}


def test_client_ids_name_the_user_before_sun():
    v = verifier(JwtKeys(hs256=KEY, client_ids=True))
    got = v.verify(hs(claims(user="bob", **IDENT)))
    assert got.user_name == "alice"
    # a header naming someone else cannot override a carried identity, even for a proxy token
    with pytest.raises(TokenRejected, match="cannot override"):
        v.verify(hs(claims(user="slurm", **IDENT)), header_user="bob")
    # and the remembered token keeps the rule
    with pytest.raises(TokenRejected, match="cannot override"):
        v.verify(hs(claims(user="bob", **IDENT)), header_user="bob")
    assert v.verify(hs(claims(user="bob", **IDENT)), header_user="alice").user_name == "alice"


@pytest.mark.parametrize("bad", [
    {"uid": -1}, {"uid": 2 ** 32}, {"uid": "x"}, {"gid": None}, {"uid": True},
    {"id": {"name": "alice", "gecos": "", "dir": "/h", "shell": "/bin/sh"}},
    {"id": {"name": "alice", "gecos": "A", "dir": "h", "shell": "/bin/sh"}},
    {"id": {"name": "alice", "gecos": "A", "dir": "/h", "shell": None}},
    {"id": "alice"},
])
def test_incomplete_identity_falls_back_or_is_refused(bad):
    ident = dict(IDENT, **bad)
    ident = {k: v for k, v in ident.items() if v is not None}
    token = hs(claims(user="bob", **ident))
    assert verifier(JwtKeys(hs256=KEY, client_ids=True)).verify(token).user_name == "bob"
    with pytest.raises(TokenRejected, match="use_jwt_client_ids_only"):
        verifier(JwtKeys(hs256=KEY, client_ids=True, client_ids_only=True)).verify(token)


def test_numeric_strings_are_ids_and_without_the_option_ids_are_ignored():
    token = hs(claims(user="bob", **dict(IDENT, uid="2001", gid="2001")))
    assert verifier(JwtKeys(hs256=KEY, client_ids=True)).verify(token).user_name == "alice"
    assert verifier().verify(token).user_name == "bob"


def test_client_id_words_are_read_from_auth_alt_parameters(tmp_path):
    key = tmp_path / "k"
    key.write_bytes(KEY)

    class Conf:
        auth_alt_types = ("auth/jwt",)
        auth_alt_parameters = "jwt_key=%s,use_jwt_client_ids" % key
    keys = load_keys(Conf())
    assert (keys.client_ids, keys.client_ids_only) == (True, False)
    Conf.auth_alt_parameters = "use_jwt_client_ids_only,jwt_key=%s" % key
    keys = load_keys(Conf())
    assert (keys.client_ids, keys.client_ids_only) == (True, True)
    Conf.auth_alt_parameters = "jwt_key=%s" % key
    keys = load_keys(Conf())
    assert (keys.client_ids, keys.client_ids_only) == (False, False)


# -- the user name sent with the token ----------------------------------------


def _auth_section(identity):
    """The auth section the RPCs of this request carry (what slurmctld reads)."""
    from slurmrestd.rpc.pack import Packer
    from slurmrestd.settings import Settings
    from slurmrestd.site import Site

    p = Packer()
    Site(Settings()).credential(identity).pack(p, 1008, b"")
    return bytes(p.buf)


def _packstr(s):
    if s is None:
        return b"\0\0\0\0"
    raw = s.encode() + b"\0"
    return len(raw).to_bytes(4, "big") + raw


def test_verified_token_without_user_header_sends_no_user_name():
    """As the C daemon: without X-SLURM-USER-NAME the token goes with a NULL user name
    (u32 0), even though the token was read here and names alice for meta.client."""
    tok = hs(claims())
    got = JwtAuth(verifier=verifier()).authenticate(Headers([("X-SLURM-USER-TOKEN", tok)]), FakeConn())
    assert (got.user_name, got.header_user, got.verified) == ("alice", None, True)
    assert _auth_section(got) == b"\0\0\0\x66" + _packstr(tok) + b"\0\0\0\0"


@pytest.mark.parametrize("token_user, header", [("alice", "alice"), ("slurm", "bob")])
def test_user_header_is_sent_as_given(token_user, header):
    tok = hs(claims(token_user))
    got = JwtAuth(verifier=verifier()).authenticate(
        Headers([("X-SLURM-USER-TOKEN", tok), ("X-SLURM-USER-NAME", header)]), FakeConn())
    assert (got.user_name, got.header_user) == (header, header)
    assert _auth_section(got) == b"\0\0\0\x66" + _packstr(tok) + _packstr(header)


@pytest.mark.parametrize("headers", [[], [("X-SLURM-USER-NAME", "bob")]])
def test_unchecked_token_sends_the_user_header_only(headers):
    tok = hs(claims())
    got = JwtAuth().authenticate(Headers([("X-SLURM-USER-TOKEN", tok)] + headers), FakeConn())
    name = headers[0][1] if headers else None
    assert (got.user_name, got.header_user) == (name, name)
    assert _auth_section(got) == b"\0\0\0\x66" + _packstr(tok) + _packstr(name)
