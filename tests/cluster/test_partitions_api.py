"""Partitions against the real controllers: every operation at every data parser version
on both clusters, and ours vs the reference daemon leaf by leaf.

Partitions created here are named with ``PREFIX``, stay DOWN (no job runs in them) and
are deleted at the end of each test, even when it fails."""

import pytest

from clusters import REF_VERSIONS
from http_client import call
from parts_helpers import PREFIX, base, both, clean, diff, purge, root_token  # noqa: F401 (fixtures)

pytestmark = pytest.mark.cluster

VERSIONS = ("v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45")


def get(ours, path, tok, user="alice"):
    return call(base(ours), "GET", path, tok, user)


def post_parts(ours, tok, descs, user="root"):
    return call(base(ours), "POST", "/slurm/v0.0.45/partitions/", tok, user, {"partitions": descs})


NEW = {"nodes": {"configured": "n1"}, "partition": {"state": ["DOWN"], "exclusive": "USER",
                                                      "oversubscribe": "FORCE:4"},
       "maximums": {"time": {"set": True, "number": 30}, "nodes": {"set": True, "number": 1}},
       "defaults": {"time": {"set": True, "number": 10}}, "priority": {"tier": 2, "job_factor": 3},
       "accounts": {"allowed": "testacct"}, "grace_time": 7, "flags": ["LLN", "ROOT_ONLY"]}


# -- ours, every version ---------------------------------------------------------------------------

@pytest.mark.parametrize("version", VERSIONS)
def test_get_partitions_every_version(cluster, ours, alice_token, version):
    st, doc = get(ours, "/slurm/%s/partitions" % version, alice_token)
    assert st == 200 and doc["errors"] == [], doc
    debug = [p for p in doc["partitions"] if p["name"] == "debug"]
    assert debug and debug[0]["nodes"]["configured"] == "n1" and debug[0]["nodes"]["total"] == 1
    assert doc["last_update"]["set"] and doc["last_update"]["number"] > 0
    st, one = get(ours, "/slurm/%s/partition/debug" % version, alice_token)
    assert st == 200 and [p["name"] for p in one["partitions"]] == ["debug"]
    # the seed walkthrough: filter on the assigned QOS, the nodes of one partition
    assert [p for p in doc["partitions"] if p["qos"]["assigned"] == "sample"] == []
    assert one["partitions"][0]["nodes"]["configured"] == "n1"
    st, flags = get(ours, "/slurm/%s/partitions?flags=ALL" % version, alice_token)
    assert st == 200 and flags["partitions"]


@pytest.mark.parametrize("version", VERSIONS)
def test_no_change_since_update_time_is_304(cluster, ours, alice_token, version):
    st, doc = get(ours, "/slurm/%s/partitions" % version, alice_token)
    t = doc["last_update"]["number"] + 1
    for path in ("partitions", "partition/debug"):
        st, body = get(ours, "/slurm/%s/%s?update_time=%d" % (version, path, t), alice_token)
        assert (st, body) == (304, None), path
    st, doc = get(ours, "/slurm/%s/partitions?update_time=1" % version, alice_token)
    assert st == 200 and doc["partitions"]


def test_bad_flags_are_refused(cluster, ours, alice_token):
    st, doc = get(ours, "/slurm/v0.0.45/partitions?flags=BOGUS", alice_token)
    assert st == 422
    # a single flag name is item 0 of the list, as the reference says it
    assert doc["errors"][0]["source"] == "#/flags[0]/" and doc["errors"][-1]["source"] == "_partitions_get"


