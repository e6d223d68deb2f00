"""Inet mode through a warm server (slurmrestd/warmstart), end to end with real processes.

Each test gets its own XDG_RUNTIME_DIR, so its warm server is its own, and kills it at the
end.  The requests need no controller (``-s openapi/util``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from daemon import MODULES_HOOK, ROOT, base_env, request, warm_run_dir

ARGS = ("-s", "openapi/util")
HOSTNAMES = request("POST", "/util/v0.0.45/hostnames", b'{"hostlist":"x[1-2]"}', b"Content-Type: application/json\r\n")


@pytest.fixture
def warm(tmp_path):
    with warm_run_dir() as run_dir:
        yield base_env(SLURMRESTD_INET_WARM="60", XDG_RUNTIME_DIR=str(run_dir)), run_dir / "slurmrestd-warm", tmp_path


def _run(env, tmp_path, raw, *extra, hook=True, timeout=60):
    modules = tmp_path / ("modules-%d" % time.monotonic_ns())
    cmd = [sys.executable, "-c", MODULES_HOOK, str(modules)] if hook else [sys.executable, "-m", "slurmrestd"]
    out = subprocess.run([*cmd, *ARGS, *extra], cwd=ROOT, env=env, input=raw, capture_output=True, timeout=timeout)
    loaded = set(modules.read_text().split()) if modules.exists() else set()
    return out, loaded


def _wait_for_server(sock_dir, count=1, timeout=60):
    """Until ``count`` warm servers listen in ``sock_dir``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(list(sock_dir.glob("*.sock"))) >= count:
            return
        time.sleep(0.1)
    pytest.fail("fewer than %d warm server sockets in %s after %d s" % (count, sock_dir, timeout))


def test_cold_first_then_warm(warm):
    env, sock_dir, tmp = warm
    out, loaded = _run(env, tmp, HOSTNAMES)
    assert out.returncode == 0, out.stderr
    assert b'"x1"' in out.stdout and "slurmrestd.daemon" in loaded  # served cold; a server started
    _wait_for_server(sock_dir)
    out, loaded = _run(env, tmp, HOSTNAMES)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(b"HTTP/1.1 200 OK\r\n") and b'"x1"' in out.stdout and b'"x2"' in out.stdout
    assert "slurmrestd.daemon" not in loaded and "slurmrestd.warmstart.client" in loaded  # served warm
    assert "_struct" not in loaded  # a shared library the caller need not load (int.to_bytes does)
    assert b"slurmrestd started" in out.stderr  # the child logs to the caller's stderr
    # one server for the fingerprint, whatever the number of clients
    assert len(list(sock_dir.glob("*.sock"))) == 1


def test_warm_child_takes_the_callers_environment_and_exit_status(warm):
    env, sock_dir, tmp = warm
    _run(env, tmp, request("GET", "/healthz"))
    _wait_for_server(sock_dir)
    out, loaded = _run({**env, "SLURMRESTD_LOG_FORMAT": "json"}, tmp, request("GET", "/healthz"), "-v")
    # -v is another command line: another server, so this one is served cold; repeat it warm
    _wait_for_server(sock_dir, 2)
    out, loaded = _run({**env, "SLURMRESTD_LOG_FORMAT": "json"}, tmp, request("GET", "/healthz"), "-v")
    assert "slurmrestd.daemon" not in loaded
    assert out.returncode == 0
    lines = [json.loads(l) for l in out.stderr.decode().splitlines() if l.strip()]
    assert any(l.get("message", "").startswith("slurmrestd started") for l in lines), lines
    # a malformed request: status 1 from the child, as from a cold process
    out, loaded = _run(env, tmp, b"GARBAGE\r\n\r\n")
    assert "slurmrestd.daemon" not in loaded
    assert out.returncode == 1 and out.stdout.startswith(b"HTTP/1.1 400")


