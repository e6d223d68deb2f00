"""Encoders of the records dbdw-more's writes send (QOS, job modify, cluster): the
records slurmdbd sent in the captured GET replies (shared/reference/dbd-fixtures,
protocol 24.11 … 26.05), encoded again, are the very same bytes; encoded from
what the data parser gives, they decode back to it."""

import os

import pytest
from cycles import cyclic_garbage
from shared_dir import REFERENCE

from slurmrestd.rpc.dbd import cluster_rec, job_modify, jobs, qos_rec, records
from slurmrestd.rpc.pack import NO_VAL, Packer, Unpacker
from slurmrestd.rpc.protocol import V24_11, V25_05, V25_11, V26_05

FIXTURES = os.path.join(REFERENCE, "dbd-fixtures")
VERSIONS = {"2a00": V24_11, "2b00": V25_05, "2c00": V25_11, "2d00": V26_05}
needs_fixtures = pytest.mark.skipif(not os.path.isdir(FIXTURES), reason="no dbd fixtures")


def fixture(prefix, name):
    with open(os.path.join(FIXTURES, "%s_%s.resp.bin" % (prefix, name)), "rb") as fh:
        return fh.read()


def records_with_bytes(data, decode, version):
    """(record, its exact bytes) of each item of a ``DBD_GOT_*`` list reply."""
    u = Unpacker(data, 2)
    out = []
    for _ in range(u.u32()):
        start = u.offset
        rec = decode(u, version)
        out.append((rec, bytes(data[start:u.offset])))
    return out


@needs_fixtures
@pytest.mark.parametrize("prefix", sorted(VERSIONS))
def test_qos_records_encode_to_the_captured_bytes(prefix):
    version = VERSIONS[prefix]
    found = records_with_bytes(fixture(prefix, "GET_QOS"), records.unpack_qos_rec, version)
    assert found
    for rec, raw in found:
        p = Packer()
        qos_rec.pack_qos_rec(p, rec, version)
        assert p.getvalue() == raw, rec["name"]


def test_qos_from_the_parser_starts_from_the_c_defaults():
    p = Packer()
    qos_rec.pack_qos_rec(p, {"name": "x", "priority": 5, "max_tres_pj": "1=4", "preempt_list": ["1"]}, V26_05)
    d = records.unpack_qos_rec(Unpacker(p.getvalue()))
    assert (d["name"], d["priority"], d["max_tres_pj"], d["preempt_list"]) == ("x", 5, "1=4", ["1"])
    assert d["flags"] == 0 and d["preempt_mode"] == 0 and d["id"] == 0
    assert d["grace_time"] == d["grp_jobs"] == d["max_wall_pj"] == d["preempt_exempt_time"] == NO_VAL
    assert d["usage_factor"] == d["usage_thres"] == d["limit_factor"] == float(NO_VAL)
    assert d["preempt_bitstr"] is None and d["description"] is None


def test_qos_null_record_form():
    p = Packer()
    qos_rec.pack_qos_rec(p, None, V26_05)
    raw = p.getvalue()
    # 2 + 3 + 4 + 7 + 8 + 2 strings/u32s (4 bytes each) ..., bitstr NO_VAL, list NO_VAL, u16, 2×u32, 2 doubles
    assert len(raw) == 4 * (1 + 1 + 1 + 1 + 3 + 4 + 7 + 8 + 1 + 1 + 1 + 1) + 2 + 4 + 4 + 8 + 8
    assert raw[4:12] == bytes.fromhex("00000000 10000000".replace(" ", ""))


def test_qos_preempt_bitmap_from_indexes():
    p = Packer()
    qos_rec.pack_qos_rec(p, {"name": "x", "preempt_bitstr": [1, 3]}, V26_05)
    d = records.unpack_qos_rec(Unpacker(p.getvalue()))
    assert d["preempt_bitstr"] == [1, 3]


