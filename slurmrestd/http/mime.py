"""Choosing the request body format (Content-Type) and response format (Accept).

Both functions return a concrete, lower-case MIME type named here; this module
owns the names and which of them may be read and written.
:data:`slurmrestd.serializers.SERIALIZERS` maps each of them to its loader and
dumper (it imports the names from here, never the other way round).

Where we deliberately differ from the reference daemon:

* ``Content-Type`` parameters are stripped (``application/json; charset=utf-8``
  works; the reference answers 415).  A ``charset`` other than UTF-8 (or its
  subset US-ASCII) is refused with 415, since every loader reads UTF-8.
* ``Accept`` is negotiated as RFC 9110 §12.5.1 says: the acceptable type with
  the *highest* q-value wins (the reference picks the lowest); on equal q the one
  listed first wins; ``q=0`` means "not acceptable", also for a type a wildcard
  would otherwise pick.  ``*/*``, ``*`` and ``application/*`` give JSON (the
  reference refuses ``application/*``), ``text/*`` gives ``text/yaml``.
  Types we cannot produce, url-encoded included, are skipped (the reference
  picks url-encoded and then fails with 422).  An element with a malformed
  q-value, or asking for a charset other than UTF-8, is ignored.
* Like the reference, the response type echoes the alias the client named
  (``text/yaml``, ``application/x-yaml``, ``application/jsonrequest``).
"""

from __future__ import annotations

from slurmrestd.errors import E, SlurmError

__all__ = [
    "MIME_JSON",
    "MIME_JSONREQUEST",
    "MIME_YAML",
    "MIME_X_YAML",
    "MIME_TEXT_YAML",
    "MIME_URL_ENCODED",
    "READ_TYPES",
    "WRITE_TYPES",
    "resolve_read_type",
    "resolve_write_type",
]

MIME_JSON = "application/json"
MIME_JSONREQUEST = "application/jsonrequest"
MIME_YAML = "application/yaml"
MIME_X_YAML = "application/x-yaml"
MIME_TEXT_YAML = "text/yaml"
MIME_URL_ENCODED = "application/x-www-form-urlencoded"

#: Types a request body may have (each has a loader in ``serializers.SERIALIZERS``).
READ_TYPES = frozenset({MIME_JSON, MIME_JSONREQUEST, MIME_YAML, MIME_X_YAML, MIME_TEXT_YAML,
                        MIME_URL_ENCODED})
#: Types a response may have, in our order of preference (each has a dumper there).
WRITE_TYPES = (MIME_JSON, MIME_JSONREQUEST, MIME_YAML, MIME_X_YAML, MIME_TEXT_YAML)

#: What a wildcard range stands for, best first.
_WILDCARDS = {
    "*/*": (MIME_JSON, MIME_YAML),
    "*": (MIME_JSON, MIME_YAML),
    "application/*": (MIME_JSON, MIME_YAML),
    "text/*": (MIME_TEXT_YAML,),
}

_UTF8_CHARSETS = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})


def _split_outside_quotes(text: str, sep: str) -> list[str]:
    """Split on ``sep`` except inside a quoted-string (with ``\\`` escapes)."""
    parts: list[str] = []
    cur: list[str] = []
    quoted = escaped = False
    for ch in text:
        if quoted:
            cur.append(ch)
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
            cur.append(ch)
        elif ch == sep:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        out, esc = [], False
        for ch in value[1:-1]:
            if esc:
                out.append(ch)
                esc = False
            elif ch == "\\":
                esc = True
            else:
                out.append(ch)
        return "".join(out)
    return value


def _parse_media(text: str) -> tuple[str, list[tuple[str, str]]]:
    """``type/sub; a=b; c="d"`` -> (``"type/sub"``, [(``"a"``, ``"b"``), (``"c"``, ``"d"``)])."""
    pieces = _split_outside_quotes(text, ";")
    mtype = pieces[0].strip().lower()
    params = []
    for piece in pieces[1:]:
        if not piece.strip():
            continue
        name, eq, value = piece.partition("=")
        params.append((name.strip().lower(), _unquote(value) if eq else ""))
    return mtype, params


