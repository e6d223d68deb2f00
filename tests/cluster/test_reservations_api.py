"""Reservations against the real controllers: the seed walkthrough and every operation at
every data parser version on both clusters, and ours vs the reference daemon leaf by leaf.

Reservations made here are named with ``PREFIX``, start 400 days ahead (so node n1 is
never held from other tests' jobs) and are deleted at the end of each test, even when
it fails."""

import pytest

from clusters import REF_VERSIONS
from http_client import call
from parts_helpers import PREFIX, base, both, clean, diff, future_start, purge, root_token  # noqa: F401 (fixtures)

pytestmark = pytest.mark.cluster

VERSIONS = ("v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45")
#: versions with POST reservation / reservations
POST_VERSIONS = ("v0.0.43", "v0.0.44", "v0.0.45")


def req(ours, method, path, tok, user="root", body=None):
    return call(base(ours), method, path, tok, user, body)


def seed_desc(name, start, **kw):
    """The reservation of the slurmrestd documentation's Python walkthrough."""
    d = {"name": name, "duration": {"set": True, "number": 15}, "node_list": ["n1"],
         "start_time": {"set": True, "number": start}, "users": ["slurm"],
         "flags": ["IGNORE_JOBS", "MAGNETIC", "DAILY"]}
    d.update(kw)
    return d


def names(ours, version, tok):
    st, doc = req(ours, "GET", "/slurm/%s/reservations" % version, tok)
    assert st == 200, doc
    return {r["name"]: r for r in doc["reservations"]}


# -- the seed walkthrough, every version ------------------------------------------------------------

@pytest.mark.parametrize("version", POST_VERSIONS)
def test_seed_walkthrough(cluster, ours, root_token, version, clean):
    name = PREFIX + "important_jobs_" + version[-2:]
    start = future_start()
    if name in names(ours, version, root_token):
        req(ours, "DELETE", "/slurm/%s/reservation/%s" % (version, name), root_token)
    st, doc = req(ours, "POST", "/slurm/%s/reservation" % version, root_token, body=seed_desc(name, start))
    assert (st, doc["errors"]) == (200, []), doc
    (echo,) = doc["reservations"]
    assert echo["name"] == name and echo["flags"] == ["DAILY", "IGNORE_JOBS", "MAGNETIC"]
    assert echo["node_list"] == ["n1"] and echo["users"] == ["slurm"]
    r = names(ours, version, root_token)[name]
    assert r["start_time"]["number"] == start and r["end_time"]["number"] == start + 15 * 60
    assert {"DAILY", "IGNORE_JOBS", "MAGNETIC"} <= set(r["flags"]) and r["users"] == "slurm"
    assert r["node_list"] == "n1" and r["node_count"] == 1

    st, doc = req(ours, "POST", "/slurm/%s/reservation" % version, root_token,
                  body={"name": name, "duration": {"set": True, "number": 20}})
    assert (st, doc["errors"]) == (200, []), doc
    assert doc["reservations"][0]["flags"] == [] and doc["reservations"][0]["duration"]["number"] == 20
    r = names(ours, version, root_token)[name]
    assert r["end_time"]["number"] == start + 20 * 60 and "DAILY" in r["flags"]

    st, doc = req(ours, "GET", "/slurm/%s/reservation/%s" % (version, name.upper()), root_token, "alice")
    assert st == 200 and [x["name"] for x in doc["reservations"]] == [name]
    st, doc = req(ours, "DELETE", "/slurm/%s/reservation/%s" % (version, name), root_token)
    assert (st, doc["errors"]) == (200, [])
    assert name not in names(ours, version, root_token)


def test_get_and_delete_at_v0042(cluster, ours, root_token, alice_token, clean):
    name = PREFIX + "v42"
    st, doc = req(ours, "POST", "/slurm/v0.0.45/reservation", root_token, body=seed_desc(name, future_start()))
    assert st == 200, doc
    st, doc = req(ours, "GET", "/slurm/v0.0.42/reservation/" + name, alice_token, "alice")
    assert st == 200 and doc["reservations"][0]["name"] == name
    st, doc = req(ours, "POST", "/slurm/v0.0.42/reservation", root_token, body=seed_desc(name, future_start()))
    assert st == 404
    st, doc = req(ours, "DELETE", "/slurm/v0.0.42/reservation/" + name, root_token)
    assert (st, doc["errors"]) == (200, [])
    st, doc = req(ours, "DELETE", "/slurm/v0.0.42/reservation/" + name, root_token)
    assert st == 422 and doc["errors"][0]["error_number"] == 2053
    assert doc["errors"][0]["description"] == "Error deleting reservation " + name


