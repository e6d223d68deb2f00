"""The account, user and association write handlers against a scripted slurmdbd session:
which messages they send, in which order, and how they answer (as the reference)."""

import types

from handler_run import run

from slurmrestd.errors import E
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmdbd import accounts, associations, users
from slurmrestd.rpc.dbd import conds, records
from slurmrestd.rpc.dbd.frames import decode_reply
from slurmrestd.rpc.dbd.session import DbdSession
from slurmrestd.rpc.pack import NO_VAL, Packer, Unpacker
from slurmrestd.rpc.protocol import V24_11, V26_05
from slurmrestd.slurm.dbd_msg_types import DbdMsgType as T
from slurmrestd.slurm.sentinels import INFINITE64

OK = Packer().u16(1433).str(None).u16(0).u32(0).u16(0).getvalue()


def rc_reply(rc, comment=None):
    return Packer().u16(1433).str(comment).u16(0).u32(rc & 0xFFFFFFFF).u16(0).getvalue()


def got(msg_type, pack, items, version=V26_05):
    p = Packer().u16(msg_type)
    records.pack_list(p, items, pack, version)
    return p.u32(0).getvalue()


def names(items):
    p = Packer().u16(T.DBD_GOT_LIST).u32(len(items))
    for n in items:
        p.str(n)
    return p.u32(0).getvalue()


class Scripted:
    """A DbdSession stand-in: replies per message type (a list is used up in order)."""

    def __init__(self, replies, version=V26_05):
        self.version = version
        self.replies = replies
        self.sent = []

    def open(self):
        return self

    def request(self, msg_type, body):
        data = body(self.version) if callable(body) else body
        self.sent.append((T(msg_type).name, data))
        raw = self.replies.get(msg_type, OK)
        if isinstance(raw, list):
            raw = raw.pop(0) if len(raw) > 1 else raw[0]
        return decode_reply(raw)

    def abandon(self):
        pass

    # the session's own list exchange (the GETs use it)
    get_list = DbdSession.get_list

    @property
    def _conn(self):
        return self

    def _poison(self, conn):
        pass

    def release(self, commit=False):
        self.committed = commit


def make_ctx(db, method, path, body, version="v0.0.45"):
    site = types.SimpleNamespace(dbd=lambda identity: db, cluster_name="c1")
    ctx = OperationContext(method, path, {}, body, None, version, site)
    ctx.diag.loaders["QOS"] = lambda: [{"id": 1, "name": "normal"}]
    ctx.diag.loaders["TRES"] = lambda: [{"id": 1, "type": "cpu", "name": None}, {"id": 2, "type": "mem", "name": None},
                                        {"id": 4, "type": "node", "name": None}]
    return ctx


def sent_types(db):
    return [t for t, _ in db.sent]


def test_diff_tres():
    assert associations.diff_tres(None, "1=4") == "1=4"
    assert associations.diff_tres("", None) is None
    assert associations.diff_tres("1=4,2=1000", "1=8") == "1=8,2=%d" % INFINITE64
    assert associations.diff_tres("2=1000", "1=8,2=5") == "2=5,1=8"
    assert associations.diff_tres("1=4", None) == "1=%d" % INFINITE64


def test_diff_assoc_keeps_what_the_request_leaves_unset():
    stored = {"id": 7, "acct": "a", "user": "u", "cluster": "c1", "max_jobs": 3, "grp_jobs": 9, "qos_list": ["1"],
              "max_tres_pj": "1=4", "parent_acct": "root", "comment": "kept", "flags": 0, "lineage": "/a/0-u/"}
    wanted = dict(records.ASSOC_REC_NEW, acct="a", user="u", cluster="c1", max_jobs=5, parent_acct="root")
    rec = associations.diff_assoc(stored, wanted)
    assert rec["max_jobs"] == 5 and rec["grp_jobs"] == NO_VAL and rec["qos_list"] == ["1"]
    assert rec["max_tres_pj"] == "1=%d" % INFINITE64 and rec["parent_acct"] is None
    assert (rec["id"], rec["comment"], rec["lineage"]) == (7, "kept", "/a/0-u/")


