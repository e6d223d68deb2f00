"""Leaf codecs for the slurmdbd records: accounting jobs and steps, associations.

The only codecs of these names (the slurmctld job codecs use other type names).
Each function mirrors one ``DUMP_FUNC`` of ``src/plugins/data_parser/v0.0.4x/parsers.c``:

* ``STEP_TRES_REQ_MAX`` … ``STEP_TRES_USAGE_MIN``: the per-TRES max/min of a
  step with the node and task where it happened (``_dump_tres_nct``);
* ``STEP_STDIN_EXP`` … and ``JOB_STDIN`` …: stdio paths with their ``%``
  patterns expanded (``slurmdb_expand_step_stdio_fields`` /
  ``slurmdb_expand_job_stdio_fields``);
* ``JOB_ASSOC_ID``: v0.0.43 on dump the job's cluster and association id only;
  v0.0.42 looks the association up in the association table (the ``ASSOC``
  need, loaded with deleted ones) and dumps what it finds;
* ``CPU_FREQ_FLAGS``: ``cpu_freq_to_string`` (0 is ``"0"``, kHz scaled as
  ``convert_num_unit2`` does: ``2.40G``);
* ``INT32``/``INT64``: C signed integers, so an unsigned 64-bit count such as
  NO_VAL64 in a TRES string dumps as -2, as the reference does.
"""

from __future__ import annotations

import time
from typing import Any, Optional

from slurmrestd.data_parser.codecs.base import CodecSet, sub
from slurmrestd.data_parser.codecs.hostlists import hostlist_expand
from slurmrestd.data_parser.codecs.resources import cpu_freq_to_string as governor_name
from slurmrestd.data_parser.codecs.stdio import stdio_dumper
from slurmrestd.data_parser.codecs.tres import tres_list_from_string
from slurmrestd.data_parser.members import member
from slurmrestd.data_parser.versions import not_newer_than
from slurmrestd.data_parser.plain import compact, to_int
from slurmrestd.errors import E
from slurmrestd.slurm.constants import VALUES
from slurmrestd.slurm.defs import SLURM_BATCH_SCRIPT
from slurmrestd.slurm.sentinels import NO_VAL

CODECS = CodecSet()
dumper, parser = CODECS.dumper, CODECS.parser

# ---------------------------------------------------------------------------
# signed integers
# ---------------------------------------------------------------------------


def _signed(value: Any, bits: int) -> int:
    if value is None:
        return 0
    v = int(value) & ((1 << bits) - 1)
    return v - (1 << bits) if v >> (bits - 1) else v


@dumper("INT64")
def _dump_int64(d, t, value):
    return _signed(value, 64)


@dumper("INT32")
def _dump_int32(d, t, value):
    return _signed(value, 32)


# ---------------------------------------------------------------------------
# CPU frequency
# ---------------------------------------------------------------------------

_UNITS = "\0KMGTP?"


def convert_num_unit2(num: float, orig_type: int, divisor: int) -> str:
    """``convert_num_unit2(num, …, orig_type, NO_VAL, divisor, 0)``: scale while ≥ divisor."""
    if int(num) == 0:
        return "0"
    while num >= divisor:
        num /= divisor
        orig_type += 1
    if orig_type < 0 or orig_type > 5:
        orig_type = 6
    unit = _UNITS[orig_type].replace("\0", "")
    i = int(num)
    if float(i) == num:
        return "%d%s" % (i, unit)
    return "%.2f%s" % (num, unit)


def cpu_freq_to_string(v: int) -> str:
    """``cpu_freq_to_string``: governor names, "Unknown" for other range values (NO_VAL
    among them), else the frequency in kHz scaled (``0``, ``1M``, ``2.40G``)."""
    if v & VALUES["CPU_FREQ_RANGE_FLAG"]:
        return governor_name(v)
    return convert_num_unit2(float(v), 1, 1000)  # UNIT_KILO


@dumper("CPU_FREQ_FLAGS")
def _dump_cpu_freq(d, t, value):
    return cpu_freq_to_string(NO_VAL if value is None else int(value))


# ---------------------------------------------------------------------------
# step TRES with node and task (_dump_tres_nct)
# ---------------------------------------------------------------------------


def _nth_host(nodes: Optional[str], index: int) -> Optional[str]:
    if not nodes:
        return None
    try:
        hosts = hostlist_expand(nodes)
    except Exception:  # noqa: BLE001 - an unparsable node list names no host
        return None
    return hosts[index] if 0 <= index < len(hosts) else None


