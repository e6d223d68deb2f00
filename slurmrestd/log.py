"""Logging set-up: Slurm's level names, -v counting, stderr output.

Two formats (``SLURMRESTD_LOG_FORMAT``): ``text``, Slurm's own line
(``[time] slurmrestd: level: message``), and ``json``, one object per line
with the time, level, logger and message plus the request fields a record
carries (``REQUEST_FIELDS``: request id, client, user, method, path, status,
duration).  When stderr is the journal (systemd sets ``JOURNAL_STREAM`` to the
device and inode of the stream it gave us) the lines carry no time of their
own, the journal stamps them, and start with a ``<N>`` syslog priority, which
the journal reads as the entry's priority.

Every request logs at least one line, so the handler is built for that: a line
is one ``write(2)`` on the descriptor (whole lines even from many threads, no
handler lock, no buffer to flush) and the text format's time stamp is formatted
once per second.  Under wrk, workers queued on the ``StreamHandler`` lock for
16 % of the busy samples of a 404; a line went from about 17 to 11 µs.  The one line
of every request (``operations_router``) goes through ``info_line``, which writes the
bytes the handler would write without building a ``LogRecord`` when that handler is
the only place the record would go (about 6 µs → 2 µs); anything else, a test's
capturing handler or a filter included, takes the ordinary ``Logger.info``.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from typing import Any

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


#: Log formats of SLURMRESTD_LOG_FORMAT.
FORMATS = ("text", "json")
#: Fields a request's records may carry (``extra=``), written by the JSON format.
REQUEST_FIELDS = ("request_id", "client", "user", "method", "path", "status", "duration_ms")


def syslog_priority(levelno: int) -> int:
    """The syslog priority of a Python level (crit 2, err 3, warning 4, info 6, debug 7)."""
    if levelno >= logging.CRITICAL:
        return 2
    if levelno >= logging.ERROR:
        return 3
    if levelno >= logging.WARNING:
        return 4
    if levelno >= LEVELS["verbose"]:
        return 6
    return 7


def is_journal(stream, environ=None) -> bool:
    """True when ``stream`` is the journal's stream socket (``JOURNAL_STREAM=dev:inode``)."""
    value = (os.environ if environ is None else environ).get("JOURNAL_STREAM", "")
    dev, _, ino = value.partition(":")
    if not (dev.isdigit() and ino.isdigit()):
        return False
    try:
        st = os.fstat(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return False
    return st.st_dev == int(dev) and st.st_ino == int(ino)


class _Formatter(logging.Formatter):
    def __init__(self, with_time: bool, priority: bool = False) -> None:
        super().__init__(("[%(asctime)s.%(msecs)03d] " if with_time else "") + "slurmrestd: %(levelname_lc)s%(message)s",
                         "%Y-%m-%dT%H:%M:%S")
        self.with_time = with_time
        self.priority = priority
        self._stamp: tuple[int, str] = (-1, "")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return self._time_of(int(record.created))

    def _time_of(self, second: int) -> str:
        """The time stamp of ``second``, formatted once per second (a benign race between
        threads)."""
        cached = self._stamp
        if cached[0] != second:
            cached = (second, time.strftime(self.datefmt or "%Y-%m-%dT%H:%M:%S", self.converter(second)))
            self._stamp = cached
        return cached[1]

    def format(self, record: logging.LogRecord) -> str:
        lvl = record.levelno
        record.levelname_lc = "" if logging.INFO <= lvl < logging.WARNING else record.levelname.lower() + ": "
        text = super().format(record)
        if self.priority:
            prefix = "<%d>" % syslog_priority(lvl)
            text = prefix + text.replace("\n", "\n" + prefix)
        return text

    def info_text(self, created: float, message: str) -> str:
        """What ``format`` gives for an INFO record made at ``created`` with ``message``
        (no arguments, no exception): the same text, without a record."""
        if self.with_time:
            second = int(created)
            text = "[%s.%03d] slurmrestd: %s" % (self._time_of(second), int((created - second) * 1000), message)
        else:
            text = "slurmrestd: " + message
        if self.priority:
            prefix = "<%d>" % syslog_priority(logging.INFO)
            text = prefix + text.replace("\n", "\n" + prefix)
        return text


class JsonFormatter(logging.Formatter):
    """One JSON object per record; ``with_time`` False leaves the time to the journal."""

    def __init__(self, with_time: bool = True, priority: bool = False) -> None:
        super().__init__()
        self.with_time = with_time
        self.priority = priority

    def format(self, record: logging.LogRecord) -> str:
        doc: dict = {}
        if self.with_time:
            doc["time"] = "%s.%03dZ" % (time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)),
                                        int(record.msecs))
        doc["level"] = record.levelname.lower()
        doc["logger"] = record.name
        doc["message"] = record.getMessage()
        for name in REQUEST_FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                doc[name] = value
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        text = json.dumps(doc, ensure_ascii=False, default=str)
        if self.priority:
            text = "<%d>%s" % (syslog_priority(record.levelno), text)
        return text


