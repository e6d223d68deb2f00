"""Privilege handling, done once at start-up (and once more in become_user mode).

Python's setuid() changes the whole process, so identity per request is never
done by switching users: each request carries its own credential instead.
"""

from __future__ import annotations

import ctypes
import grp
import logging
import os
import pwd

log = logging.getLogger("slurmrestd.security")

NOBODY = 65534
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_DUMPABLE = 4
_CLONE_FILES = 0x00000400
_CLONE_SYSVSEM = 0x00040000



def _libc() -> ctypes.CDLL:
    """The C library already mapped into this process (dlopen(NULL)): no
    ``ctypes.util.find_library``, which runs ``ldconfig -p`` in a child process."""
    return ctypes.CDLL(None, use_errno=True)


class SecurityError(Exception):
    """A start-up privilege check or change that failed; the daemon must not run."""


def resolve_user(spec: str) -> tuple[int, int]:
    """User name or number → (uid, primary gid)."""
    try:
        pw = pwd.getpwuid(int(spec)) if spec.isdigit() else pwd.getpwnam(spec)
    except (KeyError, ValueError):
        if spec.isdigit():
            return int(spec), int(spec)
        raise SecurityError("Unable to resolve user: %s" % spec) from None
    return pw.pw_uid, pw.pw_gid


def resolve_group(spec: str) -> int:
    try:
        return grp.getgrgid(int(spec)).gr_gid if spec.isdigit() else grp.getgrnam(spec).gr_gid
    except (KeyError, ValueError):
        if spec.isdigit():
            return int(spec)
        raise SecurityError("Unable to resolve gid: %s" % spec) from None


def _prctl(option: int, arg: int) -> None:
    if _libc().prctl(option, arg, 0, 0, 0) != 0:
        e = ctypes.get_errno()
        raise SecurityError("prctl(%d) failed: %s" % (option, os.strerror(e)))


def _unshare(flags: int, what: str) -> None:
    if _libc().unshare(flags) != 0:
        e = ctypes.get_errno()
        raise SecurityError("Unable to unshare %s: %s" % (what, os.strerror(e)))


def lock_down(unshare_files: bool, unshare_sysv: bool) -> None:
    """No new privileges, private file table and SysV IPC namespace."""
    if os.getuid() == NOBODY or os.getgid() == NOBODY:
        raise SecurityError("slurmrestd must not be run as nobody")
    _prctl(_PR_SET_NO_NEW_PRIVS, 1)
    if unshare_sysv:
        _unshare(_CLONE_SYSVSEM, "System V namespace")
    if unshare_files:
        _unshare(_CLONE_FILES, "file descriptors")


def drop_privileges(uid: int | None, gid: int | None) -> None:
    """Switch to -u/-g after the listening sockets are open.

    Supplementary groups are dropped; the group changes before the user so the
    group change is still permitted.
    """
    if uid is not None and gid is None:
        try:
            gid = pwd.getpwuid(uid).pw_gid
        except KeyError:
            gid = None
    if gid is not None:
        extra = [g for g in os.getgroups() if g != gid]
        if extra:
            try:
                os.setgroups([])
            except PermissionError:
                raise SecurityError(
                    "lacking CAP_SETGID to drop supplementary groups %s; remove them from the user first"
                    % extra) from None
        if os.getgid() != gid:
            os.setgid(gid)
    if uid is not None and os.getuid() != uid:
        os.setuid(uid)
    try:
        _prctl(_PR_SET_DUMPABLE, 1)
    except SecurityError as e:
        log.debug("%s", e)


def check_user(slurm_user_uid: int | None, become_user: bool) -> None:
    """Refuse to run as root, SlurmUser or nobody, or with their groups."""
    uid, gid = os.getuid(), os.getgid()
    if uid == NOBODY:
        raise SecurityError("slurmrestd should not be run as nobody(%d)" % NOBODY)
    if gid == NOBODY:
        raise SecurityError("slurmrestd should not be run with nobody(%d) group." % NOBODY)
    if slurm_user_uid is not None:
        if uid == slurm_user_uid:
            raise SecurityError("slurmrestd should not be run as SlurmUser")
        try:
            su_gid = pwd.getpwuid(slurm_user_uid).pw_gid
        except KeyError:
            su_gid = None
        if su_gid is not None and (gid == su_gid or su_gid in os.getgroups()):
            raise SecurityError("slurmrestd should not be run with SlurmUser's group.")
    if uid == 0 and not become_user:
        raise SecurityError("slurmrestd should not be run as the root user.")
    if gid == 0 and not become_user:
        raise SecurityError("slurmrestd should not be run with the root group.")
    for g in os.getgroups():
        if g == 0 and not become_user:
            raise SecurityError("slurmrestd should not be run with the root group.")
        if g == NOBODY:
            raise SecurityError("slurmrestd should not be run with nobody(%d) group." % NOBODY)


def check_become_user_root() -> None:
    if os.getuid() != 0 or os.getgid() != 0:
        raise SecurityError("slurmrestd must run as root in become_user mode")


def become(uid: int, gid: int) -> None:
    """become_user mode: take on the first local caller's identity, once, for good."""
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    if os.getuid() != uid or os.getgid() != gid:
        raise SecurityError("user switch sanity check failed")
    log.info("switched to uid %d gid %d for good (become_user)", uid, gid)
