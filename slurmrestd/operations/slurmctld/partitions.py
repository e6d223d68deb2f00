"""Partitions: list, show, create/update and delete (the reference's ``partitions.c``).

Every handler talks to the controller as the caller (``ctx.ctld``), so
partitions are changed as the caller and the controller decides who may.  Error texts and sources follow the reference
handlers.  "Nothing changed since ``update_time``" answers 304 with no body,
as the reference does; an unknown partition is a 200 with a warning.  When the
list cannot be read at all the error is in ``errors[]`` (the reference sends
only the status, with an empty ``errors[]``).

Changes are sent once: the client is pinned to the protocol version it
already found before a create/update/delete goes out, so a lost reply is
reported instead of the request being repeated.
"""

from __future__ import annotations

from slurmrestd.data_parser.versions import VERSIONS_24_11_ONLY
from slurmrestd.errors import E, SlurmError
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.failures import errno_of
from slurmrestd.operations.slurmctld.listings import dump_list, pinned, query
from slurmrestd.rpc.ctld import partitions as rpc

#: members the controller sets itself: given in a description they are ignored,
#: in this order and with these names in the warning (``_warn_on_ignore_values``)
IGNORED = (("cluster_name", "cluster"), ("cr_type", "select_type"), ("resume_timeout", "timeouts/resume"),
           ("suspend_time", "suspend_time"), ("suspend_timeout", "timeouts/suspend"),
           ("total_cpus", "cpus/total"), ("total_nodes", "nodes/total"), ("tres_fmt_str", "tres/configured"))

def _resp(msg: dict, parts: list | None = None) -> dict:
    return {"partitions": {**msg, "partition_array": parts} if parts is not None else msg,
            "last_update": msg["last_update"]}


# -- GET/POST partitions ------------------------------------------------------------------------

def get_partitions(ctx: OperationContext):
    src = "_partitions_get"
    q = query(ctx, "OPENAPI_PARTITIONS_QUERY", src)
    try:
        msg = rpc.load_partitions(ctx.ctld, q.get("update_time") or 0, q.get("show_flags") or 0)
    except SlurmError as e:
        if e.errno == E.SLURM_NO_CHANGE_IN_DATA:
            ctx.forced_rc = E.SLURM_NO_CHANGE_IN_DATA  # 304, no body
            return None
        raise SlurmError(errno_of(e), "Unable to query partitions", "slurm_load_partitions()") from None
    if msg is None:
        return dump_list(ctx, "OPENAPI_PARTITION_RESP", {"partitions": None, "last_update": 0})
    return dump_list(ctx, "OPENAPI_PARTITION_RESP", _resp(msg))


def post_partitions(ctx: OperationContext):
    """``_partitions_mod``: create the partitions that do not exist, update the others."""
    src = "_partitions_mod"
    req = ctx.parse("OPENAPI_PARTITIONS_MOD_REQ", ctx.input, description="Rejecting request. Failure parsing query",
                    source=src)
    descs = req.get("response")
    if descs is None:
        raise SlurmError(E.ESLURM_REST_INVALID_QUERY, "A partition description must be provided.", src)
    client = ctx.ctld
    try:
        msg = rpc.load_partitions(client, 0, 0)
    except SlurmError as e:
        raise SlurmError(errno_of(e), "Unable to query partitions", "slurm_load_partitions()") from None
    names = {p["name"] for p in (msg or {}).get("partition_array") or ()}
    pinned(client)
    for index, desc in enumerate(descs):
        _create_or_update(ctx, client, desc or {}, index, names)
    return ctx.dump("OPENAPI_RESP", {})


def _create_or_update(ctx: OperationContext, client, desc: dict, index: int, names: set) -> None:
    name = desc.get("name")
    if not name:
        ctx.error(E.ESLURM_INVALID_PARTITION_NAME, "The partition description at index %u must specify a "
                  "name. Skipping" % index, "_foreach_create_update_partition")
        return
    ignored = [label for member, label in IGNORED if desc.get(member)]
    if ignored:
        ctx.warn("The partition description at index %u contains the following ignored fields: %s"
                 % (index, ", ".join(ignored)), "_warn_on_ignore_values")
    # the RPC has no node sets: they join the node list (unless "ALL", which only the
    # controller reports for Nodes=ALL)
    nodesets = desc.get("nodesets")
    if nodesets and nodesets != "ALL":
        desc = {**desc, "nodes": (desc["nodes"] + "," if desc.get("nodes") else "") + nodesets}
    exists = name.lower() == "default" or name in names
    try:
        (rpc.update_partition if exists else rpc.create_partition)(client, desc)
    except SlurmError as e:
        ctx.error(errno_of(e), "Failed to %s partition %s with description at index %u"
                  % ("update" if exists else "create", name, index),
                  "slurm_update_partition" if exists else "slurm_create_partition")


# -- GET/DELETE partition/{partition_name} ------------------------------------------------------

def get_partition(ctx: OperationContext):
    src = "_partition_get"
    name = ctx.params.get("partition_name")
    q = query(ctx, "OPENAPI_PARTITIONS_QUERY", src)
    try:
        msg = rpc.load_partitions(ctx.ctld, q.get("update_time") or 0, q.get("show_flags") or rpc.SHOW_ALL)
    except SlurmError as e:
        raise SlurmError(errno_of(e), "Unable to query partitions", src) from None
    if msg is None:
        return {}
    found = next((p for p in msg["partition_array"] if (name or "").lower() == p["name"].lower()), None)
    if found is None:
        if ctx.version in VERSIONS_24_11_ONLY:  # Slurm 24.11's plugin: an error, not a warning
            raise SlurmError(E.ESLURM_REST_INVALID_QUERY, "Unable to find partition %s" % name,
                             "op_handler_partition")
        ctx.warn("Unable to find partition %s" % name, src)
        return {}
    return dump_list(ctx, "OPENAPI_PARTITION_RESP", _resp(msg, [found]))


def delete_partition(ctx: OperationContext):
    try:
        rpc.delete_partition(pinned(ctx.ctld), ctx.params.get("partition_name"))
    except SlurmError as e:
        ctx.error(errno_of(e), "Unable to delete partition", "slurm_delete_partition()")
    return ctx.dump("OPENAPI_RESP", {})


HANDLERS = {
    ("/slurm/{data_parser}/partitions/", "get"): get_partitions,
    ("/slurm/{data_parser}/partitions/", "post"): post_partitions,
    ("/slurm/{data_parser}/partition/{partition_name}", "get"): get_partition,
    ("/slurm/{data_parser}/partition/{partition_name}", "delete"): delete_partition,
}
