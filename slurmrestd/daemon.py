"""Composition root: build every part from the settings and run.

Order matters for privileges: lock down (no new privileges, unshare), open the
sockets, then switch to -u/-g, then refuse to run as a privileged user.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading

from dataclasses import replace
from typing import TYPE_CHECKING

from slurmrestd import installation, security
from slurmrestd import log as logsetup
from slurmrestd.auth.setup import AuthSetupError, chain_from_settings
from slurmrestd.conmgr import ConnectionManager, WorkerPool, dispatch
from slurmrestd.conmgr.listen import ListenError, open_listeners, systemd_listeners
from slurmrestd.http.server import HttpSession
from slurmrestd.operations import core, defer_operations
from slurmrestd.operations.handler_index import lazy_handlers_for
from slurmrestd.operations.app import RestApp
from slurmrestd.operations.router import Router
from slurmrestd.rpc import frames
from slurmrestd.settings import OPENAPI_PLUGINS, Settings
from slurmrestd.site import Site

if TYPE_CHECKING:  # pragma: no cover - conmgr.tls (and ssl) only with https:// listeners
    from slurmrestd.conmgr.tls import TlsServer

log = logging.getLogger("slurmrestd")


class StartupError(Exception):
    """Something that must stop the daemon before it serves anything."""


def build_document(settings: Settings, router: Router, site: Site, mime_types: tuple[str, ...]) -> dict:
    """The OpenAPI document of exactly the operations bound in ``router``."""
    from slurmrestd.openapi.document import build_document as build

    bound = {(b.template, b.method.lower()) for b in router.bindings}
    plugins = [p.removeprefix("openapi/") for p in settings.openapi_plugins or ()]
    return build(settings.data_parsers, plugins, lambda path, method: (path, method.lower()) in bound,
                 site.release, mime_types)


SERVED_MIME_TYPES = ("application/json", "application/yaml")


def build_router(settings: Settings, site: Site,
                 mime_types: tuple[str, ...] = SERVED_MIME_TYPES) -> tuple[Router, core.CachedDocument]:
    """The routes of the selected plugins and versions, bound lazily: a version's operations
    when a request first names it, a handler's module on its first call (everything is bound
    as soon as the document is built or ``router.bindings`` is read)."""
    router = Router()
    handlers = lazy_handlers_for(settings.openapi_plugins)
    defer_operations(router, settings.data_parsers, settings.openapi_plugins, handlers)
    document = core.CachedDocument(lambda: build_document(settings, router, site, mime_types))
    core.bind(router, document)
    return router, document


def default_plugins(slurm_conf) -> tuple[str, ...]:
    """The reference's default -s: slurmdbd only when accounting goes through it."""
    if getattr(slurm_conf, "accounting_storage_type", "") == "accounting_storage/slurmdbd":
        return ("openapi/slurmctld", "openapi/slurmdbd", "openapi/util")
    return ("openapi/slurmctld", "openapi/util")


def load_slurm_conf(settings: Settings):
    """Read slurm.conf when a plugin needs the controller; None when not needed."""
    plugins = settings.openapi_plugins if settings.openapi_plugins is not None else OPENAPI_PLUGINS
    needs = {"openapi/slurmctld", "openapi/slurmdbd"} & set(plugins)
    from slurmrestd.rpc.conf import SlurmConfigError, load_slurm_conf

    try:
        return load_slurm_conf(settings.slurm_conf)
    except SlurmConfigError as e:
        if needs:
            raise StartupError(str(e)) from None
        log.debug("no slurm.conf: %s", e)
        return None


#: Connections the metrics listener processes at once, and its worker threads.
PROBE_MAX_BUSY = 16
PROBE_WORKERS = 2


