"""The header fields of one request, in arrival order.

Names are stored lower-cased (``str``); values are the validated bytes with
surrounding whitespace trimmed, decoded as latin-1 so no byte is ever lost.
The parser builds a ``Headers`` and nothing changes it afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator


class Headers:
    """An ordered, read-only multi-map of header fields."""

    __slots__ = ("_fields", "_first")

    def __init__(self, fields: Iterable[tuple[str, str]] = ()) -> None:
        self._set(tuple((n.lower(), v) for n, v in fields))

    @classmethod
    def of_lowered(cls, fields: Iterable[tuple[str, str]]) -> "Headers":
        """Fields whose names are lower-case already (the parser's): not lowered again."""
        headers = cls.__new__(cls)
        headers._set(tuple(fields))
        return headers

    def _set(self, fields: tuple[tuple[str, str], ...]) -> None:
        self._fields = fields
        #: name → the value of its first field (lookups are per request, several each): built
        #: from the last field to the first, so that the first one's value is what stays
        self._first: dict[str, str] = dict(reversed(fields))

    @property
    def names(self):
        """The (lower-case) names present, as a set-like view."""
        return self._first.keys()

    def get(self, name: str, default: str | None = None) -> str | None:
        """The value of the first field called ``name`` (any case), or ``default``."""
        return self._first.get(name.lower(), default)

    def get_all(self, name: str) -> list[str]:
        """Every value of the fields called ``name``, in arrival order."""
        name = name.lower()
        if name not in self._first:
            return []
        return [v for n, v in self._fields if n == name]

    def get_list(self, name: str) -> list[str]:
        """The comma-separated elements of every ``name`` field, trimmed, empties dropped."""
        out = []
        for value in self.get_all(name):
            out.extend(e.strip(" \t") for e in value.split(","))
        return [e for e in out if e]

    def items(self) -> list[tuple[str, str]]:
        return list(self._fields)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        return name.lower() in self._first

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            return self._fields == other._fields
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._fields)

    def __repr__(self) -> str:
        return "Headers(%r)" % (list(self._fields),)
