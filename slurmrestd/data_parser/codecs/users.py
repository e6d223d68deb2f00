"""Users and groups: ids dumped as names, names or ids parsed to ids."""

from __future__ import annotations

import grp
import math
import pwd
import time
from typing import Optional

from slurmrestd.data_parser.codecs.base import CodecSet
from slurmrestd.data_parser.members import member
from slurmrestd.data_parser.plain import compact, to_int
from slurmrestd.errors import E
from slurmrestd.slurm.defs import SLURM_AUTH_NOBODY
from slurmrestd.slurm.sentinels import NO_VAL

CODECS = CodecSet()


class _NameCache:
    """id → name lookups (passwd/group, possibly NSS over the network), remembered briefly.

    A job list names the same few users thousands of times; a short lifetime keeps
    renamed or new accounts visible quickly."""

    TTL_S = 60.0
    MAX = 4096

    def __init__(self, lookup) -> None:
        self._lookup = lookup
        self._data: dict = {}

    def __call__(self, key: int) -> Optional[str]:
        now = time.monotonic()
        hit = self._data.get(key)
        if hit is not None and hit[1] > now:
            return hit[0]
        try:
            name = self._lookup(key)
        except (KeyError, OverflowError):
            name = None
        if len(self._data) >= self.MAX:
            self._data.clear()
        self._data[key] = (name, now + self.TTL_S)
        return name


_user_name = _NameCache(lambda uid: pwd.getpwuid(uid).pw_name)
_group_name = _NameCache(lambda gid: grp.getgrgid(gid).gr_name)


def _id_to_name(value, names: _NameCache) -> Optional[str]:
    if value is None:
        return None
    try:
        value = int(value)
    except (TypeError, ValueError):
        return None
    if value == 0:
        return "root"
    return names(value)


def uid_to_name(uid) -> Optional[str]:
    """``uid_to_string_or_null()``: the user name, or None when unknown."""
    return _id_to_name(uid, _user_name)


def gid_to_name(gid) -> Optional[str]:
    """``gid_to_string_or_null()``: the group name, or None when unknown."""
    return _id_to_name(gid, _group_name)


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
    name = uid_to_name(value)
    return name if name is not None else ""


@CODECS.dumper("GROUP_ID")
def _dump_group_id(d, t, value):
    name = gid_to_name(value)
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
    name = uid_to_name(member(job, "uid"))
    return name or ""
