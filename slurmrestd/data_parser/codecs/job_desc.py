"""Job descriptions (``job_desc_msg_t``): the complex fields of job submissions.

Parse codecs of complex rows may read and change the struct being built
(:func:`~slurmrestd.data_parser.codecs.base.current`); they return ``UNSET`` when
they changed it in place.
"""

from __future__ import annotations

import re

from slurmrestd.data_parser.codecs.base import CodecSet, current, sub
from slurmrestd.data_parser.codecs.resources import cpu_freq_from_string, cpu_freq_to_string, dump_task_dist
from slurmrestd.data_parser.context import data_type_name
from slurmrestd.data_parser.members import member
from slurmrestd.data_parser.plain import UNSET, compact, to_int
from slurmrestd.errors import E
from slurmrestd.slurm.constants import LAYOUT_NAMES, VALUES
from slurmrestd.slurm.sentinels import NO_VAL, NO_VAL16, NO_VAL64

CODECS = CodecSet()


def _parse_str_array(p, data, path):
    return p.parse(p.reg["STRING_ARRAY"], data, path)


def _strings_dumper(name):
    def fn(d, t, job):
        items = member(job, name)
        return [str(x) for x in items] if items else []
    return fn


def _strings_parser(name, count):
    def fn(p, t, data, path):
        if data is None:
            return UNSET
        items = _parse_str_array(p, data, path)
        return {name: items, count: len(items)}
    return fn


for _type, _name, _count in (("JOB_DESC_MSG_ARGV", "argv", "argc"),
                             ("JOB_DESC_MSG_SPANK_ENV", "spank_job_env", "spank_job_env_size")):
    CODECS.add_dump(_type, _strings_dumper(_name))
    CODECS.add_parse(_type, _strings_parser(_name, _count))
CODECS.add_dump("JOB_DESC_MSG_ENV", _strings_dumper("environment"))


@CODECS.parser("JOB_DESC_MSG_ENV")
def _parse_jd_env(p, t, data, path):
    if data is None:
        return UNSET
    env = _parse_str_array(p, data, path)
    cur = current(p)
    # keep variables set earlier by other rows (rlimits), as setenvf() would
    old = [e for e in (cur.get("environment") or []) if e.split("=", 1)[0] not in
           {x.split("=", 1)[0] for x in env}]
    env = env + old
    return {"environment": env, "env_size": len(env)}


def _rlimit(name):
    env_name = "SLURM_RLIMIT_" + name

    def dump_fn(d, t, job):
        limit = NO_VAL64
        for e in member(job, "environment") or ():
            k, _, v = str(e).partition("=")
            if k == env_name:
                n = to_int(v)
                limit = n if n is not None else NO_VAL64
        return sub(d, "UINT64_NO_VAL", limit)

    def parse_fn(p, t, data, path):
        limit = p.parse(p.reg["UINT64_NO_VAL"], data, path)
        if limit == NO_VAL64:
            return UNSET
        cur = current(p)
        env = [e for e in (cur.get("environment") or []) if str(e).split("=", 1)[0] != env_name]
        env.append(f"{env_name}={limit}")
        cur["environment"] = env
        cur["env_size"] = len(env)
        return UNSET
    return dump_fn, parse_fn


for _r in ("CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE", "MEMLOCK", "AS"):
    _dump_fn, _parse_fn = _rlimit(_r)
    CODECS.add_dump(f"JOB_DESC_MSG_RLIMIT_{_r}", _dump_fn)
    CODECS.add_parse(f"JOB_DESC_MSG_RLIMIT_{_r}", _parse_fn)


_GOVS = (("Conservative", "CPU_FREQ_CONSERVATIVE"), ("OnDemand", "CPU_FREQ_ONDEMAND"),
         ("Performance", "CPU_FREQ_PERFORMANCE"), ("PowerSave", "CPU_FREQ_POWERSAVE"),
         ("UserSpace", "CPU_FREQ_USERSPACE"), ("SchedUtil", "CPU_FREQ_SCHEDUTIL"))


@CODECS.dumper("JOB_DESC_MSG_CPU_FREQ")
def _dump_jd_cpu_freq(d, t, job):
    lo, hi, gov = (member(job, k, NO_VAL) for k in ("cpu_freq_min", "cpu_freq_max", "cpu_freq_gov"))
    if not (lo or hi or gov) or (lo in (NO_VAL, 0) and hi in (NO_VAL, 0) and gov in (NO_VAL, 0)):
        return None if d.ctx.complex_mode else ""
    out = ""
    if lo not in (NO_VAL, 0):
        out = cpu_freq_to_string(lo)
    if hi not in (NO_VAL, 0):
        out = f"{out}-{cpu_freq_to_string(hi)}" if out else cpu_freq_to_string(hi)
    if gov not in (NO_VAL, 0):
        g = cpu_freq_to_string(gov)
        out = f"{out}:{g}" if out else g
    return out


