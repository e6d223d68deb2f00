"""Decoders for the slurmdb records slurmdbd sends (src/common/slurmdb_pack.c).

Each ``unpack_X(u, version)`` reads one record from an ``Unpacker`` and returns
a dict keyed by the C member names (the contract with the data parser, see
``data_parser/engine.py``).  Between 24.11 and 26.05 the only branch in these
records is ``user_rec`` (25.11 adds a presence byte and ``def_qos_id``); the
slurmdbd configuration reply has its own 26.05 layout.  The job and step
records live with the slurmdb jobs code.

Client-side work libslurmdb does while unpacking is done here too:
``cluster_rec.rpc_version`` is capped at our own protocol version, and
``rpc_obj.time_ave`` is computed.  A QOS ``preempt_bitstr`` becomes the list
of its set bit indexes (QOS ids), which the QOS_PREEMPT_LIST codec resolves.
"""

from __future__ import annotations

from slurmrestd.rpc.layouts import F, Layout
from slurmrestd.rpc.pack import NO_VAL, Packer, Unpacker, UnpackError
from slurmrestd.slurm.sentinels import NO_VAL16
from slurmrestd.rpc.protocol import PROTOCOL_VERSION, V25_11, V26_05

#: DBD_ROLLUP_HOUR, DBD_ROLLUP_DAY, DBD_ROLLUP_MONTH
ROLLUP_NAMES = ("DBD_ROLLUP_HOUR", "DBD_ROLLUP_DAY", "DBD_ROLLUP_MONTH")


def _list(u: Unpacker, version: int, item) -> list | None:
    """``slurm_unpack_list``: u32 count (NO_VAL = NULL list) + items."""
    n = u.u32()
    if n == NO_VAL:
        return None
    if n > u.remaining:
        raise UnpackError("list count %d larger than the message" % n)
    return [item(u, version) for _ in range(n)]


def _str(u: Unpacker, version: int) -> str | None:
    return u.str()


def unpack_str_list(u: Unpacker, version: int = 0) -> list | None:
    return _list(u, version, _str)


def unpack_tres_rec(u: Unpacker, version: int = 0) -> dict:
    """``slurmdb_tres_rec_t``: alloc_secs, count, id, name, type."""
    return {"alloc_secs": u.u64(), "count": u.u64(), "id": u.u32(), "name": u.str(), "type": u.str()}


def unpack_accounting_rec(u: Unpacker, version: int = 0) -> dict:
    """``slurmdb_accounting_rec_t`` (association and wckey usage)."""
    return {"alloc_secs": u.u64(), "tres_rec": unpack_tres_rec(u, version), "id": u.u32(), "id_alt": u.u32(),
            "period_start": u.time()}


def unpack_cluster_accounting_rec(u: Unpacker, version: int = 0) -> dict:
    """``slurmdb_cluster_accounting_rec_t``."""
    return {"alloc_secs": u.u64(), "tres_rec": unpack_tres_rec(u, version), "down_secs": u.u64(),
            "idle_secs": u.u64(), "over_secs": u.u64(), "pdown_secs": u.u64(), "period_start": u.time(),
            "plan_secs": u.u64()}


def unpack_coord_rec(u: Unpacker, version: int = 0) -> dict:
    """``slurmdb_coord_rec_t``: name, direct."""
    return {"name": u.str(), "direct": u.u16()}


#: ``slurmdb_assoc_rec_t`` after its ``accounting_list`` (32 members, one layout since 24.11)
ASSOC_REC = Layout("slurmdb_assoc_rec_t", (
    F("acct", "str"), F("cluster", "str"), F("comment", "str"), F("def_qos_id", "u32"), F("flags", "u32"),
    F("shares_raw", "u32"), F("grp_tres_mins", "str"), F("grp_tres_run_mins", "str"), F("grp_tres", "str"),
    F("grp_jobs", "u32"), F("grp_jobs_accrue", "u32"), F("grp_submit_jobs", "u32"), F("grp_wall", "u32"),
    F("id", "u32"), F("is_def", "u16"), F("lineage", "str"), F("max_tres_mins_pj", "str"),
    F("max_tres_run_mins", "str"), F("max_tres_pj", "str"), F("max_tres_pn", "str"), F("max_jobs", "u32"),
    F("max_jobs_accrue", "u32"), F("min_prio_thresh", "u32"), F("max_submit_jobs", "u32"),
    F("max_wall_pj", "u32"), F("parent_acct", "str"), F("parent_id", "u32"), F("partition", "str"),
    F("priority", "u32"), F("qos_list", "str_list"), F("uid", "u32"), F("user", "str"),
))

