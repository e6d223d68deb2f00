"""slurmdb associations, instances and jobs against the real slurmdbd of both clusters,
compared leaf by leaf with the reference daemon for every data parser version it serves.

The jobs are our own (names start with ``h10b_``): one that ran two srun steps and
finished, one that failed with exit code 3, and one cancelled before it could start.
Accounting reaches slurmdbd a little after the controller, so the module waits until
slurmdbd reports all three finished.  An account made with ``sacctmgr`` (``h10b_acct``)
shows up in the very next GET, and is removed at the end.

Never sent to the references: ``groups`` filters (the 24.11 reference dies on them).
"""

from __future__ import annotations

import re
import subprocess
import time
import uuid

import pytest

from clusters import REF_VERSIONS
from http_client import call
from jobs_helpers import ALL_VERSIONS, leaves, settled_diff, without_required_empties

pytestmark = pytest.mark.cluster

PREFIX = "h10b_"
FINISHED = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "PREEMPTED",
            "BOOT_FAIL", "DEADLINE"}
#: The reference dumps a step's average CPU frequency (a C double) through a 64-bit integer
#: codec, i.e. the bits of the double (2445 kHz → 4657595026933547008); we dump the number.
BY_DESIGN = re.compile(r"/steps\[\d+\]/statistics/CPU/actual_frequency/$")
#: 24.11 quotes the C function with a pointer in db_query_list() texts: "slurmdb_jobs_get(0x7f…) failed"
POINTER = re.compile(r"\(0x[0-9a-f]+\)")


# -- helpers ------------------------------------------------------------------------------


def normalized(doc):
    """Our document and the reference's, made comparable: meta left out, pointers dropped."""
    doc = {k: v for k, v in (doc or {}).items() if k != "meta"}
    for key in ("errors", "warnings"):
        for item in doc.get(key) or ():
            item["description"] = POINTER.sub("()", item.get("description", "")).replace("() failed", " failed")
    return doc


def diff(suite, ours, ref):
    a, b = leaves(without_required_empties(normalized(ours), ref)), leaves(normalized(ref))
    out = {}
    for k in sorted(set(a) | set(b)):
        if a.get(k, "<missing>") == b.get(k, "<missing>"):
            continue
        if BY_DESIGN.search(k):
            continue
        out[k] = (a.get(k, "<missing>"), b.get(k, "<missing>"))
    return out


def shape(doc, path="", out=None):
    out = {} if out is None else out
    if isinstance(doc, dict):
        for k, v in doc.items():
            if not (path == "" and k == "meta"):
                shape(v, path + "/" + k, out)
    elif isinstance(doc, list):
        for v in doc:
            shape(v, path + "[]", out)
    else:
        out.setdefault(path, type(doc).__name__)
    return out


def base(ours):
    return "http://%s:%d" % ours.inet


def get(url, path, token, user="alice", body=None):
    return call(url, "GET", path, token, user, body=body)


def same_as_reference(suite, env, ours, path, token, attempts=3):
    """GET ``path`` from both daemons (retried: other tests change accounting meanwhile)."""
    seen = {}

    def compare(a, b):
        seen["ours"] = a
        (st, doc), (st_ref, ref) = a, b
        if st == 422 and st_ref == 500 and isinstance(doc, dict) and doc.get("errors") \
                and doc["errors"][0]["error_number"] == 9211:
            # "more than one match" is a client error here, a 500 in the reference
            # (docs/compatibility.md, deliberate difference 32)
            st_ref = 422
        d = diff(suite, doc, ref)
        return d if st == st_ref else dict(d, status=(st, st_ref, doc))
    d = settled_diff(lambda: get(base(ours), path, token), lambda: get(env["REF_URL"], path, token),
                     tries=attempts, pause=1, compare=compare)
    assert d == {}, (path, d)
    return seen["ours"][1]


def in_chroot(env, *cmd, user=None, check=True):
    argv = ["chroot", env["CHROOT"]]
    if user:
        argv += ["su", user, "-c", " ".join(cmd)]
    else:
        argv += list(cmd)
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if check:
        assert r.returncode == 0, (cmd, r.stdout, r.stderr)
    return r.stdout.strip()


