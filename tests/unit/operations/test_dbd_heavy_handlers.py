"""The association, instance and slurmdb job handlers against a scripted slurmdbd session.

Replies are the slurmdbd fixtures (24.11 … 26.05); requests are checked byte for byte
where the reference's are known (the fixtures' own requests), and for the defaults the
reference fills in otherwise."""

import os
import time
import types

import pytest
from shared_dir import REFERENCE

from slurmrestd import data_parser
from slurmrestd.errors import E, SlurmError
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmdbd import associations, instances, jobs
from slurmrestd.rpc.dbd import assoc as rpc_assoc, instances as rpc_inst, jobs as rpc_jobs, records
from slurmrestd.rpc.dbd.session import DbdSession
from slurmrestd.rpc.pack import NO_VAL, Packer, Unpacker
from slurmrestd.rpc.protocol import V24_11, V26_05

FIXTURES = os.path.join(REFERENCE, "dbd-fixtures")
PREFIX = {V26_05: "2d00", V24_11: "2a00"}
#: request type -> fixture name of its reply
BY_TYPE = {1486: "GET_TRES", 1448: "GET_QOS", 1410: "GET_ASSOCS", 1444: "GET_JOBS_COND"}


def fixture(version, name, kind="resp"):
    path = os.path.join(FIXTURES, "%s_%s.%s.bin" % (PREFIX[version], name, kind))
    if not os.path.exists(path):
        pytest.skip("fixture %s missing" % path)
    with open(path, "rb") as fh:
        return fh.read()


class Reply:
    def __init__(self, raw):
        u = Unpacker(raw)
        self.msg_type = u.u16()
        self.body = u
        self.rc = None
        if self.msg_type == 1433:
            self.rc = types.SimpleNamespace(comment=u.str(), flags=u.u16(), rc=u.i32(), ret_info=u.u16())


class FakeSession:
    """Answers each request type with a canned reply; records what was sent."""

    def __init__(self, version, replies=None):
        self.version = version
        self.replies = dict(replies or {})
        self.sent = []
        self.released = False
        self.abandoned = False

    def open(self):
        return self

    def request(self, msg_type, body):
        data = body(self.version) if callable(body) else body
        self.sent.append((msg_type, data))
        raw = self.replies.get(msg_type)
        if raw is None:
            raw = fixture(self.version, BY_TYPE[msg_type])
        if isinstance(raw, Exception):
            raise raw
        return Reply(raw)

    def abandon(self):
        self.abandoned = True

    # the session's own list exchange, as the lookup tables use it
    get_list = DbdSession.get_list

    @property
    def _conn(self):
        return self

    def _poison(self, conn):
        self.abandoned = True

    def release(self, commit=False):
        self.released = True

    def sent_types(self):
        return [t for t, _ in self.sent]


class Site:
    cluster_name = "peer"

    def __init__(self, session):
        self.session = session

    def dbd(self, identity):
        return self.session


def run(handler, session, query=None, params=None, version="v0.0.45"):
    ctx = OperationContext("GET", "/", params or {}, query, None, version, Site(session))
    try:
        out = handler(ctx)
    except SlurmError as exc:
        if not any(e["error_number"] == exc.errno for e in ctx.errors):
            ctx.error(exc.errno, exc.description, exc.source)
        out = None
    ctx.release()  # as the pipeline ends every request
    return out, ctx


def sent_cond(session, msg_type, unpack):
    data = next(d for t, d in session.sent if t == msg_type)
    u = Unpacker(data)
    cond = unpack(u, session.version)
    u.expect_end()
    return cond


def rc_reply(rc, comment=None):
    p = Packer()
    p.u16(1433).str(comment).u16(0).u32(rc).u16(0)
    return p.getvalue()


# -- associations -------------------------------------------------------------------------


@pytest.mark.parametrize("version", [V26_05, V24_11])
def test_associations_bare_get(version):
    s = FakeSession(version)
    out, ctx = run(associations.get_associations, s)
    assert ctx.errors == [] and s.released
    # the same request the reference sent (the fixture), and the tables only when needed
    assoc_req = next(d for t, d in s.sent if t == rpc_assoc.DBD_GET_ASSOCS)
    assert assoc_req == fixture(version, "GET_ASSOCS", "req")[2:]
    assert sorted(set(s.sent_types())) == [1410, 1448, 1486]
    recs = out["associations"]
    assert [(a["account"], a["user"]) for a in recs] == [("root", ""), ("root", "root"), ("testacct", ""),
                                                         ("testacct", "root")]
    assert recs[0]["qos"] == ["normal"] and recs[0]["lineage"] == "/"
    assert recs[3]["max"]["jobs"]["active"] == {"set": False, "infinite": True, "number": 0}
    assert recs[3]["id"] == 4 and recs[3]["parent_account"] == ""


