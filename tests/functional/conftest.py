import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from daemon import Daemon  # noqa: E402


@pytest.fixture
def daemon():
    started = []

    def start(*args, **kw):
        d = Daemon(*args, **kw)
        started.append(d)
        return d

    yield start
    for d in started:
        d.stop()
        assert_no_traceback(d)


def assert_no_traceback(d):
    """A daemon must never log a Python traceback, whatever the clients did."""
    log = "\n".join(d.log_lines)
    assert "Traceback (most recent call last)" not in log, log[-4000:]


@pytest.fixture(scope="module")
def shared_daemon():
    d = Daemon("-s", "openapi/util", "127.0.0.1:0")
    yield d
    d.stop()
    assert_no_traceback(d)
