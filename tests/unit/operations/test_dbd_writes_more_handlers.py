"""The QOS, wckey, cluster, TRES, config and job modify write handlers against a scripted
slurmdbd session: what they decide (add or modify, the preemption "clear" entry, where
to stop), what they send, and how slurmdbd's answers become the response."""

import pytest
from test_dbd_heavy_handlers import FakeSession, Site, rc_reply

from slurmrestd.errors import E, SlurmError
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmdbd import clusters, config, jobs, qos, tres, wckeys
from slurmrestd.rpc.dbd import cluster_rec, jobs as rpc_jobs, qos_rec, records
from slurmrestd.rpc.pack import NO_VAL, Packer, Unpacker
from slurmrestd.rpc.protocol import V24_11, V26_05
from slurmrestd.slurm.dbd_msg_types import DbdMsgType as T


class Session(FakeSession):
    def release(self, commit=False):
        if not self.released:
            self.committed = commit
        self.released = True


def run(handler, session, body=None, params=None, version="v0.0.45", method="POST"):
    ctx = OperationContext(method, "/", params or {}, body, None, version, Site(session))
    try:
        out = handler(ctx)
    except SlurmError as exc:
        ctx.record(exc)
        out = None
    ctx.release()
    return out, ctx


def got_list(names, rc=0):
    p = Packer()
    p.u16(T.DBD_GOT_LIST).u32(len(names))
    for n in names:
        p.str(n)
    p.u32(rc)
    return p.getvalue()


def got_qos(recs):
    p = Packer()
    p.u16(T.DBD_GOT_QOS).u32(len(recs))
    for r in recs:
        qos_rec.pack_qos_rec(p, r, V26_05)
    p.u32(0)
    return p.getvalue()


NORMAL = {"id": 1, "name": "normal", "flags": 0}


def sent(session, msg_type):
    return [d for t, d in session.sent if t == msg_type]


def qos_session(version, found):
    """QOS table for the parser (no names asked) = normal; a lookup by id or name = ``found``."""
    s = Session(version, {T.DBD_ADD_QOS: rc_reply(0), T.DBD_MODIFY_QOS: got_list(["x"])})
    orig = s.request

    def request(msg_type, body):
        if msg_type == T.DBD_GET_QOS:
            u = Unpacker(body(version))
            u.bool(), u.str_list(), u.u16(), u.str_list()
            ids, names = u.str_list(), u.str_list()
            s.replies[T.DBD_GET_QOS] = got_qos(found if (ids or names) else [NORMAL])
        return orig(msg_type, body)
    s.request = request
    return s


@pytest.mark.parametrize("version", [V26_05, V24_11])
def test_post_qos_adds_a_new_one(version):
    s = qos_session(version, [])
    body = {"qos": [{"name": "x", "priority": {"set": True, "number": 5}, "preempt": {"list": ["normal"]},
                     "limits": {"max": {"tres": {"per": {"job": [{"type": "cpu", "count": 4}]}}}}}]}
    out, ctx = run(qos.post_qos, s, body)
    assert ctx.errors == [] and out is None and s.committed
    (add,) = sent(s, T.DBD_ADD_QOS)
    u = Unpacker(add)
    assert u.u32() == 1
    q = records.unpack_qos_rec(u)
    assert u.u32() == 0 and u.remaining == 0
    assert (q["name"], q["priority"], q["preempt_list"], q["max_tres_pj"], q["id"]) == ("x", 5, ["1"], "1=4", 0)
    assert not sent(s, T.DBD_MODIFY_QOS)


def test_post_qos_modifies_the_one_of_that_name():
    s = qos_session(V26_05, [dict(NORMAL, preempt_list=None)])
    out, ctx = run(qos.post_qos, s, {"qos": [{"name": "normal", "priority": {"set": True, "number": 9},
                                               "preempt": {"list": []}}]})
    assert ctx.errors == [] and s.committed
    (mod,) = sent(s, T.DBD_MODIFY_QOS)
    u = Unpacker(mod)
    u.bool()
    assert u.str_list() is None  # description_list
    u.u16()
    assert (u.str_list(), u.str_list(), u.str_list()) == (None, None, ["normal"])
    u.u16()
    q = records.unpack_qos_rec(u)
    # the found id goes in the record; an empty list on a QOS without one stays "no change"
    assert (q["id"], q["priority"], q["preempt_list"]) == (1, 9, [])
    assert not sent(s, T.DBD_ADD_QOS)


