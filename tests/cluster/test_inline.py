"""Inline requests (``SLURMRESTD_INLINE``, ``conmgr/fibers``) against the real 26.05 controller:
ping, diag, licenses and nodes answer the same with inline requests on and off, with
slurmctld up, down (nothing listening) and stalled (it accepts and never answers); while an inline request waits for
slurmctld the daemon serves other requests at once.

The down and stalled controllers are sockets of the test on a port of its own (a copy of
forky's slurm.conf points there); the shared slurmctld is never touched.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from clusters import read_env, token
from daemon import Daemon, base_env
from http_client import call

pytestmark = pytest.mark.cluster

PATHS = ("ping", "diag", "licenses", "nodes")
MESSAGE_TIMEOUT = 3


@pytest.fixture(scope="module")
def env():
    return read_env("forky")


@pytest.fixture(scope="module")
def alice(env):
    return token("forky", "alice")


def conf_for(tmp_path, env, port: int | None) -> str:
    """forky's slurm.conf, pointing at ``port`` (None: the real controller), MessageTimeout short."""
    lines = []
    with open(env["SLURM_CONF"]) as fh:
        for line in fh:
            key = line.split("=", 1)[0].strip().lower()
            if key == "messagetimeout" or (port is not None and key == "slurmctldport"):
                continue
            lines.append(line.rstrip("\n"))
    if port is not None:
        lines.append("SlurmctldPort=%d" % port)
    lines.append("MessageTimeout=%d" % MESSAGE_TIMEOUT)
    path = tmp_path / ("slurm-%s.conf" % (port or "live"))
    path.write_text("\n".join(lines) + "\n")
    return str(path)


class Pair:
    """Our daemon twice on the same slurm.conf: inline requests on (default) and off."""

    def __init__(self, conf: str) -> None:
        self.on = Daemon("127.0.0.1:0", env=base_env(SLURM_CONF=conf, SLURMRESTD_COALESCE="no"))
        self.off = Daemon("127.0.0.1:0", env=base_env(SLURM_CONF=conf, SLURMRESTD_COALESCE="no",
                                                      SLURMRESTD_INLINE="no"))

    @staticmethod
    def base(d: Daemon) -> str:
        return "http://%s:%d" % d.inet

    def stop(self) -> None:
        for d in (self.on, self.off):
            d.stop()
            log = "\n".join(d.log_lines)
            assert "Traceback (most recent call last)" not in log, log[-4000:]


def shape(doc) -> object:
    """What must agree between two answers taken moments apart: the errors, and the keys."""
    doc = dict(doc)
    doc.pop("meta", None)
    pings = [{k: v for k, v in p.items() if k != "latency"} for p in doc.pop("pings", [])]
    return sorted(doc), doc.get("errors"), pings


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_live_answers_agree(tmp_path, env, alice):
    pair = Pair(conf_for(tmp_path, env, None))
    try:
        for p in PATHS:
            path = "/slurm/v0.0.45/%s" % p
            st_on, doc_on = call(pair.base(pair.on), "GET", path, alice)
            st_off, doc_off = call(pair.base(pair.off), "GET", path, alice)
            assert st_on == st_off == 200, (p, doc_on)
            assert shape(doc_on) == shape(doc_off), p
    finally:
        pair.stop()


def served_meanwhile(base: str, alice: str, path: str) -> float:
    """Seconds to answer an unknown path while ``path`` waits for slurmctld."""
    waiting = threading.Thread(target=call, args=(base, "GET", path, alice), daemon=True)
    waiting.start()
    time.sleep(0.3)
    t0 = time.monotonic()
    st, _ = call(base, "GET", "/slurm/v0.0.45/no-such-path", alice)
    took = time.monotonic() - t0
    assert st == 404
    waiting.join(MESSAGE_TIMEOUT * 3)
    return took


@pytest.mark.parametrize("mode", ("down", "stalled"))
def test_unreachable_controller_same_errors_and_loop_free(tmp_path, env, alice, mode):
    stalled = None
    if mode == "stalled":  # accepts (kernel backlog), reads nothing, answers nothing
        stalled = socket.socket()
        stalled.bind(("127.0.0.1", 0))
        stalled.listen(64)
        port = stalled.getsockname()[1]
    else:
        port = closed_port()
    pair = Pair(conf_for(tmp_path, env, port))
    try:
        for p in PATHS:
            path = "/slurm/v0.0.45/%s" % p
            t0 = time.monotonic()
            st_on, doc_on = call(pair.base(pair.on), "GET", path, alice)
            took_on = time.monotonic() - t0
            st_off, doc_off = call(pair.base(pair.off), "GET", path, alice)
            assert st_on == st_off, (p, doc_on, doc_off)
            assert shape(doc_on) == shape(doc_off), p
            assert took_on < MESSAGE_TIMEOUT * 3, p  # bounded by the controller timeouts
        assert served_meanwhile(pair.base(pair.on), alice, "/slurm/v0.0.45/licenses") < 1.5
    finally:
        pair.stop()
        if stalled is not None:
            stalled.close()