def test_post_accounts_adds_then_modifies_with_coordinators():
    acct = {"name": "a1", "description": "d", "organization": "o", "coordinators": [{"name": "x", "direct": 1}]}
    db = Scripted({T.DBD_GET_ACCOUNTS: [OK, got(T.DBD_GOT_ACCOUNTS, records.pack_account_rec, [acct])],
                   T.DBD_MODIFY_ACCOUNTS: names(["a1"]), T.DBD_REMOVE_ACCOUNT_COORDS: names(["x"])})
    body = {"accounts": [{"name": "a1", "description": "d", "organization": "o", "coordinators": [{"name": "x"}]},
                         {"name": "a1", "description": "d2", "organization": "o", "coordinators": [{"name": "y"}]}]}
    ctx = make_ctx(db, "POST", "/slurmdb/v0.0.45/accounts/", body)
    assert run(accounts.post_accounts, ctx) == {}
    assert ctx.errors == [] and ctx.warnings == []
    assert sent_types(db) == ["DBD_GET_ACCOUNTS", "DBD_ADD_ACCOUNTS", "DBD_ADD_ACCOUNT_COORDS",
                              "DBD_GET_ACCOUNTS", "DBD_MODIFY_ACCOUNTS", "DBD_ADD_ACCOUNT_COORDS",
                              "DBD_REMOVE_ACCOUNT_COORDS"]
    # the coordinator messages: u32 1, the account, then a user_cond naming the coordinator
    u = Unpacker(db.sent[-1][1])
    assert (u.u32(), u.str(), u.u16(), u.bool()) == (1, "a1", 0, True)
    assert conds.ASSOC_COND.decode(u, V26_05)["user_list"] == ["x"]


def test_a_failed_item_stops_the_list():
    db = Scripted({T.DBD_GET_ACCOUNTS: OK, T.DBD_ADD_ACCOUNTS: rc_reply(E.ESLURM_ACCESS_DENIED, "no")})
    body = {"accounts": [{"name": n, "description": "d", "organization": "o"} for n in ("a1", "a2")]}
    ctx = make_ctx(db, "POST", "/slurmdb/v0.0.45/accounts/", body)
    run(accounts.post_accounts, ctx)
    assert [(e["error_number"], e["description"], e["source"]) for e in ctx.errors] == [
        (E.ESLURM_ACCESS_DENIED, "slurmdb_accounts_add() failed", "_foreach_update_acct")]
    assert sent_types(db) == ["DBD_GET_ACCOUNTS", "DBD_ADD_ACCOUNTS"]


def test_unparsable_body_sends_nothing():
    db = Scripted({})
    ctx = make_ctx(db, "POST", "/slurmdb/v0.0.45/accounts/", {"accounts": [{"name": "a1"}]})
    run(accounts.post_accounts, ctx)
    assert [e["error_number"] for e in ctx.errors] == [9200] and db.sent == []


def test_user_rename_of_nobody_and_default_wckey():
    db = Scripted({T.DBD_GET_USERS: OK})
    ctx = make_ctx(db, "POST", "/slurmdb/v0.0.45/users/", {"users": [{"name": "new", "old_name": "old"}]})
    run(users.post_users, ctx)
    assert [(e["error_number"], e["description"]) for e in ctx.errors] == [
        (E.ESLURM_USER_ID_MISSING, "Unable to rename non-existent user old to new")]
    for version in (V24_11, V26_05):
        db = Scripted({T.DBD_GET_USERS: OK}, version)
        ctx = make_ctx(db, "POST", "/slurmdb/v0.0.45/users/",
                       {"users": [{"name": "u1", "default": {"wckey": "wk"}, "flags": ["DELETED"]}]})
        run(users.post_users, ctx)
        assert ctx.errors == [] and ctx.warnings == [
            {"description": "Ignoring request to set flag: DELETED", "source": "_foreach_update_user"}]
        assert sent_types(db) == ["DBD_GET_USERS", "DBD_ADD_USERS"]
        u = Unpacker(db.sent[-1][1])
        n = u.u32()
        user = records.unpack_user_rec(u, version)
        assert n == 1 and user["flags"] == 0 and user["assoc_list"] == []
        assert [(w["name"], w["user"], w["cluster"], w["is_def"]) for w in user["wckey_list"]] == [
            ("wk", "u1", "c1", 1)]


