"""Request coalescing against the real 26.05 controller (forky): with identical GETs
in flight all the time, a change made between two requests is seen by the second,
and callers with different credentials never share an answer.

Every job a test creates is held and cancelled at the end (``Jobs.cancel_all``).
"""

from __future__ import annotations

import threading
import time

import pytest

from clusters import our_daemon, read_env, token
from http_client import call
from jobs_helpers import Jobs, job_desc

pytestmark = pytest.mark.cluster

THREADS = 6


@pytest.fixture(scope="module", params=("forky",))
def cluster(request):
    return request.param, read_env(request.param)


@pytest.fixture(scope="module")
def ours(cluster):
    """Our daemon with coalescing on (as by default), enough workers for requests to overlap."""
    with our_daemon(cluster[1]["SLURM_CONF"], "-t", "8", SLURMRESTD_COALESCE="yes") as d:
        yield d


@pytest.fixture(scope="module")
def tokens(cluster):
    return {"alice": token(cluster[0], "alice"), "bob": token(cluster[0], "bob")}


@pytest.fixture()
def jobs(ours, tokens):
    j = Jobs("http://%s:%d" % ours.inet, tokens)
    yield j
    j.cancel_all()


class Hammer:
    """Threads sending the same GET over and over; each answer is kept with its send time."""

    def __init__(self, fn, threads: int = THREADS) -> None:
        self.fn = fn
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.seen: list[tuple[float, object]] = []
        self.threads = [threading.Thread(target=self._loop, daemon=True) for _ in range(threads)]

    def _loop(self) -> None:
        while not self.stop.is_set():
            sent = time.monotonic()
            got = self.fn()
            with self.lock:
                self.seen.append((sent, got))

    def __enter__(self) -> "Hammer":
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(60)
            assert not t.is_alive()


def test_a_change_between_two_requests_is_seen_by_the_second(jobs):
    st, doc = jobs.submit(job=job_desc(hold=True, comment="coalesce-0"))
    assert st == 200, doc
    jid = doc["job_id"]

    def comment():
        st, doc = jobs.get(jid)
        assert st == 200, doc
        return doc["jobs"][0]["comment"]

    updated: list[tuple[float, int]] = []  # (when the update had been answered, its number)
    with Hammer(comment) as hammer:
        for k in range(1, 9):
            st, doc = jobs.call("POST", "job/%d" % jid, body={"comment": "coalesce-%d" % k})
            assert st == 200 and doc["errors"] == [], doc
            updated.append((time.monotonic(), k))
            # the very next identical GET, sent while others are in flight, sees the change
            assert comment() == "coalesce-%d" % k
            time.sleep(0.05)
    assert len(hammer.seen) > 20
    # and so does every hammering GET sent after an update was answered
    for sent, got in hammer.seen:
        at_least = max((k for done, k in updated if done < sent), default=0)
        assert int(str(got).rsplit("-", 1)[1]) >= at_least, (sent, got, at_least)


def test_different_credentials_never_share(cluster, jobs, tokens):
    """PrivateData is off on the test cluster, so alice's and bob's lists hold the same jobs:
    the proof is in credentials that the controller answers differently, sent concurrently
    with the same path: a valid token, the same token claiming another user, a damaged copy."""
    st, doc = jobs.submit(job=job_desc(hold=True))
    assert st == 200, doc
    jid = doc["job_id"]
    base = jobs.base
    alice = tokens["alice"]
    damaged = alice[:-2] + ("AA" if not alice.endswith("AA") else "BB")
    path = "/slurm/v0.0.45/jobs"
    callers = {
        "alice": lambda: call(base, "GET", path, alice, "alice"),
        "bob": lambda: call(base, "GET", path, tokens["bob"], "bob"),
        "alice-token-as-bob": lambda: call(base, "GET", path, alice, "bob"),
        "damaged": lambda: call(base, "GET", path, damaged, "alice"),
    }
    # alone, one after the other: what each credential gets
    alone = {name: fn() for name, fn in callers.items()}
    assert alone["alice"][0] == alone["bob"][0] == 200
    assert jid in [j["job_id"] for j in alone["alice"][1]["jobs"]]
    assert alone["damaged"][0] != 200 and alone["alice-token-as-bob"][0] != 200
    hammers = {name: Hammer(fn, 3) for name, fn in callers.items()}
    for h in hammers.values():
        h.__enter__()
    time.sleep(3)
    for h in hammers.values():
        h.__exit__()
    for name, h in hammers.items():
        assert len(h.seen) > 3, name
        expected_status = alone[name][0]
        for _, (st, doc) in h.seen:
            assert st == expected_status, (name, st, doc)
            if st == 200:
                assert doc["meta"]["client"]["user"] == name
                assert jid in [j["job_id"] for j in doc["jobs"]]
            else:
                assert doc["errors"] == alone[name][1]["errors"], (name, doc)


def _metric(base: str, tok: str, name: str) -> float:
    st, text = call(base, "GET", "/metrics", tok)
    assert st == 200, text
    text = text.decode() if isinstance(text, bytes) else str(text)
    return sum(float(line.split()[-1]) for line in text.splitlines()
               if line.startswith(name + " ") or line.startswith(name + "{"))


@pytest.fixture(scope="module")
def ours_two_workers(cluster):
    """Two workers only: waiting requests must not need one each."""
    with our_daemon(cluster[1]["SLURM_CONF"], "-t", "2", SLURMRESTD_COALESCE="yes") as d:
        yield d


def test_parked_requests_share_beyond_the_worker_count(ours_two_workers, tokens):
    """12 clients, 2 workers: a waiting request holds no worker, so one execution answers
    more than two of them on average (with a worker held per waiter, 2 workers can never
    answer more than 2 requests per execution)."""
    base = "http://%s:%d" % ours_two_workers.inet
    alice = tokens["alice"]
    before_runs = _metric(base, alice, "slurmrestd_coalesce_executions_total")
    before_shared = _metric(base, alice, "slurmrestd_coalesce_shared_total")
    with Hammer(lambda: call(base, "GET", "/slurm/v0.0.45/diag", alice), 12) as hammer:
        time.sleep(3)
    answered = len(hammer.seen)
    assert answered > 30
    assert all(st == 200 and doc["errors"] == [] for _, (st, doc) in hammer.seen)
    sources = {doc["meta"]["client"]["source"] for _, (st, doc) in hammer.seen}
    assert len(sources) > 12  # each answer carries its own client's address (a new port per call)
    runs = _metric(base, alice, "slurmrestd_coalesce_executions_total") - before_runs
    shared = _metric(base, alice, "slurmrestd_coalesce_shared_total") - before_shared
    assert runs * 2 < answered, (runs, answered)
    assert shared > answered / 2, (shared, answered)
