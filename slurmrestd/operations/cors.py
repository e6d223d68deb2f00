"""Cross-origin resource sharing (CORS) for browser clients; off unless origins are set.

A browser calling the API from a page of another origin first sends a
preflight ``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``
(and ``-Headers``), without credentials.  That preflight is answered here,
before authentication: 204 with the allowed methods and headers (the
authentication headers always among them) when the origin, method and headers
are allowed, 403 without any CORS header otherwise, which makes the browser
refuse the real request.  Every other answer to an allowed origin carries
``Access-Control-Allow-Origin`` (the origin itself, with ``Vary: Origin``) and
exposes ``X-Request-ID``.  Credentials travel in headers, never cookies, so
``Access-Control-Allow-Credentials`` is not sent.
"""

from __future__ import annotations

from slurmrestd.http.server import Response
from slurmrestd.settings import CORS_AUTH_HEADERS, CORS_EXPOSED_HEADERS, Cors


class CorsPolicy:
    def __init__(self, cors: Cors) -> None:
        self.enabled = cors.enabled
        self.any_origin = "*" in cors.origins
        self.origins = frozenset(o.lower() for o in cors.origins)
        self.methods = tuple(cors.methods)
        self.headers = tuple(dict.fromkeys(tuple(cors.headers) + CORS_AUTH_HEADERS))
        self._header_set = frozenset(h.lower() for h in self.headers)
        self.max_age_s = cors.max_age_s

    def origin_allowed(self, origin: str) -> bool:
        return self.any_origin or origin.lower() in self.origins

    def is_preflight(self, request) -> bool:
        return (self.enabled and request.method == "OPTIONS" and "origin" in request.headers
                and "access-control-request-method" in request.headers)

    def preflight(self, request) -> tuple[Response, str | None]:
        """The answer to a preflight request, and why it was refused (None when allowed)."""
        h = request.headers
        origin = h.get("origin") or ""
        method = (h.get("access-control-request-method") or "").strip()
        asked = [x.lower() for x in h.get_list("access-control-request-headers")]
        if not self.origin_allowed(origin):
            why = "origin %s is not allowed" % origin
        elif method not in self.methods:
            why = "method %s is not allowed (allowed: %s)" % (method, ", ".join(self.methods))
        else:
            bad = [x for x in asked if x not in self._header_set]
            why = ("request header %s is not allowed" % ", ".join(bad)) if bad else None
        if why is not None:
            return Response(403, ("CORS preflight refused: %s" % why).encode(), "text/plain"), why
        resp = Response(204)
        resp.headers.extend([
            ("Access-Control-Allow-Origin", origin),
            ("Vary", "Origin"),
            ("Access-Control-Allow-Methods", ", ".join(self.methods)),
            ("Access-Control-Allow-Headers", ", ".join(self.headers)),
            ("Access-Control-Max-Age", str(self.max_age_s)),
        ])
        return resp, None

    def response_headers(self, request) -> list[tuple[str, str]]:
        """CORS headers for an ordinary answer (none unless the origin is allowed)."""
        if not self.enabled:
            return []
        origin = request.headers.get("origin")
        if not origin or not self.origin_allowed(origin):
            return []
        return [("Access-Control-Allow-Origin", origin), ("Vary", "Origin"),
                ("Access-Control-Expose-Headers", ", ".join(CORS_EXPOSED_HEADERS))]
