"""Job message layouts as data (``slurm_protocol_pack.c``, ``job_resources.c``).

``F(name, kind, since=, until=, when=)`` per field, named after the C struct
members (``rpc.layouts`` explains the notation; one ``Layout`` serves decoding
and encoding).  Dotted names (``step_id.job_id``) are members of a nested
struct, folded into a nested dict after decoding (``nest``); names starting
with ``_`` are presence flags or dead fields that are dropped.

Version deltas (protocol 42 = 24.11 … 45 = 26.05), from the per-version
copies of the C functions:

* ``slurm_job_info_t`` (``_unpack_job_info_members``): 25.05 adds
  ``licenses_allocated`` and ``segment_size``; 25.11 replaces the bare
  ``u32 job_id`` (after ``het_job_offset``) with a leading ``step_id`` and adds
  ``submit_line``; 26.05 adds ``container_type``, ``exclusive``,
  ``oversubscribe``, ``mem_update_delay``, ``mem_update_margin``.
* ``job_resources_t``: up to 25.11 a ``node_bitmap`` bitstr ends the record;
  26.05 sends ``node_ranks`` (u32 array) instead.
* ``job_desc_msg_t`` (``_pack_job_desc_msg``): 25.05 adds ``alloc_tls_cert``;
  25.11 moves ``job_id`` into a leading ``step_id``; 26.05 adds
  ``container_type``, ``mem_update_delay``, ``mem_update_margin``.
* ``resource_allocation_response_msg_t``: 24.11 carries a dead string after
  ``account`` and a dead u8 after ``node_cnt``; 25.05 adds ``tres_per_task``;
  25.11 adds ``segment_size``, ``start_protocol_ver`` and the ``step_id``.
* small messages (submit response, job_info request/single, requeue,
  kill_jobs): 25.11 moves to ``step_id`` / adds ``admin_comment``.
"""

from __future__ import annotations

from slurmrestd.rpc.layouts import F, Layout
from slurmrestd.rpc.protocol import V24_11, V25_05, V25_11, V26_05

# -- slurm_job_info_t ---------------------------------------------------------------------
# Part 1: job_record_pack_common … preemptable_time (then job_resources follows).

JOB_INFO_COMMON = Layout("slurm_job_info_t", (
    F('step_id.sluid', 'u64', since=V25_11),
    F('step_id.job_id', 'u32', since=V25_11),
    F('step_id.step_id', 'u32', since=V25_11),
    F('step_id.step_het_comp', 'u32', since=V25_11),
    F('account', 'str'),
    F('admin_comment', 'str'),
    F('alloc_node', 'str'),
    F('alloc_sid', 'u32'),
    F('array_job_id', 'u32'),
    F('array_task_id', 'u32'),
    F('assoc_id', 'u32'),
    F('batch_features', 'str'),
    F('batch_flag', 'u16'),
    F('batch_host', 'str'),
    F('bitflags', 'u64'),
    F('burst_buffer', 'str'),
    F('burst_buffer_state', 'str'),
    F('billable_tres', 'double'),
    F('comment', 'str'),
    F('container', 'str'),
    F('container_id', 'str'),
    F('container_type', 'str', since=V26_05),
    F('cpus_per_tres', 'str'),
    F('deadline', 'time'),
    F('delay_boot', 'u32'),
    F('derived_ec', 'u32'),
    F('exit_code', 'u32'),
    F('extra', 'str'),
    F('failed_node', 'str'),
    # job_record_pack_fed_details: bool present + 5 fields
    F('_fed_details', 'bool'),
    F('fed_origin_str', 'str', when='_fed_details'),
    F('fed_siblings_active', 'u64', when='_fed_details'),
    F('fed_siblings_active_str', 'str', when='_fed_details'),
    F('fed_siblings_viable', 'u64', when='_fed_details'),
    F('fed_siblings_viable_str', 'str', when='_fed_details'),
    F('gres_total', 'str'),
    F('group_id', 'u32'),
    F('het_job_id', 'u32'),
    F('het_job_id_set', 'str'),
    F('het_job_offset', 'u32'),
    F('step_id.job_id', 'u32', until=V25_05),
    F('job_state', 'u32'),
    F('last_sched_eval', 'time'),
    F('licenses', 'str'),
    F('licenses_allocated', 'str', since=V25_05),
    F('mail_type', 'u16'),
    F('mail_user', 'str'),
    F('mcs_label', 'str'),
    F('mem_per_tres', 'str'),
    F('name', 'str'),
    F('network', 'str'),
    F('preempt_time', 'time'),
    F('pre_sus_time', 'time'),
    F('priority', 'u32'),
    F('profile', 'u32'),
    F('reboot', 'u8'),
    F('req_switch', 'u32'),
    F('resize_time', 'time'),
    F('restart_cnt', 'u16'),
    F('resv_name', 'str'),
    F('resv_ports', 'str'),
    F('selinux_context', 'str'),
    F('site_factor', 'u32'),
    F('start_protocol_ver', 'u16'),
    F('state_desc', 'str'),
    F('state_reason', 'u32'),
    F('suspend_time', 'time'),
    F('system_comment', 'str'),
    F('time_min', 'u32'),
    F('tres_bind', 'str'),
    F('tres_alloc_str', 'str'),
    F('tres_req_str', 'str'),
    F('tres_freq', 'str'),
    F('tres_per_job', 'str'),
    F('tres_per_node', 'str'),
    F('tres_per_socket', 'str'),
    F('tres_per_task', 'str'),
    F('user_id', 'u32'),
    F('user_name', 'str'),
    F('wait4switch', 'u32'),
    F('wckey', 'str'),
    # hex bitmap on the wire, xlate_array_task_str() on the client
    F('array_task_str', 'str'),
    F('array_max_tasks', 'u32'),
    F('time_limit', 'u32'),
    F('start_time', 'time'),
    F('end_time', 'time'),
    F('priority_array', 'u32_array'),
    F('priority_array_names', 'str'),
    F('cluster', 'str'),
    F('nodes', 'str'),
    F('sched_nodes', 'str'),
    F('partition', 'str'),
    F('qos', 'str'),
    F('preemptable_time', 'time'),
))

