"""First slurmctld endpoints against the real controllers, compared with the reference daemon."""

import pytest

from clusters import REF_VERSIONS
from http_client import call

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


@pytest.mark.parametrize("endpoint", ["ping", "diag", "licenses", "shares"])
def test_same_as_reference(cluster, ours, alice_token, endpoint):
    suite, env = cluster
    base = "http://%s:%d" % ours.inet
    for version in REF_VERSIONS[suite]:
        path = "/slurm/%s/%s" % (version, endpoint)
        st_ours, doc_ours = call(base, "GET", path, alice_token)
        st_ref, doc_ref = call(env["REF_URL"], "GET", path, alice_token)
        assert st_ours == st_ref, (path, doc_ours)
        assert doc_ours["errors"] == doc_ref["errors"] == []
        assert diff(doc_ours, doc_ref) == {}, path


def test_conf_v45(cluster, ours, alice_token):
    suite, env = cluster
    if suite != "forky":
        pytest.skip("/conf exists from v0.0.45 (Slurm 26.05)")
    base = "http://%s:%d" % ours.inet
    st, doc = call(base, "GET", "/slurm/v0.0.45/conf", alice_token)
    st_ref, ref = call(env["REF_URL"], "GET", "/slurm/v0.0.45/conf", alice_token)
    assert st == st_ref == 200, doc
    assert diff(doc, ref) == {}


def test_reconfigure_needs_admin(cluster, ours, alice_token):
    suite, env = cluster
    base = "http://%s:%d" % ours.inet
    version = REF_VERSIONS[suite][-1]
    st, doc = call(base, "GET", "/slurm/%s/reconfigure" % version, alice_token)
    st_ref, ref = call(env["REF_URL"], "GET", "/slurm/%s/reconfigure" % version, alice_token)
    # 26.05 maps controller refusals (2000-2185) to 422; the 24.11 reference still said 500.
    assert st == (st_ref if suite == "forky" else 422)
    assert [e["error_number"] for e in doc["errors"]] == [e["error_number"] for e in ref["errors"]]


def test_bad_token(cluster, ours):
    suite, env = cluster
    base = "http://%s:%d" % ours.inet
    version = REF_VERSIONS[suite][-1]
    for endpoint in ("ping", "diag"):
        st, doc = call(base, "GET", "/slurm/%s/%s" % (version, endpoint), "not.a.jwt")
        st_ref, ref = call(env["REF_URL"], "GET", "/slurm/%s/%s" % (version, endpoint), "not.a.jwt")
        assert st == st_ref, (endpoint, doc)
        if endpoint == "ping":
            assert doc["pings"][0]["responding"] is False
        else:
            assert doc["errors"][0]["error_number"] == ref["errors"][0]["error_number"] == 1007


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
