"""Which module serves each operation, by name: routes bound without importing the handlers.

``HANDLER_MODULES`` maps plugin type → (path template, lower-case method) → the handler
module under ``slurmrestd.operations``.  ``lazy_handlers_for`` turns it into a handler table
whose entries import their module on the first call, so a process that serves one request
(inet mode) loads only the module of that request.  The index repeats what the modules'
own ``HANDLERS`` say; ``tests/unit/operations/test_handler_index.py`` checks that both agree.
"""

from __future__ import annotations

import importlib
from typing import Any, Iterable

#: plugin type → {(template, method): module under slurmrestd.operations}
HANDLER_MODULES: dict[str, dict[tuple[str, str], str]] = {
    'openapi/slurmctld': {
        ('/slurm/{data_parser}/ping/', 'get'): 'slurmctld.ping',
        ('/slurm/{data_parser}/diag/', 'get'): 'slurmctld.diag',
        ('/slurm/{data_parser}/licenses/', 'get'): 'slurmctld.licenses',
        ('/slurm/{data_parser}/shares', 'get'): 'slurmctld.shares',
        ('/slurm/{data_parser}/reconfigure/', 'get'): 'slurmctld.config',
        ('/slurm/{data_parser}/conf', 'get'): 'slurmctld.config',
        ('/slurm/{data_parser}/jobs/', 'get'): 'slurmctld.jobs',
        ('/slurm/{data_parser}/jobs/', 'delete'): 'slurmctld.jobs',
        ('/slurm/{data_parser}/jobs/state/', 'get'): 'slurmctld.jobs',
        ('/slurm/{data_parser}/job/{job_id}', 'get'): 'slurmctld.jobs',
        ('/slurm/{data_parser}/job/{job_id}', 'post'): 'slurmctld.jobs',
        ('/slurm/{data_parser}/job/{job_id}', 'delete'): 'slurmctld.jobs',
        ('/slurm/{data_parser}/job/submit', 'post'): 'slurmctld.job_submit',
        ('/slurm/{data_parser}/job/allocate', 'post'): 'slurmctld.job_submit',
        ('/slurm/{data_parser}/job/{job_id}/requeue', 'get'): 'slurmctld.job_requeue',
        ('/slurm/{data_parser}/jobs/requeue', 'post'): 'slurmctld.job_requeue',
        ('/slurm/{data_parser}/resources/{job_id}', 'get'): 'slurmctld.resources',
        ('/slurm/{data_parser}/nodes/', 'get'): 'slurmctld.nodes',
        ('/slurm/{data_parser}/nodes/', 'post'): 'slurmctld.nodes',
        ('/slurm/{data_parser}/node/{node_name}', 'get'): 'slurmctld.nodes',
        ('/slurm/{data_parser}/node/{node_name}', 'post'): 'slurmctld.nodes',
        ('/slurm/{data_parser}/node/{node_name}', 'delete'): 'slurmctld.nodes',
        ('/slurm/{data_parser}/new/node/', 'post'): 'slurmctld.nodes',
        ('/slurm/{data_parser}/partitions/', 'get'): 'slurmctld.partitions',
        ('/slurm/{data_parser}/partitions/', 'post'): 'slurmctld.partitions',
        ('/slurm/{data_parser}/partition/{partition_name}', 'get'): 'slurmctld.partitions',
        ('/slurm/{data_parser}/partition/{partition_name}', 'delete'): 'slurmctld.partitions',
        ('/slurm/{data_parser}/reservations/', 'get'): 'slurmctld.reservations',
        ('/slurm/{data_parser}/reservations/', 'post'): 'slurmctld.reservations',
        ('/slurm/{data_parser}/reservation/{reservation_name}', 'get'): 'slurmctld.reservations',
        ('/slurm/{data_parser}/reservation/{reservation_name}', 'delete'): 'slurmctld.reservations',
        ('/slurm/{data_parser}/reservation', 'post'): 'slurmctld.reservations',
    },
    'openapi/slurmdbd': {
        ('/slurmdb/{data_parser}/ping/', 'get'): 'slurmdbd.diag',
        ('/slurmdb/{data_parser}/diag/', 'get'): 'slurmdbd.diag',
        ('/slurmdb/{data_parser}/conf', 'get'): 'slurmdbd.diag',
        ('/slurmdb/{data_parser}/tres/', 'get'): 'slurmdbd.tres',
        ('/slurmdb/{data_parser}/tres/', 'post'): 'slurmdbd.tres',
        ('/slurmdb/{data_parser}/qos/', 'get'): 'slurmdbd.qos',
        ('/slurmdb/{data_parser}/qos/', 'post'): 'slurmdbd.qos',
        ('/slurmdb/{data_parser}/qos/{qos}', 'get'): 'slurmdbd.qos',
        ('/slurmdb/{data_parser}/qos/{qos}', 'delete'): 'slurmdbd.qos',
        ('/slurmdb/{data_parser}/accounts/', 'get'): 'slurmdbd.accounts',
        ('/slurmdb/{data_parser}/accounts/', 'post'): 'slurmdbd.accounts',
        ('/slurmdb/{data_parser}/account/{account_name}', 'get'): 'slurmdbd.accounts',
        ('/slurmdb/{data_parser}/account/{account_name}', 'delete'): 'slurmdbd.accounts',
        ('/slurmdb/{data_parser}/accounts_association/', 'post'): 'slurmdbd.accounts',
        ('/slurmdb/{data_parser}/users/', 'get'): 'slurmdbd.users',
        ('/slurmdb/{data_parser}/users/', 'post'): 'slurmdbd.users',
        ('/slurmdb/{data_parser}/user/{name}', 'get'): 'slurmdbd.users',
        ('/slurmdb/{data_parser}/user/{name}', 'delete'): 'slurmdbd.users',
        ('/slurmdb/{data_parser}/users_association/', 'post'): 'slurmdbd.users',
        ('/slurmdb/{data_parser}/clusters/', 'get'): 'slurmdbd.clusters',
        ('/slurmdb/{data_parser}/clusters/', 'post'): 'slurmdbd.clusters',
        ('/slurmdb/{data_parser}/cluster/{cluster_name}', 'get'): 'slurmdbd.clusters',
        ('/slurmdb/{data_parser}/cluster/{cluster_name}', 'delete'): 'slurmdbd.clusters',
        ('/slurmdb/{data_parser}/wckeys/', 'get'): 'slurmdbd.wckeys',
        ('/slurmdb/{data_parser}/wckeys/', 'post'): 'slurmdbd.wckeys',
        ('/slurmdb/{data_parser}/wckey/{id}', 'get'): 'slurmdbd.wckeys',
        ('/slurmdb/{data_parser}/wckey/{id}', 'delete'): 'slurmdbd.wckeys',
        ('/slurmdb/{data_parser}/config', 'get'): 'slurmdbd.config',
        ('/slurmdb/{data_parser}/config', 'post'): 'slurmdbd.config',
        ('/slurmdb/{data_parser}/associations/', 'get'): 'slurmdbd.associations',
        ('/slurmdb/{data_parser}/associations/', 'post'): 'slurmdbd.associations',
        ('/slurmdb/{data_parser}/associations/', 'delete'): 'slurmdbd.associations',
        ('/slurmdb/{data_parser}/association/', 'get'): 'slurmdbd.associations',
        ('/slurmdb/{data_parser}/association/', 'delete'): 'slurmdbd.associations',
        ('/slurmdb/{data_parser}/instances/', 'get'): 'slurmdbd.instances',
        ('/slurmdb/{data_parser}/instance/', 'get'): 'slurmdbd.instances',
        ('/slurmdb/{data_parser}/jobs/', 'get'): 'slurmdbd.jobs',
        ('/slurmdb/{data_parser}/jobs/', 'post'): 'slurmdbd.jobs',
        ('/slurmdb/{data_parser}/job/{job_id}', 'get'): 'slurmdbd.jobs',
        ('/slurmdb/{data_parser}/job/{job_id}', 'post'): 'slurmdbd.jobs',
    },
    'openapi/util': {
        ('/util/{data_parser}/hostnames', 'post'): 'util.hostlists',
        ('/util/{data_parser}/hostlist', 'post'): 'util.hostlists',
    },
}


class LazyHandler:
    """The handler of one operation, imported from its module on the first call."""

    __slots__ = ("module", "key", "_fn")

    def __init__(self, module: str, key: tuple[str, str]) -> None:
        self.module = "slurmrestd.operations." + module
        self.key = key
        #: The function once resolved (``importlib.import_module`` of a loaded module still
        #: runs the import machinery's Python code: a few µs per request).
        self._fn = None

    def resolve(self):
        """The handler function itself (imports its module)."""
        return importlib.import_module(self.module).HANDLERS[self.key]

    def __call__(self, ctx) -> Any:
        fn = self._fn
        if fn is None:
            fn = self._fn = self.resolve()
        return fn(ctx)

    def __repr__(self) -> str:
        return "LazyHandler(%s %s in %s)" % (self.key[1].upper(), self.key[0], self.module)


def lazy_handlers_for(plugins: Iterable[str]) -> dict[tuple[str, str], LazyHandler]:
    """``plugins.handlers_for`` without importing a handler module (unknown names: nothing)."""
    return {key: LazyHandler(module, key)
            for p in plugins for key, module in HANDLER_MODULES.get(p, {}).items()}
