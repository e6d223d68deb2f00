"""Every job operation against the real controllers (forky = 26.05, trixie =
24.11), for every data parser version we serve, compared with the reference
daemon where it serves the same version.

Every job a test creates is cancelled at the end (``Jobs.cancel_all``).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from clusters import REF_VERSIONS, token
from http_client import call
from jobs_helpers import ALL_VERSIONS, Jobs, diff, job_desc, script, settled_diff

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def tokens(cluster):
    return {"alice": token(cluster[0], "alice"), "bob": token(cluster[0], "bob")}


@pytest.fixture()
def jobs(cluster, ours, tokens):
    j = Jobs("http://%s:%d" % ours.inet, tokens)
    yield j
    j.cancel_all()


def ref_base(cluster):
    return cluster[1]["REF_URL"]


# -- the seed walkthroughs ---------------------------------------------------------------------

@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_walkthrough(cluster, jobs, version):
    """Submit, array, het job, list and count running tasks, rename, change task
    count, signal with SIGINT, cancel (seed documents 001 and 004)."""
    jobs.version = version
    # submit: the reply names the job and its batch step
    st, doc = jobs.submit(job=job_desc(hold=True))
    assert st == 200, doc
    plain = doc["job_id"]
    assert isinstance(plain, int) and plain > 0 and doc["step_id"] == "batch"
    assert doc["errors"] == []
    # array job
    st, doc = jobs.submit(job=job_desc(array="1-3", hold=True))
    assert st == 200, doc
    array = doc["job_id"]
    # het job: the second component carries no script
    st, doc = jobs.submit(jobs=[job_desc(hold=True), {"environment": ["PATH=/bin"],
                                                      "current_working_directory": "/tmp", "hold": True}])
    assert st == 200, doc
    het = doc["job_id"]
    jobs.remember("alice", het + 1)

    st, doc = jobs.call("GET", "jobs")
    assert st == 200 and doc["errors"] == []
    by_id = {j["job_id"]: j for j in doc["jobs"]}
    assert {plain, array, het, het + 1} <= set(by_id)
    assert all(by_id[j]["user_name"] == "alice" for j in (plain, array, het))
    assert by_id[array]["array_task_string"] == "1-3"
    assert by_id[het]["het_job_id"]["number"] == het and by_id[het + 1]["het_job_offset"]["number"] == 1
    # count running tasks (the seed's loop) — a number, however busy the cluster is
    running = sum(j["tasks"]["number"] for j in doc["jobs"] if "RUNNING" in j["job_state"])
    assert running >= 0

    # single task of an array: the whole array, with the reference's warning
    st, doc = jobs.get("%d_2" % array)
    assert st == 200 and doc["jobs"][0]["array_job_id"]["number"] == array
    assert doc["warnings"][0]["source"] == "_handle_job_get"
    # het component
    st, doc = jobs.get("%d%%2B1" % het)
    assert st == 200 and [j["job_id"] for j in doc["jobs"]] == [het + 1]

    # rename
    st, doc = jobs.call("POST", "job/%d" % plain, body={"name": "updated test job"})
    assert st == 200 and doc["errors"] == [], doc
    assert jobs.get(plain)[1]["jobs"][0]["name"] == "updated test job"
    # change task count
    st, doc = jobs.call("POST", "job/%d" % plain, body={"tasks": 2})
    assert st == 200 and doc["errors"] == [], doc
    assert jobs.get(plain)[1]["jobs"][0]["tasks"]["number"] == 2

    # signal with SIGINT: a running job is interrupted
    st, doc = jobs.submit(job=job_desc(script=script("sleep 300"), time_limit={"set": True, "number": 2}))
    assert st == 200, doc
    run = doc["job_id"]
    state = jobs.wait_state(run, ("RUNNING",), timeout=45)
    st, doc = jobs.call("DELETE", "job/%d?signal=SIGINT" % run)
    assert st == 200 and doc["errors"] == [], doc
    if state == "RUNNING":
        assert doc["status"] == [] or doc["status"][0]["error"]["code"] == 0, doc
        # The controller reports RUNNING slightly before slurmstepd has started the
        # script; a signal sent in that window finds no process.  Signal again then.
        ended = ("CANCELLED", "FAILED", "COMPLETED")
        for _ in range(4):
            if jobs.wait_state(run, ended, timeout=12) in ended:
                break
            st, doc = jobs.call("DELETE", "job/%d?signal=SIGINT" % run)
            assert st == 200 and doc["errors"] == [], doc
        assert jobs.wait_state(run, ended, timeout=5) in ended
    else:  # the cluster is busy: the controller refuses to signal a pending job, per job
        assert doc["status"][0]["error"]["code"] in (2020, 2017), doc

    # cancel
    st, doc = jobs.call("DELETE", "job/%d" % plain)
    assert st == 200 and doc["errors"] == [], doc
    assert jobs.wait_state(plain, ("CANCELLED",), timeout=20) == "CANCELLED"


# -- errors --------------------------------------------------------------------------------------

@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_errors(cluster, jobs, version):
    suite, _ = cluster
    jobs.version = version
    ref = version in REF_VERSIONS[suite]

    def both(method, path, user="alice", body=None):
        ours = jobs.call(method, path, user, body)
        theirs = jobs.call(method, path, user, body, base=ref_base(cluster)) if ref else None
        return ours, theirs

    # invalid partition: 422, 2000, from the submit call
    (st, doc), r = both("POST", "job/submit", body={"job": job_desc(partition="nosuchpart", hold=True)})
    assert st == 422, doc
    assert [(e["error_number"], e["source"], e["description"]) for e in doc["errors"]] == \
        [(2000, "slurm_submit_batch_job()", "Batch job submission failed")]
    if r:
        assert r[1]["errors"] == doc["errors"]
    # job not found: 404 with 2017 and the full envelope
    (st, doc), r = both("GET", "job/999999")
    assert st == 404 and doc["jobs"] == [] and doc["last_update"]["number"] == 0
    assert doc["errors"] == [{"description": "Unable to query JobId=999999", "error_number": 2017,
                              "error": "Invalid job id specified", "source": "_handle_job_get"}]
    if r:
        assert r[0] == 404 and diff(doc, r[1]) == {}
    # non numeric id
    (st, doc), r = both("GET", "job/abc")
    assert st == 422 and doc["errors"][0]["error_number"] == 9000
    if r:
        assert r[0] == 422 and r[1]["errors"] == doc["errors"]
    # invalid time limit: a deadline before the earliest start
    (st, doc), r = both("POST", "job/submit", body={"job": job_desc(
        hold=True, time_limit={"set": True, "number": 5}, deadline=int(time.time()) - 3600)})
    assert st == 422 and doc["errors"][0]["error_number"] == 2051, doc
    if r:
        assert r[1]["errors"] == doc["errors"]
    # permission denied: bob may not signal or change alice's job
    st, doc = jobs.submit(job=job_desc(hold=True))
    assert st == 200
    jid = doc["job_id"]
    (st, doc), r = both("DELETE", "job/%d" % jid, "bob")
    assert st == 200 and doc["status"][0]["error"]["code"] == 2002, doc
    if r:
        assert r[1]["status"] == doc["status"]
    (st, doc), r = both("POST", "job/%d" % jid, "bob", {"comment": "not yours"})
    assert st == 422 and doc["results"] is None and doc["errors"][0]["source"] == "slurm_update_job2()"
    if r:
        assert r[1]["errors"] == doc["errors"]
    assert jobs.get(jid)[1]["jobs"][0]["comment"] == ""
    # update of an array task is refused
    st, doc = jobs.call("POST", "job/%d_1" % jid, body={"name": "x"})
    assert st == 422 and doc["results"] is None and doc["errors"][0]["source"] == "_job_post_update"
    # bad query values: 422 with the parser's error first
    st, doc = jobs.call("GET", "jobs?update_time=abc")
    assert st == 422 and [e["error_number"] for e in doc["errors"]] == [9202, 9000]
    # empty submission
    st, doc = jobs.call("POST", "job/submit", body={})
    assert st == 422 and doc["errors"][0]["description"] == 'Populated "script" field is required for job submission'


def test_update_time_no_change(cluster, jobs):
    st, doc = jobs.call("GET", "jobs?update_time=4000000000")
    assert st == 200 and doc["jobs"] == [] and doc["errors"] == []
    assert doc["warnings"][0]["source"] == "op_handler_jobs"
    assert doc["warnings"][0]["description"].startswith("No job changes since update_time[4000000000]=")
    if "v0.0.45" in REF_VERSIONS[cluster[0]]:
        r = call(ref_base(cluster), "GET", "/slurm/v0.0.45/jobs?update_time=4000000000", jobs.tokens["alice"])
        assert r[1]["warnings"] == doc["warnings"]


# -- identity -------------------------------------------------------------------------------------

def test_concurrent_identity(cluster, jobs):
    """20 threads, alice and bob interleaved: each sees itself as the owner of what
    it submitted, and bob can neither cancel nor change alice's jobs."""
    barrier = threading.Barrier(20)

    def work(i):
        user = "alice" if i % 2 == 0 else "bob"
        barrier.wait(timeout=30)
        st, doc = jobs.submit(user, job=job_desc(hold=True, name="ident-%s-%d" % (user, i)))
        assert st == 200, doc
        jid = doc["job_id"]
        st, doc = jobs.get(jid, user)
        assert st == 200 and doc["jobs"][0]["user_name"] == user, doc
        assert doc["meta"]["client"]["user"] == user
        assert doc["jobs"][0]["name"] == "ident-%s-%d" % (user, i)
        return user, jid

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(work, range(20)))
    alice_jobs = [j for u, j in results if u == "alice"]

    def attack(jid):
        st, doc = jobs.call("DELETE", "job/%d" % jid, "bob")
        assert st == 200 and doc["status"][0]["error"]["code"] == 2002, doc
        st, doc = jobs.call("POST", "job/%d" % jid, "bob", {"name": "bob was here"})
        assert st >= 400 and doc["errors"], doc
        return jid

    with ThreadPoolExecutor(10) as pool:
        list(pool.map(attack, alice_jobs))
    for jid in alice_jobs:
        j = jobs.get(jid)[1]["jobs"][0]
        assert j["job_state"] == ["PENDING"] and not j["name"].startswith("bob")


