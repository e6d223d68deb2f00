# Setup shared by the bench scripts; sourced after `cd` to the repository root with SUITE set.
#
#   PY, ROOT_DIR, OUT        interpreter, cluster root (SLURMRESTD_CLUSTER_ROOT), results file (BENCH_OUT)
#   bench_need_wrk           installs wrk when it is missing
#   bench_suite_env          sources the suite's env file (SLURM_CONF, REF_PORT, CTLD_PORT, ...)
#   bench_version            sets VERSION: the newest data parser both daemons of the suite serve
#   bench_start_ours         starts our daemon on a free loopback port (or BENCH_PORT): sets PORT and OURS (its pid),
#                            logs to $tmp/ours.log, waits for /livez; OURS_ENV: extra VAR=value
#                            words for its environment
# shellcheck shell=bash
PY=${PY:-.venv/bin/python}
ROOT_DIR=${SLURMRESTD_CLUSTER_ROOT:-/var/lib/slurmrestd-cluster}
OUT=${BENCH_OUT:-bench/results.md}

bench_need_wrk() {
    command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
}

bench_suite_env() {
    # shellcheck disable=SC1090
    . "$ROOT_DIR/$SUITE/env"
}

bench_version() {
    VERSION=v0.0.45
    if [ "$SUITE" = trixie ]; then
        VERSION=v0.0.42   # the 24.11 reference serves up to v0.0.42
    fi
}

bench_start_ours() {
    PORT=${BENCH_PORT:-$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
    # shellcheck disable=SC2086
    env SLURMRESTD_SECURITY=disable_user_check SLURM_CONF="$SLURM_CONF" ${OURS_ENV:-} \
        $PY -m slurmrestd "127.0.0.1:$PORT" 2>"$tmp/ours.log" &
    OURS=$!
    for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/livez" && break; sleep 0.2; done
}
