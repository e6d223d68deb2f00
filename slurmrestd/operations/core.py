"""Unversioned paths: the OpenAPI document and the health probes."""

from __future__ import annotations

import threading
from typing import Callable

from slurmrestd import serializers
from slurmrestd.errors import E
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.router import Binding, Router

OPENAPI_PATHS = ("/openapi", "/openapi.json", "/openapi.yaml", "/openapi/v3")
HEALTH_PATHS = ("/healthz", "/readyz", "/livez")


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

    for p in OPENAPI_PATHS:
        router.add(Binding(p, "GET", openapi, envelope=False))
    for p in HEALTH_PATHS:
        router.add(Binding(p, "GET", health, envelope=False))
