"""The request pipeline, in the reference daemon's order.

authenticate → find the path → pick input and output formats → decode the
input → run the handler → wrap the result in the meta/errors/warnings envelope
→ serialize.  Failures before the handler runs answer ``text/plain`` (as the
reference does); once a handler runs, the answer is always the envelope.

Read-only GETs (``Binding.coalesce``) run the handler through the app's
``SingleFlight``: identical concurrent requests share one handler run that
started after each of them arrived, and its serialized answer
(``operations/coalesce``).  A request that waits for a shared run is parked: the
app returns a ``Deferred`` and no worker waits with it; what ``__call__`` adds
around the pipeline is then done when the answer is ready.

Around it (``__call__``): the request id (``operations/access``), the CORS
preflight, answered before authentication, and CORS response headers
(``operations/cors``), the request metrics (``slurmrestd.metrics``) and the
access log record.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

import orjson

from slurmrestd import data_parser, serializers
from slurmrestd import log as logsetup
from slurmrestd.auth import AuthError, Identity, LoginThrottled, authenticate
from slurmrestd.auth.jwt import claimed_user
from slurmrestd.errors import E, SlurmError, http_status_for, strerror
from slurmrestd.http import mime
from slurmrestd.http.parser import KNOWN_METHODS
from slurmrestd.http.server import Deferred, Response
from slurmrestd.operations import access
from slurmrestd.operations.coalesce import CoalesceTimeout, SingleFlight
from slurmrestd.operations.context import OperationContext
from slurmrestd.operations.cors import CorsPolicy
from slurmrestd.operations.inline import inline_caller
from slurmrestd.operations.router import Router
from slurmrestd.rpc import frames
from slurmrestd.settings import Cors

log = logging.getLogger("slurmrestd.operations")

UNKNOWN_URL_TEXT = (b"Unable to find requested URL endpoint. Please query the '/openapi/v3' endpoint "
                    b"or visit 'https://slurm.schedmd.com/rest_api.html' for the OpenAPI specification "
                    b"which includes a list of all possible slurmrestd endpoints.")

#: Media types serialized with orjson, where a shared answer is spliced per client.
_JSON_TYPES = frozenset((mime.MIME_JSON, mime.MIME_JSONREQUEST))
#: Stands for the client's address in a shared answer's meta (random: no data can contain it).
_SOURCE_MARK = "slurmrestd-client-source-" + os.urandom(16).hex()  # as secrets.token_hex(16)
_SOURCE_MARK_JSON = orjson.dumps(_SOURCE_MARK)
#: A shared answer whose part before the client's address is this long is answered in two
#: pieces (``Response.body_tail``) instead of one joined copy per client.
_SPLIT_SHARED = 64 * 1024


class _MarkedConn:
    """A connection whose name is the marker (what ``site.meta`` reads for meta.client.source)."""

    __slots__ = ("_conn",)
    name = _SOURCE_MARK

    def __init__(self, conn) -> None:
        self._conn = conn

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._conn, attr)


class _SharedAnswer:
    """What one execution hands every request joined to it (read-only once built)."""

    __slots__ = ("status", "content_type", "parts", "doc", "shared_response", "identity")

    def __init__(self, status: int = 200, content_type: str | None = None, *,
                 parts: tuple[bytes | memoryview, bytes | memoryview] | None = None, doc: dict | None = None,
                 response: Response | None = None, identity=None) -> None:
        #: The caller as meta.client names it (``_proven``); None: the requester's own.
        self.identity = identity
        self.status = status
        self.content_type = content_type
        #: The serialized JSON before and after meta.client.source's value.
        self.parts = parts
        #: The document, serialized per request (media types other than JSON).
        self.doc = doc
        #: A complete answer that needs nothing per client (204, raw documents).
        self.shared_response = response

    def response(self, app: "RestApp", binding, conn, identity) -> Response:
        """This client's response."""
        r = self.shared_response
        if r is not None:
            return Response(r.status, r.body, r.content_type, r.close, list(r.headers), r.body_tail)
        if self.parts is not None:
            head, tail = self.parts
            if len(head) >= _SPLIT_SHARED:  # sent in two pieces: the big one is not copied
                return Response(self.status, head, self.content_type,
                                body_tail=(b"".join((orjson.dumps(conn.name), tail)),))
            return Response(self.status, b"".join((head, orjson.dumps(conn.name), tail)), self.content_type)
        doc = dict(self.doc or {})
        doc["meta"] = app.site.meta(binding, conn, self.identity or identity)
        return Response(self.status, serializers.dump(self.content_type, doc), self.content_type)


def _text(status: int, text: str | bytes) -> Response:
    body = text.encode() if isinstance(text, str) else text
    return Response(status, body, "text/plain")