def test_submissions_exactly_once(cluster, jobs):
    """Concurrent submissions: every 2xx answer names a distinct job, and the
    controller holds exactly as many jobs under the batch's name."""
    name = job_desc()["name"]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda i: jobs.submit(job=job_desc(hold=True, name=name)), range(16)))
    ids = [d["job_id"] for st, d in answers if st == 200]
    assert len(ids) == 16 and len(set(ids)) == 16
    st, doc = jobs.call("GET", "jobs")
    assert sorted(j["job_id"] for j in doc["jobs"] if j["name"] == name) == sorted(ids)


# -- differential ---------------------------------------------------------------------------------

def test_same_as_reference(cluster, jobs):
    """For the same jobs, GET jobs and GET job/{id} equal the reference's, leaf by leaf."""
    suite, env = cluster
    st, doc = jobs.submit(job=job_desc(hold=True, comment="diff", time_limit={"set": True, "number": 7}))
    plain = doc["job_id"]
    st, doc = jobs.submit(job=job_desc(hold=True, array="1-4%2", tasks=1, memory_per_node={"set": True,
                                                                                          "number": 64}))
    array = doc["job_id"]
    st, doc = jobs.submit(jobs=[job_desc(hold=True), job_desc(hold=True, script=None)])
    het = doc["job_id"]
    jobs.remember("alice", het + 1)
    mine = {plain, array, het, het + 1}
    for version in REF_VERSIONS[suite]:
        for jid in (plain, array, "%d_3" % array, het, "%d%%2B1" % het):
            def fetch(base=None, jid=jid):
                st, doc = jobs.get(jid, version=version, **({"base": base} if base else {}))
                assert st == 200
                return doc
            assert settled_diff(fetch, lambda: fetch(env["REF_URL"]), ignore=_ignore(suite)) == {}, \
                (version, jid)
        pick = lambda d: [j for j in d["jobs"] if j["job_id"] in mine]  # noqa: E731

        def listed(base=None):
            doc = jobs.call("GET", "jobs", version=version, **({"base": base} if base else {}))[1]
            assert len(pick(doc)) == 4
            return pick(doc)
        assert settled_diff(listed, lambda: listed(env["REF_URL"]), ignore=_ignore(suite)) == {}, version
        ids = {"%d" % plain, "%d+0" % het, "%d+1" % (het + 1)} | {"%d_%d" % (array, t) for t in range(1, 5)}

        def states(base=None):
            st, doc = jobs.call("GET", "jobs/state", version=version, **({"base": base} if base else {}))
            assert st == 200, doc
            return [x for x in doc["jobs"] if x["job_id"] in ids]
        assert sorted(x["job_id"] for x in states()) == sorted(ids)
        assert settled_diff(states, lambda: states(env["REF_URL"]),
                            compare=lambda a, b: {} if a == b else {"jobs/state": (a, b)}) == {}, version


