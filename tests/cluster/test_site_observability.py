"""What a site's monitoring sees of the daemon, against the real clusters: the Prometheus
metrics (on the main listeners after authentication, and on the metrics listener without),
a ``/readyz`` that fails while slurmctld or slurmdbd cannot be reached, request ids echoed
in responses and logs, and the JSON log format."""

from __future__ import annotations

import http.client
import json
import socket
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from clusters import REF_VERSIONS, our_daemon
from daemon import Daemon, base_env
from http_client import call
from tcp_proxy import TcpProxy
from test_dbd_workflow import conf_with

pytestmark = pytest.mark.cluster


def get(address: str, path: str, headers: dict | None = None):
    host, _, port = address.rpartition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("GET", path, headers=headers or {})
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), body


def samples(text: str) -> dict:
    """{(sample name, frozenset(labels)): value}"""
    out = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(metrics: dict, name: str, **labels) -> float:
    return metrics.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture(scope="module")
def observed(cluster):
    suite, env = cluster
    with our_daemon(env["SLURM_CONF"], wait_listen=2, SLURMRESTD_METRICS_LISTEN="127.0.0.1:0",
                    SLURMRESTD_LOG_FORMAT="json", SLURMRESTD_DEBUG="verbose") as d:
        yield d


def test_metrics_count_requests_rpcs_pool_and_auth_failures(cluster, observed, alice_token):
    suite, _ = cluster
    version = REF_VERSIONS[suite][-1]
    main, probes = observed.addresses[0], observed.addresses[1]
    base = "http://" + main
    assert call(base, "GET", "/slurm/%s/ping/" % version, alice_token)[0] == 200
    assert call(base, "GET", "/slurm/%s/jobs/" % version, alice_token)[0] == 200
    assert call(base, "GET", "/slurmdb/%s/accounts/" % version, alice_token)[0] == 200
    assert call(base, "GET", "/slurm/%s/ping/" % version)[0] == 401  # no credentials
    assert call(base, "GET", "/slurm/%s/ping/" % version, "not-a-token")[0] in (401, 500, 200)

    # the main listener: authentication first, as for every path
    st, _, _ = get(main, "/metrics")
    assert st == 401
    st, hdrs, body = get(main, "/metrics", {"X-SLURM-USER-NAME": "alice", "X-SLURM-USER-TOKEN": alice_token})
    assert st == 200 and hdrs["content-type"].startswith("text/plain")
    # the metrics listener: no authentication
    st, hdrs, body = get(probes, "/metrics")
    assert st == 200 and hdrs["content-type"].startswith("text/plain"), body
    m = samples(body.decode())

    assert value(m, "slurmrestd_http_requests_total", method="GET", path="/slurm/%s/ping/" % version,
                 status="200") >= 1
    assert value(m, "slurmrestd_http_requests_total", method="GET", path="/slurmdb/%s/accounts/" % version,
                 status="200") >= 1
    assert value(m, "slurmrestd_http_request_duration_seconds_count", method="GET",
                 path="/slurm/%s/jobs/" % version) >= 1
    assert value(m, "slurmrestd_auth_failures_total", reason="ESLURM_AUTH_SKIP") >= 2  # incl. /metrics
    assert value(m, "slurmrestd_http_requests_in_flight") == 0
    assert value(m, "slurmrestd_rpc_duration_seconds_count", peer="slurmctld", msg_type="REQUEST_PING") >= 1
    assert value(m, "slurmrestd_rpc_duration_seconds_count", peer="slurmctld",
                 msg_type="REQUEST_JOB_INFO") >= 1
    assert value(m, "slurmrestd_rpc_duration_seconds_count", peer="slurmdbd", msg_type="DBD_GET_ACCOUNTS") >= 1
    assert value(m, "slurmrestd_rpc_duration_seconds_count", peer="slurmdbd", msg_type="DBD_FINI") >= 1
    assert value(m, "slurmrestd_dbd_pool_max_connections") == 16
    pool = value(m, "slurmrestd_dbd_pool_connections", state="idle") + \
        value(m, "slurmrestd_dbd_pool_connections", state="in_use")
    assert pool >= 1
    assert value(m, "slurmrestd_coalesce_executions_total") >= 2
    assert ("slurmrestd_coalesce_shared_total", frozenset()) in m
    assert ("slurmrestd_cache_lookups_total", frozenset({("cache", "job_list"), ("result", "miss")})) in m
    assert ("slurmrestd_connections", frozenset({("state", "busy")})) in m
    assert value(m, "slurmrestd_connections_max_busy") > 0

    # probes on the metrics listener; anything else is not served there
    for path in ("/healthz", "/livez", "/readyz"):
        assert get(probes, path)[0] == 204, path
    assert get(probes, "/slurm/%s/ping/" % version)[0] == 404


