"""Every operation the slurmctld, slurmdbd and util plugins offer.

Declared once with the ``{data_parser}`` placeholder; ``document.py`` binds
each path to every loaded data parser version for which all of the
operation's types exist (that is how older versions expose fewer
operations).  Types are data parser type names.  Paths, methods, tags and types
follow the C plugin tables (src/slurmrestd/plugins/openapi/*/api.c); the texts
are ours.
"""
# flake8: noqa: E501
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Method:
    method: str
    summary: str
    response: str
    response_desc: Optional[str] = None
    parameters: Optional[str] = None   # ARRAY type describing path parameters
    query: Optional[str] = None        # ARRAY type describing query parameters
    body: Optional[str] = None
    body_desc: Optional[str] = None
    description: Optional[str] = None
    #: the oldest data parser version this method is bound for: Slurm 24.11's plugins did
    #: not have every method for its v0.0.40 and v0.0.41 even where their types exist
    oldest: str = "v0.0.40"


@dataclass(frozen=True)
class Path:
    template: str
    handler: str
    methods: tuple


@dataclass(frozen=True)
class Plugin:
    name: str          # short name: slurmctld, slurmdbd, util
    type: str          # plugin type string: openapi/slurmctld
    title: str         # plugin name shown in meta
    tag: str
    paths: tuple

