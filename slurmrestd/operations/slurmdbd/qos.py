"""GET /slurmdb/{v}/qos/ and /qos/{qos} (qos.c).

``qos/`` takes the ``QOS_CONDITION`` filters from the query (name, id,
description, preempt_mode, "Include deleted QOS") as its OpenAPI document
says.  The reference parses them from the path parameters instead and so
ignores them (every QOS comes back); without a query both answer the same.
"""

from __future__ import annotations

from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmdbd.common import (QOS_COND_FLAG_WITH_DELETED, parse, path_param, query_data,
                                                   query_list, response, session)
from slurmrestd.rpc.dbd import messages


def _dump(ctx: OperationContext, db, cond):
    items = query_list(ctx, messages.qos_get, db, cond, "_op_handler_qos")
    return response(ctx, "OPENAPI_SLURMDBD_QOS_RESP", items)


def get_qos_list(ctx: OperationContext):
    with session(ctx) as db:
        cond = parse(ctx, "QOS_CONDITION", query_data(ctx))
        return _dump(ctx, db, cond)


def get_single_qos(ctx: OperationContext):
    with session(ctx) as db:
        query = parse(ctx, "OPENAPI_SLURMDBD_QOS_QUERY", query_data(ctx))
        cond = {"name_list": [path_param(ctx, "qos") or ""], "flags": 0}
        if query.get("with_deleted"):
            cond["flags"] |= QOS_COND_FLAG_WITH_DELETED
        return _dump(ctx, db, cond)


HANDLERS = {
    ("/slurmdb/{data_parser}/qos/", "get"): get_qos_list,
    ("/slurmdb/{data_parser}/qos/{qos}", "get"): get_single_qos,
}
