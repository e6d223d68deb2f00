"""The one seam through which the RPC clients report what they did.

A client given an ``RpcObserver`` calls ``rpc_done`` once per exchange on the
wire (request sent, reply read or failure), from the thread that made it.
The observer must be cheap and must not raise; the daemon's is the metrics
registry of its site (``slurmrestd.metrics``).  Clients built without one
report nothing.
"""

from __future__ import annotations

import time
from typing import Protocol

#: ``peer`` values.
SLURMCTLD = "slurmctld"
SLURMDBD = "slurmdbd"


class RpcObserver(Protocol):
    def rpc_done(self, peer: str, msg_type: str, seconds: float, rc: int) -> None:
        """One exchange with ``peer`` ended after ``seconds``: ``rc`` 0 when the reply
        carried no error, else the Slurm error number (of the reply or of the failure)."""


class Timer:
    """``with Timer(observer, peer, name) as t: … t.rc = n``: reports on exit, also on failure."""

    __slots__ = ("observer", "peer", "msg_type", "rc", "_t0")

    def __init__(self, observer: RpcObserver | None, peer: str, msg_type: str) -> None:
        self.observer = observer
        self.peer = peer
        self.msg_type = msg_type
        self.rc = 0

    def __enter__(self) -> "Timer":
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.observer is None:
            return
        if exc is not None:
            self.rc = getattr(exc, "errno", None) or -1
        try:
            self.observer.rpc_done(self.peer, self.msg_type, time.perf_counter() - self._t0, self.rc)
        except Exception:  # an observer never breaks an RPC
            pass
