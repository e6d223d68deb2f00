"""Local JWT verification against the real clusters (issue 12), and meta.client naming the
verified caller (issue 14, defect 5).

The cluster's jwt_key is readable by root, so a daemon started by these tests verifies
tokens itself; the forwarders of ``CountedConf`` count every connection it opens to
slurmctld and slurmdbd, which proves that a refused token costs no RPC at all.
"""

from __future__ import annotations

import time
import uuid

import pytest

from auth_helpers import PREFIX, CountedConf, cancel_prefixed, forge, forged_tokens
from clusters import REF_VERSIONS, our_daemon, token
from daemon import Daemon, base_env
from http_client import call

pytestmark = [pytest.mark.cluster, pytest.mark.functional]


@pytest.fixture(scope="module")
def counted(cluster):
    conf = CountedConf(cluster[1])
    yield conf
    conf.close()


@pytest.fixture(scope="module")
def verifying(cluster, counted):
    with our_daemon(counted.path) as d:
        yield d


def url(d: Daemon) -> str:
    return "http://%s:%d" % d.inet


def paths(suite: str) -> list[str]:
    v = REF_VERSIONS[suite][-1]
    return ["/slurm/%s/diag" % v, "/slurm/%s/jobs" % v, "/slurm/%s/ping" % v, "/slurmdb/%s/accounts" % v,
            "/slurmdb/%s/diag" % v]


def settle(counted: CountedConf) -> tuple[int, int]:
    time.sleep(0.3)
    return counted.connections


def test_verification_is_on_when_the_key_is_readable(verifying):
    assert any("verifying tokens locally with jwt_key=" in l for l in verifying.log_lines), verifying.log_lines


def test_forged_tokens_cost_no_rpc(cluster, verifying, counted):
    """Every endpoint answers a refused token as the reference answers once slurmctld or
    slurmdbd refused it (511 and 1007 for the controller's, 502 and 7000 for slurmdbd's,
    ping's "not responding"), and our daemon opened no connection to either.  An ``iat``
    in the future is refused here although slurmctld ignores ``iat``: it gets the answer
    the reference gives an expired token."""
    suite, env = cluster
    forged = forged_tokens(env)
    before = settle(counted)
    for name, (tok, user) in forged.items():
        for path in paths(suite):
            st, doc = call(url(verifying), "GET", path, tok, user)
            ref_tok, ref_user = forged["expired"] if name == "iat in the future" else (tok, user)
            st_ref, ref = call(env["REF_URL"], "GET", path, ref_tok, ref_user)
            assert st == st_ref, (name, path, doc, ref)
            assert [e["error_number"] for e in doc["errors"]] == [e["error_number"] for e in ref["errors"]], \
                (name, path, doc, ref)
            assert [e["source"] for e in doc["errors"]] == [e["source"] for e in ref["errors"]], (name, path)
            if path.startswith("/slurm/") and not path.endswith("/ping"):
                assert st == 511 and doc["errors"][0]["error"] == "Protocol authentication error"
            elif path.endswith("/ping"):
                assert [p["responding"] for p in doc["pings"]] == [p["responding"] for p in ref["pings"]] == [False]
            else:
                assert st == 502 and doc["errors"][0]["error_number"] == 7000
            assert doc["meta"]["client"]["user"] == "" and doc["meta"]["client"]["group"] == ""
    assert settle(counted) == before, "a refused token reached slurmctld or slurmdbd"
    # operators see them: one authentication failure per refused request
    st, text = call(url(verifying), "GET", "/metrics", token(suite, "alice"), None)
    assert st == 200
    line = [l for l in text.decode().splitlines()
            if l.startswith('slurmrestd_auth_failures_total{reason="SLURM_PROTOCOL_AUTHENTICATION_ERROR"}')]
    assert line and float(line[0].split()[-1]) >= len(forged) * len(paths(suite)), line
    log = verifying.drain_log()
    for reason in ("expired", "no exp claim", "in the future", "bad signature", "wrong algorithm 'none'",
                   "a token of alice cannot act as bob", "malformed token"):
        assert reason in log, reason
    for tok, _ in forged_tokens(env).values():
        assert tok.split(".")[-1] not in log or len(tok.split(".")[-1]) < 8, "a token was logged"
    # the control: a good token does reach both daemons
    good = token(suite, "alice")
    assert call(url(verifying), "GET", paths(suite)[0], good, None)[0] == 200
    assert call(url(verifying), "GET", paths(suite)[3], good, None)[0] == 200
    after = settle(counted)
    assert after[0] > before[0] and after[1] > before[1]


def test_expired_token_answer_matches_the_reference(cluster, verifying):
    suite, env = cluster
    expired = token(suite, "alice", lifespan=1)
    time.sleep(2.2)
    for path in paths(suite)[:2]:
        st, doc = call(url(verifying), "GET", path, expired, None)
        st_ref, ref = call(env["REF_URL"], "GET", path, expired, None)
        assert st == st_ref == 511, (path, doc, ref)
        assert [e["error_number"] for e in doc["errors"]] == [e["error_number"] for e in ref["errors"]]


