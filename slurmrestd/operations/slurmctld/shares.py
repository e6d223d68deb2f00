"""Shares: fair-share values of associations, as the controller computes them."""

from __future__ import annotations

from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.failures import call_rpc


def shares(ctx: OperationContext):
    query = ctx.parse(ctx.operation.query_type, ctx.input, "parameters")
    resp = call_rpc("_dump_shares", "slurm_associations_get_shares() failed: GET", ctx.ctld.load_shares,
                    query.get("acct_list"), query.get("user_list"))
    return ctx.dump("OPENAPI_SHARES_RESP", {"response": resp})


HANDLERS = {
    ("/slurm/{data_parser}/shares", "get"): shares,
}
