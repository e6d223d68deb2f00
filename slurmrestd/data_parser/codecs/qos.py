"""Quality of service: ids and names, lists of them, preemption lists (``QOS`` table of the context)."""

from __future__ import annotations

from slurmrestd.data_parser.codecs.base import CodecSet
from slurmrestd.data_parser.context import data_type_name
from slurmrestd.data_parser.members import member
from slurmrestd.data_parser.plain import parse_string, to_int
from slurmrestd.errors import E
from slurmrestd.slurm.sentinels import INFINITE

CODECS = CodecSet()


@CODECS.dumper("QOS_ID")
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


@CODECS.parser("QOS_ID")
def _parse_qos_id(p, t, data, path):
    q = _resolve_qos(p, data, path)
    if q is None:
        if data in (None, ""):
            return INFINITE
        n = to_int(data) if not isinstance(data, (dict, list, bool)) else None
        if n is not None and not p.ctx.need("QOS"):
            return n
        p.error(E.ESLURM_INVALID_QOS, path, f"Unable to resolve QOS {data if isinstance(data, str) else ''} "
                                            f"of type {data_type_name(data)}")
    return q["id"]


@CODECS.parser("QOS_NAME")
def _parse_qos_name(p, t, data, path):
    q = _resolve_qos(p, data, path)
    if q is not None and q.get("name"):
        return q["name"]
    if isinstance(data, dict):
        if data.get("name") is not None and not isinstance(data["name"], (dict, list)):
            return str(data["name"])
        p.error(E.ESLURM_INVALID_QOS, path, f"Unable to resolve QOS  of type {data_type_name(data)}")
    if isinstance(data, list):
        p.error(E.ESLURM_INVALID_QOS, path, f"Unable to resolve QOS  of type {data_type_name(data)}")
    return parse_string(p, t, data, path)


@CODECS.dumper("QOS_STRING_ID_LIST", "QOS_NAME_CSV_LIST")
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


def _parse_qos_id_list(p, data, path):
    """``QOS_STRING_ID_LIST`` as the C parser reads it: a list of QOS names or ids →
    their ids as strings.  The first one that is not a known QOS is an error
    (ESLURM_INVALID_QOS, "Unable to resolve QOS: <name>", "(null)" for a number,
    at the list's path) and ends the list.  Anything but a list gives no QOS."""
    if not isinstance(data, list):
        return []
    table = p.ctx.need("QOS")
    out = []
    for x in data:
        if x is None or x == "":
            continue
        q = _resolve_qos(p, x, path) if table else None
        if q is None:
            text = x if isinstance(x, str) and to_int(x) is None else "(null)"
            p.error(E.ESLURM_INVALID_QOS, path, "Unable to resolve QOS: %s" % text)
            break
        out.append(str(q["id"]))
    return out


@CODECS.parser("QOS_STRING_ID_LIST", "QOS_NAME_CSV_LIST")
def _parse_qos_string_id_list(p, t, data, path):
    if data is None:
        return []
    if t.name == "QOS_STRING_ID_LIST":
        return _parse_qos_id_list(p, data, path)
    seq = data if isinstance(data, list) else [x for x in str(data).split(",") if x]
    out = []
    for i, x in enumerate(seq):
        q = _resolve_qos(p, x, path)
        if q is None:
            if t.name != "QOS_NAME_CSV_LIST" and x not in (None, ""):
                # every entry must name a QOS that exists (ids go to slurmdbd); the
                # source is the list itself, as the C parser reports it
                p.error(E.ESLURM_INVALID_QOS, path, "Unable to resolve QOS: %s"
                        % (x if isinstance(x, (str, int)) and not isinstance(x, bool) else ""))
            out.append(str(x))
        else:
            out.append(str(q["id"]) if t.name != "QOS_NAME_CSV_LIST" else q["name"])
    return out


@CODECS.dumper("QOS_ID_STRING")
def _dump_qos_id_string(d, t, value):
    if not value:
        return ""
    n = to_int(value)
    return _dump_qos_id(d, t, n) if n is not None else str(value)


@CODECS.dumper("QOS_ID_STRING_CSV_LIST")
def _dump_qos_id_string_csv(d, t, value):
    names = _dump_qos_string_id_list(d, t, value)
    return ",".join(names)


@CODECS.dumper("QOS_PREEMPT_LIST")
def _dump_qos_preempt(d, t, qos):
    lst = member(qos, "preempt_list")
    if lst:
        return _dump_qos_string_id_list(d, t, lst)
    bits = member(qos, "preempt_bitstr")
    table = d.ctx.need("QOS") or []
    out = []
    if isinstance(bits, (list, tuple, set)):
        for i in bits:
            q = next((q for q in table if q.get("id") == i), None)
            out.append(q["name"] if q else str(i))
    return out


@CODECS.parser("QOS_PREEMPT_LIST")
def _parse_qos_preempt(p, t, data, path):
    """Read as ``QOS_STRING_ID_LIST`` (the C parser does the same): an unknown QOS name
    or id is 2066 at the list's path and ends the list, so nothing reaches slurmdbd."""
    return {"preempt_list": [] if data is None else _parse_qos_id_list(p, data, path)}


# ---------------------------------------------------------------------------
