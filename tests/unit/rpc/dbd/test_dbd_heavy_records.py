"""Golden tests for the association, instance and slurmdb job layouts: the slurmdbd
fixtures (24.11 … 26.05 prefixes 2a00 … 2d00) decode to the last byte, and our cond
encoders rebuild the captured requests byte for byte."""

import os
import random
import time

import pytest
from shared_dir import REFERENCE

from slurmrestd.rpc.dbd import assoc, instances, jobs
from slurmrestd.rpc.pack import NO_VAL, Bitstr, Packer, Unpacker, UnpackError
from slurmrestd.rpc.protocol import V24_11, V25_05, V25_11, V26_05

FIXTURES = os.path.join(REFERENCE, "dbd-fixtures")
VERSIONS = {"2a00": V24_11, "2b00": V25_05, "2c00": V25_11, "2d00": V26_05}


def fixture(prefix, name, kind):
    path = os.path.join(FIXTURES, "%s_%s.%s.bin" % (prefix, name, kind))
    if not os.path.exists(path):
        pytest.skip("fixture %s missing" % path)
    with open(path, "rb") as fh:
        return fh.read()


def body(data, msg_type):
    u = Unpacker(data)
    assert u.u16() == msg_type
    return u


@pytest.mark.parametrize("prefix", sorted(VERSIONS))
def test_assoc_cond_request_rebuilt(prefix):
    version = VERSIONS[prefix]
    raw = fixture(prefix, "GET_ASSOCS", "req")
    u = body(raw, assoc.DBD_GET_ASSOCS)
    cond = assoc.unpack_assoc_cond(u, version)
    u.expect_end()
    # what slurmrestd sends for a bare GET associations/: a present, zeroed cond
    assert cond["flags"] == 0 and cond["user_list"] is None and cond["usage_start"] == 0
    assert assoc.encode_get_assocs(cond, version) == raw
    # a zeroed cond given as an empty dict packs the same bytes
    assert assoc.encode_get_assocs({}, version) == raw


@pytest.mark.parametrize("prefix", sorted(VERSIONS))
def test_assocs_reply_decodes(prefix):
    version = VERSIONS[prefix]
    u = body(fixture(prefix, "GET_ASSOCS", "resp"), assoc.DBD_GOT_ASSOCS)
    recs, rc = assoc.decode_got_assocs(u, version)
    u.expect_end()
    assert rc == 0
    assert [(a["acct"], a["user"]) for a in recs] == [("root", None), ("root", "root"), ("testacct", None),
                                                       ("testacct", "root")]
    root = recs[0]
    assert root["lineage"] == "/" and root["parent_id"] == 0 and root["qos_list"] == ["1"]
    assert recs[3]["lineage"] == "/testacct/0-root/" and recs[3]["parent_id"] == 3
    assert {a["cluster"] for a in recs} == {"peer"}
    assert recs[3]["max_jobs"] == 0xFFFFFFFF and recs[3]["accounting_list"] is None


def test_assoc_cond_null_and_full():
    v = V26_05
    assert assoc.encode_get_assocs(None, v) == b"\x05\x82\x00"
    cond = {"acct_list": ["a", "b"], "cluster_list": ["c"], "def_qos_id_list": [], "flags": 0x25,
            "format_list": None, "id_list": ["7"], "partition_list": ["p"], "parent_acct_list": ["root"],
            "qos_list": ["1"], "usage_end": 20, "usage_start": -1, "user_list": ["alice"]}
    raw = assoc.encode_get_assocs(cond, v)
    u = body(raw, assoc.DBD_GET_ASSOCS)
    assert assoc.unpack_assoc_cond(u, v) == cond
    u.expect_end()


def test_unsupported_version_refused():
    with pytest.raises(ValueError):
        assoc.encode_get_assocs(None, 0x2900)
    with pytest.raises(ValueError):
        jobs.encode_get_jobs_cond(None, 0x2E00)


