"""Flag fields as integers: dump to names and parse back, as the C plugin."""
from __future__ import annotations

import pytest

from slurmrestd.data_parser import flags
from slurmrestd.slurm.constants import VALUES
from slurmrestd.data_parser.context import ParserContext
from slurmrestd.data_parser import dump, parse
from slurmrestd.data_parser.registry import VERSIONS, get_registry


def test_constants_cover_every_flag_expression():
    for v in VERSIONS:
        for t in get_registry(v).types.values():
            if t.model == "flags":
                for b in t.flags:
                    for e in (b.value, b.mask):
                        assert e is None or e in VALUES or e.isdigit(), (v, t.name, e)


@pytest.mark.parametrize("value,names", [
    (0, ["PENDING"]),
    (1, ["RUNNING"]),
    (1 | 0x8000, ["RUNNING", "COMPLETING"]),
    (0 | 0x400, ["PENDING", "REQUEUED"]),
    (3, ["COMPLETED"]),
    (0xB, ["OUT_OF_MEMORY"]),
])
def test_job_state(value, names):
    assert dump("JOB_STATE", value) == names
    ctx = ParserContext()
    assert parse("JOB_STATE", names, ctx) == value and not ctx.errors


def test_node_state_and_roundtrip_all_types():
    # IDLE + DRAIN
    assert dump("NODE_STATES", VALUES["NODE_STATE_IDLE"] | VALUES["NODE_STATE_DRAIN"]) == ["IDLE", "DRAIN"]
    reg = get_registry("v0.0.45")
    for t in reg.types.values():
        if t.model != "flags" or t.single:
            continue
        for b in t.flags:
            if b.hidden or b.kind != "bit":
                continue
            val = flags.value_of(b) & ((1 << flags.width(t)) - 1)
            if not val:
                continue
            names = dump(t.name, val)
            assert b.name in names, (t.name, b.name, names)
            ctx = ParserContext()
            again = parse(t.name, names, ctx)
            assert dump(t.name, again) == names, (t.name, b.name)


def test_single_flag_enum():
    t = get_registry("v0.0.45")["JOB_SHARED"] if "JOB_SHARED" in get_registry("v0.0.45") else None
    reg = get_registry("v0.0.45")
    singles = [t for t in reg.types.values() if t.model == "flags" and t.single]
    assert singles
    for t in singles:
        for b in t.flags:
            if b.hidden or b.kind == "removed":
                continue
            v = parse(t.name, b.name)
            assert isinstance(v, int)


def test_unknown_and_removed_flags():
    ctx = ParserContext()
    v = parse("JOB_FLAGS", ["KILL_INVALID_DEPENDENCY", "BOGUS"], ctx, path=["job", "flags"])
    assert v == VALUES["KILL_INV_DEP"]
    assert ctx.errors[0]["source"] == "#/job/flags[1]/"
    assert ctx.errors[0]["description"] == 'Unknown flag "BOGUS"'


def test_flag_value_helper():
    assert flags.flag_value(get_registry("v0.0.45")["JOB_STATE"], "RUNNING", "COMPLETING") == 0x8001


def test_unknown_single_flag_is_item_zero():
    """One name instead of a list (``?flags=BOGUS``): the reference still names item 0."""
    ctx = ParserContext()
    parse("JOB_SHOW_FLAGS", "BOGUS", ctx, path=["flags"])
    assert ctx.errors[0]["source"] == "#/flags[0]/"
