"""First slurmctld endpoints against the real controllers, compared with the reference daemon."""

import pytest

from clusters import REF_VERSIONS
from http_client import call
from jobs_helpers import settled_diff

pytestmark = pytest.mark.cluster

#: Leaves whose values move between two calls (or differ by design) and are not compared.
MOVING = {"meta", "latency", "req_time", "req_time_start", "last_update", "server_thread_count",
          "gettimeofday_latency", "rpcs_by_message_type", "rpcs_by_user", "agent_thread_count",
          "schedule_cycle_last", "schedule_cycle_max", "schedule_cycle_mean", "schedule_cycle_sum",
          "schedule_cycle_total", "schedule_cycle_mean_depth", "schedule_cycle_per_minute",
          "bf_when_last_cycle", "job_states_ts", "pending_rpcs", "pending_rpcs_by_hostlist",
          "bf_last_depth", "bf_cycle_counter", "bf_cycle_sum", "bf_cycle_last", "bf_cycle_max",
          "bf_cycle_mean", "bf_depth_mean", "bf_depth_mean_try", "bf_queue_len", "bf_queue_len_mean",
          "bf_table_size", "bf_table_size_mean", "bf_last_depth_try", "bf_depth_sum", "bf_depth_try_sum",
          "bf_queue_len_sum", "bf_table_size_sum", "schedule_queue_length", "schedule_cycle_depth",
          "agent_queue_size", "agent_count", "dbd_agent_queue_size", "jobs_submitted", "jobs_started",
          "jobs_completed", "jobs_canceled", "jobs_failed", "jobs_pending", "jobs_running",
          "schedule_exit", "bf_exit", "bf_active", "bf_backfilled_jobs", "bf_last_backfilled_jobs",
          "bf_backfilled_het_jobs", "usage", "effective_usage", "fairshare"}