@pytest.mark.parametrize("prefix", sorted(VERSIONS))
def test_job_cond_request_rebuilt(prefix):
    version = VERSIONS[prefix]
    raw = fixture(prefix, "GET_JOBS_COND", "req")
    u = body(raw, jobs.DBD_GET_JOBS_COND)
    cond = jobs.unpack_job_cond(u, version)
    u.expect_end()
    assert cond["cluster_list"] == ["peer"]
    assert cond["flags"] == jobs.JOBCOND_FLAG_DUP | jobs.JOBCOND_FLAG_NO_TRUNC
    assert cond["db_flags"] == jobs.SLURMDB_JOB_FLAG_NOTSET
    assert jobs.encode_get_jobs_cond(cond, version) == raw


def test_job_cond_null_form():
    """slurmdb_pack_job_cond(NULL): 28 members, db_flags NOTSET, every list NO_VAL."""
    p = Packer()
    jobs.pack_job_cond(p, None, V26_05)
    u = Unpacker(p.getvalue())
    cond = jobs.unpack_job_cond(u, V26_05)
    u.expect_end()
    assert cond == jobs.NULL_JOB_COND
    noval, zero = b"\xff\xff\xff\xfe", b"\x00" * 4
    expected = (noval * 4 + zero * 2 + b"\x00\x00\x00\x01" + zero * 2 + noval * 3 + zero * 2 + noval * 7
                + zero * 2 + b"\x00" * 16 + zero + noval * 2)
    assert p.getvalue() == expected


def test_job_cond_with_steps():
    sel = jobs.selected_step_init()
    sel["step_id"]["job_id"] = 42
    arr = jobs.selected_step_init()
    arr["step_id"]["job_id"] = 7
    arr["array_bitmap"] = [1, 3]
    cond = dict(jobs.NULL_JOB_COND, step_list=[sel, arr], cluster_list=["forky"], state_list=["3"],
                usage_start=100, usage_end=200, used_nodes="n1", exitcode=0xFFFFFFFF)
    raw = jobs.encode_get_jobs_cond(cond, V24_11)
    u = body(raw, jobs.DBD_GET_JOBS_COND)
    back = jobs.unpack_job_cond(u, V24_11)
    u.expect_end()
    assert back["step_list"][0] == dict(sel, array_bitmap=None)
    assert back["step_list"][1]["array_bitmap"] == Bitstr(4, 0b1010)
    assert back["used_nodes"] == "n1" and back["state_list"] == ["3"] and back["exitcode"] == 0xFFFFFFFF


@pytest.mark.parametrize("prefix", sorted(VERSIONS))
def test_jobs_reply_decodes(prefix):
    version = VERSIONS[prefix]
    u = body(fixture(prefix, "GET_JOBS_COND", "resp"), jobs.DBD_GOT_JOBS)
    recs, rc = jobs.decode_got_jobs(u, version)
    u.expect_end()
    assert rc == 0 and len(recs) == 19
    assert [j["jobid"] for j in recs] == sorted(j["jobid"] for j in recs)
    assert sum(len(j["steps"]) for j in recs) == 20
    for j in recs:
        assert j["cluster"] == "peer"
        for s in j["steps"]:
            assert s["step_id"]["job_id"] == j["jobid"]
            assert set(s["stats"]) >= {"act_cpufreq", "consumed_energy", "tres_usage_in_ave",
                                       "tres_usage_out_tot"}
    job3 = next(j for j in recs if j["jobid"] == 3)
    assert job3["jobname"] == "allocation" and job3["start"] == NO_VAL and job3["qosid"] == 1
    if version >= V26_05:
        assert job3["exclusive"] == "NO" and job3["oversubscribe"] == "NO" and job3["sluid"]
    else:
        assert job3["exclusive"] is None and job3["oversubscribe"] is None and job3["sluid"] == 0
    stepped = [s for j in recs for s in j["steps"]]
    if version >= V25_05:
        assert any(s["cwd"] for s in stepped)
    else:
        assert all(s["cwd"] is None and s["timelimit"] == 0 for s in stepped)
        assert all(j["resv_req"] is None and j["segment_size"] == 0 for j in recs)


