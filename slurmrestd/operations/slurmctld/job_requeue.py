"""Requeueing jobs: one job (``job/{job_id}/requeue``) or a list (``jobs/requeue``),
as the caller (``ctx.ctld``), with the reference's checks and error texts."""

from __future__ import annotations

from slurmrestd.errors import E, SlurmError
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.failures import errno_of
from slurmrestd.operations.slurmctld.job_ids import array_resp, job_param, selected
from slurmrestd.rpc.ctld import jobs as rpc
from slurmrestd.slurm import defs


def _check_flags(flags: int, src: str) -> None:
    if flags & defs.JOB_SPECIAL_EXIT and not flags & defs.JOB_REQUEUE_HOLD:
        raise SlurmError(E.ESLURM_REST_BAD_REQUEST, "SpecialExit requires Hold mode", src)


def job_requeue(ctx: OperationContext):
    src = "op_handler_job_requeue"
    sel = job_param(ctx, src)
    query = ctx.parse("OPENAPI_JOB_REQUEUE_QUERY", ctx.input, description="Rejecting request. Failure parsing query",
                      source=src)
    flags = query.get("flags") or 0
    try:
        job_str = rpc.format_job_id(sel)
    except SlurmError as e:
        raise SlurmError(e.errno, "Invalid JobID", src) from None
    _check_flags(flags, src)
    client = ctx.ctld
    resp = None
    try:
        resp = array_resp(rpc.requeue(client, job_str, flags))
    except SlurmError as e:
        ctx.error(errno_of(e), "Requeue JobID=%s failed" % job_str, src)
    return ctx.dump("OPENAPI_JOB_REQUEUE_RESP", {"response": resp})


def jobs_requeue(ctx: OperationContext):
    src = "op_handler_jobs_requeue"
    query = ctx.parse("OPENAPI_JOBS_REQUEUE_QUERY", ctx.input,
                      description="Rejecting request. Failure parsing query", source=src)
    ids = query.get("jobs") or []
    if not ids:
        raise SlurmError(E.ESLURM_INVALID_JOB_ID, "Query missing JobIds", src)
    flags = query.get("flags") or 0
    _check_flags(flags, src)
    client = ctx.ctld
    responses = []
    for s in ids:
        try:
            text = rpc.format_job_id(selected(s))
        except SlurmError as e:
            ctx.error(e.errno, "Invalid JobID", src)
            break
        try:
            resp = array_resp(rpc.requeue(client, text, flags))
        except SlurmError as e:
            ctx.error(errno_of(e), "Requeue JobId=%s failed" % text, src)
            continue
        if resp:
            responses.append(resp)
    return ctx.dump("OPENAPI_JOBS_REQUEUE_RESP", {"response": responses})


HANDLERS = {
    ("/slurm/{data_parser}/job/{job_id}/requeue", "get"): job_requeue,
    ("/slurm/{data_parser}/jobs/requeue", "post"): jobs_requeue,
}
