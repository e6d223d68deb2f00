"""GET ``jobs/`` and ``job/{job_id}`` of slurmdbd (the reference's ``jobs.c``).

``jobs/`` without any filter sends slurmdbd the NULL job cond, exactly as the
reference (the NULL form and an explicit cond give different results, e.g. for
the start time of jobs that never started).  With filters — from the query
string or from a JSON body on the GET, as some clients send them — the cond gets
the reference's defaults: report duplicates and untruncated times unless flags
are given, scheduler flags "not set", sacct's default usage window
(:func:`rpc.job_cond_def_start_end`) and this cluster when no cluster is named.

QOS names among the filters are turned into ids (slurmdbd matches ids only; the
reference sends the names and gets an error back).

``job/{job_id}`` accepts what ``unfmt_job_id_string`` does ("123", "123_4",
"123+1", "123.batch", a SLUID) and asks for that job (with all its steps) on
this cluster.

``POST jobs/`` and ``job/{job_id}`` (v0.0.44 on) change what slurmdbd lets
one change on a finished job: the job comment (``derived_es``), the
administrator and system comments (Operators only), ``extra``, the derived
exit code, the wckey and the allocated TRES (``as_mysql_modify_job``).  The
cond is the job id list with the reference's "no default time window"; the
record is a whole ``slurmdb_job_rec_t`` with only those members set.  The
answer lists "<job id> submitted at <time>" for each job changed.  A
``jobs/`` body without ``job_id_list`` sends no id filter, as the reference
does (slurmdbd then changes every job the caller may change).

Records come with their steps; the data parser derives state names, exit codes,
TRES lists, QOS names and expanded stdio paths from them.  Job lists are dumped
with the registry's compiled plans (``data_parser.dump_planned``).
"""

from __future__ import annotations

from slurmrestd.errors import E, SlurmError
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmdbd import dbquery
from slurmrestd.operations.slurmdbd.common import dump_list, parse, query_list, response, session
from slurmrestd.rpc.dbd import job_modify, writes
from slurmrestd.rpc.dbd import jobs as rpc

FUNC = "slurmdb_jobs_get"
REJECT = "Rejecting request. Failure parsing query parameters"
REJECT_UPDATE = "Rejecting request. Failure parsing job update request."


def jobs_get(db, cond: dict | None) -> list:
    """``slurmdb_jobs_get``: a NULL list in the reply carries slurmdbd's error."""
    return dbquery.get_list(db, rpc.DBD_GET_JOBS_COND, dbquery.body(rpc.pack_job_cond, cond), rpc.DBD_GOT_JOBS,
                            rpc.decode_got_jobs)


def with_defaults(cond: dict, cluster_name: str, now: int | None = None) -> dict:
    """``op_handler_jobs``' completion of a parsed cond (see the module text)."""
    if not cond.get("db_flags"):
        cond["db_flags"] = rpc.SLURMDB_JOB_FLAG_NOTSET
    if not cond.get("flags"):
        cond["flags"] = rpc.JOBCOND_FLAG_DUP | rpc.JOBCOND_FLAG_NO_TRUNC
    rpc.job_cond_def_start_end(cond, now)
    return with_cluster(cond, cluster_name)


def with_cluster(cond: dict, cluster_name: str) -> dict:
    """``_dump_jobs``: this cluster when no cluster is named."""
    if not cond.get("cluster_list"):
        cond["cluster_list"] = [cluster_name]
    return cond


def qos_ids(ctx: OperationContext, names: list) -> list:
    """QOS names in a job cond become the ids slurmdbd matches on, as sacct does for
    ``--qos`` (the reference passes names through and slurmdbd refuses them)."""
    table = ctx.diag.need("QOS") or []
    out = []
    for i, name in enumerate(names):
        text = str(name)
        if text.isdigit():
            out.append(text)
            continue
        q = next((q for q in table if (q.get("name") or "").lower() == text.lower()), None)
        if q is None:
            ctx.error(E.ESLURM_INVALID_QOS, "Unable to resolve QOS: %s" % text, "#/qos[%d]/" % i)
            raise SlurmError(E.ESLURM_REST_INVALID_QUERY, REJECT, "op_handler_jobs")
        out.append(str(q["id"]))
    return out


