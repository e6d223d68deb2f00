"""Version-specific leaf behaviour checked against the live references (test_ctld_basic):
ping strings, the empty-licenses warning, NO_VAL/INFINITE place holders, FLOAT64_NO_VAL as
the 26.05 binaries dump it, zero-filled slurm_conf_t members."""

import math

import pytest

from slurmrestd.data_parser.codecs import numbers
from slurmrestd.data_parser.context import ParserContext
from slurmrestd.data_parser import dump, parse

INF64, NV64, INF32, NV32 = 0xFFFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFE
OLD = ("v0.0.42", "v0.0.43", "v0.0.44")
ALL = OLD + ("v0.0.45",)


def run(type_name, value, version):
    c = ParserContext(version=version)
    return dump(type_name, value, c, version=version), [w["description"] for w in c.warnings]


def warn_inf(text):
    return "Dumping %s as place holder for Infinity" % text


def warn_null(text):
    return "Dumping %s as place holder for null" % text


PING = {"hostname": "ctl", "pinged": True, "latency": 12, "offset": 0}


@pytest.mark.parametrize("version", OLD)
def test_ping_strings_until_v44(version):
    out, warnings = run("OPENAPI_PING_ARRAY_RESP", {"response": [PING]}, version)
    p = out["pings"][0]
    assert (p["pinged"], p["mode"], p["primary"], p["responding"]) == ("UP", "primary", True, True)
    down = dict(PING, pinged=False, offset=1)
    modes = [x["mode"] for x in run("OPENAPI_PING_ARRAY_RESP", {"response": [PING, down]}, version)[0]["pings"]]
    assert modes == ["primary", "backup"]
    three = [PING, down, dict(down, offset=2)]
    pings = run("OPENAPI_PING_ARRAY_RESP", {"response": three}, version)[0]["pings"]
    assert [x["mode"] for x in pings] == ["primary", "backup1", "backup2"]
    assert [x["pinged"] for x in pings] == ["UP", "DOWN", "DOWN"]


def test_ping_v45_has_no_strings():
    p = run("OPENAPI_PING_ARRAY_RESP", {"response": [PING]}, "v0.0.45")[0]["pings"][0]
    assert "mode" not in p and "pinged" not in p and p["primary"] is True


@pytest.mark.parametrize("version", ALL)
def test_zero_licenses_warns(version):
    out, warnings = run("OPENAPI_LICENSES_RESP", {"licenses": {"lic_array": [], "num_lic": 0},
                                                  "last_update": 1}, version)
    assert out["licenses"] == [] and warnings == ["Zero licenses to dump"]
    lic = {"name": "fs", "total": 3, "in_use": 1, "available": 2, "reserved": 0, "remote": False,
           "mode": 0, "nodes": None, "last_consumed": 0, "last_deficit": 0, "last_update": 0}
    out, warnings = run("OPENAPI_LICENSES_RESP", {"licenses": {"lic_array": [lic], "num_lic": 1},
                                                  "last_update": 1}, version)
    assert [x["LicenseName"] for x in out["licenses"]] == ["fs"] and warnings == []


@pytest.mark.parametrize("version", ("v0.0.43", "v0.0.44", "v0.0.45"))
def test_integer_place_holders_warn_from_v43(version):
    # data_set_int() stores an int64_t: the sentinels print as -1 and -2
    assert run("UINT64", INF64, version) == (-1, [warn_inf("(0xffffffffffffffff)")])
    assert run("UINT64", NV64, version) == (-2, [warn_null("(0xfffffffffffffffe)")])
    assert run("UINT32", INF32, version) == (INF32, [warn_inf("(0xffffffff)")])
    assert run("UINT32", NV32, version) == (NV32, [warn_null("(0xfffffffe)")])
    assert run("UINT64", 7, version) == (7, [])


@pytest.mark.parametrize("version", ALL)
def test_uint64_from_2_63_reads_negative(version):
    """As the reference prints MEM_PER_CPU limits (partition maximums/memory_per_cpu)."""
    assert run("UINT64", (1 << 63) | 100, version)[0] == -9223372036854775708


def test_integer_place_holders_v42():
    assert run("UINT64", INF64, "v0.0.42") == (None, [])
    assert run("UINT64", NV64, "v0.0.42") == (None, [])
    assert run("UINT32", INF32, "v0.0.42") == (INF32, [])
    assert run("UINT32", NV32, "v0.0.42") == (NV32, [])


