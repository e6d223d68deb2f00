"""data_parser v0.0.42, expressed as changes to v0.0.43.

Generated once by tools/gen_decls.py from the C tables of
src/plugins/data_parser/v0.0.42/parsers.c (names, types, C members, key
paths, flags); descriptions are our own wording.  Edit as normal source.
"""
# flake8: noqa: E501
from __future__ import annotations

from slurmrestd.data_parser.model import (
    Alias, B, C, Delta, E, F, Flags, GenOptions, Leaf, ListOf, NtArray, Ptr,
    Edit, Q, R, Removed, RowPatch, S, Struct, X,
)

VERSION = "v0.0.42"

OPTIONS = GenOptions(flag_enums_as_refs=True, desc_first_wins=True, deprecated=True)

DELTA = Delta(
    base="v0.0.43",
    options=OPTIONS,
    # types that do not exist in this version
    drop=(
        "TRES_STR_BY_TYPE",
        "H_RESOURCES_AS_LICENSE_LIST",
        "STEP_STDIN_EXP",
        "STEP_STDOUT_EXP",
        "STEP_STDERR_EXP",
        "JOB_INFO_STDIN_EXP",
        "JOB_INFO_STDOUT_EXP",
        "JOB_INFO_STDERR_EXP",
        "STEP_INFO_STDIN_EXP",
        "STEP_INFO_STDOUT_EXP",
        "STEP_INFO_STDERR_EXP",
        "TOPOLOGY_CONF_ARRAY",
        "TOPOLOGY_TREE",
        "TOPOLOGY_BLOCK",
        "TOPOLOGY_FLAT",
        "TOPOLOGY_TREE_CONFIG_ARRAY",
        "TOPOLOGY_BLOCK_CONFIG_ARRAY",
        "INT32_PTR",
        "RESERVATION_DESC_MSG",
        "RESERVATION_DESC_MSG_PTR",
        "RESERVATION_MOD_REQ",
        "RESERVATION_MOD_REQ_PTR",
        "TOPOLOGY_CONF",
        "TOPOLOGY_CONF_PTR",
        "TOPOLOGY_TREE_CONFIG",
        "TOPOLOGY_TREE_CONFIG_PTR",
        "TOPOLOGY_BLOCK_CONFIG",
        "TOPOLOGY_BLOCK_CONFIG_PTR",
        "SWITCH_CONFIG",
        "SWITCH_CONFIG_PTR",
        "BLOCK_CONFIG",
        "BLOCK_CONFIG_PTR",
        "H_RESOURCE",
        "H_RESOURCE_PTR",
        "H_LAYER",
        "H_LAYER_PTR",
        "OPENAPI_RESERVATION_MOD_RESP",
        "OPENAPI_RESERVATION_MOD_RESP_PTR",
        "NODE_CERT_FLAGS",
        "H_RESOURCE_MODE_FLAG",
        "RESERVATION_DESC_MSG_LIST",
        "INT32_LIST",
        "H_RESOURCE_LIST",
        "H_LAYER_LIST",
    ),
    # types new in this version or declared differently
    put=(
        Leaf(name="TIMESTAMP", ctype="time_t", pointer_to="UINT64"),
        Leaf(name="TIMESTAMP_NO_VAL", ctype="time_t", pointer_to="UINT64_NO_VAL"),
        Leaf(name="JOB_INFO_STDIN", ctype="slurm_job_info_t", openapi="STRING", complex=True, parse_disabled=True),
        Leaf(name="JOB_INFO_STDOUT", ctype="slurm_job_info_t", openapi="STRING", complex=True, parse_disabled=True),
        Leaf(name="JOB_INFO_STDERR", ctype="slurm_job_info_t", openapi="STRING", complex=True, parse_disabled=True),
    ),
    # row level changes of struct and flag tables
    patch=(
        RowPatch("JOB",
            drop=("reservation/requested", "segment_size", ),
        ),
        RowPatch("STEP",
            drop=("step/stderr", "step/stdin", "step/stdout", "step/stderr_expanded", "step/stdin_expanded", "step/stdout_expanded", "time/limit", ),
        ),
        RowPatch("NODE",
            drop=("tls_cert_last_renewal", "cert_flags", "topology", ),
        ),
        RowPatch("JOB_INFO",
            drop=("licenses_allocated", "segment_size", "standard_error", "stdin_expanded", "stdout_expanded", "stderr_expanded", ),
            replace=(
                C("standard_input", "JOB_INFO_STDIN", desc="Standard input"),
                C("standard_output", "JOB_INFO_STDOUT", desc="Standard output"),
            ),
            insert=(
                ("state_reason", S("std_err")),
                ("~std_err", S("std_in")),
                ("~std_in", S("std_out")),
                ("~std_out", C("standard_error", "JOB_INFO_STDERR", desc="Standard error")),
            ),
        ),
        RowPatch("STEP_INFO",
            drop=("stderr", "stdin", "stdout", "stdin_expanded", "stdout_expanded", "stderr_expanded", ),
        ),
        RowPatch("PARTITION_INFO",
            drop=("topology", ),
        ),
        RowPatch("UPDATE_NODE_MSG",
            drop=("topology_str", ),
        ),
        RowPatch("INSTANCE_CONDITION",
            change=(
                Edit("format", deprecated=None),
            ),
        ),
        RowPatch("JOB_CONDITION",
            change=(
                Edit("format", deprecated=None),
            ),
        ),
        RowPatch("QOS_CONDITION",
            change=(
                Edit("format", deprecated=None),
            ),
        ),
        RowPatch("ASSOC_CONDITION",
            change=(
                Edit("format", deprecated=None),
            ),
        ),
        RowPatch("WCKEY_CONDITION",
            change=(
                Edit("format", deprecated=None),
            ),
        ),
        RowPatch("CLUSTER_CONDITION",
            change=(
                Edit("format", deprecated=None),
            ),
        ),
        RowPatch("PROCESS_EXIT_CODE_VERBOSE",
            change=(
                Edit("status", single_flag=True),
            ),
        ),
        RowPatch("OPENAPI_SLURMDBD_CONFIG_RESP",
            change=(
                Edit("instances", deprecated=None, desc="Instances"),
            ),
        ),
        RowPatch("QOS_FLAGS",
            drop=("DELETED", "PARTITION_QOS", ),
        ),
        RowPatch("CLUSTER_REC_FLAGS",
            drop=("DELETED", ),
        ),
        RowPatch("JOB_FLAGS",
            drop=("EXTERNAL_JOB", ),
        ),
        RowPatch("FLAGS",
            insert=(
                ("MINIMIZE_REFS", B("INLINE_ENUMS", "FLAG_INLINE_ENUMS")),
            ),
        ),
        RowPatch("NEED_PREREQS_FLAGS",
            insert=(
                ("NONE", B("AUTH", "NEED_AUTH")),
                ("QOS", B("ASSOC", "NEED_ASSOC")),
            ),
        ),
    ),
)