class ProbeServer:
    """The metrics listener (SLURMRESTD_METRICS_LISTEN): its own connection manager and
    workers on a thread of their own, so scrapes and probes are answered even when the
    main listeners are at their connection limit; no authentication (``core.ProbeApp``)."""

    def __init__(self, settings: Settings, site: Site, listeners: list) -> None:
        app = core.ProbeApp(site)
        self.workers = WorkerPool(PROBE_WORKERS)
        self.manager = ConnectionManager(settings.limits, PROBE_MAX_BUSY, self.workers,
                                         lambda conn: HttpSession(conn, app, settings.limits))
        for l in listeners:
            self.manager.add_listener(l)
        self.thread = threading.Thread(target=self.manager.run, name="metrics-listener", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.manager.request_stop("shutdown")
        self.thread.join(5.0)
        self.workers.shutdown(timeout=1.0)


def load_tls(settings: Settings, slurm_conf) -> "TlsServer":
    """The certificate and key of the https:// listeners (see ``conmgr.tls.cert_files``)."""
    from slurmrestd.conmgr.tls import TlsError, TlsServer, cert_files  # ssl only with https://
    from slurmrestd.rpc.conf import find_slurm_conf

    params = slurm_conf.get("TLSParameters") if slurm_conf is not None else None
    conf_path = slurm_conf.path if slurm_conf is not None else find_slurm_conf(settings.slurm_conf)
    try:
        files = cert_files(settings.tls_cert, settings.tls_key, params, conf_path)
        server = TlsServer(files)
    except TlsError as e:
        raise StartupError("https:// listener: %s" % e) from None
    log.info("TLS certificate %s, key %s (%s)", files.cert, files.key, files.source)
    return server


def generate_spec(settings: Settings) -> int:
    from slurmrestd import serializers

    site = Site(settings)
    if settings.openapi_plugins is None:
        settings = replace(settings, openapi_plugins=OPENAPI_PLUGINS)
    # Like the reference in this mode, only the JSON serializer is listed.
    router, document = build_router(settings, site, ("application/json",))
    sys.stdout.buffer.write(serializers.dump("application/json", document.document))
    sys.stdout.buffer.flush()
    return 0


def tune_gc(threshold: int) -> None:
    """Collect cyclic garbage less often (``Limits.gc_threshold``): what start-up built stays
    out of every collection (``gc.freeze``), and young collections wait for ``threshold``
    net allocations.  0 leaves Python's settings alone."""
    if threshold <= 0:
        return
    import gc
    gc.freeze()  # O(1): start-up garbage, if any, stays (it is small)
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(threshold, older, oldest)


def start_offload(settings: Settings, become: tuple | None = None, import_all: bool = False):
    """Dump processes for long job lists (``slurmrestd.offload``), launched now and warming up
    meanwhile; ``become``: the (uid, gid) of -u/-g, which each switches to after its imports."""
    from slurmrestd.offload import Offload
    from slurmrestd.operations.slurmctld import job_list

    lim = settings.limits
    offload = Offload(settings.dump_processes, min_bytes=lim.dump_min_bytes, timeout_s=lim.dump_timeout_s,
                      gc_threshold=lim.gc_threshold, malloc_mmap_threshold=lim.malloc_mmap_threshold,
                      warm=[(job_list.prepare, (v,)) for v in settings.data_parsers], become=become,
                      import_all=import_all)
    offload.start()
    return offload


def run(settings: Settings, debug_level: str | None) -> int:
    logsetup.setup(logsetup.effective_level(debug_level, settings.verbosity), fmt=settings.log_format)
    try:
        if settings.generate_openapi_spec:
            return generate_spec(settings)
        return _serve(settings)
    except (StartupError, security.SecurityError, ListenError, AuthSetupError) as e:
        log.error("%s", e)
        return 1


def _preload(settings: Settings) -> None:
    """Import what is otherwise loaded on first use, while the installation is still readable."""
    import slurmrestd.auth.jwt  # noqa: F401
    import slurmrestd.auth.local  # noqa: F401
    import slurmrestd.auth.verify  # noqa: F401
    import slurmrestd.serializers as serializers

    serializers.preload()
    if settings.pam_service:
        import slurmrestd.auth.pam  # noqa: F401
        import pam  # noqa: F401
    # Libraries and standard library pieces loaded lazily: PyJWT (token checks and minted
    # tokens), host name encoding (socket.getaddrinfo) and the munge body hash.
    import encodings.idna  # noqa: F401
    import prometheus_client.core  # noqa: F401  (/metrics: the live state's collector)
    import prometheus_client.exposition  # noqa: F401
    import jwt  # noqa: F401
    import jwt.algorithms  # noqa: F401  (RS256 keys of the JWKS, built on first use)
    from slurmrestd.rpc.cred import _kangaroo_twelve

    try:
        _kangaroo_twelve()
    except ImportError:  # pragma: no cover - a declared dependency
        pass


def _import_package() -> None:
    """Import every module of this package ahead of a user switch: the user we become may
    not be able to read the installation (a private checkout, a root-only virtualenv), and a
    module loaded on first use would then fail in the middle of a request."""
    import importlib
    import pkgutil

    import slurmrestd

    for mod in pkgutil.walk_packages(slurmrestd.__path__, "slurmrestd."):
        if mod.name.endswith("__main__"):
            continue
        importlib.import_module(mod.name)


def _serve(settings: Settings) -> int:
    sec = settings.security
    if settings.become_user:
        if not settings.inet_mode:
            raise StartupError("become_user works only in inet mode (no listen address): "
                               "a listening daemon cannot take on one caller's identity")
        security.check_become_user_root()
    uid = gid = None
    if settings.user:
        uid, gid = security.resolve_user(settings.user)
    if settings.group:
        gid = security.resolve_group(settings.group)
    security.lock_down(unshare_files="disable_unshare_files" not in sec,
                       unshare_sysv="disable_unshare_sysv" not in sec)

    slurm_conf = load_slurm_conf(settings)
    if settings.openapi_plugins is None:
        settings = replace(settings, openapi_plugins=default_plugins(slurm_conf))
    site = Site(settings, slurm_conf)

    listeners = systemd_listeners()
    if not listeners:
        for spec in settings.listen:
            listeners.extend(open_listeners(spec))
    probe_listeners = []
    if settings.metrics_listen and not listeners:
        # one process per client (inetd, Accept=yes): a listener of its own would clash
        log.warning("SLURMRESTD_METRICS_LISTEN ignored in inet mode")
    else:
        for spec in settings.metrics_listen:
            probe_listeners.extend(open_listeners(spec))
    # The certificate is read before the user switch, as the reference reads its own.
    tls = load_tls(settings, slurm_conf) if any(l.tls for l in listeners) else None

    # Everything a request may need is imported ahead in listen mode (no first-request cost) and
    # before a user switch, -u/-g or become_user, when the new user might not be able to read
    # the installation.  An inet-mode process whose files every user can read serves one
    # client: it loads and binds only what that request needs.
    router, document = build_router(settings, site)
    if listeners:  # an inet-mode process serves one client: build the document only if asked
        document.document
    switching = uid is not None or gid is not None or bool(settings.become_user)
    ahead = switching and not installation.readable_by_everyone()
    if switching:
        log.debug("user switch: %s", "importing every module first (the installation is not readable "
                  "by every user)" if ahead else "the installation is readable by every user")
    if listeners or ahead:
        _preload(settings)
    if ahead:
        _import_package()
        router.bindings  # every version's operations bound (and their registries built)
    for l in listeners + probe_listeners:
        if l.unix_path and (uid is not None or gid is not None):
            # Hand the socket file to the user we become, so it stays usable and removable.
            os.chown(l.unix_path, -1 if uid is None else uid, -1 if gid is None else gid)
    if listeners and settings.dump_processes:
        # launched before the switch, each switches itself once it has imported what it needs
        site.offload = start_offload(settings, (uid, gid) if uid is not None or gid is not None else None,
                                     import_all=ahead)
        site.metrics.watch_offload(site.offload)
    security.drop_privileges(uid, gid)
    if "disable_user_check" not in sec:
        security.check_user(site.slurm_user_id, settings.become_user)
    else:
        log.warning("SLURMRESTD_SECURITY=disable_user_check: privilege checks are off (development only)")
    # The keys are read as the user that serves requests: "readable" means readable by it.
    app = RestApp(router, chain_from_settings(settings, site.slurm_conf, site.slurm_user_id), site)

    tune_gc(settings.limits.gc_threshold)
    if listeners:
        from slurmrestd.offload import tune_malloc

        tune_malloc(settings.limits.malloc_mmap_threshold)
    workers = WorkerPool(settings.threads, eager=bool(listeners))
    manager = ConnectionManager(settings.limits, settings.max_connections, workers,
                                lambda conn: HttpSession(conn, app, settings.limits,
                                                         require_host=bool(listeners)), tls=tls,
                                inline=settings.inline)

    def spawn(run, inline: bool) -> None:
        """A later shared execution: in a fiber when its request ran in one, else on the pool
        (either way the leader's answer never waits for it)."""
        if inline:
            dispatch.start_fiber(manager, run)
            if frames.in_fiber():
                frames.sleep(0)  # let it start (and send its RPC) before this one's answers go out
        else:
            workers.submit(run)

    app.single_flight.spawn = spawn

    def on_sighup() -> None:
        logsetup.reopen()
        if tls is not None:
            tls.reload()  # new connections get the new pair; established ones keep theirs

    manager.signal_handlers[signal.SIGHUP] = on_sighup
    manager.install_signal_handlers()
    site.metrics.watch_connections(manager)

    if listeners:
        for l in listeners:
            manager.add_listener(l)
    else:
        log.debug("inet mode: serving the client on stdin/stdout")
        manager.add_inet(0, 1)
    probes = ProbeServer(settings, site, probe_listeners) if probe_listeners else None

    log.info("slurmrestd started: %d worker threads, max %d busy connections, %d waiting, %d dump processes",
             workers.size, settings.max_connections, manager.admission.max_waiting,
             site.offload.processes if site.offload is not None else 0)
    try:
        manager.run()
    finally:
        if probes is not None:
            probes.stop()
        workers.shutdown(timeout=1.0)
        site.close()
    if not listeners and manager.inet_failed:
        return 1
    log.info("slurmrestd stopped")
    return 0
