"""Codecs of the two versions only Slurm 24.11 served: v0.0.40 and v0.0.41.

Most of their types share the newer codecs.  What differs is decided from the
declaration, not from a version string:

* a type with a fixed schema (``spec``, v0.0.40 only) dumps the hand-built
  shapes of that release: the RPC statistics of ``diag`` as plain objects, the
  per node allocation of a job keyed by socket and core number, the rollup
  statistics of slurmdbd as a list;
* v0.0.40's ``RPC_ID`` names slurmdbd messages (``ctype`` says so) and its
  ``ASSOC_ID`` is the whole short association;
* the node allocation leaves of v0.0.41 and older (``NODE_SELECT_*``), the job
  allocation counts of v0.0.40 (``ALLOCATED_CORES``/``ALLOCATED_CPUS``, decided by
  the local ``SelectTypeParameters`` as the reference reads its own slurm.conf);
* the boolean query parameters that v0.0.40/v0.0.41 declared one by one
  (``*_OLD``, ``*_V40``) and 26.05 as exploded flags: they set or clear one flag bit.
  As in 24.11, ``false`` keeps only that bit of the flags (``flags &= bit``).

This area is registered last: a dispatcher here replaces the newer codec of the
same name and calls it for the newer declarations.
"""

from __future__ import annotations

from slurmrestd.data_parser.codecs import controller, dbd, messages, stdio, strings
from slurmrestd.data_parser.codecs.base import CodecSet, sub
from slurmrestd.data_parser.codecs.users import uid_to_name
from slurmrestd.data_parser.members import get_member, member
from slurmrestd.data_parser.versions import VERSIONS_24_11_ONLY
from slurmrestd.errors import E
from slurmrestd.slurm.constants import VALUES
from slurmrestd.slurm.dbd_msg_types import dbd_msg_type_name
from slurmrestd.slurm.msg_types import msg_type_name

CODECS = CodecSet()

#: slurmdb_rollup_stats_t rows, in DBD_ROLLUP_* order, and the names v0.0.40 gives them
_ROLLUP_KINDS = ("internal", "user")


def _int(v) -> int:
    return int(v or 0)


def _arr(stats, name, i):
    a = member(stats, name)
    return a[i] if a is not None and i < len(a) else 0


# -- diag ------------------------------------------------------------------------------------

