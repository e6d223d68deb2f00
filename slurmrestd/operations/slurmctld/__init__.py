"""openapi/slurmctld handlers, one module per family."""

from slurmrestd.operations.slurmctld import diag, jobs, nodes

HANDLERS = {**diag.HANDLERS, **jobs.HANDLERS, **nodes.HANDLERS}
