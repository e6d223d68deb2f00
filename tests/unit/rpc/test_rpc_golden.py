"""Decode real bytes offline: slurmctld captures (scripts/capture_golden.py) and the
slurmdbd fixtures in the shared reference directory."""

import glob
import json
import os


from shared_dir import REFERENCE
import pytest

from slurmrestd.rpc.ctld.client import SlurmctldClient
from slurmrestd.rpc.conf import SlurmConfig
from slurmrestd.slurm.msg_types import MsgType
from slurmrestd.rpc.pack import Unpacker
from slurmrestd.rpc.protocol import (AUTH_PLUGIN_MUNGE, SLURM_NO_AUTH_CRED, decode_message, frame_length,
                                     reply_rc)

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "golden")
DBD_FIXTURES = os.path.join(REFERENCE, "dbd-fixtures")

with open(os.path.join(GOLDEN, "manifest.json")) as _fh:
    MANIFEST = json.load(_fh)

REQUEST_TYPES = {"ping": MsgType.REQUEST_PING, "stats": MsgType.REQUEST_STATS_INFO,
                 "licenses": MsgType.REQUEST_LICENSE_INFO, "shares": MsgType.REQUEST_SHARE_INFO,
                 "conf": MsgType.REQUEST_BUILD_INFO, "reconfigure": MsgType.REQUEST_RECONFIGURE}


def _frame(path):
    with open(path, "rb") as fh:
        data = fh.read()
    assert frame_length(data[:4]) == len(data) - 4
    return data[4:]


class ReplayTransport:
    """Hands a captured reply to the client instead of talking to a socket."""

    def __init__(self, reply_payload):
        self.reply = reply_payload
        self.sent = []

    def endpoints(self):
        return []

    def send_recv(self, data, only=None):
        self.sent.append(data)
        return self.reply, None


class NullCred:
    plugin_id = 0

    def pack(self, packer, msg_type, body):
        packer.u32(101).str("MUNGE:x:")


CONF = SlurmConfig(path="/dev/null")


@pytest.mark.parametrize("base", sorted(MANIFEST))
def test_golden_request_frames(base):
    entry = MANIFEST[base]
    msg = decode_message(_frame(os.path.join(GOLDEN, base + ".req.bin")))
    assert msg.version == entry["version"]
    assert msg.msg_type == REQUEST_TYPES[entry["op"]]
    assert msg.header.flags == 0 and msg.header.forward is None and msg.header.orig_addr is None
    assert msg.auth_plugin_id == AUTH_PLUGIN_MUNGE and msg.auth[0].startswith("MUNGE:")


@pytest.mark.parametrize("base", sorted(MANIFEST))
def test_golden_replies_decode_to_manifest(base):
    entry = MANIFEST[base]
    payload = _frame(os.path.join(GOLDEN, base + ".resp.bin"))
    msg = decode_message(payload)
    assert msg.version == entry["version"]
    assert msg.header.flags & SLURM_NO_AUTH_CRED
    client = SlurmctldClient(CONF, NullCred(), version=entry["version"], transport=ReplayTransport(payload))
    op = entry["op"]
    if op in ("ping", "reconfigure"):
        assert reply_rc(msg) == (0, None)
        return
    result = {"stats": client.get_statistics, "licenses": client.load_licenses,
              "shares": client.load_shares, "conf": client.load_conf}[op]()
    assert json.loads(json.dumps(result)) == entry["result"]
    # and the request the client built has the same body as the captured one
    sent = decode_message(client.transport.sent[0][4:])
    captured = decode_message(_frame(os.path.join(GOLDEN, base + ".req.bin")))
    assert sent.body.rest() == captured.body.rest()


def test_golden_versions_present():
    versions = {e["version"] for e in MANIFEST.values()}
    assert {0x2D00, 0x2A00} <= versions


def test_golden_version_deltas():
    by = {(e["suite"], e["version"], e["op"]): e["result"] for e in MANIFEST.values()}
    s45 = by.get(("forky", 0x2D00, "stats"))
    s42 = by.get(("forky", 0x2A00, "stats"))
    if s45 and s42:
        assert "parts_packed" not in s45 and "parts_packed" in s42
    c45 = by.get(("forky", 0x2D00, "conf"))
    c42 = by.get(("forky", 0x2A00, "conf"))
    if c45 and c42:
        assert c45["cluster_name"] == c42["cluster_name"] == "forky"
        assert c42["epilog_timeout"] == c42["prolog_timeout"]
        assert c42["metrics_params"] is None and "metrics_params" in c45


# -- slurmdbd fixtures: u16 msg_type + body --------------------------------------------------

DBD_FILES = sorted(glob.glob(os.path.join(DBD_FIXTURES, "*.bin")))
DBD_GET_TRES, DBD_GOT_TRES = 1486, 1487


@pytest.mark.skipif(not DBD_FILES, reason="no dbd fixtures")
@pytest.mark.parametrize("path", DBD_FILES, ids=os.path.basename)
def test_dbd_fixture_framing(path):
    with open(path, "rb") as fh:
        data = fh.read()
    u = Unpacker(data)
    msg_type = u.u16()
    assert 1400 <= msg_type < 1600, msg_type
    if path.endswith(".resp.bin"):
        assert msg_type != 1433, "a GET must not be answered with PERSIST_RC"


@pytest.mark.skipif(not DBD_FILES, reason="no dbd fixtures")
@pytest.mark.parametrize("ver", ["2a00", "2b00", "2c00", "2d00"])
def test_dbd_tres_reply(ver):
    path = os.path.join(DBD_FIXTURES, "%s_GET_TRES.resp.bin" % ver)
    with open(path, "rb") as fh:
        u = Unpacker(fh.read())
    assert u.u16() == DBD_GOT_TRES
    recs = u.list(lambda x: {"alloc_secs": x.u64(), "count": x.u64(), "id": x.u32(),
                             "name": x.str(), "type": x.str()})
    rc = u.u32()
    u.expect_end()
    assert rc == 0
    assert recs[0]["id"] == 1 and recs[0]["type"] == "cpu"
    assert {r["type"] for r in recs} >= {"cpu", "mem", "node", "billing"}
