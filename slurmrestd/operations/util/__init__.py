"""openapi/util handlers (no controller involved), one module per family.

``MODULES`` and ``HANDLERS`` are built on first use (PEP 562): importing one handler
module does not import its siblings.
"""

from __future__ import annotations

from slurmrestd.operations import lazy_handler_package

#: Every handler module of the plugin, by name: a new family is a module and a line here.
MODULE_NAMES = (
    "hostlists",
)


__getattr__ = lazy_handler_package(__name__, MODULE_NAMES)
