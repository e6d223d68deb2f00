"""How a failed call to a peer (slurmctld, slurmdbd) becomes the request's error.

Handlers of every plugin share these, so that the error numbers, texts and
sources of ``errors[]`` follow the reference handlers the same way everywhere.
"""

from __future__ import annotations

from typing import Any, Callable

from slurmrestd.errors import E, SlurmError


def call_rpc(source: str, description: str, fn: Callable[..., Any], *args: Any) -> Any:
    """Run one RPC; a Slurm error ends the request with the reference's wording
    (``description`` from ``source``), keeping the error number."""
    try:
        return fn(*args)
    except SlurmError as e:
        raise SlurmError(e.errno, description, source) from None


def errno_of(exc: SlurmError) -> int:
    """``if ((rc == SLURM_ERROR) && errno) rc = errno``: our errors carry the errno already."""
    return exc.errno or E.SLURM_ERROR