def test_signals_reach_the_child(warm):
    env, sock_dir, tmp = warm
    _run(env, tmp, request("GET", "/healthz"))
    _wait_for_server(sock_dir)
    p = subprocess.Popen([sys.executable, "-m", "slurmrestd", *ARGS], cwd=ROOT, env=env,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdin.write(b"GET /healthz HTTP/1.1\r\n")  # half a request: the child waits for the rest
    p.stdin.flush()
    time.sleep(1.0)
    p.send_signal(signal.SIGTERM)
    try:
        status = p.wait(20)
    except subprocess.TimeoutExpired:
        p.kill()
        pytest.fail("the caller did not exit after SIGTERM")
    p.stdin.close()
    assert status in (0, 1), p.stderr.read()
    assert list(sock_dir.glob("*.sock")), "the warm server must survive its child's signal"


def test_off_serves_cold_and_starts_nothing(warm):
    env, sock_dir, tmp = warm
    out, loaded = _run({**env, "SLURMRESTD_INET_WARM": "no"}, tmp, request("GET", "/healthz"))
    assert out.returncode == 0 and "slurmrestd.daemon" in loaded
    time.sleep(1.0)
    assert not sock_dir.exists() or not list(sock_dir.glob("*"))


def test_bad_setting_is_reported(warm):
    env, sock_dir, tmp = warm
    out, _ = _run({**env, "SLURMRESTD_INET_WARM": "sometimes"}, tmp, request("GET", "/healthz"))
    assert out.returncode == 1
    assert b"SLURMRESTD_INET_WARM=sometimes" in out.stderr


def test_idle_server_exits(warm):
    env, sock_dir, tmp = warm
    env = {**env, "SLURMRESTD_INET_WARM": "3"}
    _run(env, tmp, request("GET", "/healthz"))
    _wait_for_server(sock_dir)
    deadline = time.monotonic() + 30
    while list(sock_dir.glob("*.sock")) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not list(sock_dir.glob("*.sock")), "an idle warm server removes its socket and exits"


def _server_pid(sock_dir) -> int:
    lock = next(sock_dir.glob("*.lock"))
    return int(lock.read_text().split()[0])


def _children(pid: int) -> list[int]:
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    return out


def _alive(pid: int) -> bool:
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _wait_until(cond, timeout=10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def test_a_spare_waits_for_the_next_client_and_a_dead_spare_is_replaced(warm):
    env, sock_dir, tmp = warm
    _run(env, tmp, request("GET", "/healthz"))
    _wait_for_server(sock_dir)
    server = _server_pid(sock_dir)
    assert _wait_until(lambda: len(_children(server)) == 1), "one spare, forked ahead of the next client"
    spare = _children(server)[0]
    os.kill(spare, signal.SIGKILL)
    assert _wait_until(lambda: [p for p in _children(server) if p != spare and _alive(p)])
    started = time.monotonic()
    out, loaded = _run(env, tmp, HOSTNAMES)
    assert out.returncode == 0 and b'"x2"' in out.stdout
    assert "slurmrestd.daemon" not in loaded, "served warm by the new spare"
    assert time.monotonic() - started < 5


def test_clients_at_once_are_all_served_warm(warm):
    env, sock_dir, tmp = warm
    _run(env, tmp, request("GET", "/healthz"))
    _wait_for_server(sock_dir)
    results = []

    def one(i):
        results.append(_run(env, tmp, HOSTNAMES))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 6
    for out, loaded in results:
        assert out.returncode == 0 and b'"x2"' in out.stdout, out.stderr
        assert "slurmrestd.daemon" not in loaded
    assert len(list(sock_dir.glob("*.sock"))) == 1


def test_an_idle_server_takes_its_spare_with_it(warm):
    env, sock_dir, tmp = warm
    env = {**env, "SLURMRESTD_INET_WARM": "2"}
    _run(env, tmp, request("GET", "/healthz"))
    _wait_for_server(sock_dir)
    server = _server_pid(sock_dir)
    assert _wait_until(lambda: len(_children(server)) == 1)
    spare = _children(server)[0]
    assert _wait_until(lambda: not _alive(server) and not _alive(spare), 30), "server and spare exit"
    assert not list(sock_dir.glob("*.sock"))
