"""The inet-mode process's first step: offer the client to a warm server, else start one.

Standard library only, and its cheapest parts (``_socket``, ``_signal``; integers packed
with ``int.to_bytes``, since ``_struct`` is a shared library to load): on the warm path
this module, ``policy`` and ``wire`` are all this process loads.
"""

import os
import sys

from slurmrestd.warmstart import policy, wire

#: Seconds to wait for the warm server's "started" or "refused" once the hand-off is sent.
START_TIMEOUT_S = 10.0
#: A warm server that started (or failed to start) this recently is not started again.
RESPAWN_AFTER_S = 30.0
#: Signals passed on to the child, as a process supervisor (inetd, a test) sends them.
FORWARDED = ("SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2")


def serve(argv: list[str], environ=None) -> int | None:
    """Serve this process's client through a warm server and return the child's exit status;
    or None when this process must serve it itself (warm start does not apply, or no warm
    server answered: one is then started for the next clients)."""
    environ = os.environ if environ is None else environ
    idle = policy.idle_lifetime(argv, environ)
    if not idle:
        return None
    directory = policy.socket_dir(environ)
    if directory is None:
        return None
    fp = policy.fingerprint(argv, environ)
    path = policy.socket_path(directory, fp)
    if path is None:
        return None
    status = _hand_off(path, fp)
    if status is None:
        _maybe_spawn(path, idle, argv)
    return status


def _hand_off(path: str, fp: bytes) -> int | None:
    import _socket

    s = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        try:
            s.connect(path)
        except OSError:
            return None
        cred = s.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, 12)  # struct ucred: pid, uid, gid
        uid = int.from_bytes(cred[4:8], sys.byteorder)
        if uid != os.geteuid():
            return None  # not ours: the directory check makes this unlikely, but never hand over
        env = [k + b"=" + v for k, v in os.environb.items()]
        msg = wire.encode_handoff(fp, os.fsencode(sys.argv[0] if sys.argv else "slurmrestd"),
                                  os.fsencode(os.getcwd()), env)
        fds = b"".join(fd.to_bytes(4, sys.byteorder) for fd in (0, 1, 2))  # int[3] for SCM_RIGHTS
        s.settimeout(START_TIMEOUT_S)
        sent = s.sendmsg([msg], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, fds)])
        if sent < len(msg):
            s.sendall(msg[sent:])
        reader = wire.ReportReader()
        while True:
            data = s.recv(4096)
            if not data:
                return None  # the server went away before a child took the client
            reports = reader.feed(data)
            if reports:
                break
        kind, child = reports[0]
        if kind == "R":
            return None
        if kind != "S":
            raise wire.WireError("exit report before the start report")
        try:
            return _follow(s, reader, child, reports[1:])
        except Exception:
            return 1  # the child owns the client: whatever happens now, never serve it again
    except (OSError, wire.WireError):
        # Before "started" nothing has read the client's descriptors: serving cold is safe.
        # After it (_follow never raises these) the child owns them.
        return None
    finally:
        s.close()


def _follow(s, reader: "wire.ReportReader", child: int, early: list) -> int:
    """The child owns the client now: drop this process's copies of its descriptors (the
    client sees the end of the answer when the child closes its own), pass on signals, and
    return the child's exit status."""
    import _signal

    def forward(signum, frame):
        try:
            os.kill(child, signum)
        except OSError:
            pass

    previous = {name: _signal.signal(getattr(_signal, name), forward) for name in FORWARDED}
    try:
        null = os.open(os.devnull, os.O_RDWR)
    except OSError:
        null = None
    for fd in (0, 1, 2):
        try:
            if null is None:
                os.close(fd)
            else:
                os.dup2(null, fd)
        except OSError:
            pass
    if null is not None:
        os.close(null)
    s.settimeout(None)
    try:
        for kind, value in early:  # the exit report may come with the start report
            if kind == "X":
                return int(value) & 0xFF
        while True:
            try:
                data = s.recv(64)
            except OSError:
                return 1
            if not data:
                return 1  # the child died without reporting (killed by a signal)
            try:
                reports = reader.feed(data)
            except wire.WireError:
                return 1
            for kind, value in reports:
                if kind == "X":
                    return int(value) & 0xFF
    finally:
        for name, handler in previous.items():
            _signal.signal(getattr(_signal, name), handler)


def _maybe_spawn(path: str, idle: int, argv: list[str]) -> None:
    """Start a warm server for this fingerprint in the background, unless one started (or
    failed to) within RESPAWN_AFTER_S."""
    import time

    lock = path[:-len(".sock")] + ".lock"
    try:
        if time.time() - os.stat(lock).st_mtime < RESPAWN_AFTER_S:
            return
    except OSError:
        pass
    import json
    import subprocess

    spec = json.dumps({"socket": path, "idle": idle, "argv": argv, "sys_path": sys.path})
    cmd = [sys.executable, *subprocess._args_from_interpreter_flags(), "-c",
           "import json, sys; spec = json.loads(sys.argv[1]); sys.path[:] = spec['sys_path']; "
           "from slurmrestd.warmstart.server import main; sys.exit(main(spec))", spec]
    try:
        first = os.fork()
    except OSError:
        return
    if first == 0:
        try:
            os.setsid()
            if os.fork() == 0:
                null = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(null, fd)
                os.closerange(3, os.sysconf("SC_OPEN_MAX"))
                os.execv(sys.executable, cmd)
        finally:
            os._exit(0)
    try:
        os.waitpid(first, 0)
    except OSError:
        pass
