"""Message layouts as data: field name (the C struct member), wire kind, and the
protocol versions that carry it.

A layout is a sequence of ``F(name, kind, since=, until=, count=, when=)``:

* ``kind`` is an ``Unpacker`` method name (``u32``, ``str``, ``u64_array`` …) or
  one of the composite kinds in ``_COMPOSITE`` (``key_pairs``, ``job_defaults`` …);
* ``since``/``until`` bound the protocol versions (inclusive) that send the field;
* ``count`` also stores ``len(value)`` under that name (C keeps a separate count);
* ``when`` reads the field only if the already decoded field of that name is truthy;
* names starting with ``_was_`` are read and dropped (fields Slurm still sends for
  old peers but no longer keeps).

The C code has one copy of every unpack function per protocol version; the
differences for 24.11–26.05 are the handful of ``since``/``until`` marks below.
``Layout.fields_for(version)`` compiles the list once per version.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable

from slurmrestd.rpc.pack import Unpacker, UnpackError
from slurmrestd.rpc.protocol import V24_11, V25_05, V25_11, V26_05

_ALL = 0xFFFF


@dataclass(frozen=True)
class F:
    name: str
    kind: str
    since: int = 0
    until: int = _ALL
    count: str | None = None
    when: str | None = None

    def applies(self, version: int) -> bool:
        return self.since <= version <= self.until


# -- composite kinds ------------------------------------------------------------------


def _key_pair(u: Unpacker) -> dict:
    """``config_key_pair_t``."""
    return {"name": u.str(), "value": u.str()}


def key_pair_list(u: Unpacker) -> list[dict] | None:
    """``unpack_key_pair_list``: u32 count (NO_VAL = NULL) + (str name, str value)."""
    return u.list(_key_pair)


def _plugin_params(u: Unpacker) -> dict:
    """``config_plugin_params_t``."""
    return {"name": u.str(), "key_pairs": key_pair_list(u)}


def plugin_params_list(u: Unpacker) -> list[dict] | None:
    return u.list(_plugin_params)


def _job_defaults(u: Unpacker) -> dict:
    """``job_defaults_t``."""
    return {"type": u.u16(), "value": u.u64()}


def job_defaults_list(u: Unpacker) -> list[dict] | None:
    return u.list(_job_defaults)


def _u16_pair(u: Unpacker) -> list[int]:
    return [u.u16(), u.u16()]


_COMPOSITE: dict[str, Callable[[Unpacker], Any]] = {
    "key_pairs": key_pair_list,
    "plugin_params": plugin_params_list,
    "job_defaults": job_defaults_list,
    "u16_pair": _u16_pair,
}


def _reader(kind: str) -> Callable[[Unpacker], Any]:
    if kind in _COMPOSITE:
        return _COMPOSITE[kind]
    fn = getattr(Unpacker, kind, None)
    if fn is None or kind.startswith("_"):
        raise ValueError("unknown field kind %r" % kind)
    return fn


class Layout:
    """A named field list with per-version compiled readers."""

    def __init__(self, name: str, fields: tuple[F, ...]) -> None:
        self.name = name
        self.fields = fields
        for f in fields:
            _reader(f.kind)  # fail at import on a typo
        self._compiled: dict[int, tuple] = {}
        self._lock = threading.Lock()

    def fields_for(self, version: int) -> tuple:
        c = self._compiled.get(version)
        if c is None:
            with self._lock:
                c = tuple((f.name, _reader(f.kind), f.count, f.when, f.name.startswith("_was_"))
                          for f in self.fields if f.applies(version))
                self._compiled[version] = c
        return c

    def names(self, version: int) -> list[str]:
        return [n for n, _, _, _, drop in self.fields_for(version) if not drop]

    def decode(self, u: Unpacker, version: int, out: dict | None = None) -> dict:
        d: dict = {} if out is None else out
        for name, read, count, when, drop in self.fields_for(version):
            if when is not None and not d.get(when):
                d[name] = None
                continue
            try:
                v = read(u)
            except UnpackError as exc:
                raise UnpackError("%s.%s: %s" % (self.name, name, exc)) from None
            if drop:
                continue
            d[name] = v
            if count is not None:
                d[count] = len(v) if v is not None else 0
        return d


# -- stats_info_response_msg_t (RESPONSE_STATS_INFO) ---------------------------------------
# _unpack_stats_response_msg: <=25.05 start with a dead u32 (was parts_packed) and send
# schedule_cycle_sum as u32.

STATS_INFO_RESPONSE = Layout("stats_info_response_msg_t", (
    F('parts_packed', 'u32', until=V25_05),
    F('req_time', 'time'),
    F('req_time_start', 'time'),
    F('server_thread_count', 'u32'),
    F('agent_queue_size', 'u32'),
    F('agent_count', 'u32'),
    F('agent_thread_count', 'u32'),
    F('dbd_agent_queue_size', 'u32'),
    F('gettimeofday_latency', 'u32'),
    F('jobs_submitted', 'u32'),
    F('jobs_started', 'u32'),
    F('jobs_completed', 'u32'),
    F('jobs_canceled', 'u32'),
    F('jobs_failed', 'u32'),
    F('jobs_pending', 'u32'),
    F('jobs_running', 'u32'),
    F('job_states_ts', 'time'),
    F('schedule_cycle_max', 'u32'),
    F('schedule_cycle_last', 'u32'),
    F('schedule_cycle_sum', 'u64', since=V25_11),
    F('schedule_cycle_sum', 'u32', until=V25_05),
    F('schedule_cycle_counter', 'u32'),
    F('schedule_cycle_depth', 'u32'),
    F('schedule_exit', 'u32_array', count='schedule_exit_cnt'),
    F('schedule_queue_len', 'u32'),
    F('bf_backfilled_jobs', 'u32'),
    F('bf_last_backfilled_jobs', 'u32'),
    F('bf_cycle_counter', 'u32'),
    F('bf_cycle_sum', 'u64'),
    F('bf_cycle_last', 'u32'),
    F('bf_last_depth', 'u32'),
    F('bf_last_depth_try', 'u32'),
    F('bf_queue_len', 'u32'),
    F('bf_cycle_max', 'u32'),
    F('bf_when_last_cycle', 'time'),
    F('bf_depth_sum', 'u32'),
    F('bf_depth_try_sum', 'u32'),
    F('bf_queue_len_sum', 'u32'),
    F('bf_table_size', 'u32'),
    F('bf_table_size_sum', 'u32'),
    F('bf_active', 'u32'),
    F('bf_backfilled_het_jobs', 'u32'),
    F('bf_exit', 'u32_array', count='bf_exit_cnt'),
    F('rpc_type_size', 'u32'),
    F('rpc_type_id', 'u16_array'),
    F('rpc_type_cnt', 'u32_array'),
    F('rpc_type_time', 'u64_array'),
    F('rpc_queue_enabled', 'u8'),
    F('rpc_type_queued', 'u16_array', when='rpc_queue_enabled'),
    F('rpc_type_dropped', 'u64_array', when='rpc_queue_enabled'),
    F('rpc_type_cycle_last', 'u16_array', when='rpc_queue_enabled'),
    F('rpc_type_cycle_max', 'u16_array', when='rpc_queue_enabled'),
    F('rpc_user_size', 'u32'),
    F('rpc_user_id', 'u32_array'),
    F('rpc_user_cnt', 'u32_array'),
    F('rpc_user_time', 'u64_array'),
    F('rpc_queue_type_id', 'u32_array', count='rpc_queue_type_count'),
    F('rpc_queue_count', 'u32_array'),
    F('rpc_dump_types', 'u32_array', count='rpc_dump_count'),
    F('rpc_dump_hostlist', 'str_array'),
))

# -- slurm_license_info_t (RESPONSE_LICENSE_INFO items) ---------------------------------------

LICENSE_INFO = Layout("slurm_license_info_t", (
    F('name', 'str'),
    F('total', 'u32'),
    F('in_use', 'u32'),
    F('reserved', 'u32'),
    F('remote', 'u8'),
    F('last_consumed', 'u32'),
    F('last_deficit', 'u32'),
    F('last_update', 'time'),
    F('mode', 'u8', since=V25_05),
    F('nodes', 'str', since=V25_05),
))

# -- assoc_shares_object_t (RESPONSE_SHARE_INFO items) -------------------------------------------

ASSOC_SHARES_OBJECT = Layout("assoc_shares_object_t", (
    F('assoc_id', 'u32'),
    F('cluster', 'str'),
    F('name', 'str'),
    F('parent', 'str'),
    F('partition', 'str'),
    F('shares_norm', 'double'),
    F('shares_raw', 'u32'),
    F('tres_run_secs', 'u64_array'),
    F('tres_grp_mins', 'u64_array'),
    F('usage_efctv', 'double'),
    F('usage_norm', 'double'),
    F('usage_raw', 'u64'),
    F('usage_tres_raw', 'longdouble_array'),
    F('fs_factor', 'double'),
    F('level_fs', 'double'),
    F('user', 'u16'),
))

# -- slurm_conf_t (RESPONSE_BUILD_INFO, _unpack_slurm_conf) ----------------------------------------
# 24.11 has no epilog_timeout on the wire: libslurm copies prolog_timeout into it
# (24.11 itself sends MAX(prolog_timeout, epilog_timeout) there, named prolog_epilog_timeout).

SLURM_CONF = Layout("slurm_conf_t", (
    F('last_update', 'time'),
    F('accounting_storage_enforce', 'u16'),
    F('accounting_storage_backup_host', 'str'),
    F('accounting_storage_host', 'str'),
    F('accounting_storage_ext_host', 'str'),
    F('accounting_storage_params', 'str'),
    F('accounting_storage_port', 'u16'),
    F('accounting_storage_tres', 'str'),
    F('accounting_storage_type', 'str'),
    F('_was_accounting_storage_user', 'str', until=V25_05),
    F('acct_gather_conf', 'key_pairs'),
    F('acct_gather_energy_type', 'str'),
    F('acct_gather_filesystem_type', 'str'),
    F('acct_gather_interconnect_type', 'str'),
    F('acct_gather_node_freq', 'u16'),
    F('acct_gather_profile_type', 'str'),
    F('authalttypes', 'str'),
    F('authalt_params', 'str'),
    F('authinfo', 'str'),
    F('authtype', 'str'),
    F('batch_start_timeout', 'u16'),
    F('boot_time', 'time'),
    F('bb_type', 'str'),
    F('bcast_exclude', 'str'),
    F('bcast_parameters', 'str'),
    F('certmgr_params', 'str', since=V25_05),
    F('certmgr_type', 'str', since=V25_05),
    F('cgroup_conf', 'key_pairs'),
    F('cli_filter_params', 'str', since=V25_11),
    F('cli_filter_plugins', 'str'),
    F('cluster_name', 'str'),
    F('comm_params', 'str'),
    F('complete_wait', 'u16'),
    F('conf_flags', 'u32'),
    F('control_addr', 'str_array', count='control_cnt'),
    F('control_machine', 'str_array'),
    F('cpu_freq_def', 'u32'),
    F('cpu_freq_govs', 'u32'),
    F('cred_type', 'str'),
    F('data_parser_parameters', 'str'),
    F('def_mem_per_cpu', 'u64'),
    F('debug_flags', 'u64'),
    F('dependency_params', 'str'),
    F('eio_timeout', 'u16'),
    F('enforce_part_limits', 'u16'),
    F('epilog', 'str_array', count='epilog_cnt'),
    F('epilog_msg_time', 'u32'),
    F('epilog_slurmctld', 'str_array', count='epilog_slurmctld_cnt'),
    F('epilog_timeout', 'u16', since=V25_05),
    F('fed_params', 'str'),
    F('first_job_id', 'u32'),
    F('fs_dampening_factor', 'u16'),
    F('_was_get_env_timeout', 'u16', until=V24_11),
    F('gres_plugins', 'str'),
    F('group_time', 'u16'),
    F('group_force', 'u16'),
    F('gpu_freq_def', 'str'),
    F('hash_plugin', 'str'),
    F('hash_val', 'u32'),
    F('health_check_interval', 'u16'),
    F('health_check_node_state', 'u16'),
    F('health_check_program', 'str'),
    F('health_check_timeout', 'u16', since=V26_05),
    F('http_parser_type', 'str', since=V25_11),
    F('inactive_limit', 'u16'),
    F('interactive_step_opts', 'str'),
    F('job_acct_gather_freq', 'str'),
    F('job_acct_gather_type', 'str'),
    F('job_acct_gather_params', 'str'),
    F('job_comp_host', 'str'),
    F('job_comp_loc', 'str'),
    F('job_comp_params', 'str'),
    F('job_comp_port', 'u32'),
    F('job_comp_type', 'str'),
    F('job_comp_user', 'str'),
    F('namespace_plugin', 'str'),
    F('job_defaults_list', 'job_defaults'),
    F('job_file_append', 'u16'),
    F('job_requeue', 'u16'),
    F('job_submit_plugins', 'str'),
    F('kill_on_bad_exit', 'u16'),
    F('kill_wait', 'u16'),
    F('launch_params', 'str'),
    F('license_params', 'str', since=V26_05),
    F('licenses', 'str'),
    F('log_fmt', 'u16'),
    F('max_array_sz', 'u32'),
    F('max_batch_requeue', 'u32'),
    F('max_dbd_msgs', 'u32'),
    F('mail_domain', 'str'),
    F('mail_prog', 'str'),
    F('max_job_cnt', 'u32'),
    F('max_job_id', 'u32'),
    F('max_mem_per_cpu', 'u64'),
    F('max_node_cnt', 'u32'),
    F('max_step_cnt', 'u32'),
    F('max_tasks_per_node', 'u16'),
    F('mcs_plugin', 'str'),
    F('mcs_plugin_params', 'str'),
    F('metrics_auth_users', 'str', since=V26_05),
    F('metrics_params', 'str', since=V26_05),
    F('metrics_type', 'str', since=V25_11),
    F('min_job_age', 'u32'),
    F('mpi_conf', 'key_pairs'),
    F('mpi_default', 'str'),
    F('mpi_params', 'str'),
    F('msg_timeout', 'u16'),
    F('next_job_id', 'u32'),
    F('node_features_conf', 'plugin_params'),
    F('node_features_plugins', 'str'),
    # 24.11 controllers still send node_prefix here; the 26.05 C unpacker for
    # protocol 42 forgets to skip it (its packer writes a NULL in its place).
    F('_was_node_prefix', 'str', until=V24_11),
    F('over_time_limit', 'u16'),
    F('plugindir', 'str'),
    F('plugstack', 'str'),
    F('preempt_mode', 'u16'),
    F('preempt_params', 'str'),
    F('preempt_type', 'str'),
    F('preempt_exempt_time', 'u32'),
    F('prep_params', 'str'),
    F('prep_plugins', 'str'),
    F('priority_decay_hl', 'u32'),
    F('priority_calc_period', 'u32'),
    F('priority_favor_small', 'u16'),
    F('priority_flags', 'u16'),
    F('priority_max_age', 'u32'),
    F('priority_params', 'str'),
    F('priority_reset_period', 'u16'),
    F('priority_type', 'str'),
    F('priority_weight_age', 'u32'),
    F('priority_weight_assoc', 'u32'),
    F('priority_weight_fs', 'u32'),
    F('priority_weight_js', 'u32'),
    F('priority_weight_part', 'u32'),
    F('priority_weight_qos', 'u32'),
    F('priority_weight_tres', 'str'),
    F('private_data', 'u16'),
    F('proctrack_type', 'str'),
    F('prolog', 'str_array', count='prolog_cnt'),
    F('prolog_timeout', 'u16', until=V24_11),
    F('prolog_slurmctld', 'str_array', count='prolog_slurmctld_cnt'),
    F('prolog_timeout', 'u16', since=V25_05),
    F('prolog_flags', 'u16'),
    F('propagate_prio_process', 'u16'),
    F('propagate_rlimits', 'str'),
    F('propagate_rlimits_except', 'str'),
    F('reboot_program', 'str'),
    F('reconfig_flags', 'u16'),
    F('requeue_exit', 'str'),
    F('requeue_exit_hold', 'str'),
    F('resume_fail_program', 'str'),
    F('resume_program', 'str'),
    F('resume_rate', 'u16'),
    F('resume_timeout', 'u16'),
    F('resv_epilog', 'str'),
    F('resv_over_run', 'u16'),
    F('resv_prolog', 'str'),
    F('ret2service', 'u16'),
    F('sched_params', 'str'),
    F('sched_logfile', 'str'),
    F('sched_log_level', 'u16'),
    F('sched_time_slice', 'u16'),
    F('schedtype', 'str'),
    F('scron_params', 'str'),
    F('select_type', 'str'),
    F('select_conf_key_pairs', 'key_pairs'),
    F('select_type_param', 'u16'),
    F('slurm_conf', 'str'),
    F('slurm_user_id', 'u32'),
    F('slurm_user_name', 'str'),
    F('slurmd_user_id', 'u32'),
    F('slurmd_user_name', 'str'),
    F('slurmctld_addr', 'str'),
    F('slurmctld_debug', 'u16'),
    F('slurmctld_http_auth_params', 'str', since=V26_05),
    F('slurmctld_logfile', 'str'),
    F('slurmctld_params', 'str'),
    F('slurmctld_pidfile', 'str'),
    F('slurmctld_port', 'u32'),
    F('slurmctld_port_count', 'u16'),
    F('slurmctld_primary_off_prog', 'str'),
    F('slurmctld_primary_on_prog', 'str'),
    F('slurmctld_syslog_debug', 'u16'),
    F('slurmctld_timeout', 'u16'),
    F('slurmd_debug', 'u16'),
    F('slurmd_http_auth_params', 'str', since=V26_05),
    F('slurmd_logfile', 'str'),
    F('slurmd_params', 'str'),
    F('slurmd_pidfile', 'str'),
    F('slurmd_port', 'u32'),
    F('slurmd_spooldir', 'str'),
    F('slurmd_syslog_debug', 'u16'),
    F('slurmd_timeout', 'u16'),
    F('srun_epilog', 'str'),
    F('srun_port_range', 'u16_pair'),
    F('srun_prolog', 'str'),
    F('state_save_location', 'str'),
    F('suspend_exc_nodes', 'str'),
    F('suspend_exc_parts', 'str'),
    F('suspend_exc_states', 'str'),
    F('suspend_program', 'str'),
    F('suspend_rate', 'u16'),
    F('suspend_time', 'u32'),
    F('suspend_timeout', 'u16'),
    F('switch_param', 'str'),
    F('switch_type', 'str'),
    F('task_epilog', 'str'),
    F('task_prolog', 'str'),
    F('task_plugin', 'str'),
    F('task_plugin_param', 'u32'),
    F('tcp_timeout', 'u16'),
    F('tls_params', 'str', since=V25_05),
    F('tls_type', 'str'),
    F('tmp_fs', 'str'),
    F('topology_param', 'str'),
    F('topology_plugin', 'str'),
    F('tree_width', 'u16'),
    F('unkillable_program', 'str'),
    F('unkillable_timeout', 'u16'),
    F('url_parser_type', 'str', since=V25_11),
    F('version', 'str'),
    F('vsize_factor', 'u16'),
    F('wait_time', 'u16'),
    F('x11_params', 'str'),
))

__all__ = ["F", "Layout", "STATS_INFO_RESPONSE", "LICENSE_INFO", "ASSOC_SHARES_OBJECT", "SLURM_CONF",
           "key_pair_list", "plugin_params_list", "job_defaults_list"]
