"""Leaf codecs: how single Slurm values become JSON data and back.

``DUMP[type_name](dumper, decl, value)`` and
``PARSE[type_name](parser, decl, data, path)`` implement the types whose C
plugin has hand-written functions.  A leaf without an entry here falls back to
the type its schema points at (``pointer_to``), its element type
(``array_of``) or a plain conversion by OpenAPI format.
"""

from __future__ import annotations

import math
import re
from typing import Any, Callable

from slurmrestd.data_parser.context import data_type_name
from slurmrestd.data_parser.model import TypeDecl
from slurmrestd import hostlist
from slurmrestd.errors import E, strerror

NO_VAL16 = 0xFFFE
INFINITE16 = 0xFFFF
NO_VAL = 0xFFFFFFFE
INFINITE = 0xFFFFFFFF
NO_VAL64 = 0xFFFFFFFFFFFFFFFE
INFINITE64 = 0xFFFFFFFFFFFFFFFF

#: returned by a parse codec when the member must be left as it is
UNSET = object()

DUMP: dict[str, Callable] = {}
PARSE: dict[str, Callable] = {}


def dumper(*names):
    def deco(fn):
        for n in names:
            DUMP[n] = fn
        return fn
    return deco


def parser(*names):
    def deco(fn):
        for n in names:
            PARSE[n] = fn
        return fn
    return deco


def compact(value: Any) -> str:
    """``%pd``: compact JSON text of a data value."""
    import json
    return json.dumps(value, separators=(",", ":"))


# ---------------------------------------------------------------------------
# coercions (data_convert_type)
# ---------------------------------------------------------------------------

_TRUE = {"yes", "y", "true", "t", "on"}
_FALSE = {"no", "n", "false", "f", "off"}


def to_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if v is None:
        return False
    if isinstance(v, (int, float)):
        return v != 0
    if isinstance(v, str):
        s = v.strip().lower()
        if s in _TRUE:
            return True
        if s in _FALSE or s == "":
            return False
        return True
    return False


_INT_RX = re.compile(r"^\s*[+-]?(0[xX][0-9a-fA-F]+|\d+)\s*$")


