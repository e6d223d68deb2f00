"""A connection's output: the bytes queued for the peer, in order.

Small writes are gathered into one ``bytearray`` (a response head and a short body
leave in one send).  A big immutable chunk — the body of a 1,000-job answer is
about 9 MB — is queued as a view of the caller's bytes instead of being copied
behind what is already queued; a partial send then only moves the view's start.

``len()`` and truth are those of the bytes still to send, so the connection
manager tests ``conn.outbuf`` as it would test a ``bytearray``.
"""

from __future__ import annotations

from collections import deque

#: Chunks from this size on are queued by reference (bytes and memoryviews of bytes).
BY_REFERENCE = 64 * 1024


class OutputBuffer:
    """Bytes waiting to be sent, as a queue of chunks (loop thread only)."""

    __slots__ = ("_chunks", "_size")

    def __init__(self) -> None:
        self._chunks: deque = deque()
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def __bytes__(self) -> bytes:
        return b"".join(self._chunks)

    def append(self, data) -> None:
        """Queue ``data`` (bytes-like) after everything queued so far."""
        n = len(data)
        if not n:
            return
        chunks = self._chunks
        if n >= BY_REFERENCE and (type(data) is bytes or type(data) is memoryview and data.readonly):
            # a view keeps the caller's immutable bytes alive without copying them
            chunks.append(data if type(data) is memoryview else memoryview(data))
        elif chunks and type(chunks[-1]) is bytearray:
            chunks[-1] += data
        else:
            chunks.append(bytearray(data))
        self._size += n

    def first(self):
        """The chunk to send next (a ``bytearray`` or a ``memoryview``); the buffer must not
        be empty."""
        return self._chunks[0]

    def consume(self, n: int) -> None:
        """``n`` bytes from the start of ``first()`` were sent."""
        chunks = self._chunks
        head = chunks[0]
        if n >= len(head):
            chunks.popleft()
        elif type(head) is bytearray:
            del head[:n]
        else:
            chunks[0] = head[n:]
        self._size -= n

    def clear(self) -> None:
        self._chunks.clear()
        self._size = 0