def leaves(doc, path=""):
    out = {}
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k in MOVING:
                continue
            out.update(leaves(v, path + "/" + k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out.update(leaves(v, "%s[%d]" % (path, i)))
    else:
        out[path] = doc
    return out


def diff(ours, ref):
    a, b = leaves(ours), leaves(ref)
    return {k: (a.get(k, "<missing>"), b.get(k, "<missing>")) for k in set(a) | set(b) if a.get(k) != b.get(k)}


#: Differences that are by design, per cluster: path -> the value we dump.  trixie's
#: reference is the 24.11 daemon; we are a 26.05 one talking to a 24.11 controller.
BY_DESIGN = {
    # 26.05 reads the 24.11 controller's parts_packed and discards it ("was parts_packed"):
    # its data parsers up to v0.0.44 declare the key removed, so it dumps as the 0 place holder.
    ("trixie", "diag"): {"/statistics/parts_packed": 0},
}


def by_design(suite, endpoint, differences):
    """Drop the expected differences after checking that our side has the documented value."""
    expected = BY_DESIGN.get((suite, endpoint), {})
    rest = {}
    for path, (ours_v, ref_v) in differences.items():
        if path in expected:
            assert ours_v == expected[path], (path, ours_v, ref_v)
        else:
            rest[path] = (ours_v, ref_v)
    return rest


def both(env, ours, path, token, method="GET"):
    base = "http://%s:%d" % ours.inet
    return call(base, method, path, token), call(env["REF_URL"], method, path, token)


def settled(env, ours, path, token, compare):
    """``compare((status, doc) of ours, (status, doc) of the reference)``, both fetched again
    while it finds differences: jobs of other tests change usage, licenses and counters
    between our read and the reference's."""
    base = "http://%s:%d" % ours.inet
    return settled_diff(lambda: call(base, "GET", path, token), lambda: call(env["REF_URL"], "GET", path, token),
                        compare=compare)


def shape(doc, path="", out=None):
    """Every key path (list items merged as ``[]``) with its JSON type, meta left out."""
    out = {} if out is None else out
    if isinstance(doc, dict):
        if not doc:
            out[path] = "{}"
        for k, v in doc.items():
            if not (path == "" and k == "meta"):
                shape(v, path + "/" + k, out)
    elif isinstance(doc, list):
        if not doc:
            out.setdefault(path + "[]", "[]")
        for v in doc:
            shape(v, path + "[]", out)
    else:
        out.setdefault(path, type(doc).__name__)
    return out


def versions_of(suite, endpoint):
    return [v for v in REF_VERSIONS[suite] if endpoint != "conf" or v >= "v0.0.45"]


@pytest.mark.parametrize("endpoint", ["ping", "diag", "licenses", "shares"])
def test_same_as_reference(cluster, ours, alice_token, endpoint):
    suite, env = cluster
    bad = {}
    for version in REF_VERSIONS[suite]:
        path = "/slurm/%s/%s" % (version, endpoint)

        def compare(a, b):
            (st_ours, doc_ours), (st_ref, doc_ref) = a, b
            assert st_ours == st_ref, (path, doc_ours)
            assert doc_ours["errors"] == doc_ref["errors"] == []
            return by_design(suite, endpoint, diff(doc_ours, doc_ref))
        d = settled(env, ours, path, alice_token, compare)
        if d:
            bad[path] = d
    assert bad == {}


@pytest.mark.parametrize("endpoint", ["ping", "diag", "licenses", "shares", "conf"])
def test_same_shape_as_reference(cluster, ours, alice_token, endpoint):
    """Same keys and JSON types everywhere, the moving values included (int stays int, float
    stays float, lists hold the same kinds of items)."""
    suite, env = cluster
    bad = {}
    for version in versions_of(suite, endpoint):
        path = "/slurm/%s/%s" % (version, endpoint)
        (_, doc_ours), (_, doc_ref) = both(env, ours, path, alice_token)
        a, b = shape(doc_ours), shape(doc_ref)
        d = {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)}
        if d:
            bad[path] = d
    assert bad == {}


def test_diag_rpc_tables(cluster, ours, alice_token):
    """The per-RPC and per-user statistics name the same message types and users (the
    counts move; the id -> name tables must agree)."""
    suite, env = cluster
    for version in REF_VERSIONS[suite]:
        path = "/slurm/%s/diag" % version
        (_, a), (_, b) = both(env, ours, path, alice_token)
        for key, id_key, name_key in (("rpcs_by_message_type", "type_id", "message_type"),
                                      ("rpcs_by_user", "user_id", "user")):
            ta = {r[id_key]: r[name_key] for r in a["statistics"][key]}
            tb = {r[id_key]: r[name_key] for r in b["statistics"][key]}
            common = set(ta) & set(tb)
            assert common, (path, key)
            assert {i: ta[i] for i in common} == {i: tb[i] for i in common}, (path, key)
            # every entry has the keys the reference uses, in its order
            ka = [list(r) for r in a["statistics"][key]]
            kb = [list(r) for r in b["statistics"][key]]
            assert {tuple(k) for k in ka} == {tuple(k) for k in kb}, (path, key)


def test_shares_moving_values(cluster, ours, alice_token):
    """shares: the values left out above (usage, fairshare) on an idle cluster, and the place
    holder warnings that go with them.  The 26.05 binaries dump an infinite fairshare level as
    ``set`` with the INFINITE64 place holder (FLOAT64_NO_VAL built without its isinf() test),
    the 24.11 reference as ``infinite``."""
    suite, env = cluster
    for version in REF_VERSIONS[suite]:
        path = "/slurm/%s/shares" % version
        assert settled(env, ours, path, alice_token, lambda a, b: _shares_differences(suite, a[1], b[1])) == {}, \
            path


def _filtered(rows, users=(), accounts=()):
    """The ids of the share rows slurmctld keeps for ``users`` and ``accounts``
    (assoc_mgr_get_shares): the user filter keeps every account row and the named users'
    rows; the account filter keeps the rows of the named accounts (a user row's account is
    its ``parent``)."""
    def keep(r):
        user_row = "USER" in r["type"]
        if users and user_row and r["name"] not in users:
            return False
        return not accounts or (r["parent"] if user_row else r["name"]) in accounts
    return [r["id"] for r in rows if keep(r)]


@pytest.mark.parametrize("query,users,accounts", [("users=alice", ("alice",), ()),
                                                  ("accounts=testacct", (), ("testacct",)),
                                                  ("users=alice&users=bob&accounts=testacct",
                                                   ("alice", "bob"), ("testacct",))])
def test_shares_filters(cluster, ours, alice_token, query, users, accounts):
    """``users`` and ``accounts`` reach slurmctld, which filters the rows; the reference
    parses them from the path parameters, so it ignores them and answers every row
    (docs/compatibility.md, deliberate difference 37; both 24.11 and 26.05 do)."""
    suite, env = cluster
    base = "http://%s:%d" % ours.inet
    for version in REF_VERSIONS[suite]:
        path = "/slurm/%s/shares" % version

        def get(url, q):
            st, doc = call(url, "GET", path + q, alice_token)
            assert st == 200 and doc["errors"] == [], (url, path + q, doc)
            return doc["shares"]["shares"]

        def compare(a, b):
            ours_rows, (everything, ref_rows) = a, b
            got, want = [r["id"] for r in ours_rows], _filtered(everything, users, accounts)
            out = {} if got == want else {"ours": (got, want)}
            if [r["id"] for r in ref_rows] != [r["id"] for r in everything]:
                out["reference"] = "the reference filtered %s" % query
            return out
        assert settled_diff(lambda: get(base, "?" + query),
                            lambda: (get(base, ""), get(env["REF_URL"], "?" + query)), compare=compare) == {}, path
    assert _filtered(get(base, ""), users, accounts), "nothing to filter on %s" % suite


#: the number 26.05 dumps for an infinite fairshare level (INFINITE64 as a double)
INFINITE64_F = 1.8446744073709552e+19


def _shares_differences(suite, a, b):
    """What differs between two shares answers in the values test_same_as_reference leaves out."""
    out = {}
    if a["warnings"] != b["warnings"]:
        out["warnings"] = (a["warnings"], b["warnings"])
    sa, sb = a["shares"]["shares"], b["shares"]["shares"]
    if [s["id"] for s in sa] != [s["id"] for s in sb]:
        out["ids"] = ([s["id"] for s in sa], [s["id"] for s in sb])
        return out
    for x, y in zip(sa, sb):
        level = y["fairshare"]["level"]
        if suite == "trixie" and isinstance(level, dict) and level["infinite"]:
            level = {"set": True, "infinite": False, "number": INFINITE64_F}
        elif suite == "trixie" and level == float("inf"):
            # v0.0.40/v0.0.41 plain double: 24.11 wrote the non-JSON token Infinity; we write
            # valid JSON, the number 26.05's serializer gives inf (docs/compatibility.md)
            level = INFINITE64_F
        y = dict(y, fairshare=dict(y["fairshare"], level=level))
        for key in ("fairshare", "effective_usage", "usage_normalized", "shares_normalized", "shares"):
            if x[key] != y[key]:
                out["%s/%s" % (x["name"], key)] = (x[key], y[key])
        names = [t["name"] for t in x["tres"]["usage"]], [t["name"] for t in y["tres"]["usage"]]
        if names[0] != names[1]:
            out["%s/tres" % x["name"]] = names
    return out


def test_conf_v45(cluster, ours, alice_token):
    suite, env = cluster
    if suite != "forky":
        pytest.skip("/conf exists from v0.0.45 (Slurm 26.05)")
    base = "http://%s:%d" % ours.inet
    st, doc = call(base, "GET", "/slurm/v0.0.45/conf", alice_token)
    st_ref, ref = call(env["REF_URL"], "GET", "/slurm/v0.0.45/conf", alice_token)
    assert st == st_ref == 200, doc
    assert diff(doc, ref) == {}


def test_conf_not_changed_v45(cluster, ours, alice_token):
    """update_time in the future: the controller answers SLURM_NO_CHANGE_IN_DATA; a warning,
    no slurm_conf."""
    suite, env = cluster
    if suite != "forky":
        pytest.skip("/conf exists from v0.0.45 (Slurm 26.05)")
    path = "/slurm/v0.0.45/conf?update_time=4000000000"
    (st, doc), (st_ref, ref) = both(env, ours, path, alice_token)
    assert st == st_ref == 200
    assert doc["errors"] == ref["errors"] == []
    assert [k for k in doc if k != "meta"] == [k for k in ref if k != "meta"]
    assert [w["source"] for w in doc["warnings"]] == [w["source"] for w in ref["warnings"]]
    # the reference prints update_time through a broken relative-time format
    # ("update_time[now-(213503982309084d-...)]"); the date after it is the same
    for w, r in zip(doc["warnings"], ref["warnings"]):
        assert w["description"].startswith("No config changes since update_time[")
        assert w["description"].split("]=")[-1] == r["description"].split("]=")[-1]


def test_reconfigure_needs_admin(cluster, ours, alice_token):
    suite, env = cluster
    for version in REF_VERSIONS[suite]:
        path = "/slurm/%s/reconfigure" % version
        (st, doc), (st_ref, ref) = both(env, ours, path, alice_token)
        # 26.05 maps controller refusals (2000-2185) to 422; the 24.11 reference still said 500.
        assert st == (st_ref if suite == "forky" else 422), path
        assert [e["error_number"] for e in doc["errors"]] == [e["error_number"] for e in ref["errors"]]
        assert [e["source"] for e in doc["errors"]] == [e["source"] for e in ref["errors"]]


#: endpoint -> source of the error a rejected credential gives
BAD_TOKEN_SOURCES = {"diag": "op_handler_diag", "licenses": "op_handler_licenses", "conf": "_dump_config"}


def test_bad_token(cluster, ours):
    # shares is left out: the reference reports error -1 ("Unspecified error", HTTP 500) there
    # while we report the controller's 1007 like the other endpoints.
    suite, env = cluster
    version = REF_VERSIONS[suite][-1]
    for endpoint in ("ping", "diag", "licenses", "conf"):
        if endpoint == "conf" and version < "v0.0.45":
            continue
        path = "/slurm/%s/%s" % (version, endpoint)
        (st, doc), (st_ref, ref) = both(env, ours, path, "not.a.jwt")
        assert st == st_ref, (endpoint, doc)
        if endpoint == "ping":
            assert doc["pings"][0]["responding"] is False
            assert diff(doc, ref) == {}
        else:
            assert doc["errors"][0]["error_number"] == ref["errors"][0]["error_number"] == 1007
            assert doc["errors"][0]["source"] == ref["errors"][0]["source"] == BAD_TOKEN_SOURCES[endpoint]
            assert doc["errors"][0]["description"] == ref["errors"][0]["description"]


def test_controller_down_is_a_clear_error(cluster, tmp_path, alice_token):
    """A slurm.conf pointing at a port nobody listens on: 502 naming the Slurm error, daemon keeps serving."""
    from daemon import Daemon, base_env
    suite, env = cluster
    conf = open(env["SLURM_CONF"]).read()
    import re
    conf = re.sub(r"(?im)^SlurmctldPort=.*$", "SlurmctldPort=1", conf)
    conf = re.sub(r"(?im)^MessageTimeout=.*$", "", conf) + "\nMessageTimeout=2\n"
    path = tmp_path / "slurm.conf"
    path.write_text(conf)
    d = Daemon("127.0.0.1:0", env=base_env(SLURM_CONF=str(path)))
    try:
        base = "http://%s:%d" % d.inet
        st, doc = call(base, "GET", "/slurm/v0.0.42/diag", alice_token)
        assert st == 502, doc
        assert doc["errors"][0]["error_number"] in (1800, 1001)
        assert doc["errors"][0]["source"] == "op_handler_diag"
        st, doc = call(base, "GET", "/slurm/v0.0.42/ping", alice_token)
        assert st == 200 and doc["pings"][0]["responding"] is False
        st, _ = call(base, "GET", "/livez", alice_token)
        assert st == 204
    finally:
        d.stop()


def test_local_auth_over_unix_socket_with_munge(cluster, tmp_path):
    """rest_auth/local: no token; the unix socket peer's uid is proven by the kernel, munge speaks for it."""
    import socket as _socket

    from daemon import Daemon, Reader, base_env
    suite, env = cluster
    path = str(tmp_path / "rest.sock")
    d = Daemon("-a", "rest_auth/local", "unix:" + path, env=base_env(SLURM_CONF=env["SLURM_CONF"]))
    try:
        s = _socket.socket(_socket.AF_UNIX)
        s.settimeout(30)
        s.connect(path)
        version = REF_VERSIONS[suite][-1]
        s.sendall(b"GET /slurm/%s/diag HTTP/1.1\r\nHost: x\r\n\r\n" % version.encode())
        r = Reader(s).read()
        assert r.status == 200, r.body
        assert r.json()["errors"] == []
        assert r.json()["statistics"]["server_thread_count"] >= 1
        s.close()
    finally:
        d.stop()


def test_bearer_token(cluster, ours, alice_token):
    suite, env = cluster
    base = "http://%s:%d" % ours.inet
    version = REF_VERSIONS[suite][-1]
    st, doc = call(base, "GET", "/slurm/%s/diag" % version, headers={"Authorization": "Bearer " + alice_token})
    st_ref, ref = call(env["REF_URL"], "GET", "/slurm/%s/diag" % version,
                       headers={"Authorization": "Bearer " + alice_token})
    assert st == st_ref == 200, doc
    assert doc["errors"] == []


def test_expired_token_refused_like_the_reference(cluster, ours):
    import time as _time

    from clusters import token
    suite, env = cluster
    base = "http://%s:%d" % ours.inet
    version = REF_VERSIONS[suite][-1]
    expired = token(suite, "alice", lifespan=1)
    _time.sleep(2.5)
    st, doc = call(base, "GET", "/slurm/%s/diag" % version, expired)
    st_ref, ref = call(env["REF_URL"], "GET", "/slurm/%s/diag" % version, expired)
    assert st == st_ref == 511, doc
    assert [e["error_number"] for e in doc["errors"]] == [e["error_number"] for e in ref["errors"]]
