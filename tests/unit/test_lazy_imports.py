"""Inet mode starts one process per client: what a request may not need is imported on first use.

PyYAML, PyJWT (with cryptography) and pycryptodome cost about 15, 80 and 45 ms to import; a
process serving one JSON request with a token passed through loads none of them up front.
"""

from __future__ import annotations

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

LAZY = ("yaml", "jwt", "cryptography", "Crypto")

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
