"""openapi/slurmdbd GETs against the real slurmdbd, compared with the reference daemon leaf by leaf.

Both daemons are asked the same thing with the same token (a plain user and root, who is an
Administrator in slurmdbd); statuses, errors, warnings and every leaf must agree, except the
values that move between two calls (ping latency, slurmdbd's RPC counters).
"""

import json
import re

import pytest

from clusters import REF_VERSIONS, token
from http_client import call
from jobs_helpers import settled_diff

pytestmark = pytest.mark.cluster

#: Leaves that move between two calls.
MOVING = {"meta", "latency"}
#: diag: counters and times move; the shape and the names are compared separately.
STATS_MOVING = {"time_start", "count", "last_run", "last", "max", "time", "average", "total"}
#: Lists slurmdbd returns in no fixed order (SQL rows without ORDER BY: the reference's own
#: answer changes order between two calls): compared as sorted lists.
UNORDERED = {"accounting"}


def leaves(doc, path="", moving=MOVING):
    out = {}
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k in moving:
                continue
            if k in UNORDERED and isinstance(v, list):
                v = sorted(v, key=lambda item: json.dumps(item, sort_keys=True))
            out.update(leaves(v, path + "/" + k, moving))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out.update(leaves(v, "%s[%d]" % (path, i), moving))
    else:
        out[path] = doc
    return out


def diff(ours, ref, moving=MOVING):
    a, b = leaves(ours, moving=moving), leaves(ref, moving=moving)
    return {k: (a.get(k, "<missing>"), b.get(k, "<missing>")) for k in sorted(set(a) | set(b))
            if a.get(k, "<missing>") != b.get(k, "<missing>")}


#: (path after /slurmdb/{v}/, first version that has it); {cluster} is the cluster's name
ENDPOINTS = [
    ("ping/", "v0.0.42"), ("diag/", None), ("tres/", None),
    ("qos/", None), ("qos/normal", None), ("qos/normal?with_deleted", None), ("qos/h10a_nosuch", None),
    ("accounts/", None), ("accounts/?WithAssociations&WithCoordinators", None), ("accounts/?DELETED", None),
    ("accounts/?description=h10a_nosuch", None),
    ("account/testacct", None), ("account/testacct?with_assocs&with_coords&with_deleted", None),
    ("account/h10a_nosuch", None),
    ("users/", None), ("users/?with_assocs&with_coords&with_wckeys&with_deleted", None),
    ("users/?admin_level=Administrator", None), ("users/?default_account=testacct", None),
    ("user/alice", None), ("user/alice?with_assocs&with_coords&with_wckeys", None), ("user/h10a_nosuch", None),
    ("clusters/", None), ("clusters/?with_deleted", None), ("clusters/?update_time=1", None),
    ("cluster/{cluster}", None), ("cluster/h10a_nosuch", None),
    # never ``only_defaults`` here: it crashes the 24.11 reference daemon (see test_wckeys_only_defaults)
    ("wckeys/", None), ("wckeys/?with_deleted", None), ("wckey/h10a_nosuch", None),
    ("config", None), ("conf", "v0.0.45"),
]

_POINTER = re.compile(r"\(0x[0-9a-f]+\)")


def by_design(suite, st_ours, st_ref, doc_ours, doc_ref):
    """The 24.11 reference (trixie) differs from a 26.05 daemon on purpose or by its own bugs:
    it maps slurmdbd refusals (2000-2185) to 500 where 26.05 says 422, and prints a pointer
    into some texts (``slurmdb_wckeys_get(0x7f..) failed``).  Returns the normalised pair."""
    if suite != "trixie":
        return st_ref, doc_ref
    if st_ref == 500 and st_ours == 422 and doc_ref.get("errors") \
            and 2000 <= doc_ref["errors"][0]["error_number"] <= 2185:
        st_ref = 422
    for key in ("errors", "warnings"):
        for e in doc_ref.get(key, []):
            e["description"] = _POINTER.sub("", e["description"]).replace("() found", " found") \
                .replace(" found nothing", "() found nothing")
    return st_ref, doc_ref


@pytest.fixture(scope="module")
def root_token(cluster):
    return token(cluster[0], "root")


def run_all(cluster, ours, tokens, check):
    suite, env = cluster
    base = "http://%s:%d" % ours.inet
    bad = {}
    for version in REF_VERSIONS[suite]:
        for ep, since in ENDPOINTS:
            if since and version < since:
                continue
            path = "/slurmdb/%s/%s" % (version, ep.format(cluster=env.get("CLUSTER_NAME", suite)))
            for user, tok in tokens.items():
                # fetched again while they differ: other tests add and remove their own
                # accounts, users, QOS and clusters between our read and the reference's
                problem = settled_diff(lambda: call(base, "GET", path, tok, user=user),
                                       lambda: call(env["REF_URL"], "GET", path, tok, user=user),
                                       compare=lambda a, b: check(suite, path, *a, *b))
                if problem:
                    bad["%s as %s" % (path, user)] = problem
    return bad


