"""Encoders for the ``slurmdb_*_cond_t`` filters sent with ``DBD_GET_*``.

A cond is a dict keyed by the C member names, exactly what the data parser
returns for ``ACCOUNT_CONDITION``, ``USER_CONDITION`` … (members that are
absent are NULL/0, as in the C struct the parser allocates), or ``None`` for a
NULL cond, which has its own encoding.  String lists: ``None`` = NULL list
(``NO_VAL`` on the wire), ``[]`` = an empty list (count 0) — slurmdbd treats
the two differently.

Every encoder is ``pack_X_cond(packer, cond, version)``; the layouts have no
version branches between 24.11 and 26.05 (src/common/slurmdb_pack.c).  Output
parity with the reference depends on sending the same bytes, so each follows
its C packer field by field, NULL forms included.
"""

from __future__ import annotations

from typing import Any, Mapping

from slurmrestd.rpc.layouts import F, Layout
from slurmrestd.rpc.pack import NO_VAL, Packer, Unpacker

Cond = Mapping[str, Any] | None


def _strlist(p: Packer, items) -> None:
    """``slurm_pack_list(..., packstr_func)``: NULL → NO_VAL, else count + strings."""
    if items is None:
        p.u32(NO_VAL)
        return
    items = list(items)
    p.u32(len(items))
    for s in items:
        p.str(None if s is None else str(s))


def _u16(c: Mapping, name: str, default: int = 0) -> int:
    v = c.get(name)
    return default if v is None else int(v)


def _u32(c: Mapping, name: str, default: int = 0) -> int:
    v = c.get(name)
    return default if v is None else int(v)


def _time(c: Mapping, name: str) -> int:
    v = c.get(name)
    return 0 if v is None else int(v)


#: ``slurmdb_assoc_cond_t`` after its ``bool present``: 9 string lists, flags, 2 times
ASSOC_COND = Layout("slurmdb_assoc_cond_t", (
    F("acct_list", "str_list"), F("cluster_list", "str_list"), F("def_qos_id_list", "str_list"),
    F("flags", "u32"), F("format_list", "str_list"), F("id_list", "str_list"), F("partition_list", "str_list"),
    F("parent_acct_list", "str_list"), F("qos_list", "str_list"), F("usage_end", "time"),
    F("usage_start", "time"), F("user_list", "str_list"),
))


def _members(layout: Layout, cond: Mapping[str, Any]) -> dict:
    """``cond`` as ``layout.encode`` takes it: absent numbers are 0, list items text."""
    out: dict = {}
    for f in layout.fields:
        v = cond.get(f.name)
        if f.kind == "str_list":
            out[f.name] = None if v is None else [None if s is None else str(s) for s in v]
        else:
            out[f.name] = 0 if v is None else int(v)
    return out


def pack_assoc_cond(p: Packer, cond: Cond, version: int = 0) -> None:
    """``slurmdb_pack_assoc_cond``: bool present, then :data:`ASSOC_COND` (none when NULL)."""
    if cond is None:
        p.bool(False)
        return
    p.bool(True)
    ASSOC_COND.encode(p, _members(ASSOC_COND, cond), version)


def unpack_assoc_cond(u: Unpacker, version: int = 0) -> dict | None:
    """Inverse of :func:`pack_assoc_cond` (for tests and tools)."""
    if not u.bool():
        return None
    return ASSOC_COND.decode(u, version)


def pack_account_cond(p: Packer, cond: Cond, version: int = 0) -> None:
    """``slurmdb_pack_account_cond``: assoc_cond, description list, flags, organization list."""
    if cond is None:
        pack_assoc_cond(p, None, version)
        p.u32(NO_VAL)
        p.u32(NO_VAL)
        p.u32(0)
        return
    pack_assoc_cond(p, cond.get("assoc_cond"), version)
    _strlist(p, cond.get("description_list"))
    p.u32(_u32(cond, "flags"))
    _strlist(p, cond.get("organization_list"))


