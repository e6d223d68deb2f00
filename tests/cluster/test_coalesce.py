"""Request coalescing against the real 26.05 controller (forky): with identical GETs
in flight all the time, a change made between two requests is seen by the second,
and callers with different credentials never share an answer.

Two kinds of proof, for every coalesced GET that reads slurmctld (ping, diag, jobs, nodes,
partitions, reservations, licenses, shares, ...) or slurmdbd (the slurmdb GETs):

* through forwarders that hold our daemon's RPCs (``gated_proxy``): a request that arrives
  while an identical RPC is held in flight never takes that RPC's answer, it gets an RPC of
  its own that starts after it arrived (and shares it with everyone who arrived meanwhile);
  two credentials never share one RPC, not even two tokens of one user;
* against the live controller and slurmdbd: a change made between two requests (a job's
  comment, slurmctld's RPC count for a user, an account's description) is seen by the second,
  and by every hammering request sent after the change was answered; many threads with
  different credentials hammering one path each get their own answer.

Every job a test creates is held and cancelled at the end (``Jobs.cancel_all``); the
account one test creates is deleted.
"""

from __future__ import annotations

import os
import threading
import time

import pytest

from clusters import our_daemon, read_env, token
from gated_proxy import GatedConf
from http_client import call
from jobs_helpers import Jobs, job_desc

pytestmark = pytest.mark.cluster

THREADS = 6
V = "v0.0.45"

#: coalesced GETs answered from slurmctld (paths under /slurm/v0.0.45/)
CTLD_PATHS = ("ping", "diag", "jobs", "nodes", "node/n1", "partitions", "partition/debug", "reservations",
              "licenses", "shares", "jobs/state")
#: coalesced GETs answered from slurmdbd (paths under /slurmdb/v0.0.45/)
DBD_PATHS = ("accounts/", "account/testacct", "associations/", "qos/", "users/", "user/alice", "clusters/",
             "tres/", "wckeys/", "diag/", "instances/", "jobs/?users=alice&start_time=now-1hour")
#: messages a request of these slurmctld paths sends before it reads a reply (GET nodes sends
#: the node and the partition request together); the others send one
SENT_TOGETHER = {"nodes": 2}


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


def run_together(hammers, min_each: int = 4, least_s: float = 2.0, most_s: float = 60.0) -> None:
    """Run the hammers at once for ``least_s``, and longer (up to ``most_s``) until each has
    ``min_each`` answers: a busy machine or a long job list must not make the proof thin."""
    for h in hammers:
        h.__enter__()
    start = time.monotonic()
    try:
        while time.monotonic() - start < most_s:
            time.sleep(0.1)
            if time.monotonic() - start >= least_s and all(len(h.seen) >= min_each for h in hammers):
                break
    finally:
        for h in hammers:
            h.__exit__()


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
    run_together(hammers.values(), min_each=4, least_s=3)
    for name, h in hammers.items():
        assert len(h.seen) >= 4, name
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
    """Two workers only: waiting requests must not need one each.  Every request runs on
    them (SLURMRESTD_INLINE=no: GET diag would otherwise run on the loop thread)."""
    with our_daemon(cluster[1]["SLURM_CONF"], "-t", "2", SLURMRESTD_COALESCE="yes", SLURMRESTD_INLINE="no") as d:
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


# -- held RPCs: a request arriving during an identical RPC gets the next one -------------------------

@pytest.fixture(scope="module")
def gated(cluster):
    """Our daemon (coalescing on, 8 workers) reaching slurmctld and slurmdbd through gated
    forwarders: (daemon, conf with .ctld and .dbd)."""
    conf = GatedConf(cluster[1])
    try:
        with our_daemon(conf.path, "-t", "8", SLURMRESTD_COALESCE="yes") as d:
            yield d, conf
    finally:
        conf.close()


class Sent:
    """One GET on its own thread: ``done`` is set when answered; ``answer`` is (status, doc)."""

    def __init__(self, base: str, path: str, tok: str, user: str = "alice") -> None:
        self.answer = None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(base, path, tok, user), daemon=True)
        self.thread.start()

    def _run(self, base, path, tok, user) -> None:
        try:
            self.answer = call(base, "GET", path, tok, user, timeout=60)
        finally:
            self.done.set()

    def wait(self):
        assert self.done.wait(60), "no answer"
        return self.answer


def _path(kind: str, p: str) -> str:
    return ("/slurm/%s/%s" if kind == "ctld" else "/slurmdb/%s/%s") % (V, p)


def _lone_messages(base: str, proxy, path: str, tok: str) -> int:
    """Messages one request sends when alone (twice, to be sure nothing else talks)."""
    counts = []
    for _ in range(3):
        before = proxy.messages
        st, doc = call(base, "GET", path, tok)
        assert st < 500, (path, st, doc)  # some slurmdb lists are refused to a plain user (422): shared too
        time.sleep(0.05)
        counts.append(proxy.messages - before)
    assert counts[1] == counts[2] and counts[1] > 0, (path, counts)
    return counts[1]


