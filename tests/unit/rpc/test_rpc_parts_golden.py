"""Replay captured partition and reservation exchanges (scripts/capture_parts_golden.py).

For each captured op the function in ``slurmrestd.rpc.ctld.partitions`` /
``reservations`` is called again with the recorded arguments through a real
``SlurmctldClient`` whose transport hands back the controller's real reply
bytes.  The request body it produces must equal the body the controller
accepted, the decoded result (or error) must equal the one recorded at capture time, and replies must
decode with no bytes left.  For list replies, the data parser's dump of the
decoded message must equal, leaf by leaf, what the reference daemon answered
at the same moment, for every data parser version it serves.
"""

import copy
import os

import pytest

from ctld_replay import check_replayed, load_manifest, replay_entry

from slurmrestd import data_parser
from slurmrestd.data_parser import ParserContext
from slurmrestd.rpc.ctld import partitions, reservations

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "golden", "parts")
MANIFEST = load_manifest(GOLDEN)
MODULES = {"partitions": partitions, "reservations": reservations}
#: leaves that move between two calls
MOVING = {"meta", "last_update"}


def _replay(entry):
    return replay_entry(entry, getattr(MODULES[entry["module"]], entry["func"]), GOLDEN)


@pytest.mark.skipif(not MANIFEST, reason="no partition/reservation golden captures")
@pytest.mark.parametrize("base", sorted(MANIFEST))
def test_replay(base):
    entry = MANIFEST[base]
    check_replayed(entry, *_replay(entry))


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
