"""Resource layout of a job: which cores and memory it holds on each node
(the reference's ``resources.c``), as the caller (``ctx.ctld``)."""

from __future__ import annotations

from slurmrestd.errors import E, SlurmError
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.failures import errno_of
from slurmrestd.operations.slurmctld.job_ids import check_job_id, job_param, job_text
from slurmrestd.rpc.ctld import jobs as rpc


def resources(ctx: OperationContext):
    src = "op_handler_resources"
    sel = job_param(ctx, src)
    check_job_id(sel, src)
    client = ctx.ctld
    nodes = None
    try:
        nodes = rpc.job_resources(client, {"step_id": dict(sel["step_id"])})["nodes"]
    except SlurmError as e:
        text = "Unable to query JobId=%s" % job_text(sel)
        if e.errno == E.ESLURM_NOT_SUPPORTED:
            text += ": %s" % e.description
        ctx.error(errno_of(e), text, "_handle_get")
    return ctx.dump("OPENAPI_RESOURCE_LAYOUT_RESP", {"response": nodes})


HANDLERS = {
    ("/slurm/{data_parser}/resources/{job_id}", "get"): resources,
}
