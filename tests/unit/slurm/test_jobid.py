"""The one job id grammar (slurmrestd.slurm.jobid) and its two callers:
rpc.ctld.jobs (SlurmError, Bitstr) and the data parser (errno in a ValueError, index lists).
Cases follow unfmt_job_id_string()/fmt_job_id_string() in src/common/slurm_protocol_defs.c."""

import pytest

from slurmrestd.data_parser.codecs import jobids
from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc.ctld import jobs
from slurmrestd.rpc.pack import Bitstr
from slurmrestd.slurm import jobid
from slurmrestd.slurm.defs import SLURM_BATCH_SCRIPT, SLURM_EXTERN_CONT, SLURM_INTERACTIVE_STEP, SLURM_PENDING_STEP
from slurmrestd.slurm.sentinels import NO_VAL
from slurmrestd.slurm.sluid import print_sluid, str2sluid

SLUID = "s965M80PNPG400"


def _sel(job=NO_VAL, task=NO_VAL, het=NO_VAL, step=NO_VAL, comp=NO_VAL, sluid=0, bitmap=None):
    return {"step_id": {"sluid": sluid, "job_id": job, "step_id": step, "step_het_comp": comp},
            "array_task_id": task, "het_job_offset": het, "array_bitmap": bitmap}


@pytest.mark.parametrize("text,want", [
    ("123", _sel(123)),
    (" +123", _sel(123)),                       # strtol: blanks and a sign
    ("4294967292", _sel(4294967292)),           # below MAX_FED_JOB_ID
    ("12_4", _sel(12, task=4)),
    ("12+1", _sel(12, het=1)),
    ("12+128", _sel(12, het=128)),
    ("12.0", _sel(12, step=0)),
    ("12.BaTcH", _sel(12, step=SLURM_BATCH_SCRIPT)),
    ("12.extern", _sel(12, step=SLURM_EXTERN_CONT)),
    ("12.interactive", _sel(12, step=SLURM_INTERACTIVE_STEP)),
    ("12.TBD", _sel(12, step=SLURM_PENDING_STEP)),
    ("12.0+", _sel(12, step=0)),
    ("12.0+127", _sel(12, step=0, comp=127)),
    ("12_4.extern", _sel(12, task=4, step=SLURM_EXTERN_CONT)),
    ("12_[1-3,7]", _sel(12, bitmap=[1, 2, 3, 7])),
    ("12_[1-7:3]", _sel(12, bitmap=[1, 4, 7])),
    ("12_[1-3%2]", _sel(12, bitmap=[1, 2, 3])),
    (SLUID, _sel(sluid=str2sluid(SLUID))),
    (SLUID + ".batch", _sel(sluid=str2sluid(SLUID), step=SLURM_BATCH_SCRIPT)),
])
def test_unfmt(text, want):
    assert jobid.unfmt_job_id_string(text) == want


