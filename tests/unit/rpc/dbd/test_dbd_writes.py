"""slurmdbd write messages: record encoders (against the decoders and the C NULL forms),
the add/modify/remove reply semantics, and the one-transaction-per-request guard."""

import pytest

from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc.dbd import records, writes
from slurmrestd.rpc.dbd.frames import PersistRc, Reply
from slurmrestd.rpc.dbd.session import DbdSession
from slurmrestd.rpc.pack import NO_VAL, Packer, Unpacker
from slurmrestd.rpc.protocol import SUPPORTED_VERSIONS, V24_11, V25_11, V26_05
from slurmrestd.slurm.dbd_msg_types import DbdMsgType as T
from slurmrestd.slurm.sentinels import NO_VAL16

from tests.unit.rpc.dbd.test_dbd_pool import jwt, make


def packed(fn, rec, version):
    p = Packer()
    fn(p, rec, version)
    return p.getvalue()


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_assoc_rec_round_trip_and_new_defaults(version):
    rec = {"acct": "a", "user": "u", "cluster": "c", "qos_list": ["1", "2"], "grp_tres": "1=4",
           "max_jobs": 7, "accounting_list": [{"alloc_secs": 5, "tres_rec": {"id": 1, "count": 2},
                                               "id": 3, "id_alt": 4, "period_start": 99}]}
    got = records.unpack_assoc_rec(Unpacker(packed(records.pack_assoc_rec, rec, version)), version)
    assert got["acct"] == "a" and got["qos_list"] == ["1", "2"] and got["max_jobs"] == 7
    assert got["accounting_list"][0]["tres_rec"]["count"] == 2 and got["accounting_list"][0]["period_start"] == 99
    # members not given are slurmdb_init_assoc_rec()'s
    assert got["priority"] == NO_VAL and got["is_def"] == NO_VAL16 and got["shares_raw"] == NO_VAL
    assert got["def_qos_id"] == NO_VAL and got["flags"] == 0 and got["parent_acct"] is None


def test_assoc_rec_null_form_is_the_c_one():
    b = packed(records.pack_assoc_rec, None, V26_05)
    u = Unpacker(b)
    d = records.unpack_assoc_rec(u, V26_05)
    u.expect_end()
    assert d["accounting_list"] is None and d["qos_list"] is None
    assert d["priority"] == 0 and d["is_def"] == 0 and d["id"] == 0 and d["max_wall_pj"] == NO_VAL


@pytest.mark.parametrize("version", (V24_11, V25_11, V26_05))
def test_user_rec_both_layouts(version):
    rec = {"name": "u", "default_acct": "a", "admin_level": 1, "assoc_list": [], "coord_accts": [],
           "wckey_list": [{"name": "w", "user": "u", "cluster": "c", "is_def": 1}]}
    b = packed(records.pack_user_rec, rec, version)
    u = Unpacker(b)
    got = records.unpack_user_rec(u, version)
    u.expect_end()
    assert got["name"] == "u" and got["assoc_list"] == [] and got["wckey_list"][0]["is_def"] == 1
    null = packed(records.pack_user_rec, None, version)
    assert null == (b"\x00" if version >= V25_11 else
                    Packer().u16(0).u32(NO_VAL).u32(NO_VAL).null().null().u32(0).null().null().u32(0)
                    .u32(NO_VAL).getvalue())


def test_account_and_add_assoc_cond():
    v = V26_05
    acct = {"name": "a", "description": "d", "organization": "o", "coordinators": [{"name": "x"}], "assoc_list": []}
    got = records.unpack_account_rec(Unpacker(packed(records.pack_account_rec, acct, v)), v)
    assert got["coordinators"] == [{"name": "x", "direct": 0}] and got["assoc_list"] == []
    add = {"acct_list": ["a", "b"], "cluster_list": ["c"], "assoc": {"parent_acct": "root"}}
    u = Unpacker(packed(records.pack_add_assoc_cond, add, v))
    assert u.str_list() == ["a", "b"]
    assoc = records.unpack_assoc_rec(u, v)
    assert assoc["parent_acct"] == "root" and assoc["priority"] == NO_VAL
    assert u.str_list() == ["c"] and u.str_list() is None and u.str_list() is None and u.str_list() is None
    u.expect_end()


def test_list_body_and_modify_body():
    body = writes.list_body(records.pack_wckey_rec, [{"name": "w"}])(V26_05)
    u = Unpacker(body)
    items, rc = writes.unpack_list_msg(u, V26_05, records.unpack_wckey_rec)
    assert items[0]["name"] == "w" and rc == 0
    with pytest.raises(SlurmError) as e:
        writes.list_body(records.pack_wckey_rec, [{"name": "w", "id": "x"}])(V26_05)
    assert e.value.errno == E.ESLURM_REST_INVALID_QUERY