# Part 2 (after job_resources): gres detail + node_inx.
JOB_INFO_GRES = Layout("slurm_job_info_t", (
    F('gres_detail_str', 'str_array', count='gres_detail_cnt'),
    F('node_inx', 'bitstr'),  # unpack_bit_str_hex_as_inx
))

# Part 3a: details absent (bool false).
JOB_INFO_NO_DETAILS = Layout("slurm_job_info_t", (
    F('num_cpus', 'u32'),
    F('num_nodes', 'u32'),
    F('nice', 'u32'),
))

# Part 3b: details present (bool true): job_record_pack_details_common + more.
JOB_INFO_DETAILS = Layout("slurm_job_info_t", (
    F('accrue_time', 'time'),
    F('eligible_time', 'time'),
    F('cluster_features', 'str'),
    F('cpu_freq_gov', 'u32'),
    F('cpu_freq_max', 'u32'),
    F('cpu_freq_min', 'u32'),
    F('dependency', 'str'),
    F('job_size_str', 'bitstr'),  # unpack_bit_str_hex_as_fmt_str
    F('nice', 'u32'),
    F('ntasks_per_node', 'u16'),
    F('ntasks_per_tres', 'u16'),
    F('requeue', 'u16'),
    F('segment_size', 'u16', since=V25_05),
    F('submit_time', 'time'),
    F('work_dir', 'str'),
    F('features', 'str'),
    F('prefer', 'str'),
    F('command', 'str'),
    F('submit_line', 'str', since=V25_11),
    F('num_cpus', 'u32'),
    F('max_cpus', 'u32'),
    F('num_nodes', 'u32'),
    F('max_nodes', 'u32'),
    F('num_tasks', 'u32'),
    F('exclusive', 'u16', since=V26_05),
    F('shared', 'u16'),
    F('oversubscribe', 'u16', since=V26_05),
    F('cronspec', 'str'),
    F('mem_update_delay', 'u16', since=V26_05),
    F('mem_update_margin', 'u16', since=V26_05),
))

