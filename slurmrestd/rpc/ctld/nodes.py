"""Node RPCs: list and show nodes, update, delete and create (dynamic) nodes.

Every function takes a ``SlurmctldClient`` (one per request identity) and
returns plain dicts keyed by the C struct member names (``node_info_msg_t``,
``node_info_t``); states stay raw integers.  What libslurm does on the client
side is done here the same way:

* ``slurm_load_node`` adds ``SHOW_LOCAL`` and drops ``SHOW_FEDERATION`` (no
  federation support); ``slurm_load_node_single`` sends the flags as given;
* ``_unpack_node_info_msg``: nodes in the ``hidden_nodes`` bitmap carry no
  record on the wire and become blank entries (``name`` None), so that the
  partitions' node indexes still line up;
* ``SHOW_MIXED`` → ``_set_node_mixed_op``: a node with some but not all of
  its effective CPUs allocated (or with allocated TRES and no CPU) becomes
  MIXED;
* ``slurm_populate_node_partitions``: every node's ``partitions`` string from
  the partition table (node indexes, or a hostlist search when the answer
  holds one node);
* ``slurm_init_update_node_msg`` defaults for update/create/delete requests.

Version deltas of ``node_info_t`` (``_unpack_node_info_members``), protocol
42 = 24.11 … 45 = 26.05: 24.11 sends a dead u32 (the select plugin id)
before ``alloc_cpus`` and a dead double (``alloc_tres_weighted``) after
``alloc_tres_fmt_str`` and has no ``cert_flags``, ``cert_last_renewal`` or
``topology_str``; 25.11 adds ``parameters``; 26.05 adds ``suspend_time``.
``update_node_msg_t``: 25.05 adds ``topology_str``, 26.05
``power_action_name``.

Errors raise ``SlurmError(errno, description, source="slurm_…()")`` naming
the libslurm function.  "Nothing changed since ``update_time``" is
``SlurmError(SLURM_NO_CHANGE_IN_DATA)``.
"""

from __future__ import annotations

from typing import Iterable

from slurmrestd.rpc.ctld.partitions import RC_ONLY, begin_load_partitions, load_partitions, local_flags
from slurmrestd.rpc.layouts import F, Layout
from slurmrestd.slurm.msg_types import MsgType
from slurmrestd.rpc.pack import Packer, Unpacker, UnpackError
from slurmrestd.rpc.protocol import V24_11, V25_05, V25_11, V26_05
from slurmrestd.slurm.constants import VALUES
from slurmrestd.slurm.defs import SHOW_ALL, SHOW_DETAIL, SHOW_FEDERATION, SHOW_FUTURE, SHOW_LOCAL, SHOW_MIXED
from slurmrestd.slurm.hostlist import Hostlist, HostlistError
from slurmrestd.slurm.sentinels import NO_VAL

#: What the REST handler asks for when the query names no flags.
DEFAULT_SHOW_FLAGS = SHOW_ALL | SHOW_DETAIL | SHOW_MIXED

NODE_STATE_MIXED = VALUES["NODE_STATE_MIXED"]
NODE_STATE_FLAGS = VALUES["NODE_STATE_FLAGS"]

# -- layouts ------------------------------------------------------------------------------------

#: acct_gather_energy_t (acct_gather_energy_unpack): the same in all four versions.
ENERGY = Layout("acct_gather_energy_t", (
    F('base_consumed_energy', 'u64'),
    F('ave_watts', 'u32'),
    F('consumed_energy', 'u64'),
    F('current_watts', 'u32'),
    F('previous_consumed_energy', 'u64'),
    F('poll_time', 'time'),
    F('slurmd_start_time', 'time'),
))

