"""Live job RPC tests against the local clusters (cluster/cluster.sh up).

forky = Slurm 26.05 (protocol 45; it also accepts 44/43/42), trixie = Slurm
24.11 (protocol 42).  Jobs are submitted as alice (uid 2001) with a JWT and
cancelled at the end of each test.
"""

import os
import signal
import threading
import time

import pytest

from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc.ctld import jobs
from slurmrestd.rpc.ctld.client import SlurmctldClient, VersionCache
from slurmrestd.rpc.conf import load_slurm_conf
from slurmrestd.rpc.cred import JwtCredential
from slurmrestd.rpc.protocol import SUPPORTED_VERSIONS, V24_11, V25_11, V26_05
from slurmrestd.slurm import defs
from slurmrestd.slurm.sentinels import NO_VAL

from clusters import read_env, token as cluster_token  # noqa: E402

pytestmark = pytest.mark.cluster

SUITES = {"forky": V26_05, "trixie": V24_11}
SCRIPT = "#!/bin/sh\nsleep 30\n"
INFINITE = 0xFFFFFFFF
_TOKENS: dict = {}


def token(suite, user):
    key = (suite, user)
    if key not in _TOKENS:
        _TOKENS[key] = cluster_token(suite, user)
    return _TOKENS[key]


class Cluster:
    def __init__(self, name, env):
        self.name = name
        self.env = env
        self.conf = load_slurm_conf(env["SLURM_CONF"])
        self.cache = VersionCache()
        self.created = []

    def client(self, user="alice", version=None):
        return SlurmctldClient(self.conf, JwtCredential(token(self.name, user), user), version,
                               version_cache=self.cache)

    def desc(self, name, **kw):
        d = {"name": name, "script": SCRIPT, "work_dir": "/tmp",
             "environment": ["PATH=/usr/bin:/bin", "PYTEST_JOB=1"]}
        d.update(kw)
        return d

    def submit(self, client, name, **kw):
        r = jobs.submit_batch(client, self.desc(name, **kw))
        self.created.append(r["job_id"])
        return r

    def cleanup(self):
        if self.created:
            try:
                jobs.kill_jobs(self.client("alice"), {"jobs_array": [str(j) for j in self.created]})
            except SlurmError:
                pass


@pytest.fixture(params=sorted(SUITES))
def cluster(request):
    c = Cluster(request.param, read_env(request.param))
    yield c
    c.cleanup()


def _job(client, job_id):
    m = jobs.load_job(client, job_id)
    assert m["record_count"] == len(m["job_array"]) >= 1
    return m["job_array"][0]


def _wait(client, job_id, pred, timeout=20):
    end = time.time() + timeout
    while True:
        j = _job(client, job_id)
        if pred(j) or time.time() > end:
            return j
        time.sleep(0.5)


def test_protocol(cluster):
    assert cluster.client().protocol_version() == SUITES[cluster.name]


