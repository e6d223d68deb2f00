"""Accounting jobs on the slurmdbd wire: ``slurmdb_job_cond_t`` out (with its
``slurm_selected_step_t`` list), ``slurmdb_job_rec_t`` with ``slurmdb_step_rec_t``
and ``slurmdb_stats_t`` in.

Records are dicts keyed by the C member names; a step's statistics are a nested
``stats`` dict and its id a nested ``step_id`` dict, as the data parser's ``STEP``
table reads them (``stats.tres_usage_in_ave``, ``step_id``), and ``job_ptr`` holds
the members of the step's job that a step's stdio patterns read
(``JOB_PTR_MEMBERS``): a copy, not the job itself, whose ``steps`` would point
back at the step, a reference cycle per job that only the cyclic collector frees.

Layout differences between the protocol versions slurmdbd 26.05 speaks
(``src/common/slurmdb_pack.c``):

* job record: 26.05 adds ``exclusive`` (after ``env``), ``oversubscribe`` (after
  ``het_job_offset``) and ``sluid`` (after ``script``); 25.05 added ``resv_req``
  (after ``resvid``) and ``segment_size`` (after the steps);
* step record: 25.05 added ``cwd``, ``std_err``, ``std_in``, ``std_out`` (after
  ``stepname``) and ``timelimit`` (after ``task_dist``);
* the cond and the selected step have one layout.

Members an older peer does not send get the value the C unpacker leaves in its
zeroed struct (None for strings, 0 for numbers).
"""

from __future__ import annotations

import time as _time
from typing import Any, Mapping

from slurmrestd.rpc.dbd.assoc import _strs, check_version, encode_cond_msg, unpack_list_msg
from slurmrestd.rpc.layouts import F, Layout, pack_step_id, unpack_step_id
from slurmrestd.rpc.pack import NO_VAL, Bitstr, Packer, Unpacker, UnpackError
from slurmrestd.rpc.protocol import V25_05, V26_05
from slurmrestd.slurm.dbd_msg_types import DbdMsgType
from slurmrestd.slurm.jobid import selected_step_init

DBD_GET_JOBS_COND = DbdMsgType.DBD_GET_JOBS_COND
DBD_GOT_JOBS = DbdMsgType.DBD_GOT_JOBS

# slurmdb.h: SLURMDB_JOB_FLAG_* (job_cond.db_flags) and JOBCOND_FLAG_* (job_cond.flags)
SLURMDB_JOB_FLAG_NOTSET = 1 << 0
JOBCOND_FLAG_DUP = 1 << 0
JOBCOND_FLAG_NO_STEP = 1 << 1
JOBCOND_FLAG_NO_TRUNC = 1 << 2
JOBCOND_FLAG_RUNAWAY = 1 << 3
JOBCOND_FLAG_WHOLE_HETJOB = 1 << 4
JOBCOND_FLAG_NO_WHOLE_HETJOB = 1 << 5
JOBCOND_FLAG_NO_WAIT = 1 << 6
JOBCOND_FLAG_NO_DEFAULT_USAGE = 1 << 7
JOBCOND_FLAG_SCRIPT = 1 << 8
JOBCOND_FLAG_ENV = 1 << 9

_V24 = V25_05 - 1  # last layout before 25.05 (24.11)
_V25 = V26_05 - 1  # last layout before 26.05 (25.05 and 25.11)

# -- conditions ---------------------------------------------------------------------------

#: slurmdb_job_cond_t on the wire: (member, kind); kinds: "strs", "u32", "time", "str", "steps"
_COND = (
    ("acct_list", "strs"), ("associd_list", "strs"), ("cluster_list", "strs"),
    ("constraint_list", "strs"), ("cpus_max", "u32"), ("cpus_min", "u32"), ("db_flags", "u32"),
    ("exitcode", "u32"), ("flags", "u32"), ("format_list", "strs"), ("groupid_list", "strs"),
    ("jobname_list", "strs"), ("nodes_max", "u32"), ("nodes_min", "u32"), ("partition_list", "strs"),
    ("qos_list", "strs"), ("reason_list", "strs"), ("resv_list", "strs"), ("resvid_list", "strs"),
    ("step_list", "steps"), ("state_list", "strs"), ("timelimit_max", "u32"), ("timelimit_min", "u32"),
    ("usage_end", "time"), ("usage_start", "time"), ("used_nodes", "str"), ("userid_list", "strs"),
    ("wckey_list", "strs"),
)

