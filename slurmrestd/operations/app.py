"""The request pipeline, in the reference daemon's order.

authenticate → find the path → pick input and output formats → decode the
input → run the handler → wrap the result in the meta/errors/warnings envelope
→ serialize.  Failures before the handler runs answer ``text/plain`` (as the
reference does); once a handler runs, the answer is always the envelope.

Read-only GETs (``Binding.coalesce``) run the handler through the app's
``SingleFlight``: identical concurrent requests share one handler run that
started after each of them arrived (``operations/coalesce``).

Around it (``__call__``): the request id (``operations/access``), the CORS
preflight, answered before authentication, and CORS response headers
(``operations/cors``), the request metrics (``slurmrestd.metrics``) and the
access log record.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from slurmrestd import serializers
from slurmrestd.auth import AuthError, authenticate
from slurmrestd.errors import E, SlurmError, http_status_for
from slurmrestd.http import mime
from slurmrestd.http.server import Response
from slurmrestd.operations import access
from slurmrestd.operations.coalesce import CoalesceTimeout, SingleFlight
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.cors import CorsPolicy
from slurmrestd.operations.router import Router
from slurmrestd.settings import Cors

log = logging.getLogger("slurmrestd.operations")

UNKNOWN_URL_TEXT = (b"Unable to find requested URL endpoint. Please query the '/openapi/v3' endpoint "
                    b"or visit 'https://slurm.schedmd.com/rest_api.html' for the OpenAPI specification "
                    b"which includes a list of all possible slurmrestd endpoints.")

def _text(status: int, text: str | bytes) -> Response:
    body = text.encode() if isinstance(text, str) else text
    return Response(status, body, "text/plain")


def status_for(ctx: OperationContext) -> int:
    """HTTP status of a handled request.

    As the reference, from the first error number — except that a request
    whose input could not be parsed (the handler recorded "Rejecting request")
    is the client's fault: 422 where the reference would answer 500.
    """
    status = http_status_for(ctx.rc)
    if status == 500 and any(e["error_number"] == E.ESLURM_REST_INVALID_QUERY for e in ctx.errors):
        return 422
    return status


class RestApp:
    """Callable given to ``HttpSession``: one request in, one response out."""

    def __init__(self, router: Router, auth_chain: list, site: Any,
                 single_flight: SingleFlight | None = None) -> None:
        self.router = router
        self.auth_chain = auth_chain
        self.site = site
        settings = getattr(site, "settings", None)
        #: Shares handler runs between identical concurrent read-only requests.
        self.single_flight = (single_flight if single_flight is not None
                              else SingleFlight.from_settings(settings))
        self.cors = CorsPolicy(getattr(settings, "cors", None) or Cors())
        self.json_log = getattr(settings, "log_format", "text") == "json"
        #: The site's ``Metrics`` (None for sites without one, as in some tests).
        self.metrics = getattr(site, "metrics", None)
        if self.metrics is not None:
            self.metrics.watch_single_flight(self.single_flight)

    def __call__(self, request, conn) -> Response:
        started = time.perf_counter()
        rid = access.request_id(request.headers)
        done = self.metrics.track_in_flight() if self.metrics is not None else None
        seen: dict = {}
        try:
            resp = self._serve(request, conn, rid, seen)
        finally:
            if done is not None:
                done()
        seconds = time.perf_counter() - started
        resp.headers.append((access.HEADER, rid))
        if self.cors.enabled and not seen.get("preflight"):
            resp.headers.extend(self.cors.response_headers(request))
        if self.metrics is not None:
            self.metrics.request_done(request.method, seen.get("template"), resp.status, seconds)
        access.log_access(self.json_log, rid, conn.name, seen.get("user"), request.method, request.path,
                          resp.status, seconds)
        return resp

    def _serve(self, request, conn, rid: str, seen: dict) -> Response:
        """The pipeline proper; ``seen`` collects the matched template and the user for the
        metrics and the access log."""
        if self.json_log:
            log.debug("operations_router: [%s] %s %s (request id %s)", conn.name, request.method,
                      request.path, rid, extra={"request_id": rid, "client": conn.name,
                                                "method": request.method, "path": request.path})
        else:
            log.info("operations_router: [%s] %s %s (request id %s)", conn.name, request.method,
                     request.path, rid)
        if self.cors.is_preflight(request):
            seen["preflight"] = True
            resp, refused = self.cors.preflight(request)
            if refused is not None:
                log.info("[%s] %s (request id %s)", conn.name, resp.body.decode(), rid)
                if self.metrics is not None:
                    self.metrics.cors_refused.inc()
            return resp
        try:
            identity = authenticate(self.auth_chain, request.headers, conn)
        except AuthError as e:
            log.info("[%s] authentication failed: %s (request id %s)", conn.name, e.description, rid)
            if self.metrics is not None:
                self.metrics.auth_failed(e.errno)
            return _text(401, "Authentication failure")
        seen["user"] = identity.user_name

        found = self.router.match(request.path)
        if found is None:
            return _text(404, UNKNOWN_URL_TEXT)
        methods, params = found
        seen["template"] = next(iter(methods.values())).template
        binding = methods.get(request.method)
        if binding is None:
            allow = ", ".join(sorted(methods))
            resp = _text(405, "Method %s not allowed here; allowed: %s" % (request.method, allow))
            resp.headers.append(("Allow", allow))
            return resp

        try:
            write_type = mime.resolve_write_type(request.headers.get("accept"))
            body = request.body
            read_type = mime.resolve_read_type(request.headers.get("content-type"), body)
            if body and request.query:
                raise SlurmError(E.ESLURM_HTTP_UNEXPECTED_BODY,
                                 "Unexpected HTTP body provided when URL Query provided")
            if body:
                query = serializers.load(read_type, body)
            elif request.query:
                query = serializers.parse_query(request.query)
            else:
                query = None
        except SlurmError as e:
            return _text(http_status_for(e.errno), e.description)

        def execute() -> tuple[Any, OperationContext]:
            ctx = OperationContext(request.method, request.path, params, query, identity,
                                   binding.version, self.site, binding.operation)
            return self._handle(binding, ctx, conn), ctx

        if binding.coalesce:
            result, ctx = self._shared(binding, request, identity, read_type, write_type, execute, conn)
        else:
            result, ctx = execute()
        if not binding.envelope:
            return self._raw(result, ctx, write_type)
        if ctx.rc == E.ESLURM_REST_EMPTY_RESULT:
            return Response(204)
        # What an identical request shares is the handler's result, errors, warnings and status
        # (``ctx``, read-only from here on).  The envelope is built and serialized per request:
        # meta carries this client's own address (meta.client.source).  Sharing the serialized
        # bytes too would need meta spliced in per client; not done yet.
        doc: dict = dict(result) if isinstance(result, dict) else {}
        doc["meta"] = self.site.meta(binding, conn, identity)
        doc["errors"] = ctx.errors
        doc["warnings"] = ctx.warnings
        return Response(status_for(ctx), serializers.dump(write_type, doc), write_type)

    def _shared(self, binding, request, identity, read_type: str, write_type: str,
                execute, conn) -> tuple[Any, OperationContext]:
        """``execute()`` through the single flight, keyed on everything the answer depends on:
        the exact credential, method, raw path, raw query, body bytes, version and media types."""
        key = (identity.plugin, identity.user_name, identity.token, identity.uid, identity.gid,
               request.method, request.path, request.query, request.body, binding.version,
               read_type, write_type)
        try:
            return self.single_flight.run(key, execute)
        except Exception as e:
            ctx = OperationContext(request.method, request.path, {}, None, identity,
                                   binding.version, self.site, binding.operation)
            if isinstance(e, CoalesceTimeout):
                log.warning("[%s] %s %s: %s", conn.name, request.method, request.path, e.description)
                ctx.record(e)
            else:  # the shared run failed outside the handler: everyone joined gets this answer
                log.error("[%s] shared run of %s %s failed: %r", conn.name, request.method,
                          request.path, e)
                ctx.error(E.SLURM_ERROR, "Internal error while processing the request", binding.template)
            return None, ctx

    def _handle(self, binding, ctx: OperationContext, conn) -> Any:
        """Run the handler: a raised ``SlurmError`` becomes the request's error; then release
        what the request opened (committing its slurmdbd session only when nothing failed)."""
        result = None
        try:
            result = binding.handler(ctx)
        except SlurmError as e:
            ctx.record(e)
        except Exception:
            log.exception("[%s] handler for %s %s failed", conn.name, ctx.method, ctx.path)
            ctx.error(E.SLURM_ERROR, "Internal error while processing the request", binding.template)
        try:
            ctx.release()
        except SlurmError as e:
            ctx.record(e)
        except Exception:
            log.exception("[%s] ending %s %s failed", conn.name, ctx.method, ctx.path)
            ctx.error(E.SLURM_ERROR, "Internal error while ending the request", binding.template)
        return result

    def _raw(self, result: Any, ctx: OperationContext, write_type: str) -> Response:
        if ctx.rc == E.ESLURM_REST_EMPTY_RESULT or result is None and not ctx.rc:
            return Response(204)
        if ctx.rc:
            return _text(http_status_for(ctx.rc), ctx.errors[0]["description"])
        if isinstance(result, Response):  # a handler that answers on its own (metrics, probes)
            return result
        if callable(result):  # pre-serialized documents: result(write_type) -> bytes
            return Response(200, result(write_type), write_type)
        return Response(200, serializers.dump(write_type, result), write_type)
