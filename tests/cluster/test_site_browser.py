"""CORS with a real browser: headless Chromium loads a page from another origin (a tiny
http.server on another port) whose script calls our daemon with fetch(), sending the
Slurm authentication headers (so the browser must preflight).  The allowed origin gets
the answer; a page from an origin that is not allowed gets nothing (fetch fails), and the
daemon refused its preflight.  scripts/ensure_tools.sh installs Chromium for `make test`."""

from __future__ import annotations

import html as htmllib
import http.server
import os
import re
import shutil
import subprocess
import tempfile
import threading

import pytest

from clusters import REF_VERSIONS
from daemon import Daemon, base_env

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

PAGE = """<!doctype html>
<html><head><title>slurm portal</title></head>
<body><pre id="out">pending</pre>
<script>
const out = document.getElementById("out");
(async () => {
  try {
    const r = await fetch("%(api)s/slurm/%(version)s/ping/", {
      headers: {"X-SLURM-USER-NAME": "alice", "X-SLURM-USER-TOKEN": "%(token)s"}});
    const doc = await r.json();
    const r2 = await fetch("%(api)s/slurm/%(version)s/jobs/", {method: "GET",
      headers: {"X-SLURM-USER-NAME": "alice", "X-SLURM-USER-TOKEN": "%(token)s",
                "X-Request-ID": "browser-42"}});
    out.textContent = "OK status=" + r.status + " responding=" + doc.pings[0].responding +
      " jobs_status=" + r2.status + " rid=" + r2.headers.get("X-Request-ID") +
      " errors=" + doc.errors.length;
  } catch (e) {
    out.textContent = "FAILED " + e;
  }
})();
</script></body></html>
"""


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("chromium is required in CI (scripts/ensure_tools.sh installs it)")
        pytest.skip("chromium not installed (scripts/ensure_tools.sh)")
    return path


class PageServer:
    """Serves one HTML page (``html``, set once the API address is known) at / from its own
    port, so its own origin."""

    def __init__(self) -> None:
        self.html = ""
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = server.html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.origin = "http://127.0.0.1:%d" % self.port
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def dump_dom(browser: str, url: str) -> str:
    with tempfile.TemporaryDirectory(prefix="site-chromium-") as profile:
        r = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                            "--disable-background-networking", "--disable-component-update", "--disable-sync",
                            "--disable-dev-shm-usage", "--user-data-dir=" + profile,
                            "--virtual-time-budget=20000", "--dump-dom", url],
                           capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def result(dom: str) -> str:
    """The text the page's script left in <pre id="out">."""
    m = re.search(r'<pre id="out">(.*?)</pre>', dom, re.S)
    assert m, dom
    return htmllib.unescape(m.group(1)).strip()


def test_browser_page_on_another_origin_calls_the_api(cluster, alice_token):
    browser = chromium()
    suite, env = cluster
    version = REF_VERSIONS[suite][-1]
    # two pages with the same script: one origin is allowed, the other is not
    allowed_page, refused_page = PageServer(), PageServer()
    d = Daemon("127.0.0.1:0", env=base_env(SLURM_CONF=env["SLURM_CONF"],
                                           SLURMRESTD_CORS_ORIGINS=allowed_page.origin))
    try:
        api = "http://%s:%d" % d.inet
        allowed_page.html = refused_page.html = PAGE % {"api": api, "version": version, "token": alice_token}

        out = result(dump_dom(browser, allowed_page.origin + "/"))
        assert out == "OK status=200 responding=true jobs_status=200 rid=browser-42 errors=0", out
        out = result(dump_dom(browser, refused_page.origin + "/"))
        assert out.startswith("FAILED TypeError"), out
        log = d.drain_log()
        assert "CORS preflight refused: origin %s is not allowed" % refused_page.origin in log, log
        assert "Traceback" not in log
    finally:
        d.stop()
        allowed_page.close()
        refused_page.close()
