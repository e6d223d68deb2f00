"""Who a request runs as, end to end on the real clusters (issue 12):

* PAM logins over HTTP Basic, with the real PAM stack of ``cluster.sh pam``
  (service ``slurmrestd-test``, user alice, her generated password);
* rest_auth/local on a unix socket (SO_PEERCRED): root naming a user, another uid refused;
* become_user in root-launched inet mode, through a harness doing what systemd's
  ``Accept=yes`` does (one accepted connection as stdin/stdout);
* 16 threads of alice, bob and a proxied alice over both plugins, each answer and each
  job carrying its own caller.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import pytest

from auth_helpers import PREFIX, cancel_prefixed
from clusters import CLUSTER_SH, REF_VERSIONS, _unavailable, token
from daemon import ROOT, Daemon, base_env
from http_client import call

pytestmark = [pytest.mark.cluster, pytest.mark.functional]

ALICE_UID = 2001
#: The clients that run as alice use the system interpreter (stdlib only): the test's own may
#: live where alice cannot read it.
PEER_PYTHON = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable


@pytest.fixture(scope="module")
def pam_setup():
    """(service, user, password) of the PAM test service."""
    try:
        out = subprocess.run(["bash", CLUSTER_SH, "pam"], capture_output=True, text=True, timeout=300,
                             check=True).stdout.split()
    except (OSError, subprocess.SubprocessError) as e:
        _unavailable("PAM test service not available: %s" % e)
    service, user, pwfile = out[-3:]
    with open(pwfile) as fh:
        return service, user, fh.read().strip()


def url(d: Daemon) -> str:
    return "http://%s:%d" % d.inet


def basic(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()}


def job_body() -> dict:
    return {"job": {"name": PREFIX + uuid.uuid4().hex[:8], "hold": True, "current_working_directory": "/tmp",
                    "environment": ["PATH=/bin:/usr/bin"], "script": "#!/bin/sh\nsleep 300\n"}}


# -- PAM ----------------------------------------------------------------------------


def test_pam_logins(cluster, pam_setup):
    suite, env = cluster
    service, user, password = pam_setup
    v = REF_VERSIONS[suite][-1]
    d = Daemon("127.0.0.1:0", env=base_env(SLURM_CONF=env["SLURM_CONF"], SLURMRESTD_PAM_SERVICE=service,
                                           SLURMRESTD_PAM_MAX_FAILURES="3"))
    try:
        assert any("HTTP Basic logins through PAM service %s" % service in l for l in d.log_lines)
        # a good password: the request runs as alice, and so does the job it submits
        st, doc = call(url(d), "GET", "/slurm/%s/diag" % v, headers=basic(user, password))
        assert st == 200 and (doc["meta"]["client"]["user"], doc["meta"]["client"]["group"]) == (user, user)
        st, doc = call(url(d), "POST", "/slurm/%s/job/submit" % v, body=job_body(), headers=basic(user, password))
        assert st == 200, doc
        st, job = call(url(d), "GET", "/slurm/%s/job/%d" % (v, doc["job_id"]), headers=basic(user, password))
        assert st == 200 and job["jobs"][0]["user_name"] == user
        st, doc = call(url(d), "GET", "/slurmdb/%s/accounts" % v, headers=basic(user, password))
        assert st == 200 and doc["meta"]["client"]["user"] == user
        # a Basic header that is not base64, a wrong password, an unknown user: 401
        for headers in ({"Authorization": "Basic !!!not-base64!!!"}, basic(user, "wrong-" + password),
                        basic("nosuchuser", password)):
            st, body = call(url(d), "GET", "/slurm/%s/ping" % v, headers=headers)
            assert st == 401 and body == b"Authentication failure", (headers, st, body)
        log = d.drain_log()
        assert "malformed HTTP Basic credentials" in log
        assert "PAM login of '%s' from 127.0.0.1 failed" % user in log
        assert "PAM login of 'nosuchuser' from 127.0.0.1 failed" in log
        assert password not in log
        # a third failure from this address reaches the limit: even the right password waits
        call(url(d), "GET", "/slurm/%s/ping" % v, headers=basic("bob", "x"))
        conn = http.client.HTTPConnection(*d.inet, timeout=30)
        conn.request("GET", "/slurm/%s/ping" % v, headers=basic(user, password))
        r = conn.getresponse()
        assert r.status == 429 and 0 < int(r.getheader("Retry-After")) <= 301
        r.read()
        conn.close()
        assert "too many failed logins" in d.drain_log()
    finally:
        cancel_prefixed(url(d), token(suite, "slurm"), v)
        d.stop()
    assert "Traceback (most recent call last)" not in "\n".join(d.log_lines)


def _basic_from(d: Daemon, source: str, target: str, headers: dict) -> int:
    conn = http.client.HTTPConnection(*d.inet, timeout=30, source_address=(source, 0))
    try:
        conn.request("GET", target, headers=headers)
        r = conn.getresponse()
        r.read()
        return r.status
    finally:
        conn.close()


def test_pam_sees_the_client_address_as_rhost(cluster, pam_setup):
    """``slurmrestd-test-rhost`` (cluster.sh) lets alice in from 127.0.0.1 only (pam_access on
    PAM_RHOST; without PAM_RHOST it refuses everyone).  Her right password works from
    127.0.0.1 and is refused from 127.0.0.2, so the daemon gave PAM the real peer address."""
    suite, env = cluster
    service, user, password = pam_setup
    v = REF_VERSIONS[suite][-1]
    if not os.path.exists("/etc/pam.d/%s-rhost" % service):
        _unavailable("PAM service %s-rhost missing (cluster.sh pam)" % service)
    d = Daemon("127.0.0.1:0", env=base_env(SLURM_CONF=env["SLURM_CONF"], SLURMRESTD_PAM_SERVICE=service + "-rhost"))
    try:
        target = "/slurm/%s/diag" % v
        assert _basic_from(d, "127.0.0.1", target, basic(user, password)) == 200
        assert _basic_from(d, "127.0.0.2", target, basic(user, password)) == 401
        log = d.drain_log()
        assert "PAM login of '%s' from 127.0.0.1 accepted" % user in log
        assert "PAM login of '%s' from 127.0.0.2 failed (service %s-rhost): Permission denied" % (user, service) \
            in log, log
    finally:
        d.stop()
    assert "Traceback (most recent call last)" not in "\n".join(d.log_lines)


def test_pam_rate_limit_per_user_and_per_address(cluster, pam_setup):
    """Failures count against the user wherever they come from, and against the address
    whoever they name (limit 3).  Client addresses are 127.0.0.x source addresses."""
    suite, env = cluster
    service, user, password = pam_setup
    target = "/slurm/%s/diag" % REF_VERSIONS[suite][-1]

    def daemon():
        return Daemon("127.0.0.1:0", env=base_env(SLURM_CONF=env["SLURM_CONF"], SLURMRESTD_PAM_SERVICE=service,
                                                  SLURMRESTD_PAM_MAX_FAILURES="3"))

    d = daemon()
    try:
        # per user: one wrong password for alice from each of three addresses ...
        for source in ("127.0.0.2", "127.0.0.3", "127.0.0.4"):
            assert _basic_from(d, source, target, basic(user, "wrong")) == 401
        # ... and her right password from a fourth address waits; another user there does not
        assert _basic_from(d, "127.0.0.5", target, basic(user, password)) == 429
        assert _basic_from(d, "127.0.0.5", target, basic("nosuchuser", "x")) == 401
        log = d.drain_log()
        assert "PAM login of '%s' from 127.0.0.5 refused: too many failed logins" % user in log, log
        assert log.count("PAM login of '%s' from 127.0.0." % user) == 4
    finally:
        d.stop()
    d = daemon()
    try:
        # per address: three different users fail from 127.0.0.6 ...
        for name in ("nosuchuser", "bob", "root"):
            assert _basic_from(d, "127.0.0.6", target, basic(name, "wrong")) == 401
        # ... then alice's right password from there waits, and from 127.0.0.7 works
        assert _basic_from(d, "127.0.0.6", target, basic(user, password)) == 429
        assert _basic_from(d, "127.0.0.7", target, basic(user, password)) == 200
        log = d.drain_log()
        assert "PAM login of '%s' from 127.0.0.6 refused: too many failed logins" % user in log, log
        assert password not in log
    finally:
        d.stop()
    assert "Traceback (most recent call last)" not in "\n".join(d.log_lines)


def test_pam_refused_at_start_up_without_a_key(cluster, pam_setup, tmp_path):
    """PAM logins need the HS256 secret to sign each user's token: the daemon refuses to start,
    saying so, when verification is off, when the key is unreadable to its user, when slurm.conf
    names no key, and when only the (public) JWKS is readable."""
    suite, env = cluster
    service = pam_setup[0]
    with open(env["SLURM_CONF"]) as fh:
        conf = fh.read()
    os.chmod(tmp_path, 0o755)
    no_key = tmp_path / "no-key.conf"
    no_key.write_text(re.sub(r"(?m)^AuthAltParameters=.*$", "", conf))
    jwks = tmp_path / "jwks.json"
    with open(env["JWKS"] if "JWKS" in env else os.devnull, "rb") as src:
        jwks.write_bytes(src.read())
    jwks_only = tmp_path / "jwks-only.conf"
    jwks_only.write_text(re.sub(r"(?m)^AuthAltParameters=.*$", "AuthAltParameters=jwks=%s" % jwks, conf))
    for p in (no_key, jwks, jwks_only):
        os.chmod(p, 0o644)
    cases = [((), {"SLURMRESTD_JWT_VERIFY": "no"}),
             (("-u", "slurmrestd"), {}),
             ((), {"SLURM_CONF": str(no_key)})]
    if "JWKS" in env:
        cases.append(((), {"SLURM_CONF": str(jwks_only)}))
    for args, extra in cases:
        e = dict({"SLURM_CONF": env["SLURM_CONF"], "SLURMRESTD_PAM_SERVICE": service}, **extra)
        d = Daemon(*args, "127.0.0.1:0", env=base_env(**e), wait_listen=0)
        assert d.proc.wait(30) == 1, (args, extra)
        d.stop()
        msg = [l for l in d.log_lines if "PAM logins (SLURMRESTD_PAM_SERVICE=%s) need the HS256 jwt_key" % service in l]
        assert msg and "readable by the daemon" in msg[0] and "AuthAltParameters=jwt_key=" in msg[0], \
            (args, extra, d.log_lines)
        assert not d.addresses and "Traceback" not in "\n".join(d.log_lines), (args, extra, d.log_lines)


# -- rest_auth/local on a unix socket ----------------------------------------------------


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float = 60) -> None:
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def unix_call(path: str, method: str, target: str, user: str | None = None, body=None):
    conn = UnixHTTPConnection(path)
    headers = {"X-SLURM-USER-NAME": user} if user else {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn.request(method, target, body=data, headers=headers)
    r = conn.getresponse()
    raw = r.read()
    conn.close()
    try:
        return r.status, json.loads(raw)
    except ValueError:
        return r.status, raw


@pytest.fixture(scope="module")
def both_plugins(cluster, pam_setup):
    """Our daemon on TCP (rest_auth/jwt, with PAM logins) and on a unix socket anyone may
    connect to (rest_auth/local decides), with the cluster's keys readable (root)."""
    suite, env = cluster
    sdir = tempfile.mkdtemp(prefix="auth-sock-")
    os.chmod(sdir, 0o755)
    sock = os.path.join(sdir, "rest.sock")
    d = Daemon("127.0.0.1:0", "unix:" + sock, wait_listen=2,
               env=base_env(SLURM_CONF=env["SLURM_CONF"], SLURMRESTD_PAM_SERVICE=pam_setup[0]))
    os.chmod(sock, 0o777)
    yield d, sock
    cancel_prefixed(url(d), token(suite, "slurm"), REF_VERSIONS[suite][-1])
    d.stop()
    assert "Traceback (most recent call last)" not in "\n".join(d.log_lines)
    import shutil
    shutil.rmtree(sdir, ignore_errors=True)