def to_int(v: Any):
    """Integer or None when not convertible."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            return None
        return int(round(v))
    if isinstance(v, str) and _INT_RX.match(v):
        return int(v.strip(), 0) if v.strip().lower().lstrip("+-").startswith("0x") else int(v)
    return None


def to_float(v: Any):
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        s = v.strip().lower()
        if s in ("inf", "infinity", "+inf", "+infinity"):
            return math.inf
        if s in ("-inf", "-infinity"):
            return -math.inf
        if s == "nan":
            return math.nan
        try:
            return float(s)
        except ValueError:
            return None
    return None


# ---------------------------------------------------------------------------
# type checks when parsing (warning only)
# ---------------------------------------------------------------------------

_DATA_OF_FORMAT = {"INT": int, "INT32": int, "INT64": int, "NUMBER": float, "FLOAT": float,
                   "DOUBLE": float, "STRING": str, "PASSWORD": str, "BOOL": bool,
                   "OBJECT": dict, "ARRAY": list}
_SLURM_TYPE = {int: "64 bit integer", float: "floating point number", str: "string",
               bool: "boolean", dict: "dictionary", list: "list"}
_FOUND_FORMAT = {bool: ("boolean", None), int: ("integer", "int64"), float: ("number", "double"),
                 str: ("string", None), list: ("array", None), dict: ("object", None)}


def _pytype(v):
    if isinstance(v, bool):
        return bool
    for t in (int, float, str, list, dict):
        if isinstance(v, t):
            return t
    return None


def check_openapi(p, t: TypeDecl, data: Any, path) -> None:
    from slurmrestd.data_parser.model import OPENAPI_FORMATS
    if data is None or not t.openapi:
        return
    want = _DATA_OF_FORMAT.get(t.openapi)
    got = _pytype(data)
    if want is None or got is want:
        return
    otype, ofmt = OPENAPI_FORMATS[t.openapi]
    ftype, ffmt = _FOUND_FORMAT.get(got, ("null", None))
    p.warn(path, "Expected OpenAPI type=%s%s (Slurm type=%s) but got OpenAPI type=%s%s "
           "(Slurm type=%s): %s" % (otype, f" format={ofmt}" if ofmt else "", _SLURM_TYPE[want],
                                    ftype, f" format={ffmt}" if ffmt else "",
                                    data_type_name(data), compact(data)))


# ---------------------------------------------------------------------------
# generic fallbacks
# ---------------------------------------------------------------------------

def dump_plain(t: TypeDecl, value: Any) -> Any:
    fmt = t.openapi
    if fmt in ("INT", "INT32", "INT64"):
        return 0 if value is None else int(value)
    if fmt in ("NUMBER", "FLOAT", "DOUBLE"):
        return 0.0 if value is None else float(value)
    if fmt == "BOOL":
        return bool(value)
    if fmt in ("STRING", "PASSWORD"):
        return "" if value is None else str(value)
    if fmt == "ARRAY":
        return list(value or ())
    if fmt == "OBJECT":
        return dict(value or {})
    return value


def parse_plain(p, t: TypeDecl, data: Any, path) -> Any:
    fmt = t.openapi
    if fmt in ("INT", "INT32", "INT64"):
        return parse_int(p, t, data, path)
    if fmt in ("NUMBER", "FLOAT", "DOUBLE"):
        return parse_float(p, t, data, path)
    if fmt == "BOOL":
        return parse_bool(p, t, data, path)
    if fmt in ("STRING", "PASSWORD"):
        return parse_string(p, t, data, path)
    return data


def removed_placeholder(reg, t: TypeDecl) -> Any:
    t = reg.unalias(t)
    fmt = t.openapi
    if t.model == "struct":
        fmt = "OBJECT"
    elif t.model in ("list", "nt_array", "flags") or t.array_of:
        fmt = "ARRAY"
    if fmt in ("INT", "INT32", "INT64"):
        return 0
    if fmt in ("NUMBER", "FLOAT", "DOUBLE"):
        return 0.0
    if fmt in ("STRING", "PASSWORD"):
        return ""
    if fmt == "ARRAY":
        return []
    return {}  # OBJECT, and BOOL falls through to an object as in the reference


# flags: see flags.py (integers <-> names)
from slurmrestd.data_parser.flags import dump_flags, parse_flags  # noqa: E402,F401

# ---------------------------------------------------------------------------
# numbers
# ---------------------------------------------------------------------------

def parse_int(p, t, data, path):
    if data is None:
        return 0
    v = to_int(data)
    if v is None:
        p.error(E.ESLURM_DATA_CONV_FAILED, path, f"Expected integer but got {compact(data)}")
    return v


def parse_float(p, t, data, path):
    if data is None:
        return 0.0
    v = to_float(data)
    if v is None:
        p.error(E.ESLURM_DATA_CONV_FAILED, path, f"Expected number but got {compact(data)}")
    return v


def parse_bool(p, t, data, path):
    if isinstance(data, (list, dict)):
        p.error(E.ESLURM_DATA_CONV_FAILED, path, f"Expected boolean but got {compact(data)}")
    return to_bool(data)


def parse_string(p, t, data, path):
    if data is None:
        return None
    if isinstance(data, (list, dict)):
        p.error(E.ESLURM_DATA_CONV_FAILED, path, f"Expected string but got {compact(data)}")
    if isinstance(data, bool):
        return "true" if data else "false"
    if isinstance(data, float):
        return "%f" % data
    return str(data)


@dumper("UINT16", "INT32", "INT64", "CORE_SPEC", "THREAD_SPEC", "OVERSUBSCRIBE_JOBS")
def _dump_int(d, t, value):
    return 0 if value is None else int(value)


@dumper("UINT32", "UINT64")
def _dump_uint_warn(d, t, value):
    if value is None:
        return 0
    value = int(value)
    limit_inf, limit_nv = (INFINITE, NO_VAL) if t.name == "UINT32" else (INFINITE64, NO_VAL64)
    if value == limit_inf:
        d.ctx.warn("", "Dumping (0xffffffffffffffff) as place holder for Infinity"
                   if t.name == "UINT64" else "Dumping (0xffffffff) as place holder for Infinity")
    elif value == limit_nv:
        d.ctx.warn("", "Dumping (0xfffffffffffffffe) as place holder for null"
                   if t.name == "UINT64" else "Dumping (0xfffffffe) as place holder for null")
    return value


@parser("UINT16", "UINT32", "UINT64", "INT32", "INT64")
def _parse_int(p, t, data, path):
    return parse_int(p, t, data, path)


@dumper("FLOAT64", "FLOAT128", "FLOAT32")
def _dump_float(d, t, value):
    if value is None:
        return float(NO_VAL)
    value = float(value)
    if math.isinf(value) or value == float(INFINITE64):
        d.ctx.warn("", "Dumping INFINITE64 as place holder for Infinity")
        return float(INFINITE64)
    if math.isnan(value):
        d.ctx.warn("", "Dumping NO_VAL as place holder for null")
        return float(NO_VAL)
    return value


@parser("FLOAT64", "FLOAT128", "FLOAT32")
def _parse_float(p, t, data, path):
    return parse_float(p, t, data, path)


def _no_val_limits(name):
    if name.startswith("UINT16"):
        return NO_VAL16, INFINITE16
    if name.startswith("UINT32"):
        return NO_VAL, INFINITE
    return NO_VAL64, INFINITE64


@dumper("UINT16_NO_VAL", "UINT32_NO_VAL", "UINT64_NO_VAL", "INT64_NO_VAL")
def _dump_no_val(d, t, value):
    no_val, inf = _no_val_limits(t.name)
    if t.name == "INT64_NO_VAL":
        if value is None or value in (NO_VAL64, -NO_VAL64 + 2**64 - 2**64) or value == NO_VAL64 - 2**64:
            return {"set": False, "infinite": False, "number": 0}
        if value in (INFINITE64, INFINITE64 - 2**64):
            return {"set": False, "infinite": True, "number": 0}
        return {"set": True, "infinite": False, "number": int(value)}
    if value is None or value == no_val:
        return {"set": False, "infinite": False, "number": 0}
    if value == inf:
        return {"set": False, "infinite": True, "number": 0}
    return {"set": True, "infinite": False, "number": int(value)}


@dumper("FLOAT64_NO_VAL")
def _dump_float_no_val(d, t, value):
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == float(NO_VAL):
        return {"set": False, "infinite": False, "number": 0.0}
    if (isinstance(value, float) and math.isinf(value)) or value == float(INFINITE):
        return {"set": False, "infinite": True, "number": 0.0}
    return {"set": True, "infinite": False, "number": float(value)}


@parser("UINT16_NO_VAL", "UINT32_NO_VAL", "UINT64_NO_VAL", "INT64_NO_VAL")
def _parse_no_val(p, t, data, path):
    no_val, inf = _no_val_limits(t.name)
    if data is None:
        return no_val
    if isinstance(data, float):
        if math.isinf(data):
            return inf
        if math.isnan(data):
            return no_val
        v = int(data)
    elif isinstance(data, dict):
        st = p.parse(p.reg[t.pointer_to], data, path)
        if st.get("infinite"):
            return inf
        if not st.get("set"):
            return no_val
        if "number" not in st or st["number"] is None:
            p.error(E.ESLURM_DATA_CONV_FAILED, path,
                    'Expected "number" field when "set"=True but field not present')
        v = int(st["number"])
    elif isinstance(data, (str, int)) and not isinstance(data, bool):
        v = to_int(data)
        if v is None:
            p.error(E.ESLURM_DATA_CONV_FAILED, path, f"Expected integer but got {compact(data)}")
    else:
        p.error(E.ESLURM_DATA_CONV_FAILED, path, f"Expected integer but got {compact(data)}")
    if t.name != "INT64_NO_VAL":
        if v < 0 or v >= no_val:
            return inf  # -1 and anything beyond the range means infinite
    return v


@parser("FLOAT64_NO_VAL")
def _parse_float_no_val(p, t, data, path):
    if data is None:
        return math.nan
    if isinstance(data, dict):
        st = p.parse(p.reg[t.pointer_to], data, path)
        if st.get("infinite"):
            return math.inf
        if not st.get("set"):
            return math.nan
        return float(st.get("number") or 0.0)
    v = to_float(data)
    if v is None:
        p.error(E.ESLURM_DATA_CONV_FAILED, path, f"Expected number but got {compact(data)}")
    return v


# ---------------------------------------------------------------------------
# strings, booleans, errors
# ---------------------------------------------------------------------------

@dumper("STRING", "QOS_NAME", "USER_ID_STRING", "GROUP_ID_STRING", "HOSTLIST_STRING_TO_STRING")
def _dump_string(d, t, value):
    return "" if value is None else str(value)


@parser("STRING", "QOS_NAME", "USER_ID_STRING", "GROUP_ID_STRING")
def _parse_string(p, t, data, path):
    return parse_string(p, t, data, path)


@dumper("BOOL", "BOOL16")
def _dump_bool(d, t, value):
    return bool(value)


@dumper("BOOL16_NO_VAL")
def _dump_bool16_no_val(d, t, value):
    return bool(value) and value != NO_VAL16


@parser("BOOL", "BOOL16", "BOOL16_NO_VAL")
def _parse_bool(p, t, data, path):
    return parse_bool(p, t, data, path)


@dumper("ERROR")
def _dump_error(d, t, value):
    return strerror(int(value or 0))


@dumper("CSV_STRING")
def _dump_csv(d, t, value):
    if not value:
        return []
    return [s for s in str(value).split(",") if s]


@parser("CSV_STRING")
def _parse_csv(p, t, data, path):
    if data is None:
        return None
    if isinstance(data, list):
        return ",".join(parse_string(p, t, x, path) or "" for x in data)
    return parse_string(p, t, data, path)


@dumper("STRING_ARRAY")
def _dump_string_array(d, t, value):
    out = []
    for s in value or ():
        if s is None:
            break
        out.append(str(s))
    return out


@parser("STRING_ARRAY")
def _parse_string_array(p, t, data, path):
    if data is None:
        return []
    seq = data if isinstance(data, list) else [data]
    return [parse_string(p, t, x, path) for x in seq]


# ---------------------------------------------------------------------------
# timestamps
# ---------------------------------------------------------------------------

@parser("TIMESTAMP")
def _parse_timestamp(p, t, data, path):
    if data is None:
        return 0
    v = to_int(data)
    if v is None:
        p.error(E.ESLURM_DATA_CONV_FAILED, path, f"Expected integer but got {compact(data)}")
    return v


@dumper("TIMESTAMP")
def _dump_timestamp(d, t, value):
    return 0 if value is None else int(value)


@dumper("TIMESTAMP_NO_VAL")
def _dump_timestamp_no_val(d, t, value):
    return _dump_no_val(d, type("T", (), {"name": "UINT64_NO_VAL"})(), value)


# ---------------------------------------------------------------------------
# hostlists
# ---------------------------------------------------------------------------

def hostlist_expand(expr: str) -> list:
    """Slurm's expansion of a hostlist expression (raises hostlist.HostlistError)."""
    return hostlist.expand(hostlist.normalize(expr))


