"""Job RPCs: list/show, submit (single, array, het), allocate, update, signal,
cancel, requeue, job states and resource layouts.

Every function takes a ``SlurmctldClient`` (one per request identity) and
returns plain dicts keyed by the C struct member names (``slurm_job_info_t``,
``submit_response_msg_t`` …); flags stay raw integers.  The client-side work
libslurm does is done here the same way:

* ``_unpack_job_info_msg``: ``BACKFILL_LAST`` for pending jobs;
  ``xlate_array_task_str`` (hex bitmap → ``"1-5,7%2"`` + ``array_bitmap``);
  ``_set_min_memory_tres`` (``pn_min_memory`` from ``mem_per_tres``);
  ``job_id = step_id.job_id``; the ``0x8000`` → ``SELECT_LINEAR`` fix-up of
  ``job_resrcs.cr_type``.
* ``slurm_init_job_desc_msg`` defaults (``init_job_desc``) and the
  ``USE_DEFAULT_ACCT/PART/QOS/WCKEY`` bits ``_pack_job_desc_msg`` sets;
  ``alloc_sid = getsid(0)`` on submit/allocate.
* ``slurm_load_jobs`` adds ``SHOW_LOCAL``; ``slurm_load_job`` first asks
  for the federation (REQUEST_FED_INFO) unless ``SHOW_LOCAL`` is set.

Errors raise ``SlurmError(errno, description, source="slurm_…()")`` naming
the libslurm function, as the reference's ``errors[].source`` does.
"""

from __future__ import annotations

import logging
import os
import re
import signal as _signal
import socket
import time
from typing import Iterable, Sequence

from slurmrestd.errors import E, SlurmError, strerror
from slurmrestd.rpc.job_layouts import (JOB_DESC, JOB_ID_MSG, JOB_INFO_COMMON, JOB_INFO_DETAILS,
                                        JOB_INFO_GRES, JOB_INFO_NO_DETAILS, JOB_INFO_PENDING,
                                        JOB_REQUEUE, JOB_RESOURCES, JOB_STEP_KILL, KILL_JOBS,
                                        KILL_JOBS_RESP_JOB, MULTI_CORE_DATA, NODE_GRES_LAYOUT,
                                        RESOURCE_ALLOCATION_RESPONSE, SUBMIT_RESPONSE, fill_step_id,
                                        nest, nest_keys)
from slurmrestd.rpc.msg_types import MsgType, msg_type_name
from slurmrestd.rpc.pack import Bitstr, Packer, Unpacker, UnpackError, bitmap_fmt
from slurmrestd.rpc.protocol import V25_11, decode_message, encode_request, frame_length, version_release
from slurmrestd.slurm import jobid
from slurmrestd.slurm.defs import (BACKFILL_LAST, BACKFILL_SCHED, JOB_END, JOB_PENDING, JOB_REQUEUE_HOLD,
                                   JOB_SPECIAL_EXIT, JOB_STATE_BASE, KILL_FULL_JOB, MAX_HET_JOB_COMPONENTS,
                                   MAX_JOB_ID, SELECT_LINEAR, SHOW_ALL, SHOW_DETAIL, SHOW_FEDERATION,
                                   SHOW_LOCAL, SLURM_AUTH_NOBODY, USE_DEFAULT_ACCT, USE_DEFAULT_PART,
                                   USE_DEFAULT_QOS, USE_DEFAULT_WCKEY)
from slurmrestd.slurm.jobid import selected_step_init, step_id_init
from slurmrestd.slurm.sentinels import NO_VAL, NO_VAL8, NO_VAL16, NO_VAL64

log = logging.getLogger(__name__)

#: ``SLURM_BITSTR_LEN`` default used by ``xlate_array_task_str``.
BITSTR_LEN = 64


# -- job ids ------------------------------------------------------------------------------------

def parse_job_id(text: str) -> dict:
    """``unfmt_job_id_string`` (``slurm.jobid``) with ``array_bitmap`` as a ``Bitstr``.
    Raises ``SlurmError`` with the same errno."""
    try:
        sel = jobid.unfmt_job_id_string(text)
    except jobid.JobIdError as exc:
        if exc.errno == E.ESLURM_EMPTY_JOB_ID:
            raise SlurmError(E.ESLURM_EMPTY_JOB_ID, source="unfmt_job_id_string()") from None
        raise SlurmError(exc.errno, "Invalid job id %r: %s" % (text, strerror(exc.errno)),
                         "unfmt_job_id_string()") from None
    idx = sel['array_bitmap']
    if idx is not None:
        sel['array_bitmap'] = Bitstr.from_indexes(max(idx) + 1, idx)
    return sel


def format_job_id(sel: dict) -> str:
    """``fmt_job_id_string`` (``slurm.jobid``); raises ``SlurmError`` with the same errno."""
    try:
        return jobid.fmt_job_id_string(sel)
    except jobid.JobIdError as exc:
        raise SlurmError(exc.errno, source="fmt_job_id_string()") from None


# -- libslurm client-side helpers ---------------------------------------------------------------

