"""Reservation RPCs: list, create, update and delete reservations.

Every function takes a ``SlurmctldClient`` (one per request identity) and
returns plain dicts keyed by the C struct member names (``reserve_info_msg_t``,
``reserve_info_t``, ``resv_desc_msg_t``); flags stay raw integers.  What
libslurm does on the client side is done here the same way:

* ``slurm_init_resv_desc_msg`` defaults for create/update requests
  (``init_resv_desc``: the times are ``(time_t) NO_VAL``, not NO_VAL64);
* ``validate_resv_create_desc`` before a create (``validate_resv_create``):
  the same checks and messages, and the same changes to the description
  (``PART_NODES`` and ``node_list = "ALL"`` for whole-partition reservations);
* ``slurm_create_reservation`` returns the name the controller gave.

Version deltas (protocol 42 = 24.11 … 45 = 26.05): before 25.11
``reserve_info_t`` and ``resv_desc_msg_t`` carry a dead u32 (was
``resv_watts``) after ``purge_comp_time``; 25.11 adds ``qos`` and
``allowed_parts``.

Errors raise ``SlurmError(errno, description, source="slurm_…()")`` naming the
libslurm function.  "Nothing changed since ``update_time``" is
``SlurmError(SLURM_NO_CHANGE_IN_DATA)``; a plain RC 0 instead of the list is
``None``.
"""

from __future__ import annotations

import struct

from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc.ctld.partitions import RC_ONLY, unpack_records
from slurmrestd.rpc.layouts import F, Layout
from slurmrestd.slurm.msg_types import MsgType
from slurmrestd.rpc.pack import Packer, Unpacker, UnpackError
from slurmrestd.rpc.protocol import V25_05, V25_11
from slurmrestd.slurm.constants import VALUES
from slurmrestd.slurm.sentinels import NO_VAL, NO_VAL64

# -- reservation flags (slurm/slurm.h) ----------------------------------------------------------
RESERVE_FLAG_DAILY = VALUES['RESERVE_FLAG_DAILY']
RESERVE_FLAG_PART_NODES = VALUES['RESERVE_FLAG_PART_NODES']
RESERVE_FLAG_FORCE_START = VALUES['RESERVE_FLAG_FORCE_START']
#: hourly, daily, weekly, weekday and weekend reservations
RESERVE_REOCCURRING = VALUES['RESERVE_REOCCURRING']
#: ``(time_t) NO_VAL``: the "unset" start/end time of a reservation description.
TIME_NO_VAL = NO_VAL

# -- reserve_info_t (_unpack_reserve_info_members) ----------------------------------------------


def _core_spec(u: Unpacker) -> dict:
    return {'node_name': u.str(), 'core_id': u.str()}


RESERVE_INFO = Layout("reserve_info_t", (
    F('accounts', 'str'),
    F('burst_buffer', 'str'),
    F('comment', 'str'),
    F('core_cnt', 'u32'),
    F('end_time', 'time'),
    F('features', 'str'),
    F('flags', 'u64'),
    F('licenses', 'str'),
    F('max_start_delay', 'u32'),
    F('name', 'str'),
    F('node_cnt', 'u32'),
    F('node_list', 'str'),
    F('partition', 'str'),
    F('purge_comp_time', 'u32'),
    F('_was_resv_watts', 'u32', until=V25_05),
    F('start_time', 'time'),
    F('tres_str', 'str'),
    F('users', 'str'),
    F('groups', 'str'),
    F('qos', 'str', since=V25_11),
    F('allowed_parts', 'str', since=V25_11),
    F('node_inx', 'bitstr'),
))


def unpack_reserve_info(u: Unpacker, version: int) -> dict:
    """One ``reserve_info_t`` record (with its ``core_spec`` array)."""
    d = RESERVE_INFO.decode(u, version)
    d.setdefault('qos', None)
    d.setdefault('allowed_parts', None)
    n = u.u32()
    if n > u.remaining:  # each entry takes at least 8 bytes: refuse absurd counts early
        raise UnpackError("core_spec count %d" % n)
    d['core_spec_cnt'] = n
    d['core_spec'] = [_core_spec(u) for _ in range(n)]
    return d


