"""The handler packages of the openapi plugins, by plugin type (``-s``)."""

from __future__ import annotations

from typing import Iterable

from slurmrestd.operations import HandlerTable, collect, slurmctld, slurmdbd, util

#: plugin type → its handler package (each has ``MODULES`` and their merged ``HANDLERS``)
PLUGINS = {
    "openapi/slurmctld": slurmctld,
    "openapi/slurmdbd": slurmdbd,
    "openapi/util": util,
}


def handlers_for(plugins: Iterable[str]) -> HandlerTable:
    """The handlers of the given plugins (unknown names contribute nothing)."""
    return collect(m for p in plugins if p in PLUGINS for m in PLUGINS[p].MODULES)