def dump_tres_nct(d, counts: Optional[str], node_ids: Optional[str], task_ids: Optional[str],
                  nodes: Optional[str]) -> list:
    """One entry per TRES of the table (in table order) that has a count, node or task."""
    table = d.ctx.need("TRES")
    if table is None or (counts is None and node_ids is None and task_ids is None):
        return []
    recs = [{"type": r.get("type"), "name": r.get("name"), "id": r.get("id"), "count": 0, "task": 0,
             "node": None} for r in table]
    by_id = {r["id"]: r for r in recs}
    for text, key in ((counts, "count"), (node_ids, "node"), (task_ids, "task")):
        for item in tres_list_from_string(text or "", None):
            rec = by_id.get(item["id"])
            if rec is None:  # a TRES the table does not know: C gives up on the whole list
                return []
            rec[key] = _nth_host(nodes, item["count"]) if key == "node" else item["count"]
    return [sub(d, "TRES_NCT", r) for r in recs if r["count"] or r["node"] or r["task"]]


def _step_tres_nct(kind: str):
    prefix = "stats.tres_usage_%s_" % kind

    def fn(d, t, step):
        return dump_tres_nct(d, member(step, prefix + t.name[-3:].lower()),
                             member(step, prefix + t.name[-3:].lower() + "_nodeid"),
                             member(step, prefix + t.name[-3:].lower() + "_taskid"), member(step, "nodes"))
    return fn


for _name, _kind in (("STEP_TRES_REQ_MAX", "in"), ("STEP_TRES_REQ_MIN", "in"),
                     ("STEP_TRES_USAGE_MAX", "out"), ("STEP_TRES_USAGE_MIN", "out")):
    CODECS.add_dump(_name, _step_tres_nct(_kind))


# ---------------------------------------------------------------------------
# stdio paths of accounting jobs and steps
# ---------------------------------------------------------------------------


def _first_host(nodes: Optional[str]) -> Optional[str]:
    return _nth_host(nodes, 0)


def db_job_pattern(d, job) -> dict:
    """``slurmdb_expand_job_stdio_fields``: the job's fields, step = batch."""
    return {"array_job_id": member(job, "array_job_id", 0), "array_task_id": member(job, "array_task_id", 0),
            "first_step_node": _first_host(member(job, "nodes")), "jobname": member(job, "jobname"),
            "restart_cnt": member(job, "restart_cnt", 0), "job_id": member(job, "jobid", 0),
            "sluid": member(job, "db_index", 0), "step_id": SLURM_BATCH_SCRIPT, "user": member(job, "user"),
            "work_dir": member(job, "work_dir")}


def db_step_pattern(d, step) -> dict:
    """``slurmdb_expand_step_stdio_fields``: array and names from the job, the rest from the step."""
    job = member(step, "job_ptr") or {}
    return {"array_job_id": member(job, "array_job_id", 0), "array_task_id": member(job, "array_task_id", 0),
            "first_step_node": _first_host(member(step, "nodes")), "jobname": member(job, "jobname"),
            "restart_cnt": 0, "job_id": member(step, "step_id.job_id", 0), "sluid": member(step, "step_id.sluid", 0),
            "step_id": member(step, "step_id.step_id", NO_VAL), "user": member(job, "user"),
            "work_dir": member(step, "cwd")}


for _n, _mem in (("STDIN", "std_in"), ("STDOUT", "std_out"), ("STDERR", "std_err")):
    CODECS.add_dump("JOB_%s" % _n, stdio_dumper(_mem, db_job_pattern))
    CODECS.add_dump("STEP_%s_EXP" % _n, stdio_dumper(_mem, db_step_pattern))


# ---------------------------------------------------------------------------
# associations of jobs
# ---------------------------------------------------------------------------


def _same(a: Optional[str], b: Optional[str]) -> bool:
    """``_match``: both unset, or equal ignoring case."""
    if not a and not b:
        return True
    if not a or not b:
        return False
    return a.lower() == b.lower()


def compare_assoc(rec: dict, key: dict) -> bool:
    """``compare_assoc``: by id (and cluster) when the key has one, else by the four names."""
    kid = key.get("id") or 0
    if 0 < kid == rec.get("id"):
        return _same(rec.get("cluster"), key.get("cluster"))
    return all(_same(rec.get(k), key.get(k)) for k in ("acct", "cluster", "partition", "user"))


def find_assoc(table, key: dict) -> Optional[dict]:
    for rec in table or ():
        if compare_assoc(rec, key):
            return rec
    return None


