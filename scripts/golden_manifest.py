"""Shared driver of the golden-capture scripts: per suite, capture into a manifest."""

from __future__ import annotations

import json
import os
import struct
import sys
from typing import Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from slurmrestd.rpc.ctld.transport import Transport  # noqa: E402

ROOT = os.environ.get("SLURMRESTD_CLUSTER_ROOT", "/var/lib/slurmrestd-cluster")


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
