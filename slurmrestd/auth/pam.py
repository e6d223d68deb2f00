"""HTTP Basic logins checked through PAM (opt-in: ``SLURMRESTD_PAM_SERVICE``).

The request pipeline already runs on a worker thread, never on the selector
loop.  A PAM conversation may still block for long (network directories,
``pam_faildelay``), so each runs on a thread of its own and the worker waits at
most ``timeout_s`` for it; at most ``max_concurrent`` conversations run at once
and a login beyond that is refused at once, so a stuck PAM stack cannot take
every worker.  Failed logins count against the client address and the user
name; past ``max_failures`` within ``window_s`` further attempts are refused
without asking PAM (``LoginThrottled``).  Every failure is logged with the
address and user name, never the password.

The conversation names the client's address as ``PAM_RHOST`` (set between
``pam_start`` and ``pam_authenticate``), so rules such as ``pam_access`` or
``pam_listfile item=rhost`` can allow or deny by address.
"""

from __future__ import annotations

import logging
import threading

from slurmrestd.auth import LoginThrottled
from slurmrestd.auth.ratelimit import FailureLimiter

log = logging.getLogger("slurmrestd.auth.pam")


class LoginUnavailable(Exception):
    """PAM did not answer in time, or too many conversations are already running."""


def _pam_check(service: str, user: str, password: str, rhost: str | None = None) -> tuple[bool, str]:
    import ctypes

    import pam

    p = pam.PamAuthenticator()
    rhost_set: list[int] = []
    if rhost:
        # python-pam has no parameter for PAM_RHOST; its authenticate() calls the instance's
        # pam_authenticate right after pam_start (and the optional PAM_TTY), so the item is set
        # there, on the handle the conversation uses.  pam_set_item copies the string.
        authenticate = p.pam_authenticate
        value = ctypes.c_char_p(rhost.encode())

        def set_rhost_then_authenticate(handle, flags):
            rc = p.pam_set_item(handle, pam.PAM_RHOST, value)
            rhost_set.append(rc)
            if rc != pam.PAM_SUCCESS:
                return rc
            return authenticate(handle, flags)

        p.pam_authenticate = set_rhost_then_authenticate
    ok = p.authenticate(user, password, service=service, resetcreds=False)
    detail = "%s (%s)" % (p.reason, p.code)
    if rhost and rhost_set != [pam.PAM_SUCCESS]:
        # the library did not call our hook (another python-pam), or pam_set_item failed:
        # never report a login whose rules could not see the address as good
        return False, "%s; PAM_RHOST could not be set (%s)" % (detail, rhost_set or "python-pam skipped the hook")
    return bool(ok), detail


class PamLogin:
    def __init__(self, service: str, timeout_s: float = 10.0, max_failures: int = 5,
                 window_s: float = 300.0, max_concurrent: int = 4, check=_pam_check,
                 max_keys: int = 4096) -> None:
        self.service = service
        self.timeout_s = timeout_s
        self.limiter = FailureLimiter(max_failures, window_s, max_keys)
        self._slots = threading.BoundedSemaphore(max(1, max_concurrent))
        self._check = check

    def _run(self, user: str, password: str, rhost: str | None) -> tuple[bool, str]:
        """The PAM conversation on its own thread, waited for at most ``timeout_s``."""
        if not self._slots.acquire(blocking=False):
            raise LoginUnavailable("too many PAM logins in progress")
        result: list = []

        def converse() -> None:
            try:
                result.append(self._check(self.service, user, password, rhost))
            except Exception as e:  # a PAM module or libpam failure: a refusal, logged
                result.append((False, "PAM error: %s" % e))
            finally:
                self._slots.release()

        t = threading.Thread(target=converse, name="pam-login", daemon=True)
        t.start()
        t.join(self.timeout_s)
        if not result:
            raise LoginUnavailable("PAM did not answer within %g s" % self.timeout_s)
        return result[0]

    def login(self, user: str, password: str, address: str, conn_name: str = "",
              rhost: str | None = None) -> bool:
        """Whether PAM accepts ``user``/``password``; ``address`` keys the rate limit,
        ``rhost`` is given to PAM as PAM_RHOST (None: not set)."""
        keys = ("addr:" + address, "user:" + user)
        wait = self.limiter.blocked_for(*keys)
        if wait > 0:
            log.warning("[%s] PAM login of %r from %s refused: too many failed logins (retry in %d s)",
                        conn_name, user, address, int(wait) + 1)
            raise LoginThrottled("too many failed logins from %s or for %s" % (address, user), wait)
        try:
            ok, detail = self._run(user, password, rhost)
        except LoginUnavailable as e:
            log.warning("[%s] PAM login of %r from %s not checked: %s", conn_name, user, address, e)
            raise
        if not ok:
            self.limiter.failed(*keys)
            log.warning("[%s] PAM login of %r from %s failed (service %s): %s",
                        conn_name, user, address, self.service, detail)
            return False
        log.info("[%s] PAM login of %r from %s accepted (service %s)", conn_name, user, address, self.service)
        return True
