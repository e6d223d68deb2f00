"""The fixtures tests/cluster and tests/clients share (their conftest.py import them)."""

from __future__ import annotations

import pytest

from clusters import SUITES, our_daemon, read_env, token


@pytest.fixture(scope="module", params=SUITES)
def cluster(request):
    """(suite name, env dict) of a running cluster."""
    return request.param, read_env(request.param)


@pytest.fixture(scope="module")
def ours(cluster):
    """Our daemon serving the cluster's controller, on an ephemeral port."""
    with our_daemon(cluster[1]["SLURM_CONF"]) as d:
        yield d


@pytest.fixture(scope="module")
def alice_token(cluster):
    return token(cluster[0], "alice")