def test_associations_v42_ids_are_placeholders():
    """v0.0.42 looks an association id up in a table it never loads for this dump: 0."""
    out, ctx = run(associations.get_associations, FakeSession(V26_05), version="v0.0.42")
    assert [a["id"] for a in out["associations"]] == [0, 0, 0, 0]


def test_associations_usage_window():
    s = FakeSession(V26_05)
    before = int(time.time())
    run(associations.get_associations, s, {"usage_start": "1000"})
    cond = sent_cond(s, 1410, rpc_assoc.unpack_assoc_cond)
    assert cond["usage_start"] == 1000 and cond["usage_end"] >= before
    s = FakeSession(V26_05)
    run(associations.get_associations, s, {"usage_start": "2000", "usage_end": "1000"})
    cond = sent_cond(s, 1410, rpc_assoc.unpack_assoc_cond)
    assert (cond["usage_start"], cond["usage_end"]) == (1000, 2000)


def test_associations_filters_and_flags():
    s = FakeSession(V26_05)
    out, ctx = run(associations.get_associations, s,
                   {"user": "root", "account": "testacct", "Include deleted associations": True,
                    "Filter to only defaults": True, "with_deleted": True})
    cond = sent_cond(s, 1410, rpc_assoc.unpack_assoc_cond)
    assert cond["user_list"] == ["root"] and cond["acct_list"] == ["testacct"]
    assert cond["flags"] == rpc_assoc.ASSOC_COND_FLAG_WITH_DELETED | rpc_assoc.ASSOC_COND_FLAG_ONLY_DEFS
    # the reference's parameter names are the flag descriptions: with_deleted is unknown
    assert [w["source"] for w in ctx.warnings] == ["#/with_deleted/"]


def test_association_single_is_ambiguous():
    out, ctx = run(associations.get_association, FakeSession(V26_05))
    assert out["associations"] == []
    assert [(e["error_number"], e["source"]) for e in ctx.errors] == [
        (E.ESLURM_DATA_AMBIGUOUS_QUERY, "_dump_assoc_cond")]


def test_associations_bad_input_is_4xx_naming_the_parameter():
    s = FakeSession(V26_05)
    out, ctx = run(associations.get_associations, s, {"usage_start": "notatime"})
    assert out is None and s.sent == []
    assert ctx.errors[0]["source"] == "#/usage_start/"
    assert ctx.errors[-1]["error_number"] == E.ESLURM_REST_INVALID_QUERY
    from slurmrestd.operations.app import status_for
    assert 400 <= status_for(ctx) < 500


def test_associations_dbd_error():
    s = FakeSession(V26_05, {1410: rc_reply(E.ESLURM_ACCESS_DENIED, "denied")})
    out, ctx = run(associations.get_associations, s)
    assert out["associations"] == []
    assert [(e["error_number"], e["description"], e["source"]) for e in ctx.errors] == [
        (E.ESLURM_ACCESS_DENIED, "slurmdb_associations_get failed", "_dump_assoc_cond")]


def test_associations_nothing_found():
    s = FakeSession(V26_05, {1410: rc_reply(0, "nothing")})
    out, ctx = run(associations.get_associations, s)
    assert out["associations"] == [] and ctx.errors == []
    assert ctx.warnings == [{"description": "slurmdb_associations_get() found nothing",
                             "source": "_dump_assoc_cond"}]


def test_undecodable_reply_closes_the_connection():
    garbage = Packer().u16(1417).u32(3).u32(5).getvalue()
    s = FakeSession(V26_05, {1410: garbage})
    out, ctx = run(associations.get_associations, s)
    assert s.abandoned
    assert ctx.errors[0]["error_number"] == E.ESLURM_PROTOCOL_INCOMPLETE_PACKET