@pytest.mark.parametrize("text,errno", [
    ("", E.ESLURM_EMPTY_JOB_ID),
    ("abc", E.ESLURM_INVALID_JOB_ID_NON_NUMERIC),   # deliberate: C reports ..._ZERO here
    ("0", E.ESLURM_INVALID_JOB_ID_ZERO),
    ("-4", E.ESLURM_INVALID_JOB_ID_NEGATIVE),
    ("4294967293", E.ESLURM_INVALID_JOB_ID_TOO_LARGE),
    ("12x", E.ESLURM_INVALID_JOB_ID_NON_NUMERIC),
    ("12_", E.ESLURM_EMPTY_JOB_ARRAY_ID),
    ("12_-1", E.ESLURM_INVALID_JOB_ARRAY_ID_NEGATIVE),
    ("12_x", E.ESLURM_INVALID_JOB_ARRAY_ID_NON_NUMERIC),
    ("12_3+1", jobid.ESLURM_INVALID_HET_JOB_AND_ARRAY),
    ("12+1_2", jobid.ESLURM_INVALID_HET_JOB_AND_ARRAY),
    ("12+", E.ESLURM_EMPTY_HET_JOB_COMP),
    ("12+-1", E.ESLURM_INVALID_HET_JOB_COMP_NEGATIVE),
    ("12+129", E.ESLURM_INVALID_HET_JOB_COMP_TOO_LARGE),
    ("12+x", jobid.ESLURM_INVALID_HET_JOB_COMP_NON_NUMERIC),
    ("12.", E.ESLURM_EMPTY_STEP_ID),
    ("12.x", E.ESLURM_INVALID_STEP_ID_NON_NUMERIC),
    ("12.-1", E.ESLURM_INVALID_STEP_ID_NEGATIVE),
    ("12.4294967280", E.ESLURM_INVALID_STEP_ID_TOO_LARGE),
    ("12.batchx", E.ESLURM_INVALID_STEP_ID_NON_NUMERIC),
    ("12+1.0+1", E.ESLURM_INVALID_HET_STEP_JOB),
    ("12.0+x", E.ESLURM_EMPTY_HET_STEP),
    ("12.0+0", E.ESLURM_INVALID_HET_STEP_ZERO),
    ("12.0+-1", E.ESLURM_INVALID_HET_STEP_NEGATIVE),
    ("12.0+128", E.ESLURM_INVALID_HET_STEP_TOO_LARGE),
    ("12.0+1x", E.ESLURM_INVALID_HET_STEP_NON_NUMERIC),
    ("12_[1-3", E.ESLURM_INVALID_JOB_ARRAY_ID_NON_NUMERIC),
    ("12_[1-3]x", E.ESLURM_INVALID_JOB_ARRAY_ID_NON_NUMERIC),
    ("12_[3-1]", E.ESLURM_INVALID_JOB_ARRAY_ID_NON_NUMERIC),
    ("12_[1-3:0]", E.ESLURM_INVALID_JOB_ARRAY_ID_NON_NUMERIC),
    ("12_[]", E.ESLURM_INVALID_JOB_ARRAY_ID_NON_NUMERIC),       # deliberate: C reads task 0
    ("12_[1,,2]", E.ESLURM_INVALID_JOB_ARRAY_ID_NON_NUMERIC),   # deliberate: C skips the gap
    ("s123", E.ESLURM_INVALID_SLUID),
    (SLUID + "_1", E.ESLURM_INVALID_SLUID),
    (SLUID + ".", E.ESLURM_EMPTY_STEP_ID),
    (SLUID + ".0+1", E.ESLURM_INVALID_STEP_ID_NON_NUMERIC),
])
def test_unfmt_errors(text, errno):
    with pytest.raises(jobid.JobIdError) as ei:
        jobid.unfmt_job_id_string(text)
    assert ei.value.errno == errno
    with pytest.raises(SlurmError) as ei:
        jobs.parse_job_id(text)
    assert ei.value.errno == errno
    with pytest.raises(ValueError) as ei:
        jobids.unfmt_job_id_string(text)
    assert ei.value.args[0] == errno


def test_max_array_size():
    with pytest.raises(jobid.JobIdError) as ei:
        jobid.unfmt_job_id_string("12_[1-3]", NO_VAL)
    assert ei.value.errno == E.ESLURM_INVALID_JOB_ID_NON_NUMERIC
    with pytest.raises(jobid.JobIdError):
        jobid.unfmt_job_id_string("12_[1-3]", 3)
    assert jobid.unfmt_job_id_string("12_[1-3]", 4)["array_bitmap"] == [1, 2, 3]


@pytest.mark.parametrize("sel,text", [
    (_sel(12), "12"),
    (_sel(12, task=4, step=0), "12_4.0"),
    (_sel(12, het=1, step=SLURM_INTERACTIVE_STEP, comp=2), "12+1.interactive+2"),
    (_sel(12, bitmap=[1, 2, 3, 7], step=0), "12_[1-3,7]"),
    (_sel(12, bitmap=[]), "12"),
    (_sel(sluid=5), print_sluid(5)),
    (_sel(0, sluid=5, step=0), print_sluid(5)),   # a SLUID prints alone, as in C
    ({}, None),
    (_sel(12, task=1, het=1), None),
    (_sel(12, bitmap=[1], task=1, het=1), None),
    (_sel(12, comp=1), None),
])
def test_fmt(sel, text):
    if text is None:
        with pytest.raises(jobid.JobIdError):
            jobid.fmt_job_id_string(sel)
    else:
        assert jobid.fmt_job_id_string(sel) == text


def test_callers_keep_their_shapes():
    sel = jobs.parse_job_id("77_[1-3,5]")
    assert isinstance(sel["array_bitmap"], Bitstr) and jobs.format_job_id(sel) == "77_[1-3,5]"
    assert jobs.parse_job_id("77")["array_bitmap"] is None
    step = jobids.unfmt_job_id_string("77_[1-3,5]")
    assert step["array_bitmap"] == [1, 2, 3, 5] and jobids.fmt_job_id_string(step) == "77_[1-3,5]"
    assert "array_bitmap" not in jobids.unfmt_job_id_string("77.0")
    flat = {"step_id.job_id": 77, "step_id.step_id": 0}
    assert jobids.fmt_job_id_string(flat) == "77.0"
    with pytest.raises(SlurmError) as ei:
        jobs.format_job_id({})
    assert ei.value.errno == E.ESLURM_EMPTY_JOB_ID


def test_one_step_name_table():
    assert dict(jobid.STEP_NAMES) == {"TBD": SLURM_PENDING_STEP, "extern": SLURM_EXTERN_CONT,
                                      "batch": SLURM_BATCH_SCRIPT, "interactive": SLURM_INTERACTIVE_STEP}
    assert not hasattr(jobids, "_STEP_NAMES") and not hasattr(jobs, "_STEP_NAMES")
