"""The warm-start hand-off and the child's reports, as bytes (sans-I/O).

Hand-off, client → warm server, sent with descriptors 0, 1 and 2 (SCM_RIGHTS) on its first
byte::

    b"SRW1"  u32 length  then `length` bytes: fields, each u32 length + bytes:
             fingerprint, argv[0], working directory, then one ``NAME=value`` per variable

Reports, child → client: ``b"S"`` u32 pid (started: the child owns the client's
descriptors now), ``b"X"`` i32 status (the child exited with it), ``b"R"`` u32 length +
text (refused before it touched the descriptors: the client serves cold).

Integers are big-endian.  Readers take bytes in any split and raise ``WireError`` on
anything malformed.
"""


MAGIC = b"SRW1"
#: Largest hand-off accepted (fingerprint + environment).
MAX_HANDOFF = 1 << 20
#: Largest refusal text accepted.
MAX_REASON = 4096


def _u32(n: int) -> bytes:
    return n.to_bytes(4, "big")


def _u32_at(buf: bytearray, pos: int) -> int:
    return int.from_bytes(buf[pos:pos + 4], "big")


class WireError(ValueError):
    """Malformed hand-off or report."""


def _fields(items: list[bytes]) -> bytes:
    return b"".join(_u32(len(b)) + b for b in items)


def encode_handoff(fingerprint: bytes, argv0: bytes, cwd: bytes, env: list[bytes]) -> bytes:
    body = _fields([fingerprint, argv0, cwd, *env])
    if len(body) > MAX_HANDOFF:
        raise WireError("hand-off of %d bytes is over %d" % (len(body), MAX_HANDOFF))
    return MAGIC + _u32(len(body)) + body


class Handoff:
    __slots__ = ("fingerprint", "argv0", "cwd", "env")

    def __init__(self, fingerprint: bytes, argv0: bytes, cwd: bytes, env: list[bytes]) -> None:
        self.fingerprint, self.argv0, self.cwd, self.env = fingerprint, argv0, cwd, env


class HandoffReader:
    """Feed bytes; ``feed`` returns the ``Handoff`` once it is complete, else None."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> Handoff | None:
        self._buf += data
        if len(self._buf) < 8:
            if not MAGIC.startswith(bytes(self._buf[:4])):
                raise WireError("not a warm-start hand-off")
            return None
        if self._buf[:4] != MAGIC:
            raise WireError("not a warm-start hand-off")
        length = _u32_at(self._buf, 4)
        if length > MAX_HANDOFF:
            raise WireError("hand-off of %d bytes is over %d" % (length, MAX_HANDOFF))
        if len(self._buf) < 8 + length:
            return None
        if len(self._buf) > 8 + length:
            raise WireError("bytes after the hand-off")
        items, pos, end = [], 8, 8 + length
        while pos < end:
            if end - pos < 4:
                raise WireError("truncated field length")
            n = _u32_at(self._buf, pos)
            pos += 4
            if n > end - pos:
                raise WireError("field of %d bytes overruns the hand-off" % n)
            items.append(bytes(self._buf[pos:pos + n]))
            pos += n
        if len(items) < 3:
            raise WireError("hand-off with %d fields (at least 3)" % len(items))
        for var in items[3:]:
            if b"=" not in var[1:] or b"\0" in var:
                raise WireError("malformed environment entry")
        if b"\0" in items[2] or not items[2].startswith(b"/"):
            raise WireError("working directory is not an absolute path")
        return Handoff(items[0], items[1], items[2], items[3:])


def encode_started(pid: int) -> bytes:
    return b"S" + _u32(pid)


def encode_exited(status: int) -> bytes:
    return b"X" + status.to_bytes(4, "big", signed=True)


def encode_refused(reason: str) -> bytes:
    text = reason.encode("utf-8", "replace")[:MAX_REASON]
    return b"R" + _u32(len(text)) + text


class ReportReader:
    """Feed bytes; ``feed`` returns the completed reports: ("S", pid), ("X", status),
    ("R", reason)."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[tuple[str, object]]:
        self._buf += data
        out: list[tuple[str, object]] = []
        while self._buf:
            kind = self._buf[:1]
            if kind not in (b"S", b"X", b"R"):
                raise WireError("unknown report %r" % bytes(kind))
            if len(self._buf) < 5:
                break
            if kind == b"S":
                out.append(("S", _u32_at(self._buf, 1)))
                del self._buf[:5]
            elif kind == b"X":
                out.append(("X", int.from_bytes(self._buf[1:5], "big", signed=True)))
                del self._buf[:5]
            else:
                n = _u32_at(self._buf, 1)
                if n > MAX_REASON:
                    raise WireError("refusal text of %d bytes" % n)
                if len(self._buf) < 5 + n:
                    break
                out.append(("R", bytes(self._buf[5:5 + n]).decode("utf-8", "replace")))
                del self._buf[:5 + n]
        return out
