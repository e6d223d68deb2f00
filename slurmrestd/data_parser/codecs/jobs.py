"""Job fields: state reason, signals, nice, hold, exclusive, exit codes, GRES details,
priorities by partition and the job ids of job state, array and kill responses."""

from __future__ import annotations

import re

from slurmrestd.data_parser.codecs.base import CodecSet, folded, sub
from slurmrestd.data_parser.codecs.jobids import unfmt_job_id_string
from slurmrestd.data_parser.codecs.strings import dump_bitstr
from slurmrestd.data_parser.members import member
from slurmrestd.data_parser.plain import UNSET, compact, parse_string, to_bool, to_int
from slurmrestd.errors import E, strerror
from slurmrestd.slurm.constants import JOB_REASONS, VALUES
from slurmrestd.slurm.sentinels import INFINITE, NO_VAL, NO_VAL16

CODECS = CodecSet()


NICE_OFFSET = VALUES["NICE_OFFSET"]


@CODECS.dumper("JOB_REASON")
def _dump_job_reason(d, t, value):
    return JOB_REASONS.get(int(value or 0), "InvalidReason")


_SIGNALS = (("HUP", 1), ("INT", 2), ("QUIT", 3), ("ABRT", 6), ("KILL", 9), ("ALRM", 14),
            ("TERM", 15), ("CHLD", 17), ("USR1", 10), ("USR2", 12), ("PIPE", 13), ("URG", 23),
            ("CONT", 18), ("STOP", 19), ("TSTP", 20), ("TTIN", 21), ("TTOU", 22), ("XCPU", 24))
SIGRTMAX = 64


def sig_num2name(num: int) -> str:
    for name, n in _SIGNALS:
        if n == num:
            return name
    return str(num)


def sig_name2num(s: str) -> int:
    """0 when unknown (as ``sig_name2num``)."""
    m = re.match(r"^\s*([+-]?\d+)", s)
    if m:
        return int(m.group(1)) if not s[m.end():].strip() else 0
    s = s.lstrip()
    if s[:3].upper() == "SIG":
        s = s[3:]
    for name, n in _SIGNALS:
        if s[:len(name)].upper() == name and not s[len(name):].strip():
            return n
    return 0


@CODECS.dumper("SIGNAL")
def _dump_signal(d, t, value):
    if value is None or value == NO_VAL16:
        return None if d.ctx.complex_mode else ""
    return sig_num2name(int(value))


@CODECS.parser("SIGNAL")
def _parse_signal(p, t, data, path):
    n = to_int(data) if not isinstance(data, str) or data.strip().lstrip("+-").isdigit() else None
    if n is not None:
        if not 0 <= n <= 0xFFFF:
            p.error(E.ESLURM_DATA_CONV_FAILED, path, f"Signal number out of range: {n}")
        return n
    if isinstance(data, (dict, list)) or data is None:
        p.error(E.ESLURM_DATA_CONV_FAILED, path, f"expected string but got {compact(data)}")
    s = parse_string(p, t, data, path)
    if not s:
        return NO_VAL16
    n = sig_name2num(s)
    if not n:
        p.error(E.ESLURM_DATA_CONV_FAILED, path, f"Unknown signal {s}")
    if n < 1 or n >= SIGRTMAX:
        p.ctx.warn("", f"Non-standard signal number: {n}")
    return n


@CODECS.dumper("NICE")
def _dump_nice(d, t, value):
    if value is None or value in (NO_VAL, NICE_OFFSET):
        return 0
    return int(value) - NICE_OFFSET


@CODECS.parser("NICE")
def _parse_nice(p, t, data, path):
    v = to_int(data) if data is not None else 0
    if v is None or not -2**31 <= v < 2**31 or abs(v) > NICE_OFFSET - 3:
        p.error(E.ESLURM_INVALID_NICE, path, "Nice value not within +/- 2147483645")
    return v + NICE_OFFSET


@CODECS.dumper("HOLD")
def _dump_hold(d, t, value):
    return value == 0


@CODECS.parser("HOLD")
def _parse_hold(p, t, data, path):
    if data is None:
        return UNSET  # implied false: leave priority alone
    if isinstance(data, (list, dict)):
        p.error(E.ESLURM_DATA_CONV_FAILED, path, f"Expected boolean but got {compact(data)}")
    return 0 if to_bool(data) else INFINITE


@CODECS.dumper("JOB_EXCLUSIVE")
def _dump_job_exclusive(d, t, value):
    return sub(d, "JOB_EXCLUSIVE_FLAGS", value)


_EXCLUSIVE = {"no": "JOB_SHARED_OK", "none": "JOB_SHARED_OK", "node": "JOB_SHARED_NONE",
              "user": "JOB_SHARED_USER", "mcs": "JOB_SHARED_MCS", "topo": "JOB_SHARED_TOPO"}


@CODECS.parser("JOB_EXCLUSIVE")
def _parse_job_exclusive(p, t, data, path):
    if data is None:
        return VALUES["JOB_SHARED_OK"]
    if isinstance(data, bool):
        return VALUES["JOB_SHARED_NONE"] if data else VALUES["JOB_SHARED_OK"]
    if isinstance(data, str) and data.lower() in _EXCLUSIVE:
        return VALUES[_EXCLUSIVE[data.lower()]]
    return p.parse(p.reg["JOB_EXCLUSIVE_FLAGS"], data, path)