def test_post_qos_clears_a_preemption_list_explicitly():
    s = qos_session(V26_05, [dict(NORMAL, preempt_list=["2"])])
    run(qos.post_qos, s, {"qos": [{"name": "normal", "preempt": {"list": []}}]})
    u = Unpacker(sent(s, T.DBD_MODIFY_QOS)[0])
    u.bool(), u.str_list(), u.u16(), u.str_list(), u.str_list(), u.str_list(), u.u16()  # the qos_cond
    assert records.unpack_qos_rec(u)["preempt_list"] == [qos_rec.EMPTY_QOS_ID_ENTRY]


@pytest.mark.parametrize("item,text", [({"id": 77}, "QOS was not found for the requested ID"),
                                       ({"description": "x"}, "Cannot create a QOS without a name")])
def test_post_qos_refusals(item, text):
    s = qos_session(V26_05, [])
    _, ctx = run(qos.post_qos, s, {"qos": [{"name": "ok"}, item, {"name": "never"}]})
    assert [(e["error_number"], e["description"], e["source"]) for e in ctx.errors] == \
        [(E.ESLURM_REST_INVALID_QUERY, text, "_foreach_update_qos")]
    # the first was added in the transaction, the third never tried, nothing committed
    assert len(sent(s, T.DBD_ADD_QOS)) == 1 and s.committed is False


def test_post_qos_slurmdbd_refusal():
    s = qos_session(V26_05, [])
    s.replies[T.DBD_ADD_QOS] = rc_reply(E.ESLURM_ACCESS_DENIED)
    _, ctx = run(qos.post_qos, s, {"qos": [{"name": "x"}]})
    assert [(e["error_number"], e["description"], e["source"]) for e in ctx.errors] == \
        [(E.ESLURM_ACCESS_DENIED, "slurmdb_qos_add() failed", "_foreach_update_qos")]


def test_post_qos_parse_error_has_no_wrap_up():
    s = qos_session(V26_05, [])
    _, ctx = run(qos.post_qos, s, {"qos": [{"name": "x", "preempt": {"list": ["nosuch"]}}]})
    assert [(e["error_number"], e["source"]) for e in ctx.errors] == [(E.ESLURM_INVALID_QOS,
                                                                        "#/qos[0]/preempt/list/")]
    assert not sent(s, T.DBD_ADD_QOS)


def test_delete_qos():
    s = Session(V26_05, {T.DBD_REMOVE_QOS: got_list(["x"])})
    out, ctx = run(qos.delete_qos, s, params={"qos": "x"}, method="DELETE")
    assert out["removed_qos"] == ["x"] and ctx.errors == [] and s.committed
    s = Session(V26_05, {T.DBD_REMOVE_QOS: rc_reply(E.SLURM_NO_CHANGE_IN_DATA)})
    out, ctx = run(qos.delete_qos, s, params={"qos": "x"}, method="DELETE")
    assert [(e["error_number"], e["description"]) for e in ctx.errors] == \
        [(E.SLURM_NO_CHANGE_IN_DATA, "slurmdb_qos_remove failed")]


def test_wckeys():
    s = Session(V26_05, {T.DBD_ADD_WCKEYS: rc_reply(0)})
    _, ctx = run(wckeys.post_wckeys, s, {"wckeys": []})
    assert ctx.warnings == [{"description": "ignoring empty or non-existent wckeys array for update",
                             "source": "_update_wckeys"}] and not sent(s, T.DBD_ADD_WCKEYS)
    _, ctx = run(wckeys.post_wckeys, s, {"wckeys": [{"name": "w", "cluster": "c", "user": "alice"}]})
    assert ctx.errors == [] and s.committed
    u = Unpacker(sent(s, T.DBD_ADD_WCKEYS)[0])
    assert u.u32() == 1
    w = records.unpack_wckey_rec(u)
    assert (w["name"], w["cluster"], w["user"], w["is_def"]) == ("w", "c", "alice", 0xFFFE)
    s = Session(V26_05, {T.DBD_REMOVE_WCKEYS: got_list(["C = c W = w U = alice"])})
    out, ctx = run(wckeys.delete_wckey, s, params={"id": "w"}, method="DELETE")
    assert out["deleted_wckeys"] == ["C = c W = w U = alice"]
    # the cond names the wckey and nothing else (cluster, format, id lists NULL)
    u = Unpacker(sent(s, T.DBD_REMOVE_WCKEYS)[0])
    assert [u.str_list() for _ in range(4)] == [None, None, None, ["w"]]


