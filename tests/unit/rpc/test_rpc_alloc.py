"""Allocations without a controller: the callback listener and the wait
(a scripted transport answers; replies are packed with the same layouts)."""

import socket
import threading

import pytest

from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc.conf import SlurmConfig
from slurmrestd.rpc.cred import JwtCredential
from slurmrestd.rpc.ctld import jobs
from slurmrestd.rpc.ctld.client import SlurmctldClient
from slurmrestd.rpc.ctld.jobs.alloc import _AllocListener
from slurmrestd.rpc.ctld.jobs.layouts import JOB_DESC, RESOURCE_ALLOCATION_RESPONSE
from slurmrestd.rpc.layouts import pack_step_id
from slurmrestd.slurm.msg_types import MsgType
from slurmrestd.rpc.pack import Packer
from slurmrestd.rpc.protocol import SUPPORTED_VERSIONS, V24_11, V26_05, decode_message, encode_request, reply_rc
from slurmrestd.slurm.jobid import step_id_init


def frame(msg_type, body, version):
    return encode_request(msg_type, body, None, version)


def allocation(version, job_id, node_cnt):
    d = RESOURCE_ALLOCATION_RESPONSE.zeros()
    d.update(step_id={**step_id_init(), "job_id": job_id}, node_cnt=node_cnt, node_list="n1" if node_cnt else None)
    return frame(MsgType.RESPONSE_RESOURCE_ALLOCATION,
                 RESOURCE_ALLOCATION_RESPONSE.encode(Packer(), d, version).getvalue(), version)


def deliver(port, data, answers):
    """Connect to the listener as slurmctld does, send one message, keep its answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(data)
        answers.append(s.recv(64))


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS, ids=hex)
def test_job_complete_ends_the_wait(version):
    listener = _AllocListener("127.0.0.1")
    p = Packer()
    pack_step_id(p, {"job_id": 42})
    answers = []
    t = threading.Thread(target=deliver, args=(listener.port, frame(MsgType.SRUN_JOB_COMPLETE, p.getvalue(),
                                                                    version), answers))
    t.start()
    try:
        with pytest.raises(SlurmError) as ei:
            listener.wait(42, MsgType.RESPONSE_RESOURCE_ALLOCATION, 5, jobs.unpack_resource_allocation_response,
                          "src()")
    finally:
        t.join(5)
        listener.close()
    assert ei.value.errno == E.ESLURM_ALREADY_DONE and ei.value.source == "src()"
    assert reply_rc(decode_message(answers[0][4:])) == (0, None)


class Script:
    """A transport whose controller grants nothing at once and calls back later."""

    def __init__(self, version, callback):
        self.version = version
        self.callback = callback
        self.sent = []
        self.answers = []
        self.threads = []

    def endpoints(self):
        return []

    def send_recv(self, data, only=None):
        req = decode_message(data[4:])
        self.sent.append(req.msg_type)
        if req.msg_type == MsgType.REQUEST_RESOURCE_ALLOCATION:
            port = JOB_DESC.decode(req.body, req.version)["alloc_resp_port"]
            if self.callback:
                t = threading.Thread(target=deliver, args=(port, allocation(self.version, 7, 1), self.answers))
                t.start()
                self.threads.append(t)
            return allocation(self.version, 7, 0)[4:], None
        return frame(MsgType.RESPONSE_SLURM_RC, Packer().u32(0).getvalue(), self.version)[4:], None


def client(version, callback):
    return SlurmctldClient(SlurmConfig(path="script"), JwtCredential("t", "alice"), version=version,
                           transport=Script(version, callback))


@pytest.mark.parametrize("version", (V24_11, V26_05), ids=hex)
def test_queued_allocation_is_granted_by_the_callback(version):
    c = client(version, callback=True)
    resp = jobs.allocate(c, {"name": "a"}, timeout=5, listen_host="127.0.0.1")
    for t in c.transport.threads:
        t.join(5)
    assert resp["job_id"] == 7 and resp["node_cnt"] == 1 and resp["node_list"] == "n1"
    assert c.transport.sent == [MsgType.REQUEST_RESOURCE_ALLOCATION]
    assert reply_rc(decode_message(c.transport.answers[0][4:])) == (0, None)


def test_a_wait_that_times_out_gives_the_allocation_back():
    c = client(V26_05, callback=False)
    with pytest.raises(SlurmError) as ei:
        jobs.allocate(c, {"name": "a"}, timeout=0.3, listen_host="127.0.0.1")
    assert ei.value.errno == 110 and ei.value.source == "slurm_allocate_resources_blocking()"
    assert c.transport.sent == [MsgType.REQUEST_RESOURCE_ALLOCATION, MsgType.REQUEST_COMPLETE_JOB_ALLOCATION]


def test_no_callback_returns_the_queued_reply():
    c = client(V26_05, callback=False)
    resp = jobs.allocate(c, {"name": "a"}, callback=False)
    assert resp["node_cnt"] == 0 and c.transport.sent == [MsgType.REQUEST_RESOURCE_ALLOCATION]