def _ignore(suite):
    from jobs_helpers import MOVING
    if suite == "trixie":
        # the 24.11 reference fills default stdout/stderr paths (libslurm 24.11);
        # 26.05, which we serve, reports them unset
        return MOVING + (r"/standard_output/", r"/standard_error/")
    return MOVING


# -- the other operations ---------------------------------------------------------------------------

@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_job_states_and_filters(cluster, jobs, version):
    jobs.version = version
    st, doc = jobs.submit(job=job_desc(hold=True, array="1-2"))
    array = doc["job_id"]
    st, doc = jobs.call("GET", "jobs/state?job_id=%d" % array)
    assert st == 200, doc
    assert [x["job_id"] for x in doc["jobs"]] == ["%d_1" % array, "%d_2" % array]
    assert all(x["state"] == ["PENDING"] for x in doc["jobs"])
    # DELETE jobs by name: only our job, as alice
    name = job_desc()["name"]
    st, doc = jobs.submit(job=job_desc(hold=True, name=name))
    jid = doc["job_id"]
    st, doc = jobs.call("DELETE", "jobs", body={"job_name": name, "flags": ["VERBOSE"]})
    assert st == 200 and doc["errors"] == [], doc
    assert jobs.wait_state(jid, ("CANCELLED",), timeout=20) == "CANCELLED"
    # no filter at all: the controller's 2173
    st, doc = jobs.call("DELETE", "jobs")
    assert st == 422 and doc["errors"][0]["error_number"] == 2173