def test_clusters():
    s = Session(V26_05, {T.DBD_ADD_CLUSTERS: rc_reply(0)})
    _, ctx = run(clusters.post_clusters, s, {"clusters": [{"name": "zz"}]})
    assert ctx.errors == [] and s.committed
    u = Unpacker(sent(s, T.DBD_ADD_CLUSTERS)[0])
    assert u.u32() == 1
    c = records.unpack_cluster_rec(u)
    assert (c["name"], c["flags"]) == ("zz", NO_VAL)
    s = Session(V26_05, {T.DBD_REMOVE_CLUSTERS: rc_reply(E.SLURM_NO_CHANGE_IN_DATA)})
    out, ctx = run(clusters.delete_cluster, s, params={"cluster_name": "zz"}, method="DELETE")
    assert out is None and ctx.errors[0]["error_number"] == E.SLURM_NO_CHANGE_IN_DATA
    assert cluster_rec.NEW_CLUSTER["flags"] == NO_VAL


def test_config_post_is_rolled_back():
    s = Session(V26_05, {T.DBD_ADD_CLUSTERS: rc_reply(0)})
    _, ctx = run(config.post_config, s, {"clusters": [{"name": "zz"}], "qos": [{"name": "q"}]})
    assert ctx.errors == [] and s.committed is False
    assert [t for t, _ in s.sent if t not in (T.DBD_GET_TRES, T.DBD_GET_QOS)] == [T.DBD_ADD_CLUSTERS]
    s = Session(V26_05, {T.DBD_ADD_CLUSTERS: rc_reply(E.ESLURM_EMPTY_LIST)})
    _, ctx = run(config.post_config, s, {})
    assert [(e["error_number"], e["description"], e["source"]) for e in ctx.errors] == \
        [(E.ESLURM_EMPTY_LIST, "slurmdb_clusters_add() failed", "update_clusters")]
    assert Unpacker(sent(s, T.DBD_ADD_CLUSTERS)[0]).u32() == NO_VAL  # a NULL list, as the reference


def test_tres_post_not_supported():
    s = Session(V26_05)
    _, ctx = run(tres.post_tres, s, {"TRES": []})
    assert [(e["error_number"], e["source"]) for e in ctx.errors] == [(E.ESLURM_NOT_SUPPORTED, "op_handler_tres")]
    assert [t for t, _ in s.sent if t == T.DBD_ADD_TRES] == []


def test_job_modify():
    s = Session(V26_05, {T.DBD_MODIFY_JOB: got_list(["7 submitted at 2026-01-01T00:00:00"])})
    out, ctx = run(jobs.post_jobs, s, {"job_id_list": ["7", "8"], "job_rec": {"comment": {"job": "hi"}}})
    assert out["results"] == ["7 submitted at 2026-01-01T00:00:00"] and ctx.errors == [] and s.committed
    u = Unpacker(sent(s, T.DBD_MODIFY_JOB)[0])
    cond = rpc_jobs.unpack_job_cond(u, V26_05)
    assert [st["step_id"]["job_id"] for st in cond["step_list"]] == [7, 8]
    assert cond["flags"] == rpc_jobs.JOBCOND_FLAG_NO_DEFAULT_USAGE
    assert rpc_jobs.unpack_job_rec(u, V26_05)["derived_es"] == "hi"
    # nothing matched: the reference's warning; an error adds its "Job update requested failed"
    s = Session(V26_05, {T.DBD_MODIFY_JOB: rc_reply(0)})
    out, ctx = run(jobs.post_job, s, {"extra": "x"}, params={"job_id": "7"})
    assert out["results"] == [] and ctx.warnings == [{"description": "slurmdb_job_modify() found nothing",
                                                      "source": "_job_post_update"}]
    s = Session(V26_05, {T.DBD_MODIFY_JOB: rc_reply(E.SLURM_NO_CHANGE_IN_DATA)})
    out, ctx = run(jobs.post_job, s, {}, params={"job_id": "7"})
    assert [(e["error_number"], e["source"]) for e in ctx.errors] == \
        [(E.SLURM_NO_CHANGE_IN_DATA, "_job_post_update"), (0, "slurmdb_job_modify()")]