# Part 4: pending job details (always), then multi_core_data.
JOB_INFO_PENDING = Layout("slurm_job_info_t", (
    F('contiguous', 'u16'),
    F('core_spec', 'u16'),
    F('cpus_per_task', 'u16'),
    F('pn_min_cpus', 'u16'),
    F('pn_min_memory', 'u64'),
    F('pn_min_tmp_disk', 'u32'),
    F('oom_kill_step', 'u16'),
    F('req_nodes', 'str'),
    F('req_node_inx', 'bitstr'),
    F('exc_nodes', 'str'),
    F('exc_node_inx', 'bitstr'),
    F('std_err', 'str'),
    F('std_in', 'str'),
    F('std_out', 'str'),
))

#: multi_core_data_t after a u8 0xff flag (0 = absent).
MULTI_CORE_DATA = Layout("multi_core_data_t", (
    F('boards_per_node', 'u16'),
    F('sockets_per_board', 'u16'),
    F('sockets_per_node', 'u16'),
    F('cores_per_socket', 'u16'),
    F('threads_per_core', 'u16'),
    F('ntasks_per_board', 'u16'),
    F('ntasks_per_socket', 'u16'),
    F('ntasks_per_core', 'u16'),
    F('plane_size', 'u16'),
))

# -- job_resources_t (unpack_job_resources) -----------------------------------------------

JOB_RESOURCES = Layout("job_resources_t", (
    # nhosts (u32, NO_VAL = no job_resources) is read by the caller
    F('ncpus', 'u32'),
    F('next_step_node_inx', 'u32'),
    F('node_req', 'u32'),
    F('nodes', 'str'),
    F('whole_node', 'u8'),
    F('threads_per_core', 'u16'),
    F('cr_type', 'u16'),
    F('cpu_array_reps', 'u32_array', count='cpu_array_cnt'),
    F('cpu_array_value', 'u16_array'),
    F('cpus', 'u16_array'),
    F('cpus_used', 'u16_array'),
    F('memory_allocated', 'u64_array'),
    F('memory_used', 'u64_array'),
    F('sockets_per_node', 'u16_array'),
    F('cores_per_socket', 'u16_array'),
    F('sock_core_rep_count', 'u32_array'),
    F('core_bitmap', 'bitstr'),
    F('core_bitmap_used', 'bitstr'),
    F('node_bitmap', 'bitstr', until=V25_11),
    F('node_ranks', 'u32_array', since=V26_05),
))

# -- responses ----------------------------------------------------------------------------

SUBMIT_RESPONSE = Layout("submit_response_msg_t", (
    F('step_id.sluid', 'u64', since=V25_11),
    F('step_id.job_id', 'u32'),
    F('step_id.step_id', 'u32'),
    F('step_id.step_het_comp', 'u32', since=V25_11),
    F('error_code', 'u32'),
    F('job_submit_user_msg', 'str'),
))

RESOURCE_ALLOCATION_RESPONSE = Layout("resource_allocation_response_msg_t", (
    F('account', 'str'),
    F('_was_alloc_node', 'str', until=V24_11),
    F('batch_host', 'str'),
    F('environment', 'str_array', count='env_size'),
    F('error_code', 'u32'),
    F('gid', 'u32'),
    F('group_name', 'str'),
    F('job_submit_user_msg', 'str'),
    F('step_id.job_id', 'u32', until=V25_05),
    F('node_cnt', 'u32'),
    F('_was_select_jobinfo', 'u8', until=V24_11),
    F('node_list', 'str'),
    F('ntasks_per_board', 'u16'),
    F('ntasks_per_core', 'u16'),
    F('ntasks_per_tres', 'u16'),
    F('ntasks_per_socket', 'u16'),
    F('num_cpu_groups', 'u32'),
    F('cpus_per_node', 'u16_array', when='num_cpu_groups'),
    F('cpu_count_reps', 'u32_array', when='num_cpu_groups'),
    F('partition', 'str'),
    F('pn_min_memory', 'u64'),
    F('qos', 'str'),
    F('resv_name', 'str'),
    F('segment_size', 'u16', since=V25_11),
    F('start_protocol_ver', 'u16', since=V25_11),
    F('step_id.sluid', 'u64', since=V25_11),
    F('step_id.job_id', 'u32', since=V25_11),
    F('step_id.step_id', 'u32', since=V25_11),
    F('step_id.step_het_comp', 'u32', since=V25_11),
    F('tres_per_node', 'str'),
    F('tres_per_task', 'str', since=V25_05),
    F('uid', 'u32'),
    F('user_name', 'str'),
    F('_working_cluster_rec', 'u8'),
))

