"""Property tests: the RPC unpackers give a value or raise our own error types (UnpackError,
or SlurmError for a well-formed reply we refuse, such as a federation record), nothing else
(issue 14).

Seeds are real replies: the slurmctld captures under ``golden/`` and the slurmdbd fixtures of
the shared reference.  hypothesis mutates them (bytes flipped, cut, inserted, repeated,
lengths and counts overwritten with extreme values) and also feeds plain random bytes.
The frame layer (``decode_message``, the slurmdbd ``decode_reply``) may also refuse a frame
with a ``SlurmError`` (unsupported protocol version, no message type), never with another
exception.
"""

from __future__ import annotations

import glob
import os
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shared_dir import REFERENCE

from slurmrestd.errors import SlurmError
from slurmrestd.rpc.ctld import client as ctld_client
from slurmrestd.rpc.ctld import nodes, partitions, reservations
from slurmrestd.rpc.ctld.jobs import alloc, control, info, submit
from slurmrestd.rpc.dbd import assoc, frames, instances, jobs as dbd_jobs, records
from slurmrestd.rpc.dbd.session import unpack_list_msg
from slurmrestd.rpc.pack import Unpacker, UnpackError
from slurmrestd.rpc.protocol import V24_11, V25_05, V25_11, V26_05, decode_message
from slurmrestd.slurm.dbd_msg_types import DbdMsgType as T
from slurmrestd.slurm.msg_types import MsgType as M

GOLDEN = os.path.join(os.path.dirname(__file__), "golden")
DBD_FIXTURES = os.path.join(REFERENCE, "dbd-fixtures")
DBD_VERSIONS = {"2a00": V24_11, "2b00": V25_05, "2c00": V25_11, "2d00": V26_05}
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: slurmctld reply type -> its body decoder (what ``SlurmctldClient.call`` is given)
CTLD_DECODERS = {
    M.RESPONSE_JOB_INFO: info.unpack_job_info_msg,
    M.RESPONSE_JOB_STATE: info.unpack_job_state_response,
    M.RESPONSE_RESOURCE_LAYOUT: info.unpack_resource_layout,
    M.RESPONSE_NODE_INFO: nodes.unpack_node_info_msg,
    M.RESPONSE_PARTITION_INFO: partitions.unpack_partition_info_msg,
    M.RESPONSE_RESERVATION_INFO: reservations.unpack_reserve_info_msg,
    M.RESPONSE_SUBMIT_BATCH_JOB: submit.unpack_submit_response,
    M.RESPONSE_RESOURCE_ALLOCATION: alloc.unpack_resource_allocation_response,
    M.RESPONSE_JOB_ARRAY_ERRORS: control.unpack_job_array_resp,
    M.RESPONSE_KILL_JOBS: control.unpack_kill_jobs_resp,
    M.RESPONSE_STATS_INFO: ctld_client._unpack_stats,
    M.RESPONSE_LICENSE_INFO: ctld_client._unpack_licenses,
    M.RESPONSE_SHARE_INFO: ctld_client._unpack_shares,
    M.RESPONSE_BUILD_INFO: ctld_client._unpack_conf,
}


def _list_of(unpack_rec):
    return lambda u, v: unpack_list_msg(u, v, unpack_rec)


#: slurmdbd reply type -> decoder of its body
DBD_DECODERS = {
    T.DBD_GOT_ACCOUNTS: _list_of(records.unpack_account_rec),
    T.DBD_GOT_ASSOCS: assoc.decode_got_assocs,
    T.DBD_GOT_CLUSTERS: _list_of(records.unpack_cluster_rec),
    T.DBD_GOT_CONFIG: records.unpack_slurmdbd_conf,
    T.DBD_GOT_JOBS: dbd_jobs.decode_got_jobs,
    T.DBD_GOT_QOS: _list_of(records.unpack_qos_rec),
    T.DBD_GOT_STATS: records.unpack_stats_msg,
    T.DBD_GOT_TRES: _list_of(records.unpack_tres_rec),
    T.DBD_GOT_USERS: _list_of(records.unpack_user_rec),
    T.DBD_GOT_WCKEYS: _list_of(records.unpack_wckey_rec),
    T.DBD_GOT_INSTANCES: instances.decode_got_instances,
}


def _ctld_seeds() -> list:
    seeds, seen = [], set()
    for path in sorted(glob.glob(os.path.join(GOLDEN, "**", "*.resp.bin"), recursive=True)):
        with open(path, "rb") as fh:
            data = fh.read()
        try:
            msg = decode_message(data[4:])
        except (UnpackError, SlurmError):
            continue
        decoder = CTLD_DECODERS.get(msg.msg_type)
        body = bytes(msg.body.rest())
        if decoder is None or (msg.msg_type, msg.version, len(body)) in seen:
            continue
        seen.add((msg.msg_type, msg.version, len(body)))
        seeds.append((os.path.relpath(path, GOLDEN), decoder, body, msg.version))
    return seeds


