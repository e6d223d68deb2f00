"""openapi/slurmctld handlers, one module per family."""

from slurmrestd.operations.slurmctld import diag

HANDLERS = {**diag.HANDLERS}
