"""Ping: is each configured controller (primary and backups) up, and how fast it answers."""

from __future__ import annotations

from slurmrestd.operations.context import OperationContext


def ping(ctx: OperationContext):
    pings = ctx.ctld.ping()  # never raises: an unreachable controller is reported in its entry
    return ctx.dump("OPENAPI_PING_ARRAY_RESP", {"response": pings})


HANDLERS = {
    ("/slurm/{data_parser}/ping/", "get"): ping,
}