def test_create_update_delete(cluster, ours, root_token, alice_token, clean):
    name = PREFIX + "p1"
    st, doc = post_parts(ours, root_token, [{"name": name, **NEW}])
    assert (st, doc["errors"], doc["warnings"]) == (200, [], []), doc
    for version in VERSIONS:
        st, doc = get(ours, "/slurm/%s/partition/%s" % (version, name.upper()), alice_token)
        assert st == 200 and doc["partitions"][0]["name"] == name, (version, doc)
        p = doc["partitions"][0]
        assert p["nodes"]["configured"] == "n1" and p["maximums"]["time"]["number"] == 30
        assert p["partition"]["state"] == ["DOWN"] and p["priority"] == {"job_factor": 3, "tier": 2}
    p = get(ours, "/slurm/v0.0.45/partition/" + name, alice_token)[1]["partitions"][0]
    assert p["partition"]["exclusive"] == "USER" and p["partition"]["oversubscribe"] == "FORCE:4"
    assert set(p["flags"]) >= {"LLN", "ROOT_ONLY"} and p["accounts"]["allowed"] == "testacct"

    # an update names an existing partition; fields the controller owns are warned about
    st, doc = post_parts(ours, root_token, [{"name": name, "maximums": {"time": {"set": True, "number": 60}},
                                             "partition": {"exclusive": "NO"}, "cpus": {"total": 99}}])
    assert st == 200 and doc["errors"] == []
    assert doc["warnings"] == [{"description": "The partition description at index 0 contains the following "
                                               "ignored fields: cpus/total", "source": "_warn_on_ignore_values"}]
    p = get(ours, "/slurm/v0.0.45/partition/" + name, alice_token)[1]["partitions"][0]
    assert p["maximums"]["time"]["number"] == 60 and p["partition"]["exclusive"] == "NO"

    # alice may neither change nor delete it; nothing changes
    st, doc = post_parts(ours, alice_token, [{"name": name, "maximums": {"time": {"set": True, "number": 5}}}],
                         user="alice")
    assert st == 422 and doc["errors"][0]["error_number"] == 2010
    assert doc["errors"][0]["source"] == "slurm_update_partition"
    st, doc = call(base(ours), "DELETE", "/slurm/v0.0.45/partition/" + name, alice_token, "alice")
    assert st == 422 and doc["errors"][0]["source"] == "slurm_delete_partition()"
    p = get(ours, "/slurm/v0.0.45/partition/" + name, alice_token)[1]["partitions"][0]
    assert p["maximums"]["time"]["number"] == 60

    st, doc = call(base(ours), "DELETE", "/slurm/v0.0.45/partition/" + name, root_token, "root")
    assert (st, doc["errors"]) == (200, [])
    st, doc = get(ours, "/slurm/v0.0.45/partition/" + name, alice_token)
    assert st == 200 and doc.get("partitions", []) == []
    assert doc["warnings"] == [{"description": "Unable to find partition %s" % name, "source": "_partition_get"}]
    st, doc = call(base(ours), "DELETE", "/slurm/v0.0.45/partition/" + name, root_token, "root")
    assert st == 422 and doc["errors"][0]["error_number"] == 2000


def test_post_several_with_a_bad_one(cluster, ours, root_token, clean):
    a, b = PREFIX + "pa", PREFIX + "pb"
    st, doc = post_parts(ours, root_token, [{"name": a, **NEW}, {"nodes": {"configured": "n1"}},
                                            {"name": b, "nodes": {"configured": "n1"},
                                             "partition": {"state": ["DOWN"]}}])
    assert st == 422
    assert [e["source"] for e in doc["errors"]] == ["_foreach_create_update_partition"]
    names = [p["name"] for p in get(ours, "/slurm/v0.0.45/partitions", root_token, "root")[1]["partitions"]]
    assert a in names and b in names


def test_post_partitions_needs_a_list(cluster, ours, root_token):
    st, doc = call(base(ours), "POST", "/slurm/v0.0.45/partitions/", root_token, "root", {})
    assert st == 422 and doc["errors"][-1]["description"] == "Rejecting request. Failure parsing query"
    st, doc = post_parts(ours, root_token, [])
    assert (st, doc["errors"]) == (200, [])


@pytest.mark.parametrize("version", ("v0.0.42", "v0.0.43", "v0.0.44"))
def test_no_create_before_v0045(cluster, ours, root_token, version):
    st, _ = call(base(ours), "POST", "/slurm/%s/partitions/" % version, root_token, "root", {"partitions": []})
    assert st in (404, 405)
    st, _ = call(base(ours), "DELETE", "/slurm/%s/partition/debug" % version, root_token, "root")
    assert st in (404, 405)


# -- ours vs the reference ---------------------------------------------------------------------------

