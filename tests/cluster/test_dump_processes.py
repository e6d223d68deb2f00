"""Dump processes (``SLURMRESTD_DUMP_PROCESSES``, ``slurmrestd.offload``) against the real 26.05
controller: GET jobs with a long list answers the same with them as without (JSON and YAML,
every data parser version, concurrent callers of different users); the process belongs to the
daemon and ends with it, also when the daemon is killed; a killed dump process loses no request.

The jobs are held jobs of alice, cancelled at the end.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from clusters import read_env, token
from daemon import Daemon, base_env
from http_client import call
from jobs_helpers import Jobs, job_desc

pytestmark = pytest.mark.cluster

#: enough held jobs for a packed list above SLURMRESTD_DUMP_MIN_BYTES (set low below)
NJOBS = 40
VERSIONS = ("v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45")


def _children(pid: int) -> list[int]:
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if int(open("/proc/%s/stat" % name).read().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(name))
            except (OSError, IndexError, ValueError):
                pass
    return out


def _gone(pid: int, timeout: float = 15) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with open("/proc/%d/stat" % pid) as fh:
                if fh.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except OSError:
            return True
        time.sleep(0.1)
    return False


@pytest.fixture(scope="module")
def env():
    return read_env("forky")


@pytest.fixture(scope="module")
def tokens():
    return {u: token("forky", u) for u in ("alice", "bob")}


def _daemon(env, processes: str) -> Daemon:
    return Daemon("127.0.0.1:0", env=base_env(SLURM_CONF=env["SLURM_CONF"], SLURMRESTD_COALESCE="no",
                                              SLURMRESTD_JOB_LIST_CACHE="0", SLURMRESTD_DUMP_PROCESSES=processes,
                                              SLURMRESTD_DUMP_MIN_BYTES="1"))


@pytest.fixture(scope="module")
def pair(env, tokens):
    on, off = _daemon(env, "1"), _daemon(env, "0")
    bases = ["http://%s:%d" % d.inet for d in (on, off)]
    jobs = Jobs(bases[1], tokens)
    try:
        for i in range(NJOBS):
            st, doc = jobs.submit("alice", job=job_desc(name="dump-proc-%d" % i, hold=True))
            assert st == 200, doc
        yield on, off, bases, jobs
    finally:
        jobs.cancel_all()
        for d in (on, off):
            d.stop()
    for d in (on, off):
        log = "\n".join(d.log_lines)
        assert "Traceback" not in log, log[-3000:]


def _same(a, b) -> None:
    for doc in (a, b):
        doc["meta"]["client"].pop("source", None)
    assert a == b


def _wait_ready(d: Daemon, timeout: float = 60) -> list[int]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        kids = _children(d.proc.pid)
        if kids:
            return kids
        time.sleep(0.1)
    raise AssertionError("no dump process")


def _wait_idle(base: str, tok: str, timeout: float = 60) -> None:
    """Until the daemon's one dump process has warmed up and is idle."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        st, text = call(base, "GET", "/metrics", tok)
        if b'slurmrestd_dump_processes{state="idle"} 1.0' in text:
            return
        time.sleep(0.2)
    raise AssertionError("the dump process did not become idle")


@pytest.mark.parametrize("version", VERSIONS)
def test_a_long_list_answers_the_same_with_dump_processes(pair, tokens, version):
    on, off, (b_on, b_off), jobs = pair
    _wait_ready(on)
    for _ in range(3):  # the controller's list may change between the two calls: retry
        st1, a = call(b_on, "GET", "/slurm/%s/jobs" % version, tokens["alice"])
        st2, b = call(b_off, "GET", "/slurm/%s/jobs" % version, tokens["alice"])
        assert st1 == st2 == 200
        if a["last_update"] == b["last_update"]:
            break
    assert len(a["jobs"]) >= NJOBS
    _same(a, b)


def test_yaml_and_update_time_through_a_dump_process(pair, tokens):
    on, off, (b_on, b_off), jobs = pair
    for base in (b_on, b_off):
        st, raw = call(base, "GET", "/slurm/v0.0.45/jobs", tokens["alice"],
                       headers={"Accept": "application/yaml"})
        assert st == 200 and isinstance(raw, bytes) and raw.startswith(b"jobs:\n- ")
    st, doc = call(b_on, "GET", "/slurm/v0.0.45/jobs?update_time=%d" % (time.time() + 3600), tokens["alice"])
    assert st == 200 and doc["jobs"] == [] and doc["warnings"]


