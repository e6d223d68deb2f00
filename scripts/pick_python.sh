#!/usr/bin/env bash
# Print the interpreter that `make venv` and `make install` build on.
#
# The distribution's own Python comes first when it is 3.11 or newer and can make a virtual
# environment (Debian's python3-venv): Debian builds it with profile-guided and link-time
# optimisation into the executable, which runs our per-request code 10-20 % faster than an
# interpreter built from source without them (a pyenv one, say; bench/profiles/perfloop.md).
# Otherwise the first python3 on PATH.  PYTHON=... on make's command line overrides this.
set -u
for py in /usr/bin/python3 python3; do
    command -v "$py" >/dev/null 2>&1 || continue
    if "$py" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        echo "$py"
        exit 0
    fi
done
echo python3
