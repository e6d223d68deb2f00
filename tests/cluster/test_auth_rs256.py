"""RS256 tokens end to end on the real clusters (issue 12).

cluster.sh gives each cluster an RSA key pair and a one-key JWKS next to the HS256
jwt_key (``AuthAltParameters=jwks=...,jwt_key=...`` in slurm.conf and slurmdbd.conf).
A token signed with the private key and carrying the JWKS's ``kid`` is checked by our
daemon itself and accepted by slurmctld and slurmdbd of both versions; forgeries are
refused before any RPC, counted through the forwarders of ``CountedConf``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from auth_helpers import (PREFIX, CountedConf, cancel_prefixed, forge, forge_rs256, hs256_with_the_public_key,
                          rs256_ready)
from clusters import REF_VERSIONS, _unavailable, our_daemon, token
from daemon import Daemon, base_env
from http_client import call

pytestmark = [pytest.mark.cluster, pytest.mark.functional]


@pytest.fixture(scope="module")
def env(cluster):
    if not rs256_ready(cluster[1]):
        _unavailable("cluster %s has no RS256 key pair (run cluster.sh up, then restart slurmctld and "
                     "slurmdbd)" % cluster[0])
    return cluster[1]


@pytest.fixture(scope="module")
def counted(env):
    conf = CountedConf(env)
    yield conf
    conf.close()


@pytest.fixture(scope="module")
def verifying(env, counted):
    with our_daemon(counted.path) as d:
        yield d


def url(d: Daemon) -> str:
    return "http://%s:%d" % d.inet


def settle(conf: CountedConf) -> tuple[int, int]:
    time.sleep(0.3)
    return conf.connections


def _submit(base: str, v: str, tok: str, user: str | None = None):
    body = {"job": {"name": PREFIX + uuid.uuid4().hex[:8], "hold": True, "current_working_directory": "/tmp",
                    "environment": ["PATH=/bin:/usr/bin"], "script": "#!/bin/sh\nsleep 300\n"}}
    return call(base, "POST", "/slurm/%s/job/submit" % v, tok, user, body)


def test_both_keys_are_loaded(env, verifying):
    assert any("verifying tokens locally with jwt_key=%s, jwks=%s (1 RS256 keys)" % (env["JWT_KEY"], env["JWKS"])
               in l for l in verifying.log_lines), verifying.log_lines


def test_rs256_job_as_alice_end_to_end(cluster, env, verifying, counted):
    """Checked here (meta.client names alice before any RPC could), then accepted by
    slurmctld (the job is alice's) and slurmdbd, exactly as by the reference."""
    suite, _ = cluster
    v = REF_VERSIONS[suite][-1]
    tok = forge_rs256(env, "alice")
    before = settle(counted)
    try:
        for base in (url(verifying), env["REF_URL"]):
            st, doc = _submit(base, v, tok)
            assert st == 200, (base, doc)
            st, job = call(base, "GET", "/slurm/%s/job/%d" % (v, doc["job_id"]), tok, None)
            assert st == 200 and job["jobs"][0]["user_name"] == "alice", (base, job)
            st, acc = call(base, "GET", "/slurmdb/%s/accounts" % v, tok, None)
            assert st == 200 and any(a["name"] == "testacct" for a in acc["accounts"]), (base, acc)
            if base == url(verifying):
                assert doc["meta"]["client"]["user"] == "alice" and acc["meta"]["client"]["user"] == "alice"
    finally:
        cancel_prefixed(url(verifying), token(suite, "slurm"), v)
    after = settle(counted)
    assert after[0] > before[0] and after[1] > before[1], "the RS256 token never reached slurmctld/slurmdbd"
    assert "rejected token" not in verifying.drain_log()


def test_rs256_proxy_by_slurmuser(cluster, env, verifying):
    """An RS256 token of SlurmUser naming alice runs as alice, as with HS256."""
    suite, _ = cluster
    v = REF_VERSIONS[suite][-1]
    tok = forge_rs256(env, "slurm")
    try:
        st, doc = _submit(url(verifying), v, tok, "alice")
        assert st == 200 and doc["meta"]["client"]["user"] == "alice", doc
        st, job = call(url(verifying), "GET", "/slurm/%s/job/%d" % (v, doc["job_id"]), tok, "alice")
        assert st == 200 and job["jobs"][0]["user_name"] == "alice"
    finally:
        cancel_prefixed(url(verifying), token(suite, "slurm"), v)


def forgeries(env) -> dict[str, tuple[str, str | None, str]]:
    """name → (token, X-SLURM-USER-NAME, reason our log gives)."""
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    return {
        "wrong signature": (forge_rs256(env, "root", key=other), None, "bad signature"),
        "alg confusion": (hs256_with_the_public_key(env, "root"), None, "bad signature"),
        "unknown kid": (forge_rs256(env, "alice", kid="zz-auth12-unknown"), None,
                        "no key with kid 'zz-auth12-unknown'"),
        "no kid": (forge_rs256(env, "alice", kid=None), None, "RS256 token without kid"),
        "expired": (forge_rs256(env, "alice", exp=now - 5), None, "expired"),
        "alice as bob": (forge_rs256(env, "alice"), "bob", "a token of alice cannot act as bob"),
    }


@pytest.mark.parametrize("version_index", [-1, 0])
def test_rs256_forgeries_are_511_with_zero_rpcs(cluster, env, verifying, counted, version_index):
    """Each forged RS256 token gets the answer the reference gives once slurmctld refused it
    (511, error 1007), and our daemon opened no connection to slurmctld or slurmdbd."""
    suite, _ = cluster
    v = REF_VERSIONS[suite][version_index]
    forged = forgeries(env)
    before = settle(counted)
    for name, (tok, user, _) in forged.items():
        for path in ("/slurm/%s/diag" % v, "/slurm/%s/jobs" % v):
            st, doc = call(url(verifying), "GET", path, tok, user)
            st_ref, ref = call(env["REF_URL"], "GET", path, tok, user)
            assert st == st_ref == 511, (name, path, st, doc, st_ref, ref)
            assert [(e["error_number"], e["error"]) for e in doc["errors"]] == \
                [(e["error_number"], e["error"]) for e in ref["errors"]] == \
                [(1007, "Protocol authentication error")], (name, path, doc, ref)
            assert doc["meta"]["client"]["user"] == ""
        st, doc = _submit(url(verifying), v, tok, user)
        assert st == 511, (name, doc)
    assert settle(counted) == before, "a forged RS256 token reached slurmctld or slurmdbd"
    log = verifying.drain_log()
    for name, (tok, _, reason) in forged.items():
        assert reason in log, (name, reason)
        assert tok.split(".")[-1] not in log, "the token of %r was logged" % name


def test_public_jwks_next_to_an_unreadable_jwt_key(cluster, env, tmp_path):
    """A site's usual split: the JWKS readable by everyone, the HS256 secret 0600.  A daemon
    running as slurmrestd checks RS256 tokens itself (forgeries cost no RPC) and passes
    HS256 tokens (scontrol token) through to slurmctld, which judges them."""
    suite, _ = cluster
    v = REF_VERSIONS[suite][-1]
    conf = CountedConf(env)
    public = os.path.join(conf.dir, "jwks.json")
    shutil.copyfile(env["JWKS"], public)
    os.chmod(public, 0o644)
    with open(conf.path) as fh:
        text = fh.read()
    text = re.sub(r"(?m)^AuthAltParameters=.*$", "AuthAltParameters=jwks=%s,jwt_key=%s" % (public, env["JWT_KEY"]),
                  text)
    with open(conf.path, "w") as fh:
        fh.write(text)
    d = Daemon("-u", "slurmrestd", "127.0.0.1:0", env=base_env(SLURM_CONF=conf.path))
    try:
        assert any("verifying tokens locally with jwks=%s (1 RS256 keys)" % public in l for l in d.log_lines), \
            d.log_lines
        assert any("HS256 tokens pass through to slurmctld and slurmdbd unchecked" in l and "Permission denied" in l
                   for l in d.log_lines), d.log_lines
        forged = forgeries(env)
        # the HS256 one (alg confusion) is slurmctld's to judge here: it has the HS256 key
        confusion = forged.pop("alg confusion")[0]
        before = settle(conf)
        for tok, user, _ in forged.values():
            assert call(url(d), "GET", "/slurm/%s/diag" % v, tok, user)[0] == 511
        assert settle(conf) == before
        st, doc = call(url(d), "GET", "/slurm/%s/diag" % v, confusion, None)
        assert st == 511 and doc["errors"][0]["error_number"] == 1007 and settle(conf)[0] > before[0]
        # RS256 good: checked here and served
        st, doc = call(url(d), "GET", "/slurm/%s/diag" % v, forge_rs256(env, "bob"), None)
        assert st == 200 and doc["meta"]["client"]["user"] == "bob"
        # HS256: through to slurmctld, good and bad alike
        before = settle(conf)
        st, doc = call(url(d), "GET", "/slurm/%s/diag" % v, token(suite, "alice"), None)
        assert st == 200 and doc["meta"]["client"]["user"] == "alice", doc
        st, doc = call(url(d), "GET", "/slurm/%s/diag" % v, forge(env, exp=int(time.time()) - 5), None)
        assert st == 511 and doc["errors"][0]["error_number"] == 1007
        assert settle(conf)[0] >= before[0] + 2, "HS256 tokens should have been judged by slurmctld"
    finally:
        d.stop()
        conf.close()
    assert "Traceback (most recent call last)" not in "\n".join(d.log_lines)
