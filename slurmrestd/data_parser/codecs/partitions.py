"""Leaf codecs of partitions and reservations (``PARTITION_EXCLUSIVE``,
``PARTITION_OVERSUBSCRIBE``, ``OVERSUBSCRIBE_JOBS``, ``RESERVATION_INFO_CORE_SPEC``),
after the C plugin's ``parsers.c``.

Complex codecs get the whole struct (a dict keyed by C member names); a
complex parse codec reads the struct being built (``p.current``) and returns
the members it changes.
"""

from __future__ import annotations

import re

from slurmrestd.data_parser.codecs.base import CodecSet
from slurmrestd.data_parser.members import member as _get
from slurmrestd.data_parser.plain import UNSET, compact
from slurmrestd.errors import E
from slurmrestd.slurm.constants import VALUES
from slurmrestd.slurm.sentinels import NO_VAL16

CODECS = CodecSet()
dumper, parser, DUMP = CODECS.dumper, CODECS.parser, CODECS.dump

#: partition flags (slurm/slurm.h PART_FLAG_*) and the OverSubscribe=FORCE bit
PART_FLAG_EXCLUSIVE_USER = VALUES["PART_FLAG_EXCLUSIVE_USER"]
PART_FLAG_EXC_USER_CLR = VALUES["PART_FLAG_EXC_USER_CLR"]
PART_FLAG_EXCLUSIVE_TOPO = VALUES["PART_FLAG_EXCLUSIVE_TOPO"]
PART_FLAG_EXC_TOPO_CLR = VALUES["PART_FLAG_EXC_TOPO_CLR"]
SHARED_FORCE = VALUES["SHARED_FORCE"]


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


def _text(p, data, path) -> str:
    """``data_convert_type(src, DATA_TYPE_STRING)`` or the reference's error."""
    if isinstance(data, (list, dict)):
        p.error(E.ESLURM_DATA_CONV_FAILED, path, "Expecting string but got %s" % compact(data))
    if isinstance(data, bool):
        return "true" if data else "false"
    if isinstance(data, float):
        return "%f" % data
    return str(data)


@parser("PARTITION_EXCLUSIVE")
def _parse_partition_exclusive(p, t, data, path):
    if data is None:
        return UNSET
    text = _text(p, data, path)
    rule = _EXCLUSIVE.get(text.lower())
    if rule is None:
        p.error(E.ESLURM_REST_FAIL_PARSING, path, "expected NO, NODE, USER, or TOPO")
    cur = getattr(p, "current", None) or {}
    zero_share, bits = rule
    out = {"flags": int(cur.get("flags") or 0) | bits}
    if zero_share:
        out["max_share"] = 0
    return out


# PARTITION_OVERSUBSCRIBE: 0 jobs (Exclusive=NODE/TOPO) reads "NO"; parsing keeps
# Exclusive=NODE/TOPO, checks job counts and warns as the reference does.

@dumper("PARTITION_OVERSUBSCRIBE")
def _dump_partition_oversubscribe(d, t, value):
    """``OverSubscribe=`` as ``scontrol show partition`` prints it: NO, YES:n, FORCE:n."""
    v = int(value if value is not None else 0)
    force, jobs = v & SHARED_FORCE, v & ~SHARED_FORCE & 0xFFFF
    if not jobs:
        return "NO"
    if force:
        return "FORCE:%u" % jobs
    return "NO" if jobs == 1 else "YES:%u" % jobs


_STRTOL = re.compile(r"[ \t\n\r\f\v]*([+-]?\d+)\Z")
_LONG_MAX = (1 << 63) - 1


def _oversubscribe_jobs(p, path, text: str, force: bool) -> int:
    m = _STRTOL.match(text)
    if not m:
        p.error(E.ESLURM_REST_FAIL_PARSING, path, "invalid job count")
    n = int(m.group(1))
    if not -_LONG_MAX - 1 <= n <= _LONG_MAX:
        p.error(E.ESLURM_REST_FAIL_PARSING, path, "job count out of range")
    if n > 0xFFFF & ~SHARED_FORCE:
        p.error(E.ESLURM_REST_FAIL_PARSING, path, "count too large")
    if force and n < 1:
        p.error(E.ESLURM_REST_FAIL_PARSING, path, "FORCE count must be >= 1")
    if not force and n <= 1:
        p.error(E.ESLURM_REST_FAIL_PARSING, path, "YES count must be > 1")
    return n | (SHARED_FORCE if force else 0)


@parser("PARTITION_OVERSUBSCRIBE")
def _parse_partition_oversubscribe(p, t, data, path):
    if data is None:
        return UNSET
    word, colon, count = _text(p, data, path).partition(":")
    current = (getattr(p, "current", None) or {}).get("max_share", NO_VAL16)
    if not colon and word.lower() == "no":
        return 1
    if current == 0:
        p.warn(path, "Oversubscribe ignored, Exclusive=TOPO and Exclusive=NODE imply OverSubscribe=NO")
        return UNSET
    if word.lower() == "yes":
        return _oversubscribe_jobs(p, path, count, False) if colon else 4
    if word.lower() == "force":
        return _oversubscribe_jobs(p, path, count, True) if colon else 4 | SHARED_FORCE
    p.error(E.ESLURM_REST_FAIL_PARSING, path, "expected NO, YES[:#], or FORCE[:#]")


@dumper("OVERSUBSCRIBE_JOBS")
def _dump_oversubscribe_jobs(d, t, value):
    """``max_share`` without the FORCE bit (the job count of ``OverSubscribe=``)."""
    return (int(value) if value is not None else 0) & ~SHARED_FORCE & 0xFFFF


@dumper("RESERVATION_INFO_CORE_SPEC")
def _dump_resv_core_spec(d, t, resv):
    """The reservation's ``core_spec`` array (``core_spec_cnt`` entries)."""
    specs = list(_get(resv, "core_spec", ()) or ())
    n = _get(resv, "core_spec_cnt", len(specs))
    item = d.reg["RESERVATION_CORE_SPEC"]
    return [d.dump(item, s, None) for s in specs[:n]]