def _compare(suite, path, st_ours, doc_ours, st_ref, doc_ref):
    if not isinstance(doc_ref, dict):  # /conf before v0.0.45: both 404 text
        return None if (st_ours, doc_ours) == (st_ref, doc_ref) else ("text", st_ours, st_ref)
    st_ref, doc_ref = by_design(suite, st_ours, st_ref, doc_ours, doc_ref)
    if st_ours != st_ref:
        return ("status", st_ours, st_ref, doc_ours.get("errors"), doc_ref.get("errors"))
    moving = MOVING | STATS_MOVING if "/diag/" in path else MOVING
    d = diff(doc_ours, doc_ref, moving)
    if "/diag/" in path:
        # the per-RPC and per-user tables grow while we look: compare what both list
        d = {k: v for k, v in d.items() if not re.match(r"/statistics/(RPCs|users)\[", k)}
    return d or None


def test_same_as_reference(cluster, ours, alice_token, root_token):
    assert run_all(cluster, ours, {"alice": alice_token, "root": root_token}, _compare) == {}


def test_diag_tables(cluster, ours, root_token):
    """slurmdbd's statistics name the same RPCs (by slurmdbd's own names) and users."""
    suite, env = cluster
    base = "http://%s:%d" % ours.inet
    for version in REF_VERSIONS[suite]:
        path = "/slurmdb/%s/diag/" % version
        (_, a), (_, b) = call(base, "GET", path, root_token, user="root"), \
            call(env["REF_URL"], "GET", path, root_token, user="root")
        a, b = a["statistics"], b["statistics"]
        assert list(a) == list(b)
        names_a = [r["rpc"] for r in a["RPCs"]]
        names_b = [r["rpc"] for r in b["RPCs"]]
        assert "SLURM_PERSIST_INIT" in names_a and "DBD_FINI" in names_a
        assert names_b[:len(names_a)] == names_a[:len(names_b)]
        assert {r["user"] for r in a["users"]} <= {r["user"] for r in b["users"]} | {"root"}
        assert [list(r) for r in a["RPCs"]][:1] == [list(r) for r in b["RPCs"]][:1]
        for r in a["RPCs"]:
            assert r["time"]["average"] == (r["time"]["total"] // r["count"] if r["count"] else 0)


def test_plain_user_refusals(cluster, ours, alice_token):
    """A plain user may not read wckeys nor statistics: slurmdbd's 2002 as the reference."""
    suite, env = cluster
    base = "http://%s:%d" % ours.inet
    version = REF_VERSIONS[suite][-1]
    for ep, source, desc in (("diag/", "slurmdb_get_stats", "stats query failed"),
                             ("wckeys/", "_dump_wckeys", "slurmdb_wckeys_get failed"),
                             ("config", "_dump", "slurmdb_wckeys_get failed")):
        st, doc = call(base, "GET", "/slurmdb/%s/%s" % (version, ep), alice_token)
        assert st == 422, (ep, doc)
        assert [(e["error_number"], e["source"], e["description"]) for e in doc["errors"]] == \
            [(2002, source, desc)]
    # the refusal ended the server's side of the connection; the next request still works
    st, doc = call(base, "GET", "/slurmdb/%s/tres/" % version, alice_token)
    assert st == 200 and doc["errors"] == [] and doc["TRES"]


def test_bad_token(cluster, ours):
    suite, env = cluster
    version = REF_VERSIONS[suite][-1]
    base = "http://%s:%d" % ours.inet
    for ep in ("tres/", "accounts/", "ping/"):
        path = "/slurmdb/%s/%s" % (version, ep)
        st, doc = call(base, "GET", path, "not.a.jwt")
        st_ref, ref = call(env["REF_URL"], "GET", path, "not.a.jwt")
        assert st == st_ref == 502, (path, doc)
        want = [(7000, "openapi_get_db_conn", "Failed to open slurmdbd connection")]
        assert [(e["error_number"], e["source"], e["description"]) for e in doc["errors"]] == want
        # the 24.11 reference still added ", authentication error" (26.05 no longer does)
        assert [(e["error_number"], e["source"], e["description"].replace(", authentication error", ""))
                for e in ref["errors"]] == want


#: query → the parameter the error must name (a flag parameter as its first item,
#: ``admin_level[0]``, as the reference names it); the reference answers some of these
#: with a 5xx, and the first one crashes it: never send them there.
BAD_QUERIES = [
    ("wckeys/?only_defaults=x&usage_end=f", "usage_end"),
    ("wckeys/?usage_start=garbage", "usage_start"),
    ("users/?admin_level=bogus", "admin_level[0]"),
    ("qos/?preempt_mode=bogus", "preempt_mode[0]"),
    ("qos/?id=abc", "id"),
    ("clusters/?flags=BOGUS", "flags[0]"),
    ("clusters/?classification=X", "classification[0]"),
    ("clusters/?usage_end=tomorrowish", "usage_end"),
    ("cluster/{cluster}?usage_start=zz", "usage_start"),
    ("user/x%00y", "name"),
    ("account/x%00y?with_assocs", "account_name"),
]


def test_bad_input_is_4xx_naming_the_parameter(cluster, ours, root_token):
    suite, env = cluster
    base = "http://%s:%d" % ours.inet
    for version in REF_VERSIONS[suite]:
        for ep, param in BAD_QUERIES:
            path = "/slurmdb/%s/%s" % (version, ep.format(cluster=env.get("CLUSTER_NAME", suite)))
            st, doc = call(base, "GET", path, root_token, user="root")
            assert 400 <= st < 500, (path, st, doc)
            assert doc["errors"] and doc["errors"][0]["source"] == "#/%s/" % param, (path, doc["errors"])
            assert any(e["error_number"] == 9000 for e in doc["errors"]), path
        # v0.0.40/v0.0.41 spell the key "assocation": "association" is only an unknown key there
        for body in (b"[1,2]", b'{"association": 5}', b'"x"') if version >= "v0.0.42" else (b"[1,2]", b'"x"'):
            st, doc = call(base, "GET", "/slurmdb/%s/accounts/" % version, root_token, user="root", body=body)
            assert st == 422, (body, doc)
    st, doc = call(base, "GET", "/slurmdb/%s/tres/" % REF_VERSIONS[suite][-1], root_token, user="root")
    assert st == 200 and doc["TRES"]


def test_wckeys_only_defaults(cluster, ours, root_token):
    """``only_defaults`` (with any value) kills the 24.11 reference slurmrestd; ours answers.
    Not sent to the reference."""
    suite, env = cluster
    base = "http://%s:%d" % ours.inet
    for version in REF_VERSIONS[suite]:
        for q in ("only_defaults", "only_defaults&with_deleted", "only_defaults=x"):
            st, doc = call(base, "GET", "/slurmdb/%s/wckeys/?%s" % (version, q), root_token, user="root")
            assert st == 200 and doc["errors"] == [], (q, doc)
            assert isinstance(doc["wckeys"], list)


def test_qos_filters(cluster, ours, root_token):
    """qos/ applies the QOS_CONDITION the document lists (the reference ignores it)."""
    suite, env = cluster
    base = "http://%s:%d" % ours.inet
    version = REF_VERSIONS[suite][-1]
    st, doc = call(base, "GET", "/slurmdb/%s/qos/?name=normal" % version, root_token, user="root")
    assert st == 200 and [q["name"] for q in doc["qos"]] == ["normal"]
    st, doc = call(base, "GET", "/slurmdb/%s/qos/?id=normal" % version, root_token, user="root")
    assert st == 200 and [q["id"] for q in doc["qos"]] == [1]
    st, doc = call(base, "GET", "/slurmdb/%s/qos/?name=h10a_nosuch" % version, root_token, user="root")
    assert st == 200 and doc["qos"] == []
    assert doc["warnings"] == [{"description": "slurmdb_qos_get() found nothing", "source": "_op_handler_qos"}]


def test_every_version_against_this_slurmdbd(cluster, ours, root_token):
    """We serve v0.0.42-v0.0.45 whatever the slurmdbd release (24.11 speaks the 24.11
    protocol to us): the same records at every version."""
    suite, env = cluster
    base = "http://%s:%d" % ours.inet
    for ep, key in (("tres/", "TRES"), ("qos/", "qos"), ("accounts/?WithAssociations", "accounts"),
                    ("users/?with_assocs", "users"), ("clusters/", "clusters"), ("config", "associations")):
        names = {}
        for version in ("v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45"):
            st, doc = call(base, "GET", "/slurmdb/%s/%s" % (version, ep), root_token, user="root")
            assert st == 200 and doc["errors"] == [], (version, ep, doc.get("errors"))
            names[version] = [(r.get("name"), r.get("account"), r.get("id")) for r in doc[key]]
        first = names["v0.0.42"]
        for version, got in names.items():
            # v0.0.42 dumps association ids as 0 (see data_parser/codecs/dbd.py)
            if key == "associations":
                got, first = [g[:2] for g in got], [f[:2] for f in first]
            assert got == first, (ep, version)
    st, doc = call(base, "GET", "/slurmdb/v0.0.45/conf", root_token, user="root")
    if suite == "trixie":  # 24.11 sends its configuration as key pairs, which 26.05 clients refuse
        assert st == 422 and doc["errors"][0]["source"] == "_dump_conf"
    else:
        assert st == 200 and doc["slurmdbd_conf"]["DbdPort"] == int(env["DBD_PORT"])
