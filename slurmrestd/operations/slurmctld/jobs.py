"""Jobs: list, show, submit, allocate, update, signal, cancel, requeue, job
states and resource layouts (the reference's ``jobs.c`` and ``resources.c``).

Every handler talks to the controller with a client built for this request
(``ctx.site.ctld(ctx.identity)``), so a job is always submitted, seen,
changed and signalled as the caller.  Error texts, sources and the order in
which problems are reported follow the reference handlers; where the
reference answers 500 for a malformed request we answer 422 (the parse
helpers below always end with the 9000 "Rejecting request" error, which
``status_for`` turns into 422).

Submissions are never sent twice: the controller client is pinned to the
protocol version it already knows before a submit or allocate request goes
out, so a lost reply is reported as such instead of being retried.
"""

from __future__ import annotations

import signal as _signal
import time
from typing import Any

from slurmrestd import data_parser
from slurmrestd.data_parser.registry import DEFAULT_VERSION
from slurmrestd.errors import E, SlurmError, strerror
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmctld import jobs_dump
from slurmrestd.rpc import jobs as rpc
from slurmrestd.slurm import defs
from slurmrestd.slurm.defs import EXTERNAL_JOB, MAX_HET_JOB_COMPONENTS, MAX_JOB_ID
from slurmrestd.slurm.sentinels import NO_VAL

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


# -- helpers ------------------------------------------------------------------------------------

def _parse(ctx: OperationContext, type_name: str, data: Any, description: str, source: str) -> Any:
    """Parse input; on any problem end the request with the reference's 9000 error."""
    before = len(ctx.errors)
    value = data_parser.parse(type_name, data, ctx.diag, version=ctx.version)
    if len(ctx.errors) > before:
        raise ctx.fail(E.ESLURM_REST_INVALID_QUERY, description, source)
    return value


def _query(ctx: OperationContext) -> Any:
    return ctx.query if ctx.query is not None else {}


def _job_param(ctx: OperationContext, source: str) -> dict:
    """The ``{job_id}`` path parameter as a ``slurm_selected_step_t`` dict
    ("123", "123_4", "123_[1-3]", "123+1", "123.batch")."""
    text = ctx.params.get("job_id", "")
    try:
        return rpc.parse_job_id(str(text))
    except SlurmError:
        raise ctx.fail(E.ESLURM_REST_INVALID_QUERY, "Rejecting request. Failure parsing parameters",
                       source) from None


def _check_job_id(ctx: OperationContext, sel: dict, source: str) -> None:
    jid = sel["step_id"]["job_id"]
    if sel["step_id"].get("sluid"):
        return  # a SLUID names the job on its own
    if jid == NO_VAL or jid <= 0 or jid >= MAX_JOB_ID:
        raise ctx.fail(E.ESLURM_INVALID_JOB_ID, "Invalid JobID=%u rejected" % jid, source)


def _fmt(sel: dict) -> str:
    try:
        return rpc.format_job_id(sel)
    except SlurmError:
        return str(sel.get("step_id", {}).get("job_id", ""))


def _rc(exc: SlurmError) -> int:
    """``if ((rc == SLURM_ERROR) && errno) rc = errno`` — our errors carry the errno already."""
    return exc.errno or E.SLURM_ERROR


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


def _submit_client(ctx: OperationContext):
    """A client that will not resend a request it already sent (see module doc)."""
    client = ctx.site.ctld(ctx.identity)
    try:
        client.version = client.protocol_version()
    except SlurmError:
        pass  # the submit call reports the connection problem itself
    return client


def _lost_reply(ctx: OperationContext, exc: SlurmError, what: str) -> None:
    if exc.errno in _OUTCOME_UNKNOWN:
        ctx.warn("The controller's reply to the %s was lost after the request was sent: the job may "
                 "exist. It was not submitted again; check the job list before retrying." % what,
                 "slurmctld")


#: ``JOB_RES_CORE_*`` status values (slurm/slurm.h)
_CORE_ALLOC, _CORE_IN_USE, _CORE_UNALLOC = 0x2, 0x4, 0xFFFFFFFFFFFFFFFE


