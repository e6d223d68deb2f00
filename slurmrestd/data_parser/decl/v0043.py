"""data_parser v0.0.43, expressed as changes to v0.0.44.

Generated once by tools/gen_decls.py from the C tables of
src/plugins/data_parser/v0.0.43/parsers.c (names, types, C members, key
paths, flags); descriptions are our own wording.  Edit as normal source.
"""
# flake8: noqa: E501
from __future__ import annotations

from slurmrestd.data_parser.model import (
    Alias, B, C, Delta, E, F, Flags, GenOptions, Leaf, ListOf, NtArray, Ptr,
    Edit, Q, R, Removed, RowPatch, S, Struct, X,
)

VERSION = "v0.0.43"

OPTIONS = GenOptions()

DELTA = Delta(
    base="v0.0.44",
    options=OPTIONS,
    # types that do not exist in this version
    drop=(
        "HOSTLIST_STRING_TO_STRING",
        "SLUID",
        "NAMESPACE_NODE_CONF_COMPLEX",
        "SLUID_PTR",
        "JOB_MODIFY",
        "JOB_MODIFY_PTR",
        "OPENAPI_JOB_MODIFY_REQ",
        "OPENAPI_JOB_MODIFY_REQ_PTR",
        "H_VARIABLE",
        "H_VARIABLE_PTR",
        "NODE_RESOURCE_LAYOUT",
        "NODE_RESOURCE_LAYOUT_PTR",
        "NODE_GRES_LAYOUT",
        "NODE_GRES_LAYOUT_PTR",
        "NAMESPACE_FULL_CONF",
        "NAMESPACE_FULL_CONF_PTR",
        "NAMESPACE_NODE_CONF",
        "NAMESPACE_NODE_CONF_PTR",
        "NAMESPACE_CONF",
        "NAMESPACE_CONF_PTR",
        "OPENAPI_HOSTNAMES_REQ_RESP",
        "OPENAPI_HOSTNAMES_REQ_RESP_PTR",
        "OPENAPI_HOSTLIST_REQ_RESP",
        "OPENAPI_HOSTLIST_REQ_RESP_PTR",
        "OPENAPI_JOB_MODIFY_RESP",
        "OPENAPI_JOB_MODIFY_RESP_PTR",
        "OPENAPI_CREATE_NODE_REQ",
        "OPENAPI_CREATE_NODE_REQ_PTR",
        "OPENAPI_RESOURCE_LAYOUT_RESP",
        "OPENAPI_RESOURCE_LAYOUT_RESP_PTR",
        "H_VARIABLE_LIST",
        "NODE_RESOURCE_LAYOUT_LIST",
        "NODE_GRES_LAYOUT_LIST",
        "NAMESPACE_NODE_CONF_LIST",
    ),
    # types new in this version or declared differently
    put=(
        Struct(name="H_RESOURCE", ctype="hierarchical_resource_t", fields=(
            F("resource", "STRING", "name", required=True, desc="Resource"),
            F("mode", "H_RESOURCE_MODE_FLAG", "mode", required=True, desc="Mode"),
            F("layers", "H_LAYER_LIST", "layers", required=True, desc="Layers"),
        )),
        Struct(name="H_LAYER", ctype="hierarchy_layer_t", fields=(
            F("nodes", "HOSTLIST_STRING", "nodes", required=True, desc="Nodes"),
            F("count", "UINT32_NO_VAL", "count", required=True, desc="Count"),
        )),
        Flags(name="H_RESOURCE_MODE_FLAG", ctype="uint8_t", flags=(
            Q("MODE_1", "HRES_MODE_1", "INFINITE8"),
            Q("MODE_2", "HRES_MODE_2", "INFINITE8"),
        )),
    ),
    # row level changes of struct and flag tables
    patch=(
        RowPatch("USER",
            drop=("default/qos", ),
        ),
        RowPatch("USER_SHORT",
            drop=("defaultqos", ),
        ),
        RowPatch("STEP",
            change=(
                Edit("pid", deprecated="24.11"),
            ),
        ),
        RowPatch("TRES",
            drop=("~modifier", ),
        ),
        RowPatch("LICENSE",
            drop=("Nodes", ),
        ),
        RowPatch("JOB_INFO",
            drop=("step_id", "submit_line", ),
        ),
        RowPatch("JOB_DESC_MSG",
            drop=("step_id", ),
        ),
        RowPatch("SLURM_STEP_ID",
            drop=("sluid", ),
        ),
        RowPatch("OPENAPI_ACCOUNTS_ADD_COND_RESP",
            change=(
                Edit("association_condition", required=False),
            ),
        ),
        RowPatch("SLURMDB_JOB_FLAGS",
            drop=("JOB_ALTERED", ),
        ),
        RowPatch("NODE_STATES",
            drop=("EXTERNAL", "BLOCKED", ),
        ),
        RowPatch("JOB_FLAGS",
            drop=("SPREAD_SEGMENTS", "CONSOLIDATE_SEGMENTS", "EXPEDITED_REQUEUE", ),
        ),
        RowPatch("RESERVATION_FLAGS",
            drop=("NO_ANY_NODES", "REPLACE_DOWN", "NO_MAGNETIC", "FORCE_START", "TRES_PER_NODE", ),
        ),
        RowPatch("MEMORY_BINDING_TYPE",
            insert=(
                ("VERBOSE", X("SORT", deprecated="25.11")),
            ),
        ),
        RowPatch("JOB_CONDITION_DB_FLAGS",
            drop=("job_altered", ),
        ),
        RowPatch("JOB_STATE",
            drop=("EXPEDITING", ),
        ),
        RowPatch("STEP_NAMES",
            drop=("entire", ),
        ),
    ),
)
