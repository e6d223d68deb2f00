"""Users and groups: ids dumped as names, names or ids parsed to ids."""

from __future__ import annotations

import grp
import math
import pwd
import threading
import time
from typing import Callable, Optional

from slurmrestd.data_parser.codecs.base import CodecSet
from slurmrestd.data_parser.members import member
from slurmrestd.data_parser.plain import compact, to_int
from slurmrestd.errors import E
from slurmrestd.slurm.defs import SLURM_AUTH_NOBODY, SLURM_AUTH_NOBODY_NAME
from slurmrestd.slurm.sentinels import NO_VAL

CODECS = CodecSet()


class _Remembered:
    """id → name (or None), each answer kept for ``ttl_s`` seconds, at most ``size`` of them
    (the oldest forgotten first); ``size`` 0 remembers nothing."""

    def __init__(self, lookup: Callable[[int], str], size: int, ttl_s: float) -> None:
        self._lookup = lookup
        self._size = max(0, size)
        self._ttl_s = ttl_s
        self._lock = threading.Lock()
        self._data: dict[int, tuple[Optional[str], float]] = {}

    def __call__(self, key: int) -> Optional[str]:
        now = time.monotonic()
        with self._lock:
            hit = self._data.get(key)
        if hit is not None and hit[1] > now:
            return hit[0]
        try:
            name: Optional[str] = self._lookup(key)
        except (KeyError, OverflowError, ValueError):
            name = None
        if self._size:
            with self._lock:
                self._data.pop(key, None)
                while len(self._data) >= self._size:
                    del self._data[next(iter(self._data))]
                self._data[key] = (name, now + self._ttl_s)
        return name

    def __len__(self) -> int:
        return len(self._data)


class IdNames:
    """User and group names of ids, from this host's passwd and group databases (possibly
    NSS over the network).

    Only a fallback: a name the controller sends (``user_name`` of a job, ``user`` of an
    accounting record) is what gets dumped; this host's databases may not be the cluster's
    (containers, a REST host without the site's LDAP).  One instance per daemon
    (``Site.names``) remembers answers briefly, because a job list names the same few users
    thousands of times; without one (``ParserContext.names`` None) every lookup asks."""

    def __init__(self, size: int = 0, ttl_s: float = 60.0) -> None:
        self.user = _Remembered(lambda uid: pwd.getpwuid(uid).pw_name, size, ttl_s)
        self.group = _Remembered(lambda gid: grp.getgrgid(gid).gr_name, size, ttl_s)


def _as_id(value) -> Optional[int]:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def uid_to_name(uid, names: Optional[IdNames] = None, sent: Optional[dict] = None) -> Optional[str]:
    """``uid_to_string_or_null()``: the user name, or None when unknown.  ``sent``: names the
    controller sent in this answer, by uid, tried first.  As in C, uid 0 is "root" and
    ``SLURM_AUTH_NOBODY`` (99) is "nobody" whatever this host's passwd says."""
    uid = _as_id(uid)
    if uid is None:
        return None
    if sent:
        name = sent.get(uid)
        if name:
            return name
    if uid == 0:
        return "root"
    if uid == SLURM_AUTH_NOBODY:
        return SLURM_AUTH_NOBODY_NAME
    return (names or IdNames()).user(uid)


def gid_to_name(gid, names: Optional[IdNames] = None) -> Optional[str]:
    """``gid_to_string_or_null()``: the group name, or None when unknown (as in C, always for
    ``SLURM_AUTH_NOBODY``, 99)."""
    gid = _as_id(gid)
    if gid is None or gid == SLURM_AUTH_NOBODY:
        return None
    if gid == 0:
        return "root"
    return (names or IdNames()).group(gid)


def _name_to_id(s: str, lookup) -> Optional[int]:
    """``uid_from_string()``/``gid_from_string()``: a name, or a numeric id."""
    try:
        return lookup(s)
    except KeyError:
        pass
    v = to_int(s)
    if v is not None and 0 <= v < 0xFFFFFFFF:
        return v
    return None


def _name_to_uid(s: str) -> Optional[int]:
    return _name_to_id(s, lambda name: pwd.getpwnam(name).pw_uid)


def _name_to_gid(s: str) -> Optional[int]:
    return _name_to_id(s, lambda name: grp.getgrnam(name).gr_gid)


@CODECS.dumper("USER_ID")
def _dump_user_id(d, t, value):
    name = uid_to_name(value, d.ctx.names, d.ctx.user_names)
    return name if name is not None else ""


@CODECS.dumper("GROUP_ID")
def _dump_group_id(d, t, value):
    name = gid_to_name(value, d.ctx.names)
    if name is not None:
        return name
    return None if d.ctx.complex_mode else ""


def _parse_id(p, data, path, what, resolve, errno_invalid, errno_unknown):
    if data is None:
        return SLURM_AUTH_NOBODY
    if isinstance(data, bool) or isinstance(data, (dict, list)):
        p.error(E.ESLURM_DATA_CONV_FAILED, path, f"Invalid {what} field: {compact(data)}")
    if isinstance(data, float):
        if math.isnan(data) or math.isinf(data):
            p.error(E.ESLURM_DATA_CONV_FAILED, path,
                    f"Unable to convert {compact(data)} to integer to resolve {what}")
        data = int(round(data))
    if isinstance(data, str):
        s = data
        if not s:
            return SLURM_AUTH_NOBODY
        n = to_int(s)
        if n is None:
            v = resolve(s)
            if v is None:
                p.error(errno_unknown, path, f"Unable to resolve {what}: {s}")
            return v
        data = n
    if data < 0 or data > 0xFFFFFFFF:
        p.error(errno_invalid, path, f"Invalid {what} ID (overflow): {data}")
    return int(data)


@CODECS.parser("USER_ID")
def _parse_user_id(p, t, data, path):
    return _parse_id(p, data, path, "user", _name_to_uid, E.ESLURM_USER_ID_INVALID,
                     E.ESLURM_USER_ID_UNKNOWN)


@CODECS.parser("GROUP_ID")
def _parse_group_id(p, t, data, path):
    return _parse_id(p, data, path, "group", _name_to_gid, E.ESLURM_GROUP_ID_INVALID,
                     E.ESLURM_GROUP_ID_UNKNOWN)


@CODECS.dumper("SINFO_REASON_USER_ID")
def _dump_reason_uid(d, t, obj):
    uid = member(obj, "reason_uid", NO_VAL)
    if uid == NO_VAL:
        return ""
    return _dump_user_id(d, t, uid)


@CODECS.dumper("JOB_USER")
def _dump_job_user(d, t, job):
    """slurmdb job: the user name if recorded, else resolve ``uid``."""
    user = member(job, "user")
    if user:
        return user
    name = uid_to_name(member(job, "uid"), d.ctx.names, d.ctx.user_names)
    return name or ""
