"""Hand-written leaf codecs beyond the plain numbers/strings of :mod:`codecs`.

Each function mirrors one ``DUMP_FUNC``/``PARSE_FUNC`` of the C plugin
(``src/plugins/data_parser/v0.0.45/parsers.c``); values are the C member
values as the RPC layer hands them over (see :mod:`engine`).  Complex codecs
receive the whole parent struct (a dict keyed by C member names).

Tables needed by some codecs come from the :class:`ParserContext`:
``ctx.need("TRES")`` (list of ``{"id", "type", "name"}``) and
``ctx.need("QOS")`` (list of ``{"id", "name"}``).
"""

from __future__ import annotations

import grp
import math
import pwd
import re
import time
from typing import Optional

from slurmrestd.data_parser.codecs import (
    UNSET, compact, dumper, parser, parse_string, to_bool, to_float, to_int,
)
from slurmrestd.data_parser.context import data_type_name
from slurmrestd.errors import E
from slurmrestd.slurm import jobid
from slurmrestd.slurm.constants import JOB_REASONS, LAYOUT_NAMES, VALUES
from slurmrestd.slurm.defs import SLURM_AUTH_NOBODY, SLURM_BATCH_SCRIPT, SLURM_MAX_NORMAL_STEP_ID
from slurmrestd.slurm.sentinels import INFINITE, INFINITE64, NO_VAL, NO_VAL16, NO_VAL64
from slurmrestd.slurm.sluid import print_sluid, str2sluid

MEM_PER_CPU = VALUES["MEM_PER_CPU"]
CORE_SPEC_THREAD = VALUES["CORE_SPEC_THREAD"]
NICE_OFFSET = VALUES["NICE_OFFSET"]


def _err(p, path, errno, text):
    p.error(errno, path, text)


def _m(obj, member, default=None):
    from slurmrestd.data_parser.engine import get_member
    v = get_member(obj, member)
    return default if v is None else v


def _sub(d, name, value, row=None):
    """Dump ``value`` as type ``name`` with dumper ``d``."""
    return d.dump(d.reg[name], value, row)


# ---------------------------------------------------------------------------
# users and groups
# ---------------------------------------------------------------------------

class _NameCache:
    """id → name lookups (passwd/group, possibly NSS over the network), remembered briefly.

    A job list names the same few users thousands of times; a short lifetime keeps
    renamed or new accounts visible quickly."""

    TTL_S = 60.0
    MAX = 4096

    def __init__(self, lookup) -> None:
        self._lookup = lookup
        self._data: dict = {}

    def __call__(self, key: int) -> Optional[str]:
        now = time.monotonic()
        hit = self._data.get(key)
        if hit is not None and hit[1] > now:
            return hit[0]
        try:
            name = self._lookup(key)
        except (KeyError, OverflowError):
            name = None
        if len(self._data) >= self.MAX:
            self._data.clear()
        self._data[key] = (name, now + self.TTL_S)
        return name


_user_name = _NameCache(lambda uid: pwd.getpwuid(uid).pw_name)
_group_name = _NameCache(lambda gid: grp.getgrgid(gid).gr_name)


def uid_to_name(uid) -> Optional[str]:
    """``uid_to_string_or_null()``: the user name, or None when unknown."""
    if uid is None:
        return None
    try:
        uid = int(uid)
    except (TypeError, ValueError):
        return None
    if uid == 0:
        return "root"
    return _user_name(uid)


def gid_to_name(gid) -> Optional[str]:
    if gid is None:
        return None
    try:
        gid = int(gid)
    except (TypeError, ValueError):
        return None
    if gid == 0:
        return "root"
    return _group_name(gid)


def _name_to_uid(s: str) -> Optional[int]:
    """``uid_from_string()``: a user name, or a numeric id."""
    try:
        return pwd.getpwnam(s).pw_uid
    except KeyError:
        pass
    v = to_int(s)
    if v is not None and 0 <= v < 0xFFFFFFFF:
        return v
    return None


def _name_to_gid(s: str) -> Optional[int]:
    try:
        return grp.getgrnam(s).gr_gid
    except KeyError:
        pass
    v = to_int(s)
    if v is not None and 0 <= v < 0xFFFFFFFF:
        return v
    return None


@dumper("USER_ID")
def _dump_user_id(d, t, value):
    name = uid_to_name(value)
    return name if name is not None else ""


@dumper("GROUP_ID")
def _dump_group_id(d, t, value):
    name = gid_to_name(value)
    if name is not None:
        return name
    return None if d.ctx.complex_mode else ""


def _parse_id(p, data, path, what, resolve, errno_invalid, errno_unknown):
    if data is None:
        return SLURM_AUTH_NOBODY
    if isinstance(data, bool) or isinstance(data, (dict, list)):
        _err(p, path, E.ESLURM_DATA_CONV_FAILED, f"Invalid {what} field: {compact(data)}")
    if isinstance(data, float):
        if math.isnan(data) or math.isinf(data):
            _err(p, path, E.ESLURM_DATA_CONV_FAILED,
                 f"Unable to convert {compact(data)} to integer to resolve {what}")
        data = int(round(data))
    if isinstance(data, str):
        s = data
        if not s:
            return SLURM_AUTH_NOBODY
        n = to_int(s)
        if n is None:
            v = resolve(s)
            if v is None:
                _err(p, path, errno_unknown, f"Unable to resolve {what}: {s}")
            return v
        data = n
    if data < 0 or data > 0xFFFFFFFF:
        _err(p, path, errno_invalid, f"Invalid {what} ID (overflow): {data}")
    return int(data)


@parser("USER_ID")
def _parse_user_id(p, t, data, path):
    return _parse_id(p, data, path, "user", _name_to_uid, E.ESLURM_USER_ID_INVALID,
                     E.ESLURM_USER_ID_UNKNOWN)


@parser("GROUP_ID")
def _parse_group_id(p, t, data, path):
    return _parse_id(p, data, path, "group", _name_to_gid, E.ESLURM_GROUP_ID_INVALID,
                     E.ESLURM_GROUP_ID_UNKNOWN)


@dumper("NODE_REASON_USER_ID", "SINFO_REASON_USER_ID")
def _dump_reason_uid(d, t, obj):
    uid = _m(obj, "reason_uid", NO_VAL)
    if uid == NO_VAL:
        return ""
    return _dump_user_id(d, t, uid)


@dumper("JOB_USER")
def _dump_job_user(d, t, job):
    """slurmdb job: the user name if recorded, else resolve ``uid``."""
    user = _m(job, "user")
    if user:
        return user
    name = uid_to_name(_m(job, "uid"))
    return name or ""


# ---------------------------------------------------------------------------
# job state reason, signals, nice, core/thread spec, hold, exclusive
# ---------------------------------------------------------------------------

@dumper("JOB_REASON")
def _dump_job_reason(d, t, value):
    return JOB_REASONS.get(int(value or 0), "InvalidReason")


_SIGNALS = (("HUP", 1), ("INT", 2), ("QUIT", 3), ("ABRT", 6), ("KILL", 9), ("ALRM", 14),
            ("TERM", 15), ("CHLD", 17), ("USR1", 10), ("USR2", 12), ("PIPE", 13), ("URG", 23),
            ("CONT", 18), ("STOP", 19), ("TSTP", 20), ("TTIN", 21), ("TTOU", 22), ("XCPU", 24))
SIGRTMAX = 64


def sig_num2name(num: int) -> str:
    for name, n in _SIGNALS:
        if n == num:
            return name
    return str(num)


def sig_name2num(s: str) -> int:
    """0 when unknown (as ``sig_name2num``)."""
    m = re.match(r"^\s*([+-]?\d+)", s)
    if m:
        return int(m.group(1)) if not s[m.end():].strip() else 0
    s = s.lstrip()
    if s[:3].upper() == "SIG":
        s = s[3:]
    for name, n in _SIGNALS:
        if s[:len(name)].upper() == name and not s[len(name):].strip():
            return n
    return 0


@dumper("SIGNAL")
def _dump_signal(d, t, value):
    if value is None or value == NO_VAL16:
        return None if d.ctx.complex_mode else ""
    return sig_num2name(int(value))


@parser("SIGNAL")
def _parse_signal(p, t, data, path):
    n = to_int(data) if not isinstance(data, str) or data.strip().lstrip("+-").isdigit() else None
    if n is not None:
        if not 0 <= n <= 0xFFFF:
            _err(p, path, E.ESLURM_DATA_CONV_FAILED, f"Signal number out of range: {n}")
        return n
    if isinstance(data, (dict, list)) or data is None:
        _err(p, path, E.ESLURM_DATA_CONV_FAILED, f"expected string but got {compact(data)}")
    s = parse_string(p, t, data, path)
    if not s:
        return NO_VAL16
    n = sig_name2num(s)
    if not n:
        _err(p, path, E.ESLURM_DATA_CONV_FAILED, f"Unknown signal {s}")
    if n < 1 or n >= SIGRTMAX:
        p.ctx.warn("", f"Non-standard signal number: {n}")
    return n


@dumper("NICE")
def _dump_nice(d, t, value):
    if value is None or value in (NO_VAL, NICE_OFFSET):
        return 0
    return int(value) - NICE_OFFSET


