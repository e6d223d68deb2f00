"""Folding a dump codec's commonest inputs into compiled plans (``codecs.base.folded``).

A codec declared *folded* gives an output that depends on nothing but its input
value, the registry (data parser version) and plain or complex mode.  For each
declared input, ``folded_expr`` runs the codec once, in both modes, when the plan
is compiled; the outputs become Python literals in the plan's code, so a record
with that input gets a freshly built copy of the output (nothing is shared
between records or requests) without the codec's calls.  Other inputs still go
to the codec.  An input whose output is not a plain JSON value, or whose dump
records an error or a warning, is not folded.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable, Optional

#: Types whose values a literal can rebuild.
_SCALARS = (str, int, bool, type(None))


def literal(value: Any) -> Optional[str]:
    """Python source that evaluates to a fresh copy of ``value`` (dicts keep their key
    order), or None when ``value`` holds anything but dicts with str keys, lists, str,
    int, bool, None and finite floats."""
    t = type(value)
    if t in _SCALARS:
        return repr(value)
    if t is float:
        return repr(value) if math.isfinite(value) else None
    if t is list:
        items = [literal(x) for x in value]
        return None if None in items else "[" + ", ".join(items) + "]"
    if t is dict:
        parts = []
        for k, x in value.items():
            lit = literal(x)
            if type(k) is not str or lit is None:
                return None
            parts.append("%r: %s" % (k, lit))
        return "{" + ", ".join(parts) + "}"
    return None


def _condition(value: Any) -> Optional[str]:
    """The test that ``v`` is exactly ``value`` (no bool for an int, no -0.0 for 0.0)."""
    if value is None:
        return "v is None"
    if type(value) is int:
        return "type(v) is int and v == %d" % value
    if type(value) is float and math.isfinite(value) and value != 0.0:
        return "type(v) is float and v == %r" % value
    return None


def folded_expr(values: Iterable[Any], dump: Callable[[Any, bool], tuple]) -> Optional[str]:
    """The plan expression of a folded codec: the literal output for each of ``values``,
    ``{C}(self, {T}, v)`` for any other input.  ``dump(value, complex_mode)`` runs the codec
    on a fresh context and returns ``(output, clean)``, ``clean`` False when it recorded
    errors or warnings (it may raise: that value is then not folded)."""
    arms = []
    for value in values:
        cond = _condition(value)
        if cond is None:
            continue
        lits = []
        for complex_mode in (False, True):
            try:
                out, clean = dump(value, complex_mode)
            except Exception:  # noqa: BLE001 - such an input stays with the codec
                lits = None
                break
            lit = literal(out) if clean else None
            if lit is None or "{T}" in lit or "{C}" in lit:
                lits = None
                break
            lits.append(lit)
        if not lits:
            continue
        plain, complex_ = lits
        arms.append((cond, plain if plain == complex_ else
                     "(%s if not self.ctx.complex_mode else %s)" % (plain, complex_)))
    if not arms:
        return None
    return "(" + " else ".join("%s if %s" % (lit, cond) for cond, lit in arms) + " else {C}(self, {T}, v))"