#: ``slurmdb_init_assoc_rec()``: what a new association holds before anything is set
#: (the C data parser starts every parsed association from it; so do the encoders)
ASSOC_REC_NEW: dict = {
    **ASSOC_REC.zeros(), "accounting_list": None,
    "def_qos_id": NO_VAL, "is_def": NO_VAL16, "grp_jobs": NO_VAL, "grp_jobs_accrue": NO_VAL,
    "grp_submit_jobs": NO_VAL, "grp_wall": NO_VAL, "max_jobs": NO_VAL, "max_jobs_accrue": NO_VAL,
    "min_prio_thresh": NO_VAL, "max_submit_jobs": NO_VAL, "max_wall_pj": NO_VAL, "priority": NO_VAL,
    "shares_raw": NO_VAL,
}


def unpack_assoc_rec(u: Unpacker, version: int = 0) -> dict:
    """``slurmdb_assoc_rec_t`` (33 members on the wire)."""
    d: dict = {"accounting_list": _list(u, version, unpack_accounting_rec)}
    return ASSOC_REC.decode(u, version, d)


def unpack_account_rec(u: Unpacker, version: int = 0) -> dict:
    """``slurmdb_account_rec_t``: assoc_list, coordinators, description, flags, name, organization."""
    return {"assoc_list": _list(u, version, unpack_assoc_rec), "coordinators": _list(u, version, unpack_coord_rec),
            "description": u.str(), "flags": u.u32(), "name": u.str(), "organization": u.str()}


def unpack_wckey_rec(u: Unpacker, version: int = 0) -> dict:
    """``slurmdb_wckey_rec_t``."""
    return {"accounting_list": _list(u, version, unpack_accounting_rec), "cluster": u.str(), "flags": u.u32(),
            "id": u.u32(), "is_def": u.u16(), "name": u.str(), "uid": u.u32(), "user": u.str()}


def _empty_user() -> dict:
    return {"admin_level": 0, "assoc_list": None, "coord_accts": None, "def_qos_id": 0, "default_acct": None,
            "default_wckey": None, "flags": 0, "name": None, "old_name": None, "uid": 0, "wckey_list": None}


def unpack_user_rec(u: Unpacker, version: int) -> dict:
    """``slurmdb_user_rec_t``; from 25.11 with a presence byte and ``def_qos_id``."""
    d = _empty_user()
    if version >= V25_11 and not u.bool():
        return d
    d["admin_level"] = u.u16()
    d["assoc_list"] = _list(u, version, unpack_assoc_rec)
    d["coord_accts"] = _list(u, version, unpack_coord_rec)
    if version >= V25_11:
        d["def_qos_id"] = u.u32()
    d["default_acct"] = u.str()
    d["default_wckey"] = u.str()
    d["flags"] = u.u32()
    d["name"] = u.str()
    d["old_name"] = u.str()
    d["uid"] = u.u32()
    d["wckey_list"] = _list(u, version, unpack_wckey_rec)
    return d


def _empty_cluster() -> dict:
    # slurmdb_init_cluster_rec(rec, false)
    return {"accounting_list": None, "classification": 0, "control_host": None, "control_port": 0,
            "dimensions": 0, "fed": {"feature_list": None, "name": None, "id": 0, "state": NO_VAL,
                                     "sync_recvd": False, "sync_sent": False, "recv": False, "send": False},
            "flags": NO_VAL, "id": 0, "name": None, "nodes": None, "root_assoc": None, "rpc_version": 0,
            "tres_str": None}


def unpack_cluster_rec(u: Unpacker, version: int = 0) -> dict:
    """``slurmdb_cluster_rec_t``: presence byte + 21 members (``root_assoc`` is a whole assoc_rec)."""
    d = _empty_cluster()
    if u.bool():
        d["accounting_list"] = _list(u, version, unpack_cluster_accounting_rec)
        d["classification"] = u.u16()
        d["control_host"] = u.str()
        d["control_port"] = u.u32()
        d["dimensions"] = u.u16()
        fed = d["fed"]
        fed["feature_list"] = unpack_str_list(u, version)
        fed["name"] = u.str()
        fed["id"] = u.u32()
        fed["state"] = u.u32()
        fed["sync_recvd"] = bool(u.u8())
        fed["sync_sent"] = bool(u.u8())
        d["flags"] = u.u32()
        d["id"] = u.u16()
        d["name"] = u.str()
        d["nodes"] = u.str()
        d["root_assoc"] = unpack_assoc_rec(u, version)
        d["rpc_version"] = u.u16()
        fed["recv"] = bool(u.u8())
        fed["send"] = bool(u.u8())
        d["tres_str"] = u.str()
    # libslurmdb keeps the lower of the cluster's version and its own
    d["rpc_version"] = min(PROTOCOL_VERSION, d["rpc_version"])
    return d


