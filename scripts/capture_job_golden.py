#!/usr/bin/env python3
"""Capture real slurmctld job RPC exchanges for the unit tests.

Drives the live controller of each cluster (forky = 26.05, which accepts
protocol 45..42; trixie = 24.11, protocol 42) through a job walkthrough as
alice (JWT): submit, show, update (name, time limit, hold/release), array job,
het job, list (+ "no change"), job states, resource layout, SIGINT, a denied
cancel by bob, requeue, allocate and cancel.  Every exchange is stored as

    tests/unit/rpc/golden/jobs/<suite>-<ver>-<op>-<n>.req.bin   request BODY only
    tests/unit/rpc/golden/jobs/<suite>-<ver>-<op>-<n>.resp.bin  reply frame (u32 len + header + body)
    tests/unit/rpc/golden/jobs/manifest.json

Only request bodies are kept (no header/credential: JWTs are never written).
The manifest records, per op, the ``slurmrestd.rpc.ctld.jobs`` function and its
JSON arguments, the request/reply message types, and the function's result
(or the error), so the unit test can replay the reply into the same call and
check that the request body it produces is byte-identical.

Usage: PYTHONPATH=. .venv/bin/python scripts/capture_job_golden.py [suite ...]
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from slurmrestd.errors import SlurmError  # noqa: E402
from slurmrestd.rpc.ctld import jobs  # noqa: E402
from slurmrestd.rpc.ctld.client import SlurmctldClient  # noqa: E402
from slurmrestd.rpc.conf import load_slurm_conf  # noqa: E402
from slurmrestd.rpc.cred import JwtCredential  # noqa: E402
from slurmrestd.rpc.protocol import SUPPORTED_VERSIONS, version_release  # noqa: E402
from slurmrestd.slurm import defs  # noqa: E402
import golden_manifest  # noqa: E402
from golden_manifest import RecordingTransport, read_env, token  # noqa: E402

ROOT = golden_manifest.ROOT
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "unit", "rpc", "golden", "jobs")
SCRIPT = "#!/bin/sh\nsleep 30\n"
ENV = ["PATH=/usr/bin:/bin", "GOLDEN=1"]
INFINITE = 0xFFFFFFFF


def desc(name: str, sid: int, **kw) -> dict:
    d = {"name": name, "script": SCRIPT, "work_dir": "/tmp", "environment": ENV, "alloc_sid": sid}
    d.update(kw)
    return d


def wait_running(client, job_id: int, timeout: float = 20.0) -> bool:
    end = time.time() + timeout
    while time.time() < end:
        try:
            m = jobs.load_job(client, job_id, check_federation=False)
        except SlurmError:
            return False
        if m["job_array"] and (m["job_array"][0]["job_state"] & 0xFF) == defs.JOB_RUNNING:
            return True
        time.sleep(1)
    return False


def capture(suite: str, manifest: dict) -> None:
    env = read_env(suite)
    conf = load_slurm_conf(env["SLURM_CONF"])
    alice_tok, bob_tok = token(suite, "alice"), token(suite, "bob")
    probe = SlurmctldClient(conf, JwtCredential(alice_tok, "alice"))
    newest = probe.protocol_version()
    print("%s: controller speaks %s" % (suite, version_release(newest)))
    sid = os.getsid(0)
    for v in [x for x in SUPPORTED_VERSIONS if x <= newest]:
        alice = SlurmctldClient(conf, JwtCredential(alice_tok, "alice"), version=v,
                                transport=RecordingTransport(conf))
        bob = SlurmctldClient(conf, JwtCredential(bob_tok, "bob"), version=v, transport=RecordingTransport(conf))
        rec = golden_manifest.Recorder(OUT, jobs, suite, v, manifest)
        tag = "g%02x" % (v >> 8)
        created: list[int] = []
        try:
            time.sleep(3)  # let the previous round's cancelled jobs leave node n1
            r, _ = rec.run("allocate", alice, "allocate", {"name": tag + "-alloc", "time_limit": 1,
                                                           "alloc_sid": sid, "immediate": 1,
                                                           "work_dir": "/tmp", "environment": ENV})
            if r and r["job_id"]:
                created.append(r["job_id"])
            r, _ = rec.run("submit", alice, "submit_batch", desc(tag + "-single", sid, time_limit=10))
            job = r["job_id"]
            created.append(job)
            wait_running(alice, job)
            rec.run("job_single", alice, "load_job", str(job))
            rec.run("update_name_time", alice, "update_job", {"job_id": job, "name": tag + "-renamed",
                                                              "time_limit": 5})
            if v >= 0x2c00:
                rec.run("resources", alice, "job_resources", job)
            else:
                rec.run("resources_too_old", alice, "job_resources", job)
            rec.run("signal_sigint", alice, "kill_job", str(job), 2, defs.KILL_FULL_JOB)
            rec.run("cancel_by_bob", bob, "signal_job", str(job), 9, 0)

            r, _ = rec.run("submit_held", alice, "submit_batch", desc(tag + "-held", sid, priority=0))
            held = r["job_id"]
            created.append(held)
            rec.run("release", alice, "update_job", {"job_id": held, "priority": INFINITE})
            rec.run("hold", alice, "update_job", {"job_id": held, "priority": 0})
            rec.run("invalid_partition", alice, "submit_batch", desc(tag + "-bad", sid, partition="nope"))

            r, _ = rec.run("submit_array", alice, "submit_batch",
                           desc(tag + "-array", sid, array_inx="1-3", time_limit=2))
            arr = r["job_id"]
            created.append(arr)
            rec.run("job_array", alice, "load_job", "%d_2" % arr)
            rec.run("update_array", alice, "update_job", {"job_id_str": "%d_[1-2]" % arr, "comment": "x"})
            rec.run("update_array_tasks", alice, "update_job", {"job_id": arr, "num_tasks": 1})

            r, _ = rec.run("submit_het", alice, "submit_het",
                           [desc(tag + "-het", sid, time_limit=2),
                            desc(tag + "-het", sid, time_limit=2, script=None)])
            het = r["job_id"]
            created.append(het)
            rec.run("job_het", alice, "load_job", "%d+1" % het)

            r, _ = rec.run("jobs", alice, "load_jobs")
            rec.run("jobs_nochange", alice, "load_jobs", r["last_update"] + 1)
            rec.run("job_states", alice, "job_states", [str(job), str(arr), "%d+0" % het])
            rec.run("requeue", alice, "requeue", str(job))

            rec.run("not_found", alice, "load_job", "999999")
        finally:
            rec.run("cancel_all", alice, "kill_jobs", {"jobs_array": [str(j) for j in created]})


def main(argv: list[str]) -> int:
    return golden_manifest.run(OUT, capture, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