def hostlist_compress(names) -> str:
    """Slurm's ranged string of a list of host names, in the order given."""
    return hostlist.compress(list(names))


@dumper("HOSTLIST", "HOSTLIST_STRING")
def _dump_hostlist(d, t, value):
    if not value:
        return []
    if isinstance(value, str):
        return hostlist_expand(value)
    return list(value)


def _parse_hostlist_common(p, t, data, path):
    if data is None:
        return []
    if isinstance(data, list):
        names = []
        for i, x in enumerate(data):
            if not isinstance(x, str):
                p.error(E.ESLURM_DATA_PARSE_BAD_INPUT, path, f"string expected but got {compact(x)}")
            names.extend(_expand_or_fail(p, x, path))
        return names
    if isinstance(data, str):
        return _expand_or_fail(p, data, path)
    p.error(E.ESLURM_DATA_PARSE_BAD_INPUT, path, f"string expected but got {compact(data)}")


def _expand_or_fail(p, s, path):
    try:
        return hostlist_expand(s)
    except Exception:
        p.error(E.ESLURM_DATA_PARSE_BAD_INPUT, path, f"Invalid hostlist string: {s}")


@parser("HOSTLIST")
def _parse_hostlist(p, t, data, path):
    return _parse_hostlist_common(p, t, data, path)