#: node_info_t, up to the energy record (_unpack_node_info_members).
NODE_INFO = Layout("node_info_t", (
    F('name', 'str'),
    F('node_hostname', 'str'),
    F('node_addr', 'str'),
    F('bcast_address', 'str'),
    F('cert_flags', 'u16', since=V25_05),
    F('port', 'u16'),
    F('next_state', 'u32'),
    F('node_state', 'u32'),
    F('version', 'str'),
    F('cpus', 'u16'),
    F('boards', 'u16'),
    F('sockets', 'u16'),
    F('cores', 'u16'),
    F('threads', 'u16'),
    F('real_memory', 'u64'),
    F('tmp_disk', 'u32'),
    F('gpu_spec', 'str'),
    F('mcs_label', 'str'),
    F('owner', 'u32'),
    F('core_spec_cnt', 'u16'),
    F('cpu_bind', 'u32'),
    F('mem_spec_limit', 'u64'),
    F('cpu_spec_list', 'str'),
    F('cpus_efctv', 'u16'),
    F('cpu_load', 'u32'),
    F('free_mem', 'u64'),
    F('weight', 'u32'),
    F('res_cores_per_gpu', 'u16'),
    F('reason_uid', 'u32'),
    F('suspend_time', 'u32', since=V26_05),
    F('boot_time', 'time'),
    F('last_busy', 'time'),
    F('reason_time', 'time'),
    F('resume_after', 'time'),
    F('slurmd_start_time', 'time'),
    F('cert_last_renewal', 'time', since=V25_05),
    F('_was_select_plugin_id', 'u32', until=V24_11),
    F('alloc_cpus', 'u16'),
    F('alloc_memory', 'u64'),
    F('alloc_tres_fmt_str', 'str'),
    # 24.11 still sends the weighted TRES count (26.05's libslurm reads and drops it); data
    # parser v0.0.41 and older show it as tres_weighted
    F('alloc_tres_weighted', 'double', until=V24_11),
    F('arch', 'str'),
    F('features', 'str'),
    F('features_act', 'str'),
    F('gres', 'str'),
    F('gres_drain', 'str'),
    F('gres_used', 'str'),
    F('os', 'str'),
    F('comment', 'str'),
    F('extra', 'str'),
    F('instance_id', 'str'),
    F('instance_type', 'str'),
    F('parameters', 'str', since=V25_11),
    F('reason', 'str'),
))

#: node_info_t after the energy record.
NODE_INFO_TAIL = Layout("node_info_t", (
    F('tres_fmt_str', 'str'),
    F('resv_name', 'str'),
    F('topology_str', 'str', since=V25_05),
))

#: update_node_msg_t (_pack_update_node_msg); also the body of REQUEST_DELETE_NODE and
#: REQUEST_CREATE_NODE.
UPDATE_NODE = Layout("update_node_msg_t", (
    F('cert_token', 'str'),
    F('comment', 'str'),
    F('cpu_bind', 'u32'),
    F('extra', 'str'),
    F('features', 'str'),
    F('features_act', 'str'),
    F('gres', 'str'),
    F('instance_id', 'str'),
    F('instance_type', 'str'),
    F('node_addr', 'str'),
    F('node_hostname', 'str'),
    F('node_names', 'str'),
    F('node_state', 'u32'),
    F('power_action_name', 'str', since=V26_05),
    F('reason', 'str'),
    F('resume_after', 'u32'),
    F('topology_str', 'str', since=V25_05),
    F('weight', 'u32'),
))

_NODE_STRINGS = tuple(f.name for f in NODE_INFO.fields + NODE_INFO_TAIL.fields
                      if f.kind == 'str' and not f.name.startswith('_'))


def _node_info_zero() -> dict:
    d: dict = {f.name: 0 for f in NODE_INFO.fields + NODE_INFO_TAIL.fields if not f.name.startswith('_')}
    for name in _NODE_STRINGS:
        d[name] = None
    d['next_state'] = NO_VAL
    d['energy'] = None
    d['partitions'] = None
    d['cluster_name'] = None
    return d


_NODE_INFO_ZERO = _node_info_zero()


def init_node_info() -> dict:
    """``slurm_init_node_info_t`` on an xmalloc()ed record: zeros, NULL strings,
    ``next_state`` NO_VAL; ``partitions`` and ``cluster_name`` are filled in by
    the client (never on the wire)."""
    return dict(_NODE_INFO_ZERO)


def init_update_node_msg(**overrides) -> dict:
    """``slurm_init_update_node_msg``: everything NULL/0 except node_state,
    resume_after and weight (NO_VAL)."""
    d: dict = {f.name: None for f in UPDATE_NODE.fields}
    d['cpu_bind'] = 0
    d['node_state'] = NO_VAL
    d['resume_after'] = NO_VAL
    d['weight'] = NO_VAL
    d.update(overrides)
    return d


# -- decoders -----------------------------------------------------------------------------------

