#!/usr/bin/env bash
# GET requests against our daemon and the reference C slurmrestd of the same cluster,
# measured in the same run, one after the other, so that the ratio holds on a busy machine.
#
#   bench/compare.sh TITLE SUITE DURATION CONNECTIONS PATH...
#
# PATH is relative to /slurm/<version>/ (v0.0.45 on forky, v0.0.42 on trixie, the newest
# the 24.11 reference serves).  wrk -t2 with CONNECTIONS connections per target (alice's
# JWT); prints requests/s, p50, p99, the ratio ours/reference, and the CPU time each daemon
# and slurmctld spent per request (from /proc, so steadier than requests/s on a busy
# machine), and appends the table to bench/results.md (BENCH_OUT).  Used by bench/nodes.sh
# and bench/partitions.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
TITLE=$1
SUITE=$2
DUR=$3
CONNS=$4
shift 4
# shellcheck source=bench/lib.sh
. bench/lib.sh

bench_need_wrk
bench_suite_env
bench_version
TOKEN=$(bash cluster/cluster.sh token "$SUITE" alice 3600 | tail -1)

tmp=$(mktemp -d)
OURS=
trap '[ -n "$OURS" ] && kill "$OURS" 2>/dev/null; rm -rf "$tmp"' EXIT

bench_start_ours

listener() { # port -> pid of the process listening there
    ss -Htlnp "sport = :$1" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1
}
REF_PID=$(listener "$REF_PORT")
CTLD_PID=$(listener "$CTLD_PORT")
ticks() { # pid -> user+system clock ticks so far (0 when unknown)
    [ -n "$1" ] && [ -r "/proc/$1/stat" ] && awk '{print $14 + $15}' "/proc/$1/stat" || echo 0
}
HZ=$(getconf CLK_TCK)

measure() { # url daemon-pid -> "rps p50 p99 daemon-ms/request slurmctld-ms/request"
    local out="$tmp/wrk.txt" d0 c0 d1 c1
    d0=$(ticks "$2"); c0=$(ticks "$CTLD_PID")
    wrk -t2 -c"$CONNS" -d"${DUR}s" --latency -H "X-SLURM-USER-NAME: alice" \
        -H "X-SLURM-USER-TOKEN: $TOKEN" "$1" > "$out" 2>&1 || true
    d1=$(ticks "$2"); c1=$(ticks "$CTLD_PID")
    if grep -q "Non-2xx" "$out"; then echo "n/a n/a n/a n/a n/a"; return; fi
    local n
    n=$(awk '/requests in/ {print $1}' "$out")
    echo "$(awk '/Requests\/sec/ {print $2}' "$out") $(awk '$1=="50%" {print $2}' "$out") \
$(awk '$1=="99%" {print $2}' "$out") \
$(awk -v t=$((d1 - d0)) -v n="$n" -v hz="$HZ" 'BEGIN { if (n > 0 && t > 0) printf "%.2f", t * 1000 / hz / n; else print "n/a" }') \
$(awk -v t=$((c1 - c0)) -v n="$n" -v hz="$HZ" 'BEGIN { if (n > 0 && t > 0) printf "%.2f", t * 1000 / hz / n; else print "n/a" }')"
}

{
echo
echo "## $TITLE — $SUITE ($SLURM_VERSION), $VERSION, $(date -u +%Y-%m-%dT%H:%MZ), \
wrk -t2 -c$CONNS ${DUR}s, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
echo
echo "| path | ours req/s (p50, p99) | reference req/s (p50, p99) | ours/reference | CPU ms/request: ours, reference (slurmctld for ours, for reference) |"
echo "|---|---|---|---|---|"
for path in "$@"; do
    read -r a a50 a99 acpu actld < <(measure "http://127.0.0.1:$PORT/slurm/$VERSION/$path" "$OURS")
    read -r b b50 b99 bcpu bctld < <(measure "$REF_URL/slurm/$VERSION/$path" "$REF_PID")
    ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0 && a > 0) printf "%.2f", a / b; else print "n/a" }')
    echo "| GET $path | $a ($a50, $a99) | $b ($b50, $b99) | $ratio | $acpu, $bcpu ($actld, $bctld) |"
done
echo
} | tee -a "$OUT"
