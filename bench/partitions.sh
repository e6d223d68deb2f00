#!/usr/bin/env bash
# GET partitions and GET reservations: our daemon against the reference C slurmrestd
# of the same cluster, in the same run.
#
#   bench/partitions.sh [suite=forky] [wrk-seconds=10] [connections=16]
#
# wrk -t2 with 16 connections per target (alice's JWT); prints requests/s, p50, p99
# and the ratio ours/reference, and appends the table to bench/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
SUITE=${1:-forky}
DUR=${2:-10}
CONNS=${3:-16}
PY=${PY:-.venv/bin/python}
ROOT_DIR=${SLURMRESTD_CLUSTER_ROOT:-/var/lib/slurmrestd-cluster}
OUT=${BENCH_OUT:-bench/results.md}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
# shellcheck disable=SC1090
. "$ROOT_DIR/$SUITE/env"
VERSION=v0.0.45
[ "$SUITE" = trixie ] && VERSION=v0.0.42   # the 24.11 reference serves up to v0.0.42
TOKEN=$(bash cluster/cluster.sh token "$SUITE" alice 3600 | tail -1)

tmp=$(mktemp -d)
OURS=
trap '[ -n "$OURS" ] && kill "$OURS" 2>/dev/null; rm -rf "$tmp"' EXIT

PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SLURMRESTD_SECURITY=disable_user_check SLURM_CONF=$SLURM_CONF \
    $PY -m slurmrestd "127.0.0.1:$PORT" 2>"$tmp/ours.log" &
OURS=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/livez" && break; sleep 0.2; done

measure() { # url -> "rps p50 p99"
    local out="$tmp/wrk.txt"
    wrk -t2 -c"$CONNS" -d"${DUR}s" --latency -H "X-SLURM-USER-NAME: alice" \
        -H "X-SLURM-USER-TOKEN: $TOKEN" "$1" > "$out" 2>&1 || true
    if grep -q "Non-2xx" "$out"; then echo "n/a n/a n/a"; return; fi
    echo "$(awk '/Requests\/sec/ {print $2}' "$out") $(awk '$1=="50%" {print $2}' "$out") \
$(awk '$1=="99%" {print $2}' "$out")"
}

{
echo
echo "## GET partitions / reservations — $SUITE ($SLURM_VERSION), $VERSION, $(date -u +%Y-%m-%dT%H:%MZ), \
wrk -t2 -c$CONNS ${DUR}s, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
echo
echo "| path | ours req/s (p50, p99) | reference req/s (p50, p99) | ours/reference |"
echo "|---|---|---|---|"
for path in partitions reservations; do
    read -r a a50 a99 < <(measure "http://127.0.0.1:$PORT/slurm/$VERSION/$path")
    read -r b b50 b99 < <(measure "$REF_URL/slurm/$VERSION/$path")
    ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0 && a > 0) printf "%.2f", a / b; else print "n/a" }')
    echo "| GET $path | $a ($a50, $a99) | $b ($b50, $b99) | $ratio |"
done
echo
} | tee -a "$OUT"
