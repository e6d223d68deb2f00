"""The daemon over real sockets: HTTP behaviour that needs no controller."""

import json
import socket
import time

import pytest

from daemon import Reader, base_env, request, roundtrip

pytestmark = pytest.mark.functional

HOSTNAMES = b'{"hostlist": "n[1-3]"}'
JSON = b"Content-Type: application/json\r\n"


def test_util_hostnames(shared_daemon):
    r = roundtrip(shared_daemon, request("POST", "/util/v0.0.45/hostnames", HOSTNAMES, JSON))
    assert r.status == 200, r.body
    doc = r.json()
    assert doc["hostnames"] == ["n1", "n2", "n3"]
    assert doc["errors"] == [] and doc["warnings"] == []
    assert doc["meta"]["plugin"]["type"] == "openapi/util"
    assert r.header("Content-Type") == "application/json"


def test_no_auth_is_401_text(shared_daemon):
    for path in ("/util/v0.0.45/hostnames", "/openapi/v3", "/nope", "/livez"):
        r = roundtrip(shared_daemon, request("GET", path, auth=False))
        assert r.status == 401
        assert r.body == b"Authentication failure"
        assert r.header("Content-Type") == "text/plain"


@pytest.mark.parametrize("headers", [
    b"X-SLURM-USER-NAME: alice\r\n",                                      # user without token
    b"X-SLURM-USER-TOKEN: a\r\nAuthorization: Bearer b\r\n",              # two tokens
    b"Authorization: Basic YWxpY2U6eA==\r\n",                             # not a bearer
])
def test_bad_auth_headers(shared_daemon, headers):
    r = roundtrip(shared_daemon, request("GET", "/healthz", headers=headers, auth=False))
    assert r.status == 401


def test_bearer_auth(shared_daemon):
    r = roundtrip(shared_daemon, request("GET", "/healthz", headers=b"Authorization: Bearer xyz\r\n", auth=False))
    assert r.status == 204


def test_health_204_no_headers(shared_daemon):
    for path in ("/healthz", "/readyz", "/livez"):
        r = roundtrip(shared_daemon, request("GET", path))
        assert r.status == 204 and r.body == b""


def test_unknown_path_404(shared_daemon):
    for path in ("/slurm/v0.0.99/ping", "/", "/util/v0.0.42/hostnames"):
        r = roundtrip(shared_daemon, request("GET", path))
        assert r.status == 404
        assert b"Unable to find requested URL endpoint" in r.body


def test_wrong_method_405_with_allow(shared_daemon):
    r = roundtrip(shared_daemon, request("GET", "/util/v0.0.45/hostnames"))
    assert r.status == 405
    assert r.header("Allow") == "POST"


def test_slashes_are_forgiven(shared_daemon):
    r = roundtrip(shared_daemon, request("POST", "//util//v0.0.45//hostnames/", HOSTNAMES, JSON))
    assert r.status == 200


def test_keep_alive_and_pipelining(shared_daemon):
    s = shared_daemon.connect()
    reqs = [request("POST", "/util/v0.0.45/hostnames", b'{"hostlist": "a[%d-%d]"}' % (i, i + 1), JSON)
            for i in range(5)]
    s.sendall(b"".join(reqs))
    rd = Reader(s)
    for i in range(5):
        r = rd.read()
        assert r.status == 200
        assert r.json()["hostnames"] == ["a%d" % i, "a%d" % (i + 1)]
    # still open for more
    s.sendall(request("GET", "/healthz"))
    assert rd.read().status == 204
    s.close()


def test_connection_close_honoured(shared_daemon):
    s = shared_daemon.connect()
    s.sendall(request("GET", "/healthz", headers=b"Connection: close\r\n"))
    rd = Reader(s)
    assert rd.read().status == 204
    assert rd.closed()


def test_http10_closes_by_default(shared_daemon):
    s = shared_daemon.connect()
    s.sendall(request("POST", "/util/v0.0.45/hostnames", HOSTNAMES, JSON, version="1.0"))
    rd = Reader(s)
    r = rd.read()
    assert r.version == "HTTP/1.0" and r.status == 200
    assert rd.closed()


def test_expect_100_continue(shared_daemon):
    s = shared_daemon.connect()
    head = (b"POST /util/v0.0.45/hostnames HTTP/1.1\r\nHost: t\r\n" + b"X-SLURM-USER-NAME: a\r\n"
            b"X-SLURM-USER-TOKEN: t\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
            b"Content-Length: %d\r\n\r\n" % len(HOSTNAMES))
    s.sendall(head)
    rd = Reader(s)
    interim = rd.read()
    assert interim.status == 100
    s.sendall(HOSTNAMES)
    assert rd.read().status == 200


