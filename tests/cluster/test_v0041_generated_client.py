"""Issue 16 proof: a client generated (openapi-generator, python) from the Slurm 24.11
reference document, filtered to v0.0.41, runs the seed walkthrough against our daemon on
the 26.05 cluster (forky): ping; submit, get, update and cancel a held job; nodes and node
n1; partitions; a reservation; slurmdb accounts and jobs.  Every answer is deserialized by
the generated models, so a field of ours the 24.11 schema does not allow fails here.

v0.0.41 has no POST or DELETE for reservations, so the reservation is made and removed
at v0.0.45 with plain HTTP, and read with the generated client.

The generator is the PyPI package openapi-generator-cli in ~/.cache/slurmrestd-openapi-generator
(tools/gen_client.sh installs it; SLURMRESTD_ALLOW_PIP=1 lets this test install it) and Java;
without them the test is skipped with the reason."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import uuid

import pytest

from clusters import our_daemon, read_env, token
from http_client import call
from parts_helpers import future_start

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from shared_dir import REFERENCE  # noqa: E402

SPEC = os.path.join(REFERENCE, "openapi", "slurm-24.11", "openapi-v3-all-versions.json")
GEN_VENV = os.environ.get("GEN_VENV", os.path.expanduser("~/.cache/slurmrestd-openapi-generator"))
VERSION = "v0.0.41"
PREFIX = "v41client_%x_" % (os.getpid() & 0xFFFF)
PACKAGE = "slurm_v41_client"
#: fields of our answers the 24.11 document does not declare, and why they are sent anyway:
#: the 24.11 reference daemon sends them too at v0.0.41 (its schema of a step's min/max TRES
#: lacks the ``node`` and ``task`` it fills in), so a generated client drops them either way
UNDECLARED_BY_REFERENCE = re.compile(r"/steps\[\]/tres/(requested|consumed)/(max|min)\[\]/(node|task)$")


def _refs(node, out: set) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            out.add(ref.rsplit("/", 1)[1])
        for v in node.values():
            _refs(v, out)
    elif isinstance(node, list):
        for v in node:
            _refs(v, out)


def filter_spec(doc: dict, version: str) -> dict:
    """The document with only ``version``'s paths and the schemas they reach."""
    paths = {k: v for k, v in doc["paths"].items() if "/%s/" % version in k + "/"}
    schemas = doc["components"]["schemas"]
    keep: set = set()
    _refs(paths, keep)
    todo = list(keep)
    while todo:
        found: set = set()
        _refs(schemas[todo.pop()], found)
        for name in found - keep:
            keep.add(name)
            todo.append(name)
    out = dict(doc, paths=paths)
    out["components"] = dict(doc["components"], schemas={k: v for k, v in schemas.items() if k in keep})
    return out


def _generator_missing() -> str:
    if not os.path.exists(SPEC):
        return "24.11 reference document not found: %s" % SPEC
    if not shutil.which("java"):
        return "java not installed (Debian: openjdk-17-jre-headless)"
    cli = os.path.join(GEN_VENV, "bin", "openapi-generator-cli")
    if not os.path.exists(cli):
        if not os.environ.get("SLURMRESTD_ALLOW_PIP"):
            return ("openapi-generator-cli not installed in %s; run tools/gen_client.sh once "
                    "or set SLURMRESTD_ALLOW_PIP=1" % GEN_VENV)
        r = subprocess.run("python3 -m venv '%s' && '%s/bin/pip' install -q openapi-generator-cli"
                           % (GEN_VENV, GEN_VENV), shell=True, capture_output=True, text=True, timeout=900)
        if r.returncode != 0:
            return "cannot install openapi-generator-cli: " + r.stderr[-500:]
    py = os.path.join(GEN_VENV, "bin", "python")
    if subprocess.run([py, "-c", "import pydantic, dateutil, urllib3, typing_extensions"],
                      capture_output=True).returncode != 0:
        r = subprocess.run([os.path.join(GEN_VENV, "bin", "pip"), "install", "-q", "pydantic>=2",
                            "python-dateutil", "urllib3", "typing-extensions"],
                           capture_output=True, text=True, timeout=900)
        if r.returncode != 0:
            return "cannot install the generated client's dependencies: " + r.stderr[-500:]
    return ""


