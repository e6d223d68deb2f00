"""The request pipeline around a handler: one error idiom, lazy peers, and the
end of the request (slurmdbd session committed only when nothing failed).

No controller is involved: the site hands out recording fakes.
"""

from __future__ import annotations

import orjson
import pytest

from slurmrestd.auth import Identity
from slurmrestd.errors import E, SlurmError, http_status_for
from slurmrestd.http.events import Request
from slurmrestd.http.headers import Headers
from slurmrestd.operations.app import RestApp
from slurmrestd.operations.router import Binding, Router

PATH = "/slurm/v0.0.45/thing"


class FakeConn:
    name = "test:1"


class Auth:
    def authenticate(self, headers, conn):
        return Identity("rest_auth/jwt", "alice", token="tok")


class Session:
    def __init__(self):
        self.released = []

    def release(self, commit=False):
        self.released.append(commit)


class Site:
    """What the pipeline needs of the site, counting the peers it opens."""

    def __init__(self):
        self.ctld_calls = []
        self.sessions = []

    def ctld(self, identity):
        self.ctld_calls.append(identity)
        return object()

    def dbd(self, identity):
        self.sessions.append(Session())
        return self.sessions[-1]

    def meta(self, binding, conn, identity):
        return {}


class SiteWithoutDbd:
    def meta(self, binding, conn, identity):
        return {}


def run(handler, site=None):
    router = Router()
    router.add(Binding(PATH, "GET", handler, "openapi/slurmctld", "v0.0.45"))
    site = site if site is not None else Site()
    request = Request("GET", PATH, PATH, "", "1.1", Headers([]), b"", True)
    resp = RestApp(router, [Auth()], site)(request, FakeConn())
    return resp, orjson.loads(resp.body), site


def test_raised_error_is_recorded_once_by_the_pipeline():
    def handler(ctx):
        ctx.warn("first", "here")
        raise SlurmError(E.ESLURM_INVALID_JOB_ID, "Invalid JobID=0 rejected", "op_handler_job")

    resp, doc, _ = run(handler)
    assert resp.status == http_status_for(E.ESLURM_INVALID_JOB_ID)
    assert [(e["error_number"], e["description"], e["source"]) for e in doc["errors"]] == [
        (int(E.ESLURM_INVALID_JOB_ID), "Invalid JobID=0 rejected", "op_handler_job")]
    assert doc["warnings"] == [{"description": "first", "source": "here"}]


def test_parse_failure_ends_the_request_with_9000_as_422():
    def handler(ctx):
        return ctx.parse("OPENAPI_JOB_INFO_QUERY", {"update_time": "not a time"}, description="Rejecting",
                         source="op_handler_jobs")

    resp, doc, _ = run(handler)
    assert resp.status == 422
    assert doc["errors"][-1]["error_number"] == E.ESLURM_REST_INVALID_QUERY
    assert (doc["errors"][-1]["description"], doc["errors"][-1]["source"]) == ("Rejecting", "op_handler_jobs")
    assert sum(e["error_number"] == E.ESLURM_REST_INVALID_QUERY for e in doc["errors"]) == 1


def test_ctld_is_opened_once_and_only_when_used():
    seen = []

    def handler(ctx):
        seen.append(ctx.ctld is ctx.ctld)
        return {}

    _, _, site = run(handler)
    assert seen == [True] and len(site.ctld_calls) == 1
    _, _, site = run(lambda ctx: {})
    assert site.ctld_calls == [] and site.sessions == []


def test_dbd_session_commits_when_nothing_failed():
    def handler(ctx):
        assert ctx.dbd is ctx.dbd
        return {}

    resp, doc, site = run(handler)
    assert resp.status == 200 and doc["errors"] == []
    assert [s.released for s in site.sessions] == [[True]]