def test_concurrent_users_each_get_their_own_list(pair, tokens):
    on, off, (b_on, b_off), jobs = pair
    results: dict = {}

    def get(user, i):
        results[(user, i)] = call(b_on, "GET", "/slurm/v0.0.45/jobs", tokens[user], user)

    threads = [threading.Thread(target=get, args=(u, i)) for u in ("alice", "bob") for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(results) == 8 and all(st == 200 for st, _ in results.values())
    for (user, _), (_, doc) in results.items():
        assert doc["meta"]["client"]["user"] == user
        assert len(doc["jobs"]) >= NJOBS  # PrivateData is off: everyone sees every job


def test_a_killed_dump_process_loses_no_request(pair, tokens):
    on, off, (b_on, b_off), jobs = pair
    first = _wait_ready(on)
    for pid in first:
        os.kill(pid, signal.SIGKILL)
    st, doc = call(b_on, "GET", "/slurm/v0.0.45/jobs", tokens["alice"])
    assert st == 200 and len(doc["jobs"]) >= NJOBS and not doc["errors"]
    end = time.monotonic() + 60
    while time.monotonic() < end and not (set(_children(on.proc.pid)) - set(first)):
        time.sleep(0.2)
    assert set(_children(on.proc.pid)) - set(first), "the dump process was not replaced"
    st, doc = call(b_on, "GET", "/slurm/v0.0.45/jobs", tokens["alice"])
    assert st == 200 and len(doc["jobs"]) >= NJOBS


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_dump_processes_end_with_the_daemon(env, sig):
    d = _daemon(env, "1")
    kids = _wait_ready(d)
    d.stop(sig)
    for pid in kids:
        assert _gone(pid), "dump process %d outlived the daemon (%s)" % (pid, sig.name)


@pytest.mark.skipif(os.geteuid() != 0, reason="the user switch needs root")
def test_dump_processes_take_the_daemons_user(env, tokens, pair):
    import pwd

    user = pwd.getpwnam("slurmrestd")
    d = Daemon("-u", "slurmrestd", "127.0.0.1:0",
               env=base_env(SLURM_CONF=env["SLURM_CONF"], SLURMRESTD_COALESCE="no", SLURMRESTD_JOB_LIST_CACHE="0",
                            SLURMRESTD_DUMP_PROCESSES="1", SLURMRESTD_DUMP_MIN_BYTES="1"))
    try:
        kids = _wait_ready(d)
        base = "http://%s:%d" % d.inet
        _wait_idle(base, tokens["alice"])
        for pid in kids:
            with open("/proc/%d/status" % pid) as fh:
                uids = next(l for l in fh if l.startswith("Uid:")).split()[1:]
            assert {int(u) for u in uids} == {user.pw_uid}
        st, doc = call(base, "GET", "/slurm/v0.0.45/jobs", tokens["alice"])
        assert st == 200 and len(doc["jobs"]) >= NJOBS and not doc["errors"]
        st, text = call(base, "GET", "/metrics", tokens["alice"])
        assert b'slurmrestd_dump_lists_total{where="process"} 1.0' in text
    finally:
        d.stop()
    assert "Traceback" not in "\n".join(d.log_lines)


def test_a_sigterm_to_the_process_group_finishes_lists_and_replaces_nothing(env, tokens, pair):
    """systemd and a terminal's ^\\ send SIGTERM to the whole group: the dump process is the
    daemon's, so it keeps working until the daemon has finished its requests and closes it."""
    d = _daemon(env, "1")
    try:
        kids = _wait_ready(d)
        base = "http://%s:%d" % d.inet
        _wait_idle(base, tokens["alice"])
        for pid in kids:
            os.kill(pid, signal.SIGTERM)
        time.sleep(0.5)
        assert all(not _gone(pid, timeout=0) for pid in kids), "a dump process died of SIGTERM"
        st, doc = call(base, "GET", "/slurm/v0.0.45/jobs", tokens["alice"])
        assert st == 200 and len(doc["jobs"]) >= NJOBS and not doc["errors"]
        st, text = call(base, "GET", "/metrics", tokens["alice"])
        assert b'slurmrestd_dump_lists_total{where="process"} 1.0' in text
        assert b"slurmrestd_dump_process_failures_total 0.0" in text
        assert d.stop(signal.SIGTERM) == 0
        for pid in kids:
            assert _gone(pid), "dump process %d outlived the daemon" % pid
        assert set(_children(d.proc.pid)) <= set(kids)
    finally:
        d.stop()
    log = "\n".join(d.log_lines)
    assert "Traceback" not in log and "dump process" not in log.replace("dump processes", ""), log[-3000:]