def test_submit_show_update_signal_cancel(cluster):
    c = cluster.client()
    r = cluster.submit(c, "py-single", time_limit=10)
    assert r["job_id"] > 0 and r["error_code"] == 0
    assert r["step_id"]["step_id"] in (0xFFFFFFFB, NO_VAL)  # SLURM_BATCH_SCRIPT (25.11+)
    job = _job(c, r["job_id"])
    assert job["job_id"] == r["job_id"] and job["user_id"] == 2001 and job["name"] == "py-single"
    assert job["work_dir"] == "/tmp" and job["time_limit"] == 10 and job["batch_flag"] == 1
    assert job["partition"] == "debug" and job["account"] == "testacct"
    assert job["command"] is None or isinstance(job["command"], str)
    # update name + time limit → RC 0 (no per-task results for a plain job); while the job is
    # being launched the controller says ESLURM_TRANSITION_STATE_NO_UPDATE ("try again later")
    for _ in range(20):
        try:
            assert jobs.update_job(c, {"job_id": r["job_id"], "name": "py-renamed", "time_limit": 5}) is None
            break
        except SlurmError as exc:
            assert exc.errno == E.ESLURM_TRANSITION_STATE_NO_UPDATE
            time.sleep(0.5)
    job = _job(c, r["job_id"])
    assert job["name"] == "py-renamed" and job["time_limit"] == 5
    job = _wait(c, r["job_id"], lambda j: (j["job_state"] & 0xFF) == defs.JOB_RUNNING)
    if (job["job_state"] & 0xFF) == defs.JOB_RUNNING:
        assert job["nodes"] == "n1" and job["job_resrcs"]["nhosts"] == 1
        assert job["job_resrcs"]["nodes"] == "n1"
    # SIGINT through REQUEST_KILL_JOB
    _retry_transition(jobs.kill_job, c, str(r["job_id"]), int(signal.SIGINT), defs.KILL_FULL_JOB)
    # cancel (DELETE job/{id}: slurm_kill_jobs, KILL_FULL_JOB + SIGKILL)
    resp = jobs.signal_job(c, str(r["job_id"]))
    assert resp["jobs_cnt"] in (0, 1)
    for jr in resp["job_responses"]:
        assert jr["error_code"] in (0, E.ESLURM_ALREADY_DONE)
    job = _wait(c, r["job_id"], lambda j: (j["job_state"] & 0xFF) >= 3)
    assert (job["job_state"] & 0xFF) in (3, 4, 5)  # COMPLETE / CANCELLED / FAILED


def test_hold_release(cluster):
    c = cluster.client()
    r = cluster.submit(c, "py-held", priority=0)
    job = _job(c, r["job_id"])
    assert job["priority"] == 0 and (job["job_state"] & 0xFF) == defs.JOB_PENDING
    jobs.update_job(c, {"job_id": r["job_id"], "priority": INFINITE})   # release
    assert _job(c, r["job_id"])["priority"] != 0
    jobs.update_job(c, {"job_id": r["job_id"], "priority": 0})          # hold again
    assert _job(c, r["job_id"])["priority"] == 0


def test_array_job(cluster):
    c = cluster.client()
    r = cluster.submit(c, "py-array", array_inx="1-4", time_limit=2)
    m = jobs.load_job(c, str(r["job_id"]))
    ids = {j["array_task_id"] for j in m["job_array"]}
    assert all(j["array_job_id"] == r["job_id"] for j in m["job_array"])
    pending = [j for j in m["job_array"] if j["array_task_str"]]
    assert ids <= {1, 2, 3, 4, NO_VAL}
    if pending:  # the meta record of not yet started tasks: "1-4" / "2-4"
        assert pending[0]["array_bitmap"] is not None and "-" in pending[0]["array_task_str"]
    # per-task view as slurm_xlate_job_id would do it (only the running task's record)
    one = jobs.load_job(c, "%d_1" % r["job_id"], array_task_only=True)
    assert all(j["array_task_id"] == 1 for j in one["job_array"])
    # update of several tasks → RESPONSE_JOB_ARRAY_ERRORS with one entry per task/range
    resp = jobs.update_job(c, {"job_id_str": "%d_[1-4]" % r["job_id"], "comment": "tasks"})
    if resp is not None:
        assert resp["job_array_count"] == len(resp["error_code"]) >= 1
        assert all(isinstance(x, str) for x in resp["job_array_id"])
    # job count of running tasks (seed walkthrough "count running tasks")
    states = jobs.job_states(c, [str(r["job_id"])])
    assert states["jobs_count"] >= 1
    assert all(s["array_job_id"] == r["job_id"] for s in states["jobs"])


def test_het_job(cluster):
    c = cluster.client()
    r = jobs.submit_het(c, [cluster.desc("py-het", time_limit=2),
                                 cluster.desc("py-het", time_limit=2, script=None)])
    cluster.created.append(r["job_id"])
    m = jobs.load_job(c, str(r["job_id"]))
    assert {j["het_job_offset"] for j in m["job_array"]} >= {0}
    comp = jobs.load_job(c, "%d+1" % r["job_id"])["job_array"]
    assert len(comp) == 1 and comp[0]["het_job_id"] == r["job_id"] and comp[0]["het_job_offset"] == 1
    assert comp[0]["job_id"] == r["job_id"] + 1


