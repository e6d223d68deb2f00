"""The seeds' own inet-mode examples, run as written: ``echo -e ... | slurmrestd`` (issue 14, defect 3).

The request carries no Host header (and, in the second example, an absolute-form target);
the reference serves both, and so do we.  rest_auth/local authenticates the owner of the
pipe and speaks for it with munge, as the reference does.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from daemon import ROOT, base_env

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