#: What slurmdb_pack_job_cond sends for a NULL cond (its scalars differ from a zeroed struct's:
#: db_flags is NOTSET).
NULL_JOB_COND: dict = {name: (None if kind in ("strs", "steps", "str") else 0) for name, kind in _COND}
NULL_JOB_COND["db_flags"] = SLURMDB_JOB_FLAG_NOTSET


def _bitmap(value) -> Bitstr | None:
    """An array bitmap: a Bitstr, or a list of task ids (what the data parser gives)."""
    if value is None or isinstance(value, Bitstr):
        return value
    idx = sorted({int(i) for i in value})
    if not idx:
        return None
    return Bitstr.from_indexes(idx[-1] + 1, idx)


def pack_selected_step(p: Packer, step: Mapping[str, Any], version: int | None = None) -> None:
    """``slurm_pack_selected_step``: step id, u32 array_task_id, u32 het_job_offset, bitmap."""
    sid = step.get("step_id")
    if sid is None:  # flat "step_id.job_id" keys
        sid = {k.split(".", 1)[1]: v for k, v in step.items() if k.startswith("step_id.")}
    pack_step_id(p, sid)
    p.u32(int(step.get("array_task_id", NO_VAL)))
    p.u32(int(step.get("het_job_offset", NO_VAL)))
    p.bitstr(_bitmap(step.get("array_bitmap")))


def unpack_selected_step(u: Unpacker, version: int | None = None) -> dict:
    sid = unpack_step_id(u)
    return {"step_id": sid, "array_task_id": u.u32(), "het_job_offset": u.u32(), "array_bitmap": u.bitstr()}


def pack_job_cond(p: Packer, cond: Mapping[str, Any] | None, version: int) -> None:
    """``slurmdb_pack_job_cond`` (28 members; a NULL cond has its own fixed form)."""
    check_version(version)
    src = NULL_JOB_COND if cond is None else cond
    for name, kind in _COND:
        v = src.get(name)
        if kind == "strs":
            p.str_list(_strs(v))
        elif kind == "steps":
            p.list(list(v) if v is not None else None, pack_selected_step)
        elif kind == "u32":
            p.u32(int(v or 0))
        elif kind == "time":
            p.time(int(v or 0))
        else:
            p.str(v)


def encode_get_jobs_cond(cond: Mapping[str, Any] | None, version: int) -> bytes:
    """The ``DBD_GET_JOBS_COND`` payload: ``u16 msg_type`` + the cond message."""
    return encode_cond_msg(DBD_GET_JOBS_COND, pack_job_cond, cond, version)


def unpack_job_cond(u: Unpacker, version: int) -> dict:
    check_version(version)
    cond: dict = {}
    for name, kind in _COND:
        if kind == "strs":
            cond[name] = u.str_list()
        elif kind == "steps":
            cond[name] = u.list(unpack_selected_step)
        elif kind == "u32":
            cond[name] = u.u32()
        elif kind == "time":
            cond[name] = u.time()
        else:
            cond[name] = u.str()
    return cond


def job_cond_def_start_end(cond: dict, now: int | None = None) -> dict:
    """``slurmdb_job_cond_def_start_end`` (26.05): default the usage window as sacct does.

    With states and no start: start = now (unless job ids are given), end = start.
    With neither states nor job ids: start = today's local midnight.  End defaults to
    now; the window is [start, end), so end is bumped by one when it equals start or now.
    """
    flags = int(cond.get("flags") or 0)
    if flags & (JOBCOND_FLAG_RUNAWAY | JOBCOND_FLAG_NO_DEFAULT_USAGE):
        return cond
    now = int(_time.time()) if now is None else int(now)
    steps = cond.get("step_list")
    if cond.get("state_list"):
        if not cond.get("usage_start") and not steps:
            cond["usage_start"] = now
        if cond.get("usage_start") and not cond.get("usage_end"):
            cond["usage_end"] = cond["usage_start"]
    elif not steps:
        if not cond.get("usage_start"):
            tm = _time.localtime(now)
            cond["usage_start"] = int(_time.mktime((tm.tm_year, tm.tm_mon, tm.tm_mday, 0, 0, 0, 0, 0, -1)))
    if not cond.get("usage_end"):
        cond["usage_end"] = now
    if cond["usage_end"] == int(cond.get("usage_start") or 0) or cond["usage_end"] == now:
        cond["usage_end"] += 1
    return cond