def test_unreachable_slurmdbd():
    class Down(FakeSession):
        def open(self):
            raise SlurmError(E.ESLURM_DB_CONNECTION, "connection refused")

    out, ctx = run(jobs.get_jobs, Down(V26_05))
    assert [(e["error_number"], e["description"], e["source"]) for e in ctx.errors] == [
        (E.ESLURM_DB_CONNECTION, "Failed to open slurmdbd connection", "openapi_get_db_conn")]


# -- instances ----------------------------------------------------------------------------


def _instances_reply(n):
    p = Packer().u16(rpc_inst.DBD_GOT_INSTANCES).u32(n)
    for i in range(n):
        rpc_inst.pack_instance_rec(p, {"cluster": "peer", "instance_id": "i-%d" % i, "instance_type": "t",
                                       "node_name": "n%d" % i, "time_start": 100 + i}, V26_05)
    return p.u32(0).getvalue()


def test_instances():
    s = FakeSession(V26_05, {rpc_inst.DBD_GET_INSTANCES: _instances_reply(2)})
    out, ctx = run(instances.get_instances, s, {"cluster": "peer", "node_list": "n[0-1]"})
    assert [i["instance_id"] for i in out["instances"]] == ["i-0", "i-1"]
    assert out["instances"][1]["time"] == {"time_end": 0, "time_start": 101}
    cond = sent_cond(s, rpc_inst.DBD_GET_INSTANCES, rpc_inst.unpack_instance_cond)
    assert cond["cluster_list"] == ["peer"] and cond["node_list"] == "n[0-1]"
    assert s.sent_types() == [rpc_inst.DBD_GET_INSTANCES]  # no lookup tables needed


def test_instance_single_and_empty():
    s = FakeSession(V26_05, {rpc_inst.DBD_GET_INSTANCES: _instances_reply(2)})
    out, ctx = run(instances.get_instance, s)
    assert out == {} and ctx.errors[0]["error_number"] == E.ESLURM_DATA_AMBIGUOUS_QUERY
    s = FakeSession(V26_05, {rpc_inst.DBD_GET_INSTANCES: _instances_reply(0)})
    out, ctx = run(instances.get_instances, s)
    assert out == {} and ctx.errors == []
    assert ctx.warnings == [{"description": "slurmdb_instances_get() found nothing",
                             "source": "_dump_instance_cond"}]


# -- jobs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [V26_05, V24_11])
def test_jobs_bare_get_sends_the_null_cond(version):
    s = FakeSession(version)
    out, ctx = run(jobs.get_jobs, s)
    assert ctx.errors == []
    data = next(d for t, d in s.sent if t == rpc_jobs.DBD_GET_JOBS_COND)
    p = Packer()
    rpc_jobs.pack_job_cond(p, None, version)
    assert data == p.getvalue()
    assert len(out["jobs"]) == 19
    job3 = next(j for j in out["jobs"] if j["job_id"] == 3)
    assert job3["qos"] == "normal" and job3["name"] == "allocation"
    assert job3["tres"]["requested"][0] == {"type": "cpu", "name": "", "id": 1, "count": 1}
    # energy NO_VAL64 in the TRES string dumps as a signed -2, as the reference does
    assert job3["tres"]["allocated"] == [{"type": "energy", "name": "", "id": 3, "count": -2}]
    assert job3["association"] == {"account": "", "cluster": "peer", "partition": "", "user": "", "id": 2}


@pytest.mark.parametrize("body_or_query", [{"users": "root"}, {"users": ["root"]}])
def test_jobs_filters_get_the_reference_defaults(body_or_query):
    s = FakeSession(V26_05)
    before = int(time.time())
    out, ctx = run(jobs.get_jobs, s, body_or_query)
    cond = sent_cond(s, rpc_jobs.DBD_GET_JOBS_COND, rpc_jobs.unpack_job_cond)
    assert cond["userid_list"] == ["0"] and cond["cluster_list"] == ["peer"]
    assert cond["flags"] == rpc_jobs.JOBCOND_FLAG_DUP | rpc_jobs.JOBCOND_FLAG_NO_TRUNC
    assert cond["db_flags"] == rpc_jobs.SLURMDB_JOB_FLAG_NOTSET
    tm = time.localtime(before)
    midnight = int(time.mktime((tm.tm_year, tm.tm_mon, tm.tm_mday, 0, 0, 0, 0, 0, -1)))
    assert cond["usage_start"] in (midnight, midnight + 86400)
    assert before < cond["usage_end"] <= int(time.time()) + 1


