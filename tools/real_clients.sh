#!/usr/bin/env bash
# Install the third-party Slurm REST clients of the real-clients test tier
# (tests/clients/) from PyPI into a venv of their own, apart from the project's.
# Usage: tools/real_clients.sh [venv dir]   (default: $REAL_CLIENTS_VENV or
# ~/.cache/slurmrestd-real-clients).  Prints the venv's python on success.
set -euo pipefail
VENV=${1:-${REAL_CLIENTS_VENV:-$HOME/.cache/slurmrestd-real-clients}}
# Pinned: each is an openapi-generator client of SchedMD's document.
#   slurmrestapi  v0.0.41-v0.0.44 (Slurm 25.11),  ebi-slurpy  v0.0.40-v0.0.42 (Slurm 24.11)
PACKAGES=(slurmrestapi==25.11.4.0 ebi-slurpy==0.1.1)
STAMP="$VENV/.stamp-$(printf '%s\n' "${PACKAGES[@]}" | md5sum | cut -c1-12)"
if [ ! -e "$STAMP" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip >&2
    "$VENV/bin/python" -m pip install -q "${PACKAGES[@]}" >&2
    "$VENV/bin/python" -c "import slurmrestapi, slurpy.v0042" >&2
    touch "$STAMP"
fi
echo "$VENV/bin/python"
