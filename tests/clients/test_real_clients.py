"""Real clients tier: third-party Slurm REST clients from PyPI, installed into a venv of
their own (tools/real_clients.sh), each driven through its own API (tests/clients/drive.py:
ping; submit, get, update, cancel a held job; nodes; partitions; slurmdb accounts, users,
jobs) against our daemon and against the reference daemon of the same cluster.  Whatever
works with the reference must work with ours and give the same answer."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from clusters import REF_VERSIONS

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VENV = os.environ.get("REAL_CLIENTS_VENV", os.path.expanduser("~/.cache/slurmrestd-real-clients"))
#: client → the data parser versions it speaks (its package's generated modules)
CLIENT_VERSIONS = {"slurmrestapi": ("v0.0.42", "v0.0.43", "v0.0.44"), "slurpy": ("v0.0.42",)}
CASES = [(client, v) for client, versions in CLIENT_VERSIONS.items() for v in versions]


@pytest.fixture(scope="session")
def clients_python() -> str:
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py) and not os.environ.get("SLURMRESTD_ALLOW_PIP"):
        pytest.skip("the real clients are not installed in %s; run tools/real_clients.sh once "
                    "or set SLURMRESTD_ALLOW_PIP=1" % VENV)
    r = subprocess.run(["bash", os.path.join(ROOT, "tools", "real_clients.sh"), VENV], capture_output=True,
                       text=True, timeout=1200)
    assert r.returncode == 0, r.stderr[-4000:]
    return r.stdout.strip().splitlines()[-1]


def drive(python: str, client: str, base: str, version: str, token: str, name: str) -> dict:
    r = subprocess.run([python, os.path.join(HERE, "drive.py"), client, base, version, "alice", token, name],
                       capture_output=True, text=True, timeout=300, cwd="/")
    assert r.returncode == 0, r.stderr[-4000:]
    out = json.loads(r.stdout)
    out.pop("_job_id", None)
    # the run's own job name is the only thing that differs by design
    return json.loads(json.dumps(out).replace(name, "<name>"))


@pytest.mark.parametrize("client,version", CASES, ids=["%s-%s" % c for c in CASES])
def test_client_sees_the_same_through_ours_and_the_reference(cluster, ours, alice_token, clients_python,
                                                            client, version):
    suite, env = cluster
    if version not in REF_VERSIONS[suite]:
        pytest.skip("the reference daemon of %s does not serve %s" % (suite, version))
    tag = "site_rc_%s_%s_%d" % (client, version.replace(".", ""), os.getpid())
    theirs = drive(clients_python, client, env["REF_URL"], version, alice_token, tag + "_ref")
    mine = drive(clients_python, client, "http://%s:%d" % ours.inet, version, alice_token, tag + "_ours")
    assert set(mine) == set(theirs)
    for step, ref_answer in theirs.items():
        if isinstance(ref_answer, dict) and "error" in ref_answer:
            continue  # the client fails with the reference too: nothing to match
        assert mine[step] == ref_answer, (step, mine[step], ref_answer)
    # every step worked with ours (those the reference failed included)
    assert not [s for s, a in mine.items() if isinstance(a, dict) and "error" in a], mine
