"""openapi/slurmdbd handlers, one module per family."""

from slurmrestd.operations.slurmdbd import accounts, clusters, config, diag, qos, tres, users, wckeys

HANDLERS = {**diag.HANDLERS, **tres.HANDLERS, **qos.HANDLERS, **accounts.HANDLERS, **users.HANDLERS,
            **clusters.HANDLERS, **wckeys.HANDLERS, **config.HANDLERS}