# -- records ------------------------------------------------------------------------------


def unpack_stats(u: Unpacker) -> dict:
    """``_unpack_slurmdb_stats``: double act_cpufreq, u64 consumed_energy, 16 TRES strings."""
    s: dict = {"act_cpufreq": u.double(), "consumed_energy": u.u64()}
    for name in _STATS_STRS:
        s[name] = u.str()
    return s


_STATS_STRS = tuple("tres_usage_%s_%s" % (d, k) for d in ("in", "out")
                    for k in ("ave", "max", "max_nodeid", "max_taskid", "min", "min_nodeid",
                              "min_taskid", "tot"))

_STEP_HEAD = Layout("slurmdb_step_rec_t", (
    F("container", "str"), F("elapsed", "u32"), F("end", "time"), F("exitcode", "u32"),
    F("nnodes", "u32"), F("nodes", "str"), F("ntasks", "u32"), F("req_cpufreq_min", "u32"),
    F("req_cpufreq_max", "u32"), F("req_cpufreq_gov", "u32"), F("requid", "u32"),
))
_STEP_MID = Layout("slurmdb_step_rec_t", (F("start", "time"), F("state", "u16")))
_STEP_TAIL = Layout("slurmdb_step_rec_t", (
    F("stepname", "str"),
    F("cwd", "str", since=V25_05), F("std_err", "str", since=V25_05), F("std_in", "str", since=V25_05),
    F("std_out", "str", since=V25_05),
    F("submit_line", "str"), F("suspended", "u32"), F("sys_cpu_sec", "u64"), F("sys_cpu_usec", "u32"),
    F("task_dist", "u32"), F("timelimit", "u32", since=V25_05), F("tot_cpu_sec", "u64"),
    F("tot_cpu_usec", "u32"), F("tres_alloc_str", "str"), F("user_cpu_sec", "u64"),
    F("user_cpu_usec", "u32"),
))


def unpack_step_rec(u: Unpacker, version: int) -> dict:
    """``slurmdb_unpack_step_rec``."""
    s = _STEP_HEAD.decode(u, version)
    try:
        s["stats"] = unpack_stats(u)
    except UnpackError as exc:
        raise UnpackError("slurmdb_step_rec_t.stats: %s" % exc) from None
    _STEP_MID.decode(u, version, s)
    s["step_id"] = unpack_step_id(u)
    _STEP_TAIL.decode(u, version, s)
    if version < V25_05:
        s.update(cwd=None, std_err=None, std_in=None, std_out=None, timelimit=0)
    return s


