"""GET and POST /slurmdb/{v}/wckeys/, GET and DELETE /wckey/{id} (wckeys.c).

slurmdbd lets Operators read wckeys.  The ``{id}`` of ``wckey/{id}`` is matched
against wckey *names*, as the reference does (a DELETE removes that name for
every user and cluster).  ``POST wckeys/`` adds the list as it is (slurmdbd
keeps an existing wckey as it was); an empty or absent list is only warned
about.
"""

from __future__ import annotations

from slurmrestd.errors import E, SlurmError
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmdbd import update
from slurmrestd.operations.slurmdbd.common import dump_list, parse, path_param, query_data, response, session
from slurmrestd.rpc.dbd import messages, writes


def _dump(ctx: OperationContext, db, cond):
    return dump_list(ctx, "OPENAPI_WCKEY_RESP", messages.wckeys_get, db, cond, "_dump_wckeys", failed=None)


def get_wckeys(ctx: OperationContext):
    with session(ctx) as db:
        cond = parse(ctx, "WCKEY_CONDITION", query_data(ctx))
        _check_ids(cond)
        return _dump(ctx, db, cond)


def _check_ids(cond) -> None:
    """wckey ids are numbers: slurmdbd puts them into its SQL as they are, and anything else
    fails there as "Unspecified error" (a 500 in the reference).  Refuse it here, naming it."""
    for wid in (cond or {}).get("id_list") or ():
        if not (isinstance(wid, str) and wid.isascii() and wid.isdigit()):
            raise SlurmError(E.ESLURM_REST_INVALID_QUERY,
                             "Invalid wckey id %r in parameter id: ids are unsigned numbers" % wid,
                             "_dump_wckeys")


def _name(ctx: OperationContext) -> str:
    name = path_param(ctx, "id")
    if not name:
        raise SlurmError(E.ESLURM_REST_INVALID_QUERY, "wckey required for singular query", "op_handler_wckey")
    return name


def get_wckey(ctx: OperationContext):
    with session(ctx) as db:
        return _dump(ctx, db, {"name_list": [_name(ctx)]})


def update_wckeys(ctx: OperationContext, db, items: list | None) -> bool:
    """``update_wckeys``: ``slurmdb_wckeys_add`` of the whole list."""
    return update.db_rc(ctx, "wckeys", db, items, "update_wckeys") and not ctx.errors


def post_wckeys(ctx: OperationContext):
    with session(ctx) as db:
        body = update.parse_body(ctx, "OPENAPI_WCKEY_RESP")
        if body is not None:
            if not body.get("response"):
                ctx.warn("ignoring empty or non-existent wckeys array for update", "_update_wckeys")
            else:
                update_wckeys(ctx, db, body["response"])
        return None


def delete_wckey(ctx: OperationContext):
    with session(ctx) as db:
        removed = update.db_list(ctx, "wckeys", db, {"name_list": [_name(ctx)]}, "_delete_wckey")
        return response(ctx, "OPENAPI_WCKEY_REMOVED_RESP", removed or None)


HANDLERS = {
    ("/slurmdb/{data_parser}/wckeys/", "get"): get_wckeys,
    ("/slurmdb/{data_parser}/wckeys/", "post"): post_wckeys,
    ("/slurmdb/{data_parser}/wckey/{id}", "get"): get_wckey,
    ("/slurmdb/{data_parser}/wckey/{id}", "delete"): delete_wckey,
}
