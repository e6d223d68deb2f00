"""Job and step ids: SLUIDs, step ids and names, ``job_id[_task][+het][.step]`` strings."""

from __future__ import annotations

from slurmrestd.data_parser.codecs.base import CodecSet, folded, sub
from slurmrestd.data_parser.members import member
from slurmrestd.data_parser.plain import compact, to_int
from slurmrestd.errors import E
from slurmrestd.slurm import jobid
from slurmrestd.slurm.defs import (SLURM_BATCH_SCRIPT, SLURM_EXTERN_CONT, SLURM_INTERACTIVE_STEP, SLURM_MAX_NORMAL_STEP_ID,
                                   SLURM_PENDING_STEP)
from slurmrestd.slurm.sentinels import NO_VAL
from slurmrestd.slurm.sluid import print_sluid, str2sluid

CODECS = CodecSet()


@CODECS.dumper("SLUID")
def _dump_sluid(d, t, value):
    if not value:
        return None if d.ctx.complex_mode else ""
    return print_sluid(int(value))


@CODECS.parser("SLUID")
def _parse_sluid(p, t, data, path):
    if data is None or data is False:
        return 0
    if data is True:
        p.error(E.ESLURM_INVALID_SLUID, path, "Unable to parse true as SLUID")
    if isinstance(data, (int, float)):
        if not data:
            return 0
        p.error(E.ESLURM_INVALID_SLUID, path, f"Unable to parse {data} as SLUID")
    if isinstance(data, str):
        if not data:
            return 0  # what an unset SLUID dumps as (the C parser refuses it)
        v = str2sluid(data)
        if not v:
            p.error(E.ESLURM_INVALID_SLUID, path, f'Unable to convert string "{data}" to SLUID')
        return v
    p.error(E.ESLURM_DATA_CONV_FAILED, path, f"Unable to convert {compact(data)} to string to parse SLUID")


@CODECS.dumper("STEP_ID")
@folded(None, NO_VAL, SLURM_BATCH_SCRIPT, SLURM_EXTERN_CONT, SLURM_INTERACTIVE_STEP, SLURM_PENDING_STEP)
def _dump_step_id(d, t, value):
    value = NO_VAL if value is None else int(value)
    if value > SLURM_MAX_NORMAL_STEP_ID:
        names = sub(d, "STEP_NAMES", value)
        if len(names) != 1:
            d.ctx.error(E.ESLURM_DATA_CONV_FAILED, "", f"Unable to dump step id {value}")
            return ""
        return names[0]
    return str(value)


@CODECS.parser("STEP_ID")
def _parse_step_id(p, t, data, path):
    n = to_int(data) if not isinstance(data, (str, bool)) else None
    if isinstance(data, str) and data.strip().lstrip("-").isdigit():
        n = int(data)
    if n is not None:
        if n > SLURM_MAX_NORMAL_STEP_ID:
            p.error(E.ESLURM_INVALID_STEP_ID_TOO_LARGE, path, f"Step id {n} too large")
        if n < 0:
            p.error(E.ESLURM_INVALID_STEP_ID_NEGATIVE, path, f"Step id {n} negative")
        return n
    if isinstance(data, (list, dict)) or data is None:
        p.error(E.ESLURM_DATA_CONV_FAILED, path, f"Expected step id but got {compact(data)}")
    return p.parse(p.reg["STEP_NAMES"], str(data) if not isinstance(data, bool) else
                   ("true" if data else "false"), path)


def fmt_job_id_string(step) -> str:
    """``fmt_job_id_string()`` (``slurm.jobid``) over a ``slurm_selected_step_t``
    (``step_id`` sub-dict or flat ``step_id.*`` keys, ``array_task_id``,
    ``het_job_offset``); raises ``jobid.JobIdError`` (a ValueError holding the errno)."""
    sel = {"step_id": {k: member(step, "step_id." + k, d) for k, d in
                       (("sluid", 0), ("job_id", NO_VAL), ("step_id", NO_VAL), ("step_het_comp", NO_VAL))},
           "array_task_id": member(step, "array_task_id", NO_VAL),
           "het_job_offset": member(step, "het_job_offset", NO_VAL),
           "array_bitmap": step.get("array_bitmap") if isinstance(step, dict) else None}
    return jobid.fmt_job_id_string(sel)


def unfmt_job_id_string(s: str) -> dict:
    """``unfmt_job_id_string()`` (``slurm.jobid``); ``array_bitmap`` (sorted task
    indexes) only for ``"_[...]"``.  Raises ``jobid.JobIdError`` (a ValueError holding the errno)."""
    out = jobid.unfmt_job_id_string(s)
    if out["array_bitmap"] is None:
        del out["array_bitmap"]
    return out


@CODECS.dumper("SELECTED_STEP")
def _dump_selected_step(d, t, value):
    if not value:
        return ""
    try:
        return fmt_job_id_string(value)
    except ValueError as exc:
        d.ctx.error(int(exc.args[0]), "", "Unable to format job id")
        return ""


@CODECS.parser("SELECTED_STEP")
def _parse_selected_step(p, t, data, path):
    if isinstance(data, (list, dict)) or data is None:
        p.error(E.ESLURM_DATA_CONV_FAILED, path, f"Expecting string but got {compact(data)}")
    try:
        return unfmt_job_id_string(str(data))
    except ValueError as exc:
        p.error(int(exc.args[0]), path, f"Invalid job id: {data}")


@CODECS.dumper("SLURM_STEP_ID_STRING")
def _dump_step_id_string(d, t, value):
    return _dump_selected_step(d, t, {"step_id": value or {}, "array_task_id": NO_VAL,
                                      "het_job_offset": NO_VAL})


@CODECS.parser("SLURM_STEP_ID_STRING")
def _parse_step_id_string(p, t, data, path):
    if isinstance(data, str):
        step = _parse_selected_step(p, t, data, path)
        if step["array_task_id"] != NO_VAL or step["het_job_offset"] != NO_VAL:
            p.error(E.ESLURM_DATA_CONV_FAILED, path, f"Step id can not hold {data}")
        return step["step_id"]
    return p.parse(p.reg["SLURM_STEP_ID"], data, path)