def _proven(identity, ctx: OperationContext):
    """The identity meta.client may name: a token passed through unchecked counts as
    proven once slurmctld or slurmdbd accepted it (``ctx.caller_proven``)."""
    if identity.verified or identity.rejected is not None or identity.token is None \
            or not ctx.caller_proven:
        return identity
    user = claimed_user(identity)
    if not user:
        return identity
    # the constructor, not dataclasses.replace (a fifth of its cost)
    return Identity(plugin=identity.plugin, user_name=user, token=identity.token, uid=identity.uid,
                    gid=identity.gid, verified=True, rejected=identity.rejected,
                    header_user=identity.header_user)


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
        #: per bound operation, the required members of its answer with their empty values
        #: (at most one entry per binding)
        self._required: dict = {}

    def runs_inline(self, request, conn) -> bool:
        """Whether this request is cheap and blocks only on slurmctld (``operations/inline``):
        then the connection manager runs it on its loop thread."""
        if request.method != "GET" or not inline_caller(request.headers, conn):
            return False
        found = self.router.match(request.path)
        if found is None:
            return True  # 404 after authentication
        binding = found[0].get("GET")
        return binding is None or binding.inline

    def __call__(self, request, conn) -> Response | Deferred:
        started = time.perf_counter()
        rid = access.request_id(request.headers)
        done = self.metrics.track_in_flight() if self.metrics is not None else None
        seen: dict = {}
        try:
            resp = self._serve(request, conn, rid, seen)
        except BaseException:
            if done is not None:
                done()
            raise
        if isinstance(resp, Deferred):
            ready = resp.peek()
            if ready is None:  # parked: finish on the thread that resolves it
                out = Deferred()
                resp.then(lambda r: out.resolve(
                    self._finish(request, conn, rid, seen, r, started, done)))
                return out
            resp = ready
        return self._finish(request, conn, rid, seen, resp, started, done)

    def _finish(self, request, conn, rid: str, seen: dict, resp: Response, started: float,
                done) -> Response:
        """Request id, CORS headers, metrics and the access record of an answered request."""
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

    def _serve(self, request, conn, rid: str, seen: dict) -> Response | Deferred:
        """The pipeline proper; ``seen`` collects the matched template and the user for the
        metrics and the access log."""
        if self.json_log:
            log.debug("operations_router: [%s] %s %s (request id %s)", conn.name, request.method,
                      request.path, rid, extra={"request_id": rid, "client": conn.name,
                                                "method": request.method, "path": request.path})
        else:
            logsetup.info_line(log, "operations_router: [%s] %s %s (request id %s)", conn.name, request.method,
                               request.path, rid)
        if request.method not in KNOWN_METHODS:  # before authentication, as the reference
            return self._unknown_method(request)
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
        except LoginThrottled as e:
            if self.metrics is not None:
                self.metrics.auth_failed(e.errno)
            resp = _text(429, "Too many failed logins; try again later")
            resp.headers.append(("Retry-After", str(int(e.retry_after) + 1)))
            return resp
        except AuthError as e:
            log.info("[%s] authentication failed: %s (request id %s)", conn.name, e.description, rid)
            if self.metrics is not None:
                self.metrics.auth_failed(e.errno)
            return _text(401, "Authentication failure")
        seen["user"] = identity.user_name
        if identity.rejected is not None and self.metrics is not None:
            # refused by local token verification; the request still gets the controller's answer
            self.metrics.auth_failed(E.SLURM_PROTOCOL_AUTHENTICATION_ERROR)

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
            if not binding.envelope:
                return _text(http_status_for(e.errno), e.description)
            ctx = OperationContext(request.method, request.path, params, None, identity,
                                   binding.version, self.site, binding.operation)
            ctx.record(e)
            return self._envelope(binding, ctx, None, conn, identity, write_type)

        if binding.coalesce and self.single_flight.enabled:
            return self._coalesced(binding, request, identity, params, query, read_type, write_type, conn)
        ctx = OperationContext(request.method, request.path, params, query, identity,
                               binding.version, self.site, binding.operation)
        result = self._handle(binding, ctx, conn)
        if not binding.envelope:
            return self._raw(result, ctx, write_type)
        return self._envelope(binding, ctx, result, conn, identity, write_type)

    def _envelope(self, binding, ctx: OperationContext, result: Any, conn, identity,
                  write_type: str) -> Response:
        if ctx.rc == E.ESLURM_REST_EMPTY_RESULT:
            return Response(204)
        doc = self._with_required(binding, result)
        doc["meta"] = self.site.meta(binding, conn, _proven(identity, ctx))
        doc["errors"] = ctx.errors
        doc["warnings"] = ctx.warnings
        parts = serializers.dump_parts(write_type, doc)  # a dump process's list is not copied again
        return Response(status_for(ctx), parts[0], write_type, body_tail=parts[1:])

    def _with_required(self, binding, result: Any) -> dict:
        """The handler's result with the required members of the answer's type added where
        missing (``jobs: []`` …), so that error answers validate against the document too."""
        doc: dict = dict(result) if isinstance(result, dict) else {}
        for key, value in self._required_members(binding).items():
            if key not in doc:  # a fresh copy of the empty value: the answer may be changed later
                doc[key] = list(value) if isinstance(value, list) else dict(value) if isinstance(value, dict) else value
        return doc

    def _required_members(self, binding) -> dict:
        """The required members of ``binding``'s answer with their empty values (shared: copy
        a value before handing it out)."""
        key = (binding.template, binding.method)
        found = self._required.get(key)
        if found is None:
            rtype = getattr(binding.operation, "response_type", None)
            found = data_parser.required_members(rtype, binding.version) if rtype else {}
            self._required[key] = found
        return found

    def _unknown_method(self, request) -> Response:
        """405 for a method the daemon does not know, with the path's ``Allow`` when the path
        exists (the reference answers its 405 "Invalid HTTP method" without one)."""
        resp = _text(405, strerror(E.ESLURM_HTTP_INVALID_METHOD))
        resp.close = True  # as before, when the parser refused the method
        found = self.router.match(request.path)
        if found is not None:
            resp.headers.append(("Allow", ", ".join(sorted(found[0]))))
        return resp

    # -- coalesced requests ------------------------------------------------------

    def _coalesced(self, binding, request, identity, params, query, read_type: str, write_type: str,
                   conn) -> Response | Deferred:
        """The request through the single flight, keyed on everything the answer depends on:
        the exact credential, method, raw path, raw query, body bytes, version and media types.

        The execution runs the handler and serializes the answer once for everyone joined
        to it (``_SharedAnswer``).  A request that joins a later execution is parked: the
        worker returns a ``Deferred`` at once and the answer is written when it is ready."""
        key = (identity.plugin, identity.user_name, identity.token, identity.uid, identity.gid,
               request.method, request.path, request.query, request.body, binding.version,
               read_type, write_type)
        deferred = Deferred()

        def execute() -> _SharedAnswer:
            ctx = OperationContext(request.method, request.path, params, query, identity,
                                   binding.version, self.site, binding.operation)
            result = self._handle(binding, ctx, conn)
            return self._shareable(binding, ctx, result, conn, identity, write_type)

        def deliver(answer: Any, error: BaseException | None) -> None:
            if error is None:
                try:
                    deferred.resolve(answer.response(self, binding, conn, identity))
                    return
                except Exception as e:  # noqa: BLE001 - answered as a failed run
                    error = e
            deferred.resolve(self._failed(binding, request, identity, write_type, error, conn))

        self.single_flight.submit(key, execute, deliver, inline=frames.in_fiber())
        return deferred.peek() or deferred

    def _shareable(self, binding, ctx: OperationContext, result: Any, conn, identity,
                   write_type: str) -> "_SharedAnswer":
        """The answer of one execution in the form every joined request can take.

        Everything in it depends only on the key, except ``meta.client.source`` (each
        client's own address): for JSON the document is serialized once with a marker
        there and split around it, so each request costs one concatenation.  Other media
        types keep the document and serialize it per request."""
        if not binding.envelope:
            return _SharedAnswer(response=self._raw(result, ctx, write_type))
        if ctx.rc == E.ESLURM_REST_EMPTY_RESULT:
            return _SharedAnswer(response=Response(204))
        doc = self._with_required(binding, result)
        doc["meta"] = None
        doc["errors"] = ctx.errors
        doc["warnings"] = ctx.warnings
        status = status_for(ctx)
        identity = _proven(identity, ctx)
        if write_type in _JSON_TYPES:
            doc["meta"] = self.site.meta(binding, _MarkedConn(conn), identity)
            data = serializers.dump(write_type, doc)
            at = data.find(_SOURCE_MARK_JSON)
            if at >= 0 and data.find(_SOURCE_MARK_JSON, at + 1) < 0:
                # views of the one serialized answer (a 1,000-job list is ~9 MB): no copy
                # until each client's answer is joined
                view = memoryview(data)
                return _SharedAnswer(status, write_type, parts=(view[:at], view[at + len(_SOURCE_MARK_JSON):]))
        return _SharedAnswer(status, write_type, doc=doc, identity=identity)

    def _failed(self, binding, request, identity, write_type: str, error: BaseException,
                conn) -> Response:
        ctx = OperationContext(request.method, request.path, {}, None, identity,
                               binding.version, self.site, binding.operation)
        if isinstance(error, CoalesceTimeout):
            log.warning("[%s] %s %s: %s", conn.name, request.method, request.path, error.description)
            ctx.record(error)
        else:  # the shared run failed outside the handler: everyone joined gets this answer
            log.error("[%s] shared run of %s %s failed: %r", conn.name, request.method,
                      request.path, error)
            ctx.error(E.SLURM_ERROR, "Internal error while processing the request", binding.template)
        if not binding.envelope:
            return self._raw(None, ctx, write_type)
        return self._envelope(binding, ctx, None, conn, identity, write_type)

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
