#!/usr/bin/env bash
# Inet mode (one process per client, as under inetd or systemd Accept=yes): process start to
# answer, our daemon against the reference C slurmrestd of the same cluster, in the same run.
#
#   bench/inet.sh [suite=forky] [runs=20] [path=ping]
#
# Each run pipes one HTTP request (alice's JWT, Connection: close) into a fresh process and
# reads the whole answer; the reference runs in the cluster's chroot as user slurmrestd, as
# cluster.sh starts it, with `-a rest_auth/jwt`.  Ours runs as the invoking user with
# SLURMRESTD_SECURITY=disable_user_check and `-a rest_auth/jwt` like the reference, once with
# token checks as configured (the HS256 key is readable: each token is checked here) and once
# with SLURMRESTD_JWT_VERIFY=no (tokens pass through, as in the reference); a third row runs
# ours with the default -a (rest_auth/local first: the pipe's owner, root, speaks through
# munge, so each run also pays the munge credential and its KangarooTwelve body hash).  Ours is
# the installed command with warm start (a warm server per variant in a private runtime
# directory, started before the timing and stopped at the end); a last row runs it cold
# (SLURMRESTD_INET_WARM=no).  hyperfine is used when installed (apt-get install hyperfine),
# else a timed loop.  Prints median and mean wall seconds, appends to bench/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
SUITE=${1:-forky}
RUNS=${2:-20}
WHAT=${3:-ping}
# shellcheck source=bench/lib.sh
. bench/lib.sh

case $PY in /*) ;; *) PY=$PWD/$PY;; esac
bench_suite_env
bench_version
TOKEN=$(bash cluster/cluster.sh token "$SUITE" alice 3600 | tail -1)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
printf 'GET /slurm/%s/%s HTTP/1.1\r\nHost: x\r\nX-SLURM-USER-NAME: alice\r\nX-SLURM-USER-TOKEN: %s\r\nConnection: close\r\n\r\n' \
    "$VERSION" "$WHAT" "$TOKEN" >"$tmp/req"
chmod 644 "$tmp/req"
# The request goes through a pipe (cat), as from inetd's socket: a regular file on stdin
# would be refused by rest_auth/local (readable by others).
cat >"$tmp/ref.sh" <<EOS
cat "$tmp/req" | chroot --userspec=slurmrestd:slurmrestd "$CHROOT" env -i PATH=/usr/sbin:/usr/bin \
    LANG=C.UTF-8 HOME=/ SLURM_JWT=daemon /usr/sbin/slurmrestd -a rest_auth/jwt 2>/dev/null
EOS
# Ours: the installed command (as inetd starts it), warm start in a private runtime directory
# (WARM=no: cold); the first run of each variant starts its warm server, waited for below.
CMD="$PY -m slurmrestd"
[ -x "$(dirname "$PY")/slurmrestd" ] && CMD="$(dirname "$PY")/slurmrestd"
run_dir=$(mktemp -d /tmp/bwXXXX)
stop_warm() { for l in "$run_dir"/slurmrestd-warm/*.lock; do [ -f "$l" ] && kill "$(head -1 "$l")" 2>/dev/null; done; rm -rf "$run_dir"; }
trap 'stop_warm; rm -rf "$tmp"' EXIT
cat >"$tmp/ours.sh" <<EOS
cat "$tmp/req" | env -u PYTHONDONTWRITEBYTECODE SLURMRESTD_SECURITY=disable_user_check SLURM_CONF="$SLURM_CONF" \
    XDG_RUNTIME_DIR="$run_dir" SLURMRESTD_INET_WARM=\${WARM:-600} \
    PYTHONPATH="$PWD" \${VERIFY:+SLURMRESTD_JWT_VERIFY=\$VERIFY} $CMD \${AUTH--a rest_auth/jwt} 2>/dev/null
EOS
for s in ref ours; do
    head=$(bash "$tmp/$s.sh" | head -1 | tr -d '\r')
    case $head in "HTTP/1.1 200"*) ;; *) echo "$s: unexpected answer: $head" >&2; exit 1;; esac
done
# warm servers for the variants measured below (each command line and environment has its own)
VERIFY=no bash "$tmp/ours.sh" >/dev/null; AUTH="" bash "$tmp/ours.sh" >/dev/null
for _ in $(seq 100); do [ "$(ls "$run_dir"/slurmrestd-warm/*.sock 2>/dev/null | wc -l)" -ge 3 ] && break; sleep 0.2; done

stats() { # command → "median mean" seconds over RUNS runs
    if command -v hyperfine >/dev/null; then
        hyperfine -N -w 3 -r "$RUNS" --export-json "$tmp/h.json" "$1" >/dev/null 2>&1 ||
            hyperfine -w 3 -r "$RUNS" --export-json "$tmp/h.json" "$1" >/dev/null
        $PY -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.3f %.3f" % (r["median"], r["mean"]))' "$tmp/h.json"
    else
        for _ in 1 2 3; do $1 >/dev/null; done
        for _ in $(seq "$RUNS"); do
            $PY -c 'import subprocess,sys,time; t=time.perf_counter(); subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); print(time.perf_counter()-t)' $1
        done | $PY -c 'import statistics,sys; v=[float(x) for x in sys.stdin]; print("%.3f %.3f" % (statistics.median(v), statistics.fmean(v)))'
    fi
}
read -r REF_MED REF_MEAN < <(stats "bash $tmp/ref.sh")
read -r OURS_MED OURS_MEAN < <(stats "bash $tmp/ours.sh")
read -r NOV_MED NOV_MEAN < <(VERIFY=no stats "bash $tmp/ours.sh")
read -r LOC_MED LOC_MEAN < <(AUTH="" stats "bash $tmp/ours.sh")
read -r COLD_MED COLD_MEAN < <(WARM=no stats "bash $tmp/ours.sh")
ratio() { $PY -c 'import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print("%.1f" % (a/b) if b else "n/a")' "$1" "$2"; }
{
echo
echo "## Inet mode, one GET $WHAT per process — $SUITE ($SLURM_VERSION), $VERSION, $(date -u +%Y-%m-%dT%H:%MZ), $RUNS runs, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
echo
echo "Process start to the end of the answer (wall seconds; the request piped through cat, both sides; ours and the reference with -a rest_auth/jwt unless the row says otherwise)."
echo
echo "| daemon | median s | mean s | median ours/reference |"
echo "|---|---|---|---|"
echo "| reference (C) | $REF_MED | $REF_MEAN | |"
echo "| ours, tokens checked (key readable) | $OURS_MED | $OURS_MEAN | $(ratio "$OURS_MED" "$REF_MED") |"
echo "| ours, SLURMRESTD_JWT_VERIFY=no | $NOV_MED | $NOV_MEAN | $(ratio "$NOV_MED" "$REF_MED") |"
echo "| ours, default -a (rest_auth/local, munge) | $LOC_MED | $LOC_MEAN | $(ratio "$LOC_MED" "$REF_MED") |"
echo "| ours, tokens checked, cold (SLURMRESTD_INET_WARM=no) | $COLD_MED | $COLD_MEAN | $(ratio "$COLD_MED" "$REF_MED") |"
} | tee -a "$OUT"
