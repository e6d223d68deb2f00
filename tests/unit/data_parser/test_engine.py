"""dump/parse of simple types through the generic walker."""
from __future__ import annotations

import os

import math

from shared_dir import REFERENCE
import pytest

from slurmrestd.data_parser.context import ParserContext
from slurmrestd.data_parser import dump, parse
from slurmrestd.data_parser.plain import removed_placeholder
from slurmrestd.data_parser.registry import VERSIONS, get_registry
from slurmrestd.errors import E
from slurmrestd.slurm import sentinels


def test_registries_load():
    sizes = {v: len(get_registry(v).types) for v in VERSIONS}
    assert sizes == {"v0.0.40": 471, "v0.0.41": 508, "v0.0.42": 524, "v0.0.43": 565, "v0.0.44": 599,
                     "v0.0.45": 686}
    r = get_registry("v0.0.44")
    assert "SLURM_CONF" not in r and "OPENAPI_HOSTLIST_REQ_RESP" in r
    assert "OPENAPI_HOSTLIST_REQ_RESP" not in get_registry("v0.0.43")
    assert get_registry("v0.0.42").options.flag_enums_as_refs


def test_hostnames_roundtrip():
    ctx = ParserContext()
    req = parse("OPENAPI_HOSTLIST_REQ_RESP", {"hostlist": "node[1-3,10]"}, ctx)
    assert req == {"response": "node[1-3,10]"} and not ctx.errors and not ctx.warnings
    out = dump("OPENAPI_HOSTNAMES_REQ_RESP", {"response": req["response"], "errors": [], "warnings": []}, ctx)
    assert out == {"hostnames": ["node1", "node2", "node3", "node10"], "meta": None,
                   "errors": [], "warnings": []}


def test_hostnames_null_and_bad():
    ctx = ParserContext()
    req = parse("OPENAPI_HOSTLIST_REQ_RESP", {"hostlist": None}, ctx)
    assert dump("OPENAPI_HOSTNAMES_REQ_RESP", req, ctx)["hostnames"] == []
    ctx = ParserContext()
    parse("OPENAPI_HOSTLIST_REQ_RESP", {"hostlist": "node[1-"}, ctx)
    assert ctx.errors == [{"description": "Invalid hostlist string: node[1-", "error_number": 9216,
                           "error": "Request to parse invalid data", "source": "#/hostlist/"}]
    ctx = ParserContext()
    parse("OPENAPI_HOSTLIST_REQ_RESP", {"hostlist": 5}, ctx)
    assert ctx.errors[0]["description"] == "string expected but got 5"


def test_hostlist_from_names_and_csv():
    ctx = ParserContext()
    v = parse("OPENAPI_HOSTNAMES_REQ_RESP", {"hostnames": ["node1", "node2", "node3", "node10"]}, ctx)
    assert v["response"] == "node[1-3,10]" and not ctx.warnings
    out = dump("OPENAPI_HOSTLIST_REQ_RESP", v, ctx)
    assert out["hostlist"] == "node[1-3,10]"
    ctx = ParserContext()
    v = parse("OPENAPI_HOSTNAMES_REQ_RESP", {"hostnames": "node1,node2,node5"}, ctx)
    assert v["response"] == "node[1-2,5]"
    assert ctx.warnings[0]["source"] == "#/hostnames/"
    assert ctx.warnings[0]["description"].startswith("Expected OpenAPI type=array")
    assert parse("OPENAPI_HOSTNAMES_REQ_RESP", {"hostnames": []})["response"] == ""


def test_missing_required_and_not_a_dict():
    ctx = ParserContext()
    parse("OPENAPI_HOSTNAMES_REQ_RESP", {}, ctx)
    assert ctx.errors[0]["error_number"] == E.ESLURM_DATA_PATH_NOT_FOUND
    assert ctx.errors[0]["description"] == "Missing required field 'hostnames' in dictionary"
    assert ctx.errors[0]["source"] == "#/hostnames/"
    ctx = ParserContext()
    parse("OPENAPI_HOSTNAMES_REQ_RESP", [1, 2], ctx)
    assert ctx.errors[0] == {"description": "Rejecting list when dictionary expected",
                             "error_number": E.ESLURM_DATA_EXPECTED_DICT,
                             "error": "Data parser expected a dictionary or object", "source": "#/"}


def test_unknown_field_warning():
    ctx = ParserContext()
    parse("OPENAPI_HOSTLIST_REQ_RESP", {"hostlist": "a1", "bogus": True, "meta": {}}, ctx)
    assert ctx.warnings == [{"description": 'Ignoring unknown field "bogus" of type boolean in '
                                            "DATA_PARSER_OPENAPI_HOSTLIST_REQ_RESP", "source": "#/bogus/"}]


def test_license_dump():
    ctx = ParserContext()
    out = dump("OPENAPI_LICENSES_RESP", {
        "licenses": {"lic_array": [{"name": "fs", "total": 10, "in_use": 2, "available": 8,
                                    "remote": False, "reserved": 0, "last_consumed": 0,
                                    "last_deficit": 0, "last_update": 1700000000, "nodes": None}]},
        "last_update": 1700000000, "errors": [], "warnings": []}, ctx)
    assert out["licenses"] == [{"LicenseName": "fs", "Total": 10, "Used": 2, "Free": 8,
                                "Remote": False, "Reserved": 0, "LastConsumed": 0,
                                "LastDeficit": 0, "LastUpdate": 1700000000, "Nodes": ""}]
    assert out["last_update"] == {"set": True, "infinite": False, "number": 1700000000}
    assert list(out) == ["licenses", "last_update", "meta", "errors", "warnings"]


