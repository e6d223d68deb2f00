"""GET /slurmdb/{v}/wckeys/ and /wckey/{id} (wckeys.c); slurmdbd allows Operators only.

The ``{id}`` of ``wckey/{id}`` is matched against wckey *names*, as the
reference does.
"""

from __future__ import annotations

from slurmrestd.errors import E, SlurmError
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmdbd.common import dump_list, parse, path_param, query_data, session
from slurmrestd.rpc.dbd import messages


def _dump(ctx: OperationContext, db, cond):
    return dump_list(ctx, "OPENAPI_WCKEY_RESP", messages.wckeys_get, db, cond, "_dump_wckeys", failed=None)


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
