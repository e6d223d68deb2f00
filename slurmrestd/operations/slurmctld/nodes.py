"""Nodes: list, show, update (one node or a host list), delete and create
dynamic nodes (the reference's ``nodes.c``).

Every request talks to the controller as its caller (``ctx.ctld``), so the
controller decides who may drain,
resume, delete or create nodes; its refusal comes back as the request's error
with the reference's text, source and status.

Where we differ from the reference on purpose:

* input that does not parse (an unknown state name, a bad ``update_time``)
  ends the request with the parser's error followed by the 9000 "Rejecting
  request" error and status 422, and nothing is sent to the controller.  The
  reference would go on and apply the part of an update it understood, and
  answer 500;
* ``GET nodes`` with an ``update_time`` after the last change answers
  ``304 Not Modified`` with a well-formed empty response (the reference writes
  its ``Connection`` header after the blank line);
* when the controller explains why it refused to create or delete a node, its
  text is added as a warning.
"""

from __future__ import annotations

from slurmrestd.errors import E, SlurmError, strerror
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.failures import errno_of
from slurmrestd.operations.slurmctld.listings import dump_list, query
from slurmrestd.rpc.ctld import nodes as rpc

_BAD_QUERY = "Rejecting request. Failure parsing query."
_BAD_REQUEST = "Rejecting request. Failure parsing request."


#: Errors after which the controller may or may not have applied a request.
_OUTCOME_UNKNOWN = frozenset(int(x) for x in (
    E.SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT, E.SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR,
    E.SLURM_COMMUNICATIONS_RECEIVE_ERROR, E.SLURMCTLD_COMMUNICATIONS_SHUTDOWN_ERROR))


def _lost_reply(ctx: OperationContext, exc: SlurmError, what: str) -> None:
    """Updates are sent once: say so when the answer, not the request, was lost."""
    if exc.errno in _OUTCOME_UNKNOWN:
        ctx.warn("The controller's reply to the %s was lost after the request was sent: it may have been "
                 "applied. It was not sent again; check the nodes before retrying." % what, "slurmctld")


def _envelope_only() -> dict:
    """A response the handler did not dump: the envelope in the reference's key order."""
    return {"errors": None, "warnings": None, "meta": None}


def _controller_text(ctx: OperationContext, exc: SlurmError) -> None:
    """The controller's own explanation (RESPONSE_SLURM_RC_MSG), when it sent one."""
    if 1000 <= exc.errno < 2000 or 5000 <= exc.errno < 6000:
        return  # protocol/communication errors: our own text, not the controller's
    if exc.description and exc.errno and exc.description != strerror(exc.errno):
        ctx.warn(exc.description, exc.source)


# -- GET nodes, GET node/{node_name} -------------------------------------------------------------

def _dump_nodes(ctx: OperationContext, name: str | None):
    src = "_dump_nodes"
    q = query(ctx, "OPENAPI_NODES_QUERY", src, _BAD_QUERY)
    show_flags = q.get("show_flags") or rpc.DEFAULT_SHOW_FLAGS
    update_time = q.get("update_time") or 0
    client = ctx.ctld
    nodes_sent = parts_sent = None
    if name is None and not update_time:
        # The whole table is asked for, so the controller answers with it (never "no
        # change"): the partition request goes out at once, and both are served together
        # (not when the node request could not be sent: its error is the answer).
        nodes_sent = rpc.begin_load_nodes(client, 0, show_flags)
        if nodes_sent.sent:
            parts_sent = rpc.begin_load_partitions(client, 0, show_flags)
    try:
        if name is None:
            msg = rpc.load_nodes(client, update_time, show_flags, pending=nodes_sent)
        else:
            msg = rpc.load_node(client, name, show_flags)
    except SlurmError as e:
        client.drop(parts_sent)
        if name is None and e.errno == E.SLURM_NO_CHANGE_IN_DATA:
            ctx.forced_rc = E.SLURM_NO_CHANGE_IN_DATA  # 304 Not Modified, no body
            return _envelope_only()
        ctx.error(errno_of(e), "Failure to query nodes" if name is None else "Failure to query node %s" % name,
                  src)
        return _envelope_only()
    if name is not None and not msg["record_count"]:
        # the controller knows no such node: the reference reports it with error 0 (200)
        ctx.error(0, "Failure to query node %s" % name, src)
        return _envelope_only()
    resp = {"nodes": None, "last_update": 0}
    if not msg["record_count"]:
        client.drop(parts_sent)
    else:
        try:
            # current partitions (update_time 0) for the node -> partition map
            parts = rpc.load_partitions(client, 0, show_flags, pending=parts_sent)
        except SlurmError as e:
            ctx.error(errno_of(e), "Unable to query partitions", src)
            return _envelope_only()
        rpc.populate_node_partitions(msg, parts)
        resp = {"nodes": msg, "last_update": msg["last_update"]}
    return dump_list(ctx, "OPENAPI_NODES_RESP", resp)


