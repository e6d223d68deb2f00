"""The seeds' own inet-mode examples, run as written: ``echo -e ... | slurmrestd`` (issue 14, defect 3).

The request carries no Host header (and, in the second example, an absolute-form target);
the reference serves both, and so do we.  rest_auth/local authenticates the owner of the
pipe and speaks for it with munge, as the reference does.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
import time

import pytest

from clusters import token
from daemon import MODULES_HOOK, ROOT, base_env

pytestmark = pytest.mark.cluster

EXAMPLES = {
    "origin-form": r'GET /slurm/v0.0.45/diag HTTP/1.1\r\nAccept: */*\r\n',
    "absolute-form": r'GET http://localhost/slurm/v0.0.45/diag HTTP/1.1\r\nAccept: */*\r\n',
}


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_seed_inet_example(cluster, example):
    suite, env = cluster
    if suite != "forky":
        pytest.skip("v0.0.45 is served by the 26.05 cluster")
    cmd = 'echo -e "%s" | "%s" -m slurmrestd -vv' % (EXAMPLES[example], sys.executable)
    out = subprocess.run(["bash", "-c", cmd], cwd=ROOT, env=base_env(SLURM_CONF=env["SLURM_CONF"]),
                         capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    head, _, body = out.stdout.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK"), out.stdout[:500]
    doc = json.loads(body)
    assert doc["errors"] == [] and "statistics" in doc
    assert b"without a Host header: accepted" in out.stderr  # logged at debug



#: Loaded by nothing a JSON ping with a passed-through token needs.
NOT_FOR_A_PING = (
    "jwt", "cryptography", "Crypto", "cffi", "yaml", "prometheus_client", "ssl", "ctypes.util", "subprocess", "greenlet",
    "importlib.resources", "slurmrestd.data_parser.schema",
    "slurmrestd.operations.slurmdbd", "slurmrestd.operations.util",
    "slurmrestd.operations.slurmctld.jobs", "slurmrestd.operations.slurmctld.diag",
    "slurmrestd.rpc.ctld.jobs",
)
#: Older versions are declared as deltas of the newer ones: a v0.0.45 ping needs none of them.
NOT_FOR_A_V0045_PING = ("slurmrestd.data_parser.decl.v0042", "slurmrestd.data_parser.decl.v0043",
                        "slurmrestd.data_parser.decl.v0044")


@pytest.mark.parametrize("verify", ["no", "yes"])
def test_inet_ping_loads_only_what_a_ping_needs(cluster, tmp_path, verify):
    """Inet mode binds and imports lazily: one GET ping (JSON, the token passed through or
    checked here with the readable HS256 key: hmac, no PyJWT) leaves the token libraries, the munge hash, YAML, metrics, TLS, the OpenAPI schema writer,
    the other handlers and the other data parser versions unloaded (checked in
    ``sys.modules``, not by timing)."""
    suite, env = cluster
    version = "v0.0.45" if suite == "forky" else "v0.0.42"
    request = ("GET /slurm/%s/ping HTTP/1.1\r\nHost: x\r\nX-SLURM-USER-NAME: alice\r\n"
               "X-SLURM-USER-TOKEN: %s\r\nConnection: close\r\n\r\n" % (version, token(suite, "alice")))
    listing = tmp_path / "modules"
    out = subprocess.run([sys.executable, "-c", MODULES_HOOK, str(listing), "-a", "rest_auth/jwt"],
                         input=request.encode(), cwd=ROOT, capture_output=True, timeout=120,
                         env=base_env(SLURM_CONF=env["SLURM_CONF"], SLURMRESTD_JWT_VERIFY=verify))
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    head, _, body = out.stdout.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK"), out.stdout[:500]
    pings = json.loads(body)["pings"]
    assert pings and pings[0]["responding"], body[:500]
    loaded = set(listing.read_text().split())
    assert "slurmrestd.operations.slurmctld.ping" in loaded  # the hook saw the request served
    names = NOT_FOR_A_PING + (NOT_FOR_A_V0045_PING if version == "v0.0.45" else ())
    unwanted = sorted(m for m in loaded if any(m == n or m.startswith(n + ".") for n in names))
    assert unwanted == [], unwanted


def _run_with_files(tmp_path, env: dict, request: bytes) -> tuple[subprocess.CompletedProcess, float, float]:
    """``slurmrestd < request > answer``: stdin and stdout regular files (no pipe, no
    socket); the answer, the wall-clock and the CPU seconds of the process."""
    req, ans = tmp_path / "request.txt", tmp_path / "answer.txt"
    req.write_bytes(request)
    os.chmod(req, 0o600)  # rest_auth/local refuses input others may read, as the reference
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    with open(req, "rb") as rf, open(ans, "wb") as wf:
        out = subprocess.run([sys.executable, "-m", "slurmrestd"], cwd=ROOT, env=env, stdin=rf, stdout=wf,
                             stderr=subprocess.PIPE, timeout=120)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    out.stdout = ans.read_bytes()
    return out, wall, cpu


def test_regular_file_on_stdin_is_served(cluster, tmp_path):
    """The selector refuses regular files; the request is still served and the process exits."""
    suite, env = cluster
    if suite != "forky":
        pytest.skip("v0.0.45 is served by the 26.05 cluster")
    out, wall, _ = _run_with_files(tmp_path, base_env(SLURM_CONF=env["SLURM_CONF"]),
                                   b"GET /slurm/v0.0.45/diag HTTP/1.1\r\nAccept: */*\r\n\r\n"
                                   b"GET /slurm/v0.0.45/ping HTTP/1.1\r\n\r\n")
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    assert out.stdout.count(b"HTTP/1.1 200 OK") == 2, out.stdout[:500]
    assert wall < 30


def test_regular_file_on_stdin_does_not_spin(cluster, tmp_path):
    """While the request waits for a controller that does not answer (a listener that
    never replies, MessageTimeout=3), the loop waits too: the process uses a small part of
    one core, where turning without a pause would use all of it."""
    suite, env = cluster
    if suite != "forky":
        pytest.skip("one cluster is enough")
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(16)
    conf = tmp_path / "slurm.conf"
    lines = [ln for ln in open(env["SLURM_CONF"]).read().splitlines()
             if not ln.startswith(("SlurmctldPort=", "MessageTimeout="))]
    conf.write_text("\n".join(lines + ["SlurmctldPort=%d" % hole.getsockname()[1], "MessageTimeout=3"]) + "\n")
    try:
        out, wall, cpu = _run_with_files(tmp_path, base_env(SLURM_CONF=str(conf)),
                                         b"GET /slurm/v0.0.45/diag HTTP/1.1\r\n\r\n")
    finally:
        hole.close()
    assert out.returncode in (0, 1), out.stderr.decode()[-2000:]
    assert out.stdout.startswith(b"HTTP/1.1 5"), out.stdout[:300]  # the controller did not answer
    assert wall >= 3
    assert cpu < 0.5 * wall, "%.1f s of CPU in %.1f s: the loop spins" % (cpu, wall)
