#!/usr/bin/env bash
# `make bench`: the issue 13 table, ours against the reference C slurmrestd of the local 26.05
# cluster (forky), every row from one run (bench/driver.py says what each row measures).
#
#   bench/run.sh                 the full run (about 5 minutes), appended to bench/results.md
#   BENCH_QUICK=1 bench/run.sh   a smoke run (under a minute), printed only
#
# Needs the cluster (cluster/cluster.sh up forky) with its bench users (cluster/cluster.sh
# users forky, part of `up`), and wrk (installed here when missing).  The other bench/*.sh
# scripts measure one thing each, in more detail (bench/util.sh: openapi and hostnames).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
exec "$PY" bench/driver.py "$@"