def test_jobs_state_step_and_flags():
    s = FakeSession(V26_05)
    run(jobs.get_jobs, s, {"state": "COMPLETED", "step": "3.batch", "skip_steps": True, "groups": "0",
                           "cluster": "other", "job_name": "x", "start_time": "100", "end_time": "200"})
    cond = sent_cond(s, rpc_jobs.DBD_GET_JOBS_COND, rpc_jobs.unpack_job_cond)
    assert cond["state_list"] == ["3"] and cond["groupid_list"] == ["0"] and cond["jobname_list"] == ["x"]
    assert cond["flags"] == rpc_jobs.JOBCOND_FLAG_NO_STEP and cond["cluster_list"] == ["other"]
    assert (cond["usage_start"], cond["usage_end"]) == (100, 200)
    sel = cond["step_list"][0]
    assert sel["step_id"]["job_id"] == 3 and sel["step_id"]["step_id"] == 0xFFFFFFFB


def test_job_by_id():
    s = FakeSession(V26_05)
    out, ctx = run(jobs.get_job, s, params={"job_id": "3"})
    cond = sent_cond(s, rpc_jobs.DBD_GET_JOBS_COND, rpc_jobs.unpack_job_cond)
    assert cond["cluster_list"] == ["peer"] and cond["usage_start"] == 0 == cond["usage_end"]
    assert cond["flags"] == 5 and cond["db_flags"] == 1
    assert [x["step_id"]["job_id"] for x in cond["step_list"]] == [3]
    assert out["jobs"]  # the fixture reply


@pytest.mark.parametrize("query,source", [({"start_time": "notatime"}, "#/start_time/"),
                                          ({"users": "no-such-user-h10b"}, "#/users[0]/"),
                                          ({"state": "NOT_A_STATE"}, "#/state[0][0]/"),  # as the reference
                                          ({"cpus_max": "many"}, "#/cpus_max/")])
def test_jobs_bad_input(query, source):
    s = FakeSession(V26_05)
    out, ctx = run(jobs.get_jobs, s, query)
    assert out is None and s.sent == []
    assert ctx.errors[0]["source"] == source
    assert ctx.errors[-1] == {"description": "Rejecting request. Failure parsing query parameters",
                              "error_number": 9000, "error": ctx.errors[-1]["error"], "source": "op_handler_jobs"}


@pytest.mark.parametrize("job_id", ["abc", "0", "-1", "3.nope", ""])
def test_job_bad_id(job_id):
    s = FakeSession(V26_05)
    out, ctx = run(jobs.get_job, s, params={"job_id": job_id})
    assert out is None and s.sent == []
    assert ctx.errors[-1]["error_number"] == 9000 and ctx.errors[-1]["source"] == "op_handler_job"


def test_jobs_dbd_errors():
    s = FakeSession(V26_05, {rpc_jobs.DBD_GET_JOBS_COND: rc_reply(E.ESLURM_DB_QUERY_TOO_WIDE, "too wide")})
    out, ctx = run(jobs.get_jobs, s, {"users": "root"})
    assert out == {}
    assert [(e["error_number"], e["description"], e["source"]) for e in ctx.errors] == [
        (E.ESLURM_DB_QUERY_TOO_WIDE, "slurmdb_jobs_get failed", "_dump_jobs")]
    null_list = Packer().u16(rpc_jobs.DBD_GOT_JOBS).u32(NO_VAL).u32(E.ESLURM_RESULT_TOO_LARGE).getvalue()
    out, ctx = run(jobs.get_jobs, FakeSession(V26_05, {rpc_jobs.DBD_GET_JOBS_COND: null_list}))
    assert ctx.errors[0]["error_number"] == E.ESLURM_RESULT_TOO_LARGE


def test_job_not_found():
    empty = Packer().u16(rpc_jobs.DBD_GOT_JOBS).u32(0).u32(0).getvalue()
    out, ctx = run(jobs.get_job, FakeSession(V26_05, {rpc_jobs.DBD_GET_JOBS_COND: empty}),
                   params={"job_id": "999999"})
    assert out["jobs"] == [] and ctx.errors == []
    assert ctx.warnings == [{"description": "slurmdb_jobs_get() found nothing", "source": "_dump_jobs"}]


# -- dumps --------------------------------------------------------------------------------


