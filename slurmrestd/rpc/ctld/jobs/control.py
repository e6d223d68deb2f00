"""Changing jobs: update (REQUEST_UPDATE_JOB), signal and cancel
(REQUEST_KILL_JOB, REQUEST_KILL_JOBS) and requeue (REQUEST_JOB_REQUEUE)."""

from __future__ import annotations

import signal as _signal

from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc.ctld.jobs.ids import format_job_id
from slurmrestd.rpc.ctld.jobs.layouts import JOB_REQUEUE, JOB_STEP_KILL, KILL_JOBS, KILL_JOBS_RESP_JOB
from slurmrestd.rpc.ctld.jobs.submit import encode_job_desc
from slurmrestd.rpc.layouts import nest
from slurmrestd.slurm.msg_types import MsgType
from slurmrestd.rpc.pack import Packer, Unpacker, UnpackError
from slurmrestd.slurm.defs import JOB_END, JOB_REQUEUE_HOLD, JOB_SPECIAL_EXIT, KILL_FULL_JOB, SLURM_AUTH_NOBODY
from slurmrestd.slurm.jobid import step_id_init
from slurmrestd.slurm.sentinels import NO_VAL

#: A reply that is one ``job_array_resp_msg_t``, or RC 0 when there are no per-task results.
_ARRAY_ERRORS_OR_RC = (MsgType.RESPONSE_JOB_ARRAY_ERRORS, MsgType.RESPONSE_SLURM_RC)


def unpack_job_array_resp(u: Unpacker, version: int) -> dict:
    """``_unpack_job_array_resp_msg`` → ``job_array_resp_msg_t``
    {job_array_count, error_code[], job_array_id[], err_msg[]}."""
    n = u.u32()
    if n > NO_VAL:
        raise UnpackError("job_array_resp: count %#x" % n)
    codes, ids, msgs = [], [], []
    for _ in range(n):
        codes.append(u.u32())
        ids.append(u.str())
        msgs.append(u.str())
    return {'job_array_count': n, 'error_code': codes, 'job_array_id': ids, 'err_msg': msgs}


def unpack_kill_jobs_resp(u: Unpacker, version: int) -> dict:
    """``_unpack_kill_jobs_resp_msg`` → {jobs_cnt, job_responses: [kill_jobs_resp_job_t]}."""
    n = u.u32()
    if n > NO_VAL:
        raise UnpackError("kill_jobs_resp: count %#x" % n)
    out = [nest(KILL_JOBS_RESP_JOB.decode(u, version)) for _ in range(n)]
    return {'jobs_cnt': n, 'job_responses': out}


def kill_jobs_init(**overrides) -> dict:
    """``KILL_JOB_MSG_INITIALIZER``: signal SIGKILL, state JOB_END, user_id nobody."""
    d = {'account': None, 'admin_comment': None, 'flags': 0, 'job_name': None, 'jobs_array': None,
         'partition': None, 'qos': None, 'reservation': None, 'signal': int(_signal.SIGKILL),
         'state': JOB_END, 'user_id': SLURM_AUTH_NOBODY, 'user_name': None, 'wckey': None,
         'nodelist': None}
    d.update(overrides)
    return d


def update_job(client, desc: dict) -> dict | None:
    """``slurm_update_job2``: REQUEST_UPDATE_JOB.  ``desc`` names the job by
    ``job_id`` (int), ``step_id`` or ``job_id_str`` ("123_[1-3]").

    Returns ``job_array_resp_msg_t`` {job_array_count, error_code[],
    job_array_id[], err_msg[]} when the controller sends per-task results
    (RESPONSE_JOB_ARRAY_ERRORS), else None (RC 0).  An RC error raises."""
    v = client.protocol_version()
    d = dict(desc)
    if 'job_id' in d and 'step_id' not in d:
        d['step_id'] = {**step_id_init(), 'job_id': d.pop('job_id')}
    return client.call(MsgType.REQUEST_UPDATE_JOB, encode_job_desc(d, v), expect=_ARRAY_ERRORS_OR_RC,
                       decode=unpack_job_array_resp, source="slurm_update_job2()")


def kill_job(client, job_id: str | int, signal: int = int(_signal.SIGKILL), flags: int = 0,
             sibling: str | None = None) -> None:
    """``slurm_kill_job2``: REQUEST_KILL_JOB (job_step_kill_msg_t with ``sjob_id``
    = "123", "123_4", "123_[1-3]", "123+1"; signal; KILL_* flags).  RC errors raise."""
    v = client.protocol_version()
    msg = {'step_id': step_id_init(), 'sjob_id': str(job_id), 'sibling': sibling, 'signal': signal, 'flags': flags}
    client.call(MsgType.REQUEST_KILL_JOB, JOB_STEP_KILL.encode(Packer(), msg, v).getvalue(),
                expect=MsgType.RESPONSE_SLURM_RC, source="slurm_kill_job2()")


def kill_jobs(client, filters: dict | None = None, **kw) -> dict:
    """``slurm_kill_jobs``: REQUEST_KILL_JOBS with a ``kill_jobs_msg_t`` (defaults
    from ``kill_jobs_init``; ``jobs_array`` = list of job id strings) →
    ``kill_jobs_resp_msg_t`` {jobs_cnt, job_responses: [{error_code, error_msg,
    id: selected_step, real_job_id, sibling_name}]}.  An RC reply 0 gives
    jobs_cnt 0; nonzero raises."""
    req = kill_jobs_init(**(filters or {}))
    req.update(kw)
    v = client.protocol_version()
    resp = client.call(MsgType.REQUEST_KILL_JOBS, KILL_JOBS.encode(Packer(), req, v).getvalue(),
                       expect=(MsgType.RESPONSE_KILL_JOBS, MsgType.RESPONSE_SLURM_RC),
                       decode=unpack_kill_jobs_resp, source="slurm_kill_jobs()")
    return resp if resp is not None else {'jobs_cnt': 0, 'job_responses': []}


def signal_job(client, job_id: str | int | dict, signal: int = int(_signal.SIGKILL),
               flags: int = 0) -> dict:
    """What ``DELETE job/{job_id}`` does: one ``slurm_kill_jobs`` for the job
    (flags default KILL_FULL_JOB, signal default SIGKILL)."""
    jid = format_job_id(job_id) if isinstance(job_id, dict) else str(job_id)
    return kill_jobs(client, {'jobs_array': [jid], 'flags': flags or KILL_FULL_JOB,
                              'signal': signal or int(_signal.SIGKILL)})


def requeue(client, job_id: str | int, flags: int = 0) -> dict | None:
    """``slurm_requeue2``: REQUEST_JOB_REQUEUE (``job_id_str`` may be an array
    expression) → ``job_array_resp_msg_t`` or None (RC 0); RC errors raise."""
    src = "slurm_requeue2()"
    if (flags & JOB_SPECIAL_EXIT) and not (flags & JOB_REQUEUE_HOLD):
        raise SlurmError(E.ESLURM_REST_BAD_REQUEST, "SpecialExit requires Hold mode", src)
    v = client.protocol_version()
    msg = {'step_id': step_id_init(), 'job_id_str': str(job_id), 'flags': flags}
    return client.call(MsgType.REQUEST_JOB_REQUEUE, JOB_REQUEUE.encode(Packer(), msg, v).getvalue(),
                       expect=_ARRAY_ERRORS_OR_RC, decode=unpack_job_array_resp, source=src)


__all__ = ["unpack_job_array_resp", "unpack_kill_jobs_resp", "kill_jobs_init", "update_job", "kill_job",
           "kill_jobs", "signal_job", "requeue"]
