"""The controller's own state: ping, diag statistics, shares and slurm.conf pieces."""

from __future__ import annotations

from slurmrestd.data_parser.codecs.base import CodecSet, sub
from slurmrestd.data_parser.members import member
from slurmrestd.slurm.msg_types import msg_type_name
from slurmrestd.slurm.sentinels import NO_VAL64

CODECS = CodecSet()


@CODECS.dumper("CONTROLLER_PING_PRIMARY")
def _dump_ping_primary(d, t, value):
    """The member is the controller index: 0 is the primary."""
    return value == 0


@CODECS.dumper("CONTROLLER_PING_MODE")
def _dump_ping_mode(d, t, value):
    """v0.0.42-44 ``mode`` (from the index ``offset``): "primary", "backup" when there are
    exactly two controllers, otherwise "backup<index>".  ``slurm_conf.control_cnt`` is the
    length of the ping array being dumped (one entry per SlurmctldHost)."""
    mode = int(value or 0)
    if mode == 0:
        return "primary"
    if mode == 1 and getattr(d, "array_len", None) == 2:
        return "backup"
    return "backup%u" % (mode & 0xFFFFFFFF)


@CODECS.dumper("CONTROLLER_PING_RESULT")
def _dump_ping_result(d, t, value):
    """v0.0.42-44 ``pinged``: "UP" / "DOWN"."""
    return "UP" if value else "DOWN"


def _mean(sum_member: str, count_member: str):
    def fn(d, t, stats):
        stats = stats or {}
        count = stats.get(count_member) or 0
        return (stats.get(sum_member) or 0) // count if count else 0
    return fn


#: mean values of the statistics: type -> (sum member, count member)
_MEANS = {
    "STATS_MSG_CYCLE_MEAN": ("schedule_cycle_sum", "schedule_cycle_counter"),
    "STATS_MSG_CYCLE_MEAN_DEPTH": ("schedule_cycle_depth", "schedule_cycle_counter"),
    "STATS_MSG_BF_CYCLE_MEAN": ("bf_cycle_sum", "bf_cycle_counter"),
    "STATS_MSG_BF_DEPTH_MEAN": ("bf_depth_sum", "bf_cycle_counter"),
    "STATS_MSG_BF_DEPTH_MEAN_TRY": ("bf_depth_try_sum", "bf_cycle_counter"),
    "STATS_MSG_BF_QUEUE_LEN_MEAN": ("bf_queue_len_sum", "bf_cycle_counter"),
}
CODECS.add_dumps(_mean, _MEANS)


@CODECS.dumper("STATS_MSG_CYCLE_PER_MIN")
def _dump_cycle_per_min(d, t, stats):
    stats = stats or {}
    span = (stats.get("req_time") or 0) - (stats.get("req_time_start") or 0)
    return (stats.get("schedule_cycle_counter") or 0) // (span // 60) if span >= 60 else 0


@CODECS.dumper("STATS_MSG_BF_ACTIVE")
def _dump_bf_active(d, t, stats):
    return bool((stats or {}).get("bf_active"))


@CODECS.dumper("RPC_ID")
def _dump_rpc_id(d, t, value):
    return msg_type_name(int(value or 0))


CODECS.same_as("LOG_LEVEL_UINT16", "LOG_LEVEL")


# diag (stats_info_response_msg_t)

def _arr(stats, name, i, default=0):
    a = member(stats, name)
    return a[i] if a is not None and i < len(a) else default


@CODECS.dumper("STATS_MSG_RPCS_BY_TYPE")
def _dump_rpcs_by_type(d, t, stats):
    out = []
    n = int(member(stats, "rpc_type_size", 0) or len(member(stats, "rpc_type_id") or ()))
    q = bool(member(stats, "rpc_queue_enabled"))
    item = d.reg["STATS_MSG_RPC_TYPE"]
    for i in range(n):
        cnt, tm = _arr(stats, "rpc_type_cnt", i), _arr(stats, "rpc_type_time", i)
        rpc = {"id": _arr(stats, "rpc_type_id", i), "count": cnt, "time": tm,
               "average_time": tm // cnt if tm > 0 and cnt > 0 else NO_VAL64,
               "queued": _arr(stats, "rpc_type_queued", i) if q else 0,
               "dropped": _arr(stats, "rpc_type_dropped", i) if q else 0,
               "cycle_last": _arr(stats, "rpc_type_cycle_last", i) if q else 0,
               "cycle_max": _arr(stats, "rpc_type_cycle_max", i) if q else 0}
        out.append(d.dump(item, rpc, None))
    return out


