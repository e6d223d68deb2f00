"""GET /slurmdb/{v}/wckeys/ and /wckey/{id} (wckeys.c); slurmdbd allows Operators only.

The ``{id}`` of ``wckey/{id}`` is matched against wckey *names*, as the
reference does.
"""

from __future__ import annotations

from slurmrestd.errors import E, SlurmError
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmdbd.common import path_param, parse, query_data, query_list, response, session
from slurmrestd.rpc.dbd import messages


def _dump(ctx: OperationContext, db, cond):
    items = query_list(ctx, messages.wckeys_get, db, cond, "_dump_wckeys")
    if items is None:
        return None
    return response(ctx, "OPENAPI_WCKEY_RESP", items)


def get_wckeys(ctx: OperationContext):
    with session(ctx) as db:
        cond = parse(ctx, "WCKEY_CONDITION", query_data(ctx))
        return _dump(ctx, db, cond)


def get_wckey(ctx: OperationContext):
    with session(ctx) as db:
        name = path_param(ctx, "id")
        if not name:
            raise SlurmError(E.ESLURM_REST_INVALID_QUERY, "wckey required for singular query", "op_handler_wckey")
        return _dump(ctx, db, {"name_list": [name]})


HANDLERS = {
    ("/slurmdb/{data_parser}/wckeys/", "get"): get_wckeys,
    ("/slurmdb/{data_parser}/wckey/{id}", "get"): get_wckey,
}
