"""openapi/slurmdbd handlers (through ``ctx.dbd``), one module per family."""

from slurmrestd.operations import collect

#: Every handler module of the plugin: a new family is a module and a line here.
MODULES = ()

HANDLERS = collect(MODULES)
