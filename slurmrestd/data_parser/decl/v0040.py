"""data_parser v0.0.40, expressed as changes to v0.0.41.

Generated once by tools/gen_decls.py from the C tables of
the older tree's src/plugins/data_parser/v0.0.40/parsers.c (names, types, C members, key
paths, flags); descriptions are our own wording.  Edit as normal source.
"""
# flake8: noqa: E501
from __future__ import annotations

from slurmrestd.data_parser.model import (
    Alias, B, C, Delta, E, F, Flags, GenOptions, Leaf, ListOf, NtArray, Ptr,
    Edit, Q, R, Removed, RowPatch, S, Struct, X,
)

VERSION = "v0.0.40"

OPTIONS = GenOptions(flag_enums_as_refs=True, desc_first_wins=True, legacy=True)

from slurmrestd.data_parser.decl.v0040_specs import SPECS  # noqa: E402

DELTA = Delta(
    base="v0.0.41",
    options=OPTIONS,
    specs=SPECS,
    # types that do not exist in this version
    drop=(
        "SLURMDB_RPC_ID",
        "JOB_STDIN",
        "JOB_STDOUT",
        "JOB_STDERR",
        "JOB_PLANNED_TIME",
        "STATS_MSG_RPCS_QUEUE",
        "STATS_MSG_RPCS_DUMP",
        "JOB_DESC_MSG_PLANE_SIZE",
        "JOB_DESC_MSG_TASK_DISTRIBUTION",
        "JOB_RES_SOCKET_ARRAY",
        "JOB_RES_CORE_ARRAY",
        "FLOAT64_NO_VAL_STRUCT",
        "FLOAT64_NO_VAL_STRUCT_PTR",
        "UINT64_NO_VAL_STRUCT",
        "UINT64_NO_VAL_STRUCT_PTR",
        "UINT32_NO_VAL_STRUCT",
        "UINT32_NO_VAL_STRUCT_PTR",
        "UINT16_NO_VAL_STRUCT",
        "UINT16_NO_VAL_STRUCT_PTR",
        "INT64_NO_VAL_STRUCT",
        "INT64_NO_VAL_STRUCT_PTR",
        "JOB_RES_NODE",
        "JOB_RES_NODE_PTR",
        "JOB_RES_SOCKET",
        "JOB_RES_SOCKET_PTR",
        "JOB_RES_CORE",
        "JOB_RES_CORE_PTR",
        "STATS_MSG_RPC_TYPE",
        "STATS_MSG_RPC_TYPE_PTR",
        "STATS_MSG_RPC_USER",
        "STATS_MSG_RPC_USER_PTR",
        "STATS_MSG_RPC_QUEUE",
        "STATS_MSG_RPC_QUEUE_PTR",
        "STATS_MSG_RPC_DUMP",
        "STATS_MSG_RPC_DUMP_PTR",
        "JOB_ALLOC_REQ",
        "JOB_ALLOC_REQ_PTR",
        "OPENAPI_JOB_ALLOC_RESP",
        "OPENAPI_JOB_ALLOC_RESP_PTR",
        "CR_TYPE",
        "NODE_CR_TYPE",
        "JOB_RES_CORE_STATUS",
    ),
    # types new in this version or declared differently
    put=(
        Leaf(name="UINT32_NO_VAL", ctype="uint32_t", openapi="OBJECT", spec="UINT32_NO_VAL"),
        Leaf(name="UINT64_NO_VAL", ctype="uint64_t", openapi="OBJECT", spec="UINT64_NO_VAL"),
        Leaf(name="UINT16_NO_VAL", ctype="uint16_t", openapi="OBJECT", spec="UINT16_NO_VAL"),
        Leaf(name="INT64_NO_VAL", ctype="int64_t", openapi="OBJECT", spec="INT64_NO_VAL"),
        Leaf(name="FLOAT64_NO_VAL", ctype="double", openapi="OBJECT", spec="FLOAT64_NO_VAL"),
        Leaf(name="RPC_ID", ctype="slurmdbd_msg_type_t", openapi="STRING", parse_disabled=True),
        Leaf(name="SELECT_PLUGIN_ID", ctype="int", openapi="STRING"),
        Leaf(name="ALLOCATED_CORES", ctype="uint32_t", openapi="INT32", parse_disabled=True),
        Leaf(name="ALLOCATED_CPUS", ctype="uint32_t", openapi="INT32", parse_disabled=True),
        Leaf(name="ROLLUP_STATS", ctype="slurmdb_rollup_stats_t", openapi="ARRAY", parse_disabled=True, spec="ROLLUP_STATS"),
        Leaf(name="ASSOC_ID", ctype="slurmdb_assoc_rec_t", pointer_to="ASSOC_SHORT", complex=True, desc="Association identifier"),
        Leaf(name="JOB_ASSOC_ID", ctype="slurmdb_job_rec_t", pointer_to="ASSOC_SHORT_PTR", complex=True),
        Leaf(name="STATS_MSG_RPCS_BY_TYPE", ctype="stats_info_response_msg_t", openapi="ARRAY", complex=True, parse_disabled=True, spec="STATS_MSG_RPCS_BY_TYPE"),
        Leaf(name="STATS_MSG_RPCS_BY_USER", ctype="stats_info_response_msg_t", openapi="ARRAY", complex=True, parse_disabled=True, spec="STATS_MSG_RPCS_BY_USER"),
        Leaf(name="JOB_RES_NODES", ctype="job_resources_t", openapi="ARRAY", complex=True, parse_disabled=True, spec="JOB_RES_NODES"),
        Leaf(name="ACCOUNT_CONDITION_WITH_ASSOC_V40", ctype="slurmdb_account_cond_t", pointer_to="BOOL", complex=True),
        Leaf(name="ACCOUNT_CONDITION_WITH_WCOORD_V40", ctype="slurmdb_account_cond_t", pointer_to="BOOL", complex=True),
        Leaf(name="ACCOUNT_CONDITION_WITH_DELETED_V40", ctype="slurmdb_account_cond_t", pointer_to="BOOL", complex=True),
        Removed(name="EXT_SENSORS_DATA", openapi="OBJECT", deprecated="24.05", spec="EXT_SENSORS_DATA"),
        Removed(name="POWER_FLAGS", openapi="ARRAY", deprecated="24.05", spec="POWER_FLAGS"),
        Removed(name="POWER_MGMT_DATA", openapi="OBJECT", deprecated="24.05", spec="POWER_MGMT_DATA"),
        NtArray(name="NODE_ARRAY", array_of="NODE", pointers=True),
        NtArray(name="PARTITION_INFO_ARRAY", array_of="PARTITION_INFO", pointers=True),
        NtArray(name="STEP_INFO_ARRAY", array_of="STEP_INFO", pointers=True),
        NtArray(name="RESERVATION_INFO_ARRAY", array_of="RESERVATION_INFO", pointers=True),
        NtArray(name="JOB_ARRAY_RESPONSE_ARRAY", array_of="JOB_ARRAY_RESPONSE_MSG_ENTRY", pointers=True),
        Struct(name="JOB_RES", ctype="job_resources_t", fields=(
            F("nodes", "STRING", "nodes", desc="Nodes"),
            F("allocated_cores", "ALLOCATED_CORES", "ncpus", overloads=1, desc="Allocated cores"),
            F("allocated_cpus", "ALLOCATED_CPUS", "ncpus", overloads=1, desc="Allocated cpus"),
            F("allocated_hosts", "UINT32", "nhosts", desc="Allocated hosts"),
            C("allocated_nodes", "JOB_RES_NODES", desc="Allocated nodes"),
        )),
        Struct(name="ACCOUNT_CONDITION", ctype="slurmdb_account_cond_t", fields=(
            F("assocation", "ASSOC_CONDITION_PTR", "assoc_cond", desc="Assocation"),
            F("description", "STRING_LIST", "description_list", desc="Description"),
            C("with_assocs", "ACCOUNT_CONDITION_WITH_ASSOC_V40", desc="With assocs"),
            C("with_coords", "ACCOUNT_CONDITION_WITH_WCOORD_V40", desc="With coords"),
            C("with_deleted", "ACCOUNT_CONDITION_WITH_DELETED_V40", desc="With deleted"),
        )),
        Flags(name="ASSOC_FLAGS", ctype="slurmdb_assoc_flags_t", flags=(
            B("DELETED", "ASSOC_FLAG_DELETED"),
        )),
        Flags(name="ACCOUNT_FLAGS", ctype="uint32_t", flags=(
            B("DELETED", "SLURMDB_ACCT_FLAG_DELETED"),
        )),
    ),
    # row level changes of struct and flag tables
    patch=(
        RowPatch("JOB",
            drop=("time/planned", "stdin_expanded", "stdout_expanded", "stderr_expanded", "stdout", "stderr", "stdin", ),
        ),
        RowPatch("ASSOC_USAGE",
            drop=("~usage_tres_raw", ),
        ),
        RowPatch("STATS_RPC",
            change=(
                Edit("rpc", type="RPC_ID"),
            ),
        ),
        RowPatch("STATS_MSG",
            drop=("schedule_cycle_sum", "schedule_cycle_depth", "~schedule_exit", "~schedule_exit_cnt", "schedule_queue_length", "bf_cycle_max", "bf_exit", "~bf_exit", "bf_table_size_sum", "~rpc_queue_enabled", "pending_rpcs", "pending_rpcs_by_hostlist", ),
            insert=(
                ("schedule_cycle_last", S("schedule_cycle_sum")),
                ("schedule_cycle_per_minute", S("schedule_cycle_depth")),
                ("~schedule_cycle_depth", F("schedule_queue_length", "UINT32", "schedule_queue_len", desc="Schedule queue length")),
                ("bf_table_size", S("bf_table_size_sum")),
                ("bf_active", C("bf_exit", "STATS_MSG_BF_EXIT", desc="Bf exit")),
            ),
        ),
        RowPatch("NODE",
            drop=("gpu_spec", "res_cores_per_gpu", ),
        ),
        RowPatch("PARTITION_INFO",
            drop=("select_type", ),
            insert=(
                ("cluster", S("cr_type")),
            ),
        ),
        RowPatch("JOB_DESC_MSG",
            drop=("~plane_size", "resv_mpi_ports", "~task_dist", "segment_size", ),
            replace=(
                F("distribution_plane_size", "UINT16", "plane_size", desc="Distribution plane size"),
                F("distribution", "TASK_DISTRIBUTION", "task_dist", desc="Distribution"),
            ),
            insert=(
                ("container_id", F("cores_per_socket", "UINT16", "cores_per_socket", desc="Cores per socket")),
            ),
        ),
        RowPatch("JOB_SUBMIT_REQ",
            change=(
                Edit("script", deprecated=None),
            ),
        ),
        RowPatch("JOB_FLAGS",
            drop=("STEPMGR_ENABLED", ),
            insert=(
                ("SCHEDULING_ATTEMPTED", B("SAVE_BATCH_SCRIPT", "JOB_SEND_SCRIPT")),
                ("SAVE_BATCH_SCRIPT", B("GRES_ONE_TASK_PER_SHARING", "GRES_ONE_TASK_PER_SHARING")),
                ("GRES_ONE_TASK_PER_SHARING", B("GRES_MULTIPLE_TASKS_PER_SHARING", "GRES_MULT_TASKS_PER_SHARING")),
                ("GRES_MULTIPLE_TASKS_PER_SHARING", B("GRES_ALLOW_TASK_SHARING", "GRES_ALLOW_TASK_SHARING")),
            ),
        ),
        RowPatch("RESERVATION_FLAGS",
            drop=("USER_DELETE", "NO_USER_DELETE", ),
        ),
        RowPatch("WARN_FLAGS",
            insert=(
                ("RESERVATION_JOB", B("NO_CRON_JOBS", "KILL_NO_CRON")),
            ),
        ),
        RowPatch("JOB_SHARED",
            drop=("topo", ),
        ),
        RowPatch("JOB_EXCLUSIVE_FLAGS",
            drop=("topo", ),
        ),
        RowPatch("FLAGS",
            drop=("PREFER_REFS", ),
        ),
    ),
)
