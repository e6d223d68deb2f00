"""User and group names (issue 14, defect 4): what the controller sends wins; a lookup on
this host is only the fallback, through a bounded per-daemon cache (no module-level state)."""

from __future__ import annotations

import copy
import glob
import os
import pwd

import pytest

from slurmrestd.data_parser import ParserContext, dump, dump_planned
from slurmrestd.data_parser.codecs import users
from slurmrestd.data_parser.codecs.users import IdNames, _Remembered
from slurmrestd.operations.slurmctld.jobs import _job_info_resp
from slurmrestd.rpc.ctld import jobs as rpc
from slurmrestd.rpc.protocol import decode_message

GOLDEN = os.path.join(os.path.dirname(__file__), "..", "rpc", "golden", "jobs")
CAPTURES = sorted(glob.glob(os.path.join(GOLDEN, "*-jobs-0.resp.bin")))
NOBODY_HERE = 54321  # a uid this host has no passwd entry for


def _unused_uid() -> int:
    uid = NOBODY_HERE
    while True:
        try:
            pwd.getpwuid(uid)
        except KeyError:
            return uid
        uid += 1


def test_name_the_controller_sent_wins():
    uid = _unused_uid()
    ctx = ParserContext(user_names={uid: "dave", os.getuid(): "carol"})
    assert dump("USER_ID", uid, ctx) == "dave"
    assert dump("USER_ID", os.getuid(), ctx) == "carol"  # not this host's name for the uid


def test_lookup_is_the_fallback():
    ctx = ParserContext(names=IdNames(8))
    assert dump("USER_ID", os.getuid(), ctx) == pwd.getpwuid(os.getuid()).pw_name
    assert dump("USER_ID", _unused_uid(), ctx) == ""
    assert dump("USER_ID", 0, ctx) == "root"


def test_learn_user_names_keeps_the_first_and_skips_empty():
    ctx = ParserContext()
    ctx.learn_user_names([{"user_id": 7, "user_name": "a"}, {"user_id": 7, "user_name": "b"},
                          {"user_id": 8, "user_name": None}, {"user_id": "x", "user_name": "c"}, None])
    assert ctx.user_names == {7: "a"}


def test_cache_is_bounded_and_expires():
    calls = []

    def lookup(key):
        calls.append(key)
        if key == 3:
            raise KeyError(key)
        return "u%d" % key

    r = _Remembered(lookup, size=2, ttl_s=60)
    assert [r(1), r(2), r(1), r(3), r(3)] == ["u1", "u2", "u1", None, None]
    assert len(r) == 2 and calls == [1, 2, 3]  # unknown ids are remembered too
    r(4)
    assert len(r) == 2
    expired = _Remembered(lookup, size=2, ttl_s=0)
    expired(1), expired(1)
    assert calls[-2:] == [1, 1]
    nothing = _Remembered(lookup, size=0, ttl_s=60)
    nothing(1)
    assert len(nothing) == 0


def test_no_module_level_cache():
    assert not [k for k, v in vars(users).items() if isinstance(v, (IdNames, _Remembered, dict))
                and not k.startswith("__")]


@pytest.mark.parametrize("path", CAPTURES[:1], ids=os.path.basename)
def test_job_owner_comes_from_the_job_info(path):
    """A job's user_name as slurmctld sent it is dumped, even where this host's passwd
    names the uid differently or not at all; slurmctld sends it once the job has started
    (pending jobs have none: then this host's name for the uid)."""
    with open(path, "rb") as fh:
        data = fh.read()
    msg = decode_message(data[4:])
    info = rpc.unpack_job_info_msg(msg.body, msg.header.version)
    jobs = info["job_array"]
    assert len(jobs) >= 3
    jobs[2]["user_id"], jobs[2]["user_name"] = os.getuid(), None
    jobs[0]["user_id"], jobs[0]["user_name"] = _unused_uid(), "dave"
    jobs[1]["user_id"], jobs[1]["user_name"] = 4242, "carol"
    ctx = ParserContext(version="v0.0.45", names=IdNames(8))
    ctx.learn_user_names(jobs)
    out = dump_planned("OPENAPI_JOB_INFO_RESP", _job_info_resp(copy.deepcopy(info)), ctx, "v0.0.45")
    names = [j["user_name"] for j in out["jobs"]]
    assert names[:3] == ["dave", "carol", pwd.getpwuid(os.getuid()).pw_name]


def test_slurm_nobody_is_named_as_c_names_it():
    """uid 99 (SLURM_AUTH_NOBODY) dumps as "nobody" and gid 99 as no name, whatever this host's
    databases hold (uid_to_string_or_null / gid_to_string_or_null); seen in diag's
    rpcs_by_user, where the reference says "nobody" for RPCs of uid 99."""
    ctx = ParserContext(names=IdNames(size=8))
    assert dump("USER_ID", 99, ctx) == "nobody"
    assert users.uid_to_name(99) == "nobody" and users.gid_to_name(99) is None
    assert dump("GROUP_ID", 99, ctx) == ""
    assert dump("USER_ID", 0, ctx) == "root"
