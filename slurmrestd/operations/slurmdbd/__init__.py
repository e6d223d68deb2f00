"""openapi/slurmdbd handlers (through ``ctx.dbd``), one module per family."""

from slurmrestd.operations import collect
from slurmrestd.operations.slurmdbd import (accounts, associations, clusters, config, diag, instances, jobs, qos,
                                            tres, users, wckeys)

#: Every handler module of the plugin: a new family is a module and a line here.
MODULES = (
    diag,
    tres,
    qos,
    accounts,
    users,
    clusters,
    wckeys,
    config,
    associations,
    instances,
    jobs,
)

HANDLERS = collect(MODULES)
