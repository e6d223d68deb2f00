"""GET /slurmdb/{v}/accounts/ and /account/{account_name} (accounts.c)."""

from __future__ import annotations

from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmdbd.common import (ACCT_FLAG_DELETED, ACCT_FLAG_WASSOC, ACCT_FLAG_WCOORD, parse,
                                                   path_param, query_data, query_list, response, session)
from slurmrestd.rpc.dbd import messages


def _dump(ctx: OperationContext, db, cond):
    # the reference dumps the (possibly empty) list even after an error
    items = query_list(ctx, messages.accounts_get, db, cond, "_dump_accounts")
    return response(ctx, "OPENAPI_ACCOUNTS_RESP", items)


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


HANDLERS = {
    ("/slurmdb/{data_parser}/accounts/", "get"): get_accounts,
    ("/slurmdb/{data_parser}/account/{account_name}", "get"): get_account,
}