def _tables(version):
    tres, _ = rpc_assoc.unpack_list_msg(Reply(fixture(version, "GET_TRES")).body, rpc_assoc.unpack_tres_rec,
                                        version)
    qos, _ = rpc_assoc.unpack_list_msg(Reply(fixture(version, "GET_QOS")).body, records.unpack_qos_rec, version)
    assocs, _ = rpc_assoc.decode_got_assocs(Reply(fixture(version, "GET_ASSOCS")).body, version)
    return tres, qos, assocs


@pytest.mark.parametrize("version", [V26_05, V24_11])
@pytest.mark.parametrize("dp", ["v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45"])
def test_planned_dump_equals_generic_walker(version, dp):
    tres, qos, assocs = _tables(version)
    recs, _ = rpc_jobs.decode_got_jobs(Reply(fixture(version, "GET_JOBS_COND")).body, version)
    outs = []
    for fn in (lambda t, v, c: data_parser.dump(t, v, c, version=dp),
               lambda t, v, c: data_parser.dump_planned(t, v, c, dp)):
        ctx = data_parser.ParserContext(version=dp, tres=list(tres), qos=list(qos), loaders={"ASSOC": lambda: assocs})
        outs.append((fn("OPENAPI_SLURMDBD_JOBS_RESP", {"response": recs}, ctx), ctx.errors, ctx.warnings))
    assert outs[0] == outs[1]
    assert outs[0][1] == []


def test_jobs_qos_names_become_ids():
    s = FakeSession(V26_05)
    out, ctx = run(jobs.get_jobs, s, {"qos": ["normal", "1"]})
    cond = sent_cond(s, rpc_jobs.DBD_GET_JOBS_COND, rpc_jobs.unpack_job_cond)
    assert cond["qos_list"] == ["1", "1"] and ctx.errors == []
    s = FakeSession(V26_05)
    out, ctx = run(jobs.get_jobs, s, {"qos": "nosuch"})
    assert out is None and rpc_jobs.DBD_GET_JOBS_COND not in s.sent_types()
    assert [(e["error_number"], e["source"]) for e in ctx.errors] == [
        (E.ESLURM_INVALID_QOS, "#/qos[0]/"), (E.ESLURM_REST_INVALID_QUERY, "op_handler_jobs")]


def test_associations_qos_names_resolve():
    s = FakeSession(V26_05)
    run(associations.get_associations, s, {"qos": "normal", "default_qos": "normal"})
    cond = sent_cond(s, rpc_assoc.DBD_GET_ASSOCS, rpc_assoc.unpack_assoc_cond)
    assert cond["qos_list"] == ["1"] and cond["def_qos_id_list"] == ["1"]


def test_association_ids_must_be_numbers():
    s = FakeSession(V26_05)
    out, ctx = run(associations.get_associations, s, {"id": "1,x"})
    assert out is None and ctx.errors[0]["source"] == "#/id/"


def test_associations_unknown_qos_is_refused():
    s = FakeSession(V26_05)
    out, ctx = run(associations.get_associations, s, {"qos": "nosuch"})
    assert out is None and rpc_assoc.DBD_GET_ASSOCS not in s.sent_types()
    assert [(e["error_number"], e["source"]) for e in ctx.errors] == [
        (E.ESLURM_DATA_CONV_FAILED, "#/qos/"), (E.ESLURM_REST_INVALID_QUERY, "op_handler_associations")]


def test_jobs_submit_time_stops_the_default_window():
    s = FakeSession(V26_05)
    run(jobs.get_jobs, s, {"submit_time": "1000", "skip_steps": True})
    cond = sent_cond(s, rpc_jobs.DBD_GET_JOBS_COND, rpc_jobs.unpack_job_cond)
    assert cond["usage_start"] == 1000 and cond["usage_end"] == 0
    assert cond["flags"] == rpc_jobs.JOBCOND_FLAG_NO_STEP | rpc_jobs.JOBCOND_FLAG_NO_DEFAULT_USAGE


def test_empty_list_parameter_is_one_empty_entry():
    """``users=`` (null) is user "" (nobody) as for the C parser, not "every user"."""
    s = FakeSession(V26_05)
    run(jobs.get_jobs, s, {"users": None, "job_name": None})
    cond = sent_cond(s, rpc_jobs.DBD_GET_JOBS_COND, rpc_jobs.unpack_job_cond)
    assert cond["userid_list"] == ["99"] and cond["jobname_list"] == []
