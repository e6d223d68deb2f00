"""openapi/slurmctld handlers, one module per family."""

from slurmrestd.operations.slurmctld import diag, jobs, partitions, reservations

HANDLERS = {**diag.HANDLERS, **jobs.HANDLERS, **partitions.HANDLERS, **reservations.HANDLERS}
