"""Start the real daemon as a subprocess and talk raw HTTP to it."""

from __future__ import annotations

import contextlib
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AUTH = b"X-SLURM-USER-NAME: alice\r\nX-SLURM-USER-TOKEN: not-checked-by-slurmrestd\r\n"
_LISTEN_RE = re.compile(r"listening on ([^\s\"]+)")  # text or JSON log lines


#: Run the daemon as ``python -m slurmrestd`` does, and write the names in ``sys.modules`` to
#: the file named by argv[1] when it exits (a test-only hook: no code in the daemon), also
#: when it leaves through ``os._exit`` (as a caller a warm child served does).  A process
#: that handed its client to a warm server never loaded ``slurmrestd.daemon``.
MODULES_HOOK = (
    "import atexit, os, runpy, sys\n"
    "out = sys.argv.pop(1)\n"
    "def dump():\n"
    "    open(out, 'w').write('\\n'.join(sorted(sys.modules)))\n"
    "atexit.register(dump)\n"
    "_exit = os._exit\n"
    "os._exit = lambda status: (dump(), _exit(status))\n"
    "runpy.run_module('slurmrestd', run_name='__main__', alter_sys=True)\n"
)


@contextlib.contextmanager
def warm_run_dir(prefix: str = "sw"):
    """A private XDG_RUNTIME_DIR for warm-start tests, short enough for a socket path (at
    most 107 bytes); its warm servers are stopped and it is removed at the end."""
    from slurmrestd.warmstart.server import stop_servers

    d = pathlib.Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    try:
        yield d
    finally:
        stop_servers(str(d / "slurmrestd-warm"))
        shutil.rmtree(d, ignore_errors=True)


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLURMRESTD_", "LISTEN_"))}
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("SLURM_CONF", "/nonexistent/slurm.conf")
    env["SLURMRESTD_INET_WARM"] = "no"  # cold inet mode unless a test asks (test_warm_start)
    if os.getuid() == 0:
        env["SLURMRESTD_SECURITY"] = "disable_user_check"
    env.update(extra)
    return env


class Daemon:
    """A running slurmrestd; ``addresses`` are what it logged as listening."""

    def __init__(self, *args: str, env: dict[str, str] | None = None, wait_listen: int = 1,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL) -> None:
        self.args = [sys.executable, "-m", "slurmrestd", *args]
        self.proc = subprocess.Popen(self.args, cwd=ROOT, env=env or base_env(), stdin=stdin,
                                     stdout=stdout, stderr=subprocess.PIPE, bufsize=0)
        self.log_lines: list[str] = []
        self.addresses: list[str] = []
        self._cond = threading.Condition()
        # Drain stderr all the time: a full pipe would block the daemon's logging.
        self._reader = threading.Thread(target=self._read_log, daemon=True)
        self._reader.start()
        if wait_listen:
            self._wait_for(lambda: len(self.addresses) >= wait_listen, 20)

    def _read_log(self) -> None:
        for line in iter(self.proc.stderr.readline, b""):
            text = line.decode(errors="replace").rstrip("\n")
            with self._cond:
                self.log_lines.append(text)
                m = _LISTEN_RE.search(text)
                if m:
                    self.addresses.append(m.group(1))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def _wait_for(self, cond, timeout: float) -> None:
        end = time.monotonic() + timeout
        with self._cond:
            while not cond():
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError("daemon did not get ready; log:\n" + "\n".join(self.log_lines))
                if self.proc.poll() is not None and not self._reader.is_alive():
                    raise AssertionError("daemon exited %s; log:\n%s"
                                         % (self.proc.returncode, "\n".join(self.log_lines)))
                self._cond.wait(min(left, 0.2))

    def drain_log(self, timeout: float = 0.2) -> str:
        time.sleep(timeout)
        with self._cond:
            return "\n".join(self.log_lines)

    @property
    def inet(self) -> tuple[str, int]:
        addr = next(a for a in self.addresses if not a.startswith("unix:"))
        host, _, port = addr.rpartition(":")
        return host.strip("[]"), int(port)

    def connect(self, address: str | None = None, timeout: float = 10) -> socket.socket:
        address = address or self.addresses[0]
        if address.startswith("unix:"):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(timeout)
            s.connect(address[5:])
            return s
        host, _, port = address.rpartition(":")
        host = host.strip("[]")
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect((host, int(port)))
        return s

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self._reader.join(5)
        return rc

    def __enter__(self) -> "Daemon":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


@dataclass
class HttpResponse:
    version: str
    status: int
    reason: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def json(self):
        import json
        return json.loads(self.body)


class Reader:
    """Reads responses off a socket, honouring Content-Length."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        if not data:
            return False
        self.buf += data
        return True

    def read(self, head: bool = False) -> HttpResponse | None:
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                if self.buf:
                    raise AssertionError("connection closed mid-response: %r" % self.buf)
                return None
        head_bytes, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head_bytes.decode("latin-1").split("\r\n")
        version, status, reason = (lines[0].split(" ", 2) + [""])[:3]
        headers = [tuple(x.strip() for x in l.split(":", 1)) for l in lines[1:]]
        resp = HttpResponse(version, int(status), reason, headers)  # type: ignore[arg-type]
        n = int(resp.header("Content-Length") or 0)
        if head or resp.status in (100, 204, 304):
            n = 0
        while len(self.buf) < n:
            if not self._fill():
                raise AssertionError("connection closed mid-body")
        resp.body, self.buf = self.buf[:n], self.buf[n:]
        return resp

    def closed(self, timeout: float = 5) -> bool:
        """True when the peer closes without sending anything more."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, socket.timeout):
            return False
        self.buf += data
        return data == b""


def request(method: str, path: str, body: bytes = b"", headers: bytes = b"", auth: bool = True,
            version: str = "1.1") -> bytes:
    h = b"%s %s HTTP/%s\r\nHost: test\r\n" % (method.encode(), path.encode(), version.encode())
    if auth:
        h += AUTH
    h += headers
    if body or method in ("POST", "PUT"):
        h += b"Content-Length: %d\r\n" % len(body)
    return h + b"\r\n" + body


def roundtrip(d: Daemon, raw: bytes, address: str | None = None) -> HttpResponse:
    s = d.connect(address)
    try:
        s.sendall(raw)
        resp = Reader(s).read()
        assert resp is not None, "no response"
        return resp
    finally:
        s.close()
