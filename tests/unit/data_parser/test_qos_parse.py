"""Parsing QOS records for POST qos: preemption lists by name become QOS ids, and a
name that resolves to no QOS is the C parser's error (nothing is sent to slurmdbd)."""

import pytest

from slurmrestd import data_parser as dp
from slurmrestd.errors import E

QOS = [{"id": 1, "name": "normal"}, {"id": 5, "name": "high"}]
TRES = [{"id": 1, "type": "cpu", "name": None}, {"id": 2, "type": "mem", "name": None}]


def parse(body, version="v0.0.45"):
    ctx = dp.ParserContext(version=version, tres=list(TRES), qos=list(QOS))
    return dp.parse("OPENAPI_SLURMDBD_QOS_RESP", body, ctx), ctx


@pytest.mark.parametrize("version", ["v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45"])
def test_preempt_names_and_tres_limits(version):
    v, ctx = parse({"qos": [{"name": "x", "preempt": {"list": ["high", "normal"]},
                             "limits": {"max": {"tres": {"per": {"job": [{"type": "cpu", "count": 4}]}}}}}]},
                   version)
    assert ctx.errors == []
    q = v["response"][0]
    assert q["preempt_list"] == ["5", "1"] and q["max_tres_pj"] == "1=4"


def test_unknown_preempt_name_is_an_error():
    _, ctx = parse({"qos": [{"name": "x", "preempt": {"list": ["normal", "nosuch"]}}]})
    assert ctx.errors == [{"description": "Unable to resolve QOS: nosuch", "error_number": E.ESLURM_INVALID_QOS,
                           "error": "Invalid qos specification", "source": "#/qos[0]/preempt/list/"}]


@pytest.mark.parametrize("version", ["v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45"])
@pytest.mark.parametrize("lst, text", [
    (["nosuch", "other"], "nosuch"),          # the first unknown ends the list: one error
    (["high", 987654, "nosuch"], "(null)"),  # an unknown id is printed as the C parser does
])
def test_unknown_preempt_qos_ends_the_list(version, lst, text):
    v, ctx = parse({"qos": [{"name": "x", "preempt": {"list": lst}}]}, version)
    assert ctx.errors == [{"description": "Unable to resolve QOS: " + text, "error_number": E.ESLURM_INVALID_QOS,
                           "error": "Invalid qos specification", "source": "#/qos[0]/preempt/list/"}]
