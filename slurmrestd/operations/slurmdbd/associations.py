"""GET ``associations/`` and ``association/`` (the reference's ``associations.c``).

The query (or a JSON body sent instead) is an ``ASSOC_CONDITION``; the flag
parameters keep the reference's names (``Include deleted associations`` …).
``associations/`` completes a usage window as the reference does: a start
without an end ends now, a reversed window is swapped.  ``association/``
answers one association: more than one match is an error (and none dumped).

Association records come back from slurmdbd flat; their QOS ids, TRES strings
and parent links are resolved by the data parser against the tables of the same
request (see :mod:`dbquery`).
"""

from __future__ import annotations

import time

from slurmrestd.errors import E
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmdbd import dbquery
from slurmrestd.rpc.dbd import assoc as rpc

FUNC = "slurmdb_associations_get"


def associations_get(db, cond: dict | None) -> list:
    return dbquery.get_list(db, rpc.DBD_GET_ASSOCS, dbquery.body(rpc.pack_assoc_cond, cond), rpc.DBD_GOT_ASSOCS,
                            rpc.decode_got_assocs)


def fix_usage_window(cond: dict, now: int | None = None) -> dict:
    """``op_handler_associations``: start without end → end = now; start > end → swapped."""
    start, end = int(cond.get("usage_start") or 0), int(cond.get("usage_end") or 0)
    if start and not end:
        cond["usage_end"] = int(time.time()) if now is None else now
    elif start > end:
        cond["usage_start"], cond["usage_end"] = end, start
    return cond


def _dump(ctx: OperationContext, db, cond: dict, only_one: bool) -> dict:
    """``_dump_assoc_cond``: the list is dumped even after an error (then empty)."""
    recs = dbquery.query_list(ctx, FUNC, "_dump_assoc_cond", lambda: associations_get(db, cond))
    if only_one and recs and len(recs) > 1:
        ctx.error(E.ESLURM_DATA_AMBIGUOUS_QUERY,
                  "Ambiguous request: More than 1 association would have been dumped.", "_dump_assoc_cond")
        recs = None
    return ctx.dump("OPENAPI_ASSOCS_RESP", {"response": recs or []})


def _handle(ctx: OperationContext, source: str, only_one: bool) -> dict:
    with dbquery.session(ctx) as db:
        cond = dict(dbquery.parse(ctx, "ASSOC_CONDITION_PTR", ctx.query, source) or {})
        if not only_one:
            fix_usage_window(cond)
        return _dump(ctx, db, cond, only_one)


def get_associations(ctx: OperationContext) -> dict:
    return _handle(ctx, "op_handler_associations", False)


def get_association(ctx: OperationContext) -> dict:
    return _handle(ctx, "op_handler_association", True)


HANDLERS = {
    ("/slurmdb/{data_parser}/associations/", "get"): get_associations,
    ("/slurmdb/{data_parser}/association/", "get"): get_association,
}