@CODECS.parser("JOB_DESC_MSG_CPU_FREQ")
def _parse_jd_cpu_freq(p, t, data, path):
    if data is None:
        return {"cpu_freq_min": NO_VAL, "cpu_freq_max": NO_VAL, "cpu_freq_gov": NO_VAL}
    if isinstance(data, (list, dict)):
        p.error(E.ESLURM_DATA_CONV_FAILED, path, f"string expected but got {compact(data)}")
    s = str(data)
    lo = hi = gov = NO_VAL
    body, _, g = s.partition(":")
    for name, sym in _GOVS:
        if body.lower() == name.lower():
            gov, body = VALUES[sym], ""
        if g and g.lower() == name.lower():
            gov = VALUES[sym]
    if g and gov == NO_VAL:
        p.error(E.ESLURM_DATA_CONV_FAILED, path, "Invalid cpu_frequency")
    if body:
        a, dash, b = body.partition("-")
        va = cpu_freq_from_string(a)
        vb = cpu_freq_from_string(b) if dash else None
        if va is None or (dash and vb is None):
            p.error(E.ESLURM_DATA_CONV_FAILED, path, "Invalid cpu_frequency")
        if dash:
            lo, hi = va, vb
        else:
            hi = va
    return {"cpu_freq_min": lo, "cpu_freq_max": hi, "cpu_freq_gov": gov}


@CODECS.dumper("JOB_DESC_MSG_NODES")
def _dump_jd_nodes(d, t, job):
    size = member(job, "job_size_str")
    if size:
        return size
    lo, hi = member(job, "min_nodes", 0), member(job, "max_nodes", 0)

    def s32(v):
        return v - 2**32 if v >= 2**31 else v
    return f"{s32(lo)}-{s32(hi)}" if lo != hi else f"{s32(lo)}"


@CODECS.parser("JOB_DESC_MSG_NODES")
def _parse_jd_nodes(p, t, data, path):
    if isinstance(data, list):
        if not data or len(data) > 2:
            p.error(E.ESLURM_DATA_CONV_FAILED, path,
                    "Node count in format of a list must have a cardinality of 2 or 1")
        vals = []
        for x, what in zip(data, ("Minimum", "Maximum") if len(data) == 2 else ("Maximum",)):
            n = to_int(x) if not isinstance(x, (list, dict)) else None
            if n is None:
                p.error(E.ESLURM_DATA_CONV_FAILED, path,
                        f"{what} nodes must be an integer instead of {data_type_name(x)}")
            vals.append(n)
        out = {"max_nodes": vals[-1]}
        if len(vals) == 2:
            out["min_nodes"] = vals[0]
        else:
            out["min_nodes"] = current(p).get("min_nodes", NO_VAL)
    else:
        if isinstance(data, (dict,)) or data is None:
            p.error(E.ESLURM_DATA_CONV_FAILED, path,
                    f"Expected string instead of {data_type_name(data)} for node counts")
        s = str(data).strip()
        m = re.match(r"^(\d+)(?:-(\d+))?$", s)
        if m:
            lo = int(m.group(1))
            hi = int(m.group(2)) if m.group(2) else lo
            out = {"min_nodes": lo, "max_nodes": hi, "job_size_str": None}
        elif re.match(r"^\d+(?:[-,:]\d+)*$", s):
            nums = [int(x) for x in re.split(r"[-,:]", s)]
            out = {"min_nodes": min(nums), "max_nodes": max(nums), "job_size_str": s}
        else:
            p.error(E.ESLURM_DATA_CONV_FAILED, path, f"Unknown format: {compact(data)}")
    if out.get("min_nodes", 0) > out.get("max_nodes", 0) and out.get("min_nodes") != NO_VAL:
        out["min_nodes"], out["max_nodes"] = out["max_nodes"], out["min_nodes"]
    return out


_DIST_WORDS = {"cyclic": 1, "block": 2, "fcyclic": 3, "*": 0}