def test_root_peer_names_a_user(cluster, both_plugins):
    suite, env = cluster
    d, sock = both_plugins
    v = REF_VERSIONS[suite][-1]
    st, doc = unix_call(sock, "POST", "/slurm/%s/job/submit" % v, "alice", job_body())
    assert st == 200 and doc["meta"]["client"]["user"] == "alice", doc
    st, job = unix_call(sock, "GET", "/slurm/%s/job/%d" % (v, doc["job_id"]), "alice")
    assert st == 200 and job["jobs"][0]["user_name"] == "alice"
    # without a name a root peer is the daemon's own user (root here)
    st, doc = unix_call(sock, "GET", "/slurm/%s/diag" % v)
    assert st == 200 and doc["meta"]["client"]["user"] == "root"


_PEER_SCRIPT = r"""
import http.client, json, socket, sys
class C(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX); self.sock.settimeout(30); self.sock.connect(sys.argv[1])
c = C("localhost", timeout=30)
c.request("GET", sys.argv[2], headers={"X-SLURM-USER-NAME": "alice"})
r = c.getresponse(); print(json.dumps([r.status, r.read().decode()]))
"""


def test_other_uid_is_refused(cluster, both_plugins):
    """alice's process on the socket of a daemon running as root: SO_PEERCRED says 2001, refused."""
    suite, env = cluster
    d, sock = both_plugins
    out = subprocess.run([PEER_PYTHON, "-c", _PEER_SCRIPT, sock, "/slurm/%s/diag" % REF_VERSIONS[suite][-1]],
                         user=ALICE_UID, group=ALICE_UID, extra_groups=[], capture_output=True, text=True,
                         timeout=60, cwd="/")
    assert out.returncode == 0, out.stderr
    st, body = json.loads(out.stdout)
    assert (st, body) == (401, "Authentication failure")
    assert "socket peer uid %d is not the daemon's user" % ALICE_UID in d.drain_log()


