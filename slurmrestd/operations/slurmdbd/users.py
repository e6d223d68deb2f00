"""``users/``, ``user/{name}`` and ``users_association/`` (users.c).

GET dumps users.  POST ``users/`` adds or modifies each user of the body as the
reference decides it (deleted users included in the lookup): a user named in
``old_name`` is renamed (it must exist, the new name must not); otherwise an
unknown user is added and a known one modified.  Associations and coordinator
lists are ignored with a warning (their own endpoints set them); a default
wckey the user's wckey list lacks is added to it (on this cluster); the
``DELETED`` flag is dropped with a warning.  The first failure stops the list
and the request's transaction is rolled back.

POST ``users_association/`` adds users with associations in one
``DBD_ADD_USERS_COND`` (the user's default account or wckey fill an empty
account or wckey list, as sacctmgr does) and answers slurmdbd's result text.
DELETE ``user/{name}`` removes a user and lists what was removed.
"""

from __future__ import annotations

from slurmrestd.errors import E, SlurmError
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmdbd import update
from slurmrestd.operations.slurmdbd.common import dump_list, parse, path_param, query_data, response, session
from slurmrestd.rpc.dbd import messages, records, writes

SOURCE = "_foreach_update_user"
#: SLURMDB_USER_FLAG_DELETED (slurmdb.h)
USER_FLAG_DELETED = 0x1


def _dump(ctx: OperationContext, db, cond):
    # the reference dumps nothing after an error
    return dump_list(ctx, "OPENAPI_USERS_RESP", messages.users_get, db, cond, "_dump_users", failed=None)


def get_users(ctx: OperationContext):
    with session(ctx) as db:
        cond = parse(ctx, "USER_CONDITION", query_data(ctx))
        return _dump(ctx, db, cond)


def _user_name(ctx: OperationContext) -> str:
    name = path_param(ctx, "name")
    if not name:
        raise SlurmError(E.ESLURM_USER_ID_MISSING, "User name must be provided for singular query",
                         "op_handler_user")
    return name


def get_user(ctx: OperationContext):
    with session(ctx) as db:
        name = _user_name(ctx)
        query = parse(ctx, "OPENAPI_USER_QUERY", query_data(ctx))
        cond = {"assoc_cond": {"user_list": [name]}}
        for key in ("with_deleted", "with_assocs", "with_coords", "with_wckeys"):
            cond[key] = 1 if query.get(key) else 0
        return _dump(ctx, db, cond)


# -- add or modify ----------------------------------------------------------------------------


def _default_wckey(ctx: OperationContext, user: dict) -> None:
    """A default wckey missing from the user's wckey list is added to it (on this
    cluster); the list then has exactly one default."""
    name = user.get("default_wckey")
    if not name:
        return
    wckeys = user.get("wckey_list")
    key = None
    if wckeys is not None:
        key = next((w for w in wckeys if w.get("name") == name), None)
        for w in wckeys:
            w["is_def"] = 1 if w is key else 0
    if key is None:
        key = dict(records.WCKEY_REC_NEW, name=name, user=user.get("name"),
                   cluster=getattr(ctx.site, "cluster_name", None), is_def=1)
        user["wckey_list"] = (wckeys or []) + [key]


