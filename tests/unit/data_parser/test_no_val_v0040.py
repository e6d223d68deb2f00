"""v0.0.40 (24.11) requests: NO_VAL numbers: a ``{"set", "infinite", "number"}`` dict parses member by
member, as its C parser does (there is no struct for it in that version); found by the
schemathesis run of v0.0.40 (``time_minimum: {"set": true, "number": -474}`` was a 500)."""
from __future__ import annotations

import math

import pytest

from slurmrestd.data_parser import parse
from slurmrestd.data_parser.context import ParserContext
from slurmrestd.slurm.sentinels import INFINITE, INFINITE64, NO_VAL, NO_VAL16, NO_VAL64


@pytest.mark.parametrize("type_name,data,want", [
    ("UINT32_NO_VAL", {"set": True, "infinite": False, "number": 474}, 474),
    ("UINT32_NO_VAL", {"set": True, "infinite": False, "number": -474}, INFINITE),
    ("UINT32_NO_VAL", {"set": False, "number": 5}, NO_VAL),
    ("UINT32_NO_VAL", {"infinite": True}, INFINITE),
    ("UINT32_NO_VAL", {}, NO_VAL),
    ("UINT32_NO_VAL", {"set": "yes", "number": "12"}, 12),
    ("UINT16_NO_VAL", {"set": False}, NO_VAL16),
    ("UINT64_NO_VAL", {"set": True, "number": 7}, 7),
    ("UINT64_NO_VAL", {"set": False, "infinite": False}, NO_VAL64),
    ("UINT64_NO_VAL", {"infinite": 1}, INFINITE64),
    ("INT64_NO_VAL", {"set": True, "number": -3}, -3),
    ("FLOAT64_NO_VAL", {"set": True, "number": 2.5}, 2.5),
    ("FLOAT64_NO_VAL", {"set": True, "number": "3"}, 3.0),
    ("FLOAT64_NO_VAL", {"infinite": True}, float(INFINITE)),
    ("FLOAT64_NO_VAL", {"set": False}, float(NO_VAL)),
])
def test_dict_parses(type_name, data, want):
    ctx = ParserContext()
    got = parse(type_name, data, ctx, version="v0.0.40")
    assert got == want and not ctx.errors
    assert not (isinstance(got, float) and math.isnan(got))


@pytest.mark.parametrize("type_name,data,text", [
    ("UINT32_NO_VAL", {"set": {}}, 'Expected bool for "set" field but got dictionary'),
    ("UINT32_NO_VAL", {"set": True, "infinite": []}, 'Expected bool for "infinite" field but got dictionary'),
    ("UINT32_NO_VAL", {"set": True, "number": "x"}, 'Expected integer number for "number" field'),
    ("UINT32_NO_VAL", {"set": True}, 'Expected "number" field when "set"=True'),
    ("FLOAT64_NO_VAL", {"set": True, "number": []}, 'Expected floating point number for "number" field'),
])
def test_dict_refused(type_name, data, text):
    ctx = ParserContext()
    parse(type_name, data, ctx, version="v0.0.40")
    assert ctx.errors and ctx.errors[0]["description"].startswith(text), ctx.errors


def test_a_member_without_a_parser_stays_as_it_was():
    """v0.0.40 cannot parse ``distribution``: a warning, and the job description keeps its
    default (NO_VAL), not None (the job update packed None: a 500, found by schemathesis)."""
    ctx = ParserContext()
    desc = parse("JOB_DESC_MSG", {"distribution": "", "name": "x"}, ctx, version="v0.0.40")
    assert desc["task_dist"] == NO_VAL and desc["name"] == "x" and not ctx.errors
    assert ctx.warnings == [{"description": "data_parser/v0.0.40 does not support parser "
                                            "DATA_PARSER_TASK_DISTRIBUTION for parsing. Output may be incomplete.",
                             "source": "#/distribution/"}]