def job_res_nodes(jr: dict) -> list:
    """Per node allocation of a ``job_resources_t`` as the reference's
    ``JOB_RES_NODES`` dumper lays it out: cpus, memory, and per socket/core
    the allocation status taken from ``core_bitmap``/``core_bitmap_used``."""
    cps, spn, reps = jr.get("cores_per_socket"), jr.get("sockets_per_node"), jr.get("sock_core_rep_count")
    nhosts = jr.get("nhosts") or 0
    if not cps or not nhosts or not spn or not reps:
        return []
    from slurmrestd.data_parser.codecs import hostlist_expand
    try:
        names = hostlist_expand(jr.get("nodes") or "")
    except Exception:  # noqa: BLE001 - a bad list leaves names empty, as hostlist_nth gives NULL
        names = []
    core = jr.get("core_bitmap")
    used = jr.get("core_bitmap_used")
    core_bits, size = (core.bits, core.size) if core is not None else (0, 0)
    used_bits = used.bits if used is not None else 0
    out = []
    bit = 0
    sock_inx = sock_reps = 0
    for n in range(nhosts):
        if sock_reps >= reps[sock_inx]:
            sock_inx += 1
            sock_reps = 0
        sock_reps += 1
        nsock, ncore = spn[sock_inx], cps[sock_inx]
        sockets = [{"index": 0, "cores": [{"index": 0, "status": 0} for _ in range(ncore)]}
                   for _ in range(nsock)]
        for i in range(nsock * ncore):
            if bit >= size:
                break
            s, c = divmod(i, ncore)
            sockets[s]["index"] = s
            entry = sockets[s]["cores"][c]
            entry["index"] = c
            if core_bits >> bit & 1:
                entry["status"] = _CORE_ALLOC | (_CORE_IN_USE if used_bits >> bit & 1 else 0)
            else:
                entry["status"] = _CORE_UNALLOC
            bit += 1

        def at(key, default=0):
            arr = jr.get(key) or ()
            return arr[n] if n < len(arr) else default
        out.append({"index": n, "name": names[n] if n < len(names) else None,
                    "cpus": {"count": at("cpus"), "used": at("cpus_used")},
                    "memory": {"used": at("memory_used"), "allocated": at("memory_allocated")},
                    "sockets": sockets})
    return out


def _job_info_resp(msg: dict | None) -> dict:
    if msg:
        for j in msg["job_array"]:
            jr = j.get("job_resrcs")
            if jr is not None and "allocation" not in jr:
                jr["allocation"] = job_res_nodes(jr)
    if not msg:
        return {"jobs": None, "last_backfill": 0, "last_update": 0}
    return {"jobs": msg, "last_backfill": msg["last_backfill"], "last_update": msg["last_update"]}


# -- GET/DELETE jobs ----------------------------------------------------------------------------

def get_jobs(ctx: OperationContext):
    src = "op_handler_jobs"
    query = _parse(ctx, ctx.operation.query_type, _query(ctx),
                   "Rejecting request. Failure parsing query.", src)
    update_time = query.get("update_time") or 0
    show_flags = query.get("show_flags") or (defs.SHOW_ALL | defs.SHOW_DETAIL)
    client = ctx.site.ctld(ctx.identity)
    msg = None
    version = ctx.version or DEFAULT_VERSION
    ident = ctx.identity
    key = (ident.plugin, ident.user_name, ident.token, ident.uid, version, show_flags) \
        if not update_time else None
    cache = ctx.site.job_list_cache
    cached = cache.get(key) if key else None
    try:
        # a cached list for this caller is reused when the controller (asked with
        # this caller's credential) says nothing changed since it was made
        msg = rpc.load_jobs(client, cached[0] if cached else update_time, show_flags)
    except SlurmError as e:
        if e.errno == E.SLURM_NO_CHANGE_IN_DATA and cached:
            _, doc, warnings = cached
            ctx.warnings.extend(warnings)
            return dict(doc)
        if e.errno == E.SLURM_NO_CHANGE_IN_DATA:
            ctx.warn("No job changes since update_time[%d]=%s" % (update_time, _time_str(update_time)), src)
        else:
            ctx.error(_rc(e), "Unable to query jobs", "slurm_load_jobs()")
    nerr, nwarn = len(ctx.errors), len(ctx.warnings)
    doc = jobs_dump.dump("OPENAPI_JOB_INFO_RESP", _job_info_resp(msg), ctx.diag, version)
    if key and msg and msg["last_update"] and len(ctx.errors) == nerr:
        cache.put(key, (msg["last_update"], doc, list(ctx.warnings[nwarn:])))
    return doc


