"""Dump codecs written out in compiled plans (``codecs.base.inline``) give what the codec
gives, warnings included, for every type and data parser version, at and around every
sentinel, in plain and complex mode."""

from __future__ import annotations

import math

import pytest

from slurmrestd.data_parser import ParserContext, get_registry
from slurmrestd.data_parser.plan import PlannedDumper
from slurmrestd.slurm.sentinels import INFINITE, INFINITE16, INFINITE64, NO_VAL, NO_VAL16, NO_VAL64

VALUES = (None, 0, 1, 7, -1, True, False, 3.5, "12", "text", NO_VAL16, INFINITE16, NO_VAL - 1, NO_VAL,
          INFINITE, 1 << 32, (1 << 63) - 1, 1 << 63, 0x41EFFFFFFFC00000 - 1, 0x41EFFFFFFFC00000, NO_VAL64,
          INFINITE64, math.inf, math.nan)


def _written_out(expr: str, t, codec):
    consts = {"T_": t, "C_": codec}
    src = "lambda self, v: " + expr.replace("{T}", "T_").replace("{C}", "C_")
    return eval(src, consts)  # noqa: S307 - our own template


def _outcome(fn, ctx, *args):
    try:
        value = fn(*args)
    except Exception as exc:  # noqa: BLE001 - the written-out code must fail alike
        return "raised", type(exc).__name__, list(ctx.warnings)
    if isinstance(value, float) and value != value:
        value = "nan"
    return value, type(value).__name__, list(ctx.warnings)


@pytest.mark.parametrize("version", ["v0.0.40", "v0.0.41", "v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45"])
def test_written_out_codecs_dump_as_the_codec(version):
    reg = get_registry(version)
    seen = 0
    for name, t in reg.types.items():
        codec = reg.codecs.dump.get(name)
        template = getattr(codec, "plan_inline", None)
        if t.model != "leaf" or template is None:
            continue
        expr = template(reg, t)
        if expr is None:
            continue
        seen += 1
        fast = _written_out(expr, t, codec)
        for complex_mode in (False, True):
            for value in VALUES:
                ctx_a = ParserContext(version=version)
                ctx_b = ParserContext(version=version)
                ctx_a.complex_mode = ctx_b.complex_mode = complex_mode
                got = _outcome(fast, ctx_a, PlannedDumper(reg.planner, ctx_a), value)
                want = _outcome(codec, ctx_b, PlannedDumper(reg.planner, ctx_b), t, value)
                assert got == want, (name, value, complex_mode)
    assert seen >= 6
