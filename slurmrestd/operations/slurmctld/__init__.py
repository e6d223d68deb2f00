"""openapi/slurmctld handlers (through ``ctx.ctld``), one module per family."""

from slurmrestd.operations import collect
from slurmrestd.operations.slurmctld import (config, diag, job_requeue, job_submit, jobs, licenses, nodes,
                                             partitions, ping, reservations, resources, shares)

#: Every handler module of the plugin: a new family is a module and a line here.
MODULES = (
    ping,
    diag,
    licenses,
    shares,
    config,
    jobs,
    job_submit,
    job_requeue,
    resources,
    nodes,
    partitions,
    reservations,
)

HANDLERS = collect(MODULES)
