"""Partition and reservation handlers with a scripted controller client: which RPCs go out,
what is reported, and what the answer echoes (the cluster tests compare with the reference)."""

import os

import pytest

from ctld_replay import replay_client
from handler_run import run

from slurmrestd.auth import Identity
from slurmrestd.errors import E
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmctld import partitions as hp
from slurmrestd.operations.slurmctld import reservations as hr
from slurmrestd.slurm.msg_types import MsgType
from slurmrestd.rpc.pack import Packer, Unpacker
from slurmrestd.rpc.protocol import V26_05, decode_message

GOLDEN = os.path.join(os.path.dirname(__file__), "..", "rpc", "golden", "parts")
START = 1830722400


class FakeSite:
    def __init__(self, client):
        self.client = client

    def ctld(self, identity):
        return self.client


def rc(n):
    return (MsgType.RESPONSE_SLURM_RC, Packer().u32(n).getvalue(), n)


def golden_reply(name):
    path = os.path.join(GOLDEN, name + ".resp.bin")
    if not os.path.exists(path):
        pytest.skip("golden capture %s missing" % name)
    with open(path, "rb") as fh:
        msg = decode_message(fh.read()[4:])
    return (msg.msg_type, msg.body.rest(), None)


NO_RESV = (MsgType.RESPONSE_RESERVATION_INFO, Packer().u32(0).time(5).getvalue(), None)


def ctx_for(method, params=None, query=None, replies=(), version="v0.0.45"):
    client = replay_client(None, replies)
    ctx = OperationContext(method, "/", params or {}, query, Identity("rest_auth/jwt", "root", "t"), version,
                           FakeSite(client))
    return ctx, client


# -- reservations -------------------------------------------------------------------------------------

SEED = {"name": "important_jobs", "duration": {"set": True, "number": 15}, "node_list": ["n1"],
        "start_time": {"set": True, "number": START}, "users": ["slurm"],
        "flags": ["IGNORE_JOBS", "MAGNETIC", "DAILY"]}


def test_create_echoes_the_description_with_the_init_defaults():
    ctx, client = ctx_for("POST", query=SEED, replies=[
        NO_RESV, (MsgType.RESPONSE_CREATE_RESERVATION, Packer().str("important_jobs").getvalue(), None)])
    out = hr.post_reservation(ctx)
    assert ctx.errors == []
    assert [s.msg_type for s in client.transport.sent] == [MsgType.REQUEST_RESERVATION_INFO,
                                                          MsgType.REQUEST_CREATE_RESERVATION]
    assert client.transport.sent[1][2] == client.version == V26_05, "the create goes out pinned to the version in use"
    (r,) = out["reservations"]
    assert r["name"] == "important_jobs" and r["node_list"] == ["n1"] and r["users"] == ["slurm"]
    assert r["flags"] == ["DAILY", "IGNORE_JOBS", "MAGNETIC"]
    assert r["end_time"] == {"set": True, "infinite": False, "number": 0xFFFFFFFE}
    assert r["core_count"] == {"set": False, "infinite": False, "number": 0}
    assert r["tres"] == [] and r["accounts"] == []


def test_existing_name_is_updated_without_checks():
    existing = golden_reply("forky-2d00-resvs_new-0")
    name = hr.rpc.unpack_reserve_info_msg(Unpacker(existing[1]), V26_05)["reservation_array"][0]["name"]
    ctx, client = ctx_for("POST", query={"name": name.upper(), "duration": {"set": True, "number": 20}},
                          replies=[existing, rc(0)])
    out = hr.post_reservation(ctx)
    assert ctx.errors == []
    assert client.transport.sent[1][0] == MsgType.REQUEST_UPDATE_RESERVATION
    (r,) = out["reservations"]
    assert r["flags"] == [] and r["start_time"]["number"] == 0xFFFFFFFE


def test_create_refused_by_the_checks_sends_nothing_more():
    ctx, client = ctx_for("POST", query={**SEED, "users": None, "groups": None}, replies=[NO_RESV])
    assert run(hr.post_reservation, ctx) is None
    assert [m for m, _, _ in client.transport.sent] == [MsgType.REQUEST_RESERVATION_INFO]
    assert ctx.errors[0]["error_number"] == E.ESLURM_RESERVATION_INVALID
    assert ctx.errors[0]["source"] == "validate_resv_create_desc"


