"""Values without a codec of their own: conversions, plain codecs by OpenAPI format.

Every codec module and the engine use these:

* ``to_bool``/``to_int``/``to_float``: ``data_convert_type()``, None when not convertible;
* ``parse_int`` … ``parse_string``: parse one data value, recording an error in the
  parser's context when it does not convert;
* ``dump_plain``/``parse_plain``: a leaf without a codec, by its OpenAPI format;
* ``removed_placeholder``: what a removed field or type dumps as;
* ``check_openapi``: the warning for a value of another OpenAPI type than declared;
* ``UNSET``: what a parse codec returns to leave the member as it is.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from slurmrestd.data_parser.context import data_type_name
from slurmrestd.data_parser.model import OPENAPI_FORMATS, TypeDecl
from slurmrestd.errors import E

#: returned by a parse codec when the member must be left as it is
UNSET = object()


def compact(value: Any) -> str:
    """``%pd``: compact JSON text of a data value."""
    return json.dumps(value, separators=(",", ":"))


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
    if data is None or not t.openapi:
        return
    want = _DATA_OF_FORMAT.get(t.openapi)
    got = _pytype(data)
    if want is None or got is want:
        return
    otype, ofmt = OPENAPI_FORMATS[t.openapi]
    ftype, ffmt = _FOUND_FORMAT.get(got, ("null", None))
    text = "Expected OpenAPI type=%s%s (Slurm type=%s) but got OpenAPI type=%s%s (Slurm type=%s)" % (
        otype, f" format={ofmt}" if ofmt else "", _SLURM_TYPE[want],
        ftype, f" format={ffmt}" if ffmt else "", data_type_name(data))
    if getattr(p.reg, "version", "") != "v0.0.40":  # v0.0.40 did not quote the value
        text += ": " + compact(data)
    p.warn(path, text)


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


def _parse_number(p, data, path, convert, unset, word):
    if data is None:
        return unset
    v = convert(data)
    if v is None:
        p.error(E.ESLURM_DATA_CONV_FAILED, path, f"Expected {word} but got {compact(data)}")
    return v


def parse_int(p, t, data, path):
    return _parse_number(p, data, path, to_int, 0, "integer")


def parse_float(p, t, data, path):
    return _parse_number(p, data, path, to_float, 0.0, "number")


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
