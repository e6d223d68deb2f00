"""Associations on the slurmdbd wire: ``slurmdb_assoc_cond_t`` out, ``slurmdb_assoc_rec_t`` in.

Pure functions over :mod:`slurmrestd.rpc.pack`; no sockets.  Records are dicts keyed
by the C member names (what the data parser's ``ASSOC`` table reads).  Both
layouts have had one shape since 24.11 (``src/common/slurmdb_pack.c``), so the
protocol version is only checked against the supported range.

Also here: the two pieces every ``DBD_GOT_*`` list reply shares, the
``slurmdb_tres_rec_t`` and ``slurmdb_accounting_rec_t`` records, and the list
envelope (``u32 count`` + records + ``u32 return_code``).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from slurmrestd.rpc.pack import NO_VAL, Packer, Unpacker, UnpackError
from slurmrestd.rpc.protocol import MIN_PROTOCOL_VERSION, PROTOCOL_VERSION

#: slurmdbd_defs.h message numbers used here
DBD_GET_ASSOCS = 1410
DBD_GOT_ASSOCS = 1417

# slurmdb.h: ASSOC_COND_FLAG_*
ASSOC_COND_FLAG_WITH_DELETED = 1 << 0
ASSOC_COND_FLAG_WITH_USAGE = 1 << 1
ASSOC_COND_FLAG_ONLY_DEFS = 1 << 2
ASSOC_COND_FLAG_RAW_QOS = 1 << 3
ASSOC_COND_FLAG_SUB_ACCTS = 1 << 4
ASSOC_COND_FLAG_WOPI = 1 << 5
ASSOC_COND_FLAG_WOPL = 1 << 6
ASSOC_COND_FLAG_QOS_USAGE = 1 << 7

#: slurmdb_assoc_cond_t string lists, in wire order around the scalars
_COND_LISTS_1 = ("acct_list", "cluster_list", "def_qos_id_list")
_COND_LISTS_2 = ("format_list", "id_list", "partition_list", "parent_acct_list", "qos_list")


def check_version(version: int) -> None:
    if not MIN_PROTOCOL_VERSION <= version <= PROTOCOL_VERSION:
        raise ValueError("slurmdbd protocol version %#06x is not supported" % version)


def _strs(values) -> list[str] | None:
    """A list_t of strings: None stays None (NULL list, NO_VAL on the wire)."""
    if values is None:
        return None
    return [str(v) for v in values]


# -- conditions ---------------------------------------------------------------------------


def pack_assoc_cond(p: Packer, cond: Mapping[str, Any] | None, version: int) -> None:
    """``slurmdb_pack_assoc_cond``: ``bool present``, then 12 members (none when NULL)."""
    check_version(version)
    if cond is None:
        p.bool(False)
        return
    p.bool(True)
    for name in _COND_LISTS_1:
        p.str_list(_strs(cond.get(name)))
    p.u32(int(cond.get("flags") or 0))
    for name in _COND_LISTS_2:
        p.str_list(_strs(cond.get(name)))
    p.time(int(cond.get("usage_end") or 0))
    p.time(int(cond.get("usage_start") or 0))
    p.str_list(_strs(cond.get("user_list")))


def encode_cond_msg(msg_type: int, pack: Callable[[Packer, Any, int], None], cond: Any, version: int) -> bytes:
    """A whole cond request: ``u16 msg_type`` + ``pack(cond)``."""
    p = Packer()
    p.u16(msg_type)
    pack(p, cond, version)
    return p.getvalue()


def encode_get_assocs(cond: Mapping[str, Any] | None, version: int) -> bytes:
    """The ``DBD_GET_ASSOCS`` payload."""
    return encode_cond_msg(DBD_GET_ASSOCS, pack_assoc_cond, cond, version)


def unpack_assoc_cond(u: Unpacker, version: int) -> dict | None:
    """Inverse of :func:`pack_assoc_cond` (for tests and tools)."""
    check_version(version)
    if not u.bool():
        return None
    cond: dict = {}
    for name in _COND_LISTS_1:
        cond[name] = u.str_list()
    cond["flags"] = u.u32()
    for name in _COND_LISTS_2:
        cond[name] = u.str_list()
    cond["usage_end"] = u.time()
    cond["usage_start"] = u.time()
    cond["user_list"] = u.str_list()
    return cond


# -- records ------------------------------------------------------------------------------


def unpack_tres_rec(u: Unpacker, version: int | None = None) -> dict:
    """``slurmdb_unpack_tres_rec``: u64 alloc_secs, u64 count, u32 id, str name, str type."""
    return {"alloc_secs": u.u64(), "count": u.u64(), "id": u.u32(), "name": u.str(), "type": u.str()}


def unpack_accounting_rec(u: Unpacker, version: int | None = None) -> dict:
    """``slurmdb_unpack_accounting_rec``: usage of one TRES over one period."""
    return {"alloc_secs": u.u64(), "tres_rec": unpack_tres_rec(u), "id": u.u32(), "id_alt": u.u32(),
            "period_start": u.time()}


def unpack_assoc_rec(u: Unpacker, version: int) -> dict:
    """``slurmdb_unpack_assoc_rec_members`` (33 members; the slurmctld-only usage is not sent)."""
    a: dict = {"accounting_list": u.list(unpack_accounting_rec)}
    a["acct"] = u.str()
    a["cluster"] = u.str()
    a["comment"] = u.str()
    a["def_qos_id"] = u.u32()
    a["flags"] = u.u32()
    a["shares_raw"] = u.u32()
    a["grp_tres_mins"] = u.str()
    a["grp_tres_run_mins"] = u.str()
    a["grp_tres"] = u.str()
    a["grp_jobs"] = u.u32()
    a["grp_jobs_accrue"] = u.u32()
    a["grp_submit_jobs"] = u.u32()
    a["grp_wall"] = u.u32()
    a["id"] = u.u32()
    a["is_def"] = u.u16()
    a["lineage"] = u.str()
    a["max_tres_mins_pj"] = u.str()
    a["max_tres_run_mins"] = u.str()
    a["max_tres_pj"] = u.str()
    a["max_tres_pn"] = u.str()
    a["max_jobs"] = u.u32()
    a["max_jobs_accrue"] = u.u32()
    a["min_prio_thresh"] = u.u32()
    a["max_submit_jobs"] = u.u32()
    a["max_wall_pj"] = u.u32()
    a["parent_acct"] = u.str()
    a["parent_id"] = u.u32()
    a["partition"] = u.str()
    a["priority"] = u.u32()
    a["qos_list"] = u.str_list()
    a["uid"] = u.u32()
    a["user"] = u.str()
    return a


def unpack_list_msg(u: Unpacker, unpack_item: Callable[[Unpacker, int], Any], version: int,
                    what: str = "list") -> tuple[list | None, int]:
    """``slurmdbd_unpack_list_msg``: (records or None for a NULL list, return_code)."""
    n = u.u32()
    if n == NO_VAL:
        items = None
    elif n > NO_VAL:
        raise UnpackError("%s: record count %#x" % (what, n))
    else:
        items = []
        for i in range(n):
            try:
                items.append(unpack_item(u, version))
            except UnpackError as exc:
                raise UnpackError("%s record %d: %s" % (what, i, exc)) from None
    rc = u.i32()
    return items, rc


def decode_got_assocs(u: Unpacker, version: int) -> tuple[list | None, int]:
    """Body of ``DBD_GOT_ASSOCS`` (after the u16 message type)."""
    check_version(version)
    return unpack_list_msg(u, unpack_assoc_rec, version, "slurmdb_assoc_rec_t")


__all__ = [
    "DBD_GET_ASSOCS", "DBD_GOT_ASSOCS", "pack_assoc_cond", "encode_cond_msg", "encode_get_assocs", "unpack_assoc_cond",
    "unpack_tres_rec", "unpack_accounting_rec", "unpack_assoc_rec", "unpack_list_msg",
    "decode_got_assocs", "check_version",
] + [n for n in dir() if n.startswith("ASSOC_COND_FLAG_")]
