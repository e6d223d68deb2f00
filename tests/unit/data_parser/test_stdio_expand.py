"""codecs.stdio: the regular-expression walk of ASCII paths expands every ``%`` escape as the
character walk does (pad digits, unknown letters, ``%%``, a trailing ``%``, newlines)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from slurmrestd.data_parser.codecs import stdio

JOB = {"array_job_id": 7, "array_task_id": 3, "first_step_node": "n1", "jobname": "name",
       "restart_cnt": 2, "job_id": 1234, "sluid": 0, "step_id": 0xFFFFFFFB, "user": "alice",
       "work_dir": "/home/alice"}

CASES = ["slurm-%j.out", "%", "a%", "%%", "%%j", "%5j", "%12j", "%09a", "%3", "%3%", "%3q", "%q",
         "%\n", "%2\n", "x%Ay%by%Jz%Nn%rr%ss%tt%uu%xx%nn", "%%%", "%0j", "%10j", "%1234567890123j",
         "/abs/%j-%a", "no escapes", "%N%N"]


def _both(path: str, job=JOB) -> tuple[list, list]:
    fast, walk = [], []
    stdio._expand_escapes(path, job, fast)
    stdio._expand_by_character(path, job, walk)
    return "".join(fast), "".join(walk)


def test_known_paths_expand_alike():
    for path in CASES:
        fast, walk = _both(path)
        assert fast == walk, path


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="%0123456789AabJjrSsxNntuqz/.-\n", max_size=24))
def test_any_ascii_path_expands_alike(path):
    fast, walk = _both(path)
    assert fast == walk


def test_expand_stdio_paths():
    assert stdio.expand_stdio("slurm-%j.out", JOB) == "/home/alice/slurm-1234.out"
    assert stdio.expand_stdio("/o/%5j", JOB) == "/o/01234"
    assert stdio.expand_stdio("/o/plain", JOB) == "/o/plain"
    assert stdio.expand_stdio("/o/a\\%j", JOB) == "/o/a%j"
    # a non-ASCII path takes the character walk (str.isdigit() also knows other digits)
    assert stdio.expand_stdio("/o/é%j", JOB) == "/o/é1234"
