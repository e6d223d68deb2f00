"""Submitting batch jobs: ``job_desc_msg_t`` with the defaults of
``slurm_init_job_desc_msg`` and the ``USE_DEFAULT_ACCT/PART/QOS/WCKEY`` bits
``_pack_job_desc_msg`` sets; REQUEST_SUBMIT_BATCH_JOB and its het form
(``alloc_sid = getsid(0)`` as libslurm fills it)."""

from __future__ import annotations

import os
from typing import Sequence

from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc.ctld.jobs.layouts import JOB_DESC, SUBMIT_RESPONSE
from slurmrestd.rpc.layouts import fill_step_id, nest
from slurmrestd.slurm.msg_types import MsgType
from slurmrestd.rpc.pack import Packer, Unpacker
from slurmrestd.slurm.defs import (MAX_HET_JOB_COMPONENTS, SLURM_AUTH_NOBODY, USE_DEFAULT_ACCT,
                                   USE_DEFAULT_PART, USE_DEFAULT_QOS, USE_DEFAULT_WCKEY)
from slurmrestd.slurm.jobid import step_id_init
from slurmrestd.slurm.sentinels import NO_VAL, NO_VAL8, NO_VAL16, NO_VAL64


# -- job_desc_msg_t ------------------------------------------------------------------------------

def init_job_desc(**overrides) -> dict:
    """``slurm_init_job_desc_msg``: every ``job_desc_msg_t`` member with its default
    (zero/NULL, or the NO_VAL*/nobody values set there).  Keyword overrides win."""
    d = JOB_DESC.zeros()
    d.update(
        alloc_sid=NO_VAL, contiguous=NO_VAL16, core_spec=NO_VAL16, cores_per_socket=NO_VAL16,
        cpu_bind_type=NO_VAL16, cpu_freq_min=NO_VAL, cpu_freq_max=NO_VAL, cpu_freq_gov=NO_VAL,
        cpus_per_task=NO_VAL16, delay_boot=NO_VAL, group_id=SLURM_AUTH_NOBODY,
        kill_on_node_fail=NO_VAL16, max_cpus=NO_VAL, max_nodes=NO_VAL, mem_bind_type=NO_VAL16,
        mail_type=NO_VAL16, min_cpus=NO_VAL, min_nodes=NO_VAL, nice=NO_VAL, ntasks_per_core=NO_VAL16,
        ntasks_per_tres=NO_VAL16, ntasks_per_node=NO_VAL16, ntasks_per_socket=NO_VAL16,
        num_tasks=NO_VAL, overcommit=NO_VAL8, plane_size=NO_VAL16, pn_min_cpus=NO_VAL16,
        pn_min_memory=NO_VAL64, pn_min_tmp_disk=NO_VAL, priority=NO_VAL, reboot=NO_VAL16,
        requeue=NO_VAL16, req_switch=NO_VAL, shared=NO_VAL16, site_factor=NO_VAL,
        sockets_per_node=NO_VAL16, step_id=step_id_init(), task_dist=NO_VAL,
        threads_per_core=NO_VAL16, time_limit=NO_VAL, time_min=NO_VAL, user_id=SLURM_AUTH_NOBODY,
        wait_all_nodes=NO_VAL16, wait4switch=NO_VAL,
    )
    # members of job_desc_msg_t that are not packed but exist in the struct
    d.update(het_job_offset=NO_VAL, env_size=0, argc=0, spank_job_env_size=0)
    d.update(overrides)
    return d


def pack_job_desc(p: Packer, desc: dict, version: int) -> Packer:
    """``_pack_job_desc_msg`` (fills defaults for missing members first).

    NULL vs empty string matters: the USE_DEFAULT_* bits use C's ``!ptr`` test,
    so only ``None`` (or a missing key) counts as unset."""
    d = init_job_desc()
    d.update(desc)
    d['step_id'] = {**step_id_init(), **(desc.get('step_id') or {})}
    bits = d['bitflags']
    for key, bit in (('account', USE_DEFAULT_ACCT), ('partition', USE_DEFAULT_PART),
                     ('qos', USE_DEFAULT_QOS), ('wckey', USE_DEFAULT_WCKEY)):
        if d[key] is None:
            bits |= bit
    d['bitflags'] = bits
    return JOB_DESC.encode(p, d, version)


def encode_job_desc(desc: dict, version: int) -> bytes:
    return pack_job_desc(Packer(), desc, version).getvalue()


def encode_job_desc_list(descs: Sequence[dict], version: int) -> bytes:
    """``_pack_job_desc_list_msg``: u16 count + job descriptors."""
    p = Packer()
    p.u16(len(descs))
    for d in descs:
        pack_job_desc(p, d, version)
    return p.getvalue()


# -- submit --------------------------------------------------------------------------------------

def unpack_submit_response(u: Unpacker, version: int) -> dict:
    """``_unpack_submit_response_msg`` → {step_id, job_id, error_code, job_submit_user_msg}."""
    d = fill_step_id(nest(SUBMIT_RESPONSE.decode(u, version)))
    d['job_id'] = d['step_id']['job_id']
    return d


def prepare_submit(desc: dict) -> dict:
    """A copy of ``desc`` with ``alloc_sid`` set as libslurm does (``getsid(0)``)."""
    d = dict(desc)
    if d.get('alloc_sid', NO_VAL) == NO_VAL:
        d['alloc_sid'] = os.getsid(0)
    return d


def submit_batch(client, desc: dict) -> dict:
    """``slurm_submit_batch_job``: REQUEST_SUBMIT_BATCH_JOB → ``submit_response_msg_t``
    {step_id, job_id, error_code, job_submit_user_msg}.  ``desc`` is a
    ``job_desc_msg_t`` dict (missing members get ``init_job_desc`` defaults)."""
    src = "slurm_submit_batch_job()"
    v = client.protocol_version()
    body = encode_job_desc(prepare_submit(desc), v)
    return client.call(MsgType.REQUEST_SUBMIT_BATCH_JOB, body, expect=MsgType.RESPONSE_SUBMIT_BATCH_JOB,
                       decode=unpack_submit_response, source=src)


def submit_het(client, descs: Sequence[dict]) -> dict:
    """``slurm_submit_batch_het_job``: REQUEST_SUBMIT_BATCH_HET_JOB (u16 count +
    job_desc list) → ``submit_response_msg_t`` of the het leader."""
    src = "slurm_submit_batch_het_job()"
    if not descs:
        raise SlurmError(E.ESLURM_REST_INVALID_QUERY, "Refusing HetJob submission without any components", src)
    if len(descs) > MAX_HET_JOB_COMPONENTS:
        raise SlurmError(E.ESLURM_REST_INVALID_QUERY, "Refusing HetJob submission too many components: %d > %u"
                         % (len(descs), MAX_HET_JOB_COMPONENTS), src)
    v = client.protocol_version()
    body = encode_job_desc_list([prepare_submit(d) for d in descs], v)
    return client.call(MsgType.REQUEST_SUBMIT_BATCH_HET_JOB, body, expect=MsgType.RESPONSE_SUBMIT_BATCH_JOB,
                       decode=unpack_submit_response, source=src)


__all__ = ["init_job_desc", "pack_job_desc", "encode_job_desc", "encode_job_desc_list",
           "unpack_submit_response", "submit_batch", "submit_het"]
