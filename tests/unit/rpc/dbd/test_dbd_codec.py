"""slurmdbd framing, cond encoders and record decoders against the captured fixtures
(shared/reference/dbd-fixtures: protocol 24.11 … 26.05, request and reply of each GET)."""

import os

import pytest
from shared_dir import REFERENCE

from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc.dbd import conds, records
from slurmrestd.rpc.dbd.frames import decode_reply, encode_fini, encode_msg, init_body
from slurmrestd.rpc.dbd.session import pack_cond, unpack_list_msg
from slurmrestd.rpc.pack import NO_VAL, Unpacker
from slurmrestd.rpc.protocol import V24_11, V25_05, V25_11, V26_05
from slurmrestd.slurm.dbd_msg_types import DbdMsgType as T, dbd_msg_type_name

FIXTURES = os.path.join(REFERENCE, "dbd-fixtures")
VERSIONS = {"2a00": V24_11, "2b00": V25_05, "2c00": V25_11, "2d00": V26_05}
needs_fixtures = pytest.mark.skipif(not os.path.isdir(FIXTURES), reason="no dbd fixtures")


def fixture(prefix, name, kind):
    with open(os.path.join(FIXTURES, "%s_%s.%s.bin" % (prefix, name, kind)), "rb") as fh:
        return fh.read()


# -- framing ---------------------------------------------------------------------------------


def test_message_numbers():
    assert (T.DBD_FINI, T.DBD_GET_ACCOUNTS, T.DBD_GET_QOS, T.DBD_GET_TRES, T.DBD_GET_STATS, T.DBD_GOT_CONFIG) \
        == (1401, 1409, 1448, 1486, 1489, 1508)
    assert T.SLURM_PERSIST_RC == 1433 and T.SLURM_PERSIST_INIT == 6500
    assert dbd_msg_type_name(1409) == "DBD_GET_ACCOUNTS"
    assert dbd_msg_type_name(6500) == "SLURM_PERSIST_INIT"
    assert dbd_msg_type_name(1433) == "MsgType=1433"  # slurmdbd has no name for it
    assert dbd_msg_type_name(1999) == "MsgType=1999"


def test_frames_bytes():
    assert encode_msg(T.DBD_GET_STATS) == bytes.fromhex("0000000205d1")
    assert encode_fini(True) == bytes.fromhex("00000006057900000001")
    assert encode_fini(False) == bytes.fromhex("00000006057900000000")
    assert init_body(V26_05, "peer") == bytes.fromhex("2d00000000057065657200000100 00".replace(" ", ""))


def test_persist_rc_decoded():
    r = decode_reply(bytes.fromhex("0599000000000000000000002d00"))
    assert r.msg_type == T.SLURM_PERSIST_RC
    assert (r.rc.comment, r.rc.flags, r.rc.rc, r.rc.ret_info) == (None, 0, 0, V26_05)
    r = decode_reply(bytes.fromhex("0599") + bytes.fromhex("00000004") + b"bad\0" + bytes.fromhex("0000ffffffff0591"))
    assert (r.rc.comment, r.rc.rc, r.rc.ret_info) == ("bad", -1, 1425)


@pytest.mark.parametrize("payload", [b"", b"\x05"])
def test_reply_without_a_message_type_is_refused(payload):
    with pytest.raises(SlurmError) as ei:
        decode_reply(payload)
    assert ei.value.errno == E.SLURM_PROTOCOL_INSANE_MSG_LENGTH


# -- conds: the probe's requests, byte for byte ------------------------------------------------

#: fixture request → (packer, cond) that produce it
REQUESTS = {
    "GET_ACCOUNTS": (conds.pack_account_cond, {"flags": 6}),
    "GET_TRES": (conds.pack_tres_cond, {"count": NO_VAL, "with_deleted": 1}),
    "GET_QOS": (conds.pack_qos_cond, {"flags": 1}),
    "GET_WCKEYS": (conds.pack_wckey_cond, {"with_deleted": 1}),
    "GET_CLUSTERS": (conds.pack_cluster_cond, None),
    "GET_USERS": (conds.pack_user_cond, {"assoc_cond": {}, "with_assocs": 1, "with_coords": 1,
                                         "with_wckeys": 1}),
    "GET_ASSOCS": (conds.pack_assoc_cond, {}),
    "GET_CONFIG": (conds.pack_config_request, None),
}


@needs_fixtures
@pytest.mark.parametrize("prefix", sorted(VERSIONS))
@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_cond_encoding_matches_fixture(prefix, name):
    raw = fixture(prefix, name, "req")
    packer, cond = REQUESTS[name]
    msg_type = int.from_bytes(raw[:2], "big")
    assert msg_type == T["DBD_" + name]
    assert pack_cond(packer, cond)(VERSIONS[prefix]) == raw[2:]


def test_null_and_empty_lists_differ():
    none = pack_cond(conds.pack_qos_cond, {"name_list": None})(V26_05)
    empty = pack_cond(conds.pack_qos_cond, {"name_list": []})(V26_05)
    one = pack_cond(conds.pack_qos_cond, {"name_list": ["normal"]})(V26_05)
    # present, description, flags, format, id: the name list starts at byte 15
    assert none[15:19] == b"\xff\xff\xff\xfe" and empty[15:19] == b"\0\0\0\0"
    assert one[15:] == bytes.fromhex("00000001") + b"\0\0\0\x07normal\0" + b"\0\0"


def test_cluster_cond_flags_default_no_val():
    body = pack_cond(conds.pack_cluster_cond, {"cluster_list": ["forky"]})(V26_05)
    u = Unpacker(body)
    assert u.u16() == 0 and u.str_list() == ["forky"] and u.str_list() is None and u.u32() == NO_VAL


