"""Jobs: list, show, update, signal and cancel jobs, and job states (the
reference's ``jobs.c``), with the resource layout of each job shown.

Every handler talks to the controller as the caller (``ctx.ctld``), so a job
is always seen, changed and signalled as the caller.  Error texts, sources and
the order in which problems are reported follow the reference handlers; where
the reference answers 500 for a malformed request we answer 422 (input parsing
always ends with the 9000 "Rejecting request" error, which ``status_for``
turns into 422).  Submitting and allocating (``job_submit``), requeueing
(``job_requeue``) and resource layouts (``resources``) have modules of their own.
"""

from __future__ import annotations

import signal as _signal
import time

from slurmrestd.data_parser import dump_planned
from slurmrestd.data_parser.registry import DEFAULT_VERSION
from slurmrestd.errors import E, SlurmError, strerror
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.failures import errno_of
from slurmrestd.operations.slurmctld import job_list
from slurmrestd.operations.slurmctld.job_list import job_info_resp as _job_info_resp  # noqa: F401 (tests)
from slurmrestd.operations.slurmctld.job_ids import array_resp, check_job_id, job_param, job_text, selected
from slurmrestd.rpc import frames
from slurmrestd.serializers import JsonText
from slurmrestd.rpc.ctld import jobs as rpc
from slurmrestd.slurm import defs
from slurmrestd.slurm.sentinels import NO_VAL


def _time_str(t: int) -> str:
    """``slurm_make_time_str`` with the default (ISO 8601, local time) format."""
    try:
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t))
    except (OverflowError, OSError, ValueError):
        return "Unknown"


def _strsignal(sig: int) -> str:
    try:
        return _signal.strsignal(sig) or "Unknown signal %d" % sig
    except ValueError:
        return "Unknown signal %d" % sig


def get_jobs(ctx: OperationContext):
    src = "op_handler_jobs"
    query = ctx.parse(ctx.operation.query_type, ctx.input,
                      description="Rejecting request. Failure parsing query.", source=src)
    update_time = query.get("update_time") or 0
    show_flags = query.get("show_flags") or (defs.SHOW_ALL | defs.SHOW_DETAIL)
    client = ctx.ctld
    version = ctx.version or DEFAULT_VERSION
    ident = ctx.identity
    key = (ident.plugin, ident.user_name, ident.token, ident.uid, version, show_flags) \
        if not update_time else None
    cache = ctx.site.job_list_cache
    cached = cache.get(key) if key else None
    reply = None
    try:
        # a cached list for this caller is reused when the controller (asked with
        # this caller's credential) says nothing changed since it was made
        reply = rpc.load_jobs_reply(client, cached[0] if cached else update_time, show_flags)
    except SlurmError as e:
        if e.errno == E.SLURM_NO_CHANGE_IN_DATA and cached:
            _, doc, warnings = cached
            ctx.warnings.extend(warnings)
            return dict(doc)
        if e.errno == E.SLURM_NO_CHANGE_IN_DATA:
            ctx.warn("No job changes since update_time[%d]=%s" % (update_time, _time_str(update_time)), src)
        else:
            ctx.error(errno_of(e), "Unable to query jobs", "slurm_load_jobs()")
    nerr, nwarn = len(ctx.errors), len(ctx.warnings)
    if reply is None:
        return dump_planned(job_list.RESP_TYPE, job_list.job_info_resp(None), ctx.diag, version)
    try:
        remote, out = _dump(ctx, reply, version)
    except SlurmError as e:  # a malformed reply
        ctx.error(errno_of(e), "Unable to query jobs", "slurm_load_jobs()")
        return dump_planned(job_list.RESP_TYPE, job_list.job_info_resp(None), ctx.diag, version)
    if remote:
        doc, jobs, errors, warnings, njobs, last_update = out
        doc["jobs"] = JsonText(jobs)
        ctx.errors.extend(errors)
        ctx.warnings.extend(warnings)
    else:
        doc, msg = out
        njobs, last_update = msg["record_count"], msg["last_update"]
    if key and last_update and len(ctx.errors) == nerr:
        # weighed by its jobs (Limits.job_list_cache_jobs): a list longer than the budget is not kept
        cache.put(key, (last_update, doc, list(ctx.warnings[nwarn:])), 1 + njobs)
    return doc