SLURMCTLD = Plugin(
    name="slurmctld",
    type="openapi/slurmctld",
    title="Slurm OpenAPI slurmctld",
    tag="slurm",
    paths=(
        Path("/slurm/{data_parser}/shares", "op_handler_shares", (
            Method("get", "Get shares", "OPENAPI_SHARES_RESP", response_desc="Result of: get shares", query="SHARES_REQ_MSG"),
        )),
        Path("/slurm/{data_parser}/reconfigure/", "op_handler_reconfigure", (
            Method("get", "Get reconfigure", "OPENAPI_RESP", response_desc="Result of: get reconfigure"),
        )),
        Path("/slurm/{data_parser}/diag/", "op_handler_diag", (
            Method("get", "Get diag", "OPENAPI_DIAG_RESP", response_desc="Result of: get diag"),
        )),
        Path("/slurm/{data_parser}/ping/", "op_handler_ping", (
            Method("get", "Get ping", "OPENAPI_PING_ARRAY_RESP", response_desc="Result of: get ping"),
        )),
        Path("/slurm/{data_parser}/licenses/", "op_handler_licenses", (
            Method("get", "Get licenses", "OPENAPI_LICENSES_RESP", response_desc="Result of: get licenses"),
        )),
        Path("/slurm/{data_parser}/job/submit", "op_handler_submit_job", (
            Method("post", "Update job submit", "OPENAPI_JOB_SUBMIT_RESPONSE", response_desc="Result of: update job submit", body="JOB_SUBMIT_REQ", body_desc="Request: update job submit"),
        )),
        Path("/slurm/{data_parser}/job/allocate", "op_handler_alloc_job", (
            Method("post", "Update job allocate", "OPENAPI_JOB_ALLOC_RESP", response_desc="Result of: update job allocate", body="JOB_ALLOC_REQ", body_desc="Request: update job allocate"),
        )),
        Path("/slurm/{data_parser}/jobs/", "op_handler_jobs", (
            Method("get", "Get jobs", "OPENAPI_JOB_INFO_RESP", response_desc="Result of: get jobs", query="OPENAPI_JOB_INFO_QUERY"),
            Method("delete", "Delete jobs", "OPENAPI_KILL_JOBS_RESP", response_desc="Result of: delete jobs", body="KILL_JOBS_MSG", body_desc="Request: delete jobs"),
        )),
        Path("/slurm/{data_parser}/jobs/state/", "op_handler_job_states", (
            Method("get", "Get jobs state", "OPENAPI_JOB_INFO_RESP", response_desc="Result of: get jobs state", query="OPENAPI_JOB_STATE_QUERY"),
        )),
        Path("/slurm/{data_parser}/job/{job_id}", "op_handler_job", (
            Method("get", "Get job {job_id}", "OPENAPI_JOB_INFO_RESP", response_desc="Result of: get job {job_id}", parameters="OPENAPI_JOB_INFO_PARAM", query="OPENAPI_JOB_INFO_QUERY"),
            Method("post", "Update job {job_id}", "OPENAPI_JOB_POST_RESPONSE", response_desc="Result of: update job {job_id}", parameters="OPENAPI_JOB_INFO_PARAM", body="JOB_DESC_MSG", body_desc="Request: update job {job_id}"),
            Method("delete", "Delete job {job_id}", "OPENAPI_KILL_JOB_RESP", response_desc="Result of: delete job {job_id}", parameters="OPENAPI_JOB_INFO_PARAM", query="OPENAPI_JOB_INFO_DELETE_QUERY"),
        )),
        Path("/slurm/{data_parser}/job/{job_id}/requeue", "op_handler_job_requeue", (
            Method("get", "Get job {job_id} requeue", "OPENAPI_JOB_REQUEUE_RESP", response_desc="Result of: get job {job_id} requeue", parameters="OPENAPI_JOB_INFO_PARAM", query="OPENAPI_JOB_REQUEUE_QUERY"),
        )),
        Path("/slurm/{data_parser}/jobs/requeue", "op_handler_jobs_requeue", (
            Method("post", "Update jobs requeue", "OPENAPI_JOBS_REQUEUE_RESP", response_desc="Result of: update jobs requeue", body="OPENAPI_JOBS_REQUEUE_QUERY", body_desc="Request: update jobs requeue"),
        )),
        Path("/slurm/{data_parser}/nodes/", "op_handler_nodes", (
            Method("get", "Get nodes", "OPENAPI_NODES_RESP", response_desc="Result of: get nodes", query="OPENAPI_NODES_QUERY"),
            Method("post", "Update nodes", "OPENAPI_RESP", response_desc="Result of: update nodes", body="UPDATE_NODE_MSG", body_desc="Request: update nodes"),
        )),
        Path("/slurm/{data_parser}/node/{node_name}", "op_handler_node", (
            Method("get", "Get node {node_name}", "OPENAPI_NODES_RESP", response_desc="Result of: get node {node_name}", parameters="OPENAPI_NODE_PARAM", query="OPENAPI_NODES_QUERY"),
            Method("post", "Update node {node_name}", "OPENAPI_RESP", response_desc="Result of: update node {node_name}", parameters="OPENAPI_NODE_PARAM", body="UPDATE_NODE_MSG", body_desc="Request: update node {node_name}"),
            Method("delete", "Delete node {node_name}", "OPENAPI_RESP", response_desc="Result of: delete node {node_name}", parameters="OPENAPI_NODE_PARAM"),
        )),
        Path("/slurm/{data_parser}/partitions/", "op_handler_partitions", (
            Method("get", "Get partitions", "OPENAPI_PARTITION_RESP", response_desc="Result of: get partitions", query="OPENAPI_PARTITIONS_QUERY"),
            Method("post", "Update partitions", "OPENAPI_RESP", response_desc="Result of: update partitions", body="OPENAPI_PARTITIONS_MOD_REQ", body_desc="Request: update partitions"),
        )),
        Path("/slurm/{data_parser}/partition/{partition_name}", "op_handler_partition", (
            Method("get", "Get partition {partition_name}", "OPENAPI_PARTITION_RESP", response_desc="Result of: get partition {partition_name}", parameters="OPENAPI_PARTITION_PARAM", query="OPENAPI_PARTITIONS_QUERY"),
            Method("delete", "Delete partition {partition_name}", "OPENAPI_RESP", response_desc="Result of: delete partition {partition_name}", parameters="OPENAPI_PARTITION_PARAM_ALIAS"),
        )),
        Path("/slurm/{data_parser}/reservations/", "op_handler_reservations", (
            Method("get", "Get reservations", "OPENAPI_RESERVATION_RESP", response_desc="Result of: get reservations", query="OPENAPI_RESERVATION_QUERY"),
            Method("post", "Update reservations", "OPENAPI_RESERVATION_MOD_RESP", response_desc="Result of: update reservations", body="RESERVATION_MOD_REQ", body_desc="Request: update reservations"),
        )),
        Path("/slurm/{data_parser}/reservation/{reservation_name}", "op_handler_reservation", (
            Method("get", "Get reservation {reservation_name}", "OPENAPI_RESERVATION_RESP", response_desc="Result of: get reservation {reservation_name}", parameters="OPENAPI_RESERVATION_PARAM", query="OPENAPI_RESERVATION_QUERY"),
            Method("delete", "Delete reservation {reservation_name}", "OPENAPI_RESP", response_desc="Result of: delete reservation {reservation_name}", parameters="OPENAPI_RESERVATION_PARAM", oldest="v0.0.42"),
        )),
        Path("/slurm/{data_parser}/reservation", "op_handler_reservation", (
            Method("post", "Update reservation", "OPENAPI_RESERVATION_MOD_RESP", response_desc="Result of: update reservation", body="RESERVATION_DESC_MSG", body_desc="Request: update reservation"),
        )),
        Path("/slurm/{data_parser}/new/node/", "op_handler_create_node", (
            Method("post", "Update new node", "OPENAPI_RESP", response_desc="Result of: update new node", body="OPENAPI_CREATE_NODE_REQ", body_desc="Request: update new node"),
        )),
        Path("/slurm/{data_parser}/resources/{job_id}", "op_handler_resources", (
            Method("get", "Get resources {job_id}", "OPENAPI_RESOURCE_LAYOUT_RESP", response_desc="Result of: get resources {job_id}", parameters="OPENAPI_JOB_INFO_PARAM"),
        )),
        Path("/slurm/{data_parser}/conf", "op_handler_config", (
            Method("get", "Get conf", "OPENAPI_CONF_RESP", response_desc="Result of: get conf", query="OPENAPI_CONF_QUERY"),
        )),
    ),
)