KILL_JOBS_RESP_JOB = Layout("kill_jobs_resp_job_t", (
    F('error_code', 'u32'),
    F('error_msg', 'str'),
    # slurm_selected_step_t id
    F('id.step_id.sluid', 'u64'),
    F('id.step_id.job_id', 'u32'),
    F('id.step_id.step_id', 'u32'),
    F('id.step_id.step_het_comp', 'u32'),
    F('id.array_task_id', 'u32'),
    F('id.het_job_offset', 'u32'),
    F('id.array_bitmap', 'bitstr'),
    F('real_job_id', 'u32'),
    F('sibling_name', 'str'),
))

NODE_GRES_LAYOUT = Layout("node_gres_layout_t", (
    F('name', 'str'),
    F('type', 'str'),
    F('count', 'u64'),
    F('_pack_index', 'bool'),
    F('index', 'bitstr', when='_pack_index'),
))


# -- requests: job_desc_msg_t (_pack_job_desc_msg) ------------------------------------------

JOB_DESC = Layout("job_desc_msg_t", (
    F('step_id', 'step_id', since=V25_11),
    F('site_factor', 'u32'),
    F('batch_features', 'str'),
    F('cluster_features', 'str'),
    F('clusters', 'str'),
    F('contiguous', 'u16'),
    F('container', 'str'),
    F('container_id', 'str'),
    F('container_type', 'str', since=V26_05),
    F('core_spec', 'u16'),
    F('task_dist', 'u32'),
    F('kill_on_node_fail', 'u16'),
    F('features', 'str'),
    F('fed_siblings_active', 'u64'),
    F('fed_siblings_viable', 'u64'),
    F('step_id.job_id', 'u32', until=V25_05),
    F('job_id_str', 'str'),
    F('name', 'str'),
    F('alloc_node', 'str'),
    F('alloc_sid', 'u32'),
    F('array_inx', 'str'),
    F('burst_buffer', 'str'),
    F('pn_min_cpus', 'u16'),
    F('pn_min_memory', 'u64'),
    F('mem_update_delay', 'u16', since=V26_05),
    F('mem_update_margin', 'u16', since=V26_05),
    F('oom_kill_step', 'u16'),
    F('pn_min_tmp_disk', 'u32'),
    F('prefer', 'str'),
    F('cpu_freq_min', 'u32'),
    F('cpu_freq_max', 'u32'),
    F('cpu_freq_gov', 'u32'),
    F('partition', 'str'),
    F('priority', 'u32'),
    F('dependency', 'str'),
    F('account', 'str'),
    F('admin_comment', 'str'),
    F('comment', 'str'),
    F('nice', 'u32'),
    F('profile', 'u32'),
    F('qos', 'str'),
    F('mcs_label', 'str'),
    F('origin_cluster', 'str'),
    F('open_mode', 'u8'),
    F('overcommit', 'u8'),
    F('acctg_freq', 'str'),
    F('num_tasks', 'u32'),
    F('req_context', 'str'),
    F('req_nodes', 'str'),
    F('exc_nodes', 'str'),
    F('environment', 'str_array'),
    F('spank_job_env', 'str_array'),
    F('script', 'str'),
    F('argv', 'str_array'),
    F('std_err', 'str'),
    F('std_in', 'str'),
    F('std_out', 'str'),
    F('submit_line', 'str'),
    F('work_dir', 'str'),
    F('immediate', 'u16'),
    F('reboot', 'u16'),
    F('requeue', 'u16'),
    F('shared', 'u16'),
    F('cpus_per_task', 'u16'),
    F('ntasks_per_node', 'u16'),
    F('ntasks_per_board', 'u16'),
    F('ntasks_per_socket', 'u16'),
    F('ntasks_per_core', 'u16'),
    F('ntasks_per_tres', 'u16'),
    F('plane_size', 'u16'),
    F('cpu_bind_type', 'u16'),
    F('mem_bind_type', 'u16'),
    F('cpu_bind', 'str'),
    F('mem_bind', 'str'),
    F('time_limit', 'u32'),
    F('time_min', 'u32'),
    F('min_cpus', 'u32'),
    F('max_cpus', 'u32'),
    F('min_nodes', 'u32'),
    F('max_nodes', 'u32'),
    F('job_size_str', 'str'),
    F('boards_per_node', 'u16'),
    F('sockets_per_board', 'u16'),
    F('sockets_per_node', 'u16'),
    F('cores_per_socket', 'u16'),
    F('threads_per_core', 'u16'),
    F('user_id', 'u32'),
    F('group_id', 'u32'),
    F('alloc_resp_port', 'u16'),
    F('alloc_tls_cert', 'str', since=V25_05),
    F('resp_host', 'str'),
    F('other_port', 'u16'),
    F('resv_port_cnt', 'u16'),
    F('network', 'str'),
    F('begin_time', 'time'),
    F('end_time', 'time'),
    F('deadline', 'time'),
    F('licenses', 'str'),
    F('mail_type', 'u16'),
    F('mail_user', 'str'),
    F('reservation', 'str'),
    F('restart_cnt', 'u16'),
    F('warn_flags', 'u16'),
    F('warn_signal', 'u16'),
    F('warn_time', 'u16'),
    F('wckey', 'str'),
    F('req_switch', 'u32'),
    F('wait4switch', 'u32'),
    F('wait_all_nodes', 'u16'),
    F('bitflags', 'u64'),
    F('delay_boot', 'u32'),
    F('extra', 'str'),
    F('x11', 'u16'),
    F('x11_magic_cookie', 'str'),
    F('x11_target', 'str'),
    F('x11_target_port', 'u16'),
    F('cpus_per_tres', 'str'),
    F('mem_per_tres', 'str'),
    F('tres_bind', 'str'),
    F('tres_freq', 'str'),
    F('tres_per_job', 'str'),
    F('tres_per_node', 'str'),
    F('tres_per_socket', 'str'),
    F('tres_per_task', 'str'),
    F('crontab_entry', 'cron_entry'),
    F('segment_size', 'u16'),
))