def xlate_array_task_str(hex_str: str | None, array_max_tasks: int,
                         bitstr_len: int = BITSTR_LEN) -> tuple[str | None, Bitstr | None]:
    """``xlate_array_task_str``: the wire's hex task bitmap → ("1-5,7%2", bitmap)."""
    if not hex_str:
        return hex_str, None
    if len(hex_str) < 3 or hex_str[1] != 'x':
        return hex_str, None
    size = len(hex_str) * 4
    try:
        bits = int(hex_str[2:], 16)
    except ValueError:
        bits = 0
    bitmap = Bitstr(size, bits)
    idx = bitmap.indexes()
    out = None
    if idx:
        first, last = idx[0], idx[-1]
        if last - first > 10 and len(idx) > 5 and (first + 1) not in set(idx):
            diffs = {b - a for a, b in zip(idx, idx[1:])}
            if len(diffs) == 1:
                out = "%d-%d:%d" % (first, last, diffs.pop())
    if out is None:
        full = bitmap_fmt(bits)
        if bitstr_len > 0:
            out = full[:bitstr_len - 1]
            if len(out) > bitstr_len - 3:
                out = out[:bitstr_len - 4] + "..."
        else:
            out = full
    if array_max_tasks:
        out += "%%%u" % array_max_tasks
    return out, bitmap


_SUFFIX = {"": 1, "k": 1024, "kib": 1024, "kb": 1000, "m": 1024 ** 2, "mib": 1024 ** 2, "mb": 1000 ** 2,
           "g": 1024 ** 3, "gib": 1024 ** 3, "gb": 1000 ** 3, "t": 1024 ** 4, "tib": 1024 ** 4,
           "tb": 1000 ** 4, "p": 1024 ** 5, "pib": 1024 ** 5, "pb": 1000 ** 5}


def _tres_count(tok: str) -> int | None:
    """``_is_valid_number``: digits + optional ``suffix_mult`` suffix."""
    m = re.match(r"(\d+)(.*)$", tok)
    if not m or m.group(2).lower() not in _SUFFIX:
        return None
    return int(m.group(1)) * _SUFFIX[m.group(2).lower()]


def min_memory_from_tres(mem_per_tres: str | None, current: int) -> int:
    """``_set_min_memory_tres``: the count of the first entry of ``mem_per_tres``
    (``gres/gpu:1024`` → 1024) replaces ``pn_min_memory``."""
    if not mem_per_tres:
        return current
    for item in mem_per_tres.split(','):
        if not item:
            continue
        rest = item.split('/', 1)[1] if '/' in item else item
        sep = max(rest.rfind('='), rest.rfind(':'))
        if sep < 0:
            value = _tres_count(rest)
            return 1 if value is None else value  # implicit count of 1, or a bare number
        value = _tres_count(rest[sep + 1:])
        if value is None:
            value = 1
        if value == 0:
            continue
        return value
    return current


def _bitstr_inx(b: Bitstr | None) -> list[int] | None:
    """``unpack_bit_str_hex_as_inx`` → ``bitfmt2int``: [start, end, …, -1]."""
    if b is None:
        return None
    out: list[int] = []
    idx = b.indexes()
    i = 0
    while i < len(idx):
        j = i
        while j + 1 < len(idx) and idx[j + 1] == idx[j] + 1:
            j += 1
        out += [idx[i], idx[j]]
        i = j + 1
    out.append(-1)
    return out


def _bitstr_fmt(b: Bitstr | None) -> str | None:
    """``unpack_bit_str_hex_as_fmt_str`` → ``bit_fmt_full``."""
    return None if b is None else b.fmt()


# -- decoders ------------------------------------------------------------------------------------

def unpack_job_resources(u: Unpacker, version: int) -> dict | None:
    """``unpack_job_resources`` (job_resources.c) → ``job_resources_t`` or None."""
    nhosts = u.u32()
    if nhosts == NO_VAL:
        return None
    jr = {'nhosts': nhosts}
    JOB_RESOURCES.decode(u, version, jr)
    if len(jr['cpu_array_value']) != jr['cpu_array_cnt']:
        raise UnpackError("job_resources: cpu_array_value/cpu_array_reps mismatch")
    if len(jr['cpus']) != nhosts:
        raise UnpackError("job_resources: %d cpus for %d hosts" % (len(jr['cpus']), nhosts))
    if jr.get('node_ranks') and len(jr['node_ranks']) != nhosts:
        raise UnpackError("job_resources: node_ranks/nhosts mismatch")
    # C frees zero-length arrays to NULL
    for k in ('cpu_array_reps', 'cpu_array_value', 'cpus', 'cpus_used', 'memory_allocated',
              'memory_used', 'sockets_per_node', 'cores_per_socket', 'sock_core_rep_count', 'node_ranks'):
        if k in jr and not jr[k]:
            jr[k] = None
    jr.setdefault('node_ranks', None)
    jr.setdefault('node_bitmap', None)
    if jr['cr_type'] & 0x8000:
        jr['cr_type'] = (jr['cr_type'] & ~0x8000) | SELECT_LINEAR
    return jr


_JOB_ZERO: dict = {}


