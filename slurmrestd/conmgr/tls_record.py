"""Recognizing a TLS record on a plain connection, without loading ``ssl``.

Kept apart from ``conmgr/tls`` so that the HTTP layer of a daemon without ``https://``
listeners (every inet-mode process) never imports ``ssl`` (about 6 % of such a process).
"""

from __future__ import annotations


def looks_like_tls(data: bytes | bytearray) -> bool:
    """The first bytes of a TLS (or SSL 3) ClientHello record, sent to a plain listener."""
    return len(data) >= 2 and data[0] == 0x16 and data[1] == 0x03
