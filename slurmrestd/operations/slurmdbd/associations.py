"""``associations/`` and ``association/`` (the reference's ``associations.c``).

The query (or a JSON body sent instead) is an ``ASSOC_CONDITION``; the flag
parameters keep the reference's names (``Include deleted associations`` …).
``associations/`` completes a usage window as the reference does: a start
without an end ends now, a reversed window is swapped.  ``association/``
answers one association: more than one match is an error (and none dumped).

Association records come back from slurmdbd flat; their QOS ids, TRES strings
and parent links are resolved by the data parser against the tables of the same
request (see :mod:`common`).

POST ``associations/`` adds or modifies each association of the body, keyed by
account, cluster, partition and user (an absent one is the empty string: an
empty list would be a wildcard).  An association that does not exist is added
as given; one that does is modified with the reference's diff (``diff_assoc``):
the stored record with the request's values over it, where a TRES limit the
request does not list is removed (count −1) and a limit left unset keeps its
value.  DELETE ``association/`` removes exactly one association (more than one
match is an error) and ``associations/`` every match; both list what went.
"""

from __future__ import annotations

import time

from slurmrestd.errors import E
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmdbd import dbquery, update
from slurmrestd.operations.slurmdbd.common import dump_list, parse, response, session
from slurmrestd.rpc.dbd import assoc as rpc, records, writes
from slurmrestd.slurm.sentinels import INFINITE64

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
    return dump_list(ctx, "OPENAPI_ASSOCS_RESP", associations_get, db, cond, "_dump_assoc_cond", func_name=FUNC,
                     none_if_empty=True, single="association" if only_one else None)


def _handle(ctx: OperationContext, source: str, only_one: bool) -> dict:
    with session(ctx) as db:
        cond = dict(parse(ctx, "ASSOC_CONDITION_PTR", ctx.query, source=source) or {})
        if not only_one:
            fix_usage_window(cond)
        return _dump(ctx, db, cond, only_one)


def get_associations(ctx: OperationContext) -> dict:
    return _handle(ctx, "op_handler_associations", False)


def get_association(ctx: OperationContext) -> dict:
    return _handle(ctx, "op_handler_association", True)



# -- add or modify ----------------------------------------------------------------------------

SOURCE = "_foreach_update_assoc"
#: TRES limits the diff rewrites (C member names)
TRES_LIMITS = ("grp_tres", "grp_tres_mins", "grp_tres_run_mins", "max_tres_mins_pj", "max_tres_run_mins",
               "max_tres_pj", "max_tres_pn")
#: members the diff takes from the request as they are (NO_VAL there = leave unchanged)
TAKEN = ("def_qos_id", "grp_jobs", "grp_jobs_accrue", "grp_submit_jobs", "grp_wall", "is_def", "max_jobs",
         "max_jobs_accrue", "max_submit_jobs", "max_wall_pj", "min_prio_thresh", "priority", "shares_raw")
#: members taken from the request only when it gives them
IF_GIVEN = ("accounting_list", "acct", "cluster", "partition", "qos_list", "user")


def _tres_pairs(text: str | None) -> dict[int, int]:
    """``slurmdb_tres_list_from_string(TRES_STR_FLAG_REPLACE)`` of an ``id=count,…`` string."""
    out: dict[int, int] = {}
    for item in (text or "").split(","):
        ident, sep, count = item.partition("=")
        if not sep or not ident.strip().isdigit() or int(ident) <= 0:
            break
        count = count.lstrip("+-")
        digits = ""
        for ch in count:
            if not ch.isdigit():
                break
            digits += ch
        out[int(ident)] = int(digits or 0) & INFINITE64
    return out


def diff_tres(current: str | None, wanted: str | None) -> str | None:
    """``_diff_tres``: a TRES string that turns ``current`` into ``wanted``: counts of
    the TRES ``wanted`` lists, −1 (remove) for the others, new ones appended."""
    if not current:
        return wanted
    cur, new = _tres_pairs(current), _tres_pairs(wanted)
    out = {ident: new.get(ident, INFINITE64) for ident in cur}
    for ident, count in new.items():
        out.setdefault(ident, count)
    return ",".join("%d=%d" % kv for kv in out.items()) or None


