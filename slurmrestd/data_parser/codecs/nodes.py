"""Leaf codecs of the node types (``node_info_msg_t``, ``node_info_t``).

Values are what :mod:`slurmrestd.rpc.ctld.nodes` hands over: a
``node_info_msg_t`` dict ``{record_count, last_update, node_array}`` whose
blank entries (``name`` None) are nodes the controller hid or dynamic node
slots not yet assigned.
"""

from __future__ import annotations

from slurmrestd.data_parser.codecs.base import CodecSet
from slurmrestd.data_parser.members import member as _m

CODECS = CodecSet()
dumper, parser, DUMP = CODECS.dumper, CODECS.parser, CODECS.dump


@dumper("NODES")
def _dump_nodes(d, t, msg):
    """Every named node, in the controller's order; blank records are left out.
    A message without records warns "No nodes to dump"."""
    items = msg if isinstance(msg, list) else _m(msg, "node_array", [])
    count = len(items) if isinstance(msg, list) else _m(msg, "record_count", len(items))
    if not count:
        d.ctx.warn("", "No nodes to dump")
        return []
    node = d.reg["NODE"]
    return [d.dump(node, x, None) for x in items[:count] if _m(x, "name")]


@dumper("NODE_REASON_USER_ID")
def _dump_node_reason_uid(d, t, node):
    """The user who set the reason: only when there is a reason at all."""
    if _m(node, "reason") is None:
        return ""
    return d.dump(d.reg["USER_ID"], _m(node, "reason_uid"), None)
