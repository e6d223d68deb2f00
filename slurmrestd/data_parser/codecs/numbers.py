"""Numbers: integers, floating point values and Slurm's NO_VAL/INFINITE sentinels.

From v0.0.43 the sentinels dump as place holders with a warning (or, in complex
mode, as ``null``/``inf``); v0.0.42 keeps the older plain codecs.  The
``*_NO_VAL`` types dump as ``{"set", "infinite", "number"}`` structs.
"""

from __future__ import annotations

import math
import struct

from slurmrestd.data_parser.codecs.base import CodecSet, folded, inline
from slurmrestd.data_parser.versions import not_newer_than
from slurmrestd.data_parser.plain import compact, parse_float, parse_int, to_bool, to_float, to_int
from slurmrestd.errors import E
from slurmrestd.slurm.sentinels import INFINITE, INFINITE16, INFINITE64, NO_VAL, NO_VAL16, NO_VAL64

CODECS = CodecSet()


@CODECS.dumper("UINT16")
@inline(lambda reg, t: "(0 if v is None else v if type(v) is int else int(v))")
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
    """v0.0.42 and older kept the older plain number codecs (no place holders, no warnings)."""
    return not_newer_than(getattr(d.reg, "version", ""), "v0.0.42")


#: The bits of ``(double) NO_VAL`` read as a uint64_t (what ``IS_CAST_NO_VAL`` matches).
_CAST_NO_VAL_BITS = struct.unpack("<Q", struct.pack("<d", float(NO_VAL)))[0]


def _uint_inline(reg, t) -> str:
    """``_dump_uint_warn`` written out for the values that need neither a sentinel nor a
    warning (below every sentinel; 64 bits: also below the bits of ``(double) NO_VAL``,
    which complex mode dumps as null); the rest goes to the codec."""
    v42 = not_newer_than(getattr(reg, "version", ""), "v0.0.42")
    if t.name == "UINT64":
        limit = 1 << 63 if v42 else min(NO_VAL64, _CAST_NO_VAL_BITS)
    else:
        limit = 1 << 32 if v42 else NO_VAL
    return "(0 if v is None else v if type(v) is int and 0 <= v < %d else {C}(self, {T}, v))" % limit


def _is_cast_no_val_int(value: int, wide: bool) -> bool:
    """``IS_CAST_NO_VAL``: 4 bytes compare with NO_VAL; 8 bytes read the bits as a double."""
    if not wide:
        return value == NO_VAL
    return struct.unpack("<d", struct.pack("<Q", value & INFINITE64))[0] == float(NO_VAL)


@CODECS.dumper("UINT32", "UINT64")
@inline(_uint_inline)
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


@CODECS.parser("UINT16", "UINT32", "UINT64", "INT32", "INT64")
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


@CODECS.dumper("FLOAT64")
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


@CODECS.dumper("FLOAT128")
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


@CODECS.dumper("FLOAT32")
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


@CODECS.parser("FLOAT64", "FLOAT128", "FLOAT32")
def _parse_float(p, t, data, path):
    return parse_float(p, t, data, path)


def _no_val_limits(name):
    if name.startswith("UINT16"):
        return NO_VAL16, INFINITE16
    if name.startswith("UINT32"):
        return NO_VAL, INFINITE
    return NO_VAL64, INFINITE64


def no_val_inline(no_val: int, inf: int) -> str:
    """``_dump_no_val`` of an unsigned type written out (compiled plans)."""
    # the common case first: an int below both sentinels is a set number
    return ("({'set': True, 'infinite': False, 'number': v} if type(v) is int and v < %d else "
            "{'set': False, 'infinite': False, 'number': 0} if v is None or v == %d else "
            "{'set': False, 'infinite': True, 'number': 0} if v == %d else "
            "{'set': True, 'infinite': False, 'number': v if type(v) is int else int(v)})"
            % (min(no_val, inf), no_val, inf))


@CODECS.dumper("UINT16_NO_VAL", "UINT32_NO_VAL", "UINT64_NO_VAL", "INT64_NO_VAL")
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


@CODECS.dumper("FLOAT64_NO_VAL")
@folded(None, float(NO_VAL), float(INFINITE))
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


def _no_val_members(p, t, data: dict, path, floating: bool) -> dict:
    """``set``/``infinite``/``number`` of a NO_VAL dict.  From v0.0.41 they are a struct of
    their own (``t.pointer_to``); 24.11's v0.0.40 has none and converts the members one by
    one, failing on a value that does not convert (its error names the dict's type)."""
    if t.pointer_to:
        return p.parse(p.reg[t.pointer_to], data, path)
    st = {}
    for key in ("set", "infinite"):
        if key in data:
            if isinstance(data[key], (dict, list)):
                p.error(E.ESLURM_DATA_CONV_FAILED, path, 'Expected bool for "%s" field but got dictionary' % key)
            st[key] = to_bool(data[key])
    if "number" in data:
        num = (to_float if floating else to_int)(data["number"])
        if num is None:
            p.error(E.ESLURM_DATA_CONV_FAILED, path, 'Expected %s for "number" field but got dictionary'
                    % ("floating point number" if floating else "integer number"))
        st["number"] = num
    return st


@CODECS.parser("UINT16_NO_VAL", "UINT32_NO_VAL", "UINT64_NO_VAL", "INT64_NO_VAL")
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
        st = _no_val_members(p, t, data, path, False)
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


@CODECS.parser("FLOAT64_NO_VAL")
def _parse_float_no_val(p, t, data, path):
    """Slurm's sentinels as doubles, like the C codec: null or ``set: false`` -> (double)
    NO_VAL; ``infinite: true`` -> (double) INFINITE; an integer -1/-2 (INFINITE64/NO_VAL64
    bits) -> (double) INFINITE64 (v0.0.42: INFINITE) / (double) NO_VAL; floats and numeric
    strings as they are (so "inf"/"nan" stay inf/NaN)."""
    if data is None:
        return float(NO_VAL)
    if isinstance(data, dict):
        st = _no_val_members(p, t, data, path, True)
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
            return float(INFINITE if not_newer_than(p.reg.version, "v0.0.42") else INFINITE64)
        if bits == NO_VAL64:
            return float(NO_VAL)
        return float(data)
    v = to_float(data)
    if v is None:
        p.error(E.ESLURM_DATA_CONV_FAILED, path, f"Expected floating point number but got {compact(data)}")
    return v


# ---------------------------------------------------------------------------
