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
from slurmrestd.errors import E, strerror
from slurmrestd.slurm import hostlist
from slurmrestd.slurm.sentinels import INFINITE, INFINITE16, INFINITE64, NO_VAL, NO_VAL16, NO_VAL64

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


@dumper("UINT16", "INT32", "INT64", "CORE_SPEC", "THREAD_SPEC")
def _dump_int(d, t, value):
    return 0 if value is None else int(value)


#: ``XSTRINGIFY()`` of the sentinels as the C warnings print them
_TXT_INFINITE64 = "(0xffffffffffffffff)"
_TXT_NO_VAL64 = "(0xfffffffffffffffe)"
_TXT_INFINITE = "(0xffffffff)"
_TXT_NO_VAL = "(0xfffffffe)"


def _warn_inf(d, text: str) -> None:
    d.ctx.warn("", "Dumping %s as place holder for Infinity" % text)


def _warn_null(d, text: str) -> None:
    d.ctx.warn("", "Dumping %s as place holder for null" % text)


def _v42(d) -> bool:
    """v0.0.42 kept the older plain number codecs (no place holders, no warnings)."""
    return getattr(d.reg, "version", "") == "v0.0.42"


def _is_cast_no_val_int(value: int, wide: bool) -> bool:
    """``IS_CAST_NO_VAL``: 4 bytes compare with NO_VAL; 8 bytes read the bits as a double."""
    if not wide:
        return value == NO_VAL
    import struct
    return struct.unpack("<d", struct.pack("<Q", value & INFINITE64))[0] == float(NO_VAL)


@dumper("UINT32", "UINT64")
def _dump_uint_warn(d, t, value):
    """v0.0.43+: NO_VAL/INFINITE are dumped raw with a warning (``IS_INFINITE``/``IS_NO_VAL``).

    v0.0.42: UINT64 NO_VAL64/INFINITE64 become ``null``; UINT32 is always raw; no warnings."""
    if value is None:
        return 0
    value = int(value)
    wide = t.name == "UINT64"
    if _v42(d):
        if wide and value in (NO_VAL64, INFINITE64):
            return None
        return as_int64(value) if wide else value
    if d.ctx.complex_mode:
        if value == (INFINITE64 if wide else INFINITE):
            return math.inf
        if _is_cast_no_val_int(value, wide):
            return None
        return as_int64(value) if wide else value
    if value == (INFINITE64 if wide else INFINITE):
        _warn_inf(d, _TXT_INFINITE64 if wide else _TXT_INFINITE)
    elif value == (NO_VAL64 if wide else NO_VAL):
        _warn_null(d, _TXT_NO_VAL64 if wide else _TXT_NO_VAL)
    return as_int64(value) if wide else value


def as_int64(value: int) -> int:
    """A uint64_t as the C data_t holds it (``data_set_int`` takes an int64_t): values
    from 2^63 up read negative (NO_VAL64 is -2)."""
    value &= INFINITE64
    return value - (1 << 64) if value >> 63 else value


@parser("UINT16", "UINT32", "UINT64", "INT32", "INT64")
def _parse_int(p, t, data, path):
    return parse_int(p, t, data, path)


def c_uint32_cast(x: float) -> int:
    """``(uint32_t) x`` for a double as x86-64 code computes it.

    GCC converts through a 64 bit ``cvttsd2si``: NaN and values out of the
    int64 range give 0x8000000000000000 (low 32 bits 0), other values are
    truncated towards zero and keep their low 32 bits (so -1.0 -> 0xffffffff)."""
    if math.isnan(x) or math.isinf(x) or not (-2.0 ** 63 <= x < 2.0 ** 63):
        return 0
    return int(x) & 0xFFFFFFFF


def _is_cast_no_val(x: float) -> bool:
    return x == float(NO_VAL)


@dumper("FLOAT64")
def _dump_float64(d, t, value):
    """v0.0.43+: inf -> (double) INFINITE64, NaN or (double) NO_VAL -> (double) NO_VAL, each
    with a warning.  v0.0.42: the value as is (the JSON writer turns inf/NaN into
    (double) INFINITE64/NO_VAL64, as the C serializer does outside complex mode)."""
    value = float(NO_VAL) if value is None else float(value)
    if _v42(d):
        return _serializer_float(d, value)
    return _dump_double_placeholders(d, value)


def _dump_double_placeholders(d, value: float):
    """v0.0.43+ doubles: inf/NaN/NO_VAL become placeholders with a warning (complex mode: null)."""
    if d.ctx.complex_mode:
        if _is_cast_no_val(value):
            return None
        return value
    if math.isinf(value):
        _warn_inf(d, _TXT_INFINITE64)
        return float(INFINITE64)
    if math.isnan(value) or _is_cast_no_val(value):
        _warn_null(d, _TXT_NO_VAL)
        return float(NO_VAL)
    return value


@dumper("FLOAT128")
def _dump_float128(d, t, value):
    """long double (a Python float here).  v0.0.43+: like FLOAT64 (values beyond the double
    range cannot occur).  v0.0.42 (bug#9674): ``(uint32_t) x`` equal to INFINITE or NO_VAL
    dumps ``null``, everything else as is."""
    value = float(NO_VAL) if value is None else float(value)
    if _v42(d):
        if c_uint32_cast(value) in (INFINITE, NO_VAL):
            return None
        return _serializer_float(d, value)
    return _dump_double_placeholders(d, value)