def delete_jobs(ctx: OperationContext):
    """``_signal_jobs``: signal every job matching the filters in the body."""
    try:
        req = _parse(ctx, "KILL_JOBS_MSG", _query(ctx), "Rejecting request. Failure parsing request.",
                     "op_handler_jobs")
    except SlurmError:
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
        client = ctx.site.ctld(ctx.identity)
        try:
            resp = rpc.kill_jobs(client, filters)
        except SlurmError as e:
            ctx.error(_rc(e), "Signal request failed", "slurm_kill_jobs()")
    return ctx.dump(ctx.operation.response_type, {"response": resp})


# -- GET jobs/state -----------------------------------------------------------------------------

def get_job_states(ctx: OperationContext):
    query = _parse(ctx, ctx.operation.query_type, _query(ctx),
                   "Rejecting request. Failure parsing query", "op_handler_job_states")
    ids = query.get("job_id_list") or []
    client = ctx.site.ctld(ctx.identity)
    resp = None
    try:
        resp = rpc.job_states(client, [_selected(s) for s in ids])
    except SlurmError as e:
        ctx.error(_rc(e), "Unable to query job states", "slurm_load_job_state()")
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


def _selected(s: dict) -> dict:
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


# -- /job/{job_id} ------------------------------------------------------------------------------

def job(ctx: OperationContext):
    src = "op_handler_job"
    sel = _job_param(ctx, src)
    _check_job_id(ctx, sel, src)
    if ctx.method == "GET":
        return _job_get(ctx, sel)
    if ctx.method == "DELETE":
        return _job_delete(ctx, sel)
    return _job_update(ctx, sel)


def _job_get(ctx: OperationContext, sel: dict):
    src = "_handle_job_get"
    query = _parse(ctx, "OPENAPI_JOB_INFO_QUERY", _query(ctx), "Rejecting request. Failure parsing query.", src)
    if sel["array_task_id"] != NO_VAL:
        ctx.warn("Job array Ids are not currently supported for job searches. "
                 "Showing all jobs in array instead.", src)
    if sel["step_id"]["step_id"] != NO_VAL:
        ctx.warn("Job steps are not supported for job searches. Showing whole job instead.", src)
    show_flags = query.get("show_flags") or (defs.SHOW_ALL | defs.SHOW_DETAIL)
    client = ctx.site.ctld(ctx.identity)
    msg = None
    try:
        msg = rpc.load_job(client, {"step_id": {"job_id": sel["step_id"]["job_id"],
                                                "sluid": sel["step_id"].get("sluid", 0)},
                                    "het_job_offset": sel["het_job_offset"]}, show_flags)
    except SlurmError as e:
        ctx.error(_rc(e), "Unable to query JobId=%s" % _fmt(sel), src)
    return jobs_dump.dump("OPENAPI_JOB_INFO_RESP", _job_info_resp(msg), ctx.diag, ctx.version or DEFAULT_VERSION)


def _job_delete(ctx: OperationContext, sel: dict):
    try:
        query = _parse(ctx, "OPENAPI_JOB_INFO_DELETE_QUERY", _query(ctx),
                       "Rejecting request. Failure parsing query.", "_handle_job_delete")
    except SlurmError:
        return ctx.dump("OPENAPI_KILL_JOB_RESP", {"response": None})
    flags = query.get("flags") or defs.KILL_FULL_JOB
    sig = query.get("signal") or int(_signal.SIGKILL)
    client = ctx.site.ctld(ctx.identity)
    resp = None
    try:
        resp = rpc.kill_jobs(client, {"jobs_array": [rpc.format_job_id(sel)], "flags": flags, "signal": sig})
        if flags & defs.KILL_JOBS_VERBOSE and not resp["jobs_cnt"]:
            ctx.warn("Zero jobs sent signal %s" % _strsignal(sig), "_signal_job")
    except SlurmError as e:
        if e.errno == E.ESLURM_ALREADY_DONE:
            ctx.warn("Job was already sent signal %s" % _strsignal(sig), "_signal_job")
        else:
            ctx.error(_rc(e), "Signal request failed", "slurm_kill_jobs()")
    return ctx.dump("OPENAPI_KILL_JOB_RESP", {"response": resp})


