"""The stderr log handler: the reference's line format, one write per line, from any thread."""

import logging
import re
import threading

from slurmrestd import log as logsetup

LINE = re.compile(r"^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\] slurmrestd: (.*)$")


def _capture(fn, tmp_path):
    path = tmp_path / "log"
    with open(path, "a") as fh:
        logsetup.setup(logging.INFO, fh)
        try:
            fn(logging.getLogger("slurmrestd.test"))
        finally:
            logging.getLogger("slurmrestd").handlers.clear()
    return path.read_text().splitlines()


def test_format_and_levels(tmp_path):
    def emit(log):
        log.info("operations_router: [%s] %s %s", "127.0.0.1:1", "GET", "/x")
        log.warning("careful")
        log.debug("not shown")
        try:
            raise ValueError("bad")
        except ValueError:
            log.exception("failed")
    lines = _capture(emit, tmp_path)
    assert LINE.match(lines[0]).group(1) == "operations_router: [127.0.0.1:1] GET /x"
    assert LINE.match(lines[1]).group(1) == "warning: careful"
    assert LINE.match(lines[2]).group(1) == "error: failed"
    assert lines[3].startswith("Traceback") and lines[-1] == "ValueError: bad"


def test_lines_from_threads_never_interleave(tmp_path):
    def emit(log):
        def many(i):
            for j in range(200):
                log.info("thread %d line %d %s", i, j, "x" * 100)
        threads = [threading.Thread(target=many, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    lines = _capture(emit, tmp_path)
    assert len(lines) == 800
    assert all(re.match(r"^thread \d line \d+ x{100}$", LINE.match(l).group(1)) for l in lines)


def test_stream_without_descriptor():
    import io
    buf = io.StringIO()
    logsetup.setup(logging.INFO, buf)
    try:
        logging.getLogger("slurmrestd.test").info("hello")
    finally:
        logging.getLogger("slurmrestd").handlers.clear()
    assert LINE.match(buf.getvalue().strip()).group(1) == "hello"


def _both(tmp_path, monkeypatch, journal=False, level=logging.INFO):
    """The lines of logger.info and of info_line for the same messages, at a fixed time."""
    import time

    monkeypatch.setattr(time, "time", lambda: 1764870000.0625)
    messages = [("operations_router: [%s] %s %s (request id %s)", ("127.0.0.1:1", "GET", "/x", "ab" * 16)),
                ("plain text, no arguments %s", ()), ("two\nlines %s", ("é",))]
    out = []
    for which in ("info", "info_line"):
        path = tmp_path / which
        with open(path, "a") as fh:
            logsetup.setup(level, fh, journal=journal)
            log = logging.getLogger("slurmrestd.operations")
            try:
                for msg, args in messages:
                    if which == "info":
                        log.info(msg, *args)
                    else:
                        logsetup.info_line(log, msg, *args)
            finally:
                logging.getLogger("slurmrestd").handlers.clear()
        out.append(path.read_bytes())
    return out


def test_info_line_writes_what_logger_info_writes(tmp_path, monkeypatch):
    plain, fast = _both(tmp_path, monkeypatch)
    assert plain == fast and plain.startswith(b"[") and b".062] slurmrestd: operations_router" in plain
    for sub in ("journal", "warning"):
        (tmp_path / sub).mkdir()
    plain, fast = _both(tmp_path / "journal", monkeypatch, journal=True)
    assert plain == fast and plain.startswith(b"<6>slurmrestd: ") and b"\n<6>lines \xc3\xa9" in plain
    plain, fast = _both(tmp_path / "warning", monkeypatch, level=logging.WARNING)
    assert plain == fast == b""


def test_info_line_takes_the_ordinary_path_for_other_handlers_and_filters(tmp_path):
    seen = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(record.getMessage())

    path = tmp_path / "log"
    with open(path, "a") as fh:
        logsetup.setup(logging.INFO, fh)
        log = logging.getLogger("slurmrestd.operations")
        keep = Keep()
        try:
            log.addHandler(keep)  # a handler below the daemon's: it must see the record
            logsetup.info_line(log, "one %s", 1)
            log.removeHandler(keep)
            log.addFilter(lambda r: "two" not in r.getMessage())
            logsetup.info_line(log, "two %s", 2)  # filtered out, as logger.info would
            log.filters.clear()
            logsetup.info_line(log, "three %s", 3)
        finally:
            log.removeHandler(keep)
            log.filters.clear()
            logging.getLogger("slurmrestd").handlers.clear()
    assert seen == ["one 1"]
    assert [LINE.match(l).group(1) for l in path.read_text().splitlines()] == ["one 1", "three 3"]