#: kill_jobs_msg_t (_pack_kill_jobs_msg); jobs_array goes as packstr_array.
KILL_JOBS = Layout("kill_jobs_msg_t", (
    F('account', 'str'),
    F('admin_comment', 'str', since=V25_11),
    F('flags', 'u16'),
    F('job_name', 'str'),
    F('jobs_array', 'str_array'),
    F('partition', 'str'),
    F('qos', 'str'),
    F('reservation', 'str'),
    F('signal', 'u16'),
    F('state', 'u32'),
    F('user_id', 'u32'),
    F('user_name', 'str'),
    F('wckey', 'str'),
    F('nodelist', 'str'),
))

#: job_step_kill_msg_t (_pack_job_step_kill_msg): same in all four versions.
JOB_STEP_KILL = Layout("job_step_kill_msg_t", (
    F('step_id', 'step_id'),
    F('sjob_id', 'str'),
    F('sibling', 'str'),
    F('signal', 'u16'),
    F('flags', 'u16'),
))

#: requeue_msg_t (_pack_job_requeue_msg).
JOB_REQUEUE = Layout("requeue_msg_t", (
    F('step_id', 'step_id', since=V25_11),
    F('step_id.job_id', 'u32', until=V25_05),
    F('job_id_str', 'str'),
    F('flags', 'u32'),
))

#: job_id_msg_t (_pack_job_ready_msg) for REQUEST_JOB_INFO_SINGLE / REQUEST_RESOURCE_LAYOUT.
JOB_ID_MSG = Layout("job_id_msg_t", (
    F('step_id', 'step_id', since=V25_11),
    F('step_id.job_id', 'u32', until=V25_05),
    F('show_flags', 'u16'),
))

__all__ = ["JOB_INFO_COMMON", "JOB_INFO_GRES", "JOB_INFO_NO_DETAILS", "JOB_INFO_DETAILS",
           "JOB_INFO_PENDING", "MULTI_CORE_DATA", "JOB_RESOURCES", "SUBMIT_RESPONSE",
           "RESOURCE_ALLOCATION_RESPONSE", "KILL_JOBS_RESP_JOB", "NODE_GRES_LAYOUT",
           "JOB_DESC", "KILL_JOBS", "JOB_STEP_KILL", "JOB_REQUEUE", "JOB_ID_MSG"]