def _job_update(ctx: OperationContext, sel: dict):
    """Every outcome, failures included, answers with ``results`` (as the reference)."""
    try:
        resp = _job_update_rpc(ctx, sel)
    except SlurmError:
        resp = None
    return ctx.dump("OPENAPI_JOB_POST_RESPONSE", {"results": resp})


def _job_update_rpc(ctx: OperationContext, sel: dict):
    src = "_job_post_update"
    if ctx.query is None:
        raise ctx.fail(E.ESLURM_REST_INVALID_QUERY,
                       "Rejecting request. Failure parsing job update request.", src)
    desc = _parse(ctx, "JOB_DESC_MSG", ctx.query,
                  "Rejecting request. Failure parsing job update request.", src)
    if sel["array_task_id"] != NO_VAL:
        raise ctx.fail(E.ESLURM_REST_INVALID_QUERY, "Rejecting request. Submit job update against Array "
                       "Job's JobID instead of array task id.", src)
    if sel["step_id"]["step_id"] != NO_VAL or sel["step_id"]["step_het_comp"] != NO_VAL:
        ctx.warn("Job step information ignored. Job update requests apply to whole job and can not be "
                 "targeted to specific steps.", src)
    step_id = dict(desc.get("step_id") or {})
    step_id["job_id"] = sel["step_id"]["job_id"]
    desc["step_id"] = step_id
    if sel["het_job_offset"] != NO_VAL:
        # the controller addresses a het component by "<leader>+<offset>"
        desc["job_id_str"] = "%u+%u" % (step_id["job_id"], sel["het_job_offset"])
        desc["step_id"] = {**step_id, "job_id": NO_VAL}
    client = ctx.site.ctld(ctx.identity)
    resp = None
    try:
        resp = _array_resp(rpc.update_job(client, desc))
    except SlurmError as e:
        ctx.error(_rc(e), "Job update requested failed", "slurm_update_job2()")
    if resp:
        for i, code in enumerate(resp["error_code"]):
            if code:
                ctx.warn("Job update resulted in non-zero return-code[%d]: %s" % (code, strerror(code)),
                         "slurm_update_job2()")
    return resp


# -- POST job/submit ----------------------------------------------------------------------------

def submit(ctx: OperationContext):
    src = "_job_post"
    if ctx.query is None:
        raise ctx.fail(E.ESLURM_REST_INVALID_QUERY, "unexpected empty query for job", src)
    req = _parse(ctx, "JOB_SUBMIT_REQ", ctx.query, "Rejecting request. Failure parsing request.", src)
    job, jobs, script = req.get("job"), req.get("jobs"), req.get("script")
    if not jobs and not script and (not job or (not job.get("script")
                                                and not job.get("bitflags", 0) & EXTERNAL_JOB)):
        raise ctx.fail(E.ESLURM_REST_INVALID_QUERY, 'Populated "script" field is required for job submission',
                       src)
    if job and jobs:
        raise ctx.fail(E.ESLURM_REST_INVALID_QUERY, 'Specify only one "job" or "jobs" fields but never both', src)
    if not job and not jobs:
        raise ctx.fail(E.ESLURM_REST_INVALID_QUERY,
                       'Specifying either "job" or "jobs" fields are required to submit job', src)
    if job:
        return _submit_one(ctx, job, script)
    return _submit_het(ctx, jobs, script)


def _submit_reply(ctx: OperationContext, resp: dict, what: str, src: str):
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
        raise ctx.fail(E.ESLURM_JOB_SCRIPT_MISSING, "Batch job script empty or missing", "script")
    client = _submit_client(ctx)
    try:
        resp = rpc.submit_batch(client, job)
    except SlurmError as e:
        ctx.error(_rc(e), "Batch job submission failed", "slurm_submit_batch_job()")
        _lost_reply(ctx, e, "job submission")
        return None
    return _submit_reply(ctx, resp, "Job submission", "slurm_submit_batch_job()")


