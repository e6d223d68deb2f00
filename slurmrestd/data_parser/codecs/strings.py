"""Strings, booleans, error numbers, CSV strings, string arrays and bitmaps."""

from __future__ import annotations

from slurmrestd.data_parser.codecs.base import CodecSet, inline
from slurmrestd.data_parser.plain import parse_bool, parse_string
from slurmrestd.errors import E, strerror
from slurmrestd.slurm.sentinels import NO_VAL16

CODECS = CodecSet()


@CODECS.dumper("STRING", "QOS_NAME", "USER_ID_STRING", "GROUP_ID_STRING", "HOSTLIST_STRING_TO_STRING")
@inline(lambda reg, t: "('' if v is None else v if type(v) is str else str(v))")
def _dump_string(d, t, value):
    return "" if value is None else str(value)


@CODECS.parser("STRING")
def _parse_string(p, t, data, path):
    return parse_string(p, t, data, path)


@CODECS.dumper("BOOL", "BOOL16")
@inline(lambda reg, t: "bool(v)")
def _dump_bool(d, t, value):
    return bool(value)


@CODECS.dumper("BOOL16_NO_VAL")
def _dump_bool16_no_val(d, t, value):
    return bool(value) and value != NO_VAL16


@CODECS.parser("BOOL", "BOOL16", "BOOL16_NO_VAL")
def _parse_bool(p, t, data, path):
    return parse_bool(p, t, data, path)


@CODECS.dumper("ERROR")
def _dump_error(d, t, value):
    return strerror(int(value or 0))


@CODECS.dumper("CSV_STRING")
def _dump_csv(d, t, value):
    if not value:
        return []
    return [s for s in str(value).split(",") if s]


@CODECS.parser("CSV_STRING")
def _parse_csv(p, t, data, path):
    if data is None:
        return None
    if isinstance(data, list):
        return ",".join(parse_string(p, t, x, path) or "" for x in data)
    return parse_string(p, t, data, path)


@CODECS.dumper("STRING_ARRAY")
def _dump_string_array(d, t, value):
    out = []
    for s in value or ():
        if s is None:
            break
        out.append(str(s))
    return out


@CODECS.parser("STRING_ARRAY")
def _parse_string_array(p, t, data, path):
    if data is None:
        return []
    seq = data if isinstance(data, list) else [data]
    return [parse_string(p, t, x, path) for x in seq]


@CODECS.dumper("CSV_STRING_LIST")
def dump_csv_list(d, t, value):
    if not value:
        return []
    return list(value) if not isinstance(value, str) else [x for x in value.split(",") if x]


@CODECS.parser("CSV_STRING_LIST")
def _parse_csv_list(p, t, data, path):
    if data is None:
        return []
    if isinstance(data, list):
        return [parse_string(p, t, x, path) for x in data]
    return [x for x in (parse_string(p, t, data, path) or "").split(",") if x]


@CODECS.dumper("BITSTR")
def dump_bitstr(d, t, value):
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


@CODECS.parser("BITSTR")
def _parse_bitstr(p, t, data, path):
    s = parse_string(p, t, data, path) or ""
    out = []
    for part in [x for x in s.split(",") if x]:
        a, _, b = part.partition("-")
        if not a.isdigit() or (b and not b.isdigit()):
            p.error(E.ESLURM_DATA_CONV_FAILED, path, f"Invalid bitmap string: {s}")
        out.extend(range(int(a), int(b or a) + 1))
    return out