@pytest.mark.parametrize("how", ["raised", "recorded", "crashed"])
def test_dbd_session_rolls_back_after_an_error(how):
    def handler(ctx):
        ctx.dbd
        if how == "raised":
            raise SlurmError(E.ESLURM_DB_CONNECTION, "Failed to open slurmdbd connection", "openapi_get_db_conn")
        if how == "recorded":
            ctx.error(E.SLURM_ERROR, "a failure reported while still answering", "here")
            return {}
        raise RuntimeError("bug")

    resp, doc, site = run(handler)
    assert resp.status >= 500 and len(doc["errors"]) == 1
    assert [s.released for s in site.sessions] == [[False]]


def test_a_failing_release_is_the_requests_error():
    class Failing(Session):
        def release(self, commit=False):
            raise SlurmError(E.ESLURM_DB_CONNECTION, "commit failed", "slurmdbd")

    site = Site()
    site.dbd = lambda identity: Failing()
    resp, doc, _ = run(lambda ctx: (ctx.dbd, {})[1], site)
    assert resp.status == http_status_for(E.ESLURM_DB_CONNECTION)
    assert [(e["description"], e["source"]) for e in doc["errors"]] == [("commit failed", "slurmdbd")]


def test_a_site_without_dbd_still_ends_requests():
    resp, doc, _ = run(lambda ctx: {}, SiteWithoutDbd())
    assert resp.status == 200 and doc["errors"] == []


def test_dbd_on_a_site_without_slurmdbd_is_an_error_not_a_crash():
    resp, doc, _ = run(lambda ctx: (ctx.dbd, {})[1], SiteWithoutDbd())
    assert resp.status == http_status_for(E.ESLURM_DB_CONNECTION)
    assert [(e["error_number"], e["source"]) for e in doc["errors"]] == [
        (int(E.ESLURM_DB_CONNECTION), "openapi_get_db_conn")]


# -- credentials refused before the handler -------------------------------------------


def _run_with(auth, handler, envelope=True):
    router = Router()
    router.add(Binding(PATH, "GET", handler, "openapi/slurmctld", "v0.0.45", envelope=envelope))
    site = Site()
    request = Request("GET", PATH, PATH, "", "1.1", Headers([]), b"", True)
    return RestApp(router, [auth], site)(request, FakeConn()), site


def test_throttled_login_is_429_with_retry_after():
    from slurmrestd.auth import LoginThrottled

    class Throttling:
        def authenticate(self, headers, conn):
            raise LoginThrottled("too many", 41.2)

    resp, _ = _run_with(Throttling(), lambda ctx: None)
    assert resp.status == 429 and ("Retry-After", "42") in resp.headers


def test_pass_through_caller_is_named_once_the_controller_accepted_it():
    """meta.client for a token passed through unchecked: nothing until slurmctld or
    slurmdbd accepted it, then the name it was accepted with (header, else its sun)."""
    import jwt as pyjwt

    from slurmrestd.operations.app import _proven
    from slurmrestd.operations.context import OperationContext
    from slurmrestd.rpc.cred import JwtCredential

    tok = pyjwt.encode({"sun": "alice", "exp": 2**31}, b"k" * 32, algorithm="HS256")

    class Client:
        def __init__(self, cred):
            self.credential = cred

    class OneSite:
        def __init__(self):
            self.cred = JwtCredential(tok)

        def ctld(self, identity):
            return Client(self.cred)

    for header, want in ((None, "alice"), ("bob", "bob")):
        site = OneSite()
        ident = Identity("rest_auth/jwt", header, token=tok)
        ctx = OperationContext("GET", PATH, {}, None, ident, "v0.0.45", site)
        ctx.ctld  # opened, nothing answered yet
        assert _proven(ident, ctx) is ident
        site.cred.accepted = True
        got = _proven(ident, ctx)
        assert (got.user_name, got.verified) == (want, True)
    rejected = Identity("rest_auth/jwt", None, token=tok, rejected="expired")
    assert _proven(rejected, OperationContext("GET", PATH, {}, None, rejected, "v0.0.45", OneSite())) is rejected
