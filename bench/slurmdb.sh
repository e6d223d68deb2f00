#!/usr/bin/env bash
# slurmdb reads, ours against the reference C slurmrestd of the same cluster, in one run.
#
#   bench/slurmdb.sh [forky|trixie] [duration-seconds] [connections]
#
# wrk on loopback against GET /slurmdb/<v>/accounts/ and jobs/ (or the paths given in
# SLURMDB_BENCH_PATHS, space separated).  The reference opens a new slurmdbd
# connection for every request; ours reuses its pool.  Also reports how many persistent
# connections each daemon held to slurmdbd at the end of the run (ss).  Appends to
# bench/results.md (BENCH_OUT).
set -euo pipefail
cd "$(dirname "$0")/.."
SUITE=${1:-forky}
DUR=${2:-10}
CONNS=${3:-16}
# shellcheck source=bench/lib.sh
. bench/lib.sh
PATHS=${SLURMDB_BENCH_PATHS:-accounts/ jobs/}

bench_need_wrk
[ -f "$ROOT_DIR/$SUITE/env" ] || { echo "cluster $SUITE is not set up" >&2; exit 1; }
bench_suite_env
TOKEN=$(bash cluster/cluster.sh token "$SUITE" alice 3600)

tmp=$(mktemp -d)
trap 'kill $OURS 2>/dev/null || true; rm -rf "$tmp"' EXIT
bench_start_ours

rps() { # url
    wrk -t2 -c"$CONNS" -d"${DUR}s" -H "X-SLURM-USER-NAME: alice" -H "X-SLURM-USER-TOKEN: $TOKEN" "$1" \
        2>&1 | awk '/Requests\/sec/ {print $2}'
}
held() { # pid: established connections to slurmdbd
    ss -tnpH state established "( dport = :$DBD_PORT )" 2>/dev/null | grep -c "pid=$1," || true
}

{
echo
echo "## slurmdb reads — $SUITE ($SLURM_VERSION), $API_VERSION, $(date -u +%Y-%m-%dT%H:%MZ), ${DUR}s, $CONNS connections, $(nproc) cores, load $(cut -d" " -f1 /proc/loadavg) at start"
echo
echo "| GET | ours requests/s | reference requests/s | ours/reference |"
echo "|---|---|---|---|"
for p in $PATHS; do
    a=$(rps "http://127.0.0.1:$PORT/slurmdb/$API_VERSION/$p")
    b=$(rps "$REF_URL/slurmdb/$API_VERSION/$p")
    echo "| $p | ${a:-n/a} | ${b:-n/a} | $(awk -v a="${a:-0}" -v b="${b:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }') |"
done
echo
echo "slurmdbd connections held by ours after the run: $(held $OURS)"
} | tee -a "$OUT"
