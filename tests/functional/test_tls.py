"""Native TLS on https:// listeners (issue 15, "Native TLS"): curl and Python clients over a
CA generated here with the openssl CLI; stalled handshakes; SIGHUP reload; protocol mix-ups."""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import time

import pytest

from daemon import Reader, base_env, request

pytestmark = pytest.mark.functional

PING = request("GET", "/healthz")


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _server_cert(d, name):
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=localhost", cwd=d)
    _openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", name + ".pem", "-days", "2", "-extfile", "ext", cwd=d)
    os.chmod(os.path.join(d, name + ".key"), 0o600)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("pki"))
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=slurmrestd test CA", cwd=d)
    with open(os.path.join(d, "ext"), "w") as fh:
        fh.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    _server_cert(d, "one")
    _server_cert(d, "two")
    return d


def _tls_env(pki, **extra):
    cert, key = os.path.join(pki, "srv.pem"), os.path.join(pki, "srv.key")
    for src, dst in (("one.pem", cert), ("one.key", key)):
        with open(os.path.join(pki, src), "rb") as a, open(dst, "wb") as b:
            b.write(a.read())
    os.chmod(key, 0o600)
    return base_env(SLURMRESTD_TLS_CERT=cert, SLURMRESTD_TLS_KEY=key, **extra)


def _addr(d, tls=True):
    a = next(x for x in d.addresses if x.startswith("https://") == tls)
    host, _, port = a.removeprefix("https://").rpartition(":")
    return host, int(port)


def _client_ctx(pki):
    ctx = ssl.create_default_context(cafile=os.path.join(pki, "ca.pem"))
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def _tls_connect(pki, d, timeout=10):
    host, port = _addr(d)
    raw = socket.create_connection((host, port), timeout=timeout)
    return _client_ctx(pki).wrap_socket(raw, server_hostname="localhost")


@pytest.fixture
def tls_daemon(daemon, pki):
    return daemon("-s", "openapi/util", "https://127.0.0.1:0", "127.0.0.1:0", wait_listen=2,
                  env=_tls_env(pki, SLURMRESTD_TLS_HANDSHAKE_TIMEOUT="2"))


def test_curl_over_https(tls_daemon, pki):
    host, port = _addr(tls_daemon)
    out = subprocess.run(["curl", "-sS", "--cacert", os.path.join(pki, "ca.pem"), "-H", "X-SLURM-USER-NAME: a",
                          "-H", "X-SLURM-USER-TOKEN: t", "-w", "%{http_code} %{http_version}",
                          "https://localhost:%d/healthz" % port, "--resolve", "localhost:%d:%s" % (port, host)],
                         capture_output=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout == b"204 1.1"


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_python_client_tls12_or_later_and_alpn(tls_daemon, pki):
    s = _tls_connect(pki, tls_daemon)
    assert s.version() in ("TLSv1.2", "TLSv1.3")
    assert s.selected_alpn_protocol() == "http/1.1"
    rd = Reader(s)
    for _ in range(3):  # keep-alive over TLS
        s.sendall(PING)
        assert rd.read().status == 204
    s.close()
    old = _client_ctx(pki)
    old.minimum_version = ssl.TLSVersion.TLSv1
    old.maximum_version = ssl.TLSVersion.TLSv1_1
    with pytest.raises((ssl.SSLError, OSError)):
        with socket.create_connection(_addr(tls_daemon), timeout=10) as raw:
            old.wrap_socket(raw, server_hostname="localhost")


def test_plain_http_to_tls_port_is_logged_and_closed(tls_daemon):
    s = socket.create_connection(_addr(tls_daemon), timeout=5)
    s.sendall(PING)
    try:
        assert s.recv(100) == b""
    except ConnectionResetError:
        pass  # closed either way, never a hang
    assert "plain HTTP sent to a TLS (https://) listener" in tls_daemon.drain_log(0.3)


def test_tls_to_plain_port_is_logged_and_closed(tls_daemon, pki):
    raw = socket.create_connection(_addr(tls_daemon, tls=False), timeout=5)
    with pytest.raises((ssl.SSLError, OSError)):
        _client_ctx(pki).wrap_socket(raw, server_hostname="localhost")
    raw.close()
    assert "TLS handshake sent to a plain HTTP listener" in tls_daemon.drain_log(0.3)


def test_stalled_handshakes_do_not_block_an_https_client(tls_daemon, pki):
    stalled = []
    try:
        for i in range(1000):
            s = socket.create_connection(_addr(tls_daemon), timeout=10)
            if i % 2:
                s.sendall(b"\x16\x03\x01\x02\x00")  # a ClientHello record header, then nothing
            stalled.append(s)
        t0 = time.monotonic()
        s = _tls_connect(pki, tls_daemon)
        s.sendall(PING)
        assert Reader(s).read().status == 204
        assert time.monotonic() - t0 < 1.0
        s.close()
        # The handshake deadline (2 s here) closes the stalled ones.
        time.sleep(3)
        s0 = stalled[0]
        s0.settimeout(5)
        try:
            assert s0.recv(10) == b""
        except ConnectionResetError:
            pass
        assert "TLS handshake not complete after 2s" in tls_daemon.drain_log(0.2)
    finally:
        for s in stalled:
            s.close()


def test_sighup_reloads_the_certificate_without_dropping_connections(tls_daemon, pki):
    kept = _tls_connect(pki, tls_daemon)
    first = kept.getpeercert()["serialNumber"]
    rd = Reader(kept)
    kept.sendall(PING)
    assert rd.read().status == 204
    for src, dst in (("two.pem", "srv.pem"), ("two.key", "srv.key")):
        with open(os.path.join(pki, src), "rb") as a, open(os.path.join(pki, dst), "wb") as b:
            b.write(a.read())
    tls_daemon.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while "TLS certificate reloaded" not in tls_daemon.drain_log(0.1):
        assert time.monotonic() < deadline, "no reload logged"
    kept.sendall(PING)
    assert rd.read().status == 204, "the established connection survived the reload"
    fresh = _tls_connect(pki, tls_daemon)
    assert fresh.getpeercert()["serialNumber"] != first
    fresh.close()
    kept.close()


def test_https_without_a_usable_certificate_refuses_to_start(pki, tmp_path):
    import sys
    from daemon import ROOT
    env = base_env(SLURMRESTD_TLS_CERT=os.path.join(pki, "one.pem"), SLURMRESTD_TLS_KEY=str(tmp_path / "none"))
    out = subprocess.run([sys.executable, "-m", "slurmrestd", "-s", "openapi/util", "https://127.0.0.1:0"],
                         cwd=ROOT, env=env, capture_output=True, timeout=60)
    assert out.returncode == 1
    assert b"https:// listener: cannot read TLS key" in out.stderr
    loose = tmp_path / "loose.key"
    loose.write_bytes(open(os.path.join(pki, "one.key"), "rb").read())
    os.chmod(loose, 0o644)
    env["SLURMRESTD_TLS_KEY"] = str(loose)
    out = subprocess.run([sys.executable, "-m", "slurmrestd", "-s", "openapi/util", "https://127.0.0.1:0"],
                         cwd=ROOT, env=env, capture_output=True, timeout=60)
    assert out.returncode == 1 and b"readable, writable or executable by others" in out.stderr
