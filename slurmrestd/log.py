"""Logging set-up: Slurm's level names, -v counting, stderr output."""

from __future__ import annotations

import logging
import sys

#: Slurm's log level names → Python logging levels (verbose and debugN sit between).
LEVELS = {
    "quiet": logging.CRITICAL + 10,
    "fatal": logging.CRITICAL,
    "error": logging.ERROR,
    "info": logging.INFO,
    "verbose": logging.INFO - 5,
    "debug": logging.DEBUG,
    "debug2": logging.DEBUG - 1,
    "debug3": logging.DEBUG - 2,
    "debug4": logging.DEBUG - 3,
    "debug5": logging.DEBUG - 4,
}
_ORDER = ["quiet", "fatal", "error", "info", "verbose", "debug", "debug2", "debug3", "debug4", "debug5"]

for _name, _lvl in LEVELS.items():
    if logging.getLevelName(_lvl).startswith("Level "):
        logging.addLevelName(_lvl, _name.upper())


def parse_level(text: str) -> str:
    """A Slurm level given by name or number → its name; ValueError if neither."""
    t = text.strip().lower()
    if t in LEVELS:
        return t
    if t.isdigit() and int(t) < len(_ORDER):
        return _ORDER[int(t)]
    raise ValueError(text)


def effective_level(base: str | None, verbosity: int) -> int:
    idx = _ORDER.index(base or "info")
    return LEVELS[_ORDER[min(idx + verbosity, len(_ORDER) - 1)]]


class _Formatter(logging.Formatter):
    def __init__(self, with_time: bool) -> None:
        super().__init__(("[%(asctime)s.%(msecs)03d] " if with_time else "") + "slurmrestd: %(levelname_lc)s%(message)s",
                         "%Y-%m-%dT%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        lvl = record.levelno
        record.levelname_lc = "" if logging.INFO <= lvl < logging.WARNING else record.levelname.lower() + ": "
        return super().format(record)


def setup(level: int, stream=None) -> None:
    root = logging.getLogger("slurmrestd")
    root.setLevel(level)
    for h in list(root.handlers):
        root.removeHandler(h)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(_Formatter(with_time=True))
    root.addHandler(handler)
    root.propagate = False


def reopen() -> None:
    """SIGHUP: logs go to stderr only, so there is nothing to reopen; say we saw it."""
    logging.getLogger("slurmrestd").info("log reopened (SIGHUP)")
