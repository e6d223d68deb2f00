"""Per-request diagnostics collected while dumping or parsing.

:class:`ParserContext` gathers errors and warnings in the shape of the
response envelope (``OPENAPI_ERROR`` / ``OPENAPI_WARNING``)::

    error   = {"description": str, "error_number": int, "error": strerror, "source": str}
    warning = {"description": str, "source": str}

``source`` is a JSON path for data problems (``#/job/flags[0]/``: always a
leading ``#/`` and a trailing ``/``, list indexes appended to the last part)
or a function name for handler problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

from slurmrestd.data_parser.versions import DEFAULT_VERSION
from slurmrestd.errors import strerror


def format_path(parts: Sequence[str]) -> str:
    """``["job", "flags[0]"]`` -> ``#/job/flags[0]/``; ``[]`` -> ``#/``."""
    if not parts:
        return "#/"
    return "#/" + "/".join(parts) + "/"


def with_index(parts: Sequence[str], index: int) -> list:
    """Append ``[index]`` to the last part (``#/`` root becomes ``#/[0]``)."""
    parts = list(parts)
    if parts:
        parts[-1] = f"{parts[-1]}[{index}]"
    else:
        parts.append(f"[{index}]")
    return parts


@dataclass
class ParserContext:
    """Diagnostics and settings of one dump/parse run (one request).

    ``version``: data parser version (``v0.0.45``).

    Lookup tables for the NEED_TRES / NEED_QOS types (the C plugin loads them
    from slurmdbd before dumping/parsing): either give the lists directly
    (``tres=[{"id": 1, "type": "cpu", "name": None, "count": 0}, ...]``,
    ``qos=[{"id": 1, "name": "normal"}, ...]``) or a loader per need
    (``loaders={"TRES": fn, "QOS": fn}``) called at most once, on first use.
    A loader may raise or return None when accounting is unavailable.
    """

    version: str = DEFAULT_VERSION
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    tres: Optional[list] = None
    qos: Optional[list] = None
    min_protocol: str = "24.11"  # SLURM_MIN_PROTOCOL_VERSION as a release
    #: leaf types met that have no codec yet (internal, not sent to clients)
    unsupported: set = field(default_factory=set)
    #: lazy loaders for the ``needs`` tables: {"TRES": callable, "QOS": callable}
    loaders: dict = field(default_factory=dict)
    #: complex mode (``-d v0.0.45+complex``): NO_VAL structs dump as bare values
    complex_mode: bool = False
    #: ``SelectTypeParameters`` of the local slurm.conf (v0.0.40's job allocation counts)
    select_type_param: str = ""
    #: the daemon's id → name resolver (``codecs.users.IdNames``); None asks every time
    names: Any = None
    #: user names the controller sent in this answer, by uid (``user_name`` of each job):
    #: dumped in preference to a lookup on this host
    user_names: dict = field(default_factory=dict)

    def learn_user_names(self, records, uid_key: str = "user_id", name_key: str = "user_name") -> None:
        """Remember the user names that records (dicts) from the controller carry."""
        for r in records or ():
            if isinstance(r, dict):
                uid, name = r.get(uid_key), r.get(name_key)
                if name and isinstance(uid, int) and uid not in self.user_names:
                    self.user_names[uid] = name

    def need(self, what: str) -> Optional[list]:
        """The ``TRES``/``QOS`` table, loading it on first use (None if unavailable)."""
        attr = what.lower()
        cur = getattr(self, attr, None)
        if cur is None and what in self.loaders:
            loader: Callable = self.loaders.pop(what)
            try:
                cur = loader()
            except Exception:  # noqa: BLE001 - a missing table is reported by the codec
                cur = None
            if cur is not None:
                cur = list(cur)
            setattr(self, attr, cur)
        return cur

    def error(self, errno: int, source: str, description: str) -> int:
        self.errors.append({"description": description or "", "error_number": int(errno),
                            "error": strerror(int(errno)), "source": source or ""})
        return int(errno)

    def warn(self, source: str, description: str) -> None:
        self.warnings.append({"description": description or "", "source": source or ""})

    @property
    def rc(self) -> int:
        """First recorded error number (0 when none)."""
        for e in self.errors:
            if e["error_number"]:
                return e["error_number"]
        return 0

    @property
    def failed(self) -> bool:
        return bool(self.errors)


class ParseError(Exception):
    """Raised internally to stop parsing after an error was recorded."""

    def __init__(self, errno: int):
        super().__init__(errno)
        self.errno = errno


def data_type_name(value: Any) -> str:
    """Slurm's ``data_get_type_string()`` wording for a Python data value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "64 bit integer"
    if isinstance(value, float):
        return "floating point number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, dict):
        return "dictionary"
    return type(value).__name__
