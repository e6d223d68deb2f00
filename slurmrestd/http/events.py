"""What the request parser hands to the connection manager.

``RequestParser.next_event()`` returns one of:

* ``NEED_DATA`` – feed more bytes with ``receive_data()``;
* ``CONTINUE_EXPECTED`` (the ``ContinueExpected`` singleton) – the headers are
  in, the client sent ``Expect: 100-continue`` and a body is declared; write the
  interim 100 response and keep reading.  At most once per request;
* a ``Request`` – a whole request, body included;
* ``PAUSED`` – a request was returned and the server has not yet called
  ``start_next_request()``;
* ``CONNECTION_CLOSED`` – the peer closed its side between requests.

Malformed input raises ``HttpError`` instead of returning an event.
"""

from __future__ import annotations

from typing import NamedTuple

from slurmrestd.http.headers import Headers


class _Sentinel:
    """A named marker value, compared by identity."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name

    def __reduce__(self) -> str:
        return self._name


NEED_DATA = _Sentinel("NEED_DATA")
PAUSED = _Sentinel("PAUSED")
CONNECTION_CLOSED = _Sentinel("CONNECTION_CLOSED")


class ContinueExpected:
    """The client waits for ``100 Continue`` before sending the body."""

    _instance: "ContinueExpected | None" = None

    def __new__(cls) -> "ContinueExpected":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "CONTINUE_EXPECTED"

    def __reduce__(self) -> str:
        return "CONTINUE_EXPECTED"


CONTINUE_EXPECTED = ContinueExpected()


class Request(NamedTuple):
    """One complete HTTP request.

    ``target`` is the request-target as sent; ``path`` is its path part, still
    percent-encoded (``*`` for the asterisk-form, ``/`` for an absolute-form
    target without a path), and ``query`` the text after ``?`` (``""`` when there is none).
    ``version`` is ``"1.0"`` or ``"1.1"``.  ``keep_alive`` says whether the
    connection may carry another request after the response.

    A named tuple (immutable) rather than a frozen dataclass, whose ``__init__`` sets each
    of the eight fields through ``object.__setattr__``: one per request.
    """

    method: str
    target: str
    path: str
    query: str
    version: str
    headers: Headers
    body: bytes
    keep_alive: bool