def _submit_het(ctx: OperationContext, jobs: list, script: str | None):
    src = "_job_post_het_submit"
    if not jobs:
        raise ctx.fail(E.ESLURM_REST_INVALID_QUERY, "Refusing HetJob submission without any components", src)
    if len(jobs) > MAX_HET_JOB_COMPONENTS:
        raise ctx.fail(E.ESLURM_REST_INVALID_QUERY, "Refusing HetJob submission too many components: %d > %u"
                       % (len(jobs), MAX_HET_JOB_COMPONENTS), src)
    if script:
        jobs[0]["script"] = script
    first = jobs[0]
    if not first.get("script") and not first.get("bitflags", 0) & EXTERNAL_JOB:
        raise ctx.fail(E.ESLURM_JOB_SCRIPT_MISSING, "Refusing HetJob submission without batch script or "
                       "empty batch script for first component", src)
    client = _submit_client(ctx)
    try:
        resp = rpc.submit_het(client, jobs)
    except SlurmError as e:
        ctx.error(_rc(e), "HetJob submission failed", "slurm_submit_batch_het_job()")
        _lost_reply(ctx, e, "HetJob submission")
        return None
    return _submit_reply(ctx, resp, "HetJob submission", "slurm_submit_batch_het_job()")


# -- POST job/allocate --------------------------------------------------------------------------

def allocate(ctx: OperationContext):
    src = "op_handler_alloc_job"
    if ctx.query is None:
        raise ctx.fail(E.ESLURM_REST_INVALID_QUERY, "unexpected empty query for job", src)
    req = _parse(ctx, "JOB_ALLOC_REQ", ctx.query, "Rejecting request. Failure parsing request.", src)
    job, het = req.get("job"), req.get("hetjob")
    if job and het:
        raise ctx.fail(E.ESLURM_REST_INVALID_QUERY,
                       'Specify only one "job" or "hetjob" fields but never both', src)
    if not job and not het:
        raise ctx.fail(E.ESLURM_REST_INVALID_QUERY,
                       'Specifying either "job" or "hetjob" fields are required to allocate job', src)
    wait = ctx.site.settings.limits.allocation_wait_s
    client = _submit_client(ctx)
    if job:
        try:
            resps = [rpc.allocate(client, job, callback=wait > 0, timeout=wait or None)]
        except SlurmError as e:
            ctx.error(_rc(e), _alloc_failure(e, wait), "slurm_allocate_resources_blocking()")
            _lost_reply(ctx, e, "allocation request")
            return None
    else:
        hsrc = "_job_post_het_allocate"
        if len(het) > MAX_HET_JOB_COMPONENTS:
            raise ctx.fail(E.ESLURM_REST_INVALID_QUERY, "Refusing HetJob submission too many components: "
                           "%d > %u" % (len(het), MAX_HET_JOB_COMPONENTS), hsrc)
        try:
            resps = rpc.allocate_het(client, het, callback=wait > 0, timeout=wait or None)
        except SlurmError as e:
            ctx.error(_rc(e), _alloc_failure(e, wait), "slurm_allocate_het_job_blocking()")
            _lost_reply(ctx, e, "allocation request")
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


def _alloc_failure(exc: SlurmError, wait: float) -> str:
    if exc.errno == 110:
        return ("Job allocation request failed: not granted within %g seconds; the pending job was "
                "released (SLURMRESTD_ALLOCATION_WAIT)" % wait)
    return "Job allocation request failed"


# -- requeue ------------------------------------------------------------------------------------

_BARE_RANGE = __import__("re").compile(r"^(\d+)_([0-9][0-9,\-:]*[,\-:][0-9,\-:]*)$")


def _array_resp(resp: dict | None) -> dict | None:
    """Controllers before 25.11 name an array range "123_1-3" in per-task
    results; write it as the job id expression "123_[1-3]"."""
    if resp and resp.get("job_array_id"):
        ids = []
        for jid in resp["job_array_id"]:
            m = _BARE_RANGE.match(jid or "")
            ids.append("%s_[%s]" % m.groups() if m else jid)
        resp = {**resp, "job_array_id": ids}
    return resp


