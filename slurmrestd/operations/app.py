"""The request pipeline, in the reference daemon's order.

authenticate → find the path → pick input and output formats → decode the
input → run the handler → wrap the result in the meta/errors/warnings envelope
→ serialize.  Failures before the handler runs answer ``text/plain`` (as the
reference does); once a handler runs, the answer is always the envelope.

Read-only GETs (``Binding.coalesce``) run the handler through the app's
``SingleFlight``: identical concurrent requests share one handler run that
started after each of them arrived (``operations/coalesce``).
"""

from __future__ import annotations

import logging
from typing import Any

from slurmrestd import data_parser, serializers
from slurmrestd.auth import AuthError, authenticate
from slurmrestd.errors import E, SlurmError, http_status_for, strerror
from slurmrestd.http import mime
from slurmrestd.http.parser import KNOWN_METHODS
from slurmrestd.http.server import Response
from slurmrestd.operations.coalesce import CoalesceTimeout, SingleFlight
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.router import Router

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
        #: Shares handler runs between identical concurrent read-only requests.
        self.single_flight = (single_flight if single_flight is not None
                              else SingleFlight.from_settings(getattr(site, "settings", None)))
        #: per bound operation, the required members of its answer with their empty values
        #: (at most one entry per binding)
        self._required: dict = {}

    def __call__(self, request, conn) -> Response:
        log.info("operations_router: [%s] %s %s", conn.name, request.method, request.path)
        if request.method not in KNOWN_METHODS:  # before authentication, as the reference
            return self._unknown_method(request)
        try:
            identity = authenticate(self.auth_chain, request.headers, conn)
        except AuthError as e:
            log.info("[%s] authentication failed: %s", conn.name, e.description)
            return _text(401, "Authentication failure")

        found = self.router.match(request.path)
        if found is None:
            return _text(404, UNKNOWN_URL_TEXT)
        methods, params = found
        binding = methods.get(request.method)
        if binding is None:
            allow = ", ".join(sorted(methods))
            resp = _text(405, "Method %s not allowed here; allowed: %s" % (request.method, allow))
            resp.headers.append(("Allow", allow))
            return resp

        try:
            write_type = mime.resolve_write_type(request.headers.get("accept"))
        except SlurmError as e:
            return _text(http_status_for(e.errno), e.description)
        try:
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
            # The operation is known and the answer's type too: refuse the input in the
            # errors[] envelope the document describes (the reference answers text/plain).
            ctx = OperationContext(request.method, request.path, params, None, identity,
                                   binding.version, self.site, binding.operation)
            ctx.record(e)
            if not binding.envelope:
                return _text(http_status_for(e.errno), e.description)
            return self._envelope(binding, None, ctx, conn, identity, write_type)

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
        return self._envelope(binding, result, ctx, conn, identity, write_type)

    def _envelope(self, binding, result, ctx: OperationContext, conn, identity, write_type: str) -> Response:
        """The handler's result in the meta/errors/warnings envelope, serialized."""
        if ctx.rc == E.ESLURM_REST_EMPTY_RESULT:
            return Response(204)
        # What an identical request shares is the handler's result, errors, warnings and status
        # (``ctx``, read-only from here on).  The envelope is built and serialized per request:
        # meta carries this client's own address (meta.client.source).  Sharing the serialized
        # bytes too would need meta spliced in per client; not done yet.
        doc: dict = dict(result) if isinstance(result, dict) else {}
        for key, value in self._required_members(binding).items():
            doc.setdefault(key, value)
        doc["meta"] = self.site.meta(binding, conn, identity)
        doc["errors"] = ctx.errors
        doc["warnings"] = ctx.warnings
        return Response(status_for(ctx), serializers.dump(write_type, doc), write_type)

    def _unknown_method(self, request) -> Response:
        """405 for a method the daemon does not know, with the path's ``Allow`` when the path
        exists (the reference answers its 405 "Invalid HTTP method" without one)."""
        resp = _text(405, strerror(E.ESLURM_HTTP_INVALID_METHOD))
        found = self.router.match(request.path)
        if found is not None:
            resp.headers.append(("Allow", ", ".join(sorted(found[0]))))
        return resp

    def _required_members(self, binding) -> dict:
        """A fresh copy of what every answer of ``binding`` carries even when its handler
        failed (``jobs: []`` …), so that error answers validate against the document too."""
        key = (binding.template, binding.method)
        found = self._required.get(key)
        if found is None:
            rtype = getattr(binding.operation, "response_type", None)
            found = data_parser.required_members(rtype, binding.version) if rtype else {}
            self._required[key] = found
        return {k: (list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v)
                for k, v in found.items()}

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
        if callable(result):  # pre-serialized documents: result(write_type) -> bytes
            return Response(200, result(write_type), write_type)
        return Response(200, serializers.dump(write_type, result), write_type)
