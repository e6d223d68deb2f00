import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# Inet-mode processes started by tests serve cold unless a test asks for warm start
# (tests/cluster/test_warm_start.py): a warm server started by one test would otherwise
# serve later tests' clients, and outlive the run.
os.environ.setdefault("SLURMRESTD_INET_WARM", "no")
