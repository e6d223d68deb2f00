"""Partition RPCs: list, create, update and delete partitions.

Every function takes a ``SlurmctldClient`` (one per request identity) and
returns plain dicts keyed by the C struct member names (``partition_info_msg_t``,
``partition_info_t``); flags stay raw integers.  What libslurm does on the
client side is done here the same way:

* ``slurm_load_partitions`` adds ``SHOW_LOCAL`` and drops ``SHOW_FEDERATION``
  (no federation support);
* ``_unpack_partition_info_members``: a NULL partition name becomes "";
  the node index bitmap stays a ``Bitstr`` (``node_inx``); ``job_defaults_list``
  is a list of ``{type, value}``;
* ``slurm_init_part_desc_msg`` defaults for create/update requests
  (``init_part_desc``).

Version deltas (protocol 42 = 24.11 … 45 = 26.05): ``partition_info_t`` and
``update_part_msg_t`` gain ``topology_name`` with 25.05.

Errors raise ``SlurmError(errno, description, source="slurm_…()")`` naming the
libslurm function.  "Nothing changed since ``update_time``" is
``SlurmError(SLURM_NO_CHANGE_IN_DATA)``; a plain RC 0 instead of the list
(libslurm's NULL message) is ``None``.
"""

from __future__ import annotations

import struct
from typing import Callable

from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc.layouts import F, Layout
from slurmrestd.slurm.msg_types import MsgType
from slurmrestd.rpc.pack import Packer, Unpacker, UnpackError
from slurmrestd.rpc.protocol import V25_05
from slurmrestd.slurm.defs import SHOW_ALL, SHOW_DETAIL, SHOW_FEDERATION, SHOW_LOCAL
from slurmrestd.slurm.sentinels import NO_VAL, NO_VAL16, NO_VAL64

# -- partition_info_t (_unpack_partition_info_members) ------------------------------------------

PARTITION_INFO = Layout("partition_info_t", (
    F('name', 'str'),
    F('cpu_bind', 'u32'),
    F('grace_time', 'u32'),
    F('max_time', 'u32'),
    F('default_time', 'u32'),
    F('max_nodes', 'u32'),
    F('min_nodes', 'u32'),
    F('total_nodes', 'u32'),
    F('total_cpus', 'u32'),
    F('def_mem_per_cpu', 'u64'),
    F('max_cpus_per_node', 'u32'),
    F('max_cpus_per_socket', 'u32'),
    F('max_mem_per_cpu', 'u64'),
    F('flags', 'u32'),
    F('max_share', 'u16'),
    F('over_time_limit', 'u16'),
    F('preempt_mode', 'u16'),
    F('priority_job_factor', 'u16'),
    F('priority_tier', 'u16'),
    F('state_up', 'u16'),
    F('cr_type', 'u16'),
    F('resume_timeout', 'u16'),
    F('suspend_timeout', 'u16'),
    F('suspend_time', 'u32'),
    F('allow_accounts', 'str'),
    F('allow_groups', 'str'),
    F('allow_alloc_nodes', 'str'),
    F('allow_qos', 'str'),
    F('qos_char', 'str'),
    F('alternate', 'str'),
    F('deny_accounts', 'str'),
    F('deny_qos', 'str'),
    F('nodes', 'str'),
    F('nodesets', 'str'),
    F('node_inx', 'bitstr'),
    F('billing_weights_str', 'str'),
    F('topology_name', 'str', since=V25_05),
    F('tres_fmt_str', 'str'),
    F('job_defaults_list', 'job_defaults'),
))

#: Members of ``partition_info_t`` the controller never sends (libslurm leaves them 0/NULL).
_NOT_ON_WIRE = {'cluster_name': None, 'job_defaults_str': None}


def unpack_partition_info(u: Unpacker, version: int) -> dict:
    """One ``partition_info_t`` record."""
    d = PARTITION_INFO.decode(u, version)
    if d['name'] is None:
        d['name'] = ""
    d.setdefault('topology_name', None)
    for k, v in _NOT_ON_WIRE.items():
        d[k] = v
    return d


def unpack_records(u: Unpacker, version: int, what: str, array: str,
                   unpack_one: Callable[[Unpacker, int], dict]) -> dict:
    """An info message as the controller packs most of them: u32 count, time
    last_update, then the records → {record_count, last_update, <array>}."""
    count = u.u32()
    last_update = u.time()
    records = []
    for i in range(count):
        try:
            records.append(unpack_one(u, version))
        except UnpackError as exc:
            raise UnpackError("%s record %d of %d: %s" % (what, i + 1, count, exc)) from None
    return {'record_count': count, 'last_update': last_update, array: records}


def unpack_partition_info_msg(u: Unpacker, version: int) -> dict:
    """``_unpack_partition_info_msg`` → {record_count, last_update, partition_array}."""
    return unpack_records(u, version, "partition", 'partition_array', unpack_partition_info)


# -- update_part_msg_t (_pack_update_partition_msg) ---------------------------------------------

