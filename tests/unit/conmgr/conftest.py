import os
import sys
from dataclasses import replace

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from conmgr_harness import Harness  # noqa: E402

from slurmrestd.settings import Limits  # noqa: E402


@pytest.fixture
def limits() -> Limits:
    return replace(Limits(), idle_timeout_s=30.0, request_timeout_s=20.0, write_timeout_s=10.0,
                   max_outbuf_bytes=64 * 1024, max_pipelined_bytes=64 * 1024)


@pytest.fixture
def make_harness(limits, tmp_path):
    made: list[Harness] = []

    def make(max_connections: int = 8, unix: bool = True, **overrides) -> Harness:
        spec = "unix:%s" % (tmp_path / ("h%d.sock" % len(made))) if unix else "127.0.0.1:0"
        h = Harness(replace(limits, **overrides), max_connections, spec)
        made.append(h)
        return h

    yield make
    for h in made:
        h.close()
        for proto in h.protocols:
            assert not proto.reentered, proto.reentered
            assert proto.events.count("lost") <= 1, proto.events