@dumper("FLOAT32")
def _dump_float32(d, t, value):
    """v0.0.45 only.  inf/NaN -> (float) INFINITE / (float) NO_VAL (both 4294967296.0 in
    single precision) with a warning.  ``IS_INFINITE``/``IS_CAST_NO_VAL`` compare the bits of
    a float with 0xffffffff/0xfffffffe: NaNs, so ``isnan`` covers them."""
    value = float(NO_VAL) if value is None else float(value)
    if d.ctx.complex_mode:
        return value
    if math.isinf(value):
        _warn_inf(d, _TXT_INFINITE)
        return 4294967296.0
    if math.isnan(value):
        _warn_null(d, _TXT_NO_VAL)
        return 4294967296.0
    return value


def _serializer_float(d, value: float):
    """What the C JSON/YAML serializers write for a float data value outside complex mode."""
    if d.ctx.complex_mode:
        return value
    if math.isinf(value):
        return float(INFINITE64)
    if math.isnan(value):
        return float(NO_VAL64)
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


#: The 26.05 reference binaries were built by a compiler that drops the ``isinf()``/``isnan()``
#: tests of ``DUMP_FUNC(FLOAT64_NO_VAL)``: they follow ``(uint32_t) *src``, a conversion that is
#: undefined for inf/NaN, so the compiler assumes a finite value (checked in the disassembly of
#: forky's ``data_parser_v0_0_45.so``: only ``cvttsd2si`` + compares with 0xffffffff/0xfffffffe
#: remain).  An infinite or NaN double is therefore dumped as ``set: true`` and its ``number``
#: goes through FLOAT64 (place holder + warning from v0.0.43).  ``False`` gives what the C
#: source says (``infinite: true`` / unset), as the 24.11 reference does.
FLOAT64_NO_VAL_AS_BUILT = True


@dumper("FLOAT64_NO_VAL")
def _dump_float_no_val(d, t, value):
    value = float(NO_VAL) if value is None else float(value)
    cast = c_uint32_cast(value)
    is_inf = cast == INFINITE or (not FLOAT64_NO_VAL_AS_BUILT and math.isinf(value))
    is_nan = cast == NO_VAL or (not FLOAT64_NO_VAL_AS_BUILT and math.isnan(value))
    if d.ctx.complex_mode:
        if is_inf:
            return "Infinity"
        if is_nan:
            return None
        return value
    st = {"set": False, "infinite": False, "number": 0.0}
    if is_inf:
        st["infinite"] = True
    elif not is_nan:
        st["set"] = True
        st["number"] = value
    target = d.reg[t.pointer_to] if t.pointer_to and t.pointer_to in d.reg else None
    if target is not None and target.model == "struct":
        return d.dump(target, st, None)
    return st


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
    """Slurm's sentinels as doubles, like the C codec: null or ``set: false`` -> (double)
    NO_VAL; ``infinite: true`` -> (double) INFINITE; an integer -1/-2 (INFINITE64/NO_VAL64
    bits) -> (double) INFINITE64 (v0.0.42: INFINITE) / (double) NO_VAL; floats and numeric
    strings as they are (so "inf"/"nan" stay inf/NaN)."""
    if data is None:
        return float(NO_VAL)
    if isinstance(data, dict):
        st = p.parse(p.reg[t.pointer_to], data, path)
        if st.get("infinite"):
            return float(INFINITE)
        if not st.get("set"):
            return float(NO_VAL)
        return float(st.get("number") or 0.0)
    if isinstance(data, bool) or isinstance(data, list):
        p.error(E.ESLURM_DATA_CONV_FAILED, path, f"Expected floating point number but got {compact(data)}")
    if isinstance(data, int):
        bits = data & INFINITE64
        if bits == INFINITE64:
            return float(INFINITE if p.reg.version == "v0.0.42" else INFINITE64)
        if bits == NO_VAL64:
            return float(NO_VAL)
        return float(data)
    v = to_float(data)
    if v is None:
        p.error(E.ESLURM_DATA_CONV_FAILED, path, f"Expected floating point number but got {compact(data)}")
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
    """license_info_msg_t: ``{"lic_array": [...], "num_lic": n}`` or directly a list.

    No license at all: ``[]`` and the warning "Zero licenses to dump" (every version)."""
    if isinstance(value, dict):
        items = value.get("lic_array") or []
        count = value.get("num_lic", len(items))
        items = items[:count] if count is not None else items
    else:
        items = list(value or ())
    if not items:
        d.ctx.warn("", "Zero licenses to dump")
        return []
    lic = d.reg["LICENSE"]
    return [d.dump(lic, x, None) for x in items]


@dumper("CONTROLLER_PING_PRIMARY")
def _dump_ping_primary(d, t, value):
    """The member is the controller index: 0 is the primary."""
    return value == 0


@dumper("CONTROLLER_PING_MODE")
def _dump_ping_mode(d, t, value):
    """v0.0.42-44 ``mode`` (from the index ``offset``): "primary", "backup" when there are
    exactly two controllers, otherwise "backup<index>".  ``slurm_conf.control_cnt`` is the
    length of the ping array being dumped (one entry per SlurmctldHost)."""
    mode = int(value or 0)
    if mode == 0:
        return "primary"
    if mode == 1 and getattr(d, "array_len", None) == 2:
        return "backup"
    return "backup%u" % (mode & 0xFFFFFFFF)


@dumper("CONTROLLER_PING_RESULT")
def _dump_ping_result(d, t, value):
    """v0.0.42-44 ``pinged``: "UP" / "DOWN"."""
    return "UP" if value else "DOWN"


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
