"""Submitting jobs: batch jobs and HetJobs (``job/submit``) and interactive
allocations (``job/allocate``), as the caller (``ctx.ctld``).

Submissions are never sent twice: the controller client is pinned to the
protocol version it already knows before a submit or allocate request goes
out, so a lost reply is reported as such instead of being retried.  Error
texts, sources and their order follow the reference's ``jobs.c``.
"""

from __future__ import annotations

from typing import Any, Callable

from slurmrestd.errors import E, SlurmError, strerror
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.failures import errno_of
from slurmrestd.rpc.ctld import jobs as rpc
from slurmrestd.slurm.defs import EXTERNAL_JOB, MAX_HET_JOB_COMPONENTS

#: ``job_allocate()`` results the reference reports as warnings, not failures.
NONFATAL = frozenset(int(getattr(E, n)) for n in (
    "ESLURM_NODES_BUSY", "ESLURM_RESERVATION_BUSY", "ESLURM_JOB_HELD", "ESLURM_NODE_NOT_AVAIL",
    "ESLURM_QOS_THRES", "ESLURM_ACCOUNTING_POLICY", "ESLURM_RESERVATION_NOT_USABLE",
    "ESLURM_REQUESTED_PART_CONFIG_UNAVAILABLE", "ESLURM_BURST_BUFFER_WAIT", "ESLURM_PARTITION_DOWN",
    "ESLURM_LICENSES_UNAVAILABLE", "ESLURM_PORTS_BUSY") if hasattr(E, n))


#: Errors after which a submission may or may not have reached the controller.
_OUTCOME_UNKNOWN = frozenset(int(x) for x in (
    E.SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT, E.SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR,
    E.SLURM_COMMUNICATIONS_RECEIVE_ERROR, E.SLURMCTLD_COMMUNICATIONS_SHUTDOWN_ERROR))


def _submit_client(ctx: OperationContext):
    """The request's client, made not to resend a request it already sent (see module doc)."""
    client = ctx.ctld
    try:
        client.version = client.protocol_version()
    except SlurmError:
        pass  # the submit call reports the connection problem itself
    return client


def _send_once(ctx: OperationContext, send: Callable[[Any], Any], failed: str | Callable[[SlurmError], str],
               func: str, what: str) -> Any:
    """Send one submission or allocation with a pinned client; on failure record
    ``failed`` (a text, or one made from the error) from ``func``, say when the
    outcome is unknown, and return None."""
    client = _submit_client(ctx)
    try:
        return send(client)
    except SlurmError as e:
        ctx.error(errno_of(e), failed(e) if callable(failed) else failed, func)
        if e.errno in _OUTCOME_UNKNOWN:
            ctx.warn("The controller's reply to the %s was lost after the request was sent: the job may "
                     "exist. It was not submitted again; check the job list before retrying." % what,
                     "slurmctld")
        return None


def _request(ctx: OperationContext, type_name: str, src: str) -> dict:
    """The request body as ``type_name``; a request without one is refused as the reference does."""
    if ctx.query is None:
        raise SlurmError(E.ESLURM_REST_INVALID_QUERY, "unexpected empty query for job", src)
    return ctx.parse(type_name, ctx.query, description="Rejecting request. Failure parsing request.", source=src)


# -- POST job/submit ----------------------------------------------------------------------------

def submit(ctx: OperationContext):
    src = "_job_post"
    req = _request(ctx, "JOB_SUBMIT_REQ", src)
    job, jobs, script = req.get("job"), req.get("jobs"), req.get("script")
    if not jobs and not script and (not job or (not job.get("script")
                                                and not job.get("bitflags", 0) & EXTERNAL_JOB)):
        raise SlurmError(E.ESLURM_REST_INVALID_QUERY, 'Populated "script" field is required for job submission',
                         src)
    if job and jobs:
        raise SlurmError(E.ESLURM_REST_INVALID_QUERY, 'Specify only one "job" or "jobs" fields but never both',
                         src)
    if not job and not jobs:
        raise SlurmError(E.ESLURM_REST_INVALID_QUERY,
                         'Specifying either "job" or "jobs" fields are required to submit job', src)
    if job:
        return _submit_one(ctx, job, script)
    return _submit_het(ctx, jobs, script)