SLURMDBD = Plugin(
    name="slurmdbd",
    type="openapi/slurmdbd",
    title="Slurm OpenAPI slurmdbd",
    tag="slurmdb",
    paths=(
        Path("/slurmdb/{data_parser}/job/{job_id}", "op_handler_job", (
            Method("get", "Get job {job_id}", "OPENAPI_SLURMDBD_JOBS_RESP", response_desc="Result of: get job {job_id}", parameters="OPENAPI_SLURMDBD_JOB_PARAM", description="Operation on job {job_id}; see the schemas for details."),
            Method("post", "Update job {job_id}", "OPENAPI_JOB_MODIFY_RESP", response_desc="Result of: update job {job_id}", parameters="OPENAPI_SLURMDBD_JOB_PARAM", body="JOB_MODIFY", body_desc="Request: update job {job_id}"),
        )),
        Path("/slurmdb/{data_parser}/config", "op_handler_config", (
            Method("get", "Get config", "OPENAPI_SLURMDBD_CONFIG_RESP", response_desc="Result of: get config"),
            Method("post", "Update config", "OPENAPI_RESP", response_desc="Result of: update config", body="OPENAPI_SLURMDBD_CONFIG_RESP", body_desc="Request: update config"),
        )),
        Path("/slurmdb/{data_parser}/conf", "op_handler_conf", (
            Method("get", "Get conf", "OPENAPI_SLURMDBD_CONF_RESP", response_desc="Result of: get conf"),
        )),
        Path("/slurmdb/{data_parser}/tres/", "op_handler_tres", (
            Method("post", "Update tres", "OPENAPI_RESP", response_desc="Result of: update tres", body="OPENAPI_TRES_RESP", body_desc="Request: update tres"),
            Method("get", "Get tres", "OPENAPI_TRES_RESP", response_desc="Result of: get tres"),
        )),
        Path("/slurmdb/{data_parser}/qos/{qos}", "op_handler_single_qos", (
            Method("get", "Get qos {qos}", "OPENAPI_SLURMDBD_QOS_RESP", response_desc="Result of: get qos {qos}", parameters="OPENAPI_SLURMDBD_QOS_PARAM", query="OPENAPI_SLURMDBD_QOS_QUERY"),
            Method("delete", "Delete qos {qos}", "OPENAPI_SLURMDBD_QOS_REMOVED_RESP", response_desc="Result of: delete qos {qos}", parameters="OPENAPI_SLURMDBD_QOS_PARAM"),
        )),
        Path("/slurmdb/{data_parser}/qos/", "op_handler_multi_qos", (
            Method("get", "Get qos", "OPENAPI_SLURMDBD_QOS_RESP", response_desc="Result of: get qos", query="QOS_CONDITION"),
            Method("post", "Update qos", "OPENAPI_RESP", response_desc="Result of: update qos", query="QOS_CONDITION", body="OPENAPI_SLURMDBD_QOS_RESP", body_desc="Request: update qos"),
        )),
        Path("/slurmdb/{data_parser}/associations/", "op_handler_associations", (
            Method("post", "Update associations", "OPENAPI_RESP", response_desc="Result of: update associations", body="OPENAPI_ASSOCS_RESP", body_desc="Request: update associations"),
            Method("get", "Get associations", "OPENAPI_ASSOCS_RESP", response_desc="Result of: get associations", query="ASSOC_CONDITION"),
            Method("delete", "Delete associations", "OPENAPI_ASSOCS_REMOVED_RESP", response_desc="Result of: delete associations", query="ASSOC_CONDITION"),
        )),
        Path("/slurmdb/{data_parser}/association/", "op_handler_association", (
            Method("get", "Get association", "OPENAPI_ASSOCS_RESP", response_desc="Result of: get association", query="ASSOC_CONDITION"),
            Method("delete", "Delete association", "OPENAPI_ASSOCS_REMOVED_RESP", response_desc="Result of: delete association", query="ASSOC_CONDITION"),
        )),
        Path("/slurmdb/{data_parser}/instances/", "op_handler_instances", (
            Method("get", "Get instances", "OPENAPI_INSTANCES_RESP", response_desc="Result of: get instances", query="INSTANCE_CONDITION"),
        )),
        Path("/slurmdb/{data_parser}/instance/", "op_handler_instance", (
            Method("get", "Get instance", "OPENAPI_INSTANCES_RESP", response_desc="Result of: get instance", query="INSTANCE_CONDITION"),
        )),
        Path("/slurmdb/{data_parser}/user/{name}", "op_handler_user", (
            Method("delete", "Delete user {name}", "OPENAPI_RESP", response_desc="Result of: delete user {name}", parameters="OPENAPI_USER_PARAM"),
            Method("get", "Get user {name}", "OPENAPI_USERS_RESP", response_desc="Result of: get user {name}", parameters="OPENAPI_USER_PARAM", query="OPENAPI_USER_QUERY"),
        )),
        Path("/slurmdb/{data_parser}/users_association/", "op_handler_users_association", (
            Method("post", "Update users_association", "OPENAPI_USERS_ADD_COND_RESP_STR", response_desc="Result of: update users_association", query="OPENAPI_PARTITIONS_QUERY", body="OPENAPI_USERS_ADD_COND_RESP", body_desc="Request: update users_association"),
        )),
        Path("/slurmdb/{data_parser}/users/", "op_handler_users", (
            Method("post", "Update users", "OPENAPI_RESP", response_desc="Result of: update users", body="OPENAPI_USERS_RESP", body_desc="Request: update users"),
            Method("get", "Get users", "OPENAPI_USERS_RESP", response_desc="Result of: get users", query="USER_CONDITION"),
        )),
        Path("/slurmdb/{data_parser}/cluster/{cluster_name}", "op_handler_cluster", (
            Method("delete", "Delete cluster {cluster_name}", "OPENAPI_CLUSTERS_REMOVED_RESP", response_desc="Result of: delete cluster {cluster_name}", parameters="OPENAPI_CLUSTER_PARAM", query="CLUSTER_CONDITION"),
            Method("get", "Get cluster {cluster_name}", "OPENAPI_CLUSTERS_RESP", response_desc="Result of: get cluster {cluster_name}", parameters="OPENAPI_CLUSTER_PARAM", query="CLUSTER_CONDITION"),
        )),
        Path("/slurmdb/{data_parser}/clusters/", "op_handler_clusters", (
            Method("get", "Get clusters", "OPENAPI_CLUSTERS_RESP", response_desc="Result of: get clusters", query="OPENAPI_RESERVATION_QUERY"),
            Method("post", "Update clusters", "OPENAPI_RESP", response_desc="Result of: update clusters", query="OPENAPI_RESERVATION_QUERY", body="OPENAPI_CLUSTERS_RESP", body_desc="Request: update clusters"),
        )),
        Path("/slurmdb/{data_parser}/wckey/{id}", "op_handler_wckey", (
            Method("delete", "Delete wckey {id}", "OPENAPI_WCKEY_REMOVED_RESP", response_desc="Result of: delete wckey {id}", parameters="OPENAPI_WCKEY_PARAM"),
            Method("get", "Get wckey {id}", "OPENAPI_WCKEY_RESP", response_desc="Result of: get wckey {id}", parameters="OPENAPI_WCKEY_PARAM"),
        )),
        Path("/slurmdb/{data_parser}/wckeys/", "op_handler_wckeys", (
            Method("get", "Get wckeys", "OPENAPI_WCKEY_RESP", response_desc="Result of: get wckeys", query="WCKEY_CONDITION"),
            Method("post", "Update wckeys", "OPENAPI_RESP", response_desc="Result of: update wckeys", query="WCKEY_CONDITION", body="OPENAPI_WCKEY_RESP", body_desc="Request: update wckeys"),
        )),
        Path("/slurmdb/{data_parser}/account/{account_name}", "op_handler_account", (
            Method("delete", "Delete account {account_name}", "OPENAPI_ACCOUNTS_REMOVED_RESP", response_desc="Result of: delete account {account_name}", parameters="OPENAPI_ACCOUNT_PARAM"),
            Method("get", "Get account {account_name}", "OPENAPI_ACCOUNTS_RESP", response_desc="Result of: get account {account_name}", parameters="OPENAPI_ACCOUNT_PARAM", query="OPENAPI_ACCOUNT_QUERY"),
        )),
        Path("/slurmdb/{data_parser}/accounts_association/", "op_handler_accounts_association", (
            Method("post", "Update accounts_association", "OPENAPI_ACCOUNTS_ADD_COND_RESP_STR", response_desc="Result of: update accounts_association", body="OPENAPI_ACCOUNTS_ADD_COND_RESP", body_desc="Request: update accounts_association"),
        )),
        Path("/slurmdb/{data_parser}/accounts/", "op_handler_accounts", (
            Method("get", "Get accounts", "OPENAPI_ACCOUNTS_RESP", response_desc="Result of: get accounts", query="ACCOUNT_CONDITION"),
            Method("post", "Update accounts", "OPENAPI_RESP", response_desc="Result of: update accounts", body="OPENAPI_ACCOUNTS_RESP", body_desc="Request: update accounts"),
        )),
        Path("/slurmdb/{data_parser}/jobs/", "op_handler_jobs", (
            Method("get", "Get jobs", "OPENAPI_SLURMDBD_JOBS_RESP", response_desc="Result of: get jobs", query="JOB_CONDITION"),
            Method("post", "Update jobs", "OPENAPI_JOB_MODIFY_RESP", response_desc="Result of: update jobs", body="OPENAPI_JOB_MODIFY_REQ", body_desc="Request: update jobs"),
        )),
        Path("/slurmdb/{data_parser}/diag/", "op_handler_diag", (
            Method("get", "Get diag", "OPENAPI_SLURMDBD_STATS_RESP", response_desc="Result of: get diag"),
        )),
        Path("/slurmdb/{data_parser}/ping/", "op_handler_ping", (
            Method("get", "Get ping", "OPENAPI_SLURMDBD_PING_RESP", response_desc="Result of: get ping"),
        )),
    ),
)

UTIL = Plugin(
    name="util",
    type="openapi/util",
    title="Slurm OpenAPI util",
    tag="util",
    paths=(
        Path("/util/{data_parser}/hostnames", "op_handler_hostnames", (
            Method("post", "Update hostnames", "OPENAPI_HOSTNAMES_REQ_RESP", response_desc="Result of: update hostnames", body="OPENAPI_HOSTLIST_REQ_RESP", body_desc="Request: update hostnames"),
        )),
        Path("/util/{data_parser}/hostlist", "op_handler_hostlist", (
            Method("post", "Update hostlist", "OPENAPI_HOSTLIST_REQ_RESP", response_desc="Result of: update hostlist", body="OPENAPI_HOSTNAMES_REQ_RESP", body_desc="Request: update hostlist"),
        )),
    ),
)

PLUGINS = {p.name: p for p in (SLURMCTLD, SLURMDBD, UTIL)}