def sbatch(env, name, *args):
    out = in_chroot(env, "cd /tmp && sbatch --parsable -J %s -o /dev/null %s" % (name, " ".join(args)),
                    user="alice")
    return int(out.split(";")[0])


def dbd_state(ours, token, version, job_id):
    st, doc = get(base(ours), "/slurmdb/%s/job/%d" % (version, job_id), token)
    if st != 200 or not doc.get("jobs"):
        return None
    job = doc["jobs"][0]
    return job if set(job["state"]["current"]) & FINISHED and all(
        s["time"]["end"]["number"] for s in job["steps"]) else None


def versions(suite):
    return REF_VERSIONS[suite]


# -- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def finished_jobs(cluster, ours, alice_token):
    """{kind: job id} of three finished jobs of alice, as slurmdbd records them."""
    suite, env = cluster
    tag = PREFIX + uuid.uuid4().hex[:6]
    ids = {
        "steps": sbatch(env, tag + "_steps", "--wrap", "'srun -n1 true; srun -n1 sleep 1'"),
        "failed": sbatch(env, tag + "_fail", "--wrap", "'exit 3'"),
        "cancelled": sbatch(env, tag + "_cancel", "--begin=now+3600", "--wrap", "'sleep 60'"),
    }
    time.sleep(1)
    in_chroot(env, "scancel", str(ids["cancelled"]), user="alice")
    version = versions(suite)[-1]
    end = time.monotonic() + 180
    pending = dict(ids)
    while pending and time.monotonic() < end:
        for kind, jid in list(pending.items()):
            if dbd_state(ours, alice_token, version, jid):
                del pending[kind]
        time.sleep(2)
    assert not pending, "slurmdbd did not record these jobs as finished: %s" % pending
    return tag, ids


@pytest.fixture()
def h10b_account(cluster):
    """An account with alice in it and a few limits, made with sacctmgr; removed afterwards."""
    suite, env = cluster
    name = PREFIX + "acct"
    in_chroot(env, "sacctmgr", "-i", "delete", "user", "alice", "account=" + name, check=False)
    in_chroot(env, "sacctmgr", "-i", "delete", "account", name, check=False)
    in_chroot(env, "sacctmgr", "-i", "add", "account", name, "parent=testacct", "description=h10b",
              "organization=h10b", "GrpTRES=cpu=4,mem=2000", "MaxJobs=3", "GrpSubmitJobs=20")
    in_chroot(env, "sacctmgr", "-i", "add", "user", "alice", "account=" + name, "MaxSubmitJobs=7",
              "MaxTRESPerJob=cpu=2", "MaxWall=10:00")
    yield name
    in_chroot(env, "sacctmgr", "-i", "delete", "user", "alice", "account=" + name, check=False)
    in_chroot(env, "sacctmgr", "-i", "delete", "account", name, check=False)


# -- associations -------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "?user=alice", "?account=testacct", "?cluster={cluster}",
                                   "?Include+deleted+associations", "?Filter+to+only+defaults",
                                   "?user=root&account=root", "?partition=nosuch"])
def test_associations_same_as_reference(cluster, ours, alice_token, query):
    suite, env = cluster
    for version in versions(suite):
        path = "/slurmdb/%s/associations/%s" % (version, query.format(cluster=suite))
        same_as_reference(suite, env, ours, path, alice_token)


@pytest.mark.parametrize("query", ["?user=alice&account=testacct", "", "?user=nosuch_h10b"])
def test_association_same_as_reference(cluster, ours, alice_token, query):
    suite, env = cluster
    for version in versions(suite):
        same_as_reference(suite, env, ours, "/slurmdb/%s/association/%s" % (version, query), alice_token)