def test_meta_client_is_the_verified_caller(cluster, verifying):
    """Bearer alone names the token's user and group; a refused claim names nobody."""
    suite, env = cluster
    alice = token(suite, "alice")
    v = REF_VERSIONS[suite][-1]
    st, doc = call(url(verifying), "GET", "/slurm/%s/diag" % v, None, None,
                   headers={"Authorization": "Bearer " + alice})
    assert st == 200 and doc["meta"]["client"]["user"] == "alice" and doc["meta"]["client"]["group"] == "alice"
    st, doc = call(url(verifying), "GET", "/slurm/%s/diag" % v, alice, "bob")
    assert st == 511 and doc["meta"]["client"]["user"] == "" and doc["meta"]["client"]["group"] == ""
    st, doc = call(url(verifying), "GET", "/slurmdb/%s/accounts" % v, token(suite, "bob"), None)
    assert st == 200 and (doc["meta"]["client"]["user"], doc["meta"]["client"]["group"]) == ("bob", "bob")


def _submit(base: str, v: str, tok: str, user: str | None):
    body = {"job": {"name": PREFIX + uuid.uuid4().hex[:8], "hold": True, "current_working_directory": "/tmp",
                    "environment": ["PATH=/bin:/usr/bin"], "script": "#!/bin/sh\nsleep 300\n"}}
    return call(base, "POST", "/slurm/%s/job/submit" % v, tok, user, body)


@pytest.mark.parametrize("proxy", ["slurm", "root"])
def test_slurmuser_and_root_tokens_run_as_the_named_user(cluster, verifying, proxy):
    """As the reference does through auth/jwt's user name: the job belongs to alice."""
    suite, env = cluster
    v = REF_VERSIONS[suite][-1]
    tok = token(suite, proxy)
    try:
        for base in (url(verifying), env["REF_URL"]):
            st, doc = _submit(base, v, tok, "alice")
            assert st == 200, (base, doc)
            st, job = call(base, "GET", "/slurm/%s/job/%d" % (v, doc["job_id"]), tok, "alice")
            assert st == 200 and job["jobs"][0]["user_name"] == "alice", (base, job)
            if base == url(verifying):
                assert doc["meta"]["client"]["user"] == "alice"
    finally:
        cancel_prefixed(url(verifying), token(suite, "slurm"), v)


def test_ordinary_user_naming_another_is_refused_like_the_reference(cluster, verifying, counted):
    suite, env = cluster
    v = REF_VERSIONS[suite][-1]
    bob = token(suite, "bob")
    before = settle(counted)
    st, doc = _submit(url(verifying), v, bob, "alice")
    assert settle(counted) == before
    try:
        st_ref, ref = _submit(env["REF_URL"], v, bob, "alice")
    finally:
        cancel_prefixed(url(verifying), token(suite, "slurm"), v)
    assert st == st_ref == 511, (doc, ref)
    assert [(e["error_number"], e["source"], e["description"]) for e in doc["errors"]] == \
        [(e["error_number"], e["source"], e["description"]) for e in ref["errors"]]


def test_unreadable_key_passes_through(cluster):
    """As the daemon's own user (slurmrestd) the 0600 SlurmUser key is unreadable: one info
    line, and tokens go to the controller, which judges them as before."""
    suite, env = cluster
    conf = CountedConf(env)
    d = Daemon("-u", "slurmrestd", "127.0.0.1:0", env=base_env(SLURM_CONF=conf.path))
    try:
        assert any("pass through to slurmctld and slurmdbd unchecked" in l and "Permission denied" in l
                   for l in d.log_lines), d.log_lines
        v = REF_VERSIONS[suite][-1]
        before = settle(conf)
        st, doc = call(url(d), "GET", "/slurm/%s/diag" % v, forge(env, exp=int(time.time()) - 5), None)
        assert st == 511 and doc["errors"][0]["error_number"] == 1007
        assert settle(conf)[0] > before[0], "pass-through should have asked slurmctld"
        # once slurmctld or slurmdbd accepted the token, meta.client names its user
        alice = token(suite, "alice")
        for path, user in (("/slurm/%s/diag" % v, "alice"), ("/slurmdb/%s/accounts" % v, None),
                           ("/slurm/%s/jobs" % v, None), ("/slurm/%s/jobs" % v, None)):
            st, doc = call(url(d), "GET", path, alice, user)
            assert st == 200 and (doc["meta"]["client"]["user"], doc["meta"]["client"]["group"]) == \
                ("alice", "alice"), (path, doc["meta"]["client"])
        # ... and nothing for a claim they refused (bob's token naming alice), nor where no
        # RPC checked anything
        st, doc = call(url(d), "GET", "/slurm/%s/diag" % v, token(suite, "bob"), "alice")
        assert st == 511 and doc["meta"]["client"]["user"] == ""
        if v >= "v0.0.44":
            st, doc = call(url(d), "POST", "/util/%s/hostlist" % v, alice, None, {"hostnames": ["n1", "n2"]})
            assert st == 200 and doc["meta"]["client"]["user"] == "", doc["meta"]["client"]
    finally:
        d.stop()
        conf.close()