@pytest.mark.parametrize("version", ("v0.0.43", "v0.0.44", "v0.0.45"))
@pytest.mark.parametrize("type_name", ("FLOAT64", "FLOAT128"))
def test_float_place_holders_warn_from_v43(version, type_name):
    assert run(type_name, math.inf, version) == (float(INF64), [warn_inf("(0xffffffffffffffff)")])
    assert run(type_name, math.nan, version) == (float(NV32), [warn_null("(0xfffffffe)")])
    assert run(type_name, float(NV32), version) == (float(NV32), [warn_null("(0xfffffffe)")])
    assert run(type_name, 0.5, version) == (0.5, [])


def test_float_v42():
    # FLOAT64 as is; inf/NaN become what the C JSON writer prints for them
    assert run("FLOAT64", math.inf, "v0.0.42") == (float(INF64), [])
    assert run("FLOAT64", math.nan, "v0.0.42") == (float(NV64), [])
    assert run("FLOAT64", float(NV32), "v0.0.42") == (float(NV32), [])
    # FLOAT128: (uint32_t) x == INFINITE / NO_VAL -> null (bug#9674)
    assert run("FLOAT128", float(NV32), "v0.0.42") == (None, [])
    assert run("FLOAT128", float(INF32), "v0.0.42") == (None, [])
    assert run("FLOAT128", -1.0, "v0.0.42") == (None, [])
    assert run("FLOAT128", math.inf, "v0.0.42") == (float(INF64), [])


def test_float32_v45():
    assert run("FLOAT32", math.inf, "v0.0.45") == (4294967296.0, [warn_inf("(0xffffffff)")])
    assert run("FLOAT32", math.nan, "v0.0.45") == (4294967296.0, [warn_null("(0xfffffffe)")])


def test_c_uint32_cast():
    cast = numbers.c_uint32_cast
    assert [cast(x) for x in (math.inf, -math.inf, math.nan, 2.0 ** 64, 4294967295.9, -1.0, -2.0, 5.7)] == \
        [0, 0, 0, 0, INF32, INF32, NV32, 5]


@pytest.mark.parametrize("version", ALL)
def test_float64_no_val_as_built(version):
    unset = {"set": False, "infinite": False, "number": 0.0}
    assert run("FLOAT64_NO_VAL", float(NV32), version) == (unset, [])
    assert run("FLOAT64_NO_VAL", None, version) == (unset, [])
    assert run("FLOAT64_NO_VAL", float(INF32), version) == ({"set": False, "infinite": True, "number": 0.0}, [])
    assert run("FLOAT64_NO_VAL", 0.25, version) == ({"set": True, "infinite": False, "number": 0.25}, [])
    # an IEEE infinity (fairshare level of an association without usage) is "set"
    out, warnings = run("FLOAT64_NO_VAL", math.inf, version)
    assert out == {"set": True, "infinite": False, "number": float(INF64)}
    assert warnings == ([] if version == "v0.0.42" else [warn_inf("(0xffffffffffffffff)")])


def test_float64_no_val_by_the_source(monkeypatch):
    monkeypatch.setattr(numbers, "FLOAT64_NO_VAL_AS_BUILT", False)
    assert run("FLOAT64_NO_VAL", math.inf, "v0.0.45") == ({"set": False, "infinite": True, "number": 0.0}, [])
    assert run("FLOAT64_NO_VAL", math.nan, "v0.0.45") == ({"set": False, "infinite": False, "number": 0.0}, [])


@pytest.mark.parametrize("data, want", [
    (None, float(NV32)), ({"set": False}, float(NV32)), ({"infinite": True}, float(INF32)),
    ({"set": True, "number": 1.5}, 1.5), (-1, float(INF64)), (-2, float(NV32)), (3, 3.0), ("2.5", 2.5)])
def test_float64_no_val_parse(data, want):
    c = ParserContext(version="v0.0.45")
    assert parse("FLOAT64_NO_VAL", data, c, version="v0.0.45") == want and not c.errors


def test_float64_no_val_parse_v42_infinite_integer():
    assert parse("FLOAT64_NO_VAL", -1, ParserContext(version="v0.0.42"), version="v0.0.42") == float(INF32)


def test_conf_cluster_id_is_zero_when_not_sent():
    out, _ = run("SLURM_CONF_META", {"hash_val": 1}, "v0.0.45")
    assert out["ClusterId"] == {"set": True, "infinite": False, "number": 0}
    out, _ = run("SLURM_CONF_META", {"hash_val": 1, "cluster_id": None}, "v0.0.45")
    assert out["ClusterId"] == {"set": False, "infinite": False, "number": 0}
