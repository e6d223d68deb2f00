"""Request coalescing: identical concurrent read-only GETs share one execution, and an
answer never comes from an execution that started before its request arrived.

Threads and a slow fake execution (gated by events, so nothing depends on timing
except the bounded-wait test); no controller is involved.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import replace

import orjson
import pytest

from slurmrestd.auth import Identity
from slurmrestd.cli import UsageError, parse
from slurmrestd.errors import E
from slurmrestd.http.events import Request
from slurmrestd.http.headers import Headers
from slurmrestd.http.server import Deferred
from slurmrestd.operations import bind_operations, plugins
from slurmrestd.operations.app import RestApp
from slurmrestd.operations.coalesce import NOT_COALESCED, CoalesceTimeout, SingleFlight, coalescable
from slurmrestd.operations.router import Binding, Router
from slurmrestd.settings import Limits, Settings

WAIT = 10.0  # generous bound for the gated tests: they never get near it


def until(cond, what, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.002)


class Runner:
    """Calls ``fn`` on threads; keeps every outcome (value or exception) in call order."""

    def __init__(self):
        self.threads: list[threading.Thread] = []
        self.outcomes: dict[int, object] = {}

    def start(self, fn) -> int:
        i = len(self.threads)

        def body():
            try:
                self.outcomes[i] = fn()
            except BaseException as e:  # noqa: BLE001 - the test inspects it
                self.outcomes[i] = e

        t = threading.Thread(target=body, daemon=True)
        self.threads.append(t)
        t.start()
        return i

    def join(self):
        for t in self.threads:
            t.join(WAIT)
            assert not t.is_alive(), "a request hangs"
        return [self.outcomes[i] for i in range(len(self.threads))]


class GatedExecution:
    """A slow execution: each run takes a number, then blocks until its gate opens."""

    def __init__(self, fail_on: int | None = None):
        self.lock = threading.Lock()
        self.started = 0
        self.gates: dict[int, threading.Event] = {}
        self.fail_on = fail_on

    def gate(self, n):
        with self.lock:
            return self.gates.setdefault(n, threading.Event())

    def __call__(self):
        with self.lock:
            self.started += 1
            n = self.started
        assert self.gate(n).wait(WAIT)
        if n == self.fail_on:
            raise RuntimeError("execution %d failed" % n)
        return "answer %d" % n


# -- SingleFlight on its own -------------------------------------------------

def test_concurrent_identical_requests_share_the_next_execution():
    sf, ex, r = SingleFlight(wait_s=WAIT), GatedExecution(), Runner()
    r.start(lambda: sf.run("k", ex))
    until(lambda: ex.started == 1, "the first execution")
    for _ in range(9):
        r.start(lambda: sf.run("k", ex))
    until(lambda: sf.waiting("k") == 9, "nine joiners")
    ex.gate(1).set()
    until(lambda: ex.started == 2, "the shared execution")
    ex.gate(2).set()
    answers = r.join()
    assert answers[0] == "answer 1"
    # arrived while execution 1 ran: never its answer, all the next one's
    assert answers[1:] == ["answer 2"] * 9
    # the nine joiners were parked: none ran it, the first request's thread ran it for them
    assert ex.started == 2 and sf.executions == 2 and sf.shared == 9
    assert sf.in_flight() == 0


def test_request_arriving_during_an_execution_gets_the_next_one():
    sf, ex, r = SingleFlight(wait_s=WAIT), GatedExecution(), Runner()
    r.start(lambda: sf.run("k", ex))
    until(lambda: ex.started == 1, "the first execution")
    r.start(lambda: sf.run("k", ex))
    until(lambda: sf.waiting("k") == 1, "the late request")
    ex.gate(1).set()
    until(lambda: ex.started == 2, "the late request's own execution")
    # a third request arrives while the second execution runs: it must not get answer 2
    r.start(lambda: sf.run("k", ex))
    until(lambda: sf.waiting("k") == 1, "the third request")
    ex.gate(2).set()
    until(lambda: ex.started == 3, "the third execution")
    ex.gate(3).set()
    assert r.join() == ["answer 1", "answer 2", "answer 3"]
    # the two late requests were parked and answered by the first request's thread
    assert sf.executions == 3 and sf.shared == 2


def test_the_leader_is_answered_while_later_executions_go_on():
    """With a pool to hand later executions to, the leader's call returns once its own
    execution ends, even while identical requests keep the key busy."""
    from slurmrestd.conmgr import WorkerPool
    pool = WorkerPool(2, name="test-coalesce")
    try:
        sf, ex, r = SingleFlight(wait_s=WAIT, spawn=lambda run, inline: pool.submit(run)), GatedExecution(), Runner()
        leader = r.start(lambda: sf.run("k", ex))
        until(lambda: ex.started == 1, "the first execution")
        r.start(lambda: sf.run("k", ex))
        until(lambda: sf.waiting("k") == 1, "the late request")
        ex.gate(1).set()
        until(lambda: ex.started == 2, "the late request's execution, on the pool")
        # the second execution is still held: the leader must be done all the same
        r.threads[leader].join(WAIT)
        assert not r.threads[leader].is_alive() and r.outcomes[leader] == "answer 1"
        r.start(lambda: sf.run("k", ex))
        until(lambda: sf.waiting("k") == 1, "a third request")
        ex.gate(2).set()
        until(lambda: ex.started == 3, "the third execution")
        ex.gate(3).set()
        assert r.join() == ["answer 1", "answer 2", "answer 3"]
        assert sf.executions == 3 and sf.in_flight() == 0
    finally:
        pool.shutdown(timeout=1.0)


def test_answers_are_never_older_than_their_request_under_load():
    sf = SingleFlight(wait_s=WAIT)
    ticks = itertools.count()
    tick_lock = threading.Lock()

    def now():
        with tick_lock:
            return next(ticks)

    def execute():
        started = now()
        time.sleep(0.002)
        return started

    def request():
        arrived = now()
        return arrived, sf.run("k", execute)

    r = Runner()
    for _ in range(60):
        r.start(request)
    results = r.join()
    assert all(started > arrived for arrived, started in results)
    assert sf.executions < 60 and sf.answered == 60 and sf.shared < 60


def test_different_keys_never_share():
    sf, ex, r = SingleFlight(wait_s=WAIT), GatedExecution(), Runner()
    r.start(lambda: sf.run("a", ex))
    until(lambda: ex.started == 1, "a")
    r.start(lambda: sf.run("b", ex))
    until(lambda: ex.started == 2, "b runs at once, not behind a")
    ex.gate(1).set()
    ex.gate(2).set()
    assert sorted(r.join()) == ["answer 1", "answer 2"]
    assert sf.shared == 0


def test_a_failing_execution_wakes_every_joiner_with_its_error():
    sf, ex, r = SingleFlight(wait_s=WAIT), GatedExecution(fail_on=2), Runner()
    r.start(lambda: sf.run("k", ex))
    until(lambda: ex.started == 1, "the first execution")
    for _ in range(5):
        r.start(lambda: sf.run("k", ex))
    until(lambda: sf.waiting("k") == 5, "five joiners")
    ex.gate(1).set()
    until(lambda: ex.started == 2, "the shared execution")
    ex.gate(2).set()
    outcomes = r.join()
    assert outcomes[0] == "answer 1"
    errors = outcomes[1:]
    assert all(isinstance(e, RuntimeError) and str(e) == "execution 2 failed" for e in errors)
    assert len({id(e) for e in errors}) == 1  # the same error, from the one execution
    assert sf.in_flight() == 0
    # and the key is usable again
    ex.gate(3).set()
    assert sf.run("k", ex) == "answer 3"


def test_waiting_is_bounded():
    sf, ex, r = SingleFlight(wait_s=0.2), GatedExecution(), Runner()
    r.start(lambda: sf.run("k", ex))
    until(lambda: ex.started == 1, "the first execution")
    r.start(lambda: sf.run("k", ex))
    late = r.threads[1]
    late.join(WAIT)
    assert not late.is_alive()
    assert isinstance(r.outcomes[1], CoalesceTimeout)
    assert r.outcomes[1].errno == E.SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT
    ex.gate(1).set()
    assert r.join()[0] == "answer 1"
    assert ex.started == 1 and sf.in_flight() == 0  # the timed-out request left nothing behind


def test_disabled_every_request_executes():
    sf, ex, r = SingleFlight(enabled=False), GatedExecution(), Runner()
    for _ in range(4):
        r.start(lambda: sf.run("k", ex))
    until(lambda: ex.started == 4, "four executions at once")
    for n in range(1, 5):
        ex.gate(n).set()
    assert sorted(r.join()) == ["answer %d" % n for n in range(1, 5)]
    assert sf.executions == 4 and sf.shared == 0


def test_joining_holds_no_thread():
    """submit() returns at once for a request that joins; the leader's thread delivers later."""
    sf, ex, r = SingleFlight(wait_s=WAIT), GatedExecution(), Runner()
    got: list = []
    r.start(lambda: sf.submit("k", ex, lambda v, e: got.append(("leader", v, e))))
    until(lambda: ex.started == 1, "the first execution")
    for i in range(20):  # all from this one thread: none of them blocks it
        sf.submit("k", ex, lambda v, e, i=i: got.append((i, v, e)))
    assert sf.waiting("k") == 20 and got == []
    ex.gate(1).set()
    until(lambda: ex.started == 2, "the shared execution")
    ex.gate(2).set()
    r.join()
    assert got[0] == ("leader", "answer 1", None)
    assert sorted(got[1:]) == [(i, "answer 2", None) for i in range(20)]
    assert sf.in_flight() == 0 and sf.answered == 21


