"""`make bench` (bench/run.sh → bench/driver.py) in its BENCH_QUICK smoke mode against forky:
it prints every row of the issue 13 table with ours, the reference and the ratio, and leaves
none of its held jobs behind."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from clusters import REPO, read_env, token
from http_client import call

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

ROWS = {
    "ping": r"`GET ping`, 16 connections",
    "diag": r"`GET diag`, 16 connections",
    "nodes": r"`GET nodes`, 16 connections",
    "partitions": r"`GET partitions`, 16 connections",
    "404": r"an unknown path \(404\), 16 connections",
    "jobs one": r"`GET jobs`, [\d/]+ jobs, one call, list cache off",
    "jobs 8 users": r"`GET jobs`, [\d/]+ jobs, 8 connections of 8 users, list cache off",
    "inet": r"one request in inet mode, process start to answer, warm start",
    "inet cold": r"one request in inet mode, process start to answer, cold",
    "rss": r"peak RSS after the runs",
}
#: rows where coalescing on and off are both measured
BOTH = {"ping", "diag", "nodes", "partitions", "jobs one", "jobs 8 users", "rss"}
#: rows that carry slurmctld's RPC count per request for on / off / reference
RPCS = {"ping", "diag", "nodes", "partitions", "jobs 8 users"}
NUMBER = re.compile(r"^[\d,.]+( s| MB)?( \([\d,.]+–[\d,.]+\))?$")
#: rows measured with wrk in interleaved rounds: the median round, then (lowest–highest)
ROUNDED = {"ping", "diag", "nodes", "partitions", "404"}


def test_quick_run_prints_every_row(tmp_path):
    env = read_env("forky")
    token("forky", "bench1")  # skips (or fails in CI) when the bench users are missing
    prefix = "zzbenchtest%d" % os.getpid()
    out_file = tmp_path / "results.md"
    run = subprocess.run(["bash", os.path.join(REPO, "bench", "run.sh")], cwd=REPO, capture_output=True,
                         text=True, timeout=600,
                         env=dict(os.environ, BENCH_QUICK="1", BENCH_ROUNDS="2", BENCH_PREFIX=prefix,
                                  BENCH_OUT=str(out_file),
                                  PY=sys.executable))
    assert run.returncode == 0, run.stderr[-4000:]
    assert "Traceback" not in run.stderr, run.stderr[-4000:]
    table = [line for line in run.stdout.splitlines() if line.startswith("| ")]
    assert table[0].startswith("| scenario | ours, coalescing on | ours, coalescing off | reference |")
    assert out_file.read_text().strip() == run.stdout.strip()  # BENCH_OUT gets the same table
    for name, pattern in ROWS.items():
        rows = [line for line in table if re.match(r"\| " + pattern, line)]
        assert len(rows) == 1, (name, table)
        cells = [c.strip() for c in rows[0].strip("|").split("|")]
        _, on, off, ref, on_ratio, off_ratio, rpcs, _cpu, goal = cells
        assert NUMBER.match(on) and NUMBER.match(ref), (name, cells)
        assert ("–" in on and "–" in ref) == (name in ROUNDED), (name, cells)
        assert re.match(r"^[\d.]+×$", on_ratio), (name, cells)
        if name in BOTH:
            assert NUMBER.match(off) and re.match(r"^[\d.]+×$", off_ratio), (name, cells)
        else:
            assert off == off_ratio == "—", (name, cells)
        assert goal == "—" if name in ("404", "inet cold") else re.match(r"^on [≥≤] [\d.]+× (met|missed)", goal), (name, cells)
        if name in RPCS:
            on_r, off_r, ref_r = (float(x) for x in rpcs.split(" / "))
            assert off_r >= 1 and ref_r >= 1, (name, cells)  # every request made its own RPC(s)
    # the held jobs it submitted are cancelled
    st, doc = call(env["REF_URL"], "GET", "/slurm/v0.0.45/jobs", token("forky", "alice"), "alice")
    assert st == 200, doc
    left = [j["job_id"] for j in doc["jobs"]
            if j["name"] == prefix + "-held" and "PENDING" in j["job_state"]]
    assert left == [], left
