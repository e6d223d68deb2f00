"""Partition and reservation RPC helpers without a controller: request defaults, wire
layouts per protocol version, libslurm's reservation checks, unexpected replies."""

import pytest

from ctld_replay import replay_client

from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc.ctld import partitions as parts
from slurmrestd.rpc.ctld import reservations as resv
from slurmrestd.slurm.msg_types import MsgType
from slurmrestd.rpc.pack import Packer, Unpacker
from slurmrestd.slurm.sentinels import NO_VAL, NO_VAL16, NO_VAL64
from slurmrestd.rpc.protocol import V24_11, V25_05, V25_11, V26_05

START = 1830722400


def rc_reply(rc):
    return (MsgType.RESPONSE_SLURM_RC, Packer().u32(rc).getvalue(), rc)


# -- partitions -------------------------------------------------------------------------------------

def test_init_part_desc_is_slurm_init_part_desc_msg():
    d = parts.init_part_desc()
    assert d["default_time"] == d["grace_time"] == d["max_nodes"] == d["min_nodes"] == NO_VAL
    assert d["max_time"] == d["max_cpus_per_node"] == d["max_cpus_per_socket"] == NO_VAL
    assert d["def_mem_per_cpu"] == d["max_mem_per_cpu"] == NO_VAL64
    assert d["max_share"] == d["over_time_limit"] == d["preempt_mode"] == d["state_up"] == NO_VAL16
    assert d["priority_job_factor"] == d["priority_tier"] == NO_VAL16
    assert d["flags"] == d["cpu_bind"] == 0 and d["name"] is None and d["nodes"] is None


@pytest.mark.parametrize("version,topology", [(V24_11, False), (V25_05, True), (V25_11, True), (V26_05, True)])
def test_update_partition_layout(version, topology):
    body = parts.encode_update_partition({"name": "p", "topology_name": "t", "nodes": "n1"}, version)
    u = Unpacker(body)
    assert [u.str() for _ in range(6)] == [None] * 6
    assert (u.u32(), u.u64(), u.u32()) == (0, NO_VAL64, NO_VAL)
    u.str(), u.str()
    assert u.u32() == 0
    u.str()
    assert u.u32() == NO_VAL  # grace_time
    u.u32(), u.u32(), u.u64(), u.u32(), u.u16(), u.u32(), u.u32()
    assert (u.str(), u.str()) == ("p", "n1")
    assert [u.u16() for _ in range(4)] == [NO_VAL16] * 4
    assert u.str() is None and u.u16() == NO_VAL16
    if topology:
        assert u.str() == "t"
    assert u.remaining == 0


def test_partition_info_name_null_becomes_empty():
    p = Packer().u32(1).time(5)
    p.null()  # name
    for kind in ("u32",) * 8 + ("u64", "u32", "u32", "u64", "u32") + ("u16",) * 9 + ("u32",):
        getattr(p, kind)(0)
    for _ in range(10):
        p.null()
    p.u32(NO_VAL)  # node_inx: no bitmap
    p.null().null().null()  # billing weights, topology, tres
    p.u32(NO_VAL)  # job_defaults_list NULL
    msg = parts.unpack_partition_info_msg(Unpacker(p.getvalue()), V26_05)
    (part,) = msg["partition_array"]
    assert part["name"] == "" and part["node_inx"] is None and part["job_defaults_list"] is None
    assert part["cluster_name"] is None and part["job_defaults_str"] is None


def test_load_partitions_flags_and_null_reply():
    c = replay_client(V26_05, [rc_reply(0)])
    assert parts.load_partitions(c, 7, parts.SHOW_ALL | parts.SHOW_FEDERATION) is None
    assert c.transport.sent == [(MsgType.REQUEST_PARTITION_INFO, Packer().time(7).u16(0x11).getvalue(), V26_05)]


def test_load_partitions_no_change_and_unexpected():
    with pytest.raises(SlurmError) as ei:
        parts.load_partitions(replay_client(V26_05, [rc_reply(E.SLURM_NO_CHANGE_IN_DATA)]), 9)
    assert ei.value.errno == E.SLURM_NO_CHANGE_IN_DATA and ei.value.source == "slurm_load_partitions()"
    with pytest.raises(SlurmError) as ei:
        parts.load_partitions(replay_client(V26_05, [(MsgType.RESPONSE_JOB_INFO, b"", None)]))
    assert ei.value.errno == E.SLURM_UNEXPECTED_MSG_ERROR


def test_truncated_partition_reply_is_a_receive_error():
    with pytest.raises(SlurmError) as ei:
        parts.load_partitions(replay_client(V26_05, [(MsgType.RESPONSE_PARTITION_INFO,
                                                   Packer().u32(1).time(0).getvalue(), None)]))
    assert ei.value.errno == E.SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR


def test_partition_changes_need_an_rc_reply():
    c = replay_client(V26_05, [(MsgType.RESPONSE_PARTITION_INFO, b"", None)])
    with pytest.raises(SlurmError) as ei:
        parts.delete_partition(c, "p")
    assert ei.value.errno == E.SLURM_UNEXPECTED_MSG_ERROR
    assert c.transport.sent == [(MsgType.REQUEST_DELETE_PARTITION, Packer().str("p").getvalue(), V26_05)]


# -- reservations -----------------------------------------------------------------------------------

