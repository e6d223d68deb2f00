"""slurmdbd fields: association id strings and parsers, WCKey tags, purge periods, job
condition times.  The slurmdb record dumps with their own C rules are in ``dbd`` and
``dbd_jobs``."""

from __future__ import annotations

from slurmrestd.data_parser.codecs.base import CodecSet, current, sub
from slurmrestd.data_parser.codecs.strings import dump_csv_list
from slurmrestd.data_parser.members import member
from slurmrestd.data_parser.plain import parse_string
from slurmrestd.slurm.constants import VALUES
from slurmrestd.slurm.sentinels import NO_VAL, NO_VAL64

CODECS = CodecSet()


@CODECS.dumper("ASSOC_ID_STRING")
def _dump_assoc_id_string(d, t, value):
    return "" if value is None else str(value)


@CODECS.parser("ASSOC_ID_STRING", "QOS_ID_STRING")
def _parse_id_string(p, t, data, path):
    if isinstance(data, dict):
        data = data.get("id")
    return parse_string(p, t, data, path)


@CODECS.dumper("ASSOC_ID_STRING_CSV_LIST")
def _dump_assoc_id_csv(d, t, value):
    return dump_csv_list(d, t, value)


@CODECS.parser("ASSOC_ID")
def _parse_assoc_id(p, t, data, path):
    v = p.parse(p.reg["UINT32"], data, path)
    return {"id": v}


@CODECS.parser("JOB_ASSOC_ID")
def _parse_job_assoc(p, t, data, path):
    a = p.parse(p.reg["ASSOC_SHORT"], data, path)
    out = {"associd": a.get("id")}
    cur = current(p)
    for k, m in (("account", "acct"), ("cluster", "cluster"), ("partition", "partition"),
                 ("user", "user")):
        if a.get(m) and not cur.get(k):
            out[k] = a[m]
    return out


@CODECS.dumper("SLURMDB_PURGE")
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
    return sub(d, "SLURMDB_PURGE_UNITS", st)


@CODECS.dumper("JOB_CONDITION_SUBMIT_TIME")
def _dump_jc_submit_time(d, t, cond):
    return sub(d, "TIMESTAMP_NO_VAL", member(cond, "usage_start", NO_VAL64) or NO_VAL64)


@CODECS.dumper("WCKEY_TAG")
def _dump_wckey_tag(d, t, value):
    s = value or ""
    flags = 0
    if s.startswith("*"):
        flags = VALUES["WCKEY_TAG_FLAGS_ASSIGNED_DEFAULT"]
        s = s[1:]
    return sub(d, "WCKEY_TAG_STRUCT", {"wckey": s, "flags": flags})
