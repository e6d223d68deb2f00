"""Replay captured slurmctld job exchanges (scripts/capture_job_golden.py).

For each captured op the typed function in ``slurmrestd.rpc.jobs`` is called
again with the recorded arguments against a fake client that hands back the
controller's real reply bytes.  The request body it produces must equal the
body the controller accepted, and the decoded result (or error) must equal
the one recorded at capture time.  Replies must decode with no bytes left.
"""

import json
import os

import pytest

from slurmrestd.errors import SlurmError
from slurmrestd.rpc import jobs
from slurmrestd.rpc.client import Reply
from slurmrestd.rpc.pack import Bitstr
from slurmrestd.rpc.protocol import decode_message, frame_length, reply_rc

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "golden", "jobs")
MPATH = os.path.join(GOLDEN, "manifest.json")
MANIFEST = json.load(open(MPATH)) if os.path.exists(MPATH) else {}


def _jsonable(v):
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, Bitstr):
        return {"bitstr": v.hex(), "size": v.size}
    return v


class ReplayClient:
    """Stands in for SlurmctldClient: serves recorded replies in order."""

    def __init__(self, version, exchanges):
        self.version = version
        self.exchanges = list(exchanges)
        self.sent = []

    def protocol_version(self):
        return self.version

    def send(self, msg_type, body=b""):
        assert self.exchanges, "more RPCs than were captured (msg_type %d)" % msg_type
        ex = self.exchanges.pop(0)
        assert msg_type == ex["msg_type"]
        self.sent.append((ex, bytes(body)))
        with open(os.path.join(GOLDEN, ex["file"] + ".resp.bin"), "rb") as fh:
            data = fh.read()
        assert frame_length(data[:4]) == len(data) - 4
        msg = decode_message(data[4:])
        assert msg.version == self.version and msg.msg_type == ex["reply_type"]
        rc = reply_rc(msg)
        return Reply(msg.msg_type, msg.version, msg.body, None, rc[0] if rc else None, rc[1] if rc else None)


def _args(entry):
    return entry["args"], entry["kwargs"]


@pytest.mark.skipif(not MANIFEST, reason="no job golden captures")
@pytest.mark.parametrize("base", sorted(MANIFEST))
def test_replay(base):
    entry = MANIFEST[base]
    client = ReplayClient(entry["version"], entry["exchanges"])
    args, kwargs = _args(entry)
    result = error = None
    try:
        result = getattr(jobs, entry["func"])(client, *args, **kwargs)
    except SlurmError as exc:
        error = {"errno": exc.errno, "description": exc.description, "source": exc.source}
    assert not client.exchanges, "fewer RPCs than captured"
    for ex, body in client.sent:
        with open(os.path.join(GOLDEN, ex["file"] + ".req.bin"), "rb") as fh:
            assert body == fh.read(), "request body differs from the captured one (%s)" % ex["file"]
    assert error == entry["error"]
    assert _jsonable(result) == entry["result"]


def _entries(op):
    return {k: v for k, v in MANIFEST.items() if v["op"] == op}


@pytest.mark.skipif(not MANIFEST, reason="no job golden captures")
def test_walkthrough_semantics():
    """What the captures prove about the controller's behaviour, per version."""
    for base, e in _entries("submit").items():
        assert e["error"] is None and e["result"]["job_id"] > 0, base
    for base, e in _entries("job_single").items():
        job = e["result"]["job_array"][0]
        assert job["user_id"] == 2001 and job["work_dir"] == "/tmp", base
        assert job["name"].endswith("-single") and job["job_resrcs"] is None or job["nodes"], base
    for base, e in _entries("cancel_by_bob").items():
        r = e["result"]["job_responses"] if e["result"] else None
        assert (e["error"] and e["error"]["errno"] == 2002) or (r and r[0]["error_code"] == 2002), base
    for base, e in _entries("jobs_nochange").items():
        assert e["error"]["errno"] == 1900 and e["error"]["source"] == "slurm_load_jobs()", base
    for base, e in _entries("invalid_partition").items():
        assert e["error"]["errno"] == 2000 or e["error"]["errno"] > 0, base  # ESLURM_INVALID_PARTITION_NAME
    for base, e in _entries("not_found").items():
        assert e["error"]["errno"] == 2017, base
    for base, e in _entries("resources_too_old").items():
        assert e["exchanges"] == [] and e["error"]["source"] == "slurm_get_resource_layout()", base
    for base, e in _entries("job_array").items():
        tasks = e["result"]["job_array"]
        assert any(j["array_task_str"] for j in tasks) or len(tasks) >= 1, base
