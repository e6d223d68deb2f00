"""A real ``SlurmctldClient`` whose transport answers from a script instead of a
controller, so that the client's own ``call`` judges every reply.

A reply is either an exchange of a golden manifest (``{msg_type, reply_type,
file}``: the reply frame is ``<golden>/<file>.resp.bin``, captured from a real
controller) or a ``(reply_type, body[, ...])`` tuple packed at the request's
protocol version.  REQUEST_PING, the client's version probe, is answered with
RC 0 and not recorded.
"""

from __future__ import annotations

import json
import os
from typing import NamedTuple

from slurmrestd.errors import SlurmError
from slurmrestd.rpc.conf import SlurmConfig
from slurmrestd.rpc.cred import JwtCredential
from slurmrestd.rpc.ctld.client import SlurmctldClient
from slurmrestd.rpc.ctld.transport import Endpoint
from slurmrestd.rpc.pack import Bitstr, Packer
from slurmrestd.rpc.protocol import decode_message, encode_request, frame_length
from slurmrestd.slurm.msg_types import MsgType

_ENDPOINT = Endpoint(0, "replay", "replay", 0)


class Sent(NamedTuple):
    """One request the client sent: its type, body and protocol version."""
    msg_type: int
    body: bytes
    version: int


class ReplayTransport:
    """Answers each request with the next of ``replies``; ``fail``: raise it instead."""

    def __init__(self, replies=(), golden: str | None = None, fail: Exception | None = None) -> None:
        self.replies = list(replies)
        self.golden = golden
        self.fail = fail
        self.sent: list[Sent] = []
        self.answered: list[dict] = []  # the golden exchanges used, in order
        self.abandoned: list = []  # begun requests whose replies were never read

    def endpoints(self) -> list[Endpoint]:
        return [_ENDPOINT]

    def send_recv(self, data: bytes, only: int | None = None) -> tuple[bytes, Endpoint]:
        req = decode_message(data[4:])
        if req.msg_type == MsgType.REQUEST_PING:
            return self._frame(MsgType.RESPONSE_SLURM_RC, Packer().u32(0).getvalue(), req.version), _ENDPOINT
        self.sent.append(Sent(req.msg_type, req.body.rest(), req.version))
        if self.fail is not None:
            raise self.fail
        assert self.replies, "more RPCs than were scripted (msg_type %d)" % req.msg_type
        reply = self.replies.pop(0)
        if isinstance(reply, dict):
            return self._golden(reply, req), _ENDPOINT
        return self._frame(reply[0], reply[1], req.version), _ENDPOINT

    def start(self, data: bytes, only: int | None = None):
        """A request ``SlurmctldClient.begin`` sends early: answered (or failed) now, the
        reply handed over by ``finish``."""
        return self.send_recv(data, only)

    def finish(self, started):
        return started

    def abandon(self, started) -> None:
        self.abandoned.append(started)

    @staticmethod
    def _frame(msg_type: int, body: bytes, version: int) -> bytes:
        return encode_request(msg_type, body, None, version)[4:]

    def _golden(self, ex: dict, req) -> bytes:
        assert req.msg_type == ex["msg_type"]
        self.answered.append(ex)
        with open(os.path.join(self.golden, ex["file"] + ".resp.bin"), "rb") as fh:
            data = fh.read()
        assert frame_length(data[:4]) == len(data) - 4
        msg = decode_message(data[4:])
        assert msg.version == req.version and msg.msg_type == ex["reply_type"]
        return data[4:]

    def check_requests(self) -> None:
        """Every golden reply was used, and each request body equals the captured one."""
        assert not self.replies, "fewer RPCs than captured"
        bodies = [s.body for s in self.sent]
        for ex, body in zip(self.answered, bodies):
            with open(os.path.join(self.golden, ex["file"] + ".req.bin"), "rb") as fh:
                assert body == fh.read(), "request body differs from the captured one (%s)" % ex["file"]


def jsonable(v):
    """A decoded reply as the manifests record it (bitmaps as hex and size, NaN as "nan").

    The golden capture scripts (scripts/golden_manifest.py) write manifests with
    this same function, so what a unit test compares is what was recorded.
    """
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, Bitstr):
        return {"bitstr": v.hex(), "size": v.size}
    if isinstance(v, float) and v != v:
        return "nan"
    return v


def replay_client(version: int | None, replies=(), golden: str | None = None,
                  fail: Exception | None = None) -> SlurmctldClient:
    """A client speaking ``version`` (None: it probes, and the probe gets 26.05's answer)."""
    return SlurmctldClient(SlurmConfig(path="replay"), JwtCredential("t", "alice"), version=version,
                           transport=ReplayTransport(replies, golden, fail))


def load_manifest(golden: str) -> dict:
    """The ``manifest.json`` of a golden directory ({} when nothing was captured)."""
    path = os.path.join(golden, "manifest.json")
    if not os.path.exists(path):
        return {}
    with open(path) as fh:
        return json.load(fh)


def replay_entry(entry: dict, func, golden: str):
    """Call ``func(client, *args, **kwargs)`` as recorded in ``entry`` on a client answered from
    ``golden``; returns ``(client, result, error)`` with the error as the manifests record it."""
    client = replay_client(entry["version"], entry["exchanges"], golden)
    result = error = None
    try:
        result = func(client, *entry["args"], **entry.get("kwargs", {}))
    except SlurmError as exc:
        error = {"errno": exc.errno, "description": exc.description, "source": exc.source}
    return client, result, error


def check_replayed(entry: dict, client: SlurmctldClient, result, error) -> None:
    """The requests equal the captured ones and the result (or error) the recorded one."""
    client.transport.check_requests()
    assert error == entry["error"]
    assert jsonable(result) == entry["result"]
