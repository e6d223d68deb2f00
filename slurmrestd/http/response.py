"""Serialise responses the way the reference daemon writes them.

The header set is deliberately small: ``Connection: Close`` (first, spelled that
way) when the connection is about to close, then ``Content-Length`` and
``Content-Type``, then any extra fields.  There is no ``Date`` or ``Server``.
A 204 carries no entity headers at all; 1xx and 304 carry no ``Content-Length``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from slurmrestd.http.status import reason

if TYPE_CHECKING:
    from slurmrestd.http.parser import HttpError


def _check(text: str) -> str:
    """``text``, refused if it holds CR, LF or NUL: nothing we write into the header block
    may split the response by accident.  (Three scans in C; ``str.translate`` was a third
    of the cost of building a small response.)"""
    if "\r" in text or "\n" in text or "\x00" in text:
        raise ValueError("CR, LF or NUL in a response header: %r" % text)
    return text


def build_response(
    status: int,
    body: bytes = b"",
    content_type: str | None = None,
    *,
    version: str = "1.1",
    close: bool = False,
    head: bool = False,
    extra_headers: Iterable[tuple[str, str]] = (),
    more: int = 0,
) -> bytes:
    """The bytes of a complete response.

    ``head`` writes the headers a GET would get (``Content-Length`` included)
    but no body.  ``more``: bytes of the body the caller sends after ``body``
    (counted in ``Content-Length``; use with ``head``).  Statuses that cannot
    have content (1xx, 204, 304) never get a body.
    """
    lines = ["HTTP/%s %d %s" % (_check(version), status, reason(status))]
    if close:
        lines.append("Connection: Close")
    no_content = status < 200 or status in (204, 304)
    if status != 204:
        if not no_content:
            lines.append("Content-Length: %d" % (len(body) + more))
        if content_type:
            lines.append("Content-Type: " + _check(content_type))
    for name, value in extra_headers:
        lines.append("%s: %s" % (_check(name), _check(value)))
    head_block = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    if head or no_content:
        return head_block
    return head_block + body


def build_continue(version: str = "1.1") -> bytes:
    """The interim response that tells a client to send its body."""
    return b"HTTP/%s 100 CONTINUE\r\n\r\n" % _check(version).encode("ascii")


def error_response(err: HttpError, version: str = "1.1") -> bytes:
    """The text/plain answer to an ``HttpError``; the connection closes after it."""
    return build_response(
        err.status, err.message.encode("utf-8"), "text/plain", version=version, close=True
    )