def _held(proxy, base: str, path: str, first_tok: str, later: list[tuple[str, str]]):
    """Hold the RPC of a first request, send ``later`` (token, user) requests while it is in
    flight, check none of them starts an RPC or is answered meanwhile, release; returns
    (messages from the hold to the end, answers of the later requests)."""
    start = proxy.messages
    proxy.hold()
    try:
        first = Sent(base, path, first_tok)
        assert proxy.wait_messages(start + 1), "the first request sent nothing"
        joined = [Sent(base, path, tok, user) for tok, user in later]
        time.sleep(0.4)  # they have arrived; the identical ones wait for the next execution
        assert not first.done.is_set()
        assert not any(j.done.is_set() for j, (tok, user) in zip(joined, later)
                       if (tok, user) == (first_tok, "alice")), "answered while the identical RPC was held"
        held = proxy.messages - start
    finally:
        proxy.release()
    first_answer = first.wait()
    answers = [j.wait() for j in joined]
    time.sleep(0.05)
    return held, proxy.messages - start, first_answer, answers


@pytest.mark.parametrize("kind,p", [("ctld", p) for p in CTLD_PATHS] + [("dbd", p) for p in DBD_PATHS])
def test_a_request_arriving_during_an_identical_rpc_gets_a_new_one(gated, tokens, kind, p):
    """The first request's RPC is held in flight; a request sent meanwhile must not take its
    answer (that RPC started before it arrived): exactly one more execution follows, and the
    six requests sent during the hold all share that one."""
    d, conf = gated
    proxy = conf.ctld if kind == "ctld" else conf.dbd
    base, path, alice = "http://%s:%d" % d.inet, _path(kind, p), tokens["alice"]
    k = _lone_messages(base, proxy, path, alice)
    # one request arriving during the held RPC: an execution of its own after the first
    together = SENT_TOGETHER.get(p, 1) if kind == "ctld" else 1
    held, total, first, (second,) = _held(proxy, base, path, alice, [(alice, "alice")])
    assert held == together, (path, held)  # only the first request's first message(s): the second waited
    assert total == 2 * k, (path, total, k)  # it did not take the held answer: it got the next RPC
    assert first[0] == second[0] and first[0] < 500, (path, first, second)
    # six arriving during the held RPC: together they share the one next execution
    held, total, first, answers = _held(proxy, base, path, alice, [(alice, "alice")] * 6)
    assert held == together and total == 2 * k, (path, held, total, k)
    assert all(a[0] == first[0] for a in answers), (path, answers)
    if kind == "ctld" and p == "ping":  # the held answer measured the hold; the later ones did not
        lat = [a[1]["pings"][0]["latency"] for a in answers]
        assert first[1]["pings"][0]["latency"] >= 300_000 > max(lat), (first[1]["pings"], lat)


@pytest.mark.parametrize("kind,p", [("ctld", "ping"), ("ctld", "jobs"), ("ctld", "nodes"), ("dbd", "accounts/"),
                                    ("dbd", "qos/")])
def test_two_credentials_never_share_one_rpc(gated, cluster, tokens, kind, p):
    """During a held RPC, requests with alice's token, another token of alice, bob's token and
    alice's token claiming bob arrive together: each credential gets an execution of its own
    (or its own refusal) — one per distinct credential after the held one."""
    d, conf = gated
    proxy = conf.ctld if kind == "ctld" else conf.dbd
    base, path, alice = "http://%s:%d" % d.inet, _path(kind, p), tokens["alice"]
    alice2 = token(cluster[0], "alice", 3599)
    assert alice2 != alice
    later = [(alice, "alice"), (alice2, "alice"), (tokens["bob"], "bob"), (alice, "bob")] * 2
    alone = {cred: call(base, "GET", path, *cred) for cred in later[:4]}
    k = _lone_messages(base, proxy, path, alice)
    held, total, first, answers = _held(proxy, base, path, alice, later)
    # during the hold: the first request's message, and at least one each for alice's other token
    # and bob (nothing of theirs was running, so they start at once, on RPCs of their own)
    assert held >= 3, (path, held)
    # after it: alice's next execution too (the held answer is not hers to take)
    assert total >= 4 * k, (path, held, total, k)
    for cred, (st, doc) in zip(later, answers):
        assert st == alone[cred][0], (cred[1], st, doc)
        if st == 200:  # the caller's own answer: its user, and (ping) what slurmctld said to it
            assert doc["meta"]["client"]["user"] == alone[cred][1]["meta"]["client"]["user"]
            assert cred == (alice, "bob") or doc["meta"]["client"]["user"] == cred[1]
            if p == "ping":
                assert doc["pings"][0]["responding"] == alone[cred][1]["pings"][0]["responding"]
        else:
            assert doc["errors"] == alone[cred][1]["errors"], (cred[1], doc)
    assert alone[later[3]] != alone[later[0]]  # alice's token claiming bob is answered differently


# -- live changes between two requests ---------------------------------------------------------------

