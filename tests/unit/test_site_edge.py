"""What sites expect around the API, unit by unit: metrics registry, readiness verdicts,
CORS policy, request ids, log formats (journal, JSON) and their settings."""

from __future__ import annotations

import io
import json
import logging
import os

import pytest
from prometheus_client.parser import text_string_to_metric_families

from slurmrestd import log as logsetup
from slurmrestd.cache import LruCache
from slurmrestd.cli import UsageError, parse
from slurmrestd.errors import E
from slurmrestd.http.events import Request
from slurmrestd.http.headers import Headers
from slurmrestd.metrics import Metrics, error_label
from slurmrestd.operations import access
from slurmrestd.operations.core import ProbeApp
from slurmrestd.operations.cors import CorsPolicy
from slurmrestd.readiness import Readiness
from slurmrestd.rpc.observe import Timer
from slurmrestd.settings import Cors


def req(method="GET", path="/", headers=()):
    return Request(method=method, target=path, path=path, query="", version="1.1",
                   headers=Headers(headers), body=b"", keep_alive=True)


def scrape(metrics: Metrics) -> dict:
    out = {}
    for fam in text_string_to_metric_families(metrics.exposition().decode()):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


# -- metrics --------------------------------------------------------------------------------

class FakeManager:
    def load(self):
        return {"open": 5, "busy": 2, "parked": 1, "max_busy": 124}


class FakePool:
    def stats(self):
        return {"idle": 3, "in_use": 1, "open": 4, "max_connections": 16, "opened": 7, "reused": 9}


class FakeFlight:
    executions = 10
    shared = 4


class FakeOffload:
    def stats(self):
        return {"idle": 1, "busy": 2, "starting": 0, "done_process": 30, "done_daemon": 2, "failed": 1}


def test_each_registry_is_its_own():
    a, b = Metrics(), Metrics()
    a.request_done("GET", "/x", 200, 0.01)
    assert ("slurmrestd_http_requests_total", (("method", "GET"), ("path", "/x"), ("status", "200"))) \
        in scrape(a)
    assert not any(k[0] == "slurmrestd_http_requests_total" for k in scrape(b))


def test_events_and_watched_state():
    m = Metrics()
    m.request_done("GET", "/slurm/v0.0.45/job/{job_id}", 404, 0.002)
    m.request_done("BREW", None, 405, 0.001)
    m.rpc_done("slurmctld", "REQUEST_JOB_INFO_SINGLE", 0.003, E.ESLURM_INVALID_JOB_ID)
    m.rpc_done("slurmdbd", "DBD_GET_ACCOUNTS", 0.001, 0)
    m.auth_failed(E.ESLURM_AUTH_CRED_INVALID)
    done = m.track_in_flight()
    cache = LruCache(2)
    cache.put("k", 1)
    cache.get("k"), cache.get("x"), cache.get("y")
    m.watch_connections(FakeManager())
    m.watch_dbd_pool(FakePool())
    m.watch_single_flight(FakeFlight())
    m.watch_cache("job_list", cache)
    m.watch_offload(FakeOffload())
    s = scrape(m)
    assert s[("slurmrestd_http_requests_total", (("method", "GET"), ("path", "/slurm/v0.0.45/job/{job_id}"),
                                                 ("status", "404")))] == 1
    assert s[("slurmrestd_http_requests_total", (("method", "other"), ("path", "unmatched"),
                                                 ("status", "405")))] == 1
    assert s[("slurmrestd_http_requests_in_flight", ())] == 1
    done()
    assert scrape(m)[("slurmrestd_http_requests_in_flight", ())] == 0
    assert s[("slurmrestd_rpc_errors_total", (("error", "ESLURM_INVALID_JOB_ID"),
                                              ("msg_type", "REQUEST_JOB_INFO_SINGLE"), ("peer", "slurmctld")))] == 1
    assert ("slurmrestd_rpc_errors_total", (("error", ""), ("msg_type", "DBD_GET_ACCOUNTS"),
                                            ("peer", "slurmdbd"))) not in s
    assert s[("slurmrestd_rpc_duration_seconds_count", (("msg_type", "DBD_GET_ACCOUNTS"),
                                                        ("peer", "slurmdbd")))] == 1
    assert s[("slurmrestd_auth_failures_total", (("reason", "ESLURM_AUTH_CRED_INVALID"),))] == 1
    assert s[("slurmrestd_connections", (("state", "busy"),))] == 2
    assert s[("slurmrestd_connections", (("state", "idle"),))] == 3
    assert s[("slurmrestd_connections_parked", ())] == 1
    assert s[("slurmrestd_dbd_pool_connections", (("state", "idle"),))] == 3
    assert s[("slurmrestd_dbd_pool_max_connections", ())] == 16
    assert s[("slurmrestd_dbd_pool_events_total", (("event", "opened"),))] == 7
    assert s[("slurmrestd_coalesce_executions_total", ())] == 10
    assert s[("slurmrestd_coalesce_shared_total", ())] == 4
    assert s[("slurmrestd_cache_lookups_total", (("cache", "job_list"), ("result", "hit")))] == 1
    assert s[("slurmrestd_cache_lookups_total", (("cache", "job_list"), ("result", "miss")))] == 2
    assert s[("slurmrestd_dump_processes", (("state", "busy"),))] == 2
    assert s[("slurmrestd_dump_lists_total", (("where", "process"),))] == 30
    assert s[("slurmrestd_dump_lists_total", (("where", "daemon"),))] == 2
    assert s[("slurmrestd_dump_process_failures_total", ())] == 1