def unpack_node_info(u: Unpacker, version: int) -> dict:
    """``_unpack_node_info_members`` → ``node_info_t`` dict."""
    node = init_node_info()
    NODE_INFO.decode(u, version, node)
    node['energy'] = ENERGY.decode(u, version)
    NODE_INFO_TAIL.decode(u, version, node)
    node.pop('_was_select_plugin_id', None)
    return node


def unpack_node_info_msg(u: Unpacker, version: int) -> dict:
    """``_unpack_node_info_msg`` → ``node_info_msg_t`` {record_count, last_update, node_array}."""
    count = u.u32()
    last_update = u.time()
    hidden = u.bitstr()
    hidden_bits = hidden.bits if hidden is not None else 0
    nodes = []
    for i in range(count):
        if hidden_bits >> i & 1:
            nodes.append(init_node_info())
            continue
        try:
            nodes.append(unpack_node_info(u, version))
        except UnpackError as exc:
            raise UnpackError("node record %d of %d: %s" % (i + 1, count, exc)) from None
    return {'record_count': count, 'last_update': last_update, 'node_array': nodes}


# -- client-side semantics ----------------------------------------------------------------------

def set_node_mixed(node: dict) -> None:
    """``_set_node_mixed_op``: MIXED when some, not all, effective CPUs are
    allocated, or when TRES are allocated while every CPU is idle."""
    if not node.get('name'):
        return
    efctv = node['cpus_efctv']
    idle = (efctv - node['alloc_cpus']) & 0xFFFF  # uint16_t arithmetic
    mixed = bool(idle and idle < efctv) or bool(node.get('alloc_tres_fmt_str') is not None and idle == efctv)
    if mixed:
        node['node_state'] = (node['node_state'] & NODE_STATE_FLAGS) | NODE_STATE_MIXED


def _bit_ranges(b) -> list[tuple[int, int]]:
    """The [start, end] pairs of ``bitfmt2int`` over a bitmap."""
    if b is None:
        return []
    out: list[tuple[int, int]] = []
    for i in b.indexes():
        if out and out[-1][1] == i - 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out


def _append_part(node: dict, name: str) -> None:
    node['partitions'] = name if not node['partitions'] else node['partitions'] + "," + name


def populate_node_partitions(nodes: dict | None, parts: dict | None) -> None:
    """``slurm_populate_node_partitions``: each node's comma separated
    partition list, in partition table order.

    With several records the partitions' node indexes are used; with one
    record (a single node was asked for) the node's name is looked up in each
    partition's host list."""
    if not nodes or not nodes['record_count'] or not parts or not parts['record_count']:
        return
    array = nodes['node_array']
    for node in array:
        node['partitions'] = None
    single = nodes['record_count'] == 1
    for part in parts['partition_array']:
        if single:
            node = array[0]
            if node.get('name') is None or part.get('nodes') is None:
                continue
            try:
                hosts = set(Hostlist(part['nodes']).hosts())
            except HostlistError:
                continue
            if node['name'] in hosts:
                _append_part(node, part['name'])
            continue
        for lo, hi in _bit_ranges(part.get('node_inx')):
            for j in range(lo, hi + 1):
                if 0 <= j < len(array):
                    _append_part(array[j], part['name'])


# -- requests -----------------------------------------------------------------------------------

def _finish_nodes(msg: dict, show_flags: int) -> dict:
    if show_flags & SHOW_MIXED:
        for node in msg['node_array']:
            set_node_mixed(node)
    return msg


def encode_node_info_request(last_update: int, show_flags: int) -> bytes:
    """``_pack_node_info_request_msg``."""
    return Packer().time(last_update).u16(show_flags).getvalue()


def encode_node_info_single(node_name: str | None, show_flags: int) -> bytes:
    """``_pack_node_info_single_msg``."""
    return Packer().str(node_name).u16(show_flags).getvalue()


def encode_update_node(msg: dict, version: int) -> bytes:
    """``_pack_update_node_msg`` for one protocol version."""
    p = Packer()
    UPDATE_NODE.encode(p, init_update_node_msg(**msg), version)
    return p.getvalue()


# -- typed operations ---------------------------------------------------------------------------

