"""Node RPC layer: what libslurm does on the client side, and the request layouts."""

import pytest

from slurmrestd import data_parser
from slurmrestd.data_parser import ParserContext
from slurmrestd.rpc.ctld import nodes
from slurmrestd.rpc.pack import Bitstr, Packer, Unpacker
from slurmrestd.slurm.sentinels import NO_VAL
from slurmrestd.rpc.protocol import V24_11, V25_05, V25_11, V26_05

IDLE, ALLOCATED, MIXED, DOWN = 2, 3, 5, 1
DRAIN = 0x200


def node(**kw):
    n = nodes.init_node_info()
    n.update(name="n1", cpus=4, cpus_efctv=4, node_state=IDLE)
    n.update(kw)
    return n


@pytest.mark.parametrize("alloc, tres, state, expect", [
    (0, None, IDLE, IDLE),                       # nothing allocated
    (2, "cpu=2", ALLOCATED, MIXED),              # some CPUs
    (4, "cpu=4", ALLOCATED, ALLOCATED),          # all effective CPUs
    (0, "gres/gpu=1", IDLE, MIXED),              # TRES but no CPU
    (0, "", IDLE, MIXED),                        # an empty (not NULL) TRES string counts
    (2, "cpu=2", ALLOCATED | DRAIN, MIXED | DRAIN),  # flags are kept: DRAINING
])
def test_set_node_mixed(alloc, tres, state, expect):
    n = node(alloc_cpus=alloc, alloc_tres_fmt_str=tres, node_state=state)
    nodes.set_node_mixed(n)
    assert n["node_state"] == expect


def test_set_node_mixed_skips_blank_and_wraps_like_uint16():
    blank = nodes.init_node_info()
    nodes.set_node_mixed(blank)
    assert blank["node_state"] == 0
    # more allocated than effective CPUs: the uint16_t difference wraps, so not MIXED
    for tres in (None, "cpu=3"):
        n = node(cpus_efctv=2, alloc_cpus=3, alloc_tres_fmt_str=tres, node_state=ALLOCATED)
        nodes.set_node_mixed(n)
        assert n["node_state"] == ALLOCATED


def _msg(*names):
    arr = [node(name=x) if x else nodes.init_node_info() for x in names]
    return {"record_count": len(arr), "last_update": 1, "node_array": arr}


def _part(name, hosts, inx, size):
    return {"name": name, "nodes": hosts, "node_inx": Bitstr.from_indexes(size, inx) if inx is not None else None}


def test_populate_partitions_by_index_with_hidden_slots():
    msg = _msg("a1", None, "a2", "b1")
    parts = {"record_count": 3, "partition_array": [
        _part("all", "a[1-2],b1", [0, 2, 3], 4), _part("a", "a[1-2]", [0, 2], 4), _part("empty", None, None, 4)]}
    nodes.populate_node_partitions(msg, parts)
    assert [n["partitions"] for n in msg["node_array"]] == ["all,a", None, "all,a", "all"]


def test_populate_partitions_single_record_uses_the_host_list():
    msg = _msg("b1")
    parts = {"record_count": 2, "partition_array": [
        _part("a", "a[1-2]", [0], 3), _part("b", "a1,b[1-3]", [1], 3)]}
    nodes.populate_node_partitions(msg, parts)
    # 24.11's libslurm would say "a" (index 0); 26.05 looks the name up
    assert msg["node_array"][0]["partitions"] == "b"


def test_populate_partitions_nothing_to_do():
    msg = _msg("a1")
    msg["node_array"][0]["partitions"] = "stale"
    nodes.populate_node_partitions(msg, {"record_count": 0, "partition_array": []})
    assert msg["node_array"][0]["partitions"] == "stale"
    nodes.populate_node_partitions(None, None)


def test_update_node_layout_per_version():
    msg = {"node_names": "n[1-3]", "node_state": DRAIN, "reason": "r", "topology_str": "t",
           "power_action_name": "p"}
    full = nodes.init_update_node_msg(**msg)
    assert full["weight"] == full["resume_after"] == NO_VAL and full["cpu_bind"] == 0
    sizes = {}
    for v in (V24_11, V25_05, V25_11, V26_05):
        body = nodes.encode_update_node(msg, v)
        u = Unpacker(body)
        out = {}
        for name in nodes.UPDATE_NODE.names(v):
            kind = [f.kind for f in nodes.UPDATE_NODE.fields if f.name == name][0]
            out[name] = getattr(u, kind)()
        assert u.remaining == 0
        assert out["node_names"] == "n[1-3]" and out["node_state"] == DRAIN and out["weight"] == NO_VAL
        assert ("topology_str" in out) == (v >= V25_05)
        assert ("power_action_name" in out) == (v >= V26_05)
        sizes[v] = len(body)
    assert sizes[V24_11] < sizes[V25_05] == sizes[V25_11] < sizes[V26_05]


