"""Job RPC codecs without a controller: ids, libslurm client-side logic,
job_desc layouts per protocol version, synthetic round trips."""

import pytest

from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc.ctld import jobs
from slurmrestd.rpc.ctld.jobs.layouts import (JOB_DESC, JOB_INFO_COMMON, JOB_INFO_DETAILS,
                                             RESOURCE_ALLOCATION_RESPONSE)
from slurmrestd.rpc.pack import Bitstr, Packer, Unpacker
from slurmrestd.rpc.protocol import V24_11, V25_05, V25_11, V26_05
from slurmrestd.slurm import defs
from slurmrestd.slurm.sentinels import NO_VAL, NO_VAL16, NO_VAL64

ALL = (V24_11, V25_05, V25_11, V26_05)


# -- job ids ------------------------------------------------------------------------------


@pytest.mark.parametrize("text,job,task,het,step", [
    ("123", 123, NO_VAL, NO_VAL, NO_VAL),
    ("123_4", 123, 4, NO_VAL, NO_VAL),
    ("123+1", 123, NO_VAL, 1, NO_VAL),
    ("123.0", 123, NO_VAL, NO_VAL, 0),
    ("123.batch", 123, NO_VAL, NO_VAL, 0xFFFFFFFB),
    ("123_4.extern", 123, 4, NO_VAL, 0xFFFFFFFC),
])
def test_parse_job_id(text, job, task, het, step):
    sel = jobs.parse_job_id(text)
    assert sel["step_id"]["job_id"] == job
    assert sel["array_task_id"] == task
    assert sel["het_job_offset"] == het
    assert sel["step_id"]["step_id"] == step
    assert jobs.format_job_id(sel) == text


def test_parse_job_id_array_expression():
    sel = jobs.parse_job_id("77_[1-3,5]")
    assert sel["array_bitmap"].indexes() == [1, 2, 3, 5]
    assert jobs.format_job_id(sel) == "77_[1-3,5]"


@pytest.mark.parametrize("text,err", [
    ("", E.ESLURM_EMPTY_JOB_ID),
    ("0", E.ESLURM_INVALID_JOB_ID_ZERO),
    ("-4", E.ESLURM_INVALID_JOB_ID_NEGATIVE),
    ("abc", E.ESLURM_INVALID_JOB_ID_NON_NUMERIC),
    ("12x", E.ESLURM_INVALID_JOB_ID_NON_NUMERIC),
    ("12_", E.ESLURM_EMPTY_JOB_ARRAY_ID),
    ("12+", E.ESLURM_EMPTY_HET_JOB_COMP),
    ("12_3+1", 2145),
    ("12+999", E.ESLURM_INVALID_HET_JOB_COMP_TOO_LARGE),
])
def test_parse_job_id_errors(text, err):
    with pytest.raises(SlurmError) as ei:
        jobs.parse_job_id(text)
    assert ei.value.errno == err


# -- libslurm client-side logic ---------------------------------------------------------------


@pytest.mark.parametrize("hexstr,max_tasks,text,indexes", [
    ("0x1E", 0, "1-4", [1, 2, 3, 4]),
    ("0x0E", 2, "1-3%2", [1, 2, 3]),
    ("0x5", 0, "0,2", [0, 2]),
    # step function: > 10 apart, > 5 set, first+1 unset
    (hex(sum(1 << i for i in range(0, 21, 2))), 0, "0-20:2", list(range(0, 21, 2))),
])
def test_xlate_array_task_str(hexstr, max_tasks, text, indexes):
    out, bm = jobs.xlate_array_task_str(hexstr, max_tasks)
    assert out == text
    assert bm.indexes() == indexes


def test_xlate_array_task_str_truncates_like_bit_fmt():
    bits = sum(1 << i for i in range(0, 200, 3)) | 2  # "0-1,3,6,..." (no step form)
    out, _ = jobs.xlate_array_task_str(hex(bits), 0)
    assert len(out) == 63 and out.endswith("...")
    assert jobs.xlate_array_task_str(None, 0) == (None, None)
    assert jobs.xlate_array_task_str("", 0) == ("", None)


@pytest.mark.parametrize("tres,current,want", [
    (None, 100, 100),
    ("gres/gpu:1024", NO_VAL64, 1024),
    ("gres/gpu:tesla:2G", 0, 2 * 1024 ** 3),
    ("gres/gpu:0,gres/gpu:tesla:7", 0, 7),
    ("gres/gpu", 0, 1),
])
def test_min_memory_from_tres(tres, current, want):
    assert jobs.min_memory_from_tres(tres, current) == want


