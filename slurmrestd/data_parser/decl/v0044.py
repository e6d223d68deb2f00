"""data_parser v0.0.44, expressed as changes to v0.0.45.

Generated once by tools/gen_decls.py from the C tables of
src/plugins/data_parser/v0.0.44/parsers.c (names, types, C members, key
paths, flags); descriptions are our own wording.  Edit as normal source.
"""
# flake8: noqa: E501
from __future__ import annotations

from slurmrestd.data_parser.model import (
    Alias, B, C, Delta, E, F, Flags, GenOptions, Leaf, ListOf, NtArray, Ptr,
    Q, R, Removed, RowPatch, S, Struct, X,
)

VERSION = "v0.0.44"

OPTIONS = GenOptions()

DELTA = Delta(
    base="v0.0.45",
    options=OPTIONS,
    # types that do not exist in this version
    drop=(
        "FLOAT32",
        "SLURMDB_PURGE",
        "SLURMDB_PURGE_UNITS",
        "LOG_LEVEL_UINT16",
        "TIME_SECONDS",
        "PORT_RANGE_ARRAY",
        "PARTITION_OVERSUBSCRIBE",
        "NODE_REASON_USER_ID",
        "SINFO_REASON_USER_ID",
        "PARTITION_EXCLUSIVE",
        "TOPOLOGY_RING",
        "TOPOLOGY_TORUS3D",
        "TOPOLOGY_RING_CONFIG_ARRAY",
        "TOPOLOGY_TORUS3D_CONFIG_ARRAY",
        "TORUS3D_PLACEMENT_ARRAY",
        "TORUS3D_REGION_ARRAY",
        "SLURM_CONF_EPILOG",
        "SLURM_CONF_EPILOG_SLURMCTLD",
        "SLURM_CONF_PROLOG",
        "SLURM_CONF_PROLOG_SLURMCTLD",
        "SLURM_CONF_CONTROLLERS",
        "CONTROLLERS_ARRAY",
        "TOPOLOGY_RING_CONFIG",
        "TOPOLOGY_RING_CONFIG_PTR",
        "TOPOLOGY_TORUS3D_CONFIG",
        "TOPOLOGY_TORUS3D_CONFIG_PTR",
        "TOPOLOGY_FLAT_CONFIG",
        "TOPOLOGY_FLAT_CONFIG_PTR",
        "RING_CONFIG",
        "RING_CONFIG_PTR",
        "TORUS3D_CONFIG",
        "TORUS3D_CONFIG_PTR",
        "TORUS3D_DIMS",
        "TORUS3D_DIMS_PTR",
        "TORUS3D_PLACEMENT",
        "TORUS3D_PLACEMENT_PTR",
        "TORUS3D_REGION",
        "TORUS3D_REGION_PTR",
        "NAMESPACE_DIR_CONF",
        "NAMESPACE_DIR_CONF_PTR",
        "SLURMDBD_CONF",
        "SLURMDBD_CONF_PTR",
        "JOB_DEFAULTS",
        "JOB_DEFAULTS_PTR",
        "PORT_RANGE",
        "PORT_RANGE_PTR",
        "CONTROLLER",
        "CONTROLLER_PTR",
        "SLURM_CONF",
        "SLURM_CONF_PTR",
        "SLURM_CONF_META",
        "SLURM_CONF_META_PTR",
        "OPENAPI_CONF_QUERY",
        "OPENAPI_CONF_QUERY_PTR",
        "OPENAPI_JOB_REQUEUE_QUERY",
        "OPENAPI_JOB_REQUEUE_QUERY_PTR",
        "OPENAPI_JOBS_REQUEUE_QUERY",
        "OPENAPI_JOBS_REQUEUE_QUERY_PTR",
        "OPENAPI_PARTITIONS_MOD_REQ",
        "OPENAPI_PARTITIONS_MOD_REQ_PTR",
        "OPENAPI_SLURMDBD_CONF_RESP",
        "OPENAPI_SLURMDBD_CONF_RESP_PTR",
        "OPENAPI_CONF_RESP",
        "OPENAPI_CONF_RESP_PTR",
        "OPENAPI_JOB_REQUEUE_RESP",
        "OPENAPI_JOB_REQUEUE_RESP_PTR",
        "OPENAPI_JOBS_REQUEUE_RESP",
        "OPENAPI_JOBS_REQUEUE_RESP_PTR",
        "PARTITION_PREEMPT_MODES",
        "SLURM_CONF_PREEMPT_MODES",
        "TASK_PLUGIN_PARAM_FLAGS",
        "NODE_PARTITION_CPU_BINDING_FLAGS",
        "PARTITION_FLAGS",
        "CONF_FLAGS_PERSIST_CONN_RC",
        "CONF_FLAGS_DBD",
        "JOB_DEFAULTS_TYPE",
        "CONF_FLAGS",
        "CONF_FLAGS_COMMUNICATION_PARAMETERS",
        "CONF_FLAGS_ACCOUNTING_STORE",
        "ACCT_STORAGE_ENFORCE",
        "CONF_FLAGS_SLURMD_PARAMETERS",
        "CPU_FREQ_GOVS",
        "DEBUG_FLAGS",
        "ENFORCE_PART_LIMITS",
        "LOG_TIME_FORMAT",
        "HEALTH_CHECK_NODE_STATE",
        "PRIVATE_DATA",
        "PRIORITY_FLAGS",
        "PRIORITY_RESET_PERIOD",
        "PROPAGATE_PRIO_PROCESS",
        "PROLOG_FLAGS",
        "RECONFIG_FLAGS",
        "RETURN_TO_SERVICE",
        "SELECT_TYPE_PARAM",
        "LOG_LEVEL",
        "OPENAPI_JOB_REQUEUE_FLAGS",
        "NAMESPACE_DIR_CONF_LIST",
        "UPDATE_PARTITION_MSG_LIST",
        "JOB_DEFAULTS_LIST",
        "JOB_ARRAY_RESPONSE_MSG_PTR_LIST",
        "OPENAPI_PARTITION_PARAM_ALIAS",
    ),
    # types new in this version or declared differently
    put=(
        Leaf(name="OVERSUBSCRIBE_JOBS", ctype="uint16_t", openapi="INT32", parse_disabled=True),
        Leaf(name="CONTROLLER_PING_MODE", ctype="int", openapi="STRING", parse_disabled=True),
        Leaf(name="CONTROLLER_PING_RESULT", ctype="bool", openapi="STRING", parse_disabled=True),
        Leaf(name="NODE_SELECT_TRES_WEIGHTED", ctype="node_info_t", openapi="DOUBLE", complex=True, parse_disabled=True),
        Leaf(name="TOPOLOGY_FLAT", ctype="bool", pointer_to="BOOL", complex=True, desc="Topology flat"),
        Removed(name="SELECT_PLUGIN_ID", openapi="STRING", deprecated="min"),
        Removed(name="EXT_SENSORS_DATA", openapi="OBJECT", deprecated="min"),
        Removed(name="POWER_FLAGS", openapi="ARRAY", deprecated="min"),
        Removed(name="POWER_MGMT_DATA", openapi="OBJECT", deprecated="min"),
        NtArray(name="JOB_ARRAY_RESPONSE_ARRAY", array_of="JOB_ARRAY_RESPONSE_MSG_ENTRY_PTR", pointers=True),
        Ptr(name="EXT_SENSORS_DATA_PTR", pointer_to="EXT_SENSORS_DATA", allow_null=True),
        Ptr(name="POWER_MGMT_DATA_PTR", pointer_to="POWER_MGMT_DATA", allow_null=True),
        Struct(name="CONTROLLER_PING", ctype="controller_ping_t", fields=(
            F("hostname", "STRING", "hostname", desc="Hostname"),
            F("pinged", "CONTROLLER_PING_RESULT", "pinged", overloads=1, deprecated="24.11", desc="Pinged"),
            F("responding", "BOOL", "pinged", required=True, overloads=1, desc="Responding"),
            F("latency", "UINT64", "latency", desc="Latency"),
            F("mode", "CONTROLLER_PING_MODE", "offset", overloads=1, deprecated="24.11", desc="Mode"),
            F("primary", "CONTROLLER_PING_PRIMARY", "offset", required=True, overloads=1, desc="Primary"),
        )),
        Flags(name="CR_TYPE", ctype="uint16_t", flags=(
            Q("CPU", "SELECT_CPU", "(SELECT_CPU | SELECT_SOCKET | SELECT_CORE)"),
            Q("SOCKET", "SELECT_SOCKET", "(SELECT_CPU | SELECT_SOCKET | SELECT_CORE)"),
            Q("CORE", "SELECT_CORE", "(SELECT_CPU | SELECT_SOCKET | SELECT_CORE)"),
            B("BOARD", "SELECT_BOARD"),
            B("MEMORY", "SELECT_MEMORY"),
            B("ONE_TASK_PER_CORE", "SELECT_ONE_TASK_PER_CORE"),
            B("PACK_NODES", "SELECT_PACK_NODES"),
            B("CORE_DEFAULT_DIST_BLOCK", "SELECT_CORE_DEFAULT_DIST_BLOCK"),
            B("LLN", "SELECT_LLN"),
            B("LINEAR", "SELECT_LINEAR"),
        )),
        ListOf(name="QOS_NAME_LIST", list_of="QOS_NAME", needs="QOS"),
        ListOf(name="QOS_ID_LIST", list_of="QOS_ID", needs="QOS"),
        ListOf(name="CLUSTER_ACCT_REC_LIST", list_of="CLUSTER_ACCT_REC_PTR"),
        ListOf(name="SLURM_STEP_ID_STRING_LIST", list_of="SLURM_STEP_ID_STRING_PTR"),
    ),
    # row level changes of struct and flag tables
    patch=(
        RowPatch("JOB",
            drop=("sluid", "exclusive", "oversubscribe", "original_sluid", ),
            replace=(
            ),
            insert=(
                ("container", S("db_index")),
            ),
        ),
        RowPatch("JOB_MODIFY",
            drop=("~exclusive", "~oversubscribe", ),
            replace=(
            ),
            insert=(
            ),
        ),
        RowPatch("STEP",
            drop=("submit_line", ),
            replace=(
            ),
            insert=(
                ("tasks/count", F("pid", "STRING", "pid_str", deprecated="min", desc="Pid")),
            ),
        ),
        RowPatch("CLUSTER_REC",
            drop=(),
            replace=(
            ),
            insert=(
                ("nodes", R("select_plugin", "SELECT_PLUGIN_ID", deprecated="min")),
            ),
        ),
        RowPatch("STATS_MSG",
            drop=(),
            replace=(
            ),
            insert=(
                (None, R("parts_packed", "UINT32", deprecated="25.11", desc="Parts packed")),
            ),
        ),
        RowPatch("NODE",
            drop=("suspend_time", ),
            replace=(
                F("reason_set_by_user", "USER_ID", "reason_uid", desc="Reason set by user"),
            ),
            insert=(
                ("energy", R("external_sensors", "EXT_SENSORS_DATA_PTR", deprecated="min")),
                ("extra", R("power", "POWER_MGMT_DATA_PTR", deprecated="min")),
                ("tres_used", R("tres_weighted", "NODE_SELECT_TRES_WEIGHTED", deprecated="25.05", desc="Tres weighted")),
            ),
        ),
        RowPatch("JOB_INFO",
            drop=("container_type", "memory_update_delay", "memory_update_margin", ),
            replace=(
                F("shared", "JOB_SHARED", "shared", desc="Shared"),
            ),
            insert=(
                ("minimum_tmp_disk_per_node", R("power/flags", "POWER_FLAGS", deprecated="min")),
            ),
        ),
        RowPatch("JOB_RES",
            drop=(),
            replace=(
                F("select_type", "CR_TYPE", "cr_type", required=True, desc="Select type"),
            ),
            insert=(
            ),
        ),
        RowPatch("SLURMDBD_PING",
            drop=("status", ),
            replace=(
            ),
            insert=(
            ),
        ),
        RowPatch("STEP_INFO",
            drop=("container_type", "sluid", ),
            replace=(
            ),
            insert=(
            ),
        ),
        RowPatch("PARTITION_INFO",
            drop=("flags", "partition/exclusive", "partition/oversubscribe", "preempt_mode", ),
            replace=(
                F("select_type", "CR_TYPE", "cr_type", desc="Select type"),
                F("cpus/task_binding", "UINT32", "cpu_bind", desc="Cpus task binding"),
                F("defaults/memory_per_cpu", "UINT64", "def_mem_per_cpu", overloads=2, desc="Defaults memory per cpu"),
                F("defaults/partition_memory_per_cpu", "MEM_PER_CPUS", "def_mem_per_cpu", overloads=2, desc="Defaults partition memory per cpu"),
                F("defaults/partition_memory_per_node", "MEM_PER_NODE", "def_mem_per_cpu", overloads=2, desc="Defaults partition memory per node"),
                F("maximums/memory_per_cpu", "UINT64", "max_mem_per_cpu", overloads=2, desc="Maximums memory per cpu"),
                F("maximums/partition_memory_per_cpu", "MEM_PER_CPUS", "max_mem_per_cpu", overloads=2, desc="Maximums partition memory per cpu"),
                F("maximums/partition_memory_per_node", "MEM_PER_NODE", "max_mem_per_cpu", overloads=2, desc="Maximums partition memory per node"),
                F("maximums/shares", "UINT16", "max_share", overloads=2, desc="Maximums shares"),
                F("maximums/oversubscribe/jobs", "OVERSUBSCRIBE_JOBS", "max_share", overloads=2, desc="Maximums oversubscribe jobs"),
                F("maximums/oversubscribe/flags", "OVERSUBSCRIBE_FLAGS", "max_share", overloads=2, desc="Maximums oversubscribe flags"),
            ),
            insert=(
                ("qos/deny", S("flags")),
                ("maximums/over_time_limit", S("preempt_mode")),
            ),
        ),
        RowPatch("SINFO_DATA",
            drop=("reason_set_by_user", ),
            replace=(
            ),
            insert=(
                ("reservation", F("reason/user", "USER_ID", "reason_uid", desc="Reason user")),
            ),
        ),
        RowPatch("RESERVATION_INFO",
            drop=(),
            replace=(
            ),
            insert=(
                ("start_time", R("watts", "UINT32_NO_VAL", deprecated="min")),
            ),
        ),
        RowPatch("JOB_DESC_MSG",
            drop=("container_type", "memory_update_margin", "memory_update_delay", "cores_per_socket", ),
            replace=(
            ),
            insert=(
                ("~plane_size", R("power_flags", "POWER_FLAGS", deprecated="min")),
            ),
        ),
        RowPatch("INSTANCE_CONDITION",
            drop=(),
            replace=(
            ),
            insert=(
                ("extra", F("format", "CSV_STRING_LIST", "format_list", deprecated="24.11", desc="Format")),
            ),
        ),
        RowPatch("JOB_CONDITION",
            drop=(),
            replace=(
            ),
            insert=(
                ("!flags", F("format", "CSV_STRING_LIST", "format_list", deprecated="24.11", desc="Format")),
            ),
        ),
        RowPatch("QOS_CONDITION",
            drop=(),
            replace=(
            ),
            insert=(
                ("id", F("format", "CSV_STRING_LIST", "format_list", deprecated="24.11", desc="Format")),
            ),
        ),
        RowPatch("ASSOC_CONDITION",
            drop=(),
            replace=(
            ),
            insert=(
                ("!flags", F("format", "CSV_STRING_LIST", "format_list", deprecated="24.11", desc="Format")),
            ),
        ),
        RowPatch("WCKEY_CONDITION",
            drop=(),
            replace=(
            ),
            insert=(
                ("cluster", F("format", "CSV_STRING_LIST", "format_list", deprecated="24.11", desc="Format")),
            ),
        ),
        RowPatch("CLUSTER_CONDITION",
            drop=(),
            replace=(
            ),
            insert=(
                ("flags", F("format", "STRING_LIST", "format_list", deprecated="24.11", desc="Format")),
            ),
        ),
        RowPatch("TOPOLOGY_CONF",
            drop=("ring", "torus3d", ),
            replace=(
            ),
            insert=(
            ),
        ),
        RowPatch("NAMESPACE_CONF",
            drop=("dir_confs", ),
            replace=(
            ),
            insert=(
            ),
        ),
        RowPatch("OPENAPI_SLURMDBD_CONFIG_RESP",
            drop=(),
            replace=(
            ),
            insert=(
                ("associations", F("instances", "INSTANCE_LIST", "instances", deprecated="25.05")),
            ),
        ),
        RowPatch("NODE_STATES",
            drop=("POWER_DOWN_ASAP", "POWER_DOWN_FORCE", ),
            replace=(
            ),
            insert=(
            ),
        ),
        RowPatch("JOB_FLAGS",
            drop=("JOB_IMPLICIT_MAX_NODES", ),
            replace=(
            ),
            insert=(
            ),
        ),
        RowPatch("CPU_BINDING_FLAGS",
            drop=(),
            replace=(
            ),
            insert=(
                ("CPU_BIND_NONE", X("CPU_BIND_RANK", deprecated="24.11")),
            ),
        ),
        RowPatch("JOB_STATE",
            drop=("END", ),
            replace=(
            ),
            insert=(
                ("OUT_OF_MEMORY", Q("invalid-placeholder", "JOB_END", "JOB_STATE_BASE", hidden=True)),
            ),
        ),
    ),
)