@pytest.fixture(scope="session")
def client_dir(tmp_path_factory):
    """The generated client (once per test session)."""
    why = _generator_missing()
    if why:
        pytest.skip(why)
    out = tmp_path_factory.mktemp("v41client")
    with open(SPEC) as fh:
        doc = filter_spec(json.load(fh), VERSION)
    spec = out / "openapi-v0.0.41.json"
    spec.write_text(json.dumps(doc))
    r = subprocess.run([os.path.join(GEN_VENV, "bin", "openapi-generator-cli"), "generate", "-i", str(spec),
                        "-g", "python", "-o", str(out / "client"), "--package-name", PACKAGE,
                        "--additional-properties=generateSourceCodeOnly=true"],
                       capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return out / "client"


@pytest.fixture(scope="module")
def forky():
    return read_env("forky")


@pytest.fixture(scope="module")
def ours(forky):
    with our_daemon(forky["SLURM_CONF"]) as d:
        yield d


#: the walkthrough, written against the generated client only; prints one JSON line per step
WALKTHROUGH = r'''
import json, sys
import %(pkg)s as c

base, user, tok, name, resv = sys.argv[1:6]
conf = c.Configuration(host=base)
conf.api_key["user"] = user
conf.api_key["token"] = tok
api = c.ApiClient(conf)
slurm_api, db_api = c.SlurmApi(api), c.SlurmdbApi(api)
EXTRA = set()

def extra(raw, known, path):
    """Keys of our raw answer that the generated models dropped (not in the 24.11 schema)."""
    if isinstance(raw, dict) and isinstance(known, dict):
        for k, v in raw.items():
            if k not in known:
                if v is not None:
                    EXTRA.add(path + "/" + k)
            else:
                extra(v, known[k], path + "/" + k)
    elif isinstance(raw, list) and isinstance(known, list):
        for a, b in zip(raw, known):
            extra(a, b, path + "[]")

class Checked:
    """Calls the generated method, and records what of the raw answer its models did not know."""
    def __init__(self, api):
        self.api = api
    def __getattr__(self, name):
        def call(*a, **kw):
            resp = getattr(self.api, name + "_with_http_info")(*a, **kw)
            extra(json.loads(resp.raw_data), resp.data.to_dict(), name)
            return resp.data
        return call

slurm, db = Checked(slurm_api), Checked(db_api)

def step(what, **kw):
    print(json.dumps(dict(step=what, **kw)), flush=True)

r = slurm.slurm_v0041_get_ping()
step("ping", pings=[p.pinged for p in r.pings], errors=len(r.errors or []))

job = c.V0041JobDescMsg(name=name, hold=True, current_working_directory="/tmp",
                        environment=["PATH=/bin"], script="#!/bin/sh\nsleep 30\n")
r = slurm.slurm_v0041_post_job_submit(c.V0041JobSubmitReq(job=job))
jid = r.job_id
step("submit", job_id=jid, errors=len(r.errors or []))
try:
    r = slurm.slurm_v0041_get_job(str(jid))
    j = r.jobs[0]
    step("get", job_id=j.job_id, name=j.name, state=j.job_state, priority=j.priority.number)

    r = slurm.slurm_v0041_post_job(str(jid), c.V0041JobDescMsg(comment="v41client comment"))
    step("update", errors=len(r.errors or []), results=[x.job_id for x in (r.results or [])])
    r = slurm.slurm_v0041_get_job(str(jid))
    step("updated", comment=r.jobs[0].comment)

    r = slurm.slurm_v0041_get_jobs()
    step("jobs", mine=[x.job_id for x in r.jobs if x.job_id == jid])
finally:
    r = slurm.slurm_v0041_delete_job(str(jid))
    step("cancel", errors=len(r.errors or []))
r = slurm.slurm_v0041_get_job(str(jid))
step("cancelled", state=r.jobs[0].job_state)

r = slurm.slurm_v0041_get_nodes()
step("nodes", names=sorted(n.name for n in r.nodes))
r = slurm.slurm_v0041_get_node("n1")
step("node", name=r.nodes[0].name, state=r.nodes[0].state, cpus=r.nodes[0].cpus)

r = slurm.slurm_v0041_get_partitions()
step("partitions", names=sorted(p.name for p in r.partitions))
r = slurm.slurm_v0041_get_partition(r.partitions[0].name)
step("partition", name=r.partitions[0].name)

r = slurm.slurm_v0041_get_reservations()
step("reservations", mine=[x.name for x in r.reservations if x.name == resv])
r = slurm.slurm_v0041_get_reservation(resv)
x = r.reservations[0]
step("reservation", name=x.name, node_list=x.node_list, users=x.users, flags=x.flags,
     start=x.start_time.number, end=x.end_time.number)

r = db.slurmdb_v0041_get_accounts()
step("accounts", names=sorted(a.name for a in r.accounts))
r = db.slurmdb_v0041_get_account("root")
step("account", names=[a.name for a in r.accounts])
r = db.slurmdb_v0041_get_jobs(users=user)
step("dbjobs", count=len(r.jobs), ids=[x.job_id for x in r.jobs][-5:])
if r.jobs:
    r = db.slurmdb_v0041_get_job(str(r.jobs[-1].job_id))
    step("dbjob", ids=[x.job_id for x in r.jobs])
step("extra", paths=sorted(EXTRA))
'''


def _run(client_dir, tmp_path, *argv):
    script = tmp_path / "walk.py"
    script.write_text(WALKTHROUGH % {"pkg": PACKAGE})
    env = dict(os.environ, PYTHONPATH=str(client_dir))
    r = subprocess.run([os.path.join(GEN_VENV, "bin", "python"), str(script), *argv], capture_output=True,
                       text=True, timeout=300, env=env)
    steps = {}
    for line in r.stdout.splitlines():
        if line.startswith("{"):
            d = json.loads(line)
            steps[d.pop("step")] = d
    return r, steps


def test_walkthrough_with_generated_client(client_dir, forky, ours, tmp_path):
    base = "http://%s:%d" % ours.inet
    alice, root = token("forky", "alice"), token("forky", "root")
    name = PREFIX + uuid.uuid4().hex[:6]
    resv = PREFIX + "resv"
    start = future_start()
    st, doc = call(base, "POST", "/slurm/v0.0.45/reservation", root, "root",
                   {"name": resv, "duration": {"set": True, "number": 15}, "node_list": ["n1"],
                    "start_time": {"set": True, "number": start}, "users": ["alice"],
                    "flags": ["IGNORE_JOBS", "MAGNETIC", "DAILY"]})
    assert st == 200, doc
    steps: dict = {}
    try:
        r, steps = _run(client_dir, tmp_path, base, "alice", alice, name, resv)
    finally:
        call(base, "DELETE", "/slurm/v0.0.45/reservation/" + resv, root, "root")
        # the job, if the walkthrough died between submit and cancel
        if steps.get("submit", {}).get("job_id") and "cancel" not in steps:
            call(base, "DELETE", "/slurm/v0.0.45/job/%d" % steps["submit"]["job_id"], alice, "alice")
    sys.stdout.write(r.stdout)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-6000:]

    assert steps["ping"]["pings"] and steps["ping"]["errors"] == 0
    jid = steps["submit"]["job_id"]
    assert jid and steps["submit"]["errors"] == 0
    assert steps["get"]["job_id"] == jid and steps["get"]["name"] == name
    assert steps["get"]["state"] == ["PENDING"] and steps["get"]["priority"] == 0  # held
    assert steps["update"]["errors"] == 0
    assert steps["updated"]["comment"] == "v41client comment"
    assert steps["jobs"]["mine"] == [jid]
    assert steps["cancel"]["errors"] == 0 and steps["cancelled"]["state"] == ["CANCELLED"]
    assert "n1" in steps["nodes"]["names"] and steps["node"]["name"] == "n1" and steps["node"]["cpus"] >= 1
    assert steps["partitions"]["names"] and steps["partition"]["name"] == steps["partitions"]["names"][0]
    assert steps["reservations"]["mine"] == [resv]
    x = steps["reservation"]
    assert (x["name"], x["node_list"], x["users"]) == (resv, "n1", "alice")
    assert {"IGNORE_JOBS", "MAGNETIC", "DAILY"} <= set(x["flags"])
    assert (x["start"], x["end"]) == (start, start + 15 * 60)
    assert "root" in steps["accounts"]["names"] and steps["account"]["names"] == ["root"]
    assert steps["dbjobs"]["count"] >= 1 and steps["dbjob"]["ids"] == steps["dbjobs"]["ids"][-1:]
    # every field of every answer is one the 24.11 v0.0.41 schema declares
    assert [p for p in steps["extra"]["paths"] if not UNDECLARED_BY_REFERENCE.search(p)] == []


def test_filter_spec_keeps_only_the_version():
    doc = {"paths": {"/slurm/v0.0.41/ping/": {"get": {"$ref": "#/components/schemas/a"}},
                     "/slurm/v0.0.40/ping/": {"get": {"$ref": "#/components/schemas/c"}}},
           "components": {"schemas": {"a": {"$ref": "#/components/schemas/b"}, "b": {}, "c": {}}}}
    out = filter_spec(doc, "v0.0.41")
    assert list(out["paths"]) == ["/slurm/v0.0.41/ping/"]
    assert sorted(out["components"]["schemas"]) == ["a", "b"]
