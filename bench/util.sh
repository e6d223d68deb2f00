#!/usr/bin/env bash
# Benchmark our daemon against the reference C slurmrestd on loopback with wrk.
#
#   bench/util.sh [duration-seconds] [connections]
#
# Targets: GET /openapi/v3 and POST /util/v0.0.45/hostnames.  When the local
# 26.05 cluster is up (cluster/cluster.sh up forky) the reference daemon from its
# chroot is measured in the same run, and the ratios are printed.  Reports
# requests/s, latency percentiles (wrk --latency) and peak RSS of each daemon.
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-10}
CONNS=${2:-8}
PY=${PY:-.venv/bin/python}
ROOT_DIR=${SLURMRESTD_CLUSTER_ROOT:-/var/lib/slurmrestd-cluster}
OUT=${BENCH_OUT:-bench/results.md}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

tmp=$(mktemp -d)
trap 'kill $OURS 2>/dev/null || true; rm -rf "$tmp"' EXIT

TOKEN=dummy
USER_NAME=alice
REF_URL=
if [ -f "$ROOT_DIR/forky/env" ]; then
    # shellcheck disable=SC1091
    . "$ROOT_DIR/forky/env"
    TOKEN=$(bash cluster/cluster.sh token forky "$USER_NAME" 3600)
fi

cat > "$tmp/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"hostlist": "node[001-128],gpu[1-8]"}'
wrk.headers["Content-Type"] = "application/json"
LUA

PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SLURMRESTD_SECURITY=disable_user_check SLURM_CONF=${SLURM_CONF:-/nonexistent} \
    $PY -m slurmrestd -s openapi/util "127.0.0.1:$PORT" 2>"$tmp/ours.log" &
OURS=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/livez" && break; sleep 0.2; done

run_wrk() { # url name extra-args...
    local url=$1 name=$2; shift 2
    local out="$tmp/wrk.$RANDOM.txt"
    wrk -t2 -c"$CONNS" -d"${DUR}s" --latency -H "X-SLURM-USER-NAME: $USER_NAME" \
        -H "X-SLURM-USER-TOKEN: $TOKEN" "$@" "$url" > "$out" 2>&1 || true
    local rps p50 p99
    rps=$(awk '/Requests\/sec/ {print $2}' "$out")
    p50=$(awk '$1=="50%" {print $2}' "$out")
    p99=$(awk '$1=="99%" {print $2}' "$out")
    echo "| $name | ${rps:-n/a} | ${p50:-n/a} | ${p99:-n/a} |"
}

rss_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo n/a; }

{
echo "## Benchmark $(date -u +%Y-%m-%dT%H:%MZ) — ${DUR}s, $CONNS connections, wrk -t2, $(nproc) cores"
echo
echo "| target | requests/s | p50 | p99 |"
echo "|---|---|---|---|"
run_wrk "http://127.0.0.1:$PORT/openapi/v3" "ours GET /openapi/v3"
run_wrk "http://127.0.0.1:$PORT/util/v0.0.45/hostnames" "ours POST hostnames" -s "$tmp/post.lua"
if [ -n "${REF_URL:-}" ]; then
    run_wrk "$REF_URL/openapi/v3" "reference GET /openapi/v3"
    run_wrk "$REF_URL/util/v0.0.45/hostnames" "reference POST hostnames" -s "$tmp/post.lua"
fi
echo
echo "Peak RSS: ours $(rss_kb $OURS) kB"
if [ -n "${REF_URL:-}" ]; then
    refpid=$(cat "$ROOT_DIR/forky/pids/slurmrestd.pid" 2>/dev/null || echo)
    [ -n "$refpid" ] && echo "Peak RSS: reference $(rss_kb "$refpid") kB"
fi
} | tee -a "$OUT"
