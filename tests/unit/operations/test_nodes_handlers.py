"""The node handlers on real controller replies (tests/unit/rpc/golden/nodes): what
they answer, which RPCs they send, and what they refuse to send."""

import json
import os

import pytest

from ctld_replay import replay_client
from handler_run import run

from slurmrestd.auth import Identity
from slurmrestd.errors import E, SlurmError
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmctld import nodes as handlers
from slurmrestd.rpc.pack import Packer
from slurmrestd.slurm.msg_types import MsgType

GOLDEN = os.path.join(os.path.dirname(__file__), "..", "rpc", "golden", "nodes")
MPATH = os.path.join(GOLDEN, "manifest.json")
MANIFEST = json.load(open(MPATH)) if os.path.exists(MPATH) else {}

pytestmark = pytest.mark.skipif(not MANIFEST, reason="no node golden captures")


def ScriptedClient(*bases, fail=None):
    """A real client answered with the captured replies of one or more ops, in order."""
    replies = [ex for b in bases for ex in MANIFEST[b]["exchanges"]]
    version = MANIFEST[bases[0]]["version"] if bases else 0x2d00
    return replay_client(version, replies, GOLDEN, fail)


def sent(client):
    return [s.msg_type for s in client.transport.sent]


class Site:
    def __init__(self, client):
        self.client = client

    def ctld(self, identity):
        return self.client


def ctx_for(client, method="GET", params=None, query=None, version="v0.0.45"):
    return OperationContext(method, "/x", params or {}, query, Identity("rest_auth/jwt", "alice", "t"), version,
                            Site(client))


def test_get_nodes():
    client = ScriptedClient("forky-2d00-nodes_dynamic")
    ctx = ctx_for(client)
    doc = handlers.get_nodes(ctx)
    assert sent(client) == [2007, 2009] and not client.transport.replies
    assert list(doc) == ["nodes", "last_update", "meta", "errors", "warnings"]
    assert [n["name"] for n in doc["nodes"]][0] == "n1" and doc["nodes"][0]["partitions"] == ["debug"]
    assert ctx.errors == [] and ctx.rc == 0


def test_get_nodes_not_modified():
    client = ScriptedClient("forky-2d00-nodes_nochange")
    ctx = ctx_for(client, query={"update_time": "4000000000"})
    doc = handlers.get_nodes(ctx)
    assert ctx.rc == E.SLURM_NO_CHANGE_IN_DATA and ctx.errors == []  # 304
    assert sent(client) == [2007] and "nodes" not in doc


def test_get_unknown_node():
    client = ScriptedClient("trixie-2a00-node_missing")
    ctx = ctx_for(client, params={"node_name": "nosuch"}, version="v0.0.42")
    doc = handlers.get_node(ctx)
    assert list(doc) == ["errors", "warnings", "meta"]  # the reference's order when nothing is dumped
    assert ctx.errors == [{"description": "Failure to query node nosuch", "error_number": 0, "error": "No error",
                           "source": "_dump_nodes"}]
    assert ctx.rc == 0 and sent(client) == [2040]  # no partition load


def test_bad_query_sends_nothing():
    client = ScriptedClient()
    ctx = ctx_for(client, query={"flags": "BOGUS"})
    assert run(handlers.get_nodes, ctx) is None
    assert [e["error_number"] for e in ctx.errors] == [9207, 9000] and sent(client) == []


def test_denied_update():
    client = ScriptedClient("forky-2d00-update_denied")
    ctx = ctx_for(client, "POST", {"node_name": "n1"}, {"state": ["DRAIN"], "reason": "golden", "name": "other"})
    doc = handlers.post_node(ctx)
    assert list(doc) == ["errors", "warnings", "meta"] and sent(client) == [3002]
    assert ctx.errors[0]["error_number"] == 2010 and ctx.errors[0]["source"] == "_update_node"
    assert ctx.errors[0]["description"] == "Failure to update node n1"
    assert ctx.warnings[-1] == {"description": "node_names field other ignored for singular node update",
                                "source": "_update_node"}


def test_bad_update_sends_nothing():
    client = ScriptedClient()
    ctx = ctx_for(client, "POST", query={"name": "n1", "state": ["NOPE"]})
    assert run(handlers.post_nodes, ctx) is None
    assert [e["error_number"] for e in ctx.errors] == [9207, 9000] and sent(client) == []
    assert ctx.errors[1]["source"] == "_update_nodes"


def test_lost_reply_is_not_resent():
    client = ScriptedClient(fail=SlurmError(E.SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT, "timed out", "x"))
    ctx = ctx_for(client, "POST", query={"name": "n1", "comment": "x"})
    handlers.post_nodes(ctx)
    assert sent(client) == [3002]
    assert ctx.errors[0]["error_number"] == E.SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT
    assert ctx.warnings[-1]["source"] == "slurmctld" and "not sent again" in ctx.warnings[-1]["description"]


def test_delete_with_controller_text():
    client = ScriptedClient("forky-2d00-delete_unknown")
    ctx = ctx_for(client, "DELETE", {"node_name": "nosuch"})
    handlers.delete_node(ctx)
    assert ctx.errors[0]["description"] == "Failure to delete node nosuch"
    assert ctx.errors[0]["source"] == "op_handler_node" and ctx.errors[0]["error_number"] == 2018
    assert all(w["source"] == "slurm_delete_node()" for w in ctx.warnings)


def test_create_denied():
    client = ScriptedClient("forky-2d00-create_denied")
    ctx = ctx_for(client, "POST", query={"node_conf": "NodeName=gdeny CPUs=1 State=CLOUD"})
    handlers.create_node(ctx)
    assert sent(client) == [3015] and ctx.errors[0]["error_number"] == 2010
    assert ctx.errors[0]["source"] == "_create_node"


def test_get_nodes_sends_both_requests_before_reading():
    """GET nodes (no update_time): the partition request is begun with the node request, and
    a failed node request closes it unread (its error is the request's, as before)."""
    part = MANIFEST["forky-2d00-nodes_dynamic"]["exchanges"][1]
    client = replay_client(0x2d00, [(MsgType.RESPONSE_SLURM_RC, Packer().u32(E.ESLURM_ACCESS_DENIED).getvalue()),
                                    part], GOLDEN)
    ctx = ctx_for(client)
    handlers.get_nodes(ctx)
    assert sent(client) == [2007, 2009] and len(client.transport.abandoned) == 1
    assert [e["error_number"] for e in ctx.errors] == [E.ESLURM_ACCESS_DENIED]
    assert ctx.errors[0]["description"] == "Failure to query nodes"


def test_get_nodes_unreachable_controller_sends_no_partition_request():
    """A node request that cannot be sent is the answer; the partition request is not begun
    (the connection retries are not paid twice)."""
    client = replay_client(0x2d00, [], GOLDEN, fail=SlurmError(E.SLURMCTLD_COMMUNICATIONS_CONNECTION_ERROR))
    ctx = ctx_for(client)
    handlers.get_nodes(ctx)
    assert sent(client) == [2007]
    assert [e["error_number"] for e in ctx.errors] == [E.SLURMCTLD_COMMUNICATIONS_CONNECTION_ERROR]
