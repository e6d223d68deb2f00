"""GET and POST /slurmdb/{v}/qos/, GET and DELETE /qos/{qos} (qos.c).

``qos/`` takes the ``QOS_CONDITION`` filters from the query (name, id,
description, preempt_mode, "Include deleted QOS") as its OpenAPI document
says.  The reference parses them from the path parameters instead and so
ignores them (every QOS comes back); without a query both answer the same.

``POST qos/`` adds or modifies each QOS in turn, as ``_foreach_update_qos``:
a QOS with an id must exist (looked up by id and name); one without must have
a name, and is modified when a QOS of that name exists, else added.  The
modify is sent with the lookup's cond and the whole parsed record (unset
members keep the parser's "no change" values).  An empty preemption list on a
QOS that had one is sent as ``["''"]``, slurmdbd's "clear it".  Preemption
lists are QOS names resolved to ids by the data parser; TRES limits are TRES
strings (``1=4,2=100``).  The first failure stops the list; the request is one
slurmdbd transaction, so nothing of it is kept.
"""

from __future__ import annotations

from slurmrestd.errors import E
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmdbd import update
from slurmrestd.operations.slurmdbd.common import (QOS_COND_FLAG_WITH_DELETED, dump_list, parse, path_param,
                                                   query_data, response, session)
from slurmrestd.rpc.dbd import messages, qos_rec, writes


def _dump(ctx: OperationContext, db, cond):
    return dump_list(ctx, "OPENAPI_SLURMDBD_QOS_RESP", messages.qos_get, db, cond, "_op_handler_qos")


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


# -- writes (qos.c: _foreach_update_qos, update_qos, _op_handler_qos DELETE) ---------------


def _cond_for(qos: dict) -> dict | None:
    """The lookup (and modify) cond of one posted QOS: its id and/or its name."""
    cond: dict = {}
    if qos.get("id"):
        cond["id_list"] = [str(qos["id"])]
    if qos.get("name"):
        cond["name_list"] = [qos["name"]]
    return cond or None


def _update_one(ctx: OperationContext, db, qos: dict) -> bool:
    """Add the QOS, or modify the one that exists with its id or name; False after an error."""
    caller = "_foreach_update_qos"
    cond = _cond_for(qos)
    found = None
    if cond is not None:
        matches = update.exists(ctx, messages.qos_get, db, dict(cond, flags=0), caller)
        if matches is not None and len(matches) == 1:
            found = matches[0]
    if found is None and qos.get("id"):
        ctx.error(E.ESLURM_REST_INVALID_QUERY, "QOS was not found for the requested ID", caller)
        return False
    if found is None and not qos.get("name"):
        ctx.error(E.ESLURM_REST_INVALID_QUERY, "Cannot create a QOS without a name", caller)
        return False
    if found is None:
        return update.db_rc(ctx, "qos", db, [qos], caller)
    qos = dict(qos)
    if not qos.get("id"):
        qos["id"] = found["id"]
    preempt = qos.get("preempt_list")
    if preempt is not None and not preempt and found.get("preempt_list"):
        # an empty list alone means "no change" to slurmdbd: say "clear it" explicitly
        qos["preempt_list"] = [qos_rec.EMPTY_QOS_ID_ENTRY]
    return update.db_modify(ctx, "qos", db, dict(cond, flags=0), qos, caller) is not None


def update_qos(ctx: OperationContext, db, items: list | None) -> bool:
    """``update_qos``: each QOS in turn, stopping at the first failure."""
    for qos in items or ():
        if not _update_one(ctx, db, qos):
            return False
    return not ctx.errors


def post_qos(ctx: OperationContext):
    with session(ctx) as db:
        body = update.parse_body(ctx, "OPENAPI_SLURMDBD_QOS_RESP")
        if body is not None and body.get("response"):
            update_qos(ctx, db, body["response"])
        return None


def delete_qos(ctx: OperationContext):
    with session(ctx) as db:
        query = parse(ctx, "OPENAPI_SLURMDBD_QOS_QUERY", query_data(ctx))
        cond = {"name_list": [path_param(ctx, "qos") or ""], "flags": 0}
        if query.get("with_deleted"):
            cond["flags"] |= QOS_COND_FLAG_WITH_DELETED
        removed = update.db_list(ctx, "qos", db, cond, "_op_handler_qos")
        return response(ctx, "OPENAPI_SLURMDBD_QOS_REMOVED_RESP", removed or None)


HANDLERS = {
    ("/slurmdb/{data_parser}/qos/", "get"): get_qos_list,
    ("/slurmdb/{data_parser}/qos/", "post"): post_qos,
    ("/slurmdb/{data_parser}/qos/{qos}", "get"): get_single_qos,
    ("/slurmdb/{data_parser}/qos/{qos}", "delete"): delete_qos,
}
