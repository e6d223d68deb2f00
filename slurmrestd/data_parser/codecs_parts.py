"""Leaf codecs of partitions and reservations (``PARTITION_EXCLUSIVE``,
``RESERVATION_INFO_CORE_SPEC``), after the C plugin's ``parsers.c``.

Complex codecs get the whole struct (a dict keyed by C member names); a
complex parse codec reads the struct being built (``p.current``) and returns
the members it changes.
"""

from __future__ import annotations

from slurmrestd.data_parser.codecs import UNSET, compact, dumper, parser
from slurmrestd.errors import E

#: partition flags (slurm/slurm.h PART_FLAG_*) and the OverSubscribe=FORCE bit
PART_FLAG_EXCLUSIVE_USER = 1 << 6
PART_FLAG_EXC_USER_CLR = 1 << 14
PART_FLAG_EXCLUSIVE_TOPO = 1 << 16
PART_FLAG_EXC_TOPO_CLR = 1 << 17
SHARED_FORCE = 0x8000


def _get(obj, member, default=None):
    v = obj.get(member) if isinstance(obj, dict) else getattr(obj, member, None)
    return default if v is None else v


@dumper("PARTITION_EXCLUSIVE")
def _dump_partition_exclusive(d, t, part):
    """``Exclusive=`` as ``scontrol show partition`` prints it."""
    flags = int(_get(part, "flags", 0))
    share = int(_get(part, "max_share", 0)) & ~SHARED_FORCE & 0xFFFF
    if flags & PART_FLAG_EXCLUSIVE_TOPO:
        return "TOPO"
    if share == 0:
        return "NODE"
    if flags & PART_FLAG_EXCLUSIVE_USER:
        return "USER"
    return "NO"


#: value → (max_share forced to 0, flag bits to add); ``parse_partition_exclusive``
_EXCLUSIVE = {
    "no": (False, PART_FLAG_EXC_USER_CLR | PART_FLAG_EXC_TOPO_CLR),
    "none": (False, PART_FLAG_EXC_USER_CLR | PART_FLAG_EXC_TOPO_CLR),
    "node": (True, PART_FLAG_EXC_USER_CLR | PART_FLAG_EXC_TOPO_CLR),
    "user": (False, PART_FLAG_EXCLUSIVE_USER | PART_FLAG_EXC_TOPO_CLR),
    "topo": (True, PART_FLAG_EXC_USER_CLR | PART_FLAG_EXCLUSIVE_TOPO),
}


@parser("PARTITION_EXCLUSIVE")
def _parse_partition_exclusive(p, t, data, path):
    if data is None:
        return UNSET
    if isinstance(data, (list, dict)):
        p.error(E.ESLURM_DATA_CONV_FAILED, path, "Expecting string but got %s" % compact(data))
    if isinstance(data, bool):
        text = "true" if data else "false"
    elif isinstance(data, float):
        text = "%f" % data
    else:
        text = str(data)
    rule = _EXCLUSIVE.get(text.lower())
    if rule is None:
        p.error(E.ESLURM_REST_FAIL_PARSING, path, "expected NO, NODE, USER, or TOPO")
    cur = getattr(p, "current", None) or {}
    zero_share, bits = rule
    out = {"flags": int(cur.get("flags") or 0) | bits}
    if zero_share:
        out["max_share"] = 0
    return out


@dumper("RESERVATION_INFO_CORE_SPEC")
def _dump_resv_core_spec(d, t, resv):
    """The reservation's ``core_spec`` array (``core_spec_cnt`` entries)."""
    specs = list(_get(resv, "core_spec", ()) or ())
    n = _get(resv, "core_spec_cnt", len(specs))
    item = d.reg["RESERVATION_CORE_SPEC"]
    return [d.dump(item, s, None) for s in specs[:n]]