def test_init_job_desc_defaults():
    d = jobs.init_job_desc()
    assert d["time_limit"] == NO_VAL and d["pn_min_memory"] == NO_VAL64
    assert d["contiguous"] == NO_VAL16 and d["user_id"] == 99 and d["group_id"] == 99
    assert d["step_id"] == {"sluid": 0, "job_id": NO_VAL, "step_id": NO_VAL, "step_het_comp": NO_VAL}
    assert d["name"] is None and d["environment"] is None and d["bitflags"] == 0
    assert d["open_mode"] == 0 and d["overcommit"] == 0xFE
    for name in JOB_DESC.names(V26_05):
        if "." not in name:
            assert name in d


# -- job_desc layout per version --------------------------------------------------------------


def test_job_desc_field_deltas():
    n = {v: set(JOB_DESC.names(v)) for v in ALL}
    assert n[V25_05] - n[V24_11] == {"alloc_tls_cert"}
    assert n[V25_11] - n[V25_05] == {"step_id"}
    assert n[V25_05] - n[V25_11] == {"step_id.job_id"}
    assert n[V26_05] - n[V25_11] == {"container_type", "mem_update_delay", "mem_update_margin"}
    assert len(JOB_DESC.names(V26_05)) == 125  # incl. step_id and crontab_entry


def _walk_job_desc(body, version):
    """Decode a packed job_desc with the same layout (it reads what it writes)."""
    u = Unpacker(body)
    out = JOB_DESC.decode(u, version)
    u.expect_end()
    return out


@pytest.mark.parametrize("version", ALL)
def test_job_desc_encode_walk(version):
    desc = jobs.init_job_desc(name="hello", script="#!/bin/sh\nsleep 30\n", work_dir="/tmp",
                              environment=["PATH=/bin", "A=b"], time_limit=5, partition="debug")
    body = jobs.encode_job_desc(desc, version)
    got = _walk_job_desc(body, version)
    assert got["name"] == "hello" and got["script"].startswith("#!/bin/sh")
    assert got["environment"] == ["PATH=/bin", "A=b"] and got["time_limit"] == 5
    # USE_DEFAULT_* for the NULL account/qos/wckey, not for the given partition
    assert got["bitflags"] == defs.USE_DEFAULT_ACCT | defs.USE_DEFAULT_QOS | defs.USE_DEFAULT_WCKEY
    assert desc["bitflags"] == 0  # caller's dict untouched
    if version >= V25_11:
        assert got["step_id"] == {"sluid": 0, "job_id": NO_VAL, "step_id": NO_VAL, "step_het_comp": NO_VAL}
    else:
        assert got["step_id.job_id"] == NO_VAL


def test_job_desc_list_count():
    body = jobs.encode_job_desc_list([{"name": "a"}, {"name": "b"}], V26_05)
    assert body[:2] == b"\x00\x02"


def test_job_info_request_and_single():
    body = jobs.encode_job_info_request(0, 0x13, None, V26_05)
    assert body == bytes(8) + b"\x00\x13" + b"\xff\xff\xff\xfe"
    assert jobs.encode_job_id_msg({"job_id": 7}, 0x13, V26_05) == \
        bytes(8) + b"\x00\x00\x00\x07" + b"\xff\xff\xff\xfe" * 2 + b"\x00\x13"
    assert jobs.encode_job_id_msg({"job_id": 7}, 0x13, V25_05) == b"\x00\x00\x00\x07\x00\x13"


# -- synthetic replies ---------------------------------------------------------------------------


def test_submit_response_versions():
    p = Packer().u64(5).u32(42).u32(0xFFFFFFFB).u32(NO_VAL).u32(0).str("hi")
    d = jobs.unpack_submit_response(Unpacker(p.getvalue()), V26_05)
    assert d["job_id"] == 42 and d["step_id"]["sluid"] == 5 and d["job_submit_user_msg"] == "hi"
    p = Packer().u32(42).u32(0xFFFFFFFB).u32(0).str(None)
    d = jobs.unpack_submit_response(Unpacker(p.getvalue()), V24_11)
    assert d["job_id"] == 42 and d["step_id"]["step_id"] == 0xFFFFFFFB
    assert d["step_id"]["step_het_comp"] == NO_VAL and d["job_submit_user_msg"] is None


