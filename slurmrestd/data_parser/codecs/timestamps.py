"""Timestamps (numbers or Slurm time strings) and durations in seconds."""

from __future__ import annotations

import math
import re
import time
from typing import Optional

from slurmrestd.data_parser.codecs.base import CodecSet, inline, sub
from slurmrestd.data_parser.codecs.numbers import _dump_no_val, no_val_inline
from slurmrestd.data_parser.plain import parse_string, to_float, to_int
from slurmrestd.errors import E
from slurmrestd.slurm.sentinels import INFINITE, INFINITE64, NO_VAL, NO_VAL64

CODECS = CodecSet()


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
    v = _parse_ts_any(p, data, path)
    if isinstance(v, int) and not -(1 << 63) <= v < (1 << 64):
        p.error(E.ESLURM_DATA_CONV_FAILED, path, f"Timestamp {v} is out of range")
        return NO_VAL64
    return v


def _parse_ts_any(p, data, path):
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
            p.error(E.ESLURM_DATA_CONV_FAILED, path, f"Parsing of {data} for timestamp failed")
        return t
    return p.parse(p.reg["UINT64_NO_VAL"], data, path)


@CODECS.parser("TIMESTAMP")
def _parse_timestamp(p, t, data, path):
    v = _parse_ts(p, data, path)
    if v == NO_VAL64:
        p.error(E.ESLURM_DATA_CONV_FAILED, path, "Invalid or unset timestamp value")
    return v


@CODECS.parser("TIMESTAMP_NO_VAL")
def _parse_timestamp_no_val(p, t, data, path):
    return _parse_ts(p, data, path)


def _timestamp_no_val_inline(reg, t) -> str | None:
    """Written out when UINT64_NO_VAL is the plain NO_VAL leaf in ``reg``."""
    target = reg.get("UINT64_NO_VAL")
    if target is None or target.model != "leaf" or reg.codecs.dump.get("UINT64_NO_VAL") is not _dump_no_val:
        return None
    return no_val_inline(NO_VAL64, INFINITE64)


@CODECS.dumper("TIMESTAMP_NO_VAL")
@inline(_timestamp_no_val_inline)
def _dump_timestamp_no_val(d, t, value):
    return sub(d, "UINT64_NO_VAL", value)


@CODECS.dumper("TIMESTAMP")
def _dump_timestamp(d, t, value):
    return sub(d, "UINT64", 0 if value is None else value)


@CODECS.dumper("TIME_SECONDS")
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


@CODECS.parser("TIME_SECONDS")
def _parse_time_seconds(p, t, data, path):
    if isinstance(data, int) and not isinstance(data, bool):
        return data
    s = parse_string(p, t, data, path) or ""
    m = re.match(r"^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$", s.strip())
    if not m:
        p.error(E.ESLURM_DATA_CONV_FAILED, path, f"Invalid time string: {s}")
    d_, a, b, c = (int(x) if x else None for x in m.groups())
    if b is None and c is None:
        return (d_ or 0) * 86400 + a * (3600 if d_ is not None else 1)
    if c is None:
        return (d_ or 0) * 86400 + a * 3600 + b * 60 if d_ is not None else a * 60 + b
    return (d_ or 0) * 86400 + a * 3600 + b * 60 + c
