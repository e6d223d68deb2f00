#!/usr/bin/env bash
# Request coalescing: our daemon with SLURMRESTD_COALESCE=yes and =no against the
# reference daemon of the local 26.05 cluster (forky), in the same run.
#
#   bench/coalesce.sh [duration-seconds] [connections] [paths...]
#
# For each path (default: ping, diag, nodes, partitions): wrk -t2 with
# 16 connections, one token (so every request is identical and may be coalesced).
# Reports requests/s, p50/p99, the ratios to the reference, and how many RPCs of
# the path's message type slurmctld received per answered request (the delta of
# its diag statistics over the run).  Appends the table to bench/results.md.
# THREADS=n gives our daemons -t n (default: theirs, 2 x CPUs); INLINE=no runs every
# request of ours on a worker thread (SLURMRESTD_INLINE; default: the daemon's, yes).
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-10}
CONNS=${2:-16}
shift 2 2>/dev/null || shift $#
PATHS=("$@")
[ ${#PATHS[@]} -gt 0 ] || PATHS=(ping diag nodes partitions)
PY=${PY:-.venv/bin/python}
ROOT_DIR=${SLURMRESTD_CLUSTER_ROOT:-/var/lib/slurmrestd-cluster}
OUT=${BENCH_OUT:-bench/results.md}
V=v0.0.45
USER_NAME=alice

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
[ -f "$ROOT_DIR/forky/env" ] || { echo "forky cluster not set up ($ROOT_DIR/forky/env)" >&2; exit 1; }
# shellcheck disable=SC1091
. "$ROOT_DIR/forky/env"
TOKEN=$(bash cluster/cluster.sh token forky "$USER_NAME" 3600)

tmp=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"' EXIT

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_ours() { # coalesce-setting → prints the port; the pid goes to $tmp/pid.<setting>
    local port; port=$(free_port)
    SLURMRESTD_COALESCE=$1 SLURMRESTD_INLINE=${INLINE:-yes} SLURMRESTD_SECURITY=disable_user_check SLURM_CONF=$SLURM_CONF \
        $PY -m slurmrestd ${THREADS:+-t "$THREADS"} "127.0.0.1:$port" >/dev/null 2>"$tmp/ours.$1.log" &
    echo $! > "$tmp/pid.$1"
    for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/livez" && break; sleep 0.2; done
    curl -s -o /dev/null "http://127.0.0.1:$port/livez" || { cat "$tmp/ours.$1.log" >&2; exit 1; }
    echo "$port"
}

# slurmctld's count of RPCs of one message type (from the reference daemon's diag)
rpc_count() { # message-type
    curl -s -H "X-SLURM-USER-NAME: $USER_NAME" -H "X-SLURM-USER-TOKEN: $TOKEN" "$REF_URL/slurm/$V/diag" |
        $PY -c 'import json,sys
t=sys.argv[1]; d=json.load(sys.stdin)["statistics"]
print(sum(r["count"] for r in d.get("rpcs_by_message_type", []) if r["message_type"] == t))' "$1"
}

msg_type() {
    case $1 in
        ping) echo REQUEST_PING ;;
        diag) echo REQUEST_STATS_INFO ;;
        nodes) echo REQUEST_NODE_INFO ;;
        partitions) echo REQUEST_PARTITION_INFO ;;
        *) echo "" ;;
    esac
}

# one wrk run → "rps p50 p99 rpcs-per-request"
measure() { # url path
    local url=$1 p=$2 out="$tmp/wrk.$RANDOM.txt" mt before after rps p50 p99 n per
    mt=$(msg_type "$p")
    before=$(rpc_count "$mt")
    wrk -t2 -c"$CONNS" -d"${DUR}s" --latency -H "X-SLURM-USER-NAME: $USER_NAME" \
        -H "X-SLURM-USER-TOKEN: $TOKEN" "$url" > "$out" 2>&1 || true
    after=$(rpc_count "$mt")
    rps=$(awk '/Requests\/sec/ {print $2}' "$out")
    p50=$(awk '$1=="50%" {print $2}' "$out")
    p99=$(awk '$1=="99%" {print $2}' "$out")
    n=$(awk '/requests in/ {print $1}' "$out")
    per=$($PY -c 'import sys; b,a,n=sys.argv[1:]; print("%.2f" % ((int(a)-int(b))/int(n)) if n and int(n) else "n/a")' \
          "$before" "$after" "${n:-0}")
    echo "${rps:-0} ${p50:-n/a} ${p99:-n/a} $per"
}

ratio() { $PY -c 'import sys; a,b=map(float,sys.argv[1:]); print("%.2f" % (a/b) if b else "n/a")' "$1" "$2"; }

PORT_ON=$(start_ours yes); PIDS+=("$(cat "$tmp/pid.yes")")
PORT_OFF=$(start_ours no); PIDS+=("$(cat "$tmp/pid.no")")

{
echo "## Coalescing benchmark $(date -u +%Y-%m-%dT%H:%MZ) — forky ($SLURM_VERSION), $V, ${DUR}s, $CONNS connections, wrk -t2, $(nproc) cores, our workers: ${THREADS:-default}, inline requests: ${INLINE:-yes}"
echo
echo "Load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (\`uptime\`: $(uptime | sed 's/^ *//'))."
echo
echo "One token for every request. RPCs/request: slurmctld's count of the path's message type over the run"
echo "(diag statistics) divided by the requests answered."
echo
echo "| GET | ours, coalescing on | ours, off | reference | on / ref | off / ref | p50 on / off / ref | p99 on / off / ref | RPCs/request on / off / ref |"
echo "|---|---|---|---|---|---|---|---|---|"
for p in "${PATHS[@]}"; do
    read -r on_rps on_p50 on_p99 on_per < <(measure "http://127.0.0.1:$PORT_ON/slurm/$V/$p" "$p")
    read -r off_rps off_p50 off_p99 off_per < <(measure "http://127.0.0.1:$PORT_OFF/slurm/$V/$p" "$p")
    read -r ref_rps ref_p50 ref_p99 ref_per < <(measure "$REF_URL/slurm/$V/$p" "$p")
    echo "| $p | $on_rps | $off_rps | $ref_rps | $(ratio "$on_rps" "$ref_rps") | $(ratio "$off_rps" "$ref_rps") |" \
         "$on_p50 / $off_p50 / $ref_p50 | $on_p99 / $off_p99 / $ref_p99 | $on_per / $off_per / $ref_per |"
done
echo
} | tee -a "$OUT"
