import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "cluster"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "functional"))

from clusters import SUITES, read_env, token  # noqa: E402
from daemon import Daemon, base_env  # noqa: E402


@pytest.fixture(scope="module", params=SUITES)
def cluster(request):
    """(suite name, env dict) of a running cluster."""
    return request.param, read_env(request.param)


@pytest.fixture(scope="module")
def ours(cluster):
    suite, env = cluster
    d = Daemon("127.0.0.1:0", env=base_env(SLURM_CONF=env["SLURM_CONF"]))
    yield d
    d.stop()
    log = "\n".join(d.log_lines)
    assert "Traceback (most recent call last)" not in log, log[-4000:]


@pytest.fixture(scope="module")
def alice_token(cluster):
    return token(cluster[0], "alice")
