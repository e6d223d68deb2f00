"""When a process may use a warm server, and which warm server it may use.

Standard library only (``os``, ``sys``, ``_blake2``): this runs before anything else in
every inet-mode process.  (No ``from __future__ import annotations`` on this path: loading
``__future__`` costs more than the annotations it would defer.)
"""

import os
import sys

from slurmrestd import options

#: The variable that turns warm start off (``no``) or sets the warm server's idle lifetime.
ENV = "SLURMRESTD_INET_WARM"
#: Seconds a warm server waits for the next client before it exits (the default lifetime).
DEFAULT_IDLE_S = 300
#: The longest idle lifetime accepted.
MAX_IDLE_S = 86400
#: Bumped whenever the hand-off or the fingerprint changes shape: old servers then idle out.
FORMAT = 1
#: Environment variables that Python or the C library read when the interpreter starts (a
#: warm child cannot apply them after the fact, so they must be equal); every other variable
#: reaches the child as the client process had it.
STARTUP_VARS = ("LANG", "LANGUAGE", "TZ", "GLIBC_TUNABLES", ENV)
STARTUP_PREFIXES = ("PYTHON", "LC_", "LD_", "MALLOC_")
#: Longest socket path, terminating NUL included (Linux ``sockaddr_un.sun_path``).
SUN_PATH_MAX = 108
#: Namespaces a child must share with its client process.
NAMESPACES = ("cgroup", "ipc", "mnt", "net", "pid", "user", "uts")


class PolicyError(ValueError):
    """A bad ``SLURMRESTD_INET_WARM``: one line of explanation."""


def parse_idle(value: str | None) -> int:
    """``SLURMRESTD_INET_WARM`` → the idle lifetime in seconds; 0 is off."""
    if value is None or not value.strip():
        return DEFAULT_IDLE_S
    v = value.strip().lower()
    if v in ("no", "off", "false", "0"):
        return 0
    if v in ("yes", "on", "true"):
        return DEFAULT_IDLE_S
    if v.isdigit() and 1 <= int(v) <= MAX_IDLE_S:
        return int(v)
    raise PolicyError("%s=%s: expected no, yes or the idle lifetime in seconds (1-%d)"
                      % (ENV, value, MAX_IDLE_S))


def idle_lifetime(argv: list[str], environ) -> int:
    """The idle lifetime a warm server for this process would have; 0 when this process must
    serve cold: warm start off or misspelt (the full parser reports it), listen mode,
    systemd (a per-connection unit's control group is killed with it, warm server
    included; socket activation with Accept=no is the persistent daemon), or a command
    line that does not serve."""
    try:
        idle = parse_idle(environ.get(ENV))
    except PolicyError:
        return 0
    if not idle or environ.get("INVOCATION_ID") or environ.get("LISTEN_FDS") or environ.get("SLURMRESTD_LISTEN"):
        return 0
    return idle if options.serves_inet(argv) else 0


def _package_stamp(root: str) -> list:
    """(path, size, mtime) of every source file of the package: an upgrade or an edit gives
    another fingerprint, so a warm server never runs code older than the files."""
    out = []
    stack = [root]
    while stack:
        d = stack.pop()
        with os.scandir(d) as it:
            for e in it:
                if e.is_dir(follow_symlinks=False):
                    if e.name != "__pycache__":
                        stack.append(e.path)
                elif e.name.endswith((".py", ".json")):
                    st = e.stat()
                    out.append((e.path, st.st_size, st.st_mtime_ns))
    out.sort()
    return out


def _namespaces(pid: str = "self") -> tuple:
    out = []
    for ns in NAMESPACES:
        try:
            out.append(os.readlink("/proc/%s/ns/%s" % (pid, ns)))
        except OSError:
            out.append("")
    return tuple(out)


def _umask() -> int:
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def _rlimits() -> str:
    """Every resource limit, as the kernel lists them (cheaper than loading ``resource``)."""
    try:
        with open("/proc/self/limits") as f:
            return f.read()
    except OSError:
        return ""


def fingerprint(argv: list[str], environ) -> bytes:
    """Everything that makes a warm child interchangeable with this process, as bytes."""
    import slurmrestd

    path = tuple(sys.path)
    parts = (
        FORMAT, sys.executable, tuple(sys.flags), path,
        # a relative entry of sys.path ('' for -c) depends on the working directory
        os.getcwd() if any(not os.path.isabs(p) for p in path) else "",
        _package_stamp(slurmrestd.__path__[0]),
        tuple(argv),
        (os.getuid(), os.geteuid(), os.getgid(), os.getegid(), tuple(sorted(os.getgroups()))),
        _umask(), _rlimits(), _namespaces(),
        tuple(sorted((k, v) for k, v in environ.items() if k in STARTUP_VARS or k.startswith(STARTUP_PREFIXES))),
    )
    return repr(parts).encode("utf-8", "surrogateescape")


def socket_dir(environ) -> str | None:
    """A directory only this user can enter (created if missing), or None when there is none
    that is safe: owned by another user, open to others, or not a directory."""
    uid = os.geteuid()
    base = environ.get("XDG_RUNTIME_DIR") or ""
    d = os.path.join(base, "slurmrestd-warm") if os.path.isabs(base) else "/tmp/slurmrestd-warm-%d" % uid
    try:
        os.mkdir(d, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    try:
        st = os.lstat(d)
    except OSError:
        return None
    import stat

    if not stat.S_ISDIR(st.st_mode) or st.st_uid != uid or st.st_mode & 0o077:
        return None
    return d


def socket_path(directory: str, fp: bytes) -> str | None:
    """The warm server's socket for this fingerprint (None if the path would be too long)."""
    from _blake2 import blake2b

    path = os.path.join(directory, "w%s.sock" % blake2b(fp, digest_size=10).hexdigest())
    return path if len(os.fsencode(path)) < SUN_PATH_MAX else None
