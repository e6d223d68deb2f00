"""``slurmdb_cluster_rec_t`` out: the records of ``DBD_ADD_CLUSTERS``, as
``slurmdb_pack_cluster_rec`` lays them (one layout since 24.11).

A record is a dict keyed by the C member names, as the data parser's
``CLUSTER_REC`` table fills it (the decoder's shape: federation members in a
nested ``fed`` dict, ``root_assoc`` a whole association).  Members it does not
hold are what ``slurmdb_init_cluster_rec()`` leaves (:data:`NEW_CLUSTER`:
flags and federation state NO_VAL, the rest 0/NULL).  ``None`` is the NULL
record (a single false presence byte).
"""

from __future__ import annotations

from typing import Any, Mapping

from slurmrestd.rpc.dbd import records
from slurmrestd.rpc.pack import NO_VAL, Packer

_FED_NEW = {"feature_list": None, "name": None, "id": 0, "state": NO_VAL, "sync_recvd": False, "sync_sent": False,
            "recv": False, "send": False}

#: ``slurmdb_init_cluster_rec(rec, false)``
NEW_CLUSTER: Mapping[str, Any] = {
    "accounting_list": None, "classification": 0, "control_host": None, "control_port": 0, "dimensions": 0,
    "fed": _FED_NEW, "flags": NO_VAL, "id": 0, "name": None, "nodes": None, "root_assoc": None, "rpc_version": 0,
    "tres_str": None,
}


def pack_cluster_accounting_rec(p: Packer, rec: Mapping[str, Any] | None, version: int = 0) -> None:
    """``slurmdb_pack_cluster_accounting_rec``: alloc, TRES, down/idle/over/pdown, period start, plan."""
    rec = rec or {}
    p.u64(int(rec.get("alloc_secs") or 0))
    records.pack_tres_rec(p, rec.get("tres_rec"), version)
    for name in ("down_secs", "idle_secs", "over_secs", "pdown_secs"):
        p.u64(int(rec.get(name) or 0))
    p.time(int(rec.get("period_start") or 0))
    p.u64(int(rec.get("plan_secs") or 0))


def cluster_rec(parsed: Mapping[str, Any] | None = None) -> dict:
    """A complete record: :data:`NEW_CLUSTER` overlaid with ``parsed``'s members."""
    d = dict(NEW_CLUSTER)
    if parsed:
        d.update({k: v for k, v in parsed.items() if k in d})
    fed = dict(_FED_NEW)
    fed.update(d.get("fed") or {})
    d["fed"] = fed
    return d


def pack_cluster_rec(p: Packer, rec: Mapping[str, Any] | None, version: int = 0) -> None:
    """``slurmdb_pack_cluster_rec``: presence byte + 21 members."""
    if rec is None:
        p.bool(False)
        return
    d = cluster_rec(rec)
    fed = d["fed"]
    p.bool(True)
    records.pack_list(p, d["accounting_list"], pack_cluster_accounting_rec, version)
    p.u16(int(d["classification"])).str(d["control_host"]).u32(int(d["control_port"])).u16(int(d["dimensions"]))
    p.str_list(None if fed["feature_list"] is None else [str(s) for s in fed["feature_list"]])
    p.str(fed["name"]).u32(int(fed["id"])).u32(int(fed["state"]))
    p.u8(1 if fed["sync_recvd"] else 0).u8(1 if fed["sync_sent"] else 0)
    p.u32(int(d["flags"])).u16(int(d["id"])).str(d["name"]).str(d["nodes"])
    records.pack_assoc_rec(p, d["root_assoc"], version)
    p.u16(int(d["rpc_version"]))
    p.u8(1 if fed["recv"] else 0).u8(1 if fed["send"] else 0)
    p.str(d["tres_str"])


__all__ = ["NEW_CLUSTER", "pack_cluster_accounting_rec", "cluster_rec", "pack_cluster_rec"]
