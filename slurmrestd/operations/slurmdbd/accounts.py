"""``accounts/``, ``account/{account_name}`` and ``accounts_association/`` (accounts.c).

GET dumps accounts.  POST ``accounts/`` adds or modifies each account of the
body, as the reference decides it: an account that does not exist (looked up
with its coordinators) is added, then its coordinators; one that does is
modified, then coordinators it lacks are added and those the request does not
list are removed.  Associations are not set here (a warning says so); the
``DELETED`` flag is warned about.  The first failure stops the list, and the
request's transaction is rolled back: nothing of it remains.

POST ``accounts_association/`` adds accounts with their associations in one
``DBD_ADD_ACCOUNTS_COND`` and answers slurmdbd's result text.  DELETE
``account/{account_name}`` removes one account (all its associations) and
lists what was removed.
"""

from __future__ import annotations

from slurmrestd.errors import E, SlurmError
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmdbd import update
from slurmrestd.operations.slurmdbd.common import (ACCT_FLAG_DELETED, ACCT_FLAG_WASSOC, ACCT_FLAG_WCOORD, dump_list,
                                                   parse, path_param, query_data, response, session)
from slurmrestd.rpc.dbd import messages, writes

SOURCE = "_foreach_update_acct"


def _dump(ctx: OperationContext, db, cond):
    # the reference dumps the (possibly empty) list even after an error
    return dump_list(ctx, "OPENAPI_ACCOUNTS_RESP", messages.accounts_get, db, cond, "_dump_accounts")


def get_accounts(ctx: OperationContext):
    with session(ctx) as db:
        cond = parse(ctx, "ACCOUNT_CONDITION", query_data(ctx))
        return _dump(ctx, db, cond)


def get_account(ctx: OperationContext):
    with session(ctx) as db:
        query = parse(ctx, "OPENAPI_ACCOUNT_QUERY", query_data(ctx))
        flags = 0
        if query.get("with_assocs"):
            flags |= ACCT_FLAG_WASSOC
        if query.get("with_coords"):
            flags |= ACCT_FLAG_WCOORD
        if query.get("with_deleted"):
            flags |= ACCT_FLAG_DELETED
        cond = {"assoc_cond": {"acct_list": [path_param(ctx, "account_name")]}, "flags": flags}
        return _dump(ctx, db, cond)


# -- add or modify ----------------------------------------------------------------------------


def _coord_cond(name: str) -> dict:
    return {"assoc_cond": {"user_list": [name]}}


def _has_coord(coords, name) -> bool:
    name = (name or "").lower()
    return any((c.get("name") or "").lower() == name for c in coords or ())


def _add_coords(ctx: OperationContext, db, acct: dict, orig: dict | None) -> None:
    """``_foreach_add_acct_coord``: every coordinator of ``acct`` the account lacks."""
    for coord in acct.get("coordinators") or ():
        if orig is not None and _has_coord(orig.get("coordinators"), coord.get("name")):
            continue
        try:
            writes.coord_add(db, [acct["name"]], _coord_cond(coord.get("name")))
        except SlurmError as e:  # recorded; the next coordinator is still tried
            ctx.error(e.errno, "adding coordinator %s to account %s failed"
                      % (coord.get("name"), acct.get("name")), "slurmdb_coord_add()")


def _remove_coords(ctx: OperationContext, db, acct: dict, orig: dict) -> None:
    """``_foreach_rm_acct_coord``: every coordinator the request no longer lists."""
    for coord in orig.get("coordinators") or ():
        if _has_coord(acct.get("coordinators"), coord.get("name")):
            continue
        try:
            writes.coord_remove(db, [acct["name"]], _coord_cond(coord.get("name")))
        except SlurmError as e:
            ctx.error(e.errno or E.SLURM_ERROR,
                      "removing coordinator %s from account %s failed" % (coord.get("name"), acct.get("name")),
                      "slurmdb_coord_remove()")


def update_account(ctx: OperationContext, db, acct: dict) -> bool:
    """``_foreach_update_acct``: add or modify one account; False once an error was recorded."""
    cond = {"assoc_cond": {"acct_list": [acct.get("name")]}, "flags": ACCT_FLAG_WCOORD}
    found = update.exists(ctx, messages.accounts_get, db, cond, SOURCE)
    if found is None:
        return False
    if acct.get("assoc_list"):
        ctx.warn("Account associations ignored. They must be set via the associations end point.", SOURCE)
    if (acct.get("flags") or 0) & ACCT_FLAG_DELETED:
        ctx.warn("Ignoring request to set flag: DELETED", SOURCE)
    if not found:
        update.db_rc(ctx, "accounts", db, [acct], SOURCE)
        _add_coords(ctx, db, acct, None)
    elif len(found) > 1:
        ctx.error(E.ESLURM_DATA_AMBIGUOUS_MODIFY, "ambiguous account modify request", SOURCE)
    elif update.db_modify(ctx, "accounts", db, cond, acct, SOURCE) is not None:
        _add_coords(ctx, db, acct, found[0])
        _remove_coords(ctx, db, acct, found[0])
    return not ctx.errors


def update_accounts(ctx: OperationContext, db, accounts: list) -> bool:
    """``update_accounts``: each in turn, stopping at the first failure (POST config uses it)."""
    return all(update_account(ctx, db, acct) for acct in accounts)


def post_accounts(ctx: OperationContext):
    with session(ctx) as db:
        accounts = update.records(ctx, "OPENAPI_ACCOUNTS_RESP")
        if accounts is not None:
            update_accounts(ctx, db, accounts)
        return {}


def post_accounts_association(ctx: OperationContext):
    """``_add_accounts_association``: the result text is dumped whatever slurmdbd said."""
    with session(ctx) as db:
        req = update.parse_value(ctx, "OPENAPI_ACCOUNTS_ADD_COND_RESP")
        if req is None:
            return {}
        res = writes.add_cond(db, "accounts", req.get("add_assoc") or {}, req.get("acct"))
        if res.rc:
            ctx.error(res.rc, "slurmdb_accounts_add_cond() failed", "_add_accounts_association")
        return response(ctx, "OPENAPI_ACCOUNTS_ADD_COND_RESP_STR", res.comment)


def delete_account(ctx: OperationContext):
    """``_delete_account``: the account on every cluster, with all its associations."""
    with session(ctx) as db:
        name = path_param(ctx, "account_name")
        cond = {"assoc_cond": {"acct_list": [name], "user_list": []}}
        removed = update.db_list(ctx, "accounts", db, cond, "_delete_account")
        if removed is None:
            return {}
        return response(ctx, "OPENAPI_ACCOUNTS_REMOVED_RESP", removed)


HANDLERS = {
    ("/slurmdb/{data_parser}/accounts/", "get"): get_accounts,
    ("/slurmdb/{data_parser}/accounts/", "post"): post_accounts,
    ("/slurmdb/{data_parser}/account/{account_name}", "get"): get_account,
    ("/slurmdb/{data_parser}/account/{account_name}", "delete"): delete_account,
    ("/slurmdb/{data_parser}/accounts_association/", "post"): post_accounts_association,
}