def test_error_labels_are_bounded():
    assert error_label(E.ESLURM_INVALID_JOB_ID) == "ESLURM_INVALID_JOB_ID"
    assert error_label(-1) == "unknown"
    assert error_label(987654) == "unknown"


def test_rpc_timer_reports_success_rc_and_failures():
    got = []

    class Obs:
        def rpc_done(self, *a):
            got.append(a)

    with Timer(Obs(), "slurmctld", "REQUEST_PING") as t:
        t.rc = 0
    with Timer(Obs(), "slurmctld", "REQUEST_PING") as t:
        t.rc = 2017
    from slurmrestd.errors import SlurmError
    with pytest.raises(SlurmError):
        with Timer(Obs(), "slurmdbd", "DBD_FINI"):
            raise SlurmError(E.ESLURM_DB_CONNECTION, "gone")
    with Timer(None, "slurmdbd", "DBD_FINI"):
        pass  # no observer: nothing happens
    assert [(a[0], a[1], a[3]) for a in got] == [("slurmctld", "REQUEST_PING", 0), ("slurmctld", "REQUEST_PING", 2017),
                                                 ("slurmdbd", "DBD_FINI", E.ESLURM_DB_CONNECTION)]
    assert all(a[2] >= 0 for a in got)


# -- readiness --------------------------------------------------------------------------------

def test_readiness_without_slurm_conf_is_not_ready_and_is_cached():
    now = [100.0]
    assert Readiness(None, check_ctld=False, check_dbd=False, timeout_s=1, cache_s=5).check().ready
    r = Readiness(None, check_ctld=True, check_dbd=True, timeout_s=1, cache_s=5, clock=lambda: now[0])
    v = r.check()
    assert not v.ready and v.problems == ("no slurm.conf loaded",)
    assert "not ready: no slurm.conf loaded" == v.text()
    now[0] += 1
    assert r.check() is v  # reused while young
    now[0] += 5
    assert r.check() is not v


class Site:
    def __init__(self, ready: bool):
        self.metrics = Metrics()

        class R:
            def check(self_inner):
                from slurmrestd.readiness import Verdict
                return Verdict(ready, () if ready else ("slurmctld: Unable to contact slurm controller",))
        self.readiness = R()


def test_probe_app_serves_only_metrics_and_probes():
    app = ProbeApp(Site(ready=False))
    r = app(req(path="/readyz"), None)
    assert r.status == 503 and b"slurmctld" in r.body
    assert app(req(path="/livez"), None).status == 204
    assert app(req(path="//healthz/"), None).status == 204
    m = app(req(path="/metrics"), None)
    assert m.status == 200 and m.content_type.startswith("text/plain") and b"slurmrestd_http_requests" in m.body
    assert app(req(path="/slurm/v0.0.45/ping"), None).status == 404
    r = app(req("POST", "/metrics"), None)
    assert r.status == 405 and ("Allow", "GET, HEAD") in r.headers
    assert ProbeApp(Site(ready=True))(req(path="/readyz"), None).status == 204


# -- CORS -------------------------------------------------------------------------------------

def preflight(origin, method="GET", headers="x-slurm-user-token, x-slurm-user-name"):
    h = [("Origin", origin), ("Access-Control-Request-Method", method)]
    if headers:
        h.append(("Access-Control-Request-Headers", headers))
    return req("OPTIONS", "/slurm/v0.0.45/ping", h)


def test_cors_off_by_default():
    p = CorsPolicy(Cors())
    assert not p.enabled and not p.is_preflight(preflight("http://a.example"))
    assert p.response_headers(req(headers=[("Origin", "http://a.example")])) == []


