"""Leaf codecs of the slurmdbd records (data_parser/codecs/dbd_jobs.py)."""

import time

import pytest

from slurmrestd import data_parser
from slurmrestd.data_parser import ParserContext
from slurmrestd.data_parser.codecs.dbd_jobs import compare_assoc, convert_num_unit2, cpu_freq_to_string
from slurmrestd.rpc.pack import NO_VAL

TRES = [{"id": 1, "type": "cpu", "name": None}, {"id": 2, "type": "mem", "name": None},
        {"id": 3, "type": "energy", "name": None}, {"id": 6, "type": "fs", "name": "disk"}]


def dump(type_name, value, version="v0.0.45", **kw):
    ctx = ParserContext(version=version, tres=list(TRES), qos=[{"id": 1, "name": "normal"}], **kw)
    return data_parser.dump(type_name, value, ctx, version=version), ctx


def step(**kw):
    s = {"nodes": "n[1-3]", "nnodes": 3, "step_id": {"sluid": 0, "job_id": 7, "step_id": 0, "step_het_comp": NO_VAL},
         "stats": {}, "cwd": "/home/a", "std_out": "out-%j.%s-%N-%u-%x", "state": 3,
         "job_ptr": {"jobname": "jn", "user": "alice", "array_job_id": 0, "array_task_id": NO_VAL}}
    s.update(kw)
    return s


def test_step_tres_max_with_node_and_task():
    s = step(stats={"tres_usage_in_max": "1=2,2=4096,6=10", "tres_usage_in_max_nodeid": "1=2,2=0,6=1",
                    "tres_usage_in_max_taskid": "1=5,2=0,6=3"})
    out, ctx = dump("STEP", s)
    assert out["tres"]["requested"]["max"] == [
        {"type": "cpu", "name": "", "id": 1, "count": 2, "task": 5, "node": "n3"},
        {"type": "mem", "name": "", "id": 2, "count": 4096, "task": 0, "node": "n1"},
        {"type": "fs", "name": "disk", "id": 6, "count": 10, "task": 3, "node": "n2"}]
    assert out["tres"]["consumed"]["min"] == []
    assert ctx.errors == []


def test_step_tres_unknown_id_gives_up():
    s = step(stats={"tres_usage_out_min": "1=2,99=1"})
    out, _ = dump("STEP", s)
    assert out["tres"]["consumed"]["min"] == []


def test_step_stdio_expanded():
    out, _ = dump("STEP", step())
    assert out["step"]["stdout_expanded"] == "/home/a/out-7.0-n1-alice-jn"
    assert out["step"]["stdin_expanded"] == ""


def test_job_stdio_expanded_uses_first_node_and_sluid():
    job = {"jobid": 9, "jobname": "x", "user": "bob", "nodes": "n[4-5]", "work_dir": "/w", "db_index": 0,
           "std_out": "%N_%j_%x_%u.out", "std_err": "/abs/%A_%a", "array_job_id": 8, "array_task_id": 2,
           "steps": []}
    out, _ = dump("JOB", job)
    assert out["stdout_expanded"] == "/w/n4_9_x_bob.out"
    assert out["stderr_expanded"] == "/abs/8_2"


@pytest.mark.parametrize("v,text", [(0, "0"), (NO_VAL, "Unknown"), (1000, "1M"), (2400000, "2.40G"), (999, "999K"),
                                    (0x80000001, "Low"), (0x80000100, "Unknown")])
def test_cpu_freq(v, text):
    assert cpu_freq_to_string(v) == text


def test_convert_num_unit2():
    assert convert_num_unit2(1536.0, 0, 1024) == "1.50K"
    assert convert_num_unit2(0.4, 1, 1000) == "0"


def test_planned_time():
    now = int(time.time())
    cases = [({"eligible": 0}, 0), ({"eligible": 100, "start": 160}, 60),
             ({"eligible": 100, "start": NO_VAL, "end": 40}, -60),  # cancelled before its begin time
             ({"eligible": 0xFFFFFFFF, "start": 5}, 0)]
    for job, expected in cases:
        out, _ = dump("JOB", dict(job, steps=[]))
        assert out["time"]["planned"] == {"set": True, "infinite": False, "number": expected}, job
    out, _ = dump("JOB", {"eligible": now - 30, "start": 0, "steps": []})
    assert 29 <= out["time"]["planned"]["number"] <= 40


def test_job_association_v42_looks_up_the_table():
    assocs = [{"id": 5, "cluster": "c", "acct": "a", "user": "u", "partition": None}]
    job = {"cluster": "c", "associd": 5, "account": "x", "user": "y", "partition": "p", "steps": []}
    out, ctx = dump("JOB", job, version="v0.0.42", loaders={"ASSOC": lambda: assocs})
    assert out["association"] == {"account": "a", "cluster": "c", "partition": "", "user": "u", "id": 5}
    out, ctx = dump("JOB", dict(job, associd=6), version="v0.0.42", loaders={"ASSOC": lambda: assocs})
    assert out["association"] == {}
    assert ctx.warnings[-1]["description"] == "Unknown association with id#6. Unable to dump association."
    out, _ = dump("JOB", job, version="v0.0.45")
    assert out["association"] == {"account": "", "cluster": "c", "partition": "", "user": "", "id": 5}


def test_compare_assoc():
    rec = {"id": 3, "cluster": "C", "acct": "a", "user": None, "partition": None}
    assert compare_assoc(rec, {"id": 3, "cluster": "c"})
    assert not compare_assoc(rec, {"id": 3, "cluster": "d"})
    assert compare_assoc(rec, {"acct": "A", "cluster": "c"})
    assert not compare_assoc(rec, {"acct": "a", "cluster": "c", "user": "u"})


def test_signed_integers():
    out, _ = dump("TRES", {"type": "energy", "id": 3, "count": 0xFFFFFFFFFFFFFFFE})
    assert out["count"] == -2


@pytest.mark.parametrize("data,expected", [("root", ["0"]), (["0", "root"], ["0", "0"])])
def test_user_id_string_list(data, expected):
    ctx = ParserContext()
    cond = data_parser.parse("JOB_CONDITION", {"users": data}, ctx)
    assert ctx.errors == [] and cond["userid_list"] == expected


def test_state_id_string_list():
    ctx = ParserContext()
    cond = data_parser.parse("JOB_CONDITION", {"state": ["completed", "FAILED", 4]}, ctx)
    assert ctx.errors == [] and cond["state_list"] == ["3", "5", "4"]
