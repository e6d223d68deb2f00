"""Reading jobs: REQUEST_JOB_INFO / _SINGLE (``job_info_msg_t``), job states
and resource layouts, with the client-side work libslurm does on them:

* ``_unpack_job_info_msg``: ``BACKFILL_LAST`` for pending jobs;
  ``xlate_array_task_str`` (hex bitmap → ``"1-5,7%2"`` + ``array_bitmap``);
  ``_set_min_memory_tres`` (``pn_min_memory`` from ``mem_per_tres``);
  ``job_id = step_id.job_id``; the ``0x8000`` → ``SELECT_LINEAR`` fix-up of
  ``job_resrcs.cr_type``.
* ``slurm_load_jobs`` adds ``SHOW_LOCAL``; ``slurm_load_job`` first asks
  for the federation (REQUEST_FED_INFO) unless ``SHOW_LOCAL`` is set.
"""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Iterable, Sequence

from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc.ctld.jobs.ids import selected_step
from slurmrestd.rpc.ctld.jobs.layouts import (JOB_ID_MSG, JOB_INFO_COMMON, JOB_INFO_DETAILS, JOB_INFO_GRES,
                                             JOB_INFO_NO_DETAILS, JOB_INFO_PENDING, JOB_RESOURCES,
                                             MULTI_CORE_DATA, NODE_GRES_LAYOUT)
from slurmrestd.rpc.layouts import fill_step_id, nest, nest_keys
from slurmrestd.slurm.msg_types import MsgType
from slurmrestd.rpc.pack import Bitstr, Packer, Unpacker, UnpackError, bitmap_fmt
from slurmrestd.rpc.protocol import V25_11, version_release
from slurmrestd.slurm.defs import (BACKFILL_LAST, BACKFILL_SCHED, JOB_PENDING, JOB_STATE_BASE, MAX_JOB_ID,
                                   SELECT_LINEAR, SHOW_ALL, SHOW_DETAIL, SHOW_FEDERATION, SHOW_LOCAL)
from slurmrestd.slurm.jobid import step_id_init
from slurmrestd.slurm.sentinels import NO_VAL

#: ``SLURM_BITSTR_LEN`` default used by ``xlate_array_task_str``.
BITSTR_LEN = 64


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


def _job_zero() -> dict:
    zero = {}
    for lay in (JOB_INFO_COMMON, JOB_INFO_DETAILS, JOB_INFO_PENDING):
        zero.update(lay.zeros())
    for k in MULTI_CORE_DATA.names(0xFFFF):
        if k != 'plane_size':
            zero[k] = 0
    zero.update(fed_origin_str=None, fed_siblings_active=0, fed_siblings_active_str=None,
                fed_siblings_viable=0, fed_siblings_viable_str=None)
    return zero


#: Every ``slurm_job_info_t`` member a record starts with (the unset values).
_JOB_ZERO = MappingProxyType(_job_zero())
_JOB_ZERO_DICT = dict(_JOB_ZERO)  # copied per record (a plain dict copies fastest)


#: Every dotted/private field name a job record can carry (folded by ``nest``).
_JOB_NEST_KEYS = nest_keys(JOB_INFO_COMMON, JOB_INFO_GRES, JOB_INFO_DETAILS, JOB_INFO_NO_DETAILS,
                           JOB_INFO_PENDING, MULTI_CORE_DATA)


def unpack_job_info(u: Unpacker, version: int) -> dict:
    """``_unpack_job_info_members`` → ``slurm_job_info_t`` dict."""
    job = _JOB_ZERO_DICT.copy()
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
    msg = {'step_id': {**step_id_init(), **step_id}, 'show_flags': show_flags}
    return JOB_ID_MSG.encode(Packer(), msg, version).getvalue()


def encode_job_state_request(job_ids: Sequence[dict], version: int) -> bytes:
    """``_pack_job_state_request_msg``: u32 count + (job_id, array_task_id, het_job_offset)."""
    p = Packer().u32(len(job_ids))
    for sel in job_ids:
        p.u32(sel['step_id']['job_id']).u32(sel.get('array_task_id', NO_VAL))
        p.u32(sel.get('het_job_offset', NO_VAL))
    return p.getvalue()


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
    return client.call(MsgType.REQUEST_JOB_INFO, body, expect=MsgType.RESPONSE_JOB_INFO,
                       decode=unpack_job_info_msg, source=src)


def load_jobs_reply(client, update_time: int = 0, show_flags: int = SHOW_ALL | SHOW_DETAIL):
    """``load_jobs`` up to the reply: the RESPONSE_JOB_INFO ``Reply`` with its body still
    packed, for ``decode_job_info`` here or in a dump process (``slurmrestd.offload``).
    Failures raise as ``load_jobs`` raises them."""
    flags = (show_flags | SHOW_LOCAL) & ~SHOW_FEDERATION
    v = client.protocol_version()
    body = encode_job_info_request(update_time, flags, None, v)
    return client.call(MsgType.REQUEST_JOB_INFO, body, expect=MsgType.RESPONSE_JOB_INFO,
                       source="slurm_load_jobs()")


def decode_job_info(body, version: int) -> dict:
    """The body of a RESPONSE_JOB_INFO (an ``Unpacker`` or its bytes) as ``load_jobs``
    returns it, malformed bodies failing with the same error."""
    from slurmrestd.rpc.ctld.client import decode_body
    u = body if isinstance(body, Unpacker) else Unpacker(body)
    return decode_body(u, version, MsgType.RESPONSE_JOB_INFO, unpack_job_info_msg, "slurm_load_jobs()")


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
    sel = selected_step(job_id)
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
    msg = client.call(MsgType.REQUEST_JOB_INFO_SINGLE, body, expect=MsgType.RESPONSE_JOB_INFO,
                      decode=unpack_job_info_msg, source=src)
    if array_task_only and sel['array_task_id'] != NO_VAL:
        msg['job_array'] = [j for j in msg['job_array'] if j['array_task_id'] == sel['array_task_id']]
        msg['record_count'] = len(msg['job_array'])
    return msg


def job_states(client, job_ids: Iterable[str | int | dict] = ()) -> dict:
    """``slurm_load_job_state``: REQUEST_JOB_STATE for the given ids (empty =
    all jobs) → {jobs_count, jobs: [{job_id, array_job_id, array_task_id,
    array_task_id_bitmap, het_job_id, state}]}."""
    src = "slurm_load_job_state()"
    sels = [selected_step(j) for j in job_ids]
    v = client.protocol_version()
    states = client.call(MsgType.REQUEST_JOB_STATE, encode_job_state_request(sels, v),
                         expect=(MsgType.RESPONSE_JOB_STATE, MsgType.RESPONSE_SLURM_RC),
                         decode=unpack_job_state_response, source=src)
    return states if states is not None else {'jobs_count': 0, 'jobs': []}


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
    sel = selected_step(job_id)
    # libslurm passes a bare slurm_step_id_t: show_flags are 2 stray bytes; send 0
    body = encode_job_id_msg(sel['step_id'], 0, v)
    return client.call(MsgType.REQUEST_RESOURCE_LAYOUT, body, expect=MsgType.RESPONSE_RESOURCE_LAYOUT,
                       decode=unpack_resource_layout, source=src)


__all__ = ["BITSTR_LEN", "xlate_array_task_str", "min_memory_from_tres", "unpack_job_resources",
           "unpack_job_info", "unpack_job_info_msg", "unpack_job_state_response", "unpack_resource_layout",
           "encode_job_info_request", "encode_job_id_msg", "encode_job_state_request",
           "load_jobs", "in_federation", "load_job", "job_states", "job_resources"]