def pack_user_cond(p: Packer, cond: Cond, version: int = 0) -> None:
    """``slurmdb_pack_user_cond``: admin level, assoc_cond, 2 lists, 4 ``with_*``.
    (``without_defaults`` is not sent: slurmdbd never sees it.)"""
    if cond is None:
        p.u16(0)
        pack_assoc_cond(p, None, version)
        p.u32(NO_VAL)
        p.u32(NO_VAL)
        for _ in range(4):
            p.u16(0)
        return
    p.u16(_u16(cond, "admin_level"))
    pack_assoc_cond(p, cond.get("assoc_cond"), version)
    _strlist(p, cond.get("def_acct_list"))
    _strlist(p, cond.get("def_wckey_list"))
    for name in ("with_assocs", "with_coords", "with_deleted", "with_wckeys"):
        p.u16(_u16(cond, name))


def pack_cluster_cond(p: Packer, cond: Cond, version: int = 0) -> None:
    """``slurmdb_pack_cluster_cond``.  ``flags`` absent = NO_VAL (the data
    parser's CLUSTER_CONDITION starts from NO_VAL; so does every C caller)."""
    if cond is None:
        p.u16(0)
        for _ in range(5):
            p.u32(NO_VAL)
        p.time(0)
        p.time(0)
        p.u16(0)
        p.u16(0)
        return
    p.u16(_u16(cond, "classification"))
    _strlist(p, cond.get("cluster_list"))
    _strlist(p, cond.get("federation_list"))
    p.u32(_u32(cond, "flags", NO_VAL))
    _strlist(p, cond.get("format_list"))
    _strlist(p, cond.get("rpc_version_list"))
    p.time(_time(cond, "usage_end"))
    p.time(_time(cond, "usage_start"))
    p.u16(_u16(cond, "with_usage"))
    p.u16(_u16(cond, "with_deleted"))


def pack_tres_cond(p: Packer, cond: Cond, version: int = 0) -> None:
    """``slurmdb_pack_tres_cond``: u64 count, 4 lists, with_deleted."""
    if cond is None:
        p.u64(NO_VAL)
        for _ in range(4):
            p.u32(NO_VAL)
        p.u16(0)
        return
    v = cond.get("count")
    p.u64(0 if v is None else int(v))
    _strlist(p, cond.get("format_list"))
    _strlist(p, cond.get("id_list"))
    _strlist(p, cond.get("name_list"))
    _strlist(p, cond.get("type_list"))
    p.u16(_u16(cond, "with_deleted"))


def pack_qos_cond(p: Packer, cond: Cond, version: int = 0) -> None:
    """``slurmdb_pack_qos_cond``: bool present + description list, u16 flags,
    format/id/name lists, u16 preempt_mode."""
    if cond is None:
        p.bool(False)
        return
    p.bool(True)
    _strlist(p, cond.get("description_list"))
    p.u16(_u16(cond, "flags"))
    _strlist(p, cond.get("format_list"))
    _strlist(p, cond.get("id_list"))
    _strlist(p, cond.get("name_list"))
    p.u16(_u16(cond, "preempt_mode"))


def pack_wckey_cond(p: Packer, cond: Cond, version: int = 0) -> None:
    """``slurmdb_pack_wckey_cond``: 4 lists, only_defs, 2 times, user list, with_usage, with_deleted."""
    if cond is None:
        for _ in range(4):
            p.u32(NO_VAL)
        p.u16(0)
        p.time(0)
        p.time(0)
        p.u32(NO_VAL)
        p.u16(0)
        p.u16(0)
        return
    _strlist(p, cond.get("cluster_list"))
    _strlist(p, cond.get("format_list"))
    _strlist(p, cond.get("id_list"))
    _strlist(p, cond.get("name_list"))
    p.u16(_u16(cond, "only_defs"))
    p.time(_time(cond, "usage_end"))
    p.time(_time(cond, "usage_start"))
    _strlist(p, cond.get("user_list"))
    p.u16(_u16(cond, "with_usage"))
    p.u16(_u16(cond, "with_deleted"))


def pack_config_request(p: Packer, cond: Cond, version: int) -> None:
    """``DBD_GET_CONFIG``: empty at 26.05; before, a ``"slurmdbd.conf"`` place holder."""
    from slurmrestd.rpc.protocol import V26_05

    if version < V26_05:
        p.str("slurmdbd.conf")


__all__ = [
    "ASSOC_COND", "pack_assoc_cond", "unpack_assoc_cond", "pack_account_cond", "pack_user_cond", "pack_cluster_cond", "pack_tres_cond",
    "pack_qos_cond", "pack_wckey_cond", "pack_config_request",
]