def test_chunked_body(shared_daemon):
    body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(HOSTNAMES), HOSTNAMES)
    raw = (b"POST /util/v0.0.45/hostnames HTTP/1.1\r\nHost: t\r\nX-SLURM-USER-NAME: a\r\n"
           b"X-SLURM-USER-TOKEN: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
    r = roundtrip(shared_daemon, raw)
    assert r.status == 200 and r.json()["hostnames"] == ["n1", "n2", "n3"]


@pytest.mark.parametrize("raw,status", [
    (b"GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400),
    (b"POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    (b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Folded: a\r\n b\r\n\r\n", 400),
    (b"GET /healthz HTTP/1.1\r\nHost: t\r\nBad Header : x\r\n\r\n", 400),
    (b"GET /healthz HTTP/1.1\r\nHost: t\r\nX: a\x00b\r\n\r\n", 400),
    (b"GET /healthz HTTP/2.0\r\nHost: t\r\n\r\n", 505),
    (b"GET  /healthz HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    (b"FOO /healthz HTTP/1.1\r\nHost: t\r\n\r\n", 405),
    (b"GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n", 400),
    (b"GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Encoding: gzip\r\n\r\n", 406),
    (b"GET /healthz HTTP/1.1\r\nHost: t\r\nExpect: magic\r\n\r\n", 417),
    (b"GET /healthz HTTP/1.1\r\n\r\n", 400),
])
def test_malformed_requests_one_response_then_close(shared_daemon, raw, status):
    s = shared_daemon.connect()
    s.sendall(raw)
    rd = Reader(s)
    r = rd.read()
    assert r.status == status, r.body
    assert r.header("Connection") == "Close"
    assert r.body  # a reason, not an empty page
    assert rd.closed(), "exactly one response, then close"
    s.close()


def test_limits_414_431_413(shared_daemon):
    r = roundtrip(shared_daemon, b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: t\r\n\r\n")
    assert r.status == 414
    r = roundtrip(shared_daemon, b"GET / HTTP/1.1\r\nHost: t\r\n" + b"X-A: " + b"b" * 70000 + b"\r\n\r\n")
    assert r.status == 431
    s = shared_daemon.connect()
    s.sendall(b"POST /util/v0.0.45/hostnames HTTP/1.1\r\nHost: t\r\nContent-Length: 999999999\r\n\r\n")
    r = Reader(s).read()
    assert r.status == 413  # answered from the header alone, without waiting for the body
    s.close()


def test_malformed_json_is_400(shared_daemon):
    r = roundtrip(shared_daemon, request("POST", "/util/v0.0.45/hostnames", b'{"hostlist": ', JSON))
    assert r.status == 400


def test_hostnames_errors(shared_daemon):
    r = roundtrip(shared_daemon, request("POST", "/util/v0.0.45/hostnames", b'{"hostlist": "n[1-"}', JSON))
    assert r.status == 422
    err = r.json()["errors"][0]
    assert err["error_number"] == 9216 and err["source"] == "#/hostlist/"
    r = roundtrip(shared_daemon, request("POST", "/util/v0.0.45/hostlist", b'{"x": 1}', JSON))
    assert r.status == 422
    assert r.json()["errors"][0]["error_number"] == 9200


def test_yaml_response(shared_daemon):
    r = roundtrip(shared_daemon, request("POST", "/util/v0.0.45/hostnames", HOSTNAMES,
                                         JSON + b"Accept: text/yaml\r\n"))
    assert r.status == 200 and r.header("Content-Type") == "text/yaml"
    import yaml
    assert yaml.safe_load(r.body)["hostnames"] == ["n1", "n2", "n3"]


def test_unacceptable_accept_415(shared_daemon):
    r = roundtrip(shared_daemon, request("GET", "/healthz", headers=b"Accept: application/xml\r\n"))
    assert r.status == 415


def test_ipv6_and_unix(daemon, tmp_path):
    sock_path = str(tmp_path / "rest.sock")
    d = daemon("-s", "openapi/util", "[::1]:0", "unix:" + sock_path, wait_listen=2)
    assert any(a.startswith("[::1]:") for a in d.addresses)
    assert "unix:" + sock_path in d.addresses
    for addr in d.addresses:
        # On the unix socket rest_auth/local vouches for us (root, the daemon's own user here);
        # naming another user would need a jwt_key to sign a token with (none in this test).
        r = roundtrip(d, request("GET", "/healthz", auth=not addr.startswith("unix:")), address=addr)
        assert r.status == 204
    import os
    import stat
    assert stat.S_IMODE(os.stat(sock_path).st_mode) & 0o007 == 0
    assert d.stop(__import__("signal").SIGINT) == 0
    assert not os.path.exists(sock_path), "unix socket file removed on exit"


def test_sigterm_lets_in_flight_finish(daemon):
    d = daemon("-s", "openapi/util", "127.0.0.1:0")
    s = d.connect()
    # A request whose body is still arriving when the signal lands.
    s.sendall(b"POST /util/v0.0.45/hostnames HTTP/1.1\r\nHost: t\r\n" + b"X-SLURM-USER-NAME: a\r\n"
              b"X-SLURM-USER-TOKEN: t\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n" % len(HOSTNAMES))
    time.sleep(0.3)
    d.proc.send_signal(__import__("signal").SIGTERM)
    time.sleep(0.3)
    s.sendall(HOSTNAMES)
    r = Reader(s).read()
    assert r.status == 200
    assert d.proc.wait(10) == 0


def test_idle_connections_do_not_block_active_client(daemon):
    d = daemon("-s", "openapi/util", "--max-connections", "4", "127.0.0.1:0",
               env=base_env(SLURMRESTD_IDLE_TIMEOUT="30"))
    idle = []
    for _ in range(300):
        s = d.connect()
        s.sendall(request("GET", "/healthz"))   # one request, then stay idle on keep-alive
        idle.append(s)
    for s in idle:
        assert Reader(s).read().status == 204
    t0 = time.monotonic()
    r = roundtrip(d, request("POST", "/util/v0.0.45/hostnames", HOSTNAMES, JSON))
    assert r.status == 200
    assert time.monotonic() - t0 < 2
    for s in idle:
        s.close()


def test_idle_and_slow_clients_are_closed(daemon):
    d = daemon("-s", "openapi/util", "127.0.0.1:0",
               env=base_env(SLURMRESTD_IDLE_TIMEOUT="1", SLURMRESTD_REQUEST_TIMEOUT="1"))
    idle = d.connect()
    slow = d.connect()
    slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")  # never finishes its headers
    assert Reader(idle).closed(timeout=5)
    r = Reader(slow).read()
    assert r is not None and r.status == 408


def test_generate_openapi_spec_needs_no_controller():
    import subprocess, sys
    from daemon import ROOT
    out = subprocess.run([sys.executable, "-m", "slurmrestd", "--generate-openapi-spec", "-d", "v0.0.45",
                          "-s", "openapi/util"], cwd=ROOT, env=base_env(), capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["openapi"].startswith("3.")
    assert "/util/v0.0.45/hostnames" in doc["paths"]


@pytest.mark.slow
def test_ten_thousand_idle_connections(daemon):
    """10k idle keep-alive connections (the C daemon's starvation case) do not lock out an active client."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < 10300:
        pytest.skip("needs RLIMIT_NOFILE >= 10300 (have %d)" % hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    d = daemon("-s", "openapi/util", "127.0.0.1:0", env=base_env(SLURMRESTD_IDLE_TIMEOUT="300"))
    idle = []
    try:
        for i in range(10000):
            s = d.connect()
            if i % 20 == 0:  # some have made a request and now idle on keep-alive
                s.sendall(request("GET", "/healthz"))
            idle.append(s)
        for s in idle[::20]:
            assert Reader(s).read().status == 204
        t0 = time.monotonic()
        for _ in range(5):
            r = roundtrip(d, request("POST", "/util/v0.0.45/hostnames", HOSTNAMES, JSON))
            assert r.status == 200
        assert time.monotonic() - t0 < 5
    finally:
        for s in idle:
            s.close()


def test_garbage_never_breaks_the_daemon(shared_daemon):
    """Random and mutated requests: each gets at most one response or a close, and the daemon keeps serving."""
    import random
    rnd = random.Random(1234)
    good = request("POST", "/util/v0.0.45/hostnames", HOSTNAMES, JSON)
    samples = []
    for _ in range(150):
        kind = rnd.random()
        if kind < 0.3:
            data = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 400)))
        elif kind < 0.8:
            b = bytearray(good)
            for _ in range(rnd.randint(1, 6)):
                i = rnd.randrange(len(b))
                b[i] = rnd.getrandbits(8)
            data = bytes(b)
        else:
            cut = rnd.randint(1, len(good) - 1)
            data = good[:cut]  # truncated, then the client goes away
        samples.append(data)
    for data in samples:
        s = shared_daemon.connect()
        s.settimeout(5)
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            rd = Reader(s)
            r = rd.read()
            if r is not None:
                assert 100 <= r.status < 600
        except (ConnectionResetError, BrokenPipeError):
            pass  # a closed connection is a fine answer to garbage
        finally:
            s.close()
    r = roundtrip(shared_daemon, good)
    assert r.status == 200