@needs_fixtures
@pytest.mark.parametrize("prefix", sorted(VERSIONS))
def test_job_records_encode_back(prefix):
    """A captured job without its steps, encoded and decoded again, is the same job."""
    version = VERSIONS[prefix]
    found = records_with_bytes(fixture(prefix, "GET_JOBS_COND"), jobs.unpack_job_rec, version)
    assert found
    for captured, raw in found:
        job = dict(captured, steps=[])
        p = Packer()
        job_modify.pack_job_rec(p, job, version)
        assert jobs.unpack_job_rec(Unpacker(p.getvalue()), version) == job
        if not captured["steps"]:
            assert p.getvalue() == raw


@pytest.mark.parametrize("version", [V24_11, V25_05, V25_11, V26_05])
def test_job_modify_message(version):
    cond = job_modify.modify_cond([{"step_id": {"job_id": 7}}])
    rec = {"derived_es": "hello", "extra": "x", "wckey": "w", "derived_ec": 256, "admin_comment": None}
    p = Packer()
    job_modify.pack_modify_job(p, (cond, rec), version)
    u = Unpacker(p.getvalue())
    c = jobs.unpack_job_cond(u, version)
    assert c["db_flags"] == jobs.SLURMDB_JOB_FLAG_NOTSET and c["flags"] == jobs.JOBCOND_FLAG_NO_DEFAULT_USAGE
    assert c["step_list"][0]["step_id"]["job_id"] == 7 and c["cluster_list"] is None
    j = jobs.unpack_job_rec(u, version)
    assert u.remaining == 0
    assert (j["derived_es"], j["extra"], j["wckey"], j["derived_ec"]) == ("hello", "x", "w", 256)
    assert (j["array_task_id"], j["resvid"], j["requid"], j["state"], j["steps"]) == (NO_VAL, NO_VAL, 0xFFFFFFFF, 0, [])


def test_job_modify_unset_exit_code_is_no_val():
    p = Packer()
    job_modify.pack_job_rec(p, {"derived_es": "c"}, V26_05)
    assert jobs.unpack_job_rec(Unpacker(p.getvalue()), V26_05)["derived_ec"] == NO_VAL


@needs_fixtures
@pytest.mark.parametrize("prefix", sorted(VERSIONS))
def test_cluster_records_encode_to_the_captured_bytes(prefix):
    version = VERSIONS[prefix]
    found = records_with_bytes(fixture(prefix, "GET_CLUSTERS"), records.unpack_cluster_rec, version)
    assert found
    for rec, raw in found:
        p = Packer()
        cluster_rec.pack_cluster_rec(p, rec, version)
        assert p.getvalue() == raw, rec["name"]


def test_cluster_from_the_parser_starts_from_the_c_defaults():
    p = Packer()
    cluster_rec.pack_cluster_rec(p, {"name": "c1", "root_assoc": {"shares_raw": 5}}, V26_05)
    d = records.unpack_cluster_rec(Unpacker(p.getvalue()))
    assert (d["name"], d["flags"], d["fed"]["state"], d["control_host"]) == ("c1", NO_VAL, NO_VAL, None)
    assert d["root_assoc"]["shares_raw"] == 5 and d["root_assoc"]["is_def"] == 0xFFFE
    p = Packer()
    cluster_rec.pack_cluster_rec(p, None, V26_05)
    assert p.getvalue() == b"\x00"


@needs_fixtures
@pytest.mark.parametrize("prefix", sorted(VERSIONS))
def test_job_records_hold_no_reference_cycle(prefix):
    """A step's ``job_ptr`` carries the job's members its stdio patterns read, not the job."""
    version = VERSIONS[prefix]
    data = fixture(prefix, "GET_JOBS_COND")
    found = records_with_bytes(data, jobs.unpack_job_rec, version)
    with_steps = [job for job, _ in found if job["steps"]]
    assert with_steps
    for job in with_steps:
        for step in job["steps"]:
            assert step["job_ptr"] == {k: job[k] for k in jobs.JOB_PTR_MEMBERS}
    assert cyclic_garbage(lambda: records_with_bytes(data, jobs.unpack_job_rec, version)) == {}
