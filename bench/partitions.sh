#!/usr/bin/env bash
# GET partitions and GET reservations: our daemon against the reference C slurmrestd
# of the same cluster, in the same run (bench/compare.sh).
#
#   bench/partitions.sh [suite=forky] [wrk-seconds=10] [connections=16]
set -euo pipefail
exec bash "$(dirname "$0")/compare.sh" "GET partitions / reservations" "${1:-forky}" "${2:-10}" "${3:-16}" \
    partitions reservations