def test_bob_cannot_cancel_alice(cluster):
    c = cluster.client("alice")
    r = cluster.submit(c, "py-private", priority=0)
    bob = cluster.client("bob")
    try:
        resp = jobs.signal_job(bob, str(r["job_id"]))
    except SlurmError as exc:
        assert exc.errno == E.ESLURM_ACCESS_DENIED and exc.source == "slurm_kill_jobs()"
    else:
        assert resp["jobs_cnt"] == 1 and resp["job_responses"][0]["error_code"] == E.ESLURM_ACCESS_DENIED
    with pytest.raises(SlurmError) as ei:
        jobs.kill_job(bob, str(r["job_id"]), int(signal.SIGKILL))
    assert ei.value.errno == E.ESLURM_ACCESS_DENIED and ei.value.source == "slurm_kill_job2()"
    with pytest.raises(SlurmError) as ei:
        jobs.update_job(bob, {"job_id": r["job_id"], "name": "stolen"})
    # job_mgr.c answers a non-owner's update with ESLURM_USER_ID_MISSING ("Invalid user id")
    assert ei.value.errno == E.ESLURM_USER_ID_MISSING and ei.value.source == "slurm_update_job2()"
    assert _job(c, r["job_id"])["name"] == "py-private"


def test_concurrent_users_no_leakage(cluster):
    results = {}

    def work(user):
        c = cluster.client(user)
        r = jobs.submit_batch(c, cluster.desc("py-%s" % user, priority=0))
        results[user] = (r["job_id"], _job(c, r["job_id"])["user_id"])
        jobs.signal_job(c, str(r["job_id"]))

    threads = [threading.Thread(target=work, args=(u,)) for u in ("alice", "bob", "alice", "bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results["alice"][1] == 2001 and results["bob"][1] == 2002


def test_no_change_and_listing(cluster):
    c = cluster.client()
    cluster.submit(c, "py-list", priority=0)
    m = jobs.load_jobs(c)
    assert m["record_count"] == len(m["job_array"]) >= 1 and m["last_update"] > 0
    with pytest.raises(SlurmError) as ei:
        jobs.load_jobs(c, update_time=m["last_update"] + 1)
    assert ei.value.errno == E.SLURM_NO_CHANGE_IN_DATA and ei.value.source == "slurm_load_jobs()"


def test_errors(cluster):
    c = cluster.client()
    with pytest.raises(SlurmError) as ei:
        jobs.submit_batch(c, cluster.desc("py-bad", partition="nope"))
    assert ei.value.errno == E.ESLURM_INVALID_PARTITION_NAME and ei.value.source == "slurm_submit_batch_job()"
    with pytest.raises(SlurmError) as ei:
        jobs.load_job(c, "999999")
    assert ei.value.errno == E.ESLURM_INVALID_JOB_ID and ei.value.source == "slurm_load_job()"
    with pytest.raises(SlurmError) as ei:
        jobs.update_job(c, {"job_id": 999999, "name": "x"})
    assert ei.value.errno == E.ESLURM_INVALID_JOB_ID


def test_requeue(cluster):
    c = cluster.client()
    r = cluster.submit(c, "py-requeue", time_limit=5)
    _wait(c, r["job_id"], lambda j: (j["job_state"] & 0xFF) == defs.JOB_RUNNING)
    try:
        res = jobs.requeue(c, str(r["job_id"]))
    except SlurmError as exc:  # not running yet / not requeueable
        assert exc.source == "slurm_requeue2()"
    else:
        assert res is None or res["job_array_count"] >= 1


def test_resources(cluster):
    c = cluster.client()
    r = cluster.submit(c, "py-res", time_limit=5)
    if c.protocol_version() < V25_11:
        with pytest.raises(SlurmError) as ei:
            jobs.job_resources(c, r["job_id"])
        assert ei.value.errno == E.ESLURM_NOT_SUPPORTED
        return
    job = _wait(c, r["job_id"], lambda j: (j["job_state"] & 0xFF) == defs.JOB_RUNNING)
    try:
        lay = jobs.job_resources(c, r["job_id"])
    except SlurmError as exc:
        assert exc.errno == E.ESLURM_JOB_NOT_RUNNING and (job["job_state"] & 0xFF) != defs.JOB_RUNNING
    else:
        assert lay["nodes"][0]["node"] == "n1" and lay["nodes"][0]["core_bitmap"]


ALLOC = {"time_limit": 1, "work_dir": "/tmp", "environment": ["PATH=/usr/bin:/bin"]}


def _wait_node_free(c, timeout=120):
    """Allocation tests need node n1 to themselves: wait for other tests' jobs to end."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        busy = [j for j in jobs.load_jobs(c)["job_array"]
                if (j["job_state"] & 0xFF) == defs.JOB_RUNNING or j["job_state"] & 0x8000]  # RUNNING / COMPLETING
        if not busy:
            return
        time.sleep(1)
    pytest.fail("node n1 still busy after %ds" % timeout)


def _retry_transition(fn, *args):
    """While a job is being launched the controller answers "try again later" (2020)."""
    for _ in range(40):
        try:
            return fn(*args)
        except SlurmError as exc:
            if exc.errno != E.ESLURM_TRANSITION_STATE_NO_UPDATE:
                raise
            time.sleep(0.5)
    return fn(*args)


def test_allocate(cluster):
    c = cluster.client()
    _wait_node_free(c)
    try:
        r = jobs.allocate(c, dict(ALLOC, name="py-alloc", immediate=1))
    except SlurmError as exc:  # node n1 still busy with other tests' jobs
        assert exc.errno in (E.ESLURM_NODES_BUSY, E.ESLURM_CAN_NOT_START_IMMEDIATELY, E.ESLURM_NOT_TOP_PRIORITY)
        assert exc.source == "slurm_allocate_resources_blocking()"
        return
    cluster.created.append(r["job_id"])
    assert r["job_id"] > 0 and r["uid"] == 2001 and r["user_name"] == "alice"
    assert r["node_cnt"] == 1 and r["node_list"] == "n1" and r["num_cpu_groups"] >= 1


def test_allocate_callback(cluster):
    """An allocation that is not granted at once: the controller calls back."""
    c = cluster.client()
    _wait_node_free(c)
    blocker = jobs.allocate(c, dict(ALLOC, name="py-block", shared=0), callback=False)
    cluster.created.append(blocker["job_id"])
    done = {}
    name = "py-wait-%d-%d" % (os.getpid(), time.time())

    def waiter():
        try:
            done["r"] = jobs.allocate(c, dict(ALLOC, name=name, shared=0), timeout=60)
        except SlurmError as exc:
            done["e"] = exc

    t = threading.Thread(target=waiter)
    t.start()
    time.sleep(2)
    pend = [j for j in jobs.load_jobs(c)["job_array"] if j["name"] == name]
    assert pend and (pend[0]["job_state"] & 0xFF) == defs.JOB_PENDING
    cluster.created.append(pend[0]["job_id"])
    jobs.signal_job(c, str(blocker["job_id"]))   # free the node → callback
    t.join(90)
    assert "r" in done, done.get("e")
    r = done["r"]
    assert r["job_id"] == pend[0]["job_id"] and r["node_cnt"] == 1 and r["node_list"] == "n1"


def test_allocate_callback_timeout(cluster):
    c = cluster.client()
    _wait_node_free(c)
    blocker = jobs.allocate(c, dict(ALLOC, name="py-block2", shared=0), callback=False)
    cluster.created.append(blocker["job_id"])
    name = "py-timeout-%d-%d" % (os.getpid(), time.time())
    with pytest.raises(SlurmError) as ei:
        jobs.allocate(c, dict(ALLOC, name=name, shared=0), timeout=2)
    assert ei.value.errno == 110 and ei.value.source == "slurm_allocate_resources_blocking()"
    left = [j for j in jobs.load_jobs(c)["job_array"] if j["name"] == name]
    assert all((j["job_state"] & 0xFF) != defs.JOB_PENDING for j in left)  # released


def test_every_forky_version():
    c0 = Cluster("forky", read_env("forky"))
    try:
        for v in SUPPORTED_VERSIONS:
            c = c0.client("alice", v)
            r = c0.submit(c, "py-v%x" % (v >> 8), priority=0)
            job = _job(c, r["job_id"])
            assert job["job_id"] == r["job_id"] and job["name"] == "py-v%x" % (v >> 8)
            assert jobs.update_job(c, {"job_id": r["job_id"], "comment": "v"}) is None
            assert _job(c, r["job_id"])["comment"] == "v"
            m = jobs.load_jobs(c)
            assert r["job_id"] in {j["job_id"] for j in m["job_array"]}
    finally:
        c0.cleanup()


def _num(v):
    return v["number"] if isinstance(v, dict) else v


def _mismatches(ours, ref):
    """The jobs the reference lists whose decoded fields differ from ours (by job id)."""
    bad = {}
    for r in ref:
        o = ours.get(r["job_id"])
        if o is None:  # finished and purged between the two calls
            continue
        pairs = {"name": (o["name"] or "", r["name"]), "user_id": (o["user_id"], r["user_id"]),
                 "array_task_str": (o["array_task_str"] or "", r.get("array_task_string", "")),
                 "nodes": (o["nodes"] or "", r.get("nodes", "")), "partition": (o["partition"], r["partition"]),
                 "tres_req_str": (o["tres_req_str"] or "", r.get("tres_req_str", "")),
                 "num_cpus": (o["num_cpus"], _num(r["cpus"])),
                 "submit_time": (o["submit_time"], _num(r["submit_time"])),
                 "comment": (o["comment"] or "", r.get("comment", "")),
                 "work_dir": (o["work_dir"], r["current_working_directory"]),
                 "het_job_id": (o["het_job_id"], _num(r["het_job_id"])),
                 "array_job_id": (o["array_job_id"], _num(r["array_job_id"]))}
        if o["time_limit"] != 0xFFFFFFFF:
            pairs["time_limit"] = (o["time_limit"], _num(r["time_limit"]))
        diff = {k: v for k, v in pairs.items() if v[0] != v[1]}
        if diff:
            bad[r["job_id"]] = diff
    return bad


def test_matches_reference_daemon(cluster):
    """Our decoded RESPONSE_JOB_INFO agrees with the reference slurmrestd's GET jobs (both
    fetched again while they differ: jobs of other tests start and end in between)."""
    import json
    import urllib.request

    from jobs_helpers import settled_diff
    c = cluster.client()
    cluster.submit(c, "py-cmp-array", array_inx="1-21:2%2", priority=0, comment="cmp")
    api = cluster.env.get("API_VERSION", "v0.0.45")
    seen = {}

    def load_ours():
        seen["ours"] = {j["job_id"]: j for j in jobs.load_jobs(c)["job_array"]}
        return seen["ours"]

    def load_ref():
        req = urllib.request.Request("%s/slurm/%s/jobs" % (cluster.env["REF_URL"], api),
                                     headers={"X-SLURM-USER-NAME": "alice",
                                              "X-SLURM-USER-TOKEN": token(cluster.name, "alice")})
        try:
            ref = json.load(urllib.request.urlopen(req, timeout=30))["jobs"]
        except OSError as exc:
            pytest.skip("reference slurmrestd not reachable: %s" % exc)
        assert ref
        return ref
    assert settled_diff(load_ours, load_ref, compare=_mismatches) == {}
    ours = seen["ours"]
    cmp = [o for o in ours.values() if o["name"] == "py-cmp-array" and o["array_task_str"]]
    assert cmp and cmp[-1]["array_task_str"] == "1-21:2%2"