def test_request_bodies():
    assert nodes.encode_node_info_request(7, 0x1b) == Packer().time(7).u16(0x1b).getvalue()
    assert nodes.encode_node_info_single("n1", 0xb) == Packer().str("n1").u16(0xb).getvalue()


def _pack_node(p, v, name):
    """A node record as the controller packs it (every field zero/None but the name)."""
    for f in nodes.NODE_INFO.fields:
        if not f.applies(v):
            continue
        val = name if f.name == "name" else (None if f.kind == "str" else 0)
        getattr(p, f.kind)(val)
    for f in nodes.ENERGY.fields:
        getattr(p, f.kind)(0)
    for f in nodes.NODE_INFO_TAIL.fields:
        if f.applies(v):
            p.str(None)


@pytest.mark.parametrize("v", [V24_11, V25_05, V25_11, V26_05])
def test_hidden_nodes_have_no_record_on_the_wire(v):
    p = Packer().u32(3).time(5).bitstr(Bitstr.from_indexes(3, [1]))
    _pack_node(p, v, "x0")
    _pack_node(p, v, "x2")
    msg = nodes.unpack_node_info_msg(Unpacker(p.getvalue()), v)
    assert [n["name"] for n in msg["node_array"]] == ["x0", None, "x2"]
    assert msg["node_array"][1]["next_state"] == NO_VAL
    assert msg["node_array"][0]["energy"]["poll_time"] == 0
    # 24.11 lacks these: libslurm leaves them zero
    assert msg["node_array"][0]["suspend_time"] == 0 and msg["node_array"][0]["cert_flags"] == 0


# -- data parser codecs ---------------------------------------------------------------------------

@pytest.mark.parametrize("version", ["v0.0.42", "v0.0.45"])
def test_dump_nodes_skips_blank_records(version):
    msg = _msg("a1", None, "a2")
    ctx = ParserContext(version=version)
    out = data_parser.dump("NODES", msg, ctx, version=version)
    assert [n["name"] for n in out] == ["a1", "a2"] and ctx.warnings == []


def test_dump_nodes_empty_warns():
    ctx = ParserContext(version="v0.0.45")
    assert data_parser.dump("NODES", {"record_count": 0, "node_array": []}, ctx) == []
    assert ctx.warnings == [{"description": "No nodes to dump", "source": ""}]


def test_dump_nodes_response_without_nodes():
    ctx = ParserContext(version="v0.0.45")
    doc = data_parser.dump("OPENAPI_NODES_RESP", {"nodes": None, "last_update": 0}, ctx)
    assert doc["nodes"] == [] and doc["last_update"] == {"set": True, "infinite": False, "number": 0}


def test_reason_user_only_with_a_reason():
    ctx = ParserContext(version="v0.0.45")
    with_reason = data_parser.dump("NODE", node(reason="x", reason_uid=0), ctx)
    no_reason = data_parser.dump("NODE", node(reason=None, reason_uid=0), ctx)
    assert with_reason["reason_set_by_user"] == "root" and no_reason["reason_set_by_user"] == ""
    # v0.0.44 and older show the uid's name whatever the reason
    old = data_parser.dump("NODE", node(reason=None, reason_uid=0), ctx, version="v0.0.44")
    assert old["reason_set_by_user"] == "root"


def test_parse_update_body():
    ctx = ParserContext(version="v0.0.45")
    msg = data_parser.parse("UPDATE_NODE_MSG", {"name": "n[1-3]", "state": ["RESUME"], "features": ["a", "b"],
                                                "weight": 5, "comment": "c"}, ctx)
    assert ctx.errors == []
    assert msg == {"node_names": "n[1-3]", "node_state": 0x100, "features": "a,b", "weight": 5, "comment": "c"}
    full = nodes.init_update_node_msg(**msg)
    assert full["resume_after"] == NO_VAL and full["reason"] is None
