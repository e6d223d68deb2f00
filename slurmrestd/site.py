"""Daemon-wide state that requests share: configuration, clients, caches.

Nothing here is per request except what the factory methods build: each
request gets its own controller client holding its own credential, and its own
slurmdbd session (``dbd``) over the daemon's pool of persistent connections.
"""

from __future__ import annotations

import functools
import grp
import pwd
import time
from dataclasses import dataclass, field
from typing import Any

from slurmrestd.auth import Identity
from slurmrestd.cache import LruCache
from slurmrestd.data_parser.codecs.users import IdNames
from slurmrestd.errors import E, SlurmError
from slurmrestd.metrics import Metrics
from slurmrestd.readiness import Readiness
from slurmrestd.rpc.ctld.client import SlurmctldClient, VersionCache
from slurmrestd.rpc.ctld.transport import Transport
from slurmrestd.rpc.cred import JwtCredential, RefusedCredential, munge_from_authinfo
from slurmrestd.rpc.dbd.connection import DbdConnector
from slurmrestd.rpc.dbd.pool import DbdPool
from slurmrestd.rpc.dbd.session import DbdSession
from slurmrestd.settings import Settings
from slurmrestd.slurm.release import SLURM_RELEASE

PLUGIN_NAMES = {
    "openapi/slurmctld": "Slurm OpenAPI slurmctld",
    "openapi/slurmdbd": "Slurm OpenAPI slurmdbd",
    "openapi/util": "Slurm OpenAPI util",
}


