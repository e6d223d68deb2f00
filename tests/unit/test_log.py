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
