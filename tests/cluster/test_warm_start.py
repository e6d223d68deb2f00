"""Warm start of inet mode against the real controllers (slurmrestd/warmstart).

A warm child answers what a cold process answers: GET ping with a token on both clusters
(passed through and checked here), and rest_auth/local over a pipe (the pipe's owner speaks
through munge).  Each test has its own runtime directory, so its warm server is its own, and
stops it at the end.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from clusters import token
from daemon import MODULES_HOOK, ROOT, base_env, warm_run_dir

pytestmark = pytest.mark.cluster



@pytest.fixture
def run_dir():
    with warm_run_dir(prefix="swc") as d:
        yield d


def _serve(env, raw, tmp_path, *args):
    listing = tmp_path / ("modules-%d" % time.monotonic_ns())
    out = subprocess.run([sys.executable, "-c", MODULES_HOOK, str(listing), *args], input=raw, cwd=ROOT,
                         env=env, capture_output=True, timeout=120)
    return out, set(listing.read_text().split()) if listing.exists() else set()


def _warm_up(env, raw, tmp_path, run_dir, *args):
    """The first (cold) process, then wait until its warm server listens."""
    out, loaded = _serve(env, raw, tmp_path, *args)
    assert out.returncode == 0 and "slurmrestd.daemon" in loaded, out.stderr.decode()[-2000:]
    deadline = time.monotonic() + 90
    while not list((run_dir / "slurmrestd-warm").glob("*.sock")):
        assert time.monotonic() < deadline, "no warm server"
        time.sleep(0.2)
    return out


def _body(out):
    head, _, body = out.stdout.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK"), out.stdout[:300]
    return json.loads(body)


@pytest.mark.parametrize("verify", ["no", "yes"])
def test_warm_ping_answers_as_cold(cluster, tmp_path, run_dir, verify):
    suite, cenv = cluster
    version = "v0.0.45" if suite == "forky" else "v0.0.42"
    raw = ("GET /slurm/%s/ping HTTP/1.1\r\nHost: x\r\nX-SLURM-USER-NAME: alice\r\n"
           "X-SLURM-USER-TOKEN: %s\r\nConnection: close\r\n\r\n" % (version, token(suite, "alice"))).encode()
    env = base_env(SLURM_CONF=cenv["SLURM_CONF"], SLURMRESTD_JWT_VERIFY=verify, SLURMRESTD_INET_WARM="120",
                   XDG_RUNTIME_DIR=str(run_dir))
    cold = _body(_warm_up(env, raw, tmp_path, run_dir, "-a", "rest_auth/jwt"))
    out, loaded = _serve(env, raw, tmp_path, "-a", "rest_auth/jwt")
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    assert "slurmrestd.daemon" not in loaded  # served by a warm child
    warm = _body(out)
    for doc in (cold, warm):
        for p in doc["pings"]:
            p.pop("latency")
    assert warm["pings"] == cold["pings"] and warm["errors"] == cold["errors"] == []
    assert warm["meta"]["client"] == cold["meta"]["client"]
    # a forged token: the same refusal warm as cold
    bad = raw.replace(b"X-SLURM-USER-TOKEN: ", b"X-SLURM-USER-TOKEN: x")
    out, loaded = _serve(env, bad, tmp_path, "-a", "rest_auth/jwt")
    assert "slurmrestd.daemon" not in loaded
    cold_bad, _ = _serve({**env, "SLURMRESTD_INET_WARM": "no"}, bad, tmp_path, "-a", "rest_auth/jwt")
    assert out.stdout.split(b"\r\n", 1)[0] == cold_bad.stdout.split(b"\r\n", 1)[0]


def test_warm_local_auth_over_a_pipe(cluster, tmp_path, run_dir):
    suite, cenv = cluster
    version = "v0.0.45" if suite == "forky" else "v0.0.42"
    raw = b"GET /slurm/%s/diag HTTP/1.1\r\nConnection: close\r\n\r\n" % version.encode()
    env = base_env(SLURM_CONF=cenv["SLURM_CONF"], SLURMRESTD_INET_WARM="120", XDG_RUNTIME_DIR=str(run_dir))
    cold = _body(_warm_up(env, raw, tmp_path, run_dir))
    out, loaded = _serve(env, raw, tmp_path)
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    assert "slurmrestd.daemon" not in loaded
    warm = _body(out)
    assert warm["errors"] == [] and "statistics" in warm
    assert warm["meta"]["client"] == cold["meta"]["client"]  # the pipe's owner, as cold