def _submit_reply(ctx: OperationContext, resp: dict | None, what: str, src: str):
    if resp is None:
        return None
    rc = resp.get("error_code") or 0
    if rc:
        ctx.warn("%s resulted in non-zero return code: %s" % (what, strerror(rc)), src)
    out = ctx.dump("OPENAPI_JOB_SUBMIT_RESPONSE", {"resp": resp})
    if rc:
        if rc in NONFATAL:
            ctx.warn(strerror(rc), "slurm_submit_batch_job()")
        else:
            ctx.error(rc, "", src)
    return out


def _submit_one(ctx: OperationContext, job: dict, script: str | None):
    if script:
        job["script"] = script
    if not job.get("script") and not job.get("bitflags", 0) & EXTERNAL_JOB:
        raise SlurmError(E.ESLURM_JOB_SCRIPT_MISSING, "Batch job script empty or missing", "script")
    func = "slurm_submit_batch_job()"
    resp = _send_once(ctx, lambda client: rpc.submit_batch(client, job), "Batch job submission failed", func,
                      "job submission")
    return _submit_reply(ctx, resp, "Job submission", func)


def _submit_het(ctx: OperationContext, jobs: list, script: str | None):
    src = "_job_post_het_submit"
    if not jobs:
        raise SlurmError(E.ESLURM_REST_INVALID_QUERY, "Refusing HetJob submission without any components", src)
    _check_het_size(jobs, src)
    if script:
        jobs[0]["script"] = script
    first = jobs[0]
    if not first.get("script") and not first.get("bitflags", 0) & EXTERNAL_JOB:
        raise SlurmError(E.ESLURM_JOB_SCRIPT_MISSING, "Refusing HetJob submission without batch script or "
                         "empty batch script for first component", src)
    func = "slurm_submit_batch_het_job()"
    resp = _send_once(ctx, lambda client: rpc.submit_het(client, jobs), "HetJob submission failed", func,
                      "HetJob submission")
    return _submit_reply(ctx, resp, "HetJob submission", func)


def _check_het_size(components: list, src: str) -> None:
    if len(components) > MAX_HET_JOB_COMPONENTS:
        raise SlurmError(E.ESLURM_REST_INVALID_QUERY, "Refusing HetJob submission too many components: %d > %u"
                         % (len(components), MAX_HET_JOB_COMPONENTS), src)


# -- POST job/allocate --------------------------------------------------------------------------

def allocate(ctx: OperationContext):
    src = "op_handler_alloc_job"
    req = _request(ctx, "JOB_ALLOC_REQ", src)
    job, het = req.get("job"), req.get("hetjob")
    if job and het:
        raise SlurmError(E.ESLURM_REST_INVALID_QUERY,
                         'Specify only one "job" or "hetjob" fields but never both', src)
    if not job and not het:
        raise SlurmError(E.ESLURM_REST_INVALID_QUERY,
                         'Specifying either "job" or "hetjob" fields are required to allocate job', src)
    wait = ctx.site.settings.limits.allocation_wait_s
    how = {"callback": wait > 0, "timeout": wait or None}

    def failed(exc: SlurmError) -> str:
        if exc.errno == 110:
            return ("Job allocation request failed: not granted within %g seconds; the pending job was "
                    "released (SLURMRESTD_ALLOCATION_WAIT)" % wait)
        return "Job allocation request failed"

    if job:
        resps = _send_once(ctx, lambda client: [rpc.allocate(client, job, **how)], failed,
                           "slurm_allocate_resources_blocking()", "allocation request")
    else:
        _check_het_size(het, "_job_post_het_allocate")
        resps = _send_once(ctx, lambda client: rpc.allocate_het(client, het, **how), failed,
                           "slurm_allocate_het_job_blocking()", "allocation request")
    if resps is None:
        return None
    out = {"job_id": 0, "job_submit_user_msg": None}
    for r in resps:
        out["job_id"] = r["job_id"]
        if not out["job_submit_user_msg"]:
            out["job_submit_user_msg"] = r.get("job_submit_user_msg")
        rc = r.get("error_code") or 0
        if rc:
            if rc in NONFATAL:
                ctx.warn(strerror(rc), "slurm_submit_batch_job()")
            else:
                ctx.error(rc, "", "slurm_allocate_resources_blocking()")
    return ctx.dump("OPENAPI_JOB_ALLOC_RESP", out)


HANDLERS = {
    ("/slurm/{data_parser}/job/submit", "post"): submit,
    ("/slurm/{data_parser}/job/allocate", "post"): allocate,
}
