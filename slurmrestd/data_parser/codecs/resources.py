"""Resources of jobs and steps: memory per CPU or node, core/thread specialization,
CPU frequencies and task distributions."""

from __future__ import annotations

import re
from typing import Optional

from slurmrestd.data_parser.codecs.base import CodecSet, folded, sub
from slurmrestd.data_parser.plain import UNSET, compact, to_int
from slurmrestd.errors import E
from slurmrestd.slurm.constants import LAYOUT_NAMES, VALUES
from slurmrestd.slurm.sentinels import INFINITE64, NO_VAL, NO_VAL64

CODECS = CodecSet()


MEM_PER_CPU = VALUES["MEM_PER_CPU"]
CORE_SPEC_THREAD = VALUES["CORE_SPEC_THREAD"]


@CODECS.dumper("CORE_SPEC")
def _dump_core_spec(d, t, value):
    value = int(value or 0)
    return 0 if value & CORE_SPEC_THREAD else value


@CODECS.dumper("THREAD_SPEC")
def _dump_thread_spec(d, t, value):
    value = int(value or 0)
    return value & ~CORE_SPEC_THREAD if value & CORE_SPEC_THREAD else 0


def _parse_spec(p, data, path, what, errno):
    v = to_int(data) if not isinstance(data, (list, dict)) else None
    if v is None:
        p.error(E.ESLURM_DATA_CONV_FAILED, path,
                f"Expected integer for {what} specification but got {compact(data)}")
    if v >= CORE_SPEC_THREAD:
        p.error(errno, path, f"Invalid {what} specification {v} >= {CORE_SPEC_THREAD}")
    if v <= 0:
        p.error(errno, path, f"Invalid {what} specification {v} <= 0")
    return v


@CODECS.parser("CORE_SPEC")
def _parse_core_spec(p, t, data, path):
    return _parse_spec(p, data, path, "core", E.ESLURM_INVALID_CORE_CNT)


@CODECS.parser("THREAD_SPEC")
def _parse_thread_spec(p, t, data, path):
    return _parse_spec(p, data, path, "thread", E.ESLURM_BAD_THREAD_PER_CORE) | CORE_SPEC_THREAD


def str_to_mbytes(s: str) -> int:
    """``str_to_mbytes()``: ``"2G"`` -> 2048; NO_VAL64 when invalid."""
    m = re.match(r"^\s*(-?\d+)\s*([a-zA-Z]?)\s*$", s)
    if not m:
        return NO_VAL64
    n = int(m.group(1))
    if n < 0:
        return NO_VAL64
    suf = m.group(2).lower()
    mult = {"": 1, "m": 1, "g": 1024, "t": 1024 ** 2, "p": 1024 ** 3}
    if suf == "k":
        return (n + 1023) // 1024
    if suf not in mult:
        return NO_VAL64
    return n * mult[suf]


@CODECS.dumper("MEM_PER_CPUS")
@folded(0, None, NO_VAL64)
def _dump_mem_per_cpu(d, t, value):
    v = NO_VAL64
    if value is not None and int(value) & MEM_PER_CPU and value not in (NO_VAL64, INFINITE64):
        v = int(value) & ~MEM_PER_CPU
    return sub(d, "UINT64_NO_VAL", v)


@CODECS.dumper("MEM_PER_NODE")
@folded(0, None, NO_VAL64)
def _dump_mem_per_node(d, t, value):
    v = NO_VAL64
    if value is not None and (not int(value) & MEM_PER_CPU or value in (NO_VAL64, INFINITE64)):
        v = int(value)
    return sub(d, "UINT64_NO_VAL", v)


def _parse_mem(p, data, path, per_cpu):
    """Memory per CPU (``MEM_PER_CPU`` bit set) or per node: a size string or UINT64_NO_VAL data."""
    if data is None:
        return NO_VAL64
    if isinstance(data, str) and not data.strip().lstrip("-").isdigit():
        mem = str_to_mbytes(data)
        if mem == NO_VAL64:
            p.error(E.ESLURM_DATA_CONV_FAILED, path, f"Invalid formatted memory size: {data}")
    else:
        mem = p.parse(p.reg["UINT64_NO_VAL"], data, path)
    if mem == NO_VAL64:
        # unset: keep what an overloaded sibling row (memory_per_cpu/node) set
        return UNSET
    if mem == INFINITE64:
        return 0  # 0 acts as infinity
    if mem >= MEM_PER_CPU:
        p.error(E.ESLURM_INVALID_TASK_MEMORY, path,
                f"Memory value {mem} equal or larger than {MEM_PER_CPU}")
    return (MEM_PER_CPU | mem) if per_cpu else mem


CODECS.add_parse("MEM_PER_CPUS", lambda p, t, data, path: _parse_mem(p, data, path, True))
CODECS.add_parse("MEM_PER_NODE", lambda p, t, data, path: _parse_mem(p, data, path, False))


CPU_FREQ_NAMES = (("CPU_FREQ_LOW", "Low"), ("CPU_FREQ_MEDIUM", "Medium"), ("CPU_FREQ_HIGHM1", "Highm1"),
                  ("CPU_FREQ_HIGH", "High"), ("CPU_FREQ_CONSERVATIVE", "Conservative"),
                  ("CPU_FREQ_PERFORMANCE", "Performance"), ("CPU_FREQ_POWERSAVE", "PowerSave"),
                  ("CPU_FREQ_USERSPACE", "UserSpace"), ("CPU_FREQ_ONDEMAND", "OnDemand"),
                  ("CPU_FREQ_SCHEDUTIL", "SchedUtil"))


def cpu_freq_to_string(v: int) -> str:
    for sym, name in CPU_FREQ_NAMES:
        if v == VALUES[sym]:
            return name
    if v & VALUES["CPU_FREQ_RANGE_FLAG"]:
        return "Unknown"
    if v in (NO_VAL, 0):
        return ""
    return str(v)


def cpu_freq_from_string(s: str) -> Optional[int]:
    for sym, name in CPU_FREQ_NAMES:
        if s.lower() == name.lower():
            return VALUES[sym]
    n = to_int(s)
    return n


@CODECS.dumper("TASK_DISTRIBUTION")
def dump_task_dist(d, t, value):
    value = int(value or 0)
    base = value & VALUES["SLURM_DIST_STATE_BASE"]
    name = next((n for v, n in LAYOUT_NAMES if v == base), "Unknown")
    if value & VALUES["SLURM_DIST_PACK_NODES"]:
        name += ",Pack"
    if value & VALUES["SLURM_DIST_NO_PACK_NODES"]:
        name += ",NoPack"
    return name
