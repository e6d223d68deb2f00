"""Version deltas: a RowPatch ``change`` (Edit) sets only the attributes it names."""

from __future__ import annotations

import importlib

import pytest

from slurmrestd.data_parser.model import B, Delta, Edit, F, Flags, R, RowPatch, Struct
from slurmrestd.data_parser.registry import apply_delta, get_registry
from slurmrestd.data_parser.versions import VERSIONS


def test_edit_sets_only_the_named_attributes():
    base = [Struct(name="T", ctype="t", fields=(F("a", "UINT32", "a", desc="A"), F("b", "STRING", "b"))),
            Flags(name="FL", ctype="uint32_t", flags=(B("X", "FX"), B("Y", "FY")))]
    delta = Delta(base="v", patch=(RowPatch("T", change=(Edit("a", member="x.a", deprecated="24.05"),)),
                                   RowPatch("FL", change=(Edit("Y", hidden=True),))))
    t, fl = apply_delta(base, delta)
    assert t.fields == (F("a", "UINT32", "x.a", deprecated="24.05", desc="A"), F("b", "STRING", "b"))
    assert fl.flags == (B("X", "FX"), B("Y", "FY", hidden=True))


def test_change_applies_after_drops_and_before_inserts():
    base = [Struct(name="T", ctype="t", fields=(F("a", "UINT32", "a"), F("b", "STRING", "b")))]
    delta = Delta(base="v", patch=(RowPatch("T", drop=("a",), change=(Edit("b", type="UINT32"),),
                                            insert=(("b", R("c", "STRING")),)),))
    (t,) = apply_delta(base, delta)
    assert t.fields == (F("b", "UINT32", "b"), R("c", "STRING"))


@pytest.mark.parametrize("version", [v for v in VERSIONS if v != "v0.0.45"])
def test_deltas_write_only_what_changes(version):
    """Each Edit changes something, and a row written out whole (replace) changes its kind."""
    delta = importlib.import_module("slurmrestd.data_parser.decl.v00" + version[-2:]).DELTA
    base = get_registry(delta.base)
    for p in delta.patch:
        t = base[p.name]
        rows = {(r.ident if isinstance(t, Struct) else r.name): r
                for r in (t.fields if isinstance(t, Struct) else t.flags)}
        for key, attrs in p.change:
            assert attrs and any(getattr(rows[key], a) != v for a, v in attrs), (p.name, key)
        for r in p.replace:
            assert rows[r.ident if isinstance(t, Struct) else r.name].kind != r.kind, (p.name, r)


@pytest.mark.parametrize("version", [v for v in VERSIONS if v != "v0.0.45"])
def test_gen_decls_writes_deltas_that_rebuild_the_version(version):
    """tools/gen_decls.py, given the newer and the older tables, writes a delta module (Edits
    for same-kind rows) that rebuilds the older version exactly."""
    import os
    import sys
    tools = os.path.join(os.path.dirname(__file__), "..", "..", "..", "tools")
    sys.path.insert(0, os.path.abspath(tools))
    try:
        import gen_decls
    finally:
        sys.path.pop(0)
    base = importlib.import_module("slurmrestd.data_parser.decl.v00" + version[-2:]).DELTA.base
    newer, older = list(get_registry(base).types.values()), list(get_registry(version).types.values())
    gen_decls.older_version = version
    delta = gen_decls.compute_delta(newer, older, base)
    ns: dict = {}
    exec(compile(gen_decls.render_delta(version, delta), "generated", "exec"), ns)
    assert ns["DELTA"].patch == delta.patch
    assert {t.name: t for t in apply_delta(newer, ns["DELTA"])} == {t.name: t for t in older}
