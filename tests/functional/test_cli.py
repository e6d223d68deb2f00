"""Command line behaviour of the real entry point."""

import os
import signal
import socket
import subprocess
import sys

import pytest

from daemon import ROOT, Daemon, Reader, base_env, request

pytestmark = pytest.mark.functional


def run(*args, env=None, timeout=30, **kw):
    return subprocess.run([sys.executable, "-m", "slurmrestd", *args], cwd=ROOT, env=env or base_env(),
                          capture_output=True, timeout=timeout, **kw)


@pytest.mark.parametrize("opt,title,names", [
    ("-a", "Possible REST authentication plugins:", ["rest_auth/local", "rest_auth/jwt"]),
    ("-d", "Possible data_parser plugins:", ["data_parser/v0.0.42", "data_parser/v0.0.45"]),
    ("-s", "Possible OpenAPI plugins:", ["openapi/slurmctld", "openapi/slurmdbd", "openapi/util"]),
])
def test_list(opt, title, names):
    out = run(opt, "list")
    assert out.returncode == 0
    err = out.stderr.decode()
    assert title in err
    for n in names:
        assert n in err


def test_help_and_version():
    out = run("-h")
    assert out.returncode == 0 and b"Usage: slurmrestd" in out.stderr
    assert b"--max-connections" in out.stderr
    out = run("-V")
    assert out.returncode == 0 and out.stdout.strip()


@pytest.mark.parametrize("args,word", [
    (["-x"], b"option -x not recognized"),
    (["-t", "zero"], b"thread count"),
    (["--max-connections", "0"], b"max connections"),
    (["-a", "rest_auth/nope"], b"unknown REST authentication plugin"),
    (["-d", "v0.0.1"], b"unknown data_parser plugin"),
    (["-s", "openapi/bogus"], b"unknown OpenAPI plugin"),
    (["-s", "openapi/util", "unix:relative.sock"], b"must be absolute"),
    (["-s", "openapi/util", "127.0.0.1:99999"], b"invalid port"),
    (["-s", "openapi/util", "-u", "no-such-user-xyz", "127.0.0.1:0"], b"Unable to resolve user"),
])
def test_bad_options_exit_1_with_reason(args, word):
    out = run(*args)
    assert out.returncode == 1, out
    assert word in out.stderr, out.stderr


def test_usage_printed_on_bad_option():
    out = run("--bogus")
    assert out.returncode == 1
    assert b"Usage: slurmrestd" in out.stderr


def test_bad_security_word():
    out = run("-s", "openapi/util", "127.0.0.1:0", env=base_env(SLURMRESTD_SECURITY="make_me_root"))
    assert out.returncode == 1 and b"SLURMRESTD_SECURITY" in out.stderr


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to test the user check")
def test_refuses_root_without_override():
    env = base_env()
    env.pop("SLURMRESTD_SECURITY", None)
    out = run("-s", "openapi/util", "127.0.0.1:0", env=env)
    assert out.returncode == 1
    assert b"should not be run as the root user" in out.stderr


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to switch users")
def test_user_and_group_switch_after_bind():
    env = base_env()
    env.pop("SLURMRESTD_SECURITY", None)
    # Port 80-range binding needs root; the switch happens after the socket is open.
    d = Daemon("-s", "openapi/util", "-u", "daemon", "-g", "daemon", "127.0.0.1:0", env=env)
    try:
        with open("/proc/%d/status" % d.proc.pid) as f:
            status = f.read()
        uid_line = next(l for l in status.splitlines() if l.startswith("Uid:"))
        gid_line = next(l for l in status.splitlines() if l.startswith("Gid:"))
        groups = next(l for l in status.splitlines() if l.startswith("Groups:"))
        assert uid_line.split()[1:] == ["1"] * 4
        assert gid_line.split()[1:] == ["1"] * 4
        assert groups.split()[1:] == []
        nnp = next(l for l in status.splitlines() if l.startswith("NoNewPrivs:"))
        assert nnp.split()[1] == "1"
        s = d.connect()
        s.sendall(request("GET", "/healthz"))
        assert Reader(s).read().status == 204
    finally:
        assert d.stop(signal.SIGINT) == 0


