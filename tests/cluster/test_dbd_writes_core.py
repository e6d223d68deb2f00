"""openapi/slurmdbd writes of accounts, users and associations against the real slurmdbd.

* the workflow on both clusters and every data parser version: create an account with its
  association, a user in it, a user association with limits; read them back; modify the
  limits and check them with sacctmgr; delete everything and check it is gone (our GETs
  and sacctmgr);
* the same requests against the reference daemon: the same statuses and the same read-back
  JSON leaf by leaf (association ids aside: they are new rows);
* a multi-item POST whose last item slurmdbd refuses leaves nothing of the first ones; one
  whose last item does not parse sends nothing;
* a non-admin gets the reference's permission error and nothing changes;
* a retried request does not duplicate anything.

Everything created is named ``dbdwc_<pid>_…`` and removed at the end (sacctmgr).
"""

import os
import re
import subprocess

import pytest

from clusters import REF_VERSIONS, token
from http_client import call
from test_dbd_basic import by_design, diff

pytestmark = pytest.mark.cluster

PREFIX = "dbdwc%d" % os.getpid()
VERSIONS = ("v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45")
#: leaves that differ between two runs of the same workflow: the envelope's meta, and the
#: ids slurmdbd gives new association rows
MOVING = {"meta", "id"}


def sacctmgr(env, *args, check=True) -> str:
    r = subprocess.run(["chroot", env["CHROOT"], "sacctmgr", "-i", "-P", "-n", *args], capture_output=True,
                       text=True, timeout=120)
    if check:
        assert r.returncode == 0, (args, r.stdout, r.stderr)
    return r.stdout


def purge(env, prefix=PREFIX) -> None:
    """Remove every user and account of this run (users first: they hold associations)."""
    for what in ("user", "account"):
        names = [n for n in sacctmgr(env, "show", what, "withdeleted", "format=%s" % ("user" if what == "user"
                                                                                      else "account")).split()
                 if n.startswith(prefix)]
        if names:
            sacctmgr(env, "delete", what, "where", "name=" + ",".join(names), check=False)


@pytest.fixture(scope="module")
def env(cluster):
    suite, env = cluster
    purge(env)
    yield env
    purge(env)


@pytest.fixture(scope="module")
def root_token(cluster):
    return token(cluster[0], "root")


@pytest.fixture(scope="module")
def bob_token(cluster):
    return token(cluster[0], "bob")


class Api:
    """One daemon, one caller: ``api.post("accounts/", body)`` → (status, doc)."""

    def __init__(self, base, version, tok, user):
        self.base, self.version, self.tok, self.user = base, version, tok, user

    def __call__(self, method, path, body=None):
        return call(self.base, method, "/slurmdb/%s/%s" % (self.version, path), self.tok, user=self.user,
                    body=body)

    def get(self, path):
        return self("GET", path)

    def post(self, path, body):
        return self("POST", path, body)

    def delete(self, path):
        return self("DELETE", path)


def limits(env, acct, user):
    """(MaxJobs, MaxTRES, GrpTRES, QOS) of one association, as sacctmgr shows it."""
    out = sacctmgr(env, "show", "assoc", "where", "account=" + acct, "user=" + user,
                   "format=maxjobs,maxtres,grptres,qos").strip()
    return tuple(out.split("|")) if out else None


