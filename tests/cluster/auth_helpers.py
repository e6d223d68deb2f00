"""Helpers for the authentication tests: a slurm.conf whose controller and slurmdbd are
reached through counting TCP forwarders, forged tokens, and job cleanup."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time

import jwt as pyjwt

from http_client import call
from tcp_proxy import TcpProxy

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
        self.dir = tempfile.mkdtemp(prefix="auth-conf-")
        os.chmod(self.dir, 0o755)
        with open(env["SLURM_CONF"]) as fh:
            text = fh.read()
        text = re.sub(r"(?m)^SlurmctldPort=.*$", "SlurmctldPort=%d" % self.ctld.port, text)
        text = re.sub(r"(?m)^AccountingStoragePort=.*$", "AccountingStoragePort=%d" % self.dbd.port, text)
        self.path = os.path.join(self.dir, "slurm.conf")
        with open(self.path, "w") as fh:
            fh.write(text)
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