def diff_assoc(stored: dict, wanted: dict) -> dict:
    """``_diff_assoc``: the modify record that gives ``stored`` the state ``wanted``
    describes (slurmdbd takes changes, not a final state)."""
    rec = dict(stored)
    for key in IF_GIVEN:
        if wanted.get(key) is not None:
            rec[key] = wanted[key]
    for key in TAKEN:
        rec[key] = wanted.get(key, records.ASSOC_REC_NEW[key])
    for key in TRES_LIMITS:
        rec[key] = diff_tres(stored.get(key), wanted.get(key))
    parent = wanted.get("parent_acct")
    rec["parent_acct"] = parent if parent and parent != stored.get("parent_acct") else None
    return rec


def _key_cond(assoc: dict) -> dict:
    # an empty list is a wildcard for slurmdbd: unset members are matched as ""
    return {"acct_list": [assoc.get("acct") or ""], "cluster_list": [assoc.get("cluster") or ""],
            "partition_list": [assoc.get("partition") or ""], "user_list": [assoc.get("user") or ""]}


def update_association(ctx: OperationContext, db, assoc: dict) -> bool:
    """``_foreach_update_assoc``: add or modify one association; False once an error was recorded."""
    assoc = dict(assoc)
    if assoc.get("parent_acct") == "":
        assoc["parent_acct"] = None
    cond = _key_cond(assoc)
    # the existence check: a failure is recorded, and then it is an add (as the reference)
    found = update.exists(ctx, associations_get, db, cond, SOURCE)
    if not found:
        update.db_rc(ctx, "associations", db, [assoc], SOURCE)
    elif len(found) > 1:
        ctx.error(E.ESLURM_DATA_AMBIGUOUS_MODIFY, "ambiguous association modify request", SOURCE)
    else:
        update.db_modify(ctx, "associations", db, cond, diff_assoc(found[0], assoc), SOURCE)
    return not ctx.errors


def update_associations(ctx: OperationContext, db, assocs: list) -> bool:
    """``update_associations``: each in turn, stopping at the first failure (POST config uses it)."""
    return all(update_association(ctx, db, a) for a in assocs)


def post_associations(ctx: OperationContext) -> dict:
    with session(ctx) as db:
        assocs = update.records(ctx, "OPENAPI_ASSOCS_RESP")
        if assocs is not None:
            update_associations(ctx, db, assocs)
        return {}


def _delete(ctx: OperationContext, only_one: bool, source: str) -> dict:
    """``_delete_assoc``."""
    with session(ctx) as db:
        cond = dict(parse(ctx, "ASSOC_CONDITION_PTR", ctx.query, source=source) or {})
        if not only_one:
            fix_usage_window(cond)
        removed = update.db_list(ctx, "associations", db, cond, "_delete_assoc")
        if removed is None:
            ctx.error(ctx.errors[-1]["error_number"], "remove associations failed", "_delete_assoc")
            return {}
        if only_one and len(removed) > 1:
            ctx.error(E.ESLURM_DATA_AMBIGUOUS_MODIFY,
                      "ambiguous request: More than 1 association would have been deleted.", "_delete_assoc")
            return {}
        return response(ctx, "OPENAPI_ASSOCS_REMOVED_RESP", removed)


def delete_associations(ctx: OperationContext) -> dict:
    return _delete(ctx, False, "op_handler_associations")


def delete_association(ctx: OperationContext) -> dict:
    return _delete(ctx, True, "op_handler_association")

HANDLERS = {
    ("/slurmdb/{data_parser}/associations/", "get"): get_associations,
    ("/slurmdb/{data_parser}/associations/", "post"): post_associations,
    ("/slurmdb/{data_parser}/associations/", "delete"): delete_associations,
    ("/slurmdb/{data_parser}/association/", "get"): get_association,
    ("/slurmdb/{data_parser}/association/", "delete"): delete_association,
}
