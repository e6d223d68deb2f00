#!/usr/bin/env python3
"""Capture real slurmctld request/reply bytes for the unit tests.

For each suite (cluster) whose env file exists under
/var/lib/slurmrestd-cluster/<suite>/env, and for each protocol version the
controller accepts, run the typed operations of ``SlurmctldClient`` with a munge
credential and save every exchanged frame:

    tests/unit/rpc/golden/<suite>-<ver>-<op>.req.bin    request frame (u32 len + header + auth + body)
    tests/unit/rpc/golden/<suite>-<ver>-<op>.resp.bin   reply frame (u32 len + header + body)
    tests/unit/rpc/golden/manifest.json                 what was captured + the decoded result

Munge credentials in the request files expire after the munge TTL and are bound
to the test cluster's key; JWTs are never written (JWT requests are not saved).

Usage: PYTHONPATH=. python3 scripts/capture_golden.py [suite ...]   (default: forky trixie)
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from slurmrestd.rpc.ctld.client import SlurmctldClient, VersionCache  # noqa: E402
from slurmrestd.rpc.conf import load_slurm_conf  # noqa: E402
from slurmrestd.rpc.cred import munge_from_authinfo  # noqa: E402
from slurmrestd.rpc.protocol import SUPPORTED_VERSIONS, version_release  # noqa: E402
import golden_manifest  # noqa: E402
from golden_manifest import RecordingTransport, read_env  # noqa: E402

ROOT = golden_manifest.ROOT
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "unit", "rpc", "golden")




def _jsonable(v):
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, float) and v != v:
        return "nan"
    return v


def capture(suite: str, manifest: dict) -> None:
    env = read_env(suite)
    conf = load_slurm_conf(env["SLURM_CONF"])
    cred = munge_from_authinfo(conf.auth_info)
    probe = SlurmctldClient(conf, cred, version_cache=VersionCache())
    newest = probe.protocol_version()
    print("%s: controller speaks %s (%#06x)" % (suite, version_release(newest), newest))
    ops = [("ping", lambda c: c.ping()),
           ("stats", lambda c: c.get_statistics()),
           ("licenses", lambda c: c.load_licenses()),
           ("shares", lambda c: c.load_shares()),
           ("conf", lambda c: c.load_conf())]
    for v in [x for x in SUPPORTED_VERSIONS if x <= newest]:
        tr = RecordingTransport(conf)
        client = SlurmctldClient(conf, cred, version=v, transport=tr)
        todo = list(ops) + ([("reconfigure", lambda c: c.reconfigure())] if v == newest else [])
        for name, fn in todo:
            tr.frames.clear()
            try:
                result = fn(client)
            except Exception as exc:  # noqa: BLE001 - record what happened
                print("  %s %s: %r" % (version_release(v), name, exc))
                continue
            if not tr.frames:
                continue
            req, resp = tr.frames[-1]
            base = "%s-%04x-%s" % (suite, v, name)
            with open(os.path.join(OUT, base + ".req.bin"), "wb") as fh:
                fh.write(req)
            with open(os.path.join(OUT, base + ".resp.bin"), "wb") as fh:
                fh.write(resp)
            manifest[base] = {"suite": suite, "version": v, "op": name,
                              "slurm_version": env.get("SLURM_VERSION"),
                              "result": _jsonable(result)}
            print("  %s %-11s req %5d B  resp %6d B" % (version_release(v), name, len(req), len(resp)))


def main(argv: list[str]) -> int:
    return golden_manifest.run(OUT, capture, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
