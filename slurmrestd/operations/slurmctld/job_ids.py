"""The jobs a request names: the ``{job_id}`` path parameter and its checks,
selected steps from the data parser, and job id expressions written back.

Shared by the job handler modules (jobs, job_requeue, resources).
"""

from __future__ import annotations

import re

from slurmrestd.errors import E, SlurmError
from slurmrestd.operations.context import OperationContext
from slurmrestd.rpc.ctld import jobs as rpc
from slurmrestd.slurm.defs import MAX_JOB_ID
from slurmrestd.slurm.sentinels import NO_VAL


def job_param(ctx: OperationContext, source: str) -> dict:
    """The ``{job_id}`` path parameter as a ``slurm_selected_step_t`` dict
    ("123", "123_4", "123_[1-3]", "123+1", "123.batch")."""
    text = ctx.params.get("job_id", "")
    try:
        return rpc.parse_job_id(str(text))
    except SlurmError:
        raise SlurmError(E.ESLURM_REST_INVALID_QUERY, "Rejecting request. Failure parsing parameters",
                         source) from None


def check_job_id(sel: dict, source: str) -> None:
    jid = sel["step_id"]["job_id"]
    if sel["step_id"].get("sluid"):
        return  # a SLUID names the job on its own
    if jid == NO_VAL or jid <= 0 or jid >= MAX_JOB_ID:
        raise SlurmError(E.ESLURM_INVALID_JOB_ID, "Invalid JobID=%u rejected" % jid, source)


def job_text(sel: dict) -> str:
    """The selected job as text for messages (its job id alone when it cannot be written)."""
    try:
        return rpc.format_job_id(sel)
    except SlurmError:
        return str(sel.get("step_id", {}).get("job_id", ""))


def selected(s: dict) -> dict:
    """A data parser ``SELECTED_STEP`` value as the RPC layer's selected step."""
    out = rpc.selected_step_init()
    out["step_id"].update(s.get("step_id") or {})
    for k in ("array_task_id", "het_job_offset"):
        if k in s:
            out[k] = s[k]
    bm = s.get("array_bitmap")
    if bm:
        from slurmrestd.rpc.pack import Bitstr
        out["array_bitmap"] = bm if isinstance(bm, Bitstr) else Bitstr.from_indexes(max(bm) + 1, bm)
    return out


_BARE_RANGE = re.compile(r"^(\d+)_([0-9][0-9,\-:]*[,\-:][0-9,\-:]*)$")


def array_resp(resp: dict | None) -> dict | None:
    """Controllers before 25.11 name an array range "123_1-3" in per-task
    results; write it as the job id expression "123_[1-3]"."""
    if resp and resp.get("job_array_id"):
        ids = []
        for jid in resp["job_array_id"]:
            m = _BARE_RANGE.match(jid or "")
            ids.append("%s_[%s]" % m.groups() if m else jid)
        resp = {**resp, "job_array_id": ids}
    return resp