def test_a_parked_request_times_out_while_the_execution_goes_on():
    sf, ex, r = SingleFlight(wait_s=0.2), GatedExecution(), Runner()
    got: list = []
    r.start(lambda: sf.submit("k", ex, lambda v, e: got.append(("leader", v))))
    until(lambda: ex.started == 1, "the first execution")
    sf.submit("k", ex, lambda v, e: got.append(("late", e)))
    until(lambda: len(got) == 1, "the watchdog")
    assert got[0][0] == "late" and isinstance(got[0][1], CoalesceTimeout)
    ex.gate(1).set()
    r.join()
    assert got[1] == ("leader", "answer 1") and ex.started == 1 and sf.in_flight() == 0


# -- through the pipeline ------------------------------------------------------

class FakeConn:
    def __init__(self, n=1):
        self.name = "client:%d" % n


class HeaderAuth:
    """rest_auth/jwt-like: the token and user come from the headers."""

    def authenticate(self, headers, conn):
        return Identity("rest_auth/jwt", headers.get("x-slurm-user-name"),
                        token=headers.get("x-slurm-user-token"))


class FakeSite:
    def __init__(self, settings=None):
        self.settings = settings or Settings()

    def meta(self, binding, conn, identity):
        return {"client": {"source": conn.name, "user": identity.user_name}}