def resolve_read_type(content_type: str | None, body: bytes | None) -> str:
    """The MIME type to read a request body with.

    No body (empty) -> url-encoded, whatever the header says (as the reference).
    No or empty ``Content-Type`` -> url-encoded.  Otherwise the media type,
    case-insensitively and without parameters, must be one we can load.

    Raises ``SlurmError(E.ESLURM_DATA_UNKNOWN_MIME_TYPE, …, "Content-Type")`` (415)
    for an unknown type or a charset other than UTF-8.
    """
    if not body:
        return MIME_URL_ENCODED
    if content_type is None or not content_type.strip():
        return MIME_URL_ENCODED
    mtype, params = _parse_media(content_type)
    if mtype not in READ_TYPES:
        raise SlurmError(
            E.ESLURM_DATA_UNKNOWN_MIME_TYPE,
            "MIME type is unknown to any loaded plugins: %s" % mtype,
            "Content-Type",
        )
    for name, value in params:
        if name == "charset" and value.lower() not in _UTF8_CHARSETS:
            raise SlurmError(
                E.ESLURM_DATA_UNKNOWN_MIME_TYPE,
                "Unsupported charset for %s: %s (only UTF-8 is accepted)" % (mtype, value),
                "Content-Type",
            )
    return mtype


def _qvalue(text: str) -> float | None:
    """RFC 9110 qvalue (leniently: any decimal number 0..1); None if malformed."""
    text = text.strip()
    if not text or not all(c.isdigit() or c == "." for c in text) or text.count(".") > 1:
        return None
    try:
        q = float(text)
    except ValueError:  # pragma: no cover - guarded above
        return None
    return q if 0.0 <= q <= 1.0 else None


def resolve_write_type(accept: str | None) -> str:
    """The MIME type to write the response with, from an ``Accept`` header.

    No or empty header -> ``application/json``.  Raises
    ``SlurmError(E.ESLURM_HTTP_UNKNOWN_ACCEPT_MIME_TYPE, …, "Accept")`` (415) when
    nothing acceptable can be produced.
    """
    if accept is None or not accept.strip():
        return MIME_JSON

    # (media range, q) in header order; malformed elements dropped
    ranges: list[tuple[str, float]] = []
    for element in _split_outside_quotes(accept, ","):
        if not element.strip():
            continue
        mtype, params = _parse_media(element)
        q = 1.0
        bad = False
        charset_ok = True
        for name, value in params:
            if name == "q":
                parsed = _qvalue(value)
                if parsed is None:
                    bad = True
                else:
                    q = parsed
                break  # what follows q= are accept-extensions
            if name == "charset" and value.lower() not in _UTF8_CHARSETS:
                charset_ok = False
        if bad or not mtype or not charset_ok:
            continue  # we only write UTF-8
        ranges.append((mtype, q))

    # q=0 on a concrete type rules it out, even through a wildcard.
    refused = {mtype for mtype, q in ranges if q == 0.0 and mtype in WRITE_TYPES}

    best: tuple[float, int, str] | None = None
    for index, (mtype, q) in enumerate(ranges):
        if q <= 0.0:
            continue
        if mtype in WRITE_TYPES:
            choice = mtype
        elif mtype in _WILDCARDS:
            choice = next((t for t in _WILDCARDS[mtype] if t not in refused), None)
            if choice is None:
                continue
        else:
            continue  # cannot produce it (xml, html, url-encoded, …)
        if best is None or q > best[0]:
            best = (q, index, choice)
    if best is None:
        raise SlurmError(
            E.ESLURM_HTTP_UNKNOWN_ACCEPT_MIME_TYPE,
            "HTTP Accept header content type is unknown or unsupported: %s" % accept.strip(),
            "Accept",
        )
    return best[2]
