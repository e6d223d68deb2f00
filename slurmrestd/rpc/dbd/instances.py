"""Cloud instances on the slurmdbd wire: ``slurmdb_instance_cond_t`` out,
``slurmdb_instance_rec_t`` in (one layout since 24.11).

The instance cond has no NULL form: slurmdbd always gets the 8 members, so a
missing cond is packed as an empty one (what the C client would send for a
zeroed struct).
"""

from __future__ import annotations

from typing import Any, Mapping

from slurmrestd.rpc.dbd.assoc import _strs, check_version, encode_cond_msg, unpack_list_msg
from slurmrestd.rpc.pack import Packer, Unpacker
from slurmrestd.slurm.dbd_msg_types import DbdMsgType

DBD_GET_INSTANCES = DbdMsgType.DBD_GET_INSTANCES
DBD_GOT_INSTANCES = DbdMsgType.DBD_GOT_INSTANCES

_LISTS = ("cluster_list", "extra_list", "format_list", "instance_id_list", "instance_type_list")


def pack_instance_cond(p: Packer, cond: Mapping[str, Any] | None, version: int) -> None:
    """``slurmdb_pack_instance_cond``: 5 string lists, str node_list, time end, time start."""
    check_version(version)
    cond = cond or {}
    for name in _LISTS:
        p.str_list(_strs(cond.get(name)))
    p.str(cond.get("node_list"))
    p.time(int(cond.get("time_end") or 0))
    p.time(int(cond.get("time_start") or 0))


def encode_get_instances(cond: Mapping[str, Any] | None, version: int) -> bytes:
    return encode_cond_msg(DBD_GET_INSTANCES, pack_instance_cond, cond, version)


def unpack_instance_cond(u: Unpacker, version: int) -> dict:
    check_version(version)
    cond: dict = {name: u.str_list() for name in _LISTS}
    cond["node_list"] = u.str()
    cond["time_end"] = u.time()
    cond["time_start"] = u.time()
    return cond


def pack_instance_rec(p: Packer, rec: Mapping[str, Any], version: int) -> None:
    """``slurmdb_pack_instance_rec`` (tests build replies with it)."""
    check_version(version)
    for name in ("cluster", "extra", "instance_id", "instance_type", "node_name"):
        p.str(rec.get(name))
    p.time(int(rec.get("time_end") or 0))
    p.time(int(rec.get("time_start") or 0))


def unpack_instance_rec(u: Unpacker, version: int) -> dict:
    """``slurmdb_unpack_instance_rec``: 5 strings, time end, time start."""
    return {"cluster": u.str(), "extra": u.str(), "instance_id": u.str(), "instance_type": u.str(),
            "node_name": u.str(), "time_end": u.time(), "time_start": u.time()}


def decode_got_instances(u: Unpacker, version: int) -> tuple[list | None, int]:
    check_version(version)
    return unpack_list_msg(u, unpack_instance_rec, version, "slurmdb_instance_rec_t")


__all__ = ["DBD_GET_INSTANCES", "DBD_GOT_INSTANCES", "pack_instance_cond", "encode_get_instances",
           "unpack_instance_cond", "pack_instance_rec", "unpack_instance_rec", "decode_got_instances"]
