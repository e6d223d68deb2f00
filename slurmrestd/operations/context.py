"""What a handler gets: the request's parameters, input, identity and diagnostics.

Errors and warnings live in one ``ParserContext`` shared with the data parser,
so problems found while parsing input and those raised by the handler end up
in the same ``errors[]``/``warnings[]`` lists, in the order they happened.
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

    def __post_init__(self) -> None:
        if self.version:
            self.diag.version = self.version

    @property
    def errors(self) -> list[dict]:
        return self.diag.errors

    @property
    def warnings(self) -> list[dict]:
        return self.diag.warnings

    @property
    def rc(self) -> int:
        return self.forced_rc or self.diag.rc

    def error(self, errno: int, description: str = "", source: str = "") -> None:
        self.diag.error(errno, source, description)

    def warn(self, description: str, source: str = "") -> None:
        self.diag.warn(source, description)

    def fail(self, errno: int, description: str = "", source: str = "") -> SlurmError:
        """Record an error and return an exception to raise, ending the handler."""
        self.error(errno, description, source)
        return SlurmError(errno, description, source)

    # -- data parser -----------------------------------------------------

    def dump(self, type_name: str, value: Any) -> Any:
        return data_parser.dump(type_name, value, self.diag, version=self.version)

    def parse(self, type_name: str, data: Any, what: str = "request") -> Any:
        """Parse input; on any error, stop the handler with the reference's 9000 wrap-up."""
        before = len(self.errors)
        value = data_parser.parse(type_name, data, self.diag, version=self.version)
        if len(self.errors) > before:
            raise self.fail(E.ESLURM_REST_INVALID_QUERY, "Rejecting request. Failure parsing %s." % what,
                            self.operation_source)
        return value

    def parse_body(self) -> Any:
        """The request body (or query) as the operation's body type."""
        op = self.operation
        if self.query is None:
            raise self.fail(E.ESLURM_REST_INVALID_QUERY, "Rejecting request. Empty request body.",
                            self.operation_source)
        return self.parse(op.body_type, self.query, "request")

    def parse_query(self) -> Any:
        """The query string (or body) as the operation's query type; {} when absent."""
        op = self.operation
        if not op.query_type:
            return {}
        return self.parse(op.query_type, self.query if self.query is not None else {}, "query")

    @property
    def operation_source(self) -> str:
        op = self.operation
        return getattr(getattr(op, "decl", None), "handler", None) or getattr(op, "handler", "") or ""