def _v42(d) -> bool:
    """v0.0.42 and the older versions."""
    return not_newer_than(getattr(d.reg, "version", ""), "v0.0.42")


@dumper("JOB_ASSOC_ID")
def _dump_job_assoc(d, t, job):
    cluster, associd = member(job, "cluster"), int(member(job, "associd", 0) or 0)
    if not _v42(d):
        return sub(d, "ASSOC_SHORT", {"cluster": cluster, "id": associd})
    found = None
    if associd and associd != NO_VAL:
        found = find_assoc(d.ctx.need("ASSOC"), {"cluster": cluster, "id": associd})
    if found is None:
        d.ctx.warn("", "Unknown association with id#%u. Unable to dump association." % associd)
        return {}
    return sub(d, "ASSOC_SHORT", found)


# ---------------------------------------------------------------------------
# job cond filters: names become the numeric ids slurmdbd matches on
# ---------------------------------------------------------------------------


@parser("USER_ID_STRING")
def _parse_user_id_string(p, t, data, path):
    """A user name or uid, sent to slurmdbd as the uid in decimal."""
    return "%u" % p.parse(p.reg["USER_ID"], data, path)


@parser("GROUP_ID_STRING")
def _parse_group_id_string(p, t, data, path):
    return "%u" % p.parse(p.reg["GROUP_ID"], data, path)


@parser("JOB_STATE_ID_STRING")
def _parse_job_state_id_string(p, t, data, path):
    """A job state name (or its number), sent as the state number in decimal."""
    if isinstance(data, int) and not isinstance(data, bool):
        return "%u" % (data & 0xFFFFFFFF)
    return "%u" % (int(p.parse(p.reg["JOB_STATE"], data, path) or 0) & 0xFFFFFFFF)


# ---------------------------------------------------------------------------
# planned time (sacct's "Planned": how long the job waited, or has been waiting)
# ---------------------------------------------------------------------------

_INFINITE = 0xFFFFFFFF
_MASK64 = (1 << 64) - 1


@dumper("JOB_PLANNED_TIME")
def _dump_planned_time(d, t, job):
    """Start (or end, for a job that never started; or now) minus eligible; 0 when never
    eligible.  The difference is a C unsigned 64-bit number shown as a signed one, so a
    job cancelled before its begin time reports a negative wait, as the reference does."""
    elig, start, end = int(member(job, "eligible", 0) or 0), member(job, "start"), int(member(job, "end", 0) or 0)
    start = 0 if start is None else int(start)
    if not elig or elig == _INFINITE:
        diff = 0
    elif start == NO_VAL and end:
        diff = end - elig
    elif start:
        diff = start - elig
    else:
        diff = int(time.time()) - elig
    u = diff & _MASK64
    return sub(d, "UINT64_NO_VAL", u if u >= (_MASK64 - 1) else _signed(u, 64))


# ---------------------------------------------------------------------------
# association ids in a cond
# ---------------------------------------------------------------------------


@parser("ASSOC_ID_STRING_CSV_LIST")
def _parse_assoc_id_csv(p, t, data, path):
    """A list (or comma separated string) of association ids.  The C parser gives up
    silently on a non-numeric id; we name it (slurmdbd would refuse it anyway)."""
    items = data if isinstance(data, list) else ([] if data is None else str(data).split(","))
    out = []
    for x in items:
        if isinstance(x, dict):
            x = x.get("id")
        if x is None or x == "":
            continue
        n = to_int(x)
        if n is None or n < 0:
            p.error(E.ESLURM_DATA_CONV_FAILED, path, "Expected integer but got %s" % compact(x))
        out.append(str(n))
    return out


# ---------------------------------------------------------------------------
# job cond submit time
# ---------------------------------------------------------------------------

_JOBCOND_FLAG_NO_DEFAULT_USAGE = 1 << 7


@parser("JOB_CONDITION_SUBMIT_TIME")
def _parse_jc_submit_time(p, t, data, path):
    """``submit_time``: the usage start, and the window no longer defaults (the
    ``usage_time_as_submit_time`` flag is set with it)."""
    if data is None:
        return {}
    v = p.parse(p.reg["TIMESTAMP_NO_VAL"], data, path)
    if v is None or v == 0xFFFFFFFFFFFFFFFE:
        return {}
    flags = int((getattr(p, "current", None) or {}).get("flags") or 0)
    return {"usage_start": v, "flags": flags | _JOBCOND_FLAG_NO_DEFAULT_USAGE}
