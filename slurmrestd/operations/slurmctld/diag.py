"""Diag: the controller's statistics (scheduler cycles, RPC counts, backfill)."""

from __future__ import annotations

from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.failures import call_rpc


def diag(ctx: OperationContext):
    stats = call_rpc("op_handler_diag", "slurm_get_statistics() failed to get slurmctld statistics",
                     ctx.ctld.get_statistics)
    return ctx.dump("OPENAPI_DIAG_RESP", {"response": stats})


HANDLERS = {
    ("/slurm/{data_parser}/diag/", "get"): diag,
}
