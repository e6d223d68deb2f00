"""rest_auth/local: trust the kernel's word about who is on the other end.

Applies to unix sockets (SO_PEERCRED) and to inet mode over pipes or a TTY
(the descriptor's owner).  TCP peers are skipped.  A peer other than ourselves
is refused, except root (who may name any user with X-SLURM-USER-NAME) and,
once, the first caller in ``become_user`` mode, whose identity the whole
process then takes on.
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

    def __init__(self, become_user: bool = False) -> None:
        self._become_user = become_user
        self._lock = threading.Lock()

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
            name = headers.get("x-slurm-user-name") or _user_name(me)
        elif uid == me:
            name = _user_name(uid)
        else:
            name = self._become(conn, uid, gid)
        if not name:
            raise AuthError("uid %d has no user name" % uid, E.ESLURM_USER_ID_MISSING)
        log.info("[%s] accepted local connection uid:%d gid:%d pid:%d as %s",
                 conn.name, uid, gid, creds.pid, name)
        return Identity(self.name, name, uid=uid, gid=gid)

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
        return Identity(self.name, name, uid=st.st_uid, gid=st.st_gid)