@parser("NICE")
def _parse_nice(p, t, data, path):
    v = to_int(data) if data is not None else 0
    if v is None or not -2**31 <= v < 2**31 or abs(v) > NICE_OFFSET - 3:
        _err(p, path, E.ESLURM_INVALID_NICE, "Nice value not within +/- 2147483645")
    return v + NICE_OFFSET


@dumper("CORE_SPEC")
def _dump_core_spec(d, t, value):
    value = int(value or 0)
    return 0 if value & CORE_SPEC_THREAD else value


@dumper("THREAD_SPEC")
def _dump_thread_spec(d, t, value):
    value = int(value or 0)
    return value & ~CORE_SPEC_THREAD if value & CORE_SPEC_THREAD else 0


def _parse_spec(p, data, path, what, errno):
    v = to_int(data) if not isinstance(data, (list, dict)) else None
    if v is None:
        _err(p, path, E.ESLURM_DATA_CONV_FAILED,
             f"Expected integer for {what} specification but got {compact(data)}")
    if v >= CORE_SPEC_THREAD:
        _err(p, path, errno, f"Invalid {what} specification {v} >= {CORE_SPEC_THREAD}")
    if v <= 0:
        _err(p, path, errno, f"Invalid {what} specification {v} <= 0")
    return v


@parser("CORE_SPEC")
def _parse_core_spec(p, t, data, path):
    return _parse_spec(p, data, path, "core", E.ESLURM_INVALID_CORE_CNT)


@parser("THREAD_SPEC")
def _parse_thread_spec(p, t, data, path):
    return _parse_spec(p, data, path, "thread", E.ESLURM_BAD_THREAD_PER_CORE) | CORE_SPEC_THREAD


@dumper("HOLD")
def _dump_hold(d, t, value):
    return value == 0


@parser("HOLD")
def _parse_hold(p, t, data, path):
    if data is None:
        return UNSET  # implied false: leave priority alone
    if isinstance(data, (list, dict)):
        _err(p, path, E.ESLURM_DATA_CONV_FAILED, f"Expected boolean but got {compact(data)}")
    return 0 if to_bool(data) else INFINITE


@dumper("JOB_EXCLUSIVE")
def _dump_job_exclusive(d, t, value):
    return _sub(d, "JOB_EXCLUSIVE_FLAGS", value)


_EXCLUSIVE = {"no": "JOB_SHARED_OK", "none": "JOB_SHARED_OK", "node": "JOB_SHARED_NONE",
              "user": "JOB_SHARED_USER", "mcs": "JOB_SHARED_MCS", "topo": "JOB_SHARED_TOPO"}


@parser("JOB_EXCLUSIVE")
def _parse_job_exclusive(p, t, data, path):
    if data is None:
        return VALUES["JOB_SHARED_OK"]
    if isinstance(data, bool):
        return VALUES["JOB_SHARED_NONE"] if data else VALUES["JOB_SHARED_OK"]
    if isinstance(data, str) and data.lower() in _EXCLUSIVE:
        return VALUES[_EXCLUSIVE[data.lower()]]
    return p.parse(p.reg["JOB_EXCLUSIVE_FLAGS"], data, path)


# ---------------------------------------------------------------------------
# memory per cpu / node (MEM_PER_CPU bit of pn_min_memory)
# ---------------------------------------------------------------------------

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


@dumper("MEM_PER_CPUS")
def _dump_mem_per_cpu(d, t, value):
    v = NO_VAL64
    if value is not None and int(value) & MEM_PER_CPU and value not in (NO_VAL64, INFINITE64):
        v = int(value) & ~MEM_PER_CPU
    return _sub(d, "UINT64_NO_VAL", v)


@dumper("MEM_PER_NODE")
def _dump_mem_per_node(d, t, value):
    v = NO_VAL64
    if value is not None and (not int(value) & MEM_PER_CPU or value in (NO_VAL64, INFINITE64)):
        v = int(value)
    return _sub(d, "UINT64_NO_VAL", v)


def _parse_mem(p, data, path, per_cpu):
    if data is None:
        return NO_VAL64
    if isinstance(data, str) and not data.strip().lstrip("-").isdigit():
        mem = str_to_mbytes(data)
        if mem == NO_VAL64:
            _err(p, path, E.ESLURM_DATA_CONV_FAILED, f"Invalid formatted memory size: {data}")
    else:
        mem = p.parse(p.reg["UINT64_NO_VAL"], data, path)
    if mem == NO_VAL64:
        # unset: keep what an overloaded sibling row (memory_per_cpu/node) set
        return UNSET
    if mem == INFINITE64:
        return 0  # 0 acts as infinity
    if mem >= MEM_PER_CPU:
        _err(p, path, E.ESLURM_INVALID_TASK_MEMORY,
             f"Memory value {mem} equal or larger than {MEM_PER_CPU}")
    return (MEM_PER_CPU | mem) if per_cpu else mem


@parser("MEM_PER_CPUS")
def _parse_mem_per_cpu(p, t, data, path):
    return _parse_mem(p, data, path, True)


@parser("MEM_PER_NODE")
def _parse_mem_per_node(p, t, data, path):
    return _parse_mem(p, data, path, False)


# ---------------------------------------------------------------------------
# timestamps (numbers or Slurm time strings)
# ---------------------------------------------------------------------------

_UNITS = {"second": 1, "seconds": 1, "sec": 1, "s": 1, "minute": 60, "minutes": 60, "min": 60,
          "hour": 3600, "hours": 3600, "h": 3600, "day": 86400, "days": 86400, "d": 86400,
          "week": 604800, "weeks": 604800, "w": 604800}


