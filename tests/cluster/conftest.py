import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "functional"))

from cluster_fixtures import alice_token, cluster, ours  # noqa: E402,F401 (fixtures)
