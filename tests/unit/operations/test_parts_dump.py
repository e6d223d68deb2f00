"""The planned dumper the partition and reservation lists use gives exactly what the generic
data parser walker gives, on every captured RESPONSE_PARTITION_INFO / RESPONSE_RESERVATION_INFO
of both clusters, for every data parser version."""

import copy
import glob
import json
import os

import pytest

from slurmrestd.data_parser import ParserContext, dump, dump_planned
from slurmrestd.rpc.ctld import partitions, reservations
from slurmrestd.slurm.msg_types import MsgType
from slurmrestd.rpc.protocol import decode_message

GOLDEN = os.path.join(os.path.dirname(__file__), "..", "rpc", "golden", "parts")
CAPTURES = sorted(p for p in glob.glob(os.path.join(GOLDEN, "*-parts*-0.resp.bin")) +
                  glob.glob(os.path.join(GOLDEN, "*-resvs*-0.resp.bin")) if "nochange" not in p)
KINDS = {MsgType.RESPONSE_PARTITION_INFO: (partitions.unpack_partition_info_msg, "OPENAPI_PARTITION_RESP",
                                           "partitions"),
         MsgType.RESPONSE_RESERVATION_INFO: (reservations.unpack_reserve_info_msg, "OPENAPI_RESERVATION_RESP",
                                             "reservations")}


@pytest.mark.parametrize("path", CAPTURES, ids=os.path.basename)
@pytest.mark.parametrize("version", ["v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45"])
def test_planned_dump_equals_generic(path, version):
    with open(path, "rb") as fh:
        msg = decode_message(fh.read()[4:])
    unpack, resp, key = KINDS[msg.msg_type]
    info = unpack(msg.body, msg.header.version)
    value = {key: info, "last_update": info["last_update"]}
    fast_ctx, ref_ctx = ParserContext(version=version), ParserContext(version=version)
    fast = dump_planned(resp, copy.deepcopy(value), fast_ctx, version)
    ref = dump(resp, copy.deepcopy(value), ref_ctx, version=version)
    assert json.dumps(fast) == json.dumps(ref)
    assert fast_ctx.errors == ref_ctx.errors and fast_ctx.warnings == ref_ctx.warnings