class EchoHandler(GatedExecution):
    """A slow handler answering with what it was asked and the run number."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def __call__(self, ctx):
        with self.lock:
            self.started += 1
            n = self.started
            self.seen.append(ctx)
        assert self.gate(n).wait(WAIT)
        return {"run": n, "user": ctx.identity.user_name, "token": ctx.identity.token,
                "query": ctx.query, "version": ctx.version}


def make_app(handler, settings=None):
    router = Router()
    for v in ("v0.0.44", "v0.0.45"):
        router.add(Binding("/slurm/%s/thing" % v, "GET", handler, "openapi/slurmctld", v,
                           coalesce=True))
        router.add(Binding("/slurm/%s/other" % v, "GET", handler, "openapi/slurmctld", v))
    return RestApp(router, [HeaderAuth()], FakeSite(settings))


def get(app, conn=1, path="/slurm/v0.0.45/thing", query="", token="tok-a", user="alice",
        accept="application/json"):
    headers = Headers([("x-slurm-user-token", token), ("x-slurm-user-name", user), ("accept", accept)])
    resp = app(Request("GET", path, path, query, "1.1", headers, b"", True), FakeConn(conn))
    # a request parked until a shared run ends is answered later, from that run's thread
    return resp.wait(WAIT) if isinstance(resp, Deferred) else resp


def test_pipeline_shares_the_result_but_not_the_envelope():
    h = EchoHandler()
    app, r = make_app(h), Runner()
    r.start(lambda: get(app, 1))
    until(lambda: h.started == 1, "the first request")
    for c in (2, 3, 4):
        r.start(lambda c=c: get(app, c))
    until(lambda: app.single_flight.waiting(next(iter(app.single_flight._slots))) == 3, "joiners")
    h.gate(1).set()
    until(lambda: h.started == 2, "the shared run")
    h.gate(2).set()
    docs = [orjson.loads(resp.body) for resp in r.join()]
    assert [d["run"] for d in docs] == [1, 2, 2, 2]
    assert [d["meta"]["client"]["source"] for d in docs] == ["client:%d" % c for c in (1, 2, 3, 4)]
    assert all(d["errors"] == [] and d["warnings"] == [] for d in docs)
    assert app.single_flight.shared == 3


@pytest.mark.parametrize("accept", ["application/json", "application/yaml"])
def test_pipeline_serializes_once_and_gives_each_client_its_address(accept, monkeypatch):
    from slurmrestd import serializers
    from slurmrestd.operations import app as app_module

    dumps: list = []
    real_dump = serializers.dump
    monkeypatch.setattr(app_module.serializers, "dump", lambda t, doc: dumps.append(t) or real_dump(t, doc))
    h = EchoHandler()
    app, r = make_app(h), Runner()
    r.start(lambda: get(app, 1, accept=accept))
    until(lambda: h.started == 1, "the first request")
    for c in range(2, 8):
        r.start(lambda c=c: get(app, c, accept=accept))
    until(lambda: sum(app.single_flight.waiting(k) for k in list(app.single_flight._slots)) == 6, "joiners")
    h.gate(1).set()
    until(lambda: h.started == 2, "the shared run")
    h.gate(2).set()
    resps = r.join()
    docs = [serializers.load(accept, x.body) for x in resps]
    assert [d["meta"]["client"]["source"] for d in docs] == ["client:%d" % c for c in range(1, 8)]
    assert [d["run"] for d in docs] == [1] + [2] * 6
    # everything but the address is the same bytes; JSON is serialized once per run
    assert len({x.body.replace(b"client:%d" % c, b"") for c, x in enumerate(resps[1:], 2)}) == 1
    assert len(dumps) == (2 if accept == "application/json" else 1 + 6)


@pytest.mark.parametrize("variant", [
    {"token": "tok-b"},                       # another token of the same user
    {"user": "bob"},                          # same token string, another claimed user
    {"query": "flags=DETAIL"},                # another query
    {"path": "/slurm/v0.0.44/thing"},         # another data parser version
    {"accept": "application/x-yaml"},         # another output media type
])
def test_pipeline_never_shares_across_differences(variant):
    h = EchoHandler()
    app, r = make_app(h), Runner()
    r.start(lambda: get(app, 1))
    until(lambda: h.started == 1, "the first request")
    r.start(lambda: get(app, 2, **variant))
    until(lambda: h.started == 2, "the different request runs on its own, at once")
    r.start(lambda: get(app, 3))  # identical to the first: waits for the next run
    until(lambda: app.single_flight.waiting(_key_of(app, h.seen[0])) == 1, "the third request")
    for n in (1, 2):
        h.gate(n).set()
    until(lambda: h.started == 3, "the third request's run")
    h.gate(3).set()
    first, other, third = r.join()
    assert other.content_type == variant.get("accept", "application/json")
    assert first.content_type == third.content_type == "application/json"
    first, third = orjson.loads(first.body), orjson.loads(third.body)
    assert (first["run"], third["run"]) == (1, 3)
    assert first["user"] == third["user"] == "alice" and first["token"] == third["token"] == "tok-a"
    # the third was parked for its own run; the different request never joined anything
    assert app.single_flight.shared == 1 and app.single_flight.executions == 3
    assert h.seen[1].identity.token == variant.get("token", "tok-a")
    assert h.seen[1].identity.user_name == variant.get("user", "alice")


def _key_of(app, ctx):
    for key in app.single_flight._slots:
        if key[2] == ctx.identity.token and key[1] == ctx.identity.user_name and key[6] == ctx.path:
            return key
    return None


def test_pipeline_failing_run_gives_every_joiner_the_same_error():
    h = EchoHandler()
    calls = []

    def handler(ctx):
        calls.append(ctx)
        if len(calls) == 2:
            raise RuntimeError("boom")
        return h(ctx)

    app, r = make_app(handler), Runner()
    r.start(lambda: get(app, 1))
    until(lambda: h.started == 1, "the first request")
    for c in (2, 3, 4):
        r.start(lambda c=c: get(app, c))
    until(lambda: app.single_flight.waiting(_key_of(app, calls[0])) == 3, "joiners")
    h.gate(1).set()
    resps = r.join()
    assert resps[0].status == 200
    assert [x.status for x in resps[1:]] == [500] * 3
    docs = [orjson.loads(x.body) for x in resps[1:]]
    assert all(d["errors"] == docs[0]["errors"] for d in docs)
    assert docs[0]["errors"][0]["description"] == "Internal error while processing the request"
    assert len(calls) == 2


def test_pipeline_waiting_too_long_answers_504():
    h = EchoHandler()
    settings = replace(Settings(), limits=replace(Limits(), coalesce_wait_s=0.2))
    app, r = make_app(h, settings), Runner()
    r.start(lambda: get(app, 1))
    until(lambda: h.started == 1, "the first request")
    late = get(app, 2)
    assert late.status == 504
    assert orjson.loads(late.body)["errors"][0]["error_number"] == E.SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT
    h.gate(1).set()
    assert r.join()[0].status == 200


@pytest.mark.parametrize("path,settings", [
    ("/slurm/v0.0.45/thing", replace(Settings(), coalesce=False)),  # turned off
    ("/slurm/v0.0.45/other", Settings()),                           # binding not coalesced
])
def test_pipeline_without_coalescing_every_request_runs(path, settings):
    h = EchoHandler()
    app, r = make_app(h, settings), Runner()
    for c in (1, 2, 3):
        r.start(lambda c=c: get(app, c, path=path))
    until(lambda: h.started == 3, "three runs at once")
    for n in (1, 2, 3):
        h.gate(n).set()
    assert sorted(orjson.loads(x.body)["run"] for x in r.join()) == [1, 2, 3]
    assert app.single_flight.shared == 0


# -- which operations ----------------------------------------------------------

def test_only_read_only_gets_of_slurmctld_and_slurmdbd_are_coalesced():
    router = Router()
    names = ("openapi/slurmctld", "openapi/slurmdbd", "openapi/util")
    assert bind_operations(router, Settings().data_parsers, names, plugins.handlers_for(names))
    for b in router.bindings:
        template = b.operation.template
        expected = (b.method == "GET" and b.plugin in ("openapi/slurmctld", "openapi/slurmdbd")
                    and template not in NOT_COALESCED)
        assert b.coalesce == expected, (b.method, b.template)
    served = {(b.method, b.operation.template) for b in router.bindings if b.coalesce}
    assert ("GET", "/slurm/{data_parser}/ping/") in served
    assert ("GET", "/slurm/{data_parser}/diag/") in served
    assert ("GET", "/slurm/{data_parser}/jobs/") in served


def test_state_changing_gets_are_never_coalesced():
    for template in NOT_COALESCED:
        assert not coalescable("openapi/slurmctld", "GET", template)
    assert "/slurm/{data_parser}/reconfigure/" in NOT_COALESCED
    assert "/slurm/{data_parser}/job/{job_id}/requeue" in NOT_COALESCED
    assert not coalescable("openapi/slurmctld", "POST", "/slurm/{data_parser}/job/{job_id}")
    assert not coalescable("openapi/slurmctld", "DELETE", "/slurm/{data_parser}/job/{job_id}")
    assert not coalescable("openapi/util", "GET", "/util/{data_parser}/hostnames")
    assert not coalescable("", "GET", "/openapi/v3")
    assert coalescable("openapi/slurmdbd", "GET", "/slurmdb/{data_parser}/jobs/")


# -- the setting ---------------------------------------------------------------

def test_setting_is_on_by_default_and_env_turns_it_off():
    assert Settings().coalesce is True
    assert parse([], {})[0].coalesce is True
    for word in ("no", "off", "0", "false", "No"):
        assert parse([], {"SLURMRESTD_COALESCE": word})[0].coalesce is False
    for word in ("yes", "on", "1", "true"):
        assert parse([], {"SLURMRESTD_COALESCE": word})[0].coalesce is True
    with pytest.raises(UsageError):
        parse([], {"SLURMRESTD_COALESCE": "maybe"})


class BigHandler:
    """A handler whose answer is big enough to be sent in pieces."""

    def __call__(self, ctx):
        return {"items": ["item %d" % i for i in range(20000)]}


def test_a_big_shared_answer_comes_in_pieces_that_join_to_the_whole_answer():
    on = make_app(BigHandler())
    off = make_app(BigHandler(), replace(Settings(), coalesce=False))
    for conn in (1, 2):
        piece = get(on, conn)
        whole = get(off, conn)
        assert len(piece.body) >= 64 * 1024 and piece.body_tail  # no joined copy per client
        joined = bytes(piece.body) + b"".join(piece.body_tail)
        assert joined == whole.body and not whole.body_tail
        assert orjson.loads(joined)["meta"]["client"]["source"] == "client:%d" % conn


def test_spawn_gets_the_next_execution_before_the_answers_and_its_inline_flag():
    """The next execution is handed on before this one's answers are delivered (its RPC is
    under way while they are written), with whether its request ran in a fiber."""
    events = []
    handed = []
    sf = SingleFlight(wait_s=WAIT, spawn=lambda run, inline: (events.append(("spawn", inline)),
                                                              handed.append(run)))

    def lead():
        # a request joins while the first execution runs: it makes the next one
        sf.submit("k", lambda: "second", lambda v, e: events.append(("joiner", v)), inline=True)
        return "first"

    sf.submit("k", lead, lambda v, e: events.append(("leader", v)))
    assert events == [("spawn", True), ("leader", "first")]
    handed.pop()()
    assert events[-1] == ("joiner", "second") and sf.in_flight() == 0


def test_a_failing_spawn_runs_the_next_execution_on_the_leaders_thread():
    def spawn(run, inline):
        raise RuntimeError("pool is gone")

    sf, got = SingleFlight(wait_s=WAIT, spawn=spawn), []

    def lead():
        sf.submit("k", lambda: "second", lambda v, e: got.append(v))
        return "first"

    sf.submit("k", lead, lambda v, e: got.append(v))
    assert got == ["first", "second"] and sf.in_flight() == 0
