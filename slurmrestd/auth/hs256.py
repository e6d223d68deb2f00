"""A fast path for the common token: HS256, well formed, good signature (hmac, no PyJWT).

PyJWT pulls in ``cryptography`` (about 90 ms of CPU per process to import), which an
inet-mode process would pay for every request it verifies.  ``verified_claims`` accepts
only what PyJWT accepts too and answers None for everything else, so that PyJWT judges
every token that is not plainly good and gives it the same refusal as before:

* the token is three segments of the base64url alphabet, no padding (PyJWT also allows
  ``=`` padding: left to it);
* the header is a JSON object of ``alg`` = ``HS256``, ``typ`` (a string) and ``kid`` (a
  string), nothing else (``b64``/``crit`` and the like: left to PyJWT);
* the payload is a JSON object whose ``sub`` and ``jti``, if present, are strings (PyJWT
  checks both);
* the key is not one PyJWT refuses as an HMAC secret or might (PEM, SSH, DER-looking,
  JSON): such keys are left to PyJWT;
* the signature is HMAC-SHA256 of ``header.payload`` with the key (constant-time compare).

The claims' own checks (``exp``, ``iat``, user names) stay in ``auth/verify``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re

_SEGMENT = re.compile(rb"[A-Za-z0-9_-]*")
_HEADER_KEYS = frozenset({"alg", "typ", "kid"})
_SSH_PREFIXES = (b"ssh-", b"ecdsa-sha2-", b"sk-ssh-", b"sk-ecdsa-")


def _decode(segment: bytes) -> bytes | None:
    if len(segment) % 4 == 1 or not _SEGMENT.fullmatch(segment):
        return None
    return base64.urlsafe_b64decode(segment + b"=" * (-len(segment) % 4))


def _json_object(data: bytes) -> dict | None:
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def plain_secret(key: bytes) -> bool:
    """A key PyJWT uses as an HMAC secret without question (see the module text)."""
    if not key or key[:1] == b"\x30" or b"-----" in key or key.startswith(_SSH_PREFIXES):
        return False
    try:
        json.loads(key)
    except (ValueError, RecursionError):
        return True
    return False


def verified_claims(token: str, key: bytes) -> dict | None:
    """The claims of a plainly good HS256 ``token`` signed with ``key``; None: let PyJWT judge."""
    try:
        raw = token.encode("ascii")
    except UnicodeEncodeError:
        return None
    parts = raw.split(b".")
    if len(parts) != 3 or not plain_secret(key):
        return None
    header_data, payload_data, signature = (_decode(p) for p in parts)
    if header_data is None or payload_data is None or signature is None:
        return None
    header = _json_object(header_data)
    if header is None or header.get("alg") != "HS256" or not set(header) <= _HEADER_KEYS:
        return None
    if not all(isinstance(header[k], str) for k in ("typ", "kid") if k in header):
        return None
    expected = hmac.new(key, parts[0] + b"." + parts[1], hashlib.sha256).digest()
    if not hmac.compare_digest(expected, signature):
        return None
    claims = _json_object(payload_data)
    if claims is None or not all(isinstance(claims[k], str) for k in ("sub", "jti") if k in claims):
        return None
    return claims


__all__ = ["plain_secret", "verified_claims"]
