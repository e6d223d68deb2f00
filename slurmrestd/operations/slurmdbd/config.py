"""GET and POST /slurmdb/{v}/config: everything slurmdbd holds, in one document (config.c).

GET: the seven queries run in the reference's order and stop at the first
failure (then nothing is dumped).  Empty wckeys are not warned about.

POST is the bulk load of the same lists, in the reference's order: clusters,
TRES, accounts, users, QOS, wckeys, associations, committed once at the end.
As in the reference's release builds, the TRES step never succeeds (TRES
cannot be loaded, see ``tres.py``) and says nothing when not committing, so
the chain always stops after the clusters and the whole request is rolled
back: the answer is the clusters step's error, or none at all, and slurmdbd
is left as it was.
"""

from __future__ import annotations

import logging

from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmdbd import update
from slurmrestd.operations.slurmdbd.clusters import update_clusters
from slurmrestd.operations.slurmdbd.common import (ACCT_FLAG_DELETED, ACCT_FLAG_WASSOC, ACCT_FLAG_WCOORD,
                                                   ASSOC_COND_FLAG_RAW_QOS, ASSOC_COND_FLAG_SUB_ACCTS,
                                                   ASSOC_COND_FLAG_WITH_DELETED, ASSOC_COND_FLAG_WITH_USAGE,
                                                   QOS_COND_FLAG_WITH_DELETED, query_list, session)
from slurmrestd.rpc.dbd import messages
from slurmrestd.rpc.pack import NO_VAL


def get_config(ctx: OperationContext):
    assoc_cond = {"flags": ASSOC_COND_FLAG_WITH_DELETED | ASSOC_COND_FLAG_WITH_USAGE | ASSOC_COND_FLAG_RAW_QOS
                  | ASSOC_COND_FLAG_SUB_ACCTS}
    steps = (
        ("clusters", messages.clusters_get, {"flags": NO_VAL, "with_deleted": 1, "with_usage": 1}, False),
        ("tres", messages.tres_get, {"with_deleted": 1, "count": NO_VAL}, False),
        ("accounts", messages.accounts_get,
         {"assoc_cond": assoc_cond, "flags": ACCT_FLAG_DELETED | ACCT_FLAG_WASSOC | ACCT_FLAG_WCOORD}, False),
        ("users", messages.users_get,
         {"assoc_cond": assoc_cond, "with_deleted": 1, "with_assocs": 1, "with_coords": 1}, False),
        ("qos", messages.qos_get, {"flags": QOS_COND_FLAG_WITH_DELETED}, False),
        ("wckeys", messages.wckeys_get, {"with_deleted": 1, "with_usage": 1}, True),
        ("associations", messages.associations_get, assoc_cond, False),
    )
    with session(ctx) as db:
        resp = {}
        for key, fn, cond, ignore_empty in steps:
            items = query_list(ctx, fn, db, cond, "_dump", ignore_empty)
            if items is None:
                return None
            resp[key] = items or None
        return ctx.dump("OPENAPI_SLURMDBD_CONFIG_RESP", resp)


log = logging.getLogger(__name__)


def post_config(ctx: OperationContext):
    with session(ctx) as db:
        body = update.parse_body(ctx, "OPENAPI_SLURMDBD_CONFIG_RESP")
        if body is None:
            return None
        if update_clusters(ctx, db, body.get("clusters")):
            # update_tres(commit=false) fails without a word: the chain ends here, uncommitted
            log.info("POST config: TRES cannot be loaded; nothing of the request is kept")
        db.release(commit=False)
        return None


HANDLERS = {
    ("/slurmdb/{data_parser}/config", "get"): get_config,
    ("/slurmdb/{data_parser}/config", "post"): post_config,
}