def got_list(names, rc=0):
    p = Packer().u32(len(names))
    for n in names:
        p.str(n)
    return Reply(T.DBD_GOT_LIST, Unpacker(p.u32(rc).getvalue()))


def rc_reply(rc, comment=None, ret=0):
    return Reply(1433, Unpacker(b""), PersistRc(comment, 0, rc, ret))


def test_reply_semantics():
    pool, conn, clock, _ = make()
    db = DbdSession(pool, jwt())
    c = db.open()
    c.replies = [rc_reply(0), rc_reply(E.ESLURM_ACCESS_DENIED, "denied"),
                 got_list(["a"]), rc_reply(0), rc_reply(E.SLURM_NO_CHANGE_IN_DATA),
                 got_list(["j1"], E.ESLURM_JOBS_RUNNING_ON_ASSOC),
                 rc_reply(E.SLURM_NO_CHANGE_IN_DATA, " Nothing added"), rc_reply(0, " Added accounts")]
    writes.add(db, "accounts", [{"name": "a"}])
    with pytest.raises(SlurmError) as e:
        writes.add(db, "accounts", [{"name": "a"}])
    assert e.value.errno == E.ESLURM_ACCESS_DENIED and e.value.description == "denied"
    assert writes.modify(db, "accounts", {}, {"description": "x"}) == ["a"]
    assert writes.modify(db, "accounts", {}, {"description": "x"}) == []
    with pytest.raises(SlurmError) as e:
        writes.modify(db, "accounts", {}, {"description": "x"})
    assert e.value.errno == E.SLURM_NO_CHANGE_IN_DATA
    with pytest.raises(writes.ListError) as e:
        writes.remove(db, "associations", {})
    assert e.value.errno == E.ESLURM_JOBS_RUNNING_ON_ASSOC and e.value.items == ["j1"]
    assert writes.add_cond(db, "accounts", {"acct_list": ["a"]}, None) == writes.Result(
        E.SLURM_NO_CHANGE_IN_DATA, " Nothing added")
    assert writes.add_cond(db, "users", {"user_list": ["u"]}, {"name": "u"}).comment == " Added accounts"
    db.release()


def test_no_silent_reconnect_after_a_write_and_no_false_commit():
    pool, conn, clock, _ = make()
    db = DbdSession(pool, jwt())
    db.request(T.DBD_ADD_ACCOUNTS, b"")
    db.open().broken = True                 # slurmdbd closed it (access denied, restart …)
    with pytest.raises(SlurmError) as e:
        db.request(T.DBD_GET_ACCOUNTS, b"")
    assert e.value.errno == E.ESLURM_DB_CONNECTION and len(conn.opened) == 1
    db.release(commit=False)
    # the handler did not notice, and the request wants to commit: that must fail
    db = DbdSession(pool, jwt())
    db.request(T.DBD_MODIFY_USERS, b"")
    db.open().broken = True
    with pytest.raises(SlurmError) as e:
        db.release(commit=True)
    assert e.value.errno == E.ESLURM_DB_CONNECTION
    # reads alone still reconnect, as the C client does
    db = DbdSession(pool, jwt())
    db.request(T.DBD_GET_STATS, b"")
    db.open().broken = True
    db.request(T.DBD_GET_ACCOUNTS, b"")
    db.release(commit=True)


def test_write_tables_name_their_message_and_function():
    """Each table entry's DBD message and libslurmdb function belong to its family and kind."""
    from slurmrestd.slurm.dbd_msg_types import dbd_msg_type_name
    for table, verb in ((writes.ADD, "ADD"), (writes.ADD_COND, "ADD"), (writes.MODIFY, "MODIFY"),
                        (writes.REMOVE, "REMOVE")):
        for kind, w in table.items():
            assert dbd_msg_type_name(w.msg_type).startswith("DBD_%s_" % verb), (kind, w)
            assert w.func.startswith("slurmdb_%s_" % kind), (kind, w)
            assert w.pack_rec is not None or table is writes.REMOVE, (kind, w)
            assert w.pack_cond is not None or table in (writes.ADD, writes.ADD_COND), (kind, w)
    assert set(writes.ADD_COND) == {"accounts", "users"}
    assert writes.ADD_COND["users"].msg_type == T.DBD_ADD_USERS_COND


def test_tres_add_of_none_sends_nothing():
    class NoSession:
        def request(self, *a):
            raise AssertionError("sent")
    writes.add(NoSession(), "tres", None)
