"""The slurmdb leaf overrides (data_parser/codecs/dbd.py)."""

from slurmrestd import data_parser
from slurmrestd.data_parser import ParserContext

QOS = [{"id": 1, "name": "normal"}, {"id": 7, "name": "high"}]


def test_rpc_names():
    stats = {"time_start": 1, "dbd_rollup_stats": None, "rpc_list": [
        {"id": 6500, "cnt": 2, "time": 10, "time_ave": 5}, {"id": 1409, "cnt": 1, "time": 3, "time_ave": 3},
        {"id": 1433, "cnt": 1, "time": 1, "time_ave": 1}], "user_list": []}
    out = data_parser.dump("STATS_REC", stats, ParserContext())
    assert [r["rpc"] for r in out["RPCs"]] == ["SLURM_PERSIST_INIT", "DBD_GET_ACCOUNTS", "MsgType=1433"]


def test_assoc_id_v0042_is_zero_without_an_association_list():
    assoc = {"id": 5, "acct": "a", "cluster": "c", "user": "u", "partition": None}
    assert data_parser.dump("ASSOC_SHORT", assoc, ParserContext(version="v0.0.42"))["id"] == 5
    for v, want in (("v0.0.42", 0), ("v0.0.43", 5), ("v0.0.45", 5)):
        ctx = ParserContext(version=v, tres=[], qos=[])
        assert data_parser.dump("ASSOC", assoc, ctx)["id"] == want, v


def test_qos_id_filter():
    ctx = ParserContext(qos=QOS)
    assert data_parser.parse("QOS_CONDITION", {"id": "normal,7,42"}, ctx)["id_list"] == ["1", "7", "42"]
    assert ctx.errors == []
    ctx = ParserContext(qos=QOS)
    data_parser.parse("QOS_CONDITION", {"id": "abc"}, ctx)
    assert [(e["error_number"], e["source"]) for e in ctx.errors] == [(9202, "#/id/")]
    ctx = ParserContext(qos=QOS)
    data_parser.parse("QOS_CONDITION", {"id": ["high", "x"]}, ctx)
    assert [(e["error_number"], e["source"]) for e in ctx.errors] == [(9202, "#/id[1]/")]
