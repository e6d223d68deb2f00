"""openapi/slurmdbd handlers, one module per family."""

from slurmrestd.operations.slurmdbd import associations, instances, jobs

HANDLERS = {**associations.HANDLERS, **instances.HANDLERS, **jobs.HANDLERS}
