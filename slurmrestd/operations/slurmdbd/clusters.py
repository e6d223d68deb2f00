"""GET /slurmdb/{v}/clusters/ and /cluster/{cluster_name} (cluster.c).

``clusters/`` reads a ``CLUSTER_CONDITION`` from the query, as the reference
does (its OpenAPI document lists ``update_time`` instead; that one is ignored
with a warning by both).  ``cluster/{cluster_name}`` applies the documented
``CLUSTER_CONDITION`` query on top of the name; the reference ignores that
query, so without one both answer the same.
"""

from __future__ import annotations

from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmdbd.common import path_param, parse, query_data, query_list, response, session
from slurmrestd.rpc.dbd import messages
from slurmrestd.rpc.pack import NO_VAL


def _dump(ctx: OperationContext, db, cond):
    items = query_list(ctx, messages.clusters_get, db, cond, "_dump_clusters")
    return response(ctx, "OPENAPI_CLUSTERS_RESP", items)


def get_clusters(ctx: OperationContext):
    with session(ctx) as db:
        cond = parse(ctx, "CLUSTER_CONDITION", query_data(ctx))
        return _dump(ctx, db, cond)


def get_cluster(ctx: OperationContext):
    with session(ctx) as db:
        cond = dict(parse(ctx, "CLUSTER_CONDITION", query_data(ctx))) if ctx.query else {"flags": NO_VAL}
        cond["cluster_list"] = [path_param(ctx, "cluster_name")]
        return _dump(ctx, db, cond)


HANDLERS = {
    ("/slurmdb/{data_parser}/clusters/", "get"): get_clusters,
    ("/slurmdb/{data_parser}/cluster/{cluster_name}", "get"): get_cluster,
}