def _dump(ctx: OperationContext, reply, version: str):
    """(in a dump process?, the list dumped): a long list goes through the daemon's dump
    processes (``Site.offload``), which do it in another interpreter when one is idle or
    else here, one list at a time; a short list, or one asked for on the loop thread (which
    must not wait), is done here at once."""
    offload = getattr(ctx.site, "offload", None)
    body = reply.body

    def here():
        return job_list.dump(body, reply.version, ctx.diag, version)

    if offload is None or body.remaining < offload.min_bytes or frames.in_fiber():
        return False, here()
    lim = ctx.site.settings.limits
    args = (bytes(body.view[body.offset:body.end]), reply.version, version, ctx.diag.select_type_param,
            (lim.name_cache_entries, lim.name_cache_ttl_s))
    return offload.run(job_list.dump_serialized, args, here)


def delete_jobs(ctx: OperationContext):
    """``_signal_jobs``: signal every job matching the filters in the body."""
    try:
        req = ctx.parse("KILL_JOBS_MSG", ctx.input, description="Rejecting request. Failure parsing request.",
                        source="op_handler_jobs")
    except SlurmError as e:
        ctx.record(e)  # the reference still answers with an empty response
        return ctx.dump(ctx.operation.response_type, {"response": None})
    resp = None
    rc = 0
    if req.get("user_name") and req.get("user_id", defs.SLURM_AUTH_NOBODY) == defs.SLURM_AUTH_NOBODY:
        import pwd
        try:
            req["user_id"] = pwd.getpwnam(req["user_name"]).pw_uid
        except KeyError:
            rc = E.ESLURM_USER_ID_MISSING if hasattr(E, "ESLURM_USER_ID_MISSING") else E.SLURM_ERROR
            ctx.error(rc, "Unable to resolve %s to numeric user id" % req["user_name"], "uid_from_string()")
    if not rc:
        filters = {k: req[k] for k in ("account", "flags", "job_name", "jobs_array", "partition", "qos",
                                       "reservation", "signal", "state", "user_id", "user_name", "wckey",
                                       "nodelist") if k in req}
        client = ctx.ctld
        try:
            resp = rpc.kill_jobs(client, filters)
        except SlurmError as e:
            ctx.error(errno_of(e), "Signal request failed", "slurm_kill_jobs()")
    return ctx.dump(ctx.operation.response_type, {"response": resp})


# -- GET jobs/state -----------------------------------------------------------------------------

def get_job_states(ctx: OperationContext):
    query = ctx.parse(ctx.operation.query_type, ctx.input,
                      description="Rejecting request. Failure parsing query", source="op_handler_job_states")
    ids = query.get("job_id_list") or []
    client = ctx.ctld
    resp = None
    try:
        resp = rpc.job_states(client, [selected(s) for s in ids])
    except SlurmError as e:
        ctx.error(errno_of(e), "Unable to query job states", "slurm_load_job_state()")
    if resp:
        resp = {**resp, "jobs": _expand_array_states(resp["jobs"])}
    return ctx.dump("OPENAPI_JOB_STATE_RESP", {"jobs": resp})


def _expand_array_states(jobs: list) -> list:
    """One entry per array task, as the reference's dumper expands them (so
    clients never have to parse ``10_[22-91919]``)."""
    out = []
    for j in jobs:
        bm = j.get("array_task_id_bitmap")
        if bm is None or not bm.bits:
            out.append(j)
            continue
        for task in bm.indexes():
            out.append({"job_id": j["job_id"], "array_job_id": j["array_job_id"], "array_task_id": task,
                        "array_task_id_bitmap": None, "het_job_id": 0, "state": j["state"]})
    return out


# -- /job/{job_id}: one handler per method ------------------------------------------------------

def _the_job(ctx: OperationContext) -> dict:
    """The job of the path, checked as ``op_handler_job`` does for every method."""
    src = "op_handler_job"
    sel = job_param(ctx, src)
    check_job_id(sel, src)
    return sel


def get_job(ctx: OperationContext):
    sel = _the_job(ctx)
    src = "_handle_job_get"
    query = ctx.parse("OPENAPI_JOB_INFO_QUERY", ctx.input, description="Rejecting request. Failure parsing query.",
                      source=src)
    if sel["array_task_id"] != NO_VAL:
        ctx.warn("Job array Ids are not currently supported for job searches. "
                 "Showing all jobs in array instead.", src)
    if sel["step_id"]["step_id"] != NO_VAL:
        ctx.warn("Job steps are not supported for job searches. Showing whole job instead.", src)
    show_flags = query.get("show_flags") or (defs.SHOW_ALL | defs.SHOW_DETAIL)
    client = ctx.ctld
    msg = None
    try:
        msg = rpc.load_job(client, {"step_id": {"job_id": sel["step_id"]["job_id"],
                                                "sluid": sel["step_id"].get("sluid", 0)},
                                    "het_job_offset": sel["het_job_offset"]}, show_flags)
    except SlurmError as e:
        ctx.error(errno_of(e), "Unable to query JobId=%s" % job_text(sel), src)
    if msg:
        ctx.diag.learn_user_names(msg["job_array"])
    return dump_planned("OPENAPI_JOB_INFO_RESP", _job_info_resp(msg), ctx.diag, ctx.version or DEFAULT_VERSION)


