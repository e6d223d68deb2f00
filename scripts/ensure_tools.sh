#!/usr/bin/env bash
# Install the Debian packages that the site tests drive, only when missing:
# headless Chromium (the CORS browser test) and nginx (the scale-out test).
# Waits for another apt/dpkg run to finish instead of failing on its lock.
set -euo pipefail
want=()
command -v chromium >/dev/null 2>&1 || want+=(chromium)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || want+=(nginx-light)
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_tools: not root or no apt-get; missing: ${want[*]} (their tests will skip)" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
lock=(-o DPkg::Lock::Timeout=900)
if ! apt-get "${lock[@]}" install -y -q --no-install-recommends "${want[@]}"; then
    apt-get "${lock[@]}" update -q
    apt-get "${lock[@]}" install -y -q --no-install-recommends "${want[@]}"
fi
# The package starts nginx on port 80 where systemd runs; the tests start their own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active -q nginx 2>/dev/null; then
    systemctl stop nginx || true
fi