def unpack_reserve_info_msg(u: Unpacker, version: int) -> dict:
    """``_unpack_reserve_info_msg`` → {record_count, last_update, reservation_array}."""
    return unpack_records(u, version, "reservation", 'reservation_array', unpack_reserve_info)


# -- resv_desc_msg_t (_pack_update_resv_msg) ----------------------------------------------------

RESV_DESC = Layout("resv_desc_msg_t", (
    F('name', 'str'),
    F('start_time', 'time'),
    F('end_time', 'time'),
    F('duration', 'u32'),
    F('flags', 'u64'),
    F('node_cnt', 'u32'),
    F('core_cnt', 'u32'),
    F('node_list', 'str'),
    F('features', 'str'),
    F('licenses', 'str'),
    F('max_start_delay', 'u32'),
    F('partition', 'str'),
    F('purge_comp_time', 'u32'),
    F('_was_resv_watts', 'u32', until=V25_05),
    F('allowed_parts', 'str', since=V25_11),
    F('qos', 'str', since=V25_11),
    F('users', 'str'),
    F('accounts', 'str'),
    F('burst_buffer', 'str'),
    F('groups', 'str'),
    F('comment', 'str'),
    F('tres_str', 'str'),
))


def init_resv_desc() -> dict:
    """``slurm_init_resv_desc_msg``: every member 0/NULL except the "unset" sentinels."""
    d: dict = {p.name: (None if p.kind == 'str' else 0) for p in RESV_DESC.fields
               if not p.name.startswith('_')}
    d.update({'core_cnt': NO_VAL, 'duration': NO_VAL, 'end_time': TIME_NO_VAL, 'flags': NO_VAL64,
              'max_start_delay': NO_VAL, 'node_cnt': NO_VAL, 'purge_comp_time': NO_VAL,
              'start_time': TIME_NO_VAL})
    return d


def encode_resv_desc(desc: dict, version: int) -> bytes:
    """``resv_desc_msg_t`` for REQUEST_CREATE_RESERVATION / REQUEST_UPDATE_RESERVATION;
    members absent from ``desc`` keep the ``init_resv_desc`` values."""
    d = init_resv_desc()
    d.update({k: v for k, v in desc.items() if k in d})
    d['_was_resv_watts'] = NO_VAL
    for k in ('start_time', 'end_time'):
        d[k] = time_t(d[k])
    p = Packer()
    try:
        RESV_DESC.encode(p, d, version)
    except (ValueError, struct.error) as exc:
        raise SlurmError(E.SLURM_ERROR, "cannot encode the reservation description: %s" % exc,
                         "slurm_create_reservation()") from None
    return p.getvalue()


def time_t(v) -> int:
    """A time as C's signed 64-bit ``time_t`` holds it (NO_VAL64 is -2)."""
    v = int(v) & 0xFFFFFFFFFFFFFFFF
    return v - (1 << 64) if v >> 63 else v


def _empty(s) -> bool:
    return not s