def unpack_qos_rec(u: Unpacker, version: int = 0) -> dict:
    """``slurmdb_qos_rec_t`` (36 members on the wire)."""
    d: dict = {"description": u.str(), "id": u.u32(), "flags": u.u32(), "grace_time": u.u32()}
    for name in ("grp_tres_mins", "grp_tres_run_mins", "grp_tres"):
        d[name] = u.str()
    for name in ("grp_jobs", "grp_jobs_accrue", "grp_submit_jobs", "grp_wall"):
        d[name] = u.u32()
    for name in ("max_tres_mins_pj", "max_tres_run_mins_pa", "max_tres_run_mins_pu", "max_tres_pa",
                 "max_tres_pj", "max_tres_pn", "max_tres_pu"):
        d[name] = u.str()
    for name in ("max_jobs_pa", "max_jobs_pu", "max_jobs_accrue_pa", "max_jobs_accrue_pu", "min_prio_thresh",
                 "max_submit_jobs_pa", "max_submit_jobs_pu", "max_wall_pj"):
        d[name] = u.u32()
    d["min_tres_pj"] = u.str()
    d["name"] = u.str()
    bits = u.bitstr()
    d["preempt_bitstr"] = bits.indexes() if bits is not None else None
    d["preempt_list"] = unpack_str_list(u, version)
    d["preempt_mode"] = u.u16()
    d["preempt_exempt_time"] = u.u32()
    d["priority"] = u.u32()
    d["usage_factor"] = u.double()
    d["usage_thres"] = u.double()
    d["limit_factor"] = u.double()
    return d


def unpack_rollup_stats(u: Unpacker, version: int = 0) -> dict:
    """``slurmdb_rollup_stats_t``: cluster name, then count/timestamp/3 durations
    per rollup period, as flat ``member[DBD_ROLLUP_x]`` keys."""
    d: dict = {"cluster_name": u.str()}
    n = u.u16()
    if n > len(ROLLUP_NAMES):
        raise UnpackError("rollup stats with %d periods (at most %d)" % (n, len(ROLLUP_NAMES)))
    for i, period in enumerate(ROLLUP_NAMES):
        if i < n:
            count, ts, last, mx, total = u.u16(), u.time(), u.u64(), u.u64(), u.u64()
        else:
            count = ts = last = mx = total = 0
        d["count[%s]" % period] = count
        d["timestamp[%s]" % period] = ts
        d["time_last[%s]" % period] = last
        d["time_max[%s]" % period] = mx
        d["time_total[%s]" % period] = total
    return d


