"""GET ``instances/`` and ``instance/`` (the reference's ``instances.c``).

Cloud node instances recorded by slurmdbd, filtered by an ``INSTANCE_CONDITION``.
As in the reference, a failed query and an empty result dump no ``instances``
key at all, and ``instance/`` refuses to answer for more than one match.
"""

from __future__ import annotations

from slurmrestd.errors import E
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmdbd import dbquery
from slurmrestd.rpc.dbd import instances as rpc

FUNC = "slurmdb_instances_get"


def instances_get(db, cond: dict | None) -> list:
    return dbquery.get_list(db, rpc.DBD_GET_INSTANCES, dbquery.body(rpc.pack_instance_cond, cond),
                            rpc.DBD_GOT_INSTANCES, rpc.decode_got_instances)


def _handle(ctx: OperationContext, source: str, only_one: bool) -> dict:
    with dbquery.session(ctx) as db:
        cond = dict(dbquery.parse(ctx, "INSTANCE_CONDITION_PTR", ctx.query, source) or {})
        recs = dbquery.query_list(ctx, FUNC, "_dump_instance_cond", lambda: instances_get(db, cond))
        if recs is None:
            return {}
        if only_one and len(recs) > 1:
            ctx.error(E.ESLURM_DATA_AMBIGUOUS_QUERY,
                      "Ambiguous request: More than 1 instance would have been dumped.", "_dump_instance_cond")
            return {}
        return ctx.dump("OPENAPI_INSTANCES_RESP", {"response": recs})


def get_instances(ctx: OperationContext) -> dict:
    return _handle(ctx, "op_handler_instances", False)


def get_instance(ctx: OperationContext) -> dict:
    return _handle(ctx, "op_handler_instance", True)


HANDLERS = {
    ("/slurmdb/{data_parser}/instances/", "get"): get_instances,
    ("/slurmdb/{data_parser}/instance/", "get"): get_instance,
}
