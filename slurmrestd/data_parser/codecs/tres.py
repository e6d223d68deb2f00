"""Trackable resources: ``TRES`` strings (``1=2,2=1000``) with the ``TRES`` table of the context."""

from __future__ import annotations

import re
from typing import Optional

from slurmrestd.data_parser.codecs.base import CodecSet, sub
from slurmrestd.data_parser.context import data_type_name
from slurmrestd.errors import E
from slurmrestd.slurm.sentinels import INFINITE64

CODECS = CodecSet()


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


@CODECS.dumper("TRES_STR", "TRES_STR_BY_TYPE")
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
    return sub(d, "TRES_LIST", recs)


def _parse_tres_str(p, data, path, simple: bool):
    table = _tres_table(p.ctx)
    if table is None:
        p.error(E.ESLURM_NOT_SUPPORTED, path, "TRES conversion requires TRES list")
    if not isinstance(data, list):
        p.error(E.ESLURM_DATA_EXPECTED_LIST, path, f"TRES should be LIST but is type {data_type_name(data)}")
    if not data:
        return None
    recs = p.parse(p.reg["TRES_LIST"], data, path)
    for r in recs:
        r.setdefault("id", 0)
        if not _resolve_tres(r, table):
            p.error(E.ESLURM_INVALID_TRES, path, "Unable to convert TRES to string")
    parts = []
    for r in recs:
        if simple or not r.get("type"):
            key = str(r.get("id") or 0)
        else:
            key = r["type"] + ("/" + r["name"] if r.get("name") else "")
        count = r.get("count")
        parts.append(f"{key}={(count if count is not None else 0) & 0xFFFFFFFFFFFFFFFF}")
    return ",".join(parts)


#: TRES_STR keys TRES by id, TRES_STR_BY_TYPE by type (and name)
CODECS.add_parse("TRES_STR", lambda p, t, data, path: _parse_tres_str(p, data, path, True))
CODECS.add_parse("TRES_STR_BY_TYPE", lambda p, t, data, path: _parse_tres_str(p, data, path, False))


# ---------------------------------------------------------------------------
