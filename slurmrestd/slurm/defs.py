"""C constants copied by hand, each block citing the header it comes from
(Slurm 26.05).  ``tests/unit/slurm/test_facts.py`` checks every name that the
generated table (``constants.VALUES``) also holds against it."""

# -- show flags (slurm/slurm.h, SHOW_*) -------------------------------------------------------
SHOW_ALL = 0x0001
SHOW_DETAIL = 0x0002
SHOW_MIXED = 0x0008
SHOW_LOCAL = 0x0010
SHOW_SIBLING = 0x0020
SHOW_FEDERATION = 0x0040
SHOW_FUTURE = 0x0080

# -- job states and job flags (slurm/slurm.h: enum job_states, JOB_*, job_desc flags) -----------
JOB_PENDING = 0
JOB_RUNNING = 1
JOB_END = 12
JOB_STATE_BASE = 0xFF
JOB_REQUEUE_HOLD = 1 << 11
JOB_SPECIAL_EXIT = 1 << 12

USE_DEFAULT_ACCT = 1 << 25
USE_DEFAULT_PART = 1 << 26
USE_DEFAULT_QOS = 1 << 27
USE_DEFAULT_WCKEY = 1 << 28
EXTERNAL_JOB = 1 << 24
BACKFILL_SCHED = 1 << 32
BACKFILL_LAST = 1 << 33

# -- job_step_kill_msg_t / kill_jobs_msg_t flags (slurm/slurm.h, KILL_*) -----------------------
KILL_JOB_BATCH = 1 << 0
KILL_ARRAY_TASK = 1 << 1
KILL_STEPS_ONLY = 1 << 2
KILL_FULL_JOB = 1 << 3
KILL_FED_REQUEUE = 1 << 4
KILL_HURRY = 1 << 5
KILL_OOM = 1 << 6
KILL_NO_SIBS = 1 << 7
KILL_JOB_RESV = 1 << 8
KILL_NO_SIG_FAIL = 1 << 10
KILL_JOBS_VERBOSE = 1 << 11
KILL_CRON = 1 << 12
KILL_FAIL_JOB = 1 << 13

# -- select plugin type (slurm/slurm.h, SELECT_LINEAR) -----------------------------------------
SELECT_LINEAR = 1 << 5

# -- ids (slurm/slurm.h; SLURM_AUTH_NOBODY: src/common/slurm_protocol_defs.h) -------------------
SLURM_AUTH_NOBODY = 99
SLURM_AUTH_NOBODY_NAME = "nobody"
MAX_JOB_ID = 0x03FFFFFF
MAX_FED_JOB_ID = 0xFFFFFFFD
MAX_HET_JOB_COMPONENTS = 128
SLURM_MAX_NORMAL_STEP_ID = 0xFFFFFFF0
SLURM_PENDING_STEP = 0xFFFFFFFD
SLURM_EXTERN_CONT = 0xFFFFFFFC
SLURM_BATCH_SCRIPT = 0xFFFFFFFB
SLURM_INTERACTIVE_STEP = 0xFFFFFFFA