def test_init_resv_desc_is_slurm_init_resv_desc_msg():
    d = resv.init_resv_desc()
    assert d["start_time"] == d["end_time"] == 0xFFFFFFFE  # (time_t) NO_VAL, not NO_VAL64
    assert d["flags"] == NO_VAL64
    assert d["core_cnt"] == d["duration"] == d["node_cnt"] == d["max_start_delay"] == NO_VAL
    assert d["purge_comp_time"] == NO_VAL
    assert d["name"] is None and d["users"] is None


@pytest.mark.parametrize("version", [V24_11, V25_05, V25_11, V26_05])
def test_resv_desc_layout(version):
    body = resv.encode_resv_desc({"name": "r", "start_time": NO_VAL64, "users": "u", "qos": "q"}, version)
    u = Unpacker(body)
    assert u.str() == "r"
    assert u.time() == -2  # NO_VAL64 travels as a signed time_t
    assert u.time() == 0xFFFFFFFE
    assert (u.u32(), u.u64()) == (NO_VAL, NO_VAL64)
    u.u32(), u.u32(), u.str(), u.str(), u.str(), u.u32(), u.str(), u.u32()
    if version <= V25_05:
        assert u.u32() == NO_VAL  # was resv_watts
    else:
        assert (u.str(), u.str()) == (None, "q")  # allowed_parts, qos
    assert u.str() == "u"
    assert [u.str() for _ in range(5)] == [None] * 5
    assert u.remaining == 0


def _desc(**kw):
    d = resv.init_resv_desc()
    d.update(start_time=START, duration=15, node_list="n1", users="slurm")
    d.update(kw)
    return d


@pytest.mark.parametrize("kw,text", [
    ({"start_time": 0xFFFFFFFE}, "A start time must be given.  No reservation created."),
    ({"duration": NO_VAL}, "An end time or duration must be given.  No reservation created."),
    ({"end_time": START + 60}, "StartTime + Duration does not equal EndTime.  No reservation created."),
    ({"end_time": START - 60, "duration": NO_VAL}, "Start time cannot be after end time.  No reservation created."),
    ({"flags": resv.RESERVE_FLAG_PART_NODES},
     "PART_NODES flag requires specifying a Partition and ALL nodes.  No reservation created."),
    ({"flags": resv.RESERVE_FLAG_FORCE_START},
     "FORCE_START flag requires a reoccuring reservation. No reservation created."),
    ({"node_list": None}, "CoreCnt, Nodes, NodeCnt, TRES or Watts must be specified.  No reservation created."),
    ({"users": None}, "Either Users/Groups, AllowedPartitions, QOS and/or Accounts must be specified.  "
                      "No reservation created."),
    ({"groups": "g"}, "Users and Groups are mutually exclusive.  You can have one or the other, but not both.  "
                      "No reservation created."),
])
def test_validate_refusals(kw, text):
    assert resv.validate_resv_create(_desc(**kw)) == text


def test_validate_accepts_and_fills_in_whole_partition():
    d = _desc(node_list=None, partition="debug")
    assert resv.validate_resv_create(d) is None
    assert d["node_list"] == "ALL" and d["flags"] == resv.RESERVE_FLAG_PART_NODES
    d = _desc(node_list="all", partition="debug", flags=1 << 2)
    assert resv.validate_resv_create(d) is None
    assert d["flags"] == (1 << 2) | resv.RESERVE_FLAG_PART_NODES
    d = _desc(flags=resv.RESERVE_FLAG_FORCE_START | resv.RESERVE_FLAG_DAILY, end_time=START + 900)
    assert resv.validate_resv_create(d) is None and d["node_list"] == "n1"


def test_create_reservation_returns_the_name():
    c = replay_client(V26_05, [(MsgType.RESPONSE_CREATE_RESERVATION, Packer().str("r_1").getvalue(), None)])
    assert resv.create_reservation(c, _desc(name="r")) == "r_1"
    assert c.transport.sent[0][0] == MsgType.REQUEST_CREATE_RESERVATION


def test_create_reservation_refused():
    c = replay_client(V24_11, [rc_reply(E.ESLURM_USER_ID_MISSING)])
    with pytest.raises(SlurmError) as ei:
        resv.create_reservation(c, _desc(name="r"))
    assert ei.value.errno == E.ESLURM_USER_ID_MISSING and ei.value.source == "slurm_create_reservation()"


def test_reservation_core_spec_count_is_bounded():
    p = Packer().u32(1).time(0)
    for kind in ("str", "str", "str", "u32", "time", "str", "u64", "str", "u32", "str", "u32", "str", "str",
                 "u32", "time", "str", "str", "str", "str", "str"):
        if kind == "str":
            p.null()
        else:
            getattr(p, kind)(0)
    p.u32(NO_VAL)  # node_inx
    p.u32(0x7FFFFFFF)  # absurd core_spec_cnt
    with pytest.raises(SlurmError) as ei:
        resv.load_reservations(replay_client(V26_05, [(MsgType.RESPONSE_RESERVATION_INFO, p.getvalue(), None)]))
    assert ei.value.errno == E.SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR


def test_validate_compares_times_as_signed_time_t():
    # an unset start time from the data parser is NO_VAL64: -2 as time_t, not "after" the end
    d = _desc(start_time=NO_VAL64, duration=NO_VAL, end_time=START)
    assert resv.validate_resv_create(d) is None