def test_without_a_readable_key_every_answer_is_the_references(cluster):
    """Pass-through is today's behaviour: a daemon that can read no key (run as slurmrestd)
    sends every token on, forged or not, and answers exactly what the reference answers,
    after slurmctld or slurmdbd judged it (one info line at start-up says so).  slurmctld
    ignores ``iat``, so the token issued in the future is served, by both."""
    from auth_helpers import forge_rs256, hs256_with_the_public_key, rs256_ready

    suite, env = cluster
    conf = CountedConf(env)
    d = Daemon("-u", "slurmrestd", "127.0.0.1:0", env=base_env(SLURM_CONF=conf.path))
    try:
        notes = [l for l in d.log_lines if "pass through to slurmctld and slurmdbd unchecked" in l]
        assert len(notes) == 1 and "Permission denied" in notes[0], d.log_lines
        assert not any("verifying tokens locally" in l for l in d.log_lines)
        tokens = dict(forged_tokens(env))
        tokens["good"] = (token(suite, "alice"), None)
        tokens["good, SlurmUser as alice"] = (token(suite, "slurm"), "alice")
        if rs256_ready(env):
            tokens["rs256 good"] = (forge_rs256(env, "bob"), None)
            tokens["rs256 unknown kid"] = (forge_rs256(env, kid="zz-auth12-none"), None)
            tokens["hs256 with the public key"] = (hs256_with_the_public_key(env), None)
        before = settle(conf)
        asked = 0
        for name, (tok, user) in tokens.items():
            for path in paths(suite):
                st, doc = call(url(d), "GET", path, tok, user)
                st_ref, ref = call(env["REF_URL"], "GET", path, tok, user)
                assert [e["error_number"] for e in doc["errors"]] == [e["error_number"] for e in ref["errors"]], \
                    (name, path, doc["errors"], ref["errors"])
                # slurmdbd's 2002 for a plain user's statistics is 422 as in 26.05 (24.11: 500),
                # whatever the authentication (tests/cluster/test_dbd_basic.py)
                if not (path.startswith("/slurmdb/") and path.endswith("/diag") and (st, st_ref) == (422, 500)):
                    assert st == st_ref, (name, path, doc, ref)
                if path.endswith("/ping"):
                    assert [p["responding"] for p in doc["pings"]] == [p["responding"] for p in ref["pings"]]
                asked += path.startswith("/slurm/") and not path.endswith("/ping")
        assert settle(conf)[0] - before[0] >= asked, "some token did not reach slurmctld"
        assert "rejected token" not in d.drain_log()
    finally:
        d.stop()
        conf.close()
    assert "Traceback (most recent call last)" not in "\n".join(d.log_lines)


def test_verification_off_and_required(cluster, tmp_path):
    suite, env = cluster
    conf = CountedConf(env)
    try:
        d = Daemon("127.0.0.1:0", env=base_env(SLURM_CONF=conf.path, SLURMRESTD_JWT_VERIFY="no"))
        try:
            before = settle(conf)
            st, _ = call(url(d), "GET", "/slurm/%s/diag" % REF_VERSIONS[suite][-1], "not.a.jwt", None)
            assert st == 511 and settle(conf)[0] > before[0]
        finally:
            d.stop()
        missing = str(tmp_path / "missing.key")
        for extra in ({"SLURMRESTD_JWT_VERIFY": "yes", "SLURMRESTD_JWT_KEY": missing},
                      {"SLURMRESTD_JWT_KEY": missing}):
            d = Daemon("127.0.0.1:0", env=base_env(SLURM_CONF=conf.path, **extra), wait_listen=0)
            assert d.proc.wait(20) == 1
            d.stop()
            assert any("cannot read %s" % missing in l for l in d.log_lines), d.log_lines
    finally:
        conf.close()


def test_jwks_override(cluster, tmp_path):
    """SLURMRESTD_JWKS adds RS256 keys; HS256 still uses slurm.conf's jwt_key.  A token
    whose kid is not in the set is refused with no RPC."""
    import json

    import jwt as pyjwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    suite, env = cluster
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(pyjwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [dict(jwk, kid="site-1", alg="RS256")]}))
    conf = CountedConf(env)
    d = Daemon("127.0.0.1:0", env=base_env(SLURM_CONF=conf.path, SLURMRESTD_JWKS=str(path)))
    try:
        assert any("jwks=%s (1 RS256 keys)" % path in l for l in d.log_lines), d.log_lines
        v = REF_VERSIONS[suite][-1]
        assert call(url(d), "GET", "/slurm/%s/diag" % v, token(suite, "alice"), None)[0] == 200
        before = settle(conf)
        now = int(time.time())
        wrong_kid = pyjwt.encode({"sun": "alice", "exp": now + 60, "iat": now}, key, algorithm="RS256",
                                 headers={"kid": "other"})
        st, doc = call(url(d), "GET", "/slurm/%s/diag" % v, wrong_kid, None)
        assert st == 511 and settle(conf) == before
        assert "no key with kid 'other'" in d.drain_log()
    finally:
        d.stop()
        conf.close()
