"""``slurmdb_qos_rec_t`` out: the record of ``DBD_ADD_QOS`` (in a list) and of
``DBD_MODIFY_QOS`` (after a ``qos_cond``), as ``slurmdb_pack_qos_rec`` lays it.

One layout since 24.11 (src/common/slurmdb_pack.c).  The record is a dict keyed
by the C member names, as the data parser's ``QOS`` table fills it; members it
does not hold take the values the C parser starts from (:data:`NEW_QOS`, its
``slurmdb_init_qos_rec(qos, false, NO_VAL)`` with flags 0 and preemption off).
``preempt_bitstr`` may be a :class:`~slurmrestd.rpc.pack.Bitstr` or the list of
set bit indexes the decoder gives; ``None`` is a NULL bitmap.  ``pack_qos_rec``
with ``None`` writes C's NULL record form.
"""

from __future__ import annotations

from typing import Any, Mapping

from slurmrestd.rpc.layouts import F, Layout
from slurmrestd.rpc.pack import NO_VAL, Bitstr, Packer

#: QOS_FLAG_NOTSET (slurmdb.h): the flags of a record that leaves them alone
QOS_FLAG_NOTSET = 1 << 28
#: PREEMPT_MODE_OFF (slurm.h)
PREEMPT_MODE_OFF = 0
#: the preempt list entry that tells slurmdbd "clear the list" in a modify
#: (an empty list means "no change"); qos.c's EMPTY_QOS_ID_ENTRY
EMPTY_QOS_ID_ENTRY = "''"
#: (double) NO_VAL64, what the NULL record form carries for the two factors
_NO_VAL64_DOUBLE = float(0xFFFFFFFFFFFFFFFE)

_TRES_STRS = ("grp_tres_mins", "grp_tres_run_mins", "grp_tres")
_GRP_U32 = ("grp_jobs", "grp_jobs_accrue", "grp_submit_jobs", "grp_wall")
_MAX_TRES = ("max_tres_mins_pj", "max_tres_run_mins_pa", "max_tres_run_mins_pu", "max_tres_pa", "max_tres_pj",
             "max_tres_pn", "max_tres_pu")
_MAX_U32 = ("max_jobs_pa", "max_jobs_pu", "max_jobs_accrue_pa", "max_jobs_accrue_pu", "min_prio_thresh",
            "max_submit_jobs_pa", "max_submit_jobs_pu", "max_wall_pj")

#: ``slurmdb_pack_qos_rec`` (36 members)
QOS_REC = Layout("slurmdb_qos_rec_t", (
    F("description", "str"), F("id", "u32"), F("flags", "u32"), F("grace_time", "u32"),
    *(F(n, "str") for n in _TRES_STRS), *(F(n, "u32") for n in _GRP_U32),
    *(F(n, "str") for n in _MAX_TRES), *(F(n, "u32") for n in _MAX_U32),
    F("min_tres_pj", "str"), F("name", "str"), F("preempt_bitstr", "bitstr"), F("preempt_list", "str_list"),
    F("preempt_mode", "u16"), F("preempt_exempt_time", "u32"), F("priority", "u32"),
    F("usage_factor", "double"), F("usage_thres", "double"), F("limit_factor", "double"),
))


def _new_qos() -> dict:
    d: dict = {n: None for n in ("description", "name", "min_tres_pj", "preempt_bitstr", "preempt_list",
                                 *_TRES_STRS, *_MAX_TRES)}
    d.update({n: NO_VAL for n in (*_GRP_U32, *_MAX_U32, "grace_time", "preempt_exempt_time", "priority")})
    d.update(id=0, flags=0, preempt_mode=PREEMPT_MODE_OFF, usage_factor=float(NO_VAL), usage_thres=float(NO_VAL),
             limit_factor=float(NO_VAL))
    return d


#: What the C data parser's QOS ``new`` function gives before parsing.
NEW_QOS: Mapping[str, Any] = _new_qos()

#: ``slurmdb_pack_qos_rec(NULL)``: what C writes for a NULL record
NULL_QOS: Mapping[str, Any] = {
    **{n: None for n in ("description", "name", "min_tres_pj", "preempt_bitstr", *_TRES_STRS, *_MAX_TRES)},
    **{n: NO_VAL for n in (*_GRP_U32, *_MAX_U32, "grace_time")},
    "id": 0, "flags": QOS_FLAG_NOTSET, "preempt_list": None, "preempt_mode": 0, "preempt_exempt_time": 0,
    "priority": 0, "usage_factor": _NO_VAL64_DOUBLE, "usage_thres": _NO_VAL64_DOUBLE,
}
#: the NULL form stops after usage_thres (no limit_factor)
_NULL_QOS_REC = Layout("slurmdb_qos_rec_t (NULL)", QOS_REC.fields[:-1])


def qos_rec(parsed: Mapping[str, Any] | None = None) -> dict:
    """A complete record: :data:`NEW_QOS` overlaid with ``parsed``'s members."""
    d = dict(NEW_QOS)
    if parsed:
        d.update({k: v for k, v in parsed.items() if k in d})
    return d


def _bitmap(value) -> Bitstr | None:
    if value is None or isinstance(value, Bitstr):
        return value
    idx = sorted({int(i) for i in value})
    return Bitstr.from_indexes((idx[-1] + 1) if idx else 0, idx)


def pack_qos_rec(p: Packer, rec: Mapping[str, Any] | None, version: int = 0) -> None:
    """``slurmdb_pack_qos_rec``; ``None`` is the NULL record (which has no limit factor)."""
    if rec is None:
        _NULL_QOS_REC.encode(p, NULL_QOS, version)
        return
    d = qos_rec(rec)
    d["preempt_bitstr"] = _bitmap(d["preempt_bitstr"])
    if d["preempt_list"] is not None:
        d["preempt_list"] = [str(s) for s in d["preempt_list"]]
    QOS_REC.encode(p, d, version)


__all__ = ["QOS_FLAG_NOTSET", "PREEMPT_MODE_OFF", "EMPTY_QOS_ID_ENTRY", "QOS_REC", "NEW_QOS", "NULL_QOS",
           "qos_rec", "pack_qos_rec"]