@pytest.mark.parametrize("version", POST_VERSIONS)
def test_post_reservations_creates_and_updates(cluster, ours, root_token, version, clean):
    a, b = PREFIX + "la_" + version[-2:], PREFIX + "lb_" + version[-2:]
    start = future_start(410)
    body = {"reservations": [
        {"name": a, "start_time": {"set": True, "number": start},
         "end_time": {"set": True, "number": start + 3600}, "node_count": {"set": True, "number": 1},
         "partition": "debug", "accounts": ["testacct"], "flags": ["MAINT", "WEEKLY"], "comment": "first"},
        {"name": b, "start_time": {"set": True, "number": start + 7 * 86400 + 7200},
         "duration": {"set": True, "number": 30}, "node_list": "n1", "core_count": {"set": True, "number": 1},
         "users": ["alice", "bob"], "flags": ["IGNORE_JOBS", "NO_HOLD_JOBS_AFTER_END"],
         "purge_completed": {"time": {"set": True, "number": 120}}}]}
    st, doc = req(ours, "POST", "/slurm/%s/reservations" % version, root_token, body=body)
    assert (st, doc["errors"]) == (200, []), doc
    assert [r["name"] for r in doc["reservations"]] == [a, b]
    got = names(ours, version, root_token)
    ra, rb = got[a], got[b]
    assert ra["accounts"] == "testacct" and {"MAINT", "WEEKLY"} <= set(ra["flags"])
    assert ra["end_time"]["number"] == start + 3600 and ra["node_count"] == 1 and ra["partition"] == "debug"
    assert rb["users"] == "alice,bob" and rb["core_count"] == 1 and rb["core_specializations"]
    assert rb["end_time"]["number"] - rb["start_time"]["number"] == 1800

    # one list: an update of a, a new c
    c = PREFIX + "lc_" + version[-2:]
    body = {"reservations": [{"name": a, "accounts": ["testacct"], "users": ["alice"]},
                             {"name": c, "start_time": {"set": True, "number": start + 14 * 86400},
                              "duration": {"set": True, "number": 10}, "node_list": ["n1"], "users": ["bob"]}]}
    st, doc = req(ours, "POST", "/slurm/%s/reservations" % version, root_token, body=body)
    assert (st, doc["errors"]) == (200, []), doc
    got = names(ours, version, root_token)
    assert got[a]["users"] == "alice" and c in got
    for n in (a, b, c):
        assert req(ours, "DELETE", "/slurm/%s/reservation/%s" % (version, n), root_token)[0] == 200


@pytest.mark.parametrize("version", VERSIONS)
def test_no_change_since_update_time_is_304(cluster, ours, root_token, version):
    st, doc = req(ours, "GET", "/slurm/%s/reservations" % version, root_token)
    t = doc["last_update"]["number"] + 1
    for path in ("reservations", "reservation/any"):
        st, body = req(ours, "GET", "/slurm/%s/%s?update_time=%d" % (version, path, t), root_token)
        assert (st, body) == (304, None), path


def test_refusals(cluster, ours, root_token, alice_token, clean):
    name = PREFIX + "ref"
    start = future_start()
    st, doc = req(ours, "POST", "/slurm/v0.0.45/reservation", alice_token, "alice", seed_desc(name, start))
    assert st == 422 and doc["errors"][0]["error_number"] == 2010
    assert doc["errors"][0]["description"] == "Error creating reservation  " + name
    assert name not in names(ours, "v0.0.45", root_token)
    st, doc = req(ours, "POST", "/slurm/v0.0.45/reservation", root_token, body=seed_desc(name, start))
    assert st == 200
    for method, path, body in (("POST", "/slurm/v0.0.45/reservation", {"name": name, "duration": {"set": True,
                                                                                                  "number": 1}}),
                               ("DELETE", "/slurm/v0.0.45/reservation/" + name, None)):
        st, doc = req(ours, method, path, alice_token, "alice", body)
        assert st == 422 and doc["errors"][0]["error_number"] == 2010, (method, doc)
    assert names(ours, "v0.0.45", root_token)[name]["end_time"]["number"] == start + 900
    checks = [({"duration": {"set": True, "number": 5}}, "Reservation must be given."),
              (seed_desc(PREFIX + "x1", start, start_time=None), "A start time must be given.  "
                                                                 "No reservation created."),
              (seed_desc(PREFIX + "x2", start, groups=["alice"]), "Users and Groups are mutually exclusive.  "
               "You can have one or the other, but not both.  No reservation created."),
              (seed_desc(PREFIX + "x3", start, node_list=None), "CoreCnt, Nodes, NodeCnt, TRES or Watts must be "
                                                                "specified.  No reservation created.")]
    for body, text in checks:
        body = {k: v for k, v in body.items() if v is not None}
        st, doc = req(ours, "POST", "/slurm/v0.0.45/reservation", root_token, body=body)
        assert st == 422 and doc["errors"][-1]["description"] == text, doc
    st, doc = req(ours, "GET", "/slurm/v0.0.45/reservation/" + PREFIX + "nosuch", root_token)
    assert st == 422 and doc["errors"][0]["description"] == "Unable to find reservation %snosuch" % PREFIX


