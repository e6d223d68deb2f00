"""Slurm RPC message types for the protocol code: the table itself is a Slurm fact
(:mod:`slurmrestd.slurm.msg_types`), which the data parser names too."""

from slurmrestd.slurm.msg_types import MsgType, msg_type_name

__all__ = ["MsgType", "msg_type_name"]