def test_diag_sees_an_rpc_made_between_two_requests(ours, cluster, tokens):
    """slurmctld's per-user RPC count (diag) of bench8, a user only this test sends RPCs as: after
    each ping as bench8 is answered, the next diag, and every hammering diag sent afterwards,
    counts it."""
    base = "http://%s:%d" % ours.inet
    alice, b8 = tokens["alice"], token(cluster[0], "bench8")

    def count():
        st, doc = call(base, "GET", "/slurm/%s/diag" % V, alice)
        assert st == 200, doc
        return {r["user"]: r["count"] for r in doc["statistics"]["rpcs_by_user"]}.get("bench8", 0)

    start = count()
    made: list[tuple[float, int]] = []
    with Hammer(count, 8) as hammer:
        for k in range(1, 11):
            st, doc = call(base, "GET", "/slurm/%s/ping" % V, b8, "bench8")
            assert st == 200, doc
            made.append((time.monotonic(), k))
            assert count() >= start + k
    assert len(hammer.seen) > 20
    for sent, got in hammer.seen:
        at_least = max((k for done, k in made if done < sent), default=0)
        assert got >= start + at_least, (sent, got, start, at_least)


def test_slurmdb_sees_a_change_made_between_two_requests(ours, cluster):
    """An account's description changed (POST slurmdb accounts) while GET account/NAME is
    hammered by 8 threads: the next GET, and every GET sent after the change was answered,
    shows it."""
    base = "http://%s:%d" % ours.inet
    root = token(cluster[0], "root")
    name = "coalesce%d" % (os.getpid() % 100000)

    def post(desc):
        st, doc = call(base, "POST", "/slurmdb/%s/accounts/" % V, root, "root",
                       body={"accounts": [{"name": name, "description": desc, "organization": "coalesce"}]})
        assert st == 200 and doc["errors"] == [], doc

    def described():
        st, doc = call(base, "GET", "/slurmdb/%s/account/%s" % (V, name), root, "root")
        assert st == 200 and len(doc["accounts"]) == 1, doc
        return doc["accounts"][0]["description"]

    post("coalesce-0")
    try:
        updated: list[tuple[float, int]] = []
        with Hammer(described, 8) as hammer:
            for k in range(1, 9):
                post("coalesce-%d" % k)
                updated.append((time.monotonic(), k))
                assert described() == "coalesce-%d" % k
        assert len(hammer.seen) > 20
        for sent, got in hammer.seen:
            at_least = max((k for done, k in updated if done < sent), default=0)
            assert int(got.rsplit("-", 1)[1]) >= at_least, (sent, got, at_least)
    finally:
        call(base, "DELETE", "/slurmdb/%s/account/%s" % (V, name), root, "root")


@pytest.mark.parametrize("path", ["/slurm/%s/%s" % (V, p) for p in CTLD_PATHS]
                         + ["/slurmdb/%s/%s" % (V, p) for p in DBD_PATHS])
def test_many_callers_on_one_path_each_get_their_own_answer(ours, cluster, tokens, path):
    """Four credentials (alice, bob, alice's token claiming bob, a damaged copy of alice's),
    four threads each, on one path at once: every answer has its own caller's status and
    user, and the daemon did share executions meanwhile (so coalescing was at work)."""
    base = "http://%s:%d" % ours.inet
    alice = tokens["alice"]
    damaged = alice[:-2] + ("AA" if not alice.endswith("AA") else "BB")
    callers = {"alice": (alice, "alice"), "bob": (tokens["bob"], "bob"), "alice-token-as-bob": (alice, "bob"),
               "damaged": (damaged, "alice")}
    alone = {n: call(base, "GET", path, t, u) for n, (t, u) in callers.items()}
    assert alone["alice"][0] == alone["bob"][0] < 500, alone["alice"]  # some are refused to plain users (422)

    def seen_as(answer):  # what tells callers' answers apart: status, user, errors, ping's verdict
        st, doc = answer
        if not isinstance(doc, dict):
            return st, doc
        return (st, (doc.get("meta") or {}).get("client", {}).get("user"), doc.get("errors"),
                [x.get("responding") for x in doc.get("pings", [])])

    # alice's token claiming bob and the damaged token: refused, or (ping) told by slurmctld that it
    # does not answer them
    assert seen_as(alone["alice-token-as-bob"]) != seen_as(alone["alice"])
    assert seen_as(alone["damaged"]) != seen_as(alone["alice"])
    shared0 = _metric(base, alice, "slurmrestd_coalesce_shared_total")
    hammers = {n: Hammer(lambda t=t, u=u: call(base, "GET", path, t, u), 4) for n, (t, u) in callers.items()}
    run_together(hammers.values(), min_each=4)
    assert _metric(base, alice, "slurmrestd_coalesce_shared_total") > shared0
    for name, h in hammers.items():
        assert len(h.seen) >= 4, name
        for _, answer in h.seen:
            assert seen_as(answer) == seen_as(alone[name]), (name, answer)