def delete_job(ctx: OperationContext):
    sel = _the_job(ctx)
    try:
        query = ctx.parse("OPENAPI_JOB_INFO_DELETE_QUERY", ctx.input,
                          description="Rejecting request. Failure parsing query.", source="_handle_job_delete")
    except SlurmError as e:
        ctx.record(e)  # the reference still answers with an empty response
        return ctx.dump("OPENAPI_KILL_JOB_RESP", {"response": None})
    flags = query.get("flags") or defs.KILL_FULL_JOB
    sig = query.get("signal") or int(_signal.SIGKILL)
    client = ctx.ctld
    resp = None
    try:
        resp = rpc.kill_jobs(client, {"jobs_array": [rpc.format_job_id(sel)], "flags": flags, "signal": sig})
        if flags & defs.KILL_JOBS_VERBOSE and not resp["jobs_cnt"]:
            ctx.warn("Zero jobs sent signal %s" % _strsignal(sig), "_signal_job")
    except SlurmError as e:
        if e.errno == E.ESLURM_ALREADY_DONE:
            ctx.warn("Job was already sent signal %s" % _strsignal(sig), "_signal_job")
        else:
            ctx.error(errno_of(e), "Signal request failed", "slurm_kill_jobs()")
    return ctx.dump("OPENAPI_KILL_JOB_RESP", {"response": resp})


def update_job(ctx: OperationContext):
    """Every outcome past the job id check, failures included, answers with ``results`` (as the reference)."""
    sel = _the_job(ctx)
    try:
        resp = _job_update_rpc(ctx, sel)
    except SlurmError as e:
        ctx.record(e)
        resp = None
    return ctx.dump("OPENAPI_JOB_POST_RESPONSE", {"results": resp})


def _job_update_rpc(ctx: OperationContext, sel: dict):
    src = "_job_post_update"
    if ctx.query is None:
        raise SlurmError(E.ESLURM_REST_INVALID_QUERY, "Rejecting request. Failure parsing job update request.", src)
    desc = ctx.parse("JOB_DESC_MSG", ctx.query, description="Rejecting request. Failure parsing job update request.",
                     source=src)
    if sel["array_task_id"] != NO_VAL:
        raise SlurmError(E.ESLURM_REST_INVALID_QUERY, "Rejecting request. Submit job update against Array "
                         "Job's JobID instead of array task id.", src)
    if sel["step_id"]["step_id"] != NO_VAL or sel["step_id"]["step_het_comp"] != NO_VAL:
        ctx.warn("Job step information ignored. Job update requests apply to whole job and can not be "
                 "targeted to specific steps.", src)
    for key in ("clusters", "cluster_features"):
        if desc.get(key) == "":
            # no cluster named is no federation request (slurmctld answers an empty one with
            # SLURM_ERROR, a 500)
            desc[key] = None
    step_id = dict(desc.get("step_id") or {})
    step_id["job_id"] = sel["step_id"]["job_id"]
    desc["step_id"] = step_id
    if sel["het_job_offset"] != NO_VAL:
        # the controller addresses a het component by "<leader>+<offset>"
        desc["job_id_str"] = "%u+%u" % (step_id["job_id"], sel["het_job_offset"])
        desc["step_id"] = {**step_id, "job_id": NO_VAL}
    client = ctx.ctld
    resp = None
    try:
        resp = array_resp(rpc.update_job(client, desc))
    except SlurmError as e:
        ctx.error(errno_of(e), "Job update requested failed", "slurm_update_job2()")
    if resp:
        for i, code in enumerate(resp["error_code"]):
            if code:
                ctx.warn("Job update resulted in non-zero return-code[%d]: %s" % (code, strerror(code)),
                         "slurm_update_job2()")
    return resp


HANDLERS = {
    ("/slurm/{data_parser}/jobs/", "get"): get_jobs,
    ("/slurm/{data_parser}/jobs/", "delete"): delete_jobs,
    ("/slurm/{data_parser}/jobs/state/", "get"): get_job_states,
    ("/slurm/{data_parser}/job/{job_id}", "get"): get_job,
    ("/slurm/{data_parser}/job/{job_id}", "post"): update_job,
    ("/slurm/{data_parser}/job/{job_id}", "delete"): delete_job,
}