UPDATE_PARTITION = Layout("update_part_msg_t", (
    F('allow_accounts', 'str'),
    F('allow_alloc_nodes', 'str'),
    F('allow_groups', 'str'),
    F('allow_qos', 'str'),
    F('alternate', 'str'),
    F('billing_weights_str', 'str'),
    F('cpu_bind', 'u32'),
    F('def_mem_per_cpu', 'u64'),
    F('default_time', 'u32'),
    F('deny_accounts', 'str'),
    F('deny_qos', 'str'),
    F('flags', 'u32'),
    F('job_defaults_str', 'str'),
    F('grace_time', 'u32'),
    F('max_cpus_per_node', 'u32'),
    F('max_cpus_per_socket', 'u32'),
    F('max_mem_per_cpu', 'u64'),
    F('max_nodes', 'u32'),
    F('max_share', 'u16'),
    F('max_time', 'u32'),
    F('min_nodes', 'u32'),
    F('name', 'str'),
    F('nodes', 'str'),
    F('over_time_limit', 'u16'),
    F('preempt_mode', 'u16'),
    F('priority_job_factor', 'u16'),
    F('priority_tier', 'u16'),
    F('qos_char', 'str'),
    F('state_up', 'u16'),
    F('topology_name', 'str', since=V25_05),
))


def init_part_desc() -> dict:
    """``slurm_init_part_desc_msg``: every member 0/NULL except the "unset" sentinels."""
    d: dict = {p.name: (None if p.kind == 'str' else 0) for p in UPDATE_PARTITION.fields}
    d.update({
        'default_time': NO_VAL, 'def_mem_per_cpu': NO_VAL64, 'grace_time': NO_VAL,
        'max_cpus_per_node': NO_VAL, 'max_cpus_per_socket': NO_VAL, 'max_mem_per_cpu': NO_VAL64,
        'max_nodes': NO_VAL, 'max_share': NO_VAL16, 'min_nodes': NO_VAL, 'max_time': NO_VAL,
        'over_time_limit': NO_VAL16, 'preempt_mode': NO_VAL16, 'priority_job_factor': NO_VAL16,
        'priority_tier': NO_VAL16, 'state_up': NO_VAL16,
    })
    return d


def encode_update_partition(desc: dict, version: int) -> bytes:
    """``update_part_msg_t`` for REQUEST_CREATE_PARTITION / REQUEST_UPDATE_PARTITION;
    members absent from ``desc`` keep the ``init_part_desc`` values."""
    d = init_part_desc()
    d.update({k: v for k, v in desc.items() if k in d})
    p = Packer()
    try:
        UPDATE_PARTITION.encode(p, d, version)
    except (ValueError, struct.error) as exc:
        raise SlurmError(E.SLURM_ERROR, "cannot encode the partition description: %s" % exc,
                         "slurm_update_partition()") from None
    return p.getvalue()


def encode_part_info_request(update_time: int, show_flags: int) -> bytes:
    """``_pack_part_info_request_msg``: time last_update, u16 show_flags."""
    return Packer().time(update_time).u16(show_flags).getvalue()


def local_flags(show_flags: int) -> int:
    """The show flags ``slurm_load_partitions``/``slurm_load_node`` send outside a federation."""
    return (show_flags | SHOW_LOCAL) & ~SHOW_FEDERATION & 0xFFFF


#: Answers to a change: RESPONSE_SLURM_RC, 0 or an error.
RC_ONLY = MsgType.RESPONSE_SLURM_RC


# -- typed operations -----------------------------------------------------------------------------

def load_partitions(client, update_time: int = 0, show_flags: int = 0, *, pending=None) -> dict | None:
    """``slurm_load_partitions``: REQUEST_PARTITION_INFO → ``partition_info_msg_t``.

    ``None`` when the controller answers RC 0 without a list (libslurm's NULL).
    ``pending``: the request as ``begin_load_partitions`` sent it (with the same arguments)."""
    body = pending.body if pending is not None else encode_part_info_request(update_time, local_flags(show_flags))
    return client.call(MsgType.REQUEST_PARTITION_INFO, body,
                       source="slurm_load_partitions()", expect=(MsgType.RESPONSE_PARTITION_INFO, RC_ONLY),
                       decode=unpack_partition_info_msg, pending=pending)


def begin_load_partitions(client, update_time: int = 0, show_flags: int = 0):
    """The request of ``load_partitions`` sent now, its reply read by ``load_partitions(pending=)``."""
    return client.begin(MsgType.REQUEST_PARTITION_INFO, encode_part_info_request(update_time, local_flags(show_flags)))


def create_partition(client, desc: dict) -> None:
    """``slurm_create_partition``: REQUEST_CREATE_PARTITION (SlurmUser/root only)."""
    body = encode_update_partition(desc, client.protocol_version())
    client.call(MsgType.REQUEST_CREATE_PARTITION, body, source="slurm_create_partition()", expect=RC_ONLY)


def update_partition(client, desc: dict) -> None:
    """``slurm_update_partition``: REQUEST_UPDATE_PARTITION (SlurmUser/root only)."""
    body = encode_update_partition(desc, client.protocol_version())
    client.call(MsgType.REQUEST_UPDATE_PARTITION, body, source="slurm_update_partition()", expect=RC_ONLY)


def delete_partition(client, name: str) -> None:
    """``slurm_delete_partition``: REQUEST_DELETE_PARTITION with the name."""
    client.call(MsgType.REQUEST_DELETE_PARTITION, Packer().str(name).getvalue(),
                source="slurm_delete_partition()", expect=RC_ONLY)


__all__ = ["RC_ONLY", "local_flags", "PARTITION_INFO", "UPDATE_PARTITION", "init_part_desc", "encode_update_partition",
           "encode_part_info_request", "unpack_records", "unpack_partition_info", "unpack_partition_info_msg",
           "load_partitions", "begin_load_partitions", "create_partition", "update_partition", "delete_partition",
           "SHOW_ALL", "SHOW_DETAIL", "SHOW_LOCAL", "SHOW_FEDERATION"]
