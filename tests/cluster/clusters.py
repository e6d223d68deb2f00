"""The local Slurm clusters (cluster/cluster.sh) as tests see them.

forky = Slurm 26.05 (protocol 45), trixie = Slurm 24.11 (protocol 42).  Outside CI
a test is skipped when its cluster is not up; in CI (CI=true) that is a failure,
because CI brings the clusters up first and functional tests never fake them.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROOT = os.environ.get("SLURMRESTD_CLUSTER_ROOT", "/var/lib/slurmrestd-cluster")
CLUSTER_SH = os.environ.get("SLURMRESTD_CLUSTER_SH", os.path.join(REPO, "cluster", "cluster.sh"))
SUITES = ("forky", "trixie")
TRACEBACK = "Traceback (most recent call last)"
#: data parser versions each cluster's reference daemon serves that we serve too
REF_VERSIONS = {"forky": ("v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45"), "trixie": ("v0.0.40", "v0.0.41", "v0.0.42")}


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail("cluster required in CI: " + reason)
    pytest.skip(reason)


def read_env(suite: str) -> dict[str, str]:
    path = os.path.join(ROOT, suite, "env")
    if not os.path.exists(path):
        _unavailable("cluster %s is not set up (%s missing)" % (suite, path))
    env: dict[str, str] = {}
    with open(path) as fh:
        for line in fh:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                env[k] = v.strip().strip("'\"")
    port = int(env.get("CTLD_PORT", "0"))
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        _unavailable("slurmctld of %s is not listening on %d" % (suite, port))
    return env


def token(suite: str, user: str = "alice", lifespan: int = 3600) -> str:
    try:
        out = subprocess.run(["bash", CLUSTER_SH, "token", suite, user, str(lifespan)], capture_output=True,
                             text=True, timeout=60, check=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        _unavailable("cannot get a token for %s: %s" % (suite, exc))
    return out.strip().splitlines()[-1]


@contextlib.contextmanager
def our_daemon(slurm_conf: str, *args: str, wait_listen: int = 1, **env: str):
    """Our daemon (a subprocess, :class:`daemon.Daemon`) for the cluster of ``slurm_conf``,
    on an ephemeral port, with the extra command-line ``args`` and environment ``env``.
    Stopped at the end, and then its log must hold no traceback."""
    from daemon import Daemon, base_env

    d = Daemon(*args, "127.0.0.1:0", wait_listen=wait_listen, env=base_env(SLURM_CONF=slurm_conf, **env))
    try:
        yield d
    finally:
        d.stop()
    log = "\n".join(d.log_lines)
    at = log.find(TRACEBACK)
    # the first traceback and what led to it, not the end of a long log
    assert at < 0, log[max(0, at - 1500):at + 3000]