def get_nodes(ctx: OperationContext):
    return _dump_nodes(ctx, None)


def get_node(ctx: OperationContext):
    return _dump_nodes(ctx, ctx.params.get("node_name", ""))


# -- updates ----------------------------------------------------------------------------------

def _send_update(ctx: OperationContext, msg: dict, source: str) -> None:
    try:
        rpc.update_node(ctx.ctld, msg)
    except SlurmError as e:
        names = msg.get("node_names")
        ctx.error(errno_of(e), "Failure to update node %s" % (names if names is not None else "(null)"), source)
        _lost_reply(ctx, e, "node update")


def post_nodes(ctx: OperationContext):
    """``_update_nodes``: one update for every node the body's ``name`` host list names."""
    src = "_update_nodes"
    msg = ctx.parse("UPDATE_NODE_MSG", ctx.input, description=_BAD_REQUEST, source=src)
    _send_update(ctx, msg, src)
    return _envelope_only()


def post_node(ctx: OperationContext):
    """``_update_node``: the path names the node(s); a ``name`` in the body is ignored."""
    src = "_update_node"
    name = ctx.params.get("node_name", "")
    msg = ctx.parse("UPDATE_NODE_MSG", ctx.input, description=_BAD_REQUEST, source=src)
    if msg.get("node_names"):
        ctx.warn("node_names field %s ignored for singular node update" % msg["node_names"], src)
    msg["node_names"] = name
    _send_update(ctx, msg, src)
    return _envelope_only()


def delete_node(ctx: OperationContext):
    name = ctx.params.get("node_name", "")
    try:
        rpc.delete_node(ctx.ctld, name)
    except SlurmError as e:
        ctx.error(errno_of(e), "Failure to delete node %s" % name, "op_handler_node")
        _controller_text(ctx, e)
        _lost_reply(ctx, e, "node deletion")
    return _envelope_only()


def create_node(ctx: OperationContext):
    """``_create_node``: a dynamic node from a slurm.conf style line (``node_conf``)."""
    src = "_create_node"
    req = ctx.parse("OPENAPI_CREATE_NODE_REQ", ctx.input, description=_BAD_REQUEST, source=src)
    try:
        rpc.create_node(ctx.ctld, req.get("response"))
    except SlurmError as e:
        ctx.error(errno_of(e), "Failure to create node", src)
        _controller_text(ctx, e)
        _lost_reply(ctx, e, "node creation")
    return _envelope_only()


HANDLERS = {
    ("/slurm/{data_parser}/nodes/", "get"): get_nodes,
    ("/slurm/{data_parser}/nodes/", "post"): post_nodes,
    ("/slurm/{data_parser}/node/{node_name}", "get"): get_node,
    ("/slurm/{data_parser}/node/{node_name}", "post"): post_node,
    ("/slurm/{data_parser}/node/{node_name}", "delete"): delete_node,
    ("/slurm/{data_parser}/new/node/", "post"): create_node,
}