def _parse_ranged(p, t, data, path):
    """A hostlist given as an expression or a list of names/expressions → one ranged string.

    Like Slurm: a string is parsed as an expression (never expanded host by host),
    list items are pushed one by one, and the result is the ranged string."""
    if data is None:
        return None
    try:
        if isinstance(data, str):
            return hostlist.normalize(data)
        if isinstance(data, list):
            for x in data:
                if not isinstance(x, str):
                    p.error(E.ESLURM_DATA_PARSE_BAD_INPUT, path, f"string expected but got {compact(x)}")
            return hostlist.compress(data)
    except (hostlist.HostlistError, TypeError):
        p.error(E.ESLURM_DATA_PARSE_BAD_INPUT, path, f"Invalid hostlist string: {data}")
    p.error(E.ESLURM_DATA_PARSE_BAD_INPUT, path, f"string expected but got {compact(data)}")


@parser("HOSTLIST_STRING")
def _parse_hostlist_string(p, t, data, path):
    """Names (or expressions) -> one compressed expression string."""
    return _parse_ranged(p, t, data, path) or ""


@parser("HOSTLIST_STRING_TO_STRING")
def _parse_hostlist_to_string(p, t, data, path):
    """A hostlist expression, validated; kept as its ranged string."""
    if data is not None and not isinstance(data, str):
        p.error(E.ESLURM_DATA_PARSE_BAD_INPUT, path, f"string expected but got {compact(data)}")
    return _parse_ranged(p, t, data, path)


