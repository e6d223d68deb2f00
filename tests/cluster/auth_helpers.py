"""Helpers for the authentication tests: a slurm.conf whose controller and slurmdbd are
reached through counting TCP forwarders, forged tokens, and job cleanup."""

from __future__ import annotations

import os
import shutil
import time

import jwt as pyjwt

from http_client import call
from tcp_proxy import TcpProxy, conf_through

#: Every job these tests submit carries this prefix in its name.
PREFIX = "auth-"


class CountedConf:
    """A copy of the cluster's slurm.conf with SlurmctldPort and AccountingStoragePort moved to
    forwarders that count the connections our daemon opens (each RPC is one connection to
    slurmctld; slurmdbd sessions open one each).  The directory is world-readable, so that
    a daemon running as another user can read it."""

    def __init__(self, env: dict[str, str]) -> None:
        self.ctld = TcpProxy(("127.0.0.1", int(env["CTLD_PORT"])))
        self.dbd = TcpProxy(("127.0.0.1", int(env["DBD_PORT"])))
        self.dir, self.path = conf_through(env["SLURM_CONF"], self.ctld.port, self.dbd.port, "auth-conf-")
        os.chmod(self.dir, 0o755)
        os.chmod(self.path, 0o644)

    @property
    def connections(self) -> tuple[int, int]:
        return self.ctld.accepted, self.dbd.accepted

    def close(self) -> None:
        self.ctld.close()
        self.dbd.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def site_key(env: dict[str, str]) -> bytes:
    with open(env["JWT_KEY"], "rb") as fh:
        return fh.read()


def forge(env: dict[str, str], user: str = "alice", **claims) -> str:
    """A token signed with the cluster's own key (claims override the scontrol defaults; a
    claim given as None is left out)."""
    now = int(time.time())
    c = {"iat": now, "exp": now + 300, "sun": user}
    c.update(claims)
    c = {k: v for k, v in c.items() if v is not None}
    return pyjwt.encode(c, site_key(env), algorithm="HS256")


def forged_tokens(env: dict[str, str]) -> dict[str, tuple[str, str | None]]:
    """name → (token, X-SLURM-USER-NAME) that slurmctld would refuse."""
    now = int(time.time())
    return {
        "expired": (forge(env, exp=now - 5), None),
        "no exp": (forge(env, exp=None), None),
        "iat in the future": (forge(env, iat=now + 3600, exp=now + 7200), None),
        "bad signature": (pyjwt.encode({"sun": "root", "exp": now + 300}, os.urandom(64), algorithm="HS256"), None),
        "alg none": (pyjwt.encode({"sun": "root", "exp": now + 300}, None, algorithm="none"), None),
        "alice as bob": (forge(env, "alice"), "bob"),
        "not a jwt": ("not.a.jwt", "alice"),
    }


def cancel_prefixed(base: str, token: str, version: str) -> None:
    """Cancel every job of ours (name prefix) visible to the token's user (root or SlurmUser sees all)."""
    st, doc = call(base, "GET", "/slurm/%s/jobs" % version, token, None)
    for j in (doc or {}).get("jobs", []) if st == 200 else []:
        if str(j.get("name", "")).startswith(PREFIX):
            call(base, "DELETE", "/slurm/%s/job/%d" % (version, j["job_id"]), token, None)


def rs256_ready(env: dict[str, str]) -> bool:
    """Whether the cluster was set up with an RS256 key pair and a JWKS (cluster.sh since issue 12)."""
    return all(env.get(k) and os.path.exists(env[k]) for k in ("JWT_RS256_KEY", "JWKS")) and bool(env.get("JWT_KID"))


def rs256_private_key(env: dict[str, str]):
    from cryptography.hazmat.primitives import serialization

    with open(env["JWT_RS256_KEY"], "rb") as fh:
        return serialization.load_pem_private_key(fh.read(), None)


def forge_rs256(env: dict[str, str], user: str = "alice", key=None, kid: str | None = "", **claims) -> str:
    """An RS256 token, signed with the cluster's RSA key and its kid unless told otherwise
    (kid None: no kid header)."""
    now = int(time.time())
    c = {"iat": now, "exp": now + 300, "sun": user}
    c.update(claims)
    c = {k: v for k, v in c.items() if v is not None}
    headers = {} if kid is None else {"kid": kid or env["JWT_KID"]}
    return pyjwt.encode(c, key or rs256_private_key(env), algorithm="RS256", headers=headers)


def hs256_with_the_public_key(env: dict[str, str], user: str = "root") -> str:
    """Algorithm confusion: an HS256 token whose HMAC secret is the cluster's RSA public key
    (PEM), with the JWKS's kid.  PyJWT refuses to make one, so it is made by hand."""
    import base64
    import hashlib
    import hmac
    import json

    from cryptography.hazmat.primitives import serialization

    pem = rs256_private_key(env).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    now = int(time.time())

    def b64(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": env["JWT_KID"]}).encode())
    body = b64(json.dumps({"sun": user, "iat": now, "exp": now + 300}).encode())
    sig = b64(hmac.new(pem, head + b"." + body, hashlib.sha256).digest())
    return (head + b"." + body + b"." + sig).decode()