def test_sacctmgr_account_is_seen_at_once(cluster, ours, alice_token, h10b_account):
    """What sacctmgr creates and changes shows up in the very next GET, equal to the reference."""
    suite, env = cluster
    name = h10b_account
    for version in versions(suite):
        path = "/slurmdb/%s/association/?account=%s&user=alice" % (version, name)
        doc = same_as_reference(suite, env, ours, path, alice_token)
        (a,) = doc["associations"]
        assert a["account"] == name and a["user"] == "alice" and a["parent_account"] == ""
        assert a["max"]["jobs"]["total"] == {"set": True, "infinite": False, "number": 7}
        assert a["max"]["jobs"]["per"]["wall_clock"]["number"] == 10  # minutes
        assert {t["type"]: t["count"] for t in a["max"]["tres"]["per"]["job"]} == {"cpu": 2}
        acct = same_as_reference(suite, env, ours, "/slurmdb/%s/associations/?account=%s" % (version, name),
                                 alice_token)["associations"]
        parent = next(x for x in acct if not x["user"])
        assert parent["parent_account"] == "testacct"
        assert {t["type"]: t["count"] for t in parent["max"]["tres"]["total"]} == {"cpu": 4, "mem": 2000}
        assert parent["max"]["jobs"]["active"]["number"] == 3
    # a change is visible in the next request on the pooled connections (no stale snapshot)
    version = versions(suite)[-1]
    path = "/slurmdb/%s/association/?account=%s&user=alice" % (version, name)
    for i in (4, 9):
        in_chroot(env, "sacctmgr", "-i", "modify", "user", "alice", "where", "account=" + name, "set",
                  "MaxSubmitJobs=%d" % i)
        st, doc = get(base(ours), path, alice_token)
        assert st == 200 and doc["associations"][0]["max"]["jobs"]["total"]["number"] == i


# -- instances ----------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "?cluster={cluster}", "?instance_type=nosuch", "?node_list=n1"])
def test_instances_same_as_reference(cluster, ours, alice_token, query):
    suite, env = cluster
    for version in versions(suite):
        for what in ("instances", "instance"):
            path = "/slurmdb/%s/%s/%s" % (version, what, query.format(cluster=suite))
            same_as_reference(suite, env, ours, path, alice_token)


# -- jobs ---------------------------------------------------------------------------------


def test_job_by_id_same_as_reference(cluster, ours, alice_token, finished_jobs):
    suite, env = cluster
    tag, ids = finished_jobs
    for version in versions(suite):
        docs = {k: same_as_reference(suite, env, ours, "/slurmdb/%s/job/%d" % (version, jid), alice_token)
                for k, jid in ids.items()}
        steps = docs["steps"]["jobs"][0]
        assert steps["state"]["current"] == ["COMPLETED"] and steps["name"] == tag + "_steps"
        assert [s["step"]["id"] for s in steps["steps"]] == [
            "%d.batch" % ids["steps"], "%d.0" % ids["steps"], "%d.1" % ids["steps"]]
        assert all(s["state"] == ["COMPLETED"] for s in steps["steps"])
        # kHz, not the bits of a double (see BY_DESIGN)
        assert all(0 <= s["statistics"]["CPU"]["actual_frequency"] < 10 ** 8 for s in steps["steps"])
        failed = docs["failed"]["jobs"][0]
        assert failed["state"]["current"] == ["FAILED"]
        assert failed["exit_code"]["return_code"] == {"set": True, "infinite": False, "number": 3}
        cancelled = docs["cancelled"]["jobs"][0]
        assert cancelled["state"]["current"] == ["CANCELLED"] and cancelled["steps"] == []
        # waited until cancelled, before its begin time: a negative planned time, as sacct shows it
        if version != "v0.0.40":  # time/planned came with v0.0.41
            assert cancelled["time"]["planned"]["number"] < 0


@pytest.mark.parametrize("query", ["?job_name={tag}_steps", "?users=alice&job_name={tag}_fail",
                                   "?job_name={tag}_steps&skip_steps", "?step={steps}",
                                   "?step={steps}.0", "?state=CANCELLED&job_name={tag}_cancel&start_time=1",
                                   "?exit_code=3&job_name={tag}_fail", "?account=testacct&job_name={tag}_steps",
                                   "?job_name={tag}_steps&show_batch_script&show_job_environment",
                                   "?node=n1&job_name={tag}_steps&partition=debug&cluster={cluster}",
                                   "?start_time=1700000000&end_time=4000000000&job_name={tag}_steps",
                                   "?job_name={tag}_steps&usage_time_as_submit_time", "?job_name=nosuch_h10b",
                                   "?bogus=1&job_name={tag}_steps"])