@CODECS.dumper("PROCESS_EXIT_CODE")
@folded(0, None, NO_VAL)
def _dump_exit_code(d, t, value):
    value = NO_VAL if value is None else int(value)
    st = {"status": VALUES["PROC_EXIT_CODE_INVALID"], "return_code": NO_VAL, "signal": NO_VAL16}
    if value == NO_VAL:
        st["status"] = VALUES["PROC_EXIT_CODE_PENDING"]
    elif value & 0x7F == 0:  # WIFEXITED
        st["return_code"] = (value >> 8) & 0xFF
        st["status"] = VALUES["PROC_EXIT_CODE_ERROR" if st["return_code"] else "PROC_EXIT_CODE_SUCCESS"]
    elif ((value & 0x7F) + 1) & 0xFF >= 2:  # WIFSIGNALED (signed char arithmetic)
        st["status"] = VALUES["PROC_EXIT_CODE_SIGNALED"]
        st["signal"] = value & 0x7F
    elif value & 0x80:  # WCOREDUMP
        st["status"] = VALUES["PROC_EXIT_CODE_CORE_DUMPED"]
    else:
        st["return_code"] = value
    return sub(d, "PROCESS_EXIT_CODE_VERBOSE", st)


@CODECS.parser("PROCESS_EXIT_CODE")
def _parse_exit_code(p, t, data, path):
    if not isinstance(data, (dict, list)) and to_int(data) is not None:
        return p.parse(p.reg["UINT32_NO_VAL"], data, path)
    rcv = p.parse(p.reg["PROCESS_EXIT_CODE_VERBOSE"], data, path)
    return rcv.get("return_code", NO_VAL)


@CODECS.dumper("JOB_ARRAY_RESPONSE_MSG")
def _dump_job_array_resp(d, t, msg):
    msg = msg or {}
    ids = member(msg, "job_array_id") or []
    codes = member(msg, "error_code") or []
    texts = member(msg, "err_msg") or []
    entries = []
    for i, jid in enumerate(ids):
        rc = codes[i] if i < len(codes) else 0
        entry = {"rc": rc, "msg": texts[i] if i < len(texts) else None, "step": None}
        try:
            entry["step"] = unfmt_job_id_string(jid or "")
        except ValueError as exc:
            d.ctx.warn("unfmt_job_id_string()", f"Unable to parse JobId={jid}: "
                                                f"{strerror(int(exc.args[0]))}")
            entry["step"] = {"step_id": {"job_id": NO_VAL}}
        entries.append(entry)
    return sub(d, "JOB_ARRAY_RESPONSE_ARRAY", entries)


@CODECS.dumper("JOB_INFO_GRES_DETAIL")
def _dump_gres_detail(d, t, job):
    return [str(x) for x in (member(job, "gres_detail_str") or ())]


@CODECS.dumper("PRIORITY_BY_PARTITION")
def _dump_prio_by_part(d, t, job):
    prios = member(job, "priority_array")
    if not prios:
        return []
    names = [x for x in (member(job, "priority_array_names") or "").split(",") if x]
    return [sub(d, "PART_PRIO", {"part": n, "prio": prios[i] if i < len(prios) else 0})
            for i, n in enumerate(names)]


@CODECS.dumper("KILL_JOBS_MSG_JOBS_ARRAY")
def _dump_kill_jobs_array(d, t, msg):
    return [str(x) for x in (member(msg, "jobs_array") or ())]


@CODECS.parser("KILL_JOBS_MSG_JOBS_ARRAY")
def _parse_kill_jobs_array(p, t, data, path):
    seq = data if isinstance(data, list) else ([] if data is None else [data])
    jobs = [parse_string(p, t, x, path) for x in seq]
    return {"jobs_array": jobs, "jobs_cnt": len(jobs)}


@CODECS.dumper("JOB_STATE_RESP_JOB_JOB_ID")
def _dump_state_resp_job_id(d, t, job):
    """As the C dumper: "123+1" for het components (offset from het_job_id),
    "123" for plain jobs, "123_[1-3]" for unsplit array tasks, "123_*" for a
    whole array, "123_4" for one task."""
    job_id = member(job, "job_id", 0)
    het = member(job, "het_job_id", 0)
    if not job_id:
        return ""
    if het:
        return f"{job_id}+{job_id - het}"
    if not member(job, "array_job_id", 0):
        return f"{job_id}"
    bitmap = member(job, "array_task_id_bitmap")
    if bitmap:
        return f"{job_id}_[{dump_bitstr(d, t, bitmap)}]"
    task = member(job, "array_task_id", NO_VAL)
    if task in (NO_VAL, INFINITE):
        return f"{job_id}_*"
    if task < NO_VAL:
        return f"{job_id}_{task}"
    d.ctx.error(E.ESLURM_DATA_CONV_FAILED, "job_state_response_msg_t", "Unable to dump JobId from job state")
    return ""


