"""Inet mode starts one process per client: what a request may not need is imported on first use.

PyYAML, PyJWT (with cryptography) and pycryptodome cost about 15, 80 and 45 ms to import; a
process serving one JSON request with a token passed through loads none of them up front.
"""

from __future__ import annotations

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

LAZY = ("yaml", "jwt", "cryptography", "Crypto", "greenlet")

PROBE = """
import sys
import slurmrestd.daemon, slurmrestd.serializers, slurmrestd.auth.jwt, slurmrestd.auth.verify, slurmrestd.auth.mint
loaded = sorted({m.split('.')[0] for m in sys.modules} & set(sys.argv[1:]))
print(' '.join(loaded))
"""


def test_daemon_imports_leave_heavy_libraries_unloaded():
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", PROBE, *LAZY], env=env, capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.split() == []


def test_yaml_still_round_trips_after_lazy_import():
    from slurmrestd import serializers

    doc = {"a": "yes", "b": [1, 2.5, None], "c": "1"}
    assert serializers.load_yaml(serializers.dump_yaml(doc)) == doc


def test_deferred_metrics_replay_on_scrape():
    from slurmrestd.metrics import DEFERRED_EVENTS_MAX, Metrics

    eager, lazy = Metrics(), Metrics(defer=True)
    for m in (eager, lazy):
        done = m.track_in_flight()
        m.rpc_done("slurmctld", "REQUEST_PING", 0.002, 0)
        m.rpc_done("slurmctld", "REQUEST_PING", 0.002, 2017)
        m.auth_failed(1007)
        m.request_done("GET", "/slurm/v0.0.45/ping", 200, 0.01)
        done()
    assert lazy._prom is None  # nothing built before the scrape
    def numbers(m):  # the exposition without creation timestamps
        return [line for line in m.exposition().splitlines() if b"_created" not in line]

    assert numbers(lazy) == numbers(eager)
    many = Metrics(defer=True)
    for _ in range(DEFERRED_EVENTS_MAX + 1):
        many.auth_failed(1007)
    assert many._prom is not None  # bounded: built once the list is full
    total = [line for line in numbers(many) if line.startswith(b"slurmrestd_auth_failures_total")]
    assert len(total) == 1 and total[0].endswith(b" %d.0" % (DEFERRED_EVENTS_MAX + 1))


def test_inet_process_builds_no_metrics_registry():
    probe = """
import sys
from slurmrestd import cli
from slurmrestd.site import Site
settings, _ = cli.parse([], {})
site = Site(settings)
site.metrics.request_done("GET", None, 404, 0.001)
print('prometheus_client' in sys.modules)
"""
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
