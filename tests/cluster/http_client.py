"""A small blocking HTTP client for tests (keep-alive, JSON)."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit


def call(base: str, method: str, path: str, token: str | None = None, user: str | None = "alice",
         body=None, headers: dict | None = None, timeout: float = 60):
    u = urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    h = dict(headers or {})
    if token is not None:
        h["X-SLURM-USER-TOKEN"] = token
        if user:
            h["X-SLURM-USER-NAME"] = user
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    conn.request(method, path, body=data, headers=h)
    r = conn.getresponse()
    raw = r.read()
    conn.close()
    try:
        doc = json.loads(raw) if raw else None
    except ValueError:
        doc = raw
    return r.status, doc