# -- become_user: one connection, one identity ---------------------------------------------

_BECOME_CLIENT = r"""
import http.client, json, socket, sys
path, v = sys.argv[1], sys.argv[2]
class C(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX); self.sock.settimeout(60); self.sock.connect(path)
c = C("localhost", timeout=60)
out = []
def go(method, target, headers, body=None):
    h = dict(headers)
    if body is not None:
        h["Content-Type"] = "application/json"
    c.request(method, target, body=body and json.dumps(body), headers=h)
    r = c.getresponse()
    out.append([r.status, json.loads(r.read() or b"null")])
    return out[-1][1]
go("GET", "/slurm/%s/diag" % v, {})
job = {"job": {"name": sys.argv[3], "hold": True, "current_working_directory": "/tmp",
               "environment": ["PATH=/bin:/usr/bin"], "script": "#!/bin/sh\nsleep 300\n"}}
doc = go("POST", "/slurm/%s/job/submit" % v, {"X-SLURM-USER-NAME": "bob"}, job)
jid = doc.get("job_id")
go("GET", "/slurm/%s/job/%s" % (v, jid), {"X-SLURM-USER-NAME": "root"})
go("DELETE", "/slurm/%s/job/%s" % (v, jid), {"X-SLURM-USER-NAME": "root"})
print(json.dumps(out))
"""


