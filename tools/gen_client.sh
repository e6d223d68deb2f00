#!/usr/bin/env bash
# Generate a Python client from our OpenAPI document with openapi-generator
# and check that its models import.
#
#   tools/gen_client.sh [OUT_DIR] [PYTHON]
#
# Installs what it needs: Java 17 (Debian openjdk-17-jre-headless, via apt-get
# when run as root) and the PyPI package openapi-generator-cli (which bundles
# openapi-generator.jar, so nothing is downloaded at run time) into a venv.
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$(mktemp -d /tmp/slurmrest-client.XXXXXX)}"
PY="${2:-$HERE/.venv/bin/python}"
[ -x "$PY" ] || PY=python3
GEN_VENV="${GEN_VENV:-$HOME/.cache/slurmrestd-openapi-generator}"

if ! command -v java >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ]; then
		apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless
	else
		echo "java not found: install openjdk-17-jre-headless" >&2
		exit 2
	fi
fi
if [ ! -x "$GEN_VENV/bin/openapi-generator-cli" ]; then
	python3 -m venv "$GEN_VENV"
	"$GEN_VENV/bin/pip" install -q openapi-generator-cli
fi
# what the generated python client needs at import time
"$GEN_VENV/bin/python" -c 'import pydantic, dateutil, urllib3, typing_extensions' 2>/dev/null ||
	"$GEN_VENV/bin/pip" install -q "pydantic>=2" python-dateutil urllib3 typing-extensions

mkdir -p "$OUT"
(cd "$HERE" && "$PY" -c '
import json, sys
from slurmrestd.openapi import build_document
json.dump(build_document(), sys.stdout)
') > "$OUT/openapi.json"

"$GEN_VENV/bin/openapi-generator-cli" generate -i "$OUT/openapi.json" -g python \
	-o "$OUT/client" --package-name slurmrest_client \
	--additional-properties=generateSourceCodeOnly=true >"$OUT/generate.log" 2>&1 || {
	tail -40 "$OUT/generate.log" >&2
	exit 1
}

# the models must import
(cd "$OUT/client" && "$GEN_VENV/bin/python" -c '
import importlib, pkgutil
import slurmrest_client.models as m
n = 0
for info in pkgutil.iter_modules(m.__path__):
    importlib.import_module("slurmrest_client.models." + info.name)
    n += 1
import slurmrest_client
print("imported", n, "models")
')
echo "client in $OUT/client"
