"""Folded dump codecs (``codecs.base.folded``, ``data_parser.fold``): the literals compiled
plans write out give what the codec gives, for every folded type and data parser version,
for the folded inputs and around them, in plain and complex mode; each record gets its own
copy."""

from __future__ import annotations

import math

import pytest

from slurmrestd.data_parser import ParserContext, get_registry
from slurmrestd.data_parser.fold import folded_expr, literal
from slurmrestd.data_parser.plan import PlannedDumper, _folded
from slurmrestd.slurm.sentinels import INFINITE, INFINITE64, NO_VAL, NO_VAL16, NO_VAL64

VERSIONS = ["v0.0.40", "v0.0.41", "v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45"]
AROUND = (None, 0, 1, -1, True, False, 0.0, -0.0, 1.5, NO_VAL16, NO_VAL - 1, NO_VAL, INFINITE, NO_VAL64,
          INFINITE64, float(NO_VAL), float(INFINITE), math.inf, math.nan, 0xFFFFFFFA, 0xFFFFFFFB, 0xFFFFFFFC,
          0xFFFFFFFD, 0x80000000 | 100, "0")


def _outcome(fn, ctx, *args):
    try:
        value = fn(*args)
    except Exception as exc:  # noqa: BLE001 - the written-out code must fail alike
        return "raised", type(exc).__name__
    if isinstance(value, float) and value != value:
        value = "nan"
    return repr(value), list(ctx.errors), list(ctx.warnings)


@pytest.mark.parametrize("version", VERSIONS)
def test_folded_codecs_dump_as_the_codec(version):
    reg = get_registry(version)
    seen = 0
    for name, t in reg.types.items():
        codec = reg.codecs.dump.get(name)
        if t.model != "leaf" or not getattr(codec, "plan_fold", None):
            continue
        expr = _folded(reg, t, codec)
        if expr is None:
            continue
        seen += 1
        fast = eval("lambda self, v: " + expr.replace("{T}", "T_").replace("{C}", "C_"),  # noqa: S307
                    {"T_": t, "C_": codec})
        for complex_mode in (False, True):
            for value in AROUND + tuple(codec.plan_fold):
                ctx_a, ctx_b = ParserContext(version=version), ParserContext(version=version)
                ctx_a.complex_mode = ctx_b.complex_mode = complex_mode
                got = _outcome(fast, ctx_a, PlannedDumper(reg.planner, ctx_a), value)
                want = _outcome(codec, ctx_b, PlannedDumper(reg.planner, ctx_b), t, value)
                assert got == want, (version, name, value, complex_mode)
        # a fresh copy per record: changing one output leaves the next alone
        d = PlannedDumper(reg.planner, ParserContext(version=version))
        first, second = fast(d, codec.plan_fold[0]), fast(d, codec.plan_fold[0])
        if isinstance(first, (dict, list)):
            assert first == second and first is not second
    assert seen >= 5


def test_literal_rebuilds_json_values_only():
    value = {"b": [1, "x", None, True, 2.5], "a": {"set": False}}
    src = literal(value)
    again = eval(src)  # noqa: S307
    assert again == value and list(again) == ["b", "a"]
    for bad in (math.inf, math.nan, {1: "int key"}, (1, 2), object(), {"x": {"y": math.nan}}):
        assert literal(bad) is None


def test_inputs_that_warn_raise_or_cannot_be_tested_exactly_are_not_folded():
    outputs = {1: ("one", True), 2: ("two", False), 0.0: ("zero", True), "s": ("s", True)}

    def dump(value, complex_mode):
        if value == 3:
            raise ValueError("no")
        return outputs[value]
    assert folded_expr([2, 3, 0.0, "s"], dump) is None
    expr = folded_expr([1, 2, 3], dump)
    assert expr == "('one' if type(v) is int and v == 1 else {C}(self, {T}, v))"


def test_an_output_that_differs_by_mode_is_chosen_at_run_time():
    expr = folded_expr([None], lambda value, complex_mode: (None if complex_mode else "", True))
    assert expr == "(('' if not self.ctx.complex_mode else None) if v is None else {C}(self, {T}, v))"