def test_become_user_switches_once_per_connection(cluster):
    """The harness accepts one connection from alice and hands it to a root-launched daemon
    as stdin/stdout (what slurmrestd.socket with Accept=yes does); the daemon becomes alice
    at the first request, and later requests naming bob or root still run as alice."""
    suite, env = cluster
    v = REF_VERSIONS[suite][-1]
    sdir = tempfile.mkdtemp(prefix="auth-become-")
    os.chmod(sdir, 0o755)
    path = os.path.join(sdir, "become.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o777)
    listener.listen(1)
    name = PREFIX + uuid.uuid4().hex[:8]
    client = subprocess.Popen([PEER_PYTHON, "-c", _BECOME_CLIENT, path, v, name], user=ALICE_UID,
                              group=ALICE_UID, extra_groups=[], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, cwd="/")
    listener.settimeout(30)
    conn, _ = listener.accept()
    envd = base_env(SLURM_CONF=env["SLURM_CONF"], SLURMRESTD_SECURITY="become_user")
    daemon = subprocess.Popen([sys.executable, "-m", "slurmrestd", "-a", "rest_auth/local"], cwd=ROOT, env=envd,
                              stdin=conn.fileno(), stdout=conn.fileno(), stderr=subprocess.PIPE)
    conn.close()
    listener.close()
    try:
        out, err = client.communicate(timeout=120)
        assert client.returncode == 0, err
        answers = json.loads(out)
    finally:
        if daemon.poll() is None:
            daemon.terminate()
        log = daemon.communicate(timeout=30)[1].decode(errors="replace")
        import shutil
        shutil.rmtree(sdir, ignore_errors=True)
    assert [a[0] for a in answers] == [200, 200, 200, 200], ([a[1].get("errors") for a in answers], log)
    assert all(a[1]["meta"]["client"]["user"] == "alice" for a in answers), answers
    assert answers[2][1]["jobs"][0]["user_name"] == "alice" and answers[2][1]["jobs"][0]["name"] == name
    assert log.count("switched to uid %d gid %d for good (become_user)" % (ALICE_UID, ALICE_UID)) == 1, log
    assert "Traceback" not in log, log


BOB_UID = 2002


def test_become_user_through_systemd_socket_activation(cluster):
    """``systemd-socket-activate --accept --inetd`` does what slurmrestd.socket with
    ``Accept=yes`` does for ``etc/slurmrestd@.service``: one root-launched daemon per
    connection, the connection on stdin/stdout.  alice and bob connect at the same time;
    each is served as themselves for every request on their connection, whatever
    X-SLURM-USER-NAME later requests carry, and their jobs are their own."""
    import shutil

    activate = shutil.which("systemd-socket-activate")
    if activate is None:
        pytest.skip("systemd-socket-activate not installed")
    suite, env = cluster
    v = REF_VERSIONS[suite][-1]
    sdir = tempfile.mkdtemp(prefix="auth-activate-")
    os.chmod(sdir, 0o755)
    path = os.path.join(sdir, "slurmrestd.sock")
    envd = base_env(SLURM_CONF=env["SLURM_CONF"], SLURMRESTD_SECURITY="become_user")
    passed = [a for k in ("PATH", "PYTHONPATH", "SLURM_CONF", "SLURMRESTD_SECURITY", "LANG") if k in envd
              for a in ("-E", "%s=%s" % (k, envd[k]))]
    act = subprocess.Popen([activate, "--accept", "--inetd", "-l", path] + passed +
                           [sys.executable, "-m", "slurmrestd", "-a", "rest_auth/local"],
                           cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        end = time.monotonic() + 20
        while not os.path.exists(path) and time.monotonic() < end and act.poll() is None:
            time.sleep(0.05)
        assert os.path.exists(path), "systemd-socket-activate did not listen"
        os.chmod(path, 0o777)   # SocketMode=0666 in the unit
        names = {uid: PREFIX + uuid.uuid4().hex[:8] for uid in (ALICE_UID, BOB_UID)}
        clients = {uid: subprocess.Popen([PEER_PYTHON, "-c", _BECOME_CLIENT, path, v, names[uid]], user=uid, group=uid,
                                         extra_groups=[], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                         cwd="/")
                   for uid in (ALICE_UID, BOB_UID)}
        answers = {}
        for uid, c in clients.items():
            out, err = c.communicate(timeout=120)
            assert c.returncode == 0, err
            answers[uid] = json.loads(out)
    finally:
        act.terminate()
        log = act.communicate(timeout=30)[1].decode(errors="replace")
        shutil.rmtree(sdir, ignore_errors=True)
    for uid, user in ((ALICE_UID, "alice"), (BOB_UID, "bob")):
        a = answers[uid]
        assert [x[0] for x in a] == [200, 200, 200, 200], ([x[1].get("errors") for x in a], log[-3000:])
        assert all(x[1]["meta"]["client"]["user"] == user for x in a), (user, [x[1]["meta"]["client"] for x in a])
        job = a[2][1]["jobs"][0]
        assert (job["user_name"], job["name"]) == (user, names[uid]), job
        assert log.count("switched to uid %d gid %d for good (become_user)" % (uid, uid)) == 1, log[-3000:]
    assert "Traceback" not in log, log[-3000:]


def test_become_user_refuses_rest_auth_jwt(cluster):
    suite, env = cluster
    p = subprocess.run([sys.executable, "-m", "slurmrestd"], cwd=ROOT, stdin=subprocess.DEVNULL,
                       env=base_env(SLURM_CONF=env["SLURM_CONF"], SLURMRESTD_SECURITY="become_user"),
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "rest_auth/jwt must not be loaded in become_user mode" in p.stderr


# -- concurrency: nothing crosses between callers ---------------------------------------------


def test_sixteen_threads_keep_their_callers_apart(cluster, both_plugins, pam_setup):
    """Over rest_auth/jwt: alice's and bob's tokens, SlurmUser's token naming alice, an RS256
    token of bob, alice's PAM login; over rest_auth/local: the root peer naming alice or bob."""
    from auth_helpers import forge_rs256, rs256_ready

    suite, env = cluster
    d, sock = both_plugins
    v = REF_VERSIONS[suite][-1]
    tokens = {u: token(suite, u) for u in ("alice", "bob", "slurm")}
    base = url(d)

    def over_jwt(tok, name):
        return lambda method, target, body=None: call(base, method, target, tok, name, body)

    def over_local(name):
        return lambda method, target, body=None: unix_call(sock, method, target, name, body)

    callers = [
        ("alice", over_jwt(tokens["alice"], None)),
        ("bob", over_jwt(tokens["bob"], None)),
        ("alice", over_jwt(tokens["slurm"], "alice")),   # proxied by SlurmUser's token
        ("alice", over_local("alice")),                  # root peer naming alice
        ("bob", over_local("bob")),
        ("alice", lambda method, target, body=None:      # PAM login (HTTP Basic)
            call(base, method, target, None, None, body, headers=basic(pam_setup[1], pam_setup[2]))),
    ]
    if rs256_ready(env):
        callers.append(("bob", over_jwt(forge_rs256(env, "bob", exp=int(time.time()) + 900), None)))
    problems: list = []
    start = threading.Barrier(16)

    def worker(i: int) -> None:
        user, do = callers[i % len(callers)]
        start.wait(30)
        try:
            for _ in range(3):
                st, doc = do("GET", "/slurm/%s/diag" % v)
                if st != 200 or doc["meta"]["client"]["user"] != user:
                    problems.append((i, "diag", st, doc["meta"]["client"] if st == 200 else doc))
                st, doc = do("POST", "/slurm/%s/job/submit" % v, job_body())
                if st != 200 or doc["meta"]["client"]["user"] != user:
                    problems.append((i, "submit", st, doc))
                    continue
                st, job = do("GET", "/slurm/%s/job/%d" % (v, doc["job_id"]))
                if st != 200 or job["jobs"][0]["user_name"] != user or job["meta"]["client"]["user"] != user:
                    problems.append((i, "job", st, job["jobs"][0]["user_name"] if st == 200 else job))
        except Exception as e:  # reported below with the others
            problems.append((i, "exception", repr(e)))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not problems, problems[:10]


def test_slow_pam_has_a_deadline_and_blocks_nobody_else(cluster, pam_setup):
    """``slurmrestd-test-slow`` takes 5 s (pam_exec sleep): with SLURMRESTD_PAM_TIMEOUT=2
    two logins are refused after about 2 s, and meanwhile other clients are served at once
    (PAM runs on worker-side threads, never on the connection loop)."""

    suite, env = cluster
    service, user, password = pam_setup
    v = REF_VERSIONS[suite][-1]
    d = Daemon("-t", "4", "127.0.0.1:0", env=base_env(SLURM_CONF=env["SLURM_CONF"],
                                                     SLURMRESTD_PAM_SERVICE=service + "-slow",
                                                     SLURMRESTD_PAM_TIMEOUT="2"))
    try:
        alice = token(suite, "alice")
        results: list = []

        def login() -> None:
            t0 = time.monotonic()
            st, _ = call(url(d), "GET", "/slurm/%s/diag" % v, headers=basic(user, password))
            results.append((st, time.monotonic() - t0))

        threads = [threading.Thread(target=login) for _ in range(2)]
        for t in threads:
            t.start()
        time.sleep(0.2)
        t0 = time.monotonic()
        st, doc = call(url(d), "GET", "/slurm/%s/diag" % v, alice, None)
        other = time.monotonic() - t0
        for t in threads:
            t.join(30)
        assert st == 200 and doc["meta"]["client"]["user"] == "alice"
        assert other < 1.5, "a client waited %.2f s behind PAM" % other
        assert [r[0] for r in results] == [401, 401], results
        assert all(1.9 < r[1] < 4.8 for r in results), results
        assert "did not answer within 2 s" in d.drain_log()
    finally:
        d.stop()
    assert "Traceback (most recent call last)" not in "\n".join(d.log_lines)


def test_pam_as_an_unprivileged_daemon(cluster, pam_setup):
    """The deployment shape: the daemon runs as slurmrestd, reads a copy of the key made for
    it (SLURMRESTD_JWT_KEY, 0600 slurmrestd) and a PAM password file its group may read."""
    import pwd
    import shutil

    suite, env = cluster
    service, user, password = pam_setup
    v = REF_VERSIONS[suite][-1]
    sdir = tempfile.mkdtemp(prefix="auth-key-")
    os.chmod(sdir, 0o755)
    key = os.path.join(sdir, "jwt_hs256.key")
    shutil.copyfile(env["JWT_KEY"], key)
    pw = pwd.getpwnam("slurmrestd")
    os.chown(key, pw.pw_uid, pw.pw_gid)
    os.chmod(key, 0o600)
    d = Daemon("-u", "slurmrestd", "127.0.0.1:0",
               env=base_env(SLURM_CONF=env["SLURM_CONF"], SLURMRESTD_PAM_SERVICE=service, SLURMRESTD_JWT_KEY=key))
    try:
        assert any("verifying tokens locally with jwt_key=%s" % key in l for l in d.log_lines), d.log_lines
        st, doc = call(url(d), "GET", "/slurm/%s/diag" % v, headers=basic(user, password))
        assert st == 200 and doc["meta"]["client"]["user"] == user, doc
        st, _ = call(url(d), "GET", "/slurm/%s/diag" % v, headers=basic(user, "wrong"))
        assert st == 401
    finally:
        d.stop()
        shutil.rmtree(sdir, ignore_errors=True)
    assert "Traceback (most recent call last)" not in "\n".join(d.log_lines)