def _dbd_seeds() -> list:
    seeds = []
    for path in sorted(glob.glob(os.path.join(DBD_FIXTURES, "*.resp.bin"))):
        with open(path, "rb") as fh:
            data = fh.read()
        prefix = os.path.basename(path)[:4]
        if prefix not in DBD_VERSIONS or len(data) < 2:
            continue
        (msg_type,) = struct.unpack(">H", data[:2])
        decoder = DBD_DECODERS.get(msg_type)
        if decoder is not None:
            seeds.append((os.path.basename(path), decoder, data[2:], DBD_VERSIONS[prefix]))
    return seeds


CTLD_SEEDS = _ctld_seeds()
DBD_SEEDS = _dbd_seeds()
SEEDS = CTLD_SEEDS + DBD_SEEDS


def test_seeds_decode_as_captured():
    """The seeds themselves decode in full (so the mutations start from real replies)."""
    assert len({s[1] for s in CTLD_SEEDS}) >= 10
    for name, decoder, body, version in SEEDS:
        u = Unpacker(body)
        decoder(u, version)
        assert u.remaining == 0, name


_EXTREMES = [b"\xff\xff\xff\xff", b"\x7f\xff\xff\xff", b"\x00\x00\x00\x00", b"\xff\xff\xff\xfe",
             b"\x00\x00\x00\x01", b"\xff\xff"]

_mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 1 << 30), st.integers(1, 255)),
    st.tuples(st.just("cut"), st.integers(0, 1 << 30), st.just(0)),
    st.tuples(st.just("insert"), st.integers(0, 1 << 30), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("overwrite"), st.integers(0, 1 << 30), st.sampled_from(_EXTREMES)),
    st.tuples(st.just("repeat"), st.integers(0, 1 << 30), st.integers(1, 64)),
)


def mutate(data: bytes, ops) -> bytes:
    buf = bytearray(data)
    for kind, at, arg in ops:
        at = at % (len(buf) + 1)
        if kind == "flip" and at < len(buf):
            buf[at] ^= arg
        elif kind == "cut":
            del buf[at:]
        elif kind == "insert":
            buf[at:at] = arg
        elif kind == "overwrite":
            buf[at:at + len(arg)] = arg
        elif kind == "repeat":
            buf[at:at] = buf[at:at + arg]
    return bytes(buf)


def only_value_or_unpack_error(decoder, body: bytes, version: int) -> None:
    try:
        decoder(Unpacker(body), version)
    except (UnpackError, SlurmError):
        pass


@SETTINGS
@given(seed=st.sampled_from(range(len(SEEDS))) if SEEDS else st.nothing(),
       ops=st.lists(_mutation, min_size=1, max_size=4))
def test_mutated_replies(seed, ops):
    _name, decoder, body, version = SEEDS[seed]
    only_value_or_unpack_error(decoder, mutate(body, ops), version)


@SETTINGS
@given(decoder=st.sampled_from(sorted({*CTLD_DECODERS.values(), *DBD_DECODERS.values()}, key=repr)),
       version=st.sampled_from([V24_11, V25_05, V25_11, V26_05]), body=st.binary(max_size=512))
def test_random_bodies(decoder, version, body):
    only_value_or_unpack_error(decoder, body, version)


@SETTINGS
@given(seed=st.sampled_from(range(len(CTLD_SEEDS))) if CTLD_SEEDS else st.nothing(),
       ops=st.lists(_mutation, max_size=3), whole=st.booleans())
def test_mutated_frames(seed, ops, whole):
    """A whole slurmctld frame payload (header, auth, body) and a slurmdbd reply payload."""
    name, _decoder, _body, _version = CTLD_SEEDS[seed]
    with open(os.path.join(GOLDEN, name), "rb") as fh:
        payload = fh.read()[4:]
    data = mutate(payload, ops)
    try:
        decode_message(data)
    except (UnpackError, SlurmError):
        pass
    try:
        frames.decode_reply(data if whole else data[:2])
    except (UnpackError, SlurmError):
        pass


@pytest.mark.parametrize("body", [b"", b"\x00", b"\xff" * 3, b"\xff" * 64, b"\x00" * 64])
def test_degenerate_bodies(body):
    for decoder in {*CTLD_DECODERS.values(), *DBD_DECODERS.values()}:
        for version in (V24_11, V26_05):
            only_value_or_unpack_error(decoder, body, version)