def test_requeue(cluster, jobs):
    """GET job/{id}/requeue and POST jobs/requeue exist from v0.0.45."""
    st, doc = jobs.submit(job=job_desc(hold=True, array="1-3"))
    array = doc["job_id"]
    st, doc = jobs.call("GET", "job/%d/requeue" % array)
    assert st == 200 and doc["status"][0]["step_id"] == "%d_[1-3]" % array
    assert doc["status"][0]["error_code"] == 2024  # a pending job cannot be requeued
    st, doc = jobs.call("POST", "jobs/requeue", body={"jobs": [str(array)]})
    assert st == 200 and doc["status"][0][0]["job_id"] == array
    st, doc = jobs.call("POST", "jobs/requeue", body={})
    assert st == 404 and doc["errors"][0]["description"] == "Query missing JobIds"
    st, doc = jobs.call("GET", "job/%d/requeue?SpecialExit" % array)
    assert st == 400 and doc["errors"][0]["description"] == "SpecialExit requires Hold mode"
    for v in ("v0.0.42", "v0.0.43", "v0.0.44"):
        assert jobs.call("GET", "job/%d/requeue" % array, version=v)[0] == 404


@pytest.mark.parametrize("version", ("v0.0.44", "v0.0.45"))
def test_resources(cluster, jobs, version):
    suite, _ = cluster
    jobs.version = version
    st, doc = jobs.submit(job=job_desc(hold=True))
    jid = doc["job_id"]
    st, doc = jobs.call("GET", "resources/%d" % jid)
    assert st == 422 and doc["nodes"] == []
    err = doc["errors"][0]
    assert err["source"] == "_handle_get" and err["description"].startswith("Unable to query JobId=%d" % jid)
    if suite == "forky":
        assert err["error_number"] == 2085  # not running
    else:
        assert err["error_number"] == 2036 and "25.11" in err["description"]  # 24.11 has no such RPC
    assert jobs.call("GET", "resources/%d" % jid, version="v0.0.43")[0] == 404