def verify_dist_type(s: str):
    """``verify_dist_type()`` subset: ``block``, ``cyclic:block``,
    ``plane=4``, ``arbitrary``, ``*``, with ``,Pack``/``,NoPack``.
    Returns (task_dist, plane_size) or None."""
    parts = s.split(",")
    base = parts[0].strip().lower()
    plane = NO_VAL16
    named = next((v for v, n in LAYOUT_NAMES if n.lower() == base), None)
    if base == "unknown":
        named = VALUES["SLURM_DIST_UNKNOWN"]
    if named is not None:  # the names dumps use (slurm_step_layout_type_name)
        dist = named
    elif base.startswith("plane"):
        m = re.match(r"^plane(?:=(\d+))?$", base)
        if not m:
            return None
        dist = VALUES["SLURM_DIST_PLANE"]
        if m.group(1):
            plane = int(m.group(1))
    elif base == "arbitrary":
        dist = VALUES["SLURM_DIST_ARBITRARY"]
    else:
        levels = base.split(":")
        if len(levels) > 3 or any(x not in _DIST_WORDS for x in levels):
            return None
        if levels[0] == "fcyclic":
            return None
        dist = 0
        for i, w in enumerate(levels):
            v = _DIST_WORDS[w]
            if i == 0 and v == 0:
                v = 2  # default node distribution: block
            dist |= v << (4 * i)
    for extra in parts[1:]:
        e = extra.strip().lower()
        if e == "pack":
            dist |= VALUES["SLURM_DIST_PACK_NODES"]
        elif e == "nopack":
            dist |= VALUES["SLURM_DIST_NO_PACK_NODES"]
        else:
            return None
    return dist, plane


@CODECS.dumper("JOB_DESC_MSG_TASK_DISTRIBUTION")
def _dump_jd_dist(d, t, job):
    return dump_task_dist(d, t, member(job, "task_dist", NO_VAL))


@CODECS.parser("JOB_DESC_MSG_TASK_DISTRIBUTION")
def _parse_jd_dist(p, t, data, path):
    cur = current(p)
    if data is None:
        if cur.get("plane_size", NO_VAL16) == NO_VAL16:
            return {"task_dist": VALUES["SLURM_DIST_UNKNOWN"]}
        return UNSET
    if isinstance(data, (list, dict)):
        p.error(E.ESLURM_DATA_CONV_FAILED, path, "Invalid distribution")
    r = verify_dist_type(str(data))
    if r is None:
        p.error(E.ESLURM_BAD_DIST, path, "Invalid distribution specification")
    dist, plane = r
    cur_plane = cur.get("plane_size", NO_VAL16)
    if dist & VALUES["SLURM_DIST_STATE_BASE"] == VALUES["SLURM_DIST_PLANE"]:
        if cur_plane != NO_VAL16 and plane != NO_VAL16 and cur_plane != plane:
            p.error(E.ESLURM_BAD_DIST, path, "Plane distribution set by distribution_plane_size and "
                                             f"distribution do not match. ({cur_plane} != {plane})")
        return {"task_dist": dist, "plane_size": plane if plane != NO_VAL16 else cur_plane}
    if cur_plane != NO_VAL16:
        p.error(E.ESLURM_BAD_DIST, path, "Plane size distribution specifications cannot be combined "
                                         f"with {data}")
    return {"task_dist": dist}


@CODECS.dumper("JOB_DESC_MSG_PLANE_SIZE")
def _dump_jd_plane(d, t, job):
    v = NO_VAL16
    if (member(job, "task_dist", NO_VAL) & VALUES["SLURM_DIST_STATE_BASE"]) == VALUES["SLURM_DIST_PLANE"]:
        v = member(job, "plane_size", NO_VAL16)
    return sub(d, "UINT16_NO_VAL", v)


@CODECS.parser("JOB_DESC_MSG_PLANE_SIZE")
def _parse_jd_plane(p, t, data, path):
    cur = current(p)
    plane = p.parse(p.reg["UINT16_NO_VAL"], data, path)
    task_dist = cur.get("task_dist", NO_VAL)
    base = task_dist & VALUES["SLURM_DIST_STATE_BASE"] if task_dist != NO_VAL else None
    if plane == NO_VAL16:
        if base == VALUES["SLURM_DIST_PLANE"]:
            p.error(E.ESLURM_BAD_DIST, path, "Plane size left unset but distribution specifications "
                                             "specified Plane")
        return {"plane_size": NO_VAL16}
    if task_dist != NO_VAL and base != VALUES["SLURM_DIST_PLANE"]:
        p.error(E.ESLURM_BAD_DIST, path, "Plane size distribution specifications cannot be combined "
                                         f"with {dump_task_dist(None, None, task_dist)}")
    env = [e for e in (cur.get("environment") or [])
           if not str(e).startswith(("SLURM_DISTRIBUTION=", "SLURM_DIST_PLANESIZE="))]
    env += ["SLURM_DISTRIBUTION=plane", f"SLURM_DIST_PLANESIZE={plane}"]
    return {"task_dist": VALUES["SLURM_DIST_PLANE"], "plane_size": plane, "environment": env,
            "env_size": len(env)}


CODECS.same_as("JOB_DESC_MSG_CRON_ENTRY", "CRON_ENTRY_PTR")
