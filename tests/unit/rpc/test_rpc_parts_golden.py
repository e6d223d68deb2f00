"""Replay captured partition and reservation exchanges (scripts/capture_parts_golden.py).

For each captured op the function in ``slurmrestd.rpc.ctld.partitions`` /
``reservations`` is called again with the recorded arguments against a fake
client that hands back the controller's real reply bytes.  The request body
it produces must equal the body the controller accepted, the decoded result
(or error) must equal the one recorded at capture time, and replies must
decode with no bytes left.  For list replies, the data parser's dump of the
decoded message must equal, leaf by leaf, what the reference daemon answered
at the same moment, for every data parser version it serves.
"""

import copy
import json
import os

import pytest

from slurmrestd import data_parser
from slurmrestd.data_parser import ParserContext
from slurmrestd.errors import SlurmError
from slurmrestd.rpc.client import Reply
from slurmrestd.rpc.ctld import partitions, reservations
from slurmrestd.rpc.pack import Bitstr
from slurmrestd.rpc.protocol import decode_message, frame_length, reply_rc

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "golden", "parts")
MPATH = os.path.join(GOLDEN, "manifest.json")
MANIFEST = json.load(open(MPATH)) if os.path.exists(MPATH) else {}
MODULES = {"partitions": partitions, "reservations": reservations}
#: leaves that move between two calls
MOVING = {"meta", "last_update"}


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


def _replay(entry):
    client = ReplayClient(entry["version"], entry["exchanges"])
    result = error = None
    try:
        result = getattr(MODULES[entry["module"]], entry["func"])(client, *entry["args"])
    except SlurmError as exc:
        error = {"errno": exc.errno, "description": exc.description, "source": exc.source}
    return client, result, error


@pytest.mark.skipif(not MANIFEST, reason="no partition/reservation golden captures")
@pytest.mark.parametrize("base", sorted(MANIFEST))
def test_replay(base):
    entry = MANIFEST[base]
    client, result, error = _replay(entry)
    assert not client.exchanges, "fewer RPCs than captured"
    for ex, body in client.sent:
        with open(os.path.join(GOLDEN, ex["file"] + ".req.bin"), "rb") as fh:
            assert body == fh.read(), "request body differs from the captured one (%s)" % ex["file"]
    assert error == entry["error"]
    assert _jsonable(result) == entry["result"]


def leaves(doc, path=""):
    out = {}
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k not in MOVING:
                out.update(leaves(v, path + "/" + k))
    elif isinstance(doc, list):
        if not doc:
            out[path] = []
        for i, v in enumerate(doc):
            out.update(leaves(v, "%s[%d]" % (path, i)))
    else:
        out[path] = doc
    return out


WITH_REFERENCE = sorted(b for b, e in MANIFEST.items() if e.get("reference"))


@pytest.mark.skipif(not WITH_REFERENCE, reason="no captures with reference documents")
@pytest.mark.parametrize("base", WITH_REFERENCE)
def test_dump_equals_reference(base):
    """Our dump of the captured reply, for every version, is the reference daemon's answer."""
    entry = MANIFEST[base]
    _, msg, error = _replay(entry)
    assert error is None
    resp, key = ("OPENAPI_PARTITION_RESP", "partitions") if entry["module"] == "partitions" else \
        ("OPENAPI_RESERVATION_RESP", "reservations")
    for version, ref in entry["reference"].items():
        ctx = ParserContext(version=version)
        ours = data_parser.dump(resp, {key: copy.deepcopy(msg), "last_update": msg["last_update"]}, ctx,
                                version=version)
        ours.update(errors=ctx.errors, warnings=ctx.warnings)
        a, b = leaves(ours), leaves(ref)
        diff = {k: (a.get(k, "<missing>"), b.get(k, "<missing>")) for k in set(a) | set(b) if a.get(k) != b.get(k)}
        assert diff == {}, (version, diff)
        assert not ctx.unsupported, ctx.unsupported