_JOB_HEAD = Layout("slurmdb_job_rec_t", (
    F("account", "str"), F("admin_comment", "str"), F("alloc_nodes", "u32"), F("array_job_id", "u32"),
    F("array_max_tasks", "u32"), F("array_task_id", "u32"), F("array_task_str", "str"),
    F("associd", "u32"), F("blockid", "str"), F("cluster", "str"), F("constraints", "str"),
    F("container", "str"), F("db_index", "u64"), F("derived_ec", "u32"), F("derived_es", "str"),
    F("elapsed", "u32"), F("eligible", "time"), F("end", "time"), F("env", "str"),
    F("exclusive", "str", since=V26_05),
    F("exitcode", "u32"), F("extra", "str"), F("failed_node", "str"), F("flags", "u32"), F("gid", "u32"),
    F("jobid", "u32"), F("jobname", "str"), F("licenses", "str"), F("lineage", "str"),
    F("mcs_label", "str"), F("nodes", "str"), F("het_job_id", "u32"), F("het_job_offset", "u32"),
    F("oversubscribe", "str", since=V26_05),
    F("partition", "str"), F("priority", "u32"), F("qosid", "u32"), F("qos_req", "str"),
    F("req_cpus", "u32"), F("req_mem", "u64"), F("requid", "u32"), F("restart_cnt", "u16"),
    F("resv_name", "str"), F("resvid", "u32"), F("resv_req", "str", since=V25_05), F("script", "str"),
    F("sluid", "u64", since=V26_05),
    F("show_full", "u32"), F("start", "time"), F("state", "u32"), F("state_reason_prev", "u32"),
))
_JOB_TAIL = Layout("slurmdb_job_rec_t", (
    F("segment_size", "u16", since=V25_05),
    F("std_err", "str"), F("std_in", "str"), F("std_out", "str"), F("submit", "time"),
    F("submit_line", "str"), F("suspended", "u32"), F("system_comment", "str"), F("sys_cpu_sec", "u64"),
    F("sys_cpu_usec", "u64"), F("timelimit", "u32"), F("tot_cpu_sec", "u64"), F("tot_cpu_usec", "u64"),
    F("tres_alloc_str", "str"), F("tres_req_str", "str"), F("uid", "u32"), F("user", "str"),
    F("user_cpu_sec", "u64"), F("user_cpu_usec", "u64"), F("wckey", "str"), F("wckeyid", "u32"),
    F("work_dir", "str"),
))

#: members older layouts do not send, with the value a zeroed C struct has
_JOB_ABSENT = {
    V26_05: {},
    _V25: {"exclusive": None, "oversubscribe": None, "sluid": 0},
    _V24: {"exclusive": None, "oversubscribe": None, "sluid": 0, "resv_req": None, "segment_size": 0},
}


def _absent(version: int) -> dict:
    if version >= V26_05:
        return _JOB_ABSENT[V26_05]
    return _JOB_ABSENT[_V25] if version >= V25_05 else _JOB_ABSENT[_V24]


#: the job members a step's ``job_ptr`` carries: those ``db_step_pattern`` (the data
#: parser's stdio expansion of a step) reads from the job
JOB_PTR_MEMBERS = ("array_job_id", "array_task_id", "jobname", "user")


def unpack_job_rec(u: Unpacker, version: int) -> dict:
    """``slurmdb_unpack_job_rec``: about 75 members with the steps in the middle."""
    j = _JOB_HEAD.decode(u, version)
    n = u.u32()
    if n > u.remaining:  # every step is far more than one byte: a count this large is garbage
        raise UnpackError("slurmdb_job_rec_t.steps: count %d with %d bytes left" % (n, u.remaining))
    steps = []
    for i in range(n):
        try:
            steps.append(unpack_step_rec(u, version))
        except UnpackError as exc:
            raise UnpackError("job %s step %d: %s" % (j.get("jobid"), i, exc)) from None
    j["steps"] = steps
    _JOB_TAIL.decode(u, version, j)
    if steps:  # as the C unpacker links each step to its job, by value (see the module docstring)
        job_ptr = {k: j.get(k) for k in JOB_PTR_MEMBERS}
        for s in steps:
            s["job_ptr"] = job_ptr
    for k, v in _absent(version).items():
        j.setdefault(k, v)
    return j


def decode_got_jobs(u: Unpacker, version: int) -> tuple[list | None, int]:
    """Body of ``DBD_GOT_JOBS``: (jobs or None, return_code).  A NULL list carries the
    error in return_code (the C client turns it into errno)."""
    check_version(version)
    return unpack_list_msg(u, unpack_job_rec, version, "slurmdb_job_rec_t")


__all__ = [
    "DBD_GET_JOBS_COND", "DBD_GOT_JOBS", "NULL_JOB_COND", "SLURMDB_JOB_FLAG_NOTSET",
    "selected_step_init", "pack_selected_step", "unpack_selected_step", "pack_job_cond",
    "encode_get_jobs_cond", "unpack_job_cond", "job_cond_def_start_end", "unpack_stats",
    "unpack_step_rec", "unpack_job_rec", "decode_got_jobs",
] + [n for n in dir() if n.startswith("JOBCOND_FLAG_")]