class _FdHandler(logging.Handler):
    """One ``write(2)`` per formatted record on a file descriptor: lines cannot interleave,
    so no handler lock is taken."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self.fd = fd

    def handle(self, record: logging.LogRecord) -> bool:
        if self.filters and not self.filter(record):
            return False
        self.emit(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._write(self.format(record))
        except Exception:
            self.handleError(record)

    def write_text(self, text: str) -> None:
        """``emit`` of an already formatted INFO line (``info_line``)."""
        try:
            self._write(text)
        except Exception:
            self.handleError(logging.makeLogRecord({"msg": text, "levelno": logging.INFO, "levelname": "INFO"}))

    def _write(self, text: str) -> None:
        data = (text + "\n").encode("utf-8", "backslashreplace")
        while data:
            data = data[os.write(self.fd, data):]


def info_line(logger: logging.Logger, msg: str, *args: Any) -> None:
    """``logger.info(msg, *args)``: the same line, faster when the daemon's own text handler
    is the only place the record would go (see the module's text)."""
    if not logger.isEnabledFor(logging.INFO):
        return
    handler = _sole_text_handler(logger)
    if handler is None:
        logger.info(msg, *args)
        return
    handler.write_text(handler.formatter.info_text(time.time(), msg % args if args else msg))


def _sole_text_handler(logger: logging.Logger) -> "_FdHandler | None":
    """The ``_FdHandler`` with the text format that alone would handle an INFO record of
    ``logger``, or None (another handler or a filter on the way, or another format)."""
    found = None
    node: logging.Logger | None = logger
    while node is not None:
        if node.filters:
            return None
        for h in node.handlers:
            if (found is not None or type(h) is not _FdHandler or type(h.formatter) is not _Formatter
                    or h.filters or h.level > logging.INFO):
                return None
            found = h
        if not node.propagate:
            break
        node = node.parent
    return found


def _handler(stream) -> logging.Handler:
    """``_FdHandler`` on the stream's descriptor; a ``StreamHandler`` for streams without one."""
    try:
        fd = stream.fileno()
        stream.flush()
    except (AttributeError, OSError, ValueError):
        return logging.StreamHandler(stream)
    return _FdHandler(fd)


def setup(level: int, stream=None, fmt: str = "text", journal: bool | None = None) -> None:
    """Log to ``stream`` (stderr) at ``level`` in format ``fmt``; ``journal`` None detects it."""
    if fmt not in FORMATS:
        raise ValueError("unknown log format %r" % fmt)
    stream = stream or sys.stderr
    if journal is None:
        journal = is_journal(stream)
    # No format writes them: spare every record a getpid() and the thread lookups.
    logging.logProcesses = logging.logThreads = logging.logMultiprocessing = False
    # Nor the caller's file and line: without a source file name logging skips its stack
    # walk per record (the documented switch of the logging module).
    logging._srcfile = None
    root = logging.getLogger("slurmrestd")
    root.setLevel(level)
    for h in list(root.handlers):
        root.removeHandler(h)
    handler = _handler(stream)
    if fmt == "json":
        handler.setFormatter(JsonFormatter(with_time=not journal, priority=journal))
    else:
        handler.setFormatter(_Formatter(with_time=not journal, priority=journal))
    root.addHandler(handler)
    root.propagate = False


def reopen() -> None:
    """SIGHUP: logs go to stderr only, so there is nothing to reopen; say we saw it."""
    logging.getLogger("slurmrestd").info("log reopened (SIGHUP)")