def test_env_listen_and_max_connections():
    d = Daemon("-s", "openapi/util", env=base_env(SLURMRESTD_LISTEN="127.0.0.1:0,[::1]:0",
                                                  SLURMRESTD_MAX_CONNECTIONS="7"), wait_listen=2)
    try:
        assert len(d.addresses) == 2
        log = d.drain_log()
        assert "max 7 busy connections" in log
    finally:
        d.stop()


def test_inet_mode_over_pipes():
    raw = request("GET", "/healthz") + request("POST", "/util/v0.0.45/hostnames", b'{"hostlist":"x[1-2]"}',
                                               b"Content-Type: application/json\r\n")
    out = run("-s", "openapi/util", input=raw)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(b"HTTP/1.1 204 NO CONTENT\r\n")
    assert b'"x1"' in out.stdout and b'"x2"' in out.stdout


def test_inet_mode_accepts_a_request_without_host():
    """Like the reference, inet mode serves an HTTP/1.1 request without Host (the seeds'
    example); listen mode still refuses an origin-form one (test_http)."""
    raw = (b"GET /healthz HTTP/1.1\r\nAccept: */*\r\n\n"
           b"POST http://localhost/util/v0.0.45/hostnames HTTP/1.1\r\nContent-Type: application/json\r\n"
           b"Content-Length: 21\r\n\r\n{\"hostlist\":\"x[1-2]\"}")
    out = run("-s", "openapi/util", "-vv", input=raw)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(b"HTTP/1.1 204 NO CONTENT\r\n")
    assert b'"x1"' in out.stdout
    assert b"without a Host header: accepted (inet mode)" in out.stderr
    assert b"without a Host header: accepted (absolute-form target)" in out.stderr


def test_inet_mode_over_socketpair():
    a, b = socket.socketpair()
    proc = subprocess.Popen([sys.executable, "-m", "slurmrestd", "-s", "openapi/util"], cwd=ROOT,
                            env=base_env(), stdin=b.fileno(), stdout=b.fileno(), stderr=subprocess.PIPE)
    b.close()
    a.settimeout(20)
    a.sendall(request("GET", "/livez", auth=False))
    r = Reader(a).read()
    # local auth over a unix socketpair: the peer is ourselves.
    assert r.status == 204, r
    a.shutdown(socket.SHUT_WR)
    assert proc.wait(20) == 0
    a.close()


def test_inet_mode_rejects_malformed_with_status_1():
    out = run("-s", "openapi/util", input=b"GARBAGE\r\n\r\n")
    assert out.returncode == 1
    assert out.stdout.startswith(b"HTTP/1.1 400")


def test_systemd_socket_activation():
    """LISTEN_FDS/LISTEN_PID: the daemon serves the socket systemd hands it (fd 3)."""
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(16)
    port = lsock.getsockname()[1]
    fd = lsock.fileno()
    env = base_env(LISTEN_FDS="1")
    # exec keeps the pid, so LISTEN_PID names the daemon itself, and the socket becomes fd 3.
    script = ("import os, sys; os.dup2(%d, 3); os.environ['LISTEN_PID'] = str(os.getpid()); "
              "os.execv(sys.executable, [sys.executable, '-m', 'slurmrestd', '-s', 'openapi/util'])" % fd)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, pass_fds=(fd,),
                            stderr=subprocess.DEVNULL)
    lsock.close()
    try:
        deadline = __import__("time").monotonic() + 20
        while True:
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                s.sendall(request("GET", "/healthz"))
                r = Reader(s).read()
                break
            except (ConnectionError, AssertionError, OSError):
                if __import__("time").monotonic() > deadline:
                    raise
                __import__("time").sleep(0.2)
        assert r.status == 204
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0


def test_inet_mode_ignores_the_metrics_listener():
    """One process per client cannot own a listener: SLURMRESTD_METRICS_LISTEN is ignored."""
    out = run("-s", "openapi/util", input=request("GET", "/healthz"),
              env=base_env(SLURMRESTD_METRICS_LISTEN="127.0.0.1:0"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(b"HTTP/1.1 204 NO CONTENT\r\n")
    assert b"SLURMRESTD_METRICS_LISTEN ignored in inet mode" in out.stderr
    assert b"listening on" not in out.stderr
