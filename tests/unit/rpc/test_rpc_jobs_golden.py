"""Replay captured slurmctld job exchanges (scripts/capture_job_golden.py).

For each captured op the typed function in ``slurmrestd.rpc.ctld.jobs`` is
called again with the recorded arguments through a real ``SlurmctldClient``
whose transport hands back the controller's real reply bytes.  The request
body it produces must equal the body the controller accepted, and the decoded
result (or error) must equal the one recorded at capture time.  Replies must
decode with no bytes left.
"""

import os

import pytest

from ctld_replay import check_replayed, load_manifest, replay_entry

from slurmrestd.rpc.ctld import jobs

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "golden", "jobs")
MANIFEST = load_manifest(GOLDEN)


@pytest.mark.skipif(not MANIFEST, reason="no job golden captures")
@pytest.mark.parametrize("base", sorted(MANIFEST))
def test_replay(base):
    entry = MANIFEST[base]
    check_replayed(entry, *replay_entry(entry, getattr(jobs, entry["func"]), GOLDEN))


def _entries(op):
    return {k: v for k, v in MANIFEST.items() if v["op"] == op}


@pytest.mark.skipif(not MANIFEST, reason="no job golden captures")
def test_walkthrough_semantics():
    """What the captures prove about the controllers' behaviour, per version."""
    seen = {e["version"] for e in MANIFEST.values()}
    assert seen == {0x2a00, 0x2b00, 0x2c00, 0x2d00}
    for base, e in _entries("submit").items():
        assert e["error"] is None and e["result"]["job_id"] > 0 and e["result"]["error_code"] == 0, base
        assert e["result"]["step_id"]["step_id"] == 0xFFFFFFFB, base  # SLURM_BATCH_SCRIPT
    for base, e in _entries("job_single").items():
        # REQUEST_FED_INFO first (no federation: u8 0), then REQUEST_JOB_INFO_SINGLE
        assert [x["msg_type"] for x in e["exchanges"]] == [2049, 2021], base
        job = e["result"]["job_array"][0]
        assert job["user_id"] == 2001 and job["work_dir"] == "/tmp" and job["name"].endswith("-single"), base
        assert str(job["job_id"]) == e["args"][0] and job["step_id"]["job_id"] == job["job_id"], base
    for base, e in _entries("cancel_by_bob").items():
        assert [r["error_code"] for r in e["result"]["job_responses"]] == [2002], base
    for base, e in _entries("jobs_nochange").items():
        assert e["error"]["errno"] == 1900 and e["error"]["source"] == "slurm_load_jobs()", base
    for base, e in _entries("invalid_partition").items():
        assert e["error"] == {"errno": 2000, "description": "invalid partition specified: nope",
                              "source": "slurm_submit_batch_job()"}, base
    for base, e in _entries("not_found").items():
        assert e["error"]["errno"] == 2017 and e["error"]["source"] == "slurm_load_job()", base
    for base, e in _entries("resources_too_old").items():
        assert e["exchanges"] == [] and e["error"]["errno"] == 2036, base
    for base, e in _entries("resources").items():
        assert e["result"]["nodes"][0]["node"] == "n1", base
    for base, e in _entries("job_array").items():
        meta = e["result"]["job_array"][0]
        assert meta["array_task_str"] == "1-3" and meta["array_task_id"] == 0xFFFFFFFE, base
    for base, e in _entries("update_array").items():
        r = e["result"]
        assert r["job_array_count"] == 1 and r["error_code"] == [0], base
        # 26.05 names the task range "N_[1-2]", 24.11 "N_1-2"
        assert r["job_array_id"][0].endswith("_[1-2]" if e["suite"] == "forky" else "_1-2"), base
    for base, e in _entries("job_het").items():
        comp = e["result"]["job_array"]
        assert len(comp) == 1 and comp[0]["het_job_offset"] == 1, base
        assert comp[0]["job_id"] == comp[0]["het_job_id"] + 1, base
    for base, e in _entries("allocate").items():
        assert e["result"]["node_cnt"] == 1 and e["result"]["node_list"] == "n1", base
        assert e["result"]["uid"] == 2001 and e["result"]["user_name"] == "alice", base
    for op in ("update_name_time", "release", "hold", "signal_sigint", "requeue", "update_array_tasks"):
        for base, e in _entries(op).items():
            assert e["error"] is None and e["result"] is None, base  # RESPONSE_SLURM_RC 0