def _job_defaults() -> dict:
    if not _JOB_ZERO:
        for lay in (JOB_INFO_COMMON, JOB_INFO_DETAILS, JOB_INFO_PENDING):
            for f in lay.fields:
                if f.name.startswith('_') or '.' in f.name:
                    continue
                _JOB_ZERO[f.name] = None if f.kind in ('str', 'bitstr', 'u32_array') else 0
        for k in MULTI_CORE_DATA.names(0xFFFF):
            if k != 'plane_size':
                _JOB_ZERO[k] = 0
        _JOB_ZERO.update(fed_origin_str=None, fed_siblings_active=0, fed_siblings_active_str=None,
                         fed_siblings_viable=0, fed_siblings_viable_str=None)
    return dict(_JOB_ZERO)


#: Every dotted/private field name a job record can carry (folded by ``nest``).
_JOB_NEST_KEYS = nest_keys(JOB_INFO_COMMON, JOB_INFO_GRES, JOB_INFO_DETAILS, JOB_INFO_NO_DETAILS,
                           JOB_INFO_PENDING, MULTI_CORE_DATA)


def unpack_job_info(u: Unpacker, version: int) -> dict:
    """``_unpack_job_info_members`` → ``slurm_job_info_t`` dict."""
    job = _job_defaults()
    JOB_INFO_COMMON.decode(u, version, job)
    job['job_resrcs'] = unpack_job_resources(u, version)
    JOB_INFO_GRES.decode(u, version, job)
    if u.bool():
        JOB_INFO_DETAILS.decode(u, version, job)
    else:
        JOB_INFO_NO_DETAILS.decode(u, version, job)
    JOB_INFO_PENDING.decode(u, version, job)
    flag = u.u8()
    if flag == 0xFF:
        mc = MULTI_CORE_DATA.decode(u, version)
        mc.pop('plane_size')
        job.update(mc)
    elif flag != 0:
        raise UnpackError("multi_core_data: bad flag %#x" % flag)
    nest(job, _JOB_NEST_KEYS)
    fill_step_id(job)
    job['job_id'] = job['step_id']['job_id']
    job['array_task_str'], job['array_bitmap'] = xlate_array_task_str(job['array_task_str'],
                                                                      job['array_max_tasks'])
    job['job_size_str'] = _bitstr_fmt(job['job_size_str'])
    for k in ('node_inx', 'req_node_inx', 'exc_node_inx'):
        job[k] = _bitstr_inx(job[k])
    job['pn_min_memory'] = min_memory_from_tres(job['mem_per_tres'], job['pn_min_memory'])
    return job


def unpack_job_info_msg(u: Unpacker, version: int) -> dict:
    """``_unpack_job_info_msg`` → ``job_info_msg_t``
    {record_count, last_update, last_backfill, job_array}."""
    count = u.u32()
    last_update = u.time()
    last_backfill = u.time()
    jobs = []
    for i in range(count):
        try:
            job = unpack_job_info(u, version)
        except UnpackError as exc:
            raise UnpackError("job record %d of %d: %s" % (i + 1, count, exc)) from None
        if (job['bitflags'] & BACKFILL_SCHED) and last_backfill and \
                (job['job_state'] & JOB_STATE_BASE) == JOB_PENDING and \
                last_backfill <= job['last_sched_eval']:
            job['bitflags'] |= BACKFILL_LAST
        jobs.append(job)
    return {'record_count': count, 'last_update': last_update, 'last_backfill': last_backfill,
            'job_array': jobs}


def unpack_submit_response(u: Unpacker, version: int) -> dict:
    """``_unpack_submit_response_msg`` → {step_id, job_id, error_code, job_submit_user_msg}."""
    d = fill_step_id(nest(SUBMIT_RESPONSE.decode(u, version)))
    d['job_id'] = d['step_id']['job_id']
    return d


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


def unpack_job_array_resp(u: Unpacker, version: int) -> dict:
    """``_unpack_job_array_resp_msg`` → ``job_array_resp_msg_t``
    {job_array_count, error_code[], job_array_id[], err_msg[]}."""
    n = u.u32()
    if n > NO_VAL:
        raise UnpackError("job_array_resp: count %#x" % n)
    codes, ids, msgs = [], [], []
    for _ in range(n):
        codes.append(u.u32())
        ids.append(u.str())
        msgs.append(u.str())
    return {'job_array_count': n, 'error_code': codes, 'job_array_id': ids, 'err_msg': msgs}


def unpack_kill_jobs_resp(u: Unpacker, version: int) -> dict:
    """``_unpack_kill_jobs_resp_msg`` → {jobs_cnt, job_responses: [kill_jobs_resp_job_t]}."""
    n = u.u32()
    if n > NO_VAL:
        raise UnpackError("kill_jobs_resp: count %#x" % n)
    out = []
    for _ in range(n):
        r = nest(KILL_JOBS_RESP_JOB.decode(u, version))
        out.append(r)
    return {'jobs_cnt': n, 'job_responses': out}


def unpack_job_state_response(u: Unpacker, version: int) -> dict:
    """``_unpack_job_state_response_msg`` → {jobs_count, jobs: [job_state_response_job_t]}."""
    n = u.u32()
    if n >= MAX_JOB_ID:
        raise UnpackError("job_state_response: count %d" % n)
    jobs = []
    for _ in range(n):
        j = {'job_id': u.u32(), 'array_job_id': u.u32()}
        if j['array_job_id']:
            j['array_task_id'] = u.u32()
            j['array_task_id_bitmap'] = u.bitstr()
            j['het_job_id'] = 0
        else:
            j['het_job_id'] = u.u32()
            j['array_task_id'] = NO_VAL
            j['array_task_id_bitmap'] = None
        j['state'] = u.u32()
        jobs.append(j)
    return {'jobs_count': n, 'jobs': jobs}