def test_job_array_resp():
    p = Packer().u32(2).u32(0).str("10_1").str(None).u32(2017).str("10_2").str("gone")
    d = jobs.unpack_job_array_resp(Unpacker(p.getvalue()), V26_05)
    assert d == {"job_array_count": 2, "error_code": [0, 2017], "job_array_id": ["10_1", "10_2"],
                 "err_msg": [None, "gone"]}


def test_job_state_response():
    p = Packer().u32(2)
    p.u32(11).u32(10).u32(1).bitstr(None).u32(1)          # array task
    p.u32(20).u32(0).u32(20).u32(0)                       # het leader, pending
    d = jobs.unpack_job_state_response(Unpacker(p.getvalue()), V24_11)
    assert d["jobs_count"] == 2
    assert d["jobs"][0] == {"job_id": 11, "array_job_id": 10, "array_task_id": 1,
                            "array_task_id_bitmap": None, "het_job_id": 0, "state": 1}
    assert d["jobs"][1]["het_job_id"] == 20 and d["jobs"][1]["array_task_id"] == NO_VAL


def test_kill_jobs_resp():
    p = Packer().u32(1).u32(2002).str("Access denied")
    p.u64(0).u32(33).u32(NO_VAL).u32(NO_VAL).u32(NO_VAL).u32(NO_VAL).bitstr(None)
    p.u32(33).str(None)
    d = jobs.unpack_kill_jobs_resp(Unpacker(p.getvalue()), V26_05)
    r = d["job_responses"][0]
    assert r["error_code"] == 2002 and r["real_job_id"] == 33
    assert r["id"]["step_id"]["job_id"] == 33 and r["id"]["array_bitmap"] is None


def test_resource_allocation_response_versions():
    for v in ALL:
        names = RESOURCE_ALLOCATION_RESPONSE.names(v)
        assert ("tres_per_task" in names) == (v >= V25_05)
        assert ("segment_size" in names) == (v >= V25_11)


def test_job_resources_versions():
    p = Packer().u32(1).u32(2).u32(0).u32(1).str("n1").u8(0).u16(1).u16(0x8004)
    p.u32_array([1]).u16_array([2]).u16_array([2]).u16_array([0]).u64_array([100]).u64_array([])
    p.u16_array([1]).u16_array([2]).u32_array([1]).bitstr(Bitstr(2, 3)).bitstr(None)
    tail45 = Packer().u32_array([0]).getvalue()
    tail44 = Packer().bitstr(Bitstr(1, 1)).getvalue()
    jr = jobs.unpack_job_resources(Unpacker(p.getvalue() + tail45), V26_05)
    assert jr["nhosts"] == 1 and jr["cr_type"] == 0x4 | defs.SELECT_LINEAR
    assert jr["node_ranks"] == [0] and jr["memory_used"] is None and jr["node_bitmap"] is None
    jr = jobs.unpack_job_resources(Unpacker(p.getvalue() + tail44), V25_11)
    assert jr["node_bitmap"] == Bitstr(1, 1) and jr["node_ranks"] is None
    assert jobs.unpack_job_resources(Unpacker(Packer().u32(NO_VAL).getvalue()), V26_05) is None


def test_job_info_field_deltas():
    c = {v: set(JOB_INFO_COMMON.names(v)) | set(JOB_INFO_DETAILS.names(v)) for v in ALL}
    assert c[V25_05] - c[V24_11] == {"licenses_allocated", "segment_size"}
    assert c[V25_11] - c[V25_05] == {"step_id.sluid", "step_id.step_id", "step_id.step_het_comp",
                                     "submit_line"}
    assert c[V26_05] - c[V25_11] == {"container_type", "exclusive", "oversubscribe",
                                     "mem_update_delay", "mem_update_margin"}


def test_job_resources_requires_25_11():
    class Old:
        def protocol_version(self):
            return V25_05

        def send(self, *a, **k):  # pragma: no cover - must not be called
            raise AssertionError("sent")
    with pytest.raises(SlurmError) as ei:
        jobs.job_resources(Old(), 5)
    assert ei.value.errno == E.ESLURM_NOT_SUPPORTED and ei.value.source == "slurm_get_resource_layout()"
