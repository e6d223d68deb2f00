"""Flag and enum fields as integers, the way the C data parser treats them.

The RPC layer hands over raw flag integers (``job_state``, ``flags``,
``conf_flags`` ...).  Each flag row of a declaration names its C value and mask
(``Bit.value`` / ``Bit.mask``); :mod:`constants` resolves those expressions to
numbers (table generated from the Slurm headers by ``tools/gen_constants.py``).

Dumping follows ``_dump_flag_bit_array_flag()``:

* ``bit`` rows match when ``(v & mask & value) == (mask & value)`` – unless an
  earlier ``equal`` row with an overlapping mask matched;
* ``equal`` rows match when ``(v & mask) == (mask & value)``;
* hidden and removed rows are never shown;
* a single-flag (enum) type shows the last matching name, ``""`` when none.

Parsing follows ``_foreach_flag_parser()`` and returns an integer: matched
``bit`` rows set their bits, ``equal`` rows replace the masked part.

For compatibility, dump also accepts a list of names (or one name) and then
just filters/orders them by the table.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Optional

from slurmrestd.data_parser.context import data_type_name, format_path, with_index
from slurmrestd.data_parser.model import Bit, TypeDecl
from slurmrestd.data_parser.plain import to_bool
from slurmrestd.errors import E
from slurmrestd.slurm.constants import VALUES

_WIDTH = {"uint8_t": 8, "uint16_t": 16, "uint32_t": 32, "uint64_t": 64, "bool": 8}


def width(t: TypeDecl) -> int:
    """Bit width of the C field a flag type is stored in."""
    w = _WIDTH.get(getattr(t, "ctype", "") or "")
    if w:
        return w
    # C enums: int sized unless a value needs 64 bits
    big = any(value_of(b) > 0xFFFFFFFF for b in t.flags if b.kind != "removed")
    return 64 if big else 32


def _resolve(expr: Optional[str]) -> int:
    if expr is None:
        return 0
    try:
        return VALUES[expr]
    except KeyError:
        return int(expr, 0)


@lru_cache(maxsize=None)
def _bit_numbers(b: Bit) -> tuple:
    return _resolve(b.value), _resolve(b.mask) if b.mask else (1 << 64) - 1


def value_of(b: Bit) -> int:
    """``mask & value`` of a flag row."""
    v, m = _bit_numbers(b)
    return v & m


def mask_of(b: Bit) -> int:
    return _bit_numbers(b)[1]


def names_of(t: TypeDecl, value: int, *, with_hidden: bool = False) -> list:
    """Names matched by ``value`` in table order (hidden ones left out)."""
    lim = (1 << width(t)) - 1
    value &= lim
    used_equal = 0
    out = []
    for b in t.flags:
        if b.kind == "removed":
            continue
        if b.hidden and not with_hidden:
            continue
        v, m = _bit_numbers(b)
        v &= m
        if b.kind == "equal":
            found = (value & m & lim) == (v & lim)
            if found:
                used_equal |= m
        else:
            if used_equal & m:
                found = False
            else:
                vv = v & lim
                found = (value & vv) == vv
        if found:
            out.append(b.name)
    return out


def dump_flags(t: TypeDecl, value: Any) -> Any:
    """Flag field (int, or names) -> list of names / one name."""
    if isinstance(value, bool):
        value = int(value)
    if value is None:
        value = 0  # an absent member is zeroed memory in C
    if isinstance(value, int):
        names = names_of(t, value)
        if t.single:
            return names[-1] if names else ""
        return names
    # names given directly
    if t.single:
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        names = list(value)
        return names[-1] if names else ""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    have = {str(v).upper() for v in value}
    return [b.name for b in t.flags
            if b.kind != "removed" and not b.hidden and b.name.upper() in have]


def exploded(t: TypeDecl, value: Any) -> dict:
    """Exploded flag field: ``{name: bool}`` for every visible flag."""
    if isinstance(value, int) and not isinstance(value, bool):
        have = set(names_of(t, value))
    else:
        have = {str(v).upper() for v in (value or ())}
        have = {b.name for b in t.flags if b.name.upper() in have}
    return {b.name: b.name in have for b in t.flags if not b.hidden and b.kind != "removed"}


def _set_bit(cur: int, b: Bit, matched: bool, lim: int) -> int:
    v, m = _bit_numbers(b)
    if matched:
        cur |= m & v
    else:
        cur &= (~m | (m & ~v))
    return cur & lim


def _set_equal(cur: int, b: Bit, matched: bool, lim: int) -> int:
    v, m = _bit_numbers(b)
    if matched:
        cur = (cur & ~m) | (m & v)
    else:
        cur &= ~m
    return cur & lim


def parse_flags(p, t: TypeDecl, data: Any, path, initial: int = 0) -> Any:
    """Parse a list of flag names (or one name) into an integer.

    Unknown names record error 9207 with the item's source and parsing goes
    on (as the reference does); the caller sees ``ctx.errors``.
    """
    lim = (1 << width(t)) - 1
    if isinstance(data, str):
        items = [data]
    elif isinstance(data, list):
        items = data
    else:
        p.error(E.ESLURM_DATA_FLAGS_INVALID_TYPE, path,
                f"Expected a List but found a {data_type_name(data)}")
    cur = initial & lim
    seen = 0
    for i, item in enumerate(items):
        ipath = with_index(path, i)  # a single name is item 0, as in the reference
        if isinstance(item, (dict, list)) or item is None:
            p.warn(ipath, f"Ignoring unexpected field of type {data_type_name(item)}")
            continue
        if isinstance(item, bool):
            s = "true" if item else "false"
        elif isinstance(item, float):
            s = "%f" % item
        else:
            s = str(item)
        matched_any = False
        for b in t.flags:
            matched = s.lower() == b.name.lower()
            matched_any = matched_any or matched
            if b.kind == "bit":
                v = value_of(b)
                if matched or (~seen & v) == v:
                    cur = _set_bit(cur, b, matched, lim)
                seen |= v
            elif b.kind == "equal":
                m = mask_of(b)
                if matched or (~seen & m) == m:
                    cur = _set_equal(cur, b, matched, lim)
                seen |= m
            elif matched:
                p.warn(ipath, f"Ignoring deprecated flag: {b.name}")
        if not matched_any:
            p.ctx.error(E.ESLURM_DATA_FLAGS_INVALID, format_path(ipath), f'Unknown flag "{s}"')
    return cur


def parse_exploded(p, t: TypeDecl, data: dict, path, initial: int = 0) -> int:
    """Exploded flags (one boolean key per flag) -> integer."""
    lim = (1 << width(t)) - 1
    cur = initial & lim
    seen = 0
    for b in t.flags:
        if b.kind == "removed":
            if b.name in data and to_bool(data[b.name]):
                p.warn(path + [b.name], f"Ignoring deprecated flag: {b.name}")
            continue
        src = data.get(b.name, None) if isinstance(data, dict) else None
        if src is None:
            matched = False
        elif isinstance(src, (dict, list)):
            matched = False
            p.warn(path + [b.name], f"Unable to convert to boolean from {data_type_name(src)}. "
                                    f"Flag {b.name} is being treated as false.")
        else:
            matched = to_bool(src)
        if b.kind == "bit":
            cur = _set_bit(cur, b, matched, lim)
        else:
            m = mask_of(b)
            if matched or (~seen & m) == m:
                cur = _set_equal(cur, b, matched, lim)
            seen |= m
    return cur


def flag_value(t: TypeDecl, *names: str) -> int:
    """Integer of the given flag names of the flag type ``t``."""
    out = 0
    for n in names:
        b = next(b for b in t.flags if b.name.lower() == n.lower())
        if b.kind == "equal":
            out = (out & ~mask_of(b)) | value_of(b)
        else:
            out |= value_of(b)
    return out
