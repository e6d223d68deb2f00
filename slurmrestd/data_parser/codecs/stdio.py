"""Standard input/output/error paths of jobs and steps, with their ``%`` patterns expanded."""

from __future__ import annotations

import re

from slurmrestd.data_parser.codecs.base import CodecSet
from slurmrestd.data_parser.codecs.hostlists import hostlist_expand
from slurmrestd.data_parser.codecs.users import uid_to_name
from slurmrestd.data_parser.members import member
from slurmrestd.slurm.defs import SLURM_BATCH_SCRIPT
from slurmrestd.slurm.sentinels import NO_VAL
from slurmrestd.slurm.sluid import print_sluid

CODECS = CodecSet()


#: The pattern letters ``expand_stdio`` replaces.
_WILDCARDS = "AabJjrSsxNntu"
#: One ``%`` escape of an ASCII path: optional pad digits, then the character after them (if any).
_ESCAPE = re.compile(r"%([0-9]*)(.?)", re.S)


def expand_stdio(path: str, job: dict) -> str:
    """``expand_stdio_fields()`` for a non-srun job pattern dict with keys
    array_job_id, array_task_id, first_step_node, jobname, restart_cnt,
    job_id, sluid, step_id, user, work_dir."""
    if not path:
        return ""
    out = []
    wd = job.get("work_dir")
    if wd is not None and path[0] != "/":
        # an empty (but set) working directory still gets its "/", as in C
        out.append(wd if wd.endswith("/") else wd + "/")
    if "\\" in path:
        out.append(path.replace("\\", ""))
        return "".join(out)
    if "%" not in path:
        out.append(path)
    elif path.isascii():
        _expand_escapes(path, job, out)
    else:  # str.isdigit() knows more digits than [0-9]: the character walk decides
        _expand_by_character(path, job, out)
    return "".join(out)


def _expand_escapes(path: str, job, out: list) -> None:
    """The ``%`` escapes of an ASCII path, found by one regular expression (what
    ``_expand_by_character`` does, without a Python step per character)."""
    pos = 0
    for m in _ESCAPE.finditer(path):
        out.append(path[pos:m.start()])
        pos = m.end()
        digits, c = m.group(1), m.group(2)
        if not digits:
            if not c:
                break  # a % that ends the path is dropped
            if c == "%":
                out.append("%")
            elif c in _WILDCARDS:
                out.append(_wildcard(c, 0, job))
            else:
                out.append("%" + c)
        elif c and c in _WILDCARDS:
            n = int(digits)
            out.append(_wildcard(c, n if n <= 9 else 10, job))
        else:
            out.append("%" + digits + c)
    out.append(path[pos:])


def _expand_by_character(path: str, job, out: list) -> None:
    i, n = 0, len(path)
    while i < n:
        c = path[i]
        if c != "%":
            out.append(c)
            i += 1
            continue
        i += 1
        if i >= n:
            break
        if path[i] == "%":
            out.append("%")
            i += 1
            continue
        pad = 0
        start = i
        if path[i].isdigit():
            m = re.match(r"\d+", path[i:])
            pad = min(int(m.group(0)), 10) if int(m.group(0)) <= 9 else 10
            i += m.end()
            if i >= n or path[i] not in _WILDCARDS:
                out.append("%" + path[start:i + 1])
                i += 1
                continue
        w = path[i] if i < n else ""
        if w not in _WILDCARDS or not w:
            out.append("%" + w)
            i += 1
            continue
        out.append(_wildcard(w, pad, job))
        i += 1


def _num(v, pad):
    return "%0*u" % (pad, (v or 0) & 0xFFFFFFFF) if pad else "%u" % ((v or 0) & 0xFFFFFFFF)


