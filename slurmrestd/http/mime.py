"""Choosing the request and response media types.

Differences from the reference, on purpose: ``Content-Type`` parameters such
as ``; charset=utf-8`` are understood (the reference refuses them with 415),
and ``Accept`` q-values pick the *most* preferred type (the reference picks the
least preferred one).  The response echoes the alias the client asked for
(``text/yaml``, ``application/jsonrequest``), as the reference does.
"""

from __future__ import annotations

from slurmrestd.errors import E, SlurmError
from slurmrestd.serializers import JSON, READABLE, URL_ENCODED, WRITABLE


def _split_params(item: str) -> tuple[str, dict[str, str]]:
    parts = item.split(";")
    params = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        params[k.strip().lower()] = v.strip().strip('"')
    return parts[0].strip().lower(), params


def resolve_read_type(content_type: str | None, body: bytes) -> str:
    """The media type to parse the body with (url-encoded when absent, as the reference)."""
    if not body or not content_type or not content_type.strip():
        return URL_ENCODED
    mime, params = _split_params(content_type)
    charset = params.get("charset")
    if charset is not None and charset.lower() not in ("utf-8", "utf8", "us-ascii"):
        raise SlurmError(E.ESLURM_DATA_UNKNOWN_MIME_TYPE,
                         "Unsupported charset %r in Content-Type: only UTF-8 is accepted" % charset)
    if mime not in READABLE:
        raise SlurmError(E.ESLURM_DATA_UNKNOWN_MIME_TYPE,
                         "Content-Type %r is not supported; use one of: %s" % (mime, ", ".join(READABLE)))
    return mime


def resolve_write_type(accept: str | None) -> str:
    """The media type to answer in, from Accept (JSON when absent)."""
    if accept is None or not accept.strip():
        return JSON
    candidates: list[tuple[float, int, str]] = []
    for order, item in enumerate(accept.split(",")):
        if not item.strip():
            continue
        mime, params = _split_params(item)
        try:
            q = float(params.get("q", "1"))
        except ValueError:
            q = 0.0
        if q <= 0:
            continue
        if mime in ("*/*", "application/*"):
            mime = JSON
        if mime in WRITABLE:
            candidates.append((-q, order, mime))
    if not candidates:
        raise SlurmError(E.ESLURM_HTTP_UNKNOWN_ACCEPT_MIME_TYPE,
                         "None of the types in Accept (%s) can be produced; supported: %s"
                         % (accept.strip(), ", ".join(WRITABLE)))
    return min(candidates)[2]
