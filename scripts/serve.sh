#!/usr/bin/env bash
# Bring up the local Slurm 26.05 cluster and serve the REST API against it.
#
#   scripts/serve.sh [listen-address]        (default 127.0.0.1:8080)
#
# Prints a working curl command with a fresh token.  Ctrl-C stops the daemon
# (the cluster keeps running: `make cluster-down` stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
LISTEN=${1:-127.0.0.1:8080}
SUITE=${SUITE:-forky}
ROOT_DIR=${SLURMRESTD_CLUSTER_ROOT:-/var/lib/slurmrestd-cluster}

bash cluster/cluster.sh up "$SUITE"
# shellcheck disable=SC1090
. "$ROOT_DIR/$SUITE/env"
export SLURM_CONF
TOKEN=$(bash cluster/cluster.sh token "$SUITE" alice 86400)
cat <<MSG

slurmrestd (Python) on http://$LISTEN against Slurm $SLURM_VERSION ($SUITE). Try:

  curl -s -H "X-SLURM-USER-NAME: alice" -H "X-SLURM-USER-TOKEN: $TOKEN" \\
       http://$LISTEN/slurm/v0.0.45/ping

MSG
# The daemon refuses to run as root; run it as the unprivileged test user when we are root.
if [ "$(id -u)" = 0 ]; then
    exec "$PY" -m slurmrestd -u slurmrestd -g slurmrestd "$LISTEN"
fi
exec "$PY" -m slurmrestd "$LISTEN"
