"""Generated request ids are version-4 UUIDs in hex, as ``uuid.uuid4().hex`` gave."""

from __future__ import annotations

import uuid

from slurmrestd.operations.access import new_request_id, request_id


def test_new_request_ids_are_uuid4_hex():
    seen = set()
    for _ in range(500):
        rid = new_request_id()
        u = uuid.UUID(hex=rid)
        assert u.version == 4 and u.variant == uuid.RFC_4122 and u.hex == rid
        seen.add(rid)
    assert len(seen) == 500


def test_client_id_kept_else_generated():
    assert request_id({"x-request-id": "abc-1"}) == "abc-1"
    assert uuid.UUID(hex=request_id({})).version == 4


def test_forked_children_do_not_repeat_the_parents_ids():
    """Warm inet mode forks a child per client: each must draw ids of its own."""
    import os

    new_request_id()
    ids = []
    for _ in range(3):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            os.write(w, new_request_id().encode())
            os._exit(0)
        os.close(w)
        ids.append(os.read(r, 64).decode())
        os.close(r)
        os.waitpid(pid, 0)
    ids.append(new_request_id())
    assert len(set(ids)) == 4, ids