def _compare(env, ours, suite, tok, user, paths):
    bad = {}
    for version in REF_VERSIONS[suite]:
        for path in paths:
            full = "/slurm/%s/%s" % (version, path)
            (st_a, a), (st_b, b) = both(env, ours, "GET", full, tok, user)
            if st_a != st_b:
                bad[full] = ("status", st_a, st_b)
            elif isinstance(a, dict):
                d = diff(a, b)
                if d:
                    bad[full] = d
            elif a != b:
                bad[full] = (a, b)
    return bad


@pytest.mark.parametrize("user", ["alice", "root"])
def test_same_as_reference(cluster, ours, alice_token, root_token, user):
    suite, env = cluster
    tok = alice_token if user == "alice" else root_token
    paths = ["partitions", "partition/debug", "partition/DEBUG", "partitions?flags=ALL",
             "partition/debug?flags=DETAIL"]
    if suite != "trixie":
        # by design: an unknown partition is the 26.05 warning (200), where the 24.11
        # daemon answered 9000 (422); test_create_update_delete checks ours on both clusters
        paths.append("partition/nosuch")
    assert _compare(env, ours, suite, tok, user, paths) == {}


def test_same_as_reference_with_new_partitions(cluster, ours, alice_token, root_token, clean):
    suite, env = cluster
    st, doc = post_parts(ours, root_token, [
        {"name": PREFIX + "r1", **NEW},
        {"name": PREFIX + "r2", "nodes": {"configured": "n1"}, "partition": {"state": ["INACTIVE"],
                                                                            "exclusive": "NODE"},
         "flags": ["HIDDEN"], "qos": {"deny": "normal"}, "alternate": "debug",
         "maximums": {"partition_memory_per_cpu": {"set": True, "number": 100},
                      "over_time_limit": {"set": True, "number": 2}}}])
    assert (st, doc["errors"]) == (200, []), doc
    assert _compare(env, ours, suite, alice_token, "alice",
                    ("partitions", "partitions?flags=ALL", "partition/%sr1" % PREFIX,
                     "partition/%sr2" % PREFIX)) == {}


def test_errors_same_as_reference(cluster, ours, alice_token, root_token, clean):
    """Refusals name the same error, source and status as the reference (26.05 serves these)."""
    suite, env = cluster
    if "v0.0.45" not in REF_VERSIONS[suite]:
        pytest.skip("the %s reference daemon has no POST partitions" % suite)
    name = PREFIX + "e1"
    cases = [("POST", "/slurm/v0.0.45/partitions/", alice_token, "alice",
              {"partitions": [{"name": name, "nodes": {"configured": "n1"}},
                              {"nodes": {"configured": "n1"}},
                              {"name": "debug", "tres": {"configured": "x"}, "timeouts": {"resume": {"set": True,
                                                                                                     "number": 1}}}]}),
             ("POST", "/slurm/v0.0.45/partitions/", root_token, "root", {}),
             ("POST", "/slurm/v0.0.45/partitions/", root_token, "root", {"partitions": []}),
             ("POST", "/slurm/v0.0.45/partitions/", root_token, "root",
              {"partitions": [{"name": PREFIX + "e2", "nodes": {"configured": "n1"},
                               "partition": {"state": ["DOWN"], "exclusive": "NODE", "oversubscribe": "YES:4"}}]}),
             ("GET", "/slurm/v0.0.45/partition/" + PREFIX + "e2", root_token, "root", None),
             ("POST", "/slurm/v0.0.45/partitions/", root_token, "root",
              {"partitions": [{"name": PREFIX + "e2", "partition": {"oversubscribe": "YES:1"}}]}),
             ("POST", "/slurm/v0.0.45/partitions/", root_token, "root",
              {"partitions": [{"name": PREFIX + "e2", "partition": {"exclusive": "SOMETIMES"}}]}),
             ("DELETE", "/slurm/v0.0.45/partition/debug", alice_token, "alice", None),
             ("DELETE", "/slurm/v0.0.45/partition/" + name, root_token, "root", None)]
    for method, path, tok, user, body in cases:
        (st_a, a), (st_b, b) = both(env, ours, method, path, tok, user, body)
        assert st_a == st_b, (path, a, b)
        assert diff(a, b) == {}, (method, path, body)