def load_nodes(client, update_time: int = 0, show_flags: int = DEFAULT_SHOW_FLAGS, *, pending=None) -> dict:
    """``slurm_load_node``: REQUEST_NODE_INFO → ``node_info_msg_t``.

    Raises ``SlurmError(SLURM_NO_CHANGE_IN_DATA)`` when nothing changed since
    ``update_time``.  ``pending``: the request as ``begin_load_nodes`` sent it (with the
    same ``update_time`` and ``show_flags``)."""
    body = pending.body if pending is not None else encode_node_info_request(update_time, local_flags(show_flags))
    msg = client.call(MsgType.REQUEST_NODE_INFO, body, source="slurm_load_node()",
                      expect=MsgType.RESPONSE_NODE_INFO, decode=unpack_node_info_msg, pending=pending)
    return _finish_nodes(msg, show_flags)


def begin_load_nodes(client, update_time: int = 0, show_flags: int = DEFAULT_SHOW_FLAGS):
    """The request of ``load_nodes`` sent now, its reply read by ``load_nodes(pending=)``."""
    return client.begin(MsgType.REQUEST_NODE_INFO, encode_node_info_request(update_time, local_flags(show_flags)))


def load_node(client, node_name: str, show_flags: int = DEFAULT_SHOW_FLAGS) -> dict:
    """``slurm_load_node_single``: REQUEST_NODE_INFO_SINGLE → ``node_info_msg_t``
    (no records when the controller knows no such node)."""
    body = encode_node_info_single(node_name, show_flags & 0xFFFF)
    msg = client.call(MsgType.REQUEST_NODE_INFO_SINGLE, body, source="slurm_load_node_single()",
                      expect=MsgType.RESPONSE_NODE_INFO, decode=unpack_node_info_msg)
    return _finish_nodes(msg, show_flags)


def _update(client, msg_type: int, msg: dict, source: str) -> None:
    """``_slurm_update``: one request, RC 0 or SlurmError(rc).  Never resent
    after it went out: the version is pinned first, so a lost reply is
    reported instead of applying the change twice."""
    version = client.protocol_version()
    client.version = version
    client.call(msg_type, encode_update_node(msg, version), source=source, expect=RC_ONLY)


def update_node(client, msg: dict) -> None:
    """``slurm_update_node``: REQUEST_UPDATE_NODE (``node_names`` may be a host list)."""
    _update(client, MsgType.REQUEST_UPDATE_NODE, msg, "slurm_update_node()")


def delete_node(client, node_names: str) -> None:
    """``slurm_delete_node``: REQUEST_DELETE_NODE."""
    _update(client, MsgType.REQUEST_DELETE_NODE, {'node_names': node_names}, "slurm_delete_node()")


def create_node(client, node_conf: str | None) -> None:
    """``slurm_create_node``: REQUEST_CREATE_NODE; the slurm.conf style node
    line travels in ``extra``."""
    _update(client, MsgType.REQUEST_CREATE_NODE, {'extra': node_conf}, "slurm_create_node()")


def load_nodes_with_partitions(client, update_time: int = 0, show_flags: int = DEFAULT_SHOW_FLAGS,
                               node_name: str | None = None) -> dict:
    """What the REST nodes handler loads: the nodes (all, or one by name),
    then the partitions (``update_time`` 0) to fill in ``partitions``."""
    msg = load_nodes(client, update_time, show_flags) if node_name is None \
        else load_node(client, node_name, show_flags)
    if msg['record_count']:
        populate_node_partitions(msg, load_partitions(client, 0, show_flags))
    return msg


def node_names(msg: dict) -> Iterable[str]:
    """The names of the records that are not blank (hidden/unassigned) nodes."""
    return [n['name'] for n in msg['node_array'] if n.get('name')]


__all__ = ["SHOW_ALL", "SHOW_DETAIL", "SHOW_MIXED", "SHOW_LOCAL", "SHOW_FEDERATION", "SHOW_FUTURE",
           "DEFAULT_SHOW_FLAGS", "NODE_INFO", "NODE_INFO_TAIL", "ENERGY", "UPDATE_NODE",
           "init_node_info", "init_update_node_msg", "unpack_node_info", "unpack_node_info_msg",
           "set_node_mixed", "populate_node_partitions",
           "encode_node_info_request", "encode_node_info_single", "encode_update_node",
           "load_nodes", "begin_load_nodes", "load_node", "load_partitions", "begin_load_partitions",
           "load_nodes_with_partitions",
           "update_node", "delete_node", "create_node", "node_names"]