@pytest.mark.parametrize("prefix", sorted(VERSIONS))
def test_truncated_replies_raise(prefix):
    """Any cut of a reply is an UnpackError, never another exception or a silent success."""
    version = VERSIONS[prefix]
    rng = random.Random(int(prefix, 16))
    for name, msg_type, decode in (("GET_JOBS_COND", jobs.DBD_GOT_JOBS, jobs.decode_got_jobs),
                                   ("GET_ASSOCS", assoc.DBD_GOT_ASSOCS, assoc.decode_got_assocs)):
        raw = fixture(prefix, name, "resp")
        cuts = sorted(set(rng.randrange(2, len(raw)) for _ in range(60)) | {2, 3, len(raw) - 1})
        for cut in cuts:
            u = body(raw[:cut], msg_type)
            with pytest.raises(UnpackError):
                decode(u, version)


def test_garbage_step_count_refused():
    """A job whose step count is larger than what is left is refused before any allocation."""
    p = Packer()
    p.u32(1)
    for name, read, *_ in jobs._JOB_HEAD.fields_for(V26_05):
        kind = read.__name__
        getattr(p, kind)(None if kind == "str" else 0)
    p.u32(0xFFFFFF00)
    with pytest.raises(UnpackError):
        jobs.decode_got_jobs(Unpacker(p.getvalue()), V26_05)


@pytest.mark.parametrize("version", sorted(VERSIONS.values()))
def test_instances_roundtrip(version):
    cond = {"cluster_list": ["forky"], "extra_list": None, "format_list": None, "instance_id_list": ["i-1"],
            "instance_type_list": [], "node_list": "n[1-2]", "time_end": 5, "time_start": 1}
    raw = instances.encode_get_instances(cond, version)
    u = body(raw, instances.DBD_GET_INSTANCES)
    assert instances.unpack_instance_cond(u, version) == cond
    u.expect_end()
    # no NULL form on the wire: a missing cond is an empty one
    assert instances.encode_get_instances(None, version) == instances.encode_get_instances({}, version)
    rec = {"cluster": "forky", "extra": None, "instance_id": "i-1", "instance_type": "t2", "node_name": "n1",
           "time_end": 0, "time_start": 1700000000}
    p = Packer()
    p.u32(2)
    instances.pack_instance_rec(p, rec, version)
    instances.pack_instance_rec(p, dict(rec, instance_id="i-2"), version)
    p.u32(0)
    recs, rc = instances.decode_got_instances(Unpacker(p.getvalue()), version)
    assert rc == 0 and recs == [rec, dict(rec, instance_id="i-2")]


def test_list_msg_null_list_carries_rc():
    p = Packer()
    p.u32(NO_VAL)
    p.u32(7006)
    recs, rc = jobs.decode_got_jobs(Unpacker(p.getvalue()), V26_05)
    assert recs is None and rc == 7006


def _local(y, m, d, H=0, M=0, S=0):
    return int(time.mktime((y, m, d, H, M, S, 0, 0, -1)))


def test_job_cond_default_window():
    now = _local(2026, 3, 4, 15, 30, 0)
    c = jobs.job_cond_def_start_end({"flags": 5}, now)
    assert c["usage_start"] == _local(2026, 3, 4) and c["usage_end"] == now + 1
    c = jobs.job_cond_def_start_end({"state_list": ["3"]}, now)
    assert c["usage_start"] == now and c["usage_end"] == now + 1
    c = jobs.job_cond_def_start_end({"state_list": ["3"], "usage_start": 10}, now)
    assert (c["usage_start"], c["usage_end"]) == (10, 11)
    c = jobs.job_cond_def_start_end({"step_list": [jobs.selected_step_init()]}, now)
    assert "usage_start" not in c and c["usage_end"] == now + 1
    c = jobs.job_cond_def_start_end({"usage_start": 10, "usage_end": 20}, now)
    assert (c["usage_start"], c["usage_end"]) == (10, 20)
    c = jobs.job_cond_def_start_end({"flags": jobs.JOBCOND_FLAG_NO_DEFAULT_USAGE}, now)
    assert "usage_end" not in c
