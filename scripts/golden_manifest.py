"""Shared driver of the golden-capture scripts: per suite, capture into a manifest."""

from __future__ import annotations

import json
import os
from typing import Callable

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