def unpack_resource_layout(u: Unpacker, version: int) -> dict:
    """``_unpack_resource_layout_msg`` → {nodes: [node_resource_layout_t]}."""
    def node(uu: Unpacker) -> dict:
        d = {'node': uu.str(), 'mem_alloc': uu.u64(), 'sockets_per_node': uu.u16(),
             'cores_per_socket': uu.u16(), 'channel': uu.u32(), 'core_bitmap': uu.str()}
        d['gres'] = uu.list(lambda x: nest(NODE_GRES_LAYOUT.decode(x, version)))
        return d
    return {'nodes': u.list(node)}


# -- encoders ------------------------------------------------------------------------------------

def init_job_desc(**overrides) -> dict:
    """``slurm_init_job_desc_msg``: every ``job_desc_msg_t`` member with its default
    (zero/NULL, or the NO_VAL*/nobody values set there).  Keyword overrides win."""
    d: dict = {}
    for f in JOB_DESC.fields:
        if '.' in f.name:
            continue
        d[f.name] = None if f.kind in ('str', 'str_array', 'cron_entry') else 0
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


def pack_job_desc(p: Packer, desc: dict, version: int) -> None:
    """``_pack_job_desc_msg`` (fills defaults for missing members first).

    NULL vs empty string matters: the USE_DEFAULT_* bits use C's ``!ptr`` test,
    so only ``None`` (or a missing key) counts as unset."""
    d = init_job_desc()
    d.update(desc)
    if isinstance(desc.get('step_id'), dict):
        d['step_id'] = {**step_id_init(), **desc['step_id']}
    bits = d['bitflags']
    for key, bit in (('account', USE_DEFAULT_ACCT), ('partition', USE_DEFAULT_PART),
                     ('qos', USE_DEFAULT_QOS), ('wckey', USE_DEFAULT_WCKEY)):
        if d[key] is None:
            bits |= bit
    d['bitflags'] = bits
    JOB_DESC.encode(p, d, version)


def encode_job_desc(desc: dict, version: int) -> bytes:
    p = Packer()
    pack_job_desc(p, desc, version)
    return p.getvalue()


def encode_job_desc_list(descs: Sequence[dict], version: int) -> bytes:
    """``_pack_job_desc_list_msg``: u16 count + job descriptors."""
    p = Packer()
    p.u16(len(descs))
    for d in descs:
        pack_job_desc(p, d, version)
    return p.getvalue()


def encode_job_info_request(last_update: int, show_flags: int, job_ids: Sequence[int] | None,
                            version: int) -> bytes:
    """``_pack_job_info_request_msg``: time, u16 show_flags, u32 count (NO_VAL = none) + ids."""
    p = Packer().time(last_update).u16(show_flags)
    if job_ids is None:
        p.u32(NO_VAL)
    else:
        p.u32(len(job_ids))
        for j in job_ids:
            p.u32(j)
    return p.getvalue()


def encode_job_id_msg(step_id: dict, show_flags: int, version: int) -> bytes:
    """``_pack_job_ready_msg`` (job_id_msg_t)."""
    p = Packer()
    JOB_ID_MSG.encode(p, {'step_id': {**step_id_init(), **step_id}, 'show_flags': show_flags}, version)
    return p.getvalue()


def encode_job_state_request(job_ids: Sequence[dict], version: int) -> bytes:
    """``_pack_job_state_request_msg``: u32 count + (job_id, array_task_id, het_job_offset)."""
    p = Packer().u32(len(job_ids))
    for sel in job_ids:
        p.u32(sel['step_id']['job_id']).u32(sel.get('array_task_id', NO_VAL))
        p.u32(sel.get('het_job_offset', NO_VAL))
    return p.getvalue()


def kill_jobs_init(**overrides) -> dict:
    """``KILL_JOB_MSG_INITIALIZER``: signal SIGKILL, state JOB_END, user_id nobody."""
    d = {'account': None, 'admin_comment': None, 'flags': 0, 'job_name': None, 'jobs_array': None,
         'partition': None, 'qos': None, 'reservation': None, 'signal': int(_signal.SIGKILL),
         'state': JOB_END, 'user_id': SLURM_AUTH_NOBODY, 'user_name': None, 'wckey': None,
         'nodelist': None}
    d.update(overrides)
    return d


# -- RPC helpers ---------------------------------------------------------------------------------

def _send(client, msg_type: int, body: bytes, source: str):
    """Send; RESPONSE_SLURM_RC errors → SlurmError(rc, source=source)."""
    try:
        reply = client.send(msg_type, body)
    except SlurmError as exc:
        if not exc.source:
            exc.source = source
        raise
    if reply.rc is not None and reply.rc:
        raise SlurmError(reply.rc, reply.rc_msg or strerror(reply.rc), source)
    return reply


