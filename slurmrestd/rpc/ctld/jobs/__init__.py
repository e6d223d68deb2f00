"""Job RPCs: list/show, submit (single, array, het), allocate, update, signal,
cancel, requeue, job states and resource layouts.

Every function takes a ``SlurmctldClient`` (one per request identity) and
returns plain dicts keyed by the C struct member names (``slurm_job_info_t``,
``submit_response_msg_t`` …); flags stay raw integers.  The client-side work
libslurm does is done the same way here.  Errors raise ``SlurmError(errno,
description, source="slurm_…()")`` naming the libslurm function, as the
reference's ``errors[].source`` does.

* ``ids``      – job ids (text, number or selected step) → ``slurm_selected_step_t``;
* ``layouts``  – the job messages' layouts (``rpc.layouts.Layout``, both directions);
* ``info``     – load jobs and decode ``job_info_msg_t``; job states; resource layouts;
* ``submit``   – ``job_desc_msg_t`` and batch (het) submission;
* ``alloc``    – allocations and the controller's callback;
* ``control``  – update, signal, cancel, requeue.
"""

from slurmrestd.rpc.ctld.jobs.alloc import (allocate, allocate_het, complete_job, unpack_het_allocation,
                                            unpack_resource_allocation_response)
from slurmrestd.rpc.ctld.jobs.control import (kill_job, kill_jobs, kill_jobs_init, requeue, signal_job,
                                              unpack_job_array_resp, unpack_kill_jobs_resp, update_job)
from slurmrestd.rpc.ctld.jobs.ids import format_job_id, parse_job_id, selected_step, selected_step_init
from slurmrestd.rpc.ctld.jobs.info import (encode_job_id_msg, encode_job_info_request, encode_job_state_request,
                                           decode_job_info, in_federation, job_resources, job_states, load_job,
                                           load_jobs, load_jobs_reply,
                                           min_memory_from_tres, unpack_job_info, unpack_job_info_msg,
                                           unpack_job_resources, unpack_job_state_response,
                                           unpack_resource_layout, xlate_array_task_str)
from slurmrestd.rpc.ctld.jobs.submit import (encode_job_desc, encode_job_desc_list, init_job_desc, pack_job_desc,
                                             submit_batch, submit_het, unpack_submit_response)

__all__ = [
    "load_jobs", "load_jobs_reply", "decode_job_info", "load_job", "submit_batch", "submit_het", "allocate", "allocate_het", "complete_job", "update_job",
    "kill_job", "kill_jobs", "signal_job", "requeue", "job_states", "job_resources", "in_federation",
    "init_job_desc", "kill_jobs_init", "parse_job_id", "format_job_id", "selected_step", "selected_step_init",
    "xlate_array_task_str", "min_memory_from_tres", "unpack_job_info_msg", "unpack_job_info",
    "unpack_job_resources", "unpack_submit_response", "unpack_resource_allocation_response",
    "unpack_het_allocation", "unpack_job_array_resp", "unpack_kill_jobs_resp", "unpack_job_state_response",
    "unpack_resource_layout", "encode_job_desc", "encode_job_desc_list", "encode_job_info_request",
    "encode_job_id_msg", "encode_job_state_request", "pack_job_desc",
]
