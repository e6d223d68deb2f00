"""Unversioned paths: the OpenAPI document, the health probes and ``/metrics``.

``/healthz`` and ``/livez`` say the daemon runs (204, as the reference);
``/readyz`` says 204 only while slurmctld (and slurmdbd, when served) answer
(``slurmrestd.readiness``), else 503 with the reason.  ``/metrics`` is the
Prometheus text format of the site's registry.  On the main listeners these
come after authentication, as every path; the metrics listener
(``ProbeApp``) serves them without it.
"""

from __future__ import annotations

import threading
from typing import Callable

from slurmrestd import serializers
from slurmrestd.errors import E
from slurmrestd.http.server import Response
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.router import Binding, Router

OPENAPI_PATHS = ("/openapi", "/openapi.json", "/openapi.yaml", "/openapi/v3")
HEALTH_PATHS = ("/healthz", "/readyz", "/livez")
METRICS_PATH = "/metrics"
READY_PATH = "/readyz"


class CachedDocument:
    """The OpenAPI document, built once and serialized once per output type.

    The reference regenerates it on every request (tens of milliseconds and
    megabytes of garbage); ours is immutable for the life of the daemon.
    """

    def __init__(self, build: Callable[[], dict]) -> None:
        self._build = build
        self._doc: dict | None = None
        self._bytes: dict[str, bytes] = {}
        self._lock = threading.Lock()

    @property
    def document(self) -> dict:
        with self._lock:
            if self._doc is None:
                self._doc = self._build()
            return self._doc

    def serialized(self, mime: str) -> bytes:
        data = self._bytes.get(mime)
        if data is None:
            doc = self.document
            data = serializers.dump(mime, doc)
            with self._lock:
                self._bytes[mime] = data
        return data


def bind(router: Router, document: CachedDocument) -> None:
    def openapi(ctx: OperationContext):
        return document.serialized

    def health(ctx: OperationContext):
        ctx.forced_rc = E.ESLURM_REST_EMPTY_RESULT
        return None

    def ready(ctx: OperationContext):
        return readiness_response(ctx.site)

    def metrics(ctx: OperationContext):
        return metrics_response(ctx.site)

    for p in OPENAPI_PATHS:
        router.add(Binding(p, "GET", openapi, envelope=False))
    for p in HEALTH_PATHS:
        router.add(Binding(p, "GET", ready if p == READY_PATH else health, envelope=False))
    router.add(Binding(METRICS_PATH, "GET", metrics, envelope=False))


def readiness_response(site) -> Response:
    readiness = getattr(site, "readiness", None)
    if readiness is None:
        return Response(204)
    verdict = readiness.check()
    if verdict.ready:
        return Response(204)
    return Response(503, verdict.text().encode(), "text/plain")


def metrics_response(site) -> Response:
    metrics = getattr(site, "metrics", None)
    if metrics is None:
        return Response(404, b"no metrics", "text/plain")
    from slurmrestd.metrics import CONTENT_TYPE

    return Response(200, metrics.exposition(), CONTENT_TYPE)


class ProbeApp:
    """The app of the metrics listener: ``/metrics`` and the health probes, GET or HEAD,
    without authentication; every other path is 404, every other method 405."""

    def __init__(self, site) -> None:
        self.site = site

    def __call__(self, request, conn) -> Response:
        path = "/" + "/".join(p for p in request.path.split("/") if p)
        if path not in HEALTH_PATHS and path != METRICS_PATH:
            return Response(404, b"Only /metrics, /healthz, /livez and /readyz are served here",
                            "text/plain")
        if request.method not in ("GET", "HEAD"):
            resp = Response(405, b"Method not allowed: use GET", "text/plain")
            resp.headers.append(("Allow", "GET, HEAD"))
            return resp
        if path == METRICS_PATH:
            return metrics_response(self.site)
        if path == READY_PATH:
            return readiness_response(self.site)
        return Response(204)
