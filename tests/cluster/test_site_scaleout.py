"""Scale-out: two instances of our daemon behind nginx on loopback, configured by
etc/nginx-slurmrestd-balancer.conf.example itself (only the ports substituted).  A client
runs the seed walkthrough through the balancer, round after round; one instance is
killed (SIGKILL) in the middle of the run.  Every round still completes, and every job
the client submitted exists in slurmctld exactly once: none lost, none doubled."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time

import pytest

from clusters import REF_VERSIONS
from daemon import ROOT, Daemon, base_env
from http_client import call
from walkthrough import RENAMED, Walkthrough

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

EXAMPLE = os.path.join(ROOT, "etc", "nginx-slurmrestd-balancer.conf.example")
ROUNDS = 6
KILL_AFTER_ROUNDS = 2


def nginx_binary() -> str:
    path = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    if not path:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("nginx is required in CI (scripts/ensure_tools.sh installs it)")
        pytest.skip("nginx not installed (scripts/ensure_tools.sh)")
    return path


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Nginx:
    """nginx in the foreground with the example balancer config, in a private prefix."""

    def __init__(self, tmp, ports: tuple[int, int]) -> None:
        self.port = free_port()
        text = open(EXAMPLE).read()
        for old, new in (("127.0.0.1:6820", "127.0.0.1:%d" % ports[0]), ("127.0.0.1:6821", "127.0.0.1:%d" % ports[1]),
                         ("listen 127.0.0.1:8080", "listen 127.0.0.1:%d" % self.port)):
            assert old in text, old
            text = text.replace(old, new)
        (tmp / "balancer.conf").write_text(text)
        for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (tmp / d).mkdir()
        user = "user root;\n" if os.getuid() == 0 else ""
        (tmp / "nginx.conf").write_text(
            "%sworker_processes 1;\npid %s/nginx.pid;\nerror_log %s/error.log info;\n"
            "events { worker_connections 256; }\n"
            "http {\n  access_log %s/access.log;\n"
            "  client_body_temp_path %s/body;\n  proxy_temp_path %s/proxy;\n  fastcgi_temp_path %s/fastcgi;\n"
            "  uwsgi_temp_path %s/uwsgi;\n  scgi_temp_path %s/scgi;\n  include %s/balancer.conf;\n}\n"
            % ((user,) + (tmp,) * 9))
        self.tmp = tmp
        binary = nginx_binary()
        check = subprocess.run([binary, "-t", "-p", str(tmp), "-c", str(tmp / "nginx.conf")],
                               capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stderr
        self.proc = subprocess.Popen([binary, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        end = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                assert self.proc.poll() is None, self.proc.stderr.read()
                assert time.monotonic() < end, "nginx did not start"
                time.sleep(0.1)

    @property
    def base(self) -> str:
        return "http://127.0.0.1:%d" % self.port

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def num(v):
    if isinstance(v, dict):
        return v.get("number", 0) if v.get("set", True) else 0
    return v or 0


def group_id(job: dict) -> int:
    """The id a submission answered for this record: its het leader, array or own id."""
    return num(job.get("het_job_id")) or num(job.get("array_job_id")) or job["job_id"]


def test_two_instances_behind_nginx_lose_no_job_when_one_is_killed(cluster, tmp_path, alice_token):
    suite, env = cluster
    version = REF_VERSIONS[suite][-1]
    denv = base_env(SLURM_CONF=env["SLURM_CONF"])
    a, b = Daemon("127.0.0.1:0", env=denv), Daemon("127.0.0.1:0", env=denv)
    nginx = None
    prefix = "site_scale_%s_%d" % (suite, os.getpid())
    w = None
    try:
        nginx = Nginx(tmp_path, (a.inet[1], b.inet[1]))
        w = Walkthrough(nginx.base, version, alice_token, "alice", prefix)
        killed = threading.Event()

        def killer():
            while w.steps < KILL_AFTER_ROUNDS:
                time.sleep(0.01)
            time.sleep(0.05)  # in the middle of the next round
            a.proc.kill()
            killed.set()

        t = threading.Thread(target=killer, daemon=True)
        t.start()
        for _ in range(ROUNDS):
            w.run_once()
        t.join(10)
        assert killed.is_set() and a.proc.wait(10) == -9
        assert w.steps == ROUNDS and len(w.submitted) == 3 * ROUNDS

        # both instances served the run before the kill; B alone after it
        served_a = sum("operations_router" in line for line in a.log_lines)
        served_b = sum("operations_router" in line for line in b.log_lines)
        assert served_a > 0 and served_b > 0, (served_a, served_b)

        # every confirmed submission is in slurmctld, exactly once
        st, doc = call("http://%s:%d" % b.inet, "GET", "/slurm/%s/jobs/" % version, alice_token)
        assert st == 200, doc
        groups: dict[str, set[int]] = {}
        for job in doc["jobs"]:
            name = (job.get("name") or "").removesuffix(RENAMED)
            if name.startswith(prefix + "_"):
                groups.setdefault(name, set()).add(group_id(job))
        for name, jid in w.submitted.items():
            assert groups.get(name) == {jid}, (name, jid, groups.get(name))
        assert set(groups) == set(w.submitted)
        assert "Traceback" not in "\n".join(b.log_lines)
    finally:
        if w is not None:
            for jid in set(w.submitted.values()):
                call("http://%s:%d" % b.inet, "DELETE", "/slurm/%s/job/%d" % (version, jid), alice_token)
            w.close()
        if nginx is not None:
            nginx.stop()
        a.stop()
        b.stop()
