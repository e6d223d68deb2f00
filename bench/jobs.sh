#!/usr/bin/env bash
# GET jobs with 1,000 queued jobs: our daemon against the reference C slurmrestd
# of the same cluster.
#
#   bench/jobs.sh [suite=forky] [jobs=1000] [wrk-seconds=15]
#
# Submits N held jobs (as alice, through our daemon), then measures
#   * latency of one GET jobs (median of 5 sequential calls, curl time_total),
#   * requests/s with 8 concurrent clients (wrk -t2 -c8),
#   * peak RSS (VmHWM) of each daemon,
# prints the ratios, appends them to bench/results.md, and cancels the jobs.
# The reference daemon's pid comes from the cluster's pid file; its VmHWM is
# its peak since it started (it is not restarted here).
#
# Ours runs with the job list cache and request coalescing off (as the goals of
# issue 13 ask: every request decodes and dumps the whole list, as 8 different
# users would make it); OURS_ENV overrides that (e.g. OURS_ENV=SLURMRESTD_COALESCE=yes).
# The jobs are named $BENCH_JOB_NAME (default bench-held).
set -euo pipefail
cd "$(dirname "$0")/.."
SUITE=${1:-forky}
N=${2:-1000}
DUR=${3:-15}
# shellcheck source=bench/lib.sh
. bench/lib.sh

bench_need_wrk
bench_suite_env
bench_version
TOKEN=$(bash cluster/cluster.sh token "$SUITE" alice 3600 | tail -1)
REF_PID=$(cat "$ROOT_DIR/$SUITE/pids/slurmrestd.pid")

tmp=$(mktemp -d)
OURS=
cleanup() {
    if [ -s "$tmp/ids" ] && [ -n "$OURS" ]; then
        $PY bench/jobs_load.py cancel "http://127.0.0.1:$PORT" "$VERSION" "$TOKEN" alice "$tmp/ids" || true
    fi
    [ -n "$OURS" ] && kill "$OURS" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

OURS_ENV=${OURS_ENV:-SLURMRESTD_JOB_LIST_CACHE=0 SLURMRESTD_COALESCE=no}
bench_start_ours

$PY bench/jobs_load.py submit "http://127.0.0.1:$PORT" "$VERSION" "$TOKEN" alice "$N" "$tmp/ids"

hdr=(-H "X-SLURM-USER-NAME: alice" -H "X-SLURM-USER-TOKEN: $TOKEN")
latency() { # base → median seconds of 5 calls, and the job count
    local base=$1 t
    for _ in 1 2 3 4 5; do
        curl -s -o "$tmp/body.json" -w '%{time_total}\n' "${hdr[@]}" "$base/slurm/$VERSION/jobs"
    done | sort -n | sed -n 3p
}
count() { $PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["jobs"]))' "$tmp/body.json"; }
rps() { # base → requests/s with 8 connections
    wrk -t2 -c8 -d"${DUR}s" --timeout 30s "${hdr[@]}" "$1/slurm/$VERSION/jobs" 2>&1 | awk '/Requests\/sec/ {print $2}'
}
hwm() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }

LAT_O=$(latency "http://127.0.0.1:$PORT"); JOBS_O=$(count)
LAT_R=$(latency "$REF_URL"); JOBS_R=$(count)
RPS_O=$(rps "http://127.0.0.1:$PORT")
RPS_R=$(rps "$REF_URL")
HWM_O=$(hwm "$OURS"); HWM_R=$(hwm "$REF_PID")

ratio() { $PY -c 'import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print("%.2f" % (a/b) if b else "n/a")' "$1" "$2"; }
{
echo
echo "## GET jobs with $N queued jobs — $SUITE ($SLURM_VERSION), $VERSION, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg), ours: $OURS_ENV"
echo
echo "| metric | ours | reference | ours/reference |"
echo "|---|---|---|---|"
echo "| jobs in the answer | $JOBS_O | $JOBS_R | |"
echo "| latency of one GET jobs (median of 5, s) | $LAT_O | $LAT_R | $(ratio "$LAT_O" "$LAT_R") |"
echo "| requests/s, 8 clients, ${DUR}s (wrk) | $RPS_O | $RPS_R | $(ratio "$RPS_O" "$RPS_R") |"
echo "| peak RSS, VmHWM (MB) | $((HWM_O / 1024)) | $((HWM_R / 1024)) | $(ratio "$HWM_O" "$HWM_R") |"
} | tee -a "$OUT"