def test_jobs_query_same_as_reference(cluster, ours, alice_token, finished_jobs, query):
    suite, env = cluster
    tag, ids = finished_jobs
    q = query.format(tag=tag, steps=ids["steps"], cluster=suite)
    for version in versions(suite):
        path = "/slurmdb/%s/jobs/%s" % (version, q)
        if version in ("v0.0.40", "v0.0.41") and "_time=" in q:
            # By design (docs/compatibility.md): 24.11's v0.0.40/v0.0.41 read a time given as
            # digits in the query as a date expression (parse_time: "1" or "4000000000" fail);
            # we read seconds since the epoch, as v0.0.42+ do.
            st, doc = get(base(ours), path, alice_token)
            st_ref, ref = get(env["REF_URL"], path, alice_token)
            assert st == 200 and doc["errors"] == [], (path, doc)
            assert st_ref == 422 and "for timestamp failed" in ref["errors"][0]["description"], (path, ref)
            continue
        same_as_reference(suite, env, ours, path, alice_token)


def test_jobs_json_body_on_get(cluster, ours, alice_token, finished_jobs):
    """Filters as a JSON body on the GET, as some clients send them: same as the query string."""
    suite, env = cluster
    tag, ids = finished_jobs
    for version in versions(suite):
        path = "/slurmdb/%s/jobs/" % version
        body = {"users": "alice", "job_name": tag + "_steps", "bogus": 1}
        st, doc = get(base(ours), path, alice_token, body=body)
        st_ref, ref = get(env["REF_URL"], path, alice_token, body=body)
        assert st == st_ref == 200 and diff(suite, doc, ref) == {}
        assert [j["job_id"] for j in doc["jobs"]] == [ids["steps"]]
        assert [w["source"] for w in doc["warnings"]] == ["#/bogus/"]


def test_bare_jobs_same_as_reference(cluster, ours, alice_token, finished_jobs):
    """GET jobs/ without filters (the NULL cond): every finished job is equal; ours are there."""
    suite, env = cluster
    tag, ids = finished_jobs
    for version in versions(suite):
        path = "/slurmdb/%s/jobs/" % version
        st, doc = get(base(ours), path, alice_token)
        st_ref, ref = get(env["REF_URL"], path, alice_token)
        assert st == st_ref == 200
        # jobs of other tests may end between the two calls: compare those finished in both
        done = ({j["job_id"] for j in ref["jobs"] if set(j["state"]["current"]) & FINISHED}
                & {j["job_id"] for j in doc["jobs"] if set(j["state"]["current"]) & FINISHED})
        mine = {j["job_id"]: j for j in doc["jobs"] if j["job_id"] in done}
        theirs = {j["job_id"]: j for j in ref["jobs"] if j["job_id"] in done}
        # (the never-started cancelled job is outside the NULL cond's default window)
        assert {ids["steps"], ids["failed"]} <= set(mine)
        bad = {jid: d for jid in theirs if (d := diff(suite, mine.get(jid), theirs[jid]))}
        assert bad == {}, path


def test_jobs_not_found(cluster, ours, alice_token):
    suite, env = cluster
    for version in versions(suite):
        doc = same_as_reference(suite, env, ours, "/slurmdb/%s/job/999999" % version, alice_token)
        assert doc["jobs"] == [] and doc["warnings"][0]["source"] == "_dump_jobs"


def test_groups_filter(cluster, ours, alice_token, finished_jobs):
    """groups= names the job's group (compared with users=, not with the reference)."""
    suite, env = cluster
    tag, ids = finished_jobs
    for version in ALL_VERSIONS:
        st, by_group = get(base(ours), "/slurmdb/%s/jobs/?groups=alice&job_name=%s_fail" % (version, tag),
                           alice_token)
        st2, by_user = get(base(ours), "/slurmdb/%s/jobs/?users=alice&job_name=%s_fail" % (version, tag),
                           alice_token)
        assert st == st2 == 200 and by_group["jobs"] == by_user["jobs"] and len(by_group["jobs"]) == 1


# -- the versions the reference of a cluster does not serve --------------------------------


