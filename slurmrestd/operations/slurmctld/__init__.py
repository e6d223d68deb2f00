"""openapi/slurmctld handlers (through ``ctx.ctld``), one module per family.

``MODULES`` and ``HANDLERS`` are built on first use (PEP 562): importing one handler
module does not import its siblings.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Every handler module of the plugin, by name: a new family is a module and a line here.
MODULE_NAMES = (
    "ping",
    "diag",
    "licenses",
    "shares",
    "config",
    "jobs",
    "job_submit",
    "job_requeue",
    "resources",
    "nodes",
    "partitions",
    "reservations",
)


def __getattr__(name: str) -> Any:
    if name == "MODULES":
        return tuple(importlib.import_module("slurmrestd.operations.slurmctld." + n) for n in MODULE_NAMES)
    if name == "HANDLERS":
        from slurmrestd.operations import collect

        return collect(__getattr__("MODULES"))
    raise AttributeError("module %r has no attribute %r" % (__name__, name))