def test_allocate(cluster, tokens):
    """POST job/allocate: granted at once, or granted later through the
    controller's call-back, or — when the bounded wait (here 20 s) runs out —
    a clear error and the pending job released.  Whatever the cluster's load,
    the outcome is consistent and no allocation is left behind."""
    from daemon import Daemon, base_env
    suite, env = cluster
    d = Daemon("127.0.0.1:0", env=base_env(SLURM_CONF=env["SLURM_CONF"], SLURMRESTD_ALLOCATION_WAIT="20"))
    jobs = Jobs("http://%s:%d" % d.inet, tokens)
    try:
        name = job_desc()["name"]
        t0 = time.monotonic()
        st, doc = jobs.call("POST", "job/allocate", body={"job": job_desc(
            script=None, name=name, time_limit={"set": True, "number": 1})})
        took = time.monotonic() - t0
        assert took < 40
        mine = [j for j in jobs.call("GET", "jobs")[1]["jobs"] if j["name"] == name]
        assert len(mine) == 1  # exactly one job, granted or not
        jobs.remember("alice", mine[0]["job_id"])
        if st == 200:
            assert doc["job_id"] == mine[0]["job_id"] and doc["errors"] == [], doc
            assert mine[0]["job_state"][0] in ("RUNNING", "COMPLETING", "COMPLETED")
            assert mine[0]["user_name"] == "alice"
        else:
            err = doc["errors"][0]
            assert err["source"] == "slurm_allocate_resources_blocking()" and "20 seconds" in err["description"]
            assert mine[0]["job_state"][0] != "PENDING" and mine[0]["job_state"][0] != "RUNNING"
        # a het allocation
        st, doc = jobs.call("POST", "job/allocate", body={"hetjob": [
            job_desc(script=None, name=name + "h", time_limit={"set": True, "number": 1})] * 2})
        for j in jobs.call("GET", "jobs")[1]["jobs"]:
            if j["name"] == name + "h":
                jobs.remember("alice", j["job_id"])
        assert st in (200, 500, 504), doc
        if st == 200:
            assert doc["errors"] == [] and doc["job_id"] > 0
        # input problems
        st, doc = jobs.call("POST", "job/allocate", body={})
        assert st == 422 and "are required to allocate job" in doc["errors"][0]["description"]
        st, doc = jobs.call("POST", "job/allocate", body={"job": job_desc(script=None), "hetjob": [job_desc()]})
        assert st == 422 and "never both" in doc["errors"][0]["description"]
    finally:
        jobs.cancel_all()
        d.stop()


def test_every_operation_bound(cluster, ours, tokens):
    """The job operations appear in /openapi/v3 for the versions that declare them."""
    st, doc = call("http://%s:%d" % ours.inet, "GET", "/openapi/v3", tokens["alice"])
    paths = doc["paths"]
    for v in ALL_VERSIONS:
        for p in ("jobs/", "job/{job_id}", "job/submit", "job/allocate", "jobs/state/"):
            assert "/slurm/%s/%s" % (v, p) in paths, (v, p)
    assert "/slurm/v0.0.45/jobs/requeue" in paths and "/slurm/v0.0.44/jobs/requeue" not in paths
    assert "/slurm/v0.0.44/resources/{job_id}" in paths and "/slurm/v0.0.43/resources/{job_id}" not in paths


def test_planned_dump_equals_generic(cluster, tokens):
    """The faster job list dumper gives exactly the generic walker's output, for
    every version, on the controller's live job list."""
    from slurmrestd import data_parser
    from slurmrestd.data_parser import ParserContext
    from slurmrestd.operations.slurmctld.jobs import _job_info_resp
    from slurmrestd.rpc.ctld import jobs as rpc
    from slurmrestd.rpc.ctld.client import SlurmctldClient, VersionCache
    from slurmrestd.rpc.conf import load_slurm_conf
    from slurmrestd.rpc.cred import JwtCredential
    client = SlurmctldClient(load_slurm_conf(cluster[1]["SLURM_CONF"]), JwtCredential(tokens["alice"], "alice"),
                             version_cache=VersionCache())
    value = _job_info_resp(rpc.load_jobs(client))
    assert value["jobs"]["job_array"]
    for version in ALL_VERSIONS:
        a, b = ParserContext(version=version), ParserContext(version=version)
        assert data_parser.dump_planned("OPENAPI_JOB_INFO_RESP", value, a, version) == \
            data_parser.dump("OPENAPI_JOB_INFO_RESP", value, b, version=version)
        assert (a.errors, a.warnings) == (b.errors, b.warnings)


