"""What a handler gets: the request's parameters, input, identity, peers and diagnostics.

Errors and warnings live in one ``ParserContext`` shared with the data parser,
so problems found while parsing input and those raised by the handler end up
in the same ``errors[]``/``warnings[]`` lists, in the order they happened.

One error idiom: a handler that cannot go on raises ``SlurmError(errno,
description, source)`` and the pipeline records it (``record``); a problem the
handler reports while still answering is recorded with ``error``.

The peers are opened lazily, once per request, as the caller: ``ctx.ctld`` is
the slurmctld client, ``ctx.dbd`` the slurmdbd session.  The pipeline ends the
request with ``release``, which commits the slurmdbd session when the request
had no error and rolls it back otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slurmrestd import data_parser
from slurmrestd.auth import Identity
from slurmrestd.data_parser import ParserContext
from slurmrestd.errors import E, SlurmError


@dataclass
class OperationContext:
    method: str
    path: str
    #: Path template parameters, as decoded strings.
    params: dict[str, str]
    #: Parsed body, or the parsed query string when there is no body (as the reference does).
    query: Any
    identity: Identity
    version: str | None
    #: Shared, read-only daemon state (site configuration, clients, caches).
    site: Any = None
    #: The OpenAPI operation being served (types of query, body and response).
    operation: Any = None
    diag: ParserContext = field(default_factory=ParserContext)
    #: Forced result code (e.g. ESLURM_REST_EMPTY_RESULT); otherwise the first error decides.
    forced_rc: int = 0
    _ctld: Any = field(default=None, init=False, repr=False)
    _dbd: Any = field(default=None, init=False, repr=False)
    #: slurmctld or slurmdbd accepted the request's credential (a token passed through
    #: unchecked is then proven too: see ``caller_proven``).
    _accepted: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.version:
            self.diag.version = self.version
        conf = getattr(self.site, "slurm_conf", None)
        if conf is not None and hasattr(conf, "get"):
            self.diag.select_type_param = conf.get("SelectTypeParameters") or ""
        if self.diag.names is None:
            self.diag.names = getattr(self.site, "names", None)

    @property
    def errors(self) -> list[dict]:
        return self.diag.errors

    @property
    def warnings(self) -> list[dict]:
        return self.diag.warnings

    @property
    def input(self) -> Any:
        """The parsed body (or query string); ``{}`` when the request had neither."""
        return self.query if self.query is not None else {}

    @property
    def rc(self) -> int:
        return self.forced_rc or self.diag.rc

    def error(self, errno: int, description: str = "", source: str = "") -> None:
        self.diag.error(errno, source, description)

    def warn(self, description: str, source: str = "") -> None:
        self.diag.warn(source, description)

    def record(self, exc: SlurmError) -> None:
        """Record a raised ``SlurmError`` as the request's error (the pipeline does it for handlers)."""
        self.error(exc.errno, exc.description, exc.source)

    # -- peers, opened on first use --------------------------------------

    @property
    def ctld(self) -> Any:
        """This request's slurmctld client, carrying the caller's credential."""
        if self._ctld is None:
            self._ctld = self.site.ctld(self.identity)
        return self._ctld

    @property
    def dbd(self) -> Any:
        """This request's slurmdbd session, carrying the caller's credential."""
        if self._dbd is None:
            open_session = getattr(self.site, "dbd", None)
            if open_session is None:  # a site without a slurmdbd client
                raise SlurmError(E.ESLURM_DB_CONNECTION, "Failed to open slurmdbd connection",
                                 "openapi_get_db_conn")
            self._dbd = open_session(self.identity)
        return self._dbd

    @property
    def caller_proven(self) -> bool:
        """Whether slurmctld or slurmdbd accepted this request's credential (so far)."""
        if self._accepted:
            return True
        for peer in (self._ctld, self._dbd):
            if getattr(getattr(peer, "credential", None), "accepted", False):
                self._accepted = True
        return self._accepted

    def release(self) -> None:
        """End what the request opened: commit the slurmdbd session if no error was recorded,
        else roll it back.  Safe to call when nothing was opened."""
        self.caller_proven  # noqa: B018 - remembered before the session goes
        db, self._dbd = self._dbd, None
        end = getattr(db, "release", None)
        if end is not None:
            end(commit=not self.errors)

    # -- data parser -----------------------------------------------------

    def dump(self, type_name: str, value: Any) -> Any:
        """``value`` dumped as ``type_name`` through the compiled plans (the generic walker's
        output, a fraction of its time: GET diag's 60 RPC-type records went from 2.7 to
        0.6 ms).  What the handler returns is the answer: its ``meta``, ``errors`` and
        ``warnings`` are left for the envelope to set, not dumped to be replaced."""
        return data_parser.dump_planned(type_name, value, self.diag, self.version, envelope=True)

    def parse(self, type_name: str, data: Any, what: str = "request", *,
              description: str | None = None, source: str | None = None) -> Any:
        """Parse input; on any error, stop the handler with the reference's 9000 wrap-up
        (``description`` and ``source`` default to "Rejecting request. Failure parsing <what>."
        from the operation's C handler)."""
        before = len(self.errors)
        value = data_parser.parse(type_name, data, self.diag, version=self.version)
        if len(self.errors) > before:
            if description is None:
                description = "Rejecting request. Failure parsing %s." % what
            raise SlurmError(E.ESLURM_REST_INVALID_QUERY, description,
                             self.operation_source if source is None else source)
        return value

    def parse_body(self) -> Any:
        """The request body (or query) as the operation's body type."""
        op = self.operation
        if self.query is None:
            raise SlurmError(E.ESLURM_REST_INVALID_QUERY, "Rejecting request. Empty request body.",
                             self.operation_source)
        return self.parse(op.body_type, self.query, "request")

    def parse_query(self) -> Any:
        """The query string (or body) as the operation's query type; {} when absent."""
        op = self.operation
        if not op.query_type:
            return {}
        return self.parse(op.query_type, self.input, "query")

    @property
    def operation_source(self) -> str:
        op = self.operation
        return getattr(getattr(op, "decl", None), "handler", None) or getattr(op, "handler", "") or ""
