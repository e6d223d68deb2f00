"""GET and POST /slurmdb/{v}/clusters/, GET and DELETE /cluster/{cluster_name} (cluster.c).

``clusters/`` reads a ``CLUSTER_CONDITION`` from the query, as the reference
does (its OpenAPI document lists ``update_time`` instead; that one is ignored
with a warning by both).  ``cluster/{cluster_name}`` applies the documented
``CLUSTER_CONDITION`` query on top of the name; the reference ignores that
query, so without one both answer the same.

``POST clusters/`` adds the list as it is (``slurmdb_clusters_add``; slurmdbd
updates a cluster of that name that exists, resetting its flags, so never post
a live cluster).  ``DELETE cluster/{name}`` dumps the removed names only when
slurmdbd listed some.
"""

from __future__ import annotations

from slurmrestd.operations.context import OperationContext
from slurmrestd.errors import E, SlurmError
from slurmrestd.operations.slurmdbd import update
from slurmrestd.operations.slurmdbd.common import dump_list, parse, path_param, query_data, response, session
from slurmrestd.rpc.dbd import messages, writes
from slurmrestd.rpc.pack import NO_VAL


def _dump(ctx: OperationContext, db, cond):
    return dump_list(ctx, "OPENAPI_CLUSTERS_RESP", messages.clusters_get, db, cond, "_dump_clusters")


def get_clusters(ctx: OperationContext):
    with session(ctx) as db:
        cond = parse(ctx, "CLUSTER_CONDITION", query_data(ctx))
        return _dump(ctx, db, cond)


def get_cluster(ctx: OperationContext):
    with session(ctx) as db:
        cond = dict(parse(ctx, "CLUSTER_CONDITION", query_data(ctx))) if ctx.query else {"flags": NO_VAL}
        cond["cluster_list"] = [path_param(ctx, "cluster_name")]
        return _dump(ctx, db, cond)


def update_clusters(ctx: OperationContext, db, items: list | None) -> bool:
    """``update_clusters``: ``slurmdb_clusters_add`` of the whole list (None: a NULL list,
    which slurmdbd refuses as an empty list)."""
    return update.db_rc(ctx, "clusters", db, items, "update_clusters")


def post_clusters(ctx: OperationContext):
    with session(ctx) as db:
        body = update.parse_body(ctx, "OPENAPI_CLUSTERS_RESP")
        if body is not None:
            update_clusters(ctx, db, body.get("response"))
        return None


def delete_cluster(ctx: OperationContext):
    with session(ctx) as db:
        name = path_param(ctx, "cluster_name")
        if not name:
            raise SlurmError(E.ESLURM_REST_INVALID_QUERY, "Unable to parse cluster name", "op_handler_cluster")
        removed = update.db_list(ctx, "clusters", db, {"flags": NO_VAL, "cluster_list": [name]},
                                 "_delete_cluster")
        return response(ctx, "OPENAPI_CLUSTERS_REMOVED_RESP", removed) if removed else None


HANDLERS = {
    ("/slurmdb/{data_parser}/clusters/", "get"): get_clusters,
    ("/slurmdb/{data_parser}/clusters/", "post"): post_clusters,
    ("/slurmdb/{data_parser}/cluster/{cluster_name}", "get"): get_cluster,
    ("/slurmdb/{data_parser}/cluster/{cluster_name}", "delete"): delete_cluster,
}
