import pytest

from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc.ctld.jobs import format_job_id, parse_job_id
from slurmrestd.slurm.sentinels import NO_VAL
from slurmrestd.slurm.sluid import print_sluid, str2sluid

SAMPLE = "s965M80PNPG400"  # a SLUID seen on the 26.05 cluster


def test_roundtrip_and_lookalikes():
    v = str2sluid(SAMPLE)
    assert v and print_sluid(v) == SAMPLE
    assert str2sluid(SAMPLE.lower()) == v
    assert str2sluid("s" + "O" * 13) == 0 and str2sluid("s" + "0" * 12 + "I") == 1


@pytest.mark.parametrize("bad", ["s", "s123", "S965M80PNPG4001", "sUUUUUUUUUUUUU", "x965M80PNPG400", ""])
def test_not_a_sluid(bad):
    assert str2sluid(bad) == 0


def test_job_id_strings():
    sel = parse_job_id(SAMPLE)
    assert sel["step_id"]["sluid"] == str2sluid(SAMPLE) and sel["step_id"]["job_id"] == NO_VAL
    assert format_job_id(sel) == SAMPLE
    step = parse_job_id(SAMPLE + ".batch")["step_id"]
    assert step["sluid"] == str2sluid(SAMPLE) and step["step_id"] == 0xFFFFFFFB
    for bad in ("s123", SAMPLE + "x", SAMPLE + "_1"):
        with pytest.raises(SlurmError) as e:
            parse_job_id(bad)
        assert e.value.errno == E.ESLURM_INVALID_SLUID
