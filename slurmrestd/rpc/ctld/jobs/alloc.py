"""Allocations: REQUEST_RESOURCE_ALLOCATION and its het form, the listener the
controller calls back when a queued allocation starts, and
REQUEST_COMPLETE_JOB_ALLOCATION to give one up."""

from __future__ import annotations

import logging
import socket
import time
from typing import Any, Callable, Sequence

from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc.ctld.jobs.layouts import RESOURCE_ALLOCATION_RESPONSE
from slurmrestd.rpc.ctld.jobs.submit import encode_job_desc, encode_job_desc_list, prepare_submit
from slurmrestd.rpc.frames import SLURMCTLD, recv_frame
from slurmrestd.rpc.layouts import fill_step_id, nest, unpack_step_id
from slurmrestd.slurm.msg_types import MsgType, msg_type_name
from slurmrestd.rpc.pack import Packer, Unpacker, UnpackError
from slurmrestd.rpc.protocol import V25_11, decode_message, encode_request
from slurmrestd.slurm.defs import SLURM_AUTH_NOBODY
from slurmrestd.slurm.sentinels import NO_VAL, NO_VAL16

log = logging.getLogger(__name__)

#: How long one controller callback may take to arrive in full once connected.
CALLBACK_IO_TIMEOUT = 30.0


def unpack_resource_allocation_response(u: Unpacker, version: int) -> dict:
    """``_unpack_resource_allocation_response_msg``."""
    d = RESOURCE_ALLOCATION_RESPONSE.decode(u, version)
    if d.get('_working_cluster_rec'):
        raise SlurmError(E.ESLURM_NOT_SUPPORTED,
                         "allocation response carries a federation cluster record (not supported)",
                         "slurm_allocate_resources()")
    nest(d)
    fill_step_id(d)
    d['job_id'] = d['step_id']['job_id']
    for k in ('cpus_per_node', 'cpu_count_reps'):
        if d[k] is not None and len(d[k]) != d['num_cpu_groups']:
            raise UnpackError("resource allocation: %s has %d entries for %d groups"
                              % (k, len(d[k]), d['num_cpu_groups']))
    d.setdefault('segment_size', 0)
    d.setdefault('start_protocol_ver', 0)
    d.setdefault('tres_per_task', None)
    d['working_cluster_rec'] = None
    return d


def unpack_het_allocation(u: Unpacker, version: int) -> list[dict]:
    """``_unpack_job_info_list_msg``: u16 count + allocation responses."""
    n = u.u16()
    if n > NO_VAL16:
        raise UnpackError("het allocation count %d" % n)
    return [unpack_resource_allocation_response(u, version) for _ in range(n)]


def _prepare_alloc(desc: dict) -> dict:
    """What the reference does before ``slurm_allocate_resources_blocking``:
    uid/gid from auth, no status updates, at least one node."""
    d = prepare_submit(desc)
    d['user_id'] = SLURM_AUTH_NOBODY
    d['group_id'] = SLURM_AUTH_NOBODY
    d['other_port'] = 0
    if not d.get('min_nodes') or d['min_nodes'] >= NO_VAL:
        d['min_nodes'] = 1
    return d


# -- the callback listener -----------------------------------------------------------------------