# ---------------------------------------------------------------------------
# composite leaves
# ---------------------------------------------------------------------------

@dumper("LICENSES")
def _dump_licenses(d, t, value):
    """license_info_msg_t: ``{"lic_array": [...]}`` or directly a list."""
    items = value.get("lic_array") if isinstance(value, dict) else value
    lic = d.reg["LICENSE"]
    return [d.dump(lic, x, None) for x in (items or ())]


@dumper("CONTROLLER_PING_PRIMARY")
def _dump_ping_primary(d, t, value):
    """The member is the controller index: 0 is the primary."""
    return value == 0


# ---------------------------------------------------------------------------
# diag (stats_info_response_msg_t) derived values
# ---------------------------------------------------------------------------

def _mean(sum_member: str, count_member: str):
    def fn(d, t, stats):
        stats = stats or {}
        count = stats.get(count_member) or 0
        return (stats.get(sum_member) or 0) // count if count else 0
    return fn


for _name, _sum, _cnt in (
        ("STATS_MSG_CYCLE_MEAN", "schedule_cycle_sum", "schedule_cycle_counter"),
        ("STATS_MSG_CYCLE_MEAN_DEPTH", "schedule_cycle_depth", "schedule_cycle_counter"),
        ("STATS_MSG_BF_CYCLE_MEAN", "bf_cycle_sum", "bf_cycle_counter"),
        ("STATS_MSG_BF_DEPTH_MEAN", "bf_depth_sum", "bf_cycle_counter"),
        ("STATS_MSG_BF_DEPTH_MEAN_TRY", "bf_depth_try_sum", "bf_cycle_counter"),
        ("STATS_MSG_BF_QUEUE_LEN_MEAN", "bf_queue_len_sum", "bf_cycle_counter")):
    DUMP[_name] = _mean(_sum, _cnt)


@dumper("STATS_MSG_CYCLE_PER_MIN")
def _dump_cycle_per_min(d, t, stats):
    stats = stats or {}
    span = (stats.get("req_time") or 0) - (stats.get("req_time_start") or 0)
    return (stats.get("schedule_cycle_counter") or 0) // (span // 60) if span >= 60 else 0


@dumper("STATS_MSG_BF_ACTIVE")
def _dump_bf_active(d, t, stats):
    return bool((stats or {}).get("bf_active"))
