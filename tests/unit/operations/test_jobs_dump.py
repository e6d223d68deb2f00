"""The compiled job-list dumper gives exactly what the generic data parser walker gives,
on real RESPONSE_JOB_INFO captures from both clusters, for every data parser version."""

import copy
import glob
import json
import os

import pytest

from slurmrestd.data_parser import ParserContext, dump
from slurmrestd.operations.slurmctld import jobs_dump
from slurmrestd.operations.slurmctld.jobs import _job_info_resp
from slurmrestd.rpc.ctld import jobs as rpc
from slurmrestd.rpc.protocol import decode_message

GOLDEN = os.path.join(os.path.dirname(__file__), "..", "rpc", "golden", "jobs")
CAPTURES = sorted(glob.glob(os.path.join(GOLDEN, "*-jobs-0.resp.bin")))


@pytest.mark.parametrize("path", CAPTURES, ids=os.path.basename)
@pytest.mark.parametrize("version", ["v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45"])
def test_compiled_dump_equals_generic(path, version):
    with open(path, "rb") as fh:
        data = fh.read()
    msg = decode_message(data[4:])
    info = rpc.unpack_job_info_msg(msg.body, msg.header.version)
    assert info["job_array"]
    fast_ctx, ref_ctx = ParserContext(version=version), ParserContext(version=version)
    fast = jobs_dump.dump("OPENAPI_JOB_INFO_RESP", _job_info_resp(copy.deepcopy(info)), fast_ctx, version)
    ref = dump("OPENAPI_JOB_INFO_RESP", _job_info_resp(copy.deepcopy(info)), ref_ctx, version=version)
    assert json.dumps(fast) == json.dumps(ref)  # same values, same key order
    assert fast_ctx.errors == ref_ctx.errors and fast_ctx.warnings == ref_ctx.warnings
