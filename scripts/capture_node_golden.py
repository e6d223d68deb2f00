#!/usr/bin/env python3
"""Capture real slurmctld node RPC exchanges for the unit tests.

Drives the live controller of each cluster (forky = 26.05, which accepts
protocol 45..42; trixie = 24.11, protocol 42) through the node operations:
list (default flags, FUTURE, "no change"), one node, an unknown node, the
partition table, updates and deletes refused (alice; unknown node), and, when
the controller allows dynamic nodes (MaxNodeCount), create a CLOUD node as
root, update it (features, weight, comment, DRAIN, RESUME), list it and
delete it.  The shared node n1 is never changed.  Every exchange is stored as

    tests/unit/rpc/golden/nodes/<suite>-<ver>-<op>-<n>.req.bin   request BODY only
    tests/unit/rpc/golden/nodes/<suite>-<ver>-<op>-<n>.resp.bin  reply frame (u32 len + header + body)
    tests/unit/rpc/golden/nodes/manifest.json

Only request bodies are kept (no header/credential: JWTs are never written).
The manifest records, per op, the ``slurmrestd.rpc.ctld.nodes`` function and
its JSON arguments, the request/reply message types, and the function's
result (or the error), so the unit test can replay the reply into the same
call and check that the request body it produces is byte-identical.

Usage: PYTHONPATH=. .venv/bin/python scripts/capture_node_golden.py [suite ...]
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from slurmrestd.rpc.ctld.client import SlurmctldClient  # noqa: E402
from slurmrestd.rpc.conf import load_slurm_conf  # noqa: E402
from slurmrestd.rpc.cred import JwtCredential  # noqa: E402
from slurmrestd.rpc.ctld import nodes  # noqa: E402
from slurmrestd.rpc.protocol import SUPPORTED_VERSIONS, version_release  # noqa: E402
import golden_manifest  # noqa: E402
from golden_manifest import RecordingTransport, read_env, token  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "unit", "rpc", "golden", "nodes")
NODE_DRAIN = 0x0200
NODE_RESUME = 0x0100


def capture(suite: str, manifest: dict) -> None:
    env = read_env(suite)
    conf = load_slurm_conf(env["SLURM_CONF"])
    root_tok, alice_tok = token(suite, "root"), token(suite, "alice")
    probe = SlurmctldClient(conf, JwtCredential(root_tok, "root"))
    newest = probe.protocol_version()
    dynamic = "maxnodecount" in open(env["SLURM_CONF"]).read().lower()
    print("%s: controller speaks %s; dynamic nodes %s" % (suite, version_release(newest),
                                                          "allowed" if dynamic else "not configured"))
    for v in [x for x in SUPPORTED_VERSIONS if x <= newest]:
        root = SlurmctldClient(conf, JwtCredential(root_tok, "root"), version=v, transport=RecordingTransport(conf))
        alice = SlurmctldClient(conf, JwtCredential(alice_tok, "alice"), version=v,
                                transport=RecordingTransport(conf))
        rec = golden_manifest.Recorder(OUT, nodes, suite, v, manifest, width=18, pin_version=True)
        r, _ = rec.run("nodes", alice, "load_nodes")
        rec.run("nodes_nochange", alice, "load_nodes", r["last_update"] + 1)
        rec.run("nodes_future", alice, "load_nodes", 0, nodes.SHOW_ALL | nodes.SHOW_FUTURE)
        rec.run("node_single", alice, "load_node", "n1")
        rec.run("node_missing", alice, "load_node", "nosuch")
        rec.run("partitions", alice, "load_partitions", 0, nodes.DEFAULT_SHOW_FLAGS)
        rec.run("update_denied", alice, "update_node", {"node_names": "n1", "node_state": NODE_DRAIN,
                                                          "reason": "golden"})
        rec.run("update_unknown", root, "update_node", {"node_names": "nosuch", "comment": "golden"})
        rec.run("delete_unknown", root, "delete_node", "nosuch")
        rec.run("create_denied", alice, "create_node", "NodeName=gdeny CPUs=1 State=CLOUD")
        if not dynamic:
            continue
        name = "g%02xdyn[1-2]" % (v >> 8)
        created, err = rec.run("create", root, "create_node", "NodeName=%s CPUs=1 RealMemory=100 State=CLOUD"
                               % name)
        if err:
            continue
        try:
            rec.run("update_features", root, "update_node", {"node_names": name, "features": "ga,gb",
                                                              "weight": 9, "comment": "golden"})
            rec.run("drain", root, "update_node", {"node_names": name, "node_state": NODE_DRAIN,
                                                    "reason": "golden drain"})
            rec.run("nodes_dynamic", alice, "load_nodes_with_partitions")
            rec.run("node_dynamic", alice, "load_nodes_with_partitions", node_name="g%02xdyn1" % (v >> 8))
            rec.run("resume", root, "update_node", {"node_names": name, "node_state": NODE_RESUME})
        finally:
            rec.run("delete", root, "delete_node", name)


def main(argv: list[str]) -> int:
    return golden_manifest.run(OUT, capture, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
