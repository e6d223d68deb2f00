#!/usr/bin/env bash
# GET nodes, GET node/n1 and GET partitions (issue 9: not slower than the reference at 16
# connections): our daemon against the reference C slurmrestd of the same cluster, in the
# same run (bench/compare.sh).
#
#   bench/nodes.sh [suite=forky] [wrk-seconds=10] [connections=16]
set -euo pipefail
exec bash "$(dirname "$0")/compare.sh" "GET nodes / partitions" "${1:-forky}" "${2:-10}" "${3:-16}" \
    nodes node/n1 partitions
