"""The helpers the node, partition and reservation handlers share."""

import pytest

from slurmrestd.auth import Identity
from slurmrestd.errors import E, SlurmError
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.slurmctld import listings


def ctx_for(query):
    return OperationContext("GET", "/", {}, query, Identity("rest_auth/jwt", "alice", "t"), "v0.0.45")


def test_no_query_runs_no_parser(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("the parser ran for an absent query")
    ctx = ctx_for(None)
    monkeypatch.setattr(ctx, "parse", refuse)
    assert listings.query(ctx, "OPENAPI_NODES_QUERY", "_dump_nodes") == {}


def test_a_query_is_parsed_and_its_errors_end_the_request():
    assert listings.query(ctx_for({"update_time": "5"}), "OPENAPI_NODES_QUERY", "s") == {"update_time": 5}
    ctx = ctx_for({"flags": "BOGUS"})
    with pytest.raises(SlurmError) as ei:
        listings.query(ctx, "OPENAPI_PARTITIONS_QUERY", "_partitions_get")
    assert (ei.value.errno, ei.value.source) == (E.ESLURM_REST_INVALID_QUERY, "_partitions_get")
    assert ei.value.description == "Rejecting request. Failure parsing query"


class Client:
    def __init__(self, fail=False):
        self.version, self.fail = None, fail

    def protocol_version(self):
        if self.fail:
            raise SlurmError(E.SLURMCTLD_COMMUNICATIONS_CONNECTION_ERROR)
        return 0x2d00


def test_pinned_holds_the_version_and_leaves_failures_to_the_call():
    assert listings.pinned(Client()).version == 0x2d00
    assert listings.pinned(Client(fail=True)).version is None
