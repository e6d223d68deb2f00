"""The compiled dump plans give exactly what the generic data parser walker gives: on real
RESPONSE_JOB_INFO captures from both clusters and on every declared struct, for every data
parser version; their caches stay bounded."""

import copy
import glob
import json
import os

import pytest

from slurmrestd.data_parser import ParserContext, dump, dump_planned, get_registry
from slurmrestd.data_parser.plan import Planner
from slurmrestd.operations.slurmctld.jobs import _job_info_resp
from slurmrestd.rpc.ctld import jobs as rpc
from slurmrestd.rpc.protocol import decode_message

GOLDEN = os.path.join(os.path.dirname(__file__), "..", "rpc", "golden", "jobs")
CAPTURES = sorted(glob.glob(os.path.join(GOLDEN, "*-jobs-0.resp.bin")))


@pytest.mark.parametrize("path", CAPTURES, ids=os.path.basename)
@pytest.mark.parametrize("version", ["v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45"])
def test_compiled_dump_equals_generic(path, version):
    with open(path, "rb") as fh:
        data = fh.read()
    msg = decode_message(data[4:])
    info = rpc.unpack_job_info_msg(msg.body, msg.header.version)
    assert info["job_array"]
    fast_ctx, ref_ctx = ParserContext(version=version), ParserContext(version=version)
    fast = dump_planned("OPENAPI_JOB_INFO_RESP", _job_info_resp(copy.deepcopy(info)), fast_ctx, version)
    ref = dump("OPENAPI_JOB_INFO_RESP", _job_info_resp(copy.deepcopy(info)), ref_ctx, version=version)
    assert json.dumps(fast) == json.dumps(ref)  # same values, same key order
    assert fast_ctx.errors == ref_ctx.errors and fast_ctx.warnings == ref_ctx.warnings


SAMPLES = (None, {}, {"name": "x", "id": 3, "flags": 5, "count": 4294967294, "time": {"elapsed": 7}})


@pytest.mark.parametrize("version", ["v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45"])
def test_every_struct_dumps_as_the_generic_walker(version):
    reg = get_registry(version)
    for name, t in reg.types.items():
        if t.model != "struct":
            continue
        for sample in SAMPLES:
            fast_ctx, ref_ctx = ParserContext(version=version, tres=[], qos=[]), \
                ParserContext(version=version, tres=[], qos=[])
            try:
                ref = dump(name, copy.deepcopy(sample), ref_ctx, version=version)
            except (TypeError, AttributeError, ValueError):
                continue  # a sample this struct's codecs cannot take
            fast = dump_planned(name, copy.deepcopy(sample), fast_ctx, version)
            assert json.dumps(fast) == json.dumps(ref), name
            assert (fast_ctx.errors, fast_ctx.warnings) == (ref_ctx.errors, ref_ctx.warnings), name


def test_zero_filled_members_as_the_generic_walker():
    """slurm_conf_t members the RPC does not carry dump as 0, planned or not."""
    ref, fast = ParserContext(), ParserContext()
    assert dump_planned("CONTROLLER_PING", {}, fast) == dump("CONTROLLER_PING", {}, ref)
    conf = {"cluster_name": "c"}
    assert dump_planned("SLURM_CONF_META", conf, ParserContext())["ClusterId"] == \
        dump("SLURM_CONF_META", conf, ParserContext())["ClusterId"] == {"set": True, "infinite": False, "number": 0}


def test_planner_caches_are_bounded():
    reg = get_registry("v0.0.45")
    planner = Planner(reg)
    t = reg["JOB_STATE"]
    for value in range(planner.FLAG_NAMES_MAX + 50):
        planner.flag_names(t, value)
    assert len(planner._flag_names) == planner.FLAG_NAMES_MAX
    assert planner.flag_names(t, 1) == planner.flag_names(t, 1) and planner.flag_names(t, 1) is not \
        planner.flag_names(t, 1)  # callers get their own list
    for name, decl in reg.types.items():
        if decl.model == "struct":
            planner.struct_fn(decl)
    assert len(planner._structs) == sum(1 for d in reg.types.values() if d.model == "struct")
    assert reg.planner is not planner and reg.planner.reg is reg


@pytest.mark.parametrize("version", ["v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45"])
def test_an_answer_dumped_for_the_envelope_leaves_its_members_in_place(version):
    """``envelope=True``: the same document, key order included, with meta, errors and
    warnings None for the envelope to set; other types and nested members are unchanged."""
    from slurmrestd.data_parser.plan import ENVELOPE_MEMBERS

    reg = get_registry(version)
    answers = 0
    for name, decl in reg.types.items():
        if decl.model != "struct":
            continue
        value = {"meta": {"plugin": {"type": "x"}}, "errors": [{"error": "e"}], "warnings": [{"warning": "w"}]}
        want = reg.planner.dump(name, value, ParserContext(version=version))
        got = reg.planner.dump(name, value, ParserContext(version=version), envelope=True)
        assert list(got) == list(want), name
        top = {f.key for f in decl.fields if f.key} & ENVELOPE_MEMBERS
        answers += bool(top)
        assert {k: v for k, v in got.items() if k not in top} == {k: v for k, v in want.items() if k not in top}
        assert all(got[k] is None for k in top), name
    assert answers > 40  # every OPENAPI_*_RESP type
    planner = Planner(reg)
    planner.struct_fn(reg["OPENAPI_PING_ARRAY_RESP"])
    planner.struct_fn(reg["OPENAPI_PING_ARRAY_RESP"], ENVELOPE_MEMBERS)
    planner.struct_fn(reg["OPENAPI_PING_ARRAY_RESP"], ENVELOPE_MEMBERS)
    assert len(planner._structs) == 2  # one function per type and kind, kept