def test_users_association_defaults_and_refusal():
    db = Scripted({T.DBD_ADD_USERS_COND: rc_reply(0, " Added")})
    ctx = make_ctx(db, "POST", "/slurmdb/v0.0.45/users_association/",
                   {"association_condition": {"users": ["u1"]}, "user": {"defaultaccount": "Acc1"}})
    assert run(users.post_users_association, ctx)["added_users"] == " Added"
    u = Unpacker(db.sent[0][1])
    assert u.str_list() == ["acc1"]
    db = Scripted({})
    ctx = make_ctx(db, "POST", "/slurmdb/v0.0.45/users_association/",
                   {"association_condition": {"users": ["u1"]}, "user": {}})
    doc = run(users.post_users_association, ctx)
    assert [(e["error_number"], e["description"]) for e in ctx.errors] == [
        (E.ESLURM_DATA_AMBIGUOUS_QUERY, "Need name of account(s) or wckey(s) to add")]
    assert db.sent == [] and doc["added_users"] == ""


def test_association_modify_sends_the_diff_and_delete_one_refuses_many():
    stored = dict(records.ASSOC_REC_NEW, id=5, acct="a", user="u", cluster="c1", partition=None,
                  max_tres_pj="1=4,2=1000", max_jobs=3, qos_list=["1"])
    db = Scripted({T.DBD_GET_ASSOCS: got(T.DBD_GOT_ASSOCS, records.pack_assoc_rec, [stored]),
                   T.DBD_MODIFY_ASSOCS: names(["x"])})
    body = {"associations": [{"account": "a", "cluster": "c1", "user": "u",
                              "max": {"tres": {"per": {"job": [{"type": "cpu", "count": 8}]}}}}]}
    ctx = make_ctx(db, "POST", "/slurmdb/v0.0.45/associations/", body)
    run(associations.post_associations, ctx)
    assert ctx.errors == [] and sent_types(db) == ["DBD_GET_ASSOCS", "DBD_MODIFY_ASSOCS"]
    u = Unpacker(db.sent[1][1])
    cond = conds.unpack_assoc_cond(u, V26_05)
    assert (cond["acct_list"], cond["partition_list"], cond["user_list"]) == (["a"], [""], ["u"])
    rec = records.unpack_assoc_rec(u, V26_05)
    assert rec["max_tres_pj"] == "1=8,2=%d" % INFINITE64 and rec["max_jobs"] == NO_VAL and rec["id"] == 5
    db = Scripted({T.DBD_REMOVE_ASSOCS: names(["one", "two"])})
    ctx = make_ctx(db, "DELETE", "/slurmdb/v0.0.45/association/", {"account": "a"})
    assert run(associations.delete_association, ctx) == {}
    assert [(e["error_number"], e["description"]) for e in ctx.errors] == [
        (E.ESLURM_DATA_AMBIGUOUS_MODIFY, "ambiguous request: More than 1 association would have been deleted.")]


def test_delete_nothing_is_304_and_remove_errors_are_named():
    db = Scripted({T.DBD_REMOVE_ACCOUNTS: rc_reply(E.SLURM_NO_CHANGE_IN_DATA)})
    ctx = make_ctx(db, "DELETE", "/slurmdb/v0.0.45/account/x", None)
    ctx.params = {"account_name": "x"}
    assert run(accounts.delete_account, ctx) == {}
    assert [(e["error_number"], e["description"], e["source"]) for e in ctx.errors] == [
        (E.SLURM_NO_CHANGE_IN_DATA, "slurmdb_accounts_remove failed", "_delete_account")]
    u = Unpacker(db.sent[0][1])
    assert u.bool() and conds.ASSOC_COND.decode(u, V26_05)["user_list"] == []   # an empty list, not NULL
