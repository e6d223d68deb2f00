"""What a handler gets: the request's parameters, input, identity and diagnostics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slurmrestd.auth import Identity
from slurmrestd.errors import SlurmError, strerror


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
    errors: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    #: First error number recorded; decides the HTTP status.
    rc: int = 0

    def error(self, errno: int, description: str = "", source: str = "") -> None:
        self.errors.append({
            "description": description or strerror(errno),
            "error_number": int(errno),
            "error": strerror(errno),
            "source": source,
        })
        if not self.rc:
            self.rc = int(errno)

    def warn(self, description: str, source: str = "") -> None:
        self.warnings.append({"description": description, "source": source})

    def fail(self, errno: int, description: str = "", source: str = "") -> SlurmError:
        """Record an error and return an exception to raise, ending the handler."""
        self.error(errno, description, source)
        return SlurmError(errno, description, source)
