"""GET /slurmdb/{v}/tres/: every TRES slurmdbd knows, deleted ones included (tres.c)."""

from __future__ import annotations

from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmdbd.common import query_list, response, session
from slurmrestd.rpc.pack import NO_VAL
from slurmrestd.rpc.dbd import messages


def get_tres(ctx: OperationContext):
    # as slurmdb_init_tres_cond(): with_deleted, count NO_VAL
    with session(ctx) as db:
        items = query_list(ctx, messages.tres_get, db, {"with_deleted": 1, "count": NO_VAL}, "op_handler_tres")
        if items is None:
            return None
        return response(ctx, "OPENAPI_TRES_RESP", items)


HANDLERS = {
    ("/slurmdb/{data_parser}/tres/", "get"): get_tres,
}
