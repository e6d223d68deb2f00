"""The daemon under the soak's whole request mix (GET jobs and job submissions included)
leaves no cyclic garbage: everything a request makes is freed by reference counting.

Why it matters: the daemon raises the collector's threshold (``Settings.gc_threshold``), so
garbage only the cyclic collector frees waits tens of seconds and shows as RSS growth (the
2-minute soak failed on three such cycles; bench/results.md, "Soak").  The daemon runs under
``gc_survey.py``, which counts that garbage after a warm-up; the counts name the code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from clusters import REPO, read_env

HERE = os.path.dirname(os.path.abspath(__file__))


def test_the_request_mix_makes_no_cyclic_garbage(tmp_path):
    read_env("forky")  # skips (or fails in CI) when the cluster is not up
    survey, summary, log = tmp_path / "gc.json", tmp_path / "soak.json", tmp_path / "daemon.log"
    env = dict(os.environ, GC_SURVEY_OUT=str(survey), GC_SURVEY_WARMUP="12")
    proc = subprocess.run([sys.executable, os.path.join(REPO, "bench", "soak.py"), "--suite", "forky",
                           "--minutes", "0.75", "--max-slope", "1000000", "--prefix", "gcsurvey",
                           "--daemon-script", os.path.join(HERE, "gc_survey.py"),
                           "--json", str(summary), "--log", str(log)],
                          capture_output=True, text=True, timeout=300, cwd=REPO, env=env)
    assert summary.exists() and survey.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    r = json.loads(summary.read_text())
    assert r["daemon_died"] is None and not r["traceback"], log.read_text()[-4000:]
    assert r["requests"] > 300 and r["jobs_submitted"] > 0, r
    assert r["by_kind"].get("jobs", 0) > 0, r
    g = json.loads(survey.read_text())
    assert g["surveying"] and g["collections"] >= 10, g
    assert g["types"] == {}, json.dumps(g, indent=1)[:4000]