def _dump_jobs(ctx: OperationContext, db, cond: dict | None) -> dict:
    return dump_list(ctx, "OPENAPI_SLURMDBD_JOBS_RESP", jobs_get, db, cond, "_dump_jobs", func_name=FUNC,
                     failed={}, planned=True)


def get_jobs(ctx: OperationContext) -> dict:
    query = ctx.query
    if isinstance(query, dict) and not query:
        query = None
    with session(ctx) as db:
        cond = None
        if query is not None:
            cond = dict(parse(ctx, "JOB_CONDITION_PTR", query, source="op_handler_jobs", description=REJECT) or {})
            if cond.get("qos_list"):
                cond["qos_list"] = qos_ids(ctx, cond["qos_list"])
            with_defaults(cond, ctx.site.cluster_name)
        return _dump_jobs(ctx, db, cond)


def get_job(ctx: OperationContext) -> dict:
    with session(ctx) as db:
        params = parse(ctx, "OPENAPI_SLURMDBD_JOB_PARAM", dict(ctx.params), source="op_handler_job",
                       description=REJECT)
        step = params.get("id") if isinstance(params, dict) else None
        if not step:
            raise SlurmError(E.ESLURM_REST_INVALID_QUERY, REJECT, "op_handler_job")
        cond = {"flags": rpc.JOBCOND_FLAG_DUP | rpc.JOBCOND_FLAG_NO_TRUNC,
                "db_flags": rpc.SLURMDB_JOB_FLAG_NOTSET, "step_list": [step]}
        return _dump_jobs(ctx, db, with_cluster(cond, ctx.site.cluster_name))


def _modify(ctx: OperationContext, db, steps: list | None, rec: dict | None, caller: str):
    """``db_modify_list(slurmdb_job_modify)`` and the ``OPENAPI_JOB_MODIFY_RESP`` of what changed."""
    cond = job_modify.modify_cond(steps or ())
    if steps is None:
        cond["step_list"] = None
    changed = query_list(ctx, lambda db, cond: writes.modify(db, "job", cond, rec or {}), db, cond, caller,
                         func_name=writes.MODIFY["job"].func)
    if changed is None:
        ctx.error(0, "Job update requested failed", "slurmdb_job_modify()")
        return None
    return response(ctx, "OPENAPI_JOB_MODIFY_RESP", changed or None)


def post_jobs(ctx: OperationContext):
    with session(ctx) as db:
        req = parse(ctx, "OPENAPI_JOB_MODIFY_REQ", ctx.input, source="_jobs_post_update",
                    description=REJECT_UPDATE) or {}
        return _modify(ctx, db, req.get("job_id_list"), req.get("job_rec"), "_jobs_post_update")


def post_job(ctx: OperationContext):
    with session(ctx) as db:
        params = parse(ctx, "OPENAPI_SLURMDBD_JOB_PARAM", dict(ctx.params), source="op_handler_job",
                       description=REJECT)
        step = params.get("id") if isinstance(params, dict) else None
        if not step:
            raise SlurmError(E.ESLURM_REST_INVALID_QUERY, REJECT, "op_handler_job")
        rec = parse(ctx, "JOB_MODIFY_PTR", ctx.input, source="_job_post_update", description=REJECT_UPDATE)
        return _modify(ctx, db, [step], rec, "_job_post_update")


HANDLERS = {
    ("/slurmdb/{data_parser}/jobs/", "get"): get_jobs,
    ("/slurmdb/{data_parser}/jobs/", "post"): post_jobs,
    ("/slurmdb/{data_parser}/job/{job_id}", "get"): get_job,
    ("/slurmdb/{data_parser}/job/{job_id}", "post"): post_job,
}