@CODECS.dumper("STATS_MSG_RPCS_BY_TYPE")
def _dump_rpcs_by_type(d, t, stats):
    if not t.spec:
        return controller.CODECS.dump["STATS_MSG_RPCS_BY_TYPE"](d, t, stats)
    out = []
    n = _int(member(stats, "rpc_type_size", 0) or len(member(stats, "rpc_type_id") or ()))
    for i in range(n):
        ident, cnt, tm = _arr(stats, "rpc_type_id", i), _arr(stats, "rpc_type_cnt", i), _arr(stats, "rpc_type_time", i)
        out.append({"message_type": msg_type_name(int(ident)), "type_id": ident, "count": cnt,
                    "average_time": (tm // cnt) & 0xFFFFFFFF if tm > 0 and cnt > 0 else 0, "total_time": tm})
    return out


@CODECS.dumper("STATS_MSG_RPCS_BY_USER")
def _dump_rpcs_by_user(d, t, stats):
    if not t.spec:
        return controller.CODECS.dump["STATS_MSG_RPCS_BY_USER"](d, t, stats)
    out = []
    n = _int(member(stats, "rpc_user_size", 0) or len(member(stats, "rpc_user_id") or ()))
    for i in range(n):
        uid, cnt, tm = _arr(stats, "rpc_user_id", i), _arr(stats, "rpc_user_cnt", i), _arr(stats, "rpc_user_time", i)
        name = uid_to_name(uid, getattr(d.ctx, "names", None))
        out.append({"user": name if name is not None else "%u" % uid, "user_id": uid, "count": cnt,
                    "average_time": (tm // cnt) & 0xFFFFFFFF if tm > 0 and cnt > 0 else 0, "total_time": tm})
    return out


@CODECS.dumper("RPC_ID")
def _dump_rpc_id(d, t, value):
    if t.ctype == "slurmdbd_msg_type_t":  # v0.0.40: the slurmdbd RPCs of its diag
        return dbd_msg_type_name(int(value or 0))
    return controller.CODECS.dump["RPC_ID"](d, t, value)


@CODECS.dumper("ROLLUP_STATS")
def _dump_rollup_stats(d, t, stats):
    """v0.0.40: one object per kind of rollup that ever ran (hourly, daily, monthly)."""
    out = []
    if not stats:
        d.ctx.error(E.ESLURM_DATA_CONV_FAILED, "slurmctld", "rollup stats not provided by controller")
        return out
    for i, level in enumerate(("DBD_ROLLUP_HOUR", "DBD_ROLLUP_DAY", "DBD_ROLLUP_MONTH")):
        total = _int(get_member(stats, "time_total[%s]" % level))
        if not total:
            continue
        count = _int(get_member(stats, "count[%s]" % level))
        out.append({"type": _ROLLUP_KINDS[i] if i < len(_ROLLUP_KINDS) else "unknown",
                    "last_run": _int(get_member(stats, "timestamp[%s]" % level)),
                    "last_cycle": _int(get_member(stats, "time_last[%s]" % level)),
                    "max_cycle": _int(get_member(stats, "time_max[%s]" % level)),
                    "total_time": total, "total_cycles": count,
                    "mean_cycles": total // count if count > 1 else total})
    return out


# -- jobs ------------------------------------------------------------------------------------

#: JOB_RES_CORE status bits (slurm.h)
_CORE_ALLOCATED, _CORE_IN_USE = 0x2, 0x4


@CODECS.dumper("JOB_RES_NODES")
def _dump_job_res_nodes(d, t, job_res):
    """v0.0.40: per node ``sockets`` → ``{socket: {"cores": {core: status}}}`` with only the
    allocated cores (newer versions use the JOB_RES_NODE structs)."""
    if not t.spec:
        return messages.CODECS.dump["JOB_RES_NODES"](d, t, job_res)
    out = []
    for node in member(job_res, "allocation") or ():
        sockets: dict = {}
        for s in node.get("sockets") or ():
            for c in s.get("cores") or ():
                st = int(c.get("status") or 0)
                if st != 0xFFFFFFFFFFFFFFFE and st & _CORE_ALLOCATED:
                    cores = sockets.setdefault(str(s.get("index", 0)), {"cores": {}})["cores"]
                    cores[str(c.get("index", 0))] = "allocated_and_in_use" if st & _CORE_IN_USE else "allocated"
        out.append({"sockets": sockets, "nodename": node.get("name"),
                    "cpus_used": _int((node.get("cpus") or {}).get("used")),
                    "memory_used": _int((node.get("memory") or {}).get("used")),
                    "memory_allocated": _int((node.get("memory") or {}).get("allocated"))})
    return out


def _select_words(d) -> set:
    return {w.strip().upper() for w in (getattr(d.ctx, "select_type_param", "") or "").split(",") if w.strip()}


def _cr(d, *names) -> bool:
    """Whether the local SelectTypeParameters names one of ``names`` (CR_Core_Memory counts as CR_Core)."""
    words = _select_words(d)
    return any(w == n or w.startswith(n + "_") for w in words for n in names)


@CODECS.dumper("ALLOCATED_CORES")
def _dump_allocated_cores(d, t, value):
    return _int(value) if _cr(d, "CR_CORE", "CR_SOCKET") else 0


@CODECS.dumper("ALLOCATED_CPUS")
def _dump_allocated_cpus(d, t, value):
    return _int(value) if _cr(d, "CR_CPU") else 0


@CODECS.dumper("SELECT_PLUGIN_ID")
def _dump_select_plugin_id(d, t, value):
    """The select plugin id went away in 24.05: an empty string (nothing in complex mode)."""
    return None if d.ctx.complex_mode else ""


@CODECS.parser("SELECT_PLUGIN_ID")
def _parse_select_plugin_id(p, t, data, path):
    return None


# -- nodes -----------------------------------------------------------------------------------

@CODECS.dumper("NODE_SELECT_ALLOC_MEMORY")
def _dump_node_alloc_memory(d, t, node):
    return _int(member(node, "alloc_memory"))


@CODECS.dumper("NODE_SELECT_ALLOC_CPUS")
def _dump_node_alloc_cpus(d, t, node):
    return _int(member(node, "alloc_cpus")) & 0xFFFF


@CODECS.dumper("NODE_SELECT_TRES_USED")
def _dump_node_tres_used(d, t, node):
    return member(node, "alloc_tres_fmt_str") or ""


# -- slurmdbd --------------------------------------------------------------------------------

@CODECS.dumper("ASSOC_ID")
def _dump_assoc_id(d, t, assoc):
    if t.pointer_to != "ASSOC_SHORT":
        return dbd.CODECS.dump["ASSOC_ID"](d, t, assoc)
    # v0.0.40: the short association itself (the match from the loaded list when there is one)
    ident = _int(get_member(assoc, "id"))
    table = getattr(d.ctx, "assoc", None)
    if ident and ident < 0xFFFFFFFE and table:
        match = next((r for r in table if dbd._assoc_matches(r, assoc)), None)
        if match is not None:
            return sub(d, "ASSOC_SHORT", match)
    if d.ctx.complex_mode:
        return None
    return sub(d, "ASSOC_SHORT", assoc)


def _flag_param(cond_type: str, flag: str):
    bit = VALUES[flag]

    def dump(d, t, cond):
        return bool(_int(member(cond, "flags")) & bit)

    def parse(p, t, data, path):
        on = strings.CODECS.parse["BOOL"](p, p.reg["BOOL"], data, path)  # no type warning, as in C
        flags = _int((p.current or {}).get("flags"))
        return {"flags": (flags | bit) if on else (flags & bit)}
    return dump, parse


_FLAG_PARAMS = {
    "QOS_CONDITION_WITH_DELETED_OLD": "QOS_COND_FLAG_WITH_DELETED",
    "ASSOC_CONDITION_WITH_DELETED_OLD": "ASSOC_COND_FLAG_WITH_DELETED",
    "ASSOC_CONDITION_WITH_USAGE_OLD": "ASSOC_COND_FLAG_WITH_USAGE",
    "ASSOC_CONDITION_ONLY_DEFS_OLD": "ASSOC_COND_FLAG_ONLY_DEFS",
    "ASSOC_CONDITION_RAW_QOS_OLD": "ASSOC_COND_FLAG_RAW_QOS",
    "ASSOC_CONDITION_SUB_ACCTS_OLD": "ASSOC_COND_FLAG_SUB_ACCTS",
    "ASSOC_CONDITION_WOPI_OLD": "ASSOC_COND_FLAG_WOPI",
    "ASSOC_CONDITION_WOPL_OLD": "ASSOC_COND_FLAG_WOPL",
    "ACCOUNT_CONDITION_WITH_ASSOC_V40": "SLURMDB_ACCT_FLAG_WASSOC",
    "ACCOUNT_CONDITION_WITH_WCOORD_V40": "SLURMDB_ACCT_FLAG_WCOORD",
    "ACCOUNT_CONDITION_WITH_DELETED_V40": "SLURMDB_ACCT_FLAG_DELETED",
}

for _name, _flag in _FLAG_PARAMS.items():
    _d, _p = _flag_param(_name, _flag)
    CODECS.add_dump(_name, _d)
    CODECS.add_parse(_name, _p)


# -- job stdio paths as 24.11's libslurm gave them ---------------------------------------------

def _default_out(job) -> str:
    work_dir = member(job, "work_dir") or ""
    if member(job, "array_job_id", 0):
        return "%s/slurm-%u_%u.out" % (work_dir, _int(member(job, "array_job_id")),
                                       _int(member(job, "array_task_id")) & 0xFFFFFFFF)
    return "%s/slurm-%u.out" % (work_dir, _int(member(job, "job_id")))


def _stdio_24_11(d, job, which: str) -> str:
    """slurm_get_job_std{in,out,err}() of 24.11: a batch job without a path has the default
    (stdin /dev/null, stdout slurm-%j.out in the working directory, stderr = stdout)."""
    pattern = stdio._job_pattern(d, job)
    path = member(job, {"in": "std_in", "out": "std_out", "err": "std_err"}[which])
    if path:
        return stdio.expand_stdio(path, pattern)
    if not member(job, "batch_flag", 0):
        return ""
    if which == "in":
        return "/dev/null"
    if which == "err" and member(job, "std_out"):
        return stdio.expand_stdio(member(job, "std_out"), pattern)
    return _default_out(job)


def _stdio_dispatch(name: str, which: str):
    newer = stdio.CODECS.dump[name]

    def fn(d, t, job):
        if d.reg.version in VERSIONS_24_11_ONLY:
            return _stdio_24_11(d, job, which)
        return newer(d, t, job)
    return fn


for _name, _which in (("JOB_INFO_STDIN", "in"), ("JOB_INFO_STDOUT", "out"), ("JOB_INFO_STDERR", "err")):
    CODECS.add_dump(_name, _stdio_dispatch(_name, _which))
