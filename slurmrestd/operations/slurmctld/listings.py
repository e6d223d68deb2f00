"""What the node, partition and reservation handlers share: the query of a GET
(read only when the request has one), the list dump through the planned walker,
and the client pinned to its protocol version before a change goes out.
"""

from __future__ import annotations

from typing import Any

from slurmrestd.data_parser import DEFAULT_VERSION, dump_planned
from slurmrestd.errors import SlurmError
from slurmrestd.operations.context import OperationContext

_BAD_QUERY = "Rejecting request. Failure parsing query"


def query(ctx: OperationContext, type_name: str, source: str, description: str = _BAD_QUERY) -> dict:
    """The request's query as ``type_name``; a request without one has no filters, so the
    parser is not run for nothing (its answer would be ``{}``)."""
    if ctx.query is None:
        return {}
    return ctx.parse(type_name, ctx.query, description=description, source=source)


def dump_list(ctx: OperationContext, type_name: str, value: Any) -> Any:
    """Lists dump through the planned walker (same output as ``ctx.dump``, a fraction of
    the time per record)."""
    return dump_planned(type_name, value, ctx.diag, ctx.version or DEFAULT_VERSION)


def pinned(client):
    """The client, held to the protocol version it already speaks, so that a change is
    sent once: a lost reply is reported instead of the request being repeated."""
    try:
        client.version = client.protocol_version()
    except SlurmError:
        pass  # the next call reports the connection problem itself
    return client