def parse_time(s: str, now: Optional[float] = None) -> int:
    """A subset of Slurm's ``parse_time()``; 0 when not understood.

    Accepts ``now[{+|-}N[units]]``, ``today``, ``tomorrow``, ``midnight``,
    ``noon``, ``YYYY-MM-DD[THH:MM[:SS]]`` (local time), ``HH:MM[:SS]``,
    ``MM/DD[/YY]`` and plain epoch digits.
    """
    now = time.time() if now is None else now
    s = s.strip()
    low = s.lower()
    if low.isdigit():
        return int(low)
    m = re.match(r"^now(?:\s*([+-])\s*(\d+)\s*([a-z]*))?$", low)
    if m:
        t = int(now)
        if m.group(1):
            unit = _UNITS.get(m.group(3) or "s")
            if unit is None:
                return 0
            t += (1 if m.group(1) == "+" else -1) * int(m.group(2)) * unit
        return t
    lt = time.localtime(now)
    midnight = time.mktime((lt.tm_year, lt.tm_mon, lt.tm_mday, 0, 0, 0, 0, 0, -1))
    if low in ("today", "midnight"):
        return int(midnight + (86400 if low == "midnight" else 0))
    if low == "tomorrow":
        return int(midnight + 86400)
    if low == "noon":
        t = midnight + 12 * 3600
        return int(t if t > now else t + 86400)
    m = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?)?$", s)
    if m:
        y, mo, dd, hh, mi, ss = (int(x) if x else 0 for x in m.groups())
        try:
            return int(time.mktime((y, mo, dd, hh, mi, ss, 0, 0, -1)))
        except (OverflowError, ValueError):
            return 0
    m = re.match(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$", s)
    if m:
        hh, mi, ss = (int(x) if x else 0 for x in m.groups())
        t = midnight + hh * 3600 + mi * 60 + ss
        return int(t if t > now else t + 86400)
    m = re.match(r"^(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?$", s)
    if m:
        mo, dd = int(m.group(1)), int(m.group(2))
        y = int(m.group(3)) if m.group(3) else lt.tm_year
        if y < 100:
            y += 2000
        try:
            return int(time.mktime((y, mo, dd, 0, 0, 0, 0, 0, -1)))
        except (OverflowError, ValueError):
            return 0
    return 0


def _parse_ts(p, data, path):
    if data is None:
        return NO_VAL64
    if isinstance(data, float):
        if math.isnan(data) or math.isinf(data):
            return NO_VAL64
        return int(data)
    if isinstance(data, bool):
        return p.parse(p.reg["UINT64_NO_VAL"], data, path)
    if isinstance(data, int):
        return data
    if isinstance(data, str):
        n = to_int(data)
        if n is not None:
            return n
        f = to_float(data)
        if f is not None and not math.isnan(f) and not math.isinf(f):
            return int(f)
        t = parse_time(data)
        if not t:
            _err(p, path, E.ESLURM_DATA_CONV_FAILED, f"Parsing of {data} for timestamp failed")
        return t
    return p.parse(p.reg["UINT64_NO_VAL"], data, path)


@parser("TIMESTAMP")
def _parse_timestamp(p, t, data, path):
    v = _parse_ts(p, data, path)
    if v == NO_VAL64:
        _err(p, path, E.ESLURM_DATA_CONV_FAILED, "Invalid or unset timestamp value")
    return v


@parser("TIMESTAMP_NO_VAL")
def _parse_timestamp_no_val(p, t, data, path):
    return _parse_ts(p, data, path)


@dumper("TIMESTAMP_NO_VAL")
def _dump_timestamp_no_val(d, t, value):
    return _sub(d, "UINT64_NO_VAL", value)


@dumper("TIMESTAMP")
def _dump_timestamp(d, t, value):
    return _sub(d, "UINT64", 0 if value is None else value)


# ---------------------------------------------------------------------------
# step ids, SLUIDs, selected steps
# ---------------------------------------------------------------------------

@dumper("SLUID")
def _dump_sluid(d, t, value):
    if not value:
        return None if d.ctx.complex_mode else ""
    return print_sluid(int(value))


@parser("SLUID")
def _parse_sluid(p, t, data, path):
    if data is None or data is False:
        return 0
    if data is True:
        _err(p, path, E.ESLURM_INVALID_SLUID, "Unable to parse true as SLUID")
    if isinstance(data, (int, float)):
        if not data:
            return 0
        _err(p, path, E.ESLURM_INVALID_SLUID, f"Unable to parse {data} as SLUID")
    if isinstance(data, str):
        if not data:
            return 0  # what an unset SLUID dumps as (the C parser refuses it)
        v = str2sluid(data)
        if not v:
            _err(p, path, E.ESLURM_INVALID_SLUID, f'Unable to convert string "{data}" to SLUID')
        return v
    _err(p, path, E.ESLURM_DATA_CONV_FAILED, f"Unable to convert {compact(data)} to string to parse SLUID")


@dumper("STEP_ID")
def _dump_step_id(d, t, value):
    value = NO_VAL if value is None else int(value)
    if value > SLURM_MAX_NORMAL_STEP_ID:
        names = _sub(d, "STEP_NAMES", value)
        if len(names) != 1:
            d.ctx.error(E.ESLURM_DATA_CONV_FAILED, "", f"Unable to dump step id {value}")
            return ""
        return names[0]
    return str(value)


@parser("STEP_ID")
def _parse_step_id(p, t, data, path):
    n = to_int(data) if not isinstance(data, (str, bool)) else None
    if isinstance(data, str) and data.strip().lstrip("-").isdigit():
        n = int(data)
    if n is not None:
        if n > SLURM_MAX_NORMAL_STEP_ID:
            _err(p, path, E.ESLURM_INVALID_STEP_ID_TOO_LARGE, f"Step id {n} too large")
        if n < 0:
            _err(p, path, E.ESLURM_INVALID_STEP_ID_NEGATIVE, f"Step id {n} negative")
        return n
    if isinstance(data, (list, dict)) or data is None:
        _err(p, path, E.ESLURM_DATA_CONV_FAILED, f"Expected step id but got {compact(data)}")
    return p.parse(p.reg["STEP_NAMES"], str(data) if not isinstance(data, bool) else
                   ("true" if data else "false"), path)


def fmt_job_id_string(step) -> str:
    """``fmt_job_id_string()`` (``slurm.jobid``) over a ``slurm_selected_step_t``
    (``step_id`` sub-dict or flat ``step_id.*`` keys, ``array_task_id``,
    ``het_job_offset``); raises ``jobid.JobIdError`` (a ValueError holding the errno)."""
    sel = {"step_id": {k: _m(step, "step_id." + k, d) for k, d in
                       (("sluid", 0), ("job_id", NO_VAL), ("step_id", NO_VAL), ("step_het_comp", NO_VAL))},
           "array_task_id": _m(step, "array_task_id", NO_VAL), "het_job_offset": _m(step, "het_job_offset", NO_VAL),
           "array_bitmap": step.get("array_bitmap") if isinstance(step, dict) else None}
    return jobid.fmt_job_id_string(sel)


def unfmt_job_id_string(s: str) -> dict:
    """``unfmt_job_id_string()`` (``slurm.jobid``); ``array_bitmap`` (sorted task
    indexes) only for ``"_[...]"``.  Raises ``jobid.JobIdError`` (a ValueError holding the errno)."""
    out = jobid.unfmt_job_id_string(s)
    if out["array_bitmap"] is None:
        del out["array_bitmap"]
    return out


@dumper("SELECTED_STEP")
def _dump_selected_step(d, t, value):
    if not value:
        return ""
    try:
        return fmt_job_id_string(value)
    except ValueError as exc:
        d.ctx.error(int(exc.args[0]), "", "Unable to format job id")
        return ""


@parser("SELECTED_STEP")
def _parse_selected_step(p, t, data, path):
    if isinstance(data, (list, dict)) or data is None:
        _err(p, path, E.ESLURM_DATA_CONV_FAILED, f"Expecting string but got {compact(data)}")
    try:
        return unfmt_job_id_string(str(data))
    except ValueError as exc:
        _err(p, path, int(exc.args[0]), f"Invalid job id: {data}")


@dumper("SLURM_STEP_ID_STRING")
def _dump_step_id_string(d, t, value):
    return _dump_selected_step(d, t, {"step_id": value or {}, "array_task_id": NO_VAL,
                                      "het_job_offset": NO_VAL})


@parser("SLURM_STEP_ID_STRING")
def _parse_step_id_string(p, t, data, path):
    if isinstance(data, str):
        step = _parse_selected_step(p, t, data, path)
        if step["array_task_id"] != NO_VAL or step["het_job_offset"] != NO_VAL:
            _err(p, path, E.ESLURM_DATA_CONV_FAILED, f"Step id can not hold {data}")
        return step["step_id"]
    return p.parse(p.reg["SLURM_STEP_ID"], data, path)


# ---------------------------------------------------------------------------
# exit codes
# ---------------------------------------------------------------------------

@dumper("PROCESS_EXIT_CODE")
def _dump_exit_code(d, t, value):
    value = NO_VAL if value is None else int(value)
    st = {"status": VALUES["PROC_EXIT_CODE_INVALID"], "return_code": NO_VAL, "signal": NO_VAL16}
    if value == NO_VAL:
        st["status"] = VALUES["PROC_EXIT_CODE_PENDING"]
    elif value & 0x7F == 0:  # WIFEXITED
        st["return_code"] = (value >> 8) & 0xFF
        st["status"] = VALUES["PROC_EXIT_CODE_ERROR" if st["return_code"] else "PROC_EXIT_CODE_SUCCESS"]
    elif ((value & 0x7F) + 1) & 0xFF >= 2:  # WIFSIGNALED (signed char arithmetic)
        st["status"] = VALUES["PROC_EXIT_CODE_SIGNALED"]
        st["signal"] = value & 0x7F
    elif value & 0x80:  # WCOREDUMP
        st["status"] = VALUES["PROC_EXIT_CODE_CORE_DUMPED"]
    else:
        st["return_code"] = value
    return _sub(d, "PROCESS_EXIT_CODE_VERBOSE", st)


@parser("PROCESS_EXIT_CODE")
def _parse_exit_code(p, t, data, path):
    if not isinstance(data, (dict, list)) and to_int(data) is not None:
        return p.parse(p.reg["UINT32_NO_VAL"], data, path)
    rcv = p.parse(p.reg["PROCESS_EXIT_CODE_VERBOSE"], data, path)
    return rcv.get("return_code", NO_VAL)


# ---------------------------------------------------------------------------
# expanded stdio paths
# ---------------------------------------------------------------------------

def expand_stdio(path: str, job: dict) -> str:
    """``expand_stdio_fields()`` for a non-srun job pattern dict with keys
    array_job_id, array_task_id, first_step_node, jobname, restart_cnt,
    job_id, sluid, step_id, user, work_dir."""
    if not path:
        return ""
    out = []
    wd = job.get("work_dir")
    if wd and path[0] != "/":
        out.append(wd if wd.endswith("/") else wd + "/")
    if "\\" in path:
        out.append(path.replace("\\", ""))
        return "".join(out)
    i, n = 0, len(path)
    while i < n:
        c = path[i]
        if c != "%":
            out.append(c)
            i += 1
            continue
        i += 1
        if i >= n:
            break
        if path[i] == "%":
            out.append("%")
            i += 1
            continue
        pad = 0
        start = i
        if path[i].isdigit():
            m = re.match(r"\d+", path[i:])
            pad = min(int(m.group(0)), 10) if int(m.group(0)) <= 9 else 10
            i += m.end()
            if i >= n or path[i] not in "AabJjrSsxNntu":
                out.append("%" + path[start:i + 1])
                i += 1
                continue
        w = path[i] if i < n else ""
        if w not in "AabJjrSsxNntu" or not w:
            out.append("%" + w)
            i += 1
            continue
        out.append(_wildcard(w, pad, job))
        i += 1
    return "".join(out)


def _num(v, pad):
    return "%0*u" % (pad, (v or 0) & 0xFFFFFFFF) if pad else "%u" % ((v or 0) & 0xFFFFFFFF)


def _wildcard(w, pad, job):
    jid = job.get("job_id") or 0
    step = job.get("step_id", NO_VAL)
    if w == "A":
        return _num(job.get("array_job_id") or jid, pad)
    if w in "Jj":
        s = _num(jid, pad)
        if w == "J" and step != SLURM_BATCH_SCRIPT:
            s += ".%d" % (step if step < 2**31 else step - 2**32)
        return s
    if w == "a":
        return _num(job.get("array_task_id"), pad)
    if w == "b":
        return _num((job.get("array_task_id") or 0) % 10, pad)
    if w == "N":
        return "%s" % (job.get("first_step_node") or "(null)")
    if w == "r":
        return _num(job.get("restart_cnt"), pad)
    if w == "S":
        return print_sluid(job.get("sluid") or 0)
    if w == "s":
        return "batch" if step == SLURM_BATCH_SCRIPT else _num(step, pad)
    if w in "nt":
        return _num(0, pad)
    if w == "u":
        return "%s" % (job.get("user") or "(null)")
    if w == "x":
        return "%s" % (job.get("jobname") or "(null)")
    return ""


def _job_pattern(job) -> dict:
    return {"array_job_id": _m(job, "array_job_id", 0), "array_task_id": _m(job, "array_task_id", 0),
            "first_step_node": _m(job, "batch_host"), "jobname": _m(job, "name"),
            "restart_cnt": _m(job, "restart_cnt", 0), "job_id": _m(job, "step_id.job_id", 0),
            "sluid": _m(job, "step_id.sluid", 0), "step_id": SLURM_BATCH_SCRIPT,
            "user": uid_to_name(_m(job, "user_id")), "work_dir": _m(job, "work_dir")}


def _step_pattern(step) -> dict:
    from slurmrestd.data_parser.codecs import hostlist_expand
    nodes = _m(step, "nodes")
    try:
        first = hostlist_expand(nodes)[0] if nodes else None
    except Exception:  # noqa: BLE001
        first = None
    return {"array_job_id": _m(step, "array_job_id", 0), "array_task_id": _m(step, "array_task_id", 0),
            "first_step_node": first, "jobname": _m(step, "job_name") or _m(step, "name"),
            "job_id": _m(step, "step_id.job_id", 0), "sluid": _m(step, "step_id.sluid", 0),
            "step_id": _m(step, "step_id.step_id", NO_VAL), "user": uid_to_name(_m(step, "user_id")),
            "work_dir": _m(step, "cwd")}


def _stdio_dumper(member, pattern):
    def fn(d, t, obj):
        path = _m(obj, member)
        return expand_stdio(path, pattern(obj)) if path else ""
    return fn


for _n, _mem in (("STDIN", "std_in"), ("STDOUT", "std_out"), ("STDERR", "std_err")):
    DUMP_JOB = _stdio_dumper(_mem, _job_pattern)
    from slurmrestd.data_parser.codecs import DUMP as _DUMP
    _DUMP[f"JOB_INFO_{_n}_EXP"] = DUMP_JOB
    _DUMP[f"JOB_INFO_{_n}"] = DUMP_JOB  # v0.0.42 names
    _DUMP[f"STEP_INFO_{_n}_EXP"] = _stdio_dumper(_mem, _step_pattern)


def _dump_job_info_stdin(d, t, job):
    """v0.0.42 ``slurm_get_job_stdin()``: a batch job without stdin reads /dev/null."""
    path = _m(job, "std_in")
    if path:
        return expand_stdio(path, _job_pattern(job))
    return "/dev/null" if _m(job, "batch_flag", 0) else ""


_DUMP["JOB_INFO_STDIN"] = _dump_job_info_stdin


def _db_job_pattern(job) -> dict:
    return {"array_job_id": _m(job, "array_job_id", 0), "array_task_id": _m(job, "array_task_id", NO_VAL),
            "first_step_node": (_m(job, "nodes") or "").split(",")[0] or None,
            "jobname": _m(job, "jobname"), "job_id": _m(job, "jobid", 0), "step_id": SLURM_BATCH_SCRIPT,
            "user": _m(job, "user") or uid_to_name(_m(job, "uid")), "work_dir": _m(job, "work_dir")}


for _n, _mem in (("STDIN", "std_in"), ("STDOUT", "std_out"), ("STDERR", "std_err")):
    from slurmrestd.data_parser.codecs import DUMP as _DUMP
    _DUMP[f"JOB_{_n}"] = _stdio_dumper(_mem, _db_job_pattern)


# ---------------------------------------------------------------------------
# TRES
# ---------------------------------------------------------------------------

def tres_list_from_string(s: str, table: Optional[list]) -> list:
    """``slurmdb_tres_list_from_string()``: ``"1=2,2=1000"`` (or
    ``"cpu=2,mem=1000"`` when a table is given) -> ``[{"id", "count"}]``."""
    out: list = []
    if not s:
        return out
    for part in s.lstrip(",").split(","):
        if not part:
            continue
        key, eq, val = part.partition("=")
        if not eq:
            break
        if key[:1].isdigit():
            tid = int(re.match(r"\d+", key).group(0))
        else:
            rec = _find_by_type(table or [], key)
            if rec is None:
                break
            tid = int(rec["id"])
        if tid <= 0:
            break
        val = val.lstrip("+-")
        m = re.match(r"\d+", val)
        count = int(m.group(0)) if m else 0
        if count > INFINITE64:
            count = INFINITE64
        if not any(r["id"] == tid for r in out):
            out.append({"id": tid, "count": count})
    return out


def _find_by_type(table, key):
    typ, slash, name = key.partition("/")
    for r in table:
        if (r.get("type") or "").lower() == typ.lower():
            if (not slash and not r.get("name")) or (slash and (r.get("name") or "").lower() == name.lower()):
                return r
    return None


def _fuzzy(rec, needle) -> bool:
    nid, ntype, nname = needle.get("id") or 0, needle.get("type"), needle.get("name")
    if nid > 0 and nid == rec.get("id") and (not ntype or ntype.lower() == (rec.get("type") or "").lower()) \
            and (not nname or nname.lower() == (rec.get("name") or "").lower()):
        return True
    if not nname and (ntype or "").lower() == (rec.get("type") or "").lower() and ntype is not None:
        return True
    if nname is not None and ntype is not None and nname.lower() == (rec.get("name") or "").lower() \
            and ntype.lower() == (rec.get("type") or "").lower():
        return True
    return False


def _resolve_tres(rec: dict, table: list) -> bool:
    """``_foreach_resolve_tres_id()``; False when the id contradicts the table."""
    if not rec.get("type") and rec.get("id"):
        c = next((r for r in table if r.get("id") == rec["id"]), None)
        if c:
            rec["type"], rec["name"] = c.get("type"), c.get("name")
    f = next((r for r in table if _fuzzy(r, rec)), None)
    if f is None:
        return True
    if (rec.get("id") or 0) > 0 and rec["id"] != f.get("id"):
        return False
    if not rec.get("id"):
        rec["id"] = f.get("id")
    return True


def _tres_table(ctx) -> Optional[list]:
    return ctx.need("TRES")


@dumper("TRES_STR", "TRES_STR_BY_TYPE")
def _dump_tres_str(d, t, value):
    table = _tres_table(d.ctx)
    if table is None:
        d.ctx.error(E.ESLURM_NOT_SUPPORTED, "TRES list not available",
                    "TRES conversion requires TRES list")
        return []
    if not value:
        return []
    recs = tres_list_from_string(value, table)
    for r in recs:
        _resolve_tres(r, table)
    return _sub(d, "TRES_LIST", recs)


def _parse_tres_str(p, data, path, simple: bool):
    table = _tres_table(p.ctx)
    if table is None:
        _err(p, path, E.ESLURM_NOT_SUPPORTED, "TRES conversion requires TRES list")
    if not isinstance(data, list):
        _err(p, path, E.ESLURM_DATA_EXPECTED_LIST, f"TRES should be LIST but is type {data_type_name(data)}")
    if not data:
        return None
    recs = p.parse(p.reg["TRES_LIST"], data, path)
    for r in recs:
        r.setdefault("id", 0)
        if not _resolve_tres(r, table):
            _err(p, path, E.ESLURM_INVALID_TRES, "Unable to convert TRES to string")
    parts = []
    for r in recs:
        if simple or not r.get("type"):
            key = str(r.get("id") or 0)
        else:
            key = r["type"] + ("/" + r["name"] if r.get("name") else "")
        count = r.get("count")
        parts.append(f"{key}={(count if count is not None else 0) & 0xFFFFFFFFFFFFFFFF}")
    return ",".join(parts)


@parser("TRES_STR")
def _parse_tres_str_simple(p, t, data, path):
    return _parse_tres_str(p, data, path, True)


@parser("TRES_STR_BY_TYPE")
def _parse_tres_str_by_type(p, t, data, path):
    return _parse_tres_str(p, data, path, False)


def _step_tres(member):
    def fn(d, t, step):
        table = _tres_table(d.ctx)
        value = _m(step, member)
        if table is None or not value:
            return []
        recs = tres_list_from_string(value, table)
        for r in recs:
            _resolve_tres(r, table)
        return [d.dump(d.reg["TRES"], r, None) for r in recs]
    return fn


for _n, _mem in (("STEP_TRES_REQ_MAX", "stats.tres_usage_in_max"),
                 ("STEP_TRES_REQ_MIN", "stats.tres_usage_in_min"),
                 ("STEP_TRES_USAGE_MAX", "stats.tres_usage_out_max"),
                 ("STEP_TRES_USAGE_MIN", "stats.tres_usage_out_min")):
    from slurmrestd.data_parser.codecs import DUMP as _DUMP
    _DUMP[_n] = _step_tres(_mem)


# ---------------------------------------------------------------------------
# QOS ids / names
# ---------------------------------------------------------------------------

@dumper("QOS_ID")
def _dump_qos_id(d, t, value):
    if not value or value == INFINITE:
        return None if d.ctx.complex_mode else ""
    table = d.ctx.need("QOS") or []
    q = next((q for q in table if q.get("id") == value), None)
    if q and q.get("name"):
        return q["name"]
    if q and q.get("id"):
        return str(q["id"])
    d.ctx.warn("", f"Unknown QOS with id#{value}. Unable to dump QOS.")
    return "Unknown"


def _resolve_qos(p, data, path):
    table = p.ctx.need("QOS") or []
    if isinstance(data, dict):
        key = data.get("id") if data.get("id") is not None else data.get("name")
    else:
        key = data
    if key is None or key == "":
        return None
    n = to_int(key) if not isinstance(key, bool) else None
    for q in table:
        if (n is not None and q.get("id") == n) or (isinstance(key, str) and q.get("name") == key):
            return q
    return None


@parser("QOS_ID")
def _parse_qos_id(p, t, data, path):
    q = _resolve_qos(p, data, path)
    if q is None:
        if data in (None, ""):
            return INFINITE
        n = to_int(data) if not isinstance(data, (dict, list, bool)) else None
        if n is not None and not p.ctx.need("QOS"):
            return n
        _err(p, path, E.ESLURM_INVALID_QOS, f"Unable to resolve QOS {data if isinstance(data, str) else ''} "
                                            f"of type {data_type_name(data)}")
    return q["id"]


@parser("QOS_NAME")
def _parse_qos_name(p, t, data, path):
    q = _resolve_qos(p, data, path)
    if q is not None and q.get("name"):
        return q["name"]
    if isinstance(data, dict):
        if data.get("name") is not None and not isinstance(data["name"], (dict, list)):
            return str(data["name"])
        _err(p, path, E.ESLURM_INVALID_QOS, f"Unable to resolve QOS  of type {data_type_name(data)}")
    if isinstance(data, list):
        _err(p, path, E.ESLURM_INVALID_QOS, f"Unable to resolve QOS  of type {data_type_name(data)}")
    return parse_string(p, t, data, path)


@dumper("QOS_STRING_ID_LIST", "QOS_NAME_CSV_LIST")
def _dump_qos_string_id_list(d, t, value):
    """List of QOS ids as strings -> names."""
    if not value:
        return []
    table = d.ctx.need("QOS") or []
    out = []
    for v in (value.split(",") if isinstance(value, str) else value):
        n = to_int(v)
        q = next((q for q in table if n is not None and q.get("id") == n), None)
        out.append(q["name"] if q and q.get("name") else str(v))
    return out


@parser("QOS_STRING_ID_LIST", "QOS_NAME_CSV_LIST", "QOS_ID_STRING_CSV_LIST")
def _parse_qos_string_id_list(p, t, data, path):
    if data is None:
        return []
    seq = data if isinstance(data, list) else [x for x in str(data).split(",") if x]
    out = []
    for i, x in enumerate(seq):
        q = _resolve_qos(p, x, path)
        if q is None:
            out.append(str(x))
        else:
            out.append(str(q["id"]) if t.name != "QOS_NAME_CSV_LIST" else q["name"])
    return out


@dumper("QOS_ID_STRING")
def _dump_qos_id_string(d, t, value):
    if not value:
        return ""
    n = to_int(value)
    return _dump_qos_id(d, t, n) if n is not None else str(value)


@dumper("QOS_ID_STRING_CSV_LIST")
def _dump_qos_id_string_csv(d, t, value):
    names = _dump_qos_string_id_list(d, t, value)
    return ",".join(names)


@dumper("QOS_PREEMPT_LIST")
def _dump_qos_preempt(d, t, qos):
    lst = _m(qos, "preempt_list")
    if lst:
        return _dump_qos_string_id_list(d, t, lst)
    bits = _m(qos, "preempt_bitstr")
    table = d.ctx.need("QOS") or []
    out = []
    if isinstance(bits, (list, tuple, set)):
        for i in bits:
            q = next((q for q in table if q.get("id") == i), None)
            out.append(q["name"] if q else str(i))
    return out


@parser("QOS_PREEMPT_LIST")
def _parse_qos_preempt(p, t, data, path):
    return {"preempt_list": _parse_qos_string_id_list(p, t, data, path)}


# ---------------------------------------------------------------------------
# CSV / string lists, ids as strings
# ---------------------------------------------------------------------------

@dumper("CSV_STRING_LIST")
def _dump_csv_list(d, t, value):
    if not value:
        return []
    return list(value) if not isinstance(value, str) else [x for x in value.split(",") if x]


@parser("CSV_STRING_LIST")
def _parse_csv_list(p, t, data, path):
    if data is None:
        return []
    if isinstance(data, list):
        return [parse_string(p, t, x, path) for x in data]
    return [x for x in (parse_string(p, t, data, path) or "").split(",") if x]


@dumper("ASSOC_ID_STRING")
def _dump_assoc_id_string(d, t, value):
    return "" if value is None else str(value)


@parser("ASSOC_ID_STRING", "QOS_ID_STRING")
def _parse_id_string(p, t, data, path):
    if isinstance(data, dict):
        data = data.get("id")
    return parse_string(p, t, data, path)


@dumper("ASSOC_ID_STRING_CSV_LIST")
def _dump_assoc_id_csv(d, t, value):
    return _dump_csv_list(d, t, value)


@parser("ASSOC_ID_STRING_CSV_LIST")
def _parse_assoc_id_csv(p, t, data, path):
    seq = data if isinstance(data, list) else ([] if data is None else str(data).split(","))
    out = []
    for x in seq:
        if isinstance(x, dict):
            x = x.get("id")
        if x in (None, ""):
            continue
        out.append(str(x))
    return out


@dumper("ASSOC_ID")
def _dump_assoc_id(d, t, assoc):
    return int(_m(assoc, "id", 0))


@parser("ASSOC_ID")
def _parse_assoc_id(p, t, data, path):
    v = p.parse(p.reg["UINT32"], data, path)
    return {"id": v}


@dumper("JOB_ASSOC_ID")
def _dump_job_assoc(d, t, job):
    assoc = {"acct": _m(job, "account"), "cluster": _m(job, "cluster"),
             "partition": _m(job, "partition"), "user": _m(job, "user"), "id": _m(job, "associd", 0)}
    return _sub(d, "ASSOC_SHORT", assoc)


@parser("JOB_ASSOC_ID")
def _parse_job_assoc(p, t, data, path):
    a = p.parse(p.reg["ASSOC_SHORT"], data, path)
    out = {"associd": a.get("id")}
    cur = _cur(p)
    for k, m in (("account", "acct"), ("cluster", "cluster"), ("partition", "partition"),
                 ("user", "user")):
        if a.get(m) and not cur.get(k):
            out[k] = a[m]
    return out


# ---------------------------------------------------------------------------
# slurmctld message wrappers
# ---------------------------------------------------------------------------

def _array_dumper(array_member, item_type):
    def fn(d, t, msg):
        items = msg if isinstance(msg, list) else _m(msg, array_member)
        item = d.reg[item_type]
        return [d.dump(item, x, None) for x in (items or ())]
    return fn


from slurmrestd.data_parser.codecs import DUMP as _DUMP  # noqa: E402
for _n, _mem, _it in (("JOB_INFO_MSG", "job_array", "JOB_INFO"),
                      ("NODES", "node_array", "NODE"),
                      ("PARTITION_INFO_MSG", "partition_array", "PARTITION_INFO"),
                      ("RESERVATION_INFO_MSG", "reservation_array", "RESERVATION_INFO"),
                      ("STEP_INFO_MSG", "job_steps", "STEP_INFO"),
                      ("JOB_STATE_RESP_MSG", "jobs", "JOB_STATE_RESP_JOB"),
                      ("KILL_JOBS_RESP_MSG", "job_responses", "KILL_JOBS_RESP_JOB"),
                      # per node allocation: precomputed JOB_RES_NODE dicts (core bitmaps
                      # are not decoded here)
                      ("JOB_RES_NODES", "allocation", "JOB_RES_NODE")):
    _DUMP[_n] = _array_dumper(_mem, _it)


@dumper("JOB_ARRAY_RESPONSE_MSG")
def _dump_job_array_resp(d, t, msg):
    msg = msg or {}
    ids = _m(msg, "job_array_id") or []
    codes = _m(msg, "error_code") or []
    texts = _m(msg, "err_msg") or []
    entries = []
    for i, jid in enumerate(ids):
        rc = codes[i] if i < len(codes) else 0
        entry = {"rc": rc, "msg": texts[i] if i < len(texts) else None, "step": None}
        try:
            entry["step"] = unfmt_job_id_string(jid or "")
        except ValueError as exc:
            d.ctx.warn("unfmt_job_id_string()", f"Unable to parse JobId={jid}: "
                                                 f"{__import__('slurmrestd.errors').errors.strerror(int(exc.args[0]))}")
            entry["step"] = {"step_id": {"job_id": NO_VAL}}
        entries.append(entry)
    return _sub(d, "JOB_ARRAY_RESPONSE_ARRAY", entries)


@dumper("JOB_INFO_GRES_DETAIL")
def _dump_gres_detail(d, t, job):
    return [str(x) for x in (_m(job, "gres_detail_str") or ())]


@dumper("PRIORITY_BY_PARTITION")
def _dump_prio_by_part(d, t, job):
    prios = _m(job, "priority_array")
    if not prios:
        return []
    names = [x for x in (_m(job, "priority_array_names") or "").split(",") if x]
    return [_sub(d, "PART_PRIO", {"part": n, "prio": prios[i] if i < len(prios) else 0})
            for i, n in enumerate(names)]


@dumper("NODE_SELECT_ALLOC_IDLE_CPUS")
def _dump_idle_cpus(d, t, node):
    return int(_m(node, "cpus", 0)) - int(_m(node, "alloc_cpus", 0))


@dumper("NODE_SELECT_TRES_WEIGHTED")
def _dump_tres_weighted(d, t, node):
    return float(_m(node, "alloc_tres_weighted", 0.0))


@dumper("CPU_FREQ_FLAGS")
def _dump_cpu_freq(d, t, value):
    return cpu_freq_to_string(NO_VAL if value is None else int(value))


_FREQ_NAMES = (("CPU_FREQ_LOW", "Low"), ("CPU_FREQ_MEDIUM", "Medium"), ("CPU_FREQ_HIGHM1", "Highm1"),
               ("CPU_FREQ_HIGH", "High"), ("CPU_FREQ_CONSERVATIVE", "Conservative"),
               ("CPU_FREQ_PERFORMANCE", "Performance"), ("CPU_FREQ_POWERSAVE", "PowerSave"),
               ("CPU_FREQ_USERSPACE", "UserSpace"), ("CPU_FREQ_ONDEMAND", "OnDemand"),
               ("CPU_FREQ_SCHEDUTIL", "SchedUtil"))


def cpu_freq_to_string(v: int) -> str:
    for sym, name in _FREQ_NAMES:
        if v == VALUES[sym]:
            return name
    if v & VALUES["CPU_FREQ_RANGE_FLAG"]:
        return "Unknown"
    if v in (NO_VAL, 0):
        return ""
    return str(v)


def cpu_freq_from_string(s: str) -> Optional[int]:
    for sym, name in _FREQ_NAMES:
        if s.lower() == name.lower():
            return VALUES[sym]
    n = to_int(s)
    return n


@dumper("TASK_DISTRIBUTION")
def _dump_task_dist(d, t, value):
    value = int(value or 0)
    base = value & VALUES["SLURM_DIST_STATE_BASE"]
    name = next((n for v, n in LAYOUT_NAMES if v == base), "Unknown")
    if value & VALUES["SLURM_DIST_PACK_NODES"]:
        name += ",Pack"
    if value & VALUES["SLURM_DIST_NO_PACK_NODES"]:
        name += ",NoPack"
    return name


@dumper("RPC_ID")
def _dump_rpc_id(d, t, value):
    from slurmrestd.rpc.msg_types import msg_type_name
    return msg_type_name(int(value or 0))


@dumper("SLURMDB_RPC_ID")
def _dump_dbd_rpc_id(d, t, value):
    return str(value or 0) if not isinstance(value, str) else value


@dumper("BITSTR")
def _dump_bitstr(d, t, value):
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if hasattr(value, "indexes"):  # rpc.pack.Bitstr
        value = value.indexes()
    return _fmt_ranges(sorted(value))


def _fmt_ranges(nums) -> str:
    out, i = [], 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        out.append(str(nums[i]) if i == j else f"{nums[i]}-{nums[j]}")
        i = j + 1
    return ",".join(out)


@parser("BITSTR")
def _parse_bitstr(p, t, data, path):
    s = parse_string(p, t, data, path) or ""
    out = []
    for part in [x for x in s.split(",") if x]:
        a, _, b = part.partition("-")
        if not a.isdigit() or (b and not b.isdigit()):
            _err(p, path, E.ESLURM_DATA_CONV_FAILED, f"Invalid bitmap string: {s}")
        out.extend(range(int(a), int(b or a) + 1))
    return out


@dumper("LOG_LEVEL_UINT16")
def _dump_log_level16(d, t, value):
    return _sub(d, "LOG_LEVEL", value)


@parser("LOG_LEVEL_UINT16")
def _parse_log_level16(p, t, data, path):
    return p.parse(p.reg["LOG_LEVEL"], data, path)


@dumper("TIME_SECONDS")
def _dump_time_seconds(d, t, value):
    if value is None or value == NO_VAL:
        return ""
    if value == INFINITE:
        return "UNLIMITED"
    v = int(value)
    days, rem = divmod(v, 86400)
    h, rem = divmod(rem, 3600)
    m, s = divmod(rem, 60)
    return f"{days}-{h:02d}:{m:02d}:{s:02d}" if days else f"{h:02d}:{m:02d}:{s:02d}"


@parser("TIME_SECONDS")
def _parse_time_seconds(p, t, data, path):
    if isinstance(data, int) and not isinstance(data, bool):
        return data
    s = parse_string(p, t, data, path) or ""
    m = re.match(r"^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$", s.strip())
    if not m:
        _err(p, path, E.ESLURM_DATA_CONV_FAILED, f"Invalid time string: {s}")
    d_, a, b, c = (int(x) if x else None for x in m.groups())
    if b is None and c is None:
        return (d_ or 0) * 86400 + a * (3600 if d_ is not None else 1)
    if c is None:
        return (d_ or 0) * 86400 + a * 3600 + b * 60 if d_ is not None else a * 60 + b
    return (d_ or 0) * 86400 + a * 3600 + b * 60 + c


@dumper("SLURMDB_PURGE")
def _dump_purge(d, t, value):
    v = NO_VAL if value is None else int(value)
    st = {"set": v != NO_VAL, "hours": 0, "days": 0, "months": 0, "archive": False}
    if v != NO_VAL:
        units = v & 0xFFFF
        st["archive"] = bool(v & 0x80000)  # SLURMDB_PURGE_ARCHIVE
        if v & 0x10000:
            st["hours"] = units
        elif v & 0x20000:
            st["days"] = units
        elif v & 0x40000:
            st["months"] = units
    return _sub(d, "SLURMDB_PURGE_UNITS", st)


# ---------------------------------------------------------------------------
# diag (stats_info_response_msg_t)
# ---------------------------------------------------------------------------

def _arr(stats, name, i, default=0):
    a = _m(stats, name)
    return a[i] if a is not None and i < len(a) else default


@dumper("STATS_MSG_RPCS_BY_TYPE")
def _dump_rpcs_by_type(d, t, stats):
    out = []
    n = int(_m(stats, "rpc_type_size", 0) or len(_m(stats, "rpc_type_id") or ()))
    q = bool(_m(stats, "rpc_queue_enabled"))
    item = d.reg["STATS_MSG_RPC_TYPE"]
    for i in range(n):
        cnt, tm = _arr(stats, "rpc_type_cnt", i), _arr(stats, "rpc_type_time", i)
        rpc = {"id": _arr(stats, "rpc_type_id", i), "count": cnt, "time": tm,
               "average_time": tm // cnt if tm > 0 and cnt > 0 else NO_VAL64,
               "queued": _arr(stats, "rpc_type_queued", i) if q else 0,
               "dropped": _arr(stats, "rpc_type_dropped", i) if q else 0,
               "cycle_last": _arr(stats, "rpc_type_cycle_last", i) if q else 0,
               "cycle_max": _arr(stats, "rpc_type_cycle_max", i) if q else 0}
        out.append(d.dump(item, rpc, None))
    return out


@dumper("STATS_MSG_RPCS_BY_USER")
def _dump_rpcs_by_user(d, t, stats):
    out = []
    n = int(_m(stats, "rpc_user_size", 0) or len(_m(stats, "rpc_user_id") or ()))
    item = d.reg["STATS_MSG_RPC_USER"]
    for i in range(n):
        cnt, tm = _arr(stats, "rpc_user_cnt", i), _arr(stats, "rpc_user_time", i)
        rpc = {"id": _arr(stats, "rpc_user_id", i), "count": cnt, "time": tm,
               "average_time": tm // cnt if tm > 0 and cnt > 0 else NO_VAL64}
        out.append(d.dump(item, rpc, None))
    return out


@dumper("STATS_MSG_RPCS_QUEUE")
def _dump_rpcs_queue(d, t, stats):
    n = int(_m(stats, "rpc_queue_type_count", 0) or 0)
    item = d.reg["STATS_MSG_RPC_QUEUE"]
    return [d.dump(item, {"id": _arr(stats, "rpc_queue_type_id", i),
                          "count": _arr(stats, "rpc_queue_count", i)}, None) for i in range(n)]


@dumper("STATS_MSG_RPCS_DUMP")
def _dump_rpcs_dump(d, t, stats):
    n = int(_m(stats, "rpc_dump_count", 0) or 0)
    item = d.reg["STATS_MSG_RPC_DUMP"]
    return [d.dump(item, {"id": _arr(stats, "rpc_dump_types", i),
                          "hostlist": _arr(stats, "rpc_dump_hostlist", i, None)}, None) for i in range(n)]


_SCHED_EXIT = ("end_job_queue", "default_queue_depth", "max_job_start", "licenses", "max_rpc_cnt",
               "max_sched_time")
_BF_EXIT = ("end_job_queue", "bf_max_job_start", "bf_max_job_test", "state_changed",
            "bf_node_space_size", "bf_max_time")


@dumper("STATS_MSG_SCHEDULE_EXIT")
def _dump_sched_exit(d, t, stats):
    vals = list(_m(stats, "schedule_exit") or ())
    fields = {k: (vals[i] if i < len(vals) else 0) for i, k in enumerate(_SCHED_EXIT)}
    return _sub(d, "SCHEDULE_EXIT_FIELDS", fields)


@dumper("STATS_MSG_BF_EXIT")
def _dump_bf_exit(d, t, stats):
    vals = list(_m(stats, "bf_exit") or ())
    fields = {k: (vals[i] if i < len(vals) else 0) for i, k in enumerate(_BF_EXIT)}
    return _sub(d, "BF_EXIT_FIELDS", fields)


@dumper("STATS_MSG_BF_TABLE_SIZE_MEAN")
def _dump_bf_table_mean(d, t, stats):
    cnt = _m(stats, "bf_cycle_counter", 0)
    return _m(stats, "bf_table_size_sum", 0) // cnt if cnt else 0


# ---------------------------------------------------------------------------
# shares
# ---------------------------------------------------------------------------

@dumper("ASSOC_SHARES_OBJ_LIST")
def _dump_shares_list(d, t, resp):
    items = _m(resp, "assoc_shares_list")
    if items is None:
        return []
    names = list(_m(resp, "tres_names") or ())
    wrap = d.reg["ASSOC_SHARES_OBJ_WRAP"]
    return [d.dump(wrap, {"obj": x, "tot_shares": _m(resp, "tot_shares", 0),
                          "tres_cnt": len(names), "tres_names": names}, None) for x in items]


def _shares_tres(member, list_type):
    def fn(d, t, wrap):
        names = _m(wrap, "tres_names") or []
        arr = _m(wrap, "obj." + member) or []
        items = [{"name": n, "value": arr[i] if i < len(arr) else 0} for i, n in enumerate(names)]
        return _sub(d, list_type, items)
    return fn


_DUMP["ASSOC_SHARES_OBJ_WRAP_TRES_RUN_SECS"] = _shares_tres("tres_run_secs", "SHARES_UINT64_TRES_LIST")
_DUMP["ASSOC_SHARES_OBJ_WRAP_TRES_GRP_MINS"] = _shares_tres("tres_grp_mins", "SHARES_UINT64_TRES_LIST")
_DUMP["ASSOC_SHARES_OBJ_WRAP_TRES_USAGE_RAW"] = _shares_tres("usage_tres_raw", "SHARES_FLOAT128_TRES_LIST")


# ---------------------------------------------------------------------------
# slurm.conf pieces
# ---------------------------------------------------------------------------

def _script_list(member):
    def fn(d, t, conf):
        return [str(x) for x in (_m(conf, member) or ()) if x is not None]
    return fn


for _n, _mem in (("SLURM_CONF_EPILOG", "epilog"), ("SLURM_CONF_EPILOG_SLURMCTLD", "epilog_slurmctld"),
                 ("SLURM_CONF_PROLOG", "prolog"), ("SLURM_CONF_PROLOG_SLURMCTLD", "prolog_slurmctld")):
    _DUMP[_n] = _script_list(_mem)


@dumper("SLURM_CONF_CONTROLLERS")
def _dump_controllers(d, t, conf):
    machines = list(_m(conf, "control_machine") or ())
    addrs = list(_m(conf, "control_addr") or ())
    items = [{"machine": m, "addr": addrs[i] if i < len(addrs) else None}
             for i, m in enumerate(machines)]
    return _sub(d, "CONTROLLERS_ARRAY", items)


@dumper("PORT_RANGE_ARRAY")
def _dump_port_range(d, t, value):
    lo, hi = (list(value) + [0, 0])[:2] if value else (0, 0)
    return _sub(d, "PORT_RANGE", {"min": lo, "max": hi})


@dumper("KILL_JOBS_MSG_JOBS_ARRAY")
def _dump_kill_jobs_array(d, t, msg):
    return [str(x) for x in (_m(msg, "jobs_array") or ())]


@parser("KILL_JOBS_MSG_JOBS_ARRAY")
def _parse_kill_jobs_array(p, t, data, path):
    seq = data if isinstance(data, list) else ([] if data is None else [data])
    jobs = [parse_string(p, t, x, path) for x in seq]
    return {"jobs_array": jobs, "jobs_cnt": len(jobs)}


@dumper("JOB_STATE_RESP_JOB_JOB_ID")
def _dump_state_resp_job_id(d, t, job):
    """As the C dumper: "123+1" for het components (offset from het_job_id),
    "123" for plain jobs, "123_[1-3]" for unsplit array tasks, "123_*" for a
    whole array, "123_4" for one task."""
    job_id = _m(job, "job_id", 0)
    het = _m(job, "het_job_id", 0)
    if not job_id:
        return ""
    if het:
        return f"{job_id}+{job_id - het}"
    if not _m(job, "array_job_id", 0):
        return f"{job_id}"
    bitmap = _m(job, "array_task_id_bitmap")
    if bitmap:
        return f"{job_id}_[{_dump_bitstr(d, t, bitmap)}]"
    task = _m(job, "array_task_id", NO_VAL)
    if task in (NO_VAL, INFINITE):
        return f"{job_id}_*"
    if task < NO_VAL:
        return f"{job_id}_{task}"
    d.ctx.error(E.ESLURM_DATA_CONV_FAILED, "job_state_response_msg_t", "Unable to dump JobId from job state")
    return ""


@dumper("JOB_PLANNED_TIME")
def _dump_planned_time(d, t, job):
    start, elig = _m(job, "start"), _m(job, "eligible")
    if not elig or elig == INFINITE:
        v = NO_VAL64
    elif not start or start == INFINITE:
        v = int(time.time()) - elig
    else:
        v = start - elig
    return _sub(d, "UINT64_NO_VAL", v)


@dumper("JOB_CONDITION_SUBMIT_TIME")
def _dump_jc_submit_time(d, t, cond):
    return _sub(d, "TIMESTAMP_NO_VAL", _m(cond, "usage_start", NO_VAL64) or NO_VAL64)


@parser("JOB_CONDITION_SUBMIT_TIME")
def _parse_jc_submit_time(p, t, data, path):
    v = p.parse(p.reg["TIMESTAMP_NO_VAL"], data, path)
    return {"usage_start": v} if v != NO_VAL64 else {}


@dumper("WCKEY_TAG")
def _dump_wckey_tag(d, t, value):
    s = value or ""
    flags = 0
    if s.startswith("*"):
        flags = VALUES["WCKEY_TAG_FLAGS_ASSIGNED_DEFAULT"]
        s = s[1:]
    return _sub(d, "WCKEY_TAG_STRUCT", {"wckey": s, "flags": flags})


@dumper("STEP_NODES")
def _dump_step_nodes(d, t, step):
    from slurmrestd.data_parser.codecs import hostlist_expand
    nodes = _m(step, "nodes")
    return hostlist_expand(nodes) if nodes else []


@dumper("H_RESOURCES_AS_LICENSE_LIST")
def _dump_hres(d, t, value):
    return _sub(d, "H_RESOURCE_LIST", value or [])


__all__ = ["uid_to_name", "gid_to_name", "sig_num2name", "sig_name2num", "expand_stdio",
           "fmt_job_id_string", "unfmt_job_id_string", "tres_list_from_string", "parse_time",
           "str_to_mbytes", "cpu_freq_to_string"]


# ---------------------------------------------------------------------------
# job description (job_desc_msg_t) complex fields
# ---------------------------------------------------------------------------
# Parse codecs of complex rows may read/modify the struct being built
# (``p.current``); they return UNSET when they changed it in place.

def _cur(p) -> dict:
    cur = getattr(p, "current", None)
    return cur if cur is not None else {}


def _parse_str_array(p, data, path):
    return p.parse(p.reg["STRING_ARRAY"], data, path)


@dumper("JOB_DESC_MSG_ARGV")
def _dump_jd_argv(d, t, job):
    argv = _m(job, "argv")
    return [str(x) for x in argv] if argv else []


@parser("JOB_DESC_MSG_ARGV")
def _parse_jd_argv(p, t, data, path):
    if data is None:
        return UNSET
    argv = _parse_str_array(p, data, path)
    return {"argv": argv, "argc": len(argv)}


@dumper("JOB_DESC_MSG_ENV")
def _dump_jd_env(d, t, job):
    env = _m(job, "environment")
    return [str(x) for x in env] if env else []


@parser("JOB_DESC_MSG_ENV")
def _parse_jd_env(p, t, data, path):
    if data is None:
        return UNSET
    env = _parse_str_array(p, data, path)
    cur = _cur(p)
    # keep variables set earlier by other rows (rlimits), as setenvf() would
    old = [e for e in (cur.get("environment") or []) if e.split("=", 1)[0] not in
           {x.split("=", 1)[0] for x in env}]
    env = env + old
    return {"environment": env, "env_size": len(env)}


@dumper("JOB_DESC_MSG_SPANK_ENV")
def _dump_jd_spank(d, t, job):
    env = _m(job, "spank_job_env")
    return [str(x) for x in env] if env else []


@parser("JOB_DESC_MSG_SPANK_ENV")
def _parse_jd_spank(p, t, data, path):
    if data is None:
        return UNSET
    env = _parse_str_array(p, data, path)
    return {"spank_job_env": env, "spank_job_env_size": len(env)}


def _rlimit(name):
    env_name = "SLURM_RLIMIT_" + name

    def dump_fn(d, t, job):
        limit = NO_VAL64
        for e in _m(job, "environment") or ():
            k, _, v = str(e).partition("=")
            if k == env_name:
                n = to_int(v)
                limit = n if n is not None else NO_VAL64
        return _sub(d, "UINT64_NO_VAL", limit)

    def parse_fn(p, t, data, path):
        limit = p.parse(p.reg["UINT64_NO_VAL"], data, path)
        if limit == NO_VAL64:
            return UNSET
        cur = _cur(p)
        env = [e for e in (cur.get("environment") or []) if str(e).split("=", 1)[0] != env_name]
        env.append(f"{env_name}={limit}")
        cur["environment"] = env
        cur["env_size"] = len(env)
        return UNSET
    return dump_fn, parse_fn


for _r in ("CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE", "MEMLOCK", "AS"):
    from slurmrestd.data_parser.codecs import PARSE as _PARSE
    _DUMP[f"JOB_DESC_MSG_RLIMIT_{_r}"], _PARSE[f"JOB_DESC_MSG_RLIMIT_{_r}"] = _rlimit(_r)


_GOVS = (("Conservative", "CPU_FREQ_CONSERVATIVE"), ("OnDemand", "CPU_FREQ_ONDEMAND"),
         ("Performance", "CPU_FREQ_PERFORMANCE"), ("PowerSave", "CPU_FREQ_POWERSAVE"),
         ("UserSpace", "CPU_FREQ_USERSPACE"), ("SchedUtil", "CPU_FREQ_SCHEDUTIL"))


@dumper("JOB_DESC_MSG_CPU_FREQ")
def _dump_jd_cpu_freq(d, t, job):
    lo, hi, gov = (_m(job, k, NO_VAL) for k in ("cpu_freq_min", "cpu_freq_max", "cpu_freq_gov"))
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


@parser("JOB_DESC_MSG_CPU_FREQ")
def _parse_jd_cpu_freq(p, t, data, path):
    if data is None:
        return {"cpu_freq_min": NO_VAL, "cpu_freq_max": NO_VAL, "cpu_freq_gov": NO_VAL}
    if isinstance(data, (list, dict)):
        _err(p, path, E.ESLURM_DATA_CONV_FAILED, f"string expected but got {compact(data)}")
    s = str(data)
    lo = hi = gov = NO_VAL
    body, _, g = s.partition(":")
    for name, sym in _GOVS:
        if body.lower() == name.lower():
            gov, body = VALUES[sym], ""
        if g and g.lower() == name.lower():
            gov = VALUES[sym]
    if g and gov == NO_VAL:
        _err(p, path, E.ESLURM_DATA_CONV_FAILED, "Invalid cpu_frequency")
    if body:
        a, dash, b = body.partition("-")
        va = cpu_freq_from_string(a)
        vb = cpu_freq_from_string(b) if dash else None
        if va is None or (dash and vb is None):
            _err(p, path, E.ESLURM_DATA_CONV_FAILED, "Invalid cpu_frequency")
        if dash:
            lo, hi = va, vb
        else:
            hi = va
    return {"cpu_freq_min": lo, "cpu_freq_max": hi, "cpu_freq_gov": gov}


@dumper("JOB_DESC_MSG_NODES")
def _dump_jd_nodes(d, t, job):
    size = _m(job, "job_size_str")
    if size:
        return size
    lo, hi = _m(job, "min_nodes", 0), _m(job, "max_nodes", 0)

    def s32(v):
        return v - 2**32 if v >= 2**31 else v
    return f"{s32(lo)}-{s32(hi)}" if lo != hi else f"{s32(lo)}"


@parser("JOB_DESC_MSG_NODES")
def _parse_jd_nodes(p, t, data, path):
    if isinstance(data, list):
        if not data or len(data) > 2:
            _err(p, path, E.ESLURM_DATA_CONV_FAILED,
                 "Node count in format of a list must have a cardinality of 2 or 1")
        vals = []
        for x, what in zip(data, ("Minimum", "Maximum") if len(data) == 2 else ("Maximum",)):
            n = to_int(x) if not isinstance(x, (list, dict)) else None
            if n is None:
                _err(p, path, E.ESLURM_DATA_CONV_FAILED,
                     f"{what} nodes must be an integer instead of {data_type_name(x)}")
            vals.append(n)
        out = {"max_nodes": vals[-1]}
        if len(vals) == 2:
            out["min_nodes"] = vals[0]
        else:
            out["min_nodes"] = _cur(p).get("min_nodes", NO_VAL)
    else:
        if isinstance(data, (dict,)) or data is None:
            _err(p, path, E.ESLURM_DATA_CONV_FAILED,
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
            _err(p, path, E.ESLURM_DATA_CONV_FAILED, f"Unknown format: {compact(data)}")
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


@dumper("JOB_DESC_MSG_TASK_DISTRIBUTION")
def _dump_jd_dist(d, t, job):
    return _dump_task_dist(d, t, _m(job, "task_dist", NO_VAL))


@parser("JOB_DESC_MSG_TASK_DISTRIBUTION")
def _parse_jd_dist(p, t, data, path):
    cur = _cur(p)
    if data is None:
        if cur.get("plane_size", NO_VAL16) == NO_VAL16:
            return {"task_dist": VALUES["SLURM_DIST_UNKNOWN"]}
        return UNSET
    if isinstance(data, (list, dict)):
        _err(p, path, E.ESLURM_DATA_CONV_FAILED, "Invalid distribution")
    r = verify_dist_type(str(data))
    if r is None:
        _err(p, path, E.ESLURM_BAD_DIST, "Invalid distribution specification")
    dist, plane = r
    cur_plane = cur.get("plane_size", NO_VAL16)
    if dist & VALUES["SLURM_DIST_STATE_BASE"] == VALUES["SLURM_DIST_PLANE"]:
        if cur_plane != NO_VAL16 and plane != NO_VAL16 and cur_plane != plane:
            _err(p, path, E.ESLURM_BAD_DIST, "Plane distribution set by distribution_plane_size and "
                                             f"distribution do not match. ({cur_plane} != {plane})")
        return {"task_dist": dist, "plane_size": plane if plane != NO_VAL16 else cur_plane}
    if cur_plane != NO_VAL16:
        _err(p, path, E.ESLURM_BAD_DIST, "Plane size distribution specifications cannot be combined "
                                         f"with {data}")
    return {"task_dist": dist}


@dumper("JOB_DESC_MSG_PLANE_SIZE")
def _dump_jd_plane(d, t, job):
    v = NO_VAL16
    if (_m(job, "task_dist", NO_VAL) & VALUES["SLURM_DIST_STATE_BASE"]) == VALUES["SLURM_DIST_PLANE"]:
        v = _m(job, "plane_size", NO_VAL16)
    return _sub(d, "UINT16_NO_VAL", v)


@parser("JOB_DESC_MSG_PLANE_SIZE")
def _parse_jd_plane(p, t, data, path):
    cur = _cur(p)
    plane = p.parse(p.reg["UINT16_NO_VAL"], data, path)
    task_dist = cur.get("task_dist", NO_VAL)
    base = task_dist & VALUES["SLURM_DIST_STATE_BASE"] if task_dist != NO_VAL else None
    if plane == NO_VAL16:
        if base == VALUES["SLURM_DIST_PLANE"]:
            _err(p, path, E.ESLURM_BAD_DIST, "Plane size left unset but distribution specifications "
                                             "specified Plane")
        return {"plane_size": NO_VAL16}
    if task_dist != NO_VAL and base != VALUES["SLURM_DIST_PLANE"]:
        _err(p, path, E.ESLURM_BAD_DIST, "Plane size distribution specifications cannot be combined "
                                         f"with {_dump_task_dist(None, None, task_dist)}")
    env = [e for e in (cur.get("environment") or []) if not str(e).startswith(("SLURM_DISTRIBUTION=",
                                                                                  "SLURM_DIST_PLANESIZE="))]
    env += ["SLURM_DISTRIBUTION=plane", f"SLURM_DIST_PLANESIZE={plane}"]
    return {"task_dist": VALUES["SLURM_DIST_PLANE"], "plane_size": plane, "environment": env,
            "env_size": len(env)}


@dumper("JOB_DESC_MSG_CRON_ENTRY")
def _dump_jd_cron(d, t, value):
    return _sub(d, "CRON_ENTRY_PTR", value)


@parser("JOB_DESC_MSG_CRON_ENTRY")
def _parse_jd_cron(p, t, data, path):
    return p.parse(p.reg["CRON_ENTRY_PTR"], data, path)

from slurmrestd.data_parser import codecs_nodes as _codecs_nodes  # noqa: E402,F401  (nodes)
from slurmrestd.data_parser import codecs_parts as _codecs_parts  # noqa: E402,F401  (partitions, reservations)