def unpack_rpc_obj(u: Unpacker, version: int = 0) -> dict:
    """``slurmdb_rpc_obj_t``: cnt, id, time (µs); ``time_ave`` computed as libslurmdb does."""
    cnt, ident, total = u.u32(), u.u32(), u.u64()
    return {"cnt": cnt, "id": ident, "time": total, "time_ave": total // cnt if cnt else 0}


def unpack_stats_msg(u: Unpacker, version: int = 0) -> dict:
    """``slurmdb_stats_rec_t`` (``DBD_GOT_STATS``)."""
    return {"dbd_rollup_stats": unpack_rollup_stats(u, version),
            "rollup_stats": _list(u, version, unpack_rollup_stats),
            "rpc_list": _list(u, version, unpack_rpc_obj),
            "time_start": u.time(),
            "user_list": _list(u, version, unpack_rpc_obj)}


def unpack_slurmdbd_conf(u: Unpacker, version: int) -> dict:
    """``slurmdbd_conf_t`` (``DBD_GOT_CONFIG``, 26.05 on)."""
    if version < V26_05:
        raise UnpackError("DBD_GOT_CONFIG needs protocol 26.05")
    d: dict = {"archive_dir": u.str(), "archive_script": u.str(), "commit_delay": u.u16(), "dbd_addr": u.str(),
               "dbd_backup": u.str(), "dbd_host": u.str(), "dbd_port": u.u16(), "debug_level": u.u16(),
               "default_qos": u.str(), "flags": u.u32(), "log_file": u.str(), "max_purge_limit": u.u32(),
               "max_time_range": u.u32(), "parameters": u.str(), "persist_conn_rc_flags": u.u16(),
               "pid_file": u.str()}
    for name in ("purge_event", "purge_job", "purge_resv", "purge_step", "purge_suspend", "purge_txn",
                 "purge_usage", "purge_jobscript", "purge_jobenv"):
        d[name] = u.u32()
    for name in ("storage_loc", "storage_pass_script", "storage_user"):
        d[name] = u.str()
    d["syslog_debug"] = u.u16()
    d["track_wckey"] = u.u16()
    d["track_ctld"] = u.u16()
    return d


def unpack_key_pair(u: Unpacker, version: int = 0) -> dict:
    """``config_key_pair_t`` (``DBD_GOT_CONFIG_KEYPAIRS`` before 26.05)."""
    return {"name": u.str(), "value": u.str()}


# -- encoders (the records a client sends: DBD_ADD_*, DBD_MODIFY_*, DBD_ADD_*_COND) -------------
#
# ``pack_X_rec(p, rec, version)`` writes ``rec`` (a dict keyed by C member names, or None for a
# NULL pointer, which has its own encoding).  A member the dict does not hold is what the C
# record holds when freshly made: ``ASSOC_REC_NEW`` for associations, 0/NULL for the others
# (``WCKEY_REC_NEW``: is_def NO_VAL16).  Lists: None = NULL list (NO_VAL), [] = count 0.


def _with_new(rec: dict, new: dict) -> dict:
    out = dict(new)
    out.update((k, v) for k, v in rec.items() if k in new)
    return out


def pack_tres_rec(p: Packer, rec: dict | None, version: int = 0) -> None:
    """``slurmdb_pack_tres_rec``; NULL: alloc_secs 0, count 0, id 0, name and type NULL."""
    rec = rec or {}
    p.u64(int(rec.get("alloc_secs") or 0)).u64(int(rec.get("count") or 0)).u32(int(rec.get("id") or 0))
    p.str(rec.get("name")).str(rec.get("type"))


def pack_accounting_rec(p: Packer, rec: dict | None, version: int = 0) -> None:
    """``slurmdb_pack_accounting_rec``."""
    rec = rec or {}
    p.u64(int(rec.get("alloc_secs") or 0))
    pack_tres_rec(p, rec.get("tres_rec"), version)
    p.u32(int(rec.get("id") or 0)).u32(int(rec.get("id_alt") or 0)).time(int(rec.get("period_start") or 0))


def pack_coord_rec(p: Packer, rec: dict | None, version: int = 0) -> None:
    """``slurmdb_pack_coord_rec``: name, u16 direct."""
    rec = rec or {}
    p.str(rec.get("name")).u16(int(rec.get("direct") or 0))


def pack_list(p: Packer, items, pack_item, version: int) -> None:
    """``slurm_pack_list``: None → NO_VAL; else u32 count + ``pack_item(p, item, version)`` each."""
    if items is None:
        p.u32(NO_VAL)
        return
    items = list(items)
    p.u32(len(items))
    for it in items:
        pack_item(p, it, version)


#: the NULL ``slurmdb_assoc_rec_t`` (``slurmdb_pack_assoc_rec(NULL)``): not ASSOC_REC_NEW
_ASSOC_NULL: dict = {
    **ASSOC_REC.zeros(),
    "def_qos_id": NO_VAL, "shares_raw": NO_VAL, "grp_jobs": NO_VAL, "grp_jobs_accrue": NO_VAL,
    "grp_submit_jobs": NO_VAL, "grp_wall": NO_VAL, "max_jobs": NO_VAL, "max_jobs_accrue": NO_VAL,
    "min_prio_thresh": NO_VAL, "max_submit_jobs": NO_VAL, "max_wall_pj": NO_VAL,
}


def pack_assoc_rec(p: Packer, rec: dict | None, version: int = 0) -> None:
    """``slurmdb_pack_assoc_rec``: accounting list, then :data:`ASSOC_REC`."""
    if rec is None:
        p.u32(NO_VAL)
        ASSOC_REC.encode(p, _ASSOC_NULL, version)
        return
    d = _with_new(rec, ASSOC_REC_NEW)
    pack_list(p, d["accounting_list"], pack_accounting_rec, version)
    ASSOC_REC.encode(p, d, version)


def pack_account_rec(p: Packer, rec: dict | None, version: int = 0) -> None:
    """``slurmdb_pack_account_rec``: assoc list, coordinators, description, flags, name, organization."""
    if rec is None:
        p.u32(NO_VAL).u32(NO_VAL).null().u32(0).null().null()
        return
    pack_list(p, rec.get("assoc_list"), pack_assoc_rec, version)
    pack_list(p, rec.get("coordinators"), pack_coord_rec, version)
    p.str(rec.get("description")).u32(int(rec.get("flags") or 0)).str(rec.get("name"))
    p.str(rec.get("organization"))


#: ``slurmdb_init_wckey_rec()``
WCKEY_REC_NEW: dict = {"accounting_list": None, "cluster": None, "flags": 0, "id": 0, "is_def": NO_VAL16,
                       "name": None, "uid": 0, "user": None}


def pack_wckey_rec(p: Packer, rec: dict | None, version: int = 0) -> None:
    """``slurmdb_pack_wckey_rec``."""
    if rec is None:
        p.u32(NO_VAL).null().u32(0).u32(NO_VAL).null().u32(NO_VAL).null()
        return
    d = _with_new(rec, WCKEY_REC_NEW)
    pack_list(p, d["accounting_list"], pack_accounting_rec, version)
    p.str(d["cluster"]).u32(int(d["flags"])).u32(int(d["id"])).u16(int(d["is_def"])).str(d["name"])
    p.u32(int(d["uid"])).str(d["user"])


def pack_user_rec(p: Packer, rec: dict | None, version: int) -> None:
    """``slurmdb_pack_user_rec``; from 25.11 with a presence byte and ``def_qos_id``."""
    new = version >= V25_11
    if rec is None:
        if new:
            p.bool(False)
        else:
            p.u16(0).u32(NO_VAL).u32(NO_VAL).null().null().u32(0).null().null().u32(0).u32(NO_VAL)
        return
    if new:
        p.bool(True)
    p.u16(int(rec.get("admin_level") or 0))
    pack_list(p, rec.get("assoc_list"), pack_assoc_rec, version)
    pack_list(p, rec.get("coord_accts"), pack_coord_rec, version)
    if new:
        p.u32(int(rec.get("def_qos_id") or 0))
    p.str(rec.get("default_acct")).str(rec.get("default_wckey")).u32(int(rec.get("flags") or 0))
    p.str(rec.get("name")).str(rec.get("old_name")).u32(int(rec.get("uid") or 0))
    pack_list(p, rec.get("wckey_list"), pack_wckey_rec, version)


def _pack_strs(p: Packer, items) -> None:
    p.str_list(None if items is None else [None if s is None else str(s) for s in items])


def pack_add_assoc_cond(p: Packer, cond: dict | None, version: int = 0) -> None:
    """``slurmdb_pack_add_assoc_cond``: account list, the association to give each new one
    (``assoc``, a whole assoc_rec), cluster, partition, user and wckey lists."""
    if cond is None:
        p.u32(NO_VAL)
        pack_assoc_rec(p, None, version)
        for _ in range(4):
            p.u32(NO_VAL)
        return
    _pack_strs(p, cond.get("acct_list"))
    pack_assoc_rec(p, cond.get("assoc") or {}, version)
    for name in ("cluster_list", "partition_list", "user_list", "wckey_list"):
        _pack_strs(p, cond.get(name))


__all__ = [
    "ROLLUP_NAMES", "unpack_str_list", "unpack_tres_rec", "unpack_accounting_rec", "unpack_cluster_accounting_rec",
    "unpack_coord_rec", "ASSOC_REC", "ASSOC_REC_NEW", "unpack_assoc_rec", "unpack_account_rec", "unpack_wckey_rec", "unpack_user_rec",
    "unpack_cluster_rec", "unpack_qos_rec", "unpack_rollup_stats", "unpack_rpc_obj", "unpack_stats_msg",
    "unpack_slurmdbd_conf", "unpack_key_pair",
    "WCKEY_REC_NEW", "pack_list", "pack_tres_rec", "pack_accounting_rec", "pack_coord_rec", "pack_assoc_rec",
    "pack_account_rec", "pack_wckey_rec", "pack_user_rec", "pack_add_assoc_cond",
]
