"""openapi/slurmdbd handlers, one module per family."""

from slurmrestd.operations.slurmdbd import (accounts, associations, clusters, config, diag, instances, jobs, qos,
                                            tres, users, wckeys)

HANDLERS = {**diag.HANDLERS, **tres.HANDLERS, **qos.HANDLERS, **accounts.HANDLERS, **users.HANDLERS,
            **clusters.HANDLERS, **wckeys.HANDLERS, **config.HANDLERS, **associations.HANDLERS,
            **instances.HANDLERS, **jobs.HANDLERS}
