"""openapi/slurmctld handlers, one module per family."""

from slurmrestd.operations.slurmctld import diag, jobs

HANDLERS = {**diag.HANDLERS, **jobs.HANDLERS}
