"""Every answer validates against our own document, errors included (issue 14, defect 6):
required members are present when the handler failed, refused input is answered in the
errors[] envelope, and an unknown method gets 405 with the path's Allow."""

from __future__ import annotations

import orjson
import pytest

from slurmrestd.auth import Identity
from slurmrestd.errors import E, SlurmError, http_status_for
from slurmrestd.http.events import Request
from slurmrestd.http.headers import Headers
from slurmrestd.openapi.document import iter_operations
from slurmrestd.operations.app import RestApp
from slurmrestd.operations.router import Binding, Router


class FakeConn:
    name = "test:1"


class Auth:
    def authenticate(self, headers, conn):
        return Identity("rest_auth/jwt", "alice", token="tok")


class Site:
    def meta(self, binding, conn, identity):
        return {}


def _operation(path: str, method: str):
    return next(o for o in iter_operations() if o.path == path and o.method == method)


def app_for(path: str, method: str, handler) -> RestApp:
    router = Router()
    op = _operation(path, method)
    router.add(Binding(op.path, method.upper(), handler, "openapi/slurmctld", op.version, operation=op))
    return RestApp(router, [Auth()], Site())


def call(app, method, path, body=b"", query="", headers=()):
    target = path + ("?" + query if query else "")
    req = Request(method, target, path, query, "1.1", Headers(list(headers)), body, True)
    return app(req, FakeConn())


def failing(ctx):
    raise SlurmError(E.ESLURM_INVALID_JOB_ID, "Unable to query JobId=0", "op_handler_job")


@pytest.mark.parametrize("path,method,members", [
    ("/slurm/v0.0.45/job/{job_id}", "get", {"jobs": [], "last_backfill": {"set": False, "infinite": False, "number": 0},
                                            "last_update": {"set": False, "infinite": False, "number": 0}}),
    ("/slurm/v0.0.45/job/{job_id}", "delete", {"status": []}),
    ("/slurm/v0.0.45/job/{job_id}/requeue", "get", {"status": []}),
    ("/slurm/v0.0.44/resources/{job_id}", "get", {"nodes": []}),
    ("/util/v0.0.45/hostnames", "post", {"hostnames": []}),
    ("/util/v0.0.45/hostlist", "post", {"hostlist": ""}),
    ("/slurmdb/v0.0.42/jobs/", "get", {"jobs": []}),
])
def test_error_answers_carry_the_required_members(path, method, members):
    app = app_for(path, method, failing)
    resp = call(app, method.upper(), path.replace("{job_id}", "0"))
    doc = orjson.loads(resp.body)
    assert resp.status == http_status_for(E.ESLURM_INVALID_JOB_ID)
    assert {k: doc[k] for k in members} == members
    assert [e["error_number"] for e in doc["errors"]] == [E.ESLURM_INVALID_JOB_ID]


def test_a_result_keeps_its_own_values_and_order():
    app = app_for("/slurm/v0.0.45/job/{job_id}", "get", lambda ctx: {"last_update": 5, "jobs": [1]})
    doc = orjson.loads(call(app, "GET", "/slurm/v0.0.45/job/1").body)
    assert list(doc)[:3] == ["last_update", "jobs", "last_backfill"]
    assert doc["jobs"] == [1] and doc["last_update"] == 5


def test_required_members_are_fresh_per_answer():
    def handler(ctx):
        return None
    app = app_for("/slurm/v0.0.45/jobs/", "get", handler)
    binding = app.router.bindings[0]
    first = app._with_required(binding, None)
    first["jobs"].append("x")
    assert app._with_required(binding, None)["jobs"] == [] and app._required_members(binding)["jobs"] == []
    assert app._with_required(binding, {"jobs": [1]})["jobs"] == [1]  # the handler's own stays


@pytest.mark.parametrize("body,query,ctype,errno", [
    (b"\xfdh", "", "application/json", None),
    (b"{", "", "application/json", None),
    (b"", "a=%00", None, None),
    (b"{}", "a=1", "application/json", E.ESLURM_HTTP_UNEXPECTED_BODY),
])
def test_refused_input_is_answered_in_the_envelope(body, query, ctype, errno):
    app = app_for("/util/v0.0.45/hostlist", "post", lambda ctx: pytest.fail("handler must not run"))
    headers = [("content-type", ctype)] if ctype else []
    resp = call(app, "POST", "/util/v0.0.45/hostlist", body, query, headers)
    assert resp.status == 400
    assert resp.content_type == "application/json"
    doc = orjson.loads(resp.body)
    assert doc["hostlist"] == "" and len(doc["errors"]) == 1
    if errno is not None:
        assert doc["errors"][0]["error_number"] == errno


def test_unknown_accept_stays_text():
    app = app_for("/util/v0.0.45/hostlist", "post", lambda ctx: {})
    resp = call(app, "POST", "/util/v0.0.45/hostlist", b"{}", "", [("accept", "image/png"),
                                                                     ("content-type", "application/json")])
    assert resp.status == 415 and resp.content_type == "text/plain"


@pytest.mark.parametrize("method", ["QUERY", "FOO", "get"])
def test_unknown_method_is_405_with_allow(method):
    app = app_for("/util/v0.0.45/hostlist", "post", lambda ctx: {})
    resp = call(app, method, "/util/v0.0.45/hostlist")
    assert resp.status == 405
    assert dict(resp.headers)["Allow"] == "POST"
    resp = call(app, method, "/nowhere")
    assert resp.status == 405 and "Allow" not in dict(resp.headers)
    assert resp.body == b"Invalid HTTP method"


def test_ambiguous_singular_query_is_the_clients_fault():
    assert http_status_for(E.ESLURM_DATA_AMBIGUOUS_QUERY) == 422


def test_string_slurmdbd_cannot_store_is_the_clients_fault():
    from slurmrestd.errors import MYSQL_ER_INVALID_CHARACTER_STRING, strerror
    assert http_status_for(MYSQL_ER_INVALID_CHARACTER_STRING) == 422
    assert "1300" in strerror(1300)  # not a Slurm error number


def test_slurmdbd_strings_outside_the_bmp_are_refused():
    from slurmrestd.operations.slurmdbd.common import _bad_path
    assert _bad_path({"cluster": "a\u00d9b", "users": ["x"]}, []) is None
    parts, why = _bad_path({"users": ["x", "a\U0001F600"]}, [])
    assert parts == ["users[1]"] and "U+01F600" in why
    assert _bad_path({"a\x00": 1}, [])[1] == "String contains a NUL byte"


def test_unset_timestamps_and_cron_lists_pack():
    from slurmrestd.rpc.layouts import pack_cron_entry
    from slurmrestd.rpc.pack import Packer
    assert Packer().time(0xFFFFFFFFFFFFFFFE).getvalue() == Packer().time(-2).getvalue()
    with pytest.raises(ValueError):
        Packer().time(1 << 64)
    p = Packer()
    pack_cron_entry(p, {"flags": 0, "minute": [0, 30], "hour": [], "day_of_month": [], "month": [],
                        "day_of_week": [], "cronspec": "", "line_start": 0, "line_end": 0})
    assert p.getvalue()
    with pytest.raises(ValueError):
        pack_cron_entry(Packer(), {"minute": [61]})
