"""Slurm RPC message type numbers (``src/common/msg_type.h``) as an IntEnum.

Built from the package resource ``msg_types.json`` (name → number).
"""

from __future__ import annotations

import json
from enum import IntEnum
from importlib import resources


def _load() -> dict[str, int]:
    with resources.files("slurmrestd.resources").joinpath("msg_types.json").open("rb") as fh:
        return json.load(fh)


MsgType = IntEnum("MsgType", _load())
MsgType.__doc__ = "Slurm message types (``REQUEST_PING == 1008``)."


def msg_type_name(num: int) -> str:
    """The symbolic name for a message type number, or the number as text."""
    try:
        return MsgType(num).name
    except ValueError:
        return str(num)


__all__ = ["MsgType", "msg_type_name"]
