"""Daemon-wide, read-only facts that responses report (cluster, release, plugins)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slurmrestd.settings import Settings

#: Slurm release whose REST interface we serve (reported in meta and info).
SLURM_RELEASE = "26.05.5"


@dataclass
class Site:
    settings: Settings
    #: Parsed slurm.conf (slurmrestd.rpc.conf.SlurmConfig) or None when not needed/available.
    slurm_conf: Any = None
    release: str = SLURM_RELEASE

    @property
    def cluster_name(self) -> str:
        return getattr(self.slurm_conf, "cluster_name", None) or ""

    @property
    def accounting_storage(self) -> str:
        return getattr(self.slurm_conf, "accounting_storage_type", None) or ""

    def meta(self, binding, conn, identity) -> dict:
        major, minor, micro = (self.release.split(".") + ["0", "0"])[:3]
        return {
            "plugin": {
                "type": binding.plugin,
                "name": _PLUGIN_NAMES.get(binding.plugin, ""),
                "data_parser": "data_parser/%s" % binding.version if binding.version else "",
                "accounting_storage": self.accounting_storage,
            },
            "client": {
                "source": conn.name,
                "user": identity.user_name or "",
                "group": "",
            },
            "command": [],
            "slurm": {
                "version": {"major": major, "micro": micro, "minor": minor},
                "release": self.release,
                "cluster": self.cluster_name,
            },
        }


_PLUGIN_NAMES = {
    "openapi/slurmctld": "Slurm OpenAPI slurmctld",
    "openapi/slurmdbd": "Slurm OpenAPI slurmdbd",
    "openapi/util": "Slurm OpenAPI util",
}