def workflow(api: Api, env, cluster_name: str, name: str) -> list:
    """Every step of the workflow, checked; returns (step, status, doc) for the comparison."""
    acct, user = name + "a", name + "u"
    steps = []

    def step(label, st_doc, want=200):
        st, doc = st_doc
        assert st == want, (label, st, doc)
        if doc:
            assert "Traceback" not in str(doc)
        steps.append((label, st, doc))
        return doc

    # create: account with its association under root, a user in it, limits on the user's association
    doc = step("add account", api.post("accounts_association/", {
        "association_condition": {"accounts": [acct], "clusters": [cluster_name],
                                  "association": {"parent": "root", "maxjobs": 5}},
        "account": {"description": "first", "organization": "dbdwc"}}))
    assert acct in doc["added_accounts"]
    step("describe account", api.post("accounts/", {"accounts": [
        {"name": acct, "description": "workflow", "organization": "dbdwc"}]}))
    doc = step("add user", api.post("users_association/", {
        "association_condition": {"accounts": [acct], "users": [user]}, "user": {"defaultaccount": acct}}))
    assert user in doc["added_users"]
    step("user defaults", api.post("users/", {"users": [{"name": user, "default": {"account": acct}}]}))
    step("limits", api.post("associations/", {"associations": [{
        "account": acct, "cluster": cluster_name, "user": user, "qos": ["normal"], "default": {"qos": "normal"},
        "max": {"jobs": {"active": {"set": True, "number": 3}},
                "tres": {"per": {"job": [{"type": "cpu", "count": 4}, {"type": "mem", "count": 1000}]}}}}]}))

    # read back
    doc = step("get account", api.get("account/%s?with_assocs" % acct))
    [a] = doc["accounts"]
    assert (a["description"], a["organization"]) == ("workflow", "dbdwc")
    assert sorted(x["user"] for x in a["associations"]) == ["", user]
    doc = step("get user", api.get("user/%s?with_assocs" % user))
    [u] = doc["users"]
    assert u["default"]["account"] == acct and [x["account"] for x in u["associations"]] == [acct]
    doc = step("get association", api.get("association/?account=%s&user=%s" % (acct, user)))
    [assoc] = doc["associations"]
    assert assoc["max"]["jobs"]["active"] == {"set": True, "infinite": False, "number": 3}
    assert sorted((t["type"], t["count"]) for t in assoc["max"]["tres"]["per"]["job"]) == [("cpu", 4),
                                                                                          ("mem", 1000)]
    assert limits(env, acct, user) == ("3", "cpu=4,mem=1000M", "", "normal")

    # modify: a TRES the request leaves out is removed, an unset number is left alone
    step("modify limits", api.post("associations/", {"associations": [{
        "account": acct, "cluster": cluster_name, "user": user,
        "max": {"tres": {"per": {"job": [{"type": "cpu", "count": 8}]}, "total": [{"type": "node", "count": 2}]}}}]}))
    assert limits(env, acct, user) == ("3", "cpu=8", "node=2", "normal")
    doc = step("get modified", api.get("association/?account=%s&user=%s" % (acct, user)))
    assert [(t["type"], t["count"]) for t in doc["associations"][0]["max"]["tres"]["per"]["job"]] == [("cpu", 8)]

    # delete, then nothing is left
    doc = step("delete association", api.delete("association/?account=%s&user=%s" % (acct, user)))
    assert len(doc["removed_associations"]) == 1 and user in doc["removed_associations"][0]
    doc = step("delete user", api.delete("user/%s" % user))
    assert doc["removed_users"] == [user]
    doc = step("delete account", api.delete("account/%s" % acct))
    assert doc["removed_accounts"] == [acct]
    step("delete again", api.delete("account/%s" % acct), want=304)
    doc = step("gone", api.get("account/%s" % acct))
    # (the 24.11 reference prints a pointer into this text: compared with it by _normalised)
    assert doc["accounts"] == [] and [(w["source"], w["description"].startswith("slurmdb_accounts_get("),
                                       w["description"].endswith(") found nothing")) for w in doc["warnings"]] \
        == [("_dump_accounts", True, True)]
    doc = step("user gone", api.get("users/?with_deleted=false"))
    assert user not in [x["name"] for x in doc["users"]]
    assert sacctmgr(env, "show", "assoc", "where", "account=" + acct, "format=account") == ""
    assert sacctmgr(env, "show", "user", user, "format=user") == ""
    assert sacctmgr(env, "show", "account", acct, "format=account") == ""
    return steps


def test_workflow_every_version(cluster, env, ours, root_token):
    suite, _ = cluster
    base = "http://%s:%d" % ours.inet
    for version in VERSIONS:
        name = "%s_w%s_" % (PREFIX, version[-2:])
        workflow(Api(base, version, root_token, "root"), env, env.get("CLUSTER_NAME", suite), name)


_POINTER = re.compile(r"\(0x[0-9a-f]+\)")