# -- ours vs the reference ---------------------------------------------------------------------------

#: differences by design, per cluster: (path, leaf) -> the value we answer.  The trixie
#: reference is the 24.11 daemon; ours serves the 26.05 handlers, which name another source.
BY_DESIGN = {"trixie": {("reservation/" + PREFIX + "nosuch", "/errors[0]/source"): "_get_single_reservation"}}


def _compare(env, ours, suite, tok, user, paths):
    bad = {}
    expected = BY_DESIGN.get(suite, {})
    for version in REF_VERSIONS[suite]:
        for path in paths:
            full = "/slurm/%s/%s" % (version, path)
            (st_a, a), (st_b, b) = both(env, ours, "GET", full, tok, user)
            if st_a != st_b:
                bad[full] = ("status", st_a, st_b, a, b)
                continue
            d = {leaf: v for leaf, v in diff(a, b).items() if expected.get((path, leaf), object()) != v[0]}
            if d:
                bad[full] = d
    return bad


def test_same_as_reference(cluster, ours, root_token, alice_token, clean):
    suite, env = cluster
    start = future_start(420)
    one, two = PREFIX + "d1", PREFIX + "d2"
    st, doc = req(ours, "POST", "/slurm/v0.0.45/reservations", root_token, body={"reservations": [
        seed_desc(one, start, flags=["MAINT", "DAILY", "IGNORE_JOBS", "MAGNETIC"], users=["slurm", "alice"],
                  accounts=["testacct"], comment="differential"),
        {"name": two, "start_time": {"set": True, "number": start + 7200},
         "end_time": {"set": True, "number": start + 10800}, "node_list": "n1",
         "core_count": {"set": True, "number": 1}, "accounts": ["testacct"], "flags": ["WEEKLY"]}]})
    assert (st, doc["errors"]) == (200, []), doc
    for tok, user in ((root_token, "root"), (alice_token, "alice")):
        assert _compare(env, ours, suite, tok, user, ("reservations", "reservation/" + one,
                                                      "reservation/" + two.upper(),
                                                      "reservation/" + PREFIX + "nosuch")) == {}


def test_changes_same_as_reference(cluster, ours, root_token, alice_token, clean):
    """Create, update and delete through each daemon in turn: the same answers (26.05)."""
    suite, env = cluster
    if "v0.0.45" not in REF_VERSIONS[suite]:
        pytest.skip("the %s reference daemon has no POST reservation" % suite)
    name = PREFIX + "c1"
    start = future_start()
    steps = [("POST", "/slurm/v0.0.45/reservation", alice_token, "alice", seed_desc(name, start)),
             ("POST", "/slurm/v0.0.45/reservation", root_token, "root", seed_desc(name, start)),
             ("POST", "/slurm/v0.0.45/reservation", root_token, "root",
              {"name": name, "duration": {"set": True, "number": 20}, "flags": ["NO_DAILY"]}),
             ("POST", "/slurm/v0.0.45/reservations", root_token, "root",
              {"reservations": [{"name": name, "users": ["alice"], "tres": [{"type": "cpu", "count": 1}]}]}),
             ("POST", "/slurm/v0.0.45/reservations", root_token, "root", {"reservations": []}),
             # names match without case here, not in the controller: an "update" it refuses
             ("POST", "/slurm/v0.0.45/reservations", root_token, "root",
              {"reservations": [{"name": name.upper(), "users": ["bob"]}]}),
             ("POST", "/slurm/v0.0.45/reservations", root_token, "root", {"reservations": [{"users": ["x"]}]}),
             ("POST", "/slurm/v0.0.45/reservation", root_token, "root",
              seed_desc(PREFIX + "c2", start, users=None, end_time={"set": True, "number": start})),
             ("DELETE", "/slurm/v0.0.45/reservation/" + name, alice_token, "alice", None),
             ("DELETE", "/slurm/v0.0.45/reservation/" + name, root_token, "root", None),
             ("DELETE", "/slurm/v0.0.45/reservation/" + name, root_token, "root", None)]
    results = {}
    for label, url in (("ours", base(ours)), ("ref", env["REF_URL"])):
        out = []
        for method, path, tok, user, body in steps:
            if body is not None:
                body = {k: v for k, v in body.items() if v is not None}
            out.append(call(url, method, path, tok, user, body))
            if method == "POST" and path.endswith("/reservation") and user == "root" and out[-1][0] == 200:
                # the state both daemons see before the next step must be the same
                st, got = call(url, "GET", "/slurm/v0.0.45/reservation/" + name, tok, user)
                out.append((st, got))
        results[label] = out
        purge(base(ours), root_token)
    assert len(results["ours"]) == len(results["ref"]) > len(steps)
    assert {st for st, _ in results["ours"]} == {200, 422}
    bad = [(i, a, b) for i, (a, b) in enumerate(zip(results["ours"], results["ref"]))
           if a[0] != b[0] or diff(a[1], b[1])]
    assert bad == []
