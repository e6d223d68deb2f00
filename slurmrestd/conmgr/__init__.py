"""Connection manager: sockets, the selector loop and the worker pool (no HTTP here)."""

from slurmrestd.conmgr.connection import Connection, PeerCreds, Protocol
from slurmrestd.conmgr.manager import ConnectionManager
from slurmrestd.conmgr.workers import WorkerPool

__all__ = ["Connection", "ConnectionManager", "PeerCreds", "Protocol", "WorkerPool"]