def validate_resv_create(desc: dict) -> str | None:
    """``validate_resv_create_desc``: the reason a create request is refused (None if
    acceptable).  Like libslurm, it may add ``PART_NODES`` to ``flags`` and set
    ``node_list`` to "ALL" (a reservation of the whole partition)."""
    d = desc
    start, end = time_t(d.get('start_time', TIME_NO_VAL)), time_t(d.get('end_time', TIME_NO_VAL))
    duration = d.get('duration', NO_VAL)
    flags = d.get('flags', NO_VAL64)
    if start == TIME_NO_VAL:
        return "A start time must be given.  No reservation created."
    if end == TIME_NO_VAL and duration == NO_VAL:
        return "An end time or duration must be given.  No reservation created."
    if end != TIME_NO_VAL and duration != NO_VAL and start + (duration * 60 & 0xFFFFFFFF) != end:
        return "StartTime + Duration does not equal EndTime.  No reservation created."
    if start > end and end != TIME_NO_VAL:
        return "Start time cannot be after end time.  No reservation created."
    node_list = d.get('node_list')
    if d.get('partition') is not None and node_list is not None and node_list.lower() == "all":
        flags = RESERVE_FLAG_PART_NODES if flags == NO_VAL64 else flags | RESERVE_FLAG_PART_NODES
        d['flags'] = flags
    if flags != NO_VAL64 and flags & RESERVE_FLAG_PART_NODES and \
            (d.get('partition') is None or (node_list or "").lower() != "all"):
        return "PART_NODES flag requires specifying a Partition and ALL nodes.  No reservation created."
    if flags != NO_VAL64 and flags & RESERVE_FLAG_FORCE_START and not flags & RESERVE_REOCCURRING:
        return "FORCE_START flag requires a reoccuring reservation. No reservation created."
    if d.get('core_cnt', NO_VAL) in (0, NO_VAL) and _empty(d.get('burst_buffer')) \
            and d.get('node_cnt', NO_VAL) in (0, NO_VAL) and _empty(node_list) \
            and _empty(d.get('licenses')) and _empty(d.get('tres_str')):
        if d.get('partition') is None:
            return "CoreCnt, Nodes, NodeCnt, TRES or Watts must be specified.  No reservation created."
        d['flags'] = RESERVE_FLAG_PART_NODES if flags == NO_VAL64 else flags | RESERVE_FLAG_PART_NODES
        d['node_list'] = "ALL"
    if all(_empty(d.get(k)) for k in ('users', 'groups', 'qos', 'allowed_parts', 'accounts')):
        return ("Either Users/Groups, AllowedPartitions, QOS and/or Accounts must be specified.  "
                "No reservation created.")
    if d.get('users') is not None and d.get('groups') is not None:
        return ("Users and Groups are mutually exclusive.  You can have one or the other, but not both.  "
                "No reservation created.")
    return None


# -- typed operations -----------------------------------------------------------------------------

def _name(u: Unpacker, version: int) -> str | None:
    return u.str()


def load_reservations(client, update_time: int = 0) -> dict | None:
    """``slurm_load_reservations``: REQUEST_RESERVATION_INFO → ``reserve_info_msg_t``.

    ``None`` when the controller answers RC 0 without a list (libslurm's NULL)."""
    return client.call(MsgType.REQUEST_RESERVATION_INFO, Packer().time(update_time).getvalue(),
                       source="slurm_load_reservations()", expect=(MsgType.RESPONSE_RESERVATION_INFO, RC_ONLY),
                       decode=unpack_reserve_info_msg)


def create_reservation(client, desc: dict) -> str | None:
    """``slurm_create_reservation``: REQUEST_CREATE_RESERVATION → the new reservation's name
    (RESPONSE_CREATE_RESERVATION); None if the controller answered RC 0 without one."""
    return client.call(MsgType.REQUEST_CREATE_RESERVATION, encode_resv_desc(desc, client.protocol_version()),
                       source="slurm_create_reservation()", expect=(MsgType.RESPONSE_CREATE_RESERVATION, RC_ONLY),
                       decode=_name)


def update_reservation(client, desc: dict) -> None:
    """``slurm_update_reservation``: REQUEST_UPDATE_RESERVATION."""
    client.call(MsgType.REQUEST_UPDATE_RESERVATION, encode_resv_desc(desc, client.protocol_version()),
                source="slurm_update_reservation()", expect=RC_ONLY)


def delete_reservation(client, name: str) -> None:
    """``slurm_delete_reservation``: REQUEST_DELETE_RESERVATION with the name."""
    client.call(MsgType.REQUEST_DELETE_RESERVATION, Packer().str(name).getvalue(),
                source="slurm_delete_reservation()", expect=RC_ONLY)


__all__ = ["RESERVE_INFO", "RESV_DESC", "init_resv_desc", "encode_resv_desc", "validate_resv_create",
           "unpack_reserve_info", "unpack_reserve_info_msg", "load_reservations", "create_reservation",
           "update_reservation", "delete_reservation", "TIME_NO_VAL"]
