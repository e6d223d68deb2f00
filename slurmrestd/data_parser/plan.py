"""Compiled dump plans: the generic dumper, faster for big lists of records.

``GET jobs`` with a thousand jobs dumps ~150 leaves per job; the generic walker
(:class:`~slurmrestd.data_parser.engine.Dumper`) re-derives every struct's
layout for every record.  A :class:`Planner` (one per registry, held by it)
turns the rows of each struct type into one generated Python function the
first time the type is dumped, and remembers the names of recent flag values.
:class:`PlannedDumper` is the generic dumper with those two shortcuts, so the
output is identical, key order included (the unit and cluster tests compare
the two on real controller data), while the work per record drops to
straight-line code.

Codecs receive a planned dumper exactly as they receive the generic one
(``d.dump``, ``d.reg``, ``d.ctx``).  Any type can be dumped this way.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

from slurmrestd.data_parser import flags as _flags
from slurmrestd.data_parser import fold as _fold
from slurmrestd.data_parser.context import ParserContext
from slurmrestd.data_parser.defaults import ZERO_WHEN_ABSENT
from slurmrestd.data_parser.engine import Dumper
from slurmrestd.data_parser.members import get_member
from slurmrestd.data_parser.model import TypeDecl
from slurmrestd.data_parser.plain import removed_placeholder
from slurmrestd.slurm import sentinels

#: NO_VAL struct types whose generic codec is written out inline: (NO_VAL, INFINITE)
_NOVAL = {"UINT16_NO_VAL": (sentinels.NO_VAL16, sentinels.INFINITE16),
          "UINT32_NO_VAL": (sentinels.NO_VAL, sentinels.INFINITE),
          "UINT64_NO_VAL": (sentinels.NO_VAL64, sentinels.INFINITE64)}
_LEAF, _NOVAL_LEAF, _GENERIC, _COMPLEX, _REMOVED, _EFLAGS, _INLINE, _FLAGS = range(8)
#: The members of an answer that the envelope sets (``Planner.dump(envelope=True)``).
ENVELOPE_MEMBERS = frozenset(("meta", "errors", "warnings"))


class Planner:
    """The compiled struct dumpers and remembered flag names of one registry.

    Both caches are bounded: one function per struct type of the registry (two for an
    answer type: with and without the envelope members), and at
    most ``FLAG_NAMES_MAX`` flag values."""

    FLAG_NAMES_MAX = 4096

    def __init__(self, reg) -> None:
        self.reg = reg
        self._lock = threading.Lock()
        self._structs: dict[str | tuple, Callable] = {}
        self._flag_names: dict[tuple, Any] = {}

    def dump(self, type_name: str, value: Any, ctx: ParserContext, envelope: bool = False) -> Any:
        """Dump ``value`` as ``type_name``: what the generic dumper gives, faster.

        ``envelope``: the result is an answer whose ``meta``, ``errors`` and ``warnings`` the
        envelope sets (``operations.app``): a struct leaves them ``None`` (in their place,
        so the key order stays) instead of dumping what the envelope replaces."""
        t = self.reg[type_name]
        if envelope and t.model == "struct":
            return self.struct_fn(t, ENVELOPE_MEMBERS)(PlannedDumper(self, ctx), value)
        return PlannedDumper(self, ctx).dump(t, value, None)

    def flag_names(self, t: TypeDecl, value: int) -> Any:
        """``flags.dump_flags(t, value)`` for an integer value, remembered."""
        key = (t.name, value)
        hit = self._flag_names.get(key)
        if hit is None:
            hit = _flags.dump_flags(t, value)
            if len(self._flag_names) < self.FLAG_NAMES_MAX:
                self._flag_names[key] = hit
        return list(hit) if isinstance(hit, list) else hit

    def struct_fn(self, t: TypeDecl, skip: frozenset = frozenset()) -> Callable:
        """The compiled dumper of struct ``t``: ``fn(dumper, value) -> dict`` (with the
        top-level members named in ``skip`` left ``None``)."""
        key = (t.name, skip) if skip else t.name
        fn = self._structs.get(key)
        if fn is None:
            fn = _compile(self.reg, t, skip)
            with self._lock:
                fn = self._structs.setdefault(key, fn)
        return fn


class PlannedDumper(Dumper):
    """The generic dumper with compiled structs and remembered flag names."""

    def __init__(self, planner: Planner, ctx: ParserContext):
        super().__init__(planner.reg, ctx)
        self.planner = planner

    def dump(self, t, value: Any, row) -> Any:
        m = t.model
        if m == "struct":
            return self.struct(t, value)
        if m == "flags":
            if isinstance(value, int):
                return self.planner.flag_names(t, value)
            return _flags.dump_flags(t, value)
        if m == "ptr" and value is not None:
            return self.dump(self.reg[t.pointer_to], value, row)
        if m == "leaf":
            fn = self.codecs.get(t.name)
            if fn is not None:
                return fn(self, t, value)
        return super().dump(t, value, row)

    def struct(self, t, value: Any) -> dict:
        return self.planner.struct_fn(t)(self, value)


def _getter(name: str):
    if "." not in name:
        def get(obj, m=name):
            if obj is None:
                return None
            if isinstance(obj, dict):
                return obj.get(m)
            return getattr(obj, m, None)
        return get
    return lambda obj, m=name: get_member(obj, m)


def _steps(reg, t) -> list:
    """The rows of struct ``t`` as prepared steps:
    (mode, parent keys, leaf key, member getter, row type, row, codec, plain member)."""
    dump_codecs = reg.codecs.dump
    generic_no_val = dump_codecs.get("UINT32_NO_VAL")
    steps = []
    for f in t.fields:
        kind = f.kind
        if kind == "skip":
            continue
        ft = reg[f.type]
        parts = tuple(p for p in f.key.split("/") if p) if kind != "eflags" else ()
        fn = None
        if kind == "eflags":
            mode = _EFLAGS
        elif kind == "removed":
            mode = _REMOVED
        elif kind == "complex":
            # a leaf with a codec is called as PlannedDumper.dump would call it
            mode, fn = _COMPLEX, dump_codecs.get(ft.name) if ft.model == "leaf" else None
        elif ft.model == "leaf" and ft.name in _NOVAL and generic_no_val is not None \
                and dump_codecs.get(ft.name) is generic_no_val:
            mode, fn = _NOVAL_LEAF, _NOVAL[ft.name]
        elif ft.model == "leaf" and dump_codecs.get(ft.name) is not None:
            mode, fn = _LEAF, dump_codecs[ft.name]
            template = getattr(fn, "plan_inline", None)
            expr = template(reg, ft) if template is not None else None
            if expr is None and getattr(fn, "plan_fold", None):
                expr = _folded(reg, ft, fn)
            if expr is not None:
                mode, fn = _INLINE, (expr, fn)
        elif ft.model == "flags":
            mode = _FLAGS
        else:
            mode = _GENERIC
        plain = f.member if f.member and "." not in f.member else None
        steps.append((mode, parts[:-1], parts[-1] if parts else None,
                      _getter(f.member) if f.member else None, ft, f, fn, plain))
    return steps


def _folded(reg, t, codec) -> str | None:
    """The plan expression of a folded codec (``codecs.base.folded``) of type ``t``."""
    def dump(value, complex_mode: bool):
        ctx = ParserContext(version=reg.version)
        ctx.complex_mode = complex_mode
        out = codec(PlannedDumper(reg.planner, ctx), t, value)
        return out, not ctx.errors and not ctx.warnings
    return _fold.folded_expr(codec.plan_fold, dump)


def _compile(reg, t, skip: frozenset = frozenset()) -> Callable:
    """The plan of struct ``t`` as one generated Python function ``fn(dumper, value) -> dict``.

    Each step becomes straight-line code (no per-field tuple unpacking or mode tests);
    codecs, types and getters are bound as constants.  The output, key order included,
    is the generic walker's, but for the top-level members named in ``skip``: ``None``."""
    consts: list = []

    def const(obj) -> str:
        consts.append(obj)
        return "K[%d]" % (len(consts) - 1)

    zero = ZERO_WHEN_ABSENT.get(getattr(t, "ctype", "") or "") or frozenset()
    # Rendered twice (``render``): for a dict value (members read with its ``get``) and for
    # any other value (the getters); ``("fetch", ...)``/``("zero", ...)`` mark the differences.
    lines: list = []
    parents: dict = {(): "out"}
    for mode, parts, leaf, get, ft, f, codec, plain in _steps(reg, t):
        if mode == _EFLAGS:
            lines.append("    out.update(%s(%s, %s(value, %r)))"
                         % (const(_flags.exploded), const(ft), const(get_member), f.member))
            continue
        if skip and not parts and leaf in skip:
            lines.append("    out[%r] = None" % leaf)
            continue
        for i in range(1, len(parts) + 1):
            path = parts[:i]
            if path not in parents:
                var = "p%d" % len(parents)
                lines.append("    %s = %s[%r] = {}" % (var, parents[path[:-1]], path[-1]))
                parents[path] = var
        dst = parents[parts]
        if mode in (_NOVAL_LEAF, _LEAF, _GENERIC, _INLINE, _FLAGS):
            lines.append(("fetch", plain, const(get)))
            if f.member in zero:
                lines.append(("zero", f.member))
        if mode == _NOVAL_LEAF:
            no_val, inf = codec
            # the common case first: an int below both sentinels is a set number
            lines += ["    if type(v) is int and v < %d:" % min(no_val, inf),
                      "        %s[%r] = {'set': True, 'infinite': False, 'number': v}" % (dst, leaf),
                      "    elif v is None or v == %d:" % no_val,
                      "        %s[%r] = {'set': False, 'infinite': False, 'number': 0}" % (dst, leaf),
                      "    elif v == %d:" % inf,
                      "        %s[%r] = {'set': False, 'infinite': True, 'number': 0}" % (dst, leaf),
                      "    else:",
                      "        %s[%r] = {'set': True, 'infinite': False, 'number': v if type(v) is int else int(v)}" % (dst, leaf)]
        elif mode == _INLINE:
            expr, fn = codec
            lines.append("    %s[%r] = %s" % (dst, leaf, expr.replace("{T}", const(ft)).replace("{C}", const(fn))))
        elif mode == _FLAGS:  # PlannedDumper.dump of a flags type, written out
            t_ref = const(ft)
            lines.append("    %s[%r] = self.planner.flag_names(%s, v) if type(v) is int else self.dump(%s, v, %s)"
                         % (dst, leaf, t_ref, t_ref, const(f)))
        elif mode == _LEAF:
            lines.append("    %s[%r] = %s(self, %s, v)" % (dst, leaf, const(codec), const(ft)))
        elif mode == _GENERIC:
            lines.append("    %s[%r] = self.dump(%s, v, %s)" % (dst, leaf, const(ft), const(f)))
        elif mode == _COMPLEX and codec is not None:
            lines.append("    %s[%r] = %s(self, %s, value)" % (dst, leaf, const(codec), const(ft)))
        elif mode == _COMPLEX:
            lines.append("    %s[%r] = self.dump(%s, value, %s)" % (dst, leaf, const(ft), const(f)))
        else:
            lines.append("    %s[%r] = %s(self.reg, %s)" % (dst, leaf, const(removed_placeholder), const(ft)))

    def render(name: str, isd: bool) -> list[str]:
        out = ["def %s(self, value):" % name, "    out = {}"]
        if isd:
            out.append("    get = value.get")
        for line in lines:
            if isinstance(line, str):
                out.append(line)
            elif line[0] == "fetch":
                _, plain, getter = line
                out.append("    v = get(%r)" % plain if isd and plain else "    v = %s(value)" % getter)
            elif isd:  # absent from the RPC's dict: the zeroed memory the C parser sees
                out += ["    if v is None and %r not in value:" % line[1], "        v = 0"]
        return out + ["    return out"]

    src = render("fn_dict", True) + render("fn_other", False) + [
        "def fn(self, value):",
        "    return (fn_dict if type(value) is dict else fn_other)(self, value)"]
    namespace = {"K": consts}
    exec(compile("\n".join(src), "<dump %s %s>" % (reg.version, t.name), "exec"), namespace)
    return namespace["fn"]
