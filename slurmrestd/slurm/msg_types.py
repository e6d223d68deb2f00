"""Slurm RPC message type numbers (``src/common/msg_type.h``) as an IntEnum.

Built from the package resource ``msg_types.json`` (name → number).
"""

from __future__ import annotations

from enum import IntEnum

from slurmrestd.package_data import load_json


def _load() -> dict[str, int]:
    return load_json("msg_types.json")


MsgType = IntEnum("MsgType", _load())
MsgType.__doc__ = "Slurm message types (``REQUEST_PING == 1008``)."


def msg_type_name(num: int) -> str:
    """The symbolic name for a message type number, or the number as text."""
    try:
        return MsgType(num).name
    except ValueError:
        return str(num)


__all__ = ["MsgType", "msg_type_name"]