def job_requeue(ctx: OperationContext):
    src = "op_handler_job_requeue"
    sel = _job_param(ctx, src)
    query = _parse(ctx, "OPENAPI_JOB_REQUEUE_QUERY", _query(ctx), "Rejecting request. Failure parsing query", src)
    flags = query.get("flags") or 0
    try:
        job_str = rpc.format_job_id(sel)
    except SlurmError as e:
        raise ctx.fail(e.errno, "Invalid JobID", src) from None
    if flags & defs.JOB_SPECIAL_EXIT and not flags & defs.JOB_REQUEUE_HOLD:
        raise ctx.fail(E.ESLURM_REST_BAD_REQUEST, "SpecialExit requires Hold mode", src)
    client = ctx.site.ctld(ctx.identity)
    resp = None
    try:
        resp = _array_resp(rpc.requeue(client, job_str, flags))
    except SlurmError as e:
        ctx.error(_rc(e), "Requeue JobID=%s failed" % job_str, src)
    return ctx.dump("OPENAPI_JOB_REQUEUE_RESP", {"response": resp})


def jobs_requeue(ctx: OperationContext):
    src = "op_handler_jobs_requeue"
    query = _parse(ctx, "OPENAPI_JOBS_REQUEUE_QUERY", _query(ctx), "Rejecting request. Failure parsing query",
                   src)
    ids = query.get("jobs") or []
    if not ids:
        raise ctx.fail(E.ESLURM_INVALID_JOB_ID, "Query missing JobIds", src)
    flags = query.get("flags") or 0
    if flags & defs.JOB_SPECIAL_EXIT and not flags & defs.JOB_REQUEUE_HOLD:
        raise ctx.fail(E.ESLURM_REST_BAD_REQUEST, "SpecialExit requires Hold mode", src)
    client = ctx.site.ctld(ctx.identity)
    responses = []
    for s in ids:
        try:
            text = rpc.format_job_id(_selected(s))
        except SlurmError as e:
            ctx.error(e.errno, "Invalid JobID", src)
            break
        try:
            resp = _array_resp(rpc.requeue(client, text, flags))
        except SlurmError as e:
            ctx.error(_rc(e), "Requeue JobId=%s failed" % text, src)
            continue
        if resp:
            responses.append(resp)
    return ctx.dump("OPENAPI_JOBS_REQUEUE_RESP", {"response": responses})


# -- GET resources/{job_id} ---------------------------------------------------------------------

def resources(ctx: OperationContext):
    src = "op_handler_resources"
    sel = _job_param(ctx, src)
    _check_job_id(ctx, sel, src)
    client = ctx.site.ctld(ctx.identity)
    nodes = None
    try:
        nodes = rpc.job_resources(client, {"step_id": dict(sel["step_id"])})["nodes"]
    except SlurmError as e:
        text = "Unable to query JobId=%s" % _fmt(sel)
        if e.errno == E.ESLURM_NOT_SUPPORTED:
            text += ": %s" % e.description
        ctx.error(_rc(e), text, "_handle_get")
    return ctx.dump("OPENAPI_RESOURCE_LAYOUT_RESP", {"response": nodes})


HANDLERS = {
    ("/slurm/{data_parser}/jobs/", "get"): get_jobs,
    ("/slurm/{data_parser}/jobs/", "delete"): delete_jobs,
    ("/slurm/{data_parser}/jobs/state/", "get"): get_job_states,
    ("/slurm/{data_parser}/job/{job_id}", "get"): job,
    ("/slurm/{data_parser}/job/{job_id}", "post"): job,
    ("/slurm/{data_parser}/job/{job_id}", "delete"): job,
    ("/slurm/{data_parser}/job/submit", "post"): submit,
    ("/slurm/{data_parser}/job/allocate", "post"): allocate,
    ("/slurm/{data_parser}/job/{job_id}/requeue", "get"): job_requeue,
    ("/slurm/{data_parser}/jobs/requeue", "post"): jobs_requeue,
    ("/slurm/{data_parser}/resources/{job_id}", "get"): resources,
}
