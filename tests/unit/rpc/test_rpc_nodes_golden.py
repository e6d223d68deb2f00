"""Replay captured slurmctld node exchanges (scripts/capture_node_golden.py).

For each captured op the function in ``slurmrestd.rpc.ctld.nodes`` is called
again with the recorded arguments through a real ``SlurmctldClient`` whose
transport hands back the controller's real reply bytes.  The request body it
produces must equal the body the controller accepted, and the decoded result
(or error) must equal the one recorded at capture time.  Replies must decode with no bytes left.
"""

import os

import pytest

from ctld_replay import check_replayed, load_manifest, replay_entry

from slurmrestd import data_parser
from slurmrestd.data_parser import ParserContext
from slurmrestd.rpc.ctld import nodes

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "golden", "nodes")
MANIFEST = load_manifest(GOLDEN)

NODE_STATE_DRAIN = 0x0200
NODE_STATE_CLOUD = 0x0080


def _replay(entry):
    return replay_entry(entry, getattr(nodes, entry["func"]), GOLDEN)


@pytest.mark.skipif(not MANIFEST, reason="no node golden captures")
@pytest.mark.parametrize("base", sorted(MANIFEST))
def test_replay(base):
    entry = MANIFEST[base]
    check_replayed(entry, *_replay(entry))


def _entries(op):
    return {k: v for k, v in MANIFEST.items() if v["op"] == op}


@pytest.mark.skipif(not MANIFEST, reason="no node golden captures")
def test_capture_semantics():
    """What the captures prove about the controllers' behaviour, per version."""
    assert {e["version"] for e in MANIFEST.values()} == {0x2a00, 0x2b00, 0x2c00, 0x2d00}
    for base, e in _entries("nodes").items():
        r = e["result"]
        named = [n for n in r["node_array"] if n["name"]]
        assert named[0]["name"] == "n1" and named[0]["node_addr"] == "127.0.0.1", base
        # MaxNodeCount: unused slots come as hidden (blank) records
        assert r["record_count"] == len(r["node_array"]) >= 1, base
        assert all(n["next_state"] == 0xFFFFFFFE for n in r["node_array"] if not n["name"]), base
        assert named[0]["energy"]["ave_watts"] == 0, base
    for base, e in _entries("nodes_nochange").items():
        assert e["error"]["errno"] == 1900 and e["error"]["source"] == "slurm_load_node()", base
    for base, e in _entries("node_single").items():
        assert e["result"]["record_count"] == 1 and e["result"]["node_array"][0]["name"] == "n1", base
    for base, e in _entries("node_missing").items():
        assert e["error"] is None and e["result"]["record_count"] == 0, base
    for base, e in _entries("partitions").items():
        parts = e["result"]["partition_array"]
        assert parts[0]["name"] == "debug" and parts[0]["nodes"] == "n1", base
        assert int(parts[0]["node_inx"]["bitstr"], 16) == 1, base  # node index 0
    for op, errno in (("update_denied", 2010), ("update_unknown", 2018), ("delete_unknown", 2018),
                      ("create_denied", 2010)):
        for base, e in _entries(op).items():
            assert e["error"]["errno"] == errno, base
    for op in ("create", "update_features", "drain", "resume", "delete"):
        for base, e in _entries(op).items():
            assert e["error"] is None and e["result"] is None, base  # RESPONSE_SLURM_RC 0
    for base, e in _entries("nodes_dynamic").items():
        dyn = [n for n in e["result"]["node_array"] if n["name"] and n["name"] != "n1"]
        assert len(dyn) == 2, base
        for n in dyn:
            assert n["features"] == "ga,gb" and n["weight"] == 9 and n["comment"] == "golden", base
            assert n["node_state"] & NODE_STATE_DRAIN and n["node_state"] & NODE_STATE_CLOUD, base
            assert n["reason"] == "golden drain" and n["partitions"] is None, base
        n1 = [n for n in e["result"]["node_array"] if n["name"] == "n1"][0]
        assert n1["partitions"] == "debug", base
    for base, e in _entries("node_dynamic").items():
        # one record: the 26.05 client looks the name up in each partition's host list
        assert e["result"]["record_count"] == 1 and e["result"]["node_array"][0]["partitions"] is None, base


@pytest.mark.skipif(not MANIFEST, reason="no node golden captures")
@pytest.mark.parametrize("version", ["v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45"])
def test_dump_captured_nodes(version):
    """The decoded lists dump without errors; blank records are left out."""
    for base, e in _entries("nodes_dynamic").items():
        _, msg, error = _replay(e)
        assert error is None
        ctx = ParserContext(version=version)
        doc = data_parser.dump("OPENAPI_NODES_RESP", {"nodes": msg, "last_update": msg["last_update"]}, ctx,
                               version=version)
        assert ctx.errors == [] and ctx.warnings == [], base
        names = [n["name"] for n in doc["nodes"]]
        assert names[0] == "n1" and len(names) == 3, base
        dyn = doc["nodes"][1]
        assert dyn["features"] == ["ga", "gb"] and dyn["partitions"] == [], base
        assert "DRAIN" in dyn["state"] and "CLOUD" in dyn["state"], base
        assert dyn["reason"] == "golden drain" and dyn["reason_set_by_user"] == "root", base
        assert doc["nodes"][0]["partitions"] == ["debug"], base


@pytest.mark.skipif(not MANIFEST, reason="no node golden captures")
@pytest.mark.parametrize("version", ["v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45"])
def test_planned_dump_equals_generic(version):
    """The handler dumps with the planned walker: byte for byte what the generic one gives."""
    from slurmrestd import serializers
    for base in [b for b, e in MANIFEST.items() if e["op"] in ("nodes", "nodes_dynamic", "node_dynamic")]:
        _, msg, error = _replay(MANIFEST[base])
        resp = {"nodes": msg, "last_update": msg["last_update"]}
        a, b = ParserContext(version=version), ParserContext(version=version)
        generic = data_parser.dump("OPENAPI_NODES_RESP", resp, a, version=version)
        planned = data_parser.dump_planned("OPENAPI_NODES_RESP", resp, b, version)
        assert serializers.dump("application/json", planned) == serializers.dump("application/json", generic), base
        assert a.errors == b.errors and a.warnings == b.warnings
