"""Job ids as the job RPCs take them: the grammar of ``slurmrestd.slurm.jobid``
with errors as ``SlurmError`` (source: the libslurm function) and
``array_bitmap`` as a ``Bitstr``."""

from __future__ import annotations

from slurmrestd.errors import E, SlurmError, strerror
from slurmrestd.rpc.pack import Bitstr
from slurmrestd.slurm import jobid
from slurmrestd.slurm.jobid import selected_step_init


def parse_job_id(text: str) -> dict:
    """``unfmt_job_id_string`` (``slurm.jobid``) with ``array_bitmap`` as a ``Bitstr``.
    Raises ``SlurmError`` with the same errno."""
    try:
        sel = jobid.unfmt_job_id_string(text)
    except jobid.JobIdError as exc:
        if exc.errno == E.ESLURM_EMPTY_JOB_ID:
            raise SlurmError(E.ESLURM_EMPTY_JOB_ID, source="unfmt_job_id_string()") from None
        raise SlurmError(exc.errno, "Invalid job id %r: %s" % (text, strerror(exc.errno)),
                         "unfmt_job_id_string()") from None
    idx = sel['array_bitmap']
    if idx is not None:
        sel['array_bitmap'] = Bitstr.from_indexes(max(idx) + 1, idx)
    return sel


def format_job_id(sel: dict) -> str:
    """``fmt_job_id_string`` (``slurm.jobid``); raises ``SlurmError`` with the same errno."""
    try:
        return jobid.fmt_job_id_string(sel)
    except jobid.JobIdError as exc:
        raise SlurmError(exc.errno, source="fmt_job_id_string()") from None


def selected_step(job_id: str | int | dict) -> dict:
    """A ``slurm_selected_step_t`` from a job id number, a text ``parse_job_id``
    accepts, or a (partial) selected-step dict."""
    if isinstance(job_id, dict):
        return {**selected_step_init(), **job_id}
    if isinstance(job_id, int):
        sel = selected_step_init()
        sel['step_id']['job_id'] = job_id
        return sel
    return parse_job_id(str(job_id))


__all__ = ["parse_job_id", "format_job_id", "selected_step", "selected_step_init"]
