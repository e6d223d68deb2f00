"""``DBD_MODIFY_JOB`` out: ``slurmdb_job_cond_t`` + a whole ``slurmdb_job_rec_t``.

libslurmdb's ``slurmdb_job_modify`` sends the full job record even though
slurmdbd reads only the few members a modify may change (comments, extra,
derived exit code, wckey: ``as_mysql_modify_job``).  The record is a dict keyed
by the C member names, as the data parser's ``JOB_MODIFY`` table fills it;
every other member is what ``slurmdb_create_job_rec()`` leaves (:data:`NEW_JOB`:
array_task_id, derived_ec and resvid NO_VAL, requid -1, no steps).  The three
protocol layouts are the decoder's (``jobs._JOB_HEAD``/``_JOB_TAIL``) written
the other way.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from slurmrestd.rpc.dbd import jobs
from slurmrestd.rpc.pack import NO_VAL, Packer

#: ``slurmdb_create_job_rec()``: the values that are not 0/NULL
_CREATE_JOB_REC = {"array_task_id": NO_VAL, "derived_ec": NO_VAL, "state": 0, "requid": 0xFFFFFFFF,
                   "resvid": NO_VAL}


def _new_job() -> dict:
    d = {**jobs._JOB_HEAD.zeros(), **jobs._JOB_TAIL.zeros()}
    d.update(_CREATE_JOB_REC)
    return d


#: A job record as ``slurmdb_create_job_rec()`` makes it.
NEW_JOB: Mapping[str, Any] = _new_job()


def job_rec(parsed: Mapping[str, Any] | None = None) -> dict:
    """A complete record: :data:`NEW_JOB` overlaid with ``parsed``'s members."""
    d = dict(NEW_JOB)
    if parsed:
        d.update({k: v for k, v in parsed.items() if k in d})
    return d


def pack_job_rec(p: Packer, rec: Mapping[str, Any], version: int) -> None:
    """``slurmdb_pack_job_rec`` of a record without steps (a modify never has any)."""
    jobs.check_version(version)
    d = job_rec(rec)
    for k in ("derived_ec", "exitcode", "requid"):  # int32/uid_t members travel as u32 casts
        d[k] = int(d[k]) & 0xFFFFFFFF
    jobs._JOB_HEAD.encode(p, d, version)
    p.u32(0)
    jobs._JOB_TAIL.encode(p, d, version)


def modify_cond(steps: Iterable[Mapping[str, Any]]) -> dict:
    """The cond of a REST job modify: the selected job ids, ``db_flags`` NOTSET and
    ``JOBCOND_FLAG_NO_DEFAULT_USAGE`` (jobs.c ``_job_post_update``); the rest zeroed."""
    cond = {name: (None if kind in ("strs", "steps", "str") else 0) for name, kind in jobs._COND}
    cond["step_list"] = list(steps)
    cond["db_flags"] = jobs.SLURMDB_JOB_FLAG_NOTSET
    cond["flags"] = jobs.JOBCOND_FLAG_NO_DEFAULT_USAGE
    return cond


def pack_modify_job(p: Packer, msg: tuple[Mapping[str, Any], Mapping[str, Any]], version: int) -> None:
    """The ``DBD_MODIFY_JOB`` body: ``(cond, rec)``."""
    cond, rec = msg
    jobs.pack_job_cond(p, cond, version)
    pack_job_rec(p, rec, version)


__all__ = ["NEW_JOB", "job_rec", "pack_job_rec", "modify_cond", "pack_modify_job"]
