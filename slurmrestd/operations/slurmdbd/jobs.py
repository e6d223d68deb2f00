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

Records come with their steps; the data parser derives state names, exit codes,
TRES lists, QOS names and expanded stdio paths from them.  Job lists are dumped
with the registry's compiled plans (``data_parser.dump_planned``).
"""

from __future__ import annotations

from slurmrestd import data_parser
from slurmrestd.errors import E, SlurmError
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmdbd import dbquery
from slurmrestd.rpc.dbd import jobs as rpc

FUNC = "slurmdb_jobs_get"
REJECT = "Rejecting request. Failure parsing query parameters"


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
    recs = dbquery.query_list(ctx, FUNC, "_dump_jobs", lambda: jobs_get(db, cond))
    if recs is None and ctx.errors:
        return {}
    return data_parser.dump_planned("OPENAPI_SLURMDBD_JOBS_RESP", {"response": recs or []}, ctx.diag, ctx.version)


def get_jobs(ctx: OperationContext) -> dict:
    query = ctx.query
    if isinstance(query, dict) and not query:
        query = None
    with dbquery.session(ctx) as db:
        cond = None
        if query is not None:
            cond = dict(dbquery.parse(ctx, "JOB_CONDITION_PTR", query, "op_handler_jobs", REJECT) or {})
            if cond.get("qos_list"):
                cond["qos_list"] = qos_ids(ctx, cond["qos_list"])
            with_defaults(cond, ctx.site.cluster_name)
        return _dump_jobs(ctx, db, cond)


def get_job(ctx: OperationContext) -> dict:
    with dbquery.session(ctx) as db:
        params = dbquery.parse(ctx, "OPENAPI_SLURMDBD_JOB_PARAM", dict(ctx.params), "op_handler_job", REJECT)
        step = params.get("id") if isinstance(params, dict) else None
        if not step:
            raise SlurmError(E.ESLURM_REST_INVALID_QUERY, REJECT, "op_handler_job")
        cond = {"flags": rpc.JOBCOND_FLAG_DUP | rpc.JOBCOND_FLAG_NO_TRUNC,
                "db_flags": rpc.SLURMDB_JOB_FLAG_NOTSET, "step_list": [step]}
        return _dump_jobs(ctx, db, with_cluster(cond, ctx.site.cluster_name))


HANDLERS = {
    ("/slurmdb/{data_parser}/jobs/", "get"): get_jobs,
    ("/slurmdb/{data_parser}/job/{job_id}", "get"): get_job,
}
