"""``OperationContext.dump`` goes through the compiled plans: on real slurmctld replies
(statistics, licenses, shares, configuration) of both clusters and every data parser
version, the planned dump is the generic walker's, key order and diagnostics included."""

import copy
import glob
import json
import os

import pytest

from slurmrestd.data_parser import ParserContext, dump, dump_planned
from slurmrestd.operations.context import OperationContext
from slurmrestd.rpc.ctld import client as ctld
from slurmrestd.rpc.protocol import decode_message

GOLDEN = os.path.join(os.path.dirname(__file__), "..", "rpc", "golden")
VERSIONS = ["v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45"]

#: capture name → (decoder of the reply body, response type, the handler's wrapping)
KINDS = {
    "stats": (ctld._unpack_stats, "OPENAPI_DIAG_RESP", lambda v: {"response": v}),
    "licenses": (ctld._unpack_licenses, "OPENAPI_LICENSES_RESP",
                 lambda v: {"licenses": v, "last_update": v["last_update"]}),
    "shares": (ctld._unpack_shares, "OPENAPI_SHARES_RESP", lambda v: {"response": v}),
}
CAPTURES = sorted(p for k in KINDS for p in glob.glob(os.path.join(GOLDEN, "*-%s.resp.bin" % k)))


def _value(path):
    kind = os.path.basename(path).split("-")[2].split(".")[0]
    decode, type_name, wrap = KINDS[kind]
    with open(path, "rb") as fh:
        msg = decode_message(fh.read()[4:])
    return type_name, wrap(decode(msg.body, msg.header.version))


@pytest.mark.parametrize("path", CAPTURES, ids=os.path.basename)
@pytest.mark.parametrize("version", VERSIONS)
def test_planned_small_dumps_equal_generic(path, version):
    assert CAPTURES
    type_name, value = _value(path)
    fast_ctx, ref_ctx = ParserContext(version=version), ParserContext(version=version)
    fast = dump_planned(type_name, copy.deepcopy(value), fast_ctx, version)
    ref = dump(type_name, copy.deepcopy(value), ref_ctx, version=version)
    assert json.dumps(fast) == json.dumps(ref)
    assert (fast_ctx.errors, fast_ctx.warnings) == (ref_ctx.errors, ref_ctx.warnings)


def test_context_dump_is_planned():
    path = next(p for p in CAPTURES if p.endswith("-stats.resp.bin"))
    type_name, value = _value(path)
    ctx = OperationContext("GET", "/", {}, None, None, "v0.0.45")
    out = ctx.dump(type_name, copy.deepcopy(value))
    want = dump(type_name, copy.deepcopy(value), version="v0.0.45")
    for member in ("meta", "errors", "warnings"):  # the envelope sets these (Planner.dump)
        want[member] = None
    assert json.dumps(out) == json.dumps(want)
