"""rest_auth/local: trust the kernel's word about who is on the other end.

Applies to unix sockets (SO_PEERCRED) and to inet mode over pipes or a TTY
(the descriptor's owner).  TCP peers are skipped.  A peer other than ourselves
is refused, except root and, once, the first caller in ``become_user`` mode,
whose identity the whole process then takes on.

Root may name any user with X-SLURM-USER-NAME, as in the reference.  Our own
RPCs prove only the daemon's uid (munge), so naming someone else works only
when the daemon can sign a token for them (a readable ``jwt_key``: a
``TokenMinter``); otherwise the request is refused, as the reference's munge
credential refuses a user other than the one the daemon runs as.
"""

from __future__ import annotations

import logging
import os
import pwd
import stat
import threading

from slurmrestd.auth import AuthError, Identity
from slurmrestd.errors import E

log = logging.getLogger("slurmrestd.auth.local")

NOBODY = 65534


def _user_name(uid: int) -> str | None:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return None


class LocalAuth:
    name = "rest_auth/local"

    def __init__(self, become_user: bool = False, minter=None) -> None:
        self._become_user = become_user
        self._lock = threading.Lock()
        self.minter = None if become_user else minter

    def authenticate(self, headers, conn) -> Identity | None:
        if conn.sock is not None and not conn.is_unix:
            return None  # TCP: nothing to vouch for the peer
        if conn.sock is None and not conn.is_unix:
            return self._pipe(conn)
        creds = conn.peer_creds
        if creds is None or creds.pid == 0:
            raise AuthError("unable to read the peer credentials of the socket")
        uid, gid = creds.uid, creds.gid
        if uid == NOBODY or gid == NOBODY:
            raise AuthError("connections from nobody are refused")
        me = os.getuid()
        if uid == 0:
            own = _user_name(me)
            name = headers.get("x-slurm-user-name") or own
            if name != own:
                if self.minter is None:
                    raise AuthError("root peer names user %s, but the daemon runs as %s and has no "
                                    "jwt_key to sign a token for another user" % (name, own))
                log.info("[%s] accepted root socket connection pid:%d as %s (signed token)",
                         conn.name, creds.pid, name)
                return Identity(self.name, name, token=self.minter.token_for(name), uid=uid, gid=gid,
                                verified=True)
        elif uid == me:
            name = _user_name(uid)
        else:
            name = self._become(conn, uid, gid)
        if not name:
            raise AuthError("uid %d has no user name" % uid, E.ESLURM_USER_ID_MISSING)
        log.info("[%s] accepted local connection uid:%d gid:%d pid:%d as %s",
                 conn.name, uid, gid, creds.pid, name)
        return Identity(self.name, name, uid=uid, gid=gid, verified=True)

    def _become(self, conn, uid: int, gid: int) -> str:
        from slurmrestd import security

        with self._lock:
            if not self._become_user:
                raise AuthError("socket peer uid %d is not the daemon's user" % uid)
            name = _user_name(uid)
            if name is None:
                raise AuthError("uid %d has no user name" % uid, E.ESLURM_USER_ID_MISSING)
            security.become(uid, gid)
            self._become_user = False  # one switch per process, never back
            return name

    def _pipe(self, conn) -> Identity | None:
        if self._become_user:
            raise AuthError("pipes are refused in become_user mode")
        st = os.fstat(conn.rfd)
        if stat.S_ISSOCK(st.st_mode):
            return None  # a TCP socket on stdin: nothing to vouch for the peer
        if not (stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode) or stat.S_ISREG(st.st_mode)):
            raise AuthError("unsupported file type on stdin")
        if st.st_mode & (stat.S_ISUID | stat.S_ISGID):
            raise AuthError("stdin has set-id bits")
        if st.st_mode & stat.S_IRWXO:
            raise AuthError("stdin is readable or writable by others")
        if st.st_uid != os.getuid():
            raise AuthError("stdin is owned by uid %d, not the daemon's user" % st.st_uid)
        name = _user_name(st.st_uid)
        if not name:
            raise AuthError("uid %d has no user name" % st.st_uid, E.ESLURM_USER_ID_MISSING)
        return Identity(self.name, name, uid=st.st_uid, gid=st.st_gid, verified=True)
