"""Slurm RPC message type numbers (``src/common/msg_type.h``) as an IntEnum.

Built from the package resource ``msg_types.json`` (name → number).
"""

from __future__ import annotations

from enum import IntEnum
from types import MappingProxyType

from slurmrestd.package_data import load_json


def _load() -> dict[str, int]:
    return load_json("msg_types.json")


MsgType = IntEnum("MsgType", _load())
MsgType.__doc__ = "Slurm message types (``REQUEST_PING == 1008``)."


#: number → name of its (first) member, read-only: what ``MsgType(num).name`` gives, without
#: the enum's call and name lookup (Python code in the enum module: a few µs per RPC, and per
#: record of a GET diag).
_NAMES = MappingProxyType({m.value: m.name for m in MsgType})


def msg_type_name(num: int) -> str:
    """The symbolic name for a message type number, or the number as text."""
    try:
        name = _NAMES.get(num)
    except TypeError:  # unhashable: no message type
        name = None
    return str(num) if name is None else name


__all__ = ["MsgType", "msg_type_name"]