def test_job_list_reuse_follows_the_controller(cluster, jobs):
    """GET jobs reuses its last list only while the controller reports no change:
    a rename shows up at once, and every caller still gets a fresh
    controller check with their own credential."""
    st, doc = jobs.submit(job=job_desc(hold=True))
    jid = doc["job_id"]
    # two lists in a row are the same (fetched again while other tests' jobs come and go)
    assert settled_diff(lambda: jobs.call("GET", "jobs")[1], lambda: jobs.call("GET", "jobs")[1]) == {}
    jobs.call("POST", "job/%d" % jid, body={"name": "renamed-now"})
    third = jobs.call("GET", "jobs")[1]
    assert [j["name"] for j in third["jobs"] if j["job_id"] == jid] == ["renamed-now"]
    st, doc = call("http://%s" % jobs.base.split("//")[1], "GET", "/slurm/v0.0.45/jobs", "not.a.jwt", "alice")
    assert st == 511 and doc["errors"][0]["error_number"] == 1007
    assert jobs.call("GET", "jobs", "bob")[1]["meta"]["client"]["user"] == "bob"


def test_sluid_job_ids(cluster, jobs):
    """26.05 names each job by a SLUID too: GET and DELETE job/{sluid} work as with the number."""
    suite, env = cluster
    st, doc = jobs.submit(job=job_desc(hold=True))
    jid = doc["job_id"]
    st, doc = jobs.call("GET", "job/%d" % jid)
    sluid = doc["jobs"][0]["step_id"].get("sluid") or ""
    if suite != "forky":
        assert not sluid  # 24.11 has no SLUIDs
        return
    assert sluid.startswith("s") and len(sluid) == 14
    st, ours = jobs.call("GET", "job/%s" % sluid)
    st_ref, ref = call(ref_base(cluster), "GET", "/slurm/v0.0.45/job/%s" % sluid, jobs.tokens["alice"])
    assert st == st_ref == 200 and ours["errors"] == []
    assert [j["job_id"] for j in ours["jobs"]] == [j["job_id"] for j in ref["jobs"]] == [jid]
    st, doc = jobs.call("GET", "job/s0000000000ZZZ")  # well formed, names no job
    assert st == 404 and doc["errors"][0]["error_number"] == 2017
    st, doc = jobs.call("GET", "job/s123")
    assert st == 422 and doc["errors"][0]["error_number"] == 9000
    st, doc = jobs.call("DELETE", "job/%s" % sluid)
    assert st == 200 and doc["errors"] == []


def test_yaml_body_same_path_as_json(cluster, jobs):
    """A YAML job description is parsed like JSON: it submits, and a bad value names its field."""
    body = (b"job:\n  name: yaml-job\n  script: |\n    #!/bin/sh\n    sleep 1\n"
            b"  current_working_directory: /tmp\n  environment:\n    - PATH=/bin\n  hold: true\n  time_limit: 5\n")
    path = "/slurm/%s/job/submit" % jobs.version
    st, doc = call(jobs.base, "POST", path, jobs.tokens["alice"], "alice", body,
                   headers={"Content-Type": "application/yaml"})
    assert st == 200 and doc["errors"] == [], doc
    jobs.remember("alice", doc["job_id"])
    st, got = jobs.get(doc["job_id"])
    assert got["jobs"][0]["name"] == "yaml-job" and got["jobs"][0]["time_limit"]["number"] == 5
    st, doc = call(jobs.base, "POST", path, jobs.tokens["alice"], "alice",
                   b"job:\n  name: yaml-bad\n  time_limit: soon\n", headers={"Content-Type": "text/yaml"})
    assert st == 422
    assert doc["errors"][0]["source"] == "#/job/time_limit/" and doc["errors"][0]["error_number"] == 9202