def _decode(reply, fn, source: str):
    try:
        d = fn(reply.body, reply.version)
        if reply.body.remaining:
            raise UnpackError("%d unexpected bytes at the end" % reply.body.remaining)
    except UnpackError as exc:
        raise SlurmError(E.SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR,
                         "malformed %s (protocol %s): %s" % (msg_type_name(reply.msg_type),
                                                             version_release(reply.version), exc),
                         source) from None
    return d


def _unexpected(reply, request: int, source: str) -> SlurmError:
    return SlurmError(E.SLURM_UNEXPECTED_MSG_ERROR,
                      "%s answered with %s" % (msg_type_name(request), msg_type_name(reply.msg_type)),
                      source)


# -- typed operations ----------------------------------------------------------------------------

def load_jobs(client, update_time: int = 0, show_flags: int = SHOW_ALL | SHOW_DETAIL,
              job_ids: Sequence[int] | None = None) -> dict:
    """``slurm_load_jobs``: REQUEST_JOB_INFO → ``job_info_msg_t``.

    Adds SHOW_LOCAL and drops SHOW_FEDERATION (no federation support).  If
    nothing changed since ``update_time`` the controller answers RC
    SLURM_NO_CHANGE_IN_DATA (1900): raised as ``SlurmError`` with that errno
    (the REST layer turns it into a warning)."""
    src = "slurm_load_jobs()"
    flags = (show_flags | SHOW_LOCAL) & ~SHOW_FEDERATION
    v = client.protocol_version()
    body = encode_job_info_request(update_time, flags, job_ids, v)
    reply = _send(client, MsgType.REQUEST_JOB_INFO, body, src)
    if reply.msg_type != MsgType.RESPONSE_JOB_INFO:
        raise _unexpected(reply, MsgType.REQUEST_JOB_INFO, src)
    return _decode(reply, unpack_job_info_msg, src)


def in_federation(client) -> bool:
    """``slurm_load_federation`` + ``cluster_in_federation``: True when the
    controller reports a federation record (REQUEST_FED_INFO)."""
    try:
        reply = client.send(MsgType.REQUEST_FED_INFO, b"")
    except SlurmError:
        return False
    if reply.msg_type != MsgType.RESPONSE_FED_INFO or reply.body.remaining < 1:
        return False
    return reply.body.u8() != 0


def load_job(client, job_id: str | int | dict, show_flags: int = SHOW_ALL | SHOW_DETAIL, *,
             array_task_only: bool = False, check_federation: bool = True) -> dict:
    """``slurm_load_job``: REQUEST_JOB_INFO_SINGLE → ``job_info_msg_t``.

    ``job_id``: an int, a string as ``unfmt_job_id_string`` accepts ("123",
    "123_4", "123+1", "123.0") or a selected-step dict.  As the reference's
    ``GET job/{id}`` does, a het component ``123+1`` asks for job 124 and an
    array task ``123_4`` returns the whole array; ``array_task_only=True``
    keeps just the record of that task (``slurm_xlate_job_id`` semantics)."""
    src = "slurm_load_job()"
    if isinstance(job_id, int):
        sel = selected_step_init()
        sel['step_id']['job_id'] = job_id
    elif isinstance(job_id, dict):
        sel = {**selected_step_init(), **job_id}
    else:
        sel = parse_job_id(str(job_id))
    jid = sel['step_id']['job_id']
    sluid = sel['step_id'].get('sluid') or 0
    if not sluid and (jid == NO_VAL or jid <= 0 or jid >= MAX_JOB_ID):
        raise SlurmError(E.ESLURM_INVALID_JOB_ID, "Invalid JobID=%u rejected" % jid, src)
    if sel['het_job_offset'] != NO_VAL:
        jid += sel['het_job_offset']
    flags = show_flags
    if not flags & SHOW_LOCAL and not (check_federation and in_federation(client)):
        flags |= SHOW_LOCAL
    v = client.protocol_version()
    if sluid and v < V25_11:
        raise SlurmError(E.ESLURM_NOT_SUPPORTED, "SLUID job ids need a controller of Slurm 25.11 or newer "
                         "(this one speaks %s)" % version_release(v), src)
    body = encode_job_id_msg({'job_id': jid, 'sluid': sluid}, flags, v)
    reply = _send(client, MsgType.REQUEST_JOB_INFO_SINGLE, body, src)
    if reply.msg_type != MsgType.RESPONSE_JOB_INFO:
        raise _unexpected(reply, MsgType.REQUEST_JOB_INFO_SINGLE, src)
    msg = _decode(reply, unpack_job_info_msg, src)
    if array_task_only and sel['array_task_id'] != NO_VAL:
        msg['job_array'] = [j for j in msg['job_array'] if j['array_task_id'] == sel['array_task_id']]
        msg['record_count'] = len(msg['job_array'])
    return msg


def _prepare_submit(desc: dict) -> dict:
    d = dict(desc)
    if d.get('alloc_sid', NO_VAL) == NO_VAL:
        d['alloc_sid'] = os.getsid(0)
    return d


def _submit_reply(reply, request: int, src: str) -> dict:
    if reply.msg_type == MsgType.RESPONSE_SUBMIT_BATCH_JOB:
        return _decode(reply, unpack_submit_response, src)
    if reply.rc == 0:  # RC 0 without a response: C returns success with *resp = NULL
        raise SlurmError(E.SLURM_UNEXPECTED_MSG_ERROR, "%s answered RC 0 without a job id"
                         % msg_type_name(request), src)
    raise _unexpected(reply, request, src)