@dataclass
class Site:
    settings: Settings
    #: Parsed slurm.conf (slurmrestd.rpc.conf.SlurmConfig) or None when not needed/available.
    slurm_conf: Any = None
    release: str = SLURM_RELEASE
    #: Controller protocol versions, discovered once per controller address.
    version_cache: Any = field(default=None)
    #: Dumped job lists reused while the controller reports no change (see Limits).
    job_list_cache: LruCache = field(init=False)
    #: Persistent slurmdbd connections shared by all requests (None without slurm.conf).
    dbd_pool: Any = field(default=None)
    #: User name → (primary group name, expiry), for meta.client.group (bounded, see Limits).
    group_names: LruCache = field(init=False)
    #: This daemon's Prometheus registry; the RPC clients and the pipeline report to it.
    metrics: Metrics = field(init=False)
    #: The ``/readyz`` verdict (slurmctld, and slurmdbd when served, reachable).
    readiness: Readiness = field(init=False)
    #: uid/gid → name lookups on this host, remembered briefly (see Limits.name_cache_*).
    names: IdNames = field(init=False)
    #: Dump processes for long job lists (``slurmrestd.offload.Offload``), or None.
    offload: Any = field(default=None)
    #: (plugin, data parser) → the parts of ``meta`` that are the same for every answer
    #: (``plugin``, ``slurm``), and the slurm.conf and release they were read from.  One entry per
    #: operation plugin and version; every answer shares them (nothing changes a dumped
    #: ``meta``).
    _meta_parts: dict = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        lim = self.settings.limits
        self.metrics = Metrics(defer=self.settings.inet_mode)  # inet mode: built only if scraped
        if self.version_cache is None:
            self.version_cache = VersionCache()
        self.job_list_cache = LruCache(lim.job_list_cache_entries, lim.job_list_cache_jobs)
        self.metrics.watch_cache("job_list", self.job_list_cache)
        self.group_names = LruCache(lim.client_group_cache_entries)
        self.metrics.watch_cache("client_group", self.group_names)
        self.names = IdNames(lim.name_cache_entries, lim.name_cache_ttl_s)
        if self.dbd_pool is None and self.slurm_conf is not None:
            connector = DbdConnector(self.slurm_conf, io_timeout=lim.dbd_request_timeout_s,
                                     observer=self.metrics)
            self.dbd_pool = DbdPool(connector, max_connections=lim.dbd_max_connections,
                                    idle_timeout=lim.dbd_idle_timeout_s, max_lifetime=lim.dbd_max_lifetime_s,
                                    acquire_timeout=lim.dbd_acquire_timeout_s, reaper=True)
        if self.dbd_pool is not None:
            self.metrics.watch_dbd_pool(self.dbd_pool)
        served = self.settings.openapi_plugins or ()
        self.readiness = Readiness(self.slurm_conf, check_ctld="openapi/slurmctld" in served,
                                   check_dbd="openapi/slurmdbd" in served,
                                   timeout_s=lim.ready_probe_timeout_s, cache_s=lim.ready_cache_s,
                                   observer=self.metrics, version_cache=self.version_cache)

    @property
    def cluster_name(self) -> str:
        return getattr(self.slurm_conf, "cluster_name", None) or ""

    @property
    def accounting_storage(self) -> str:
        return getattr(self.slurm_conf, "accounting_storage_type", None) or ""

    @property
    def slurm_user_id(self) -> int | None:
        name = getattr(self.slurm_conf, "slurm_user", None)
        if not name:
            return None
        try:
            return int(name) if name.isdigit() else pwd.getpwnam(name).pw_uid
        except KeyError:
            return None

    # -- per-request clients ------------------------------------------------

    def credential(self, identity: Identity):
        """The Slurm credential that speaks for this request's caller."""
        if identity.rejected is not None:
            return RefusedCredential(identity.rejected)
        if identity.token is not None:
            # the user name the caller sent, not the one read from the token: the C daemon
            # packs X-SLURM-USER-NAME as given (NULL without it), and a minted token names its
            # user itself
            return JwtCredential(identity.token, identity.header_user)
        if self.slurm_conf is None:
            raise SlurmError(E.SLURM_ERROR, "no slurm.conf loaded", "credential")
        # rest_auth/local: munge proves our own uid; the peer was checked to be us (or root).
        return self._munge

    @functools.cached_property
    def _munge(self):
        """The munge credential factory (configuration only; each RPC gets a fresh credential)."""
        return munge_from_authinfo(self.slurm_conf.auth_info)

    def ctld(self, identity: Identity):
        """A slurmctld client for one request, carrying that request's credential."""
        if self.slurm_conf is None:
            raise SlurmError(E.SLURM_ERROR, "no slurm.conf loaded: cannot reach slurmctld", "slurmctld")
        return SlurmctldClient(self.slurm_conf, self.credential(identity), version_cache=self.version_cache,
                               observer=self.metrics, transport=self._ctld_transport)

    @functools.cached_property
    def _ctld_transport(self) -> Transport:
        """How every request reaches the controllers (configuration and the endpoint list
        only: each RPC opens its own connection), built once instead of per request."""
        return Transport(self.slurm_conf)

    def dbd(self, identity: Identity) -> DbdSession:
        """The slurmdbd session of one request, carrying that request's credential.

        Use it as a context manager, or call ``release(commit=False)`` when the
        request ends: that rolls back anything not committed and returns the
        connection to the pool.  Nothing connects until the first query
        (or ``open()``)."""
        if self.dbd_pool is None:
            raise SlurmError(E.ESLURM_DB_CONNECTION, "no slurm.conf loaded: cannot reach slurmdbd",
                             "openapi_get_db_conn")
        return DbdSession(self.dbd_pool, self.credential(identity))

    def close(self) -> None:
        """Close the daemon-wide connections and stop the dump processes (at shutdown)."""
        if self.offload is not None:
            self.offload.close()
        if self.dbd_pool is not None:
            self.dbd_pool.close()

    # -- response metadata ----------------------------------------------------

    def client_names(self, identity) -> tuple[str, str]:
        """(user, group) the request ran as, for meta.client: only once the daemon itself
        proved who the caller is (a verified or minted token, the kernel's peer
        credentials); a claim nobody checked yet is reported as ("", "")."""
        if identity is None or not identity.verified or not identity.user_name:
            return "", ""
        user = identity.user_name
        now = time.monotonic()
        hit = self.group_names.get(user)
        if hit is not None and hit[1] > now:
            group = hit[0]
        else:
            group = ""
            try:
                gid = pwd.getpwnam(user).pw_gid
            except KeyError:
                gid = identity.gid if identity.token is None else None
            if gid is not None:
                try:
                    group = grp.getgrgid(gid).gr_name
                except KeyError:
                    group = ""
            self.group_names.put(user, (group, now + self.settings.limits.name_cache_ttl_s))
        return user, group

    def meta(self, binding, conn, identity) -> dict:
        key = (binding.plugin, binding.version)
        parts = self._meta_parts.get(key)
        if parts is None or parts[2] is not self.slurm_conf or parts[3] != self.release:
            major, minor, micro = (self.release.split(".") + ["0", "0"])[:3]
            parts = self._meta_parts[key] = (
                {
                    "type": binding.plugin,
                    "name": PLUGIN_NAMES.get(binding.plugin, ""),
                    "data_parser": "data_parser/%s" % binding.version if binding.version else "",
                    "accounting_storage": self.accounting_storage,
                },
                {
                    "version": {"major": major, "micro": micro, "minor": minor},
                    "release": self.release,
                    "cluster": self.cluster_name,
                },
                self.slurm_conf, self.release)
        user, group = self.client_names(identity)
        return {
            "plugin": parts[0],
            "client": {"source": conn.name, "user": user, "group": group},
            "command": [],
            "slurm": parts[1],
        }