def test_create_needs_a_name_and_a_body():
    ctx, client = ctx_for("POST", query={"duration": {"set": True, "number": 1}})
    run(hr.post_reservation, ctx)
    assert ctx.errors == [{"description": "Reservation must be given.", "error_number": 2053,
                           "error": "Requested reservation is invalid", "source": "_mod_reservation"}]
    assert client.transport.sent == []
    ctx, _ = ctx_for("POST")
    run(hr.post_reservation, ctx)
    assert ctx.errors[0]["description"] == "unexpected empty query for reservation creation"


def test_create_failure_without_nodes_explains_partitions():
    ctx, _ = ctx_for("POST", query={**SEED, "node_list": None, "node_count": {"set": True, "number": 1}},
                     replies=[NO_RESV, rc(E.ESLURM_NODES_BUSY)])
    assert run(hr.post_reservation, ctx) is None
    assert ctx.errors[0]["error_number"] == E.ESLURM_NODES_BUSY
    assert "must exist in a single partition" in ctx.errors[0]["description"]


def test_list_stops_before_any_rpc_when_a_name_is_missing():
    ctx, client = ctx_for("POST", query={"reservations": [SEED, {"duration": {"set": True, "number": 1}}]})
    run(hr.post_reservations, ctx)
    assert client.transport.sent == []
    assert ctx.errors[-1]["source"] == "_check_resv_name"


def test_list_reports_each_failure_and_echoes_nothing():
    ctx, client = ctx_for("POST", query={"reservations": [SEED, {**SEED, "name": "b"}]},
                          replies=[NO_RESV, rc(E.ESLURM_USER_ID_MISSING), rc(E.ESLURM_USER_ID_MISSING)])
    assert run(hr.post_reservations, ctx) is None
    assert [e["description"] for e in ctx.errors] == ["Error creating reservation  important_jobs",
                                                      "Error creating reservation  b"]


def test_get_one_without_reservations_is_error_zero():
    ctx, _ = ctx_for("GET", params={"reservation_name": "x"}, replies=[NO_RESV])
    run(hr.get_reservation, ctx)
    assert ctx.errors == [{"description": "Unable to query reservations", "error_number": 0, "error": "No error",
                           "source": "slurm_load_reservations()"}]
    assert ctx.rc == 0


def test_get_with_update_time_and_no_change_is_304():
    ctx, _ = ctx_for("GET", query={"update_time": "5"}, replies=[rc(E.SLURM_NO_CHANGE_IN_DATA)])
    run(hr.get_reservations, ctx)
    assert ctx.rc == E.SLURM_NO_CHANGE_IN_DATA
    ctx, _ = ctx_for("GET", query={"update_time": "5"}, replies=[rc(E.SLURM_NO_CHANGE_IN_DATA)])
    assert hp.get_partitions(ctx) is None
    assert ctx.rc == E.SLURM_NO_CHANGE_IN_DATA and ctx.errors == []


def test_tres_are_named_by_type():
    ctx, client = ctx_for("POST", query={**SEED, "tres": [{"type": "cpu", "count": 2}]}, replies=[
        NO_RESV, (MsgType.RESPONSE_CREATE_RESERVATION, Packer().str("important_jobs").getvalue(), None)])
    out = hr.post_reservation(ctx)
    assert ctx.errors == []
    assert b"\x00\x00\x00\x06cpu=2\x00" in client.transport.sent[1][1]
    assert out["reservations"][0]["tres"] == [{"type": "cpu", "name": "", "id": 1, "count": 2}]


# -- partitions ---------------------------------------------------------------------------------------

NO_PARTS = (MsgType.RESPONSE_PARTITION_INFO, Packer().u32(0).time(5).getvalue(), None)