def reference_24_11(suite, st_ours, st_ref, doc_ours, doc_ref):
    """``by_design``, and for the writes: the 24.11 reference answers the data parser's
    refusals (9000-9999) with 500 where 26.05 says 422, and prints a pointer where 26.05
    prints ``()`` (``slurmdb_users_add(0x7f..) failed``)."""
    st_ref, doc_ref = by_design(suite, st_ours, st_ref, doc_ours, doc_ref)
    if suite != "trixie":
        return st_ref, doc_ref
    if st_ref == 500 and st_ours == 422 and doc_ref.get("errors") \
            and 9000 <= doc_ref["errors"][0]["error_number"] <= 9999:
        st_ref = 422
    for mine, theirs in zip(doc_ours.get("errors", []) if isinstance(doc_ours, dict) else [],
                            doc_ref.get("errors", [])):
        text = _POINTER.sub("", theirs["description"])
        if text.replace(" failed", "() failed") == mine["description"]:
            theirs["description"] = mine["description"]
    return st_ref, doc_ref


def _normalised(suite, steps_ours, steps_ref):
    bad = {}
    for (label, st_o, doc_o), (_, st_r, doc_r) in zip(steps_ours, steps_ref):
        if isinstance(doc_r, dict):
            st_r, doc_r = reference_24_11(suite, st_o, st_r, doc_o, doc_r)
        if st_o != st_r:
            bad[label] = ("status", st_o, st_r)
        elif isinstance(doc_o, dict) and isinstance(doc_r, dict):
            d = diff(doc_o, doc_r, MOVING)
            if d:
                bad[label] = d
        elif doc_o != doc_r:
            bad[label] = (doc_o, doc_r)
    return bad


def test_workflow_same_as_reference(cluster, env, ours, root_token):
    """The same workflow through both daemons, one after the other with the same names."""
    suite, _ = cluster
    base = "http://%s:%d" % ours.inet
    for version in [v for v in REF_VERSIONS[suite] if v in VERSIONS]:   # v0.0.40/41: not yet
        name = "%s_r%s_" % (PREFIX, version[-2:])
        cname = env.get("CLUSTER_NAME", suite)
        mine = workflow(Api(base, version, root_token, "root"), env, cname, name)
        theirs = workflow(Api(env["REF_URL"], version, root_token, "root"), env, cname, name)
        assert _normalised(suite, mine, theirs) == {}


def _both(env, ours, version, tok, user):
    return (Api("http://%s:%d" % ours.inet, version, tok, user), Api(env["REF_URL"], version, tok, user))


def _same(suite, a, b):
    st_a, doc_a = a
    st_b, doc_b = b
    if isinstance(doc_b, dict):
        st_b, doc_b = reference_24_11(suite, st_a, st_b, doc_a, doc_b)
    assert st_a == st_b, (a, b)
    if isinstance(doc_a, dict):
        assert diff(doc_a, doc_b, MOVING) == {}
    else:
        assert doc_a == doc_b


def test_rollback_of_a_partly_failed_list(cluster, env, ours, root_token):
    """The first user would be added, the last one is refused by slurmdbd (no name): the
    request fails as the reference's does and the first user is not there afterwards."""
    suite, _ = cluster
    version = REF_VERSIONS[suite][-1]
    for api in _both(env, ours, version, root_token, "root"):
        first = PREFIX + "_rb1"
        st, doc = api.post("users/", {"users": [{"name": first}, {"name": ""}]})
        assert st == 500 and [(e["error_number"], _POINTER.sub("()", e["description"])) for e in doc["errors"]] \
            == [(-1, "slurmdb_users_add() failed")], doc
        assert sacctmgr(env, "show", "user", "withdeleted", first, "format=user") == ""
        st, doc = api.get("user/%s?with_deleted" % first)
        assert st == 200 and doc["users"] == []
    ours_api, ref_api = _both(env, ours, version, root_token, "root")
    body = {"users": [{"name": PREFIX + "_rb2"}, {"name": ""}]}
    _same(suite, ours_api.post("users/", body), ref_api.post("users/", body))


def test_unparsable_last_item_sends_nothing(cluster, env, ours, root_token):
    suite, _ = cluster
    version = REF_VERSIONS[suite][-1]
    ours_api, ref_api = _both(env, ours, version, root_token, "root")
    acct = PREFIX + "_np"
    body = {"accounts": [{"name": acct, "description": "d", "organization": "o"}, {"name": acct + "2"}]}
    a, b = ours_api.post("accounts/", body), ref_api.post("accounts/", body)
    _same(suite, a, b)
    assert a[0] == 422 and a[1]["errors"][0]["source"] == "#/accounts[1]/description/"
    body = {"associations": [{"account": "root", "cluster": env.get("CLUSTER_NAME", suite), "user": "root",
                              "qos": [PREFIX + "_noqos"]}]}
    _same(suite, ours_api.post("associations/", body), ref_api.post("associations/", body))
    assert sacctmgr(env, "show", "account", "withdeleted", acct, "format=account") == ""


