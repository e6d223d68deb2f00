"""Initial values of structs that the C parsers allocate with a ``new``
function (``slurm_init_job_desc_msg()`` etc.): parsing starts from these, so
members absent from the request keep Slurm's "unset" sentinels.

Keys are C member names (dotted members nest, as the engine stores them).
"""

from __future__ import annotations

from slurmrestd.slurm.defs import SLURM_AUTH_NOBODY
from slurmrestd.slurm.sentinels import NO_VAL, NO_VAL8, NO_VAL16, NO_VAL64

#: SLURM_STEP_ID_INITIALIZER
STEP_ID_INIT = {"sluid": 0, "job_id": NO_VAL, "step_het_comp": NO_VAL, "step_id": NO_VAL}

#: slurm_init_job_desc_msg() (src/api/init_msg.c); everything else is 0/NULL
JOB_DESC_MSG = {
    "alloc_sid": NO_VAL, "contiguous": NO_VAL16, "core_spec": NO_VAL16,
    "cores_per_socket": NO_VAL16, "cpu_bind_type": NO_VAL16, "cpu_freq_min": NO_VAL,
    "cpu_freq_max": NO_VAL, "cpu_freq_gov": NO_VAL, "cpus_per_task": NO_VAL16,
    "delay_boot": NO_VAL, "group_id": SLURM_AUTH_NOBODY, "kill_on_node_fail": NO_VAL16,
    "max_cpus": NO_VAL, "max_nodes": NO_VAL, "mem_bind_type": NO_VAL16, "mail_type": NO_VAL16,
    "min_cpus": NO_VAL, "min_nodes": NO_VAL, "nice": NO_VAL, "ntasks_per_core": NO_VAL16,
    "ntasks_per_tres": NO_VAL16, "ntasks_per_node": NO_VAL16, "ntasks_per_socket": NO_VAL16,
    "num_tasks": NO_VAL, "overcommit": NO_VAL8, "plane_size": NO_VAL16, "pn_min_cpus": NO_VAL16,
    "pn_min_memory": NO_VAL64, "pn_min_tmp_disk": NO_VAL, "priority": NO_VAL, "reboot": NO_VAL16,
    "requeue": NO_VAL16, "req_switch": NO_VAL, "shared": NO_VAL16, "site_factor": NO_VAL,
    "sockets_per_node": NO_VAL16, "step_id": dict(STEP_ID_INIT), "task_dist": NO_VAL,
    "threads_per_core": NO_VAL16, "time_limit": NO_VAL, "time_min": NO_VAL,
    "user_id": SLURM_AUTH_NOBODY, "wait_all_nodes": NO_VAL16, "wait4switch": NO_VAL,
}

#: slurmdb_init_assoc_rec() (src/common/slurmdb_defs.c): a parsed association starts
#: with every limit unset, so a modify changes only what the request names
ASSOC = {
    "def_qos_id": NO_VAL, "is_def": NO_VAL16, "grp_jobs": NO_VAL, "grp_jobs_accrue": NO_VAL,
    "grp_submit_jobs": NO_VAL, "grp_wall": NO_VAL, "max_jobs": NO_VAL, "max_jobs_accrue": NO_VAL,
    "min_prio_thresh": NO_VAL, "max_submit_jobs": NO_VAL, "max_wall_pj": NO_VAL, "priority": NO_VAL,
    "shares_raw": NO_VAL,
}

DEFAULTS: dict[str, dict] = {
    "JOB_DESC_MSG": JOB_DESC_MSG,
    "SLURM_STEP_ID": STEP_ID_INIT,
    "ASSOC": ASSOC,
    "ASSOC_REC_SET": ASSOC,
    # the parsers' new USER and ACCOUNT hold empty (not NULL) association and coordinator lists
    "USER": {"assoc_list": [], "coord_accts": []},
    "ACCOUNT": {"assoc_list": [], "coordinators": []},
    # slurmdb_init_wckey_rec()
    "WCKEY": {"is_def": NO_VAL16},
}


#: Members of controller structs that the RPC never carries, by C struct type.  libslurm
#: unpacks into an xmalloc()ed struct, so the C data parser sees 0 there; our RPC layer
#: leaves them out of its dicts.  When dumping a dict without such a member, the engine
#: uses 0, which matters for NO_VAL types (slurm_conf_t.cluster_id is UINT16_NO_VAL:
#: ``{"set": true, "number": 0}``, not "unset").
ZERO_WHEN_ABSENT: dict[str, frozenset] = {
    "slurm_conf_t": frozenset({
        "cluster_id", "getnameinfo_cache_timeout", "host_unreach_retry_count",
        "job_acct_oom_kill", "keepalive_interval", "keepalive_probes", "keepalive_time",
    }),
}
