"""openapi/util handlers (no controller involved), one module per family."""

from slurmrestd.operations import collect
from slurmrestd.operations.util import hostlists

#: Every handler module of the plugin: a new family is a module and a line here.
MODULES = (hostlists,)

HANDLERS = collect(MODULES)
