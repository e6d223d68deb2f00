"""GET /slurmdb/{v}/users/ and /user/{name} (users.c)."""

from __future__ import annotations

from slurmrestd.errors import E, SlurmError
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmdbd.common import path_param, parse, query_data, query_list, response, session
from slurmrestd.rpc.dbd import messages


def _dump(ctx: OperationContext, db, cond):
    items = query_list(ctx, messages.users_get, db, cond, "_dump_users")
    if items is None:  # the reference dumps nothing after an error
        return None
    return response(ctx, "OPENAPI_USERS_RESP", items)


def get_users(ctx: OperationContext):
    with session(ctx) as db:
        cond = parse(ctx, "USER_CONDITION", query_data(ctx))
        return _dump(ctx, db, cond)


def get_user(ctx: OperationContext):
    with session(ctx) as db:
        name = path_param(ctx, "name")
        if not name:
            raise SlurmError(E.ESLURM_USER_ID_MISSING, "User name must be provided for singular query",
                             "op_handler_user")
        query = parse(ctx, "OPENAPI_USER_QUERY", query_data(ctx))
        cond = {"assoc_cond": {"user_list": [name]}}
        for key in ("with_deleted", "with_assocs", "with_coords", "with_wckeys"):
            cond[key] = 1 if query.get(key) else 0
        return _dump(ctx, db, cond)


HANDLERS = {
    ("/slurmdb/{data_parser}/users/", "get"): get_users,
    ("/slurmdb/{data_parser}/user/{name}", "get"): get_user,
}
