#!/usr/bin/env bash
# Soak: our daemon under moderate mixed load for SOAK_MINUTES (default 30) against one cluster;
# its RSS is sampled and the slope over the second half judged (bench/soak.py has the details).
#
#   bench/soak.sh [suite=forky]
#
#   SOAK_MINUTES    length of the run (default 30)
#   SOAK_MAX_SLOPE  largest RSS slope allowed over the second half, kB/min (default 256)
#   SOAK_PORT       port of our daemon (default: a free one)
#   SOAK_PREFIX     name prefix of the jobs it submits (and cancels) as alice (default soak)
#   SOAK_LOG        our daemon's log, kept (default /tmp/soak-daemon.XXXXXX.log; the summary
#                   JSON goes next to it)
#   BENCH_OUT       results file the section is appended to (default bench/results.md)
#
# Exit status 0 when RSS stayed flat, no request got an unexpected 5xx, and the daemon lived.
set -euo pipefail
cd "$(dirname "$0")/.."
SUITE=${1:-forky}
PY=${PY:-.venv/bin/python}
OUT=${BENCH_OUT:-bench/results.md}
LOG=${SOAK_LOG:-$(mktemp /tmp/soak-daemon.XXXXXX.log)}
JSON=${LOG%.log}.json
echo "soak: $SUITE for ${SOAK_MINUTES:-30} min; started $(date -u +%H:%M:%SZ); $(uptime)" >&2
rc=0
$PY bench/soak.py --suite "$SUITE" --minutes "${SOAK_MINUTES:-30}" --max-slope "${SOAK_MAX_SLOPE:-256}" \
    --prefix "${SOAK_PREFIX:-soak}" --log "$LOG" --json "$JSON" --append "$OUT" -v || rc=$?
if grep -q "Traceback" "$LOG"; then
    grep -B2 -A20 "Traceback" "$LOG" | head -60 >&2
fi
echo "soak: daemon log $LOG, summary $JSON" >&2
exit $rc
