"""``/readyz``: can the daemon reach the Slurm daemons it serves?

Ready means slurmctld answers a ``REQUEST_PING`` when the daemon serves
``openapi/slurmctld``, and slurmdbd answers a persistent-connection init when
it serves ``openapi/slurmdbd`` (a daemon serving only ``openapi/util`` needs
neither and is always ready).  Any
answer counts, even a refusal of our credential: it proves the daemon is up and
servicing RPCs; no answer within ``Limits.ready_probe_timeout_s`` (refused
connection, timeout, reset) makes the daemon not ready, with the reason.

The probe speaks as the daemon itself: munge when libmunge and the munge socket
of ``AuthInfo`` work, otherwise a placeholder JWT that the peer refuses (which
still proves it answers).  One probe runs at a time; its verdict is reused for
``Limits.ready_cache_s`` so frequent Kubernetes probes do not load the
controller.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from slurmrestd.errors import E, SlurmError
from slurmrestd.rpc.ctld.client import SlurmctldClient
from slurmrestd.rpc.ctld.transport import Transport
from slurmrestd.rpc.cred import JwtCredential, munge_from_authinfo
from slurmrestd.rpc.dbd.connection import DbdConnector
from slurmrestd.slurm.msg_types import MsgType

log = logging.getLogger("slurmrestd.readiness")

#: A token no Slurm daemon accepts: its refusal still proves the daemon answers.
PLACEHOLDER_TOKEN = "slurmrestd.readiness.probe"
#: slurmdbd failures that mean "no answer" (anything else is an answer).
_DBD_UNREACHABLE = frozenset({E.ESLURM_DB_CONNECTION, E.SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT})


@dataclass(frozen=True)
class Verdict:
    ready: bool
    #: What could not be reached, one line each ("slurmctld: Unable to contact …").
    problems: tuple[str, ...] = ()
    #: Monotonic time of the probe.
    at: float = 0.0

    def text(self) -> str:
        return "ready" if self.ready else "not ready: " + "; ".join(self.problems)


class Readiness:
    def __init__(self, slurm_conf: Any, *, check_ctld: bool, check_dbd: bool, timeout_s: float, cache_s: float,
                 observer: Any = None, version_cache: Any = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.slurm_conf = slurm_conf
        self.check_ctld = check_ctld
        self.check_dbd = check_dbd
        self.timeout_s = timeout_s
        self.cache_s = cache_s
        self.observer = observer
        self.version_cache = version_cache
        self.clock = clock
        self._lock = threading.Lock()
        self._last: Verdict | None = None
        self._use_munge = True

    def check(self) -> Verdict:
        """The current verdict: a fresh probe, or the last one while it is young enough."""
        with self._lock:
            last = self._last
            if last is not None and self.clock() - last.at < self.cache_s:
                return last
            verdict = self._probe()
            if last is not None and last.ready != verdict.ready:
                log.info("readiness: %s", verdict.text())
            elif last is None and not verdict.ready:
                log.warning("readiness: %s", verdict.text())
            self._last = verdict
            return verdict

    # -- probes (lock held) ---------------------------------------------------

    def _credential(self):
        if self._use_munge:
            return munge_from_authinfo(getattr(self.slurm_conf, "auth_info", None))
        return JwtCredential(PLACEHOLDER_TOKEN)

    def _with_credential(self, probe: Callable[[Any], None]) -> None:
        try:
            probe(self._credential())
        except SlurmError as exc:
            if not (self._use_munge and exc.errno == E.ESLURM_AUTH_UNABLE_TO_GENERATE_TOKEN):
                raise
            log.debug("readiness: munge unavailable (%s); probing with a placeholder token", exc.description)
            self._use_munge = False
            probe(self._credential())

    def _probe(self) -> Verdict:
        problems = []
        if not (self.check_ctld or self.check_dbd):
            pass
        elif self.slurm_conf is None:
            problems.append("no slurm.conf loaded")
        else:
            if self.check_ctld:
                try:
                    self._with_credential(self._ping_ctld)
                except SlurmError as exc:
                    problems.append("slurmctld: %s" % exc.description)
            if self.check_dbd:
                try:
                    self._with_credential(self._init_dbd)
                except SlurmError as exc:
                    problems.append("slurmdbd: %s" % exc.description)
        return Verdict(not problems, tuple(problems), self.clock())

    def _ping_ctld(self, credential) -> None:
        t = self.timeout_s
        transport = Transport(self.slurm_conf, connect_timeout=t, io_timeout=t, retry_window=0)
        client = SlurmctldClient(self.slurm_conf, credential, transport=transport, observer=self.observer,
                                 version_cache=self.version_cache, max_backoff_retries=0)
        client.send(MsgType.REQUEST_PING)  # any reply, whatever its rc, is an answer

    def _init_dbd(self, credential) -> None:
        t = self.timeout_s
        connector = DbdConnector(self.slurm_conf, connect_timeout=t, init_timeout=t, io_timeout=t,
                                 observer=self.observer)
        try:
            connector.open(credential).close()
        except SlurmError as exc:
            if exc.errno in _DBD_UNREACHABLE or exc.errno == E.ESLURM_AUTH_UNABLE_TO_GENERATE_TOKEN:
                raise
            # slurmdbd answered (it refused the credential): it is up
