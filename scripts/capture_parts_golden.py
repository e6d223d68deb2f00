#!/usr/bin/env python3
"""Capture real slurmctld partition and reservation RPC exchanges for the unit tests.

Drives the live controller of each cluster (forky = 26.05, protocols 45..42;
trixie = 24.11, protocol 42) through a walkthrough as root and alice (JWT):
list partitions (all flags, "no change"), create/update/delete a partition
(and alice's refused attempts), list reservations, create a reservation with
flags, users, accounts and a core count, update it, delete it (twice), and
alice's refused create.  Every exchange is stored as

    tests/unit/rpc/golden/parts/<suite>-<ver>-<op>-<n>.req.bin   request BODY only
    tests/unit/rpc/golden/parts/<suite>-<ver>-<op>-<n>.resp.bin  reply frame (u32 len + header + body)
    tests/unit/rpc/golden/parts/manifest.json

For the list operations the reference daemon's JSON of the same moment is kept
too (``reference``: data parser version → document), so a unit test can dump
the captured reply and compare it with what the C daemon answered.

Objects created are named ``h9g_*`` and removed at the end of each round.
Reservations start 400 days ahead (past the one year a job without a time
limit is assumed to run), so they never hold node n1 for other work.

Usage: PYTHONPATH=. .venv/bin/python scripts/capture_parts_golden.py [suite ...]
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from slurmrestd.errors import SlurmError  # noqa: E402
from slurmrestd.rpc.ctld.client import SlurmctldClient  # noqa: E402
from slurmrestd.rpc.conf import load_slurm_conf  # noqa: E402
from slurmrestd.rpc.cred import JwtCredential  # noqa: E402
from slurmrestd.rpc.ctld import partitions, reservations  # noqa: E402
from slurmrestd.rpc.protocol import SUPPORTED_VERSIONS, version_release  # noqa: E402
import golden_manifest  # noqa: E402
from golden_manifest import RecordingTransport, jsonable, read_env, token  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "unit", "rpc", "golden", "parts")
MODULES = {"partitions": partitions, "reservations": reservations}
#: data parser versions the reference daemon of each suite serves
REF_VERSIONS = {"forky": ("v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45"), "trixie": ("v0.0.42",)}
RESV_FLAGS = (1 << 0) | (1 << 2) | (1 << 6) | (1 << 32)  # MAINT, DAILY, IGNORE_JOBS, MAGNETIC


class Recorder(golden_manifest.Recorder):
    """Records calls into ``partitions`` or ``reservations``, with the reference daemon's JSON."""

    def __init__(self, suite: str, env: dict, version: int, manifest: dict, root_token: str) -> None:
        super().__init__(OUT, None, suite, version, manifest)
        self.env, self.root_token = env, root_token

    def reference(self, path: str) -> dict:
        out = {}
        for v in REF_VERSIONS[self.suite]:
            req = urllib.request.Request("%s/slurm/%s/%s" % (self.env["REF_URL"], v, path),
                                         headers={"X-SLURM-USER-NAME": "root",
                                                  "X-SLURM-USER-TOKEN": self.root_token})
            with urllib.request.urlopen(req, timeout=60) as r:
                out[v] = json.load(r)
        return out

    def run(self, op: str, client: SlurmctldClient, module: str, func: str, *args, ref_path: str = ""):
        return self.record(op, client, lambda: getattr(MODULES[module], func)(client, *args),
                           lambda: {"module": module, "func": func, "args": jsonable(list(args)),
                                    "reference": self.reference(ref_path) if ref_path else None})


def capture(suite: str, manifest: dict) -> None:
    env = read_env(suite)
    conf = load_slurm_conf(env["SLURM_CONF"])
    root_tok, alice_tok = token(suite, "root"), token(suite, "alice")
    newest = SlurmctldClient(conf, JwtCredential(root_tok, "root")).protocol_version()
    print("%s: controller speaks %s" % (suite, version_release(newest)))
    start = (int(time.time()) // 3600 + 400 * 24) * 3600
    for v in [x for x in SUPPORTED_VERSIONS if x <= newest]:
        root = SlurmctldClient(conf, JwtCredential(root_tok, "root"), version=v, transport=RecordingTransport(conf))
        alice = SlurmctldClient(conf, JwtCredential(alice_tok, "alice"), version=v,
                                transport=RecordingTransport(conf))
        rec = Recorder(suite, env, v, manifest, root_tok)
        part, resv = "h9g_p%02x" % (v >> 8), "h9g_r%02x" % (v >> 8)
        try:
            r, _ = rec.run("parts", root, "partitions", "load_partitions", 0, 0, ref_path="partitions")
            rec.run("parts_all", root, "partitions", "load_partitions", 0, partitions.SHOW_ALL)
            rec.run("parts_nochange", root, "partitions", "load_partitions", r["last_update"] + 1, 0)
            rec.run("part_create", root, "partitions", "create_partition",
                    {"name": part, "nodes": "n1", "state_up": 1, "max_time": 30, "flags": 1 << 6})
            rec.run("parts_new", root, "partitions", "load_partitions", 0, 0, ref_path="partitions")
            rec.run("part_update", root, "partitions", "update_partition",
                    {"name": part, "max_time": 60, "priority_tier": 2, "max_share": 0x8000 | 4})
            rec.run("part_update_alice", alice, "partitions", "update_partition", {"name": part, "max_time": 5})
            rec.run("part_create_alice", alice, "partitions", "create_partition", {"name": part + "x"})
            rec.run("part_delete_alice", alice, "partitions", "delete_partition", part)
            rec.run("part_delete", root, "partitions", "delete_partition", part)
            rec.run("part_delete_again", root, "partitions", "delete_partition", part)

            r, _ = rec.run("resvs", root, "reservations", "load_reservations", 0, ref_path="reservations")
            desc = {"name": resv, "start_time": start, "duration": 15, "node_list": "n1", "core_cnt": 1,
                    "users": "slurm,alice", "accounts": "testacct", "flags": RESV_FLAGS, "comment": "golden"}
            rec.run("resv_create", root, "reservations", "create_reservation", desc)
            rec.run("resvs_new", root, "reservations", "load_reservations", 0, ref_path="reservations")
            rec.run("resv_update", root, "reservations", "update_reservation",
                    {"name": resv, "duration": 20, "flags": 1 << 1})
            r, _ = rec.run("resvs_updated", root, "reservations", "load_reservations", 0, ref_path="reservations")
            rec.run("resvs_nochange", root, "reservations", "load_reservations", r["last_update"] + 1)
            rec.run("resv_create_alice", alice, "reservations", "create_reservation",
                    {**desc, "name": resv + "x", "start_time": start + 86400 * 3})
            rec.run("resv_delete_alice", alice, "reservations", "delete_reservation", resv)
            rec.run("resv_delete", root, "reservations", "delete_reservation", resv)
            rec.run("resv_delete_again", root, "reservations", "delete_reservation", resv)
        finally:
            for fn, name in ((partitions.delete_partition, part), (reservations.delete_reservation, resv)):
                try:
                    fn(SlurmctldClient(conf, JwtCredential(root_tok, "root")), name)
                except SlurmError:
                    pass


def main(argv: list[str]) -> int:
    return golden_manifest.run(OUT, capture, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