def test_post_partitions_create_update_and_skip():
    existing = golden_reply("forky-2d00-parts-0")
    body = {"partitions": [
        {"name": "h9u_new", "nodes": {"configured": "n1"}, "node_sets": "ns1", "cpus": {"total": 4},
         "partition": {"exclusive": "USER"}},
        {"name": "DEFAULT", "maximums": {"time": {"set": True, "number": 5}}},
        {"maximums": {"time": {"set": True, "number": 5}}},
        {"name": "debug", "priority": {"tier": 3}},
    ]}
    ctx, client = ctx_for("POST", query=body, replies=[existing, rc(0), rc(0), rc(E.ESLURM_USER_ID_MISSING)])
    hp.post_partitions(ctx)
    assert [m for m, _, _ in client.transport.sent] == [MsgType.REQUEST_PARTITION_INFO, MsgType.REQUEST_CREATE_PARTITION,
                                              MsgType.REQUEST_UPDATE_PARTITION, MsgType.REQUEST_UPDATE_PARTITION]
    assert b"\x00\x00\x00\x07n1,ns1\x00" in client.transport.sent[1][1]
    assert ctx.warnings == [{"description": "The partition description at index 0 contains the following "
                                            "ignored fields: cpus/total", "source": "_warn_on_ignore_values"}]
    assert [(e["error_number"], e["source"]) for e in ctx.errors] == [
        (E.ESLURM_INVALID_PARTITION_NAME, "_foreach_create_update_partition"),
        (E.ESLURM_USER_ID_MISSING, "slurm_update_partition")]
    assert ctx.errors[1]["description"] == "Failed to update partition debug with description at index 3"


def test_partition_not_found_is_a_warning():
    ctx, _ = ctx_for("GET", params={"partition_name": "nosuch"}, replies=[NO_PARTS])
    assert hp.get_partition(ctx) == {}
    assert ctx.warnings == [{"description": "Unable to find partition nosuch", "source": "_partition_get"}]
    assert ctx.errors == []


def test_partition_exclusive_codec():
    from slurmrestd import data_parser
    from slurmrestd.data_parser import ParserContext
    dump = lambda part: data_parser.dump("PARTITION_INFO", part, ParserContext())["partition"]["exclusive"]  # noqa
    assert dump({"max_share": 1, "flags": 0}) == "NO"
    assert dump({"max_share": 0x8000, "flags": 0}) == "NODE"
    assert dump({"max_share": 1, "flags": 1 << 6}) == "USER"
    assert dump({"max_share": 1, "flags": 1 << 16}) == "TOPO"
    ctx = ParserContext()
    p = data_parser.parse("PARTITION_INFO", {"flags": ["DEFAULT"], "partition": {"exclusive": "topo"}}, ctx)
    assert ctx.errors == [] and p["max_share"] == 0 and p["flags"] == 1 | (1 << 14) | (1 << 16)
    data_parser.parse("PARTITION_INFO", {"partition": {"exclusive": "maybe"}}, ctx)
    assert ctx.errors[0]["description"] == "expected NO, NODE, USER, or TOPO"


# -- DELETE: one handler per method, the client pinned before the change goes out ----------------------

def test_delete_partition_pins_and_reports_the_refusal():
    ctx, client = ctx_for("DELETE", params={"partition_name": "p1"}, replies=[rc(E.ESLURM_USER_ID_MISSING)])
    hp.delete_partition(ctx)
    assert client.transport.sent == [(MsgType.REQUEST_DELETE_PARTITION, Packer().str("p1").getvalue(), V26_05)]
    assert [(e["error_number"], e["description"], e["source"]) for e in ctx.errors] == [
        (E.ESLURM_USER_ID_MISSING, "Unable to delete partition", "slurm_delete_partition()")]


def test_delete_reservation_pins_and_reports_the_refusal():
    ctx, client = ctx_for("DELETE", params={"reservation_name": "r1"}, replies=[rc(E.ESLURM_USER_ID_MISSING)])
    hr.delete_reservation(ctx)
    assert client.transport.sent == [(MsgType.REQUEST_DELETE_RESERVATION, Packer().str("r1").getvalue(), V26_05)]
    assert [(e["error_number"], e["description"], e["source"]) for e in ctx.errors] == [
        (E.ESLURM_USER_ID_MISSING, "Error deleting reservation r1", "slurm_delete_reservation")]


def test_get_and_delete_are_separate_handlers():
    assert hp.HANDLERS[("/slurm/{data_parser}/partition/{partition_name}", "get")] is hp.get_partition
    assert hp.HANDLERS[("/slurm/{data_parser}/partition/{partition_name}", "delete")] is hp.delete_partition
    assert hr.HANDLERS[("/slurm/{data_parser}/reservation/{reservation_name}", "get")] is hr.get_reservation
    assert hr.HANDLERS[("/slurm/{data_parser}/reservation/{reservation_name}", "delete")] is \
        hr.delete_reservation
