"""The generic dump/parse walkers over the type declarations of one registry.

Values exchanged with the RPC layer are plain Python data:

* a struct is a ``dict`` keyed by the C member names of its table rows
  (``{"name": "fs", "total": 10, "in_use": 2}``).  Members written with a
  path in C (``step_id.job_id``, ``count[DBD_ROLLUP_HOUR]``) are flat keys
  with that exact text; dumping also accepts nested dicts for dotted members
  (:mod:`~slurmrestd.data_parser.members`);
* lists / NULL terminated arrays are Python lists, a NULL pointer is ``None``;
* numbers keep Slurm's sentinels (``NO_VAL``, ``INFINITE`` ... from
  :mod:`slurmrestd.slurm.sentinels`);
* flag and enum fields are the raw C integers (:mod:`~slurmrestd.data_parser.flags`
  resolves the bits with the generated constants table); dumping also accepts
  lists of flag names.

:class:`Dumper` turns such a value into response data, :class:`Parser` request
data into such a value; both record problems in a
:class:`~slurmrestd.data_parser.context.ParserContext`.  The codecs of leaf types
come from the registry (``reg.codecs``): this module imports none of them.
Callers use :func:`slurmrestd.data_parser.dump` / ``parse``.
"""

from __future__ import annotations

import copy
from typing import Any, Optional, Sequence

from slurmrestd.data_parser import flags as _flags
from slurmrestd.data_parser.context import ParseError, ParserContext, data_type_name, format_path, with_index
from slurmrestd.data_parser.defaults import DEFAULTS, ZERO_WHEN_ABSENT
from slurmrestd.data_parser.members import get_member, nested_slot, set_member
from slurmrestd.data_parser.model import Field, TypeDecl
from slurmrestd.data_parser.plain import UNSET, check_openapi, dump_plain, parse_plain, removed_placeholder
from slurmrestd.errors import E

_MISSING = object()


# ---------------------------------------------------------------------------
# dump
# ---------------------------------------------------------------------------

class Dumper:
    """Dumps values with the types of one registry (``reg``), recording problems in ``ctx``.

    Codecs get the dumper as their first argument: ``d.dump(decl, value, row)``,
    ``d.reg`` and ``d.ctx``."""

    def __init__(self, reg, ctx: ParserContext):
        self.reg = reg
        self.ctx = ctx
        self.codecs = reg.codecs.dump
        #: element count of the innermost NULL terminated array being dumped (codecs that
        #: need a count C takes from elsewhere, e.g. CONTROLLER_PING_MODE's control_cnt)
        self.array_len: Optional[int] = None

    def dump(self, t: TypeDecl, value: Any, row: Optional[Field]) -> Any:
        m = t.model
        if m == "struct":
            return self.struct(t, value)
        if m == "ptr":
            if value is None:
                # NULL: null when allowed or (v0.0.41+) for an optional field; else an empty
                # object or list (v0.0.40 does that for every field that does not allow null)
                if t.allow_null or ((row is None or not row.required) and not self.reg.options.legacy):
                    return None
                target = self.reg.unalias(self.reg[t.pointer_to])
                return [] if target.model in ("list", "nt_array") or target.openapi == "ARRAY" else {}
            return self.dump(self.reg[t.pointer_to], value, row)
        if m == "list":
            item = self.reg[t.list_of]
            return [self.dump(item, v, None) for v in (value or ())]
        if m == "nt_array":
            item = self.reg[t.array_of]
            out = []
            items = []
            for v in value or ():
                if v is None:
                    break
                items.append(v)
            outer, self.array_len = self.array_len, len(items)
            try:
                for v in items:
                    out.append(self.dump(item, v, None))
            finally:
                self.array_len = outer
            return out
        if m == "flags":
            return _flags.dump_flags(t, value)
        if m == "alias":
            return self.dump(self.reg[t.alias_of], value, row)
        if m == "removed":
            return removed_placeholder(self.reg, t)
        # leaf
        fn = self.codecs.get(t.name)
        if fn is not None:
            return fn(self, t, value)
        if t.pointer_to:
            return self.dump(self.reg[t.pointer_to], value, row)
        if t.complex:
            # virtual field without a codec yet: keep the declared shape
            self.ctx.unsupported.add(t.name)
            return removed_placeholder(self.reg, t)
        if t.array_of:
            item = self.reg[t.array_of]
            return [self.dump(item, v, None) for v in (value or ())]
        return dump_plain(t, value)

    def struct(self, t: TypeDecl, value: Any) -> dict:
        out: dict = {}
        zero = ZERO_WHEN_ABSENT.get(t.ctype or "") if isinstance(value, dict) else None
        for f in t.fields:
            if f.kind == "skip":
                continue
            if f.kind == "eflags":
                out.update(_flags.exploded(self.reg[f.type], get_member(value, f.member)))
                continue
            dst, leaf = nested_slot(out, [p for p in f.key.split("/") if p])
            if f.kind == "removed":
                dst[leaf] = removed_placeholder(self.reg, self.reg[f.type])
            elif f.kind == "complex":
                dst[leaf] = self.dump(self.reg[f.type], value, f)
            else:
                member = get_member(value, f.member)
                if member is None and zero and f.member in zero and f.member not in value:
                    member = 0
                dst[leaf] = self.dump(self.reg[f.type], member, f)
        return out


