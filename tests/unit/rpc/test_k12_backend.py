"""The munge body hash loads pycryptodome through ctypes (no cffi/pycparser start-up cost)
and gives the same bytes as pycryptodome's cffi back end."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
from slurmrestd.rpc.cred import k12_body_hash
digest = k12_body_hash(b"some body", 1008).hex()
import Crypto.Util._raw_api as raw
assert raw.backend == "ctypes", raw.backend
assert "pycparser" not in sys.modules
import cffi  # importable again once pycryptodome is loaded
print(digest)
"""

PLAIN = """
from Crypto.Hash import KangarooTwelve
import Crypto.Util._raw_api as raw
print(raw.backend, KangarooTwelve.new(data=b"some body", custom=(1008).to_bytes(2, "big")).read(32).hex())
"""


def test_k12_through_ctypes_same_digest():
    ours = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True).stdout.split()
    plain = subprocess.run([sys.executable, "-c", PLAIN], capture_output=True, text=True, check=True).stdout.split()
    assert ours[-1] == plain[-1]
    assert plain[0] in ("cffi", "ctypes")
