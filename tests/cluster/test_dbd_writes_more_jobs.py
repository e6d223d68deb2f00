"""POST slurmdb ``job/{job_id}`` and ``jobs/`` (v0.0.44 on) on a finished job of each
cluster: the comment, extra and derived exit code change and show in our GET and in
sacct (a wckey cannot be set: the clusters run without TrackWCKey), and the reference answers the same requests the same way (forky: the 24.11
reference has no job modify).  The job owner may change her job's comment; another
plain user may not."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from clusters import REF_VERSIONS, token
from http_client import call
from test_dbd_writes_more import Run, compare, root_token  # noqa: F401 - fixture

pytestmark = pytest.mark.cluster

PREFIX = "dbdwmj%d" % os.getpid()
VERSIONS = ("v0.0.44", "v0.0.45")

def sacct(env, job_id):
    r = subprocess.run(["chroot", env["CHROOT"], "sacct", "-X", "-n", "-P", "-j", str(job_id),
                        "-o", "comment,extra,wckey,derivedexitcode,state"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip().split("|")

@pytest.fixture(scope="module")
def finished_job(cluster, ours):
    """A job of alice's that has completed and reached slurmdbd, and a wckey of hers."""
    suite, env = cluster
    r = subprocess.run(["chroot", env["CHROOT"], "su", "alice", "-c",
                        "cd && sbatch --parsable -J %s -o /dev/null --wrap true" % PREFIX],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    job_id = int(r.stdout.strip().split(";")[0])
    wk = PREFIX + "wk"
    st, doc = call("http://%s:%d" % ours.inet, "POST", "/slurmdb/v0.0.45/wckeys/", token(suite, "root"), user="root",
                   body={"wckeys": [{"name": wk, "cluster": env["CLUSTER_NAME"], "user": "alice"}]})
    assert st == 200, doc
    deadline = time.monotonic() + 120
    while sacct(env, job_id)[-1] != "COMPLETED":
        assert time.monotonic() < deadline, sacct(env, job_id)
        time.sleep(1)
    yield job_id, wk
    call("http://%s:%d" % ours.inet, "DELETE", "/slurmdb/v0.0.45/wckey/" + wk, token(suite, "root"), user="root")

def modify(r: Run, env, job_id: int, wk: str, tag: str) -> None:
    st, doc = r("job", "POST", "job/%d" % job_id,
                {"comment": {"job": tag + " c"}, "extra": tag + " e",
                 "derived_exit_code": {"return_code": {"set": True, "infinite": False, "number": 3}}})
    assert st == 200 and doc["errors"] == [] and len(doc["results"]) == 1, doc
    st, doc = r("read", "GET", "job/%d" % job_id)
    job = doc["jobs"][0]
    assert (job["comment"]["job"], job["extra"]) == (tag + " c", tag + " e")
    # the parser stores the number as the raw wait status, as the reference's does: sacct says 0:3
    assert sacct(env, job_id)[:4] == [tag + " c", tag + " e", "", "0:3"]
    st, doc = r("jobs", "POST", "jobs/", {"job_id_list": [str(job_id)], "job_rec": {"comment": {"job": tag + " d"}}},
                user="alice")
    assert st == 200 and doc["errors"] == [], doc
    assert sacct(env, job_id)[0] == tag + " d"
    # without TrackWCKey slurmdbd cannot give a job a wckey: nothing of the request is applied
    st, doc = r("wckey", "POST", "job/%d" % job_id, {"wckey": wk, "extra": "never"})
    assert st == 200 and doc["results"] == [], doc
    assert sacct(env, job_id)[1:3] == [tag + " e", ""]
    r("other user", "POST", "jobs/", {"job_id_list": [str(job_id)], "job_rec": {"extra": "bob"}}, user="bob")
    r("admin comment as owner", "POST", "job/%d" % job_id, {"comment": {"administrator": "x"}}, user="alice")
    assert sacct(env, job_id)[1] == tag + " e"
    r("nothing to change", "POST", "job/%d" % job_id, {})
    r("no such job", "POST", "jobs/", {"job_id_list": ["999999999"], "job_rec": {"extra": "x"}})
    r("bad body", "POST", "job/%d" % job_id, {"derived_exit_code": "x"})


@pytest.mark.parametrize("version", VERSIONS)
def test_modify_finished_job(cluster, ours, root_token, alice_token, finished_job, version):
    suite, env = cluster
    job_id, wk = finished_job
    tokens = {"root": root_token, "alice": alice_token, "bob": token(suite, "bob")}
    mine = Run("http://%s:%d" % ours.inet, version, tokens)
    modify(mine, env, job_id, wk, "ours " + version)
    if version not in REF_VERSIONS[suite]:
        return
    ref = Run(env["REF_URL"], version, tokens)
    modify(ref, env, job_id, wk, "ours " + version)
    assert compare(suite, mine, ref) == {}

def test_not_in_older_versions(cluster, ours, root_token, finished_job):
    """v0.0.42 and v0.0.43 have no job modify (as the reference's documents)."""
    job_id, _ = finished_job
    for version in ("v0.0.42", "v0.0.43"):
        st, _ = call("http://%s:%d" % ours.inet, "POST", "/slurmdb/%s/job/%d" % (version, job_id), root_token,
                     user="root", body={"extra": "x"})
        assert st in (404, 405)  # the reference: 404; ours says the path exists for GET only