def test_ping_dump():
    out = dump("OPENAPI_PING_ARRAY_RESP", {"response": [
        {"hostname": "vm", "pinged": True, "latency": 120, "offset": 0, "rc": 0}, None]})
    assert out["pings"] == [{"hostname": "vm", "responding": True, "latency": 120,
                             "primary": True, "status": "No error"}]


@pytest.mark.parametrize("value,expected", [
    (None, {"set": False, "infinite": False, "number": 0}),
    (sentinels.NO_VAL, {"set": False, "infinite": False, "number": 0}),
    (sentinels.INFINITE, {"set": False, "infinite": True, "number": 0}),
    (42, {"set": True, "infinite": False, "number": 42}),
])
def test_uint32_no_val_dump(value, expected):
    assert dump("UINT32_NO_VAL", value) == expected


@pytest.mark.parametrize("data,expected", [
    (None, sentinels.NO_VAL), (7, 7), ("12", 12), (-1, sentinels.INFINITE), (math.inf, sentinels.INFINITE),
    ({"set": True, "number": 5}, 5), ({"infinite": True}, sentinels.INFINITE), ({"set": False}, sentinels.NO_VAL),
])
def test_uint32_no_val_parse(data, expected):
    ctx = ParserContext()
    assert parse("UINT32_NO_VAL", data, ctx) == expected
    assert not ctx.errors


def test_no_val_parse_error_path():
    ctx = ParserContext()
    parse("UINT32_NO_VAL", "abc", ctx, path=["job", "time_limit"])
    assert ctx.errors[0]["error_number"] == E.ESLURM_DATA_CONV_FAILED
    assert ctx.errors[0]["description"] == 'Expected integer but got "abc"'
    assert ctx.errors[0]["source"] == "#/job/time_limit/"


def test_flags_parse_and_dump():
    ctx = ParserContext()
    v = parse("JOB_FLAGS", ["KILL_INVALID_DEPENDENCY", "NOT_A_FLAG"], ctx, path=["job", "flags"])
    assert v == 1  # KILL_INV_DEP
    assert ctx.errors == [{"description": 'Unknown flag "NOT_A_FLAG"', "error_number": 9207,
                           "error": "Data parser unable to parse invalid flag",
                           "source": "#/job/flags[1]/"}]
    assert dump("JOB_FLAGS", ["KILL_INVALID_DEPENDENCY"]) == ["KILL_INVALID_DEPENDENCY"]
    assert dump("JOB_FLAGS", 1) == ["KILL_INVALID_DEPENDENCY"]
    ctx = ParserContext()
    parse("JOB_FLAGS", 5, ctx)
    assert ctx.errors[0]["error_number"] == E.ESLURM_DATA_FLAGS_INVALID_TYPE


def test_removed_and_placeholder():
    reg = get_registry("v0.0.45")
    assert removed_placeholder(reg, reg["STRING"]) == ""
    assert removed_placeholder(reg, reg["UINT32"]) == 0


def test_shares_and_diag_dump_structure():
    out = dump("OPENAPI_DIAG_RESP", {"response": {"server_thread_count": 3, "agent_queue_size": 0}})
    stats = out["statistics"]
    assert stats["server_thread_count"] == 3
    assert "schedule_cycle_max" in stats
    out = dump("OPENAPI_SHARES_RESP", {"response": {"assoc_shares_list": [], "tres_names": ["cpu"]}})
    assert "shares" in out["shares"]


REF_OUT = os.path.join(REFERENCE, "ctld-rest-out")


def _shape(d, prefix=""):
    """Key paths of a dump; NO_VAL structs and list items are not descended."""
    out = set()
    if isinstance(d, dict):
        for k, v in d.items():
            out.add(prefix + k)
            if isinstance(v, dict) and set(v) != {"set", "infinite", "number"}:
                out |= _shape(v, prefix + k + "/")
    return out


@pytest.mark.skipif(not __import__("os").path.isdir(REF_OUT), reason="reference captures absent")
@pytest.mark.parametrize("capture,type_name,key,value", [
    ("diag_.json", "OPENAPI_DIAG_RESP", "statistics", {"response": {}}),
    ("conf.json", "OPENAPI_CONF_RESP", "slurm_conf", {"slurm_conf": {}}),
])
def test_dump_shape_matches_reference_capture(capture, type_name, key, value):
    """Dumping an empty struct gives exactly the keys the reference emits."""
    import json
    with open(f"{REF_OUT}/{capture}") as fh:
        ref = json.load(fh)
    ours = dump(type_name, value)
    assert list(ours) == list(ref)
    assert _shape(ours[key]) == _shape(ref[key])


def test_list_given_null_or_scalar_is_one_entry():
    """``_parse_list``: a scalar is the list's one entry and null converts to "" first."""
    ctx = ParserContext()
    assert parse("STRING_LIST", None, ctx) == [""]
    assert parse("STRING_LIST", "a", ctx) == ["a"]
    assert parse("STRING_LIST", ["a", "b"], ctx) == ["a", "b"]
    assert not ctx.errors
    ctx = ParserContext()
    parse("TRES_LIST", None, ctx)
    assert ctx.errors and ctx.errors[0]["source"] == "#/[0]/"