def _wildcard(w, pad, job):
    jid = job.get("job_id") or 0
    step = job.get("step_id", NO_VAL)
    if w == "A":
        return _num(job.get("array_job_id") or jid, pad)
    if w in "Jj":
        s = _num(jid, pad)
        if w == "J" and step != SLURM_BATCH_SCRIPT:
            s += ".%d" % (step if step < 2**31 else step - 2**32)
        return s
    if w == "a":
        return _num(job.get("array_task_id"), pad)
    if w == "b":
        return _num((job.get("array_task_id") or 0) % 10, pad)
    if w == "N":
        return "%s" % (job.get("first_step_node") or "(null)")
    if w == "r":
        return _num(job.get("restart_cnt"), pad)
    if w == "S":
        return print_sluid(job.get("sluid") or 0)
    if w == "s":
        return "batch" if step == SLURM_BATCH_SCRIPT else _num(step, pad)
    if w in "nt":
        return _num(0, pad)
    if w == "u":
        return "%s" % (job.get("user") or "(null)")
    if w == "x":
        return "%s" % (job.get("jobname") or "(null)")
    return ""


class LazyPattern:
    """The pattern mapping ``expand_stdio`` reads (only through ``get``), each value computed
    the first time it is asked for: most paths name one or two fields (``%j``), and a job
    list expands three paths per job."""

    __slots__ = ("_fields", "_d", "_obj", "_got")

    def __init__(self, fields: dict, d, obj) -> None:
        self._fields, self._d, self._obj, self._got = fields, d, obj, {}

    def get(self, key: str, default=None):
        got = self._got
        if key in got:
            return got[key]
        fn = self._fields.get(key)
        if fn is None:
            return default
        value = got[key] = fn(self._d, self._obj)
        return value


#: The fields of a job's pattern (``_job_pattern``), by key.
_JOB_FIELDS = {
    "array_job_id": lambda d, job: member(job, "array_job_id", 0),
    "array_task_id": lambda d, job: member(job, "array_task_id", 0),
    "first_step_node": lambda d, job: member(job, "batch_host"),
    "jobname": lambda d, job: member(job, "name"),
    "restart_cnt": lambda d, job: member(job, "restart_cnt", 0),
    "job_id": lambda d, job: member(job, "step_id.job_id", 0),
    "sluid": lambda d, job: member(job, "step_id.sluid", 0),
    "step_id": lambda d, job: SLURM_BATCH_SCRIPT,
    "user": lambda d, job: member(job, "user_name") or uid_to_name(member(job, "user_id"), d.ctx.names,
                                                                   d.ctx.user_names),
    "work_dir": lambda d, job: member(job, "work_dir"),
}


def _job_pattern(d, job) -> LazyPattern:
    return LazyPattern(_JOB_FIELDS, d, job)


def _step_pattern(d, step) -> dict:
    nodes = member(step, "nodes")
    try:
        first = hostlist_expand(nodes)[0] if nodes else None
    except Exception:  # noqa: BLE001
        first = None
    return {"array_job_id": member(step, "array_job_id", 0), "array_task_id": member(step, "array_task_id", 0),
            "first_step_node": first, "jobname": member(step, "job_name") or member(step, "name"),
            "job_id": member(step, "step_id.job_id", 0), "sluid": member(step, "step_id.sluid", 0),
            "step_id": member(step, "step_id.step_id", NO_VAL), "user": uid_to_name(member(step, "user_id"), d.ctx.names, d.ctx.user_names),
            "work_dir": member(step, "cwd")}


def stdio_dumper(field, pattern):
    """A dumper of the path in member ``field``, expanded with the fields ``pattern(obj)`` gives."""
    def fn(d, t, obj):
        path = member(obj, field)
        return expand_stdio(path, pattern(d, obj)) if path else ""
    return fn


@CODECS.dumper("JOB_INFO_STDIN")
def _dump_job_info_stdin(d, t, job):
    """v0.0.42 ``slurm_get_job_stdin()``: a batch job without stdin reads /dev/null."""
    path = member(job, "std_in")
    if path:
        return expand_stdio(path, _job_pattern(d, job))
    return "/dev/null" if member(job, "batch_flag", 0) else ""


for _n, _field in (("STDIN", "std_in"), ("STDOUT", "std_out"), ("STDERR", "std_err")):
    _job_fn = stdio_dumper(_field, _job_pattern)
    CODECS.add_dump(f"JOB_INFO_{_n}_EXP", _job_fn)
    if _n != "STDIN":  # the v0.0.42 names (JOB_INFO_STDIN is above)
        CODECS.add_dump(f"JOB_INFO_{_n}", _job_fn)
    CODECS.add_dump(f"STEP_INFO_{_n}_EXP", stdio_dumper(_field, _step_pattern))
