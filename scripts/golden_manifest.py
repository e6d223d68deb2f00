"""Shared driver of the golden-capture scripts: per suite, capture into a manifest."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from types import ModuleType
from typing import Any, Callable

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, _REPO)
from slurmrestd.errors import SlurmError  # noqa: E402
from slurmrestd.rpc.ctld.transport import Transport  # noqa: E402
from slurmrestd.rpc.protocol import decode_message, version_release  # noqa: E402
# The unit tests compare replies with the manifests through this same function.
from tests.ctld_replay import jsonable  # noqa: E402,F401

ROOT = os.environ.get("SLURMRESTD_CLUSTER_ROOT", "/var/lib/slurmrestd-cluster")
CLUSTER_SH = os.environ.get("SLURMRESTD_CLUSTER_SH", os.path.join(_REPO, "cluster", "cluster.sh"))


def run(out_dir: str, capture: Callable[[str, dict], None], suites: list[str]) -> int:
    """Run ``capture(suite, manifest)`` for each suite whose cluster is set up; save the manifest."""
    os.makedirs(out_dir, exist_ok=True)
    mpath = os.path.join(out_dir, "manifest.json")
    manifest: dict = {}
    if os.path.exists(mpath):
        with open(mpath) as fh:
            manifest = json.load(fh)
    for suite in suites or ["forky", "trixie"]:
        if not os.path.exists(os.path.join(ROOT, suite, "env")):
            print("%s: no cluster env, skipped" % suite)
            continue
        capture(suite, manifest)
    with open(mpath, "w") as fh:
        json.dump(manifest, fh, indent=1, sort_keys=True)
        fh.write("\n")
    return 0


def read_env(suite: str) -> dict[str, str]:
    """The shell assignments of ``$ROOT/<suite>/env`` written by cluster/cluster.sh."""
    env: dict[str, str] = {}
    with open(os.path.join(ROOT, suite, "env")) as fh:
        for line in fh:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                env[k] = v.strip().strip("'\"")
    return env


class RecordingTransport(Transport):
    """A transport that keeps every request and reply frame it carried."""

    def __init__(self, *a, **kw) -> None:
        super().__init__(*a, **kw)
        self.frames: list[tuple[bytes, bytes]] = []

    def send_recv(self, data, only=None):
        payload, ep = super().send_recv(data, only)
        self.frames.append((bytes(data), struct.pack(">I", len(payload)) + payload))
        return payload, ep


def token(suite: str, user: str) -> str:
    """A JWT for ``user`` on ``suite``, from ``cluster.sh token``."""
    out = subprocess.run(["bash", CLUSTER_SH, "token", suite, user], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    return out.strip().splitlines()[-1]


class Recorder:
    """Stores the exchanges of one capture round (suite, protocol version) under ``out_dir``.

    ``run`` calls ``module.<func>(client, *args, **kwargs)``; ``pin_version`` sets
    the client's protocol version to the round's before each call; ``width`` pads
    the operation name in the progress line.
    """

    def __init__(self, out_dir: str, module: ModuleType | None, suite: str, version: int, manifest: dict,
                 width: int = 22, pin_version: bool = False) -> None:
        self.out_dir, self.module = out_dir, module
        self.suite, self.version, self.manifest = suite, version, manifest
        self.width, self.pin_version = width, pin_version

    def run(self, op: str, client, func: str, *args, **kwargs):
        if self.pin_version:
            client.version = self.version
        return self.record(op, client, lambda: getattr(self.module, func)(client, *args, **kwargs),
                           lambda: {"func": func, "args": jsonable(list(args)), "kwargs": jsonable(kwargs)})

    def record(self, op: str, client, call: Callable[[], Any], fields: Callable[[], dict]):
        """Run ``call`` on ``client`` (a RecordingTransport one); write its request bodies and reply
        frames, and its manifest entry: ``fields()`` (evaluated after the call) plus the common keys."""
        tr: RecordingTransport = client.transport
        tr.frames.clear()
        result = error = None
        try:
            result = call()
        except SlurmError as exc:
            error = {"errno": exc.errno, "description": exc.description, "source": exc.source}
        extra = fields()
        base = "%s-%04x-%s" % (self.suite, self.version, op)
        exchanges = []
        for i, (req, resp) in enumerate(tr.frames):
            msg = decode_message(req[4:])
            rmsg = decode_message(resp[4:])
            name = "%s-%d" % (base, i)
            with open(os.path.join(self.out_dir, name + ".req.bin"), "wb") as fh:
                fh.write(msg.body.rest())
            with open(os.path.join(self.out_dir, name + ".resp.bin"), "wb") as fh:
                fh.write(resp)
            exchanges.append({"file": name, "msg_type": msg.msg_type, "reply_type": rmsg.msg_type})
        self.manifest[base] = {"suite": self.suite, "version": self.version, "op": op, **extra,
                               "exchanges": exchanges, "result": jsonable(result), "error": error}
        print("  %s %-*s %s" % (version_release(self.version), self.width, op,
                                "error %s" % error["errno"] if error else "ok (%d RPC)" % len(exchanges)))
        return result, error
