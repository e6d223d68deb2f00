"""Hostlist expressions ↔ host name lists (openapi/util, no controller involved)."""

from __future__ import annotations

from slurmrestd.operations.context import OperationContext


def convert(ctx: OperationContext):
    """Both directions are the same shape: parse the body type, dump the response type."""
    value = ctx.parse_body()
    return ctx.dump(ctx.operation.response_type, value)


HANDLERS = {
    ("/util/{data_parser}/hostnames", "post"): convert,
    ("/util/{data_parser}/hostlist", "post"): convert,
}