def test_null_account_cond():
    assert pack_cond(conds.pack_account_cond, None)(V26_05) == bytes.fromhex("00fffffffefffffffe00000000")


# -- records -----------------------------------------------------------------------------------

DECODERS = {
    "GET_ACCOUNTS": (T.DBD_GOT_ACCOUNTS, records.unpack_account_rec),
    "GET_ASSOCS": (T.DBD_GOT_ASSOCS, records.unpack_assoc_rec),
    "GET_CLUSTERS": (T.DBD_GOT_CLUSTERS, records.unpack_cluster_rec),
    "GET_QOS": (T.DBD_GOT_QOS, records.unpack_qos_rec),
    "GET_TRES": (T.DBD_GOT_TRES, records.unpack_tres_rec),
    "GET_USERS": (T.DBD_GOT_USERS, records.unpack_user_rec),
    "GET_WCKEYS": (T.DBD_GOT_WCKEYS, records.unpack_wckey_rec),
}


def decode_list(prefix, name):
    got, fn = DECODERS[name]
    u = Unpacker(fixture(prefix, name, "resp"))
    assert u.u16() == got
    items, rc = unpack_list_msg(u, VERSIONS[prefix], fn)
    u.expect_end()
    assert rc == 0
    return items


@needs_fixtures
@pytest.mark.parametrize("prefix", sorted(VERSIONS))
@pytest.mark.parametrize("name", sorted(DECODERS))
def test_every_reply_decodes_to_the_last_byte(prefix, name):
    assert decode_list(prefix, name) is not None


@needs_fixtures
def test_same_records_at_every_version():
    """The probe read the same database at all four versions: only the 25.11 user
    field differs (24.11/25.05 do not send def_qos_id)."""
    for name in DECODERS:
        base = decode_list("2d00", name)
        for prefix in ("2a00", "2b00", "2c00"):
            other = decode_list(prefix, name)
            if name == "GET_USERS" and prefix in ("2a00", "2b00"):
                other = [dict(u, def_qos_id=b["def_qos_id"]) for u, b in zip(other, base)]
            if name == "GET_CLUSTERS":
                # the cluster record says which version the probe's connection used
                other = [dict(c, rpc_version=b["rpc_version"]) for c, b in zip(other, base)]
            assert other == base, (name, prefix)


@needs_fixtures
def test_record_values():
    tres = decode_list("2d00", "GET_TRES")
    assert [(t["id"], t["type"], t["name"]) for t in tres][:5] == [
        (1, "cpu", None), (2, "mem", None), (3, "energy", None), (4, "node", None), (5, "billing", None)]
    qos = decode_list("2d00", "GET_QOS")
    assert qos[0]["name"] == "normal" and qos[0]["id"] == 1 and qos[0]["usage_factor"] == 1.0
    assert qos[0]["preempt_bitstr"] is None or isinstance(qos[0]["preempt_bitstr"], list)
    accts = decode_list("2d00", "GET_ACCOUNTS")
    assert [a["name"] for a in accts] == ["root", "testacct"]
    assert accts[0]["assoc_list"][0]["acct"] == "root" and accts[0]["assoc_list"][0]["cluster"] == "peer"
    users = decode_list("2d00", "GET_USERS")
    assert users[0]["name"] and isinstance(users[0]["assoc_list"], list)
    clusters = decode_list("2d00", "GET_CLUSTERS")
    c = clusters[0]
    assert c["name"] == "peer" and c["control_host"] == "127.0.0.1" and c["flags"] == 128
    assert c["root_assoc"]["acct"] == "root" and c["rpc_version"] <= V26_05
    assocs = decode_list("2d00", "GET_ASSOCS")
    assert {a["acct"] for a in assocs} == {"root", "testacct"}
    assert decode_list("2d00", "GET_WCKEYS") == []


@needs_fixtures
@pytest.mark.parametrize("prefix", sorted(VERSIONS))
def test_stats_reply(prefix):
    u = Unpacker(fixture(prefix, "GET_STATS", "resp"))
    assert u.u16() == T.DBD_GOT_STATS
    s = records.unpack_stats_msg(u, VERSIONS[prefix])
    u.expect_end()
    assert s["time_start"] > 0 and s["rpc_list"]
    for r in s["rpc_list"]:
        assert r["time_ave"] == (r["time"] // r["cnt"] if r["cnt"] else 0)
    assert "count[DBD_ROLLUP_HOUR]" in s["dbd_rollup_stats"]


@needs_fixtures
@pytest.mark.parametrize("prefix", sorted(VERSIONS))
def test_config_reply(prefix):
    u = Unpacker(fixture(prefix, "GET_CONFIG", "resp"))
    t = u.u16()
    if VERSIONS[prefix] >= V26_05:
        assert t == T.DBD_GOT_CONFIG
        conf = records.unpack_slurmdbd_conf(u, VERSIONS[prefix])
        assert conf["dbd_port"] == 6819 and conf["storage_user"] == ""
    else:
        assert t == T.DBD_GOT_CONFIG_KEYPAIRS
        pairs, _ = unpack_list_msg(u, VERSIONS[prefix], records.unpack_key_pair)
        assert any(p["name"] == "DbdPort" for p in pairs)
    u.expect_end()


def test_user_rec_absent_at_25_11():
    u = Unpacker(b"\0")
    d = records.unpack_user_rec(u, V25_11)
    assert d["name"] is None and d["assoc_list"] is None
    u.expect_end()