def test_newer_versions_have_the_reference_shape(cluster, ours, alice_token, finished_jobs):
    """On trixie only v0.0.42 can be compared with its (24.11) reference; v0.0.43+ must have
    the keys and JSON types forky's reference gives for the same version."""
    suite, env = cluster
    tag, ids = finished_jobs
    forky = "http://127.0.0.1:17820"
    from clusters import token
    forky_token = token("forky", "alice")
    for version in ALL_VERSIONS:
        for path in ("associations/", "jobs/?job_name=%s_steps" % tag, "job/%d" % ids["failed"]):
            st, doc = get(base(ours), "/slurmdb/%s/%s" % (version, path), alice_token)
            assert st == 200 and doc["errors"] == [], (version, path, doc)
            if version in versions(suite):
                continue
            st_f, ref = get(forky, "/slurmdb/%s/associations/" % version if path == "associations/"
                            else "/slurmdb/%s/jobs/?users=alice" % version, forky_token)
            a, b = shape(doc), shape(ref)
            common = set(a) & set(b)
            assert {k: (a[k], b[k]) for k in common if a[k] != b[k]} == {}, (version, path)
            assert set(a) <= set(b) | {k for k in a if "[]" in k}, (version, path, set(a) - set(b))


# -- bad input ----------------------------------------------------------------------------

BAD = [
    ("jobs/?start_time=notatime", "#/start_time/"),
    ("jobs/?end_time=f&users=alice", "#/end_time/"),
    ("jobs/?users=no_such_user_h10b", "#/users[0]/"),
    ("jobs/?groups=no_such_group_h10b", "#/groups[0]/"),
    ("jobs/?state=NOT_A_STATE", "#/state[0][0]/"),  # as the reference: one flag name is item 0
    ("jobs/?step=abc", "#/step[0]/"),
    ("jobs/?cpus_max=lots", "#/cpus_max/"),
    ("jobs/?exit_code=x", "#/exit_code/"),
    ("job/abc", None),
    ("job/0", None),
    ("job/123.nostep", None),
    ("associations/?usage_start=notatime", "#/usage_start/"),
    ("associations/?usage_end=f&Filter+to+only+defaults=x", "#/usage_end/"),
    ("associations/?id=abc", "#/id/"),
    ("association/?usage_end=f", "#/usage_end/"),
    ("instances/?time_start=xyz", "#/time_start/"),
    ("instance/?time_end=f&cluster=x", "#/time_end/"),
]


@pytest.mark.parametrize("path,source", BAD)
def test_bad_input_is_a_4xx_naming_the_parameter(cluster, ours, alice_token, path, source):
    """Never a 5xx, never a dead daemon; the errors name the parameter (not sent to the reference)."""
    suite, env = cluster
    for version in ALL_VERSIONS:
        st, doc = get(base(ours), "/slurmdb/%s/%s" % (version, path), alice_token)
        assert 400 <= st < 500, (version, path, st, doc)
        assert doc["errors"], (version, path)
        if source is not None:
            assert source in [e["source"] for e in doc["errors"]], (version, path, doc["errors"])
        assert doc["errors"][-1]["error_number"] == 9000
    st, doc = get(base(ours), "/slurmdb/%s/associations/" % versions(suite)[-1], alice_token)
    assert st == 200 and doc["errors"] == []


def test_qos_names_in_filters(cluster, ours, alice_token, finished_jobs):
    """QOS by name filters as by id (slurmdbd matches ids; the references either send the name
    through and fail, or answer an empty document): not compared with the reference."""
    suite, env = cluster
    tag, ids = finished_jobs
    for version in ALL_VERSIONS:
        for path in ("jobs/?job_name=%s_steps&qos=" % tag, "associations/?user=alice&qos="):
            st, by_name = get(base(ours), "/slurmdb/%s/%snormal" % (version, path), alice_token)
            st2, by_id = get(base(ours), "/slurmdb/%s/%s1" % (version, path), alice_token)
            assert st == st2 == 200, (version, path, by_name)
            key = "jobs" if path.startswith("jobs") else "associations"
            assert by_name[key] == by_id[key] and len(by_name[key]) == 1
        st, doc = get(base(ours), "/slurmdb/%s/jobs/?qos=no_such_qos_h10b" % version, alice_token)
        assert st == 422 and doc["errors"][0]["source"] == "#/qos[0]/"