def submit_batch(client, desc: dict) -> dict:
    """``slurm_submit_batch_job``: REQUEST_SUBMIT_BATCH_JOB → ``submit_response_msg_t``
    {step_id, job_id, error_code, job_submit_user_msg}.  ``desc`` is a
    ``job_desc_msg_t`` dict (missing members get ``init_job_desc`` defaults)."""
    src = "slurm_submit_batch_job()"
    v = client.protocol_version()
    body = encode_job_desc(_prepare_submit(desc), v)
    reply = _send(client, MsgType.REQUEST_SUBMIT_BATCH_JOB, body, src)
    return _submit_reply(reply, MsgType.REQUEST_SUBMIT_BATCH_JOB, src)


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
    body = encode_job_desc_list([_prepare_submit(d) for d in descs], v)
    reply = _send(client, MsgType.REQUEST_SUBMIT_BATCH_HET_JOB, body, src)
    return _submit_reply(reply, MsgType.REQUEST_SUBMIT_BATCH_HET_JOB, src)


def _prepare_alloc(desc: dict) -> dict:
    """What the reference does before ``slurm_allocate_resources_blocking``:
    uid/gid from auth, no status updates, at least one node."""
    d = _prepare_submit(desc)
    d['user_id'] = SLURM_AUTH_NOBODY
    d['group_id'] = SLURM_AUTH_NOBODY
    d['other_port'] = 0
    if not d.get('min_nodes') or d['min_nodes'] >= NO_VAL:
        d['min_nodes'] = 1
    return d


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
                conn.settimeout(30)
                try:
                    payload = _recv_frame(conn)
                    msg = decode_message(payload)
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
                        done = fill_step_id({'step_id': _unpack_step_id(msg.body, msg.version)})
                    except UnpackError:
                        done = {'step_id': {'job_id': job_id}}
                    if done['step_id']['job_id'] == job_id:
                        raise SlurmError(E.ESLURM_ALREADY_DONE, "Job has been cancelled", src)
                    continue
                _send_rc(conn, msg.version, 0)  # SRUN_PING and spurious messages


def _unpack_step_id(u: Unpacker, version: int) -> dict:
    if version >= V25_11:
        return {'sluid': u.u64(), 'job_id': u.u32(), 'step_id': u.u32(), 'step_het_comp': u.u32()}
    return {'job_id': u.u32(), 'step_id': u.u32()}


