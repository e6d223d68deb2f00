"""Request ids and the access log line of each request.

A request keeps the ``X-Request-ID`` its client sent when that is 1–200
visible ASCII characters; otherwise it gets a new random id.  The id is echoed
in the response and written in the request's log records.  The access record
(logger ``slurmrestd.access``) carries the request fields of
``log.REQUEST_FIELDS`` as attributes, which the JSON log format writes out;
in the text format it is one line at level ``verbose`` (``-v``), in the JSON
format at ``info``.
"""

from __future__ import annotations

import logging
import random

from slurmrestd.log import LEVELS

HEADER = "X-Request-ID"
MAX_LEN = 200

log = logging.getLogger("slurmrestd.access")


def request_id(headers) -> str:
    """The client's ``X-Request-ID`` when it is usable, else a new one."""
    rid = headers.get("x-request-id")
    if rid and len(rid) <= MAX_LEN and all(0x21 <= ord(c) <= 0x7E for c in rid):
        return rid
    return new_request_id()


#: The bits of a version-4 UUID that are not random: version (4) and RFC 4122 variant (10).
_UUID4_CLEAR = ~((0xF << 76) | (0x3 << 62))
_UUID4_SET = (0x4 << 76) | (0x2 << 62)


def new_request_id() -> str:
    """A random version-4 UUID as 32 hex digits, as ``uuid.uuid4().hex`` (without importing
    ``uuid``, which loads ``platform`` and ``_uuid`` at every start).  The bits come from
    ``random`` (seeded from the kernel, and again in every forked child), not from
    ``os.urandom``: an id correlates log lines and is no secret, and a system call per
    request is not free."""
    return "%032x" % ((random.getrandbits(128) & _UUID4_CLEAR) | _UUID4_SET)


def log_access(json_format: bool, rid: str, client: str, user: str | None, method: str, path: str,
               status: int, seconds: float) -> None:
    level = logging.INFO if json_format else LEVELS["verbose"]
    if not log.isEnabledFor(level):
        return
    ms = round(seconds * 1000.0, 3)
    log.log(level, "[%s] %s %s -> %d in %.1f ms (user %s, request id %s)", client, method, path, status, ms,
            user or "-", rid,
            extra={"request_id": rid, "client": client, "user": user or "", "method": method,
                   "path": path, "status": status, "duration_ms": ms})