def test_cors_preflight_allowed_and_refused():
    p = CorsPolicy(Cors(origins=("http://portal.example:8080",)))
    ok = preflight("http://portal.example:8080")
    assert p.is_preflight(ok)
    resp, why = p.preflight(ok)
    h = dict(resp.headers)
    assert resp.status == 204 and why is None
    assert h["Access-Control-Allow-Origin"] == "http://portal.example:8080" and h["Vary"] == "Origin"
    assert "X-SLURM-USER-TOKEN" in h["Access-Control-Allow-Headers"]
    assert "Authorization" in h["Access-Control-Allow-Headers"]
    assert h["Access-Control-Allow-Methods"] == "GET, POST, DELETE" and h["Access-Control-Max-Age"] == "600"
    for bad, reason in ((preflight("http://evil.example"), "origin http://evil.example"),
                        (preflight("http://portal.example:8080", "PUT"), "method PUT"),
                        (preflight("http://portal.example:8080", headers="x-other"), "x-other")):
        resp, why = p.preflight(bad)
        assert resp.status == 403 and reason in why
        assert not any(k.startswith("Access-Control") for k, _ in resp.headers)
    assert not p.is_preflight(req("OPTIONS", "/", [("Origin", "http://portal.example:8080")]))
    got = dict(p.response_headers(req(headers=[("Origin", "http://portal.example:8080")])))
    assert got["Access-Control-Allow-Origin"] == "http://portal.example:8080"
    assert got["Access-Control-Expose-Headers"] == "X-Request-ID"
    assert p.response_headers(req(headers=[("Origin", "http://evil.example")])) == []
    star = CorsPolicy(Cors(origins=("*",)))
    assert star.preflight(preflight("https://any.example"))[1] is None


# -- request ids and logs -------------------------------------------------------------------------

def test_request_id_taken_or_made():
    assert access.request_id(Headers([("X-Request-ID", "abc-123")])) == "abc-123"
    made = access.request_id(Headers([("X-Request-ID", "has space")]))
    assert made != "has space" and len(made) == 32
    assert access.request_id(Headers([("X-Request-ID", "x" * 201)])) != "x" * 201
    assert access.request_id(Headers()) != access.request_id(Headers())


def record(logger="slurmrestd.access", level=logging.INFO, **extra):
    r = logging.LogRecord(logger, level, __file__, 1, "hello %s", ("world",), None)
    r.__dict__.update(extra)
    return r


def test_json_format_carries_request_fields():
    f = logsetup.JsonFormatter()
    doc = json.loads(f.format(record(request_id="r1", client="127.0.0.1:5", user="alice", method="GET",
                                     path="/x", status=200, duration_ms=1.5)))
    assert doc["message"] == "hello world" and doc["level"] == "info" and doc["time"].endswith("Z")
    assert (doc["request_id"], doc["client"], doc["user"], doc["method"], doc["path"], doc["status"],
            doc["duration_ms"]) == ("r1", "127.0.0.1:5", "alice", "GET", "/x", 200, 1.5)
    j = logsetup.JsonFormatter(with_time=False, priority=True).format(record(level=logging.ERROR))
    assert j.startswith("<3>{") and "time" not in json.loads(j[3:])


def test_journal_detection_and_priorities(tmp_path):
    r, w = os.pipe()
    try:
        st = os.fstat(w)
        stream = os.fdopen(w, "w", closefd=False)
        assert logsetup.is_journal(stream, {"JOURNAL_STREAM": "%d:%d" % (st.st_dev, st.st_ino)})
        assert not logsetup.is_journal(stream, {"JOURNAL_STREAM": "%d:%d" % (st.st_dev, st.st_ino + 1)})
        assert not logsetup.is_journal(stream, {})
        assert not logsetup.is_journal(io.StringIO(), {"JOURNAL_STREAM": "1:2"})
    finally:
        os.close(r)
        os.close(w)
    buf = io.StringIO()
    logsetup.setup(logging.DEBUG, buf, journal=True)
    lg = logging.getLogger("slurmrestd.test")
    lg.info("started")
    lg.warning("careful")
    lg.error("broken")
    lg.debug("detail")
    assert buf.getvalue().splitlines() == ["<6>slurmrestd: started", "<4>slurmrestd: warning: careful",
                                           "<3>slurmrestd: error: broken", "<7>slurmrestd: debug: detail"]
    buf = io.StringIO()
    logsetup.setup(logging.INFO, buf, journal=False)
    lg.info("started")
    assert buf.getvalue().startswith("[20") and "] slurmrestd: started" in buf.getvalue()
    with pytest.raises(ValueError):
        logsetup.setup(logging.INFO, buf, fmt="xml")
    logsetup.setup(logging.INFO)


# -- settings -------------------------------------------------------------------------------------