def _recv_frame(conn: socket.socket) -> bytes:
    def exact(n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            chunk = conn.recv(n - len(buf))
            if not chunk:
                raise OSError("connection closed")
            buf += chunk
        return bytes(buf)
    return exact(frame_length(exact(4)))


def _send_rc(conn: socket.socket, version: int, rc: int) -> None:
    """``slurm_send_rc_msg``: RESPONSE_SLURM_RC, no credential (SLURM_NO_AUTH_CRED)."""
    try:
        conn.sendall(encode_request(MsgType.RESPONSE_SLURM_RC, Packer().u32(rc).getvalue(), None, version))
    except OSError:
        pass


def complete_job(client, job_id: int, job_rc: int = -1) -> None:
    """``slurm_complete_job``: REQUEST_COMPLETE_JOB_ALLOCATION (give up an allocation)."""
    src = "slurm_complete_job()"
    v = client.protocol_version()
    p = Packer()
    if v >= V25_11:
        p.u64(0).u32(job_id).u32(NO_VAL).u32(NO_VAL)
    else:
        p.u32(job_id)
    p.u32(job_rc)
    _send(client, MsgType.REQUEST_COMPLETE_JOB_ALLOCATION, p.getvalue(), src)


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
    src = "slurm_allocate_resources_blocking()"
    v = client.protocol_version()
    d = _prepare_alloc(desc)
    listener = None
    if callback and not d.get('immediate'):
        listener = _AllocListener(listen_host)
        d['alloc_resp_port'] = listener.port
    try:
        reply = _send(client, MsgType.REQUEST_RESOURCE_ALLOCATION, encode_job_desc(d, v), src)
        if reply.msg_type != MsgType.RESPONSE_RESOURCE_ALLOCATION:
            raise _unexpected(reply, MsgType.REQUEST_RESOURCE_ALLOCATION, src)
        resp = _decode(reply, unpack_resource_allocation_response, src)
        if resp['node_cnt'] > 0 or listener is None:
            return resp
        try:
            return listener.wait(resp['job_id'], MsgType.RESPONSE_RESOURCE_ALLOCATION, timeout,
                                 unpack_resource_allocation_response, src)
        except SlurmError as exc:
            if exc.errno != E.ESLURM_ALREADY_DONE:
                try:
                    complete_job(client, resp['job_id'], -1)
                except SlurmError:
                    pass
            raise
    finally:
        if listener is not None:
            listener.close()


def allocate_het(client, descs: Sequence[dict], *, callback: bool = True, timeout: float | None = None,
                 listen_host: str = "") -> list[dict]:
    """``slurm_allocate_het_job``: REQUEST_HET_JOB_ALLOCATION → list of
    ``resource_allocation_response_msg_t`` (RESPONSE_HET_JOB_ALLOCATION, u16 count)."""
    src = "slurm_allocate_het_job_blocking()"
    if not descs:
        raise SlurmError(E.ESLURM_REST_INVALID_QUERY, "Refusing HetJob submission without any components", src)
    v = client.protocol_version()
    ds = [_prepare_alloc(d) for d in descs]
    listener = None
    if callback and not any(d.get('immediate') for d in ds):
        listener = _AllocListener(listen_host)
        for d in ds:
            d['alloc_resp_port'] = listener.port
    try:
        reply = _send(client, MsgType.REQUEST_HET_JOB_ALLOCATION, encode_job_desc_list(ds, v), src)
        if reply.msg_type == MsgType.RESPONSE_HET_JOB_ALLOCATION:
            first = _decode(reply, _het_list, src)
        else:
            raise _unexpected(reply, MsgType.REQUEST_HET_JOB_ALLOCATION, src)
        # _het_job_alloc_test: granted when the components' node counts sum > 0
        if not first or sum(a['node_cnt'] for a in first) > 0 or listener is None:
            return first
        try:
            return listener.wait(first[0]['job_id'], MsgType.RESPONSE_HET_JOB_ALLOCATION, timeout,
                                 _het_list, src)
        except SlurmError as exc:
            if exc.errno != E.ESLURM_ALREADY_DONE:
                try:
                    complete_job(client, first[0]['job_id'], -1)
                except SlurmError:
                    pass
            raise
    finally:
        if listener is not None:
            listener.close()


def _het_list(u: Unpacker, version: int) -> list[dict]:
    """``_unpack_job_info_list_msg``: u16 count + allocation responses."""
    n = u.u16()
    if n > NO_VAL16:
        raise UnpackError("het allocation count %d" % n)
    return [unpack_resource_allocation_response(u, version) for _ in range(n)]


def update_job(client, desc: dict) -> dict | None:
    """``slurm_update_job2``: REQUEST_UPDATE_JOB.  ``desc`` names the job by
    ``job_id`` (int), ``step_id`` or ``job_id_str`` ("123_[1-3]").

    Returns ``job_array_resp_msg_t`` {job_array_count, error_code[],
    job_array_id[], err_msg[]} when the controller sends per-task results
    (RESPONSE_JOB_ARRAY_ERRORS), else None (RC 0).  An RC error raises."""
    src = "slurm_update_job2()"
    v = client.protocol_version()
    d = dict(desc)
    if 'job_id' in d and 'step_id' not in d:
        d['step_id'] = {**step_id_init(), 'job_id': d.pop('job_id')}
    body = encode_job_desc(d, v)
    reply = _send(client, MsgType.REQUEST_UPDATE_JOB, body, src)
    if reply.msg_type == MsgType.RESPONSE_JOB_ARRAY_ERRORS:
        return _decode(reply, unpack_job_array_resp, src)
    if reply.rc is not None:
        return None
    raise _unexpected(reply, MsgType.REQUEST_UPDATE_JOB, src)


def kill_job(client, job_id: str | int, signal: int = int(_signal.SIGKILL), flags: int = 0,
             sibling: str | None = None) -> None:
    """``slurm_kill_job2``: REQUEST_KILL_JOB (job_step_kill_msg_t with ``sjob_id``
    = "123", "123_4", "123_[1-3]", "123+1"; signal; KILL_* flags).  RC errors raise."""
    src = "slurm_kill_job2()"
    v = client.protocol_version()
    p = Packer()
    JOB_STEP_KILL.encode(p, {'step_id': step_id_init(), 'sjob_id': str(job_id), 'sibling': sibling,
                             'signal': signal, 'flags': flags}, v)
    reply = _send(client, MsgType.REQUEST_KILL_JOB, p.getvalue(), src)
    if reply.rc is None:
        raise _unexpected(reply, MsgType.REQUEST_KILL_JOB, src)


def kill_jobs(client, filters: dict | None = None, **kw) -> dict:
    """``slurm_kill_jobs``: REQUEST_KILL_JOBS with a ``kill_jobs_msg_t`` (defaults
    from ``kill_jobs_init``; ``jobs_array`` = list of job id strings) →
    ``kill_jobs_resp_msg_t`` {jobs_cnt, job_responses: [{error_code, error_msg,
    id: selected_step, real_job_id, sibling_name}]}.  An RC reply 0 gives
    jobs_cnt 0; nonzero raises."""
    src = "slurm_kill_jobs()"
    req = kill_jobs_init(**(filters or {}))
    req.update(kw)
    v = client.protocol_version()
    p = Packer()
    KILL_JOBS.encode(p, req, v)
    reply = _send(client, MsgType.REQUEST_KILL_JOBS, p.getvalue(), src)
    if reply.msg_type == MsgType.RESPONSE_KILL_JOBS:
        return _decode(reply, unpack_kill_jobs_resp, src)
    if reply.rc is not None:
        return {'jobs_cnt': 0, 'job_responses': []}
    raise _unexpected(reply, MsgType.REQUEST_KILL_JOBS, src)


def signal_job(client, job_id: str | int | dict, signal: int = int(_signal.SIGKILL),
               flags: int = 0) -> dict:
    """What ``DELETE job/{job_id}`` does: one ``slurm_kill_jobs`` for the job
    (flags default KILL_FULL_JOB, signal default SIGKILL)."""
    if isinstance(job_id, dict):
        jid = format_job_id(job_id)
    else:
        jid = str(job_id)
    return kill_jobs(client, {'jobs_array': [jid], 'flags': flags or KILL_FULL_JOB,
                              'signal': signal or int(_signal.SIGKILL)})


def requeue(client, job_id: str | int, flags: int = 0) -> dict | None:
    """``slurm_requeue2``: REQUEST_JOB_REQUEUE (``job_id_str`` may be an array
    expression) → ``job_array_resp_msg_t`` or None (RC 0); RC errors raise."""
    src = "slurm_requeue2()"
    if (flags & JOB_SPECIAL_EXIT) and not (flags & JOB_REQUEUE_HOLD):
        raise SlurmError(E.ESLURM_REST_BAD_REQUEST, "SpecialExit requires Hold mode", src)
    v = client.protocol_version()
    p = Packer()
    JOB_REQUEUE.encode(p, {'step_id': step_id_init(), 'job_id_str': str(job_id), 'flags': flags}, v)
    reply = _send(client, MsgType.REQUEST_JOB_REQUEUE, p.getvalue(), src)
    if reply.msg_type == MsgType.RESPONSE_JOB_ARRAY_ERRORS:
        return _decode(reply, unpack_job_array_resp, src)
    if reply.rc is not None:
        return None
    raise _unexpected(reply, MsgType.REQUEST_JOB_REQUEUE, src)


def job_states(client, job_ids: Iterable[str | int | dict] = ()) -> dict:
    """``slurm_load_job_state``: REQUEST_JOB_STATE for the given ids (empty =
    all jobs) → {jobs_count, jobs: [{job_id, array_job_id, array_task_id,
    array_task_id_bitmap, het_job_id, state}]}."""
    src = "slurm_load_job_state()"
    sels = []
    for j in job_ids:
        if isinstance(j, dict):
            sels.append({**selected_step_init(), **j})
        elif isinstance(j, int):
            s = selected_step_init()
            s['step_id']['job_id'] = j
            sels.append(s)
        else:
            sels.append(parse_job_id(j))
    v = client.protocol_version()
    reply = _send(client, MsgType.REQUEST_JOB_STATE, encode_job_state_request(sels, v), src)
    if reply.msg_type != MsgType.RESPONSE_JOB_STATE:
        if reply.rc == 0:
            return {'jobs_count': 0, 'jobs': []}
        raise _unexpected(reply, MsgType.REQUEST_JOB_STATE, src)
    return _decode(reply, unpack_job_state_response, src)


def job_resources(client, job_id: str | int | dict) -> dict:
    """``slurm_get_resource_layout``: REQUEST_RESOURCE_LAYOUT → {nodes: [...]}
    with per-node ``node``, ``mem_alloc``, ``sockets_per_node``,
    ``cores_per_socket``, ``channel``, ``core_bitmap``, ``gres``.

    Only controllers speaking 25.11+ have this RPC: older ones raise
    ``SlurmError(ESLURM_NOT_SUPPORTED)`` without sending anything.  A job that
    is not running gives ESLURM_JOB_NOT_RUNNING (2085) from the controller."""
    src = "slurm_get_resource_layout()"
    v = client.protocol_version()
    if v < V25_11:
        raise SlurmError(E.ESLURM_NOT_SUPPORTED,
                         "slurmctld speaks Slurm %s: REQUEST_RESOURCE_LAYOUT needs 25.11 or newer"
                         % version_release(v), src)
    if isinstance(job_id, dict):
        sel = {**selected_step_init(), **job_id}
    elif isinstance(job_id, int):
        sel = selected_step_init()
        sel['step_id']['job_id'] = job_id
    else:
        sel = parse_job_id(str(job_id))
    # libslurm passes a bare slurm_step_id_t: show_flags are 2 stray bytes; send 0
    body = encode_job_id_msg(sel['step_id'], 0, v)
    reply = _send(client, MsgType.REQUEST_RESOURCE_LAYOUT, body, src)
    if reply.msg_type != MsgType.RESPONSE_RESOURCE_LAYOUT:
        raise _unexpected(reply, MsgType.REQUEST_RESOURCE_LAYOUT, src)
    return _decode(reply, unpack_resource_layout, src)


__all__ = [
    "load_jobs", "load_job", "submit_batch", "submit_het", "allocate", "allocate_het", "complete_job", "update_job",
    "kill_job", "kill_jobs", "signal_job", "requeue", "job_states", "job_resources", "in_federation",
    "init_job_desc", "kill_jobs_init", "parse_job_id", "format_job_id", "selected_step_init",
    "xlate_array_task_str", "min_memory_from_tres", "unpack_job_info_msg", "unpack_job_info",
    "unpack_job_resources", "unpack_submit_response", "unpack_resource_allocation_response",
    "unpack_job_array_resp", "unpack_kill_jobs_resp", "unpack_job_state_response",
    "unpack_resource_layout", "encode_job_desc", "encode_job_desc_list", "encode_job_info_request",
    "encode_job_id_msg", "encode_job_state_request", "pack_job_desc",
]