@CODECS.dumper("STATS_MSG_RPCS_BY_USER")
def _dump_rpcs_by_user(d, t, stats):
    out = []
    n = int(member(stats, "rpc_user_size", 0) or len(member(stats, "rpc_user_id") or ()))
    item = d.reg["STATS_MSG_RPC_USER"]
    for i in range(n):
        cnt, tm = _arr(stats, "rpc_user_cnt", i), _arr(stats, "rpc_user_time", i)
        rpc = {"id": _arr(stats, "rpc_user_id", i), "count": cnt, "time": tm,
               "average_time": tm // cnt if tm > 0 and cnt > 0 else NO_VAL64}
        out.append(d.dump(item, rpc, None))
    return out


@CODECS.dumper("STATS_MSG_RPCS_QUEUE")
def _dump_rpcs_queue(d, t, stats):
    n = int(member(stats, "rpc_queue_type_count", 0) or 0)
    item = d.reg["STATS_MSG_RPC_QUEUE"]
    return [d.dump(item, {"id": _arr(stats, "rpc_queue_type_id", i),
                          "count": _arr(stats, "rpc_queue_count", i)}, None) for i in range(n)]


@CODECS.dumper("STATS_MSG_RPCS_DUMP")
def _dump_rpcs_dump(d, t, stats):
    n = int(member(stats, "rpc_dump_count", 0) or 0)
    item = d.reg["STATS_MSG_RPC_DUMP"]
    return [d.dump(item, {"id": _arr(stats, "rpc_dump_types", i),
                          "hostlist": _arr(stats, "rpc_dump_hostlist", i, None)}, None) for i in range(n)]


_SCHED_EXIT = ("end_job_queue", "default_queue_depth", "max_job_start", "licenses", "max_rpc_cnt",
               "max_sched_time")
_BF_EXIT = ("end_job_queue", "bf_max_job_start", "bf_max_job_test", "state_changed",
            "bf_node_space_size", "bf_max_time")


@CODECS.dumper("STATS_MSG_SCHEDULE_EXIT")
def _dump_sched_exit(d, t, stats):
    vals = list(member(stats, "schedule_exit") or ())
    fields = {k: (vals[i] if i < len(vals) else 0) for i, k in enumerate(_SCHED_EXIT)}
    return sub(d, "SCHEDULE_EXIT_FIELDS", fields)


@CODECS.dumper("STATS_MSG_BF_EXIT")
def _dump_bf_exit(d, t, stats):
    vals = list(member(stats, "bf_exit") or ())
    fields = {k: (vals[i] if i < len(vals) else 0) for i, k in enumerate(_BF_EXIT)}
    return sub(d, "BF_EXIT_FIELDS", fields)


@CODECS.dumper("STATS_MSG_BF_TABLE_SIZE_MEAN")
def _dump_bf_table_mean(d, t, stats):
    cnt = member(stats, "bf_cycle_counter", 0)
    return member(stats, "bf_table_size_sum", 0) // cnt if cnt else 0


@CODECS.dumper("ASSOC_SHARES_OBJ_LIST")
def _dump_shares_list(d, t, resp):
    items = member(resp, "assoc_shares_list")
    if items is None:
        return []
    names = list(member(resp, "tres_names") or ())
    wrap = d.reg["ASSOC_SHARES_OBJ_WRAP"]
    return [d.dump(wrap, {"obj": x, "tot_shares": member(resp, "tot_shares", 0),
                          "tres_cnt": len(names), "tres_names": names}, None) for x in items]


def _shares_tres(field, list_type):
    def fn(d, t, wrap):
        names = member(wrap, "tres_names") or []
        arr = member(wrap, "obj." + field) or []
        items = [{"name": n, "value": arr[i] if i < len(arr) else 0} for i, n in enumerate(names)]
        return sub(d, list_type, items)
    return fn


CODECS.add_dump("ASSOC_SHARES_OBJ_WRAP_TRES_RUN_SECS", _shares_tres("tres_run_secs", "SHARES_UINT64_TRES_LIST"))
CODECS.add_dump("ASSOC_SHARES_OBJ_WRAP_TRES_GRP_MINS", _shares_tres("tres_grp_mins", "SHARES_UINT64_TRES_LIST"))
CODECS.add_dump("ASSOC_SHARES_OBJ_WRAP_TRES_USAGE_RAW", _shares_tres("usage_tres_raw", "SHARES_FLOAT128_TRES_LIST"))


def _script_list(field):
    def fn(d, t, conf):
        return [str(x) for x in (member(conf, field) or ()) if x is not None]
    return fn


CODECS.add_dumps(_script_list, {"SLURM_CONF_EPILOG": ("epilog",), "SLURM_CONF_EPILOG_SLURMCTLD": ("epilog_slurmctld",),
                                "SLURM_CONF_PROLOG": ("prolog",), "SLURM_CONF_PROLOG_SLURMCTLD": ("prolog_slurmctld",)})


@CODECS.dumper("SLURM_CONF_CONTROLLERS")
def _dump_controllers(d, t, conf):
    machines = list(member(conf, "control_machine") or ())
    addrs = list(member(conf, "control_addr") or ())
    items = [{"machine": m, "addr": addrs[i] if i < len(addrs) else None}
             for i, m in enumerate(machines)]
    return sub(d, "CONTROLLERS_ARRAY", items)


@CODECS.dumper("PORT_RANGE_ARRAY")
def _dump_port_range(d, t, value):
    lo, hi = (list(value) + [0, 0])[:2] if value else (0, 0)
    return sub(d, "PORT_RANGE", {"min": lo, "max": hi})