def test_non_admin_is_refused_and_nothing_changes(cluster, env, ours, root_token, bob_token):
    suite, _ = cluster
    cname = env.get("CLUSTER_NAME", suite)
    version = REF_VERSIONS[suite][-1]
    acct, user = PREFIX + "_na", PREFIX + "_nau"
    root_api = Api("http://%s:%d" % ours.inet, version, root_token, "root")
    st, _ = root_api.post("accounts_association/", {
        "association_condition": {"accounts": [acct], "clusters": [cname], "association": {"parent": "root"}},
        "account": {"description": "kept", "organization": "dbdwc"}})
    assert st == 200
    ours_api, ref_api = _both(env, ours, version, bob_token, "bob")
    requests = [
        ("POST", "accounts/", {"accounts": [{"name": PREFIX + "_na2", "description": "d", "organization": "o"}]}),
        ("POST", "accounts/", {"accounts": [{"name": acct, "description": "changed", "organization": "o"}]}),
        ("POST", "accounts_association/", {"association_condition": {"accounts": [PREFIX + "_na3"],
                                                                      "clusters": [cname]},
                                           "account": {"description": "d", "organization": "o"}}),
        ("POST", "users/", {"users": [{"name": user}]}),
        ("POST", "users_association/", {"association_condition": {"accounts": [acct], "users": [user]},
                                        "user": {}}),
        ("POST", "associations/", {"associations": [{"account": acct, "cluster": cname, "user": "bob"}]}),
        ("DELETE", "account/%s" % acct, None),
        ("DELETE", "association/?account=%s" % acct, None),
        ("DELETE", "user/root", None),
    ]
    before = (sacctmgr(env, "show", "assoc", "format=account,user,maxjobs"),
              sacctmgr(env, "show", "account", "format=account,description"), sacctmgr(env, "show", "user"))
    for method, path, body in requests:
        a, b = ours_api(method, path, body), ref_api(method, path, body)
        assert a[0] in (422, 500, 304), (path, a)
        if a[0] != 304:
            assert a[1]["errors"][0]["error_number"] == 2002, (path, a)
        _same(suite, a, b)
    after = (sacctmgr(env, "show", "assoc", "format=account,user,maxjobs"),
             sacctmgr(env, "show", "account", "format=account,description"), sacctmgr(env, "show", "user"))
    assert after == before


def test_retried_requests_do_not_duplicate(cluster, env, ours, root_token):
    suite, _ = cluster
    cname = env.get("CLUSTER_NAME", suite)
    version = REF_VERSIONS[suite][-1]
    ours_api, ref_api = _both(env, ours, version, root_token, "root")
    for api, tag in ((ours_api, "o"), (ref_api, "r")):
        acct, user = "%s_rt%s" % (PREFIX, tag), "%s_rt%su" % (PREFIX, tag)
        add = {"association_condition": {"accounts": [acct], "clusters": [cname], "association": {"parent": "root"}},
               "account": {"description": "d", "organization": "o"}}
        assert api.post("accounts_association/", add)[0] == 200
        st, doc = api.post("accounts_association/", add)
        assert st == 304 and doc is None            # already there: nothing added
        for _ in range(2):
            assert api.post("accounts/", {"accounts": [{"name": acct, "description": "d2", "organization": "o"}]})[0] \
                == 200
            assert api.post("users/", {"users": [{"name": user}]})[0] == 200
            assert api.post("associations/", {"associations": [{"account": acct, "cluster": cname, "user": user,
                                                                "max": {"jobs": {"active": {"set": True,
                                                                                            "number": 2}}}}]})[0] == 200
        assert sacctmgr(env, "show", "account", acct, "format=account,description").split() == [acct + "|d2"]
        assert sacctmgr(env, "show", "user", user, "format=user").split() == [user]
        assert sacctmgr(env, "show", "assoc", "where", "account=" + acct, "format=account,user,maxjobs").split() == \
            [acct + "||", "%s|%s|2" % (acct, user)]
        assert api.delete("user/%s" % user)[0] == 200
        assert api.delete("account/%s" % acct)[0] == 200