# ---------------------------------------------------------------------------
# parse
# ---------------------------------------------------------------------------

class Parser:
    """Parses request data with the types of one registry (``reg``), recording problems in ``ctx``.

    Codecs get the parser as their first argument: ``p.parse(decl, data, path)``,
    ``p.error()`` (records, then stops parsing), ``p.warn()``, ``p.reg``, ``p.ctx``
    and ``p.current`` (the struct being filled)."""

    def __init__(self, reg, ctx: ParserContext):
        self.reg = reg
        self.ctx = ctx
        self.codecs = reg.codecs.parse
        self.current: Any = None
        self.partial: Any = None

    def run(self, t: TypeDecl, data: Any, path: Sequence[str] = ()) -> Any:
        """Parse ``data`` as ``t``; on an error (recorded in ``ctx``) the value parsed so far."""
        try:
            value = self.parse(t, data, list(path))
        except ParseError:
            return self.partial
        return None if value is UNSET else value

    def error(self, errno: int, path: Sequence[str], text: str):
        self.ctx.error(errno, format_path(path), text)
        raise ParseError(errno)

    def warn(self, path: Sequence[str], text: str) -> None:
        self.ctx.warn(format_path(path), text)

    def parse(self, t: TypeDecl, data: Any, path: list) -> Any:
        m = t.model
        if m == "struct":
            return self.struct(t, data, path)
        if m == "ptr":
            if data is None:
                return None  # NULL pointer
            if isinstance(data, (dict, list)) and not data:
                target = self.reg.unalias(self.reg[t.pointer_to])
                return {} if target.model == "struct" else []
            return self.parse(self.reg[t.pointer_to], data, path)
        if m in ("list", "nt_array"):
            item = self.reg[t.list_of or t.array_of]
            # a scalar is the list's one entry; null converts to "" first (``users=`` asks
            # for user "", not for every user), as ``_parse_list``/``_parse_nt_array`` do
            seq = data if isinstance(data, list) else ["" if data is None else data]
            out = []
            for i, v in enumerate(seq):
                value = self.parse(item, v, with_index(path, i))
                out.append(None if value is UNSET else value)
            return out
        if m == "flags":
            return _flags.parse_flags(self, t, data, path)
        if m == "alias":
            return self.parse(self.reg[t.alias_of], data, path)
        if m == "removed":
            if data is not None:
                self.warn(path, "Ignoring value for removed parser")
            return None
        # leaf
        if t.parse_disabled:
            # C has no parse function here: it warns and leaves the member as it was (a job
            # update's ``distribution`` at v0.0.40 stays unset, not None: that was a 500)
            self.warn(path, f"data_parser/{self.reg.version} does not support parser "
                            f"DATA_PARSER_{t.name} for parsing. Output may be incomplete.")
            return UNSET
        if t.openapi:
            check_openapi(self, t, data, path)
        fn = self.codecs.get(t.name)
        if fn is not None:
            return fn(self, t, data, path)
        if t.complex:
            self.ctx.unsupported.add(t.name)
            return None
        if t.pointer_to:
            return self.parse(self.reg[t.pointer_to], data, path)
        if t.array_of:
            item = self.reg[t.array_of]
            seq = data if isinstance(data, list) else ([] if data is None else [data])
            values = [self.parse(item, v, with_index(path, i)) for i, v in enumerate(seq)]
            return [None if v is UNSET else v for v in values]
        return parse_plain(self, t, data, path)

    def struct(self, t: TypeDecl, data: Any, path: list) -> dict:
        if not isinstance(data, dict):
            self.error(E.ESLURM_DATA_EXPECTED_DICT, path,
                       f"Rejecting {data_type_name(data)} when dictionary expected")
        out: dict = _new_struct(t)
        if self.partial is None:
            self.partial = out
        for f in t.fields:
            if f.kind == "skip":
                continue
            if f.kind == "eflags":
                out[f.member] = _flags.parse_exploded(self, self.reg[f.type], data, path,
                                                      initial=out.get(f.member) or 0)
                continue
            child = _lookup(data, f.key)
            cpath = path + [p for p in f.key.split("/") if p]
            if f.kind == "removed":
                continue
            if child is _MISSING:
                if f.required:
                    self.error(E.ESLURM_DATA_PATH_NOT_FOUND, cpath,
                               f"Missing required field '{f.key}' in dictionary")
                continue
            if f.deprecated and _deprecated_enough(f.deprecated, self.ctx.min_protocol):
                self.warn(cpath, f'Field "{f.key}" is deprecated')
            saved, self.current = self.current, out
            ft = self.reg[f.type]
            try:
                if ft.model == "flags" and f.kind == "field" and isinstance(out.get(f.member), int):
                    # flags parse into the current value, as the C parser does
                    value = _flags.parse_flags(self, ft, child, cpath, initial=out[f.member])
                else:
                    value = self.parse(ft, child, cpath)
            finally:
                self.current = saved
            if value is UNSET:
                continue
            if f.kind == "complex":
                if isinstance(value, dict):
                    out.update(value)
            else:
                set_member(out, f.member, value)
        self._unknown(t, data, path, [f.key.split("/") for f in t.fields if f.key],
                      [b.name for f in t.fields if f.kind == "eflags"
                       for b in self.reg[f.type].flags])
        return out

    def _unknown(self, t: TypeDecl, data: dict, path: list, keys: list, extra: list) -> None:
        for k, v in data.items():
            subs = [p[1:] for p in keys if p and p[0] == k]
            if k in extra:
                continue
            if not subs:
                self.warn(path + [k], f'Ignoring unknown field "{k}" of type '
                                      f"{data_type_name(v)} in DATA_PARSER_{t.name}")
            elif all(subs) and isinstance(v, dict):
                self._unknown(t, v, path + [k], subs, [])


def _new_struct(t: TypeDecl) -> dict:
    """A fresh struct value: the C ``new`` defaults when the type has them."""
    d = DEFAULTS.get(t.name)
    return copy.deepcopy(d) if d else {}


def _lookup(data: dict, key: str) -> Any:
    cur: Any = data
    for p in [p for p in key.split("/") if p]:
        if not isinstance(cur, dict) or p not in cur:
            return _MISSING
        cur = cur[p]
    return cur


def _deprecated_enough(release: str, min_protocol: str) -> bool:
    if release == "min":
        return True
    try:
        return tuple(map(int, release.split("."))) <= tuple(map(int, min_protocol.split(".")))
    except ValueError:
        return False
