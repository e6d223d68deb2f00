#!/usr/bin/env bash
# Instructions per request of our daemon (valgrind --tool=callgrind), independent of the
# machine's load, unlike CPU time or requests/s on a shared machine.
#
#   bench/callgrind.sh [path=ping] [requests=1000] [connections=16]
#
# Starts our daemon under callgrind on forky (coalescing off, as bench/coalesce.sh's "off"
# column; OURS_ENV adds VAR=value words), warms it up with 300 requests, zeroes the counters,
# sends exactly REQUESTS keep-alive GETs of /slurm/<version>/PATH over CONNECTIONS connections
# (bench/keepalive_load.py), dumps the counters and prints the instructions per request.
# Only user-space instructions of the daemon are counted (not the kernel's socket work, nor
# slurmctld's).  Start-up under valgrind takes about a minute on an idle 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
SUITE=forky
P=${1:-ping}
N=${2:-1000}
CONNS=${3:-16}
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_suite_env
bench_version
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }
TOKEN=$(bash cluster/cluster.sh token "$SUITE" alice 3600 | tail -1)
tmp=$(mktemp -d)
VG=
trap '[ -n "$VG" ] && kill "$VG" 2>/dev/null; rm -rf "$tmp"' EXIT
PORT=${BENCH_PORT:-$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
# shellcheck disable=SC2086
env SLURMRESTD_COALESCE=no SLURMRESTD_SECURITY=disable_user_check SLURM_CONF="$SLURM_CONF" ${OURS_ENV:-} \
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" $PY -m slurmrestd "127.0.0.1:$PORT" \
    2>"$tmp/daemon.log" >/dev/null &
VG=$!
for _ in $(seq 600); do curl -s -o /dev/null "http://127.0.0.1:$PORT/livez" && break; sleep 0.5; done
load() { $PY bench/keepalive_load.py "$PORT" "$1" --connections "$CONNS" --path "/slurm/$VERSION/$P" --token "$TOKEN"; }
load 300 >/dev/null
callgrind_control -z "$VG" >/dev/null 2>&1
load "$N"
callgrind_control -d "$VG" >/dev/null 2>&1
ir=
for _ in $(seq 60); do  # the dump is written by the daemon's next valgrind scheduling point
    ir=$(cat "$tmp"/cg.out.* 2>/dev/null | awk '/^(summary|totals):/ {print $2; exit}' || true)
    [ -n "$ir" ] && break
    sleep 1
done
[ -n "$ir" ] || { echo "no callgrind dump in $tmp" >&2; ls -la "$tmp" >&2; exit 1; }
echo "GET /slurm/$VERSION/$P: $((ir / N)) instructions per request ($ir for $N requests, load $(cut -d' ' -f1 /proc/loadavg))"