def test_rpc_errors_are_counted_by_error_name(cluster, observed, alice_token):
    suite, _ = cluster
    version = REF_VERSIONS[suite][-1]
    base = "http://" + observed.addresses[0]
    st, doc = call(base, "GET", "/slurm/%s/job/4000000" % version, alice_token)
    assert st != 200
    m = samples(get(observed.addresses[1], "/metrics")[2].decode())
    errs = {dict(k[1]).get("error") for k, v in m.items() if k[0] == "slurmrestd_rpc_errors_total" and v > 0}
    assert "ESLURM_INVALID_JOB_ID" in errs, errs


def test_request_id_is_echoed_and_logged_as_json(cluster, observed, alice_token):
    suite, _ = cluster
    version = REF_VERSIONS[suite][-1]
    main = observed.addresses[0]
    hdrs = {"X-SLURM-USER-NAME": "alice", "X-SLURM-USER-TOKEN": alice_token, "X-Request-ID": "site-test-42"}
    st, h, _ = get(main, "/slurm/%s/diag/" % version, hdrs)
    assert st == 200 and h["x-request-id"] == "site-test-42"
    # no id, or an unusable one: a fresh id is made
    st, h, _ = get(main, "/slurm/%s/ping/" % version, {"X-Request-ID": "bad id with spaces"})
    assert st == 401 and h["x-request-id"] and " " not in h["x-request-id"]
    generated = h["x-request-id"]

    log = observed.drain_log(0.3).splitlines()
    records = [json.loads(line) for line in log if line.startswith("{")]
    assert records and len(records) == len(log), log[:5]  # every line is one JSON object
    mine = [r for r in records if r.get("request_id") == "site-test-42" and "status" in r]
    assert len(mine) == 1, records[-5:]
    r = mine[0]
    assert r["client"].startswith("127.0.0.1:") and r["user"] == "alice" and r["method"] == "GET"
    assert r["path"] == "/slurm/%s/diag/" % version and r["status"] == 200 and r["duration_ms"] > 0
    assert r["level"] == "info" and r["time"].endswith("Z")
    assert any(x.get("request_id") == generated and x.get("status") == 401 for x in records)


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_status(address: str, path: str, want: int, timeout: float = 20.0):
    end = time.monotonic() + timeout
    while True:
        st, _, body = get(address, path)
        if st == want or time.monotonic() > end:
            return st, body
        time.sleep(0.2)


def test_readyz_fails_while_slurmctld_or_slurmdbd_cannot_be_reached(cluster, tmp_path, alice_token):
    """Through forwarders to the real daemons: stop one listening → /readyz 503 naming it
    (on both listeners), while /livez stays 204; listening again → 204."""
    suite, env = cluster
    ctld = TcpProxy(("127.0.0.1", int(env["CTLD_PORT"])))
    dbd = TcpProxy(("127.0.0.1", int(env["DBD_PORT"])))
    conf = conf_with(env, tmp_path, SlurmctldPort=ctld.port, AccountingStoragePort=dbd.port)
    d = Daemon("127.0.0.1:0", wait_listen=2,
               env=base_env(SLURM_CONF=conf, SLURMRESTD_METRICS_LISTEN="127.0.0.1:0",
                            SLURMRESTD_READY_CACHE="0", SLURMRESTD_READY_TIMEOUT="1"))
    auth = {"X-SLURM-USER-NAME": "alice", "X-SLURM-USER-TOKEN": alice_token}
    try:
        main, probes = d.addresses
        assert wait_status(probes, "/readyz", 204)[0] == 204
        assert get(main, "/readyz")[0] == 401  # authentication first on the main listener
        assert get(main, "/readyz", auth)[0] == 204

        ctld.pause()
        ctld.drop_all()
        st, body = wait_status(probes, "/readyz", 503)
        assert st == 503 and b"slurmctld" in body and b"slurmdbd" not in body, body
        st, _, body = get(main, "/readyz", auth)
        assert st == 503 and b"slurmctld" in body
        assert get(probes, "/livez")[0] == 204 and get(probes, "/healthz")[0] == 204
        ctld.resume()
        assert wait_status(probes, "/readyz", 204)[0] == 204

        dbd.pause()
        dbd.drop_all()
        st, body = wait_status(probes, "/readyz", 503)
        assert st == 503 and b"slurmdbd" in body and b"slurmctld" not in body, body
        dbd.resume()
        assert wait_status(probes, "/readyz", 204)[0] == 204
        assert "Traceback" not in d.drain_log()
    finally:
        d.stop()
        ctld.close()
        dbd.close()