class _AllocListener:
    """``_create_allocation_response_socket`` + ``_wait_for_allocation_response``:
    a TCP listener the controller connects to when a queued allocation starts."""

    def __init__(self, host: str = "") -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]

    def close(self) -> None:
        self.sock.close()

    def wait(self, job_id: int, want: int, timeout: float | None, decode, src: str):
        """Accept controller messages until ``want`` arrives (answered RC 0).
        SRUN_JOB_COMPLETE for the job → ESLURM_ALREADY_DONE; SRUN_PING → RC 0."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise SlurmError(110,  # ETIMEDOUT, as _wait_for_allocation_response leaves errno
                                 "Timed out waiting for the allocation of JobId=%u" % job_id, src)
            self.sock.settimeout(left)
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            with conn:
                try:
                    msg = decode_message(recv_frame(conn, time.monotonic() + CALLBACK_IO_TIMEOUT, SLURMCTLD))
                except (OSError, UnpackError, SlurmError) as exc:
                    log.debug("allocation callback: bad message: %s", exc)
                    continue
                if msg.msg_type == want:
                    try:
                        d = decode(msg.body, msg.version)
                    except UnpackError as exc:
                        raise SlurmError(E.SLURM_COMMUNICATIONS_RECEIVE_ERROR,
                                         "malformed %s: %s" % (msg_type_name(want), exc), src) from None
                    _send_rc(conn, msg.version, 0)
                    return d
                if msg.msg_type == MsgType.SRUN_JOB_COMPLETE:
                    _send_rc(conn, msg.version, 0)
                    try:
                        done = unpack_step_id(msg.body)['job_id']
                    except UnpackError:
                        done = job_id
                    if done == job_id:
                        raise SlurmError(E.ESLURM_ALREADY_DONE, "Job has been cancelled", src)
                    continue
                _send_rc(conn, msg.version, 0)  # SRUN_PING and spurious messages


def _send_rc(conn: socket.socket, version: int, rc: int) -> None:
    """``slurm_send_rc_msg``: RESPONSE_SLURM_RC, no credential (SLURM_NO_AUTH_CRED)."""
    try:
        conn.sendall(encode_request(MsgType.RESPONSE_SLURM_RC, Packer().u32(rc).getvalue(), None, version))
    except OSError:
        pass


# -- typed operations ----------------------------------------------------------------------------

def complete_job(client, job_id: int, job_rc: int = -1) -> None:
    """``slurm_complete_job``: REQUEST_COMPLETE_JOB_ALLOCATION (give up an allocation)."""
    v = client.protocol_version()
    p = Packer()
    if v >= V25_11:
        p.u64(0).u32(job_id).u32(NO_VAL).u32(NO_VAL)
    else:
        p.u32(job_id)
    p.u32(job_rc)
    client.call(MsgType.REQUEST_COMPLETE_JOB_ALLOCATION, p.getvalue(), source="slurm_complete_job()")


def _allocate(client, request: int, response: int, descs: list[dict], encode: Callable[[], bytes],
              decode: Callable[[Unpacker, int], Any], granted: Callable[[Any], bool], *, callback: bool,
              timeout: float | None, listen_host: str, src: str) -> Any:
    """Send the allocation request for ``descs`` (``encode`` packs them once the
    callback port is in); unless it is granted at once, wait for the
    controller's callback.  A wait that fails other than by the job's end
    gives the allocation back before raising."""
    listener = None
    if callback and not any(d.get('immediate') for d in descs):
        listener = _AllocListener(listen_host)
        for d in descs:
            d['alloc_resp_port'] = listener.port
    try:
        first = client.call(request, encode(), expect=response, decode=decode, source=src)
        if listener is None or granted(first):
            return first
        job_id = (first if isinstance(first, dict) else first[0])['job_id']
        try:
            return listener.wait(job_id, response, timeout, decode, src)
        except SlurmError as exc:
            if exc.errno != E.ESLURM_ALREADY_DONE:
                try:
                    complete_job(client, job_id, -1)
                except SlurmError:
                    pass
            raise
    finally:
        if listener is not None:
            listener.close()


def allocate(client, desc: dict, *, callback: bool = True, timeout: float | None = None,
             listen_host: str = "") -> dict:
    """``slurm_allocate_resources_blocking``: REQUEST_RESOURCE_ALLOCATION →
    ``resource_allocation_response_msg_t``.

    When the allocation is not granted at once (``node_cnt == 0``) and the job
    is not ``immediate``, wait (``timeout`` seconds, None = forever as the
    reference does) for the controller to connect to our listener
    (``alloc_resp_port``) with the final RESPONSE_RESOURCE_ALLOCATION.  On a
    timeout the job is released (REQUEST_COMPLETE_JOB_ALLOCATION) and the
    error raised.  ``callback=False``: no listener, return the queued reply."""
    v = client.protocol_version()
    d = _prepare_alloc(desc)
    return _allocate(client, MsgType.REQUEST_RESOURCE_ALLOCATION, MsgType.RESPONSE_RESOURCE_ALLOCATION, [d],
                     lambda: encode_job_desc(d, v), unpack_resource_allocation_response,
                     lambda resp: resp['node_cnt'] > 0, callback=callback, timeout=timeout,
                     listen_host=listen_host, src="slurm_allocate_resources_blocking()")


def allocate_het(client, descs: Sequence[dict], *, callback: bool = True, timeout: float | None = None,
                 listen_host: str = "") -> list[dict]:
    """``slurm_allocate_het_job``: REQUEST_HET_JOB_ALLOCATION → list of
    ``resource_allocation_response_msg_t`` (RESPONSE_HET_JOB_ALLOCATION, u16 count)."""
    src = "slurm_allocate_het_job_blocking()"
    if not descs:
        raise SlurmError(E.ESLURM_REST_INVALID_QUERY, "Refusing HetJob submission without any components", src)
    v = client.protocol_version()
    ds = [_prepare_alloc(d) for d in descs]
    # _het_job_alloc_test: granted when the components' node counts sum > 0
    return _allocate(client, MsgType.REQUEST_HET_JOB_ALLOCATION, MsgType.RESPONSE_HET_JOB_ALLOCATION, ds,
                     lambda: encode_job_desc_list(ds, v), unpack_het_allocation,
                     lambda comps: not comps or sum(a['node_cnt'] for a in comps) > 0, callback=callback,
                     timeout=timeout, listen_host=listen_host, src=src)


__all__ = ["unpack_resource_allocation_response", "unpack_het_allocation", "complete_job", "allocate",
           "allocate_het", "CALLBACK_IO_TIMEOUT"]
