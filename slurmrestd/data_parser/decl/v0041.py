"""data_parser v0.0.41, expressed as changes to v0.0.42.

Generated once by tools/gen_decls.py from the C tables of
the older tree's src/plugins/data_parser/v0.0.41/parsers.c (names, types, C members, key
paths, flags); descriptions are our own wording.  Edit as normal source.
"""
# flake8: noqa: E501
from __future__ import annotations

from slurmrestd.data_parser.model import (
    Alias, B, C, Delta, E, F, Flags, GenOptions, Leaf, ListOf, NtArray, Ptr,
    Q, R, Removed, RowPatch, S, Struct, X,
)

VERSION = "v0.0.41"

OPTIONS = GenOptions(flag_enums_as_refs=True, desc_first_wins=True, refs='counted')

DELTA = Delta(
    base="v0.0.42",
    options=OPTIONS,
    # types that do not exist in this version
    drop=(
        "CONTROLLER_PING_PRIMARY",
        "PRIORITY_BY_PARTITION",
        "SLURMDBD_PING_ARRAY",
        "LISTJOBS_INFO_PTR",
        "LISTPIDS_INFO_PTR",
        "LISTSTEPS_INFO_PTR",
        "LISTJOBS_INFO",
        "LISTPIDS_INFO",
        "LISTSTEPS_INFO",
        "SLURMDBD_PING",
        "SLURMDBD_PING_PTR",
        "PART_PRIO",
        "PART_PRIO_PTR",
        "OPENAPI_LISTJOBS_INFO_RESP",
        "OPENAPI_LISTJOBS_INFO_RESP_PTR",
        "OPENAPI_LISTPIDS_INFO_RESP",
        "OPENAPI_LISTPIDS_INFO_RESP_PTR",
        "OPENAPI_LISTSTEPS_INFO_RESP",
        "OPENAPI_LISTSTEPS_INFO_RESP_PTR",
        "OPENAPI_SLURMDBD_PING_RESP",
        "OPENAPI_SLURMDBD_PING_RESP_PTR",
        "OPENAPI_KILL_JOB_RESP_PTR",
        "ASSOC_CONDITION_FLAGS",
        "QOS_CONDITION_FLAGS",
        "LISTJOBS_INFO_LIST",
        "LISTPIDS_INFO_LIST",
        "LISTSTEPS_INFO_LIST",
    ),
    # types new in this version or declared differently
    put=(
        Leaf(name="JOB_ASSOC_ID", ctype="slurmdb_job_rec_t", pointer_to="ASSOC_SHORT_PTR", needs="ASSOC", complex=True),
        Leaf(name="NODE_SELECT_ALLOC_MEMORY", ctype="node_info_t", openapi="INT64", complex=True, parse_disabled=True),
        Leaf(name="NODE_SELECT_ALLOC_CPUS", ctype="node_info_t", openapi="INT32", complex=True, parse_disabled=True),
        Leaf(name="NODE_SELECT_TRES_USED", ctype="node_info_t", openapi="STRING", complex=True, parse_disabled=True),
        Leaf(name="QOS_CONDITION_WITH_DELETED_OLD", ctype="slurmdb_qos_cond_t", pointer_to="BOOL", complex=True),
        Leaf(name="ASSOC_CONDITION_WITH_DELETED_OLD", ctype="slurmdb_assoc_cond_t", pointer_to="BOOL", complex=True),
        Leaf(name="ASSOC_CONDITION_WITH_USAGE_OLD", ctype="slurmdb_assoc_cond_t", pointer_to="BOOL", complex=True),
        Leaf(name="ASSOC_CONDITION_ONLY_DEFS_OLD", ctype="slurmdb_assoc_cond_t", pointer_to="BOOL", complex=True),
        Leaf(name="ASSOC_CONDITION_RAW_QOS_OLD", ctype="slurmdb_assoc_cond_t", pointer_to="BOOL", complex=True),
        Leaf(name="ASSOC_CONDITION_SUB_ACCTS_OLD", ctype="slurmdb_assoc_cond_t", pointer_to="BOOL", complex=True),
        Leaf(name="ASSOC_CONDITION_WOPI_OLD", ctype="slurmdb_assoc_cond_t", pointer_to="BOOL", complex=True),
        Leaf(name="ASSOC_CONDITION_WOPL_OLD", ctype="slurmdb_assoc_cond_t", pointer_to="BOOL", complex=True),
        Removed(name="SELECT_PLUGIN_ID", openapi="STRING", deprecated="24.05"),
        Removed(name="EXT_SENSORS_DATA", openapi="OBJECT", deprecated="24.05"),
        Removed(name="POWER_FLAGS", openapi="ARRAY", deprecated="24.05"),
        Removed(name="POWER_MGMT_DATA", openapi="OBJECT", deprecated="24.05"),
        Struct(name="CONTROLLER_PING", ctype="controller_ping_t", fields=(
            F("hostname", "STRING", "hostname", desc="Hostname"),
            F("pinged", "CONTROLLER_PING_RESULT", "pinged", desc="Pinged"),
            F("latency", "UINT64", "latency", desc="Latency"),
            F("mode", "CONTROLLER_PING_MODE", "offset", desc="Mode"),
        )),
        Struct(name="ACCOUNT_CONDITION", ctype="slurmdb_account_cond_t", fields=(
            F("assocation", "ASSOC_CONDITION_PTR", "assoc_cond", desc="Assocation"),
            F("description", "STRING_LIST", "description_list", desc="Description"),
            E("ACCOUNT_FLAGS", "flags", desc="Flags"),
        )),
        Alias(name="OPENAPI_KILL_JOB_RESP", alias_of="OPENAPI_RESP"),
        Flags(name="QOS_FLAGS", ctype="uint32_t", flags=(
            B("NOT_SET", "QOS_FLAG_NOTSET", "~ QOS_FLAG_BASE"),
            B("ADD", "QOS_FLAG_ADD", "~ QOS_FLAG_BASE"),
            B("REMOVE", "QOS_FLAG_REMOVE", "~ QOS_FLAG_BASE"),
            B("PARTITION_MINIMUM_NODE", "QOS_FLAG_PART_MIN_NODE", "QOS_FLAG_BASE"),
            B("PARTITION_MAXIMUM_NODE", "QOS_FLAG_PART_MAX_NODE", "QOS_FLAG_BASE"),
            B("PARTITION_TIME_LIMIT", "QOS_FLAG_PART_TIME_LIMIT", "QOS_FLAG_BASE"),
            B("ENFORCE_USAGE_THRESHOLD", "QOS_FLAG_ENFORCE_USAGE_THRES", "QOS_FLAG_BASE"),
            B("NO_RESERVE", "QOS_FLAG_NO_RESERVE", "QOS_FLAG_BASE"),
            B("REQUIRED_RESERVATION", "QOS_FLAG_REQ_RESV", "QOS_FLAG_BASE"),
            B("DENY_LIMIT", "QOS_FLAG_DENY_LIMIT", "QOS_FLAG_BASE"),
            B("OVERRIDE_PARTITION_QOS", "QOS_FLAG_OVER_PART_QOS", "QOS_FLAG_BASE"),
            B("NO_DECAY", "QOS_FLAG_NO_DECAY", "QOS_FLAG_BASE"),
            B("USAGE_FACTOR_SAFE", "QOS_FLAG_USAGE_FACTOR_SAFE", "QOS_FLAG_BASE"),
            B("RELATIVE", "QOS_FLAG_RELATIVE", "QOS_FLAG_BASE"),
        )),
        Flags(name="CLUSTER_REC_FLAGS", ctype="uint32_t", flags=(
            B("REGISTERING", "CLUSTER_FLAG_REGISTER"),
            B("MULTIPLE_SLURMD", "CLUSTER_FLAG_MULTSD"),
            B("FRONT_END", "CLUSTER_FLAG_FE"),
            B("FEDERATION", "CLUSTER_FLAG_FED"),
            B("EXTERNAL", "CLUSTER_FLAG_EXT"),
        )),
        Flags(name="CLUSTER_CLASSIFICATION", ctype="uint16_t", flags=(
            Q("UNCLASSIFIED", "SLURMDB_CLASS_NONE", "INFINITE16"),
            B("CAPABILITY", "SLURMDB_CLASS_CAPABILITY"),
            B("CAPACITY", "SLURMDB_CLASS_CAPACITY"),
            B("CAPAPACITY (both CAPABILITY and CAPACITY)", "SLURMDB_CLASS_CAPAPACITY"),
        )),
        Flags(name="CR_TYPE", ctype="uint16_t", flags=(
            Q("CPU", "CR_CPU", "(CR_CPU | CR_SOCKET | CR_CORE)"),
            Q("SOCKET", "CR_SOCKET", "(CR_CPU | CR_SOCKET | CR_CORE)"),
            Q("CORE", "CR_CORE", "(CR_CPU | CR_SOCKET | CR_CORE)"),
            B("BOARD", "CR_BOARD"),
            B("MEMORY", "CR_MEMORY"),
            B("ONE_TASK_PER_CORE", "CR_ONE_TASK_PER_CORE"),
            B("PACK_NODES", "CR_PACK_NODES"),
            B("CORE_DEFAULT_DIST_BLOCK", "CR_CORE_DEFAULT_DIST_BLOCK"),
            B("LLN", "CR_LLN"),
            B("LINEAR", "CR_LINEAR"),
        )),
    ),
    # row level changes of struct and flag tables
    patch=(
        RowPatch("ASSOC",
            drop=(),
            replace=(
            ),
            insert=(
                ("~leaf_usage", S("lft")),
                ("qos", S("rgt")),
            ),
        ),
        RowPatch("ASSOC_REC_SET",
            drop=(),
            replace=(
            ),
            insert=(
                ("~leaf_usage", S("lft")),
                ("qoslevel", S("rgt")),
            ),
        ),
        RowPatch("JOB",
            drop=("qosreq", "restart_cnt", ),
            replace=(
            ),
            insert=(
                ("name", S("lft")),
            ),
        ),
        RowPatch("STEP",
            drop=(),
            replace=(
                F("pid", "STRING", "pid_str", desc="Pid"),
            ),
            insert=(
            ),
        ),
        RowPatch("ACCOUNTING",
            drop=("id_alt", ),
            replace=(
            ),
            insert=(
            ),
        ),
        RowPatch("QOS",
            drop=("limits/max/jobs/count", "limits/max/tres/minutes/total", "~grp_tres_mins_ctld", "~relative_tres_cnt", ),
            replace=(
            ),
            insert=(
            ),
        ),
        RowPatch("CLUSTER_REC",
            drop=(),
            replace=(
                R("select_plugin", "SELECT_PLUGIN_ID", deprecated="24.05"),
            ),
            insert=(
            ),
        ),
        RowPatch("STATS_MSG",
            drop=(),
            replace=(
                F("parts_packed", "UINT32", "parts_packed", desc="Parts packed"),
                F("schedule_cycle_sum", "UINT32", "schedule_cycle_sum", desc="Schedule cycle sum"),
            ),
            insert=(
            ),
        ),
        RowPatch("NODE",
            drop=(),
            replace=(
                R("external_sensors", "EXT_SENSORS_DATA_PTR", deprecated="24.05"),
                R("power", "POWER_MGMT_DATA_PTR", deprecated="24.05"),
                C("alloc_memory", "NODE_SELECT_ALLOC_MEMORY", desc="Alloc memory"),
                C("alloc_cpus", "NODE_SELECT_ALLOC_CPUS", desc="Alloc cpus"),
                C("tres_used", "NODE_SELECT_TRES_USED", desc="Tres used"),
                C("tres_weighted", "NODE_SELECT_TRES_WEIGHTED", desc="Tres weighted"),
            ),
            insert=(
            ),
        ),
        RowPatch("JOB_INFO",
            drop=("priority_by_partition", "required_switches", ),
            replace=(
                F("job_id", "UINT32", "job_id", desc="Job id"),
                R("power/flags", "POWER_FLAGS", deprecated="24.05"),
                F("shared", "JOB_SHARED", "shared", overloads=2, desc="Shared"),
            ),
            insert=(
                ("~req_node_inx", F("minimum_switches", "UINT32", "req_switch", desc="Minimum switches")),
                ("shared", F("exclusive", "JOB_EXCLUSIVE", "shared", overloads=2, deprecated="23.11")),
                ("exclusive", F("oversubscribe", "BOOL16", "shared", overloads=2, deprecated="23.11")),
                ("oversubscribe", R("show_flags", "JOB_SHOW_FLAGS", deprecated="24.11")),
            ),
        ),
        RowPatch("STEP_INFO",
            drop=(),
            replace=(
                F("tres/allocation", "STRING", "tres_alloc_str", desc="Tres allocation"),
            ),
            insert=(
            ),
        ),
        RowPatch("SINFO_DATA",
            drop=("resource_spec/cpus", "resource_spec/memory", ),
            replace=(
            ),
            insert=(
            ),
        ),
        RowPatch("RESERVATION_INFO",
            drop=(),
            replace=(
                R("watts", "UINT32_NO_VAL", deprecated="24.05"),
            ),
            insert=(
            ),
        ),
        RowPatch("JOB_SUBMIT_RESPONSE_MSG",
            drop=(),
            replace=(
                F("job_id", "UINT32", "step_id.job_id", desc="Job id"),
                F("step_id", "STEP_ID", "step_id.step_id", desc="Step id"),
            ),
            insert=(
            ),
        ),
        RowPatch("JOB_DESC_MSG",
            drop=("oom_kill_step", ),
            replace=(
                F("job_id", "UINT32", "step_id.job_id", desc="Job id"),
                R("power_flags", "POWER_FLAGS", deprecated="24.05"),
                F("shared", "JOB_SHARED", "shared", overloads=2, desc="Shared"),
            ),
            insert=(
                ("reservation", F("resv_mpi_ports", "UINT16", "resv_port_cnt", desc="Resv mpi ports")),
                ("shared", F("exclusive", "JOB_EXCLUSIVE", "shared", overloads=2, deprecated="23.11")),
                ("exclusive", F("oversubscribe", "BOOL16", "shared", overloads=2, deprecated="23.11")),
            ),
        ),
        RowPatch("UPDATE_NODE_MSG",
            drop=(),
            replace=(
                F("reason_uid", "USER_ID", "reason_uid", desc="Reason uid"),
            ),
            insert=(
            ),
        ),
        RowPatch("JOB_SUBMIT_REQ",
            drop=(),
            replace=(
                F("script", "STRING", "script", deprecated="24.05", desc="Script"),
            ),
            insert=(
            ),
        ),
        RowPatch("QOS_CONDITION",
            drop=("!flags", ),
            replace=(
            ),
            insert=(
                ("preempt_mode", C("with_deleted", "QOS_CONDITION_WITH_DELETED_OLD", desc="With deleted")),
            ),
        ),
        RowPatch("ASSOC_CONDITION",
            drop=("!flags", ),
            replace=(
            ),
            insert=(
                ("id", C("only_defaults", "ASSOC_CONDITION_ONLY_DEFS_OLD", desc="Only defaults")),
                ("user", C("with_usage", "ASSOC_CONDITION_WITH_USAGE_OLD", desc="With usage")),
                ("with_usage", C("with_deleted", "ASSOC_CONDITION_WITH_DELETED_OLD", desc="With deleted")),
                ("with_deleted", C("with_raw_qos", "ASSOC_CONDITION_RAW_QOS_OLD", desc="With raw qos")),
                ("with_raw_qos", C("with_sub_accts", "ASSOC_CONDITION_SUB_ACCTS_OLD", desc="With sub accts")),
                ("with_sub_accts", C("without_parent_info", "ASSOC_CONDITION_WOPI_OLD", desc="Without parent info")),
                ("without_parent_info", C("without_parent_limits", "ASSOC_CONDITION_WOPL_OLD", desc="Without parent limits")),
            ),
        ),
        RowPatch("ASSOC_SHARES_OBJ_WRAP",
            drop=(),
            replace=(
                F("effective_usage", "FLOAT64", "obj.usage_efctv", desc="Effective usage"),
                F("fairshare/factor", "FLOAT64", "obj.fs_factor", desc="Fairshare factor"),
                F("fairshare/level", "FLOAT64", "obj.level_fs", desc="Fairshare level"),
            ),
            insert=(
            ),
        ),
        RowPatch("OPENAPI_JOB_POST_RESPONSE",
            drop=(),
            replace=(
            ),
            insert=(
                ("results", F("job_id", "STRING", "job_id", deprecated="23.11", desc="Job id")),
                ("job_id", F("step_id", "STRING", "step_id", deprecated="23.11", desc="Step id")),
                ("step_id", F("job_submit_user_msg", "STRING", "job_submit_user_msg", deprecated="23.11", desc="Job submit user msg")),
            ),
        ),
        RowPatch("OPENAPI_JOB_SUBMIT_RESPONSE",
            drop=(),
            replace=(
                F("job_id", "UINT32", "resp.step_id.job_id", desc="Job id"),
                F("step_id", "STEP_ID", "resp.step_id.step_id", desc="Step id"),
            ),
            insert=(
                (None, F("result", "JOB_SUBMIT_RESPONSE_MSG", "resp", deprecated="23.11", desc="Result")),
            ),
        ),
        RowPatch("ASSOC_FLAGS",
            drop=(),
            replace=(
            ),
            insert=(
                ("BASE_MASK", Q("INVALID", "ASSOC_FLAG_INVALID", "INFINITE64", hidden=True, desc="Flag INVALID")),
            ),
        ),
        RowPatch("ACCOUNT_FLAGS",
            drop=(),
            replace=(
            ),
            insert=(
                ("BASE_MASK", Q("INVALID", "SLURMDB_ACCT_FLAG_INVALID", "INFINITE64", hidden=True, desc="Flag INVALID")),
            ),
        ),
        RowPatch("MEMORY_BINDING_TYPE",
            drop=(),
            replace=(
                B("SORT", "MEM_BIND_SORT", "MEM_BIND_TYPE_FLAGS_MASK"),
            ),
            insert=(
            ),
        ),
        RowPatch("FLAGS",
            drop=("MINIMIZE_REFS", "INLINE_ENUMS", ),
            replace=(
            ),
            insert=(
            ),
        ),
    ),
)