def test_site_settings_from_the_environment():
    s, _ = parse([], {"SLURMRESTD_METRICS_LISTEN": "127.0.0.1:9120, unix:/run/m.sock",
                      "SLURMRESTD_LOG_FORMAT": "JSON",
                      "SLURMRESTD_CORS_ORIGINS": "https://Portal.example:8443,http://[::1]:8000,*",
                      "SLURMRESTD_CORS_METHODS": "get,post",
                      "SLURMRESTD_CORS_HEADERS": "Content-Type",
                      "SLURMRESTD_CORS_MAX_AGE": "60",
                      "SLURMRESTD_READY_TIMEOUT": "0.5", "SLURMRESTD_READY_CACHE": "0"})
    assert s.metrics_listen == ("127.0.0.1:9120", "unix:/run/m.sock")
    assert s.log_format == "json"
    assert s.cors == Cors(("https://portal.example:8443", "http://[::1]:8000", "*"), ("GET", "POST"),
                          ("Content-Type",), 60)
    assert s.limits.ready_probe_timeout_s == 0.5 and s.limits.ready_cache_s == 0
    d, _ = parse([], {})
    assert d.metrics_listen == () and d.log_format == "text" and not d.cors.enabled


@pytest.mark.parametrize("env", [
    {"SLURMRESTD_LOG_FORMAT": "xml"},
    {"SLURMRESTD_CORS_ORIGINS": "portal.example"},
    {"SLURMRESTD_CORS_ORIGINS": "https://portal.example/path"},
    {"SLURMRESTD_CORS_METHODS": "GET POST"},
    {"SLURMRESTD_CORS_MAX_AGE": "-1"},
    {"SLURMRESTD_READY_TIMEOUT": "0"},
])
def test_bad_site_settings(env):
    with pytest.raises(UsageError):
        parse([], env)


def test_meta_parts_follow_the_binding_slurm_conf_and_release():
    """``Site.meta`` keeps the parts every answer shares per plugin and version; they follow a
    new slurm.conf or release, and each answer gets its own ``client``."""
    from types import SimpleNamespace

    from slurmrestd.site import Site

    settings, _ = parse(["127.0.0.1:0"], {})
    site = Site(settings, SimpleNamespace(cluster_name="one", accounting_storage_type="accounting_storage/slurmdbd"))
    ctld = SimpleNamespace(plugin="openapi/slurmctld", version="v0.0.45")
    dbd = SimpleNamespace(plugin="openapi/slurmdbd", version="v0.0.44")
    a = site.meta(ctld, SimpleNamespace(name="h:1"), None)
    b = site.meta(ctld, SimpleNamespace(name="h:2"), None)
    assert a["client"] == {"source": "h:1", "user": "", "group": ""} and b["client"]["source"] == "h:2"
    assert a["client"] is not b["client"] and a["command"] is not b["command"]
    assert a["plugin"] == {"type": "openapi/slurmctld", "name": "Slurm OpenAPI slurmctld",
                           "data_parser": "data_parser/v0.0.45",
                           "accounting_storage": "accounting_storage/slurmdbd"}
    assert a["slurm"]["cluster"] == "one" and a["slurm"]["release"] == site.release
    c = site.meta(dbd, SimpleNamespace(name="h:3"), None)
    assert c["plugin"]["type"] == "openapi/slurmdbd" and c["plugin"]["data_parser"] == "data_parser/v0.0.44"
    site.slurm_conf = SimpleNamespace(cluster_name="two", accounting_storage_type="")
    site.release = "26.05.9"
    d = site.meta(ctld, SimpleNamespace(name="h:4"), None)
    assert d["slurm"]["cluster"] == "two" and d["plugin"]["accounting_storage"] == ""
    assert d["slurm"]["version"] == {"major": "26", "minor": "05", "micro": "9"}


def test_in_flight_is_exact_under_concurrent_requests_and_scrapes():
    import threading

    m = Metrics()
    stop = threading.Event()
    seen = []

    def requests():
        while not stop.is_set():
            done = m.track_in_flight()
            done()

    def scrapes():
        while not stop.is_set():
            seen.append(m._in_flight_now())

    held = [m.track_in_flight() for _ in range(3)]
    threads = [threading.Thread(target=requests) for _ in range(3)] + [threading.Thread(target=scrapes) for _ in range(2)]
    for t in threads:
        t.start()
    import time

    time.sleep(0.3)
    stop.set()
    for t in threads:
        t.join()
    assert seen and all(3 <= v <= 6 for v in seen), (min(seen), max(seen))
    for done in held:
        done()
    assert scrape(m)[("slurmrestd_http_requests_in_flight", ())] == 0