def update_user(ctx: OperationContext, db, user: dict) -> bool:
    """``_foreach_update_user``: add, modify or rename one user; False once an error was recorded."""
    user = dict(user)
    names: list = []
    cond = {"assoc_cond": {"user_list": names}, "with_deleted": 1}
    if user.get("old_name") == "":
        user["old_name"] = None  # not a rename from nothing
    old, new = user.get("old_name"), user.get("name")
    if old:
        names.append(old)
        found = update.exists(ctx, messages.users_get, db, cond, SOURCE)
        if found is None:
            return False
        if not found:
            ctx.error(E.ESLURM_USER_ID_MISSING, "Unable to rename non-existent user %s to %s" % (old, new), SOURCE)
            return False
        names[:] = [new]
        found = update.exists(ctx, messages.users_get, db, cond, SOURCE)
        if found is None:
            return False
        if found:
            ctx.error(E.ESLURM_DATA_AMBIGUOUS_MODIFY, "Unable to rename user %s to existing %s" % (old, new),
                      SOURCE)
            return False
        names.append(old)
        modify = True
    else:
        names.append(new)
        found = update.exists(ctx, messages.users_get, db, cond, SOURCE)
        if found is None:
            return False
        if len(found) > 1:
            ctx.error(E.ESLURM_DATA_AMBIGUOUS_MODIFY, "ambiguous user modify request", SOURCE)
            return False
        modify = bool(found)
    if user.get("assoc_list"):
        ctx.warn("User %s associations list ignored. They must be set via the associations end point." % new,
                 SOURCE)
        user["assoc_list"] = None
    if user.get("coord_accts"):
        ctx.warn("User %s coordinators list ignored. They must be set via the coordinators or accounts end "
                 "point." % new, SOURCE)
        user["coord_accts"] = None
    _default_wckey(ctx, user)
    if (user.get("flags") or 0) & USER_FLAG_DELETED:
        ctx.warn("Ignoring request to set flag: DELETED", SOURCE)
        user["flags"] &= ~USER_FLAG_DELETED
    if modify:
        update.db_modify(ctx, "users", db, cond, user, SOURCE)
    else:
        update.db_rc(ctx, "users", db, [user], SOURCE)
    return not ctx.errors


def update_users(ctx: OperationContext, db, users: list) -> bool:
    """``update_users``: each in turn, stopping at the first failure (POST config uses it)."""
    return all(update_user(ctx, db, user) for user in users)


def post_users(ctx: OperationContext):
    with session(ctx) as db:
        users = update.records(ctx, "OPENAPI_USERS_RESP")
        if users is not None:
            update_users(ctx, db, users)
        return {}


def addto_char_list(items: list, names: str | None) -> None:
    """``slurm_addto_char_list``: the comma separated ``names``, lower cased, each once."""
    for name in (names or "").split(","):
        name = name.strip("\"'").lower()
        if name and name not in items:
            items.append(name)


def post_users_association(ctx: OperationContext):
    """``_add_users_association``: the result text is dumped whatever slurmdbd said."""
    with session(ctx) as db:
        req = update.parse_value(ctx, "OPENAPI_USERS_ADD_COND_RESP")
        if req is None:
            return {}
        add_assoc = dict(req.get("add_assoc") or {})
        user = req.get("user") or {}
        for key, default in (("acct_list", "default_acct"), ("wckey_list", "default_wckey")):
            if user.get(default):
                lst = add_assoc[key] = list(add_assoc.get(key) or [])
                if not lst:
                    addto_char_list(lst, user[default])
        comment = None
        if not add_assoc.get("acct_list") and not add_assoc.get("wckey_list"):
            ctx.error(E.ESLURM_DATA_AMBIGUOUS_QUERY, "Need name of account(s) or wckey(s) to add",
                      "_add_users_association")
        else:
            res = writes.add_cond(db, "users", add_assoc, user)
            comment = res.comment
            if res.rc:
                ctx.error(res.rc, "%s" % res.comment, "slurmdb_users_add_cond")
        return response(ctx, "OPENAPI_USERS_ADD_COND_RESP_STR", comment)


def delete_user(ctx: OperationContext):
    """``_delete_user``."""
    with session(ctx) as db:
        name = _user_name(ctx)
        cond = {"assoc_cond": {"user_list": [name]}}
        removed = update.db_list(ctx, "users", db, cond, "_delete_user")
        if removed is None:
            return {}
        return response(ctx, "OPENAPI_USERS_REMOVED_RESP", removed)


HANDLERS = {
    ("/slurmdb/{data_parser}/users/", "get"): get_users,
    ("/slurmdb/{data_parser}/users/", "post"): post_users,
    ("/slurmdb/{data_parser}/user/{name}", "get"): get_user,
    ("/slurmdb/{data_parser}/user/{name}", "delete"): delete_user,
    ("/slurmdb/{data_parser}/users_association/", "post"): post_users_association,
}
